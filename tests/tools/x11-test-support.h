// Shared by the native-GUI tests: a private X server (Xvfb on a display number it picks itself
// with -displayfd, started and stopped by pid) and small Xlib queries of the window tree.
#pragma once

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace aap::x11_test {

// True when `program` is an executable on $PATH.
inline bool onPath(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string directories = path != nullptr ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= directories.size()) {
        const size_t end = directories.find(':', start);
        const std::string directory = directories.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!directory.empty() && ::access((directory + "/" + program).c_str(), X_OK) == 0)
            return true;
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return false;
}

// Runs a program to completion (stdout/stderr discarded); its exit code, or -1.
inline int runQuietly(const std::vector<std::string>& arguments) {
    std::vector<std::string> words = arguments;
    std::vector<char*> argv;
    for (std::string& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return -1;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Xvfb on a free display number (it tells us which through -displayfd), stopped by pid.
class Xvfb {
public:
    ~Xvfb() { stop(); }

    // Starts the server and waits (up to 10 s) until it accepts connections. Sets *error.
    bool start(std::string* error) {
        int pipeFds[2];
        if (::pipe(pipeFds) != 0) {
            *error = "pipe failed";
            return false;
        }
        std::vector<std::string> words = {"Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1024x768x24"};
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        // Close the read end first: when the pipe is fds 3 and 4 (nothing else open), closing it
        // after the dup2 would close the child's fd 3 again ("Cannot write display number").
        posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
        posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 3);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        const int spawned = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipeFds[1]);
        if (spawned != 0) {
            ::close(pipeFds[0]);
            pid_ = -1;
            *error = "cannot start Xvfb";
            return false;
        }
        std::string number;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline && number.find('\n') == std::string::npos) {
            pollfd fd{pipeFds[0], POLLIN, 0};
            if (::poll(&fd, 1, 100) > 0) {
                char buffer[16];
                const ssize_t got = ::read(pipeFds[0], buffer, sizeof(buffer));
                if (got <= 0)
                    break;
                number.append(buffer, static_cast<size_t>(got));
            }
        }
        ::close(pipeFds[0]);
        if (number.find('\n') == std::string::npos) {
            *error = "Xvfb did not report its display number within 10 s";
            stop();
            return false;
        }
        display_ = ":" + number.substr(0, number.find('\n'));
        return true;
    }

    const std::string& display() const { return display_; }
    pid_t pid() const { return pid_; }

    void stop() {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    std::string display_;
};

// An Xlib connection of the test itself, for window-tree queries.
class Connection {
public:
    // Windows of other processes come and go: an X error (BadWindow for one already gone) makes
    // the query fail instead of Xlib's default handler ending the test program.
    explicit Connection(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
        XSetErrorHandler([](Display*, XErrorEvent*) { return 0; });
    }
    ~Connection() {
        if (display_ != nullptr)
            XCloseDisplay(display_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool ok() const { return display_ != nullptr; }
    Display* get() const { return display_; }

    std::vector<Window> children(Window window) {
        std::vector<Window> result;
        Window root = 0, parent = 0;
        Window* list = nullptr;
        unsigned int count = 0;
        if (XQueryTree(display_, window, &root, &parent, &list, &count) != 0) {
            result.assign(list, list + count);
            if (list != nullptr)
                XFree(list);
        }
        return result;
    }

    // Size and map state of `window`; false when it does not exist.
    bool geometry(Window window, int* width, int* height, bool* viewable = nullptr) {
        XWindowAttributes attributes{};
        XSync(display_, False);
        if (XGetWindowAttributes(display_, window, &attributes) == 0)
            return false;
        *width = attributes.width;
        *height = attributes.height;
        if (viewable != nullptr)
            *viewable = attributes.map_state == IsViewable;
        return true;
    }

    // The top-level windows (children of the root) whose WM_TRANSIENT_FOR is `owner`.
    std::vector<Window> transientsFor(Window owner) {
        std::vector<Window> result;
        for (Window window : children(DefaultRootWindow(display_))) {
            Window forWindow = 0;
            if (XGetTransientForHint(display_, window, &forWindow) != 0 && forWindow == owner)
                result.push_back(window);
        }
        return result;
    }

private:
    Display* display_;
};

} // namespace aap::x11_test
