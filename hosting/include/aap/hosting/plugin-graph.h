#pragma once
// aap::PluginGraph: several hosted plugins connected port to port and run as one graph per cycle,
// the way JACK2 and PipeWire run their clients (docs/hosting.md, "Plugin graphs").
//
//     aap::PluginGraph graph{aap::PluginGraphOptions{}};          // 256 frames, 48 kHz, 2 in, 2 out
//     int32_t a, b;
//     graph.addPlugin(host, "urn:example:eq", &a);                   // opens and owns a HostedPlugin
//     graph.addPlugin(host, "urn:example:reverb", &b);
//     graph.connect(aap::GraphPort::hostInput(0), {a, 0});          // host input 0 -> a's port 0
//     graph.connect({a, 2}, {b, 0});                                 // a's output 2 -> b's input 0
//     graph.connect({b, 2}, aap::GraphPort::hostOutput(0));
//     graph.activate();
//     // audio thread, per period:
//     std::memcpy(graph.hostInput(0), in, 256 * sizeof(float));
//     graph.addEvent(b, 0, noteOn, 2);                               // host events for one node
//     graph.process(256, 5'000'000);                                 // one deadline for the cycle
//     std::memcpy(out, graph.hostOutput(0), 256 * sizeof(float));
//
// Nodes are hosted instances of any isolation mode (a service per instance, a shared service, in
// process). Edges connect an output port to an input port of the same content type, audio or
// MIDI2; the host's audio input channels are sources and its output channels sinks. connect()
// refuses, with a GraphStatus and nothing changed, unknown nodes or ports, type or direction
// mismatches, an edge that would close a cycle, a duplicate edge, and a plugin that is already a
// node of another graph.
//
// Activation (docs/hosting.md): one sealed shared-memory activation block per graph, with per node a
// futex word, a waiting flag, a status, required/pending counters, timestamps, an xrun counter
// and its successor list. Each cycle the host resets the counters and wakes the source nodes; a
// node that finishes decrements its successors' pending counters and wakes the one that reaches
// zero (only if it sleeps); the sinks wake the host. Out-of-process nodes wake each other
// directly: a chain of N nodes costs N + 1 wakes per cycle (2N with sequential process() calls).
// Nodes of one service process run back to back on one thread without a wake; in-process nodes
// run on the host's thread inside process(). wakesLastCycle()/totalWakes() are COUNTED in the
// block as the wake-ups happen, not computed; futexWakesLastCycle() counts the FUTEX_WAKE calls.
//
// Buffers: an audio input port fed by one producer reads the producer's output buffer itself (the
// same shared-memory region, no copy: inputBuffer() shows it), whatever runs either side (an
// in-process node's port buffers are memfds too, which out-of-process consumers map); so does a
// host output channel fed by one node (hostOutput() is that node's buffer). An input fed by several
// producers is mixed by the consumer before it runs (audio summed, MIDI2 merged by timestamp), a
// host output fed by several is summed by the host, and a MIDI2 input is always merged (it is also
// the node's host-facing input). AAPXS never
// flows along an edge: the AAP SysEx8 in a producer's MIDI2 output (stream 0, payload 7E 7F 00 01:
// extension requests and replies; 7E 7F 00 00: parameter reports) is addressed to the host and
// is not merged into its consumers, while the producer's other type-5 data (SysEx8 of its own,
// mixed data sets) flows like any MIDI; each node keeps its own host-facing MIDI2 input and output, so addEvent() and the
// typed extension proxies of plugin(node) (parameters, presets, state, ...) work on every node of
// an active graph exactly as on a single instance.
//
// Deadlines: process() has one deadline for the whole cycle and never waits past it. A node that
// has not finished by then has an xrun for that cycle (its outputs are silent, its successors run
// on silence); while it is still busy with a late cycle it is skipped (another xrun) and the rest
// of the graph runs. After options.bypassAfterMisses consecutive xruns, or at once when its
// instance is lost (service died, protocol error), a node is bypassed: removed from activation
// for good (its successors read silence), reported by nodeStatus().
//
// Threads: building, activate(), deactivate() and the destructor are [main-thread]; process(),
// hostInput(), hostOutput(), addEvent() are [audio-thread] (no allocation, lock or unbounded
// wait); nodeStatus(), wakesLastCycle(), totalWakes(), cycles() are [thread-safe].

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/hosted-plugin.h"
#include "aap/hosting/plugin-host.h"
#include "aap/hosting/status.h"

