// aap-host play: runs a chain of plugins live, as a JACK client (or on the null backend's timer),
// until --duration passes, Ctrl-C / SIGTERM, `quit` on stdin, or the JACK server goes away.
//
// Threads: the main thread is the control thread. It owns the plugins, reads stdin, handles
// signals (through a self-pipe), prints status, and talks to the audio thread only through the
// PlayEngine (an SPSC command queue in, notices / cycle times / atomics out).

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

#include "audio-backend.h"
#include "commands.h"
#include "cycle-statistics.h"
#include "exit-codes.h"
#include "file-io.h"
#include "play-engine.h"
#include "plugin-resolution.h"
#include "render-events.h"
#include "termination-signals.h"

namespace aap::host_tool {

namespace {

std::vector<OptionSpec> playOptions() {
    std::vector<OptionSpec> specs = pluginOptions();
    std::vector<OptionSpec> own = {
        {"backend", "NAME", "jack (default) or null (no device: a timer at the real period)"},
        {"duration", "SECONDS", "stop after SECONDS (default: until Ctrl-C, SIGTERM or `quit`)"},
        {"connect", nullptr, "connect the ports to the system's capture/playback ports and physical MIDI sources"},
        {"input-from", "PORT", "connect PORT to the next audio input (repeatable, in order)", true},
        {"output-to", "PORT", "connect the next audio output to PORT (repeatable, in order)", true},
        {"midi-from", "PORT", "connect the MIDI source PORT to the MIDI input (repeatable)", true},
        {"name", "NAME", "JACK client name (default aap-host)"},
        {"deadline", "MS", "time the chain may take per period, 0.05..10000 ms (default: one period)"},
        {"cpu", "N|first|any", "the CPU the audio thread keeps to, its plugins' threads with it (default first: the CPU of its first period)"},
        {"rate", "HZ", "null backend: sample rate, 8000..384000 (default 48000)"},
        {"period", "FRAMES", "null backend: frames per period, 16..8192 (default 256)"},
        {"preset", "[K:]INDEX", "select preset INDEX of plugin K (default 1) before playing", true},
        {"param", "[K:]ID=VALUE", "set parameter ID of plugin K to plain VALUE in the first cycle", true},
        {"state-in", "[K:]FILE", "restore plugin K's state from FILE before playing", true},
        {"state-out", "[K:]FILE", "save plugin K's state to FILE when play ends", true},
        {"help", nullptr, "show this help"},
    };
    specs.insert(specs.end(), own.begin(), own.end());
    return specs;
}

// --cpu: "first", "any" or a CPU this process may run on.
bool parseAudioCpu(const std::string& text, int32_t* cpu, std::string* error) {
    if (text == "first" || text == "any") {
        *cpu = text == "first" ? kAudioCpuFirst : kAudioCpuAny;
        return true;
    }
    int64_t number = 0;
    if (!parseInteger(text, 0, CPU_SETSIZE - 1, &number)) {
        *error = "first, any or a CPU number 0.." + std::to_string(CPU_SETSIZE - 1);
        return false;
    }
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || !CPU_ISSET(static_cast<int>(number), &allowed)) {
        std::string list;
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed))
                list += (list.empty() ? "" : ",") + std::to_string(c);
        *error = "this process may not run on CPU " + std::to_string(number) + " (it may run on " + list + ")";
        return false;
    }
    *cpu = static_cast<int32_t>(number);
    return true;
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    size_t position = 0;
    while (position < line.size()) {
        const size_t start = line.find_first_not_of(" \t\r", position);
        if (start == std::string::npos)
            break;
        const size_t end = line.find_first_of(" \t\r", start);
        out.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
        position = end == std::string::npos ? line.size() : end;
    }
    return out;
}

class Player {
public:
    Player(PluginHost& host, std::vector<std::unique_ptr<PlayPlugin>> plugins, AudioBackend& backend,
           TerminationSignals& signals)
        : host_(host), plugins_(std::move(plugins)), backend_(backend), signals_(signals) {}

