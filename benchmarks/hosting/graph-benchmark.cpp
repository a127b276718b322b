// Chains of out-of-process plugins (issue 13): how long a graph cycle takes, how many wake-ups
// and how much CPU it costs, against baselines measured in the same run.
//
// Topologies: chains of 1, 2, 4, 8 and 16 instances of the benchmark gain plugin
// (bench-gain-plugin.cpp: 0.5 x two audio channels, MIDI2 copied) and a diamond (A -> B, C -> D,
// D's input the sum of B's and C's outputs). 256 frames at 48 kHz; the MIDI2 buffers carry an
// empty event list. Modes, taking turns in blocks of kBlock cycles (this VM's cross-process
// wake-ups are bimodal, so only alternation in short blocks compares like with like):
//   sequential  the instances driven one after another by PluginInstance::process() (what a host
//               does without a graph; 2 wake-ups per instance and cycle), the host copying outputs
//               to the next inputs (and summing for the diamond)
//   ring        the floor: N forked processes in a raw futex ring moving the same bytes
//               (futex-ping-pong.h), N + 1 wake-ups per cycle
//   graph       ours: the same instances as an aap::PluginGraph (each node woken by its last
//               predecessor, the host only at the ends); its own count of futex wakes per cycle
//               (PluginGraph::totalWakes) is reported beside the context switches
// and, in the JackChain benchmarks, JACK2: a private `jackd -S -r -d dummy -r 48000 -p 256` with N
// chained client processes (this program, re-executed with --jack-chain-client) each copying
// input x 0.5 to output, between a source and a sink client that stand in for our host (the source
// writes the cycle's input, the sink reads the output). Timed by the clients on CLOCK_MONOTONIC:
// the whole cycle from the source's end to the sink's start, N callbacks and N + 1 wake-ups like
// our graph's cycle (host -> first node ... last node -> host), and the span from the first chain
// client's start to the last one's end (N - 1 wake-ups), beside our nodes' span. JACK2 runs twice
// per round, placed by the kernel and with its server and clients kept to the host thread's CPU
// (the placement our nodes follow), taking turns with our modes at the period.
//
// The host thread (this program's, driving every mode) keeps to the CPU it is on while the modes
// run, as a realtime host pins its audio thread (AAP_GRAPH_BENCH_PIN_HOST=0: not); the services
// and the ring's processes keep the kernel's placement (JACK2's: both, see above). The graph's default placement
// (GraphPlacement::FollowHost) then keeps its nodes on that CPU; AAP_GRAPH_BENCH_VARIANTS=1 adds
// the remedies evaluated against it (see Graph()).
//
// Each cycle is timed on CLOCK_MONOTONIC around the cycle only (filling inputs and sleeping to the
// next period are outside). Per mode: median, p99, CPU time per cycle summed over every process
// involved (this one included; /proc/<pid>/task/*/schedstat) and voluntary context switches per
// cycle (/proc/<pid>/task/*/status: a thread that sleeps and is woken makes one), i.e. wake-ups
// counted, not computed; switches are reported for back-to-back runs only (at the period the
// host's own sleep adds one). Per block: the ratio of the medians, reported as their median.
// At the end a Markdown table of everything is printed (docs/performance.md has it).

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext/midi.h"
#include "aap/hosting/plugin-graph.h"
#include "aap/hosting/plugin-host.h"
#include "aap/hosting/shared-memory.h"
#include "futex-ping-pong.h"
#include "futex.h"
#include "process-counters.h"
#ifdef AAP_BENCH_WITH_JACK
#include "jack-library.h"
#include "play-test-support.h"
#endif

namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;
constexpr int64_t kPeriodNs = 1000000000LL * kFrames / kRate;  // 5.333 ms
constexpr uint32_t kMidiBytes = 4096;
constexpr uint32_t kMaxNodes = 16;
constexpr int kBlock = 16;                 // cycles per block
constexpr int kBackToBackBlocks = 60;      // per mode: 960 cycles
constexpr int kAtPeriodBlocks = 16;        // per mode: 256 cycles (1.4 s)
constexpr int64_t kTimeoutNs = 1'000'000'000;  // a cycle this late failed (a generous bound)

using Ring = aap::bench::FutexRingBlock<kFrames, kMidiBytes, kMaxNodes>;

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

