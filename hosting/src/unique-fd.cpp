#include "aap/hosting/unique-fd.h"

#include <unistd.h>

namespace aap {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

} // namespace aap
