#pragma once
// The realtime half of `aap-host play`: an AudioProcessor that runs a chain of plugin instances
// once per period, sequentially (plugin 1's outputs feed plugin 2's inputs, ...), inside the
// backend's audio callback, with the period as its deadline.
//
// Per period ([audio-thread], no allocation, lock or unbounded wait):
//   1. commands from the control thread (an SPSC queue): preset changes are submitted as AAPXS
//      requests (PresetsProxy::setPresetIndexAsync; their completions fire in a later process()
//      on this thread), parameter changes are parameter-change SysEx8 UMPs for the next cycle;
//   2. MIDI 1.0 events of the period become MIDI 2.0 channel-voice UMPs (midi1-to-ump.h) for the
//      first plugin with a MIDI2 input, delivered at their frame offsets: that plugin's period is
//      split at the event frames (at most kMaxSplits sub-cycles; later events join the last one),
//      so each event starts a process() call exactly at its frame, as `render` does;
//   3. each plugin's process() with what is left of the deadline as its timeout;
//   4. statistics out: counters in atomics, each cycle's chain time in an SPSC queue.
// A plugin that misses the deadline returns Xrun (the hosting layer silences its outputs for that
// cycle and it stays active): an xrun, and the chain goes on. A plugin whose process() fails (its
// process died or stopped answering: the instance is in Error) is reported through a notice; from
// then on the outputs are silent until the control thread restarts it (suspend(), replace the
// instance, resume()).
//
// Threads: construction, post(), take*(), suspend()/resume() and the plugins' ownership are the
// control thread's ([main-thread]); process() is the backend's [audio-thread].

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/plugin-host.h"
#include "aap/runtime/bounded-mpsc-queue.h"
#include "audio-backend.h"
#include "parameter-resolution.h"
#include "aap/hosting/hosted-plugin.h"

namespace aap::host_tool {

// One plugin of the chain. The control thread owns it; the audio thread reads `instance`, the
// port lists and the proxies only while the engine is resumed.
struct PlayPlugin {
    const PluginInformation* information = nullptr;
    std::unique_ptr<HostedPlugin> hosted;
    std::vector<int32_t> audioIn, audioOut;
    int32_t midiIn = -1;
    PresetsProxy* presets = nullptr;    // hosted's, cached so the audio thread copies no shared_ptr
    int32_t presetCount = -1;           // -1: unknown (no presets extension)
    ResolvedParameters parameters;      // what `param` and --param accept (resolveParameters)
    std::vector<uint8_t> lastState;     // what `restart` restores (empty: none known)
    bool haveState = false;
    // 0 while healthy, else the HostingStatus process() returned. Written by the audio thread,
    // cleared by the control thread after a restart.
    std::atomic<int32_t> fault{0};

    // Fills the port lists from the instance's information and caches the presets proxy.
    void describePorts();
};

struct PlayCommand {
    enum class Kind : uint8_t { Preset, Ump } kind = Kind::Ump;
    int32_t plugin = 0;
    int32_t preset = 0;
    uint32_t words[4] = {};
    uint32_t wordCount = 0;
    uint64_t sequence = 0;
};

struct PlayNotice {
    enum class Kind : uint8_t {
        PresetDone,     // value = preset index, error = ExtensionError
        Fault,          // value = HostingStatus of the failed process()
        CommandDropped, // the plugin's event queue or the preset request records were full
        PeriodTooLong,  // value = frames of a period longer than the plugins were prepared for
    } kind = Kind::Fault;
    int32_t plugin = 0;
    int32_t value = 0;
    int32_t error = 0;
    uint64_t sequence = 0;
};

class PlayEngine final : public AudioProcessor {
public:
    static constexpr int kMaxSplits = 16;
    static constexpr int kMaxPendingUmps = 64;     // per plugin and cycle (parameter changes)
    static constexpr int kPresetRecords = 32;      // preset requests in flight
    static constexpr int64_t kMinimumTimeoutNs = 50'000;

    // `chain` must stay valid (and each plugin prepared for maxFrames and active) while resumed.
    // deadlineNs 0: each cycle's deadline is the backend's (one period).
    PlayEngine(std::vector<PlayPlugin*> chain, int32_t maxFrames, uint32_t inputChannels, uint32_t outputChannels,
               int64_t deadlineNs);
    ~PlayEngine() override;