void sleepUntil(int64_t deadlineNs) {
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(deadlineNs / 1000000000);
    ts.tv_nsec = static_cast<long>(deadlineNs % 1000000000);
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

void fillSignal(float* left, float* right, uint32_t seed) {
    for (int i = 0; i < kFrames; i++) {
        left[i] = static_cast<float>((seed + static_cast<uint32_t>(i)) % 100) / 100.0f;
        right[i] = -left[i];
    }
}

void emptyMidi(void* buffer) {
    AAPMidiBufferHeader header{};
    std::memcpy(buffer, &header, sizeof(header));
}

// A topology: `nodes` instances; edges (from, to). A chain of N: 0 -> 1 -> ... -> N-1. The diamond:
// 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3.
struct Topology {
    std::string name;
    uint32_t nodes = 1;
    std::vector<std::pair<uint32_t, uint32_t>> edges;
    static Topology chain(uint32_t n) {
        Topology t;
        t.name = "chain " + std::to_string(n);
        t.nodes = n;
        for (uint32_t i = 0; i + 1 < n; i++)
            t.edges.push_back({i, i + 1});
        return t;
    }
    static Topology diamond() {
        Topology t;
        t.name = "diamond (1 -> 2 -> 1)";
        t.nodes = 4;
        t.edges = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
        return t;
    }
    std::vector<uint32_t> predecessors(uint32_t node) const {
        std::vector<uint32_t> out;
        for (const auto& edge : edges)
            if (edge.second == node)
                out.push_back(edge.first);
        return out;
    }
};

// One way of running a topology's cycle.
class Mode {
public:
    virtual ~Mode() = default;
    virtual const char* name() const = 0;
    // Untimed: this cycle's input.
    virtual void fill(uint32_t seed) = 0;
    // Timed: one cycle; false when it failed.
    virtual bool cycle() = 0;
    // The processes besides this one that take part.
    virtual std::vector<pid_t> pids() const = 0;
    // Untimed, after cycle(): from the first node's wake-up to the last node's end in that cycle
    // (microseconds), when the mode knows it (the graph's timestamps); else -1.
    virtual double spanUs() const { return -1; }
    // Untimed, after cycle(), which returned at `returnedNs`: the host's wake of the first node
    // (signalled to awake) and the last node's wake of the host (finished to returned), in
    // microseconds, when the mode knows them; else -1.
    virtual double wakeInUs() const { return -1; }
    virtual double wakeOutUs(int64_t) const { return -1; }
};

aap::PluginHostOptions benchOptions() {
    aap::PluginHostOptions options;
    options.isolation = aap::PluginIsolation::ProcessPerInstance;
    options.process.servicePath = AAP_BENCH_SERVICE_PATH;
    options.midiBufferSize = kMidiBytes;
    return options;
}

// The gain plugin's ports: audio in 0, 1; audio out 2, 3; MIDI2 in 4; MIDI2 out 5.
class Sequential final : public Mode {
public:
    Sequential(aap::PluginHost& host, const Topology& topology, std::string* error, const char* name = "sequential")
        : name_(name), topology_(topology) {
        for (uint32_t i = 0; i < topology.nodes; i++) {
            std::unique_ptr<aap::PluginInstance> instance;
            if (host.instantiate("urn:aap-bench:gain", &instance, error) != aap::HostingStatus::Ok ||
                instance->prepare(kFrames, kRate) != aap::HostingStatus::Ok ||
                instance->activate() != aap::HostingStatus::Ok) {
                *error = "could not start instance " + std::to_string(i) + " of the gain plugin: " + *error;
                return;
            }
            instances_.push_back(std::move(instance));
            predecessors_.push_back(topology.predecessors(i));
        }
        ok_ = true;
    }
    ~Sequential() override {
        for (auto& instance : instances_)
            instance->deactivate();
    }
    bool ok() const { return ok_; }
    const char* name() const override { return name_; }
    void fill(uint32_t seed) override {
        fillSignal(instances_[0]->audioBuffer(0), instances_[0]->audioBuffer(1), seed);
        for (auto& instance : instances_)
            emptyMidi(instance->portBuffer(4));
    }
    bool cycle() override {
        for (uint32_t i = 0; i < instances_.size(); i++) {
            aap::PluginInstance& instance = *instances_[i];
            const std::vector<uint32_t>& from = predecessors_[i];
            for (int32_t c = 0; c < 2 && !from.empty(); c++) {
                float* in = instance.audioBuffer(c);
                std::memcpy(in, instances_[from[0]]->audioBuffer(2 + c), sizeof(float) * kFrames);
                for (size_t f = 1; f < from.size(); f++) {
                    const float* more = instances_[from[f]]->audioBuffer(2 + c);
                    for (int32_t s = 0; s < kFrames; s++)
                        in[s] += more[s];
                }
            }
            if (instance.process(kFrames, kTimeoutNs) != aap::HostingStatus::Ok)
                return false;
        }
        return true;
    }
    std::vector<pid_t> pids() const override {
        std::vector<pid_t> out;
        for (const auto& instance : instances_)
            out.push_back(instance->servicePid());
        return out;
    }

private:
    const char* name_;
    Topology topology_;
    std::vector<std::unique_ptr<aap::PluginInstance>> instances_;
    std::vector<std::vector<uint32_t>> predecessors_;
    bool ok_ = false;
};

// The floor: a futex ring of as many processes as the topology has nodes.
class RingFloor final : public Mode {
public:
    RingFloor(uint32_t nodes, std::string* error) {
        if (aap::SharedMemory::create(sizeof(Ring), "bench-ring", &memory_) != aap::HostingStatus::Ok) {
            *error = "memfd failed";
            return;
        }
        ring_ = static_cast<Ring*>(memory_.data());
        if (!aap::bench::startFutexRing(ring_, nodes, kFrames, &pids_)) {
            *error = "fork failed";
            return;
        }
        ok_ = true;
    }
    ~RingFloor() override {
        if (ok_)
            aap::bench::stopFutexRing(ring_, &pids_);
    }
    bool ok() const { return ok_; }
    const char* name() const override { return "ring"; }
    void fill(uint32_t seed) override {
        fillSignal(ring_->audio[0][0], ring_->audio[0][1], seed);
        emptyMidi(ring_->midi[0]);
    }
    bool cycle() override { return aap::bench::runFutexRingCycle(ring_, ++sequence_, kTimeoutNs); }
    std::vector<pid_t> pids() const override { return pids_; }
    uint32_t wakes() const { return __atomic_load_n(&ring_->wakes, __ATOMIC_RELAXED); }

private:
    aap::SharedMemory memory_;
    Ring* ring_ = nullptr;
    std::vector<pid_t> pids_;
    uint32_t sequence_ = 0;
    bool ok_ = false;
};

// Ours: the topology as an aap::PluginGraph. Edges carry the two audio channels (the diamond's
// last node sums its two producers); host input -> the first node, the last node -> host output.
class GraphMode final : public Mode {
public:
    GraphMode(aap::PluginHost& host, const Topology& topology, std::string* error, const char* name = "graph",
              aap::GraphPlacement placement = aap::GraphPlacement::FollowHost, int64_t hostSpinNs = 0)
        : name_(name), graph_(graphOptions(placement, hostSpinNs)) {
        std::string detail;
        for (uint32_t i = 0; i < topology.nodes; i++) {
            int32_t node = 0;
            const aap::GraphStatus status = graph_.addPlugin(host, "urn:aap-bench:gain", &node, &detail);
            if (status != aap::GraphStatus::Ok) {
                *error = std::string("graph: ") + aap::describe(status) + " " + detail;
                return;
            }
            nodes_.push_back(node);
        }
        std::vector<bool> hasSuccessor(topology.nodes, false);
        std::vector<std::pair<aap::GraphPort, aap::GraphPort>> edges;
        for (int32_t c = 0; c < 2; c++)
            edges.push_back({aap::GraphPort::hostInput(c), {nodes_[0], c}});
        for (const auto& edge : topology.edges) {
            hasSuccessor[edge.first] = true;
            for (int32_t c = 0; c < 2; c++)
                edges.push_back({{nodes_[edge.first], 2 + c}, {nodes_[edge.second], c}});
        }
        for (uint32_t i = 0; i < topology.nodes; i++)
            if (!hasSuccessor[i])
                for (int32_t c = 0; c < 2; c++)
                    edges.push_back({{nodes_[i], 2 + c}, aap::GraphPort::hostOutput(c)});
        for (const auto& [from, to] : edges) {
            const aap::GraphStatus status = graph_.connect(from, to, &detail);
            if (status != aap::GraphStatus::Ok) {
                *error = std::string("graph connect: ") + aap::describe(status) + " " + detail;
                return;
            }
        }
        const aap::GraphStatus status = graph_.activate(&detail);
        if (status != aap::GraphStatus::Ok) {
            *error = std::string("graph activate: ") + aap::describe(status) + " " + detail;
            return;
        }
        ok_ = true;
    }
    ~GraphMode() override { graph_.deactivate(); }
    bool ok() const { return ok_; }
    const char* name() const override { return name_; }
    void fill(uint32_t seed) override { fillSignal(graph_.hostInput(0), graph_.hostInput(1), seed); }
    bool cycle() override { return graph_.process(kFrames, kTimeoutNs) == aap::GraphStatus::Ok; }
    std::vector<pid_t> pids() const override {
        std::vector<pid_t> out;
        for (int32_t node : nodes_) {
            const pid_t pid = graph_.nodeStatus(node).servicePid;
            if (pid > 0 && std::find(out.begin(), out.end(), pid) == out.end())
                out.push_back(pid);
        }
        return out;
    }
    double spanUs() const override {
        const int64_t awake = graph_.nodeStatus(nodes_.front()).awakeNs;
        const int64_t finished = graph_.nodeStatus(nodes_.back()).finishedNs;
        return awake > 0 && finished >= awake ? static_cast<double>(finished - awake) / 1000.0 : -1;
    }
    double wakeInUs() const override {
        const aap::GraphNodeStatus first = graph_.nodeStatus(nodes_.front());
        return first.signalledNs > 0 && first.awakeNs >= first.signalledNs
                   ? static_cast<double>(first.awakeNs - first.signalledNs) / 1000.0
                   : -1;
    }
    double wakeOutUs(int64_t returnedNs) const override {
        const int64_t finished = graph_.nodeStatus(nodes_.back()).finishedNs;
        return finished > 0 && returnedNs >= finished ? static_cast<double>(returnedNs - finished) / 1000.0 : -1;
    }
    uint64_t wakes() const { return graph_.totalWakes(); }
    uint64_t cycles() const { return graph_.cycles(); }
    uint64_t xruns() const {
        uint64_t total = 0;
        for (int32_t node : nodes_)
            total += graph_.nodeStatus(node).xruns;
        return total;
    }

private:
    static aap::PluginGraphOptions graphOptions(aap::GraphPlacement placement, int64_t hostSpinNs) {
        aap::PluginGraphOptions options;
        options.frames = kFrames;
        options.sampleRate = kRate;
        options.hostInputs = 2;
        options.hostOutputs = 2;
        options.placement = placement;
        options.hostSpinNs = hostSpinNs;
        return options;
    }
    const char* name_;
    aap::PluginGraph graph_;
    std::vector<int32_t> nodes_;
    bool ok_ = false;
};

// What one mode measured in one configuration.
struct ModeResult {
    std::vector<double> cycleUs;
    std::vector<double> spanUs;  // first node awake -> last node finished, when the mode knows it
    std::vector<double> wakeInUs, wakeOutUs;  // host -> first node, last node -> host
    std::vector<double> blockMedianUs;
    int64_t cpuNs = 0;
    int64_t switches = 0;
    int64_t cycles = 0;
    double median() const { return percentile(cycleUs, 0.5); }
    double p99() const { return percentile(cycleUs, 0.99); }
    double cpuUsPerCycle() const { return cycles > 0 ? static_cast<double>(cpuNs) / 1000.0 / static_cast<double>(cycles) : 0; }
    double switchesPerCycle() const { return cycles > 0 ? static_cast<double>(switches) / static_cast<double>(cycles) : 0; }
};

// Runs the modes in turn, `blocks` blocks of kBlock cycles each, back to back or at the period.
// False with *error when a cycle failed.
bool alternate(const std::vector<Mode*>& modes, int blocks, bool atPeriod, std::vector<ModeResult>* results,
               std::string* error) {
    results->assign(modes.size(), ModeResult{});
    std::vector<pid_t> everyone = {0};
    for (Mode* mode : modes) {
        const std::vector<pid_t> pids = mode->pids();
        everyone.insert(everyone.end(), pids.begin(), pids.end());
    }
    uint32_t seed = 0;
    // Two warm-up blocks per mode, not recorded.
    for (int b = -2; b < blocks; b++) {
        for (size_t m = 0; m < modes.size(); m++) {
            Mode& mode = *modes[m];
            ModeResult& result = (*results)[m];
            std::vector<double> block;
            const aap::bench::ProcessCounters before = aap::bench::readProcessCounters(everyone);
            int64_t next = aap::monotonicNanoseconds();
            for (int i = 0; i < kBlock; i++) {
                mode.fill(++seed);
                if (atPeriod) {
                    next += kPeriodNs;
                    sleepUntil(next);
                }
                const int64_t started = aap::monotonicNanoseconds();
                const bool ok = mode.cycle();
                const int64_t returned = aap::monotonicNanoseconds();
                const int64_t elapsed = returned - started;
                if (!ok) {
                    *error = std::string(mode.name()) + ": a cycle failed";
                    return false;
                }
                block.push_back(static_cast<double>(elapsed) / 1000.0);
                if (b >= 0) {
                    const double span = mode.spanUs();
                    if (span >= 0)
                        result.spanUs.push_back(span);
                    const double in = mode.wakeInUs(), out = mode.wakeOutUs(returned);
                    if (in >= 0 && out >= 0) {
                        result.wakeInUs.push_back(in);
                        result.wakeOutUs.push_back(out);
                    }
                }
            }
            const aap::bench::ProcessCounters used = aap::bench::readProcessCounters(everyone) - before;
            if (b < 0)
                continue;
            result.cycleUs.insert(result.cycleUs.end(), block.begin(), block.end());
            result.blockMedianUs.push_back(percentile(block, 0.5));
            result.cpuNs += used.cpuNs;
            result.switches += used.voluntarySwitches;
            result.cycles += kBlock;
        }
    }
    return true;
}

// Median over blocks of mode a's block median / mode b's.
double blockRatio(const ModeResult& a, const ModeResult& b) {
    std::vector<double> ratios;
    for (size_t i = 0; i < a.blockMedianUs.size() && i < b.blockMedianUs.size(); i++)
        ratios.push_back(a.blockMedianUs[i] / std::max(1e-3, b.blockMedianUs[i]));
    return percentile(ratios, 0.5);
}

// The rows of the final table.
struct Row {
    std::string topology;
    std::string timing;
    std::string mode;
    double median, p99, cpu, switches;
    std::string ratios;
    double graphWakes = -1;  // the graph's own count per cycle
};
std::vector<Row>& rows() {
    static std::vector<Row> all;
    return all;
}

void report(benchmark::State& state, const std::string& topology, const std::string& timing,
            const std::vector<Mode*>& modes, const std::vector<ModeResult>& results, bool withSwitches) {
    for (size_t m = 0; m < modes.size(); m++) {
        const std::string prefix = modes[m]->name();
        const ModeResult& r = results[m];
        state.counters[prefix + "_median_us"] = r.median();
        state.counters[prefix + "_p99_us"] = r.p99();
        state.counters[prefix + "_cpu_us"] = r.cpuUsPerCycle();
        if (withSwitches)
            state.counters[prefix + "_switches"] = r.switchesPerCycle();
        std::string ratios;
        for (size_t o = 0; o < modes.size(); o++)
            if (o != m && m + 1 == modes.size()) {
                const double ratio = blockRatio(r, results[o]);
                state.counters[prefix + "_over_" + modes[o]->name()] = ratio;
                char text[64];
                std::snprintf(text, sizeof(text), "%s%.2fx %s", ratios.empty() ? "" : ", ", ratio, modes[o]->name());
                ratios += text;
            }
        rows().push_back({topology, timing, prefix, r.median(), r.p99(), r.cpuUsPerCycle(),
                          withSwitches ? r.switchesPerCycle() : -1, ratios});
    }
}

// Where a graph cycle's time goes (the graph's own timestamps): the host's wake of the first node,
// the nodes' span and the last node's wake of the host, as rows of their own.
void reportGraphParts(benchmark::State& state, const std::string& topology, const std::string& timing,
                      const std::string& prefix, const ModeResult& r) {
    struct Part {
        const char* name;
        const char* counter;
        const std::vector<double>* values;
    };
    const Part parts[] = {{"host wakes first node", "_wake_in", &r.wakeInUs},
                          {"first node awake to last node done", "_span", &r.spanUs},
                          {"last node wakes host", "_wake_out", &r.wakeOutUs}};
    for (const Part& part : parts) {
        if (part.values->empty())
            continue;
        const double median = percentile(*part.values, 0.5), p99 = percentile(*part.values, 0.99);
        state.counters[prefix + part.counter + "_median_us"] = median;
        rows().push_back({topology, timing + ": " + part.name, prefix, median, p99, -1, -1, ""});
    }
}

// While it lives, the calling (host) thread keeps to the CPU it is on, as a realtime host pins its
// audio thread (AAP_GRAPH_BENCH_PIN_HOST=0: not). The same for every mode; made after every mode
// started, so the services and the ring's and JACK2's processes keep the kernel's placement.
class HostThreadPin {
public:
    HostThreadPin() {
        const char* wanted = std::getenv("AAP_GRAPH_BENCH_PIN_HOST");
        if ((wanted != nullptr && std::atoi(wanted) == 0) || ::sched_getaffinity(0, sizeof(before_), &before_) != 0)
            return;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(::sched_getcpu(), &one);
        pinned_ = ::sched_setaffinity(0, sizeof(one), &one) == 0;
    }
    ~HostThreadPin() {
        if (pinned_)
            ::sched_setaffinity(0, sizeof(before_), &before_);
    }

private:
    cpu_set_t before_{};
    bool pinned_ = false;
};

Topology topologyOf(int64_t code) { return code == 0 ? Topology::diamond() : Topology::chain(static_cast<uint32_t>(code)); }

// range(0): chain length (0: the diamond); range(1): at the period (1) or back to back (0).
void Graph(benchmark::State& state) {
    const Topology topology = topologyOf(state.range(0));
    const bool atPeriod = state.range(1) != 0;
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), benchOptions()};
    std::string error;
    Sequential sequential{host, topology, &error};
    if (!sequential.ok()) {
        state.SkipWithError(error.c_str());
        return;
    }
    RingFloor ring{topology.nodes, &error};
    if (!ring.ok()) {
        state.SkipWithError(error.c_str());
        return;
    }
    GraphMode graph{host, topology, &error};
    if (!graph.ok()) {
        state.SkipWithError(error.c_str());
        return;
    }
    // Ours last: report() gives the last mode's per-block ratios to the others.
    std::vector<Mode*> modes = {&sequential, &ring, &graph};
    // AAP_GRAPH_BENCH_VARIANTS=1: the remedies that were evaluated, in the same run, before ours:
    // the graph with the kernel's placement (GraphPlacement::Anywhere), with and without a host
    // spin of AAP_GRAPH_BENCH_SPIN_US (default 100) before its FUTEX_WAIT, the graph with its
    // default placement and that spin, and, like for like, the sequential mode with the same spin
    // (ProcessTransportOptions::processSpinNs).
    std::unique_ptr<aap::PluginHost> spinHost;
    std::vector<std::unique_ptr<Mode>> variants;
    if (const char* wanted = std::getenv("AAP_GRAPH_BENCH_VARIANTS"); wanted != nullptr && std::atoi(wanted) != 0) {
        const char* spinText = std::getenv("AAP_GRAPH_BENCH_SPIN_US");
        const int64_t spinNs = (spinText != nullptr ? std::atoll(spinText) : 100) * 1000;
        aap::PluginHostOptions options = benchOptions();
        options.process.processSpinNs = spinNs;
        spinHost = std::make_unique<aap::PluginHost>(aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), options);
        auto sequentialSpin = std::make_unique<Sequential>(*spinHost, topology, &error, "sequential+spin");
        const bool sequentialOk = sequentialSpin->ok();
        variants.push_back(std::move(sequentialSpin));
        auto anywhere = std::make_unique<GraphMode>(host, topology, &error, "graph anywhere", aap::GraphPlacement::Anywhere, 0);
        const bool anywhereOk = anywhere->ok();
        variants.push_back(std::move(anywhere));
        auto anywhereSpin = std::make_unique<GraphMode>(host, topology, &error, "graph anywhere+spin",
                                                        aap::GraphPlacement::Anywhere, spinNs);
        const bool anywhereSpinOk = anywhereSpin->ok();
        variants.push_back(std::move(anywhereSpin));
        auto followSpin = std::make_unique<GraphMode>(host, topology, &error, "graph+spin",
                                                      aap::GraphPlacement::FollowHost, spinNs);
        const bool followSpinOk = followSpin->ok();
        variants.push_back(std::move(followSpin));
        if (!sequentialOk || !anywhereOk || !anywhereSpinOk || !followSpinOk) {
            state.SkipWithError(error.c_str());
            return;
        }
        modes.pop_back();
        for (auto& variant : variants)
            modes.push_back(variant.get());
        modes.push_back(&graph);
    }
    std::vector<ModeResult> results;
    double graphWakesPerCycle = 0;
    const HostThreadPin pin;
    for (auto _ : state) {
        const uint32_t ringWakesBefore = ring.wakes();
        const uint64_t graphWakesBefore = graph.wakes(), graphCyclesBefore = graph.cycles();
        if (!alternate(modes, atPeriod ? kAtPeriodBlocks : kBackToBackBlocks, atPeriod, &results, &error)) {
            state.SkipWithError(error.c_str());
            return;
        }
        // Every cycle of the ring (warm-up included) made exactly nodes + 1 wake calls.
        const int64_t ringCycles = results[1].cycles + 2 * kBlock;  // modes[1] is the ring
        state.counters["ring_wake_calls"] = static_cast<double>(ring.wakes() - ringWakesBefore) / static_cast<double>(ringCycles);
        // The graph's own count over all its cycles (warm-up included).
        const uint64_t graphCycles = graph.cycles() - graphCyclesBefore;
        graphWakesPerCycle = graphCycles > 0 ? static_cast<double>(graph.wakes() - graphWakesBefore) /
                                                   static_cast<double>(graphCycles)
                                             : 0;
        state.counters["graph_wakes"] = graphWakesPerCycle;
        state.counters["graph_xruns"] = static_cast<double>(graph.xruns());
    }
    state.counters["nodes"] = topology.nodes;
    report(state, topology.name, atPeriod ? "at the period" : "back to back", modes, results, !atPeriod);
    rows().back().graphWakes = graphWakesPerCycle;
    reportGraphParts(state, topology.name, atPeriod ? "at the period" : "back to back", "graph", results.back());
}

