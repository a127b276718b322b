#include "aap/runtime/aapxs-wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

// A MIDI2 port buffer: 32-byte header + UMP words.
struct PortBuffer {
    std::vector<std::uint8_t> bytes;
    explicit PortBuffer(std::size_t capacity = 8192) : bytes(capacity, 0) {}
    std::uint8_t* data() { return bytes.data(); }
    std::size_t capacity() const { return bytes.size(); }
    std::uint32_t length() const {
        std::uint32_t l;
        std::memcpy(&l, bytes.data() + 4, 4);
        return l;
    }
    void setLength(std::uint32_t l) { std::memcpy(bytes.data() + 4, &l, 4); }
    std::vector<std::uint32_t> words() const {
        std::vector<std::uint32_t> w(length() / 4);
        std::memcpy(w.data(), bytes.data() + 32, length());
        return w;
    }
    void append(const std::vector<std::uint32_t>& w) {
        std::memcpy(bytes.data() + 32 + length(), w.data(), w.size() * 4);
        setLength(static_cast<std::uint32_t>(length() + w.size() * 4));
    }
};

struct Collected {
    std::vector<aap::AapxsMessageView> views;
    std::vector<std::string> uris;
    std::vector<std::vector<std::uint8_t>> data;
    static void visit(void* user, const aap::AapxsMessageView& m) noexcept {
        auto* self = static_cast<Collected*>(user);
        self->views.push_back(m);
        self->uris.emplace_back(m.uri, m.uriSize);
        self->data.emplace_back(m.data, m.data + m.dataSize);
    }
};

aap::ExtractStats extract(PortBuffer& buffer, Collected& collected, std::size_t scratchSize = 16 * 4096) {
    std::vector<std::uint8_t> scratch(scratchSize);
    return aap::extractAapxsMessages(buffer.data(), buffer.capacity(), scratch.data(), scratch.size(),
                                     Collected::visit, &collected);
}

const char* kStateUri = "urn://androidaudioplugin.org/extensions/state/v4";

TEST(AapxsWire, WritesTheWireSpecStateVector) {
    PortBuffer buffer;
    const std::uint8_t data[] = {1, 2, 3};
    aap::AapxsMessageView m;
    m.group = 0;
    m.urid = 5;
    m.requestId = 1;
    m.uri = kStateUri;
    m.uriSize = std::strlen(kStateUri);
    m.opcode = 2;
    m.data = data;
    m.dataSize = 3;
    ASSERT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::Ok);
    const std::vector<std::uint32_t> expected = {
        0x501E007E, 0x7F000105, 0x01000000, 0x30000000, 0x502E0075, 0x726E3A2F, 0x2F616E64, 0x726F6964,
        0x502E0061, 0x7564696F, 0x706C7567, 0x696E2E6F, 0x502E0072, 0x672F6578, 0x74656E73, 0x696F6E73,
        0x502E002F, 0x73746174, 0x652F7634, 0x02000000, 0x50380003, 0x00000001, 0x02030000, 0x00000000};
    EXPECT_EQ(buffer.words(), expected);
    EXPECT_EQ(aap::aapxsEncodedUmpBytes(48, 3), 96u);
}

TEST(AapxsWire, WritesTheUridOnlyAndExactMultipleVectors) {
    PortBuffer buffer;
    aap::AapxsMessageView m;
    m.group = 3;
    m.urid = 4;
    m.requestId = 0x12345678;
    m.opcode = -1;
    ASSERT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::Ok);
    EXPECT_EQ(buffer.words(), (std::vector<std::uint32_t>{0x531E007E, 0x7F000104, 0x78563412, 0x00000000, 0x533900FF,
                                                           0xFFFFFF00, 0x00000000, 0x00000000}));
    PortBuffer second;
    const std::uint8_t data[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    aap::AapxsMessageView n;
    n.requestId = 2;
    n.uri = "urn:x/v1";
    n.uriSize = 8;
    n.opcode = 7;
    n.data = data;
    n.dataSize = 10;
    ASSERT_EQ(aap::appendAapxsMessage(second.data(), second.capacity(), n), aap::WireResult::Ok);
    EXPECT_EQ(second.words(),
              (std::vector<std::uint32_t>{0x501E007E, 0x7F000100, 0x02000000, 0x08000000, 0x502E0075, 0x726E3A78,
                                          0x2F763107, 0x0000000A, 0x503E0000, 0x00000001, 0x02030405, 0x06070809}));
}

