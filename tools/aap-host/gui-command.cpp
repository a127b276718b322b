// aap-host gui: runs one plugin live (JACK when a server answers, else the null backend at the
// real period, optionally over --input/--midi files in a loop) and serves its web UI (or a
// generated one) on 127.0.0.1 over HTTP + WebSocket (docs/gui.md, "Web UIs and aap-host gui").
// `--native` hands over to runNativeGuiCommand (native-gui-command.cpp): the plugin's own GUI.
//
// The GUI <-> DSP path is hosting's, the one every host uses (docs/gui.md): the plugin's GuiPath
// (HostedPlugin::enableGuiPath) merges GUI events into its input within the cycle (per-cycle
// budget, host events win ties) and copies out parameter values, its MIDI2 output and port peak
// levels; aap::GuiSessions keeps the clients' sessions (token, lifecycle, deadlines) and serves
// them at display rate on its own thread. WebSessions below only maps WebSocket clients to
// sessions and handles the web layer's two text messages.
//
// Threads: the main thread is the control thread (stdin, signals, engine notices, --trace lines
// from the GuiPath's applied-event records, resyncs after presets). civetweb's workers run the
// server and hand each message to GuiSessions::receive (which pushes events into the GuiPath,
// lock-free); GuiSessions' display thread sends the DSP -> GUI stream. The audio thread runs
// LoopInputProcessor (--input/--midi) and the engine: no allocation, lock or system call there.

#include "command-line.h"
#include "commands.h"
#include "exit-codes.h"
#include "plugin-resolution.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#if AAP_HOST_HAVE_WEB_GUI

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "aap/ext/midi.h"
#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/gui-sessions.h"
#include "audio-backend.h"
#include "command-line.h"
#include "file-io.h"
#include "loop-input.h"
#include "play-engine.h"
#include "plugin-resolution.h"
#include "render-events.h"
#include "smf-file.h"
#include "termination-signals.h"
#include "wav-file.h"
#include "web-gui-assets.h"
#include "web-gui-server.h"

extern char** environ;

#endif

