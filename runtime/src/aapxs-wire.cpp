#include "aap/runtime/aapxs-wire.h"

#include <array>
#include <cstring>

namespace aap {

namespace {

constexpr std::size_t kPacketPayload = 13;
constexpr std::uint8_t kPrefix[4] = {0x7E, 0x7F, 0x00, 0x01};

std::uint32_t loadWord(const std::uint8_t* p) noexcept {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}
void storeWord(std::uint8_t* p, std::uint32_t w) noexcept { std::memcpy(p, &w, 4); }

void writeLe32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
}
std::uint32_t readLe32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// UMP message size in words by message type (spec/wire.md section 1).
constexpr std::array<std::uint8_t, 16> kUmpWords = {1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};

// Validates the untrusted port header; returns the UMP byte length or SIZE_MAX when invalid.
std::size_t validLength(const std::uint8_t* buffer, std::size_t capacity) noexcept {
    if (!buffer || capacity < kMidi2HeaderBytes)
        return SIZE_MAX;
    const std::size_t length = loadWord(buffer + 4);
    if (length > capacity - kMidi2HeaderBytes || length % 4 != 0)
        return SIZE_MAX;
    return length;
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
    constexpr std::size_t kLimit = UINT32_MAX;
    if (uriSize > kLimit || dataSize > kLimit - uriSize || uriSize + dataSize > kLimit - kAapxsFixedBytes)
        return 0;
    const std::size_t n = kAapxsFixedBytes + uriSize + dataSize;
    return (n + kPacketPayload - 1) / kPacketPayload * 16;
}

WireResult appendAapxsMessage(std::uint8_t* portBuffer, std::size_t capacity, const AapxsMessageView& m) noexcept {
    const std::size_t length = validLength(portBuffer, capacity);
    if (length == SIZE_MAX)
        return WireResult::InvalidBuffer;
    if (m.group > 15 || (m.uriSize && !m.uri) || (m.dataSize && !m.data))
        return WireResult::InvalidMessage;
    const std::size_t bytes = aapxsEncodedUmpBytes(m.uriSize, m.dataSize);
    if (bytes == 0)
        return WireResult::InvalidMessage;
    if (bytes > capacity - kMidi2HeaderBytes - length)
        return WireResult::NoSpace;

    std::uint8_t head[13] = {0x7E, 0x7F, 0x00, 0x01, m.urid};
    writeLe32(head + 5, m.requestId);
    writeLe32(head + 9, static_cast<std::uint32_t>(m.uriSize));
    std::uint8_t middle[8];
    writeLe32(middle, static_cast<std::uint32_t>(m.opcode));
    writeLe32(middle + 4, static_cast<std::uint32_t>(m.dataSize));
    const std::size_t uriEnd = 13 + m.uriSize;
    const std::size_t middleEnd = uriEnd + 8;
    const auto payloadByte = [&](std::size_t i) noexcept -> std::uint8_t {
        if (i < 13)
            return head[i];
        if (i < uriEnd)
            return static_cast<std::uint8_t>(m.uri[i - 13]);
        if (i < middleEnd)
            return middle[i - uriEnd];
        return m.data[i - middleEnd];
    };

    const std::size_t total = kAapxsFixedBytes + m.uriSize + m.dataSize;
    const std::size_t packets = bytes / 16;
    std::uint8_t* out = portBuffer + kMidi2HeaderBytes + length;
    for (std::size_t p = 0; p < packets; ++p) {
        const std::size_t offset = p * kPacketPayload;
        const std::size_t n = total - offset < kPacketPayload ? total - offset : kPacketPayload;
        const std::uint32_t status = packets == 1 ? 0x0u : p == 0 ? 0x1u : p + 1 == packets ? 0x3u : 0x2u;
        std::uint8_t b[16] = {static_cast<std::uint8_t>(0x50u | m.group),
                              static_cast<std::uint8_t>((status << 4) | (n + 1)), 0x00};
        for (std::size_t i = 0; i < n; ++i)
            b[3 + i] = payloadByte(offset + i);
        for (std::size_t w = 0; w < 4; ++w) {
            const std::uint32_t word = (static_cast<std::uint32_t>(b[w * 4]) << 24) |
                                       (static_cast<std::uint32_t>(b[w * 4 + 1]) << 16) |
                                       (static_cast<std::uint32_t>(b[w * 4 + 2]) << 8) | b[w * 4 + 3];
            storeWord(out + p * 16 + w * 4, word);
        }
    }
    storeWord(portBuffer + 4, static_cast<std::uint32_t>(length + bytes));
    return WireResult::Ok;
}

namespace {

bool parsePayload(const std::uint8_t* b, std::size_t n, std::uint8_t group, AapxsMessageView& m) noexcept {
    if (n < kAapxsFixedBytes || std::memcmp(b, kPrefix, 4) != 0)
        return false;
    const std::uint64_t uriSize = readLe32(b + 9);
    if (uriSize > n - kAapxsFixedBytes)
        return false;
    const std::uint64_t dataSize = readLe32(b + 17 + uriSize);
    if (dataSize != n - kAapxsFixedBytes - uriSize)
        return false; // data longer than the payload, or trailing bytes
    m.group = group;
    m.urid = b[4];
    if (m.urid == 0 && uriSize == 0)
        return false; // nothing names the extension
    m.requestId = readLe32(b + 5);
    m.uri = reinterpret_cast<const char*>(b + 13);
    m.uriSize = static_cast<std::size_t>(uriSize);
    m.opcode = static_cast<std::int32_t>(readLe32(b + 13 + uriSize));
    m.data = b + kAapxsFixedBytes + uriSize;
    m.dataSize = static_cast<std::size_t>(dataSize);
    return true;
}

enum class GroupState : std::uint8_t { Idle, Collecting, Discarding, PassingOther };

} // namespace

ExtractStats extractAapxsMessages(std::uint8_t* portBuffer, std::size_t capacity, std::uint8_t* scratch,
                                  std::size_t scratchSize, AapxsMessageVisitor visitor, void* user) noexcept {
    ExtractStats stats;
    const std::size_t length = validLength(portBuffer, capacity);
    if (length == SIZE_MAX) {
        stats.invalidBuffer = true;
        return stats;
    }
    // One AAPXS message is reassembled at a time (writers never interleave two of their own in one
    // group); another group starting one while a message is in progress marks the first malformed.
    std::array<GroupState, 16> states{};
    int collectingGroup = -1;
    std::size_t collected = 0;

    std::uint8_t* words = portBuffer + kMidi2HeaderBytes;
    const std::size_t totalWords = length / 4;
    std::size_t read = 0;
    std::size_t write = 0;
    const auto keep = [&](std::size_t count) noexcept {
        if (write != read)
            std::memmove(words + write * 4, words + read * 4, count * 4);
        write += count;
    };
    const auto abandonCollecting = [&]() noexcept {
        if (collectingGroup >= 0) {
            if (states[static_cast<std::size_t>(collectingGroup)] == GroupState::Collecting)
                ++stats.malformed;
            states[static_cast<std::size_t>(collectingGroup)] = GroupState::Idle;
            collectingGroup = -1;
        }
    };

    while (read < totalWords) {
        const std::uint32_t w0 = loadWord(words + read * 4);
        const std::size_t size = kUmpWords[w0 >> 28];
        if (read + size > totalWords) {
            keep(totalWords - read); // truncated trailing UMP: not ours, leave it as it was
            read = totalWords;
            break;
        }
        const std::uint32_t stream = (w0 >> 8) & 0xFFu;
        if ((w0 >> 28) != 0x5u || stream != 0) {
            keep(size);
            read += size;
            continue;
        }
        const auto group = static_cast<std::uint8_t>((w0 >> 24) & 0x0Fu);
        GroupState& state = states[group];
        const std::uint32_t status = (w0 >> 20) & 0x0Fu;
        const std::uint32_t sizeNibble = (w0 >> 16) & 0x0Fu;
        std::uint8_t bytes[16];
        for (std::size_t w = 0; w < 4; ++w) {
            const std::uint32_t word = loadWord(words + (read + w) * 4);
            bytes[w * 4] = static_cast<std::uint8_t>(word >> 24);
            bytes[w * 4 + 1] = static_cast<std::uint8_t>(word >> 16);
            bytes[w * 4 + 2] = static_cast<std::uint8_t>(word >> 8);
            bytes[w * 4 + 3] = static_cast<std::uint8_t>(word);
        }
        const bool ours = state == GroupState::Collecting || state == GroupState::Discarding;
        const bool validSize = sizeNibble >= 1 && sizeNibble <= 14;
        const std::size_t n = validSize ? sizeNibble - 1 : 0;

        if (!validSize || status > 3) {
            if (ours) { // an AAPXS message we are collecting is broken: drop the rest of it
                if (state == GroupState::Collecting) {
                    ++stats.malformed;
                    collectingGroup = -1;
                }
                state = GroupState::Discarding;
                read += size;
            } else {
                keep(size);
                read += size;
            }
            continue;
        }

        if (status == 0x0u || status == 0x1u) { // complete or start
            if (ours) {
                if (state == GroupState::Collecting) {
                    ++stats.malformed;
                    collectingGroup = -1;
                }
                state = GroupState::Idle;
            }
            const bool aapxs = n >= 4 && std::memcmp(bytes + 3, kPrefix, 4) == 0;
            if (!aapxs) {
                state = status == 0x1u ? GroupState::PassingOther : GroupState::Idle;
                keep(size);
                read += size;
                continue;
            }
            read += size; // strip
            if (status == 0x0u) {
                ++stats.malformed; // one packet carries at most 13 bytes, fewer than the 21 fixed ones
                continue;
            }
            abandonCollecting();
            if (n > scratchSize) {
                state = GroupState::Discarding;
                ++stats.malformed;
                continue;
            }
            std::memcpy(scratch, bytes + 3, n);
            collected = n;
            collectingGroup = group;
            state = GroupState::Collecting;
            continue;
        }

        // continue or end
        const bool end = status == 0x3u;
        if (state == GroupState::Collecting) {
            read += size;
            if (n > scratchSize - collected) {
                ++stats.malformed;
                collectingGroup = -1;
                state = end ? GroupState::Idle : GroupState::Discarding;
                continue;
            }
            std::memcpy(scratch + collected, bytes + 3, n);
            collected += n;
            if (end) {
                state = GroupState::Idle;
                collectingGroup = -1;
                AapxsMessageView message;
                if (parsePayload(scratch, collected, group, message)) {
                    ++stats.messages;
                    visitor(user, message);
                } else {
                    ++stats.malformed;
                }
            }
        } else if (state == GroupState::Discarding) {
            read += size;
            if (end)
                state = GroupState::Idle;
        } else {
            if (end && state == GroupState::PassingOther)
                state = GroupState::Idle;
            keep(size);
            read += size;
        }
    }
    abandonCollecting(); // truncated: no end packet in this buffer
    storeWord(portBuffer + 4, static_cast<std::uint32_t>(write * 4));
    return stats;
}

bool parseAapxsErrorReply(const AapxsMessageView& message, AapxsReplyError* error, std::uint8_t* urid) noexcept {
    constexpr std::size_t uriSize = sizeof(kAapxsErrorReplyUri) - 1;
    if (message.uriSize != uriSize || std::memcmp(message.uri, kAapxsErrorReplyUri, uriSize) != 0 ||
        message.dataSize != kAapxsErrorReplyDataSize)
        return false;
    if (error)
        *error = static_cast<AapxsReplyError>(static_cast<std::int32_t>(readLe32(message.data)));
    if (urid)
        *urid = message.data[4];
    return true;
}

} // namespace aap
