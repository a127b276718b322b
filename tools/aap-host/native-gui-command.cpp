// aap-host gui --native: shows a plugin's native GUI (gui/v5, docs/gui.md) in a window of aap-host,
// embedded by X11 window id, or floating (transient for that window), while the plugin plays on
// the null backend (or JACK) as in `aap-host play`.
//
// Threads: the main thread is the control thread. It owns the plugin, the host window and its X
// connection, makes every gui/v5 call (each waits for the plugin's answer, bounded by the
// client's deadline), reads stdin and handles signals (through a self-pipe). The plugin's
// requests (request_resize/show/hide, closed) arrive on a host thread, possibly the audio thread,
// and only push into a lock-free queue that the control thread drains.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

#include "aap/ext-cpp/host-extensions.h"
#include "aap/hosting/gui-sessions.h"
#include "aapxs/parameter-sysex8.h"
#include "aap/runtime/bounded-mpsc-queue.h"
#include "audio-backend.h"
#include "commands.h"
#include "exit-codes.h"
#include "file-io.h"
#include "play-engine.h"
#include "plugin-resolution.h"
#include "termination-signals.h"
#include "validate-gui.h"
#include "x11-host-window.h"

namespace aap::host_tool {

namespace {

std::vector<OptionSpec> nativeGuiOptions() {
    std::vector<OptionSpec> specs = pluginOptions();
    std::vector<OptionSpec> own = {
        {"native", nullptr, "show the plugin's native GUI (gui/v5) in a window of aap-host"},
        {"floating", nullptr, "let the GUI float in its own window (transient for aap-host's) instead of embedding it"},
        {"backend", "NAME", "null (default: a timer at the real period, no device) or jack"},
        {"rate", "HZ", "null backend: sample rate, 8000..384000 (default 48000)"},
        {"period", "FRAMES", "null backend: frames per period, 16..8192 (default 256)"},
        {"width", "PIXELS", "initial width of the GUI, 1..16384 (default: the GUI's own size)"},
        {"height", "PIXELS", "initial height of the GUI, 1..16384 (default: the GUI's own size)"},
        {"duration", "SECONDS", "close after SECONDS (default: until the window is closed, Ctrl-C, SIGTERM or `quit`)"},
        {"state-out", "FILE", "save the plugin's state to FILE when the GUI closes"},
        {"help", nullptr, "show this help"},
    };
    specs.insert(specs.end(), own.begin(), own.end());
    return specs;
}

std::string guiResultName(int32_t result) {
    switch (result) {
    case AAP_GUI_RESULT_OK: return "OK";
    case AAP_GUI_ERROR_NO_DETAILS: return "failed (no details)";
    case AAP_GUI_ERROR_NO_GUI_DEFINED: return "the plugin has no GUI";
    case AAP_GUI_ERROR_ALREADY_INSTANTIATED: return "a GUI already exists";
    case AAP_GUI_ERROR_UNSUPPORTED_API: return "window API or mode not supported";
    case AAP_GUI_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case AAP_GUI_ERROR_UNKNOWN_GUI: return "unknown GUI id";
    case AAP_GUI_ERROR_TIMEOUT: return "the GUI did not answer in time";
    case AAP_GUI_ERROR_NOT_IMPLEMENTED: return "not implemented by the plugin";
    case AAP_GUI_ERROR_WRONG_STATE: return "wrong state";
    default: return "error " + std::to_string(result);
    }
}

// "OK" or why the call failed: the call itself (ExtensionError) or the plugin's answer.
std::string describe(const ExtensionResult<int32_t>& result) {
    if (!result.ok())
        return describeExtensionError(result.error());
    return guiResultName(result.value());
}
bool succeeded(const ExtensionResult<int32_t>& result) { return result.ok() && result.value() == AAP_GUI_RESULT_OK; }

// A request of the plugin's GUI, queued by the host-extension handlers.
struct GuiRequest {
    enum class Kind : uint8_t { Resize, Show, Hide, HintsChanged, Closed } kind = Kind::Show;
    aap_gui_instance_id gui = -1;
    uint32_t width = 0;
    uint32_t height = 0;
    bool wasDestroyed = false;
};

// [thread-safe] [audio-thread] The handlers only queue; a full queue drops (and counts) the request.
struct GuiRequests {
    BoundedMpscQueue<GuiRequest> queue{64};
    std::atomic<uint64_t> dropped{0};

