#include "aap/hosting/plugin-service.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext/gui-v5.h"
#include "aap/gui-shm-channel.h"
#include "aap/hosting/control-protocol.h"
#include "aap/hosting/realtime-scheduling.h"
#include "aap/runtime/log.h"
#include "aap/hosting/shared-memory.h"
#include "aap/plugin-meta-info.h"
#include "containment.h"
#include "control-socket.h"
#include "futex.h"
#include "graph-activation.h"
#include "graph-mix.h"
#include "gui-program.h"
#include "gui-thread.h"
#include "local-plugin.h"
#include "plugin-info-provider.h"
#include "plugin-side-aapxs.h"
#include "sandbox.h"
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
#include "service-gui.h"
#endif

namespace aap {

namespace {

std::atomic<const RealtimeCycleObserver*> g_cycleObserver{nullptr};
GuiDeadlines g_guiDeadlines;

// A gui/v5 host-extension request of one instance's GUI, on its way to the host (kOpHostNotification).
struct GuiNote {
    uint32_t instance;
    int32_t opcode;
    int32_t gui;
    uint32_t a;
    uint32_t b;
};

// The service's side of native GUIs shared by its instances: one GUI thread (started at the
// first GUI call) and the queue of GUI notifications the main loop forwards to the host.
struct ServiceGuiContext {
    GuiThread thread;
    std::mutex mutex;
    std::vector<GuiNote> notes;
    int wakeFd = -1;

    // [thread-safe] (the GUI thread, or a caller that timed out)
    void post(const GuiNote& note) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (notes.size() >= 4096)
                return;  // a GUI that floods its host loses requests, never memory
            notes.push_back(note);
        }
        uint64_t one = 1;
        (void)!::write(wakeFd, &one, sizeof(one));
    }
};

// How long a plugin's synchronous host-extension call waits for the host's reply.
constexpr int64_t kHostExtensionTimeoutNs = 2000000000;
// How long a message to the host may wait for room in the socket before the host is given up.
constexpr int64_t kSendTimeoutNs = 5000000000;
// How long deactivate/destroy wait for a realtime loop stuck in the plugin's process().
constexpr int64_t kRealtimeStopTimeoutNs = 200000000;

// Through the host-installed handler (aap/runtime/log.h); the service's main installs one that
// writes to its stderr.
void logError(const std::string& message) { log(LogLevel::Error, message); }

class ServiceInstance;

// The part of a graph's activation block this service sees: the mapping (once per graph) and which
// of its nodes are instances of this service (run back to back on one thread, without a wake).
struct ServiceGraph {
    SharedMemory memory;
    wire::GraphHeader* header = nullptr;
    wire::GraphNode* nodes = nullptr;
    uint32_t nodeCount = 0;
    std::atomic<ServiceInstance*> local[wire::kMaxGraphNodes] = {};
};

class ServiceInstance final : private LocalPluginHostHooks {
public:
    ServiceInstance(uint32_t id, int wakeFd, ServiceGuiContext& gui, PluginSideAapxs::ControlChannelSender sender)
        : id_(id), wakeFd_(wakeFd), guiContext_(gui) {
        aapxs_.setControlChannelSender(std::move(sender));
    }
    ~ServiceInstance() override {
        stopRealtime();
        if (!stuck_)
            shutdownGui();
    }

    // On failure *error says why (one line, for the host and the service's stderr).
    HostingStatus create(const std::string& library, const std::string& entrypoint, const std::string& pluginId,
                         const std::string& metadataPath, std::string* error) {
        metadataPath_ = metadataPath;
        libraryPath_ = library;
        pluginId_ = pluginId;
        HostingStatus status = LocalPlugin::instantiate(library, entrypoint, pluginId, this, &plugin_, error);
        if (status != HostingStatus::Ok) {
            logError(*error);
            return status;
        }
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        if (gui_)
            gui_->setPlugin(plugin_->plugin());
#endif
        return HostingStatus::Ok;
    }

    HostingStatus mapUrid(const std::string& uri, uint8_t urid) {
        if (state_ == State::Active)
            return HostingStatus::InvalidState;
        return aapxs_.mapUrid(uri, urid);
    }

    HostingStatus addExtension(std::string uri, uint32_t capacity, UniqueFd fd) {
        if (state_ != State::Unprepared)
            return HostingStatus::InvalidState;
        if (extensions_.size() >= wire::kMaxExtensionsPerInstance)
            return HostingStatus::CapacityExceeded;
        SharedMemory memory;
        std::string error;
        HostingStatus status = SharedMemory::adopt(std::move(fd), capacity, &memory, &error);
        if (status != HostingStatus::Ok) {
            logError("refused the shared memory of extension " + uri + ": " + error);
            return status;
        }
        extensions_.push_back(Extension{std::move(uri), capacity, std::move(memory)});
        return HostingStatus::Ok;
    }

    // *locking says how locking this side's shared memory went (mlock + pre-fault, not fatal).
    HostingStatus prepare(const wire::PreparePayload& head, const wire::PortEntry* entries, std::vector<UniqueFd>& fds,
                          MemoryLocking* locking) {
        if (state_ != State::Unprepared)
            return HostingStatus::InvalidState;
        SharedMemory block;
        std::string error;
        HostingStatus status = SharedMemory::adopt(std::move(fds[0]), wire::kProcessBlockSize, &block, &error);
        if (status != HostingStatus::Ok) {
            logError("refused the process block of prepare: " + error);
            return status;
        }
        auto* processBlock = static_cast<wire::ProcessBlock*>(block.data());
        if (processBlock->magic != wire::kProcessBlockMagic || processBlock->layout_version != wire::kControlProtocolVersion)
            return HostingStatus::ProtocolError;
        std::vector<SharedMemory> ports;
        portType_.clear();
        portDirection_.clear();
        std::vector<void*> pointers;
        std::vector<int32_t> sizes;
        int32_t midiIn = -1, midiOut = -1;
        for (uint32_t i = 0; i < head.port_count; i++) {
            const wire::PortEntry& e = entries[i];
            if (e.content_type == AAP_CONTENT_TYPE_MIDI2 && e.direction == AAP_PORT_DIRECTION_INPUT && midiIn < 0)
                midiIn = static_cast<int32_t>(i);
            if (e.content_type == AAP_CONTENT_TYPE_MIDI2 && e.direction == AAP_PORT_DIRECTION_OUTPUT && midiOut < 0)
                midiOut = static_cast<int32_t>(i);
            SharedMemory memory;
            status = SharedMemory::adopt(std::move(fds[1 + i]), e.buffer_size, &memory, &error);
            if (status != HostingStatus::Ok) {
                logError("refused the buffer of port " + std::to_string(i) + " in prepare: " + error);
                return status;
            }
            pointers.push_back(memory.data());
            sizes.push_back(static_cast<int32_t>(e.buffer_size));
            portType_.push_back(e.content_type);
            portDirection_.push_back(e.direction);
            ports.push_back(std::move(memory));
        }
        processMemory_ = std::move(block);
        block_ = processBlock;
        ports_ = std::move(ports);
        frames_ = head.frames;
        midiIn_ = midiIn;
        midiOut_ = midiOut;
        lockAndPrefault(processMemory_.data(), processMemory_.size(), locking);
        for (SharedMemory& port : ports_)
            lockAndPrefault(port.data(), port.size(), locking);
        for (Extension& extension : extensions_)
            lockAndPrefault(extension.memory.data(), extension.memory.size(), locking);
        if (locking->state == MemoryLock::Failed)
            log(LogLevel::Warning, "instance " + std::to_string(id_) + ": shared memory " + describeMemoryLocking(*locking));
        plugin_->prepare(head.frames, head.sample_rate, std::move(pointers), std::move(sizes));
        state_ = State::Inactive;
        return HostingStatus::Ok;
    }

