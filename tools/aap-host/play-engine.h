#pragma once
// The realtime half of `aap-host play`: an AudioProcessor that runs a chain of plugin instances
// once per period (plugin 1's outputs feed plugin 2's inputs, ...) as an aap::PluginGraph inside
// the backend's audio callback, with the period as the graph cycle's one deadline: out of process,
// the host wakes the first plugin, each wakes the next and the last wakes the host.
//
// Per period ([audio-thread], no allocation, lock or unbounded wait):
//   1. commands from the control thread (an SPSC queue): preset changes are submitted as AAPXS
//      requests (PresetsProxy::setPresetIndexAsync; their completions fire in a later process()
//      on this thread), parameter changes are parameter-change SysEx8 UMPs for the next cycle;
//   2. MIDI 1.0 events of the period become MIDI 2.0 channel-voice UMPs (midi1-to-ump.h) for the
//      first plugin with a MIDI2 input, delivered at their frame offsets: the period is split at
//      the event frames (at most kMaxSplits graph cycles; later events join the last one), so each
//      event starts a cycle exactly at its frame, as `render` does;
//   3. PluginGraph::process() for each part, with what is left of the deadline as its timeout;
//   4. statistics out: counters in atomics, each period's chain time in an SPSC queue.
// A plugin that misses the deadline is an xrun of the graph (its outputs are silent for that
// cycle, the plugins after it run on silence, it stays in the graph): an xrun, and the chain goes
// on. A plugin the graph bypasses (its process died or stopped answering, or it missed the
// deadline PluginGraphOptions::bypassAfterMisses times in a row) is reported through a notice;
// from then on the outputs are silent until the control thread restarts it (suspend(), replace
// the instance, resume()).
//
// The graph: built by the constructor over the plugins' HostedPlugins (which the caller keeps
// owning), torn down by suspend() (which deactivates the plugins: the control thread may then
// replace one) and built again by resume() (which activates them). ok() / error() say whether the
// last build worked; while it did not, the outputs are silent.
//
// Threads: construction, post(), take*(), suspend()/resume() and the plugins' ownership are the
// control thread's ([main-thread]); process() is the backend's [audio-thread].

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/plugin-graph.h"
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

// The backend's ports for a chain of plugins (one plugin: a chain of one): the first plugin's
// audio inputs, the last one's audio outputs, and a MIDI input when any of them takes MIDI2.
AudioBackendConfig backendConfigFor(const std::vector<const PluginInformation*>& chain, const std::string& clientName,
                                    int64_t sampleRate, int64_t periodFrames);

class PlayEngine final : public AudioProcessor {
public:
    static constexpr int kMaxSplits = 16;
    static constexpr int kMaxPendingUmps = 64;     // per plugin and cycle (parameter changes)
    static constexpr int kPresetRecords = 32;      // preset requests in flight
    static constexpr int64_t kMinimumTimeoutNs = 50'000;

    // `chain` must stay valid (each plugin prepared for maxFrames, active or inactive: the graph
    // activates them) while resumed. deadlineNs 0: each cycle's deadline is the backend's (one
    // period). sampleRate: the rate the plugins were prepared at (the graph checks it).
    PlayEngine(std::vector<PlayPlugin*> chain, int32_t maxFrames, uint32_t inputChannels, uint32_t outputChannels,
               int64_t deadlineNs, int32_t sampleRate = 48000);
    ~PlayEngine() override;

    void process(const AudioCycle& cycle) noexcept override;

    // [main-thread] Queues a command for the next cycle; false when the queue is full.
    bool post(const PlayCommand& command) noexcept;
    bool takeNotice(PlayNotice* notice) noexcept { return notices_.tryPop(*notice); }
    bool takeCycleTime(int64_t* ns) noexcept { return cycleTimes_.tryPop(*ns); }

    // [main-thread] Stops the audio thread from touching the chain (it outputs silence), returns
    // once it is not inside the chain, and takes the graph down (the plugins are inactive
    // afterwards); resume() builds the graph again over the chain's current plugins, activates
    // them and lets the audio thread back. Commands wait meanwhile.
    void suspend() noexcept;
    void resume() noexcept;
    // [main-thread] Whether the last graph build worked, and why not.
    bool ok() const noexcept { return graph_ != nullptr; }
    const std::string& error() const noexcept { return error_; }
    // [thread-safe] The graph's own count of futex wakes since it was last built (0 without one).
    uint64_t graphWakes() const noexcept;

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
    // Runs the graph over the period, split at the MIDI event frames: false when a plugin was
    // bypassed (already reported).
    bool runGraph(const AudioCycle& cycle, int64_t deadlineNs) noexcept;
    void notify(const PlayNotice& notice) noexcept;
    void buildGraph() noexcept;
    void teardownGraph() noexcept;

    std::vector<PlayPlugin*> chain_;
    int32_t maxFrames_;
    int32_t sampleRate_;
    uint32_t inputChannels_, outputChannels_;
    int64_t deadlineNs_;
    int32_t midiTarget_ = -1;
    std::unique_ptr<PluginGraph> graph_;
    std::atomic<PluginGraph*> liveGraph_{nullptr};  // graph_ for the [thread-safe] readers
    std::string error_;
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
