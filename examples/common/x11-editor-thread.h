#pragma once
// An X11SliderEditor on a thread of its own: the thread owns the Display connection, waits in
// poll() on it and on a wake-up pipe, and runs the GUI calls (open, show, hide, resize, close)
// posted to it one at a time, returning each call's result to the caller. The editor's edit and
// close callbacks run on this thread.
//
// Why a thread of its own: Xlib connections are single-threaded, and the editor must keep
// answering Expose and pointer events between the host's GUI calls, whichever thread makes them.
// The host's GUI calls block only for the duration of one X round trip.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "x11-slider-editor.h"

namespace aap_examples {

class X11EditorThread {
public:
    X11EditorThread(const SliderSpec* specs, size_t count) : editor_(specs, count) {}
    X11EditorThread(const X11EditorThread&) = delete;
    X11EditorThread& operator=(const X11EditorThread&) = delete;
    ~X11EditorThread() { stop(); }

    // Starts the thread. Returns false (with *error) when the wake-up pipe cannot be made.
    bool start(std::string* error) {
        if (thread_.joinable())
            return true;
        if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
            *error = std::string("pipe2: ") + std::strerror(errno);
            return false;
        }
        stopping_ = false;
        thread_ = std::thread([this] { loop(); });
        return true;
    }

    // Runs `call` on the editor's thread and waits for it. Must not be called from that thread
    // (the edit/close callbacks run there: they use the editor directly).
    template <typename Call>
    auto run(Call&& call) -> decltype(call(std::declval<X11SliderEditor&>())) {
        using Result = decltype(call(std::declval<X11SliderEditor&>()));
        Result result{};
        std::unique_lock<std::mutex> lock(mutex_);
        callDone_.wait(lock, [this] { return !pending_; });
        pending_ = [&] { result = call(editor_); };
        const char byte = 1;
        ssize_t written = ::write(wake_[1], &byte, 1);
        (void) written;
        callDone_.wait(lock, [this] { return !pending_ || !thread_.joinable(); });
        return result;
    }

    // Closes the editor and joins the thread. Safe to call twice.
    void stop() {
        if (!thread_.joinable())
            return;
        run([](X11SliderEditor& editor) {
            editor.close();
            return 0;
        });
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        const char byte = 1;
        ssize_t written = ::write(wake_[1], &byte, 1);
        (void) written;
        thread_.join();
        ::close(wake_[0]);
        ::close(wake_[1]);
        wake_[0] = wake_[1] = -1;
    }

private:
    void loop() {
        for (;;) {
            pollfd fds[2] = {{wake_[0], POLLIN, 0}, {editor_.fd(), POLLIN, 0}};
            const int ready = ::poll(fds, editor_.fd() >= 0 ? 2 : 1, -1);
            if (ready < 0 && errno != EINTR)
                break;
            if (fds[0].revents & POLLIN) {
                char bytes[64];
                while (::read(wake_[0], bytes, sizeof(bytes)) > 0) {
                }
            }
            {
                std::unique_lock<std::mutex> lock(mutex_);
                if (pending_) {
                    std::function<void()> call = std::move(pending_);
                    pending_ = nullptr;
                    call();
                    callDone_.notify_all();
                }
                if (stopping_)
                    return;
            }
            if (editor_.isOpen() && !editor_.dispatch()) {
                // The X server went away: the window is gone with it.
                editor_.close();
                editor_.connectionLost();
            }
        }
    }

    X11SliderEditor editor_;
    std::thread thread_;
    int wake_[2] = {-1, -1};
    std::mutex mutex_;
    std::condition_variable callDone_;
    std::function<void()> pending_;
    bool stopping_ = false;
};

} // namespace aap_examples
