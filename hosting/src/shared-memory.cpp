#include "aap/hosting/shared-memory.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace aap {

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : fd_(std::move(other.fd_)), data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
    if (this != &other) {
        unmap();
        fd_ = std::move(other.fd_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

SharedMemory::~SharedMemory() { unmap(); }

void SharedMemory::unmap() noexcept {
    if (data_ != nullptr)
        ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
    fd_.reset();
}

HostingStatus SharedMemory::create(size_t size, const char* debugName, SharedMemory* out) {
    if (size == 0 || out == nullptr)
        return HostingStatus::InvalidArgument;
    UniqueFd fd{::memfd_create(debugName != nullptr ? debugName : "aap-shm", MFD_CLOEXEC)};
    if (!fd.valid())
        return HostingStatus::ResourceFailed;
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
        return HostingStatus::ResourceFailed;
    return adopt(std::move(fd), size, out);
}

HostingStatus SharedMemory::adopt(UniqueFd fd, size_t size, SharedMemory* out) {
    if (!fd.valid() || size == 0 || out == nullptr)
        return HostingStatus::InvalidArgument;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return HostingStatus::ResourceFailed;
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || static_cast<uint64_t>(st.st_size) < size)
        return HostingStatus::ProtocolError;
    void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (data == MAP_FAILED)
        return HostingStatus::ResourceFailed;
    SharedMemory result;
    result.fd_ = std::move(fd);
    result.data_ = data;
    result.size_ = size;
    *out = std::move(result);
    return HostingStatus::Ok;
}

} // namespace aap
