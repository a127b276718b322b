#pragma once
// The plugin side of AAPXS for one instance running in this process (the plugin service, or the
// in-process transport): the definitions its library exports (plugin-aapxs-definitions.h), the
// control-channel dispatch while inactive, and, while active, a RecipientSession with its
// non-realtime worker that strips requests out of the MIDI2 input before the plugin runs and
// frames replies into the MIDI2 output after it (docs/spec/abi.md section 4).
//
// The other direction too: the plugin's host->get_extension(uri) returns the typed proxy of the
// definition for uri; its requests travel on the control channel (a synchronous round trip
// through the ControlChannelSender) while the instance is not active, and as SysEx8 in the MIDI2
// output through an InitiatorSession while it is, the replies coming back in a later cycle's
// MIDI2 input.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aap/android-audio-plugin.h"
#include "aap/hosting/status.h"
#include "aap/runtime/definition-registry.h"
#include "aap/runtime/initiator-session.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/recipient-session.h"

namespace aap {

class PluginSideAapxs {
public:
    PluginSideAapxs() = default;
    ~PluginSideAapxs() { stopSession(); }
    PluginSideAapxs(const PluginSideAapxs&) = delete;
    PluginSideAapxs& operator=(const PluginSideAapxs&) = delete;

    // [main-thread] Registers the definitions `library` (a dlopen handle) exports, if any, then
    // the standard extensions' definitions (aap::ext) for URIs the library did not cover, and
    // builds the host-extension proxy of every definition that has one, for `host` (what the
    // plugin gets; must outlive this object). Call once, before the plugin is instantiated: the
    // set of proxies never changes afterwards, which is what makes hostExtension() safe anywhere.
    void loadDefinitions(void* library, const std::string& libraryPath, AndroidAudioPluginHost* host);
    // [main-thread] Before loadDefinitions: a definition of the process's own that wins over the
    // library's and the standard one for its URI (the service's gui/v5, service-gui.h).
    RegistryError addOwnDefinition(const AAPXSDefinition& definition) noexcept { return registry_.add(definition); }
    bool hasDefinitions() const noexcept { return registry_.size() > 0; }

    // [main-thread] Inactive path: runs the definition's handler for one request whose payload is
    // in `block` (requestSize bytes of `capacity`). NotFound for an unknown URI, Unsupported when
    // the definition has no plugin side or its handler did not reply.
    HostingStatus dispatch(AndroidAudioPlugin* plugin, const std::string& uri, int32_t opcode, uint32_t requestId,
                           uint8_t* block, uint32_t capacity, uint32_t requestSize, uint32_t* replySize);

    // [main-thread] While no session runs (before activate): realtime requests carrying `urid`
    // name the definition of `uri` (TransportInstance::mapUrid). Re-mapping the same pair is Ok.
    HostingStatus mapUrid(const std::string& uri, uint8_t urid) noexcept;

    // Sends one host-extension request on the control channel and waits for its reply (data in
    // and out of `data`, `capacity` bytes). [main-thread]
    using ControlChannelSender = std::function<HostingStatus(const std::string& uri, int32_t opcode, uint32_t requestId,
                                                             uint8_t* data, uint32_t requestSize, uint32_t capacity,
                                                             uint32_t* replySize)>;
    void setControlChannelSender(ControlChannelSender sender) { sender_ = std::move(sender); }

    // [thread-safe] The typed host extension the plugin gets for `uri`: the proxy built by
    // loadDefinitions for it, or null (no definition, no host-side proxy, or another `host`).
    // A read-only lookup without allocation or locks: AAP 0.8 plugins call get_extension from
    // process() although aapxs.h tags it [main-thread], so this runs on the audio thread too.
    void* hostExtension(const char* uri, AndroidAudioPluginHost* host) const noexcept;

    // [main-thread] Around the plugin's activate / deactivate: startSession before activate (it
    // allocates), setActive(true) after it, setActive(false) before deactivate, stopSession after.
    // While not "active", the plugin's host-extension calls take the control channel: during its
    // activate()/deactivate() the instance is not active yet/any more. No-ops without definitions.
    HostingStatus startSession(AndroidAudioPlugin* plugin);
    void setActive(bool active) noexcept { active_.store(active && recipient_ != nullptr, std::memory_order_release); }
    void stopSession();

