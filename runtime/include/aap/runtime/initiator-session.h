#pragma once
// aap::InitiatorSession: the sending side of AAPXS while an instance is active (docs/spec/abi.md 4).
// The host runs one for plugin-extension requests; the plugin service runs one for host-extension
// requests.
//
// Cycle (on the processing thread, i.e. the audio thread while active):
//   before process(): writeRequests(midi2 port buffer going to the peer)
//   after process():  readReplies(midi2 port buffer coming from the peer)  (or routeIncomingAapxs)
//                     expire(monotonicNowNs())
// - submit() is [thread-safe] [audio-thread]: it reserves a request-table slot, copies the request
//   data into that slot's preallocated block and queues the slot on a bounded MPSC queue. A full
//   table is an immediate SubmitError::TableFull; nothing allocates or blocks.
// - writeRequests() frames queued requests into the buffer in submission order without exceeding
//   its capacity; what does not fit waits for the next cycle (never dropped). A request too big
//   to fit even an empty buffer fails with RequestStatus::SendFailed.
// - readReplies() strips AAPXS messages out of the buffer and completes requests by id in O(1);
//   stale, forged or duplicate replies are counted and ignored.
// - Callbacks (RequestCompletionFunction) fire exactly once per accepted request, on the thread
//   that calls readReplies / expire / cancelAll (the audio thread while active): keep them
//   realtime-safe, or hand the completion to a NonRealtimeWorker. A reply's data is passed to the
//   callback (valid during the call only).
// - The AAPXS C ABI: bindInitiatorInstance() fills an AAPXSInitiatorInstance whose
//   send_aapxs_request submits through this session. Each such request holds one preallocated
//   completion record (maxInFlight of them, with a maxDataSize block each) from send until its
//   callbacks returned. On completion the reply is copied into the record and the record is
//   posted to Options::callbackWorker, whose thread calls the definition's
//   process_incoming_*_aapxs_reply (which fires request->callback; aapxs.h tags it
//   [main-thread]) or request->callback directly when the definition has none; failures call
//   request->error_callback. Without a callbackWorker, or when posting fails (queue full or
//   worker stopped), they run on the completing thread instead (counted in
//   Statistics::abiInlineDeliveries). Under WakePolicy::WakeOncePerCycle, call
//   callbackWorker->wakeIfPending() once per cycle after readReplies/expire (the host does that
//   for its worker anyway); cancelAll() wakes it itself.
//
// Lifetime: stop the callbackWorker before destroying the session.

#include "aap/runtime/aapxs-wire.h"
#include "aap/runtime/bounded-mpsc-queue.h"
#include "aap/runtime/index-free-list.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/request-table.h"
#include "aap/runtime/session-side.h"
#include "aapxs/aapxs.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace aap {

enum class SessionError : std::uint8_t {
    None,
    BadCapacity,      // maxInFlight not within 1..65535
    BadDataSize,      // maxDataSize 0 or above 16 MiB
    BadGroup,         // group > 15
    NullDependency,   // a required pointer (registry, urid table, worker) is null
    OutOfMemory,
};
const char* toString(SessionError error) noexcept;

enum class SubmitError : std::uint8_t {
    None,
    TableFull,      // too many requests in flight (or finished ones not yet popped by writeRequests)
    DataTooLarge,   // dataSize > Options::maxDataSize
    UriTooLong,     // uriSize > AAP_MAX_EXTENSION_URI_SIZE
    WrongDirection, // this side cannot initiate this opcode (see session-side.h)
    InvalidRequest, // no callback, null data with size, or neither urid nor uri
};
const char* toString(SubmitError error) noexcept;

struct SubmitResult {
    std::uint32_t requestId = 0;
    SubmitError error = SubmitError::None;
    bool ok() const noexcept { return error == SubmitError::None; }
};

class InitiatorSession {
public:
    struct Options {
        SessionSide side = SessionSide::Host;
        std::size_t maxInFlight = RequestTable::kDefaultCapacity; // 1..65535
        std::size_t maxDataSize = 4096;       // largest request or reply payload, bytes
        std::uint8_t group = 0;               // UMP group the requests are written to
        std::int64_t defaultTimeoutNs = 2'000'000'000;
        NonRealtimeWorker* callbackWorker = nullptr; // C ABI bridge only, see the header comment
    };

    struct Request {
        std::uint8_t urid = 0;          // 1..255 when mapped; 0: uri names the extension
        const char* uri = nullptr;      // borrowed until the request completes (registry URIs live long enough)
        std::size_t uriSize = 0;
        std::int32_t opcode = 0;
        const std::uint8_t* data = nullptr; // copied by submit()
        std::size_t dataSize = 0;
        std::int64_t timeoutNs = 0;     // 0: Options::defaultTimeoutNs
        RequestCompletionFunction onComplete = nullptr;
        void* user = nullptr;
    };