namespace aap::host_tool {

namespace {

const char* const kGuiUsage =
    "usage: aap-host gui <plugin> [options]\n"
    "Runs the plugin live and serves its web UI (or a generated one) on 127.0.0.1; prints\n"
    "  gui: http://127.0.0.1:PORT/?token=TOKEN\n"
    "on stdout. Commands on stdin: param ID VALUE | preset N | state save FILE | status | quit\n\n";

std::vector<OptionSpec> guiOptions() {
    std::vector<OptionSpec> specs = pluginOptions();
    std::vector<OptionSpec> own = {
        {"backend", "NAME", "jack or null (default: jack when a JACK server answers, else null)"},
        {"rate", "HZ", "null backend: sample rate, 8000..384000 (default 48000)"},
        {"period", "FRAMES", "null backend: frames per period, 16..8192 (default 256)"},
        {"input", "WAV", "null backend: play WAV into the plugin's audio inputs, in a loop"},
        {"midi", "SMF", "null backend: play the MIDI file's channel messages into the plugin, in a loop"},
        {"duration", "SECONDS", "stop after SECONDS (default: until Ctrl-C, SIGTERM or `quit`)"},
        {"port", "PORT", "listen on this TCP port of 127.0.0.1 (default: a free one)"},
        {"display-rate", "HZ", "how often clients get parameter values and levels, 1..240 (default 60)"},
        {"max-clients", "N", "WebSocket clients at once, 1..64 (default 8)"},
        {"generated-ui", nullptr, "serve the generated UI even when the plugin has a web UI"},
        {"open", nullptr, "open the page in the user's browser (xdg-open)"},
        {"trace", nullptr, "print a line per GUI event applied to the plugin (gui->dsp ...) and per refusal"},
        {"native", nullptr, "show the plugin's own native GUI instead (see aap-host gui --native --help)"},
        {"help", nullptr, "show this help"},
    };
    specs.insert(specs.end(), own.begin(), own.end());
    return specs;
}

bool wantsNative(const std::vector<std::string>& arguments) {
    return std::find(arguments.begin(), arguments.end(), "--native") != arguments.end();
}

} // namespace

#if !AAP_HOST_HAVE_WEB_GUI

int runGuiCommand(const std::vector<std::string>& arguments) {
    if (wantsNative(arguments))
        return runNativeGuiCommand(arguments);
    if (!arguments.empty() && (arguments[0] == "--help" || arguments[0] == "-h")) {
        std::printf("%s%s\n(this aap-host was built without the web GUI server: the command is unavailable)\n", kGuiUsage,
                    describeOptions(guiOptions()).c_str());
        return kExitOk;
    }
    std::fprintf(stderr,
                 "aap-host gui: unavailable: this aap-host was built without the web GUI server (civetweb, "
                 "Debian's libcivetweb-dev; CMake option AAP_WITH_WEB_GUI)\n");
    return kExitGuiUnavailable;
}

#else

namespace {

constexpr std::chrono::milliseconds kLifecycleDeadline{3000};  // Hello, InitializeAck, Pong, CleanupAck
constexpr size_t kAppliedRecords = 4096;                        // --trace: gui->dsp lines between two looks

// "note-on channel 1 note 60 velocity 0.787" and friends, for --trace.
std::string describeUmp(const uint32_t* words, size_t count, const ResolvedParameters& parameters) {
    const uint32_t type = words[0] >> 28;
    char text[160];
    if (type == 5 && count == 4) {
        uint8_t group = 0, channel = 0, key = 0, extra = 0;
        uint16_t index = 0;
        uint32_t value = 0;
        if (aapReadMidi2ParameterSysex8(&group, &channel, &key, &extra, &index, &value, words[0], words[1], words[2],
                                        words[3])) {
            if (const ParameterInformation* p = parameters.find(index)) {
                std::snprintf(text, sizeof(text), "parameter %d (%s) = %.9g", p->id, p->name.c_str(),
                              aapParameterTransportUint32ToPlain(p->minimumValue, p->maximumValue, value));
                return text;
            }
            std::snprintf(text, sizeof(text), "parameter %u = transport %u", index, value);
            return text;
        }
        bool begin = false;
        uint16_t id = 0;
        if (readParameterGesture(words, &begin, &id)) {
            std::snprintf(text, sizeof(text), "parameter %u gesture %s", id, begin ? "begin" : "end");
            return text;
        }
    }
    if ((type == 4 && count == 2) || (type == 2 && count == 1)) {
        const bool midi1 = type == 2;
        const uint32_t status = (words[0] >> 20) & 0xF, channel = (words[0] >> 16) & 0xF;
        const uint32_t note = (words[0] >> 8) & 0x7F;
        const char* protocol = midi1 ? "midi1 " : "";
        switch (status) {
        case 0x9:
        case 0x8:
            std::snprintf(text, sizeof(text), "%s%s channel %u note %u velocity %.3f", protocol,
                          status == 0x9 ? "note-on" : "note-off", channel + 1, note,
                          midi1 ? (words[0] & 0x7F) / 127.0 : (words[1] >> 16) / 65535.0);
            return text;
        case 0xB:
            std::snprintf(text, sizeof(text), "%scontrol-change channel %u controller %u value %.3f", protocol,
                          channel + 1, note, midi1 ? (words[0] & 0x7F) / 127.0 : words[1] / 4294967295.0);
            return text;
        default:
            std::snprintf(text, sizeof(text), "%smidi status 0x%X channel %u (0x%08X)", protocol, status, channel + 1,
                          words[0]);
            return text;
        }
    }
    std::string out = "ump";
    for (size_t i = 0; i < count; i++) {
        std::snprintf(text, sizeof(text), " 0x%08X", words[i]);
        out += text;
    }
    return out;
}

// The web transport of the instance's GUI sessions: each WebSocket client of the server is one
// aap::GuiSessions client (hosting's sessions: lifecycle, deadlines, display-rate stream; the
// events go through the instance's GuiPath). What is left here is the web layer's own: the
// mapping of server clients to sessions, and the two text messages of aap-interop.js, "log TEXT"
// and "preset N" (docs/gui.md, "Transport").
class WebSessions final : public web_gui::WebGuiServer::Handler {
public:
    WebSessions(GuiSessions& sessions, PlayEngine& engine, PlayPlugin& plugin, bool trace)
        : sessions_(sessions), engine_(engine), plugin_(plugin), trace_(trace) {}

    void setServer(web_gui::WebGuiServer* server) { server_ = server; }

    void clientOpened(uint32_t client) override {
        auto connection = std::make_shared<Connection>(*this, client);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            clientsEver_++;
        }
        const uint32_t session = sessions_.attach(connection);
        if (session == 0)
            return;  // too many clients: attach sent the Error and closed it
        {
            std::lock_guard<std::mutex> lock(mutex_);
            sessionOf_[client] = session;
        }
        if (trace_)
            std::fprintf(stderr, "gui: client %u (session %u) connected\n", client, session);
        const int32_t preset = selectedPreset_.load();
        if (preset >= 0)
            sendText(client, "preset " + std::to_string(preset));
    }

    void clientClosed(uint32_t client) override {
        uint32_t session = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = sessionOf_.find(client);
            if (found == sessionOf_.end())
                return;
            session = found->second;
            sessionOf_.erase(found);
        }
        sessions_.detach(session);
        if (trace_)
            std::fprintf(stderr, "gui: client %u disconnected\n", client);
    }

    void refused(const std::string& what) override {
        if (trace_)
            std::fprintf(stderr, "gui: refused: %s\n", what.c_str());
    }

