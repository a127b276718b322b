#pragma once
// The transport interface: how a host reaches a plugin instance that lives somewhere else (the
// same process, another process, later another machine). It carries exactly the control
// operations of docs/spec/abi.md section 3 plus the realtime process() signal and gives the host the
// port buffers to fill and read. A third party implements PluginTransport and TransportInstance;
// PluginHost/PluginInstance (plugin_host.h) put the lifecycle rules on top, so a transport may
// assume calls arrive in a valid order but must never crash or hang when they do not.
//
// Threads: everything is [main-thread] (any one non-realtime thread at a time per instance)
// except TransportInstance::process(), portBuffer() and isAlive(), which are [audio-thread]:
// they must not allocate, lock or wait past the deadline given to process().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/realtime-scheduling.h"
#include "aap/hosting/status.h"

namespace aap {

// Where and how to load a plugin. Paths are absolute file-system paths on the machine the
// transport runs the plugin on.
struct PluginLoadSpec {
    std::string libraryPath;   // the plugin's shared library
    std::string entrypoint;    // factory symbol; empty means "GetAndroidAudioPluginFactory"
    std::string pluginId;      // unique-id passed to the factory's instantiate()
    std::string metadataPath;  // aap_metadata.xml the plugin came from (may be empty)
};

// One port buffer to allocate at prepare time. contentType/direction use the AAP_CONTENT_TYPE_*
// and AAP_PORT_DIRECTION_* values of plugin-meta-info.h.
struct PortBufferSpec {
    int32_t contentType = 0;
    int32_t direction = 0;
    // audio: frames * sizeof(float); MIDI2: capacity incl. 32-byte header; other (contentType 0):
    // the port's buffer. A port's metadata minimumSize raises any of them.
    uint32_t sizeInBytes = 0;
};

// What a node of an aap::PluginGraph needs from its transport to run in graph mode
// (control-protocol.h, kOpGraphAttach): the activation block, its node index and, per input
// port fed by graph edges, the producers' buffers (shared-memory fds, read where they are).
struct GraphAttachment {
    struct Source {
        uint32_t producer = 0xFFFFFFFFu;  // node index, or wire::kGraphHost
        int fd = -1;                       // memfd of the producer's buffer (borrowed)
        uint32_t size = 0;                 // its size in bytes
    };
    struct Input {
        int32_t port = 0;
        bool zeroCopy = false;  // one audio source: the port reads it directly
        std::vector<Source> sources;
    };
    int blockFd = -1;  // the activation block (borrowed)
    uint64_t graphId = 0;
    uint32_t node = 0;
    std::vector<Input> inputs;
};

// Requests coming from the plugin side (docs/spec/abi.md section 3, "the other direction").
// Called on a thread owned by the transport ([transport-thread]) unless a transport documents
// otherwise; implementations must not call back into the same transport instance synchronously.
class TransportHostCallbacks {
public:
    virtual ~TransportHostCallbacks() = default;

    // The plugin asked to be processed (AndroidAudioPluginHost::request_process).
    virtual void requestProcess() noexcept = 0;

    // A host-extension request from the plugin. `data` holds `requestSize` bytes of the
    // serialized request and has room for `capacity` bytes; the handler writes the reply there
    // and stores its size in *replySize (<= capacity). Return Ok, or NotFound for an unknown URI.
    virtual HostingStatus hostExtension(const std::string& uri, int32_t opcode, uint32_t requestId,
                                        uint8_t* data, uint32_t requestSize, uint32_t capacity,
                                        uint32_t* replySize) = 0;
};

class TransportInstance {
public:
    virtual ~TransportInstance() = default;

    // Registers an extension and its serialization block of `dataCapacity` bytes (before
    // prepare). The block is returned through *block and stays valid until destroy().
    virtual HostingStatus addExtension(const std::string& uri, uint32_t dataCapacity,
                                       uint8_t** block) = 0;

    // Allocates one buffer per entry of `ports` (in port-index order) and prepares the plugin.
    virtual HostingStatus prepare(int32_t frames, int32_t sampleRate,
                                  const std::vector<PortBufferSpec>& ports) = 0;

    virtual HostingStatus activate() = 0;
    virtual HostingStatus deactivate() = 0;

    // Releases the plugin instance and every buffer. Bounded in time even if the plugin hangs.
    // Idempotent. After it, every other call returns Offline.
    virtual HostingStatus destroy() = 0;

    // [audio-thread] Runs one cycle over the port buffers. Returns by `timeoutNs` from the call
    // at the latest; on any failure every output buffer holds silence (audio zero, MIDI2 header
    // length 0) and the instance is offline from then on, except Xrun (see cycleReadiness()): the
    // outputs are silent for this cycle and the instance stays online.
    virtual HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept = 0;

    // [audio-thread] Optional hints that let a transport skip scanning MIDI2 buffers for AAPXS
    // traffic. PluginInstance calls markAapxsInput() before process() when it framed AAPXS
    // messages into the MIDI2 input this cycle, and asks outputMayHoldAapxs() after it. The
    // defaults are always correct (never skip).
    virtual void markAapxsInput() noexcept {}
    virtual bool outputMayHoldAapxs() const noexcept { return true; }

