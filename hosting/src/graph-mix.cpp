#include "graph-mix.h"

#include <cstring>

namespace aap {
namespace graphmix {

namespace {

constexpr size_t kHeader = 32;
constexpr size_t kMaxCursors = 32;

uint32_t lengthOf(const uint8_t* buffer, size_t capacity) noexcept {
    if (buffer == nullptr || capacity < kHeader)
        return 0;
    uint32_t length;
    std::memcpy(&length, buffer + 4, sizeof(length));
    if (length > capacity - kHeader)
        return 0;  // a header the peer broke carries nothing
    return length - length % 4;
}

struct Cursor {
    const uint8_t* words = nullptr;  // UMP bytes
    size_t length = 0;               // bytes
    size_t offset = 0;
    uint32_t time = 0;
    bool dropSysex8 = false;
    uint16_t dropping = 0;  // per group: an AAP SysEx8 message open on stream 0 (its packets are dropped)

    // Whether the type-5 packet at `at` is AAP protocol addressed to the host (docs/spec/wire.md
    // sections 3, 5 and 7): a SysEx8 message on stream 0 whose payload begins 7E 7F 00 01 (AAPXS)
    // or 7E 7F 00 00 (a parameter change), all of its packets. Everything else of type 5 (other
    // streams, manufacturer SysEx8, mixed data sets) is the plugin's own data and flows.
    bool hostAddressed(const uint8_t* at) noexcept {
        uint32_t w0, w1;
        std::memcpy(&w0, at, 4);
        std::memcpy(&w1, at + 4, 4);
        const uint32_t group = (w0 >> 24) & 0xFu;
        const uint32_t status = (w0 >> 20) & 0xFu;
        const uint32_t size = (w0 >> 16) & 0xFu;  // payload bytes + 1 (the stream id)
        const uint32_t stream = (w0 >> 8) & 0xFFu;
        const uint16_t bit = static_cast<uint16_t>(1u << group);
        if (stream != 0 || status > 3)
            return false;
        if (status == 2 || status == 3) {  // continue / end: part of what its start was
            const bool dropped = (dropping & bit) != 0;
            if (status == 3)
                dropping = static_cast<uint16_t>(dropping & ~bit);
            return dropped;
        }
        // complete / start: the prefix 7E 7F 00 0x in bytes b3..b6 (a start too short to hold it is not AAP).
        const bool aap = size >= 5 && (w0 & 0xFFu) == 0x7Eu && (w1 >> 24) == 0x7Fu && ((w1 >> 16) & 0xFFu) == 0 &&
                         ((w1 >> 8) & 0xFFu) <= 1;
        if (status == 1)
            dropping = aap ? static_cast<uint16_t>(dropping | bit) : static_cast<uint16_t>(dropping & ~bit);
        return aap;
    }

    // Skips timestamps (taking their time) and dropped messages; false at the end.
    bool settle() noexcept {
        while (offset + 4 <= length) {
            uint32_t word;
            std::memcpy(&word, words + offset, 4);
            const uint32_t size = umpWords(word) * 4;
            if (offset + size > length) {
                offset = length;  // a truncated message ends the stream
                return false;
            }
            const uint32_t type = word >> 28;
            if (type == 0 && ((word >> 20) & 0xF) == 2) {
                time = word & 0xFFFF;
                offset += size;
                continue;
            }
            if (dropSysex8 && type == 5 && hostAddressed(words + offset)) {
                offset += size;
                continue;
            }
            return true;
        }
        return false;
    }
};

} // namespace

uint32_t umpWords(uint32_t word) noexcept {
    switch (word >> 28) {
    case 0x0: case 0x1: case 0x2: case 0x6: case 0x7: return 1;
    case 0x3: case 0x4: case 0x8: case 0x9: case 0xA: return 2;
    case 0xB: case 0xC: return 3;
    default: return 4;  // 0x5, 0xD, 0xE, 0xF
    }
}

void sumAudio(float* dest, const float* const* sources, size_t count, int32_t frames) noexcept {
    bool first = true;
    for (size_t s = 0; s < count; s++) {
        const float* source = sources[s];
        if (source == nullptr)
            continue;
        if (first) {
            if (source != dest)
                std::memcpy(dest, source, static_cast<size_t>(frames) * sizeof(float));
            first = false;
            continue;
        }
        for (int32_t i = 0; i < frames; i++)
            dest[i] += source[i];
    }
    if (first)
        std::memset(dest, 0, static_cast<size_t>(frames) * sizeof(float));
}

size_t mergeMidi2(uint8_t* dest, size_t destCapacity, const uint8_t* const* sources, const size_t* capacities,
                  size_t count, uint8_t* scratch) noexcept {
    if (dest == nullptr || destCapacity < kHeader || scratch == nullptr)
        return 0;
    if (count + 1 > kMaxCursors)
        count = kMaxCursors - 1;
    const uint32_t ownLength = lengthOf(dest, destCapacity);
    std::memcpy(scratch, dest + kHeader, ownLength);
    Cursor cursors[kMaxCursors];
    cursors[0].words = scratch;
    cursors[0].length = ownLength;
    size_t used = 1;
    for (size_t s = 0; s < count; s++) {
        const uint32_t length = lengthOf(sources[s], capacities[s]);
        if (length == 0)
            continue;
        cursors[used].words = sources[s] + kHeader;
        cursors[used].length = length;
        cursors[used].dropSysex8 = true;
        used++;
    }
    if (used == 1)
        return 0;  // nothing to merge: dest stays as it is
    const size_t room = destCapacity - kHeader;
    uint8_t* out = dest + kHeader;
    size_t written = 0;
    size_t merged = 0;
    uint32_t lastTime = 0;
    for (;;) {
        size_t chosen = kMaxCursors;
        for (size_t c = 0; c < used; c++) {
            if (!cursors[c].settle())
                continue;
            if (chosen == kMaxCursors || cursors[c].time < cursors[chosen].time)
                chosen = c;
        }
        if (chosen == kMaxCursors)
            break;
        Cursor& cursor = cursors[chosen];
        uint32_t word;
        std::memcpy(&word, cursor.words + cursor.offset, 4);
        const uint32_t size = umpWords(word) * 4;
        const size_t needed = size + (cursor.time != lastTime ? 4 : 0);
        if (written + needed <= room) {
            if (cursor.time != lastTime) {
                const uint32_t timestamp = 0x00200000u | cursor.time;
                std::memcpy(out + written, &timestamp, 4);
                written += 4;
                lastTime = cursor.time;
            }
            std::memcpy(out + written, cursor.words + cursor.offset, size);
            written += size;
            if (chosen != 0)
                merged++;
        }
        cursor.offset += size;
    }
    const uint32_t length = static_cast<uint32_t>(written);
    std::memcpy(dest + 4, &length, sizeof(length));
    return merged;
}

} // namespace graphmix
} // namespace aap
