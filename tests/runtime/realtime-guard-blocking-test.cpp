// aap::RealtimeGuard's blocking-call counting: each kind of call is counted exactly, on the
// guarded thread only; the calls allowed by design are counted apart; the first violation is
// reported on stderr with a backtrace. Runs in the plain, ASan and TSan builds alike (the guard
// forwards to the sanitizers' own interceptors there).

#include "aap/runtime/realtime-guard.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace {

using aap::AllowedCall;
using aap::BlockingCall;
using aap::RealtimeGuard;

struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
    ~Pipe() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
};

// Every kind except `kind` is zero, and so is every allowed call.
void expectOnly(const RealtimeGuard& guard, BlockingCall kind, std::uint64_t count) {
    for (unsigned k = 0; k < aap::kBlockingCallKinds; k++) {
        const auto other = static_cast<BlockingCall>(k);
        EXPECT_EQ(guard.blockingCalls(other), other == kind ? count : 0u) << RealtimeGuard::name(other);
    }
    EXPECT_EQ(guard.blockingCalls(), count);
}

class RealtimeGuardBlocking : public ::testing::Test {
protected:
    // The tests below violate on purpose: keep their reports off stderr (one test turns it on).
    void SetUp() override { RealtimeGuard::setReporting(false); }
    void TearDown() override { RealtimeGuard::setReporting(true); }
};

TEST_F(RealtimeGuardBlocking, CountsNothingWhenNothingBlocks) {
    RealtimeGuard guard;
    volatile int x = 0;
    for (int i = 0; i < 1000; i++)
        x = x + i;
    EXPECT_EQ(guard.blockingCalls(), 0u);
    EXPECT_STREQ(RealtimeGuard::firstViolation(), "");
}

TEST_F(RealtimeGuardBlocking, CountsMutexAndRwlockLocksButNotTryLocks) {
    std::mutex mutex;
    std::recursive_mutex recursive;
    std::shared_mutex shared;
    pthread_mutex_t timed = PTHREAD_MUTEX_INITIALIZER;
    timespec deadline{};
    ::clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    RealtimeGuard guard;
    mutex.lock();
    mutex.unlock();
    { std::lock_guard<std::recursive_mutex> lock(recursive); }
    shared.lock_shared();
    shared.unlock_shared();
    shared.lock();
    shared.unlock();
    // (Not std::timed_mutex: its pthread_mutex_clocklock is not intercepted by GCC 12's TSan.)
    EXPECT_EQ(::pthread_mutex_timedlock(&timed, &deadline), 0);
    ::pthread_mutex_unlock(&timed);
    // try_lock never waits: not counted.
    EXPECT_TRUE(mutex.try_lock());
    mutex.unlock();
    EXPECT_TRUE(shared.try_lock_shared());
    shared.unlock_shared();
    expectOnly(guard, BlockingCall::Lock, 5);
    EXPECT_STREQ(RealtimeGuard::firstViolation(), "pthread_mutex_lock");
}

TEST_F(RealtimeGuardBlocking, CountsConditionVariableWaits) {
    std::mutex mutex;
    std::condition_variable condition;
    std::unique_lock<std::mutex> lock(mutex);
    RealtimeGuard guard;
    EXPECT_EQ(condition.wait_for(lock, std::chrono::microseconds(10)), std::cv_status::timeout);
    condition.wait_until(lock, std::chrono::system_clock::now() + std::chrono::microseconds(10));
    condition.notify_one();  // a wake, not a wait
    EXPECT_EQ(guard.blockingCalls(BlockingCall::ConditionWait), 2u);
    EXPECT_EQ(guard.blockingCalls(BlockingCall::Lock), 0u);
}

TEST_F(RealtimeGuardBlocking, CountsSemaphoreWaitsButNotTryWaits) {
    sem_t semaphore;
    ASSERT_EQ(::sem_init(&semaphore, 0, 3), 0);
    timespec deadline{};
    ::clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    {
        RealtimeGuard guard;
        EXPECT_EQ(::sem_wait(&semaphore), 0);
        EXPECT_EQ(::sem_timedwait(&semaphore, &deadline), 0);
        EXPECT_EQ(::sem_trywait(&semaphore), 0);
        expectOnly(guard, BlockingCall::SemaphoreWait, 2);
    }
    ::sem_destroy(&semaphore);
}

