#include "termination-signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace aap::host_tool {

namespace {

std::atomic<int> signalWriteFd{-1};
std::atomic<bool> installed{false};

extern "C" void onTerminationSignal(int) {
    const int saved = errno;
    const int fd = signalWriteFd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const char byte = 1;
        ssize_t written = ::write(fd, &byte, 1);  // a full pipe already says "stop"
        (void) written;
    }
    errno = saved;
}

} // namespace

struct TerminationSignals::Saved {
    struct sigaction interrupt {};
    struct sigaction terminate {};
};

std::unique_ptr<TerminationSignals> TerminationSignals::install(std::string* error) {
    bool expected = false;
    if (!installed.compare_exchange_strong(expected, true)) {
        *error = "termination signal handlers are already installed";
        return nullptr;
    }
    std::unique_ptr<TerminationSignals> signals{new TerminationSignals()};
    signals->saved_ = std::make_unique<Saved>();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        *error = std::string("cannot create a pipe: ") + std::strerror(errno);
        installed.store(false);
        return nullptr;
    }
    signals->readFd_ = fds[0];
    signals->writeFd_ = fds[1];
    signalWriteFd.store(fds[1]);
    struct sigaction action {};
    action.sa_handler = onTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (::sigaction(SIGINT, &action, &signals->saved_->interrupt) != 0 ||
        ::sigaction(SIGTERM, &action, &signals->saved_->terminate) != 0) {
        *error = std::string("cannot install the signal handlers: ") + std::strerror(errno);
        return nullptr;  // the destructor restores what was installed and closes the pipe
    }
    return signals;
}

TerminationSignals::~TerminationSignals() {
    if (saved_) {
        ::sigaction(SIGINT, &saved_->interrupt, nullptr);
        ::sigaction(SIGTERM, &saved_->terminate, nullptr);
    }
    signalWriteFd.store(-1);
    if (readFd_ >= 0)
        ::close(readFd_);
    if (writeFd_ >= 0)
        ::close(writeFd_);
    installed.store(false);
}

bool TerminationSignals::received() noexcept {
    char buffer[16];
    while (::read(readFd_, buffer, sizeof(buffer)) > 0)
        received_ = true;
    return received_;
}

bool LineReader::readAvailable(const std::function<void(const std::string&)>& onLine,
                               const std::function<void()>& onOverlong) {
    if (!open_)
        return false;
    char buffer[4096];
    const ssize_t got = ::read(fd_, buffer, sizeof(buffer));
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return true;
    if (got <= 0) {
        open_ = false;
        if (!pending_.empty() && !discarding_)
            onLine(pending_);
        pending_.clear();
        return false;
    }
    for (ssize_t i = 0; i < got; i++) {
        const char c = buffer[i];
        if (c == '\n') {
            if (!discarding_)
                onLine(pending_);
            pending_.clear();
            discarding_ = false;
        } else if (discarding_) {
            continue;
        } else if (pending_.size() == maxLineBytes_) {
            overlong_++;
            pending_.clear();
            if (onOverlong)
                onOverlong();
            discarding_ = true;
        } else {
            pending_ += c;
        }
    }
    return true;
}

} // namespace aap::host_tool
