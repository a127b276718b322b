#pragma once
// Diagnostics of the SDK's libraries (aap::runtime, aap::ext, aap::hosting): the one place where
// they report something that no caller receives as an error value, e.g. a plugin library whose
// exported AAPXS definitions are skipped, or shared memory that could not be locked. The
// libraries never write to stderr themselves; the host decides where messages go by installing
// a handler. Without one they are dropped. aap-host and aap-plugin-service install
// stderrLogHandler(). See docs/hosting.md, "Errors and diagnostics".

#include <cstdint>
#include <functional>
#include <string>

namespace aap {

enum class LogLevel : int32_t {
    Error = 0,    // something failed and was given up (the caller may still see a status)
    Warning = 1,  // something was skipped or degraded; operation continues
    Info = 2,
};

// "error", "warning", "info". Never null. [thread-safe]
const char* logLevelName(LogLevel level) noexcept;

// Receives every message: one line, no trailing newline. Called on whichever thread the library
// was running on (never the audio thread: realtime code reports through status values only), and
// possibly from several threads at once. It may call log() or setLogHandler() itself.
using LogHandler = std::function<void(LogLevel level, const std::string& message)>;

// [thread-safe] Installs `handler` for the whole process (an empty handler drops messages, the
// default) and returns the previous one. A call of the previous handler that is already running
// completes.
LogHandler setLogHandler(LogHandler handler);

// [thread-safe] [not audio-thread: allocates] Passes `message` to the installed handler, if any.
void log(LogLevel level, const std::string& message);

// A handler writing "<program>: <level>: <message>\n" to stderr in one write, as the tools do.
LogHandler stderrLogHandler(std::string program);

} // namespace aap
