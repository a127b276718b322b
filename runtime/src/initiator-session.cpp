#include "aap/runtime/initiator-session.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace aap {

namespace {
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
    counter.fetch_add(by, std::memory_order_relaxed);
}
} // namespace

// Per request-table slot: what writeRequests needs to frame the request, plus the C ABI
// callbacks when the request came through an AAPXSInitiatorInstance.
struct InitiatorSession::Slot {
    std::uint8_t urid = 0;
    const char* uri = nullptr;
    std::size_t uriSize = 0;
    std::int32_t opcode = 0;
    std::size_t dataSize = 0;
    std::uint32_t abiRecord = IndexFreeList::kEmpty; // C ABI requests only
};

// A C ABI request's callbacks and, once completed, its outcome and reply bytes (in abi_blocks_).
struct InitiatorSession::AbiRecord {
    Binding* binding = nullptr;
    aapxs_completion_callback callback = nullptr;
    aapxs_error_callback errorCallback = nullptr;
    void* callbackUserData = nullptr;
    std::uint8_t urid = 0;
    std::int32_t opcode = 0;
    std::uint32_t requestId = 0;
    RequestStatus status = RequestStatus::Cancelled;
    AapxsReplyError error = AapxsReplyError::None;
    std::size_t dataSize = 0;
};

struct InitiatorSession::Binding {
    InitiatorSession* session = nullptr;
    AAPXSDefinition* definition = nullptr;
    std::size_t uriSize = 0;
    AAPXSInitiatorInstance* instance = nullptr;
    void* pluginOrHost = nullptr;
};

const char* toString(SessionError error) noexcept {
    switch (error) {
    case SessionError::None: return "ok";
    case SessionError::BadCapacity: return "in-flight capacity is not within 1..65535";
    case SessionError::BadDataSize: return "maximum data size is not within 1..16 MiB";
    case SessionError::BadGroup: return "UMP group is larger than 15";
    case SessionError::NullDependency: return "a required dependency is null";
    case SessionError::OutOfMemory: return "out of memory while creating the session";
    }
    return "unknown session error";
}

const char* toString(SubmitError error) noexcept {
    switch (error) {
    case SubmitError::None: return "ok";
    case SubmitError::TableFull: return "too many requests in flight";
    case SubmitError::DataTooLarge: return "request data exceeds the session's maximum data size";
    case SubmitError::UriTooLong: return "extension URI is longer than AAP_MAX_EXTENSION_URI_SIZE";
    case SubmitError::WrongDirection: return "this side cannot initiate requests with this opcode";
    case SubmitError::InvalidRequest: return "request has no callback, null data, or names no extension";
    }
    return "unknown submit error";
}

InitiatorSession::InitiatorSession(const Options& options)
    // outgoing_ also holds the ids of requests that finished (timeout, cancel) before
    // writeRequests() popped them; twice the table leaves room for one such generation.
    : options_(options), table_(options.maxInFlight), outgoing_(2 * options.maxInFlight),
      slots_(new Slot[options.maxInFlight]), blocks_(new std::uint8_t[options.maxInFlight * options.maxDataSize]),
      scratch_size_(kAapxsReassemblySlots * (kAapxsFixedBytes + AAP_MAX_EXTENSION_URI_SIZE + options.maxDataSize)),
      bindings_(new Binding[kMaxBindings]), abi_records_(new AbiRecord[options.maxInFlight]),
      abi_blocks_(new std::uint8_t[options.maxInFlight * options.maxDataSize]),
      abi_free_(static_cast<std::uint32_t>(options.maxInFlight)) {
    scratch_.reset(new std::uint8_t[scratch_size_]);
}

InitiatorSession::~InitiatorSession() = default;

std::unique_ptr<InitiatorSession> InitiatorSession::create(const Options& options, SessionError* error) noexcept {
    SessionError result = SessionError::None;
    if (!RequestTable::isValidCapacity(options.maxInFlight))
        result = SessionError::BadCapacity;
    else if (options.maxDataSize == 0 || options.maxDataSize > 16u * 1024 * 1024)
        result = SessionError::BadDataSize;
    else if (options.group > 15)
        result = SessionError::BadGroup;
    std::unique_ptr<InitiatorSession> session;
    if (result == SessionError::None) {
        try {
            session.reset(new InitiatorSession(options));
        } catch (const std::bad_alloc&) {
            result = SessionError::OutOfMemory;
        }
    }
    if (error)
        *error = result;
    return session;
}

