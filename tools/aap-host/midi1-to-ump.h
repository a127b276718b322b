#pragma once
// MIDI 1.0 channel messages (from a Standard MIDI File) to MIDI 2.0 channel voice UMPs (message
// type 4, two words), with the MIDI 2.0 specification's min-center-max value scaling.
//   note on (velocity 0 = note off), note off, poly pressure, control change, program change
//   (no bank), channel pressure, pitch bend.

#include <cstdint>

namespace aap::host_tool {

struct Ump64 {
    uint32_t words[2];
};

// Scales an N-bit value up to M bits (M > N) so that 0 -> 0, center -> center, max -> max.
uint32_t scaleUpMidiValue(uint32_t value, int sourceBits, int destinationBits) noexcept;

// False for anything that is not a channel message (status 0x80..0xEF).
bool midi1ToUmp(uint8_t group, uint8_t status, uint8_t data1, uint8_t data2, Ump64* ump) noexcept;

// A MIDI 2.0 Program Change (no bank select).
Ump64 midi2ProgramChange(uint8_t group, uint8_t channel, uint8_t program) noexcept;

} // namespace aap::host_tool