TEST_F(RealtimeGuardBlocking, ClassifiesFutexOperations) {
    uint32_t word = 7;
    timespec shortTimeout{0, 1000};
    RealtimeGuard guard;
    // A wait whose expected value does not match returns EAGAIN at once; it still is a wait.
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 8, nullptr, nullptr, 0), -1);
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 8, nullptr, nullptr,
                        FUTEX_BITSET_MATCH_ANY),
              -1);
    // With a timeout it is the by-design bounded wait.
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 7, &shortTimeout, nullptr, 0), -1);
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0), 0);
    EXPECT_EQ(::syscall(SYS_futex, &word, FUTEX_WAKE, 1, nullptr, nullptr, 0), 0);
    // Not a futex, not blocking: not counted at all.
    EXPECT_GT(::syscall(SYS_gettid), 0);
    expectOnly(guard, BlockingCall::FutexWait, 2);
    EXPECT_EQ(guard.allowedCalls(AllowedCall::BoundedFutexWait), 1u);
    EXPECT_EQ(guard.allowedCalls(AllowedCall::FutexWake), 2u);
    EXPECT_STREQ(RealtimeGuard::firstViolation(), "syscall(SYS_futex, FUTEX_WAIT)");
}

TEST_F(RealtimeGuardBlocking, CountsEverySleep) {
    RealtimeGuard guard;
    ::usleep(1);
    timespec duration{0, 1000};
    ::nanosleep(&duration, nullptr);
    ::clock_nanosleep(CLOCK_MONOTONIC, 0, &duration, nullptr);
    std::this_thread::sleep_for(std::chrono::microseconds(1));
    EXPECT_EQ(::sleep(0), 0u);
    expectOnly(guard, BlockingCall::Sleep, 5);
}

TEST_F(RealtimeGuardBlocking, CountsIoOnPipesAndSockets) {
    Pipe pipe;
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(epoll, 0);
    char byte = 'x';
    {
        RealtimeGuard guard;
        EXPECT_EQ(::write(pipe.fds[1], &byte, 1), 1);
        EXPECT_EQ(::read(pipe.fds[0], &byte, 1), 1);
        EXPECT_EQ(::send(pair[0], &byte, 1, 0), 1);
        EXPECT_EQ(::recv(pair[1], &byte, 1, 0), 1);
        pollfd pfd{pipe.fds[0], POLLIN, 0};
        EXPECT_EQ(::poll(&pfd, 1, 0), 0);
        fd_set set;
        FD_ZERO(&set);
        FD_SET(pipe.fds[0], &set);
        timeval zero{0, 0};
        EXPECT_EQ(::select(pipe.fds[0] + 1, &set, nullptr, nullptr, &zero), 0);
        epoll_event event{};
        EXPECT_EQ(::epoll_wait(epoll, &event, 1, 0), 0);
        expectOnly(guard, BlockingCall::Io, 7);
        EXPECT_STREQ(RealtimeGuard::firstViolation(), "write");
    }
    ::close(epoll);
    ::close(pair[0]);
    ::close(pair[1]);
}

TEST_F(RealtimeGuardBlocking, ANonBlockingEventfdWriteIsAllowedABlockingOneIsNot) {
    const int nonBlocking = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const int blocking = ::eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(nonBlocking, 0);
    ASSERT_GE(blocking, 0);
    Pipe pipe;
    const uint64_t one = 1;
    ASSERT_EQ(::fcntl(pipe.fds[1], F_SETFL, O_NONBLOCK), 0);
    {
        RealtimeGuard guard;
        EXPECT_EQ(::write(nonBlocking, &one, sizeof(one)), 8);
        EXPECT_EQ(::eventfd_write(nonBlocking, 1), 0);
        EXPECT_EQ(::write(blocking, &one, sizeof(one)), 8);          // may wait at the counter's limit
        EXPECT_EQ(::write(pipe.fds[1], &one, sizeof(one)), 8);       // a non-blocking pipe is still I/O
        expectOnly(guard, BlockingCall::Io, 2);
        EXPECT_EQ(guard.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 2u);
    }
    ::close(nonBlocking);
    ::close(blocking);
}

