#pragma once
// PluginHost and PluginInstance: what a host application uses to run AAP plugins, by default
// each in its own `aap-plugin-service` process.
//
//     aap::PluginHost host{aap::PluginCatalog::scan(searchPath)};
//     std::unique_ptr<aap::PluginInstance> instance;
//     if (host.instantiate("urn:example:gain", &instance) != aap::HostingStatus::Ok) ...
//     instance->prepare(256, 48000);          // allocates every port buffer in shared memory
//     instance->activate();
//     // audio thread, per period:
//     float* in = instance->audioBuffer(0);  ... fill inputs ...
//     instance->addEvent(17, noteOn, 2);       // a UMP at frame 17 of the next cycle
//     instance->process(256, 5'000'000);      // deadline; returns by then, whatever happens
//     ... read outputs ...
//     instance->deactivate(); instance->destroy();
//
// The lifecycle of docs/spec/abi.md section 3 is enforced here: a call in the wrong state returns
// InvalidState (never asserts). States and allowed calls:
//   Unprepared : addExtension, extension, prepare, destroy
//   Inactive   : extension, activate, destroy
//   Active     : process, deactivate, destroy (which deactivates first)
//   Error      : destroy; everything else returns Offline (process() also silences outputs)
//   Terminated : destroy (Ok, idempotent); everything else returns InvalidState
// A transport failure (Timeout, Offline, ProtocolError) moves the instance to Error. The host can
// then destroy it and instantiate the plugin again (aap::HostedPlugin::reinstantiate does, and
// restores the state). A missed deadline is not such a failure: process() returns Xrun, the
// outputs are silent for that cycle and the instance stays Active (docs/hosting.md, "Xruns").

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aap/hosting/event-queue.h"
#include "aap/hosting/plugin-catalog.h"
#include "aap/hosting/plugin-information.h"
#include "aap/hosting/process-transport.h"
#include "aap/hosting/status.h"
#include "aap/hosting/transport.h"
#include "aap/runtime/definition-registry.h"
#include "aap/runtime/initiator-session.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/recipient-session.h"

namespace aap {

enum class PluginIsolation {
    InProcess,           // dlopen into the host (trusted plugins, debugging; no fault isolation)
    ProcessPerInstance,  // one aap-plugin-service per instance (default: a crash affects one instance)
    SharedProcess,       // one aap-plugin-service for all instances of this PluginHost (and its copies)
};

struct PluginHostOptions {
    PluginIsolation isolation = PluginIsolation::ProcessPerInstance;
    ProcessTransportOptions process;  // service path, control-call timeout, spin time, sandbox
    // (process.sandbox.enabled: a ProcessPerInstance service may also write the plugin's bundle
    // directory; InProcess refuses to instantiate with "sandbox unavailable")
    // Capacity in bytes of every MIDI2 port buffer, including its 32-byte header, as the host sees
    // it (portBufferSize). The first MIDI2 input's shared buffer is larger by a reserve for AAPXS
    // traffic (one largest request plus one largest host-extension reply), which host events
    // never take. Also the size of every "other" port buffer. A port's metadata minimumSize raises
    // either (never lowers it).
    uint32_t midiBufferSize = 8192;
    // Events per cycle PluginInstance::addEvent accepts (their bytes are bounded by the host's
    // share, midiBufferSize - 32, as well).
    uint32_t maxEventsPerCycle = 1024;
    // Realtime AAPXS path (docs/spec/abi.md section 4): largest request/reply payload in bytes and the
    // number of requests that may be in flight per instance.
    uint32_t maxExtensionDataSize = 4096;
    uint32_t maxExtensionRequestsInFlight = 256;
    // Host extensions the plugins may call (plugin -> host, docs/spec/abi.md section 4): the AAPXS
    // definitions the host answers with (their process_incoming_host_aapxs_request runs on a
    // transport thread while the instance is inactive, on a worker thread or the audio thread
    // while it is active), and the host's typed implementation for a URI, which the definitions
    // reach through AndroidAudioPluginHost::get_extension. Both may be empty.
    std::shared_ptr<AAPXSDefinitionRegistry> hostExtensionDefinitions;
    std::function<void*(const char* uri)> hostExtensionImplementation;
    // A third-party transport; when set it is used for every instance and `isolation` is ignored.
    std::shared_ptr<PluginTransport> transport;
};

enum class InstanceState : int32_t { Unprepared, Inactive, Active, Error, Terminated };

// "unprepared", "inactive", ... Never null. [thread-safe]
const char* instanceStateName(InstanceState state) noexcept;

class PluginInstance final : private TransportHostCallbacks {
public:
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;
    // Destroys the instance (bounded in time) if the host did not.
    ~PluginInstance() override;

