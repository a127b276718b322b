#include "futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace aap {
namespace futex {

void wait(uint32_t* word, uint32_t expected, int64_t timeoutNs) noexcept {
    struct timespec ts {};
    struct timespec* timeout = nullptr;
    if (timeoutNs >= 0) {
        ts.tv_sec = static_cast<time_t>(timeoutNs / 1000000000);
        ts.tv_nsec = static_cast<long>(timeoutNs % 1000000000);
        timeout = &ts;
    }
    ::syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, nullptr, 0);
}

void wake(uint32_t* word, int count) noexcept {
    ::syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
}

} // namespace futex

int64_t monotonicNanoseconds() noexcept {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace aap