SubmitResult InitiatorSession::submit(const Request& request) noexcept {
    return submitImpl(request, IndexFreeList::kEmpty);
}

SubmitResult InitiatorSession::submitImpl(const Request& request, std::uint32_t abiRecord) noexcept {
    if (!request.onComplete || (request.dataSize && !request.data) || (request.uriSize && !request.uri) ||
        (request.urid == 0 && request.uriSize == 0))
        return {0, SubmitError::InvalidRequest};
    if (request.dataSize > options_.maxDataSize)
        return {0, SubmitError::DataTooLarge};
    if (request.uriSize > AAP_MAX_EXTENSION_URI_SIZE)
        return {0, SubmitError::UriTooLong};
    if (!initiatesAt(options_.side, request.opcode))
        return {0, SubmitError::WrongDirection};
    const RequestRegistration reserved = table_.reserve();
    if (!reserved.ok())
        return {0, SubmitError::TableFull};
    const std::size_t index = table_.slotOf(reserved.requestId);
    Slot& slot = slots_[index];
    slot = Slot{};
    slot.urid = request.urid;
    slot.uri = request.uri;
    slot.uriSize = request.uriSize;
    slot.opcode = request.opcode;
    slot.dataSize = request.dataSize;
    slot.abiRecord = abiRecord;
    if (request.dataSize)
        std::memcpy(blocks_.get() + index * options_.maxDataSize, request.data, request.dataSize);
    const std::int64_t timeout = request.timeoutNs > 0 ? request.timeoutNs : options_.defaultTimeoutNs;
    const std::int64_t now = monotonicNowNs();
    // Saturate: a huge timeout (kNoDeadline for "never") must not overflow into the past.
    const std::int64_t deadline = timeout >= RequestTable::kNoDeadline - now ? RequestTable::kNoDeadline
                                                                              : now + timeout;
    table_.publish(reserved.requestId, request.onComplete, request.user, deadline);
    std::uint32_t id = reserved.requestId;
    // Each pending slot is queued at most once, but ids of requests that finished before
    // writeRequests() popped them stay queued until it does; if they fill the queue (e.g. several
    // cancelAll() rounds without a writeRequests() in between), refuse the request rather than
    // leave it pending but never sent.
    if (!outgoing_.tryPush(id) && table_.withdraw(id))
        return {0, SubmitError::TableFull};
    return {reserved.requestId, SubmitError::None};
}

std::size_t InitiatorSession::writeRequests(std::uint8_t* portBuffer, std::size_t capacity) noexcept {
    std::size_t written = 0;
    for (;;) {
        std::uint32_t id = carry_;
        carry_ = 0;
        if (id == 0 && !outgoing_.tryPop(id))
            break;
        if (!table_.isPending(id))
            continue; // timed out or cancelled while queued
        const std::size_t index = table_.slotOf(id);
        const Slot& slot = slots_[index];
        AapxsMessageView message;
        message.group = options_.group;
        message.urid = slot.urid;
        message.requestId = id;
        // A mapped request travels URID-only (docs/spec/wire.md 3): smaller, and no string to compare.
        message.uri = slot.urid ? nullptr : slot.uri;
        message.uriSize = slot.urid ? 0 : slot.uriSize;
        message.opcode = slot.opcode;
        message.data = blocks_.get() + index * options_.maxDataSize;
        message.dataSize = slot.dataSize;
        const WireResult result = appendAapxsMessage(portBuffer, capacity, message);
        if (result == WireResult::Ok) {
            ++written;
            bump(sent_);
            continue;
        }
        if (result == WireResult::InvalidBuffer) {
            // The buffer's header is broken (e.g. a plugin wrote a bad length into its output), not
            // the request: keep it, in order, for a sane buffer next cycle.
            carry_ = id;
            break;
        }
        if (result == WireResult::NoSpace &&
            aapxsEncodedUmpBytes(message.uriSize, message.dataSize) <= capacity - kMidi2HeaderBytes) {
            carry_ = id; // fits an emptier buffer: next cycle, in order
            bump(deferred_);
            break;
        }
        RequestCompletion failure;
        failure.status = RequestStatus::SendFailed;
        table_.complete(id, failure);
    }
    return written;
}

