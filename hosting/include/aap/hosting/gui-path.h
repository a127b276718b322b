#pragma once
// aap::GuiPath: the lock-free GUI <-> DSP path of one plugin instance (docs/gui.md).
//
// GUI -> DSP
//   Any number of GUI-side threads push() timestamped UMP (MIDI 1.0/2.0 channel voice,
//   parameter-change SysEx8, parameter gesture SysEx8) into one bounded multi-producer queue
//   (aap::BoundedMpscQueue: no lock on either side; a full queue fails the push at once and the
//   overflow is counted, the GUI never blocks). At the start of each cycle the audio thread
//   drainInto()s the host's EventQueue: up to `budget` events (so a flooding GUI cannot starve
//   the host, nor take more than its share of the cycle), each inserted in frame order after the
//   host's events of the same frame (EventQueue::add is stable and the host queued its events
//   before the cycle: host events win ties). An event that finds no room stays first in line for
//   the next cycle. Parameter changes and gestures that reach the plugin this way are also put in
//   the automation record, which the host reads with popAutomation() (to record automation).
//   With GuiPathOptions::appliedCapacity, every event moved is also recorded with its cycle and
//   frame (popApplied(): what `aap-host gui --trace` prints).
//   push() decodes each event on the GUI thread (parameter id, index and plain value), so the
//   audio thread only copies: it takes the queued events in place, stores the read position once,
//   and publishes the cycle's automation and applied-event records with one release store each.
//
// DSP -> GUI
//   After each cycle the audio thread publishes what GUIs show, without waking anyone (no
//   syscall, no allocation): parameter values (coalesced: the latest per parameter, with a
//   generation counter), per-port peak levels (coalesced: the highest since the reader last
//   took it), and the plugin's other MIDI2 output UMP as discrete events in a bounded queue
//   (never overwritten: when it is full the event is dropped, counted, and the resync flag is
//   set; the reader then sends GUIs a full parameter snapshot). The cycle's discrete events
//   become visible to the reader together, with one release store. GuiSessions is the reader, at
//   display rate, on its own thread.
//
// Threads: push() and the counters are [thread-safe]; drainInto(), publish*() and endCycle()
// are [audio-thread] (one audio thread at a time); popOutput(), takeResync(), takePeak() are
// [display-thread] (one consumer); popAutomation() and popApplied() are each for one host thread
// at a time. None of the
// [audio-thread] calls allocates, locks or makes a system call.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "aap/hosting/event-queue.h"
#include "aap/hosting/status.h"
#include "aap/runtime/bounded-mpsc-queue.h"
#include "aap/runtime/bounded-spsc-queue.h"

