#include "midi1-to-ump.h"

namespace aap::host_tool {

uint32_t scaleUpMidiValue(uint32_t value, int sourceBits, int destinationBits) noexcept {
    const int scaleBits = destinationBits - sourceBits;
    uint64_t shifted = uint64_t{value} << scaleBits;
    const uint32_t center = 1u << (sourceBits - 1);
    if (value <= center)
        return static_cast<uint32_t>(shifted);
    // Above the center, repeat the value's low bits into the new low bits so max maps to max.
    const int repeatBits = sourceBits - 1;
    const uint64_t repeatMask = (uint64_t{1} << repeatBits) - 1;
    uint64_t repeat = value & repeatMask;
    repeat = scaleBits > repeatBits ? repeat << (scaleBits - repeatBits) : repeat >> (repeatBits - scaleBits);
    while (repeat != 0) {
        shifted |= repeat;
        repeat >>= repeatBits;
    }
    return static_cast<uint32_t>(shifted);
}

bool midi1ToUmp(uint8_t group, uint8_t status, uint8_t data1, uint8_t data2, Ump64* ump) noexcept {
    if (status < 0x80 || status >= 0xF0)
        return false;
    uint32_t kind = status >> 4;
    const uint32_t channel = status & 0xFu;
    data1 &= 0x7F;
    data2 &= 0x7F;
    uint32_t index = data1;
    uint32_t value = 0;
    switch (kind) {
    case 0x9:
        if (data2 == 0) {  // MIDI 1.0 note on with velocity 0 is a note off
            kind = 0x8;
            value = scaleUpMidiValue(64, 7, 16) << 16;
        } else {
            value = scaleUpMidiValue(data2, 7, 16) << 16;
        }
        break;
    case 0x8: value = scaleUpMidiValue(data2, 7, 16) << 16; break;
    case 0xA:
    case 0xB: value = scaleUpMidiValue(data2, 7, 32); break;
    case 0xC:
        index = 0;
        value = uint32_t{data1} << 24;
        break;
    case 0xD:
        index = 0;
        value = scaleUpMidiValue(data1, 7, 32);
        break;
    case 0xE:
        index = 0;
        value = scaleUpMidiValue(uint32_t{data2} << 7 | data1, 14, 32);
        break;
    default: return false;
    }
    ump->words[0] = (0x4u << 28) | (uint32_t{group & 0xFu} << 24) | (kind << 20) | (channel << 16) | (index << 8);
    ump->words[1] = value;
    return true;
}

Ump64 midi2ProgramChange(uint8_t group, uint8_t channel, uint8_t program) noexcept {
    Ump64 ump;
    ump.words[0] = (0x4u << 28) | (uint32_t{group & 0xFu} << 24) | (0xCu << 20) | (uint32_t{channel & 0xFu} << 16);
    ump.words[1] = uint32_t{program & 0x7Fu} << 24;
    return ump;
}

} // namespace aap::host_tool
