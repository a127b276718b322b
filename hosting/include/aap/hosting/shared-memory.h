#pragma once
// A memfd-backed shared mapping (never a /dev/shm name): created by one process, passed to the
// other with SCM_RIGHTS, mapped read-write by both. Unmapped and closed on destruction.

#include <cstddef>
#include <cstdint>

#include "aap/hosting/status.h"
#include "aap/hosting/unique-fd.h"

namespace aap {

class SharedMemory {
public:
    SharedMemory() noexcept = default;
    SharedMemory(SharedMemory&& other) noexcept;
    SharedMemory& operator=(SharedMemory&& other) noexcept;
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;
    ~SharedMemory();

    // Creates a zero-filled memfd of `size` bytes (> 0) and maps it. `debugName` shows in
    // /proc/<pid>/fd only. [main-thread]
    static HostingStatus create(size_t size, const char* debugName, SharedMemory* out);

    // Takes ownership of `fd` received from the other process and maps `size` bytes of it.
    // Fails with ProtocolError when the object is smaller than `size` (so an untrusted peer
    // cannot make us touch memory past the end of the file, which would raise SIGBUS).
    static HostingStatus adopt(UniqueFd fd, size_t size, SharedMemory* out);

    void* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    int fd() const noexcept { return fd_.get(); }
    bool valid() const noexcept { return data_ != nullptr; }

private:
    void unmap() noexcept;

    UniqueFd fd_;
    void* data_ = nullptr;
    size_t size_ = 0;
};

} // namespace aap
