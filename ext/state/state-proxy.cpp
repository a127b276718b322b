// The host's typed proxy of the state extension: whole-state calls with chunked fallback.

#include <cstring>
#include <new>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/state.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;
constexpr std::string_view kUri = AAP_STATE_EXTENSION_URI;

StateProxy* proxyOf(aap_state_extension_t* ext) { return static_cast<StateProxy*>(ext->aapxs_context); }

size_t cGetStateSize(aap_state_extension_t* ext, AndroidAudioPlugin*) {
    auto result = proxyOf(ext)->getStateSize();
    return result.ok() && result.value() > 0 ? static_cast<size_t>(result.value()) : 0;
}
void cGetState(aap_state_extension_t* ext, AndroidAudioPlugin*, aap_state_t* destination) {
    if (destination == nullptr)
        return;
    auto result = proxyOf(ext)->getState();
    if (!result.ok() || result.value().size() > destination->data_size || destination->data == nullptr) {
        destination->data_size = 0;
        return;
    }
    if (!result.value().empty())
        std::memcpy(destination->data, result.value().data(), result.value().size());
    destination->data_size = result.value().size();
}
void cSetState(aap_state_extension_t* ext, AndroidAudioPlugin*, aap_state_t* source) {
    if (source == nullptr || (source->data == nullptr && source->data_size > 0))
        return;
    (void)proxyOf(ext)->setState(static_cast<const std::uint8_t*>(source->data), source->data_size);
}

// What a chunked-transfer status (state.h) means for the caller.
ExtensionError errorOfStatus(std::int32_t status) noexcept {
    switch (status) {
    case kStateTransferOk: return ExtensionError::None;
    case kStateTransferTooLarge: return ExtensionError::TooLarge;
    case kStateTransferOutOfMemory: return ExtensionError::OutOfMemory;
    case kStateTransferOverBudget: return ExtensionError::Busy;          // other transfers hold the budget
    case kStateTransferUnknownToken: return ExtensionError::Cancelled;   // the plugin side dropped it
    case kStateTransferOutOfRange:
    case kStateTransferIncomplete: return ExtensionError::InvalidArgument;
    default: return ExtensionError::MalformedReply;
    }
}

// A reply that is an i32 status alone.
bool parseStatusCode(const std::uint8_t* data, std::size_t size, std::int32_t* value) noexcept {
    return parseI32(data, size, value);
}

} // namespace

StateProxy::StateProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.get_state_size = &cGetStateSize;
    extension_.get_state = &cGetState;
    extension_.set_state = &cSetState;
}

ExtensionResult<std::int32_t> StateProxy::getStateSize(std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    return callTyped<std::int32_t>(client_, kUri, AAP_STATE_OPCODE_GET_STATE_SIZE, request, nullptr, &parseI32,
                                   timeoutNs);
}

ExtensionResult<std::vector<std::uint8_t>> StateProxy::getState(std::int64_t timeoutNs) {
    try {
        return getStateUnguarded(timeoutNs);
    } catch (const std::bad_alloc&) {
        return ExtensionError::OutOfMemory;
    }
}

ExtensionResult<std::vector<std::uint8_t>> StateProxy::getStateUnguarded(std::int64_t timeoutNs) {
    const std::size_t capacity = client_.capacity(kUri);
    if (capacity < 16)
        return client_.endpoint().route() == ExtensionRoute::Closed ? ExtensionError::Closed
                                                                    : ExtensionError::NotAvailable;
    auto size = getStateSize(timeoutNs);
    if (!size.ok())
        return size.error();
    if (size.value() >= 0 && static_cast<std::size_t>(size.value()) + 4 <= capacity) {
        std::vector<std::uint8_t> reply;
        const ExtensionError error = client_.call(kUri, AAP_STATE_OPCODE_GET_STATE, nullptr, 0, &reply, timeoutNs);
        if (error != ExtensionError::None)
            return error;
        ByteReader reader{reply.data(), reply.size()};
        const std::int32_t stateSize = reader.i32();
        if (!reader.ok() || stateSize < 0)
            return ExtensionError::MalformedReply;
        if (reader.remaining() == static_cast<std::size_t>(stateSize)) {
            const std::uint8_t* bytes = reader.view(reader.remaining());
            return std::vector<std::uint8_t>(bytes, bytes + stateSize);
        }
        if (reader.remaining() != 0)
            return ExtensionError::MalformedReply;
        // The state grew past the block since get_state_size: fall through to chunks.
    }
    return getStateInChunks(capacity, timeoutNs);
}

