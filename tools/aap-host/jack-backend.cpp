// The JACK audio backend: one JACK client (libjack loaded at run time, jack-library.h) with
// audio ports in_1.., out_1.. and a MIDI port midi_in. The process callback copies the period's
// MIDI events into a fixed array and calls the AudioProcessor with the port buffers. The
// server going away (jack_on_info_shutdown, and jack_on_shutdown for libraries that only call
// that one) writes to a pipe the control thread polls.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "audio-backend.h"
#include "jack-library.h"

namespace aap::host_tool {

namespace {

void quietJackMessage(const char*) {}

class JackBackend final : public AudioBackend {
public:
    explicit JackBackend(const JackLibrary& jack) : jack_(jack) {}
    ~JackBackend() override {
        stop();
        if (pipe_[0] >= 0)
            ::close(pipe_[0]);
        if (pipe_[1] >= 0)
            ::close(pipe_[1]);
    }
    const char* name() const noexcept override { return "jack"; }

    bool open(const AudioBackendConfig& config, std::string* error) override {
        if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
            *error = std::string("cannot create a pipe: ") + std::strerror(errno);
            return false;
        }
        preparePlacement(config.audioCpu);
        // libjack prints its connection attempts itself; our own message says what failed.
        jack_.set_error_function(quietJackMessage);
        jack_.set_info_function(quietJackMessage);
        int status = 0;
        client_ = jack_.client_open(config.clientName.c_str(), jack::kNoStartServer, &status);
        if (client_ == nullptr) {
            const char* server = std::getenv("JACK_DEFAULT_SERVER");
            *error = "JACK is not available: cannot connect to the JACK server '" +
                     std::string(server != nullptr && *server != '\0' ? server : "default") +
                     "' (is jackd or PipeWire running? status 0x" + hex(status) + ")";
            return false;
        }
        clientName_ = jack_.get_client_name(client_);
        for (uint32_t i = 0; i < config.audioInputs; i++)
            if (!registerPort("in_" + std::to_string(i + 1), jack::kDefaultAudioType, jack::kPortIsInput, &inputs_, error))
                return false;
        for (uint32_t o = 0; o < config.audioOutputs; o++)
            if (!registerPort("out_" + std::to_string(o + 1), jack::kDefaultAudioType, jack::kPortIsOutput, &outputs_,
                              error))
                return false;
        if (config.midiInput) {
            std::vector<jack::Port*> midi;
            if (!registerPort("midi_in", jack::kDefaultMidiType, jack::kPortIsInput, &midi, error))
                return false;
            midiPort_ = midi[0];
        }
        inputBuffers_.assign(inputs_.size(), nullptr);
        outputBuffers_.assign(outputs_.size(), nullptr);
        jack_.set_process_callback(client_, &JackBackend::processCallback, this);
        jack_.on_info_shutdown(client_, &JackBackend::infoShutdownCallback, this);
        jack_.on_shutdown(client_, &JackBackend::shutdownCallback, this);
        jack_.set_xrun_callback(client_, &JackBackend::xrunCallback, this);
        sampleRate_ = static_cast<int32_t>(jack_.get_sample_rate(client_));
        periodFrames_ = static_cast<int32_t>(jack_.get_buffer_size(client_));
        return true;
    }
    int32_t sampleRate() const noexcept override { return sampleRate_; }
    int32_t periodFrames() const noexcept override { return periodFrames_; }

    bool start(AudioProcessor* processor, std::string* error) override {
        processor_.store(processor, std::memory_order_release);
        if (jack_.activate(client_) != 0) {
            *error = "cannot activate the JACK client";
            return false;
        }
        active_ = true;
        return true;
    }

    void stop() noexcept override {
        if (client_ == nullptr)
            return;
        // After the server went away the client is a zombie: deactivating it would talk to a dead
        // server; closing it still releases libjack's side.
        if (active_ && !gone_.load(std::memory_order_acquire))
            jack_.deactivate(client_);
        active_ = false;
        processor_.store(nullptr, std::memory_order_release);
        jack_.client_close(client_);
        client_ = nullptr;
    }

    uint64_t backendXruns() const noexcept override { return xruns_.load(std::memory_order_relaxed); }
    int eventFd() const noexcept override { return pipe_[0]; }
    Event takeEvent(std::string* message) override {
        char drain[64];
        while (::read(pipe_[0], drain, sizeof(drain)) > 0) {
        }
        if (!gone_.load(std::memory_order_acquire))
            return Event::None;
        std::lock_guard<std::mutex> lock(reasonMutex_);
        *message = "the JACK server shut down" + (reason_.empty() ? std::string() : ": " + reason_);
        return Event::ServerGone;
    }