TEST_F(RealtimeGuardBlocking, CountsOpens) {
    RealtimeGuard guard;
    const int a = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int b = ::openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    std::FILE* c = std::fopen("/dev/null", "r");
    expectOnly(guard, BlockingCall::Open, 3);
    EXPECT_GE(a, 0);
    EXPECT_GE(b, 0);
    ASSERT_NE(c, nullptr);
    ::close(a);
    ::close(b);
    std::fclose(c);
}

TEST_F(RealtimeGuardBlocking, CountsMemoryMappings) {
    RealtimeGuard guard;
    void* mapped = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    EXPECT_EQ(::munmap(mapped, 4096), 0);
    expectOnly(guard, BlockingCall::MemoryMap, 2);
}

TEST_F(RealtimeGuardBlocking, CountsForkExecAndWait) {
    pid_t spawned = -1;
    char truePath[] = "/bin/true";
    char* argv[] = {truePath, nullptr};
    RealtimeGuard guard;
    const pid_t child = ::fork();
    if (child == 0)
        ::execv(truePath, argv);  // counted in the child, which never reports back
    ASSERT_GT(child, 0);
    int status = -1;
    EXPECT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(::posix_spawn(&spawned, truePath, nullptr, nullptr, argv, environ), 0);
    EXPECT_EQ(::waitpid(spawned, &status, 0), spawned);
    expectOnly(guard, BlockingCall::Process, 4);
}

TEST_F(RealtimeGuardBlocking, CountsClockReadsAsAllowed) {
    RealtimeGuard guard;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    ::clock_gettime(CLOCK_REALTIME, &now);
    EXPECT_EQ(guard.blockingCalls(), 0u);
    EXPECT_EQ(guard.allowedCalls(AllowedCall::ClockRead), 2u);
    EXPECT_EQ(guard.allowedCalls(AllowedCall::FutexWake), 0u);
}

TEST_F(RealtimeGuardBlocking, CountsOnlyTheGuardedThread) {
    std::mutex mutex;
    std::uint64_t inOtherThread = 0;
    RealtimeGuard guard;
    std::thread other([&] {
        RealtimeGuard mine;
        for (int i = 0; i < 10; i++)
            std::lock_guard<std::mutex> lock(mutex);
        inOtherThread = mine.blockingCalls(BlockingCall::Lock);
    });
    other.join();  // pthread_join is not among the counted calls
    EXPECT_EQ(inOtherThread, 10u);
    EXPECT_EQ(guard.blockingCalls(), 0u);
}

TEST_F(RealtimeGuardBlocking, CountsNothingWithoutAGuard) {
    std::mutex mutex;
    std::uint64_t before = 0, after = 0;
    {
        RealtimeGuard probe;
        before = probe.blockingCalls();
    }
    for (int i = 0; i < 10; i++)
        std::lock_guard<std::mutex> lock(mutex);  // no guard alive: not counted
    RealtimeGuard guard;
    after = guard.blockingCalls();
    EXPECT_EQ(before, 0u);
    EXPECT_EQ(after, 0u);
}

TEST_F(RealtimeGuardBlocking, NestedGuardsCountFromTheirOwnStart) {
    std::mutex mutex;
    RealtimeGuard outer;
    { std::lock_guard<std::mutex> lock(mutex); }
    std::uint64_t innerLocks = 0;
    {
        RealtimeGuard inner;
        { std::lock_guard<std::mutex> lock(mutex); }
        innerLocks = inner.blockingCalls(BlockingCall::Lock);
    }
    EXPECT_EQ(innerLocks, 1u);
    EXPECT_EQ(outer.blockingCalls(BlockingCall::Lock), 2u);
}

TEST_F(RealtimeGuardBlocking, TotalsSumPerCycleGuards) {
    std::mutex mutex;
    uint32_t word = 0;
    aap::RealtimeTotals totals;
    for (int cycle = 0; cycle < 5; cycle++) {
        std::this_thread::sleep_for(std::chrono::microseconds(1));  // between cycles: not counted
        RealtimeGuard guard;
        if (cycle == 3) {
            std::lock_guard<std::mutex> lock(mutex);
        }
        ::syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
        totals.add(guard);
    }
    EXPECT_EQ(totals.blockingCalls, 1u);
    EXPECT_EQ(totals.blockingCallsOf(BlockingCall::Lock), 1u);
    EXPECT_EQ(totals.blockingCallsOf(BlockingCall::Sleep), 0u);
    EXPECT_EQ(totals.allowedCalls(AllowedCall::FutexWake), 5u);
    EXPECT_EQ(totals.heapOperations, 0u);
    EXPECT_STREQ(totals.firstViolation, "pthread_mutex_lock");
}