    void push(GuiRequest request) noexcept {
        if (!queue.tryPush(request))
            dropped.fetch_add(1, std::memory_order_relaxed);
    }
    static GuiRequests* of(void* user) noexcept { return static_cast<GuiRequests*>(user); }
    static void onResize(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, uint32_t width,
                         uint32_t height) noexcept {
        of(user)->push({GuiRequest::Kind::Resize, gui, width, height, false});
    }
    static void onShow(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        of(user)->push({GuiRequest::Kind::Show, gui, 0, 0, false});
    }
    static void onHide(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        of(user)->push({GuiRequest::Kind::Hide, gui, 0, 0, false});
    }
    static void onHints(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        of(user)->push({GuiRequest::Kind::HintsChanged, gui, 0, 0, false});
    }
    static void onClosed(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, bool wasDestroyed) noexcept {
        of(user)->push({GuiRequest::Kind::Closed, gui, 0, 0, wasDestroyed});
    }
};

class NativeGuiSession {
public:
    NativeGuiSession(PlayPlugin& plugin, GuiV5Proxy& gui, X11HostWindow& window, AudioBackend& backend,
                     GuiRequests& requests, bool floating, TerminationSignals& signals)
        : plugin_(plugin), gui_(gui), window_(window), backend_(backend), requests_(requests), floating_(floating),
          signals_(signals) {}

    // Shows the GUI, plays until the end, closes everything. Returns the exit code.
    int run(aap_gui_instance_id id, double duration, const std::string& stateOut);

private:
    void applyHints();
    void handleRequests();
    void handleLine(const std::string& line);
    void resizeEditorTo(int width, int height);
    void connectGuiProgram();
    void setParameter(const std::string& arguments);