#ifdef AAP_BENCH_WITH_JACK
// ------------------------------------------------------------------ JACK2

// Shared with the clients. JACK's own cycle start (jack_get_cycle_times) is an estimate that with
// the dummy driver runs ahead of the callbacks (docs/performance.md, the play benchmark), so the
// clients time the chain themselves on CLOCK_MONOTONIC (the clock of our modes), keyed by the
// cycle's frame time:
//   span   the first chain client's callback start to the last one's end (N callbacks, N - 1
//          wake-ups: no server wake-up in it);
//   cycle  the end of the source stand-in's callback to the start of the sink stand-in's (N
//          callbacks, N + 1 wake-ups: the source wakes the first chain client, the last one wakes
//          the sink). Our graph's whole cycle is N callbacks and N + 1 wake-ups too (the host wakes
//          the first node, the last node wakes the host); JACK's server, around the stand-ins,
//          adds two wake-ups of its own that neither measure counts.
struct JackRecord {
    static constexpr uint32_t kCapacity = 4096;
    static constexpr uint32_t kSlots = 64;
    uint32_t recording;  // 1: the last chain client and the sink record
    uint32_t spanCount;
    uint32_t cycleCount;
    uint32_t firstFrame[kSlots];
    int64_t firstStartNs[kSlots];
    uint32_t sourceFrame[kSlots];
    int64_t sourceEndNs[kSlots];
    int64_t spanNs[kCapacity];
    int64_t cycleNs[kCapacity];
};