    int run(const ParsedArguments& parsed, double duration, int64_t deadlineNs);

private:
    void handleLine(const std::string& line);
    void handleNotices();
    void refreshStates();
    bool snapshot(size_t p, std::vector<uint8_t>* bytes, std::string* error);
    void restart();
    // Drains the cycle times; prints the status line (a terminal on stdout) or, when `toStderr`,
    // one status line on stderr (the `status` command).
    void printStatus(bool toStderr);
    uint64_t totalXruns() const {
        return engine_->xruns() + (std::strcmp(backend_.name(), "null") == 0 ? backend_.backendXruns() : 0);
    }
    std::string label(size_t p) const {
        return "plugin " + std::to_string(p + 1) + " (" + plugins_[p]->information->uniqueId + ")";
    }

    PluginHost& host_;
    std::vector<std::unique_ptr<PlayPlugin>> plugins_;
    AudioBackend& backend_;
    TerminationSignals& signals_;
    std::unique_ptr<PlayEngine> engine_;
    size_t target_ = 0;
    uint64_t sequence_ = 0;
    bool quit_ = false;
    bool statusLine_ = false;
    int exitCode_ = kExitOk;
    // Parameter changes whose delivery should refresh the plugin's remembered state.
    std::vector<uint64_t> refreshAfter_;
    std::vector<int64_t> allCycles_;
    std::vector<int64_t> window_;
    double maxLoad_ = 0;
};

bool Player::snapshot(size_t p, std::vector<uint8_t>* bytes, std::string* error) {
    std::shared_ptr<StateProxy> state = plugins_[p]->hosted->state();
    if (state == nullptr) {
        *error = "the state extension is unavailable";
        return false;
    }
    ExtensionResult<std::vector<uint8_t>> saved = state->getState();
    if (!saved.ok()) {
        *error = describeExtensionError(saved.error());
        return false;
    }
    *bytes = std::move(saved.value());
    return true;
}

void Player::refreshStates() {
    for (size_t p = 0; p < plugins_.size(); p++) {
        if (refreshAfter_[p] == 0 || engine_->deliveredSequence() < refreshAfter_[p] ||
            plugins_[p]->fault.load() != 0)
            continue;
        refreshAfter_[p] = 0;
        std::string error;
        std::vector<uint8_t> bytes;
        if (snapshot(p, &bytes, &error)) {
            plugins_[p]->lastState = std::move(bytes);
            plugins_[p]->haveState = true;
        }
    }
}

void Player::restart() {
    std::vector<size_t> faulted;
    for (size_t p = 0; p < plugins_.size(); p++)
        if (plugins_[p]->fault.load() != 0)
            faulted.push_back(p);
    if (faulted.empty()) {
        std::fprintf(stderr, "aap-host play: nothing to restart: every plugin is running\n");
        return;
    }
    engine_->suspend();
    for (size_t p : faulted) {
        PlayPlugin& plugin = *plugins_[p];
        plugin.hosted.reset();  // destroys the failed instance (and ends its service process)
        std::string error;
        std::unique_ptr<HostedPlugin> fresh;
        if (HostedPlugin::open(host_, plugin.information->uniqueId,
                               HostedPluginOptions::at(backend_.periodFrames(), backend_.sampleRate()), &fresh, &error) != HostingStatus::Ok) {
            std::fprintf(stderr, "aap-host play: restart of %s failed: %s\n", label(p).c_str(), error.c_str());
            continue;
        }
        if (plugin.haveState && fresh->state() != nullptr) {
            ExtensionStatus loaded = fresh->state()->setState(plugin.lastState);
            if (!loaded.ok())
                std::fprintf(stderr, "aap-host play: %s: cannot restore its last state: %s\n", label(p).c_str(),
                             describeExtensionError(loaded.error()).c_str());
        }
        const HostingStatus activated = fresh->instance().activate();
        if (activated != HostingStatus::Ok) {
            std::fprintf(stderr, "aap-host play: restart of %s failed: activate: %s\n", label(p).c_str(),
                         hostingStatusMessage(activated));
            continue;
        }
        plugin.hosted = std::move(fresh);
        plugin.describePorts();
        plugin.fault.store(0);
        std::fprintf(stderr, "aap-host play: %s restarted%s\n", label(p).c_str(),
                     plugin.haveState ? " with its last state" : "");
    }
    // A plugin that could not be restarted keeps its fault (and the output stays silent).
    engine_->resume();
}