TEST(AapxsWire, ExtractsAndStripsLeavingOtherTrafficInOrder) {
    PortBuffer buffer;
    const std::vector<std::uint32_t> noteOn = {0x40903C00, 0x80000000};         // MIDI2 note on (type 4)
    const std::vector<std::uint32_t> otherStream = {0x50150300, 0x01020304, 0, 0}; // SysEx8 stream 3 (complete)
    const std::vector<std::uint32_t> flex = {0xD0000000, 1, 2, 3};               // type D, 4 words
    const std::vector<std::uint32_t> stream = {0xF0000000, 4, 5, 6};             // type F, 4 words
    const std::vector<std::uint32_t> parameter = {0x500E007E, 0x7F000001, 0x00000005, 0x80000000}; // parameter change

    PortBuffer message;
    const std::uint8_t data[] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 10, 11, 12, 13, 14, 15, 16};
    aap::AapxsMessageView m;
    m.urid = 0;
    m.requestId = 77;
    m.uri = kStateUri;
    m.uriSize = std::strlen(kStateUri);
    m.opcode = 3;
    m.data = data;
    m.dataSize = sizeof(data);
    ASSERT_EQ(aap::appendAapxsMessage(message.data(), message.capacity(), m), aap::WireResult::Ok);
    const auto packets = message.words();
    ASSERT_GE(packets.size(), 12u);
    // interleave: note, p0, other stream, p1, flex, p2.., parameter, stream
    buffer.append(noteOn);
    buffer.append({packets.begin(), packets.begin() + 4});
    buffer.append(otherStream);
    buffer.append({packets.begin() + 4, packets.begin() + 8});
    buffer.append(flex);
    buffer.append({packets.begin() + 8, packets.end()});
    buffer.append(parameter);
    buffer.append(stream);

    Collected collected;
    const auto stats = extract(buffer, collected);
    EXPECT_EQ(stats.messages, 1u);
    EXPECT_EQ(stats.malformed, 0u);
    ASSERT_EQ(collected.views.size(), 1u);
    EXPECT_EQ(collected.views[0].requestId, 77u);
    EXPECT_EQ(collected.views[0].opcode, 3);
    EXPECT_EQ(collected.uris[0], kStateUri);
    EXPECT_EQ(collected.data[0], std::vector<std::uint8_t>(data, data + sizeof(data)));
    std::vector<std::uint32_t> expected;
    for (const std::vector<std::uint32_t>* part : {&noteOn, &otherStream, &flex, &parameter, &stream})
        expected.insert(expected.end(), part->begin(), part->end());
    EXPECT_EQ(buffer.words(), expected);
}

TEST(AapxsWire, ParsesBackToBackMessagesEachOnItsOwn) {
    PortBuffer buffer;
    for (std::uint32_t id = 1; id <= 3; ++id) {
        const std::uint8_t data[] = {static_cast<std::uint8_t>(id)};
        aap::AapxsMessageView m;
        m.urid = 9;
        m.requestId = id;
        m.opcode = static_cast<std::int32_t>(id);
        m.data = data;
        m.dataSize = 1;
        ASSERT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::Ok);
    }
    Collected collected;
    EXPECT_EQ(extract(buffer, collected).messages, 3u);
    ASSERT_EQ(collected.views.size(), 3u);
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(collected.views[i].requestId, i + 1);
        EXPECT_EQ(collected.data[i], std::vector<std::uint8_t>{static_cast<std::uint8_t>(i + 1)});
    }
    EXPECT_EQ(buffer.length(), 0u);
}

TEST(AapxsWire, RefusesToOverflowTheBuffer) {
    PortBuffer buffer(32 + 32); // room for two packets
    std::vector<std::uint8_t> data(30);
    aap::AapxsMessageView m;
    m.urid = 1;
    m.requestId = 1;
    m.data = data.data();
    m.dataSize = data.size(); // 51 bytes -> 4 packets
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::NoSpace);
    EXPECT_EQ(buffer.length(), 0u);
    m.dataSize = 0; // 21 bytes -> 2 packets
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::Ok);
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::NoSpace);
}

TEST(AapxsWire, RejectsInvalidHeadersAndArguments) {
    PortBuffer buffer(64);
    aap::AapxsMessageView m;
    m.urid = 1;
    buffer.setLength(40); // > capacity - 32
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::InvalidBuffer);
    Collected collected;
    EXPECT_TRUE(extract(buffer, collected).invalidBuffer);
    buffer.setLength(6); // not a multiple of 4
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::InvalidBuffer);
    EXPECT_TRUE(extract(buffer, collected).invalidBuffer);
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), 16, m), aap::WireResult::InvalidBuffer);
    buffer.setLength(0);
    m.group = 16;
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::InvalidMessage);
    m.group = 0;
    m.dataSize = 3; // null data with a size
    EXPECT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), m), aap::WireResult::InvalidMessage);
}