    std::vector<std::string> portNames() const override {
        std::vector<std::string> names;
        for (jack::Port* port : inputs_)
            names.push_back(jack_.port_name(port));
        for (jack::Port* port : outputs_)
            names.push_back(jack_.port_name(port));
        if (midiPort_ != nullptr)
            names.push_back(jack_.port_name(midiPort_));
        return names;
    }

    bool connectPhysical(std::string* error) override {
        std::vector<std::string> capture = ports(jack::kDefaultAudioType, jack::kPortIsPhysical | jack::kPortIsOutput);
        std::vector<std::string> playback = ports(jack::kDefaultAudioType, jack::kPortIsPhysical | jack::kPortIsInput);
        std::vector<std::string> midi = ports(jack::kDefaultMidiType, jack::kPortIsPhysical | jack::kPortIsOutput);
        bool ok = true;
        if (!inputs_.empty() && capture.empty()) {
            append(error, "no physical capture ports to connect the inputs to");
            ok = false;
        }
        if (!outputs_.empty() && playback.empty()) {
            append(error, "no physical playback ports to connect the outputs to");
            ok = false;
        }
        for (size_t i = 0; i < inputs_.size() && !capture.empty(); i++)
            ok &= link(capture[std::min(i, capture.size() - 1)], jack_.port_name(inputs_[i]), error);
        for (size_t o = 0; o < outputs_.size() && o < playback.size(); o++)
            ok &= link(jack_.port_name(outputs_[o]), playback[o], error);
        if (midiPort_ != nullptr)
            for (const std::string& source : midi)
                ok &= link(source, jack_.port_name(midiPort_), error);
        return ok;
    }

    bool connectNamed(const std::vector<std::string>& audioSources, const std::vector<std::string>& audioDestinations,
                      const std::vector<std::string>& midiSources, std::string* error) override {
        bool ok = true;
        for (size_t i = 0; i < audioSources.size(); i++) {
            if (i >= inputs_.size()) {
                append(error, "more --input-from ports than the chain has audio inputs (" +
                                  std::to_string(inputs_.size()) + ")");
                ok = false;
                break;
            }
            ok &= link(audioSources[i], jack_.port_name(inputs_[i]), error);
        }
        for (size_t o = 0; o < audioDestinations.size(); o++) {
            if (o >= outputs_.size()) {
                append(error, "more --output-to ports than the chain has audio outputs (" +
                                  std::to_string(outputs_.size()) + ")");
                ok = false;
                break;
            }
            ok &= link(jack_.port_name(outputs_[o]), audioDestinations[o], error);
        }
        for (const std::string& source : midiSources) {
            if (midiPort_ == nullptr) {
                append(error, "--midi-from: the chain has no MIDI input");
                ok = false;
                break;
            }
            ok &= link(source, jack_.port_name(midiPort_), error);
        }
        return ok;
    }

    float backendLoad() const noexcept override { return client_ != nullptr ? jack_.cpu_load(client_) : -1.0f; }

    const std::string& clientName() const { return clientName_; }

private:
    static std::string hex(int value) {
        char text[16];
        std::snprintf(text, sizeof(text), "%x", static_cast<unsigned>(value));
        return text;
    }
    static void append(std::string* error, const std::string& message) {
        if (!error->empty())
            *error += "; ";
        *error += message;
    }

    bool registerPort(const std::string& name, const char* type, unsigned long flags, std::vector<jack::Port*>* out,
                      std::string* error) {
        jack::Port* port = jack_.port_register(client_, name.c_str(), type, flags | jack::kPortIsTerminal, 0);
        if (port == nullptr) {
            *error = "cannot register the JACK port " + name;
            return false;
        }
        out->push_back(port);
        return true;
    }

    std::vector<std::string> ports(const char* type, unsigned long flags) const {
        std::vector<std::string> names;
        const char** list = jack_.get_ports(client_, nullptr, type, flags);
        if (list == nullptr)
            return names;
        for (const char** name = list; *name != nullptr; name++)
            names.push_back(*name);
        jack_.free(static_cast<void*>(list));
        return names;
    }

    bool link(const std::string& source, const std::string& destination, std::string* error) {
        const int result = jack_.connect(client_, source.c_str(), destination.c_str());
        if (result == 0 || result == EEXIST)
            return true;
        append(error, "cannot connect " + source + " to " + destination +
                          (jack_.port_by_name(client_, source.c_str()) == nullptr      ? " (no such port " + source + ")"
                           : jack_.port_by_name(client_, destination.c_str()) == nullptr ? " (no such port " + destination + ")"
                                                                                          : ""));
        return false;
    }

    void signalEvent() noexcept {
        const char byte = 1;
        ssize_t written = ::write(pipe_[1], &byte, 1);
        (void) written;  // a full pipe already wakes the reader
    }

