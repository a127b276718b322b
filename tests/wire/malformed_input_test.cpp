// docs/spec/wire.md section 6: every input a conforming reader must survive, one test per case, each
// expecting its specific result. The sanitize label runs these under ASan+UBSan, which proves
// there is no out-of-bounds access; every buffer here is sized exactly so an overrun is caught.
#include "wire_test_support.h"

#include <gtest/gtest.h>

#include <memory>

using namespace aapxs_test;

namespace {

// An AAPXS payload with arbitrary (possibly lying) length fields.
std::vector<uint8_t> rawPayload(uint8_t urid, uint32_t uri_length_field, const std::string& uri_bytes,
                                uint32_t data_length_field, const std::vector<uint8_t>& data_bytes,
                                bool include_tail_fields = true) {
    std::vector<uint8_t> p = {0x7E, 0x7F, 0x00, 0x01, urid, 1, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        p.push_back(static_cast<uint8_t>(uri_length_field >> (8 * i)));
    p.insert(p.end(), uri_bytes.begin(), uri_bytes.end());
    if (include_tail_fields) {
        p.insert(p.end(), {2, 0, 0, 0});
        for (int i = 0; i < 4; i++)
            p.push_back(static_cast<uint8_t>(data_length_field >> (8 * i)));
    }
    p.insert(p.end(), data_bytes.begin(), data_bytes.end());
    return p;
}

std::vector<uint32_t> packetize(const std::vector<uint8_t>& payload, uint8_t group = 0, uint8_t stream_id = 0) {
    std::vector<uint32_t> words(aapxs_sysex8_packet_count(payload.size()) * 4);
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_write_packets(words.data(), words.size(), group, stream_id,
                                                         payload.empty() ? nullptr : payload.data(),
                                                         payload.size(), nullptr));
    return words;
}

std::vector<uint32_t> validMessage(uint32_t request_id, uint8_t group = 0, size_t data_size = 20) {
    std::vector<uint8_t> data(data_size, static_cast<uint8_t>(request_id));
    aapxs_message_t m = makeMessage(0, request_id, "urn://androidaudioplugin.org/extensions/state/v4", 3, data);
    size_t count = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_word_count(&m, &count));
    std::vector<uint32_t> words(count);
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, group, words.data(), words.size(), nullptr));
    return words;
}

// Extracts from a buffer holding exactly `words` (capacity = header + words, nothing to spare).
struct Extraction {
    aapxs_codec_error_t result;
    std::vector<Extracted> reports;
    std::vector<uint32_t> left;
    aapxs_extract_summary_t summary;
};

Extraction extract(const std::vector<uint32_t>& words, size_t slot_bytes = 8192, size_t slots = 2) {
    PortBuffer buffer(32 + words.size() * 4);
    buffer.appendRaw(words);
    Reassembler reassembler(slots, slot_bytes);
    Extraction e{};
    e.result = aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(), collectExtracted,
                                                &e.reports, &e.summary);
    e.left = buffer.words();
    return e;
}

// Parses a payload held in a heap block of exactly its size.
aapxs_codec_error_t parseExact(const std::vector<uint8_t>& payload) {
    std::unique_ptr<uint8_t[]> exact(new uint8_t[payload.size() ? payload.size() : 1]);
    std::memcpy(exact.get(), payload.data(), payload.size());
    aapxs_message_t view{};
    return aapxs_message_parse(exact.get(), payload.size(), &view);
}

} // namespace

TEST(MalformedInput, TruncatedMessageWithNoEndPacketWithinTheBuffer) {
    auto words = validMessage(1);
    words.resize(words.size() - 4); // drop the end packet
    std::vector<uint8_t> storage(1024);
    size_t size = 0, consumed = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED, aapxs_sysex8_read_message(words.data(), words.size(), storage.data(),
                                                                           storage.size(), &size, &consumed, nullptr, nullptr));
    auto e = extract(words);
    ASSERT_EQ(AAPXS_CODEC_OK, e.result);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED, e.reports[0].error); // never a success
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, EndPacketMissingMidBuffer) {
    auto broken = validMessage(1);
    broken.resize(broken.size() - 4);
    auto words = broken;
    words.push_back(0x20903C40u);
    auto next = validMessage(2);
    words.insert(words.end(), next.begin(), next.end());
    auto e = extract(words);
    ASSERT_EQ(AAPXS_CODEC_OK, e.result);
    ASSERT_EQ(2u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END, e.reports[0].error);
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[1].error); // the next message is not lost
    EXPECT_EQ(2u, e.reports[1].request_id);
    EXPECT_EQ((std::vector<uint32_t>{0x20903C40u}), e.left);
}

