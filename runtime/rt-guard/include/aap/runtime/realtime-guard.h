#pragma once
// aap::RealtimeGuard: counts, on the CURRENT THREAD while a guard is alive, the heap operations
// and every call that can block or wait on another thread. For tests (ours and plugin authors'):
// wrap an audio-thread code path and assert that it did none of them:
//
//     aap::RealtimeGuard guard;
//     session.process(...);
//     EXPECT_EQ(guard.heapOperations(), 0u);
//     EXPECT_EQ(guard.blockingCalls(), 0u) << guard.firstViolation();
//
// Link target aap::rt-guard ONLY into test executables: it replaces the process-wide allocator
// entry points and interposes the blocking C library functions (see below), which a plugin or
// host binary must not do. docs/runtime.md describes it for plugin authors.
//
// How allocations are seen (RealtimeGuard::mechanism() says which one is active):
// - Plain builds: the library defines malloc, calloc, realloc, free, posix_memalign,
//   aligned_alloc and memalign (forwarding to glibc's __libc_* entry points) and every
//   replaceable operator new/delete overload (forwarding to those). Every allocation made
//   through any of them by any code in the process (including libstdc++) is counted once.
// - ASan/TSan/MSan builds: sanitizers interpose malloc and operator new themselves, and a second
//   interposer would bypass their checks. The library then defines neither and registers
//   counting hooks with __sanitizer_install_malloc_and_free_hooks instead, which the sanitizer
//   allocator calls for every malloc-family and operator new allocation. Counts are the same
//   except that realloc is reported as one allocation plus one free.
//
// How blocking calls are seen (every build, sanitizers included): the library defines the
// blocking C library functions (pthread mutex/rwlock locks, condition-variable and semaphore
// waits, syscall() for futex, the sleeps, read/write/recv/send/poll/select/epoll_wait and their
// variants, open/openat, mmap/munmap, fork/exec*/posix_spawn/system/wait*). The executable's
// definitions come first in the dynamic lookup order, so calls from the test, from the static
// SDK libraries linked into it and from dlopen()ed plugins reach them (the library links the
// test with --export-dynamic for the last). Each one counts and forwards to the next definition
// (dlsym(RTLD_NEXT)): the C library, or the sanitizer's own interceptor in ASan/TSan builds, which
// therefore still sees every call. Calls made inside the C library itself (fopen's open, usleep's
// nanosleep) are counted once, at the entry point the caller used. vfork() is not interposed (a
// wrapper cannot return twice); syscall(SYS_vfork) is counted.
//
// A few calls are allowed on an audio thread by design. They are never counted as blocking but
// counted separately (allowedCalls) so that a test can bound them, e.g. at most one futex wake
// per cycle. The list, with the reason for each, is in one place: kAllowedCalls in
// rt-guard/src/blocking-calls.c, and allowedReason() returns it.
//
// Reporting: the first violation (heap operation or blocking call) on a thread while a guard is
// alive is written to stderr with the call's name and a backtrace (backtrace_symbols_fd, which
// does not allocate; the unwinder is loaded before main). Then nothing more until all the
// thread's guards are gone. setReporting(false) silences it (for tests that violate on purpose).
//
// Thread contract: a guard counts only its own thread and must be read on that thread. Guards
// nest (each reports what happened since its own construction). Allocations are counted always
// (a thread-local increment); blocking calls only while at least one guard is alive on the thread.

#include <cstddef>
#include <cstdint>

namespace aap {

// What a counted blocking call does. The enumerator order is part of the guard's C core.
enum class BlockingCall : unsigned {
    Lock,           // pthread_mutex_*lock, pthread_rwlock_*lock (std::mutex, std::shared_mutex), spin locks
    ConditionWait,  // pthread_cond_wait/timedwait/clockwait (std::condition_variable)
    SemaphoreWait,  // sem_wait/timedwait/clockwait
    FutexWait,      // syscall(SYS_futex) waits without a timeout, PI locks, futex_waitv
    Sleep,          // sleep, usleep, nanosleep, clock_nanosleep, pause (std::this_thread::sleep_for)
    Io,             // read/write/recv/send/poll/select/epoll_wait families, accept/connect, fsync
    Open,           // open, openat, creat, fopen (and their 64 / fortified variants)
    MemoryMap,      // mmap, munmap, mremap
    Process,        // fork, exec*, posix_spawn*, system, popen, wait/waitpid/waitid
};
constexpr unsigned kBlockingCallKinds = 9;

// Calls allowed by design, counted separately (see kAllowedCalls in blocking-calls.c).
enum class AllowedCall : unsigned {
    FutexWake,                // syscall(SYS_futex, FUTEX_WAKE...) and the other non-waiting futex ops
    BoundedFutexWait,         // syscall(SYS_futex, FUTEX_WAIT...) with a timeout
    NonBlockingEventfdWrite,  // write()/eventfd_write() of 8 bytes to an O_NONBLOCK eventfd
    ClockRead,                // clock_gettime, gettimeofday (vDSO)
};
constexpr unsigned kAllowedCallKinds = 4;

class RealtimeGuard {
public:
    RealtimeGuard() noexcept;
    ~RealtimeGuard();
    RealtimeGuard(const RealtimeGuard&) = delete;
    RealtimeGuard& operator=(const RealtimeGuard&) = delete;