    static int processCallback(jack::NFrames frames, void* arg) {
        auto* self = static_cast<JackBackend*>(arg);
        self->placeAudioThread();  // once, in the first period: JACK's process thread keeps to a CPU
        AudioProcessor* processor = self->processor_.load(std::memory_order_acquire);
        const int64_t start = monotonicNs();
        for (size_t i = 0; i < self->inputs_.size(); i++)
            self->inputBuffers_[i] = static_cast<const float*>(self->jack_.port_get_buffer(self->inputs_[i], frames));
        for (size_t o = 0; o < self->outputs_.size(); o++)
            self->outputBuffers_[o] = static_cast<float*>(self->jack_.port_get_buffer(self->outputs_[o], frames));
        AudioCycle cycle;
        cycle.frames = frames;
        cycle.inputs = self->inputBuffers_.data();
        cycle.outputs = self->outputBuffers_.data();
        cycle.inputCount = static_cast<uint32_t>(self->inputs_.size());
        cycle.outputCount = static_cast<uint32_t>(self->outputs_.size());
        if (self->midiPort_ != nullptr) {
            void* buffer = self->jack_.port_get_buffer(self->midiPort_, frames);
            const uint32_t count = self->jack_.midi_get_event_count(buffer);
            uint32_t kept = 0;
            for (uint32_t e = 0; e < count; e++) {
                jack::MidiEvent event{};
                if (self->jack_.midi_event_get(&event, buffer, e) != 0 || event.size == 0 || event.size > 3)
                    continue;  // SysEx and malformed events are not channel messages
                if (kept == AudioCycle::kMaxMidiEvents) {
                    cycle.midiDropped++;
                    continue;
                }
                MidiInputEvent& out = self->midi_[kept++];
                out.frame = event.time < frames ? event.time : frames - 1;
                out.size = static_cast<uint32_t>(event.size);
                std::memcpy(out.data, event.buffer, event.size);
            }
            cycle.midi = self->midi_;
            cycle.midiCount = kept;
        }
        const int64_t period = static_cast<int64_t>(frames) * 1'000'000'000 / std::max<int32_t>(1, self->sampleRate_);
        cycle.startNs = start;
        cycle.deadlineNs = start + period;
        jack::NFrames currentFrames = 0;
        jack::Time currentUsecs = 0, nextUsecs = 0;
        float periodUsecs = 0;
        if (self->jack_.get_cycle_times(self->client_, &currentFrames, &currentUsecs, &nextUsecs, &periodUsecs) == 0)
            cycle.serverCycleStartUs = currentUsecs;
        cycle.serverTimeUs = self->jack_.get_time;
        if (processor != nullptr)
            processor->process(cycle);
        else
            for (uint32_t o = 0; o < cycle.outputCount; o++)
                std::memset(self->outputBuffers_[o], 0, sizeof(float) * frames);
        return 0;
    }

    static void infoShutdownCallback(int, const char* reason, void* arg) {
        auto* self = static_cast<JackBackend*>(arg);
        {
            // Not the audio thread: JACK calls this from its own thread once.
            std::lock_guard<std::mutex> lock(self->reasonMutex_);
            if (reason != nullptr && self->reason_.empty())
                self->reason_ = reason;
        }
        shutdownCallback(arg);
    }
    static void shutdownCallback(void* arg) {
        auto* self = static_cast<JackBackend*>(arg);
        self->gone_.store(true, std::memory_order_release);
        self->signalEvent();
    }
    static int xrunCallback(void* arg) {
        static_cast<JackBackend*>(arg)->xruns_.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }

    const JackLibrary& jack_;
    jack::Client* client_ = nullptr;
    std::string clientName_;
    std::vector<jack::Port*> inputs_, outputs_;
    jack::Port* midiPort_ = nullptr;
    std::vector<const float*> inputBuffers_;
    std::vector<float*> outputBuffers_;
    MidiInputEvent midi_[AudioCycle::kMaxMidiEvents];
    std::atomic<AudioProcessor*> processor_{nullptr};
    int32_t sampleRate_ = 0, periodFrames_ = 0;
    bool active_ = false;
    int pipe_[2] = {-1, -1};
    std::atomic<bool> gone_{false};
    std::atomic<uint64_t> xruns_{0};
    std::mutex reasonMutex_;
    std::string reason_;
};

} // namespace

std::unique_ptr<AudioBackend> createJackBackend(std::string* error) {
    const JackLibrary* jack = JackLibrary::load(error);
    if (jack == nullptr)
        return nullptr;
    return std::make_unique<JackBackend>(*jack);
}

} // namespace aap::host_tool