    void process(const AudioCycle& cycle) noexcept override;

    // [main-thread] Queues a command for the next cycle; false when the queue is full.
    bool post(const PlayCommand& command) noexcept;
    bool takeNotice(PlayNotice* notice) noexcept { return notices_.tryPop(*notice); }
    bool takeCycleTime(int64_t* ns) noexcept { return cycleTimes_.tryPop(*ns); }

    // [main-thread] Stops the audio thread from touching the chain (it outputs silence) and
    // returns once it is not inside the chain; resume() lets it back. Commands wait meanwhile.
    void suspend() noexcept;
    void resume() noexcept;

    // [thread-safe] Statistics.
    uint64_t cycles() const noexcept { return cycles_.load(std::memory_order_relaxed); }
    uint64_t xruns() const noexcept { return xruns_.load(std::memory_order_relaxed); }
    uint64_t faults() const noexcept { return faults_.load(std::memory_order_relaxed); }
    uint64_t midiEvents() const noexcept { return midiEvents_.load(std::memory_order_relaxed); }
    uint64_t midiDropped() const noexcept { return midiDropped_.load(std::memory_order_relaxed); }
    uint64_t silentCycles() const noexcept { return silentCycles_.load(std::memory_order_relaxed); }
    // The sequence of the last Ump command delivered to its plugin in a completed cycle.
    uint64_t deliveredSequence() const noexcept { return delivered_.load(std::memory_order_acquire); }

private:
    struct PendingUmp {
        uint32_t frame = 0;
        uint32_t words[4] = {};
        uint32_t wordCount = 0;
    };
    struct PresetRecord {
        PlayEngine* engine = nullptr;
        int32_t plugin = 0;
        int32_t index = 0;
        uint64_t sequence = 0;
        std::atomic<bool> busy{false};
    };
    static void presetCompleted(void* user, const ExtensionStatus& result) noexcept;

    void silence(const AudioCycle& cycle) noexcept;
    void applyCommands() noexcept;
    // Runs plugin `p` over frames [0, frames): false when it failed (already reported).
    bool runPlugin(size_t p, const AudioCycle& cycle, const float* const* signal, uint32_t signalChannels,
                   float* const* output, int64_t deadlineNs) noexcept;
    void notify(const PlayNotice& notice) noexcept;

    std::vector<PlayPlugin*> chain_;
    int32_t maxFrames_;
    uint32_t inputChannels_, outputChannels_;
    int64_t deadlineNs_;
    int32_t midiTarget_ = -1;
    uint32_t maxChannels_ = 0;
    // Two banks of maxChannels_ x maxFrames_ samples between plugins, with pointer tables.
    std::vector<float> scratch_[2];
    std::vector<float*> bank_[2];
    std::vector<float> zeros_;
    std::vector<const float*> zeroChannels_;
    // Per plugin: UMPs waiting for the next cycle (parameter changes), and their sequences.
    std::vector<std::vector<PendingUmp>> pending_;
    std::vector<int> pendingCount_;
    std::vector<uint64_t> pendingSequence_;
    // MIDI of the current cycle for midiTarget_, as UMPs.
    std::vector<PendingUmp> midi_;
    std::unique_ptr<PresetRecord[]> presetRecords_;
    uint32_t nextPresetRecord_ = 0;
    bool reportedPeriod_ = false;
    bool cycleXrun_ = false;  // a plugin returned Xrun this cycle (counted once there)

    BoundedMpscQueue<PlayCommand> commands_{256};
    BoundedMpscQueue<PlayNotice> notices_{256};
    BoundedMpscQueue<int64_t> cycleTimes_{16384};

    std::atomic<bool> enabled_{false};
    std::atomic<bool> inside_{false};
    std::atomic<uint64_t> cycles_{0}, xruns_{0}, faults_{0}, midiEvents_{0}, midiDropped_{0}, silentCycles_{0};
    std::atomic<uint64_t> delivered_{0};
};

} // namespace aap::host_tool