    // Starts the realtime thread and asks SCHED_FIFO at `priority` (0: nothing) for it;
    // *scheduling is what it got, read back from the thread.
    HostingStatus activate(int32_t priority, RealtimeScheduling* scheduling) {
        if (state_ != State::Inactive)
            return HostingStatus::InvalidState;
        HostingStatus status = aapxs_.startSession(plugin_->plugin());
        if (status != HostingStatus::Ok)
            return status;
        plugin_->activate();
        aapxs_.setActive(true);
        state_ = State::Active;
        // Requests issued before activation are not ours to answer.
        lastSequence_ = loadAcquire(&block_->request_sequence);
        if (graph_)
            lastSequence_ = loadAcquire(&graph_->nodes[node_].activation);
        graphRunnable_.store(graph_ != nullptr);
        storeSeqCst(&block_->shutdown, 0);
        realtimeExited_.store(false);
        realtime_ = std::thread([this] {
            if (graph_)
                graphLoop();
            else
                realtimeLoop();
        });
        *scheduling = requestRealtimeScheduling(realtime_.native_handle(), priority);
        return HostingStatus::Ok;
    }

    HostingStatus deactivate() {
        if (state_ != State::Active)
            return HostingStatus::InvalidState;
        if (!stopRealtime())
            return HostingStatus::Timeout;
        aapxs_.setActive(false);
        plugin_->deactivate();
        aapxs_.stopSession();
        state_ = State::Inactive;
        return HostingStatus::Ok;
    }

    // False when the realtime loop is stuck inside the plugin; the plugin must then never be
    // touched again (it is leaked, with its thread, until the process exits).
    bool stopRealtime() {
        if (!realtime_.joinable())
            return !stuck_;
        storeSeqCst(&block_->shutdown, 1);
        futex::wake(&block_->request_sequence, 1);
        graphRunnable_.store(false);
        if (graph_)
            futex::wake(&graph_->nodes[node_].activation, 1);
        const int64_t deadline = monotonicNanoseconds() + kRealtimeStopTimeoutNs;
        // Another node's thread of this service may be running this one inline: wait it out too.
        while (graphRunners_.load() != 0 && monotonicNanoseconds() < deadline)
            ::usleep(1000);
        // The loop sleeps without a time limit (a timed FUTEX_WAIT arms and cancels a kernel
        // timer on every cycle). Its word does not change here, so a wake-up that lands between
        // its last check of `shutdown` and its FUTEX_WAIT is lost: wake it again every
        // millisecond until it has gone.
        while (!realtimeExited_.load() && monotonicNanoseconds() < deadline) {
            futex::wake(&block_->request_sequence, 1);
            if (graph_)
                futex::wake(&graph_->nodes[node_].activation, 1);
            ::usleep(1000);
        }
        if (!realtimeExited_.load()) {
            realtime_.detach();
            stuck_ = true;
            return false;
        }
        realtime_.join();
        return true;
    }

    // Stops the realtime loop and deactivates. When the loop is stuck inside the plugin, nothing
    // is touched and stuck() turns true: the owner must then leak this object.
    // kOpGuiChannel: the host's shared-memory GUI channel for GUI program session `gui`.
    HostingStatus attachGuiChannel(int32_t gui, uint32_t capacity, const uint8_t* token, size_t tokenSize, UniqueFd fd,
                                   std::string* why) {
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        if (gui_)
            return gui_->attachChannel(gui, capacity, token, tokenSize, std::move(fd), why);
#endif
        *why = "this plugin has no native GUI";
        return HostingStatus::Unsupported;
    }
    void releaseForDestroy() {
        if (!stopRealtime())
            return;  // the caller leaks this instance (see stuck())
        shutdownGui();
        if (state_ == State::Active) {
            aapxs_.setActive(false);
            plugin_->deactivate();
            state_ = State::Inactive;
        }
        aapxs_.stopSession();
    }

    HostingStatus extension(const std::string& uri, const wire::ExtensionPayload& head, uint32_t* replySize) {
        if (state_ == State::Active)
            return HostingStatus::InvalidState;  // docs/spec/abi.md section 4: active => realtime path
        for (Extension& e : extensions_) {
            if (e.uri != uri)
                continue;
            if (head.data_size > e.capacity)
                return HostingStatus::InvalidArgument;
            return aapxs_.dispatch(plugin_->plugin(), uri, head.opcode, head.request_id,
                                   static_cast<uint8_t*>(e.memory.data()), e.capacity, head.data_size, replySize);
        }
        return HostingStatus::NotFound;
    }

    // kOpGraphAttach (Inactive only): from the next activate on, the instance runs as node `node`
    // of `graph`: it waits on its activation word, mixes or maps its inputs, runs and signals its
    // successors. `sources` are the mapped producer buffers, in the order of `inputs`.
    struct GraphSource {
        uint32_t producer;
        SharedMemory memory;
    };
    struct GraphInput {
        uint32_t port;
        bool zeroCopy;
        bool midi;
        std::vector<GraphSource> sources;
        std::vector<const void*> pointers;
        std::vector<size_t> capacities;
    };
    HostingStatus attachGraph(std::shared_ptr<ServiceGraph> graph, uint32_t node, std::vector<GraphInput> inputs) {
        if (state_ != State::Inactive)
            return HostingStatus::InvalidState;
        if (graph_)
            detachGraph();
        size_t scratch = 0;
        for (GraphInput& input : inputs) {
            if (input.port >= ports_.size() || portDirection_[input.port] != AAP_PORT_DIRECTION_INPUT)
                return HostingStatus::InvalidArgument;
            const int32_t type = portType_[input.port];
            if (type != AAP_CONTENT_TYPE_AUDIO && type != AAP_CONTENT_TYPE_MIDI2)
                return HostingStatus::InvalidArgument;
            input.midi = type == AAP_CONTENT_TYPE_MIDI2;
            for (const GraphSource& source : input.sources) {
                if (source.producer != wire::kGraphHost && source.producer >= graph->nodeCount)
                    return HostingStatus::InvalidArgument;
                // A source read in place must cover the whole port; a MIDI2 source at least its header
                // (an audio source to mix is checked against each cycle's frames).
                const size_t minimum = input.midi       ? 32u
                                       : input.zeroCopy ? ports_[input.port].size()
                                                        : sizeof(float);
                if (source.memory.size() < minimum)
                    return HostingStatus::InvalidArgument;
            }
            if (input.zeroCopy && (input.sources.size() != 1 || input.midi))
                return HostingStatus::InvalidArgument;
            input.pointers.resize(input.sources.size());
            input.capacities.resize(input.sources.size());
            if (input.midi)
                scratch = std::max(scratch, ports_[input.port].size());
        }
        graphScratch_.assign(scratch, 0);
        silence_.assign(static_cast<size_t>(frames_), 0.0f);
        graphInputs_ = std::move(inputs);
        graph_ = std::move(graph);
        node_ = node;
        graph_->local[node_].store(this);
        return HostingStatus::Ok;
    }
    HostingStatus detachGraph() {
        if (state_ == State::Active)
            return HostingStatus::InvalidState;
        if (graph_) {
            ServiceInstance* expected = this;
            graph_->local[node_].compare_exchange_strong(expected, nullptr);
            for (GraphInput& input : graphInputs_)
                if (input.zeroCopy)
                    plugin_->setBuffer(static_cast<int32_t>(input.port), ports_[input.port].data());
        }
        graph_.reset();
        graphInputs_.clear();
        return HostingStatus::Ok;
    }