    const PluginInformation& information() const noexcept { return information_; }
    // [thread-safe]
    InstanceState state() const noexcept { return state_.load(std::memory_order_acquire); }

    // [main-thread] Unprepared only. Registers an extension with a shared serialization block of
    // `dataCapacity` bytes, returned in *block (valid until destroy). It also gets the next urid
    // (1, 2, ...) and the transport is told (TransportInstance::mapUrid): realtime requests for it
    // then carry the urid, not the URI, and the plugin side runs its RT-safe opcodes inline in
    // the same cycle. When the plugin side has no definition for `uri` (or the transport cannot
    // map) the extension stays addressed by URI; that is not an error.
    HostingStatus addExtension(const std::string& uri, uint32_t dataCapacity, uint8_t** block);
    // [thread-safe] The urid addExtension mapped `uri` to, or 0. No allocation.
    uint8_t uridOf(const char* uri, size_t uriSize) const noexcept;

    // [main-thread] Unprepared -> Inactive. Allocates every port buffer: audio frames * 4 bytes,
    // MIDI2 options.midiBufferSize bytes (header zeroed), "other" options.midiBufferSize bytes
    // (zeroed); a port's metadata minimumSize raises any of them. frames 1..65536, sampleRate > 0.
    HostingStatus prepare(int32_t frames, int32_t sampleRate);
    // [main-thread] Inactive -> Active.
    HostingStatus activate();
    // [main-thread] Active -> Inactive.
    HostingStatus deactivate();
    // [main-thread] Any state -> Terminated. Idempotent.
    HostingStatus destroy();

    // [audio-thread] Active only. 0 <= frames <= prepared frames, timeoutNs > 0. Never allocates,
    // locks or waits past timeoutNs. The cycle contract (docs/hosting.md): what the host wrote into
    // the MIDI2 inputs (portBuffer) and the events queued with addEvent reach the plugin in this
    // cycle exactly once, the raw words first, then the events in frame order; afterwards the
    // inputs are empty again. Xrun: the deadline passed, the outputs are silent, the instance
    // stays Active; the inputs and queued events are kept when the cycle could not even start
    // (the previous one is still running late) and are delivered by the next cycle that does.
    // On Timeout/Offline/ProtocolError the outputs are silent and the instance is in Error.
    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept;

    // [audio-thread] After prepare. Queues one whole UMP message (1, 2 or 4 words) for the next
    // cycle at `frame` (0 <= frame < prepared frames; a cycle shorter than that gets it at its
    // last frame). It reaches the plugin's first MIDI2 input after a JR Timestamp (EventQueue).
    // Never allocates, locks or blocks. Errors: InvalidState (not prepared, or no MIDI2 input),
    // InvalidArgument, CapacityExceeded (the host's share is full: fails at once, nothing queued).
    HostingStatus addEvent(int32_t frame, const uint32_t* words, size_t wordCount) noexcept;
    // The host's event queue (what addEvent fills). [audio-thread]
    EventQueue& events() noexcept { return events_; }

    // [thread-safe] Cycles that returned Xrun since the instance was created: cycles that started
    // and missed their deadline (lateCycles) plus cycles that could not start because the service
    // was still busy with a late one.
    uint64_t xruns() const noexcept { return xruns_.load(std::memory_order_relaxed); }
    // [thread-safe] Of those, the cycles that started and missed their deadline.
    uint64_t lateCycles() const noexcept { return lateCycles_.load(std::memory_order_relaxed); }
    // The plugin service's process id (process transports), 0 otherwise or once destroyed.
    int servicePid() const noexcept { return servicePid_; }

    // [main-thread] Unprepared or Inactive (docs/spec/abi.md section 4: active instances take requests
    // through the realtime stream). The request (requestSize bytes) is in the extension's block;
    // on Ok the reply is there too and *replySize holds its size.
    HostingStatus extension(const std::string& uri, int32_t opcode, uint32_t requestId, uint32_t requestSize,
                            uint32_t* replySize, int64_t timeoutNs);