// The guard can fail a test: a deliberate lock inside a scope that expects none.
TEST_F(RealtimeGuardBlocking, ALockFailsAnExpectationOfZero) {
    EXPECT_NONFATAL_FAILURE(
        {
            std::mutex mutex;
            RealtimeGuard guard;
            { std::lock_guard<std::mutex> lock(mutex); }
            EXPECT_EQ(guard.blockingCalls(), 0u);
        },
        "guard.blockingCalls()");
}

TEST_F(RealtimeGuardBlocking, EveryAllowedCallHasANameAndAReason) {
    for (unsigned k = 0; k < aap::kAllowedCallKinds; k++) {
        const auto kind = static_cast<AllowedCall>(k);
        EXPECT_GT(std::strlen(RealtimeGuard::name(kind)), 3u);
        EXPECT_GT(std::strlen(RealtimeGuard::allowedReason(kind)), 40u) << RealtimeGuard::name(kind);
    }
    for (unsigned k = 0; k < aap::kBlockingCallKinds; k++)
        EXPECT_GT(std::strlen(RealtimeGuard::name(static_cast<BlockingCall>(k))), 3u);
}

// Captures what the guard writes to stderr (fd 2) while `body` runs.
template <typename Body> std::string captureStderr(Body&& body) {
    std::FILE* file = std::tmpfile();
    EXPECT_NE(file, nullptr);
    if (file == nullptr)
        return {};
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file), STDERR_FILENO);
    body();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string text;
    std::rewind(file);
    char chunk[4096];
    for (size_t n; (n = std::fread(chunk, 1, sizeof(chunk), file)) > 0;)
        text.append(chunk, n);
    std::fclose(file);
    return text;
}

size_t occurrences(const std::string& text, const std::string& what) {
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        count++;
    return count;
}

TEST_F(RealtimeGuardBlocking, ReportsTheFirstViolationOnceWithABacktrace) {
    RealtimeGuard::setReporting(true);
    std::mutex mutex;
    const std::string report = captureStderr([&] {
        RealtimeGuard guard;
        { std::lock_guard<std::mutex> lock(mutex); }
        ::usleep(1);
        { std::lock_guard<std::mutex> lock(mutex); }
        EXPECT_EQ(guard.blockingCalls(), 3u);
    });
    EXPECT_EQ(occurrences(report, "aap rt-guard: "), 1u) << report;
    EXPECT_NE(report.find("aap rt-guard: pthread_mutex_lock (lock) on a guarded thread"), std::string::npos) << report;
    EXPECT_EQ(report.find("usleep"), std::string::npos) << report;
    // backtrace_symbols_fd lines name the binary: this test's own frames are in it.
    EXPECT_NE(report.find("aap_runtime_guard_tests"), std::string::npos) << report;
    EXPECT_GE(occurrences(report, "\n"), 3u) << report;

    // A new outermost guard reports again; a silenced guard does not.
    const std::string again = captureStderr([&] {
        RealtimeGuard guard;
        ::usleep(1);
    });
    EXPECT_EQ(occurrences(again, "aap rt-guard: usleep (sleep)"), 1u) << again;
    RealtimeGuard::setReporting(false);
    const std::string silent = captureStderr([&] {
        RealtimeGuard guard;
        ::usleep(1);
    });
    EXPECT_EQ(silent, "");
}

TEST_F(RealtimeGuardBlocking, ReportsAHeapOperationAsAViolationToo) {
    RealtimeGuard::setReporting(true);
    const std::string report = captureStderr([&] {
        RealtimeGuard guard;
        auto p = std::make_unique<int>(3);
        EXPECT_NE(p, nullptr);
    });
    EXPECT_EQ(occurrences(report, "aap rt-guard: "), 1u) << report;
    EXPECT_NE(report.find("(heap operation) on a guarded thread"), std::string::npos) << report;
    EXPECT_NE(report.find("malloc"), std::string::npos) << report;
}

} // namespace