    bool clientMessage(uint32_t client, bool binary, const uint8_t* data, size_t size, std::string* reason) override {
        const uint32_t session = sessionOf(client);
        if (session == 0) {
            *reason = "no GUI session for this client";
            return false;
        }
        if (!binary)
            return textMessage(client, session, std::string(reinterpret_cast<const char*>(data), size), reason);
        GuiMessageHeader header;
        const bool known = decodeGuiHeader(data, size, &header) == GuiDecodeError::Ok;
        if (trace_ && known && header.type == GuiMessageType::Events)
            std::fprintf(stderr, "gui: client %u: events received during cycle %llu\n", session,
                         static_cast<unsigned long long>(sessions_.path().cycle()));
        receiving_ = client;
        closeRequested_ = false;
        std::string why;
        const HostingStatus status = sessions_.receive(session, data, size, &why);
        receiving_ = 0;
        if (status == HostingStatus::Ok) {
            if (trace_ && known && header.type == GuiMessageType::InitializeAck)
                std::fprintf(stderr, "gui: client %u initialized\n", session);
            if (closeRequested_) {  // a CleanupAck ended the session: a normal close
                closeRequested_ = false;
                if (trace_)
                    std::fprintf(stderr, "gui: client %u closed: cleanup acknowledged\n", client);
                server_->drop(client, 1000, "cleanup acknowledged");
            }
            return true;
        }
        if (status == HostingStatus::CapacityExceeded) {
            // Refused (the rate limit, or the instance's GUI queue is full): the client stays.
            eventsRefused_++;
            if (trace_)
                std::fprintf(stderr, "gui: client %u: %s\n", session, why.c_str());
            return true;
        }
        *reason = why;  // the session dropped it (a malformed or misplaced message): the server closes it
        return false;
    }

    // [main-thread] A preset was selected (from a page or stdin): pages hear of it now; their
    // parameter values follow in the resync snapshot.
    void presetSelected(int32_t index) {
        selectedPreset_.store(index);
        const std::string text = "preset " + std::to_string(index);
        server_->broadcast(false, text.data(), text.size());
    }

    uint64_t clientsEver() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return clientsEver_;
    }
    uint64_t eventsRefused() const noexcept { return eventsRefused_.load(); }

private:
    // One WebSocket client as a GuiConnection.
    class Connection final : public GuiConnection {
    public:
        Connection(WebSessions& owner, uint32_t client) : owner_(owner), client_(client) {}
        bool send(const uint8_t* data, size_t size) override { return owner_.server_->send(client_, true, data, size); }
        void close(const std::string& reason) override {
            // Closed while its own message is being handled: clientMessage closes it (a drop: the
            // server closes with 1008 and logs why; a CleanupAck: 1000). Otherwise (a deadline,
            // the host closing) close it here.
            if (receiving_ == client_) {
                closeRequested_ = true;
                return;
            }
            if (owner_.trace_)
                std::fprintf(stderr, "gui: client %u closed: %s\n", client_, reason.c_str());
            owner_.server_->drop(client_, 1008, reason);
        }

    private:
        WebSessions& owner_;
        uint32_t client_;
    };

    uint32_t sessionOf(uint32_t client) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = sessionOf_.find(client);
        return found == sessionOf_.end() ? 0 : found->second;
    }

    bool ready(uint32_t session) const {
        for (const GuiSessions::ClientInfo& info : sessions_.clients())
            if (info.id == session)
                return info.state == GuiSessions::ClientState::Ready;
        return false;
    }

    void sendText(uint32_t client, const std::string& text) { server_->send(client, false, text.data(), text.size()); }

    // Text frames of the web layer: "log TEXT" and "preset N", from an initialized session only.
    bool textMessage(uint32_t client, uint32_t session, const std::string& text, std::string* reason) {
        (void) client;
        if (!ready(session)) {
            *reason = "a text message before the session was initialized";
            return false;
        }
        if (text.compare(0, 4, "log ") == 0) {
            std::string line = text.substr(4, 1024);
            for (char& c : line)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                    c = ' ';
            std::fprintf(stderr, "gui: client %u: log: %s\n", session, line.c_str());
            return true;
        }
        if (text.compare(0, 7, "preset ") == 0) {
            int64_t index = 0;
            if (plugin_.presetCount <= 0 || !parseInteger(text.substr(7), 0, plugin_.presetCount - 1, &index)) {
                *reason = "bad preset message '" + text.substr(0, 40) + "' (" +
                          (plugin_.presetCount <= 0 ? std::string("the plugin has no presets")
                                                    : "0.." + std::to_string(plugin_.presetCount - 1)) +
                          ")";
                return false;
            }
            PlayCommand command;
            command.kind = PlayCommand::Kind::Preset;
            command.preset = static_cast<int32_t>(index);
            if (!engine_.post(command)) {
                eventsRefused_++;
                std::fprintf(stderr, "aap-host gui: client %u: preset %lld refused: too many commands at once\n", session,
                             static_cast<long long>(index));
            } else if (trace_) {
                std::fprintf(stderr, "gui: client %u selects preset %lld\n", session, static_cast<long long>(index));
            }
            return true;
        }
        *reason = "unknown text message '" + text.substr(0, 40) + "'";
        return false;
    }

    GuiSessions& sessions_;
    PlayEngine& engine_;
    PlayPlugin& plugin_;
    bool trace_;
    web_gui::WebGuiServer* server_ = nullptr;
    mutable std::mutex mutex_;
    std::map<uint32_t, uint32_t> sessionOf_;  // server client -> GUI session
    uint64_t clientsEver_ = 0;
    std::atomic<int32_t> selectedPreset_{-1};
    std::atomic<uint64_t> eventsRefused_{0};
    // The server client whose message receive() is handling on this thread (civetweb runs one
    // worker per connection).
    static thread_local uint32_t receiving_;
    static thread_local bool closeRequested_;  // the session closed it during that receive()
};