    // Allocations (malloc, calloc, realloc, aligned variants, every operator new) made by this
    // thread since the guard was constructed.
    std::uint64_t allocations() const noexcept;
    // Frees of non-null pointers (free, every operator delete) made by this thread since then.
    std::uint64_t deallocations() const noexcept;
    // allocations() + deallocations(): any heap traffic at all.
    std::uint64_t heapOperations() const noexcept { return allocations() + deallocations(); }

    // Calls that can block or wait, made by this thread since the guard was constructed.
    std::uint64_t blockingCalls() const noexcept;
    std::uint64_t blockingCalls(BlockingCall kind) const noexcept;
    // Calls allowed by design (not in blockingCalls), made by this thread since then.
    std::uint64_t allowedCalls(AllowedCall kind) const noexcept;

    // The function name of the first violation (heap operation or blocking call, e.g.
    // "pthread_mutex_lock", "malloc") on this thread since the outermost live guard was created,
    // or "" when there was none. Handy as a failure message.
    static const char* firstViolation() noexcept;

    static const char* name(BlockingCall kind) noexcept;   // "lock", "condition wait", ...
    static const char* name(AllowedCall kind) noexcept;    // "futex wake", ...
    static const char* allowedReason(AllowedCall kind) noexcept;  // why it is allowed

    // Process-wide: write the first violation of each guarded scope to stderr (default true).
    static void setReporting(bool enabled) noexcept;

    // "malloc-interposition" or "sanitizer-hooks", see the header comment.
    static const char* mechanism() noexcept;

private:
    std::uint64_t allocations_at_start_;
    std::uint64_t deallocations_at_start_;
    std::uint64_t blocking_at_start_[kBlockingCallKinds];
    std::uint64_t allowed_at_start_[kAllowedCallKinds];
};

// Sums the counts of several guards, e.g. one guard per cycle with the test's own waiting between
// cycles outside them:
//
//     aap::RealtimeTotals totals;
//     for (int i = 0; i < 1000; i++) {
//         std::this_thread::sleep_for(100us);  // not audio-thread work: not guarded
//         aap::RealtimeGuard guard;
//         instance.process(frames, timeout);
//         totals.add(guard);
//     }
//     EXPECT_EQ(totals.blockingCalls, 0u) << totals.firstViolation;
//     EXPECT_LE(totals.allowedCalls(aap::AllowedCall::FutexWake), 1000u);
//
// add() does not allocate or block. Not thread-safe: one RealtimeTotals per thread.
struct RealtimeTotals {
    std::uint64_t heapOperations = 0;
    std::uint64_t blockingCalls = 0;
    std::uint64_t blocking[kBlockingCallKinds] = {};
    std::uint64_t allowed[kAllowedCallKinds] = {};
    // The first violation any added guard saw (RealtimeGuard::firstViolation()), or "".
    const char* firstViolation = "";

    void add(const RealtimeGuard& guard) noexcept {
        heapOperations += guard.heapOperations();
        for (unsigned kind = 0; kind < kBlockingCallKinds; kind++) {
            const std::uint64_t count = guard.blockingCalls(static_cast<BlockingCall>(kind));
            blocking[kind] += count;
            blockingCalls += count;
        }
        for (unsigned kind = 0; kind < kAllowedCallKinds; kind++)
            allowed[kind] += guard.allowedCalls(static_cast<AllowedCall>(kind));
        if (firstViolation[0] == '\0')
            firstViolation = RealtimeGuard::firstViolation();
    }
    std::uint64_t blockingCallsOf(BlockingCall kind) const noexcept { return blocking[static_cast<unsigned>(kind)]; }
    std::uint64_t allowedCalls(AllowedCall kind) const noexcept { return allowed[static_cast<unsigned>(kind)]; }
};

} // namespace aap
