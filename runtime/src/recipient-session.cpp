#include "aap/runtime/recipient-session.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace aap {

namespace {
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
    counter.fetch_add(by, std::memory_order_relaxed);
}
void writeLe32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
}
constexpr std::size_t kErrorUriSize = sizeof(kAapxsErrorReplyUri) - 1;

AapxsMessageView errorReplyMessage(std::uint8_t group, std::uint32_t requestId, std::int32_t opcode,
                                   std::uint8_t urid, AapxsReplyError error, std::uint8_t* data8) noexcept {
    writeLe32(data8, static_cast<std::uint32_t>(error));
    data8[4] = urid;
    data8[5] = data8[6] = data8[7] = 0;
    AapxsMessageView message;
    message.group = group;
    message.urid = 0;
    message.requestId = requestId;
    message.uri = kAapxsErrorReplyUri;
    message.uriSize = kErrorUriSize;
    message.opcode = opcode;
    message.data = data8;
    message.dataSize = kAapxsErrorReplyDataSize;
    return message;
}
} // namespace

// One in-flight request. Ownership moves processing thread -> (worker ->) processing thread via
// the worker queue and the ready_ queue, which order every access to the plain fields.
struct RecipientSession::Slot {
    RecipientSession* session = nullptr;
    std::uint32_t index = 0;
    std::uint32_t requestId = 0;
    std::int32_t opcode = 0;
    std::uint8_t urid = 0;
    bool replyWithUri = false;
    bool inHandler = false;
    bool replied = false;
    AapxsReplyError error = AapxsReplyError::None;
    AAPXSDefinition* definition = nullptr;
    std::size_t requestSize = 0;
    std::size_t replySize = 0;
    std::size_t uriSize = 0;
    char uri[AAP_MAX_EXTENSION_URI_SIZE + 1] = {};
    AAPXSSerializationContext serialization{};
    AAPXSRequestContext context{};
    AAPXSRecipientInstance instance{};
};

RecipientSession::RecipientSession(const Options& options, std::size_t maxDataSize)
    : options_(options), max_data_size_(maxDataSize), slots_(new Slot[options.maxInFlight]),
      blocks_(new std::uint8_t[options.maxInFlight * maxDataSize]),
      free_slots_(new std::uint32_t[options.maxInFlight]), ready_(options.maxInFlight),
      busy_replies_(new PendingError[std::max<std::size_t>(options.errorReplyCapacity, 1)]),
      scratch_size_(kAapxsReassemblySlots * (kAapxsFixedBytes + AAP_MAX_EXTENSION_URI_SIZE + maxDataSize)) {
    if (options_.errorReplyCapacity == 0)
        options_.errorReplyCapacity = 1;
    scratch_.reset(new std::uint8_t[scratch_size_]);
    for (std::size_t i = 0; i < options_.maxInFlight; ++i) {
        slots_[i].session = this;
        slots_[i].index = static_cast<std::uint32_t>(i);
        // Lowest index on top, so slot 0 is used first.
        free_slots_[i] = static_cast<std::uint32_t>(options_.maxInFlight - 1 - i);
    }
    free_count_ = options_.maxInFlight;
}

RecipientSession::~RecipientSession() = default;

std::unique_ptr<RecipientSession> RecipientSession::create(const Options& options, SessionError* error) noexcept {
    SessionError result = SessionError::None;
    std::size_t maxDataSize = options.maxDataSize;
    if (!options.registry || !options.urids || !options.worker) {
        result = SessionError::NullDependency;
    } else if (!RequestTable::isValidCapacity(options.maxInFlight)) {
        result = SessionError::BadCapacity;
    } else if (options.group > 15) {
        result = SessionError::BadGroup;
    } else {
        if (maxDataSize == 0)
            for (std::size_t i = 0; i < options.registry->size(); ++i)
                maxDataSize = std::max(maxDataSize, static_cast<std::size_t>(options.registry->at(i)->data_capacity));
        if (maxDataSize == 0 || maxDataSize > 16u * 1024 * 1024)
            result = SessionError::BadDataSize;
    }
    std::unique_ptr<RecipientSession> session;
    if (result == SessionError::None) {
        try {
            session.reset(new RecipientSession(options, maxDataSize));
        } catch (const std::bad_alloc&) {
            result = SessionError::OutOfMemory;
        }
    }
    if (error)
        *error = result;
    return session;
}