    // [audio-thread] Whether the peer can take the next cycle. A transport whose process() may
    // return Xrun (the peer missed a deadline but is still working on that cycle) says Busy while
    // the late cycle runs: the host must then not touch the input buffers, and process() returns
    // Xrun (or, past the transport's bound, Timeout) without starting a cycle. LateReplyArrived:
    // the late cycle finished since; its outputs (silenced for the host already) may still hold
    // AAPXS replies, which the host routes before it writes the next inputs. Default: Ready.
    enum class Readiness { Ready, LateReplyArrived, Busy };
    virtual Readiness cycleReadiness() noexcept { return Readiness::Ready; }

    // The process id of the peer process, or 0 when there is none (in process, custom transports).
    virtual int peerProcessId() const noexcept { return 0; }

    // [audio-thread] The buffer of port `index` after prepare, or nullptr. Stable until destroy().
    virtual void* portBuffer(int32_t index) noexcept = 0;

    // An extension request while the instance is not active (docs/spec/abi.md section 4): the
    // request payload is already in the extension's block (`requestSize` bytes); on Ok the reply
    // is in the block and its size in *replySize. Bounded by `timeoutNs`.
    virtual HostingStatus extension(const std::string& uri, int32_t opcode, uint32_t requestId,
                                    uint32_t requestSize, uint32_t* replySize,
                                    int64_t timeoutNs) = 0;

    // [audio-thread] False once the instance is offline (peer died, timed out, protocol error).
    virtual bool isAlive() const noexcept = 0;

    // Before activate (not while active): from now on the plugin side resolves realtime requests
    // that carry `urid` (1..255) to the extension `uri`, without the URI on the wire, and runs
    // the RT-safe ones inline in the cycle that carries them. Errors: InvalidArgument (urid 0, or
    // urid/uri already mapped differently), NotFound (no definition for uri on the plugin side),
    // InvalidState (active). The default, Unsupported, keeps requests addressed by URI.
    // [main-thread] What the instance got for realtime operation: the scheduling of the thread
    // that runs process() (after activate) and memory locking (after prepare). The default says
    // "not attempted" everywhere (a transport without a thread or shared memory of its own).
    virtual RealtimeReport realtimeReport() const { return {}; }

    // ---- Graph mode (aap::PluginGraph), optional ----
    // [main-thread] Inactive only. From the next activate() the peer runs the instance as a node of
    // a graph: woken through the activation block instead of process(). Default: Unsupported
    // (the graph then runs the instance on the host's thread with process()).
    virtual HostingStatus attachGraph(const GraphAttachment& attachment) {
        (void)attachment;
        return HostingStatus::Unsupported;
    }
    // Whether attachGraph can work (the peer can run the instance in graph mode).
    virtual bool supportsGraphMode() const noexcept { return false; }
    // [main-thread] Inactive only. Back to process().
    virtual HostingStatus detachGraph() { return HostingStatus::Unsupported; }
    // The memfd of port `index`'s buffer (the very memory portBuffer() returns, sealed, exactly the
    // port's size), or -1 (no shared memory). A graph hands it to out-of-process consumers of the
    // port, which map it (zero copy); for a host-run node without one it copies the port's output
    // into a relay memfd after each cycle instead.
    virtual int portBufferFd(int32_t index) const noexcept {
        (void)index;
        return -1;
    }
    // [audio-thread] Makes the plugin read input port `index` from `buffer` (at least the port's
    // size) from now on, instead of its own buffer (zero copy of a graph edge); nullptr restores its
    // own. False when the transport cannot (the caller copies instead).
    virtual bool redirectInputBuffer(int32_t index, void* buffer) noexcept {
        (void)index;
        (void)buffer;
        return false;
    }

    virtual HostingStatus mapUrid(const std::string& uri, uint8_t urid) {
        (void)uri;
        (void)urid;
        return HostingStatus::Unsupported;
    }

    // [main-thread] Any state. Hands the GUI program of gui/v5 session `gui` the shared-memory GUI
    // channel `fd` (aap/gui-shm-channel.h, aap_gui_shm_size(ringCapacity) bytes) and the token
    // of the host's GUI sessions; returns once the program acknowledged it (docs/gui.md,
    // "Parameters of a GUI program"). The caller keeps `fd`. Default: Unsupported (no GUI programs).
    virtual HostingStatus attachGuiChannel(int32_t gui, uint32_t ringCapacity, const uint8_t* token, size_t tokenSize,
                                           int fd) {
        (void)gui;
        (void)ringCapacity;
        (void)token;
        (void)tokenSize;
        (void)fd;
        return HostingStatus::Unsupported;
    }
};

class PluginTransport {
public:
    virtual ~PluginTransport() = default;

    // A short name for logs ("in-process", "process").
    virtual const char* name() const noexcept = 0;

    // Loads and instantiates a plugin (beginCreate .. endCreate). `callbacks` must outlive the
    // instance (it may be nullptr: requests from the plugin then fail with NotFound). On failure
    // *error (when not null) says why in one line where the transport knows more than the status,
    // e.g. the aap_abi_describe line with AbiMismatch; it is left alone otherwise.
    virtual HostingStatus createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                         std::unique_ptr<TransportInstance>* instance,
                                         std::string* error = nullptr) = 0;

    // False once the connection is unusable (peer process died or violated the protocol).
    virtual bool isAlive() const noexcept = 0;
};

} // namespace aap
