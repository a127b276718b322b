#pragma once
// The runtime's AAPXS framing on MIDI2 port buffers (docs/spec/wire.md sections 1-3), a C++ adapter over the
// header-only codec (include/aapxs/midi2-buffer.h): append one AAPXS
// message to a port buffer, and extract every AAPXS message from a port buffer while stripping it
// in place, so that the plugin (or host) sees the rest of the UMP stream unchanged.
//
// Every function is [thread-safe] [audio-thread]: no allocation, bounded work, and every size in
// the buffer is treated as untrusted.
//
// Error replies (docs/spec/wire.md section 3.3): a recipient that cannot answer a
// request replies with an ordinary AAPXS message whose URI is kAapxsErrorReplyUri (urid 0), whose
// request id and opcode are those of the failed request, and whose data is 8 bytes: int32 LE
// error code (AapxsReplyError), uint8 urid of the failed request, 3 zero bytes. An older peer does
// not know that URI, so it ignores the message (its request times out, as it would today); a
// peer of this SDK completes the request with RequestStatus::ErrorReply.

#include <cstddef>
#include <cstdint>

namespace aap {

inline constexpr char kAapxsErrorReplyUri[] = "urn://androidaudioplugin.org/aapxs/error-reply/v1";
inline constexpr std::size_t kAapxsErrorReplyDataSize = 8;

enum class AapxsReplyError : std::int32_t {
    None = 0,
    UnknownExtension = 1, // neither the urid nor the URI names a registered definition
    NotHandled = 2,       // no handler for this direction, or the handler did not reply (unknown opcode)
    RequestTooLarge = 3,  // request data exceeds the definition's data_capacity
    Busy = 4,             // recipient out of in-flight slots or its non-realtime queue is full
    ShuttingDown = 5,     // the recipient stopped before the request was handled
    ReplyTooLarge = 6,    // the reply can never fit the MIDI2 buffer
};
const char* toString(AapxsReplyError error) noexcept;

// A parsed (or to-be-written) AAPXS message. Pointers borrow the caller's memory.
struct AapxsMessageView {
    std::uint8_t group = 0;
    std::uint8_t urid = 0;
    std::uint32_t requestId = 0;
    const char* uri = nullptr; // not NUL-terminated on parse
    std::size_t uriSize = 0;
    std::int32_t opcode = 0;
    const std::uint8_t* data = nullptr;
    std::size_t dataSize = 0;
};

inline constexpr std::size_t kMidi2HeaderBytes = 32;
inline constexpr std::size_t kAapxsReassemblySlots = 16;
inline constexpr std::size_t kAapxsFixedBytes = 21;

// Bytes the message occupies in a port buffer (whole 16-byte SysEx8 packets), or 0 on overflow.
std::size_t aapxsEncodedUmpBytes(std::size_t uriSize, std::size_t dataSize) noexcept;

enum class WireResult : std::uint8_t {
    Ok,
    NoSpace,       // the message does not fit the remaining capacity (nothing written)
    InvalidBuffer, // header length > capacity - 32, not a multiple of 4, or capacity < 32
    InvalidMessage // group > 15, null pointers with non-zero sizes, or sizes that overflow
};

// Appends message at the end of the UMP data of the port buffer (32-byte header + UMP words),
// updating the header length. Writes nothing unless it returns Ok.
WireResult appendAapxsMessage(std::uint8_t* portBuffer, std::size_t capacity, const AapxsMessageView& message) noexcept;

using AapxsMessageVisitor = void (*)(void* user, const AapxsMessageView& message) noexcept;

struct ExtractStats {
    std::size_t messages = 0;  // well-formed AAPXS messages passed to the visitor
    std::size_t malformed = 0; // AAPXS-looking SysEx8 messages that were stripped and dropped
    bool invalidBuffer = false; // the header was invalid: nothing was read or changed
};

// Walks the port buffer's UMP messages. Every SysEx8 (stream id 0) message that starts with the
// AAPXS prefix 7E 7F 00 01 is reassembled into scratch, removed from the buffer, and, if
// well-formed, passed to visitor (its pointers point into scratch and are valid during the
// call). Everything else (other UMP types, other SysEx8 messages and streams, parameter-change
// SysEx8) stays in place in its original order. scratch is split evenly into
// kAapxsReassemblySlots slots, one per UMP group that can carry a message at the same time, so a
// broken or unfinished message in one group can never block the others; each slot must hold the
// largest message accepted (21 + URI + data bytes); bigger messages count as malformed.
ExtractStats extractAapxsMessages(std::uint8_t* portBuffer, std::size_t capacity, std::uint8_t* scratch,
                                  std::size_t scratchSize, AapxsMessageVisitor visitor, void* user) noexcept;

// The error code and original urid of an error reply; false when message is not a well-formed
// error reply.
bool parseAapxsErrorReply(const AapxsMessageView& message, AapxsReplyError* error, std::uint8_t* urid) noexcept;

} // namespace aap
