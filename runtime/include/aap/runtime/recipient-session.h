#pragma once
// aap::RecipientSession: the answering side of AAPXS while an instance is active (docs/spec/abi.md 4).
// The plugin service runs one for plugin-extension requests (side Plugin, calling the definition's
// process_incoming_plugin_aapxs_request with the AndroidAudioPlugin*); the host runs one for
// host-extension requests (side Host, process_incoming_host_aapxs_request with the
// AndroidAudioPluginHost*).
//
// Cycle (processing thread = the audio thread while active):
//   before the plugin's process(): readRequests(midi2 buffer from the peer) strips every AAPXS
//     message out of it (the plugin never sees them) and dispatches each request:
//     - urid mapped, definition found, is_command_rt_safe(opcode) true: the handler runs INLINE on
//       this thread, right now.
//     - otherwise (not RT-safe, or a URI-only message, whose URI is resolved off the audio thread):
//       the request goes to the NonRealtimeWorker as one preallocated task; its handler runs there.
//   after process(): writeReplies(midi2 buffer to the peer) frames every reply that is ready, from
//     either path, in completion order, without exceeding the capacity; what does not fit waits
//     for the next cycle. Then worker.wakeIfPending() (once per cycle).
//
// Handler contract: the handler reads the request from request->serialization (data, data_size;
// data_capacity is the definition's, or Options::maxDataSize when that is smaller) and writes its
// reply there, then calls aapxsInstance->send_aapxs_reply(aapxsInstance, request) BEFORE
// RETURNING (on the worker path it may take as long as it needs). Pointing serialization->data
// at its own buffer is fine: the bytes are copied by send_aapxs_reply, and the size is checked
// against the session's capacity, not the (writable) data_capacity field. A handler that returns
// without replying (an opcode it does not know) makes the session send an error reply
// (AapxsReplyError::NotHandled), so the initiator
// never waits for silence. Calls to send_aapxs_reply after the handler returned are ignored.
//
// Memory: every in-flight request owns one preallocated slot (request context, recipient
// instance, serialization block of maxDataSize bytes, URI buffer). Nothing allocates per request.
// When every slot is busy, the request gets an error reply (Busy); when the worker is stopped,
// one that needs it gets ShuttingDown.
//
// Errors on the wire: see aapxs-wire.h and docs/runtime.md (error-reply URI).
//
// Lifetime: stop the worker (which calls every queued task with Cancelled, producing ShuttingDown
// error replies) before destroying the session; the registry, URID table and worker must outlive
// the session.

#include "aap/runtime/aapxs-wire.h"
#include "aap/runtime/bounded-mpsc-queue.h"
#include "aap/runtime/definition-registry.h"
#include "aap/runtime/initiator-session.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/session-side.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace aap {

class RecipientSession {
public:
    struct Options {
        SessionSide side = SessionSide::Plugin;
        const AAPXSDefinitionRegistry* registry = nullptr; // required
        const UridTable* urids = nullptr;                  // required (may be empty)
        NonRealtimeWorker* worker = nullptr;               // required
        void* pluginOrHost = nullptr; // AndroidAudioPlugin* (Plugin side) or AndroidAudioPluginHost* (Host side)
        std::size_t maxInFlight = 64;  // requests being handled or waiting for output space, 1..65535
        std::size_t maxDataSize = 0;   // 0: the largest data_capacity in the registry
        std::uint8_t group = 0;        // UMP group the replies are written to
        std::size_t errorReplyCapacity = 256; // Busy replies waiting for output space
    };

    struct Statistics {
        std::uint64_t handledInline;
        std::uint64_t handledByWorker;
        std::uint64_t replies;       // replies written, including error replies
        std::uint64_t errorReplies;
        std::uint64_t droppedErrorReplies; // Busy replies lost because their ring was full
        std::uint64_t malformed;
        std::uint64_t notForUs;      // replies found in our input (no initiator wired to it)
    };

