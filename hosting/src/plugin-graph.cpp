#include "aap/hosting/plugin-graph.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>

#include <sched.h>
#include <unistd.h>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/shared-memory.h"
#include "futex.h"
#include "graph-activation.h"
#include "graph-mix.h"

namespace aap {

namespace {

// Every HostedPlugin that is a node of some graph (AlreadyInGraph). [main-thread] calls only.
std::mutex g_membersMutex;
std::set<const HostedPlugin*>& members() {
    static std::set<const HostedPlugin*> set;
    return set;
}

std::atomic<uint64_t> g_nextGraph{1};

// A number of the calling thread's own, never reused in this process (a thread's pthread_t is:
// the next thread often gets the same one). Initial-exec: no lazy allocation of the thread-local
// on an audio thread, also when this library is part of a shared object.
std::atomic<uint64_t> g_nextThreadToken{1};
uint64_t threadToken() noexcept {
    static thread_local uint64_t token __attribute__((tls_model("initial-exec"))) = 0;
    if (token == 0)
        token = g_nextThreadToken.fetch_add(1, std::memory_order_relaxed);
    return token;
}

void say(std::string* error, const std::string& text) {
    if (error != nullptr)
        *error = text;
}

} // namespace

const char* describe(GraphStatus status) noexcept {
    switch (status) {
    case GraphStatus::Ok: return "ok";
    case GraphStatus::UnknownNode: return "unknown node";
    case GraphStatus::UnknownPort: return "unknown port";
    case GraphStatus::TypeMismatch: return "content type mismatch";
    case GraphStatus::DirectionMismatch: return "direction mismatch";
    case GraphStatus::WouldCycle: return "the edge would close a cycle";
    case GraphStatus::AlreadyConnected: return "already connected";
    case GraphStatus::AlreadyInGraph: return "the plugin is already a node of a graph";
    case GraphStatus::InvalidState: return "invalid state";
    case GraphStatus::InvalidArgument: return "invalid argument";
    case GraphStatus::CapacityExceeded: return "capacity exceeded";
    case GraphStatus::NodeFailed: return "a node failed";
    case GraphStatus::ResourceFailed: return "resource failed";
    case GraphStatus::Xrun: return "xrun";
    }
    return "unknown graph status";
}

struct PluginGraph::Node {
    HostedPlugin* plugin = nullptr;
    std::unique_ptr<HostedPlugin> owned;
    std::vector<PortContentType> types;
    std::vector<PortDirection> directions;
    // Statistics, written by the audio thread, read by anyone.
    std::atomic<bool> bypassed{false};
    std::atomic<int32_t> bypassReason{0};
    std::atomic<uint64_t> cycles{0};
    std::atomic<uint64_t> xruns{0};
    std::atomic<uint32_t> consecutiveMisses{0};
    std::atomic<int64_t> signalledNs{0};
    std::atomic<int64_t> awakeNs{0};
    std::atomic<int64_t> finishedNs{0};
};

// Everything process() needs, built by activate(): no allocation afterwards.
struct PluginGraph::Runtime {
    struct Source {
        GraphPort from;
        uint32_t producer = wire::kGraphHost;  // node index, or the host input
        const void* address = nullptr;         // host-side address of the producer's buffer
        size_t capacity = 0;
    };
    struct Input {
        int32_t port = 0;
        bool midi = false;
        bool zeroCopy = false;
        std::vector<Source> sources;
        std::vector<const void*> pointers;  // scratch for the mix, one per source
        std::vector<size_t> capacities;
    };
    struct Relay {  // a host-run node's output without shared memory, copied for out-of-process consumers
        int32_t port = 0;
        SharedMemory memory;
    };
    struct NodeRun {
        int32_t node = 0;
        bool remote = false;
        bool skip = false;
        bool ran = false;
        bool attached = false;
        std::vector<Input> inputs;      // host-run nodes: mixed by the host
        std::vector<Relay> relays;
        std::vector<int32_t> predecessors;  // distinct
        bool sink = false;
        bool source = false;  // this cycle: no predecessor runs
        bool lost = false;    // this cycle: its service died while it ran
        TransportInstance* transport = nullptr;  // this cycle's, read once in step 1
        std::vector<uint8_t> scratch;   // MIDI2 merge
    };
    std::vector<NodeRun> runs;                  // by node index
    std::vector<int32_t> order;                 // topological
    SharedMemory block;
    wire::GraphHeader* header = nullptr;
    wire::GraphNode* nodes = nullptr;
    std::vector<SharedMemory> hostIn;           // options.frames floats each, shared with the services
    std::vector<std::vector<float>> hostOut;    // the mix of a host output fed by several producers
    std::vector<const float*> hostOutRead;      // per channel, what hostOutput() returns this cycle
    std::vector<std::vector<GraphPort>> hostOutSources;
    std::vector<const void*> mixScratch;
    std::vector<float> silence;
    uint32_t cycle = 0;
    // FollowHost: the hint and what it was worked out from (process(), step 2).
    uint32_t cpuHint = 0;
    bool placementKnown = false;
    int placementCpu = -1;
    uint64_t placementThread = 0;  // threadToken() of the thread that read it
    int64_t placementCheckedNs = 0;
    std::atomic<uint64_t> cycles{0};
    std::atomic<uint64_t> wakesLast{0};
    std::atomic<uint64_t> wakesTotal{0};
    std::atomic<uint64_t> futexWakesLast{0};
    std::atomic<uint64_t> futexWakesTotal{0};