namespace aap {

// Results of building and running a graph. Stable values (append only).
enum class GraphStatus : int32_t {
    Ok = 0,
    UnknownNode = 1,        // a node id the graph does not have
    UnknownPort = 2,        // a port index the node's plugin does not have, or a host channel out of range
    TypeMismatch = 3,       // output and input of different content types (audio vs MIDI2), or an "other" port
    DirectionMismatch = 4,  // `from` is not an output (or host input), or `to` is not an input (or host output)
    WouldCycle = 5,         // the edge would close a cycle
    AlreadyConnected = 6,   // the same edge exists
    AlreadyInGraph = 7,     // the plugin is a node of a graph already (this one or another)
    InvalidState = 8,       // building while active, process() while inactive, a node not prepared
                            // for the graph's frames / sample rate, a node not Inactive at activate()
    InvalidArgument = 9,    // null output pointer, frames out of range, timeout <= 0, ...
    CapacityExceeded = 10,  // more than kMaxNodes nodes, kMaxEdgesPerPort sources, kMaxSuccessors successors
    NodeFailed = 11,        // a node's lifecycle call (open, attach, activate) failed: *error says which and why
    ResourceFailed = 12,    // memfd / mmap of the activation block or a relay buffer failed
    Xrun = 13,              // process(): at least one node missed the deadline or was skipped
};

// "unknown node", "would close a cycle", ... Never null. [thread-safe]
const char* describe(GraphStatus status) noexcept;

// One end of an edge: port `port` of node `node`, or (node == kHost) host audio channel `port`.
struct GraphPort {
    static constexpr int32_t kHost = -1;
    int32_t node = 0;
    int32_t port = 0;
    static GraphPort hostInput(int32_t channel) noexcept { return GraphPort{kHost, channel}; }
    static GraphPort hostOutput(int32_t channel) noexcept { return GraphPort{kHost, channel}; }
    bool isHost() const noexcept { return node == kHost; }
};

// Where the threads of a graph's out-of-process nodes run (docs/hosting.md, "Placement").
enum class GraphPlacement : int32_t {
    // When the thread calling process() keeps to one CPU (its affinity, as a realtime host pins
    // its audio thread), every out-of-process node's thread keeps to that CPU too: process()
    // notes it in the activation block each cycle and the node's thread applies it to itself
    // (sched_setaffinity, after its cycle, only when it changed). Each wake-up of the cycle is
    // then local (the woken node runs at once when it outranks the waker, else as soon as the
    // waker sleeps) instead of an inter-processor interrupt to another, possibly halted, CPU:
    // on the 2-vCPU VM of docs/performance.md that is 3-4 us against 15-30 us a wake-up. A
    // chain has no parallelism to lose; parallel branches run one after the other. When the
    // calling thread may run on several CPUs the nodes may too (as Anywhere): following a
    // thread the kernel moves, host and nodes chase each other from CPU to CPU (measured).
    // process() reads the calling thread's affinity (a system call) only when the calling thread
    // (a thread-local number) or its CPU (sched_getcpu, no system call) differs from the previous
    // cycle's, and otherwise
    // at least every kAffinityRecheckNs: an affinity change that moves the thread is followed
    // from the next cycle, one that leaves it on its CPU (unpinning it there, or pinning it to
    // the CPU it is on) within that interval.
    FollowHost = 0,
    // The kernel places every node's thread (what a plugin service does outside a graph).
    Anywhere = 1,
};

// GraphPlacement::FollowHost: the longest a cached affinity of the thread calling process() is
// used for (100 ms).
constexpr int64_t kAffinityRecheckNs = 100'000'000;

struct PluginGraphOptions {
    int32_t frames = 256;        // largest cycle; every node must be prepared for at least this
    int32_t sampleRate = 48000;  // every node must be prepared at this rate
    int32_t hostInputs = 2;      // audio channels the host feeds in (hostInput(0..n-1))
    int32_t hostOutputs = 2;     // audio channels the host reads back (hostOutput(0..n-1))
    int32_t bypassAfterMisses = 3;  // K: consecutive xruns after which a node is bypassed (>= 1)
    GraphPlacement placement = GraphPlacement::FollowHost;
    // How long process() spins, after waking the sources, before it sleeps on the activation
    // block (bounded by the cycle's deadline; >= 0). While it spins the last sink finds the host
    // awake and issues no FUTEX_WAKE. 0 by default: measured in benchmarks/hosting (docs/performance.md,
    // "Plugin graphs") it gained nothing with FollowHost, and with Anywhere only for very short
    // chains, at the price of a busy CPU for the whole cycle.
    int64_t hostSpinNs = 0;
    // Options addPlugin() opens plugins with (frames / sampleRate are taken from above).
    HostedPluginOptions plugin;
};

// A node's state as the graph saw it. [thread-safe] snapshot.
struct GraphNodeStatus {
    bool bypassed = false;
    // Why it was bypassed: Xrun (K consecutive misses) or the instance's failure (Offline, Timeout,
    // ProtocolError, ...). Ok while not bypassed.
    HostingStatus bypassReason = HostingStatus::Ok;
    uint64_t cycles = 0;               // cycles the node ran to completion within the deadline
    uint64_t xruns = 0;                // cycles it missed (late, or skipped while still busy)
    uint32_t consecutiveMisses = 0;
    bool outOfProcess = false;         // it runs in a plugin service (else on the host's thread)
    int servicePid = 0;                // its service's process id (0 in process)
    // Timestamps of the last cycle (CLOCK_MONOTONIC ns, 0 if it did not run): when it was
    // signalled (its last predecessor finished, or the host woke it), when it woke up and when it
    // finished.
    int64_t signalledNs = 0;
    int64_t awakeNs = 0;
    int64_t finishedNs = 0;
};

class PluginGraph {
public:
    // Upper bounds of one graph (they size the activation block).
    static constexpr int32_t kMaxNodes = 64;
    static constexpr int32_t kMaxSuccessors = 15;    // distinct successor nodes per node (+ the host)
    static constexpr int32_t kMaxEdgesPerPort = 16;  // producers feeding one input port / host output