// A client's roles (a bit set): the source and sink stand in for a host around the chain.
enum ChainRole : unsigned {
    kFirstOfChain = 1,
    kLastOfChain = 2,
    kSourceStandIn = 4,
    kSinkStandIn = 8,
};

const aap::host_tool::JackLibrary* jackLibrary = nullptr;

struct ChainClient {
    aap::host_tool::jack::Client* client = nullptr;
    aap::host_tool::jack::Port* in[2] = {};
    aap::host_tool::jack::Port* out[2] = {};
    JackRecord* record = nullptr;
    unsigned roles = 0;
};

int64_t monotonicNs() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void appendRecord(uint32_t* count, int64_t* values, int64_t value) {
    const uint32_t index = __atomic_load_n(count, __ATOMIC_RELAXED);
    if (index < JackRecord::kCapacity) {
        values[index] = value;
        __atomic_store_n(count, index + 1, __ATOMIC_RELEASE);
    }
}

int chainClientProcess(aap::host_tool::jack::NFrames frames, void* argument) {
    const int64_t begin = monotonicNs();
    auto* self = static_cast<ChainClient*>(argument);
    const uint32_t frameTime = jackLibrary->last_frame_time(self->client);
    const uint32_t slot = (frameTime / std::max<uint32_t>(frames, 1)) % JackRecord::kSlots;
    JackRecord* record = self->record;
    const bool recording = __atomic_load_n(&record->recording, __ATOMIC_ACQUIRE) != 0;
    if ((self->roles & kSinkStandIn) != 0) {
        // The host's side of the chain's end: reads the result (outside the measure).
        if (recording && __atomic_load_n(&record->sourceFrame[slot], __ATOMIC_ACQUIRE) == frameTime)
            appendRecord(&record->cycleCount, record->cycleNs,
                         begin - __atomic_load_n(&record->sourceEndNs[slot], __ATOMIC_RELAXED));
        float sum = 0;
        for (int c = 0; c < 2; c++) {
            auto* in = static_cast<const float*>(jackLibrary->port_get_buffer(self->in[c], frames));
            for (uint32_t i = 0; i < frames; i++)
                sum += in[i];
        }
        benchmark::DoNotOptimize(sum);
        return 0;
    }
    if ((self->roles & kSourceStandIn) != 0) {
        // The host's side of the chain's start: this cycle's input, as our modes' fill().
        for (int c = 0; c < 2; c++) {
            auto* out = static_cast<float*>(jackLibrary->port_get_buffer(self->out[c], frames));
            for (uint32_t i = 0; i < frames; i++)
                out[i] = static_cast<float>((frameTime + i) % 100) / (c == 0 ? 100.0f : -100.0f);
        }
        __atomic_store_n(&record->sourceEndNs[slot], monotonicNs(), __ATOMIC_RELAXED);
        __atomic_store_n(&record->sourceFrame[slot], frameTime, __ATOMIC_RELEASE);
        return 0;
    }
    if ((self->roles & kFirstOfChain) != 0) {
        __atomic_store_n(&record->firstStartNs[slot], begin, __ATOMIC_RELAXED);
        __atomic_store_n(&record->firstFrame[slot], frameTime, __ATOMIC_RELEASE);
    }
    for (int c = 0; c < 2; c++) {
        auto* in = static_cast<const float*>(jackLibrary->port_get_buffer(self->in[c], frames));
        auto* out = static_cast<float*>(jackLibrary->port_get_buffer(self->out[c], frames));
        for (uint32_t i = 0; i < frames; i++)
            out[i] = in[i] * 0.5f;
    }
    if ((self->roles & kLastOfChain) != 0 && recording &&
        __atomic_load_n(&record->firstFrame[slot], __ATOMIC_ACQUIRE) == frameTime)
        appendRecord(&record->spanCount, record->spanNs,
                     monotonicNs() - __atomic_load_n(&record->firstStartNs[slot], __ATOMIC_RELAXED));
    return 0;
}

