#include "aap/runtime/non-realtime-worker.h"

#include <algorithm>
#include <system_error>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace aap {

namespace {

// The futex word is the atomic's object representation; std::atomic<uint32_t> is lock-free and
// has the size of uint32_t on every platform we build for.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t), "futex word layout");

void futexWait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
#if defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
    // Portable fallback: a bounded nap. The caller re-checks the queue afterwards.
    if (word.load(std::memory_order_acquire) == expected)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
#endif
}

void futexWakeOne(std::atomic<std::uint32_t>& word) noexcept {
#if defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
#else
    (void) word;
#endif
}

} // namespace

const char* toString(PostResult result) noexcept {
    switch (result) {
    case PostResult::Posted: return "posted";
    case PostResult::QueueFull: return "non-realtime queue is full";
    case PostResult::Stopped: return "non-realtime worker is stopped";
    case PostResult::InvalidTask: return "task has no function";
    }
    return "unknown post result";
}

const char* toString(WakePolicy policy) noexcept {
    switch (policy) {
    case WakePolicy::WakeOncePerCycle: return "wake-once-per-cycle";
    case WakePolicy::WakeOnEveryPost: return "wake-on-every-post";
    case WakePolicy::PollWithBackoff: return "poll-with-backoff";
    }
    return "unknown wake policy";
}

NonRealtimeWorker::NonRealtimeWorker(const Options& options) : options_(options), queue_(options.capacity) {
    if (options_.pollMinSleep.count() < 1)
        options_.pollMinSleep = std::chrono::microseconds(1);
    if (options_.pollMaxSleep < options_.pollMinSleep)
        options_.pollMaxSleep = options_.pollMinSleep;
}

NonRealtimeWorker::~NonRealtimeWorker() { stop(); }

bool NonRealtimeWorker::start() noexcept {
    State expected = State::Created;
    if (!state_.compare_exchange_strong(expected, State::Running, std::memory_order_acq_rel))
        return false;
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
        state_.store(State::Created, std::memory_order_release);
        return false;
    }
    return true;
}

void NonRealtimeWorker::stop() noexcept {
    // Exactly one caller moves Created/Running to Stopping and does the work; a concurrent caller
    // waits for it to finish (never writes the state back: that could undo the Stopped of the
    // first), so that for every caller no task runs once its stop() has returned.
    State state = state_.load(std::memory_order_seq_cst);
    for (;;) {
        if (state == State::Stopped)
            return;
        if (state == State::Stopping) {
            while (state_.load(std::memory_order_acquire) != State::Stopped)
                std::this_thread::yield();
            return;
        }
        if (state_.compare_exchange_weak(state, State::Stopping, std::memory_order_seq_cst))
            break;
    }
    // Producers that saw Running before our store may still be pushing: wait for them (each is a
    // handful of instructions away from done) so that nothing lands in the queue after the drain.
    while (active_posts_.load(std::memory_order_seq_cst) != 0)
        std::this_thread::yield();
    if (thread_.joinable()) {
        wake_word_.fetch_add(1, std::memory_order_seq_cst);
        futexWakeOne(wake_word_);
        thread_.join();
    }
    // The worker is gone: this thread is now the only consumer.
    NonRealtimeTask task;
    while (queue_.tryPop(task)) {
        tasks_cancelled_.fetch_add(1, std::memory_order_relaxed);
        task.function(task.context, task.argument, TaskOutcome::Cancelled);
    }
    state_.store(State::Stopped, std::memory_order_release);
}

PostResult NonRealtimeWorker::post(const NonRealtimeTask& task) noexcept {
    if (!task.function)
        return PostResult::InvalidTask;
    active_posts_.fetch_add(1, std::memory_order_seq_cst);
    const State state = state_.load(std::memory_order_seq_cst);
    PostResult result = PostResult::Stopped;
    if (state == State::Created || state == State::Running) {
        NonRealtimeTask copy = task;
        result = queue_.tryPush(copy) ? PostResult::Posted : PostResult::QueueFull;
        if (result == PostResult::Posted && options_.wakePolicy == WakePolicy::WakeOnEveryPost)
            wakeWorker();
    }
    active_posts_.fetch_sub(1, std::memory_order_release);
    return result;
}

void NonRealtimeWorker::wakeIfPending() noexcept {
    if (options_.wakePolicy != WakePolicy::WakeOncePerCycle || queue_.empty())
        return;
    wakeWorker();
}

void NonRealtimeWorker::wakeWorker() noexcept {
    // Pairs with sleepUntilWoken(): either the worker sees the bumped word (and the pushed task),
    // or we see it sleeping and wake it.
    wake_word_.fetch_add(1, std::memory_order_seq_cst);
    if (worker_sleeping_.load(std::memory_order_seq_cst)) {
        wake_syscalls_.fetch_add(1, std::memory_order_relaxed);
        futexWakeOne(wake_word_);
    }
}

NonRealtimeWorker::Statistics NonRealtimeWorker::statistics() const noexcept {
    return Statistics{tasks_run_.load(std::memory_order_relaxed), tasks_cancelled_.load(std::memory_order_relaxed),
                      wake_syscalls_.load(std::memory_order_relaxed)};
}

void NonRealtimeWorker::drain() noexcept {
    NonRealtimeTask task;
    while (state_.load(std::memory_order_acquire) == State::Running && queue_.tryPop(task)) {
        task.function(task.context, task.argument, TaskOutcome::Run);
        tasks_run_.fetch_add(1, std::memory_order_relaxed);
    }
}

void NonRealtimeWorker::sleepUntilWoken() noexcept {
    worker_sleeping_.store(true, std::memory_order_seq_cst);
    const std::uint32_t seen = wake_word_.load(std::memory_order_seq_cst);
    if (queue_.empty() && state_.load(std::memory_order_seq_cst) == State::Running)
        futexWait(wake_word_, seen);
    worker_sleeping_.store(false, std::memory_order_relaxed);
}

void NonRealtimeWorker::run() noexcept {
    auto backoff = options_.pollMinSleep;
    while (state_.load(std::memory_order_acquire) == State::Running) {
        if (!queue_.empty()) {
            drain();
            backoff = options_.pollMinSleep;
            continue;
        }
        if (options_.wakePolicy == WakePolicy::PollWithBackoff) {
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, options_.pollMaxSleep);
        } else {
            sleepUntilWoken();
        }
    }
}

} // namespace aap