    // Placement of a node's own thread (GraphNode::cpu_hint, PluginGraphOptions::placement): the
    // CPUs it may use when asked for none (its affinity when the loop started) and the hint it
    // last applied.
    struct Placement {
        cpu_set_t anywhere;
        bool known = false;
        uint32_t applied = 0;
    };
    // [audio-thread] Keeps this thread on the CPU the host's hint names: one sched_setaffinity on
    // itself when the hint changed (no allocation, never waits); a CPU outside `anywhere` (or 0)
    // means anywhere. Errors leave the thread where the kernel puts it.
    static void keepPlacement(const wire::GraphNode& me, Placement& placement) noexcept {
        const uint32_t hint = __atomic_load_n(&me.cpu_hint, __ATOMIC_RELAXED);
        if (!placement.known || hint == placement.applied)
            return;
        placement.applied = hint;
        cpu_set_t set = placement.anywhere;
        if (hint != 0 && hint - 1 < CPU_SETSIZE && CPU_ISSET(hint - 1, &placement.anywhere)) {
            CPU_ZERO(&set);
            CPU_SET(hint - 1, &set);
        }
        (void)::sched_setaffinity(0, sizeof(set), &set);
    }

    // [audio-thread] Runs this node's part of `cycle` (on its own thread, with `placement` its
    // state, or inline on the thread of a predecessor of the same service, without), then
    // signals its successors and runs the local ones.
    void runGraphCycle(uint32_t cycle, Placement* placement = nullptr) noexcept {
        graphRunners_.fetch_add(1);
        if (!graphRunnable_.load()) {
            graphRunners_.fetch_sub(1);
            return;
        }
        ServiceGraph& graph = *graph_;
        wire::GraphNode& me = graph.nodes[node_];
        const RealtimeCycleObserver* observer = g_cycleObserver.load(std::memory_order_acquire);
        if (observer != nullptr)
            observer->begin(observer->user);
        const int64_t awake = monotonicNanoseconds();
        __atomic_store_n(&me.awake_ns, awake, __ATOMIC_RELAXED);
        __atomic_store_n(&me.started_cycle, cycle, __ATOMIC_RELEASE);
        const int32_t frames = __atomic_load_n(&graph.header->frames, __ATOMIC_RELAXED);
        int32_t status = 0;
        bool framed = false;
        if (frames < 0 || frames > frames_) {
            status = static_cast<int32_t>(HostingStatus::InvalidArgument);
        } else {
            // Inputs: a producer's output counts only when it finished this very cycle.
            for (GraphInput& input : graphInputs_) {
                if (input.zeroCopy) {  // one audio source, read in place: no mix, no scratch
                    const GraphSource& source = input.sources[0];
                    const bool ran = source.producer == wire::kGraphHost ||
                                     __atomic_load_n(&graph.nodes[source.producer].finished_cycle, __ATOMIC_ACQUIRE) == cycle;
                    const bool covers = source.memory.size() >= static_cast<size_t>(frames) * sizeof(float);
                    plugin_->setBuffer(static_cast<int32_t>(input.port), ran && covers ? source.memory.data() : silence_.data());
                    continue;
                }
                for (size_t s = 0; s < input.sources.size(); s++) {
                    const uint32_t producer = input.sources[s].producer;
                    const bool ran = producer == wire::kGraphHost ||
                                     __atomic_load_n(&graph.nodes[producer].finished_cycle, __ATOMIC_ACQUIRE) == cycle;
                    const bool covers = input.midi || input.sources[s].memory.size() >= static_cast<size_t>(frames) * sizeof(float);
                    input.pointers[s] = ran && covers ? input.sources[s].memory.data() : nullptr;
                    input.capacities[s] = input.sources[s].memory.size();
                }
                void* own = ports_[input.port].data();
                if (input.midi)
                    graphmix::mergeMidi2(static_cast<uint8_t*>(own), ports_[input.port].size(),
                                         reinterpret_cast<const uint8_t* const*>(input.pointers.data()),
                                         input.capacities.data(), input.pointers.size(), graphScratch_.data());
                else
                    graphmix::sumAudio(static_cast<float*>(own), reinterpret_cast<const float* const*>(input.pointers.data()),
                                       input.pointers.size(), frames);
            }
            // AAPXS: the input is scanned only when the host framed some into it (a host that
            // does not say so, without kGraphNodeAapxsHints, gets a scan every cycle).
            const bool hinted = (__atomic_load_n(&me.flags, __ATOMIC_RELAXED) & wire::kGraphNodeAapxsHints) != 0;
            const bool aapxsIn = (__atomic_load_n(&me.aapxs_flags, __ATOMIC_RELAXED) & wire::kAapxsInInput) != 0;
            aapxs_.beforeProcess(portBytes(midiIn_), portSize(midiIn_), !hinted || aapxsIn);
            // The time left, from when the node woke (one clock read less; the mix before is short).
            const int64_t left = __atomic_load_n(&graph.header->deadline_ns, __ATOMIC_RELAXED) - awake;
            plugin_->process(frames, left > 0 ? left : 1);
            framed = aapxs_.afterProcess(portBytes(midiOut_), portSize(midiOut_));
        }
        const int64_t now = monotonicNanoseconds();
        // Before finished_cycle: the host reads it once it sees this cycle finished.
        __atomic_store_n(&me.aapxs_flags, wire::kAapxsOutputHinted | (framed ? wire::kAapxsInOutput : 0u),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&me.status, status, __ATOMIC_RELAXED);
        __atomic_store_n(&me.finished_ns, now, __ATOMIC_RELAXED);
        __atomic_store_n(&me.finished_cycle, cycle, __ATOMIC_RELEASE);
        uint32_t ready[wire::kMaxGraphSuccessors];
        uint32_t readyCount = 0;
        graphact::signalSuccessors(
            graph.header, graph.nodes, graph.nodeCount, node_, cycle, now, true,
            [&graph](uint32_t index) { return graph.local[index].load() != nullptr; }, ready, &readyCount);
        if (placement != nullptr)
            keepPlacement(me, *placement);  // after the successors were signalled: costs this cycle nothing
        if (observer != nullptr)
            observer->end(observer->user);
        graphRunners_.fetch_sub(1);
        // Successors in this service run now, on this thread, without a wake.
        for (uint32_t i = 0; i < readyCount; i++) {
            ServiceInstance* next = graph.local[ready[i]].load();
            if (next != nullptr)
                next->runGraphCycle(cycle);
        }
    }

