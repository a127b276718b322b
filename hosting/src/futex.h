#pragma once
// Shared (cross-process) futex wait/wake on a 32-bit word in a MAP_SHARED mapping, plus the
// monotonic clock. [audio-thread] safe: plain syscalls, no allocation.

#include <cstdint>

namespace aap {
namespace futex {

// Sleeps while *word == expected, at most timeoutNs (< 0: no limit). Returns when woken, when
// the value differs, on a signal, or at the timeout; callers re-check their condition.
void wait(uint32_t* word, uint32_t expected, int64_t timeoutNs) noexcept;

// Wakes up to `count` waiters sleeping on `word` (any process mapping the same memory).
void wake(uint32_t* word, int count) noexcept;

} // namespace futex

// CLOCK_MONOTONIC in nanoseconds.
int64_t monotonicNanoseconds() noexcept;

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

inline uint32_t loadAcquire(const uint32_t* word) noexcept { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }
inline void storeRelease(uint32_t* word, uint32_t value) noexcept { __atomic_store_n(word, value, __ATOMIC_RELEASE); }
inline uint32_t loadSeqCst(const uint32_t* word) noexcept { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
inline void storeSeqCst(uint32_t* word, uint32_t value) noexcept { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }

} // namespace aap