ExtensionResult<std::vector<std::uint8_t>> StateProxy::getStateInChunks(std::size_t chunk, std::int64_t timeoutNs) {
    std::vector<std::uint8_t> reply;
    ExtensionError error = client_.call(kUri, kStateOpcodeGetBegin, nullptr, 0, &reply, timeoutNs);
    if (error != ExtensionError::None)
        return error;
    ByteReader head{reply.data(), reply.size()};
    const std::int32_t status = head.i32();
    if (!head.ok())
        return ExtensionError::MalformedReply;
    if (status != kStateTransferOk)
        return head.done() ? errorOfStatus(status) : ExtensionError::MalformedReply;
    const std::uint32_t token = head.u32();
    const std::uint32_t total = head.u32();
    if (!head.done() || total > kMaxStateSize)
        return ExtensionError::MalformedReply;
    std::vector<std::uint8_t> state;
    state.reserve(total);
    while (state.size() < total) {
        std::uint8_t bytes[12];
        ByteWriter request{bytes, sizeof(bytes)};
        request.u32(token);
        request.u32(static_cast<std::uint32_t>(state.size()));
        request.u32(static_cast<std::uint32_t>(chunk - 4));
        error = client_.call(kUri, kStateOpcodeGetChunk, bytes, request.size(), &reply, timeoutNs);
        if (error != ExtensionError::None)
            return error;
        ByteReader body{reply.data(), reply.size()};
        const std::int32_t chunkStatus = body.i32();
        if (!body.ok())
            return ExtensionError::MalformedReply;
        if (chunkStatus != kStateTransferOk)
            return body.done() ? errorOfStatus(chunkStatus) : ExtensionError::MalformedReply;
        const std::size_t count = body.remaining();
        if (count == 0 || count > total - state.size())
            return ExtensionError::MalformedReply;
        const std::uint8_t* data = body.view(count);
        state.insert(state.end(), data, data + count);
    }
    return state;
}

ExtensionStatus StateProxy::setState(const std::uint8_t* data, std::size_t size, std::int64_t timeoutNs) {
    try {
        return setStateUnguarded(data, size, timeoutNs);
    } catch (const std::bad_alloc&) {
        return ExtensionError::OutOfMemory;
    }
}

ExtensionStatus StateProxy::setStateUnguarded(const std::uint8_t* data, std::size_t size, std::int64_t timeoutNs) {
    if (data == nullptr && size > 0)
        return ExtensionError::InvalidArgument;
    if (size > kMaxStateSize)
        return ExtensionError::TooLarge;
    const std::size_t capacity = client_.capacity(kUri);
    if (capacity < 16)
        return client_.endpoint().route() == ExtensionRoute::Closed ? ExtensionError::Closed
                                                                    : ExtensionError::NotAvailable;
    if (size + 4 <= capacity) {
        std::vector<std::uint8_t> request(size + 4);
        ByteWriter writer{request.data(), request.size()};
        writer.i32(static_cast<std::int32_t>(size));
        writer.bytes(data, size);
        return callTyped<NoValue>(client_, kUri, AAP_STATE_OPCODE_SET_STATE, writer, request.data(), &parseNothing,
                                  timeoutNs);
    }
    return setStateInChunks(data, size, capacity - 8, timeoutNs);
}

ExtensionStatus StateProxy::setStateInChunks(const std::uint8_t* data, std::size_t size, std::size_t chunk,
                                             std::int64_t timeoutNs) {
    auto statusOf = [](const ExtensionResult<std::int32_t>& result) -> ExtensionStatus {
        if (!result.ok())
            return result.error();
        if (result.value() == kStateTransferOk)
            return NoValue{};
        return errorOfStatus(result.value());
    };
    std::uint8_t head[4];
    ByteWriter begin{head, sizeof(head)};
    begin.u32(static_cast<std::uint32_t>(size));
    std::vector<std::uint8_t> reply;
    const ExtensionError error = client_.call(kUri, kStateOpcodeSetBegin, head, begin.size(), &reply, timeoutNs);
    if (error != ExtensionError::None)
        return error;
    ByteReader beginReply{reply.data(), reply.size()};
    const std::int32_t beginStatus = beginReply.i32();
    if (!beginReply.ok())
        return ExtensionError::MalformedReply;
    if (beginStatus != kStateTransferOk)
        return beginReply.done() ? ExtensionStatus{errorOfStatus(beginStatus)} : ExtensionError::MalformedReply;
    const std::uint32_t token = beginReply.u32();
    if (!beginReply.done())
        return ExtensionError::MalformedReply;
    std::vector<std::uint8_t> request(chunk + 8);
    ExtensionStatus status{NoValue{}};
    for (std::size_t offset = 0; offset < size;) {
        const std::size_t count = size - offset < chunk ? size - offset : chunk;
        ByteWriter writer{request.data(), request.size()};
        writer.u32(token);
        writer.u32(static_cast<std::uint32_t>(offset));
        writer.bytes(data + offset, count);
        status = statusOf(callTyped<std::int32_t>(client_, kUri, kStateOpcodeSetChunk, writer, request.data(),
                                                  &parseStatusCode, timeoutNs));
        if (!status.ok())
            return status;
        offset += count;
    }
    std::uint8_t tail[4];
    ByteWriter commit{tail, sizeof(tail)};
    commit.u32(token);
    return statusOf(callTyped<std::int32_t>(client_, kUri, kStateOpcodeSetCommit, commit, tail, &parseStatusCode,
                                            timeoutNs));
}

} // namespace aap