    bool takeProcessRequest() { return processRequested_.exchange(false); }
    uint32_t id() const { return id_; }
    bool stuck() const { return stuck_; }

private:
    enum class State { Unprepared, Inactive, Active };
    struct Extension {
        std::string uri;
        uint32_t capacity;
        SharedMemory memory;
    };

    // Builds every host extension the plugin can get before it runs, so that hostExtension is a
    // read-only lookup that the plugin may call from process() (LocalPluginHostHooks).
    void libraryLoaded(void* library, AndroidAudioPluginHost* host) override {
        pluginInfo_ = PluginInfoProvider::fromMetadataFile(metadataPath_);
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        // gui/v5 runs on the service's GUI thread, or in the plugin's GUI program (service-gui.h).
        const PluginInformation* information = pluginInfo_ ? pluginInfo_->find(pluginId_) : nullptr;
        const uint32_t id = id_;
        ServiceGuiContext* context = &guiContext_;
        gui_ = std::make_unique<ServiceGui>(
            guiContext_.thread, information != nullptr ? information->guiProgramPath : std::string{}, g_guiDeadlines,
            [context, id](int32_t opcode, int32_t gui, uint32_t a, uint32_t b) {
                context->post(GuiNote{id, opcode, gui, a, b});
            });
        const RegistryError error = aapxs_.addOwnDefinition(gui_->definition());
        if (error != RegistryError::None)
            logError(std::string{"the service's gui/v5 definition: "} + toString(error));
#endif
        aapxs_.loadDefinitions(library, libraryPath_, host);
    }
    void* hostExtension(AndroidAudioPluginHost* host, const char* uri) noexcept override {
        // plugin-info is served here from the metadata, everything else through AAPXS.
        if (std::strcmp(uri, AAP_PLUGIN_INFO_EXTENSION_URI) == 0)
            return pluginInfo_ ? pluginInfo_->extension() : nullptr;
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        // gui/v5: its requests go to the host as one-way messages, its fds and timers join the
        // GUI thread (service-gui.h).
        if (gui_ && std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0)
            return gui_->hostExtension();
#endif
        return aapxs_.hostExtension(uri, host);
    }
    void shutdownGui() {
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        if (gui_)
            gui_->shutdown();
#endif
    }
    void requestProcess() noexcept override {
        // [thread-safe] may run on the audio thread: flag + eventfd write, handled by the main loop.
        processRequested_.store(true);
        uint64_t one = 1;
        (void)!::write(wakeFd_, &one, sizeof(one));
    }

    void realtimeLoop() {
        uint32_t last = lastSequence_;
        wire::ProcessBlock* block = block_;
        for (;;) {
            uint32_t sequence = loadAcquire(&block->request_sequence);
            if (loadAcquire(&block->shutdown) != 0)
                break;
            if (sequence == last) {
                // No spinning: measured on a loaded 2-core machine, a spinning service steals the
                // core the host needs and multiplies the round trip (docs/hosting.md, benchmarks).
                // No time limit: stopRealtime wakes the loop until it has seen `shutdown`.
                storeSeqCst(&block->service_waiting, 1);
                if (loadSeqCst(&block->request_sequence) == last && loadSeqCst(&block->shutdown) == 0)
                    futex::wait(&block->request_sequence, last, -1);
                storeSeqCst(&block->service_waiting, 0);
                continue;
            }
            const RealtimeCycleObserver* observer = g_cycleObserver.load(std::memory_order_acquire);
            if (observer != nullptr)
                observer->begin(observer->user);
            // The host is untrusted too: never hand the plugin more frames than were prepared.
            const int32_t frames = block->frames;
            int32_t status = 0;
            if (frames < 0 || frames > frames_) {
                status = static_cast<int32_t>(HostingStatus::InvalidArgument);
            } else {
                // AAPXS requests are stripped from the input before the plugin sees it; replies
                // (from this cycle or earlier ones) are appended to the output after it ran.
                const uint32_t flags = __atomic_load_n(&block->aapxs_flags, __ATOMIC_ACQUIRE);
                aapxs_.beforeProcess(portBytes(midiIn_), portSize(midiIn_), (flags & wire::kAapxsInInput) != 0);
                plugin_->process(frames, block->timeout_ns);
                if (aapxs_.afterProcess(portBytes(midiOut_), portSize(midiOut_)))
                    __atomic_store_n(&block->aapxs_flags, flags | wire::kAapxsInOutput, __ATOMIC_RELEASE);
            }
            __atomic_store_n(&block->status, status, __ATOMIC_RELEASE);
            storeSeqCst(&block->reply_sequence, sequence);
            if (loadSeqCst(&block->host_waiting) != 0)
                futex::wake(&block->reply_sequence, 1);
            if (observer != nullptr)
                observer->end(observer->user);
            last = sequence;
        }
        realtimeExited_.store(true);
    }

    void graphLoop() {
        uint32_t last = lastSequence_;
        wire::GraphNode* me = &graph_->nodes[node_];
        Placement placement;
        CPU_ZERO(&placement.anywhere);
        placement.known = ::sched_getaffinity(0, sizeof(placement.anywhere), &placement.anywhere) == 0;
        for (;;) {
            const uint32_t activation = loadAcquire(&me->activation);
            if (loadAcquire(&block_->shutdown) != 0)
                break;
            if (activation == last) {
                storeSeqCst(&me->waiting, 1);
                if (loadSeqCst(&me->activation) == last && loadSeqCst(&block_->shutdown) == 0)
                    futex::wait(&me->activation, last, -1);  // stopRealtime wakes it until it has gone
                storeSeqCst(&me->waiting, 0);
                continue;
            }
            last = activation;
            if (activation != loadAcquire(&graph_->header->cycle)) {
                // Woken for a cycle the host has already closed (it missed its deadline before
                // even starting): run nothing, so the next cycle finds this node idle.
                __atomic_store_n(&me->started_cycle, activation, __ATOMIC_RELEASE);
                __atomic_store_n(&me->finished_cycle, activation, __ATOMIC_RELEASE);
                continue;
            }
            runGraphCycle(activation, &placement);
        }
        realtimeExited_.store(true);
    }

    uint8_t* portBytes(int32_t index) const noexcept {
        return index < 0 ? nullptr : static_cast<uint8_t*>(ports_[static_cast<size_t>(index)].data());
    }
    size_t portSize(int32_t index) const noexcept {
        return index < 0 ? 0 : ports_[static_cast<size_t>(index)].size();
    }