std::vector<std::uint32_t> encode(const aap::AapxsMessageView& m) {
    PortBuffer b;
    EXPECT_EQ(aap::appendAapxsMessage(b.data(), b.capacity(), m), aap::WireResult::Ok);
    return b.words();
}

TEST(AapxsWire, DropsMalformedAapxsAndKeepsEverythingElse) {
    aap::AapxsMessageView m;
    m.urid = 2;
    m.requestId = 5;
    m.opcode = 1;
    const auto good = encode(m); // 2 packets
    const std::vector<std::uint32_t> note = {0x20903C40};
    PortBuffer buffer;
    // 1. start without end, then a good message in the same group: the first is malformed
    buffer.append({good.begin(), good.begin() + 4});
    buffer.append(note);
    buffer.append(good);
    // 2. orphan end packet of stream 0 that is not ours: kept as-is
    const std::vector<std::uint32_t> orphanEnd = {0x50320000, 0x01000000, 0, 0};
    buffer.append(orphanEnd);
    // 3. a complete-in-one packet with the AAPXS prefix (too short to be a message)
    const std::vector<std::uint32_t> shortAapxs = {0x500E007E, 0x7F000102, 0, 0};
    buffer.append(shortAapxs);
    // 4. AAPXS start then a bad size nibble in the middle
    buffer.append({good.begin(), good.begin() + 4});
    buffer.append({0x50200000, 0, 0, 0});
    buffer.append({good.begin() + 4, good.end()}); // its end: swallowed with the broken message
    // 5. truncated at the end of the buffer
    buffer.append({good.begin(), good.begin() + 4});
    Collected collected;
    const auto stats = extract(buffer, collected);
    EXPECT_EQ(stats.messages, 1u);
    EXPECT_EQ(stats.malformed, 4u);
    ASSERT_EQ(collected.views.size(), 1u);
    EXPECT_EQ(collected.views[0].requestId, 5u);
    std::vector<std::uint32_t> expected = note;
    expected.insert(expected.end(), orphanEnd.begin(), orphanEnd.end());
    EXPECT_EQ(buffer.words(), expected);
}

TEST(AapxsWire, RejectsLengthFieldsThatLie) {
    // Hand-built payload: URI length far larger than the payload.
    aap::AapxsMessageView m;
    m.urid = 0;
    m.requestId = 1;
    m.uri = "urn:x";
    m.uriSize = 5;
    auto words = encode(m);
    // byte 9..12 of the payload is the URI length; payload byte k sits in packet 0 at b(3+k).
    // b12 is the last byte of w2... patch w3's first byte (payload byte 9) to 0xFF.
    words[3] = (words[3] & 0x00FFFFFFu) | 0xFF000000u;
    PortBuffer buffer;
    buffer.append(words);
    Collected collected;
    auto stats = extract(buffer, collected);
    EXPECT_EQ(stats.messages, 0u);
    EXPECT_EQ(stats.malformed, 1u);
    EXPECT_EQ(buffer.length(), 0u);
}

TEST(AapxsWire, MessageLargerThanScratchIsMalformedNotAnOverflow) {
    std::vector<std::uint8_t> data(500, 0xAB);
    aap::AapxsMessageView m;
    m.urid = 3;
    m.requestId = 8;
    m.data = data.data();
    m.dataSize = data.size();
    PortBuffer buffer;
    buffer.append(encode(m));
    Collected collected;
    auto stats = extract(buffer, collected, 16 * 100);
    EXPECT_EQ(stats.messages, 0u);
    EXPECT_EQ(stats.malformed, 1u);
}

TEST(AapxsWire, ErrorRepliesRoundTrip) {
    std::uint8_t data[8] = {2, 0, 0, 0, 17, 0, 0, 0};
    aap::AapxsMessageView m;
    m.requestId = 3;
    m.uri = aap::kAapxsErrorReplyUri;
    m.uriSize = sizeof(aap::kAapxsErrorReplyUri) - 1;
    m.opcode = 4;
    m.data = data;
    m.dataSize = 8;
    aap::AapxsReplyError error{};
    std::uint8_t urid = 0;
    ASSERT_TRUE(aap::parseAapxsErrorReply(m, &error, &urid));
    EXPECT_EQ(error, aap::AapxsReplyError::NotHandled);
    EXPECT_EQ(urid, 17);
    m.dataSize = 4;
    EXPECT_FALSE(aap::parseAapxsErrorReply(m, &error, &urid));
    m.dataSize = 8;
    m.uri = kStateUri;
    m.uriSize = std::strlen(kStateUri);
    EXPECT_FALSE(aap::parseAapxsErrorReply(m, &error, &urid));
}

} // namespace
