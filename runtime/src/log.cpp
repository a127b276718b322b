#include "aap/runtime/log.h"

#include <unistd.h>

#include <memory>
#include <mutex>

namespace aap {

namespace {

// The handler is shared, not called under the lock: a handler may log or replace itself.
// Never destroyed: a thread may still log while static destructors run at exit.
std::mutex& handlerMutex() {
    static auto* mutex = new std::mutex;
    return *mutex;
}

std::shared_ptr<const LogHandler>& handlerSlot() {
    static auto* slot = new std::shared_ptr<const LogHandler>;
    return *slot;
}

} // namespace

const char* logLevelName(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warning: return "warning";
    case LogLevel::Info: return "info";
    }
    return "?";
}

LogHandler setLogHandler(LogHandler handler) {
    std::shared_ptr<const LogHandler> next = handler ? std::make_shared<const LogHandler>(std::move(handler)) : nullptr;
    std::shared_ptr<const LogHandler> previous;
    {
        std::lock_guard<std::mutex> lock(handlerMutex());
        previous = std::move(handlerSlot());
        handlerSlot() = std::move(next);
    }
    return previous ? *previous : LogHandler{};
}

void log(LogLevel level, const std::string& message) {
    std::shared_ptr<const LogHandler> handler;
    {
        std::lock_guard<std::mutex> lock(handlerMutex());
        handler = handlerSlot();
    }
    if (handler)
        (*handler)(level, message);
}

LogHandler stderrLogHandler(std::string program) {
    return [program = std::move(program)](LogLevel level, const std::string& message) {
        const std::string line = program + ": " + logLevelName(level) + ": " + message + "\n";
        // One write per line, so that lines of concurrent threads and processes do not interleave.
        (void)!::write(STDERR_FILENO, line.data(), line.size());
    };
}

} // namespace aap
