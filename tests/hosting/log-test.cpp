// The libraries' diagnostics (aap/runtime/log.h): they reach the host's handler, never stderr,
// and are dropped when no handler is installed; the tools' stderr handler writes one line each.

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "aap/hosting/in-process-transport.h"
#include "aap/runtime/log.h"

namespace aap {
namespace {

// Redirects this process's fd 2 into a temporary file while alive; text() returns what arrived.
class StderrCapture {
public:
    StderrCapture() {
        std::fflush(stderr);
        char name[] = "/tmp/aap-log-test-XXXXXX";
        file_ = ::mkstemp(name);
        ::unlink(name);
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(file_, STDERR_FILENO);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::string out;
        char buffer[4096];
        ssize_t n;
        ::lseek(file_, 0, SEEK_SET);
        while ((n = ::read(file_, buffer, sizeof(buffer))) > 0)
            out.append(buffer, static_cast<size_t>(n));
        return out;
    }

private:
    void restore() {
        if (saved_ < 0)
            return;
        std::fflush(stderr);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }
    int file_ = -1;
    int saved_ = -1;
};

struct Collected {
    std::mutex mutex;
    std::vector<std::pair<LogLevel, std::string>> messages;
};

HostingStatus loadTheBrokenLibrary(std::string* error) {
    InProcessTransport transport;
    std::unique_ptr<TransportInstance> instance;
    return transport.createInstance(PluginLoadSpec{AAP_TEST_LOG_PLUGIN, "", "urn:aap-test:nothing", ""}, nullptr,
                                    &instance, error);
}

TEST(Log, ALibraryErrorPathReachesTheHandlerAndNothingReachesStderr) {
    auto collected = std::make_shared<Collected>();
    setLogHandler([collected](LogLevel level, const std::string& message) {
        std::lock_guard<std::mutex> lock(collected->mutex);
        collected->messages.emplace_back(level, message);
    });
    StderrCapture capture;
    std::string error;
    const HostingStatus status = loadTheBrokenLibrary(&error);
    const std::string printed = capture.text();
    setLogHandler({});
    // The failure itself comes back as a value with its reason ...
    EXPECT_EQ(status, HostingStatus::InstantiateFailed);
    EXPECT_NE(error.find("the factory returned no instance for urn:aap-test:nothing"), std::string::npos) << error;
    // ... what no caller receives went to the handler, and nothing to stderr.
    EXPECT_EQ(printed, "");
    ASSERT_EQ(collected->messages.size(), 1u);
    EXPECT_EQ(collected->messages[0].first, LogLevel::Warning);
    EXPECT_EQ(collected->messages[0].second, std::string{AAP_TEST_LOG_PLUGIN} +
                                                 ": aap_plugin_get_aapxs_definitions returned an invalid array; "
                                                 "none of its definitions is used");
}

TEST(Log, WithoutAHandlerMessagesAreDropped) {
    setLogHandler({});
    StderrCapture capture;
    EXPECT_EQ(loadTheBrokenLibrary(nullptr), HostingStatus::InstantiateFailed);
    log(LogLevel::Error, "nobody listens");
    EXPECT_EQ(capture.text(), "");
}

TEST(Log, TheToolsHandlerWritesOneLinePerMessageToStderr) {
    LogHandler previous = setLogHandler(stderrLogHandler("aap-test"));
    EXPECT_FALSE(previous);
    StderrCapture capture;
    log(LogLevel::Warning, "first");
    std::thread([] { log(LogLevel::Error, "second, from another thread"); }).join();
    const std::string printed = capture.text();
    setLogHandler({});
    EXPECT_EQ(printed, "aap-test: warning: first\naap-test: error: second, from another thread\n");
}

TEST(Log, AHandlerMayLogAndReplaceItself) {
    auto collected = std::make_shared<Collected>();
    setLogHandler([collected](LogLevel, const std::string& message) {
        {
            std::lock_guard<std::mutex> lock(collected->mutex);
            collected->messages.emplace_back(LogLevel::Info, message);
        }
        if (message == "swap") {
            setLogHandler([collected](LogLevel, const std::string& inner) {
                std::lock_guard<std::mutex> lock(collected->mutex);
                collected->messages.emplace_back(LogLevel::Error, "second handler: " + inner);
            });
            log(LogLevel::Info, "from inside");
        }
    });
    log(LogLevel::Info, "swap");
    log(LogLevel::Info, "after");
    setLogHandler({});
    ASSERT_EQ(collected->messages.size(), 3u);
    EXPECT_EQ(collected->messages[0].second, "swap");
    EXPECT_EQ(collected->messages[1].second, "second handler: from inside");
    EXPECT_EQ(collected->messages[2].second, "second handler: after");
}

} // namespace
} // namespace aap
