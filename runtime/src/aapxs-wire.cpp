// The runtime's view of the wire: a thin C++ adapter over the header-only codec in
// include/aapxs (midi2-buffer.h), so there is one framing implementation in the SDK. What this
// file adds is the error-reply convention and result types the sessions switch on.
#include "aap/runtime/aapxs-wire.h"

#include "aapxs/codec.h"

#include <cstring>

namespace aap {

namespace {
std::uint32_t readLe32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
} // namespace

const char* toString(AapxsReplyError error) noexcept {
    switch (error) {
    case AapxsReplyError::None: return "no error";
    case AapxsReplyError::UnknownExtension: return "the recipient does not know the extension";
    case AapxsReplyError::NotHandled: return "the recipient did not handle the opcode";
    case AapxsReplyError::RequestTooLarge: return "the request exceeds the extension's data capacity";
    case AapxsReplyError::Busy: return "the recipient is busy (no free slot or queue space)";
    case AapxsReplyError::ShuttingDown: return "the recipient shut down before handling the request";
    case AapxsReplyError::ReplyTooLarge: return "the reply does not fit the MIDI2 buffer";
    }
    return "unknown AAPXS error reply";
}

std::size_t aapxsEncodedUmpBytes(std::size_t uriSize, std::size_t dataSize) noexcept {
    std::size_t payload = 0, words = 0;
    if (aapxs_message_payload_size(uriSize, dataSize, &payload) != AAPXS_CODEC_OK ||
        aapxs_sysex8_word_count(payload, &words) != AAPXS_CODEC_OK || words > SIZE_MAX / 4)
        return 0;
    return words * 4;
}

WireResult appendAapxsMessage(std::uint8_t* portBuffer, std::size_t capacity, const AapxsMessageView& m) noexcept {
    std::size_t length = 0;
    if (aapxs_midi2_buffer_get_length(portBuffer, capacity, &length) != AAPXS_CODEC_OK)
        return WireResult::InvalidBuffer;
    if (m.group > 15)
        return WireResult::InvalidMessage;
    aapxs_message_t message{};
    message.urid = m.urid;
    message.request_id = m.requestId;
    message.uri = m.uri;
    message.uri_size = m.uriSize;
    message.opcode = m.opcode;
    message.data = m.data;
    message.data_size = m.dataSize;
    switch (aapxs_midi2_buffer_append_aapxs(portBuffer, capacity, m.group, &message, nullptr)) {
    case AAPXS_CODEC_OK: return WireResult::Ok;
    case AAPXS_CODEC_ERROR_NO_SPACE: return WireResult::NoSpace;
    default: return WireResult::InvalidMessage;
    }
}

namespace {
struct ExtractContext {
    AapxsMessageVisitor visitor;
    void* user;
};

void onExtracted(void* context, const aapxs_extracted_message_t* extracted) {
    if (extracted->error != AAPXS_CODEC_OK)
        return; // counted in the summary; the codec already removed it
    auto* c = static_cast<ExtractContext*>(context);
    AapxsMessageView view;
    view.group = extracted->group;
    view.urid = extracted->message.urid;
    view.requestId = extracted->message.request_id;
    view.uri = extracted->message.uri;
    view.uriSize = extracted->message.uri_size;
    view.opcode = extracted->message.opcode;
    view.data = extracted->message.data;
    view.dataSize = extracted->message.data_size;
    c->visitor(c->user, view);
}
} // namespace

ExtractStats extractAapxsMessages(std::uint8_t* portBuffer, std::size_t capacity, std::uint8_t* scratch,
                                  std::size_t scratchSize, AapxsMessageVisitor visitor, void* user) noexcept {
    ExtractStats stats;
    // One reassembly slot per group: garbage (an AAPXS start that never ends) in one group must
    // not starve the real messages of another group of storage.
    aapxs_sysex8_slot_t slots[kAapxsReassemblySlots];
    aapxs_sysex8_reassembler_t reassembler;
    const std::size_t perSlot = scratch ? scratchSize / kAapxsReassemblySlots : 0;
    if (aapxs_sysex8_reassembler_init(&reassembler, slots, kAapxsReassemblySlots, scratch, perSlot) !=
        AAPXS_CODEC_OK) {
        stats.invalidBuffer = true;
        return stats;
    }
    ExtractContext context{visitor, user};
    aapxs_extract_summary_t summary{};
    if (aapxs_midi2_buffer_extract_aapxs(portBuffer, capacity, &reassembler, visitor ? onExtracted : nullptr,
                                         &context, &summary) != AAPXS_CODEC_OK) {
        stats.invalidBuffer = true;
        return stats;
    }
    stats.messages = summary.messages;
    stats.malformed = summary.malformed;
    return stats;
}

bool parseAapxsErrorReply(const AapxsMessageView& message, AapxsReplyError* error, std::uint8_t* urid) noexcept {
    constexpr std::size_t uriSize = sizeof(kAapxsErrorReplyUri) - 1;
    if (message.uriSize != uriSize || !message.uri || std::memcmp(message.uri, kAapxsErrorReplyUri, uriSize) != 0 ||
        message.dataSize != kAapxsErrorReplyDataSize || !message.data)
        return false;
    if (error)
        *error = static_cast<AapxsReplyError>(static_cast<std::int32_t>(readLe32(message.data)));
    if (urid)
        *urid = message.data[4];
    return true;
}

} // namespace aap