void RecipientSession::queueBusyReply(const AapxsMessageView& message, AapxsReplyError error) noexcept {
    if (busy_size_ == options_.errorReplyCapacity) {
        bump(dropped_);
        return;
    }
    busy_replies_[(busy_head_ + busy_size_) % options_.errorReplyCapacity] =
        PendingError{message.requestId, message.opcode, message.urid, error};
    ++busy_size_;
}

void RecipientSession::releaseSlot(std::uint32_t index) noexcept { free_slots_[free_count_++] = index; }

void RecipientSession::finish(Slot& slot, AapxsReplyError error) noexcept {
    slot.error = error;
    std::uint32_t index = slot.index;
    // ready_ holds maxInFlight entries and a slot is in it at most once: cannot fail.
    ready_.tryPush(index);
}

bool RecipientSession::acceptRequest(const AapxsMessageView& message) noexcept {
    if (isReplyAt(options_.side, message.opcode))
        return false;
    if (free_count_ == 0) {
        queueBusyReply(message);
        return true;
    }
    const std::uint32_t index = free_slots_[--free_count_];
    Slot& slot = slots_[index];
    slot.requestId = message.requestId;
    slot.opcode = message.opcode;
    slot.urid = message.urid;
    slot.replyWithUri = message.urid == 0;
    slot.definition = nullptr;
    slot.replied = false;
    slot.inHandler = false;
    slot.error = AapxsReplyError::None;
    slot.replySize = 0;
    slot.uriSize = 0;
    if (message.uriSize > AAP_MAX_EXTENSION_URI_SIZE) {
        finish(slot, AapxsReplyError::UnknownExtension);
        return true;
    }
    if (message.dataSize > max_data_size_) {
        finish(slot, AapxsReplyError::RequestTooLarge);
        return true;
    }
    if (message.uriSize)
        std::memcpy(slot.uri, message.uri, message.uriSize);
    slot.uri[message.uriSize] = '\0';
    slot.uriSize = message.uriSize;
    slot.requestSize = message.dataSize;
    if (message.dataSize)
        std::memcpy(blocks_.get() + index * max_data_size_, message.data, message.dataSize);

    if (message.urid != 0) {
        slot.definition = options_.urids->find(message.urid);
        if (!slot.definition) {
            finish(slot, AapxsReplyError::UnknownExtension);
            return true;
        }
        AAPXSDefinition* definition = slot.definition;
        const bool isHostExtension = options_.side == SessionSide::Host;
        if (definition->is_command_rt_safe && definition->is_command_rt_safe(definition, isHostExtension, message.opcode)) {
            bump(inline_);
            invokeHandler(slot);
            return true;
        }
    }
    const PostResult posted = options_.worker->post(NonRealtimeTask{runOnWorker, this, index});
    if (posted != PostResult::Posted) {
        releaseSlot(index);
        // A stopped worker will never handle it: say so (docs/runtime.md, code 5), not "try again".
        queueBusyReply(message, posted == PostResult::Stopped ? AapxsReplyError::ShuttingDown : AapxsReplyError::Busy);
    }
    return true;
}

std::size_t RecipientSession::replyCapacity(const AAPXSDefinition& definition) const noexcept {
    return std::min(static_cast<std::size_t>(definition.data_capacity), max_data_size_);
}

void RecipientSession::invokeHandler(Slot& slot) noexcept {
    AAPXSDefinition* definition = slot.definition;
    if (slot.requestSize > static_cast<std::size_t>(definition->data_capacity)) {
        finish(slot, AapxsReplyError::RequestTooLarge);
        return;
    }
    const bool plugin = options_.side == SessionSide::Plugin;
    if ((plugin && !definition->process_incoming_plugin_aapxs_request) ||
        (!plugin && !definition->process_incoming_host_aapxs_request)) {
        finish(slot, AapxsReplyError::NotHandled);
        return;
    }
    slot.serialization.data = blocks_.get() + slot.index * max_data_size_;
    slot.serialization.data_size = slot.requestSize;
    // The slot's block holds max_data_size_ bytes: with an explicit Options::maxDataSize that can
    // be less than the definition's data_capacity, and the handler may write up to data_capacity.
    slot.serialization.data_capacity = replyCapacity(*definition);
    slot.context = AAPXSRequestContext{};
    slot.context.serialization = &slot.serialization;
    slot.context.urid = slot.urid;
    slot.context.uri = definition->uri;
    slot.context.request_id = slot.requestId;
    slot.context.opcode = slot.opcode;
    slot.instance.aapxs_context = definition->aapxs_context;
    slot.instance.host_context = &slot;
    slot.instance.serialization = &slot.serialization;
    slot.instance.send_aapxs_reply = sendReplyTrampoline;
    slot.inHandler = true;
    if (plugin)
        definition->process_incoming_plugin_aapxs_request(
            definition, &slot.instance, static_cast<AndroidAudioPlugin*>(options_.pluginOrHost), &slot.context);
    else
        definition->process_incoming_host_aapxs_request(
            definition, &slot.instance, static_cast<AndroidAudioPluginHost*>(options_.pluginOrHost), &slot.context);
    slot.inHandler = false;
    finish(slot, slot.replied ? slot.error : AapxsReplyError::NotHandled);
}

