#pragma once
// Mixing what several producers of a graph edge wrote into one input (aap::PluginGraph): audio is
// summed, MIDI2 merged by timestamp. Used by the host (in-process nodes) and by the plugin service
// (out-of-process nodes) before a node runs. [audio-thread]: no allocation, no lock.

#include <cstddef>
#include <cstdint>

namespace aap {
namespace graphmix {

// dest[i] = sum of sources[s][i] over the non-null sources (0 when none).
void sumAudio(float* dest, const float* const* sources, size_t count, int32_t frames) noexcept;

// Words of the UMP message whose first word is `word` (by message type).
uint32_t umpWords(uint32_t word) noexcept;

// Merges the UMP of `count` MIDI2 buffers (32-byte AAPMidiBufferHeader + UMP, capacities[s] bytes
// each) into `dest` (destCapacity bytes), which keeps what it already holds. Order: by time (the
// JR Timestamp, UMP type 0 status 2, that precedes a message; 0 before any), at equal times dest's
// own content first, then the sources in order. Every message keeps its time: a JR Timestamp is
// written whenever the time changes. dest's own content is kept whole (AAPXS traffic of its host
// included); from the sources, the AAP SysEx8 addressed to the host (stream 0, payload 7E 7F 00 01:
// AAPXS requests and replies; 7E 7F 00 00: parameter reports; every packet of such a message) and
// malformed tails are dropped, while any other type-5 data (SysEx8 on other streams or with
// another prefix, mixed data sets) is the producer's own MIDI and merged like the rest.
// Messages that do not fit are dropped. `scratch` must hold destCapacity bytes. Returns the
// number of source messages merged.
size_t mergeMidi2(uint8_t* dest, size_t destCapacity, const uint8_t* const* sources, const size_t* capacities,
                  size_t count, uint8_t* scratch) noexcept;

} // namespace graphmix
} // namespace aap