    bool finished(uint32_t producer, uint32_t c) const noexcept {
        return producer == wire::kGraphHost || __atomic_load_n(&nodes[producer].finished_cycle, __ATOMIC_ACQUIRE) == c;
    }
};

PluginGraph::PluginGraph(PluginGraphOptions options) : options_(std::move(options)) {
    options_.plugin.frames = options_.frames;
    options_.plugin.sampleRate = options_.sampleRate;
    options_.plugin.prepare = true;
}

PluginGraph::~PluginGraph() {
    deactivate();
    std::lock_guard<std::mutex> lock(g_membersMutex);
    for (auto& node : nodes_)
        members().erase(node->plugin);
    nodes_.clear();  // owned plugins close here
}

GraphStatus PluginGraph::addPlugin(PluginHost& host, const std::string& pluginId, int32_t* node, std::string* error) {
    if (node == nullptr)
        return GraphStatus::InvalidArgument;
    if (active_)
        return GraphStatus::InvalidState;
    std::unique_ptr<HostedPlugin> plugin;
    std::string why;
    const HostingStatus status = HostedPlugin::open(host, pluginId, options_.plugin, &plugin, &why);
    if (status != HostingStatus::Ok) {
        say(error, pluginId + ": " + hostingStatusMessage(status) + (why.empty() ? "" : ": " + why));
        return GraphStatus::NodeFailed;
    }
    HostedPlugin* raw = plugin.get();
    return addNodeInternal(raw, std::move(plugin), node, error);
}

GraphStatus PluginGraph::addNode(std::unique_ptr<HostedPlugin> plugin, int32_t* node, std::string* error) {
    if (!plugin || node == nullptr)
        return GraphStatus::InvalidArgument;
    HostedPlugin* raw = plugin.get();
    return addNodeInternal(raw, std::move(plugin), node, error);
}

GraphStatus PluginGraph::addNode(HostedPlugin& plugin, int32_t* node, std::string* error) {
    if (node == nullptr)
        return GraphStatus::InvalidArgument;
    return addNodeInternal(&plugin, nullptr, node, error);
}

GraphStatus PluginGraph::addNodeInternal(HostedPlugin* plugin, std::unique_ptr<HostedPlugin> owned, int32_t* node,
                                         std::string* error) {
    if (active_)
        return GraphStatus::InvalidState;
    if (plugin->closed()) {
        say(error, plugin->pluginId() + ": closed");
        return GraphStatus::InvalidState;
    }
    if (static_cast<int32_t>(nodes_.size()) >= kMaxNodes) {
        say(error, "a graph has at most " + std::to_string(kMaxNodes) + " nodes");
        return GraphStatus::CapacityExceeded;
    }
    {
        std::lock_guard<std::mutex> lock(g_membersMutex);
        if (!members().insert(plugin).second) {
            say(error, plugin->pluginId() + ": already a node of a graph");
            (void)owned.release();  // not ours: the caller's unique_ptr gave it, but it is in use elsewhere
            return GraphStatus::AlreadyInGraph;
        }
    }
    auto entry = std::make_unique<Node>();
    entry->plugin = plugin;
    entry->owned = std::move(owned);
    for (const PortInformation& port : plugin->instance().information().ports) {
        entry->types.push_back(port.contentType);
        entry->directions.push_back(port.direction);
    }
    *node = static_cast<int32_t>(nodes_.size());
    nodes_.push_back(std::move(entry));
    return GraphStatus::Ok;
}

HostedPlugin* PluginGraph::plugin(int32_t node) const noexcept {
    if (node < 0 || node >= nodeCount())
        return nullptr;
    return nodes_[static_cast<size_t>(node)]->plugin;
}

GraphStatus PluginGraph::checkPort(GraphPort port, bool output, int32_t* contentType, std::string* error) const {
    if (port.isHost()) {
        const int32_t channels = output ? options_.hostInputs : options_.hostOutputs;
        if (port.port < 0 || port.port >= channels) {
            say(error, std::string{"host "} + (output ? "input" : "output") + " channel " + std::to_string(port.port) +
                           " does not exist (" + std::to_string(channels) + " channels)");
            return GraphStatus::UnknownPort;
        }
        *contentType = static_cast<int32_t>(PortContentType::Audio);
        return GraphStatus::Ok;
    }
    if (port.node < 0 || port.node >= nodeCount()) {
        say(error, "node " + std::to_string(port.node) + " does not exist");
        return GraphStatus::UnknownNode;
    }
    const Node& node = *nodes_[static_cast<size_t>(port.node)];
    if (port.port < 0 || static_cast<size_t>(port.port) >= node.types.size()) {
        say(error, "node " + std::to_string(port.node) + " (" + node.plugin->pluginId() + ") has no port " +
                       std::to_string(port.port));
        return GraphStatus::UnknownPort;
    }
    const PortDirection direction = node.directions[static_cast<size_t>(port.port)];
    if ((direction == PortDirection::Output) != output) {
        say(error, "port " + std::to_string(port.port) + " of node " + std::to_string(port.node) + " is an " +
                       (direction == PortDirection::Output ? "output" : "input") + ", not an " +
                       (output ? "output" : "input"));
        return GraphStatus::DirectionMismatch;
    }
    const PortContentType type = node.types[static_cast<size_t>(port.port)];
    if (type != PortContentType::Audio && type != PortContentType::Midi2) {
        say(error, "port " + std::to_string(port.port) + " of node " + std::to_string(port.node) +
                       " is neither audio nor MIDI2 (graph edges carry only those)");
        return GraphStatus::TypeMismatch;
    }
    *contentType = static_cast<int32_t>(type);
    return GraphStatus::Ok;
}

bool PluginGraph::reaches(int32_t from, int32_t to) const {
    // Depth-first over node edges: is `to` reachable from `from`?
    std::vector<int32_t> stack{from};
    std::vector<bool> seen(nodes_.size(), false);
    while (!stack.empty()) {
        const int32_t current = stack.back();
        stack.pop_back();
        if (current == to)
            return true;
        if (seen[static_cast<size_t>(current)])
            continue;
        seen[static_cast<size_t>(current)] = true;
        for (const Edge& edge : edges_)
            if (edge.from.node == current && !edge.to.isHost())
                stack.push_back(edge.to.node);
    }
    return false;
}

GraphStatus PluginGraph::connect(GraphPort from, GraphPort to, std::string* error) {
    if (active_) {
        say(error, "the graph is active: deactivate it first");
        return GraphStatus::InvalidState;
    }
    int32_t fromType = 0, toType = 0;
    GraphStatus status = checkPort(from, true, &fromType, error);
    if (status != GraphStatus::Ok)
        return status;
    status = checkPort(to, false, &toType, error);
    if (status != GraphStatus::Ok)
        return status;
    if (fromType != toType) {
        say(error, std::string{"cannot connect "} + (fromType == 1 ? "audio" : "MIDI2") + " to " +
                       (toType == 1 ? "audio" : "MIDI2"));
        return GraphStatus::TypeMismatch;
    }
    if (from.isHost() && to.isHost()) {
        say(error, "an edge needs at least one node");
        return GraphStatus::InvalidArgument;
    }
    for (const Edge& edge : edges_)
        if (edge.from.node == from.node && edge.from.port == from.port && edge.to.node == to.node &&
            edge.to.port == to.port) {
            say(error, "this edge exists");
            return GraphStatus::AlreadyConnected;
        }
    if (!from.isHost() && !to.isHost() && (from.node == to.node || reaches(to.node, from.node))) {
        say(error, "node " + std::to_string(to.node) + " already feeds node " + std::to_string(from.node) +
                       ": the edge would close a cycle");
        return GraphStatus::WouldCycle;
    }
    size_t producers = 0;
    for (const Edge& edge : edges_)
        if (edge.to.node == to.node && edge.to.port == to.port)
            producers++;
    if (producers >= static_cast<size_t>(kMaxEdgesPerPort)) {
        say(error, "an input takes at most " + std::to_string(kMaxEdgesPerPort) + " producers");
        return GraphStatus::CapacityExceeded;
    }
    if (!from.isHost() && !to.isHost()) {
        std::set<int32_t> successors;
        for (const Edge& edge : edges_)
            if (edge.from.node == from.node && !edge.to.isHost())
                successors.insert(edge.to.node);
        successors.insert(to.node);
        if (successors.size() > static_cast<size_t>(kMaxSuccessors)) {
            say(error, "a node feeds at most " + std::to_string(kMaxSuccessors) + " nodes");
            return GraphStatus::CapacityExceeded;
        }
    }
    edges_.push_back(Edge{from, to});
    return GraphStatus::Ok;
}

GraphStatus PluginGraph::disconnect(GraphPort from, GraphPort to) {
    if (active_)
        return GraphStatus::InvalidState;
    for (size_t i = 0; i < edges_.size(); i++) {
        const Edge& edge = edges_[i];
        if (edge.from.node == from.node && edge.from.port == from.port && edge.to.node == to.node &&
            edge.to.port == to.port) {
            edges_.erase(edges_.begin() + static_cast<std::ptrdiff_t>(i));
            return GraphStatus::Ok;
        }
    }
    return GraphStatus::InvalidArgument;
}

GraphStatus PluginGraph::activate(std::string* error) {
    if (active_)
        return GraphStatus::InvalidState;
    if (options_.frames <= 0 || options_.sampleRate <= 0 || options_.hostInputs < 0 || options_.hostOutputs < 0 ||
        options_.bypassAfterMisses < 1 || options_.hostSpinNs < 0 ||
        (options_.placement != GraphPlacement::FollowHost && options_.placement != GraphPlacement::Anywhere)) {
        say(error, "bad graph options (frames, sample rate, channels, bypassAfterMisses, placement, hostSpinNs)");
        return GraphStatus::InvalidArgument;
    }
    for (size_t i = 0; i < nodes_.size(); i++) {
        PluginInstance& instance = nodes_[i]->plugin->instance();
        if (instance.state() != InstanceState::Inactive) {
            say(error, "node " + std::to_string(i) + " (" + nodes_[i]->plugin->pluginId() + ") is " +
                           instanceStateName(instance.state()) + ", not inactive");
            return GraphStatus::InvalidState;
        }
        if (instance.preparedFrames() < options_.frames) {
            say(error, "node " + std::to_string(i) + " is prepared for " + std::to_string(instance.preparedFrames()) +
                           " frames, the graph runs " + std::to_string(options_.frames));
            return GraphStatus::InvalidState;
        }
    }
    auto runtime = std::make_unique<Runtime>();
    Runtime& rt = *runtime;
    const size_t count = nodes_.size();
    // Topological order (Kahn): the edges never form a cycle (connect refused those).
    std::vector<int32_t> indegree(count, 0);
    rt.runs.resize(count);
    for (size_t i = 0; i < count; i++) {
        rt.runs[i].node = static_cast<int32_t>(i);
        TransportInstance* transport = nodes_[i]->plugin->instance().transportInstance();
        rt.runs[i].remote = transport != nullptr && transport->supportsGraphMode();
    }
    for (const Edge& edge : edges_) {
        if (edge.from.isHost() || edge.to.isHost())
            continue;
        std::vector<int32_t>& predecessors = rt.runs[static_cast<size_t>(edge.to.node)].predecessors;
        if (std::find(predecessors.begin(), predecessors.end(), edge.from.node) == predecessors.end()) {
            predecessors.push_back(edge.from.node);
            indegree[static_cast<size_t>(edge.to.node)]++;
        }
    }
    std::vector<int32_t> ready;
    for (size_t i = 0; i < count; i++)
        if (indegree[i] == 0)
            ready.push_back(static_cast<int32_t>(i));
    while (!ready.empty()) {
        const int32_t node = ready.front();
        ready.erase(ready.begin());
        rt.order.push_back(node);
        for (size_t j = 0; j < count; j++) {
            const std::vector<int32_t>& predecessors = rt.runs[j].predecessors;
            if (std::find(predecessors.begin(), predecessors.end(), node) != predecessors.end() && --indegree[j] == 0)
                ready.push_back(static_cast<int32_t>(j));
        }
    }
    // Host audio channels: the inputs in shared memory, so services read them where they are.
    for (int32_t channel = 0; channel < options_.hostInputs; channel++) {
        SharedMemory memory;
        if (SharedMemory::create(static_cast<size_t>(options_.frames) * sizeof(float), "aap-graph-host-input", &memory) !=
            HostingStatus::Ok) {
            say(error, "could not create the host input buffers");
            return GraphStatus::ResourceFailed;
        }
        rt.hostIn.push_back(std::move(memory));
    }
    rt.hostOut.assign(static_cast<size_t>(options_.hostOutputs), std::vector<float>(static_cast<size_t>(options_.frames)));
    rt.hostOutSources.resize(static_cast<size_t>(options_.hostOutputs));
    rt.hostOutRead.resize(static_cast<size_t>(options_.hostOutputs));
    for (size_t channel = 0; channel < rt.hostOut.size(); channel++)
        rt.hostOutRead[channel] = rt.hostOut[channel].data();  // silence until the first cycle
    rt.mixScratch.resize(static_cast<size_t>(kMaxEdgesPerPort));
    rt.silence.assign(static_cast<size_t>(options_.frames), 0.0f);
    if (SharedMemory::create(wire::kGraphBlockSize, "aap-graph-activation", &rt.block) != HostingStatus::Ok) {
        say(error, "could not create the activation block");
        return GraphStatus::ResourceFailed;
    }
    rt.header = static_cast<wire::GraphHeader*>(rt.block.data());
    rt.nodes = reinterpret_cast<wire::GraphNode*>(static_cast<uint8_t*>(rt.block.data()) + sizeof(wire::GraphHeader));
    rt.header->magic = wire::kGraphBlockMagic;
    rt.header->layout_version = wire::kControlProtocolVersion;
    rt.header->node_count = static_cast<uint32_t>(count);
    rt.header->graph_id = (static_cast<uint64_t>(::getpid()) << 32) ^ g_nextGraph.fetch_add(1);
    for (const Edge& edge : edges_)
        if (edge.to.isHost())
            rt.hostOutSources[static_cast<size_t>(edge.to.port)].push_back(edge.from);

    // Per node: successors (distinct nodes, plus the host for a sink), inputs and their sources.
    for (size_t i = 0; i < count; i++) {
        Runtime::NodeRun& run = rt.runs[i];
        wire::GraphNode& block = rt.nodes[i];
        PluginInstance& instance = nodes_[i]->plugin->instance();
        block.required = static_cast<uint32_t>(run.predecessors.size());
        // An out-of-process node learns each cycle whether its MIDI2 input carries AAPXS.
        block.flags = run.remote ? wire::kGraphNodeAapxsHints : wire::kGraphNodeHostRun;
        bool toHost = false;
        std::vector<int32_t> successors;
        for (const Edge& edge : edges_) {
            if (edge.from.node != static_cast<int32_t>(i) || edge.from.isHost())
                continue;
            if (edge.to.isHost())
                toHost = true;
            else if (std::find(successors.begin(), successors.end(), edge.to.node) == successors.end())
                successors.push_back(edge.to.node);
        }
        // Every node counts down the host's counter, not only the sinks: a node whose successors
        // are all skipped in some cycle must still end that cycle. The last one to finish (a
        // sink, normally) wakes the host.
        (void)toHost;
        run.sink = true;
        block.successor_count = 0;
        for (int32_t next : successors)
            block.successors[block.successor_count++] = static_cast<uint32_t>(next);
        block.successors[block.successor_count++] = wire::kGraphHost;
        for (const Edge& edge : edges_) {
            if (edge.to.node != static_cast<int32_t>(i) || edge.to.isHost())
                continue;
            auto it = std::find_if(run.inputs.begin(), run.inputs.end(),
                                   [&](const Runtime::Input& in) { return in.port == edge.to.port; });
            if (it == run.inputs.end()) {
                Runtime::Input input;
                input.port = edge.to.port;
                input.midi = nodes_[i]->types[static_cast<size_t>(edge.to.port)] == PortContentType::Midi2;
                run.inputs.push_back(std::move(input));
                it = run.inputs.end() - 1;
            }
            Runtime::Source source;
            source.from = edge.from;
            if (edge.from.isHost()) {
                source.address = rt.hostIn[static_cast<size_t>(edge.from.port)].data();
                source.capacity = rt.hostIn[static_cast<size_t>(edge.from.port)].size();
            } else {
                source.producer = static_cast<uint32_t>(edge.from.node);
                PluginInstance& producer = nodes_[static_cast<size_t>(edge.from.node)]->plugin->instance();
                source.address = producer.transportInstance()->portBuffer(edge.from.port);
                source.capacity = producer.sharedBufferSize(edge.from.port);
            }
            it->sources.push_back(source);
        }
        for (Runtime::Input& input : run.inputs) {
            // One audio producer whose buffer covers the port: read in place.
            input.zeroCopy = !input.midi && input.sources.size() == 1 &&
                             input.sources[0].capacity >= instance.sharedBufferSize(input.port);
            input.pointers.resize(input.sources.size());
            input.capacities.resize(input.sources.size());
            if (input.midi)
                run.scratch.resize(std::max(run.scratch.size(), static_cast<size_t>(instance.sharedBufferSize(input.port)) + 64));
        }
    }
    // An output of a host-run node that an out-of-process node reads is mapped where it is when the
    // node's transport keeps it in a memfd (the in-process transport does: zero copy). Only a
    // transport without one (portBufferFd -1, e.g. a third party's) gets a relay: a memfd the host
    // copies that output into after each cycle of the node.
    for (const Edge& edge : edges_) {
        if (edge.from.isHost() || edge.to.isHost() || rt.runs[static_cast<size_t>(edge.from.node)].remote ||
            !rt.runs[static_cast<size_t>(edge.to.node)].remote)
            continue;
        if (nodes_[static_cast<size_t>(edge.from.node)]->plugin->instance().transportInstance()->portBufferFd(
                edge.from.port) >= 0)
            continue;
        Runtime::NodeRun& producer = rt.runs[static_cast<size_t>(edge.from.node)];
        if (std::any_of(producer.relays.begin(), producer.relays.end(),
                        [&](const Runtime::Relay& relay) { return relay.port == edge.from.port; }))
            continue;
        Runtime::Relay relay;
        relay.port = edge.from.port;
        const uint32_t size = nodes_[static_cast<size_t>(edge.from.node)]->plugin->instance().sharedBufferSize(edge.from.port);
        if (SharedMemory::create(size, "aap-graph-relay", &relay.memory) != HostingStatus::Ok) {
            say(error, "could not create a relay buffer");
            return GraphStatus::ResourceFailed;
        }
        producer.relays.push_back(std::move(relay));
    }
    // Hand each out-of-process node its part of the block (kOpGraphAttach).
    auto detachAll = [&rt, this]() {
        for (Runtime::NodeRun& run : rt.runs)
            if (run.attached) {
                nodes_[static_cast<size_t>(run.node)]->plugin->instance().transportInstance()->detachGraph();
                run.attached = false;
            }
    };
    for (size_t i = 0; i < count; i++) {
        Runtime::NodeRun& run = rt.runs[i];
        if (!run.remote)
            continue;
        GraphAttachment attachment;
        attachment.blockFd = rt.block.fd();
        attachment.graphId = rt.header->graph_id;
        attachment.node = static_cast<uint32_t>(i);
        for (const Runtime::Input& input : run.inputs) {
            GraphAttachment::Input entry;
            entry.port = input.port;
            entry.zeroCopy = input.zeroCopy;
            for (const Runtime::Source& source : input.sources) {
                GraphAttachment::Source wired;
                wired.producer = source.producer;
                if (source.from.isHost()) {
                    wired.fd = rt.hostIn[static_cast<size_t>(source.from.port)].fd();
                    wired.size = static_cast<uint32_t>(rt.hostIn[static_cast<size_t>(source.from.port)].size());
                } else if (nodes_[source.producer]->plugin->instance().transportInstance()->portBufferFd(
                               source.from.port) >= 0) {
                    // The producer's own buffer (out of process, or in process in a memfd): zero copy.
                    TransportInstance* producer = nodes_[source.producer]->plugin->instance().transportInstance();
                    wired.fd = producer->portBufferFd(source.from.port);
                    wired.size = static_cast<uint32_t>(source.capacity);
                } else {
                    for (const Runtime::Relay& relay : rt.runs[source.producer].relays)
                        if (relay.port == source.from.port) {
                            wired.fd = relay.memory.fd();
                            wired.size = static_cast<uint32_t>(relay.memory.size());
                        }
                }
                entry.sources.push_back(wired);
            }
            attachment.inputs.push_back(std::move(entry));
        }
        const HostingStatus status = nodes_[i]->plugin->instance().transportInstance()->attachGraph(attachment);
        if (status != HostingStatus::Ok) {
            say(error, "node " + std::to_string(i) + " (" + nodes_[i]->plugin->pluginId() + "): graph attach: " +
                           hostingStatusMessage(status));
            detachAll();
            return GraphStatus::NodeFailed;
        }
        run.attached = true;
    }

    for (size_t i = 0; i < nodes_.size(); i++) {
        Node& node = *nodes_[i];
        const HostingStatus status = node.plugin->activate();
        if (status != HostingStatus::Ok) {
            say(error, "node " + std::to_string(i) + " (" + node.plugin->pluginId() + "): activate: " +
                           hostingStatusMessage(status));
            for (size_t j = 0; j < i; j++)
                nodes_[j]->plugin->deactivate();
            detachAll();
            return GraphStatus::NodeFailed;
        }
        node.bypassed.store(false);
        node.bypassReason.store(0);
        node.consecutiveMisses.store(0);
    }
    runtime_ = std::move(runtime);
    active_ = true;
    return GraphStatus::Ok;
}

GraphStatus PluginGraph::deactivate() {
    if (!active_)
        return GraphStatus::Ok;
    for (auto& node : nodes_)
        if (node->plugin->instance().state() == InstanceState::Active)
            node->plugin->deactivate();
    for (Runtime::NodeRun& run : runtime_->runs) {
        TransportInstance* transport = nodes_[static_cast<size_t>(run.node)]->plugin->instance().transportInstance();
        // An in-process node read its zero-copy inputs from other buffers: give it its own back.
        if (!run.remote && transport != nullptr)
            for (const Runtime::Input& input : run.inputs)
                if (input.zeroCopy)
                    transport->redirectInputBuffer(input.port, nullptr);
        if (run.attached && transport != nullptr)
            transport->detachGraph();
        run.attached = false;
    }
    active_ = false;
    return GraphStatus::Ok;
}

float* PluginGraph::hostInput(int32_t channel) noexcept {
    if (!active_ || channel < 0 || channel >= options_.hostInputs)
        return nullptr;
    return static_cast<float*>(runtime_->hostIn[static_cast<size_t>(channel)].data());
}

const float* PluginGraph::hostOutput(int32_t channel) noexcept {
    if (!active_ || channel < 0 || channel >= options_.hostOutputs)
        return nullptr;
    return runtime_->hostOutRead[static_cast<size_t>(channel)];
}

HostingStatus PluginGraph::addEvent(int32_t node, int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    if (node < 0 || node >= nodeCount())
        return HostingStatus::NotFound;
    return nodes_[static_cast<size_t>(node)]->plugin->addEvent(frame, words, wordCount);
}

const void* PluginGraph::outputBuffer(int32_t node, int32_t port) const noexcept {
    if (node < 0 || node >= nodeCount())
        return nullptr;
    return nodes_[static_cast<size_t>(node)]->plugin->instance().portBuffer(port);
}

const void* PluginGraph::inputBuffer(int32_t node, int32_t port) const noexcept {
    if (!active_ || node < 0 || node >= nodeCount())
        return nullptr;
    for (const Runtime::Input& input : runtime_->runs[static_cast<size_t>(node)].inputs)
        if (input.port == port && input.zeroCopy)
            return input.sources[0].address;
    TransportInstance* transport = nodes_[static_cast<size_t>(node)]->plugin->instance().transportInstance();
    return transport != nullptr ? transport->portBuffer(port) : nullptr;
}

GraphNodeStatus PluginGraph::nodeStatus(int32_t node) const noexcept {
    GraphNodeStatus status;
    if (node < 0 || node >= nodeCount())
        return status;
    const Node& n = *nodes_[static_cast<size_t>(node)];
    status.bypassed = n.bypassed.load(std::memory_order_acquire);
    status.bypassReason = static_cast<HostingStatus>(n.bypassReason.load(std::memory_order_relaxed));
    status.cycles = n.cycles.load(std::memory_order_relaxed);
    status.xruns = n.xruns.load(std::memory_order_relaxed);
    status.consecutiveMisses = n.consecutiveMisses.load(std::memory_order_relaxed);
    status.servicePid = n.plugin->instance().servicePid();
    TransportInstance* transport = n.plugin->instance().transportInstance();
    status.outOfProcess = transport != nullptr && transport->supportsGraphMode();
    status.signalledNs = n.signalledNs.load(std::memory_order_relaxed);
    status.awakeNs = n.awakeNs.load(std::memory_order_relaxed);
    status.finishedNs = n.finishedNs.load(std::memory_order_relaxed);
    return status;
}

uint64_t PluginGraph::cycles() const noexcept { return runtime_ ? runtime_->cycles.load() : 0; }
uint64_t PluginGraph::wakesLastCycle() const noexcept { return runtime_ ? runtime_->wakesLast.load() : 0; }
uint64_t PluginGraph::totalWakes() const noexcept { return runtime_ ? runtime_->wakesTotal.load() : 0; }
uint64_t PluginGraph::futexWakesLastCycle() const noexcept { return runtime_ ? runtime_->futexWakesLast.load() : 0; }
uint64_t PluginGraph::totalFutexWakes() const noexcept { return runtime_ ? runtime_->futexWakesTotal.load() : 0; }

void PluginGraph::bypass(int32_t node, HostingStatus reason) noexcept {
    Node& n = *nodes_[static_cast<size_t>(node)];
    n.bypassReason.store(static_cast<int32_t>(reason), std::memory_order_relaxed);
    n.bypassed.store(true, std::memory_order_release);
}

void PluginGraph::miss(int32_t node, bool own) noexcept {
    Node& n = *nodes_[static_cast<size_t>(node)];
    n.xruns.fetch_add(1, std::memory_order_relaxed);
    __atomic_fetch_add(&runtime_->nodes[node].xruns, 1, __ATOMIC_RELAXED);
    if (!own)
        return;  // it did not start because a predecessor was late: not its miss
    const uint32_t misses = n.consecutiveMisses.fetch_add(1, std::memory_order_relaxed) + 1;
    if (misses >= static_cast<uint32_t>(options_.bypassAfterMisses))
        bypass(node, HostingStatus::Xrun);
}

void PluginGraph::runOnHost(int32_t index, uint32_t cycle, int32_t frames, int64_t deadline) noexcept {
    Runtime& rt = *runtime_;
    Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
    wire::GraphNode& block = rt.nodes[index];
    PluginInstance& instance = nodes_[static_cast<size_t>(index)]->plugin->instance();
    TransportInstance* transport = instance.transportInstance();
    int64_t now = monotonicNanoseconds();
    __atomic_store_n(&block.awake_ns, now, __ATOMIC_RELAXED);
    __atomic_store_n(&block.started_cycle, cycle, __ATOMIC_RELEASE);
    for (Runtime::Input& input : run.inputs) {
        for (size_t s = 0; s < input.sources.size(); s++) {
            input.pointers[s] = rt.finished(input.sources[s].producer, cycle) ? input.sources[s].address : nullptr;
            input.capacities[s] = input.sources[s].capacity;
        }
        void* own = transport->portBuffer(input.port);
        if (input.zeroCopy) {
            void* source = input.pointers[0] != nullptr ? const_cast<void*>(input.pointers[0]) : rt.silence.data();
            if (!transport->redirectInputBuffer(input.port, source))
                graphmix::sumAudio(static_cast<float*>(own), reinterpret_cast<const float* const*>(input.pointers.data()), 1,
                                   frames);
        } else if (input.midi) {
            graphmix::mergeMidi2(static_cast<uint8_t*>(own), instance.sharedBufferSize(input.port),
                                 reinterpret_cast<const uint8_t* const*>(input.pointers.data()), input.capacities.data(),
                                 input.sources.size(), run.scratch.data());
        } else {
            graphmix::sumAudio(static_cast<float*>(own), reinterpret_cast<const float* const*>(input.pointers.data()),
                               input.sources.size(), frames);
        }
    }
    const HostingStatus status = transport->process(frames, deadline > now ? deadline - now : 1);
    for (Runtime::Relay& relay : run.relays)
        std::memcpy(relay.memory.data(), transport->portBuffer(relay.port), relay.memory.size());
    now = monotonicNanoseconds();
    __atomic_store_n(&block.status, static_cast<int32_t>(status), __ATOMIC_RELAXED);
    __atomic_store_n(&block.finished_ns, now, __ATOMIC_RELAXED);
    __atomic_store_n(&block.finished_cycle, cycle, __ATOMIC_RELEASE);
    uint32_t ready[wire::kMaxGraphSuccessors];
    uint32_t readyCount = 0;
    graphact::signalSuccessors(rt.header, rt.nodes, rt.header->node_count, static_cast<uint32_t>(index), cycle, now,
                               false, [](uint32_t) { return false; }, ready, &readyCount);
}

GraphStatus PluginGraph::process(int32_t frames, int64_t timeoutNs) noexcept {
    if (!active_)
        return GraphStatus::InvalidState;
    if (frames <= 0 || frames > options_.frames || timeoutNs <= 0)
        return GraphStatus::InvalidArgument;
    Runtime& rt = *runtime_;
    wire::GraphHeader* header = rt.header;
    const int64_t start = monotonicNanoseconds();
    const int64_t deadline = start + timeoutNs;
    const uint32_t cycle = ++rt.cycle;
    const uint64_t wakesBefore = __atomic_load_n(&header->wakes, __ATOMIC_RELAXED);
    const uint64_t futexWakesBefore = __atomic_load_n(&header->futex_wakes, __ATOMIC_RELAXED);
    bool anyMiss = false;

    // 1. Which nodes run: not bypassed, alive, not still busy with a late cycle.
    for (int32_t index : rt.order) {
        Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
        Node& node = *nodes_[static_cast<size_t>(index)];
        HostedPlugin& plugin = *node.plugin;
        run.skip = true;
        run.ran = false;
        run.lost = false;
        if (node.bypassed.load(std::memory_order_relaxed))
            continue;
        TransportInstance* transport = plugin.instance().transportInstance();
        run.transport = transport;
        if (plugin.instance().state() != InstanceState::Active || transport == nullptr || !transport->isAlive()) {
            // A dead node is bypassed at once (its pending requests fail now, the instance is in Error).
            plugin.endGraphCycle(HostingStatus::Offline, false);
            bypass(index, HostingStatus::Offline);
            anyMiss = true;
            continue;
        }
        if (run.remote) {
            const wire::GraphNode& block = rt.nodes[index];
            const uint32_t started = __atomic_load_n(&block.started_cycle, __ATOMIC_ACQUIRE);
            const uint32_t finished = __atomic_load_n(&block.finished_cycle, __ATOMIC_ACQUIRE);
            const uint32_t activation = __atomic_load_n(&block.activation, __ATOMIC_ACQUIRE);
            if (started != finished || static_cast<int32_t>(activation - finished) > 0) {
                // Still busy with a late cycle: skipped, another xrun.
                plugin.endGraphCycle(HostingStatus::Xrun, false);
                miss(index, true);
                anyMiss = true;
                continue;
            }
        }
        bool aapxsFramed = true;
        const HostingStatus status = plugin.beginGraphCycle(frames, &aapxsFramed);
        if (status != HostingStatus::Ok) {
            bypass(index, status);
            anyMiss = true;
            continue;
        }
        if (run.remote)  // published by the pending store below; the node is idle (checked above)
            __atomic_store_n(&rt.nodes[index].aapxs_flags, aapxsFramed ? wire::kAapxsInInput : 0u, __ATOMIC_RELAXED);
        run.skip = false;
    }
    // 2. Counters for this cycle (nobody of an older cycle can change them: their tag differs).
    __atomic_store_n(&header->frames, frames, __ATOMIC_RELAXED);
    __atomic_store_n(&header->deadline_ns, deadline, __ATOMIC_RELAXED);
    __atomic_store_n(&header->cycle, cycle, __ATOMIC_RELEASE);
    // Placement: when this thread keeps to one CPU, that CPU, for the nodes to keep to (else 0:
    // anywhere; following a thread the kernel moves makes host and nodes chase each other). The
    // affinity (a system call) is read again only when this thread or its CPU (no system call)
    // is not the last cycle's, or kAffinityRecheckNs after the last reading.
    uint32_t cpuHint = 0;
    if (options_.placement == GraphPlacement::FollowHost) {
        const int cpu = ::sched_getcpu();
        const uint64_t self = threadToken();
        if (!rt.placementKnown || cpu != rt.placementCpu || self != rt.placementThread ||
            start - rt.placementCheckedNs >= kAffinityRecheckNs) {
            cpu_set_t allowed;
            CPU_ZERO(&allowed);
            rt.cpuHint = ::sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) == 1 &&
                                 cpu >= 0 && CPU_ISSET(cpu, &allowed)
                             ? static_cast<uint32_t>(cpu) + 1u
                             : 0u;
            rt.placementKnown = true;
            rt.placementCpu = cpu;
            rt.placementThread = self;
            rt.placementCheckedNs = start;
        }
        cpuHint = rt.cpuHint;
    }
    uint32_t sinks = 0;
    for (Runtime::NodeRun& run : rt.runs) {
        wire::GraphNode& block = rt.nodes[run.node];
        __atomic_store_n(&block.cpu_hint, cpuHint, __ATOMIC_RELAXED);  // published by the pending store / wake
        if (run.skip) {
            __atomic_store_n(&block.pending, graphact::tag(cycle) | wire::kPendingClosed, __ATOMIC_RELEASE);
            continue;
        }
        uint32_t required = 0;
        for (int32_t predecessor : run.predecessors)
            required += rt.runs[static_cast<size_t>(predecessor)].skip ? 0u : 1u;
        __atomic_store_n(&block.pending, graphact::tag(cycle) | required, __ATOMIC_RELEASE);
        run.source = required == 0;
        sinks += run.sink ? 1u : 0u;
    }
    __atomic_store_n(&header->host_pending, graphact::tag(cycle) | sinks, __ATOMIC_SEQ_CST);
    // 3. Wake the sources (out of process); host-run sources run in the loop below.
    for (int32_t index : rt.order) {
        Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
        // Decided before the first wake: once a source runs, its successors' counters move.
        if (run.skip || !run.remote || !run.source)
            continue;
        __atomic_store_n(&rt.nodes[index].signalled_ns, monotonicNanoseconds(), __ATOMIC_RELAXED);
        graphact::wakeNode(header, &rt.nodes[index], cycle);
    }
    // 4. Run host-run nodes as they become ready; spin up to options.hostSpinNs, then sleep on
    // host_word, never past the deadline.
    const int64_t spinEnd = options_.hostSpinNs > 0 ? std::min(deadline, start + options_.hostSpinNs) : 0;
    for (;;) {
        const uint32_t seen = loadSeqCst(&header->host_word);
        bool progress = false;
        for (int32_t index : rt.order) {
            Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
            if (run.skip || run.remote || run.ran)
                continue;
            const uint32_t pending = __atomic_load_n(&rt.nodes[index].pending, __ATOMIC_ACQUIRE);
            if (!graphact::released(pending, cycle))
                continue;
            if (monotonicNanoseconds() >= deadline)
                break;
            if ((pending & wire::kPendingReleasedByService) != 0)
                graphact::countWake(header);  // a service woke the host for this node
            run.ran = true;
            runOnHost(index, cycle, frames, deadline);
            progress = true;
        }
        const uint32_t hostPending = __atomic_load_n(&header->host_pending, __ATOMIC_ACQUIRE);
        if (graphact::released(hostPending, cycle)) {
            if ((hostPending & wire::kPendingReleasedByService) != 0)
                graphact::countWake(header);  // the last sink, in a service, woke the host
            break;  // every sink finished
        }
        if (progress)
            continue;
        // A released node whose service died never finishes: end its part now, on silence (its
        // consumers see it did not finish), instead of waiting for the deadline.
        bool dead = false;
        for (int32_t index : rt.order) {
            Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
            if (run.skip || !run.remote || run.lost || rt.finished(static_cast<uint32_t>(index), cycle) ||
                !graphact::released(__atomic_load_n(&rt.nodes[index].pending, __ATOMIC_ACQUIRE), cycle))
                continue;
            if (run.transport->isAlive())
                continue;
            run.lost = true;
            dead = true;
            uint32_t ready[wire::kMaxGraphSuccessors];
            uint32_t readyCount = 0;
            graphact::signalSuccessors(header, rt.nodes, header->node_count, static_cast<uint32_t>(index), cycle,
                                       monotonicNanoseconds(), false, [](uint32_t) { return false; }, ready, &readyCount);
        }
        if (dead)
            continue;
        const int64_t now = monotonicNanoseconds();
        if (now >= deadline)
            break;
        if (now < spinEnd) {
            cpuRelax();
            continue;
        }
        storeSeqCst(&header->host_waiting, 1);
        if (loadSeqCst(&header->host_word) == seen)
            futex::wait(&header->host_word, seen, deadline - now);
        storeSeqCst(&header->host_waiting, 0);
    }
    // 5. Close the cycle: whatever did not finish is an xrun; a late node finishing later changes nothing.
    graphact::close(&header->host_pending, cycle);
    for (int32_t index : rt.order) {
        Runtime::NodeRun& run = rt.runs[static_cast<size_t>(index)];
        if (run.skip)
            continue;
        Node& node = *nodes_[static_cast<size_t>(index)];
        wire::GraphNode& block = rt.nodes[index];
        const bool released = !graphact::close(&block.pending, cycle);
        node.signalledNs.store(__atomic_load_n(&block.signalled_ns, __ATOMIC_RELAXED), std::memory_order_relaxed);
        node.awakeNs.store(__atomic_load_n(&block.awake_ns, __ATOMIC_RELAXED), std::memory_order_relaxed);
        node.finishedNs.store(__atomic_load_n(&block.finished_ns, __ATOMIC_RELAXED), std::memory_order_relaxed);
        if (rt.finished(static_cast<uint32_t>(index), cycle)) {
            const HostingStatus status = hostingStatusFromWire(__atomic_load_n(&block.status, __ATOMIC_RELAXED));
            // An out-of-process node says whether it framed AAPXS into its MIDI2 output (a service
            // that does not say, without kAapxsOutputHinted, is scanned).
            const uint32_t aapxs = run.remote ? __atomic_load_n(&block.aapxs_flags, __ATOMIC_RELAXED) : 0u;
            const bool scan = !run.remote || (aapxs & wire::kAapxsOutputHinted) == 0 || (aapxs & wire::kAapxsInOutput) != 0;
            const HostingStatus result = node.plugin->endGraphCycle(status, true, scan);
            if (result != HostingStatus::Ok) {
                bypass(index, result);
                anyMiss = true;
                continue;
            }
            node.cycles.fetch_add(1, std::memory_order_relaxed);
            node.consecutiveMisses.store(0, std::memory_order_relaxed);
            continue;
        }
        anyMiss = true;
        if (run.lost) {
            node.plugin->endGraphCycle(HostingStatus::Offline, true);
            bypass(index, HostingStatus::Offline);  // dead: bypassed at once
            continue;
        }
        const bool started = released && (run.remote || run.ran);
        node.plugin->endGraphCycle(HostingStatus::Xrun, started);
        miss(index, started);
    }
    // 6. The host's outputs: one producer's output is read where it is (zero copy; silence when it
    // did not finish in time), several are summed.
    for (size_t channel = 0; channel < rt.hostOut.size(); channel++) {
        const std::vector<GraphPort>& sources = rt.hostOutSources[channel];
        if (sources.size() == 1 && !sources[0].isHost()) {
            const GraphPort source = sources[0];
            const void* buffer =
                rt.finished(static_cast<uint32_t>(source.node), cycle)
                    ? nodes_[static_cast<size_t>(source.node)]->plugin->instance().transportInstance()->portBuffer(source.port)
                    : nullptr;
            rt.hostOutRead[channel] = buffer != nullptr ? static_cast<const float*>(buffer) : rt.silence.data();
            continue;
        }
        rt.hostOutRead[channel] = rt.hostOut[channel].data();
        for (size_t s = 0; s < sources.size(); s++) {
            const GraphPort source = sources[s];
            if (source.isHost()) {
                rt.mixScratch[s] = nullptr;
                continue;
            }
            rt.mixScratch[s] = rt.finished(static_cast<uint32_t>(source.node), cycle)
                                   ? nodes_[static_cast<size_t>(source.node)]->plugin->instance().transportInstance()->portBuffer(source.port)
                                   : nullptr;
        }
        graphmix::sumAudio(rt.hostOut[channel].data(), reinterpret_cast<const float* const*>(rt.mixScratch.data()),
                           sources.size(), frames);
    }
    const uint64_t wakes = __atomic_load_n(&header->wakes, __ATOMIC_RELAXED) - wakesBefore;
    rt.wakesLast.store(wakes, std::memory_order_relaxed);
    rt.wakesTotal.fetch_add(wakes, std::memory_order_relaxed);
    const uint64_t futexWakes = __atomic_load_n(&header->futex_wakes, __ATOMIC_RELAXED) - futexWakesBefore;
    rt.futexWakesLast.store(futexWakes, std::memory_order_relaxed);
    rt.futexWakesTotal.fetch_add(futexWakes, std::memory_order_relaxed);
    rt.cycles.fetch_add(1, std::memory_order_relaxed);
    return anyMiss ? GraphStatus::Xrun : GraphStatus::Ok;
}

} // namespace aap