void RecipientSession::sendReplyTrampoline(AAPXSRecipientInstance* instance, AAPXSRequestContext* context) {
    if (!instance || !context)
        return;
    auto* slot = static_cast<Slot*>(instance->host_context);
    if (!slot->inHandler || slot->replied || context->request_id != slot->requestId)
        return; // late, duplicate or foreign: see "Handler contract"
    const AAPXSSerializationContext* source = context->serialization ? context->serialization : &slot->serialization;
    std::size_t size = source->data_size;
    // The reply is framed from the slot's block: a handler may have pointed the serialization (or
    // its data) elsewhere, so take the bytes from wherever it says they are.
    RecipientSession& session = *slot->session;
    std::uint8_t* block = session.blocks_.get() + slot->index * session.max_data_size_;
    // Not slot->serialization.data_capacity: the handler can write that field.
    if (size > session.replyCapacity(*slot->definition)) {
        slot->replied = true;
        slot->error = AapxsReplyError::ReplyTooLarge;
        slot->replySize = 0;
        return;
    }
    if (size && !source->data) {
        slot->replied = true;
        slot->error = AapxsReplyError::NotHandled; // claims bytes it does not have
        slot->replySize = 0;
        return;
    }
    if (size && source->data != block)
        std::memmove(block, source->data, size);
    slot->replySize = size;
    slot->replied = true;
}

void RecipientSession::runOnWorker(void* context, std::uint64_t slotIndex, TaskOutcome outcome) noexcept {
    auto* session = static_cast<RecipientSession*>(context);
    Slot& slot = session->slots_[slotIndex];
    if (outcome == TaskOutcome::Cancelled) {
        session->finish(slot, AapxsReplyError::ShuttingDown);
        return;
    }
    bump(session->worker_);
    if (!slot.definition) {
        // URI-only message: resolve off the audio thread.
        slot.definition = session->options_.registry->findByUri(std::string_view{slot.uri, slot.uriSize});
        if (!slot.definition) {
            session->finish(slot, AapxsReplyError::UnknownExtension);
            return;
        }
    }
    session->invokeHandler(slot);
}

WireResult RecipientSession::writeSlotReply(Slot& slot, std::uint8_t* portBuffer, std::size_t capacity) noexcept {
    // A handler that flagged ReplyTooLarge in the trampoline keeps error set although replied.
    const AapxsReplyError error = slot.error;
    if (error != AapxsReplyError::None) {
        std::uint8_t data[kAapxsErrorReplyDataSize];
        const AapxsMessageView message =
            errorReplyMessage(options_.group, slot.requestId, slot.opcode, slot.urid, error, data);
        return appendAapxsMessage(portBuffer, capacity, message);
    }
    AapxsMessageView message;
    message.group = options_.group;
    message.urid = slot.urid;
    message.requestId = slot.requestId;
    message.uri = slot.replyWithUri ? slot.uri : nullptr;
    message.uriSize = slot.replyWithUri ? slot.uriSize : 0;
    message.opcode = slot.opcode;
    message.data = blocks_.get() + slot.index * max_data_size_;
    message.dataSize = slot.replySize;
    return appendAapxsMessage(portBuffer, capacity, message);
}