    explicit PluginGraph(PluginGraphOptions options = {});
    // Deactivates (if active) and closes the plugins the graph owns; releases the others.
    ~PluginGraph();
    PluginGraph(const PluginGraph&) = delete;
    PluginGraph& operator=(const PluginGraph&) = delete;

    const PluginGraphOptions& options() const noexcept { return options_; }

    // ---- Building [main-thread], inactive only ----
    // Opens `pluginId` through `host` (prepared at options.frames / sampleRate) and adds it as a
    // node the graph owns. *node receives its id (0, 1, ... in the order added).
    GraphStatus addPlugin(PluginHost& host, const std::string& pluginId, int32_t* node, std::string* error = nullptr);
    // Adds a plugin the graph takes ownership of.
    GraphStatus addNode(std::unique_ptr<HostedPlugin> plugin, int32_t* node, std::string* error = nullptr);
    // Adds a plugin the caller keeps owning; it must outlive the graph (or the graph be destroyed
    // first). AlreadyInGraph when it is a node of any graph.
    GraphStatus addNode(HostedPlugin& plugin, int32_t* node, std::string* error = nullptr);
    // Connects output `from` to input `to` (see GraphStatus for what is refused).
    GraphStatus connect(GraphPort from, GraphPort to, std::string* error = nullptr);
    // Removes an edge; UnknownNode / UnknownPort / InvalidArgument (no such edge).
    GraphStatus disconnect(GraphPort from, GraphPort to);