    // [audio-thread] Active only. Queues a plugin-extension request (opcode >= 0) for the next
    // process() cycles (a request naming an extension by URI that addExtension mapped is sent with
    // its urid, and runs inline on the plugin side when the opcode is RT-safe): it travels as AAPXS SysEx8 in the first MIDI2 input and its reply comes
    // back in the MIDI2 output of the same or a later cycle (docs/spec/abi.md section 4). request.onComplete
    // fires exactly once on the thread calling process(): with the reply, TimedOut, or Cancelled
    // when the instance goes offline or is destroyed. Never allocates or blocks. Errors:
    // InvalidState (not active), Unsupported (no MIDI2 in/out port), CapacityExceeded (too many in
    // flight or payload too large), InvalidArgument (malformed request).
    HostingStatus submitExtensionRequest(const InitiatorSession::Request& request, uint32_t* requestId) noexcept;
    // [thread-safe] Requests submitted and not yet completed.
    size_t pendingExtensionRequests() const noexcept { return initiator_ ? initiator_->pendingCount() : 0; }

    // [audio-thread] After prepare: the buffer of port `index` (information().ports order), or null.
    // Audio and output ports are the shared buffers the plugin uses. A MIDI2 input is the host's
    // own buffer (header + UMP, portBufferSize bytes): process() moves its words to the plugin
    // and empties it.
    void* portBuffer(int32_t index) noexcept;
    float* audioBuffer(int32_t index) noexcept { return static_cast<float*>(portBuffer(index)); }
    uint32_t portBufferSize(int32_t index) const noexcept;
    int32_t portCount() const noexcept { return static_cast<int32_t>(information_.ports.size()); }
    int32_t preparedFrames() const noexcept { return preparedFrames_; }
    // [main-thread] Realtime scheduling of the thread that runs the plugin (after activate) and
    // locking of the instance's shared memory (after prepare), as the transport reports them;
    // in process everything is "not attempted" (the host's audio thread is the plugin's: see
    // requestRealtimeScheduling in aap/hosting/realtime-scheduling.h).
    RealtimeReport realtimeReport() const { return instance_ ? instance_->realtimeReport() : RealtimeReport{}; }

    // ---- For aap::PluginGraph (plugin-graph.h): process() split around a cycle run elsewhere ----
    // [audio-thread] Active only. Moves the host's MIDI2 inputs, queued events and AAPXS traffic
    // into the shared inputs (what process() does before it signals the transport). When
    // `aapxsFramed` is not null it says whether any AAPXS message was framed into the MIDI2 input
    // (what the graph tells the node, so that it scans its input only then).
    HostingStatus beginGraphCycle(int32_t frames, bool* aapxsFramed = nullptr) noexcept;
    // [audio-thread] After a cycle that a graph ran: `status` is its result (Ok, Xrun, Offline,
    // ...; `started`: whether it started at all). Counts xruns, moves to Error on a failure and
    // routes the AAPXS replies of the MIDI2 output (what process() does after the transport);
    // `outputMayHoldAapxs` false (the node said it framed none) skips scanning the output.
    HostingStatus endGraphCycle(HostingStatus status, bool started, bool outputMayHoldAapxs = true) noexcept;
    // Bytes of port `index`'s shared buffer (the first MIDI2 input's includes the AAPXS reserve), 0
    // for an unknown index or before prepare.
    uint32_t sharedBufferSize(int32_t index) const noexcept {
        if (index < 0 || static_cast<size_t>(index) >= portSizes_.size())
            return 0;
        return index == midiIn_ ? midiInSharedSize_ : portSizes_[static_cast<size_t>(index)];
    }
    // The transport's instance (null before instantiation completed or after destroy).
    TransportInstance* transportInstance() noexcept { return instance_.get(); }

    // [main-thread] Called when the plugin calls request_process: on a transport thread out of
    // process; in process on the thread the plugin called it from, which may be the audio thread
    // (request_process is [thread-safe] and realtime-safe), so the handler must be too. Calling it
    // takes no lock; replacing it waits until no call of the previous handler is running.
    void setRequestProcessHandler(std::function<void()> handler);

private:
    friend class PluginHost;
    PluginInstance(PluginInformation information, std::shared_ptr<PluginTransport> transport,
                   const PluginHostOptions& options);