namespace aap {

struct GuiPathParameter {
    int32_t id = 0;
    double minimumValue = 0.0;
    double maximumValue = 1.0;
    double defaultValue = 0.0;
};

struct GuiPathOptions {
    // GUI -> DSP queue capacity (events, rounded up to a power of two).
    size_t inboxCapacity = 1024;
    // GUI events moved into one cycle at most.
    size_t budgetPerCycle = 64;
    // DSP -> GUI discrete events kept between two display ticks.
    size_t outputCapacity = 4096;
    // GUI parameter changes and gestures kept for the host's automation reader.
    size_t automationCapacity = 1024;
    // Applied-event records kept for popApplied() (every GUI event that reached the plugin's
    // input, with its cycle and frame: what a host traces). 0: none are recorded.
    size_t appliedCapacity = 0;
};

// One GUI -> DSP event, as push() queues it: the UMP and what the audio thread needs of it,
// decoded once on the GUI thread (the audio thread never decodes a GUI event again).
struct GuiInboundEvent {
    enum class Kind : uint32_t { Other, Change, GestureBegin, GestureEnd };
    int32_t frame = 0;       // offset in the cycle it lands in (clamped to the cycle's last frame)
    uint32_t client = 0;     // the GUI session that sent it (0: not from a session)
    uint32_t wordCount = 0;  // 1, 2 or 4
    uint32_t words[4] = {};
    Kind kind = Kind::Other;     // a parameter change or gesture SysEx8, or anything else
    int32_t parameterId = 0;     // Change, GestureBegin, GestureEnd
    int32_t parameterIndex = -1; // index in parameters(), -1 for an unknown id
    double value = 0.0;          // Change: the plain value (unknown id: the normalized one)
};

// One DSP -> GUI discrete event (the plugin's MIDI2 output).
struct GuiOutboundEvent {
    uint64_t cycle = 0;
    uint32_t wordCount = 0;
    uint32_t words[4] = {};
};

// A GUI event that reached the plugin's input (GuiPathOptions::appliedCapacity): in `cycle` (the
// cycle() counter when it was drained) at `frame`.
struct GuiAppliedEvent {
    uint64_t cycle = 0;
    int32_t frame = 0;
    uint32_t client = 0;
    uint32_t wordCount = 0;
    uint32_t words[4] = {};
};

// What the host reads to record automation: a GUI parameter change or gesture that reached the
// plugin in `cycle` at `frame`.
struct GuiAutomationRecord {
    enum class Kind : uint32_t { Change, GestureBegin, GestureEnd };
    Kind kind = Kind::Change;
    uint32_t client = 0;
    uint64_t cycle = 0;
    int32_t frame = 0;
    int32_t parameterId = 0;
    double value = 0.0;  // plain value (Change only)
};

class GuiPath {
public:
    // [main-thread] `parameters`: what parameter changes convert with and snapshots list;
    // `levelPorts`: the port indices that have a peak level (level slot i is port levelPorts[i]).
    GuiPath(std::vector<GuiPathParameter> parameters, std::vector<int32_t> levelPorts, GuiPathOptions options = {});
    GuiPath(const GuiPath&) = delete;
    GuiPath& operator=(const GuiPath&) = delete;

    // ---- GUI -> DSP ----
    // [thread-safe] Queues one UMP message for the next cycle at `frame` (>= 0). Only UMP a GUI may
    // send (guiUmpAllowedFromClient). Errors: InvalidArgument (bad or forbidden UMP, negative
    // frame), CapacityExceeded (the queue is full: counted in inboxOverflows(), nothing queued).
    // Never blocks.
    HostingStatus push(uint32_t client, int32_t frame, const uint32_t* words, size_t wordCount) noexcept;

    // [audio-thread] Moves up to budgetPerCycle queued GUI events into `queue` (the host's queue
    // of this cycle, after the host added its own), frames clamped to frames-1. Returns how many
    // moved. Parameter changes update parameterValue(), go to the automation record and, when
    // `onParameter` is not null, are reported to it (on the audio thread: it must be realtime-safe).
    using ParameterListener = void (*)(void* context, int32_t id, double value);
    size_t drainInto(EventQueue& queue, int32_t frames, ParameterListener onParameter = nullptr,
                     void* context = nullptr) noexcept;

