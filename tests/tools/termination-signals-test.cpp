// tools/aap-host/termination-signals.h: the self-pipe SIGINT/SIGTERM handler and the stdin line
// reader that `aap-host play`, `gui` and `gui --native` share.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "termination-signals.h"

namespace {

using aap::host_tool::LineReader;
using aap::host_tool::TerminationSignals;

bool readable(int fd, int timeoutMs) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN) != 0;
}

// SIGTERM and SIGINT make the pipe readable instead of ending the process; a second install is
// refused while one lives; the destructor puts the previous handler back.
TEST(TerminationSignals, SignalsWakeThePipeAndTheOldHandlersComeBack) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    struct sigaction before {};
    ASSERT_EQ(::sigaction(SIGTERM, &ignore, &before), 0);
    {
        std::string error;
        std::unique_ptr<TerminationSignals> signals = TerminationSignals::install(&error);
        ASSERT_TRUE(signals) << error;
        EXPECT_FALSE(readable(signals->fd(), 0));
        EXPECT_FALSE(signals->received());
        std::string second;
        EXPECT_FALSE(TerminationSignals::install(&second));
        EXPECT_NE(second.find("already installed"), std::string::npos) << second;
        ASSERT_EQ(::raise(SIGTERM), 0);
        EXPECT_TRUE(readable(signals->fd(), 1000));
        EXPECT_TRUE(signals->received());
        ASSERT_EQ(::raise(SIGINT), 0);
        EXPECT_TRUE(readable(signals->fd(), 1000));
    }
    struct sigaction after {};
    ASSERT_EQ(::sigaction(SIGTERM, nullptr, &after), 0);
    EXPECT_EQ(after.sa_handler, SIG_IGN);
    // And another one may be installed now.
    std::string error;
    EXPECT_TRUE(TerminationSignals::install(&error)) << error;
    ASSERT_EQ(::sigaction(SIGTERM, &before, nullptr), 0);
}

struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
    ~Pipe() {
        for (int fd : fds)
            if (fd >= 0)
                ::close(fd);
    }
    void write(const std::string& text) { ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size())); }
    void closeWriter() {
        ::close(fds[1]);
        fds[1] = -1;
    }
};

// Whole lines as they complete, a partial line kept for the next read, the last unterminated
// line at end of input, then closed.
TEST(LineReader, SplitsLinesAcrossReadsAndEndsAtEof) {
    Pipe pipe;
    LineReader reader{pipe.fds[0]};
    std::vector<std::string> lines;
    auto collect = [&](const std::string& line) { lines.push_back(line); };
    pipe.write("param 1 0.5\nprese");
    ASSERT_TRUE(readable(reader.pollFd(), 1000));
    EXPECT_TRUE(reader.readAvailable(collect));
    EXPECT_EQ(lines, std::vector<std::string>{"param 1 0.5"});
    pipe.write("t 2\n\nquit");
    EXPECT_TRUE(reader.readAvailable(collect));
    EXPECT_EQ(lines, (std::vector<std::string>{"param 1 0.5", "preset 2", ""}));
    pipe.closeWriter();
    EXPECT_FALSE(reader.readAvailable(collect));
    EXPECT_EQ(lines.back(), "quit");
    EXPECT_FALSE(reader.open());
    EXPECT_EQ(reader.pollFd(), -1);
    EXPECT_FALSE(reader.readAvailable(collect));
    EXPECT_EQ(lines.size(), 4u);
}

// A line longer than the limit is never handed over, not even cut; the next line is.
TEST(LineReader, AnOverlongLineIsDroppedAndReported) {
    Pipe pipe;
    LineReader reader{pipe.fds[0], 16};
    std::vector<std::string> lines;
    int overlong = 0;
    pipe.write("state save /a/very/long/path/name\nstatus\n");
    EXPECT_TRUE(reader.readAvailable([&](const std::string& line) { lines.push_back(line); }, [&] { overlong++; }));
    EXPECT_EQ(lines, std::vector<std::string>{"status"});
    EXPECT_EQ(overlong, 1);
    EXPECT_EQ(reader.overlongLines(), 1u);
}

// A non-blocking descriptor with nothing to read: no line, still open (never waits).
TEST(LineReader, NothingToReadOnANonBlockingDescriptorIsNotEof) {
    Pipe pipe;
    ASSERT_EQ(::fcntl(pipe.fds[0], F_SETFL, O_NONBLOCK), 0);
    LineReader reader{pipe.fds[0]};
    int calls = 0;
    EXPECT_TRUE(reader.readAvailable([&](const std::string&) { calls++; }));
    EXPECT_TRUE(reader.open());
    EXPECT_EQ(calls, 0);
}

} // namespace