void Player::handleNotices() {
    PlayNotice notice;
    while (engine_->takeNotice(&notice)) {
        const size_t p = static_cast<size_t>(notice.plugin);
        switch (notice.kind) {
        case PlayNotice::Kind::PresetDone: {
            const auto error = static_cast<ExtensionError>(notice.error);
            if (error == ExtensionError::None) {
                std::fprintf(stderr, "aap-host play: %s: preset %d selected\n", label(p).c_str(), notice.value);
                refreshAfter_[p] = std::max<uint64_t>(refreshAfter_[p], 1);
            } else {
                std::fprintf(stderr, "aap-host play: %s: preset %d failed: %s\n", label(p).c_str(), notice.value,
                             describeExtensionError(error).c_str());
            }
            break;
        }
        case PlayNotice::Kind::Fault:
            std::fprintf(stderr,
                         "aap-host play: %s failed in process(): %s; the output is silent (type `restart` to start "
                         "it again with its last state)\n",
                         label(p).c_str(), hostingStatusMessage(static_cast<HostingStatus>(notice.value)));
            break;
        case PlayNotice::Kind::CommandDropped:
            std::fprintf(stderr, "aap-host play: %s: a command was dropped (too many at once)\n", label(p).c_str());
            break;
        case PlayNotice::Kind::PeriodTooLong:
            std::fprintf(stderr,
                         "aap-host play: the period grew to %d frames, more than the plugins were prepared for; "
                         "the output is silent (restart play)\n",
                         notice.value);
            break;
        }
    }
}

void Player::handleLine(const std::string& line) {
    const std::vector<std::string> w = words(line);
    if (w.empty())
        return;
    const std::string& verb = w[0];
    auto bad = [&](const std::string& message) { std::fprintf(stderr, "aap-host play: %s\n", message.c_str()); };
    if (verb == "quit" || verb == "exit") {
        quit_ = true;
    } else if (verb == "help") {
        std::fprintf(stderr, "commands: preset N | param ID VALUE | state save FILE | plugin K | restart | status | quit\n");
    } else if (verb == "status") {
        printStatus(true);
    } else if (verb == "plugin") {
        int64_t k = 0;
        if (w.size() != 2 || !parseInteger(w[1], 1, static_cast<int64_t>(plugins_.size()), &k))
            return bad("usage: plugin K (K is 1.." + std::to_string(plugins_.size()) + ")");
        target_ = static_cast<size_t>(k - 1);
        std::fprintf(stderr, "aap-host play: commands now go to %s\n", label(target_).c_str());
    } else if (verb == "preset") {
        int64_t index = 0;
        if (w.size() != 2 || !parseInteger(w[1], 0, 127, &index))
            return bad("usage: preset N (an integer 0..127)");
        PlayPlugin& plugin = *plugins_[target_];
        if (plugin.presetCount < 0)
            return bad(label(target_) + " has no presets extension");
        if (index >= plugin.presetCount)
            return bad(label(target_) + " has " + std::to_string(plugin.presetCount) + " presets" +
                       (plugin.presetCount > 0 ? " (0.." + std::to_string(plugin.presetCount - 1) + ")" : ""));
        if (plugin.fault.load() != 0)
            return bad(label(target_) + " is not running (type `restart`)");
        PlayCommand command;
        command.kind = PlayCommand::Kind::Preset;
        command.plugin = static_cast<int32_t>(target_);
        command.preset = static_cast<int32_t>(index);
        command.sequence = ++sequence_;
        if (!engine_->post(command))
            return bad("too many commands at once; try again");
    } else if (verb == "param") {
        ControlChange change;
        std::string error;
        if (w.size() != 3 || !parseParameterChange(w[1] + "=" + w[2], &change, &error))
            return bad("usage: param ID VALUE (" + (error.empty() ? std::string("two numbers") : error) + ")");
        PlayPlugin& plugin = *plugins_[target_];
        if (!checkParameterChanges(plugin.information->uniqueId, plugin.parameters, {change}, &error))
            return bad(error);
        for (const ParameterInformation& parameter : plugin.parameters.parameters)
            if (parameter.id == change.parameterId) {
                const TimedUmp ump = parameterChangeUmp(0, parameter, change.value);
                PlayCommand command;
                command.kind = PlayCommand::Kind::Ump;
                command.plugin = static_cast<int32_t>(target_);
                std::memcpy(command.words, ump.words, sizeof(command.words));
                command.wordCount = ump.wordCount;
                command.sequence = ++sequence_;
                if (!engine_->post(command))
                    return bad("too many commands at once; try again");
                refreshAfter_[target_] = command.sequence;
                std::fprintf(stderr, "aap-host play: %s: parameter %d (%s) = %g\n", label(target_).c_str(),
                             parameter.id, parameter.name.c_str(), change.value);
            }
    } else if (verb == "state") {
        if (w.size() != 3 || w[1] != "save")
            return bad("usage: state save FILE");
        if (plugins_[target_]->fault.load() != 0)
            return bad(label(target_) + " is not running (type `restart`)");
        std::string error;
        std::vector<uint8_t> bytes;
        if (!snapshot(target_, &bytes, &error))
            return bad(label(target_) + ": cannot save state: " + error);
        if (!writeFileAtomically(w[2], bytes, &error))
            return bad(error);
        plugins_[target_]->lastState = bytes;
        plugins_[target_]->haveState = true;
        std::fprintf(stderr, "aap-host play: %s: state saved to %s (%zu bytes)\n", label(target_).c_str(),
                     w[2].c_str(), bytes.size());
    } else if (verb == "restart") {
        restart();
    } else {
        bad("unknown command '" + verb + "' (type help)");
    }
}