    PlayPlugin& plugin_;
    GuiV5Proxy& gui_;
    X11HostWindow& window_;
    AudioBackend& backend_;
    GuiRequests& requests_;
    bool floating_;
    TerminationSignals& signals_;
    aap_gui_instance_id id_ = -1;
    bool lost_ = false;     // closed(was_destroyed): the GUI is gone, destroy must not be called
    bool quit_ = false;
    int exitCode_ = kExitOk;
    PlayEngine* engine_ = nullptr;
    // A GUI program's parameters (docs/gui.md, "Parameters of a GUI program"): the plugin's GUI
    // path and sessions, with the program as a client over shared memory.
    std::unique_ptr<GuiSessions> sessions_;
    uint64_t commandSequence_ = 0;
    std::string stopReason_;
};

void NativeGuiSession::applyHints() {
    ExtensionResult<GuiReply<aap_gui_resize_hints_t>> hints = gui_.getResizeHints(id_);
    if (hints.ok() && hints.value().result == AAP_GUI_RESULT_OK && !floating_)
        window_.setMinimumSize(static_cast<int>(hints.value().value.min_width),
                               static_cast<int>(hints.value().value.min_height));
}

// The host window was resized (by the user or the window manager): the embedded editor follows,
// at the nearest size it accepts.
void NativeGuiSession::resizeEditorTo(int width, int height) {
    GuiSize size{static_cast<uint32_t>(width), static_cast<uint32_t>(height)};
    ExtensionResult<GuiReply<GuiSize>> adjusted = gui_.adjustSize(id_, size);
    if (adjusted.ok() && adjusted.value().result == AAP_GUI_RESULT_OK)
        size = adjusted.value().value;
    ExtensionResult<int32_t> set = gui_.setSize(id_, size);
    if (succeeded(set))
        std::fprintf(stderr, "aap-host gui: editor resized to %ux%u\n", size.width, size.height);
    else
        std::fprintf(stderr, "aap-host gui: set_size %ux%u: %s\n", size.width, size.height, describe(set).c_str());
}

void NativeGuiSession::handleRequests() {
    GuiRequest request;
    while (requests_.queue.tryPop(request)) {
        if (request.gui != id_ || lost_) {
            std::fprintf(stderr, "aap-host gui: ignoring a request of GUI %d (the live one is %d)\n", request.gui, id_);
            continue;
        }
        switch (request.kind) {
        case GuiRequest::Kind::Resize:
            if (floating_) {
                // A floating window sizes itself; the host just agrees.
                gui_.setSize(id_, GuiSize{request.width, request.height});
            } else {
                // The host window follows the editor; its ConfigureNotify then calls set_size.
                window_.resize(static_cast<int>(request.width), static_cast<int>(request.height));
            }
            break;
        case GuiRequest::Kind::Show: gui_.show(id_); break;
        case GuiRequest::Kind::Hide: gui_.hide(id_); break;
        case GuiRequest::Kind::HintsChanged: applyHints(); break;
        case GuiRequest::Kind::Closed:
            if (request.wasDestroyed) {
                std::fprintf(stderr, "aap-host gui: the plugin's GUI was lost (crashed, hung or killed)\n");
                lost_ = true;
                exitCode_ = kExitRuntimeFailure;
                stopReason_ = "the GUI was lost";
            } else {
                std::fprintf(stderr, "aap-host gui: the plugin's GUI was closed\n");
                stopReason_ = "the GUI was closed";
            }
            quit_ = true;
            break;
        }
    }
}

void NativeGuiSession::handleLine(const std::string& line) {
    std::string word = line;
    while (!word.empty() && (word.back() == '\r' || word.back() == ' '))
        word.pop_back();
    if (word == "quit") {
        quit_ = true;
        stopReason_ = "quit";
    } else if (word == "show" || word == "hide") {
        ExtensionResult<int32_t> result = word == "show" ? gui_.show(id_) : gui_.hide(id_);
        if (!succeeded(result))
            std::fprintf(stderr, "aap-host gui: %s: %s\n", word.c_str(), describe(result).c_str());
    } else if (word.rfind("param ", 0) == 0) {
        setParameter(word.substr(6));
    } else if (!word.empty()) {
        std::fprintf(stderr, "aap-host gui: unknown command '%s' (show, hide, param ID VALUE, quit)\n", word.c_str());
    }
}

void NativeGuiSession::setParameter(const std::string& arguments) {
    // `param ID VALUE` (as `aap-host gui`): the host changes a parameter (plain value), as a parameter-change SysEx8 at
    // the start of the next period; the plugin's GUI sees it like any host change.
    char* end = nullptr;
    const long id = std::strtol(arguments.c_str(), &end, 10);
    const char* rest = end;
    const double value = end != arguments.c_str() ? std::strtod(rest, &end) : 0.0;
    const HostedPlugin::Parameter* parameter = nullptr;
    for (const HostedPlugin::Parameter& p : plugin_.hosted->parameterList())
        if (p.id == id)
            parameter = &p;
    if (end == rest || *end != '\0' || parameter == nullptr || !(value >= parameter->minimumValue) ||
        !(value <= parameter->maximumValue) || id < 0 || id > 0xFFFF) {
        std::fprintf(stderr, "aap-host gui: param: expected 'param ID VALUE' with a parameter id of the plugin and a value in "
                             "its range\n");
        return;
    }
    const double range = parameter->maximumValue - parameter->minimumValue;
    const double normalized = range > 0 ? (value - parameter->minimumValue) / range : 0.0;
    PlayCommand command;
    command.kind = PlayCommand::Kind::Ump;
    command.plugin = 0;
    aapxs_parameter_sysex8_write(command.words, 0, 0, 0, 0, static_cast<uint16_t>(id),
                                 static_cast<uint32_t>(std::llround(normalized * 4294967295.0)));
    command.wordCount = 4;
    command.sequence = ++commandSequence_;
    if (engine_ == nullptr || !engine_->post(command))
        std::fprintf(stderr, "aap-host gui: param: the command queue is full\n");
}

void NativeGuiSession::connectGuiProgram() {
    if (plugin_.information->guiProgramPath.empty())
        return;  // an in-process GUI changes parameters inside the plugin
    std::shared_ptr<GuiPath> path = plugin_.hosted->enableGuiPath();
    std::string error;
    int32_t ports = 0;
    for (const PortInformation& port : plugin_.information->ports)
        ports += port.contentType == PortContentType::Audio ? 1 : 0;
    if (path == nullptr ||
        GuiSessions::create(path, GuiInstanceInfo{backend_.sampleRate(), backend_.periodFrames(), ports}, {}, &sessions_,
                            &error) != HostingStatus::Ok ||
        sessions_->start() != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: no GUI sessions for the GUI program: %s\n",
                     error.empty() ? "out of memory" : error.c_str());
        sessions_.reset();
        return;
    }
    uint32_t client = 0;
    const HostingStatus status = plugin_.hosted->connectGuiProgram(id_, *sessions_, &client, &error);
    if (status != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: the GUI program gets no parameters: %s\n", error.c_str());
        return;
    }
    std::fprintf(stderr, "aap-host gui: GUI program session %d is GUI client %u (shared memory)\n", id_, client);
}

int NativeGuiSession::run(aap_gui_instance_id id, double duration, const std::string& stateOut) {
    id_ = id;
    // The instance is active: from now on every GUI call travels in the audio stream (AAPXS), so
    // the audio runs first.
    std::vector<PlayPlugin*> chain{&plugin_};
    PlayEngine engine(chain, backend_.periodFrames(), static_cast<uint32_t>(plugin_.audioIn.size()),
                      static_cast<uint32_t>(plugin_.audioOut.size()), 0, backend_.sampleRate());
    std::string error;
    if (!engine.ok()) {
        std::fprintf(stderr, "aap-host gui: cannot build the plugin graph: %s\n", engine.error().c_str());
        gui_.destroy(id_);
        return kExitRuntimeFailure;
    }
    if (!backend_.start(&engine, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitAudioUnavailable;
    }
    engine_ = &engine;
    auto fail = [&](const char* step, const ExtensionResult<int32_t>& result) {
        std::fprintf(stderr, "aap-host gui: %s: %s\n", step, describe(result).c_str());
        gui_.destroy(id_);
        backend_.stop();
        return kExitRuntimeFailure;
    };
    applyHints();
    const aap_gui_window_t host{AAP_GUI_API_X11, 0, window_.id()};
    ExtensionResult<int32_t> attached = floating_ ? gui_.setTransient(id_, host) : gui_.setParent(id_, host);
    if (!succeeded(attached)) {
        if (!floating_)  // an embedded GUI without its parent cannot be shown
            return fail("set_parent", attached);
        std::fprintf(stderr, "aap-host gui: set_transient: %s\n", describe(attached).c_str());
    }
    if (floating_)
        gui_.suggestTitle(id_, plugin_.information->displayName);
    window_.show();
    ExtensionResult<int32_t> shown = gui_.show(id_);
    if (!succeeded(shown))
        return fail("show", shown);
    connectGuiProgram();
    std::printf("host window: 0x%llx\n", static_cast<unsigned long long>(window_.id()));
    std::printf("gui: %d %s\n", id_, floating_ ? "floating" : "embedded");
    std::fflush(stdout);
    std::fprintf(stderr, "aap-host gui: %s GUI of %s shown; playing on %s at %d Hz, %d frames per period\n",
                 floating_ ? "floating" : "embedded", plugin_.information->uniqueId.c_str(), backend_.name(),
                 backend_.sampleRate(), backend_.periodFrames());

    LineReader input{STDIN_FILENO};
    const auto overlongLine = [] {
        std::fprintf(stderr, "aap-host gui: a line longer than %zu bytes on stdin was ignored\n",
                     LineReader::kDefaultMaxLineBytes);
    };
    const int64_t end = duration > 0 ? monotonicNs() + static_cast<int64_t>(duration * 1e9) : INT64_MAX;
    while (!quit_) {
        const int64_t now = monotonicNs();
        if (now >= end) {
            stopReason_ = "duration reached";
            break;
        }
        pollfd fds[4] = {{signals_.fd(), POLLIN, 0},
                         {window_.fd(), POLLIN, 0},
                         {input.pollFd(), POLLIN, 0},
                         {backend_.eventFd(), POLLIN, 0}};
        // The plugin's requests come through a queue without a descriptor: look every 20 ms.
        const int64_t wait = std::min<int64_t>(end - now, 20'000'000);
        const int ready = ::poll(fds, 4, static_cast<int>(std::max<int64_t>(wait / 1'000'000, 1)));
        if (ready < 0 && errno != EINTR) {
            std::fprintf(stderr, "aap-host gui: poll: %s\n", std::strerror(errno));
            exitCode_ = kExitRuntimeFailure;
            break;
        }
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            stopReason_ = "stopped by a signal";
            break;
        }
        X11HostWindow::Event event;
        for (;;) {
            if (!window_.next(&event)) {
                std::fprintf(stderr, "aap-host gui: the connection to the X server broke\n");
                exitCode_ = kExitRuntimeFailure;
                stopReason_ = "the X server went away";
                quit_ = true;
                break;
            }
            if (event.kind == X11HostWindow::Event::Kind::None)
                break;
            if (event.kind == X11HostWindow::Event::Kind::CloseRequested) {
                stopReason_ = "the host window was closed";
                quit_ = true;
                break;
            }
            if (event.kind == X11HostWindow::Event::Kind::Resized && !floating_ && !lost_)
                resizeEditorTo(event.width, event.height);
        }
        if (ready > 0 && fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
            input.readAvailable([this](const std::string& line) { handleLine(line); }, overlongLine);
        if (ready > 0 && fds[3].fd >= 0 && (fds[3].revents & (POLLIN | POLLHUP)) != 0) {
            std::string message;
            if (backend_.takeEvent(&message) == AudioBackend::Event::ServerGone) {
                std::fprintf(stderr, "aap-host gui: %s; stopping\n", message.c_str());
                stopReason_ = "the audio server went away";
                exitCode_ = kExitAudioUnavailable;
                break;
            }
        }
        handleRequests();
        PlayNotice notice;
        while (engine.takeNotice(&notice))
            if (notice.kind == PlayNotice::Kind::Fault) {
                std::fprintf(stderr, "aap-host gui: the plugin failed (%s); stopping\n",
                             hostingStatusMessage(static_cast<HostingStatus>(notice.value)));
                stopReason_ = "the plugin failed";
                exitCode_ = kExitRuntimeFailure;
                quit_ = true;
            }
    }

    // Close in the reverse order: the GUI sessions (Cleanup to the program), the GUI (while its
    // parent still exists), then the audio.
    if (sessions_)
        sessions_->stop();
    if (!lost_ && plugin_.fault.load() == 0) {
        ExtensionResult<int32_t> hidden = gui_.hide(id_);
        if (!succeeded(hidden))
            std::fprintf(stderr, "aap-host gui: hide: %s\n", describe(hidden).c_str());
        ExtensionResult<int32_t> destroyed = gui_.destroy(id_);
        if (!succeeded(destroyed))
            std::fprintf(stderr, "aap-host gui: destroy: %s\n", describe(destroyed).c_str());
    }
    window_.hide();
    backend_.stop();
    error.clear();
    if (plugin_.fault.load() == 0)
        plugin_.hosted->instance().deactivate();
    if (!stateOut.empty()) {
        std::shared_ptr<StateProxy> state = plugin_.hosted->state();
        ExtensionResult<std::vector<uint8_t>> saved =
            state != nullptr ? state->getState() : ExtensionResult<std::vector<uint8_t>>{ExtensionError::NotAvailable};
        if (!saved.ok()) {
            std::fprintf(stderr, "aap-host gui: cannot save state to %s: %s\n", stateOut.c_str(),
                         describeExtensionError(saved.error()).c_str());
            exitCode_ = exitCode_ == kExitOk ? kExitRuntimeFailure : exitCode_;
        } else if (!writeFileAtomically(stateOut, saved.value(), &error)) {
            std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
            exitCode_ = exitCode_ == kExitOk ? kExitOutputError : exitCode_;
        }
    }
    if (requests_.dropped.load() != 0)
        std::fprintf(stderr, "aap-host gui: %llu GUI requests dropped (queue full)\n",
                     static_cast<unsigned long long>(requests_.dropped.load()));
    std::printf("cycles: %llu\n", static_cast<unsigned long long>(engine.cycles()));
    std::printf("xruns: %llu\n", static_cast<unsigned long long>(engine.xruns()));
    std::printf("stopped: %s\n", stopReason_.c_str());
    std::fflush(stdout);
    return exitCode_;
}

} // namespace

int runNativeGuiCommand(const std::vector<std::string>& arguments) {
    const std::vector<OptionSpec> specs = nativeGuiOptions();
    ParsedArguments parsed;
    std::string error;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr, "aap-host gui: %s\n", message.c_str());
        return kExitUsage;
    };
    if (!parseArguments(arguments, specs, &parsed, &error))
        return usage(error);
    if (parsed.has("help")) {
        std::printf("usage: aap-host gui --native <plugin> [options]\n"
                    "Shows the plugin's native GUI (gui/v5) embedded in a window of aap-host (X11), or floating\n"
                    "with --floating, while the plugin plays on the null backend (or JACK). Resizing the window\n"
                    "resizes the GUI; closing it ends the command. Prints 'host window: 0x<id>' on stdout once\n"
                    "the GUI is shown. Commands on stdin: show | hide | param ID VALUE | quit\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (!parsed.has("native"))
        return usage("expected --native (aap-host gui --native <plugin>)");
    if (parsed.positional().size() != 1)
        return usage("expected one plugin (see aap-host gui --help)");
    const bool floating = parsed.has("floating");
    const std::string backendName = parsed.value("backend", "null");
    if (backendName != "jack" && backendName != "null")
        return usage("bad --backend '" + backendName + "' (null or jack)");
    int64_t rate = 48000, period = 256, width = 0, height = 0;
    double duration = 0;
    if (!parseNullBackendTiming(parsed, &rate, &period, &error))
        return usage(error);
    if (backendName == "jack" && (parsed.has("rate") || parsed.has("period")))
        return usage("--rate and --period are for --backend null; JACK's server sets both");
    if (parsed.has("width") && !parseInteger(parsed.value("width"), 1, 16384, &width))
        return usage("bad --width '" + parsed.value("width") + "' (pixels, 1..16384)");
    if (parsed.has("height") && !parseInteger(parsed.value("height"), 1, 16384, &height))
        return usage("bad --height '" + parsed.value("height") + "' (pixels, 1..16384)");
    if (parsed.has("duration") && !parseReal(parsed.value("duration"), 0.001, 1e7, &duration))
        return usage("bad --duration '" + parsed.value("duration") + "' (seconds, more than 0)");
    const std::string stateOut = parsed.value("state-out");
    if (!stateOut.empty() && !checkOutputWritable(stateOut, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitOutputError;
    }
    // Unavailable here (exit code 8, as `gui` without civetweb): no X11 in this build, or no X
    // server to show a window on. Checked before the plugin is loaded.
    if (!X11HostWindow::displayReachable(&error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitGuiUnavailable;
    }

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    PlayPlugin plugin;
    plugin.information = resolvePlugin(catalog, parsed.positional()[0]);
    if (plugin.information == nullptr)
        return kExitPluginNotFound;

    const AudioBackendConfig config = backendConfigFor({plugin.information}, "aap-host-gui", rate, period);
    if (config.audioOutputs == 0)
        return usage(plugin.information->uniqueId + " has no audio output");
    std::unique_ptr<AudioBackend> backend = backendName == "null" ? createNullBackend() : createJackBackend(&error);
    if (!backend || !backend->open(config, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return error.rfind("JACK is not available", 0) == 0 ? kExitAudioUnavailable : kExitRuntimeFailure;
    }

    // The plugin's GUI requests reach the host through the standard host extensions.
    GuiRequests requests;
    StandardHostExtensions::Handlers handlers;
    handlers.guiRequestResize = &GuiRequests::onResize;
    handlers.guiRequestShow = &GuiRequests::onShow;
    handlers.guiRequestHide = &GuiRequests::onHide;
    handlers.guiResizeHintsChanged = &GuiRequests::onHints;
    handlers.guiClosed = &GuiRequests::onClosed;
    handlers.user = &requests;
    StandardHostExtensions hostExtensions{handlers};
    PluginHostOptions hostOptions = hostOptionsFrom(parsed);
    hostOptions.hostExtensionDefinitions = StandardHostExtensions::definitions();
    hostOptions.hostExtensionImplementation = [&hostExtensions](const char* uri) {
        return hostExtensions.implementation(uri);
    };
    PluginHost host{catalog, hostOptions};
    if (HostedPlugin::open(host, plugin.information->uniqueId,
                           HostedPluginOptions::at(backend->periodFrames(), backend->sampleRate()), &plugin.hosted,
                           &error) != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    plugin.describePorts();
    std::shared_ptr<GuiV5Proxy> gui = plugin.hosted->guiV5();
    if (gui == nullptr || !declaresNativeGui(*plugin.information)) {
        std::fprintf(stderr,
                     "aap-host gui: %s has no native GUI (its aap_metadata.xml lists neither the gui/v5 extension nor a "
                     "gui:program)\n",
                     plugin.information->uniqueId.c_str());
        return kExitRuntimeFailure;
    }
    ExtensionResult<bool> supported = gui->isApiSupported(AAP_GUI_API_X11, floating);
    if (!supported.ok() || !supported.value()) {
        std::fprintf(stderr, "aap-host gui: %s has no %s X11 GUI%s%s\n", plugin.information->uniqueId.c_str(),
                     floating ? "floating" : "embeddable", supported.ok() ? "" : ": ",
                     supported.ok() ? "" : describeExtensionError(supported.error()).c_str());
        return kExitRuntimeFailure;
    }
    ExtensionResult<int32_t> created = gui->create(AAP_GUI_API_X11, floating);
    if (!created.ok() || created.value() < 0) {
        std::fprintf(stderr, "aap-host gui: create: %s\n",
                     created.ok() ? guiResultName(created.value()).c_str() : describeExtensionError(created.error()).c_str());
        return kExitRuntimeFailure;
    }
    const aap_gui_instance_id id = created.value();
    GuiSize size{360, 200};
    ExtensionResult<GuiReply<GuiSize>> reported = gui->getSize(id);
    if (reported.ok() && reported.value().result == AAP_GUI_RESULT_OK && reported.value().value.width > 0 &&
        reported.value().value.height > 0)
        size = reported.value().value;
    if (width > 0 || height > 0) {
        GuiSize wanted{width > 0 ? static_cast<uint32_t>(width) : size.width,
                       height > 0 ? static_cast<uint32_t>(height) : size.height};
        ExtensionResult<GuiReply<GuiSize>> adjusted = gui->adjustSize(id, wanted);
        if (adjusted.ok() && adjusted.value().result == AAP_GUI_RESULT_OK)
            wanted = adjusted.value().value;
        ExtensionResult<int32_t> set = gui->setSize(id, wanted);
        if (succeeded(set))
            size = wanted;
        else
            std::fprintf(stderr, "aap-host gui: set_size %ux%u: %s\n", wanted.width, wanted.height, describe(set).c_str());
    }
    // A floating GUI has its own window; aap-host's stays small and stands for the host.
    const int windowWidth = floating ? 320 : static_cast<int>(size.width);
    const int windowHeight = floating ? 80 : static_cast<int>(size.height);
    std::unique_ptr<X11HostWindow> window =
        X11HostWindow::open(windowWidth, windowHeight, "aap-host: " + plugin.information->displayName, &error);
    if (!window) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        gui->destroy(id);
        return kExitRuntimeFailure;
    }
    const HostingStatus activated = plugin.hosted->instance().activate();
    if (activated != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: activate failed: %s\n", hostingStatusMessage(activated));
        gui->destroy(id);
        return kExitRuntimeFailure;
    }

    std::unique_ptr<TerminationSignals> signals = TerminationSignals::install(&error);
    if (!signals) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        gui->destroy(id);
        return kExitRuntimeFailure;
    }
    NativeGuiSession session{plugin, *gui, *window, *backend, requests, floating, *signals};
    const int result = session.run(id, duration, stateOut);
    window.reset();
    gui.reset();
    plugin.hosted.reset();
    backend.reset();
    return result;
}

} // namespace aap::host_tool