// `graph-benchmark --jack-chain-client SERVER NAME PREVIOUS|- ROLES SHM_FD`: a JACK client
// whose inputs come from PREVIOUS's outputs (none for the first), ROLES a ChainRole set. Commands
// on stdin, one byte each, answered with one byte on stdout: 'a' activate and connect ('k' / 'e'),
// 'd' deactivate, 'q' (or end of input) close and exit.
int runChainClient(int argc, char** argv) {
    if (argc != 7)
        return 2;
    const std::string server = argv[2], name = argv[3], previous = argv[4];
    std::string error;
    jackLibrary = aap::host_tool::JackLibrary::load(&error);
    if (jackLibrary == nullptr)
        return 3;
    void* shared = ::mmap(nullptr, sizeof(JackRecord), PROT_READ | PROT_WRITE, MAP_SHARED, std::atoi(argv[6]), 0);
    if (shared == MAP_FAILED)
        return 4;
    ChainClient self;
    self.record = static_cast<JackRecord*>(shared);
    self.roles = static_cast<unsigned>(std::atoi(argv[5]));
    self.client = aap::play_test::openClient(*jackLibrary, name, server);
    if (self.client == nullptr)
        return 5;
    for (int c = 0; c < 2; c++) {
        self.in[c] = jackLibrary->port_register(self.client, ("in_" + std::to_string(c + 1)).c_str(),
                                                aap::host_tool::jack::kDefaultAudioType,
                                                aap::host_tool::jack::kPortIsInput, 0);
        self.out[c] = jackLibrary->port_register(self.client, ("out_" + std::to_string(c + 1)).c_str(),
                                                 aap::host_tool::jack::kDefaultAudioType,
                                                 aap::host_tool::jack::kPortIsOutput, 0);
    }
    jackLibrary->set_process_callback(self.client, chainClientProcess, &self);
    char command = 0;
    while (::read(0, &command, 1) == 1 && command != 'q') {
        char answer = 'k';
        if (command == 'a') {
            if (jackLibrary->activate(self.client) != 0)
                answer = 'e';
            for (int c = 0; c < 2 && answer == 'k' && previous != "-"; c++)
                if (jackLibrary->connect(self.client, (previous + ":out_" + std::to_string(c + 1)).c_str(),
                                         (name + ":in_" + std::to_string(c + 1)).c_str()) != 0)
                    answer = 'e';
        } else if (command == 'd') {
            answer = jackLibrary->deactivate(self.client) == 0 ? 'k' : 'e';
        }
        if (::write(1, &answer, 1) != 1)
            break;
    }
    jackLibrary->client_close(self.client);
    return 0;
}

