#pragma once
// Wire layout of the process transport: control messages on the UNIX socket and the realtime
// process block in shared memory. Everything here is a fixed-width, little-endian, pointer-free
// layout whose offsets are locked by static_asserts; docs/hosting.md describes it field by field.
// Both sides treat every value read from the other process as untrusted and validate it.

#include <cstddef>
#include <cstdint>

namespace aap {
namespace wire {

// "AAPC" in memory (little-endian), first field of every control message.
constexpr uint32_t kControlMagic = 0x43504141u;
// Bumped on any incompatible change of this file. Peers with different versions refuse to talk.
// 2: activate/prepare carry realtime reports; 3: graph activation (kOpGraphAttach/kOpGraphDetach);
// 4: kOpHostNotification (native GUIs); 5: kOpGuiChannel (a GUI program's shared-memory GUI channel).
constexpr uint32_t kControlProtocolVersion = 5u;

constexpr uint32_t kMaxControlPayload = 65536u;
constexpr uint32_t kMaxPorts = 128u;
constexpr uint32_t kMaxFdsPerMessage = kMaxPorts + 1u;  // prepare: process block + one per port
constexpr uint32_t kMaxUriLength = 1024u;
constexpr uint32_t kMaxPathLength = 4096u;
constexpr uint32_t kMaxExtensionCapacity = 16u * 1024u * 1024u;
constexpr uint32_t kMaxPortBufferSize = 64u * 1024u * 1024u;
constexpr uint32_t kMaxExtensionsPerInstance = 64u;
// A failed kOpCreateInstance reply may carry why, as its whole payload: 0 .. this many bytes of
// printable text (no byte < 0x20 or 0x7f, no NUL), e.g. the aap_abi_describe line with
// HostingStatus::AbiMismatch. A successful reply has no payload.
constexpr uint32_t kMaxCreateErrorLength = 2048u;

enum ControlOpcode : uint32_t {
    // host -> service
    kOpHello = 1,           // payload HelloPayload; reply HelloPayload
    kOpCreateInstance = 2,  // payload CreateInstancePayload + strings; reply header.instance_id,
                            // or on failure an optional reason (see kMaxCreateErrorLength)
    kOpAddExtension = 3,    // payload AddExtensionPayload + uri; 1 fd (memfd of the block)
    kOpPrepare = 4,         // payload PreparePayload + port_count x PortEntry; 1 + port_count fds;
                            // reply PrepareReplyPayload (when Ok)
    kOpActivate = 5,        // payload ActivatePayload; reply ActivateReplyPayload (when Ok)
    kOpDeactivate = 6,      // no payload
    kOpDestroy = 7,         // no payload
    kOpExtension = 8,       // payload ExtensionPayload + uri; data in the block; reply ExtensionReplyPayload
    kOpPing = 9,            // no payload (isPluginAlive)
    kOpMapUrid = 10,        // payload MapUridPayload + uri; reply status (Unprepared/Inactive only)
    kOpGraphAttach = 11,    // payload GraphAttachPayload + inputs; fds: activation block + one per
                            // source buffer; Inactive only. The next activate runs in graph mode
    kOpGraphDetach = 12,    // no payload; Inactive only: back to the process block
    kOpGuiChannel = 13,     // payload GuiChannelPayload; 1 fd (the memfd of a shared-memory GUI channel,
                            // aap/gui-shm-channel.h); any state: handed to the live GUI program of
                            // the session, reply when it acknowledged (docs/gui.md)
    // service -> host
    kOpHostExtension = 64,  // payload ExtensionPayload + uri + data; reply ExtensionReplyPayload + data
    kOpRequestProcess = 65, // no payload, no reply
    kOpHostNotification = 66, // payload as kOpHostExtension (request_id 0); no reply: a host-extension
                              // request the plugin process sends on its own, outside any host call
                              // (gui/v5 requests and closed, docs/gui.md)
};

enum ControlKind : uint32_t {
    kKindRequest = 1,
    kKindReply = 2,
};

// Every control message is one SOCK_SEQPACKET datagram: this header, then exactly
// payload_size bytes, with fd_count descriptors attached as SCM_RIGHTS.
struct ControlHeader {
    uint32_t magic;         // kControlMagic
    uint32_t kind;          // ControlKind
    uint32_t opcode;        // ControlOpcode (a reply repeats its request's opcode)
    uint32_t sequence;      // chosen by the requester, echoed by the reply
    uint32_t instance_id;   // 0 for connection-level messages (hello, create request)
    int32_t status;         // replies: HostingStatus value; requests: 0
    uint32_t payload_size;  // bytes after the header, <= kMaxControlPayload
    uint32_t fd_count;      // SCM_RIGHTS descriptors attached, <= kMaxFdsPerMessage
};
static_assert(sizeof(ControlHeader) == 32, "ControlHeader is 32 bytes on the wire");
static_assert(offsetof(ControlHeader, kind) == 4 && offsetof(ControlHeader, opcode) == 8 &&
                  offsetof(ControlHeader, sequence) == 12 && offsetof(ControlHeader, instance_id) == 16 &&
                  offsetof(ControlHeader, status) == 20 && offsetof(ControlHeader, payload_size) == 24 &&
                  offsetof(ControlHeader, fd_count) == 28,
              "ControlHeader field offsets are part of the protocol");

struct HelloPayload {
    uint32_t protocol_version;  // kControlProtocolVersion of the sender
    uint32_t sender_pid;        // informational
    uint32_t reserved0;
    uint32_t reserved1;
};
static_assert(sizeof(HelloPayload) == 16, "HelloPayload is 16 bytes");

// Followed by the four strings, in this order, without terminating NULs.
struct CreateInstancePayload {
    uint32_t library_path_length;  // 1 .. kMaxPathLength
    uint32_t entrypoint_length;    // 0 .. 256 (0 = GetAndroidAudioPluginFactory)
    uint32_t plugin_id_length;     // 1 .. kMaxUriLength
    uint32_t metadata_path_length; // 0 .. kMaxPathLength
};
static_assert(sizeof(CreateInstancePayload) == 16, "CreateInstancePayload is 16 bytes");

// Followed by uri_length URI bytes. One fd: a memfd of at least data_capacity bytes.
struct AddExtensionPayload {
    uint32_t data_capacity;  // 1 .. kMaxExtensionCapacity
    uint32_t uri_length;     // 1 .. kMaxUriLength
};
static_assert(sizeof(AddExtensionPayload) == 8, "AddExtensionPayload is 8 bytes");

struct PortEntry {
    int32_t content_type;  // AAP_CONTENT_TYPE_AUDIO (1), _MIDI2 (3) or _UNDEFINED (0, an "other" port)
    int32_t direction;     // AAP_PORT_DIRECTION_INPUT (0) or _OUTPUT (1)
    uint32_t buffer_size;  // bytes; audio: >= frames * 4; MIDI2: >= 32 (header); other: >= 1
    uint32_t reserved;     // zero
};
static_assert(sizeof(PortEntry) == 16, "PortEntry is 16 bytes");

// Followed by port_count PortEntry. fds: [0] the process block (kProcessBlockSize bytes),
// [1 + i] the buffer of port i (at least buffer_size bytes).
struct PreparePayload {
    int32_t frames;        // 1 .. 65536
    int32_t sample_rate;   // 1 .. 1536000
    uint32_t port_count;   // 0 .. kMaxPorts
    uint32_t reserved;     // zero
};
static_assert(sizeof(PreparePayload) == 16, "PreparePayload is 16 bytes");

// Reply to a successful kOpPrepare: how locking the service's mapping of the process block,
// port buffers and extension blocks went (mlock + pre-fault; a failure is not fatal).
struct PrepareReplyPayload {
    int32_t lock_state;      // MemoryLock: 1 locked, 2 failed (pages pre-faulted anyway)
    int32_t error_number;    // failed: errno of mlock
    uint64_t bytes;          // bytes locked, or not locked
    int64_t memlock_limit;   // failed: RLIMIT_MEMLOCK soft limit of the service, -1 unlimited
};
static_assert(sizeof(PrepareReplyPayload) == 24, "PrepareReplyPayload is 24 bytes");
static_assert(offsetof(PrepareReplyPayload, error_number) == 4 && offsetof(PrepareReplyPayload, bytes) == 8 &&
                  offsetof(PrepareReplyPayload, memlock_limit) == 16,
              "PrepareReplyPayload field offsets are part of the protocol");

// kOpActivate: the SCHED_FIFO priority the service asks for the instance's realtime thread.
struct ActivatePayload {
    int32_t realtime_priority;  // 0 = ask nothing; 1..99 (another value: InvalidArgument)
    uint32_t reserved;          // zero
};
static_assert(sizeof(ActivatePayload) == 8, "ActivatePayload is 8 bytes");

// Reply to a successful kOpActivate: what the request got, policy and priority as the service
// read them back from the thread (pthread_getschedparam).
struct ActivateReplyPayload {
    int32_t grant;               // RealtimeGrant: 0 not requested, 1 granted, 2 refused
    int32_t requested_priority;  // echo of ActivatePayload::realtime_priority
    int32_t policy;              // SCHED_OTHER 0, SCHED_FIFO 1, SCHED_RR 2, ...
    int32_t priority;            // 0..99
    int32_t error_number;        // refused: errno of pthread_setschedparam
    uint32_t flags;              // refused: kActivateCapSysNice when the service had CAP_SYS_NICE
    int64_t rtprio_limit;        // refused: RLIMIT_RTPRIO soft limit of the service, -1 unlimited
};
static_assert(sizeof(ActivateReplyPayload) == 32, "ActivateReplyPayload is 32 bytes");
static_assert(offsetof(ActivateReplyPayload, requested_priority) == 4 && offsetof(ActivateReplyPayload, policy) == 8 &&
                  offsetof(ActivateReplyPayload, priority) == 12 && offsetof(ActivateReplyPayload, error_number) == 16 &&
                  offsetof(ActivateReplyPayload, flags) == 20 && offsetof(ActivateReplyPayload, rtprio_limit) == 24,
              "ActivateReplyPayload field offsets are part of the protocol");
constexpr uint32_t kActivateCapSysNice = 1u;

// kOpExtension: followed by the URI; the request data (data_size bytes) is in the extension block.
// kOpHostExtension: followed by the URI, then data_size bytes of request data.
struct ExtensionPayload {
    int32_t opcode;        // >= 0 plugin extension, < 0 host extension (docs/spec/abi.md section 4)
    uint32_t request_id;
    uint32_t data_size;    // <= the extension's capacity (kOpExtension) or the payload bound
    uint32_t uri_length;   // 1 .. kMaxUriLength
};
static_assert(sizeof(ExtensionPayload) == 16, "ExtensionPayload is 16 bytes");

// kOpMapUrid: followed by the URI. The host names the extension `uri` with `urid` for this
// instance, so its realtime requests carry the urid instead of the URI (docs/spec/wire.md section 3)
// and the service resolves them without hashing and runs RT-safe opcodes inline. Sent before
// activate; a service that answers Unsupported (older) keeps getting URIs.
struct MapUridPayload {
    uint32_t urid;        // 1 .. 255
    uint32_t uri_length;  // 1 .. kMaxUriLength
};
static_assert(sizeof(MapUridPayload) == 8, "MapUridPayload is 8 bytes");

// Reply to kOpExtension (reply data in the block) and kOpHostExtension (reply data follows).
struct ExtensionReplyPayload {
    uint32_t data_size;
    uint32_t reserved;
};
static_assert(sizeof(ExtensionReplyPayload) == 8, "ExtensionReplyPayload is 8 bytes");

// The realtime control block of one instance, in its own memfd (kProcessBlockSize bytes).
// The host writes frames/timeout, then bumps request_sequence; the service runs the plugin, writes
// status, then sets reply_sequence = request_sequence. Both sequence words are futex words
// (shared, not FUTEX_PRIVATE). *_waiting flags say a side sleeps in FUTEX_WAIT so the other side
// issues a wake syscall only when needed.
struct ProcessBlock {
    uint32_t magic;             //  0: kProcessBlockMagic
    uint32_t layout_version;    //  4: kControlProtocolVersion
    uint32_t request_sequence;  //  8: host -> service futex word, incremented per cycle
    uint32_t reply_sequence;    // 12: service -> host futex word, = request_sequence when done
    uint32_t service_waiting;   // 16: 1 while the service sleeps on request_sequence
    uint32_t host_waiting;      // 20: 1 while the host sleeps on reply_sequence
    int32_t frames;             // 24: frames of this cycle, 1 .. prepared frames
    int32_t status;             // 28: HostingStatus of the cycle, written by the service
    int64_t timeout_ns;         // 32: the host's deadline for the cycle, relative
    uint32_t shutdown;          // 40: host -> service: leave the realtime loop
    uint32_t aapxs_flags;       // 44: kAapxsInInput (host) | kAapxsInOutput (service), see below
    uint32_t reserved[4];       // 48: zero
};
static_assert(sizeof(ProcessBlock) == 64, "ProcessBlock is 64 bytes");
static_assert(offsetof(ProcessBlock, request_sequence) == 8 && offsetof(ProcessBlock, reply_sequence) == 12 &&
                  offsetof(ProcessBlock, service_waiting) == 16 && offsetof(ProcessBlock, host_waiting) == 20 &&
                  offsetof(ProcessBlock, frames) == 24 && offsetof(ProcessBlock, status) == 28 &&
                  offsetof(ProcessBlock, timeout_ns) == 32 && offsetof(ProcessBlock, shutdown) == 40 &&
                  offsetof(ProcessBlock, aapxs_flags) == 44,
              "ProcessBlock field offsets are part of the protocol");

// aapxs_flags bits: which MIDI2 buffers of this cycle carry AAPXS SysEx8, so that neither side
// scans a full MIDI2 buffer for AAPXS traffic that is not there. The host sets kAapxsInInput
// (or clears the word) before the cycle; the service ORs in kAapxsInOutput before replying. A
// peer that lies only makes AAPXS messages reach the other side's MIDI handling unstripped.
constexpr uint32_t kAapxsInInput = 1u;
constexpr uint32_t kAapxsInOutput = 2u;

constexpr uint32_t kProcessBlockMagic = 0x42504141u;  // "AAPB"
constexpr uint32_t kProcessBlockSize = 4096u;          // one page, ProcessBlock at offset 0

// ---- Graph activation (aap::PluginGraph, docs/hosting.md "Plugin graphs") ----
// One activation block per graph, in its own sealed memfd of kGraphBlockSize bytes: a GraphHeader
// then kMaxGraphNodes GraphNode entries. The host owns it; every service hosting a node of the
// graph maps it. Futex words are shared (not FUTEX_PRIVATE).
constexpr uint32_t kGraphBlockMagic = 0x47504141u;  // "AAPG"
constexpr uint32_t kMaxGraphNodes = 64u;
constexpr uint32_t kMaxGraphSuccessors = 16u;
constexpr uint32_t kMaxGraphSources = 16u;        // producers feeding one input port
constexpr uint32_t kGraphHost = 0xFFFFFFFFu;      // a successor / producer entry meaning the host

struct GraphHeader {
    uint32_t magic;           //  0: kGraphBlockMagic
    uint32_t layout_version;  //  4: kControlProtocolVersion
    uint32_t node_count;      //  8: 1 .. kMaxGraphNodes
    uint32_t cycle;           // 12: the current cycle number (host, before it wakes anyone)
    uint32_t host_word;       // 16: futex word the host sleeps on; bumped when the host has work
    uint32_t host_waiting;    // 20: 1 while the host sleeps on host_word
    uint32_t host_pending;    // 24: tagged counter (see GraphNode::pending) of sink signals still due
    int32_t frames;           // 28: frames of this cycle
    uint64_t wakes;           // 32: wake-ups across threads of different processes (counted, see below)
    int64_t deadline_ns;      // 40: CLOCK_MONOTONIC deadline of this cycle
    uint64_t graph_id;        // 48: the host's id of the graph
    uint64_t futex_wakes;     // 56: FUTEX_WAKE calls issued (a wake-up whose target was not asleep issues none)
};
static_assert(sizeof(GraphHeader) == 64, "GraphHeader is 64 bytes");
static_assert(offsetof(GraphHeader, cycle) == 12 && offsetof(GraphHeader, host_word) == 16 &&
                  offsetof(GraphHeader, host_waiting) == 20 && offsetof(GraphHeader, host_pending) == 24 &&
                  offsetof(GraphHeader, frames) == 28 && offsetof(GraphHeader, wakes) == 32 &&
                  offsetof(GraphHeader, deadline_ns) == 40 && offsetof(GraphHeader, graph_id) == 48 &&
                  offsetof(GraphHeader, futex_wakes) == 56,
              "GraphHeader field offsets are part of the protocol");

// Pending counters (GraphNode::pending, GraphHeader::host_pending): bits 16..31 the cycle they
// count for (cycle & 0xFFFF), bit 15 "closed" (never reaches zero: a skipped node, or a cycle the
// host gave up at its deadline), bit 14 "released by a service" (set by the decrement that reached
// zero when a service made it: the host counts that wake-up), bits 0..13 the predecessors still
// running. A decrement whose tag is not the current cycle's (a late node finishing an old cycle)
// changes nothing.
constexpr uint32_t kPendingClosed = 0x8000u;
constexpr uint32_t kPendingReleasedByService = 0x4000u;
constexpr uint32_t kPendingCountMask = 0x3FFFu;

// GraphNode::flags
constexpr uint32_t kGraphNodeHostRun = 1u;     // runs on the host's thread (in process)
constexpr uint32_t kGraphNodeAapxsHints = 2u;  // the host writes kAapxsInInput into aapxs_flags every cycle

// GraphNode::aapxs_flags: which MIDI2 buffers of the node's cycle carry AAPXS SysEx8, as
// ProcessBlock::aapxs_flags does for process(). Before it releases a node for a cycle the host
// stores kAapxsInInput (it framed AAPXS into the node's MIDI2 input) or 0; a node whose `flags`
// has kGraphNodeAapxsHints scans its input only when the bit is set (without that flag, every
// cycle). Before it stores finished_cycle the node stores kAapxsOutputHinted, plus kAapxsInOutput
// when it framed AAPXS into its MIDI2 output; the host skips scanning the output of a node whose
// word says kAapxsOutputHinted without kAapxsInOutput (a service that never writes the word is
// scanned every cycle). A lie only makes AAPXS messages reach the other side's MIDI unstripped.
constexpr uint32_t kAapxsOutputHinted = 4u;

struct GraphNode {
    uint32_t activation;       //   0: futex word: the cycle the node may run (set by its last predecessor or the host)
    uint32_t waiting;          //   4: 1 while the node's thread sleeps on `activation`
    int32_t status;            //   8: HostingStatus of its last cycle
    uint32_t required;         //  12: number of predecessor nodes
    uint32_t pending;          //  16: tagged counter of predecessors still running this cycle
    uint32_t started_cycle;    //  20: the cycle it last started
    uint32_t finished_cycle;   //  24: the cycle it last finished
    uint32_t flags;            //  28: kGraphNodeHostRun
    int64_t signalled_ns;      //  32: when its last predecessor finished (or the host woke it)
    int64_t awake_ns;          //  40: when it started running
    int64_t finished_ns;       //  48: when it finished
    uint64_t xruns;            //  56: cycles it missed (host)
    uint32_t successor_count;  //  64: 0 .. kMaxGraphSuccessors
    uint32_t cpu_hint;         //  68: placement (host, each cycle): 1 + the CPU the node's thread should
                               //      keep to (the host's thread's CPU), 0 = anywhere; a node applies it
                               //      after its cycle, only when it changed; an unusable CPU is ignored
    uint32_t aapxs_flags;      //  72: kAapxsInInput (host, before the node's cycle) | kAapxsInOutput |
                               //      kAapxsOutputHinted (node, before finished_cycle), see above
    uint32_t reserved;         //  76
    uint32_t successors[kMaxGraphSuccessors];  // 80: node indexes, or kGraphHost (a sink)
};
static_assert(sizeof(GraphNode) == 144, "GraphNode is 144 bytes");
static_assert(offsetof(GraphNode, pending) == 16 && offsetof(GraphNode, started_cycle) == 20 &&
                  offsetof(GraphNode, finished_cycle) == 24 && offsetof(GraphNode, signalled_ns) == 32 &&
                  offsetof(GraphNode, xruns) == 56 && offsetof(GraphNode, successor_count) == 64 &&
                  offsetof(GraphNode, cpu_hint) == 68 && offsetof(GraphNode, aapxs_flags) == 72 &&
                  offsetof(GraphNode, successors) == 80,
              "GraphNode field offsets are part of the protocol");

constexpr uint32_t kGraphBlockSize = 4096u * 3u;  // header + 64 nodes, page-rounded
static_assert(sizeof(GraphHeader) + kMaxGraphNodes * sizeof(GraphNode) <= kGraphBlockSize, "graph block fits");

// kOpGraphAttach: followed by input_count GraphInputEntry, then for each input its source_count
// GraphSourceEntry. fds: [0] the activation block, then one per source entry, in order (the
// producer's output buffer: a node's port buffer, a host input channel or a relay buffer).
struct GraphAttachPayload {
    uint32_t node_index;   // this instance's node, < node_count
    uint32_t input_count;  // 0 .. kMaxPorts
    uint64_t graph_id;     // = GraphHeader::graph_id
};
static_assert(sizeof(GraphAttachPayload) == 16, "GraphAttachPayload is 16 bytes");

struct GraphInputEntry {
    uint32_t port_index;    // an input port of the instance
    uint32_t source_count;  // 1 .. kMaxGraphSources
    uint32_t flags;         // kGraphInputZeroCopy (source_count 1 only): the port reads the source itself
    uint32_t reserved;      // zero
};
static_assert(sizeof(GraphInputEntry) == 16, "GraphInputEntry is 16 bytes");
constexpr uint32_t kGraphInputZeroCopy = 1u;

struct GraphSourceEntry {
    uint32_t producer;     // node index (its output counts only when it finished this cycle) or kGraphHost
    uint32_t buffer_size;  // bytes of the source buffer (its fd's size)
};
static_assert(sizeof(GraphSourceEntry) == 8, "GraphSourceEntry is 8 bytes");

// kOpGuiChannel: the GUI session (the gui/v5 id of a GUI program) and what the program needs to
// join the host's GUI sessions over the attached memfd of aap_gui_shm_size(ring_capacity) bytes.
struct GuiChannelPayload {
    int32_t gui;             // the gui/v5 id create returned (a live GUI program session)
    uint32_t ring_capacity;  // bytes per ring: a power of two, AAP_GUI_SHM_MIN..MAX_CAPACITY
    uint32_t token_size;     // 32
    uint32_t reserved;       // zero
    uint8_t token[32];       // the host's GUI-sessions token, for the program's Hello
};
static_assert(sizeof(GuiChannelPayload) == 48, "GuiChannelPayload is 48 bytes");

constexpr uint32_t kMaxFrames = 65536u;
constexpr int32_t kMaxSampleRate = 1536000;

} // namespace wire
} // namespace aap