TEST(MalformedInput, PacketWithSizeNibbleZero) {
    auto words = validMessage(1);
    words[4] &= 0xFFF0FFFFu; // second packet: size 0
    aapxs_sysex8_slot_t slot;
    uint8_t storage[256];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    aapxs_sysex8_event_t ev;
    EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, aapxs_sysex8_reassembler_feed(&r, words.data(), &ev));
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, words.data() + 4, &ev));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE, ev.reason);
    auto e = extract(words);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE, e.reports[0].error);
    EXPECT_TRUE(e.left.empty()); // the whole broken message is removed, reported once
    // a first packet with size 0 is still recognised as AAPXS and reported
    auto first = validMessage(1);
    first[0] &= 0xFFF0FFFFu;
    e = extract(first);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE, e.reports[0].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, PacketWithSizeNibbleLargerThan14) {
    auto words = validMessage(1);
    words[8] |= 0x000F0000u; // third packet: size 15
    size_t size = 0, consumed = 0;
    std::vector<uint8_t> storage(1024);
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE, aapxs_sysex8_read_message(words.data(), words.size(), storage.data(),
                                                                          storage.size(), &size, &consumed, nullptr, nullptr));
    auto e = extract(words);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE, e.reports[0].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, ContinueAndEndPacketsWithNoStart) {
    auto words = validMessage(1);
    aapxs_sysex8_slot_t slot;
    uint8_t storage[256];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    aapxs_sysex8_event_t ev;
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, words.data() + 4, &ev));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START, ev.reason);
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, words.data() + words.size() - 4, &ev));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START, ev.reason);
    size_t size = 0, consumed = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START,
              aapxs_sysex8_read_message(words.data() + 4, words.size() - 4, storage, sizeof(storage), &size, &consumed,
                                        nullptr, nullptr));
    // In a port buffer they cannot be told apart from a foreign message begun in an earlier cycle:
    // they are not AAPXS, so they stay and nothing is reported.
    std::vector<uint32_t> orphans(words.begin() + 4, words.end());
    auto e = extract(orphans);
    EXPECT_TRUE(e.reports.empty());
    EXPECT_EQ(orphans, e.left);
}

TEST(MalformedInput, SecondStartBeforeAnEnd) {
    auto first = validMessage(1);
    auto second = validMessage(2);
    std::vector<uint32_t> words(first.begin(), first.begin() + 8); // start + continue, no end
    words.insert(words.end(), second.begin(), second.end());
    aapxs_sysex8_slot_t slot;
    uint8_t storage[256];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    aapxs_sysex8_event_t ev;
    aapxs_sysex8_reassembler_feed(&r, words.data(), &ev);
    aapxs_sysex8_reassembler_feed(&r, words.data() + 4, &ev);
    EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, aapxs_sysex8_reassembler_feed(&r, words.data() + 8, &ev));
    EXPECT_EQ(1, ev.aborted_unfinished);
    size_t size = 0, consumed = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END,
              aapxs_sysex8_read_message(words.data(), words.size(), storage, sizeof(storage), &size, &consumed, nullptr, nullptr));
    auto e = extract(words);
    ASSERT_EQ(2u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END, e.reports[0].error);
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[1].error);
    EXPECT_EQ(2u, e.reports[1].request_id);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, OtherSysEx8StreamsInterleavedWithAnAapxsMessage) {
    auto aapxs = validMessage(7);
    auto other = packetize(std::vector<uint8_t>(30, 0x55), 0, 1);  // stream 1, same group
    auto other_group = packetize(std::vector<uint8_t>(20, 0x66), 2, 0); // foreign, other group
    std::vector<uint32_t> words, expected_left;
    for (size_t p = 0; p * 4 < aapxs.size(); p++) {
        words.insert(words.end(), aapxs.begin() + static_cast<long>(p * 4), aapxs.begin() + static_cast<long>(p * 4 + 4));
        for (const auto* o : {&other, &other_group}) {
            if (p * 4 < o->size()) {
                words.insert(words.end(), o->begin() + static_cast<long>(p * 4), o->begin() + static_cast<long>(p * 4 + 4));
                expected_left.insert(expected_left.end(), o->begin() + static_cast<long>(p * 4),
                                     o->begin() + static_cast<long>(p * 4 + 4));
            }
        }
    }
    auto e = extract(words);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[0].error);
    EXPECT_EQ(7u, e.reports[0].request_id);
    EXPECT_EQ(expected_left, e.left);
}