// The chain clients of one benchmark, driven over pipes.
class JackChain {
public:
    ~JackChain() { stop(); }
    // The source stand-in, `length` chain clients, the sink stand-in, each fed by the one before.
    bool start(const std::string& server, uint32_t length, int recordFd, std::string* error) {
        std::string previous = "-";
        for (uint32_t k = 0; k < length + 2; k++) {
            unsigned roles = 0;
            std::string name;
            if (k == 0) {
                roles = kSourceStandIn;
                name = "source-" + server;
            } else if (k == length + 1) {
                roles = kSinkStandIn;
                name = "sink-" + server;
            } else {
                roles = (k == 1 ? kFirstOfChain : 0u) | (k == length ? kLastOfChain : 0u);
                name = "chain" + std::to_string(k) + "-" + server;
            }
            int toChild[2], fromChild[2];
            if (::pipe2(toChild, O_CLOEXEC) != 0 || ::pipe2(fromChild, O_CLOEXEC) != 0) {
                *error = "pipe failed";
                return false;
            }
            // Everything the child needs is made before fork (this process may have threads).
            const std::string rolesText = std::to_string(roles);
            const std::string fd = std::to_string(recordFd);
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::dup2(toChild[0], 0);
                ::dup2(fromChild[1], 1);
                ::execl("/proc/self/exe", "graph-benchmark", "--jack-chain-client", server.c_str(), name.c_str(),
                        previous.c_str(), rolesText.c_str(), fd.c_str(), static_cast<char*>(nullptr));
                ::_exit(127);
            }
            ::close(toChild[0]);
            ::close(fromChild[1]);
            if (pid < 0) {
                ::close(toChild[1]);
                ::close(fromChild[0]);
                *error = "fork failed";
                return false;
            }
            clients_.push_back({pid, toChild[1], fromChild[0]});
            previous = name;
        }
        return true;
    }
    // Sends `command` to every client in chain order, each after the previous answered.
    bool command(char command) {
        for (const Client& client : clients_) {
            char answer = 0;
            if (::write(client.in, &command, 1) != 1 || ::read(client.out, &answer, 1) != 1 || answer != 'k')
                return false;
        }
        return true;
    }
    std::vector<pid_t> pids() const {
        std::vector<pid_t> out;
        for (const Client& client : clients_)
            out.push_back(client.pid);
        return out;
    }
    void stop() {
        for (const Client& client : clients_) {
            const char quit = 'q';
            if (::write(client.in, &quit, 1) != 1) {
            }
            ::close(client.in);
        }
        for (const Client& client : clients_) {
            int status = 0;
            for (int i = 0; i < 500 && ::waitpid(client.pid, &status, WNOHANG) == 0; i++)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (::waitpid(client.pid, &status, WNOHANG) == 0) {
                ::kill(client.pid, SIGKILL);
                ::waitpid(client.pid, &status, 0);
            }
            ::close(client.out);
        }
        clients_.clear();
    }