thread_local uint32_t WebSessions::receiving_ = 0;
thread_local bool WebSessions::closeRequested_ = false;

// JSON string literal (quotes included) for the plugin information script.
std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || c == '<' || c == '>' || c == '&') {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", u);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string jsonNumber(double value) {
    char text[40];
    std::snprintf(text, sizeof(text), "%.17g", std::isfinite(value) ? value : 0.0);
    return text;
}

// globalThis.AAP_PLUGIN_INFO = {...}; the first line of aap-interop.js.
std::string pluginInfoScript(const PlayPlugin& plugin, const std::vector<std::string>& presetNames,
                             const std::string& token) {
    const PluginInformation& information = *plugin.information;
    std::string out = "globalThis.AAP_PLUGIN_INFO = {\"id\": " + jsonString(information.uniqueId) +
                      ", \"name\": " + jsonString(information.displayName) +
                      ", \"instrument\": " + (information.isInstrument() ? "true" : "false") +
                      ", \"token\": " + jsonString(token) + ", \"ports\": [";
    for (size_t i = 0; i < information.ports.size(); i++) {
        const PortInformation& port = information.ports[i];
        // AAP's web UI protocol numbers: content General 0 / Audio 1 / MIDI2 3; direction Input 0 / Output 1.
        const int content = port.contentType == PortContentType::Audio ? 1 : port.contentType == PortContentType::Midi2 ? 3 : 0;
        out += std::string(i ? ", " : "") + "{\"index\": " + std::to_string(port.index) + ", \"name\": " +
               jsonString(port.name) + ", \"content\": " + std::to_string(content) +
               ", \"direction\": " + (port.direction == PortDirection::Input ? "0" : "1") + "}";
    }
    out += "], \"parameters\": [";
    const auto& parameters = plugin.parameters.parameters;
    for (size_t i = 0; i < parameters.size(); i++) {
        const ParameterInformation& p = parameters[i];
        double value = p.defaultValue;
        plugin.hosted->parameterValue(p.id, &value);
        out += std::string(i ? ", " : "") + "{\"id\": " + std::to_string(p.id) + ", \"name\": " + jsonString(p.name) +
               ", \"minimum\": " + jsonNumber(p.minimumValue) + ", \"maximum\": " + jsonNumber(p.maximumValue) +
               ", \"default\": " + jsonNumber(p.defaultValue) + ", \"value\": " + jsonNumber(value) + ", \"enumerations\": [";
        for (size_t e = 0; e < p.enumerations.size(); e++)
            out += std::string(e ? ", " : "") + "{\"value\": " + jsonNumber(p.enumerations[e].value) +
                   ", \"name\": " + jsonString(p.enumerations[e].name) + "}";
        out += "]}";
    }
    out += "], \"presets\": [";
    for (size_t i = 0; i < presetNames.size(); i++)
        out += std::string(i ? ", " : "") + "{\"index\": " + std::to_string(i) + ", \"name\": " + jsonString(presetNames[i]) + "}";
    return out + "]};\n";
}

