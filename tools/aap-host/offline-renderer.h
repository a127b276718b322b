#pragma once
// Renders a prepared, active PluginInstance over a whole piece of audio and/or a list of timed
// MIDI 2.0 UMPs, offline (as fast as the plugin goes), for `aap-host render` and the demo.
//
// Sample-accurate timing by splitting blocks: a cycle never crosses the frame of a pending event,
// so every UMP is delivered at the start of the cycle that begins exactly at its frame. Plugins
// therefore need not interpret JR timestamps (our examples do not).
//
// Ports come from the instance's information(): audio inputs are fed from the input audio
// (channel i, or the last channel when the input has fewer: mono feeds both sides), audio outputs
// become the output channels in port order, UMPs go to the first MIDI2 input port.
//
// A chain of instances (`aap-host render A B C`): the input audio feeds the first instance, each
// instance's audio outputs feed the next one's audio inputs (input i from output i, or the last
// output when there are fewer), the last instance's outputs are the result. UMPs go to the first
// instance that has a MIDI2 input, unless a TimedUmp names its instance (parameter changes of
// plugin K). Either the instances run one after another on the calling thread, each cycle, or the
// chain is an aap::PluginGraph whose host inputs and outputs are the chain's ends (the graph wakes
// each node from its predecessor).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aap/hosting/plugin-graph.h"
#include "aap/hosting/plugin-host.h"
#include "wav-file.h"

namespace aap::host_tool {

struct TimedUmp {
    int64_t frame = 0;
    uint32_t words[4] = {};
    uint32_t wordCount = 0;  // 1..4, must match the message type's size
    // Which instance of a chain receives it: -1 the first with a MIDI2 input, else its position.
    int32_t target = -1;
};

struct RenderJob {
    const WavAudio* input = nullptr;  // optional; its rate must be the instance's
    std::vector<TimedUmp> events;     // any order (sorted stably by frame before rendering)
    std::vector<int64_t> splitFrames; // extra cycle boundaries (e.g. where beforeCycle acts)
    int64_t totalFrames = 0;
    int32_t blockSize = 256;          // <= the instance's prepared frames
    int32_t sampleRate = 48000;
    int64_t processTimeoutNs = 2'000'000'000;
    // Called before each cycle with its first frame (on the rendering thread, which is the
    // thread calling process()): the place to submit realtime extension requests.
    std::function<void(int64_t frame)> beforeCycle;
    // While this returns true before a cycle, the renderer runs zero-frame process() cycles (which
    // carry AAPXS requests and replies, docs/spec/abi.md section 4) so that a realtime extension
    // request submitted by beforeCycle takes effect exactly at its frame. Offline rendering can
    // afford to wait; a live host could not. Bounded by extensionTimeoutNs.
    std::function<bool()> hasPendingRequests;
    int64_t extensionTimeoutNs = 2'000'000'000;
    // Called now and then with frames done and total.
    std::function<void(int64_t done, int64_t total)> progress;
    // Where the output goes as it is rendered: each cycle's frames, interleaved (channels = the
    // instance's audio output count). When set, RenderResult::output.samples stays empty, so
    // memory does not grow with the length; returning false (with *error) stops the render.
    std::function<bool(const float* interleaved, int32_t frames, int32_t channels, std::string* error)> sink;
    // At most this many process() durations are kept in RenderResult::cycleNs (0: all). Beyond
    // it, the kept ones are a uniform random sample of all cycles (reservoir sampling), and
    // cycles/maxCycleNs/totalCycleNs still count every cycle.
    size_t maxCycleSamples = 0;
};

struct RenderResult {
    WavAudio output;                 // float32, the instance's audio output count, job.sampleRate
    std::vector<int64_t> cycleNs;    // wall time of every cycle (all of a chain's process() calls; or a sample, see maxCycleSamples)
    size_t cycles = 0;               // process() calls with frames
    int64_t maxCycleNs = 0;
    int64_t totalCycleNs = 0;
    size_t eventsDelivered = 0;
    size_t eventsDropped = 0;        // did not fit the MIDI2 buffer of their cycle
    size_t zeroFrameCycles = 0;      // cycles run only to carry extension traffic
};

// False with *error when the instance fails (the HostingStatus is in *status) or the sink does
// (then *status stays Ok).
bool renderOffline(PluginInstance& instance, const RenderJob& job, RenderResult* result, HostingStatus* status,
                   std::string* error);
// The same for a chain (at least one instance, each prepared and active); a failing instance's
// error names its position ("plugin 2: ...").
bool renderOffline(const std::vector<PluginInstance*>& chain, const RenderJob& job, RenderResult* result,
                   HostingStatus* status, std::string* error);
// The same through an active PluginGraph: its host inputs are fed from the input audio, its host
// outputs are the result; a TimedUmp goes to its target node (-1: `midiTarget`) through
// PluginGraph::addEvent at frame 0 of the cycle that starts at its frame. A late node is an xrun
// (silence for its part); a node the graph bypassed fails the render. A graph has no zero-frame
// cycles, so job.hasPendingRequests must be empty.
bool renderOffline(PluginGraph& graph, int32_t midiTarget, const RenderJob& job, RenderResult* result,
                   HostingStatus* status, std::string* error);

} // namespace aap::host_tool