TEST(MalformedInput, EveryOtherUmpTypeBetweenAndAfterAapxsMessages) {
    std::vector<uint32_t> words, expected_left;
    for (uint32_t type = 0; type < 16; type++) {
        if (type == 5)
            continue;
        auto aapxs = validMessage(type, static_cast<uint8_t>(type));
        words.insert(words.end(), aapxs.begin(), aapxs.end());
        for (uint32_t i = 0; i < aapxs_ump_message_words(type << 28); i++) {
            uint32_t w = i == 0 ? (type << 28) | 0x00ABCDEFu : 0xFFFFFFFFu - i;
            words.push_back(w);
            expected_left.push_back(w);
        }
    }
    for (uint32_t w : {0xD0000001u, 0xD0000002u, 0xD0000003u, 0xD0000004u, 0xF0000001u, 0xF0000002u, 0xF0000003u, 0xF0000004u}) {
        words.push_back(w);
        expected_left.push_back(w);
    }
    auto e = extract(words);
    ASSERT_EQ(AAPXS_CODEC_OK, e.result);
    EXPECT_EQ(expected_left, e.left);
    ASSERT_EQ(15u, e.reports.size());
    for (const auto& r : e.reports)
        EXPECT_EQ(AAPXS_CODEC_OK, r.error);
}

TEST(MalformedInput, UriLengthLargerThanTheRemainingPayload) {
    auto payload = rawPayload(0, 100, "urn:x", 0, {});
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD, parseExact(payload));
    auto e = extract(packetize(payload));
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD, e.reports[0].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, DataLengthLargerThanTheRemainingPayload) {
    auto payload = rawPayload(0, 5, "urn:x", 4, {1, 2, 3});
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD, parseExact(payload));
    auto e = extract(packetize(payload));
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD, e.reports[0].error);
    // and the converse: more bytes than the lengths account for is not silently accepted
    EXPECT_EQ(AAPXS_CODEC_ERROR_TRAILING_BYTES, parseExact(rawPayload(0, 5, "urn:x", 2, {1, 2, 3})));
}

TEST(MalformedInput, UriLargerThanTheReadersBuffer) {
    std::string uri(300, 'u');
    auto payload = rawPayload(0, 300, uri, 0, {});
    char small[300]; // needs 301 (NUL)
    uint8_t data[4];
    aapxs_message_storage_t storage{small, sizeof(small), data, sizeof(data)};
    aapxs_message_t out{};
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), payload.size(), &storage, &out));
}

TEST(MalformedInput, DataLargerThanTheReadersBuffer) {
    std::vector<uint8_t> bytes(5000, 1);
    auto payload = rawPayload(1, 0, "", 5000, bytes);
    char uri[8];
    uint8_t data[4999];
    aapxs_message_storage_t storage{uri, sizeof(uri), data, sizeof(data)};
    aapxs_message_t out{};
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), payload.size(), &storage, &out));
    // and larger than the reassembly storage: reported, removed, the next message still parsed
    auto words = packetize(payload);
    auto next = validMessage(9);
    words.insert(words.end(), next.begin(), next.end());
    auto e = extract(words, 4096);
    ASSERT_EQ(2u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE, e.reports[0].error);
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[1].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, LengthFieldsThatOverflow32BitArithmetic) {
    // L = 0xFFFFFFFF: 13 + L wraps to 12 in 32 bits
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD, parseExact(rawPayload(0, 0xFFFFFFFFu, "abcdefgh", 0, {})));
    // L small, D = 0xFFFFFFF0: 21 + L + D wraps to a small number in 32 bits
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD,
              parseExact(rawPayload(0, 5, "urn:x", 0xFFFFFFF0u, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})));
    // L + D wraps exactly to the real payload size in 32 bits
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD, parseExact(rawPayload(0, 5, "urn:x", 0xFFFFFFFFu, {1})));
    auto e = extract(packetize(rawPayload(0, 0xFFFFFFFFu, "abcdefgh", 0, {})));
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD, e.reports[0].error);
}

TEST(MalformedInput, PortHeaderLengthLargerThanTheBufferCapacity) {
    PortBuffer buffer(32 + 96);
    buffer.appendRaw(validMessage(1, 0, 7)); // 21 + 48 + 7 = 76 bytes: 6 packets = 96 bytes
    buffer.setRawLength(100);
    Reassembler reassembler;
    std::vector<Extracted> got;
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY,
              aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(), collectExtracted, &got, nullptr));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(100u, buffer.rawLength()); // untouched
    uint32_t clock = 0x10F80000u;
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), &clock, 1));
    buffer.setRawLength(0xFFFFFFFCu);
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY,
              aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(), collectExtracted, &got, nullptr));
}