void Player::printStatus(bool toStderr) {
    int64_t ns = 0;
    while (engine_->takeCycleTime(&ns)) {
        window_.push_back(ns);
        allCycles_.push_back(ns);
    }
    const double periodNs = 1e9 * backend_.periodFrames() / backend_.sampleRate();
    double load = 0;
    if (!window_.empty()) {
        int64_t sum = 0;
        for (int64_t value : window_)
            sum += value;
        load = 100.0 * static_cast<double>(sum) / (static_cast<double>(window_.size()) * periodNs);
        maxLoad_ = std::max(maxLoad_, load);
    }
    std::vector<int64_t> window = window_;
    const CycleSummary summary = summarizeCycles(window);
    if (statusLine_ || toStderr) {
        std::fprintf(toStderr ? stderr : stdout, "%scycles %llu  xruns %llu  DSP %5.1f%%  p99 %7.1f us  %s",
                     toStderr ? "aap-host play: " : "\r", static_cast<unsigned long long>(engine_->cycles()),
                     static_cast<unsigned long long>(totalXruns()), load, summary.p99Us, toStderr ? "\n" : "");
        std::fflush(toStderr ? stderr : stdout);
    }
    if (!toStderr)
        window_.clear();
}

int Player::run(const ParsedArguments& parsed, double duration, int64_t deadlineNs) {
    std::vector<PlayPlugin*> chain;
    for (auto& plugin : plugins_)
        chain.push_back(plugin.get());
    refreshAfter_.assign(plugins_.size(), 0);
    const uint32_t inputs = static_cast<uint32_t>(plugins_.front()->audioIn.size());
    const uint32_t outputs = static_cast<uint32_t>(plugins_.back()->audioOut.size());
    engine_ = std::make_unique<PlayEngine>(chain, backend_.periodFrames(), inputs, outputs, deadlineNs,
                                           backend_.sampleRate());
    if (!engine_->ok()) {
        std::fprintf(stderr, "aap-host play: cannot build the plugin graph: %s\n", engine_->error().c_str());
        return kExitRuntimeFailure;
    }

    // --param: parameter-change SysEx8 in the first cycle.
    for (const std::string& text : parsed.values("param")) {
        size_t p = 0;
        std::string rest, error;
        splitPluginPrefix(text, plugins_.size(), &p, &rest, &error);
        ControlChange change;
        parseParameterChange(rest, &change, &error);
        for (const ParameterInformation& parameter : plugins_[p]->parameters.parameters)
            if (parameter.id == change.parameterId) {
                const TimedUmp ump = parameterChangeUmp(0, parameter, change.value);
                PlayCommand command;
                command.plugin = static_cast<int32_t>(p);
                std::memcpy(command.words, ump.words, sizeof(command.words));
                command.wordCount = ump.wordCount;
                command.sequence = ++sequence_;
                engine_->post(command);
                refreshAfter_[p] = command.sequence;
            }
    }

    std::string error;
    if (!backend_.start(engine_.get(), &error)) {
        std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
        return kExitAudioUnavailable;
    }
    if (parsed.has("connect") && !backend_.connectPhysical(&error))
        std::fprintf(stderr, "aap-host play: warning: %s\n", error.c_str());
    error.clear();
    if ((parsed.has("input-from") || parsed.has("output-to") || parsed.has("midi-from")) &&
        !backend_.connectNamed(parsed.values("input-from"), parsed.values("output-to"), parsed.values("midi-from"),
                               &error))
        std::fprintf(stderr, "aap-host play: warning: %s\n", error.c_str());
    std::string ports;
    for (const std::string& name : backend_.portNames())
        ports += (ports.empty() ? "" : " ") + name;
    std::fprintf(stderr, "aap-host play: playing %zu plugin%s on %s at %d Hz, %d frames per period%s%s\n",
                 plugins_.size(), plugins_.size() == 1 ? "" : "s", backend_.name(), backend_.sampleRate(),
                 backend_.periodFrames(), ports.empty() ? "" : "; ports: ", ports.c_str());

    statusLine_ = isatty(STDOUT_FILENO) != 0;
    LineReader input{STDIN_FILENO};
    const auto overlongLine = [] {
        std::fprintf(stderr, "aap-host play: a line longer than %zu bytes on stdin was ignored\n",
                     LineReader::kDefaultMaxLineBytes);
    };
    const int64_t started = monotonicNs();
    const int64_t end = duration > 0 ? started + static_cast<int64_t>(duration * 1e9) : INT64_MAX;
    int64_t nextStatus = started + 500'000'000;
    std::string stopReason;
    while (!quit_) {
        const int64_t now = monotonicNs();
        if (now >= end) {
            stopReason = "duration reached";
            break;
        }
        pollfd fds[3] = {{signals_.fd(), POLLIN, 0}, {backend_.eventFd(), POLLIN, 0}, {input.pollFd(), POLLIN, 0}};
        const int64_t wait = std::min<int64_t>(std::min(end, nextStatus) - now, 100'000'000);
        const int ready = ::poll(fds, 3, static_cast<int>(std::max<int64_t>(wait / 1'000'000, 1)));
        if (ready < 0 && errno != EINTR) {
            std::fprintf(stderr, "aap-host play: poll: %s\n", std::strerror(errno));
            exitCode_ = kExitRuntimeFailure;
            break;
        }
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            stopReason = "stopped by a signal";
            break;
        }
        if (ready > 0 && fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            std::string message;
            if (backend_.takeEvent(&message) == AudioBackend::Event::ServerGone) {
                std::fprintf(stderr, "aap-host play: %s; stopping\n", message.c_str());
                stopReason = "the audio server went away";
                exitCode_ = kExitAudioUnavailable;
                break;
            }
        }
        // EOF on stdin: keep playing until the duration or a signal.
        if (ready > 0 && fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
            input.readAvailable([this](const std::string& line) { handleLine(line); }, overlongLine);
        handleNotices();
        refreshStates();
        if (monotonicNs() >= nextStatus) {
            printStatus(false);
            nextStatus += 500'000'000;
        }
    }
    if (quit_)
        stopReason = "quit";
    backend_.stop();
    handleNotices();
    printStatus(false);
    engine_->suspend();  // takes the plugin graph down: every plugin is inactive afterwards
    if (statusLine_)
        std::printf("\n");

    for (auto& plugin : plugins_)
        if (plugin->fault.load() == 0)
            plugin->hosted->instance().deactivate();
    for (const std::string& text : parsed.values("state-out")) {
        size_t p = 0;
        std::string file;
        splitPluginPrefix(text, plugins_.size(), &p, &file, &error);
        std::vector<uint8_t> bytes;
        if (plugins_[p]->fault.load() != 0 || !snapshot(p, &bytes, &error)) {
            std::fprintf(stderr, "aap-host play: %s: cannot save state to %s: %s\n", label(p).c_str(), file.c_str(),
                         plugins_[p]->fault.load() != 0 ? "it is not running" : error.c_str());
            exitCode_ = exitCode_ == kExitOk ? kExitRuntimeFailure : exitCode_;
        } else if (!writeFileAtomically(file, bytes, &error)) {
            std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
            exitCode_ = exitCode_ == kExitOk ? kExitOutputError : exitCode_;
        }
    }
    for (auto& plugin : plugins_)
        plugin->hosted.reset();

    CycleSummary summary = summarizeCycles(allCycles_);
    const double periodUs = 1e6 * backend_.periodFrames() / backend_.sampleRate();
    std::printf("backend: %s\n", backend_.name());
    std::printf("cycles: %llu\n", static_cast<unsigned long long>(engine_->cycles()));
    const bool jack = std::strcmp(backend_.name(), "jack") == 0;
    std::printf("xruns: %llu\n", static_cast<unsigned long long>(totalXruns()));
    if (jack)
        std::printf("server xruns: %llu\n", static_cast<unsigned long long>(backend_.backendXruns()));
    const int32_t cpu = backend_.audioCpu();
    std::printf("audio cpu: %s\n", cpu >= 0 ? std::to_string(cpu).c_str() : "any");
    std::printf("faults: %llu\n", static_cast<unsigned long long>(engine_->faults()));
    std::printf("silent cycles: %llu\n", static_cast<unsigned long long>(engine_->silentCycles()));
    std::printf("midi events: %llu\n", static_cast<unsigned long long>(engine_->midiEvents()));
    std::printf("chain time: %s\n", describe(summary).c_str());
    std::printf("dsp load: mean %.1f%%, max %.1f%% (of %.0f us)\n",
                summary.cycles > 0 ? 100.0 * summary.meanUs / periodUs : 0.0, maxLoad_, periodUs);
    std::printf("stopped: %s\n", stopReason.c_str());
    std::fflush(stdout);
    return exitCode_;
}

} // namespace