    // TransportHostCallbacks
    void requestProcess() noexcept override;
    HostingStatus hostExtension(const std::string& uri, int32_t opcode, uint32_t requestId, uint8_t* data,
                                uint32_t requestSize, uint32_t capacity, uint32_t* replySize) override;

    // Moves to Error when the transport reports that the peer is gone or misbehaved.
    HostingStatus track(HostingStatus status) noexcept;
    // Moves the host's MIDI2 inputs and queued events into the shared inputs (start of a cycle).
    void writeInputs(int32_t frames) noexcept;
    // writeInputs plus the AAPXS requests and host-extension replies of the cycle; true when any
    // AAPXS message was framed.
    bool stageInputs(int32_t frames) noexcept;
    // The host's side of a finished cycle: xrun counting, Error tracking, AAPXS replies.
    // scanOutput: whether the MIDI2 output may hold AAPXS (else it is not scanned).
    HostingStatus finishCycle(HostingStatus status, bool started, bool scanOutput) noexcept;
    HostingStatus startHostExtensionSession();
    void stopHostExtensionSession() noexcept;
    static void* hostGetExtension(AndroidAudioPluginHost* host, const char* uri);
    static void hostRequestProcess(AndroidAudioPluginHost* host);

    PluginInformation information_;
    std::shared_ptr<PluginTransport> transport_;
    std::unique_ptr<TransportInstance> instance_;
    uint32_t midiBufferSize_;
    uint32_t maxExtensionDataSize_;
    uint32_t maxExtensionRequestsInFlight_;
    uint32_t maxEventsPerCycle_;
    int32_t midiIn_ = -1;
    int32_t midiOut_ = -1;
    std::unique_ptr<InitiatorSession> initiator_;
    // Host-extension side: what the definitions see as "the host" of this instance.
    std::shared_ptr<AAPXSDefinitionRegistry> hostDefinitions_;
    std::function<void*(const char* uri)> hostImplementation_;
    AndroidAudioPluginHost hostView_{};
    UridTable hostUrids_;
    std::unique_ptr<NonRealtimeWorker> hostWorker_;
    std::unique_ptr<RecipientSession> hostRecipient_;
    std::atomic<InstanceState> state_{InstanceState::Unprepared};
    int32_t preparedFrames_ = 0;
    int32_t sampleRate_ = 0;
    std::vector<uint32_t> portSizes_;
    // The host's MIDI2 input buffers (one per MIDI2 input port, indexed like ports; empty for
    // other ports), moved into the shared buffers at the start of each cycle that runs.
    std::vector<std::unique_ptr<uint8_t[]>> midiInputs_;
    uint32_t midiInSharedSize_ = 0;  // the first MIDI2 input's shared buffer, with the AAPXS reserve
    EventQueue events_;
    std::atomic<uint64_t> xruns_{0};
    std::atomic<uint64_t> lateCycles_{0};
    int servicePid_ = 0;
    // URIs mapped by addExtension (index + 1 = urid); only appended to while Unprepared, read by
    // the audio thread while Active.
    std::vector<std::string> mappedUris_;
    // Lock-free for requestProcess (it may run on the audio thread): the handler is swapped as a
    // pointer, and the old one is deleted once no caller holds it (handlerCallers_).
    std::atomic<std::function<void()>*> requestProcessHandler_{nullptr};
    std::atomic<int> handlerCallers_{0};
};

class PluginHost {
public:
    explicit PluginHost(PluginCatalog catalog, PluginHostOptions options = {});

    // [main-thread] Finds `pluginId` (exact unique-id) in the catalog, starts or reuses a transport
    // and instantiates the plugin. NotFound for an unknown id; *error says why on failure.
    HostingStatus instantiate(const std::string& pluginId, std::unique_ptr<PluginInstance>* out,
                              std::string* error = nullptr);

    const PluginCatalog& catalog() const noexcept { return catalog_; }
    const PluginHostOptions& options() const noexcept { return options_; }

private:
    HostingStatus transportFor(const PluginInformation& information, std::shared_ptr<PluginTransport>* out,
                               std::string* error);

    PluginCatalog catalog_;
    PluginHostOptions options_;
    // SharedProcess: the one service, shared by every copy of this PluginHost (HostedPlugin keeps
    // a copy, so plugins opened through one host share its service).
    struct SharedService;
    std::shared_ptr<SharedService> shared_;
};

} // namespace aap
