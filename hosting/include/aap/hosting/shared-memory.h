#pragma once
// A memfd-backed shared mapping (never a /dev/shm name): created by one process, passed to the
// other with SCM_RIGHTS, mapped read-write by both. Unmapped and closed on destruction.
//
// Fault model (docs/hosting.md): every memfd is sealed with F_SEAL_SHRINK | F_SEAL_GROW |
// F_SEAL_SEAL before it leaves the process that created it, and adopt() refuses one without
// F_SEAL_SHRINK | F_SEAL_GROW. A sealed file keeps its size for its whole life, so the other
// process can never truncate it under our mapping (which would raise SIGBUS on our next access).

#include <cstddef>
#include <cstdint>
#include <string>

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

    // The seals adopt() requires of a received memfd (create() also adds F_SEAL_SEAL).
    static constexpr int kRequiredSeals = 0x0002 | 0x0004;  // F_SEAL_SHRINK | F_SEAL_GROW

    // Takes ownership of `fd` received from the other process and maps `size` bytes of it.
    // Fails with ProtocolError when it is not a memfd sealed with F_SEAL_SHRINK | F_SEAL_GROW or
    // its size is not exactly `size` (so an untrusted peer can never make us touch memory past the
    // end of the file, which would raise SIGBUS); *error then says why in one line.
    static HostingStatus adopt(UniqueFd fd, size_t size, SharedMemory* out, std::string* error = nullptr);

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
