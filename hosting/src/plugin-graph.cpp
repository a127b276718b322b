#include "aap/hosting/plugin-graph.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>

#include "futex.h"
#include "graph-mix.h"

namespace aap {

namespace {

// Every HostedPlugin that is a node of some graph (AlreadyInGraph). [main-thread] calls only.
std::mutex g_membersMutex;
std::set<const HostedPlugin*>& members() {
    static std::set<const HostedPlugin*> set;
    return set;
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
    struct Input {
        int32_t port = 0;
        bool midi = false;
        std::vector<GraphPort> sources;  // producers (node, port) or host input channels
        std::vector<const void*> pointers;  // scratch for the mix, one per source
        std::vector<size_t> capacities;
    };
    struct NodeRun {
        int32_t node = 0;
        std::vector<Input> inputs;
        bool ranThisCycle = false;
        std::vector<uint8_t> scratch;  // MIDI2 merge
    };
    std::vector<NodeRun> order;                 // topological
    std::vector<int32_t> position;              // node -> index in order
    std::vector<std::vector<float>> hostIn;     // options.frames floats each
    std::vector<std::vector<float>> hostOut;
    std::vector<std::vector<GraphPort>> hostOutSources;
    std::vector<const void*> mixScratch;
    std::atomic<uint64_t> cycles{0};
    std::atomic<uint64_t> wakesLast{0};
    std::atomic<uint64_t> wakesTotal{0};
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
        options_.bypassAfterMisses < 1) {
        say(error, "bad graph options (frames, sample rate, channels, bypassAfterMisses)");
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
    // Topological order (Kahn): the edges never form a cycle (connect refused those).
    std::vector<int32_t> indegree(nodes_.size(), 0);
    for (const Edge& edge : edges_)
        if (!edge.from.isHost() && !edge.to.isHost())
            indegree[static_cast<size_t>(edge.to.node)]++;
    std::vector<int32_t> ready;
    for (size_t i = 0; i < nodes_.size(); i++)
        if (indegree[i] == 0)
            ready.push_back(static_cast<int32_t>(i));
    runtime->position.assign(nodes_.size(), -1);
    while (!ready.empty()) {
        const int32_t node = ready.front();
        ready.erase(ready.begin());
        runtime->position[static_cast<size_t>(node)] = static_cast<int32_t>(runtime->order.size());
        Runtime::NodeRun run;
        run.node = node;
        runtime->order.push_back(std::move(run));
        for (const Edge& edge : edges_)
            if (edge.from.node == node && !edge.to.isHost() && --indegree[static_cast<size_t>(edge.to.node)] == 0)
                ready.push_back(edge.to.node);
    }
    for (Runtime::NodeRun& run : runtime->order) {
        const Node& node = *nodes_[static_cast<size_t>(run.node)];
        for (const Edge& edge : edges_) {
            if (edge.to.node != run.node || edge.to.isHost())
                continue;
            auto it = std::find_if(run.inputs.begin(), run.inputs.end(),
                                   [&](const Runtime::Input& in) { return in.port == edge.to.port; });
            if (it == run.inputs.end()) {
                Runtime::Input input;
                input.port = edge.to.port;
                input.midi = node.types[static_cast<size_t>(edge.to.port)] == PortContentType::Midi2;
                run.inputs.push_back(std::move(input));
                it = run.inputs.end() - 1;
            }
            it->sources.push_back(edge.from);
        }
        for (Runtime::Input& input : run.inputs) {
            input.pointers.resize(input.sources.size());
            input.capacities.resize(input.sources.size());
            if (input.midi)
                run.scratch.resize(std::max(run.scratch.size(),
                                            static_cast<size_t>(node.plugin->instance().portBufferSize(input.port)) + 64));
        }
    }
    runtime->hostIn.assign(static_cast<size_t>(options_.hostInputs), std::vector<float>(static_cast<size_t>(options_.frames)));
    runtime->hostOut.assign(static_cast<size_t>(options_.hostOutputs), std::vector<float>(static_cast<size_t>(options_.frames)));
    runtime->hostOutSources.resize(static_cast<size_t>(options_.hostOutputs));
    for (const Edge& edge : edges_)
        if (edge.to.isHost())
            runtime->hostOutSources[static_cast<size_t>(edge.to.port)].push_back(edge.from);
    runtime->mixScratch.resize(static_cast<size_t>(kMaxEdgesPerPort));

    for (size_t i = 0; i < nodes_.size(); i++) {
        Node& node = *nodes_[i];
        const HostingStatus status = node.plugin->activate();
        if (status != HostingStatus::Ok) {
            say(error, "node " + std::to_string(i) + " (" + node.plugin->pluginId() + "): activate: " +
                           hostingStatusMessage(status));
            for (size_t j = 0; j < i; j++)
                nodes_[j]->plugin->deactivate();
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
    active_ = false;
    return GraphStatus::Ok;
}

float* PluginGraph::hostInput(int32_t channel) noexcept {
    if (!active_ || channel < 0 || channel >= options_.hostInputs)
        return nullptr;
    return runtime_->hostIn[static_cast<size_t>(channel)].data();
}

const float* PluginGraph::hostOutput(int32_t channel) noexcept {
    if (!active_ || channel < 0 || channel >= options_.hostOutputs)
        return nullptr;
    return runtime_->hostOut[static_cast<size_t>(channel)].data();
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
    status.outOfProcess = status.servicePid != 0;
    status.signalledNs = n.signalledNs.load(std::memory_order_relaxed);
    status.awakeNs = n.awakeNs.load(std::memory_order_relaxed);
    status.finishedNs = n.finishedNs.load(std::memory_order_relaxed);
    return status;
}

uint64_t PluginGraph::cycles() const noexcept { return runtime_ ? runtime_->cycles.load() : 0; }
uint64_t PluginGraph::wakesLastCycle() const noexcept { return runtime_ ? runtime_->wakesLast.load() : 0; }
uint64_t PluginGraph::totalWakes() const noexcept { return runtime_ ? runtime_->wakesTotal.load() : 0; }

GraphStatus PluginGraph::process(int32_t frames, int64_t timeoutNs) noexcept {
    if (!active_)
        return GraphStatus::InvalidState;
    if (frames <= 0 || frames > options_.frames || timeoutNs <= 0)
        return GraphStatus::InvalidArgument;
    Runtime& rt = *runtime_;
    const int64_t start = monotonicNanoseconds();
    const int64_t deadline = start + timeoutNs;
    bool anyMiss = false;
    // A producer's output counts only when it ran in time this cycle; otherwise it is silence.
    auto outputOf = [&](GraphPort source, size_t* capacity) -> const void* {
        if (source.isHost()) {
            *capacity = static_cast<size_t>(options_.frames) * sizeof(float);
            return rt.hostIn[static_cast<size_t>(source.port)].data();
        }
        if (!rt.order[static_cast<size_t>(rt.position[static_cast<size_t>(source.node)])].ranThisCycle)
            return nullptr;
        PluginInstance& producer = nodes_[static_cast<size_t>(source.node)]->plugin->instance();
        *capacity = producer.portBufferSize(source.port);
        return producer.transportInstance()->portBuffer(source.port);
    };
    for (Runtime::NodeRun& run : rt.order) {
        run.ranThisCycle = false;
        Node& node = *nodes_[static_cast<size_t>(run.node)];
        if (node.bypassed.load(std::memory_order_relaxed))
            continue;
        HostedPlugin& plugin = *node.plugin;
        PluginInstance& instance = plugin.instance();
        if (instance.state() != InstanceState::Active) {
            node.bypassReason.store(static_cast<int32_t>(HostingStatus::Offline), std::memory_order_relaxed);
            node.bypassed.store(true, std::memory_order_release);
            anyMiss = true;
            continue;
        }
        HostingStatus status = plugin.beginGraphCycle(frames);
        TransportInstance* transport = instance.transportInstance();
        if (status == HostingStatus::Ok) {
            for (Runtime::Input& input : run.inputs) {
                void* target = transport->portBuffer(input.port);
                for (size_t s = 0; s < input.sources.size(); s++)
                    input.pointers[s] = outputOf(input.sources[s], &input.capacities[s]);
                if (input.midi)
                    graphmix::mergeMidi2(static_cast<uint8_t*>(target), instance.portBufferSize(input.port) ,
                                         reinterpret_cast<const uint8_t* const*>(input.pointers.data()),
                                         input.capacities.data(), input.sources.size(), run.scratch.data());
                else
                    graphmix::sumAudio(static_cast<float*>(target),
                                       reinterpret_cast<const float* const*>(input.pointers.data()),
                                       input.sources.size(), frames);
            }
            const int64_t now = monotonicNanoseconds();
            node.signalledNs.store(now, std::memory_order_relaxed);
            node.awakeNs.store(now, std::memory_order_relaxed);
            status = now >= deadline ? HostingStatus::Xrun : transport->process(frames, deadline - now);
            node.finishedNs.store(monotonicNanoseconds(), std::memory_order_relaxed);
            status = plugin.endGraphCycle(status, status != HostingStatus::Xrun || now < deadline);
        }
        if (status == HostingStatus::Ok) {
            run.ranThisCycle = true;
            node.cycles.fetch_add(1, std::memory_order_relaxed);
            node.consecutiveMisses.store(0, std::memory_order_relaxed);
            continue;
        }
        anyMiss = true;
        node.xruns.fetch_add(1, std::memory_order_relaxed);
        const uint32_t misses = node.consecutiveMisses.fetch_add(1, std::memory_order_relaxed) + 1;
        if (status != HostingStatus::Xrun || misses >= static_cast<uint32_t>(options_.bypassAfterMisses)) {
            node.bypassReason.store(static_cast<int32_t>(status), std::memory_order_relaxed);
            node.bypassed.store(true, std::memory_order_release);
        }
    }
    for (size_t channel = 0; channel < rt.hostOut.size(); channel++) {
        const std::vector<GraphPort>& sources = rt.hostOutSources[channel];
        size_t capacity = 0;
        for (size_t s = 0; s < sources.size(); s++)
            rt.mixScratch[s] = outputOf(sources[s], &capacity);
        graphmix::sumAudio(rt.hostOut[channel].data(), reinterpret_cast<const float* const*>(rt.mixScratch.data()),
                           sources.size(), frames);
    }
    rt.cycles.fetch_add(1, std::memory_order_relaxed);
    return anyMiss ? GraphStatus::Xrun : GraphStatus::Ok;
}

} // namespace aap