    // ---- DSP -> GUI ----
    // [audio-thread] Parameter `id` has `value` now (the host set it, a GUI set it, or the plugin
    // reported it). Unknown ids are ignored.
    void publishParameter(int32_t id, double value) noexcept;
    // [audio-thread] Reads the plugin's MIDI2 output buffer (header + UMP): parameter changes go
    // to publishParameter, AAPXS replies are skipped, everything else is a discrete event.
    void publishMidiOutput(const void* buffer, size_t capacity) noexcept;
    // [audio-thread] The peak of `frames` samples in level slot `slot` (< levelPorts().size()).
    void publishLevel(size_t slot, const float* samples, int32_t frames) noexcept;
    // [audio-thread] Ends the cycle (the cycle counter the records carry).
    void endCycle() noexcept { cycle_.store(cycle_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
    uint64_t cycle() const noexcept { return cycle_.load(std::memory_order_relaxed); }

    // [display-thread] The next discrete event, oldest first.
    bool popOutput(GuiOutboundEvent* out) noexcept;
    // [display-thread] True once after discrete events were lost; *lost = how many since the last call.
    bool takeResync(uint64_t* lost = nullptr) noexcept;
    // [display-thread] The highest peak of level slot `slot` since the last call (0 when silent).
    float takePeak(size_t slot) noexcept;
    // [thread-safe] Latest value of parameter index `index` (parameters() order) and its
    // generation (incremented whenever it is published with a different value).
    double parameterValue(size_t index, uint64_t* generation = nullptr) const noexcept;

    // [one host thread] The next automation record, oldest first.
    bool popAutomation(GuiAutomationRecord* out) noexcept;
    // [one host thread] The next applied-event record, oldest first (false when none, or when
    // appliedCapacity is 0). The audio thread writes them into a bounded lock-free ring; when the
    // ring is full a record is dropped and counted in appliedOverflows(), the event itself is not.
    bool popApplied(GuiAppliedEvent* out) noexcept;

    const std::vector<GuiPathParameter>& parameters() const noexcept { return parameters_; }
    const std::vector<int32_t>& levelPorts() const noexcept { return levelPorts_; }
    const GuiPathOptions& options() const noexcept { return options_; }

    // [thread-safe] Counters.
    uint64_t inboxOverflows() const noexcept { return inboxOverflows_.load(std::memory_order_relaxed); }
    uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
    // Cycles in which GUI events were left queued (budget reached or the host queue full).
    uint64_t deferredCycles() const noexcept { return deferredCycles_.load(std::memory_order_relaxed); }
    uint64_t outputOverflows() const noexcept { return outputOverflows_.load(std::memory_order_relaxed); }
    uint64_t automationOverflows() const noexcept { return automationOverflows_.load(std::memory_order_relaxed); }
    uint64_t appliedOverflows() const noexcept { return appliedOverflows_.load(std::memory_order_relaxed); }

    // Plain value <-> the uint32 transport value of the parameter-change SysEx8.
    static uint32_t toTransport(const GuiPathParameter& parameter, double value) noexcept;
    static double fromTransport(const GuiPathParameter& parameter, uint32_t transport) noexcept;
    // Index of parameter `id` in parameters(), or -1.
    int32_t indexOf(int32_t id) const noexcept;

private:
    struct alignas(64) Slot {
        std::atomic<double> value{0.0};
        std::atomic<uint64_t> generation{0};
    };
    void publishAt(size_t index, double value) noexcept;

    std::vector<GuiPathParameter> parameters_;
    std::vector<int32_t> levelPorts_;
    GuiPathOptions options_;
    // id -> index: a table indexed by id when the ids are small and dense enough (the usual
    // case), else (id, index) pairs sorted by id for a binary search.
    std::vector<int32_t> indexById_;
    std::vector<std::pair<int32_t, int32_t>> sortedIds_;
    // GUI threads -> audio thread (many producers).
    BoundedMpscQueue<GuiInboundEvent> inbox_;
    // Audio thread -> display thread and audio thread -> host: one producer each, published once
    // per cycle (one release store per batch).
    BoundedSpscQueue<GuiOutboundEvent> output_;
    BoundedSpscQueue<GuiAutomationRecord> automation_;
    std::unique_ptr<BoundedSpscQueue<GuiAppliedEvent>> applied_;  // null: appliedCapacity 0
    std::unique_ptr<Slot[]> values_;
    std::unique_ptr<std::atomic<float>[]> peaks_;
    std::atomic<uint64_t> cycle_{0};
    std::atomic<uint64_t> inboxOverflows_{0};
    std::atomic<uint64_t> delivered_{0};
    std::atomic<uint64_t> deferredCycles_{0};
    std::atomic<uint64_t> outputOverflows_{0};
    std::atomic<uint64_t> lostSinceResync_{0};
    std::atomic<bool> resync_{false};
    std::atomic<uint64_t> automationOverflows_{0};
    std::atomic<uint64_t> appliedOverflows_{0};
};

} // namespace aap