    uint32_t id_;
    int wakeFd_;
    ServiceGuiContext& guiContext_;
    std::string pluginId_;
    std::string libraryPath_;
    std::string metadataPath_;
    std::unique_ptr<PluginInfoProvider> pluginInfo_;
    std::unique_ptr<LocalPlugin> plugin_;
    // After plugin_: destroyed first, so its worker never runs a handler on a released plugin.
    PluginSideAapxs aapxs_;
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
    // After aapxs_: destroyed before the registry that points at it, and before the plugin.
    std::unique_ptr<ServiceGui> gui_;
#endif
    int32_t midiIn_ = -1;
    int32_t midiOut_ = -1;
    State state_ = State::Unprepared;
    std::vector<Extension> extensions_;
    SharedMemory processMemory_;
    wire::ProcessBlock* block_ = nullptr;
    std::vector<SharedMemory> ports_;
    int32_t frames_ = 0;
    uint32_t lastSequence_ = 0;
    std::thread realtime_;
    std::atomic<bool> realtimeExited_{false};
    std::atomic<bool> processRequested_{false};
    bool stuck_ = false;
    std::vector<int32_t> portType_;
    std::vector<int32_t> portDirection_;
    // Graph mode (attachGraph): set while Inactive, read by the realtime threads while Active.
    std::shared_ptr<ServiceGraph> graph_;
    uint32_t node_ = 0;
    std::vector<GraphInput> graphInputs_;
    std::vector<uint8_t> graphScratch_;
    std::vector<float> silence_;
    std::atomic<bool> graphRunnable_{false};
    std::atomic<int> graphRunners_{0};
};

class PluginService {
public:
    PluginService(int controlFd, HostingStatus helloStatus = HostingStatus::Ok)
        : socket_(controlFd), wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), helloStatus_(helloStatus) {
        guiContext_.wakeFd = wakeFd_.get();
    }

    ~PluginService() {
        for (auto& entry : instances_) {
            entry.second->releaseForDestroy();
            if (entry.second->stuck())
                (void)entry.second.release();  // never destroy a plugin whose thread is still inside it
        }
        instances_.clear();
        guiContext_.thread.stop();
    }

    int run() {
        if (!wakeFd_.valid()) {
            logError("eventfd failed");
            return 2;
        }
        for (;;) {
            struct pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {wakeFd_.get(), POLLIN, 0}};
            int ready = ::poll(fds, 2, -1);
            if (ready < 0) {
                if (errno == EINTR)
                    continue;
                return 2;
            }
            if (fds[1].revents != 0) {
                forwardProcessRequests();
                forwardGuiNotes();
            }
            if (broken_)
                return 2;
            if (fds[0].revents == 0)
                continue;
            ControlMessage message;
            HostingStatus status = receiveControlMessage(socket_.get(), 0, &message);
            if (status == HostingStatus::Timeout)
                continue;
            if (status == HostingStatus::Offline)
                return 0;  // the host closed the connection (or died): we are done
            if (status != HostingStatus::Ok) {
                logError("malformed control message from the host; closing the connection");
                sendReply(message.header, HostingStatus::ProtocolError, nullptr, 0);
                return 2;
            }
            if (message.header.kind != wire::kKindRequest) {
                // We never have a request outstanding, so any reply is unexpected.
                logError("unexpected reply from the host; closing the connection");
                return 2;
            }
            if (!handshaken_) {
                if (!handshake(message))
                    return 2;
                continue;
            }
            dispatch(message);
            if (broken_)
                return 2;
        }
    }

