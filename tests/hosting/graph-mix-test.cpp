// graphmix::mergeMidi2 (hosting/src/graph-mix.h), what flows along a MIDI2 edge of a PluginGraph:
// the AAP SysEx8 addressed to the host (AAPXS, parameter reports; every packet of such a message)
// is dropped from a producer's output, every other UMP type 5 message (SysEx8 of the plugin's own,
// on stream 0 with another prefix or on another stream, mixed data sets) flows in its order.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "graph-mix.h"

namespace aap {
namespace {

constexpr size_t kHeader = 32;
constexpr size_t kCapacity = 1024;

std::vector<uint8_t> buffer(const std::vector<uint32_t>& words) {
    std::vector<uint8_t> bytes(kCapacity, 0);
    const uint32_t length = static_cast<uint32_t>(words.size() * 4);
    std::memcpy(bytes.data() + 4, &length, 4);
    if (length != 0)
        std::memcpy(bytes.data() + kHeader, words.data(), length);
    return bytes;
}

std::vector<uint32_t> wordsOf(const std::vector<uint8_t>& bytes) {
    uint32_t length;
    std::memcpy(&length, bytes.data() + 4, 4);
    std::vector<uint32_t> words(length / 4);
    if (length != 0)
        std::memcpy(words.data(), bytes.data() + kHeader, length);
    return words;
}

// Packets as docs/spec/wire.md section 2 lays them out: w0 = (0x50 | group) << 24 | (status |
// (n + 1)) << 16 | stream << 8 | b3.
TEST(GraphMidiEdge, AapSysex8StaysWithTheHostAndTheProducersOwnType5DataFlows) {
    const std::vector<uint32_t> noteOn{0x40903C00u, 0x80000000u};
    const std::vector<uint32_t> noteOff{0x40803C00u, 0x00000000u};
    // AAPXS (7E 7F 00 01) in three packets on group 0, stream 0.
    const std::vector<uint32_t> aapxsStart{0x501E007Eu, 0x7F000100u, 0x11223344u, 0x55667788u};
    const std::vector<uint32_t> aapxsContinue{0x502E007Eu, 0x7F000100u, 0x99AABBCCu, 0xDDEEFF00u};
    const std::vector<uint32_t> aapxsEnd{0x50330001u, 0x02000000u, 0u, 0u};
    // A manufacturer's SysEx8, complete, on stream 0, between the AAPXS packets (it stays).
    const std::vector<uint32_t> manufacturer{0x5005007Du, 0x01020300u, 0u, 0u};
    // A parameter report (7E 7F 00 00, docs/spec/wire.md section 5): addressed to the host.
    const std::vector<uint32_t> parameter{0x500E007Eu, 0x7F000000u, 0x00000007u, 0x80000000u};
    // The AAPXS prefix on stream 1: not AAPXS, the plugin's own.
    const std::vector<uint32_t> otherStream{0x500E017Eu, 0x7F000100u, 0u, 0u};
    // A manufacturer's SysEx8 in two packets on group 2, stream 0.
    const std::vector<uint32_t> ownStart{0x521E0041u, 0x42434445u, 0x46474849u, 0x4A4B4C4Du};
    const std::vector<uint32_t> ownEnd{0x52320050u, 0x51000000u, 0u, 0u};
    // A mixed data set header (type 5, status 8).
    const std::vector<uint32_t> mixedData{0x50800001u, 0x00010002u, 0x00030004u, 0u};

    std::vector<uint32_t> produced;
    for (const auto* message : {&noteOn, &aapxsStart, &manufacturer, &aapxsContinue, &ownStart, &aapxsEnd, &parameter,
                                &otherStream, &ownEnd, &mixedData, &noteOff})
        produced.insert(produced.end(), message->begin(), message->end());
    const std::vector<uint8_t> source = buffer(produced);
    std::vector<uint8_t> dest = buffer({});
    std::vector<uint8_t> scratch(kCapacity);
    const uint8_t* sources[1] = {source.data()};
    const size_t capacities[1] = {kCapacity};
    const size_t merged = graphmix::mergeMidi2(dest.data(), kCapacity, sources, capacities, 1, scratch.data());

    std::vector<uint32_t> expected;
    for (const auto* message : {&noteOn, &manufacturer, &ownStart, &otherStream, &ownEnd, &mixedData, &noteOff})
        expected.insert(expected.end(), message->begin(), message->end());
    EXPECT_EQ(wordsOf(dest), expected);
    EXPECT_EQ(merged, 7u);
}

// The consumer's own content (its host events and AAPXS requests) is kept whole, AAP SysEx8 included.
TEST(GraphMidiEdge, TheConsumersOwnAapxsIsKept) {
    const std::vector<uint32_t> ownAapxs{0x5005007Eu, 0x7F000100u, 0u, 0u};
    std::vector<uint8_t> dest = buffer(ownAapxs);
    const std::vector<uint8_t> source = buffer({0x40903C00u, 0x80000000u});
    std::vector<uint8_t> scratch(kCapacity);
    const uint8_t* sources[1] = {source.data()};
    const size_t capacities[1] = {kCapacity};
    EXPECT_EQ(graphmix::mergeMidi2(dest.data(), kCapacity, sources, capacities, 1, scratch.data()), 1u);
    const std::vector<uint32_t> expected{0x5005007Eu, 0x7F000100u, 0u, 0u, 0x40903C00u, 0x80000000u};
    EXPECT_EQ(wordsOf(dest), expected);
}

} // namespace
} // namespace aap
