#pragma once
// aap::NonRealtimeWorker: the non-realtime dispatch loop. One worker thread runs tasks that the
// audio thread (or any thread) posts through a bounded lock-free MPSC queue of preallocated task
// records; posting never allocates, locks or blocks.
//
// Ordering: tasks run one at a time in the order their posts were linearized, so tasks of one
// extension (posted by one recipient session on the audio thread) run in the order posted.
//
// Wake policies (how the worker learns there is work; see docs/runtime.md for measurements):
// - WakeOncePerCycle (default): post() only enqueues (~10 ns). The audio thread calls
//   wakeIfPending() once at the end of its cycle, which issues at most ONE futex wake, and only
//   when something is queued and the worker is asleep.
// - WakeOnEveryPost: post() enqueues and wakes the worker if it sleeps. For producers that are
//   not the audio thread, or when latency matters more than audio-thread cost.
// - PollWithBackoff: the worker never sleeps on the futex; it polls the queue, backing off
//   exponentially from pollMinSleep to pollMaxSleep while idle. Producers never make a syscall;
//   latency is bounded by pollMaxSleep, idle CPU cost by the backoff.
//
// Shutdown: stop() (or the destructor) refuses further posts, lets the task that is running
// finish, joins the thread, then calls every task still queued with TaskOutcome::Cancelled on the
// stopping thread. Every accepted task is therefore called exactly once, with Run or Cancelled.

#include "aap/runtime/bounded-mpsc-queue.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace aap {

enum class TaskOutcome : std::uint8_t {
    Run,       // called on the worker thread: do the work
    Cancelled, // called on the thread that stopped the worker: report an error, release resources
};

// A task is a plain record, copied into a preallocated queue cell.
struct NonRealtimeTask {
    using Function = void (*)(void* context, std::uint64_t argument, TaskOutcome outcome) noexcept;
    Function function = nullptr;
    void* context = nullptr;
    std::uint64_t argument = 0;
};

enum class WakePolicy : std::uint8_t { WakeOncePerCycle, WakeOnEveryPost, PollWithBackoff };

enum class PostResult : std::uint8_t {
    Posted,
    QueueFull,   // bounded queue is full; the task was not accepted (try again next cycle)
    Stopped,     // the worker is stopped or stopping; the task was not accepted
    InvalidTask, // task.function is null
};

const char* toString(PostResult result) noexcept;
const char* toString(WakePolicy policy) noexcept;

class NonRealtimeWorker {
public:
    struct Options {
        std::size_t capacity = 1024; // rounded up to a power of two
        WakePolicy wakePolicy = WakePolicy::WakeOncePerCycle;
        std::chrono::microseconds pollMinSleep{20};
        std::chrono::microseconds pollMaxSleep{1000};
    };

    struct Statistics {
        std::uint64_t tasksRun;
        std::uint64_t tasksCancelled;
        std::uint64_t wakeSyscalls; // futex wakes issued by producers / wakeIfPending
    };

    // [non-realtime] Allocates the queue. The thread starts in start().
    explicit NonRealtimeWorker(const Options& options);
    NonRealtimeWorker() : NonRealtimeWorker(Options{}) {}
    ~NonRealtimeWorker(); // stop()
    NonRealtimeWorker(const NonRealtimeWorker&) = delete;
    NonRealtimeWorker& operator=(const NonRealtimeWorker&) = delete;

    // [non-realtime] Starts the worker thread. False when the thread could not be created or the
    // worker was already started or stopped.
    bool start() noexcept;

    // [non-realtime] Idempotent; concurrent callers all return only once the worker has stopped.
    // See the header comment. Must not be called from a task.
    void stop() noexcept;

    // [thread-safe] [audio-thread] Enqueues task; never allocates or blocks. Under
    // WakeOnEveryPost it may issue one futex wake.
    PostResult post(const NonRealtimeTask& task) noexcept;

    // [thread-safe] [audio-thread] Under WakeOncePerCycle: one futex wake if tasks are queued and
    // the worker sleeps, nothing otherwise. A no-op under the other policies. Call once per cycle.
    void wakeIfPending() noexcept;

    WakePolicy wakePolicy() const noexcept { return options_.wakePolicy; }
    bool running() const noexcept { return state_.load(std::memory_order_acquire) == State::Running; }
    Statistics statistics() const noexcept;

private:
    enum class State : std::uint8_t { Created, Running, Stopping, Stopped };

    void run() noexcept;
    void drain() noexcept;
    void sleepUntilWoken() noexcept;
    void wakeWorker() noexcept;

    Options options_;
    BoundedMpscQueue<NonRealtimeTask> queue_;
    std::thread thread_;
    std::atomic<State> state_{State::Created};
    std::atomic<std::uint32_t> active_posts_{0};
    // Futex word: bumped by every wake; the worker sleeps while it is unchanged.
    alignas(64) std::atomic<std::uint32_t> wake_word_{0};
    std::atomic<bool> worker_sleeping_{false};
    std::atomic<std::uint64_t> tasks_run_{0};
    std::atomic<std::uint64_t> tasks_cancelled_{0};
    std::atomic<std::uint64_t> wake_syscalls_{0};
};

} // namespace aap