private:
    struct Client {
        pid_t pid;
        int in, out;
    };
    std::vector<Client> clients_;
};

// The private server, started once for all JackChain benchmarks.
struct JackFixture {
    std::string dir;
    aap::play_test::JackServer server;
    int recordFd = -1;
    JackRecord* record = nullptr;
    std::string error;
    bool started = false;
    pid_t serverPid = 0;

    bool start() {
        if (started)
            return error.empty();
        started = true;
        char pattern[] = "/tmp/aap-graph-bench-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) {
            error = "mkdtemp failed";
            return false;
        }
        dir = pattern;
        if (!server.start(dir, &error, true)) {
            error = "no JACK server (apt-get install jackd2): " + error;
            return false;
        }
        serverPid = findServerPid();
        recordFd = ::memfd_create("graph-bench-jack", 0);  // inherited by the clients (no CLOEXEC)
        if (recordFd < 0 || ::ftruncate(recordFd, sizeof(JackRecord)) != 0) {
            error = "memfd failed";
            return false;
        }
        void* shared = ::mmap(nullptr, sizeof(JackRecord), PROT_READ | PROT_WRITE, MAP_SHARED, recordFd, 0);
        if (shared == MAP_FAILED) {
            error = "mmap failed";
            return false;
        }
        record = static_cast<JackRecord*>(shared);
        return true;
    }
    // jackd is our child: the one whose command line names our server.
    pid_t findServerPid() const {
        for (pid_t pid : aap::play_test::livingChildren()) {
            const std::string cmdline = aap::play_test::slurp("/proc/" + std::to_string(pid) + "/cmdline");
            if (cmdline.rfind("jackd", 0) == 0)
                return pid;
        }
        return 0;
    }
    ~JackFixture() {
        server.stop();
        if (!dir.empty()) {
            std::string command = "rm -rf '" + dir + "'";
            if (std::system(command.c_str()) != 0) {
            }
        }
    }
};

JackFixture& jackFixture() {
    static JackFixture fixture;
    return fixture;
}

// Keeps every thread of `pids` (JACK's server and clients: their process threads exist once the
// clients are active) to `cpus`.
void setAffinity(const std::vector<pid_t>& pids, const cpu_set_t& cpus) {
    for (pid_t pid : pids)
        for (pid_t task : aap::play_test::tasksOf(pid))
            (void)::sched_setaffinity(task, sizeof(cpus), &cpus);
}