    // [non-realtime] nullptr + *error on bad options.
    static std::unique_ptr<RecipientSession> create(const Options& options, SessionError* error) noexcept;
    ~RecipientSession();
    RecipientSession(const RecipientSession&) = delete;
    RecipientSession& operator=(const RecipientSession&) = delete;

    SessionSide side() const noexcept { return options_.side; }
    std::size_t maxDataSize() const noexcept { return max_data_size_; }

    // [processing thread]
    ExtractStats readRequests(std::uint8_t* portBuffer, std::size_t capacity) noexcept;
    bool acceptRequest(const AapxsMessageView& message) noexcept;
    std::size_t writeReplies(std::uint8_t* portBuffer, std::size_t capacity) noexcept;
    // Requests being handled or whose replies wait for output space.
    std::size_t busySlots() const noexcept { return options_.maxInFlight - free_count_; }
    // [processing thread] No request is being handled (inline or on the worker) and no reply or
    // error reply waits to be written: writeReplies() has nothing to write until readRequests()
    // or acceptRequest() takes a request on this thread. Lets a cycle without AAPXS traffic skip
    // the write pass.
    bool idle() const noexcept { return free_count_ == options_.maxInFlight && busy_size_ == 0; }

    Statistics statistics() const noexcept;

    std::uint8_t* scratch() noexcept { return scratch_.get(); }
    std::size_t scratchSize() const noexcept { return scratch_size_; }

private:
    struct Slot;
    struct PendingError {
        std::uint32_t requestId;
        std::int32_t opcode;
        std::uint8_t urid;
        AapxsReplyError error;
    };
    RecipientSession(const Options& options, std::size_t maxDataSize);
    static void runOnWorker(void* context, std::uint64_t slotIndex, TaskOutcome outcome) noexcept;
    static void sendReplyTrampoline(AAPXSRecipientInstance* instance, AAPXSRequestContext* context);
    void invokeHandler(Slot& slot) noexcept;
    std::size_t replyCapacity(const AAPXSDefinition& definition) const noexcept;
    void finish(Slot& slot, AapxsReplyError error) noexcept;
    void releaseSlot(std::uint32_t index) noexcept;
    void queueBusyReply(const AapxsMessageView& message, AapxsReplyError error = AapxsReplyError::Busy) noexcept;
    WireResult writeSlotReply(Slot& slot, std::uint8_t* portBuffer, std::size_t capacity) noexcept;

    Options options_;
    std::size_t max_data_size_;
    std::unique_ptr<Slot[]> slots_;
    std::unique_ptr<std::uint8_t[]> blocks_;
    std::unique_ptr<std::uint32_t[]> free_slots_; // stack; processing thread only
    std::size_t free_count_ = 0;
    BoundedMpscQueue<std::uint32_t> ready_; // slots whose reply (or error) is ready
    std::unique_ptr<PendingError[]> busy_replies_; // ring; processing thread only
    std::size_t busy_head_ = 0, busy_size_ = 0;
    std::uint32_t carry_ = UINT32_MAX; // ready slot that did not fit last cycle
    std::unique_ptr<std::uint8_t[]> scratch_;
    std::size_t scratch_size_ = 0;
    std::atomic<std::uint64_t> inline_{0}, worker_{0}, replies_{0}, error_replies_{0}, dropped_{0}, malformed_{0},
        not_for_us_{0};
};

// Extracts every AAPXS message from one incoming MIDI2 port buffer and hands each to the right
// session of `side`: replies to initiator, requests to recipient. Either may be null; messages for
// a missing session are stripped and dropped. [processing thread]
struct RouteStats {
    std::size_t replies = 0;
    std::size_t requests = 0;
    std::size_t dropped = 0;
    std::size_t malformed = 0;
    bool invalidBuffer = false;
};
RouteStats routeIncomingAapxs(SessionSide side, std::uint8_t* portBuffer, std::size_t capacity,
                              InitiatorSession* initiator, RecipientSession* recipient) noexcept;

} // namespace aap
