#pragma once
// The audio backends of `aap-host play`: something that calls an AudioProcessor once per period
// with the period's input and output buffers. Two implementations:
//   - JACK (jack-backend.cpp): a JACK client with libjack loaded at run time (jack-library.h);
//     works on JACK2 and on PipeWire (`pw-jack`).
//   - null (null-backend.cpp): no device; a thread of its own runs the same cycle on a timer at the
//     real period (absolute deadlines), inputs silent, outputs discarded. For headless use and tests.
//
// Threads: every AudioBackend call is [main-thread]; AudioProcessor::process runs on the backend's
// [audio-thread] between start() and stop(). Events (the server going away) are reported through
// eventFd(): it becomes readable, and takeEvent() says what happened.

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aap::host_tool {

// MIDI 1.0 bytes of one period, copied out of the backend's buffers (no allocation: fixed arrays).
struct MidiInputEvent {
    uint32_t frame = 0;  // offset within the period
    uint32_t size = 0;   // bytes at data (1..3 for channel messages; longer messages are skipped)
    uint8_t data[4] = {};
};

struct AudioCycle {
    static constexpr uint32_t kMaxMidiEvents = 512;
    uint32_t frames = 0;
    // The backend's buffers for this period, `frames` samples each. Valid during process() only.
    const float* const* inputs = nullptr;
    float* const* outputs = nullptr;
    uint32_t inputCount = 0;
    uint32_t outputCount = 0;
    // MIDI 1.0 events in frame order, at most kMaxMidiEvents (midiDropped counts the rest).
    const MidiInputEvent* midi = nullptr;
    uint32_t midiCount = 0;
    uint32_t midiDropped = 0;
    // CLOCK_MONOTONIC nanoseconds: when this period started and by when its outputs are due.
    int64_t startNs = 0;
    int64_t deadlineNs = 0;
    // JACK only: the server's clock (jack_get_time, microseconds) and when, on that clock, this
    // cycle began (jack_get_cycle_times' current_usecs): what JACK's own cycle timing measures.
    // Null / 0 on the null backend.
    uint64_t (*serverTimeUs)() = nullptr;
    uint64_t serverCycleStartUs = 0;
};

class AudioProcessor {
public:
    virtual ~AudioProcessor() = default;
    // [audio-thread] Reads inputs and MIDI, writes every output sample. Must not allocate, lock or
    // block.
    virtual void process(const AudioCycle& cycle) noexcept = 0;
};

// Where the audio thread runs (docs/aap-host.md, "One CPU for the chain"): a CPU number (0..),
// or one of these.
constexpr int32_t kAudioCpuFirst = -1;  // the CPU its first period runs on, kept from then on
constexpr int32_t kAudioCpuAny = -2;    // wherever the kernel puts it (not pinned)

// [audio-thread] Keeps the calling thread to `wanted` (a CPU, or kAudioCpuFirst: the one it is on
// now). One sched_setaffinity call, which never waits; the backends call it once, at their first
// period. Returns the CPU the thread now keeps to, or -1 (kAudioCpuAny, or the call failed).
inline int32_t pinAudioThread(int32_t wanted) noexcept {
    if (wanted == kAudioCpuAny)
        return -1;
    const int cpu = wanted == kAudioCpuFirst ? ::sched_getcpu() : wanted;
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return ::sched_setaffinity(0, sizeof(one), &one) == 0 ? cpu : -1;
}

struct AudioBackendConfig {
    std::string clientName = "aap-host";
    uint32_t audioInputs = 0;
    uint32_t audioOutputs = 0;
    bool midiInput = false;
    // Null backend only (JACK takes both from the server).
    int32_t sampleRate = 48000;
    int32_t periodFrames = 256;
    // The CPU the audio thread keeps to (a CPU number, kAudioCpuFirst or kAudioCpuAny). A graph
    // of out-of-process plugins run from a pinned thread keeps its nodes' threads on that CPU too
    // (docs/hosting.md, "Placement").
    int32_t audioCpu = kAudioCpuAny;
};

class AudioBackend {
public:
    enum class Event { None, ServerGone };

    virtual ~AudioBackend() = default;
    virtual const char* name() const noexcept = 0;
    // Opens the device / registers the client and its ports (not processing yet).
    virtual bool open(const AudioBackendConfig& config, std::string* error) = 0;
    virtual int32_t sampleRate() const noexcept = 0;
    virtual int32_t periodFrames() const noexcept = 0;
    // Starts calling `processor` (which must outlive stop()).
    virtual bool start(AudioProcessor* processor, std::string* error) = 0;
    // Stops processing: after it returns, process() is not running and will not be called again.
    // Idempotent; also safe after the server went away.
    virtual void stop() noexcept = 0;
    // Periods the backend itself reports as missed (JACK's xrun callback; the null backend's late
    // wake-ups). [thread-safe]
    virtual uint64_t backendXruns() const noexcept = 0;
    // A file descriptor that is readable when an Event is pending (-1: none ever).
    virtual int eventFd() const noexcept = 0;
    // The pending event and its description ("the JACK server shut down: ..."), clearing the fd.
    virtual Event takeEvent(std::string* message) = 0;
    // Names of this client's ports ("aap-host:in_1"...), in config order: audio ins, audio outs,
    // MIDI in. Empty for the null backend.
    virtual std::vector<std::string> portNames() const = 0;
    // JACK only: connects our ports. `physical`: to the system's capture/playback ports (and
    // the first physical MIDI source); else to the named ports (sources for our inputs, in order,
    // destinations for our outputs). Errors are warnings: *error collects them, play goes on.
    virtual bool connectPhysical(std::string* error) = 0;
    virtual bool connectNamed(const std::vector<std::string>& audioSources,
                              const std::vector<std::string>& audioDestinations,
                              const std::vector<std::string>& midiSources, std::string* error) = 0;
    // The CPU the audio thread keeps to since its first period (AudioBackendConfig::audioCpu), or
    // -1 (not pinned, or no period yet). [thread-safe]
    int32_t audioCpu() const noexcept { return audioCpu_.load(std::memory_order_acquire); }
    // JACK's own DSP load estimate in percent (-1 when the backend has none).
    virtual float backendLoad() const noexcept = 0;

protected:
    // [audio-thread] Called by the implementations at the top of every period: pins the thread
    // once, at the first period of each start().
    void placeAudioThread() noexcept {
        if (placed_)
            return;
        placed_ = true;
        audioCpu_.store(pinAudioThread(wantedCpu_), std::memory_order_release);
    }
    // [main-thread] From open() and start(): what the next first period does.
    void preparePlacement(int32_t wanted) noexcept {
        wantedCpu_ = wanted;
        placed_ = false;
    }

private:
    int32_t wantedCpu_ = kAudioCpuAny;
    bool placed_ = false;  // audio thread only, between start() and stop()
    std::atomic<int32_t> audioCpu_{-1};
};

// null when libjack cannot be loaded; *error then says "JACK is not available: ...".
std::unique_ptr<AudioBackend> createJackBackend(std::string* error);
std::unique_ptr<AudioBackend> createNullBackend();

// CLOCK_MONOTONIC in nanoseconds. [thread-safe] [audio-thread]
int64_t monotonicNs() noexcept;

} // namespace aap::host_tool