std::size_t RecipientSession::writeReplies(std::uint8_t* portBuffer, std::size_t capacity) noexcept {
    std::size_t written = 0;
    while (busy_size_ > 0) {
        const PendingError& pending = busy_replies_[busy_head_];
        std::uint8_t data[kAapxsErrorReplyDataSize];
        const AapxsMessageView message =
            errorReplyMessage(options_.group, pending.requestId, pending.opcode, pending.urid, pending.error, data);
        if (appendAapxsMessage(portBuffer, capacity, message) != WireResult::Ok)
            return written; // no room (or invalid buffer): the rest waits for the next cycle
        busy_head_ = (busy_head_ + 1) % options_.errorReplyCapacity;
        --busy_size_;
        ++written;
        bump(replies_);
        bump(error_replies_);
    }
    for (;;) {
        std::uint32_t index = carry_;
        carry_ = UINT32_MAX;
        if (index == UINT32_MAX && !ready_.tryPop(index))
            break;
        Slot& slot = slots_[index];
        WireResult result = writeSlotReply(slot, portBuffer, capacity);
        if (result == WireResult::NoSpace && slot.error == AapxsReplyError::None &&
            aapxsEncodedUmpBytes(slot.replyWithUri ? slot.uriSize : 0, slot.replySize) >
                capacity - kMidi2HeaderBytes) {
            slot.error = AapxsReplyError::ReplyTooLarge; // can never fit: say so instead
            result = writeSlotReply(slot, portBuffer, capacity);
        }
        // A broken buffer header is the buffer's fault, not the reply's: keep the reply for a
        // sane buffer next cycle instead of dropping it (its initiator would wait for a timeout).
        if (result == WireResult::NoSpace || result == WireResult::InvalidBuffer) {
            carry_ = index;
            break;
        }
        if (result == WireResult::Ok) {
            ++written;
            bump(replies_);
            if (slot.error != AapxsReplyError::None)
                bump(error_replies_);
        }
        releaseSlot(index);
    }
    return written;
}

namespace {
struct RouteContext {
    SessionSide side;
    InitiatorSession* initiator;
    RecipientSession* recipient;
    RouteStats stats;
};
} // namespace

RouteStats routeIncomingAapxs(SessionSide side, std::uint8_t* portBuffer, std::size_t capacity,
                              InitiatorSession* initiator, RecipientSession* recipient) noexcept {
    RouteContext context{side, initiator, recipient, {}};
    std::uint8_t* scratch = initiator ? initiator->scratch() : recipient ? recipient->scratch() : nullptr;
    std::size_t scratchSize = initiator ? initiator->scratchSize() : recipient ? recipient->scratchSize() : 0;
    if (initiator && recipient && recipient->scratchSize() > scratchSize) {
        scratch = recipient->scratch();
        scratchSize = recipient->scratchSize();
    }
    if (!scratch) {
        context.stats.invalidBuffer = true;
        return context.stats;
    }
    const ExtractStats extracted = extractAapxsMessages(
        portBuffer, capacity, scratch, scratchSize,
        [](void* user, const AapxsMessageView& message) noexcept {
            auto* c = static_cast<RouteContext*>(user);
            if (isReplyAt(c->side, message.opcode)) {
                if (c->initiator) {
                    c->initiator->acceptReply(message);
                    ++c->stats.replies;
                    return;
                }
            } else if (c->recipient) {
                c->recipient->acceptRequest(message);
                ++c->stats.requests;
                return;
            }
            ++c->stats.dropped;
        },
        &context);
    context.stats.malformed = extracted.malformed;
    context.stats.invalidBuffer = extracted.invalidBuffer;
    return context.stats;
}

ExtractStats RecipientSession::readRequests(std::uint8_t* portBuffer, std::size_t capacity) noexcept {
    const ExtractStats stats = extractAapxsMessages(
        portBuffer, capacity, scratch_.get(), scratch_size_,
        [](void* user, const AapxsMessageView& message) noexcept {
            auto* session = static_cast<RecipientSession*>(user);
            if (!session->acceptRequest(message))
                bump(session->not_for_us_);
        },
        this);
    bump(malformed_, stats.malformed);
    return stats;
}

RecipientSession::Statistics RecipientSession::statistics() const noexcept {
    return Statistics{inline_.load(std::memory_order_relaxed),        worker_.load(std::memory_order_relaxed),
                      replies_.load(std::memory_order_relaxed),       error_replies_.load(std::memory_order_relaxed),
                      dropped_.load(std::memory_order_relaxed),       malformed_.load(std::memory_order_relaxed),
                      not_for_us_.load(std::memory_order_relaxed)};
}

} // namespace aap
