// aap-host gui: runs one plugin live (JACK when a server answers, else the null backend at the
// real period, optionally over --input/--midi files in a loop) and serves its web UI (or a
// generated one) on 127.0.0.1 over HTTP + WebSocket (docs/gui.md, "Web UIs and aap-host gui").
// `--native` hands over to runNativeGuiCommand (native-gui-command.cpp): the plugin's own GUI.
//
// Threads: the main thread is the control thread (stdin, signals, notices, the display-rate tick
// that sends parameter values and levels to the clients). civetweb's workers run the server and
// call GuiBridge, which decodes the GUI message set (aap/hosting/gui-protocol.h), keeps each
// client's session (Hello -> Welcome -> Initialize -> InitializeAck, deadlines) and posts the
// events to the PlayEngine's queue (lock-free, bounded). The audio thread only runs the engine and
// the level meters (GuiProcessor): no allocation, lock or system call there.

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
#include <cmath>
#include <csignal>
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
#include "midi1-to-ump.h"
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

constexpr int64_t kLifecycleDeadlineNs = 3'000'000'000;  // Hello, then InitializeAck, within this
constexpr uint32_t kMaxPeakPorts = 32;

// Words of a UMP by its message type (the top nibble of the first word).
size_t umpWordCount(uint32_t first) {
    static const uint8_t sizes[16] = {1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};
    return sizes[first >> 28];
}

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
    if (type == 4 && count == 2) {
        const uint32_t status = (words[0] >> 20) & 0xF, channel = (words[0] >> 16) & 0xF;
        const uint32_t note = (words[0] >> 8) & 0x7F;
        switch (status) {
        case 0x9:
        case 0x8:
            std::snprintf(text, sizeof(text), "%s channel %u note %u velocity %.3f", status == 0x9 ? "note-on" : "note-off",
                          channel + 1, note, (words[1] >> 16) / 65535.0);
            return text;
        case 0xB:
            std::snprintf(text, sizeof(text), "control-change channel %u controller %u value %.3f", channel + 1, note,
                          words[1] / 4294967295.0);
            return text;
        default:
            std::snprintf(text, sizeof(text), "midi2 status 0x%X channel %u (0x%08X 0x%08X)", status, channel + 1, words[0],
                          words[1]);
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

// Runs on the backend's audio thread: feeds --input/--midi in a loop, runs the engine, measures
// each output's peak for the meters. Everything it touches is preallocated.
class GuiProcessor final : public AudioProcessor {
public:
    GuiProcessor(PlayEngine& engine, uint32_t outputs, int32_t maxFrames) : engine_(engine), outputs_(outputs) {
        for (uint32_t o = 0; o < kMaxPeakPorts; o++)
            peaks_[o].store(0.0f);
        midi_.resize(AudioCycle::kMaxMidiEvents);
        (void) maxFrames;
    }

    // [main-thread] Before start(): `audio` (deinterleaved per channel) and `midi` (frame of
    // each event from the start of the loop) to play in a loop of loopFrames.
    void setInputs(std::vector<std::vector<float>> audio, std::vector<std::pair<uint64_t, MidiInputEvent>> midi,
                   uint64_t loopFrames, int32_t maxFrames) {
        audio_ = std::move(audio);
        midiLoop_ = std::move(midi);
        loopFrames_ = std::max<uint64_t>(1, loopFrames);
        for (auto& channel : audio_)
            channel.resize(std::max<size_t>(channel.size(), 1));
        scratchFrames_ = static_cast<uint32_t>(std::max(maxFrames, 0));
        scratch_.assign(audio_.size(), std::vector<float>(scratchFrames_));
        pointers_.clear();
        for (auto& channel : scratch_)
            pointers_.push_back(channel.data());
    }

    void process(const AudioCycle& cycle) noexcept override {
        AudioCycle fed = cycle;
        // A period longer than the one prepared for (a JACK buffer-size change) would overrun the
        // scratch buffers: feed nothing then and let the engine report PeriodTooLong.
        if ((!audio_.empty() || !midiLoop_.empty()) && cycle.frames <= scratchFrames_) {
            for (size_t c = 0; c < audio_.size(); c++) {
                const std::vector<float>& source = audio_[c];
                for (uint32_t f = 0; f < cycle.frames; f++)
                    scratch_[c][f] = source[static_cast<size_t>((position_ + f) % loopFrames_) % source.size()];
            }
            if (!audio_.empty()) {
                fed.inputs = pointers_.data();
                fed.inputCount = static_cast<uint32_t>(pointers_.size());
            }
            uint32_t count = 0;
            for (uint32_t f = 0; f < cycle.frames && !midiLoop_.empty(); f++) {
                const uint64_t at = (position_ + f) % loopFrames_;
                // The loop's events are few; a cursor would do, a scan keeps it obviously right.
                for (const auto& [frame, event] : midiLoop_)
                    if (frame == at && count < midi_.size()) {
                        midi_[count] = event;
                        midi_[count++].frame = f;
                    }
            }
            if (!midiLoop_.empty()) {
                fed.midi = midi_.data();
                fed.midiCount = count;
                fed.midiDropped = 0;
            }
            position_ += cycle.frames;
        }
        engine_.process(fed);
        for (uint32_t o = 0; o < std::min(outputs_, std::min(cycle.outputCount, kMaxPeakPorts)); o++) {
            float peak = 0.0f;
            for (uint32_t f = 0; f < cycle.frames; f++)
                peak = std::max(peak, std::fabs(cycle.outputs[o][f]));
            if (peak > peaks_[o].load(std::memory_order_relaxed))
                peaks_[o].store(peak, std::memory_order_relaxed);
        }
    }

    // [main-thread] The highest peak of output `o` since the last call.
    float takePeak(uint32_t o) noexcept { return o < kMaxPeakPorts ? peaks_[o].exchange(0.0f) : 0.0f; }

private:
    PlayEngine& engine_;
    uint32_t outputs_;
    std::atomic<float> peaks_[kMaxPeakPorts];
    std::vector<std::vector<float>> audio_;
    std::vector<std::vector<float>> scratch_;
    uint32_t scratchFrames_ = 0;
    std::vector<const float*> pointers_;
    std::vector<std::pair<uint64_t, MidiInputEvent>> midiLoop_;
    std::vector<MidiInputEvent> midi_;
    uint64_t loopFrames_ = 1;
    uint64_t position_ = 0;
};

// The GUI sessions of the one plugin instance: decodes what clients send, answers the lifecycle,
// posts events to the engine, and (on the control thread) sends values and levels.
class GuiBridge final : public web_gui::WebGuiServer::Handler {
public:
    GuiBridge(PlayEngine& engine, PlayPlugin& plugin, std::vector<uint8_t> token, bool trace, int32_t sampleRate,
              int32_t frames, uint32_t displayRateMilliHz)
        : engine_(engine), plugin_(plugin), token_(std::move(token)), trace_(trace), sampleRate_(sampleRate),
          frames_(frames), displayRateMilliHz_(displayRateMilliHz) {
        for (const ParameterInformation& p : plugin.parameters.parameters) {
            double value = p.defaultValue;
            plugin.hosted->parameterValue(p.id, &value);
            values_[p.id] = value;
        }
    }

    void setServer(web_gui::WebGuiServer* server) { server_ = server; }

    void clientOpened(uint32_t client) override {
        std::lock_guard<std::mutex> lock(mutex_);
        Session& session = sessions_[client];
        session.deadlineNs = monotonicNs() + kLifecycleDeadlineNs;
        clientsEver_++;
        if (trace_)
            std::fprintf(stderr, "gui: client %u connected\n", client);
    }

    void clientClosed(uint32_t client) override {
        std::lock_guard<std::mutex> lock(mutex_);
        sessions_.erase(client);
        if (trace_)
            std::fprintf(stderr, "gui: client %u disconnected\n", client);
    }

    void refused(const std::string& what) override {
        if (trace_)
            std::fprintf(stderr, "gui: refused: %s\n", what.c_str());
    }

    bool clientMessage(uint32_t client, bool binary, const uint8_t* data, size_t size, std::string* reason) override {
        const int64_t receivedNs = monotonicNs();
        const uint64_t receivedCycle = engine_.cycles();
        if (!binary)
            return textMessage(client, std::string(reinterpret_cast<const char*>(data), size), reason);
        GuiMessage message;
        std::string detail;
        const GuiDecodeError decoded = decodeGuiMessage(data, size, GuiDirection::ClientToHost, &message, &detail);
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = sessions_.find(client);
        if (found == sessions_.end()) {
            *reason = "unknown client";
            return false;
        }
        Session& session = found->second;
        if (decoded != GuiDecodeError::Ok) {
            *reason = std::string("malformed message (") + guiDecodeErrorName(decoded) + "): " + detail;
            sendError(client, session, GuiErrorCode::Malformed, *reason);
            return false;
        }
        switch (message.header.type) {
        case GuiMessageType::Hello: {
            if (session.stage != Stage::AwaitHello) {
                *reason = "a second Hello";
                sendError(client, session, GuiErrorCode::NotAllowedNow, *reason);
                return false;
            }
            if (message.protocolVersion != kGuiProtocolVersion) {
                *reason = "protocol version " + std::to_string(message.protocolVersion) + " (this host speaks " +
                          std::to_string(kGuiProtocolVersion) + ")";
                sendError(client, session, GuiErrorCode::UnsupportedVersion, *reason);
                return false;
            }
            unsigned char difference = message.tokenSize == token_.size() ? 0 : 1;
            for (size_t i = 0; i < token_.size() && i < message.tokenSize; i++)
                difference |= static_cast<unsigned char>(message.token[i] ^ token_[i]);
            if (difference != 0) {
                *reason = "wrong token in Hello";
                sendError(client, session, GuiErrorCode::WrongToken, *reason);
                return false;
            }
            GuiWelcome welcome;
            welcome.session = client;
            welcome.sampleRate = static_cast<uint32_t>(sampleRate_);
            welcome.frames = static_cast<uint32_t>(frames_);
            welcome.parameterCount = static_cast<uint32_t>(plugin_.parameters.parameters.size());
            welcome.portCount = static_cast<uint32_t>(plugin_.information->ports.size());
            welcome.displayRateMilliHz = displayRateMilliHz_;
            sendBytes(client, encodeGuiWelcome(message.header.sequence, welcome));
            session.initializeSequence = ++session.sent;
            sendBytes(client, encodeGuiEmpty(GuiMessageType::Initialize, client, session.initializeSequence));
            session.stage = Stage::AwaitInitializeAck;
            session.deadlineNs = monotonicNs() + kLifecycleDeadlineNs;
            return true;
        }
        case GuiMessageType::InitializeAck:
            if (session.stage != Stage::AwaitInitializeAck || message.header.sequence != session.initializeSequence) {
                *reason = "an InitializeAck that answers no Initialize";
                return false;
            }
            session.stage = Stage::Ready;
            session.needSnapshot = true;
            if (trace_)
                std::fprintf(stderr, "gui: client %u initialized\n", client);
            return true;
        case GuiMessageType::Pong:
        case GuiMessageType::CleanupAck:
            return true;
        case GuiMessageType::Events:
            if (session.stage != Stage::Ready) {
                *reason = "events before the session was initialized";
                sendError(client, session, GuiErrorCode::NotAllowedNow, *reason);
                return false;
            }
            return events(client, message, receivedNs, receivedCycle, reason);
        case GuiMessageType::Error:
            if (trace_)
                std::fprintf(stderr, "gui: client %u reports an error %u: %.*s\n", client,
                             static_cast<unsigned>(message.errorCode), static_cast<int>(message.errorText.size()),
                             message.errorText.data());
            return true;
        default:
            *reason = std::string("a client may not send ") + guiMessageTypeName(message.header.type);
            return false;
        }
    }

    // [main-thread] A parameter changed by the host (stdin): clients hear of it at the next tick.
    void hostSetParameter(int32_t id, double value) {
        std::lock_guard<std::mutex> lock(mutex_);
        values_[id] = value;
        dirty_[id] = true;
    }

    void presetSelected(int32_t index) {
        std::lock_guard<std::mutex> lock(mutex_);
        selectedPreset_ = index;
        const std::string text = "preset " + std::to_string(index);
        for (auto& [client, session] : sessions_)
            if (session.stage == Stage::Ready)
                server_->send(client, false, text.data(), text.size());
    }

    // [main-thread] The display-rate tick: lifecycle deadlines, parameter values (coalesced to the
    // latest), levels.
    void tick(GuiProcessor& processor) {
        std::vector<GuiLevel> levels;
        bool anyLevel = false;
        for (size_t o = 0; o < plugin_.audioOut.size() && o < kMaxPeakPorts; o++) {
            GuiLevel level;
            level.port = plugin_.audioOut[o];
            level.peak = processor.takePeak(static_cast<uint32_t>(o));
            anyLevel |= level.peak > 0.0f;
            levels.push_back(level);
        }
        const bool sendLevels = anyLevel || lastLevelsNonZero_;
        lastLevelsNonZero_ = anyLevel;
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<GuiParameterValue> changed, all;
        for (const auto& [id, value] : values_) {
            all.push_back({id, value});
            if (dirty_[id])
                changed.push_back({id, value});
        }
        dirty_.clear();
        const int64_t now = monotonicNs();
        for (auto& [client, session] : sessions_) {
            if (session.stage != Stage::Ready) {
                if (now > session.deadlineNs && !session.dropped) {
                    session.dropped = true;
                    if (trace_)
                        std::fprintf(stderr, "gui: client %u dropped: no %s in time\n", client,
                                     session.stage == Stage::AwaitHello ? "Hello" : "InitializeAck");
                    server_->drop(client, 1008, "lifecycle deadline missed");
                }
                continue;
            }
            if (session.needSnapshot) {
                session.needSnapshot = false;
                sendBytes(client, encodeGuiParameterValues(client, ++session.sent, true, all.data(), all.size()));
                if (selectedPreset_ >= 0) {
                    const std::string text = "preset " + std::to_string(selectedPreset_);
                    server_->send(client, false, text.data(), text.size());
                }
            } else if (!changed.empty()) {
                sendBytes(client, encodeGuiParameterValues(client, ++session.sent, false, changed.data(), changed.size()));
            }
            if (sendLevels && !levels.empty())
                sendBytes(client, encodeGuiLevels(client, ++session.sent, levels.data(), levels.size()));
        }
    }

    uint64_t clientsEver() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return clientsEver_;
    }
    uint64_t eventsPosted() const noexcept { return eventsPosted_.load(); }
    uint64_t eventsDropped() const noexcept { return eventsDropped_.load(); }

private:
    enum class Stage { AwaitHello, AwaitInitializeAck, Ready };
    struct Session {
        Stage stage = Stage::AwaitHello;
        uint32_t sent = 0;
        uint32_t initializeSequence = 0;
        int64_t deadlineNs = 0;
        bool needSnapshot = false;
        bool dropped = false;
    };

    void sendBytes(uint32_t client, const std::vector<uint8_t>& bytes) {
        server_->send(client, true, bytes.data(), bytes.size());
    }
    void sendError(uint32_t client, Session& session, GuiErrorCode code, const std::string& text) {
        sendBytes(client, encodeGuiError(client, ++session.sent, code, text));
    }

    // Text frames of the web layer: "log TEXT" and "preset N".
    bool textMessage(uint32_t client, const std::string& text, std::string* reason) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = sessions_.find(client);
            if (found == sessions_.end() || found->second.stage != Stage::Ready) {
                *reason = "a text message before the session was initialized";
                return false;
            }
        }
        if (text.compare(0, 4, "log ") == 0) {
            std::string line = text.substr(4, 1024);
            for (char& c : line)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                    c = ' ';
            std::fprintf(stderr, "gui: client %u: log: %s\n", client, line.c_str());
            return true;
        }
        if (text.compare(0, 7, "preset ") == 0) {
            int64_t index = 0;
            if (!parseInteger(text.substr(7), 0, std::max<int64_t>(0, plugin_.presetCount - 1), &index) ||
                plugin_.presetCount <= 0) {
                *reason = "bad preset message '" + text.substr(0, 40) + "'";
                return false;
            }
            PlayCommand command;
            command.kind = PlayCommand::Kind::Preset;
            command.preset = static_cast<int32_t>(index);
            if (!engine_.post(command))
                eventsDropped_++;
            return true;
        }
        *reason = "unknown text message '" + text.substr(0, 40) + "'";
        return false;
    }

    // Every UMP of an Events message goes to the engine's queue for the next cycle.
    bool events(uint32_t client, const GuiMessage& message, int64_t receivedNs, uint64_t receivedCycle,
                std::string* reason) {
        std::vector<uint32_t> words(message.umpWordCount);
        for (size_t i = 0; i < words.size(); i++)
            words[i] = message.umpWord(i);
        for (size_t i = 0; i < words.size();) {
            const size_t count = umpWordCount(words[i]);
            if (i + count > words.size() || !guiUmpAllowedFromClient(&words[i], count)) {
                *reason = "a UMP a GUI may not send";
                return false;
            }
            PlayCommand command;
            command.kind = PlayCommand::Kind::Ump;
            command.guiClient = client;
            command.receivedNs = receivedNs;
            command.receivedCycle = receivedCycle;
            const uint32_t type = words[i] >> 28;
            bool post = true;
            if (type == 0) {
                post = false;  // utility (NOOP, timestamps): nothing for the plugin
            } else if (type == 2) {
                Ump64 ump;
                if (!midi1ToUmp(static_cast<uint8_t>((words[i] >> 24) & 0xF), static_cast<uint8_t>(words[i] >> 16),
                                static_cast<uint8_t>(words[i] >> 8), static_cast<uint8_t>(words[i]), &ump)) {
                    *reason = "a MIDI 1.0 message that is not a channel message";
                    return false;
                }
                command.words[0] = ump.words[0];
                command.words[1] = ump.words[1];
                command.wordCount = 2;
            } else {
                std::memcpy(command.words, &words[i], count * sizeof(uint32_t));
                command.wordCount = static_cast<uint32_t>(count);
                uint8_t group = 0, channel = 0, key = 0, extra = 0;
                uint16_t index = 0;
                uint32_t value = 0;
                if (type == 5 && aapReadMidi2ParameterSysex8(&group, &channel, &key, &extra, &index, &value, words[i],
                                                             words[i + 1], words[i + 2], words[i + 3])) {
                    const ParameterInformation* p = plugin_.parameters.find(index);
                    if (p == nullptr) {
                        *reason = "a change of parameter " + std::to_string(index) + ", which the plugin does not have";
                        return false;
                    }
                    values_[p->id] = aapParameterTransportUint32ToPlain(p->minimumValue, p->maximumValue, value);
                    dirty_[p->id] = true;
                }
            }
            i += count;
            if (!post)
                continue;
            if (engine_.post(command))
                eventsPosted_++;
            else
                eventsDropped_++;
        }
        return true;
    }

    PlayEngine& engine_;
    PlayPlugin& plugin_;
    std::vector<uint8_t> token_;
    bool trace_;
    int32_t sampleRate_, frames_;
    uint32_t displayRateMilliHz_;
    web_gui::WebGuiServer* server_ = nullptr;
    mutable std::mutex mutex_;
    std::map<uint32_t, Session> sessions_;
    std::map<int32_t, double> values_;
    std::map<int32_t, bool> dirty_;
    int32_t selectedPreset_ = -1;
    uint64_t clientsEver_ = 0;
    bool lastLevelsNonZero_ = true;
    std::atomic<uint64_t> eventsPosted_{0}, eventsDropped_{0};
};

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