    int32_t nodeCount() const noexcept { return static_cast<int32_t>(nodes_.size()); }
    // The node's plugin (null for an unknown id). Its proxies work while the graph is active.
    HostedPlugin* plugin(int32_t node) const noexcept;

    // ---- Running ----
    // [main-thread] Allocates the activation block (and a relay buffer per output of a host-run node
    // whose transport has no shared memory, see docs/hosting.md), hands each out-of-process
    // node its part (control protocol kOpGraphAttach) and activates every node. On failure
    // nothing stays active or attached; *error says which node and why.
    GraphStatus activate(std::string* error = nullptr);
    // [main-thread] Deactivates every node and detaches them. Idempotent.
    GraphStatus deactivate();
    bool active() const noexcept { return active_; }

    // [audio-thread] Host audio channels: fill hostInput before process(), read hostOutput after.
    // Buffers of (at least) options.frames floats; null when inactive or out of range. hostInput's
    // are stable while active. hostOutput's is valid until the next process() or deactivate():
    // call it after each process(). With one producer it is that node's output buffer itself (or
    // silence when the node did not finish the cycle), with several their sum.
    float* hostInput(int32_t channel) noexcept;
    const float* hostOutput(int32_t channel) noexcept;
    // [audio-thread] Queues a UMP message for node `node`'s next cycle (HostedPlugin::addEvent).
    HostingStatus addEvent(int32_t node, int32_t frame, const uint32_t* words, size_t wordCount) noexcept;
    // [audio-thread] Runs one cycle of `frames` (1 .. options.frames) and returns by timeoutNs from
    // the call at the latest. Ok: every non-bypassed node ran in time. Xrun: some node missed
    // the deadline or was skipped (nodeStatus says which); the rest of the graph ran.
    // InvalidState when not active, InvalidArgument for bad frames / timeout.
    GraphStatus process(int32_t frames, int64_t timeoutNs) noexcept;

    // ---- Observing [thread-safe] ----
    GraphNodeStatus nodeStatus(int32_t node) const noexcept;
    uint64_t cycles() const noexcept;
    // Cross-process wake-ups of the last cycle / since activate(), counted in the activation block
    // as they happen: a node released by a thread of another process (the host waking a source, a
    // node waking a successor in another service) and the host released by a service (the last
    // sink, or a predecessor of an in-process node). A chain of N nodes in N services: N + 1.
    uint64_t wakesLastCycle() const noexcept;
    uint64_t totalWakes() const noexcept;
    // Of those, the FUTEX_WAKE calls actually issued (a wake-up whose target had not gone to
    // sleep yet costs no call): at most wakes, summed over cycles.
    uint64_t futexWakesLastCycle() const noexcept;
    uint64_t totalFutexWakes() const noexcept;
    // [audio-thread] The host-side address of the buffer node `node` reads input port `port` from
    // while active: with one producer, the producer's own output buffer (or the host input
    // channel); otherwise the node's own input buffer (mixed into before it runs). Null when
    // inactive or unknown.
    const void* inputBuffer(int32_t node, int32_t port) const noexcept;
    // The host-side address of output port `port` of node `node` (null when unknown).
    const void* outputBuffer(int32_t node, int32_t port) const noexcept;

private:
    struct Node;
    struct Edge {
        GraphPort from;
        GraphPort to;
    };
    struct Runtime;

    GraphStatus addNodeInternal(HostedPlugin* plugin, std::unique_ptr<HostedPlugin> owned, int32_t* node,
                                std::string* error);
    GraphStatus checkPort(GraphPort port, bool output, int32_t* contentType, std::string* error) const;
    bool reaches(int32_t from, int32_t to) const;
    // [audio-thread] process() helpers.
    void bypass(int32_t node, HostingStatus reason) noexcept;
    void miss(int32_t node, bool own) noexcept;
    void runOnHost(int32_t node, uint32_t cycle, int32_t frames, int64_t deadline) noexcept;

    PluginGraphOptions options_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::vector<Edge> edges_;
    bool active_ = false;
    std::unique_ptr<Runtime> runtime_;
};

} // namespace aap