    struct Statistics {
        std::uint64_t sent;
        std::uint64_t repliesMatched;
        std::uint64_t repliesRejected; // stale, forged or duplicate ids
        std::uint64_t malformed;
        std::uint64_t deferredWrites;  // times a request waited for the next cycle for space
        std::uint64_t abiInlineDeliveries; // C ABI completions delivered on the completing thread
    };

    // [non-realtime] Allocates everything the session will ever use. nullptr + *error on bad options.
    static std::unique_ptr<InitiatorSession> create(const Options& options, SessionError* error) noexcept;
    ~InitiatorSession();
    InitiatorSession(const InitiatorSession&) = delete;
    InitiatorSession& operator=(const InitiatorSession&) = delete;

    SessionSide side() const noexcept { return options_.side; }
    const Options& options() const noexcept { return options_; }
    std::size_t pendingCount() const noexcept { return table_.pendingCount(); }

    // [thread-safe] [audio-thread]
    SubmitResult submit(const Request& request) noexcept;

    // [processing thread] See the header comment. writeRequests returns how many were framed.
    std::size_t writeRequests(std::uint8_t* portBuffer, std::size_t capacity) noexcept;
    ExtractStats readReplies(std::uint8_t* portBuffer, std::size_t capacity) noexcept;
    std::size_t expire(std::int64_t nowNs, std::size_t maxSlotsToScan = SIZE_MAX) noexcept {
        return table_.expire(nowNs, maxSlotsToScan);
    }
    // [processing thread, or any thread once processing stopped] Fails every pending request,
    // then wakes the callbackWorker (if any) so C ABI error callbacks run without waiting for a
    // next cycle.
    std::size_t cancelAll(RequestStatus status = RequestStatus::Cancelled) noexcept;

    // [processing thread] One parsed message that is a reply at this side (used by
    // routeIncomingAapxs). Returns true when it completed a request.
    bool acceptReply(const AapxsMessageView& message) noexcept;

    // [non-realtime] Makes `instance` send through this session (see the header comment).
    // definition must outlive the session; pluginOrHost is passed to the callbacks.
    // False when instance or definition is null, the definition has no URI or no data capacity,
    // or kMaxBindings instances are already bound. The definition's URI names the extension on
    // the wire (context->uri is ignored); use a registry entry, whose URI outlives the session.
    static constexpr std::size_t kMaxBindings = 256;
    bool bindInitiatorInstance(AAPXSInitiatorInstance* instance, AAPXSDefinition* definition,
                               void* pluginOrHost, std::uint8_t urid) noexcept;

    Statistics statistics() const noexcept;

    // Reassembly storage big enough for any message this session accepts.
    std::uint8_t* scratch() noexcept { return scratch_.get(); }
    std::size_t scratchSize() const noexcept { return scratch_size_; }

private:
    struct Slot;
    struct Binding;
    struct AbiRecord;
    explicit InitiatorSession(const Options& options);
    SubmitResult submitImpl(const Request& request, std::uint32_t abiRecord) noexcept;
    static void completeAbiRequest(void* user, const RequestCompletion& completion) noexcept;
    static void deliverAbiOnWorker(void* context, std::uint64_t record, TaskOutcome outcome) noexcept;
    void deliverAbi(std::uint32_t record) noexcept;

    Options options_;
    RequestTable table_;
    BoundedMpscQueue<std::uint32_t> outgoing_;
    std::unique_ptr<Slot[]> slots_;
    std::unique_ptr<std::uint8_t[]> blocks_; // maxInFlight * maxDataSize
    std::unique_ptr<std::uint8_t[]> scratch_;
    std::size_t scratch_size_ = 0;
    std::unique_ptr<Binding[]> bindings_; // kMaxBindings
    std::unique_ptr<AbiRecord[]> abi_records_; // maxInFlight
    std::unique_ptr<std::uint8_t[]> abi_blocks_; // maxInFlight * maxDataSize
    IndexFreeList abi_free_;
    std::size_t binding_count_ = 0;
    std::uint32_t carry_ = 0; // request that did not fit last cycle
    std::atomic<std::uint32_t> abi_request_counter_{0};
    std::atomic<std::uint64_t> sent_{0}, matched_{0}, rejected_{0}, malformed_{0}, deferred_{0}, abi_inline_{0};
};

} // namespace aap