// The instance's token: kGuiTokenSize random bytes, as GuiSessions makes them (getrandom()).
bool randomToken(std::vector<uint8_t>* token, std::string* error) {
    token->assign(kGuiTokenSize, 0);
    if (!guiRandomBytes(token->data(), token->size())) {
        *error = std::string("cannot get random bytes for the token: ") + std::strerror(errno);
        return false;
    }
    return true;
}

// Loads --input (deinterleaved) and --midi (events at frames) for the loop.
bool loadLoopInputs(const ParsedArguments& parsed, int32_t sampleRate, std::vector<std::vector<float>>* audio,
                    std::vector<std::pair<uint64_t, MidiInputEvent>>* midi, uint64_t* loopFrames, std::string* error) {
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
            MidiInputEvent input;
            input.data[0] = event.status;
            input.data[1] = event.data1;
            input.data[2] = event.data2;
            input.size = (event.status & 0xF0) == 0xC0 || (event.status & 0xF0) == 0xD0 ? 2 : 3;
            midi->emplace_back(static_cast<uint64_t>(std::llround(event.seconds * sampleRate)), input);
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
    if (parsed.has("rate") && !parseInteger(parsed.value("rate"), 8000, 384000, &rate))
        return usage("bad --rate '" + parsed.value("rate") + "' (an integer 8000..384000)");
    if (parsed.has("period") && !parseInteger(parsed.value("period"), 16, 8192, &period))
        return usage("bad --period '" + parsed.value("period") + "' (an integer 16..8192)");
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

    AudioBackendConfig config;
    config.clientName = "aap-host-gui";
    for (const PortInformation& p : plugin->information->ports) {
        if (p.contentType == PortContentType::Audio)
            (p.direction == PortDirection::Input ? config.audioInputs : config.audioOutputs)++;
        config.midiInput |= p.contentType == PortContentType::Midi2 && p.direction == PortDirection::Input;
    }
    config.sampleRate = static_cast<int32_t>(rate);
    config.periodFrames = static_cast<int32_t>(period);
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
    std::vector<std::pair<uint64_t, MidiInputEvent>> loopMidi;
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

    std::vector<uint8_t> token;
    if (!randomToken(&token, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    const std::string tokenHex = guiHex(token.data(), token.size());

    PlayEngine engine({plugin.get()}, backend->periodFrames(), config.audioInputs, config.audioOutputs, 0,
                      backend->sampleRate());
    if (!engine.ok()) {
        std::fprintf(stderr, "aap-host gui: cannot build the plugin graph: %s\n", engine.error().c_str());
        return kExitRuntimeFailure;
    }
    GuiProcessor processor(engine, config.audioOutputs, backend->periodFrames());
    processor.setInputs(std::move(loopAudio), std::move(loopMidi), loopFrames, backend->periodFrames());
    const bool trace = parsed.has("trace");
    GuiBridge bridge(engine, *plugin, token, trace, backend->sampleRate(), backend->periodFrames(),
                     static_cast<uint32_t>(displayRate * 1000));

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
    bridge.setServer(&server);
    if (!server.start(serverOptions, &bridge, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
        plugin->hosted->instance().deactivate();
        return kExitRuntimeFailure;
    }

    engine.resume();
    if (!backend->start(&processor, &error)) {
        std::fprintf(stderr, "aap-host gui: %s\n", error.c_str());
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
        server.stop();
        return kExitRuntimeFailure;
    }

    const int64_t tickNs = 1'000'000'000 / displayRate;
    const int64_t started = monotonicNs();
    const int64_t endAt = duration > 0 ? started + static_cast<int64_t>(duration * 1e9) : 0;
    int64_t nextTick = started + tickNs;
    std::string stopReason = "duration";
    LineReader input{STDIN_FILENO};
    bool quit = false;
    int exitCode = kExitOk;
    uint64_t applied = 0;
    auto handleNotices = [&]() {
        PlayNotice notice;
        while (engine.takeNotice(&notice)) {
            switch (notice.kind) {
            case PlayNotice::Kind::GuiApplied:
                applied++;
                if (trace)
                    std::fprintf(stderr, "gui->dsp %s from client %d: cycle %llu (received during cycle %llu, %.3f ms)\n",
                                 describeUmp(notice.words, notice.wordCount, plugin->parameters).c_str(), notice.value,
                                 static_cast<unsigned long long>(notice.cycle),
                                 static_cast<unsigned long long>(notice.receivedCycle), notice.latencyNs / 1e6);
                break;
            case PlayNotice::Kind::PresetDone:
                if (notice.error == static_cast<int32_t>(ExtensionError::None)) {
                    std::fprintf(stderr, "aap-host gui: preset %d selected\n", notice.value);
                    bridge.presetSelected(notice.value);
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
                std::fprintf(stderr, "aap-host gui: an event was dropped (too many in one cycle)\n");
                break;
            case PlayNotice::Kind::PeriodTooLong:
                std::fprintf(stderr, "aap-host gui: the period grew to %d frames; the output is silent\n", notice.value);
                break;
            }
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
            std::fprintf(stderr, "aap-host gui: cycles %llu, xruns %llu, clients %zu, gui events applied %llu\n",
                         static_cast<unsigned long long>(engine.cycles()), static_cast<unsigned long long>(engine.xruns()),
                         server.clientCount(), static_cast<unsigned long long>(applied));
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
            bridge.hostSetParameter(parameter->id, change.value);
            std::fprintf(stderr, "aap-host gui: parameter %d (%s) = %g\n", parameter->id, parameter->name.c_str(),
                         change.value);
        } else if (w[0] == "preset") {
            int64_t index = 0;
            if (w.size() != 2 || plugin->presetCount <= 0 ||
                !parseInteger(w[1], 0, plugin->presetCount - 1, &index))
                return bad("usage: preset N (0.." + std::to_string(std::max(0, plugin->presetCount - 1)) + ")");
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
        int64_t waitNs = std::max<int64_t>(0, nextTick - now);
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
        handleNotices();
        if (monotonicNs() >= nextTick) {
            bridge.tick(processor);
            nextTick += tickNs;
            if (nextTick < monotonicNs())
                nextTick = monotonicNs() + tickNs;
        }
        if (opener > 0 && ::waitpid(opener, nullptr, WNOHANG) == opener)
            opener = -1;
    }
    if (quit)
        stopReason = "quit";
    server.stop();
    backend->stop();
    handleNotices();
    engine.suspend();  // takes the plugin graph down before the plugin goes
    if (plugin->fault.load() == 0)
        plugin->hosted->instance().deactivate();
    plugin->hosted.reset();
    if (opener > 0)
        ::waitpid(opener, nullptr, 0);  // xdg-open returns once the browser has the page
    signals.reset();

    std::printf("backend: %s\n", backend->name());
    std::printf("cycles: %llu\n", static_cast<unsigned long long>(engine.cycles()));
    std::printf("xruns: %llu\n", static_cast<unsigned long long>(engine.xruns()));
    std::printf("faults: %llu\n", static_cast<unsigned long long>(engine.faults()));
    std::printf("gui clients: %llu\n", static_cast<unsigned long long>(bridge.clientsEver()));
    std::printf("gui events applied: %llu\n", static_cast<unsigned long long>(applied));
    std::printf("gui events dropped: %llu\n", static_cast<unsigned long long>(bridge.eventsDropped()));
    std::printf("stopped: %s\n", stopReason.c_str());
    std::fflush(stdout);
    return exitCode;
}

#endif

} // namespace aap::host_tool
