#include "gui-thread.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "aap/ext/gui-v5.h"
#include "futex.h"

namespace aap {

bool GuiThread::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_)
        return true;
    if (stopping_)
        return false;
    wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_.valid())
        return false;
    try {
        thread_ = std::thread([this] { loop(); });
    } catch (...) {
        return false;
    }
    running_ = true;
    return true;
}

void GuiThread::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!running_ || stopping_)
            return;
        stopping_ = true;
    }
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
    if (!thread_.joinable())
        return;
    if (onGuiThread()) {
        thread_.detach();  // a task asked to stop its own thread: it ends after this task
        return;
    }
    const int64_t deadline = monotonicNanoseconds() + 1000000000;
    while (!exited_.load() && monotonicNanoseconds() < deadline)
        ::usleep(1000);
    if (exited_.load())
        thread_.join();
    else
        thread_.detach();  // stuck inside a plugin's GUI code
}

bool GuiThread::post(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!running_ || stopping_)
            return false;
        queue_.push_back(std::move(task));
    }
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
    return true;
}

bool GuiThread::call(std::function<void()> task, int64_t timeoutNs) {
    if (onGuiThread()) {
        task();
        return true;
    }
    struct Done {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
    };
    auto done = std::make_shared<Done>();
    if (!post([done, task = std::move(task)] {
            task();
            std::lock_guard<std::mutex> lock(done->mutex);
            done->done = true;
            done->cv.notify_all();
        }))
        return false;
    std::unique_lock<std::mutex> lock(done->mutex);
    return done->cv.wait_for(lock, std::chrono::nanoseconds(timeoutNs), [&] { return done->done; });
}

bool GuiThread::registerFd(int fd, uint32_t flags, FdHandler handler) {
    if (fd < 0 || !handler || fds_.count(fd) != 0 || (flags & (AAP_GUI_FD_READ | AAP_GUI_FD_WRITE)) == 0)
        return false;
    fds_[fd] = {flags, std::make_shared<FdHandler>(std::move(handler))};
    return true;
}

bool GuiThread::unregisterFd(int fd) { return fds_.erase(fd) != 0; }

bool GuiThread::registerTimer(uint32_t periodMs, uint32_t* timerId, TimerHandler handler) {
    if (periodMs == 0 || timerId == nullptr || !handler)
        return false;
    const uint32_t id = nextTimerId_++;
    timers_[id] = Timer{periodMs, monotonicNanoseconds() + int64_t{periodMs} * 1000000, std::move(handler)};
    *timerId = id;
    return true;
}

bool GuiThread::unregisterTimer(uint32_t timerId) { return timers_.erase(timerId) != 0; }

void GuiThread::runQueued() {
    for (;;) {
        std::function<void()> task;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (queue_.empty())
                return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

void GuiThread::loop() {
    id_.store(std::this_thread::get_id());
    std::vector<struct pollfd> polled;
    std::vector<int> order;
    for (;;) {
        runQueued();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_)
                break;
        }
        polled.clear();
        order.clear();
        polled.push_back({wake_.get(), POLLIN, 0});
        for (const auto& entry : fds_) {
            short events = 0;
            if (entry.second.first & AAP_GUI_FD_READ)
                events |= POLLIN;
            if (entry.second.first & AAP_GUI_FD_WRITE)
                events |= POLLOUT;
            polled.push_back({entry.first, events, 0});
            order.push_back(entry.first);
        }
        int timeoutMs = -1;
        const int64_t now = monotonicNanoseconds();
        for (const auto& entry : timers_) {
            const int64_t wait = entry.second.dueNs > now ? (entry.second.dueNs - now + 999999) / 1000000 : 0;
            if (timeoutMs < 0 || wait < timeoutMs)
                timeoutMs = static_cast<int>(wait);
        }
        const int ready = ::poll(polled.data(), polled.size(), timeoutMs);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready > 0 && polled[0].revents != 0) {
            uint64_t counter;
            (void)!::read(wake_.get(), &counter, sizeof(counter));
        }
        for (size_t i = 1; ready > 0 && i < polled.size(); i++) {
            const short revents = polled[i].revents;
            if (revents == 0)
                continue;
            auto it = fds_.find(order[i - 1]);
            if (it == fds_.end())
                continue;  // an earlier handler unregistered it
            uint32_t flags = 0;
            if (revents & POLLIN)
                flags |= AAP_GUI_FD_READ;
            if (revents & POLLOUT)
                flags |= AAP_GUI_FD_WRITE;
            if (revents & (POLLERR | POLLHUP | POLLNVAL))
                flags |= AAP_GUI_FD_ERROR;
            std::shared_ptr<FdHandler> handler = it->second.second;  // survives its own unregistration
            (*handler)(order[i - 1], flags);
        }
        const int64_t after = monotonicNanoseconds();
        std::vector<uint32_t> due;
        for (const auto& entry : timers_)
            if (entry.second.dueNs <= after)
                due.push_back(entry.first);
        for (uint32_t id : due) {
            auto it = timers_.find(id);
            if (it == timers_.end())
                continue;
            it->second.dueNs = after + int64_t{it->second.periodMs} * 1000000;
            TimerHandler handler = it->second.handler;
            handler(id);
        }
    }
    // What is still queued never runs; callers waiting in call() time out.
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.clear();
        running_ = false;
    }
    fds_.clear();
    timers_.clear();
    exited_.store(true);
}

} // namespace aap