private:
    void sendReply(const wire::ControlHeader& request, HostingStatus status, const void* payload, uint32_t size,
                   uint32_t instanceId = 0) {
        wire::ControlHeader header{};
        header.kind = wire::kKindReply;
        header.opcode = request.opcode;
        header.sequence = request.sequence;
        header.instance_id = instanceId != 0 ? instanceId : request.instance_id;
        header.status = static_cast<int32_t>(status);
        send(header, payload, size);
    }

    // Every message to the host goes through here: bounded (a host that stops reading cannot block
    // the service forever); a send that cannot be completed ends the service's loop.
    HostingStatus send(const wire::ControlHeader& header, const void* payload, uint32_t size) {
        HostingStatus status = sendControlMessage(socket_.get(), header, payload, size, nullptr, 0, kSendTimeoutNs);
        if (status == HostingStatus::Timeout && !broken_)
            logError("the host does not read its control socket; closing the connection");
        if (status == HostingStatus::Timeout || status == HostingStatus::Offline)
            broken_ = true;
        return status;
    }

    bool handshake(const ControlMessage& message) {
        wire::HelloPayload ours{wire::kControlProtocolVersion, static_cast<uint32_t>(::getpid()), 0, 0};
        if (message.header.opcode != wire::kOpHello || message.payload.size() != sizeof(wire::HelloPayload)) {
            logError("the first message is not a valid hello");
            sendReply(message.header, HostingStatus::ProtocolError, &ours, sizeof(ours));
            return false;
        }
        wire::HelloPayload theirs{};
        std::memcpy(&theirs, message.payload.data(), sizeof(theirs));
        if (theirs.protocol_version != wire::kControlProtocolVersion) {
            logError("control protocol version mismatch: host " + std::to_string(theirs.protocol_version) +
                     ", service " + std::to_string(wire::kControlProtocolVersion));
            sendReply(message.header, HostingStatus::VersionMismatch, &ours, sizeof(ours));
            return false;
        }
        if (helloStatus_ != HostingStatus::Ok) {
            // The service cannot serve as it was asked to (its sandbox could not be applied).
            sendReply(message.header, helloStatus_, &ours, sizeof(ours));
            return false;
        }
        sendReply(message.header, HostingStatus::Ok, &ours, sizeof(ours));
        handshaken_ = true;
        return true;
    }

    // [main thread, inside a control request] A host-extension request from a plugin that is not
    // active: one synchronous round trip. The host has exactly one control call outstanding on
    // this connection (the one we are handling), so the next message must be our reply.
    HostingStatus requestHostExtension(uint32_t instanceId, const std::string& uri, int32_t opcode, uint32_t requestId,
                                       uint8_t* data, uint32_t requestSize, uint32_t capacity, uint32_t* replySize) {
        if (uri.empty() || uri.size() > wire::kMaxUriLength ||
            sizeof(wire::ExtensionPayload) + uri.size() + requestSize > wire::kMaxControlPayload)
            return HostingStatus::CapacityExceeded;
        std::vector<uint8_t> payload(sizeof(wire::ExtensionPayload) + uri.size() + requestSize);
        wire::ExtensionPayload head{opcode, requestId, requestSize, static_cast<uint32_t>(uri.size())};
        std::memcpy(payload.data(), &head, sizeof(head));
        std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
        if (requestSize > 0)
            std::memcpy(payload.data() + sizeof(head) + uri.size(), data, requestSize);
        wire::ControlHeader header{};
        header.kind = wire::kKindRequest;
        header.opcode = wire::kOpHostExtension;
        header.sequence = nextSequence_++;
        header.instance_id = instanceId;
        HostingStatus status = send(header, payload.data(), static_cast<uint32_t>(payload.size()));
        if (status != HostingStatus::Ok)
            return status;
        ControlMessage reply;
        status = receiveControlMessage(socket_.get(), kHostExtensionTimeoutNs, &reply);
        if (status != HostingStatus::Ok)
            return status;
        if (reply.header.kind != wire::kKindReply || reply.header.opcode != wire::kOpHostExtension ||
            reply.header.sequence != header.sequence) {
            logError("expected the reply to a host-extension request; got something else");
            return HostingStatus::ProtocolError;
        }
        status = hostingStatusFromWire(reply.header.status);
        if (status != HostingStatus::Ok)
            return status;
        wire::ExtensionReplyPayload replyHead{};
        if (reply.payload.size() < sizeof(replyHead))
            return HostingStatus::ProtocolError;
        std::memcpy(&replyHead, reply.payload.data(), sizeof(replyHead));
        if (replyHead.data_size > capacity || reply.payload.size() != sizeof(replyHead) + replyHead.data_size)
            return HostingStatus::ProtocolError;
        std::memcpy(data, reply.payload.data() + sizeof(replyHead), replyHead.data_size);
        *replySize = replyHead.data_size;
        return HostingStatus::Ok;
    }

    void forwardProcessRequests() {
        uint64_t counter;
        (void)!::read(wakeFd_.get(), &counter, sizeof(counter));
        for (auto& entry : instances_) {
            if (!entry.second->takeProcessRequest())
                continue;
            wire::ControlHeader header{};
            header.kind = wire::kKindRequest;
            header.opcode = wire::kOpRequestProcess;
            header.sequence = nextSequence_++;
            header.instance_id = entry.first;
            send(header, nullptr, 0);
        }
    }

    // GUI requests and losses (service-gui.h) as one-way kOpHostNotification messages, in order.
    void forwardGuiNotes() {
        std::vector<GuiNote> notes;
        {
            std::lock_guard<std::mutex> lock(guiContext_.mutex);
            notes.swap(guiContext_.notes);
        }
        static const std::string uri = AAP_GUI_V5_EXTENSION_URI;
        for (const GuiNote& note : notes) {
            if (broken_ || instances_.count(note.instance) == 0)
                continue;
            uint8_t data[12];
            uint32_t size = 4;
            auto put = [&data](size_t at, uint32_t v) {
                for (int i = 0; i < 4; i++)
                    data[at + i] = static_cast<uint8_t>(v >> (8 * i));
            };
            put(0, static_cast<uint32_t>(note.gui));
            if (note.opcode == AAP_GUI_V5_OPCODE_REQUEST_RESIZE) {
                put(4, note.a);
                put(8, note.b);
                size = 12;
            } else if (note.opcode == AAP_GUI_V5_OPCODE_CLOSED) {
                put(4, note.a != 0 ? 1u : 0u);
                size = 8;
            }
            std::vector<uint8_t> payload(sizeof(wire::ExtensionPayload) + uri.size() + size);
            wire::ExtensionPayload head{note.opcode, 0, size, static_cast<uint32_t>(uri.size())};
            std::memcpy(payload.data(), &head, sizeof(head));
            std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
            std::memcpy(payload.data() + sizeof(head) + uri.size(), data, size);
            wire::ControlHeader header{};
            header.kind = wire::kKindRequest;
            header.opcode = wire::kOpHostNotification;
            header.sequence = nextSequence_++;
            header.instance_id = note.instance;
            send(header, payload.data(), static_cast<uint32_t>(payload.size()));
        }
    }

    static bool readString(const std::vector<uint8_t>& payload, size_t* offset, uint32_t length, std::string* out) {
        if (length > payload.size() - *offset)
            return false;
        out->assign(reinterpret_cast<const char*>(payload.data() + *offset), length);
        *offset += length;
        // An embedded NUL would silently truncate the path or id the plugin sees.
        return out->find('\0') == std::string::npos;
    }

    // kOpMapUrid and kOpExtension share one payload layout: a fixed head whose uri_length (1..kMaxUriLength) says how
    // many URI bytes follow it, and nothing after the URI. False for anything else (a ProtocolError to the caller).
    template <typename Head>
    static bool readHeadAndUri(const std::vector<uint8_t>& payload, Head* head, std::string* uri) {
        if (payload.size() < sizeof(Head))
            return false;
        std::memcpy(head, payload.data(), sizeof(Head));
        size_t offset = sizeof(Head);
        return head->uri_length != 0 && head->uri_length <= wire::kMaxUriLength &&
               readString(payload, &offset, head->uri_length, uri) && offset == payload.size();
    }

    void dispatch(ControlMessage& message) {
        const wire::ControlHeader& h = message.header;
        const uint32_t expectedFds = h.opcode == wire::kOpAddExtension || h.opcode == wire::kOpGuiChannel ? 1u
                                     : h.opcode == wire::kOpPrepare || h.opcode == wire::kOpGraphAttach ? UINT32_MAX
                                                                                                        : 0u;
        if (expectedFds != UINT32_MAX && message.fds.size() != expectedFds) {
            sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
            return;
        }
        if (h.opcode == wire::kOpHello) {
            sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
            return;
        }
        if (h.opcode == wire::kOpPing) {
            sendReply(h, message.payload.empty() ? HostingStatus::Ok : HostingStatus::ProtocolError, nullptr, 0);
            return;
        }
        if (h.opcode == wire::kOpCreateInstance) {
            createInstance(message);
            return;
        }
        auto it = instances_.find(h.instance_id);
        const bool known = h.opcode == wire::kOpAddExtension || h.opcode == wire::kOpPrepare ||
                           h.opcode == wire::kOpActivate || h.opcode == wire::kOpDeactivate ||
                           h.opcode == wire::kOpDestroy || h.opcode == wire::kOpExtension ||
                           h.opcode == wire::kOpMapUrid || h.opcode == wire::kOpGraphAttach ||
                           h.opcode == wire::kOpGraphDetach || h.opcode == wire::kOpGuiChannel;
        if (!known) {
            sendReply(h, HostingStatus::Unsupported, nullptr, 0);
            return;
        }
        if (it == instances_.end()) {
            sendReply(h, HostingStatus::NotFound, nullptr, 0);
            return;
        }
        ServiceInstance& instance = *it->second;
        if (instance.stuck() && h.opcode != wire::kOpDestroy) {
            sendReply(h, HostingStatus::Offline, nullptr, 0);
            return;
        }
        switch (h.opcode) {
        case wire::kOpAddExtension: {
            wire::AddExtensionPayload head{};
            if (message.payload.size() < sizeof(head)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            std::memcpy(&head, message.payload.data(), sizeof(head));
            std::string uri;
            size_t offset = sizeof(head);
            if (head.uri_length == 0 || head.uri_length > wire::kMaxUriLength || head.data_capacity == 0 ||
                head.data_capacity > wire::kMaxExtensionCapacity || !readString(message.payload, &offset, head.uri_length, &uri) ||
                offset != message.payload.size()) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            sendReply(h, instance.addExtension(std::move(uri), head.data_capacity, std::move(message.fds[0])), nullptr, 0);
            return;
        }
        case wire::kOpPrepare: {
            wire::PreparePayload head{};
            if (message.payload.size() < sizeof(head)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            std::memcpy(&head, message.payload.data(), sizeof(head));
            if (head.port_count > wire::kMaxPorts ||
                message.payload.size() != sizeof(head) + size_t{head.port_count} * sizeof(wire::PortEntry) ||
                message.fds.size() != size_t{head.port_count} + 1 || head.frames <= 0 ||
                static_cast<uint32_t>(head.frames) > wire::kMaxFrames || head.sample_rate <= 0 ||
                head.sample_rate > wire::kMaxSampleRate) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            std::vector<wire::PortEntry> entries(head.port_count);
            if (head.port_count > 0)
                std::memcpy(entries.data(), message.payload.data() + sizeof(head), head.port_count * sizeof(wire::PortEntry));
            for (const wire::PortEntry& e : entries) {
                const bool typeOk = e.content_type == AAP_CONTENT_TYPE_AUDIO || e.content_type == AAP_CONTENT_TYPE_MIDI2 ||
                                    e.content_type == AAP_CONTENT_TYPE_UNDEFINED;
                const bool directionOk = e.direction == AAP_PORT_DIRECTION_INPUT || e.direction == AAP_PORT_DIRECTION_OUTPUT;
                const uint32_t minimum = e.content_type == AAP_CONTENT_TYPE_AUDIO
                                             ? static_cast<uint32_t>(head.frames) * sizeof(float)
                                         : e.content_type == AAP_CONTENT_TYPE_MIDI2 ? 32u : 1u;
                if (!typeOk || !directionOk || e.buffer_size < minimum || e.buffer_size > wire::kMaxPortBufferSize) {
                    sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                    return;
                }
            }
            MemoryLocking locking;
            HostingStatus status = instance.prepare(head, entries.data(), message.fds, &locking);
            wire::PrepareReplyPayload reply{static_cast<int32_t>(locking.state), locking.errorNumber, locking.bytes,
                                            locking.memlockLimit};
            sendReply(h, status, &reply, status == HostingStatus::Ok ? sizeof(reply) : 0);
            return;
        }
        case wire::kOpActivate: {
            // An empty payload asks for no realtime scheduling.
            wire::ActivatePayload head{};
            if (!message.payload.empty() && message.payload.size() != sizeof(head)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            if (!message.payload.empty())
                std::memcpy(&head, message.payload.data(), sizeof(head));
            if (head.realtime_priority < 0 || head.realtime_priority > 99) {
                sendReply(h, HostingStatus::InvalidArgument, nullptr, 0);
                return;
            }
            RealtimeScheduling scheduling;
            HostingStatus status = instance.activate(head.realtime_priority, &scheduling);
            wire::ActivateReplyPayload reply{static_cast<int32_t>(scheduling.grant), scheduling.requestedPriority,
                                             scheduling.policy, scheduling.priority, scheduling.errorNumber,
                                             scheduling.capSysNice ? wire::kActivateCapSysNice : 0u,
                                             scheduling.rtprioLimit};
            sendReply(h, status, &reply, status == HostingStatus::Ok ? sizeof(reply) : 0);
            return;
        }
        case wire::kOpDeactivate:
            sendReply(h, message.payload.empty() ? instance.deactivate() : HostingStatus::ProtocolError, nullptr, 0);
            return;
        case wire::kOpGraphAttach:
            sendReply(h, graphAttach(instance, message), nullptr, 0);
            return;
        case wire::kOpGraphDetach:
            sendReply(h, message.payload.empty() ? instance.detachGraph() : HostingStatus::ProtocolError, nullptr, 0);
            return;
        case wire::kOpGuiChannel: {
            // Checked before it goes anywhere: the program must get a channel it can map as told.
            wire::GuiChannelPayload head{};
            struct stat st {};
            if (message.payload.size() != sizeof(head)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            std::memcpy(&head, message.payload.data(), sizeof(head));
            if (head.token_size != sizeof(head.token) || head.reserved != 0 ||
                !aap_gui_shm_capacity_valid(head.ring_capacity) || ::fstat(message.fds[0].get(), &st) != 0 ||
                !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != aap_gui_shm_size(head.ring_capacity)) {
                sendReply(h, HostingStatus::InvalidArgument, nullptr, 0);
                return;
            }
            std::string why;
            const HostingStatus status = instance.attachGuiChannel(head.gui, head.ring_capacity, head.token,
                                                                   sizeof(head.token), std::move(message.fds[0]), &why);
            if (status != HostingStatus::Ok)
                logError("GUI channel for GUI session " + std::to_string(head.gui) + ": " + why);
            sendReply(h, status, nullptr, 0);
            return;
        }
        case wire::kOpDestroy: {
            std::unique_ptr<ServiceInstance> removed = std::move(it->second);
            instances_.erase(it);
            removed->releaseForDestroy();
            if (!removed->stuck())
                removed->detachGraph();
            if (removed->stuck())
                (void)removed.release();
            sendReply(h, HostingStatus::Ok, nullptr, 0);
            return;
        }
        case wire::kOpMapUrid: {
            wire::MapUridPayload head{};
            std::string uri;
            if (!readHeadAndUri(message.payload, &head, &uri)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            // A well-formed message with a urid outside 1..255 is a bad argument, not garbage.
            if (head.urid == 0 || head.urid > 255) {
                sendReply(h, HostingStatus::InvalidArgument, nullptr, 0);
                return;
            }
            sendReply(h, instance.mapUrid(uri, static_cast<uint8_t>(head.urid)), nullptr, 0);
            return;
        }
        case wire::kOpExtension: {
            wire::ExtensionPayload head{};
            std::string uri;
            if (!readHeadAndUri(message.payload, &head, &uri)) {
                sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
                return;
            }
            uint32_t replySize = 0;
            HostingStatus status = instance.extension(uri, head, &replySize);
            wire::ExtensionReplyPayload reply{replySize, 0};
            sendReply(h, status, &reply, status == HostingStatus::Ok ? sizeof(reply) : 0);
            return;
        }
        default:
            sendReply(h, HostingStatus::Unsupported, nullptr, 0);
            return;
        }
    }

    // kOpGraphAttach: validates everything the host sent (it is untrusted) before the instance
    // sees any of it.
    HostingStatus graphAttach(ServiceInstance& instance, ControlMessage& message) {
        wire::GraphAttachPayload head{};
        const std::vector<uint8_t>& payload = message.payload;
        if (payload.size() < sizeof(head) || message.fds.empty())
            return HostingStatus::ProtocolError;
        std::memcpy(&head, payload.data(), sizeof(head));
        if (head.input_count > wire::kMaxPorts || head.node_index >= wire::kMaxGraphNodes)
            return HostingStatus::ProtocolError;
        size_t offset = sizeof(head);
        if (payload.size() < offset + size_t{head.input_count} * sizeof(wire::GraphInputEntry))
            return HostingStatus::ProtocolError;
        std::vector<wire::GraphInputEntry> entries(head.input_count);
        if (head.input_count > 0)
            std::memcpy(entries.data(), payload.data() + offset, entries.size() * sizeof(wire::GraphInputEntry));
        offset += entries.size() * sizeof(wire::GraphInputEntry);
        size_t sources = 0;
        for (const wire::GraphInputEntry& entry : entries) {
            if (entry.source_count == 0 || entry.source_count > wire::kMaxGraphSources ||
                (entry.flags & ~wire::kGraphInputZeroCopy) != 0)
                return HostingStatus::ProtocolError;
            sources += entry.source_count;
        }
        if (payload.size() != offset + sources * sizeof(wire::GraphSourceEntry) || message.fds.size() != sources + 1)
            return HostingStatus::ProtocolError;
        // Graphs no instance uses any more are forgotten; a service takes a bounded number.
        for (auto it = graphs_.begin(); it != graphs_.end();)
            it = it->second.use_count() == 1 && it->first != head.graph_id ? graphs_.erase(it) : std::next(it);
        if (graphs_.size() >= wire::kMaxGraphNodes && graphs_.count(head.graph_id) == 0)
            return HostingStatus::CapacityExceeded;
        // The activation block: mapped once per graph id, shared by this service's nodes of it.
        std::shared_ptr<ServiceGraph>& graph = graphs_[head.graph_id];
        std::string error;
        if (!graph) {
            auto created = std::make_shared<ServiceGraph>();
            HostingStatus status = SharedMemory::adopt(std::move(message.fds[0]), wire::kGraphBlockSize, &created->memory, &error);
            if (status != HostingStatus::Ok) {
                graphs_.erase(head.graph_id);
                logError("refused the activation block of a graph: " + error);
                return status;
            }
            created->header = static_cast<wire::GraphHeader*>(created->memory.data());
            created->nodes = reinterpret_cast<wire::GraphNode*>(static_cast<uint8_t*>(created->memory.data()) +
                                                                sizeof(wire::GraphHeader));
            created->nodeCount = created->header->node_count;
            if (created->header->magic != wire::kGraphBlockMagic ||
                created->header->layout_version != wire::kControlProtocolVersion ||
                created->header->graph_id != head.graph_id || created->nodeCount == 0 ||
                created->nodeCount > wire::kMaxGraphNodes) {
                graphs_.erase(head.graph_id);
                return HostingStatus::ProtocolError;
            }
            graph = std::move(created);
        }
        if (head.node_index >= graph->nodeCount)
            return HostingStatus::ProtocolError;
        std::vector<ServiceInstance::GraphInput> inputs;
        size_t fd = 1;
        for (const wire::GraphInputEntry& entry : entries) {
            ServiceInstance::GraphInput input{};
            input.port = entry.port_index;
            input.zeroCopy = (entry.flags & wire::kGraphInputZeroCopy) != 0;
            for (uint32_t s = 0; s < entry.source_count; s++) {
                wire::GraphSourceEntry source{};
                std::memcpy(&source, payload.data() + offset, sizeof(source));
                offset += sizeof(source);
                if (source.buffer_size == 0 || source.buffer_size > wire::kMaxPortBufferSize)
                    return HostingStatus::ProtocolError;
                ServiceInstance::GraphSource mapped{source.producer, SharedMemory{}};
                HostingStatus status = SharedMemory::adopt(std::move(message.fds[fd++]), source.buffer_size, &mapped.memory, &error);
                if (status != HostingStatus::Ok) {
                    logError("refused a source buffer of a graph input: " + error);
                    return status;
                }
                input.sources.push_back(std::move(mapped));
            }
            inputs.push_back(std::move(input));
        }
        return instance.attachGraph(graph, head.node_index, std::move(inputs));
    }

    void createInstance(const ControlMessage& message) {
        const wire::ControlHeader& h = message.header;
        wire::CreateInstancePayload head{};
        if (message.payload.size() < sizeof(head)) {
            sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
            return;
        }
        std::memcpy(&head, message.payload.data(), sizeof(head));
        std::string library, entrypoint, pluginId, metadata;
        size_t offset = sizeof(head);
        if (head.library_path_length == 0 || head.library_path_length > wire::kMaxPathLength ||
            head.entrypoint_length > 256 || head.plugin_id_length == 0 || head.plugin_id_length > wire::kMaxUriLength ||
            head.metadata_path_length > wire::kMaxPathLength ||
            !readString(message.payload, &offset, head.library_path_length, &library) ||
            !readString(message.payload, &offset, head.entrypoint_length, &entrypoint) ||
            !readString(message.payload, &offset, head.plugin_id_length, &pluginId) ||
            !readString(message.payload, &offset, head.metadata_path_length, &metadata) ||
            offset != message.payload.size()) {
            sendReply(h, HostingStatus::ProtocolError, nullptr, 0);
            return;
        }
        const uint32_t id = nextInstanceId_++;
        auto instance = std::make_unique<ServiceInstance>(
            id, wakeFd_.get(), guiContext_,
            [this, id](const std::string& uri, int32_t opcode, uint32_t requestId, uint8_t* data, uint32_t requestSize,
                       uint32_t capacity, uint32_t* replySize) {
                return requestHostExtension(id, uri, opcode, requestId, data, requestSize, capacity, replySize);
            });
        
        std::string error;
        HostingStatus status = instance->create(library, entrypoint, pluginId, metadata, &error);
        if (status != HostingStatus::Ok) {
            // The reason travels as the reply's payload, one printable line (control-protocol.h).
            for (char& c : error)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                    c = ' ';
            if (error.size() > wire::kMaxCreateErrorLength)
                error.resize(wire::kMaxCreateErrorLength);
            sendReply(h, status, error.data(), static_cast<uint32_t>(error.size()));
            return;
        }
        instances_[id] = std::move(instance);
        sendReply(h, HostingStatus::Ok, nullptr, 0, id);
    }

    UniqueFd socket_;
    UniqueFd wakeFd_;
    // Before instances_: the instances' GUIs use its thread, so it is destroyed after them.
    ServiceGuiContext guiContext_;
    HostingStatus helloStatus_;
    bool handshaken_ = false;
    bool broken_ = false;  // a send to the host failed or timed out: the connection is over
    uint32_t nextInstanceId_ = 1;
    uint32_t nextSequence_ = 1;
    std::map<uint32_t, std::unique_ptr<ServiceInstance>> instances_;
    std::map<uint64_t, std::shared_ptr<ServiceGraph>> graphs_;
};

} // namespace

void setServiceGuiDeadlines(int64_t helloNs, int64_t createNs, int64_t callNs) noexcept {
    if (helloNs > 0)
        g_guiDeadlines.helloNs = helloNs;
    if (createNs > 0)
        g_guiDeadlines.createNs = createNs;
    if (callNs > 0)
        g_guiDeadlines.callNs = callNs;
}

void setRealtimeCycleObserver(const RealtimeCycleObserver* observer) noexcept {
    g_cycleObserver.store(observer, std::memory_order_release);
}

int runPluginService(int controlFd) {
    PluginService service(controlFd);
    return service.run();
}

int runPluginServiceProcess(int controlFd, bool sandbox, const std::vector<std::string>& writable) {
    resetSignalDispositionsAndMask();
    ::signal(SIGPIPE, SIG_IGN);
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        logError(std::string{"PR_SET_CHILD_SUBREAPER failed: "} + std::strerror(errno) +
                 "; detached processes of a plugin may outlive the service");
    HostingStatus helloStatus = HostingStatus::Ok;
    std::string error;
    if (sandbox && !applySandbox(writable, &error)) {
        logError("sandbox unavailable: " + error);
        helloStatus = HostingStatus::Unsupported;
    }
    int code;
    {
        PluginService service(controlFd, helloStatus);
        code = service.run();
    }
    killDescendants(::getpid());
    // Reap what was killed (and any orphan reparented to us): bounded, they were all SIGKILLed.
    const int64_t deadline = monotonicNanoseconds() + 1000000000;
    while (monotonicNanoseconds() < deadline) {
        pid_t reaped = ::waitpid(-1, nullptr, WNOHANG);
        if (reaped < 0 && errno != EINTR)
            break;  // ECHILD: nothing left
        if (reaped == 0)
            ::usleep(1000);
    }
    return code;
}

} // namespace aap
