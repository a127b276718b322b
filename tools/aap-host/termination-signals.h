#pragma once
// The control loops of `aap-host play`, `gui` and `gui --native` stop on SIGINT / SIGTERM and read
// commands from stdin while they poll(). What they share:
//
//   TerminationSignals: while it lives, SIGINT and SIGTERM write one byte into a self-pipe
//     (async-signal-safe: write() only, errno preserved) instead of killing the process; fd() is
//     the pipe's read end for poll(). The destructor restores the handlers that were there before
//     and closes the pipe. One at a time per process (install() refuses a second).
//   LineReader: the lines of a descriptor, for a poll() loop. readAvailable() is called when poll()
//     reported the descriptor readable (or hung up): it makes exactly one read(), so it never
//     waits, hands every complete line (without its '\n') to the callback and keeps a partial line
//     for the next call. A line longer than maxLineBytes is never handed over (a cut command could
//     mean something else): it is dropped up to its '\n', counted in overlongLines(), and
//     `onOverlong` (when given) is told, so stdin cannot make the reader grow without bound. At end of input (or a read error) open() turns
//     false and pollFd() -1, so poll() ignores the descriptor from then on.
//
// Threads: [main-thread] (the control thread), like the loops that use them.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace aap::host_tool {

class TerminationSignals {
public:
    // Installs the handlers. Null with *error saying why (a pipe could not be made, sigaction
    // failed, or another TerminationSignals is alive).
    static std::unique_ptr<TerminationSignals> install(std::string* error);
    ~TerminationSignals();
    TerminationSignals(const TerminationSignals&) = delete;
    TerminationSignals& operator=(const TerminationSignals&) = delete;

    // Readable once SIGINT or SIGTERM arrived.
    int fd() const noexcept { return readFd_; }
    // Whether a signal arrived (reads the pipe without waiting; true stays true).
    bool received() noexcept;

private:
    TerminationSignals() = default;
    int readFd_ = -1;
    int writeFd_ = -1;
    bool received_ = false;
    struct Saved;
    std::unique_ptr<Saved> saved_;
};

class LineReader {
public:
    static constexpr size_t kDefaultMaxLineBytes = 64 * 1024;
    explicit LineReader(int fd, size_t maxLineBytes = kDefaultMaxLineBytes) : fd_(fd), maxLineBytes_(maxLineBytes) {}

    // The descriptor while open, else -1 (for a pollfd).
    int pollFd() const noexcept { return open_ ? fd_ : -1; }
    bool open() const noexcept { return open_; }
    // One read(); every complete line to `onLine`. At end of input a last line without '\n' is
    // handed over too. Returns open().
    bool readAvailable(const std::function<void(const std::string&)>& onLine,
                       const std::function<void()>& onOverlong = nullptr);
    uint64_t overlongLines() const noexcept { return overlong_; }

private:
    int fd_;
    size_t maxLineBytes_;
    bool open_ = true;
    bool discarding_ = false;  // inside the dropped tail of an overlong line
    uint64_t overlong_ = 0;
    std::string pending_;
};

} // namespace aap::host_tool
