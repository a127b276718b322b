#include "aap/hosting/shared-memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace aap {

static_assert(SharedMemory::kRequiredSeals == (F_SEAL_SHRINK | F_SEAL_GROW), "the seal bits of <fcntl.h>");

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
    UniqueFd fd{::memfd_create(debugName != nullptr ? debugName : "aap-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    if (!fd.valid())
        return HostingStatus::ResourceFailed;
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
        return HostingStatus::ResourceFailed;
    // Sealed before anyone else sees it: neither side can ever shrink it (which would SIGBUS the
    // other side's next access to its mapping) or grow it, and the seals cannot be changed.
    if (::fcntl(fd.get(), F_ADD_SEALS, kRequiredSeals | F_SEAL_SEAL) != 0)
        return HostingStatus::ResourceFailed;
    return adopt(std::move(fd), size, out);
}

HostingStatus SharedMemory::adopt(UniqueFd fd, size_t size, SharedMemory* out, std::string* error) {
    auto refuse = [error](HostingStatus status, const char* why) {
        if (error != nullptr)
            *error = why;
        return status;
    };
    if (!fd.valid() || size == 0 || out == nullptr)
        return refuse(HostingStatus::InvalidArgument, "no descriptor or size");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return refuse(HostingStatus::ResourceFailed, "fstat failed on the shared-memory descriptor");
    if (!S_ISREG(st.st_mode))
        return refuse(HostingStatus::ProtocolError, "the shared-memory descriptor is not a memfd");
    const int seals = ::fcntl(fd.get(), F_GET_SEALS);
    if (seals < 0 || (seals & kRequiredSeals) != kRequiredSeals)
        return refuse(HostingStatus::ProtocolError,
                      "the shared memory is not sealed against shrinking and growing (a memfd with "
                      "F_SEAL_SHRINK | F_SEAL_GROW is required)");
    if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) != size)
        return refuse(HostingStatus::ProtocolError, "the shared memory's size differs from the size announced with it");
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