    // [audio-thread] Around the plugin's process(). Null buffers are ignored.
    // `inputMayHoldAapxs` false (the host said it framed nothing) skips scanning the input. A cycle
    // without AAPXS traffic reads a few members of this object and nothing else: afterProcess
    // makes its write pass (replies, the plugin's requests, the worker's wake-up) only when this
    // cycle's input was scanned, a request expired, the plugin sent a request since the last pass
    // (on any thread: routeHostRequest rings submitted_), or the last pass left work: a request
    // of the host still being handled (on the worker too: its reply is framed in the first cycle
    // after it is ready) or a reply waiting for space, or a request of the plugin in flight. Only
    // in flight are requests expired (a clock read).
    void beforeProcess(uint8_t* midiIn, size_t capacity, bool inputMayHoldAapxs = true) noexcept {
        if (!recipient_ || midiIn == nullptr)
            return;
        if (inputMayHoldAapxs) {
            routeIncomingAapxs(SessionSide::Plugin, midiIn, capacity, hostInitiator_.get(), recipient_.get());
            traffic_ = true;  // requests dispatched, replies completed: tasks for the worker
        }
        if (requestsInFlight_ && hostInitiator_->expire(monotonicNowNs()) != 0)
            traffic_ = true;  // failures posted to the worker
    }
    // Returns true when it framed any AAPXS message into the output.
    bool afterProcess(uint8_t* midiOut, size_t capacity) noexcept {
        if (!recipient_ || midiOut == nullptr)
            return false;
        const uint32_t submitted = submitted_.load(std::memory_order_acquire);
        if (!traffic_ && !repliesOwed_ && !requestsInFlight_ && submitted == submittedSeen_)
            return false;  // nothing to write, nothing posted for the worker
        traffic_ = false;
        submittedSeen_ = submitted;
        const size_t written = recipient_->writeReplies(midiOut, capacity) + hostInitiator_->writeRequests(midiOut, capacity);
        worker_->wakeIfPending();
        // What the next cycles must come back for. Only this thread takes requests of the host
        // (scans), so idle() stays true until a scan; the plugin's new requests ring submitted_.
        repliesOwed_ = !recipient_->idle();
        requestsInFlight_ = hostInitiator_->pendingCount() != 0;
        return written > 0;
    }

private:
    // One host extension the plugin obtained: the AAPXSInitiatorInstance its proxy talks to
    // (`routed`), which forwards to the session's binding while active and to the control channel
    // otherwise.
    struct HostBinding {
        PluginSideAapxs* owner = nullptr;
        AAPXSDefinition* definition = nullptr;
        AndroidAudioPluginHost* host = nullptr;
        std::vector<uint8_t> block;
        AAPXSSerializationContext serialization{};
        AAPXSInitiatorInstance routed{};
        AAPXSInitiatorInstance session{};
        bool sessionBound = false;
        void* typed = nullptr;
        std::atomic<uint32_t> nextRequestId{1};
    };
    void loadExportedDefinitions(void* library, const std::string& libraryPath);
    void buildHostBindings(AndroidAudioPluginHost* host);
    static bool routeHostRequest(AAPXSInitiatorInstance* instance, AAPXSRequestContext* context);
    static uint32_t newHostRequestId(AAPXSInitiatorInstance* instance);

    AAPXSDefinitionRegistry registry_;
    UridTable urids_;
    // What a cycle reads, together: the sessions, and the state that lets it skip them.
    std::unique_ptr<NonRealtimeWorker> worker_;
    std::unique_ptr<RecipientSession> recipient_;
    std::unique_ptr<InitiatorSession> hostInitiator_;
    std::atomic<bool> active_{false};
    bool traffic_ = false;           // audio thread: this cycle's beforeProcess scanned or expired something
    bool repliesOwed_ = false;       // audio thread: the last write pass left requests of the host unanswered
    bool requestsInFlight_ = false;  // audio thread: the last write pass left requests of the plugin pending
    uint32_t submittedSeen_ = 0;     // audio thread: submitted_ at the last write pass
    std::atomic<uint32_t> submitted_{0};  // bumped after each request the plugin sends while active
    // Filled once by loadDefinitions, before the plugin exists; never resized afterwards (the
    // plugin's audio thread may read it through hostExtension). Only the bindings' session
    // fields change, in startSession/stopSession while the plugin is not processing.
    std::vector<std::unique_ptr<HostBinding>> hostBindings_;
    ControlChannelSender sender_;
    // The plugin's main thread (the one that creates the instance): the only thread that may use
    // the control channel, which the service's main loop otherwise owns.
    std::thread::id mainThread_ = std::this_thread::get_id();
};

} // namespace aap