// Loads --input (deinterleaved) and --midi (events at frames) for the loop.
bool loadLoopInputs(const ParsedArguments& parsed, int32_t sampleRate, std::vector<std::vector<float>>* audio,
                    std::vector<LoopMidiEvent>* midi, uint64_t* loopFrames, std::string* error) {
    *loopFrames = 0;
    if (parsed.has("input")) {
        std::vector<uint8_t> bytes;
        WavAudio wav;
        if (!readWholeFile(parsed.value("input"), &bytes, error) || !decodeWav(bytes.data(), bytes.size(), &wav, error)) {
            *error = "--input " + parsed.value("input") + ": " + *error;
            return false;
        }
        if (wav.sampleRate != sampleRate) {
            *error = "--input " + parsed.value("input") + " is at " + std::to_string(wav.sampleRate) +
                     " Hz, the backend at " + std::to_string(sampleRate) + " Hz";
            return false;
        }
        if (wav.frames() == 0) {
            *error = "--input " + parsed.value("input") + " has no samples";
            return false;
        }
        audio->assign(static_cast<size_t>(wav.channels), std::vector<float>(wav.frames()));
        for (size_t f = 0; f < wav.frames(); f++)
            for (size_t c = 0; c < static_cast<size_t>(wav.channels); c++)
                (*audio)[c][f] = wav.samples[f * static_cast<size_t>(wav.channels) + c];
        *loopFrames = wav.frames();
    }
    if (parsed.has("midi")) {
        std::vector<uint8_t> bytes;
        MidiFile file;
        if (!readWholeFile(parsed.value("midi"), &bytes, error, 64u << 20) ||
            !decodeMidiFile(bytes.data(), bytes.size(), &file, error)) {
            *error = "--midi " + parsed.value("midi") + ": " + *error;
            return false;
        }
        const uint64_t midiFrames =
            static_cast<uint64_t>(std::ceil(std::max(file.durationSeconds, 0.001) * sampleRate)) + 1;
        *loopFrames = std::max(*loopFrames, midiFrames);
        for (const MidiChannelEvent& event : file.events) {
            LoopMidiEvent input;
            input.frame = std::min<uint64_t>(static_cast<uint64_t>(std::llround(event.seconds * sampleRate)), midiFrames - 1);
            input.event.data[0] = event.status;
            input.event.data[1] = event.data1;
            input.event.data[2] = event.data2;
            input.event.size = (event.status & 0xF0) == 0xC0 || (event.status & 0xF0) == 0xD0 ? 2 : 3;
            midi->push_back(input);
        }
    }
    return true;
}

} // namespace