int runPlayCommand(const std::vector<std::string>& arguments) {
    const std::vector<OptionSpec> specs = playOptions();
    ParsedArguments parsed;
    std::string error;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr, "aap-host play: %s\n", message.c_str());
        return kExitUsage;
    };
    if (!parseArguments(arguments, specs, &parsed, &error))
        return usage(error);
    if (parsed.has("help")) {
        std::printf("usage: aap-host play <plugin> [<plugin> ...] [options]\n"
                    "Plays a chain of plugins live as a JACK client (out of process): audio inputs of the first,\n"
                    "audio outputs of the last, one MIDI input. Commands on stdin while playing:\n"
                    "  preset N | param ID VALUE | state save FILE | plugin K | restart | status | quit\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().empty())
        return usage("expected at least one plugin (see aap-host play --help)");
    const std::string backendName = parsed.value("backend", "jack");
    if (backendName != "jack" && backendName != "null")
        return usage("bad --backend '" + backendName + "' (jack or null)");
    double duration = 0, deadlineMs = 0;
    if (parsed.has("duration") && !parseReal(parsed.value("duration"), 0.001, 1e7, &duration))
        return usage("bad --duration '" + parsed.value("duration") + "' (seconds, more than 0)");
    if (parsed.has("deadline") && !parseReal(parsed.value("deadline"), 0.05, 10000, &deadlineMs))
        return usage("bad --deadline '" + parsed.value("deadline") + "' (milliseconds, 0.05..10000)");
    int64_t rate = 48000, period = 256;
    if (!parseNullBackendTiming(parsed, &rate, &period, &error))
        return usage(error);
    int32_t audioCpu = kAudioCpuFirst;
    if (parsed.has("cpu") && !parseAudioCpu(parsed.value("cpu"), &audioCpu, &error))
        return usage("bad --cpu '" + parsed.value("cpu") + "': " + error);
    if (backendName == "jack" && (parsed.has("rate") || parsed.has("period")))
        return usage("--rate and --period are for --backend null; JACK's server sets both");
    if (backendName == "null" && (parsed.has("connect") || parsed.has("input-from") || parsed.has("output-to") ||
                                  parsed.has("midi-from")))
        return usage("the null backend has no ports to connect");
    const size_t count = parsed.positional().size();
    // Check every per-plugin option before anything starts.
    for (const char* option : {"preset", "param", "state-in", "state-out"})
        for (const std::string& text : parsed.values(option)) {
            size_t p = 0;
            std::string rest;
            if (!splitPluginPrefix(text, count, &p, &rest, &error))
                return usage("bad --" + std::string(option) + " '" + text + "': " + error);
            ControlChange change;
            if (std::string(option) == "preset" && !parsePresetChange(rest, &change, &error))
                return usage("bad --preset '" + text + "': " + error);
            if (std::string(option) == "param" && !parseParameterChange(rest, &change, &error))
                return usage("bad --param '" + text + "': " + error);
            if (rest.find('@') != std::string::npos && std::string(option) != "state-in" &&
                std::string(option) != "state-out")
                return usage("bad --" + std::string(option) + " '" + text + "': play applies it at the start (no @)");
        }

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    std::vector<std::unique_ptr<PlayPlugin>> plugins;
    for (const std::string& query : parsed.positional()) {
        const PluginInformation* information = resolvePlugin(catalog, query);
        if (information == nullptr)
            return kExitPluginNotFound;
        auto plugin = std::make_unique<PlayPlugin>();
        plugin->information = information;
        plugins.push_back(std::move(plugin));
    }
    std::vector<std::pair<size_t, std::vector<uint8_t>>> states;
    for (const std::string& text : parsed.values("state-in")) {
        size_t p = 0;
        std::string file;
        splitPluginPrefix(text, count, &p, &file, &error);
        std::vector<uint8_t> bytes;
        if (!readWholeFile(file, &bytes, &error, 64u << 20)) {
            std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
            return kExitBadInput;
        }
        states.emplace_back(p, std::move(bytes));
    }
    for (const std::string& text : parsed.values("state-out")) {
        size_t p = 0;
        std::string file;
        splitPluginPrefix(text, count, &p, &file, &error);
        if (!checkOutputWritable(file, &error)) {
            std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
            return kExitOutputError;
        }
    }

    // The chain's ends decide the ports: the first plugin's audio inputs, the last's outputs.
    std::vector<const PluginInformation*> chain;
    for (const auto& plugin : plugins)
        chain.push_back(plugin->information);
    AudioBackendConfig config = backendConfigFor(chain, parsed.value("name", "aap-host"), rate, period);
    config.audioCpu = audioCpu;
    if (config.audioOutputs == 0)
        return usage(plugins.back()->information->uniqueId + " has no audio output: it cannot end a chain");

    std::unique_ptr<AudioBackend> backend = backendName == "null" ? createNullBackend() : createJackBackend(&error);
    if (!backend || !backend->open(config, &error)) {
        std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
        return error.rfind("JACK is not available", 0) == 0 ? kExitAudioUnavailable : kExitRuntimeFailure;
    }

    PluginHost host{catalog, hostOptionsFrom(parsed)};
    for (size_t p = 0; p < plugins.size(); p++) {
        PlayPlugin& plugin = *plugins[p];
        if (HostedPlugin::open(host, plugin.information->uniqueId,
                               HostedPluginOptions::at(backend->periodFrames(), backend->sampleRate()), &plugin.hosted,
                               &error) != HostingStatus::Ok) {
            std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
            return kExitRuntimeFailure;
        }
        plugin.describePorts();
        // Parameter ids and ranges: the running plugin's (the metadata's without a parameters
        // extension), as render --param.
        if (!resolveParameters(*plugin.hosted, *plugin.information, &plugin.parameters, &error)) {
            std::fprintf(stderr, "aap-host play: %s: %s\n", plugin.information->uniqueId.c_str(), error.c_str());
            return kExitRuntimeFailure;
        }
        if (plugin.hosted->presets() != nullptr) {
            ExtensionResult<int32_t> presets = plugin.hosted->presets()->getPresetCount();
            if (presets.ok())
                plugin.presetCount = presets.value();
        }
    }
    for (const std::string& text : parsed.values("param")) {
        size_t p = 0;
        std::string rest;
        splitPluginPrefix(text, count, &p, &rest, &error);
        ControlChange change;
        parseParameterChange(rest, &change, &error);
        if (!checkParameterChanges(plugins[p]->information->uniqueId, plugins[p]->parameters, {change}, &error))
            return usage("bad --param '" + text + "': " + error);
    }
    for (auto& [p, bytes] : states) {
        ExtensionStatus loaded = plugins[p]->hosted->state() != nullptr ? plugins[p]->hosted->state()->setState(bytes)
                                                                        : ExtensionStatus{ExtensionError::NotAvailable};
        if (!loaded.ok()) {
            std::fprintf(stderr, "aap-host play: %s: cannot load state: %s\n",
                         plugins[p]->information->uniqueId.c_str(), describeExtensionError(loaded.error()).c_str());
            return kExitRuntimeFailure;
        }
    }
    for (const std::string& text : parsed.values("preset")) {
        size_t p = 0;
        std::string rest;
        splitPluginPrefix(text, count, &p, &rest, &error);
        ControlChange change;
        parsePresetChange(rest, &change, &error);
        PlayPlugin& plugin = *plugins[p];
        if (plugin.presetCount < 0)
            return usage("bad --preset '" + text + "': " + plugin.information->uniqueId + " has no presets extension");
        if (change.presetIndex >= plugin.presetCount)
            return usage("bad --preset '" + text + "': " + plugin.information->uniqueId + " has " +
                         std::to_string(plugin.presetCount) + " presets");
        ExtensionStatus selected = plugin.hosted->presets()->setPresetIndex(change.presetIndex);
        if (!selected.ok()) {
            std::fprintf(stderr, "aap-host play: %s: cannot select preset %d: %s\n",
                         plugin.information->uniqueId.c_str(), change.presetIndex,
                         describeExtensionError(selected.error()).c_str());
            return kExitRuntimeFailure;
        }
    }
    for (auto& plugin : plugins) {
        // The state `restart` restores until a later change replaces it.
        if (plugin->hosted->state() != nullptr) {
            ExtensionResult<std::vector<uint8_t>> saved = plugin->hosted->state()->getState();
            if (saved.ok()) {
                plugin->lastState = std::move(saved.value());
                plugin->haveState = true;
            }
        }
        const HostingStatus activated = plugin->hosted->instance().activate();
        if (activated != HostingStatus::Ok) {
            std::fprintf(stderr, "aap-host play: %s: activate failed: %s\n", plugin->information->uniqueId.c_str(),
                         hostingStatusMessage(activated));
            return kExitRuntimeFailure;
        }
    }

    std::unique_ptr<TerminationSignals> signals = TerminationSignals::install(&error);
    if (!signals) {
        std::fprintf(stderr, "aap-host play: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    Player player{host, std::move(plugins), *backend, *signals};
    const int result = player.run(parsed, duration, static_cast<int64_t>(deadlineMs * 1e6));
    backend.reset();
    return result;
}

} // namespace aap::host_tool