bool InitiatorSession::acceptReply(const AapxsMessageView& message) noexcept {
    RequestCompletion completion;
    AapxsReplyError error = AapxsReplyError::None;
    if (parseAapxsErrorReply(message, &error, nullptr)) {
        completion.status = RequestStatus::ErrorReply;
        completion.errorCode = static_cast<std::int32_t>(error);
    } else {
        if (message.dataSize > options_.maxDataSize) {
            // Larger than any request of ours can be answered with: fail it rather than truncate.
            completion.status = RequestStatus::ErrorReply;
            completion.errorCode = static_cast<std::int32_t>(AapxsReplyError::ReplyTooLarge);
        } else {
            completion.status = RequestStatus::Completed;
            completion.data = message.data;
            completion.dataSize = message.dataSize;
        }
    }
    if (table_.complete(message.requestId, completion) == CompleteResult::Delivered) {
        bump(matched_);
        return true;
    }
    bump(rejected_);
    return false;
}

namespace {
struct ReplyVisitorContext {
    InitiatorSession* session;
    std::size_t ignored;
};
} // namespace

ExtractStats InitiatorSession::readReplies(std::uint8_t* portBuffer, std::size_t capacity) noexcept {
    ReplyVisitorContext context{this, 0};
    const ExtractStats stats = extractAapxsMessages(
        portBuffer, capacity, scratch_.get(), scratch_size_,
        [](void* user, const AapxsMessageView& message) noexcept {
            auto* c = static_cast<ReplyVisitorContext*>(user);
            if (isReplyAt(c->session->side(), message.opcode))
                c->session->acceptReply(message);
            else
                ++c->ignored; // a request for a recipient that is not wired to this buffer
        },
        &context);
    bump(malformed_, stats.malformed);
    bump(rejected_, context.ignored);
    return stats;
}

std::size_t InitiatorSession::cancelAll(RequestStatus status) noexcept {
    const std::size_t cancelled = table_.cancelAll(status);
    if (cancelled && options_.callbackWorker)
        options_.callbackWorker->wakeIfPending();
    return cancelled;
}

InitiatorSession::Statistics InitiatorSession::statistics() const noexcept {
    return Statistics{sent_.load(std::memory_order_relaxed), matched_.load(std::memory_order_relaxed),
                      rejected_.load(std::memory_order_relaxed), malformed_.load(std::memory_order_relaxed),
                      deferred_.load(std::memory_order_relaxed), abi_inline_.load(std::memory_order_relaxed)};
}

// ---- AAPXS C ABI bridge ---------------------------------------------------------------------

bool InitiatorSession::bindInitiatorInstance(AAPXSInitiatorInstance* instance, AAPXSDefinition* definition,
                                             void* pluginOrHost, std::uint8_t urid) noexcept {
    if (!instance || !definition || !definition->uri || definition->data_capacity <= 0 ||
        binding_count_ >= kMaxBindings)
        return false;
    Binding& binding = bindings_[binding_count_++];
    binding.session = this;
    binding.definition = definition;
    binding.instance = instance;
    binding.pluginOrHost = pluginOrHost;
    binding.uriSize = definition->uri ? std::strlen(definition->uri) : 0;
    instance->host_context = &binding;
    instance->urid = urid;
    instance->get_new_request_id = [](AAPXSInitiatorInstance* self) -> std::uint32_t {
        // Informational only: the wire id is assigned by send_aapxs_request (written back to
        // context->request_id), because it must name a request-table slot.
        auto* b = static_cast<Binding*>(self->host_context);
        return b->session->abi_request_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    };
    instance->send_aapxs_request = [](AAPXSInitiatorInstance* self, AAPXSRequestContext* context) -> bool {
        if (!self || !context || !context->serialization)
            return false;
        auto* b = static_cast<Binding*>(self->host_context);
        InitiatorSession& session = *b->session;
        const AAPXSSerializationContext& serialization = *context->serialization;
        const std::size_t capacity = static_cast<std::size_t>(b->definition->data_capacity);
        if (serialization.data_size > capacity || serialization.data_size > serialization.data_capacity)
            return false;
        Request request;
        request.urid = context->urid ? context->urid : self->urid;
        // The bound definition names the extension; its URI (a registry copy) outlives the request,
        // unlike context->uri, which the caller may free as soon as this returns.
        request.uri = b->definition->uri;
        request.uriSize = b->uriSize;
        request.opcode = context->opcode;
        request.data = static_cast<const std::uint8_t*>(serialization.data);
        request.dataSize = serialization.data_size;
        request.onComplete = completeAbiRequest;
        request.user = &session;
        const std::uint32_t recordIndex = session.abi_free_.pop();
        if (recordIndex == IndexFreeList::kEmpty)
            return false;
        AbiRecord& record = session.abi_records_[recordIndex];
        record = AbiRecord{};
        record.binding = b;
        record.callback = context->callback;
        record.errorCallback = context->error_callback;
        record.callbackUserData = context->callback_user_data;
        record.urid = request.urid;
        record.opcode = request.opcode;
        const SubmitResult submitted = session.submitImpl(request, recordIndex);
        if (!submitted.ok()) {
            session.abi_free_.push(recordIndex);
            return false;
        }
        context->request_id = submitted.requestId;
        return true;
    };
    return true;
}

