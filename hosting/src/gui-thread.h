#pragma once
// aap::GuiThread: the plugin service's GUI thread and its event loop (docs/gui.md, "Native GUIs").
// Every gui/v5 call of a plugin runs here, never on the audio thread or the control channel's
// thread; the plugin's own X11 (or other) connection joins the loop through register_fd /
// register_timer. Standard library + POSIX only: the plugin does the windowing work itself.
//
// Threads: run/post/call are [thread-safe] (non-realtime); the fd and timer functions and
// everything a task does are [gui-thread].

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "aap/hosting/unique-fd.h"

namespace aap {

class GuiThread {
public:
    using FdHandler = std::function<void(int fd, uint32_t flags)>;  // flags: AAP_GUI_FD_*
    using TimerHandler = std::function<void(uint32_t timerId)>;

    GuiThread() = default;
    GuiThread(const GuiThread&) = delete;
    GuiThread& operator=(const GuiThread&) = delete;
    ~GuiThread() { stop(); }

    // Starts the thread once (later calls do nothing). False when it cannot (no eventfd, no thread).
    bool start();
    // Ends the thread after the task it runs now; what is still queued is dropped. Waits at most
    // 1 s: a thread stuck inside a plugin is detached (it ends with the process).
    void stop();

    // Queues `task` to run on the GUI thread. False when the thread is not running.
    bool post(std::function<void()> task);
    // Runs `task` on the GUI thread and waits for it, at most timeoutNs. True when it ran to
    // completion in time; false on a timeout (the task may still run later: it must own what it
    // touches, e.g. through a shared_ptr) or when the thread is not running. From the GUI thread
    // itself the task runs inline.
    bool call(std::function<void()> task, int64_t timeoutNs);

    bool onGuiThread() const noexcept { return std::this_thread::get_id() == id_.load(); }

    // [gui-thread] fd readiness (AAP_GUI_FD_READ / WRITE; errors and hang-ups are reported as
    // AAP_GUI_FD_ERROR). False when fd < 0 or already registered.
    bool registerFd(int fd, uint32_t flags, FdHandler handler);
    bool unregisterFd(int fd);
    // [gui-thread] A periodic timer (periodMs >= 1). *timerId receives a new id (never reused).
    bool registerTimer(uint32_t periodMs, uint32_t* timerId, TimerHandler handler);
    bool unregisterTimer(uint32_t timerId);

private:
    struct Timer {
        uint32_t periodMs;
        int64_t dueNs;
        TimerHandler handler;
    };
    void loop();
    void runQueued();

    std::mutex mutex_;
    std::deque<std::function<void()>> queue_;
    bool running_ = false;
    bool stopping_ = false;
    UniqueFd wake_;
    std::thread thread_;
    std::atomic<std::thread::id> id_{};
    std::atomic<bool> exited_{false};
    // [gui-thread] only
    std::map<int, std::pair<uint32_t, std::shared_ptr<FdHandler>>> fds_;
    std::map<uint32_t, Timer> timers_;
    uint32_t nextTimerId_ = 1;
};

} // namespace aap