int runGuiCommand(const std::vector<std::string>& arguments) {
    if (wantsNative(arguments))
        return runNativeGuiCommand(arguments);
    const std::vector<OptionSpec> specs = guiOptions();
    ParsedArguments parsed;
    std::string error;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr, "aap-host gui: %s\n", message.c_str());
        return kExitUsage;
    };
    if (!parseArguments(arguments, specs, &parsed, &error))
        return usage(error);
    if (parsed.has("help")) {
        std::printf("%s%s", kGuiUsage, describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().size() != 1)
        return usage("expected exactly one plugin (see aap-host gui --help)");
    const std::string backendName = parsed.value("backend", "");
    if (!backendName.empty() && backendName != "jack" && backendName != "null")
        return usage("bad --backend '" + backendName + "' (jack or null)");
    int64_t rate = 48000, period = 256, port = 0, displayRate = 60, maxClients = 8;
    double duration = 0;
    if (!parseNullBackendTiming(parsed, &rate, &period, &error))
        return usage(error);
    if (parsed.has("port") && !parseInteger(parsed.value("port"), 0, 65535, &port))
        return usage("bad --port '" + parsed.value("port") + "' (an integer 0..65535)");
    if (parsed.has("display-rate") && !parseInteger(parsed.value("display-rate"), 1, 240, &displayRate))
        return usage("bad --display-rate '" + parsed.value("display-rate") + "' (an integer 1..240)");
    if (parsed.has("max-clients") && !parseInteger(parsed.value("max-clients"), 1, 64, &maxClients))
        return usage("bad --max-clients '" + parsed.value("max-clients") + "' (an integer 1..64)");
    if (parsed.has("duration") && !parseReal(parsed.value("duration"), 0.001, 1e7, &duration))
        return usage("bad --duration '" + parsed.value("duration") + "' (seconds, more than 0)");
    const bool files = parsed.has("input") || parsed.has("midi");
    if (backendName == "jack" && (files || parsed.has("rate") || parsed.has("period")))
        return usage("--input, --midi, --rate and --period are for the null backend");

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    auto plugin = std::make_unique<PlayPlugin>();
    plugin->information = resolvePlugin(catalog, parsed.positional()[0]);
    if (plugin->information == nullptr)
        return kExitPluginNotFound;

    const AudioBackendConfig config = backendConfigFor({plugin->information}, "aap-host-gui", rate, period);
    if (config.audioOutputs == 0)
        return usage(plugin->information->uniqueId + " has no audio output");
    std::unique_ptr<AudioBackend> backend;
    if (backendName == "jack" || (backendName.empty() && !files)) {
        backend = createJackBackend(&error);
        if (backend && !backend->open(config, &error))
            backend.reset();
        if (!backend && backendName == "jack") {
            std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
            return kExitAudioUnavailable;
        }
        if (!backend)
            std::fprintf(stderr, "aap-host gui: %s; using the null backend (%lld Hz, %lld frames per period)\n",
                         error.c_str(), static_cast<long long>(rate), static_cast<long long>(period));
    }
    if (!backend) {
        backend = createNullBackend();
        if (!backend->open(config, &error)) {
            std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
            return kExitRuntimeFailure;
        }
    }
    std::vector<std::vector<float>> loopAudio;
    std::vector<LoopMidiEvent> loopMidi;
    uint64_t loopFrames = 0;
    if (!loadLoopInputs(parsed, backend->sampleRate(), &loopAudio, &loopMidi, &loopFrames, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitBadInput;
    }

    PluginHost host{catalog, hostOptionsFrom(parsed)};
    if (HostedPlugin::open(host, plugin->information->uniqueId,
                           HostedPluginOptions::at(backend->periodFrames(), backend->sampleRate()), &plugin->hosted,
                           &error) != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    plugin->describePorts();
    if (!resolveParameters(*plugin->hosted, *plugin->information, &plugin->parameters, &error)) {
        std::fprintf(stderr, "aap-host gui: %s: %s\n", plugin->information->uniqueId.c_str(), error.c_str());
        return kExitRuntimeFailure;
    }
    std::vector<std::string> presetNames;
    if (plugin->hosted->presets() != nullptr) {
        ExtensionResult<int32_t> count = plugin->hosted->presets()->getPresetCount();
        if (count.ok()) {
            plugin->presetCount = count.value();
            for (int32_t i = 0; i < count.value(); i++) {
                ExtensionResult<aap_preset_t> preset = plugin->hosted->presets()->getPreset(i);
                presetNames.push_back(preset.ok() ? std::string(preset.value().name) : "preset " + std::to_string(i));
            }
        }
    }
    if (plugin->hosted->instance().activate() != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: %s: activate failed\n", plugin->information->uniqueId.c_str());
        return kExitRuntimeFailure;
    }

    PlayEngine engine({plugin.get()}, backend->periodFrames(), config.audioInputs, config.audioOutputs, 0,
                      backend->sampleRate());
    if (!engine.ok()) {
        std::fprintf(stderr, "aap-host gui: cannot build the plugin graph: %s\n", engine.error().c_str());
        return kExitRuntimeFailure;
    }
    LoopInputProcessor processor(engine);
    if (!processor.setInputs(std::move(loopAudio), std::move(loopMidi), loopFrames, backend->periodFrames(), &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitBadInput;
    }
    const bool trace = parsed.has("trace");

    // One path for every GUI (docs/gui.md): the plugin's GuiPath merges GUI events into its input
    // (budget, host wins ties) and copies out what GUIs show; GuiSessions serves the clients.
    GuiPathOptions pathOptions;
    pathOptions.appliedCapacity = kAppliedRecords;
    std::shared_ptr<GuiPath> path = plugin->hosted->enableGuiPath(pathOptions);
    if (!path) {
        std::fprintf(stderr, "aap-host gui: %s: cannot set up the GUI path\n", plugin->information->uniqueId.c_str());
        return kExitRuntimeFailure;
    }
    GuiSessionOptions sessionOptions;
    sessionOptions.displayRateHz = static_cast<double>(displayRate);
    sessionOptions.maxClients = static_cast<size_t>(maxClients);
    sessionOptions.helloDeadline = kLifecycleDeadline;
    sessionOptions.ackDeadline = kLifecycleDeadline;
    std::unique_ptr<GuiSessions> sessions;
    if (GuiSessions::create(path,
                            GuiInstanceInfo{backend->sampleRate(), backend->periodFrames(),
                                            static_cast<int32_t>(plugin->information->ports.size())},
                            sessionOptions, &sessions, &error) != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    const std::string tokenHex = sessions->tokenHex();
    WebSessions web(*sessions, engine, *plugin, trace);

    web_gui::WebGuiServerOptions serverOptions;
    serverOptions.port = static_cast<int>(port);
    serverOptions.token = tokenHex;
    serverOptions.maxClients = static_cast<int>(maxClients);
    serverOptions.threads = static_cast<int>(maxClients) + 4;
    serverOptions.interopScript = pluginInfoScript(*plugin, presetNames, tokenHex) + web_gui::interopScript();
    serverOptions.generatedPage = web_gui::generatedPage();
    const bool generated = parsed.has("generated-ui") || plugin->information->webUiDirectory.empty();
    if (!generated)
        serverOptions.webRoot = plugin->information->webUiDirectory;
    web_gui::WebGuiServer server;
    web.setServer(&server);
    if (!server.start(serverOptions, &web, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        plugin->hosted->instance().deactivate();
        return kExitRuntimeFailure;
    }
    if (sessions->start() != HostingStatus::Ok) {
        std::fprintf(stderr, "aap-host gui: cannot start the GUI sessions' display thread\n");
        server.stop();
        return kExitRuntimeFailure;
    }

    engine.resume();
    if (!backend->start(&processor, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        sessions->stop();
        server.stop();
        return kExitRuntimeFailure;
    }
    std::fprintf(stderr, "aap-host gui: %s on the %s backend (%d Hz, %d frames), %s\n",
                 plugin->information->uniqueId.c_str(), backend->name(), backend->sampleRate(),
                 backend->periodFrames(), generated ? "generated UI" : "the plugin's web UI");
    std::printf("gui: %s\n", server.url().c_str());
    std::fflush(stdout);

    pid_t opener = -1;
    if (parsed.has("open")) {
        const std::string url = server.url();
        char* argv[] = {const_cast<char*>("xdg-open"), const_cast<char*>(url.c_str()), nullptr};
        const int spawned = posix_spawnp(&opener, "xdg-open", nullptr, nullptr, argv, environ);
        if (spawned != 0) {
            opener = -1;
            std::fprintf(stderr, "aap-host gui: cannot start xdg-open: %s; open the address above yourself\n",
                         std::strerror(spawned));
        }
    }

    std::unique_ptr<TerminationSignals> signals = TerminationSignals::install(&error);
    if (!signals) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        backend->stop();
        sessions->stop();
        server.stop();
        return kExitRuntimeFailure;
    }

    const int64_t started = monotonicNs();
    const int64_t endAt = duration > 0 ? started + static_cast<int64_t>(duration * 1e9) : 0;
    std::string stopReason = "duration";
    LineReader input{STDIN_FILENO};
    bool quit = false;
    int exitCode = kExitOk;
    // After a preset: the snapshot goes out once the plugin's reports of its new values are in the
    // path (it reports them in the cycle after it applied the preset, which is before the cycle
    // whose output carried the completion, or the one after).
    int32_t resyncPreset = -1;
    uint64_t resyncAtCycle = 0;
    auto traceApplied = [&]() {
        GuiAppliedEvent applied;
        while (path->popApplied(&applied))
            if (trace)
                std::fprintf(stderr, "gui->dsp %s from client %u: cycle %llu frame %d\n",
                             describeUmp(applied.words, applied.wordCount, plugin->parameters).c_str(), applied.client,
                             static_cast<unsigned long long>(applied.cycle), applied.frame);
    };
    auto handleNotices = [&]() {
        PlayNotice notice;
        while (engine.takeNotice(&notice)) {
            switch (notice.kind) {
            case PlayNotice::Kind::PresetDone:
                if (notice.error == static_cast<int32_t>(ExtensionError::None)) {
                    std::fprintf(stderr, "aap-host gui: preset %d selected\n", notice.value);
                    web.presetSelected(notice.value);
                    resyncPreset = notice.value;
                    resyncAtCycle = path->cycle() + 3;
                } else {
                    std::fprintf(stderr, "aap-host gui: preset %d failed: %s\n", notice.value,
                                 describeExtensionError(static_cast<ExtensionError>(notice.error)).c_str());
                }
                break;
            case PlayNotice::Kind::Fault:
                std::fprintf(stderr, "aap-host gui: the plugin failed in process(): %s; the output is silent\n",
                             hostingStatusMessage(static_cast<HostingStatus>(notice.value)));
                break;
            case PlayNotice::Kind::CommandDropped:
                std::fprintf(stderr, "aap-host gui: a command was dropped (too many in one cycle)\n");
                break;
            case PlayNotice::Kind::PeriodTooLong:
                std::fprintf(stderr, "aap-host gui: the period grew to %d frames; the output is silent\n", notice.value);
                break;
            }
        }
        if (resyncPreset >= 0 && path->cycle() >= resyncAtCycle) {
            const size_t clients = sessions->resync();
            if (trace)
                std::fprintf(stderr, "gui: resync after preset %d: a parameter snapshot to %zu client%s\n", resyncPreset,
                             clients, clients == 1 ? "" : "s");
            resyncPreset = -1;
        }
    };
    auto handleLine = [&](const std::string& line) {
        std::vector<std::string> w;
        for (size_t at = 0; at < line.size();) {
            const size_t start = line.find_first_not_of(" \t\r", at);
            if (start == std::string::npos)
                break;
            const size_t end = line.find_first_of(" \t\r", start);
            w.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
            at = end == std::string::npos ? line.size() : end;
        }
        auto bad = [](const std::string& message) { std::fprintf(stderr, "aap-host gui: %s\n", message.c_str()); };
        if (w.empty())
            return;
        if (w[0] == "quit" || w[0] == "exit") {
            quit = true;
        } else if (w[0] == "status") {
            std::fprintf(stderr,
                         "aap-host gui: cycles %llu, xruns %llu, clients %zu, gui events applied %llu, deferred cycles "
                         "%llu, queue overflows %llu\n",
                         static_cast<unsigned long long>(engine.cycles()), static_cast<unsigned long long>(engine.xruns()),
                         sessions->clientCount(), static_cast<unsigned long long>(path->delivered()),
                         static_cast<unsigned long long>(path->deferredCycles()),
                         static_cast<unsigned long long>(path->inboxOverflows()));
        } else if (w[0] == "param") {
            ControlChange change;
            if (w.size() != 3 || !parseParameterChange(w[1] + "=" + w[2], &change, &error))
                return bad("usage: param ID VALUE");
            if (!checkParameterChanges(plugin->information->uniqueId, plugin->parameters, {change}, &error))
                return bad(error);
            const ParameterInformation* parameter = plugin->parameters.find(change.parameterId);
            const TimedUmp ump = parameterChangeUmp(0, *parameter, change.value);
            PlayCommand command;
            command.kind = PlayCommand::Kind::Ump;
            std::memcpy(command.words, ump.words, sizeof(command.words));
            command.wordCount = ump.wordCount;
            if (!engine.post(command))
                return bad("too many commands at once; try again");
            // The host's event: the plugin gets it before any GUI event of its frame, and the GUI
            // path publishes the value to every client (HostedPlugin::addEvent follows it).
            std::fprintf(stderr, "aap-host gui: parameter %d (%s) = %g\n", parameter->id, parameter->name.c_str(),
                         change.value);
        } else if (w[0] == "preset") {
            int64_t index = 0;
            if (w.size() != 2 || plugin->presetCount <= 0 ||
                !parseInteger(w[1], 0, plugin->presetCount - 1, &index))
                return bad(plugin->presetCount <= 0 ? std::string("the plugin has no presets")
                                                    : "usage: preset N (0.." + std::to_string(plugin->presetCount - 1) + ")");
            PlayCommand command;
            command.kind = PlayCommand::Kind::Preset;
            command.preset = static_cast<int32_t>(index);
            if (!engine.post(command))
                bad("too many commands at once; try again");
        } else if (w[0] == "state") {
            if (w.size() != 3 || w[1] != "save")
                return bad("usage: state save FILE");
            std::shared_ptr<StateProxy> state = plugin->hosted->state();
            if (state == nullptr)
                return bad("the plugin has no state extension");
            ExtensionResult<std::vector<uint8_t>> saved = state->getState();
            if (!saved.ok())
                return bad("cannot save state: " + describeExtensionError(saved.error()));
            if (!writeFileAtomically(w[2], saved.value(), &error))
                return bad(error);
            std::fprintf(stderr, "aap-host gui: state saved to %s (%zu bytes)\n", w[2].c_str(), saved.value().size());
        } else {
            bad("unknown command '" + w[0] + "' (param ID VALUE | preset N | state save FILE | status | quit)");
        }
    };

    while (!quit) {
        const int64_t now = monotonicNs();
        if (endAt > 0 && now >= endAt)
            break;
        // The display thread serves the clients; this loop looks at the trace records, notices and
        // a pending resync every 10 ms.
        int64_t waitNs = 10'000'000;
        if (endAt > 0)
            waitNs = std::min(waitNs, endAt - now);
        pollfd fds[3] = {{signals->fd(), POLLIN, 0}, {backend->eventFd(), POLLIN, 0}, {input.pollFd(), POLLIN, 0}};
        const int ready = ::poll(fds, 3, static_cast<int>(waitNs / 1'000'000) + 1);
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            stopReason = "signal";
            break;
        }
        if (ready > 0 && fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            std::string message;
            if (backend->takeEvent(&message) == AudioBackend::Event::ServerGone) {
                std::fprintf(stderr, "aap-host gui: %s; stopping\n", message.c_str());
                stopReason = "the audio server went away";
                exitCode = kExitAudioUnavailable;
                break;
            }
        }
        if (ready > 0 && fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
            input.readAvailable(handleLine, [] {
                std::fprintf(stderr, "aap-host gui: a line longer than %zu bytes on stdin was ignored\n",
                             LineReader::kDefaultMaxLineBytes);
            });
        traceApplied();
        handleNotices();
        if (opener > 0 && ::waitpid(opener, nullptr, WNOHANG) == opener)
            opener = -1;
    }
    if (quit)
        stopReason = "quit";
    sessions->stop();  // Cleanup to every client, then their connections are closed
    server.stop();
    backend->stop();
    traceApplied();
    handleNotices();
    engine.suspend();  // takes the plugin graph down before the plugin goes
    if (plugin->fault.load() == 0)
        plugin->hosted->instance().deactivate();
    if (opener > 0)
        ::waitpid(opener, nullptr, 0);  // xdg-open returns once the browser has the page
    signals.reset();

    std::printf("backend: %s\n", backend->name());
    std::printf("cycles: %llu\n", static_cast<unsigned long long>(engine.cycles()));
    std::printf("xruns: %llu\n", static_cast<unsigned long long>(engine.xruns()));
    std::printf("faults: %llu\n", static_cast<unsigned long long>(engine.faults()));
    std::printf("gui clients: %llu\n", static_cast<unsigned long long>(web.clientsEver()));
    std::printf("gui events applied: %llu\n", static_cast<unsigned long long>(path->delivered()));
    std::printf("gui events dropped: %llu\n",
                static_cast<unsigned long long>(path->inboxOverflows() + web.eventsRefused()));
    std::printf("stopped: %s\n", stopReason.c_str());
    std::fflush(stdout);
    return exitCode;
}

#endif

} // namespace aap::host_tool