void InitiatorSession::completeAbiRequest(void* user, const RequestCompletion& completion) noexcept {
    auto* session = static_cast<InitiatorSession*>(user);
    const Slot& slot = session->slots_[session->table_.slotOf(completion.requestId)];
    const std::uint32_t index = slot.abiRecord;
    AbiRecord& record = session->abi_records_[index];
    record.requestId = completion.requestId;
    record.status = completion.status;
    record.error = static_cast<AapxsReplyError>(completion.errorCode);
    record.dataSize = 0;
    if (completion.status == RequestStatus::Completed) {
        if (completion.dataSize > static_cast<std::size_t>(record.binding->definition->data_capacity)) {
            record.status = RequestStatus::ErrorReply;
            record.error = AapxsReplyError::ReplyTooLarge;
        } else {
            record.dataSize = completion.dataSize;
            if (completion.dataSize)
                std::memcpy(session->abi_blocks_.get() + index * session->options_.maxDataSize, completion.data,
                            completion.dataSize);
        }
    }
    NonRealtimeWorker* worker = session->options_.callbackWorker;
    if (worker && worker->post(NonRealtimeTask{deliverAbiOnWorker, session, index}) == PostResult::Posted)
        return;
    bump(session->abi_inline_);
    session->deliverAbi(index);
}

void InitiatorSession::deliverAbiOnWorker(void* context, std::uint64_t record, TaskOutcome) noexcept {
    // Cancelled (the worker stopped) still delivers, on the stopping thread: the request finished
    // and its initiator must hear about it exactly once.
    static_cast<InitiatorSession*>(context)->deliverAbi(static_cast<std::uint32_t>(record));
}

void InitiatorSession::deliverAbi(std::uint32_t index) noexcept {
    AbiRecord& record = abi_records_[index];
    Binding* binding = record.binding;
    if (record.status == RequestStatus::Completed) {
        // The block holds maxDataSize bytes, which may be less than the definition's capacity.
        const std::size_t blockCapacity =
            std::min(static_cast<std::size_t>(binding->definition->data_capacity), options_.maxDataSize);
        AAPXSSerializationContext serialization{abi_blocks_.get() + index * options_.maxDataSize, record.dataSize,
                                                blockCapacity};
        AAPXSRequestContext context{};
        context.callback = record.callback;
        context.callback_user_data = record.callbackUserData;
        context.serialization = &serialization;
        context.urid = record.urid;
        context.uri = binding->definition->uri;
        context.request_id = record.requestId;
        context.opcode = record.opcode;
        context.error_callback = record.errorCallback;
        AAPXSDefinition* definition = binding->definition;
        if (options_.side == SessionSide::Host && definition->process_incoming_plugin_aapxs_reply)
            definition->process_incoming_plugin_aapxs_reply(
                definition, binding->instance, static_cast<AndroidAudioPlugin*>(binding->pluginOrHost), &context);
        else if (options_.side == SessionSide::Plugin && definition->process_incoming_host_aapxs_reply)
            definition->process_incoming_host_aapxs_reply(
                definition, binding->instance, static_cast<AndroidAudioPluginHost*>(binding->pluginOrHost), &context);
        else if (record.callback)
            record.callback(record.callbackUserData, binding->pluginOrHost);
    } else if (record.errorCallback) {
        const char* reason = record.status == RequestStatus::ErrorReply ? toString(record.error) : toString(record.status);
        record.errorCallback(record.callbackUserData, binding->pluginOrHost, reason);
    }
    abi_free_.push(index);
}

} // namespace aap