// range(0): chain length. In each round, at the period: JACK2 with the kernel's placement, JACK2
// with its server and clients kept to the host thread's CPU (the placement our graph's nodes
// follow), then the sequential mode and our graph, kJackBlock cycles each.
void JackChain2(benchmark::State& state) {
    constexpr int kJackBlock = 48;
    constexpr int kRounds = 5;
    const uint32_t length = static_cast<uint32_t>(state.range(0));
    JackFixture& fixture = jackFixture();
    if (!fixture.start()) {
        state.SkipWithError(fixture.error.c_str());
        return;
    }
    const Topology topology = Topology::chain(length);
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), benchOptions()};
    std::string error;
    Sequential sequential{host, topology, &error};
    if (!sequential.ok()) {
        state.SkipWithError(error.c_str());
        return;
    }
    GraphMode graph{host, topology, &error};
    if (!graph.ok()) {
        state.SkipWithError(error.c_str());
        return;
    }
    JackChain chain;
    if (!chain.start(fixture.server.name(), length, fixture.recordFd, &error)) {
        state.SkipWithError(error.c_str());
        return;
    }
    std::vector<pid_t> jackPids = chain.pids();
    jackPids.push_back(fixture.serverPid);
    std::vector<Mode*> ours = {&sequential, &graph};
    const HostThreadPin pin;
    cpu_set_t hostCpu, anywhere;
    CPU_ZERO(&hostCpu);
    CPU_SET(::sched_getcpu(), &hostCpu);
    CPU_ZERO(&anywhere);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        CPU_SET(cpu, &anywhere);
    // [0] JACK2 placed by the kernel, [1] kept to the host's CPU: whole cycle and span.
    ModeResult jackCycle[2], jackSpan[2];
    std::vector<ModeResult> oursTotal(ours.size());
    std::vector<double> graphSpanBlockMedian;
    for (auto _ : state) {
        for (int round = 0; round < kRounds; round++) {
            for (int placement = 0; placement < 2; placement++) {
                // JACK: activate the chain, place it, let it settle, record kJackBlock cycles.
                if (!chain.command('a')) {
                    state.SkipWithError("a JACK chain client could not activate or connect");
                    return;
                }
                setAffinity(jackPids, placement == 1 ? hostCpu : anywhere);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                __atomic_store_n(&fixture.record->spanCount, 0u, __ATOMIC_RELAXED);
                __atomic_store_n(&fixture.record->cycleCount, 0u, __ATOMIC_RELAXED);
                const aap::bench::ProcessCounters before = aap::bench::readProcessCounters(jackPids);
                __atomic_store_n(&fixture.record->recording, 1u, __ATOMIC_RELEASE);
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
                const uint32_t wanted = static_cast<uint32_t>(kJackBlock);
                while ((__atomic_load_n(&fixture.record->spanCount, __ATOMIC_ACQUIRE) < wanted ||
                        __atomic_load_n(&fixture.record->cycleCount, __ATOMIC_ACQUIRE) < wanted) &&
                       std::chrono::steady_clock::now() < deadline)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                __atomic_store_n(&fixture.record->recording, 0u, __ATOMIC_RELEASE);
                const aap::bench::ProcessCounters used = aap::bench::readProcessCounters(jackPids) - before;
                const uint32_t spans = std::min<uint32_t>(__atomic_load_n(&fixture.record->spanCount, __ATOMIC_ACQUIRE),
                                                          JackRecord::kCapacity);
                const uint32_t cycles = std::min<uint32_t>(__atomic_load_n(&fixture.record->cycleCount, __ATOMIC_ACQUIRE),
                                                           JackRecord::kCapacity);
                setAffinity(jackPids, anywhere);
                if (!chain.command('d')) {
                    state.SkipWithError("a JACK chain client could not deactivate");
                    return;
                }
                if (spans < wanted || cycles < wanted) {
                    state.SkipWithError("the JACK chain did not run");
                    return;
                }
                auto take = [](ModeResult& into, const int64_t* values, uint32_t count) {
                    std::vector<double> block;
                    for (uint32_t i = 0; i < count; i++)
                        block.push_back(static_cast<double>(values[i]) / 1000.0);
                    into.cycleUs.insert(into.cycleUs.end(), block.begin(), block.end());
                    into.blockMedianUs.push_back(percentile(block, 0.5));
                    into.cycles += count;
                };
                take(jackCycle[placement], fixture.record->cycleNs, cycles);
                take(jackSpan[placement], fixture.record->spanNs, spans);
                jackCycle[placement].cpuNs += used.cpuNs;  // includes the server's idle cycles while settling: an upper bound
            }
            // Ours at the period, the same number of cycles.
            std::vector<ModeResult> results;
            if (!alternate(ours, kJackBlock / kBlock, true, &results, &error)) {
                state.SkipWithError(error.c_str());
                return;
            }
            for (size_t m = 0; m < ours.size(); m++) {
                ModeResult& total = oursTotal[m];
                const ModeResult& r = results[m];
                total.cycleUs.insert(total.cycleUs.end(), r.cycleUs.begin(), r.cycleUs.end());
                total.spanUs.insert(total.spanUs.end(), r.spanUs.begin(), r.spanUs.end());
                total.wakeInUs.insert(total.wakeInUs.end(), r.wakeInUs.begin(), r.wakeInUs.end());
                total.wakeOutUs.insert(total.wakeOutUs.end(), r.wakeOutUs.begin(), r.wakeOutUs.end());
                total.blockMedianUs.push_back(percentile(r.cycleUs, 0.5));
                total.cpuNs += r.cpuNs;
                total.cycles += r.cycles;
            }
            graphSpanBlockMedian.push_back(percentile(results.back().spanUs, 0.5));
        }
    }
    const char* placements[2] = {"JACK2", "JACK2 pinned"};
    for (int p = 0; p < 2; p++) {
        const std::string key = p == 0 ? "jack" : "jack_pinned";
        state.counters[key + "_median_us"] = jackCycle[p].median();
        state.counters[key + "_p99_us"] = jackCycle[p].p99();
        state.counters[key + "_span_median_us"] = jackSpan[p].median();
        rows().push_back({topology.name, "at the period, N + 1 wake-ups", placements[p], jackCycle[p].median(),
                          jackCycle[p].p99(), jackCycle[p].cpuUsPerCycle(), -1, ""});
        rows().push_back({topology.name, "at the period, first callback start to last callback end", placements[p],
                          jackSpan[p].median(), jackSpan[p].p99(), -1, -1, ""});
    }
    for (size_t m = 0; m < ours.size(); m++) {
        const std::string prefix = ours[m]->name();
        const ModeResult& total = oursTotal[m];
        state.counters[prefix + "_median_us"] = total.median();
        state.counters[prefix + "_p99_us"] = total.p99();
        std::string text;
        for (int p = 0; p < 2; p++) {
            const double ratio = blockRatio(total, jackCycle[p]);
            state.counters[prefix + (p == 0 ? "_over_jack" : "_over_jack_pinned")] = ratio;
            char part[64];
            std::snprintf(part, sizeof(part), "%s%.2fx %s", p == 0 ? "" : ", ", ratio, placements[p]);
            text += part;
        }
        rows().push_back({topology.name, "at the period, N + 1 wake-ups, beside JACK2", prefix, total.median(), total.p99(),
                          total.cpuUsPerCycle(), -1, text});
        if (!total.spanUs.empty()) {
            // Like JACK's span: the first node's wake-up to the last node's end.
            const double median = percentile(total.spanUs, 0.5), p99 = percentile(total.spanUs, 0.99);
            state.counters[prefix + "_span_median_us"] = median;
            state.counters[prefix + "_span_p99_us"] = p99;
            std::string spanText;
            for (int p = 0; p < 2; p++) {
                std::vector<double> ratios;
                for (size_t b = 0; b < graphSpanBlockMedian.size() && b < jackSpan[p].blockMedianUs.size(); b++)
                    ratios.push_back(graphSpanBlockMedian[b] / std::max(1e-3, jackSpan[p].blockMedianUs[b]));
                char part[64];
                std::snprintf(part, sizeof(part), "%s%.2fx %s", p == 0 ? "" : ", ", percentile(ratios, 0.5), placements[p]);
                spanText += part;
            }
            rows().push_back({topology.name, "at the period, first node awake to last node done, beside JACK2",
                              prefix + " span", median, p99, -1, -1, spanText});
        }
    }
    reportGraphParts(state, topology.name, "at the period, beside JACK2", "graph", oursTotal.back());
}
#endif

void printTable() {
    if (rows().empty())
        return;
    std::printf("\n| topology | timing | mode | median us | p99 us | CPU us/cycle | switches/cycle | graph wakes/cycle | per-block ratio |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
    for (const Row& row : rows()) {
        char cpu[32] = "-", switches[32] = "-", wakes[32] = "-";
        if (row.cpu >= 0)
            std::snprintf(cpu, sizeof(cpu), "%.1f", row.cpu);
        if (row.switches >= 0)
            std::snprintf(switches, sizeof(switches), "%.2f", row.switches);
        if (row.graphWakes >= 0)
            std::snprintf(wakes, sizeof(wakes), "%.2f", row.graphWakes);
        std::printf("| %s | %s | %s | %.1f | %.1f | %s | %s | %s | %s |\n", row.topology.c_str(), row.timing.c_str(),
                    row.mode.c_str(), row.median, row.p99, cpu, switches, wakes,
                    row.ratios.empty() ? "-" : row.ratios.c_str());
    }
    std::fflush(stdout);
}

} // namespace

BENCHMARK(Graph)
    ->ArgNames({"chain", "at_period"})
    ->ArgsProduct({{1, 2, 4, 8, 16, 0}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#ifdef AAP_BENCH_WITH_JACK
BENCHMARK(JackChain2)->ArgName("chain")->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

int main(int argc, char** argv) {
#ifdef AAP_BENCH_WITH_JACK
    if (argc > 1 && std::strcmp(argv[1], "--jack-chain-client") == 0)
        return runChainClient(argc, argv);
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    printTable();
#ifdef AAP_BENCH_WITH_JACK
    jackFixture().server.stop();
#endif
    return 0;
}