TEST(MalformedInput, PortHeaderLengthNotAMultipleOf4) {
    PortBuffer buffer(32 + 96);
    buffer.appendRaw(validMessage(1, 0, 7));
    buffer.setRawLength(94);
    Reassembler reassembler;
    std::vector<Extracted> got;
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED,
              aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(), collectExtracted, &got, nullptr));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(94u, buffer.rawLength());
    aapxs_message_t m = makeMessage(1, 1, "", 0, {});
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED,
              aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, nullptr));
}

TEST(MalformedInput, TwoOrMoreAapxsMessagesBackToBackAreEachParsedOnTheirOwn) {
    std::vector<uint32_t> words;
    for (uint32_t id = 1; id <= 5; id++) {
        auto m = validMessage(id, 0, id * 7);
        words.insert(words.end(), m.begin(), m.end());
    }
    auto e = extract(words);
    ASSERT_EQ(5u, e.reports.size());
    for (uint32_t id = 1; id <= 5; id++) {
        EXPECT_EQ(AAPXS_CODEC_OK, e.reports[id - 1].error);
        EXPECT_EQ(id, e.reports[id - 1].request_id);
        EXPECT_EQ(std::vector<uint8_t>(id * 7, static_cast<uint8_t>(id)), e.reports[id - 1].data);
    }
    // the consecutive reader stops at each end packet too
    std::vector<uint8_t> scratch(256);
    size_t offset = 0;
    for (uint32_t id = 1; id <= 5; id++) {
        aapxs_message_t view{};
        size_t consumed = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_read_words(words.data() + offset, words.size() - offset, scratch.data(),
                                                           scratch.size(), &view, &consumed, nullptr));
        EXPECT_EQ(id, view.request_id);
        offset += consumed;
    }
    EXPECT_EQ(words.size(), offset);
}

TEST(MalformedInput, NotAapxsAndTooShortPayloads) {
    EXPECT_EQ(AAPXS_CODEC_ERROR_NOT_AAPXS, parseExact({0x7E, 0x7F, 0x00, 0x00, 1, 2, 3}));
    EXPECT_EQ(AAPXS_CODEC_ERROR_NOT_AAPXS, parseExact({0x43}));
    EXPECT_EQ(AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT, parseExact({0x7E, 0x7F}));
    EXPECT_EQ(AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT, parseExact(rawPayload(1, 0, "", 0, {}, false)));
    EXPECT_EQ(AAPXS_CODEC_ERROR_MISSING_EXTENSION, parseExact(rawPayload(0, 0, "", 0, {})));
    // a complete-in-one AAPXS-looking packet is too short to be a message: removed and reported
    auto e = extract({0x500E007Eu, 0x7F000105u, 0x01000000u, 0x00000000u});
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT, e.reports[0].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, InvalidStatusNibbleInsideAnAapxsMessage) {
    auto words = validMessage(1);
    words[4] = (words[4] & 0xFF0FFFFFu) | 0x00700000u; // status 7
    auto e = extract(words);
    ASSERT_EQ(1u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_BAD_STATUS, e.reports[0].error);
    EXPECT_TRUE(e.left.empty());
}

TEST(MalformedInput, MoreConcurrentAapxsGroupsThanReassemblySlots) {
    // two groups interleaved, one slot: the second is reported NO_FREE_SLOT and removed
    auto a = validMessage(1, 0), b = validMessage(2, 1);
    std::vector<uint32_t> words;
    for (size_t i = 0; i < a.size(); i += 4) {
        words.insert(words.end(), a.begin() + static_cast<long>(i), a.begin() + static_cast<long>(i + 4));
        words.insert(words.end(), b.begin() + static_cast<long>(i), b.begin() + static_cast<long>(i + 4));
    }
    auto e = extract(words, 8192, 1);
    ASSERT_EQ(2u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_NO_FREE_SLOT, e.reports[0].error);
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[1].error);
    EXPECT_EQ(1u, e.reports[1].request_id);
    EXPECT_TRUE(e.left.empty());
    // with two slots both come through
    e = extract(words, 8192, 2);
    ASSERT_EQ(2u, e.reports.size());
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[0].error);
    EXPECT_EQ(AAPXS_CODEC_OK, e.reports[1].error);
}
