// SysEx8 packetization (docs/spec/wire.md section 2), the consecutive-packet reader and the
// streaming reassembler.
#include "wire_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace aapxs_test;

namespace {

std::vector<uint8_t> iota(size_t n, uint8_t first = 0) {
    std::vector<uint8_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}

std::vector<uint32_t> packetize(const std::vector<uint8_t>& payload, uint8_t group = 0, uint8_t stream_id = 0) {
    std::vector<uint32_t> words(aapxs_sysex8_packet_count(payload.size()) * 4);
    size_t written = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_write_packets(words.data(), words.size(), group, stream_id,
                                                         payload.empty() ? nullptr : payload.data(),
                                                         payload.size(), &written));
    EXPECT_EQ(words.size(), written);
    return words;
}

} // namespace

TEST(SysEx8PacketCount, IsCeilOfThirteenAndAtLeastOne) {
    EXPECT_EQ(1u, aapxs_sysex8_packet_count(0));
    EXPECT_EQ(1u, aapxs_sysex8_packet_count(1));
    EXPECT_EQ(1u, aapxs_sysex8_packet_count(13));
    EXPECT_EQ(2u, aapxs_sysex8_packet_count(14));
    EXPECT_EQ(2u, aapxs_sysex8_packet_count(26));
    EXPECT_EQ(3u, aapxs_sysex8_packet_count(27));
    EXPECT_EQ(SIZE_MAX / 13 + 1, aapxs_sysex8_packet_count(SIZE_MAX));
    size_t words = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_word_count(SIZE_MAX, &words)); // ceil(n / 13) * 4 < n for large n
    EXPECT_EQ((SIZE_MAX / 13 + 1) * 4, words);
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_word_count(1, nullptr));
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_word_count(27, &words));
    EXPECT_EQ(12u, words);
}

TEST(SysEx8Packetizer, EmptyPayloadIsOneCompletePacketWithOnlyTheStreamId) {
    EXPECT_EQ((std::vector<uint32_t>{0x52010700u, 0, 0, 0}), packetize({}, 2, 7));
}

TEST(SysEx8Packetizer, ThirteenBytesFitOneCompletePacket) {
    EXPECT_EQ((std::vector<uint32_t>{0x500E0000u, 0x01020304u, 0x05060708u, 0x090A0B0Cu}), packetize(iota(13)));
}

TEST(SysEx8Packetizer, FourteenBytesAreAStartAndAnEndPacket) {
    EXPECT_EQ((std::vector<uint32_t>{0x511E0300u, 0x01020304u, 0x05060708u, 0x090A0B0Cu,
                                     0x5132030Du, 0, 0, 0}),
              packetize(iota(14), 1, 3));
}

TEST(SysEx8Packetizer, MiddlePacketsAreContinuePackets) {
    auto words = packetize(iota(40));
    ASSERT_EQ(16u, words.size());
    EXPECT_EQ(0x501Eu, words[0] >> 16);
    EXPECT_EQ(0x502Eu, words[4] >> 16);
    EXPECT_EQ(0x502Eu, words[8] >> 16);
    EXPECT_EQ(0x5032u, words[12] >> 16); // end, 1 byte + stream id
}

TEST(SysEx8Packetizer, RefusesBadArgumentsAndShortOutputWithoutWriting) {
    auto payload = iota(20);
    std::vector<uint32_t> words(8, 0xCAFEF00Du);
    size_t written = 99;
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_sysex8_write_packets(words.data(), 7, 0, 0, payload.data(), 20, &written));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_write_packets(words.data(), 8, 16, 0, payload.data(), 20, &written));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_write_packets(words.data(), 8, 0, 0, nullptr, 20, &written));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_write_packets(nullptr, 8, 0, 0, payload.data(), 20, &written));
    EXPECT_EQ(99u, written);
    for (uint32_t w : words)
        EXPECT_EQ(0xCAFEF00Du, w);
}

TEST(SysEx8ReadMessage, ReadsConsecutivePacketsAndStopsAtTheEndPacket) {
    auto payload = iota(30, 100);
    auto words = packetize(payload, 4, 9);
    words.push_back(0x20000000u); // something after the message
    std::vector<uint8_t> out(30);
    size_t size = 0, consumed = 0;
    uint8_t group = 0, stream = 0;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_read_message(words.data(), words.size(), out.data(), out.size(), &size,
                                                        &consumed, &group, &stream));
    EXPECT_EQ(payload, out);
    EXPECT_EQ(30u, size);
    EXPECT_EQ(12u, consumed);
    EXPECT_EQ(4, group);
    EXPECT_EQ(9, stream);
}

TEST(SysEx8ReadMessage, APacketOfAnotherStreamBeforeTheEndIsTruncation) {
    auto words = packetize(iota(30), 0, 0);
    auto other = packetize(iota(3), 0, 1);
    words.insert(words.begin() + 4, other.begin(), other.end());
    std::vector<uint8_t> out(64);
    size_t size = 0, consumed = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED, aapxs_sysex8_read_message(words.data(), words.size(), out.data(),
                                                                           out.size(), &size, &consumed, nullptr, nullptr));
    uint32_t not_sysex8[4] = {0x40000000u, 0, 0, 0};
    EXPECT_EQ(AAPXS_CODEC_ERROR_NOT_SYSEX8, aapxs_sysex8_read_message(not_sysex8, 4, out.data(), out.size(), &size,
                                                                     &consumed, nullptr, nullptr));
}

TEST(SysEx8Reassembler, ReassemblesInterleavedStreamsAndGroups) {
    aapxs_sysex8_slot_t slots[3];
    uint8_t storage[3 * 64];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, slots, 3, storage, 64));
    auto a = iota(40, 0), b = iota(27, 50), c = iota(14, 200);
    auto wa = packetize(a, 0, 0), wb = packetize(b, 0, 1), wc = packetize(c, 5, 0);
    std::vector<std::vector<uint8_t>> completed;
    std::vector<std::pair<uint8_t, uint8_t>> ids;
    size_t longest = std::max({wa.size(), wb.size(), wc.size()});
    for (size_t i = 0; i < longest; i += 4) {
        for (const auto* w : {&wa, &wb, &wc}) {
            if (i >= w->size())
                continue;
            aapxs_sysex8_event_t e;
            auto status = aapxs_sysex8_reassembler_feed(&r, w->data() + i, &e);
            EXPECT_EQ(0, e.aborted_unfinished);
            if (status == AAPXS_SYSEX8_COMPLETE) {
                completed.emplace_back(e.payload, e.payload + e.size);
                ids.emplace_back(e.group, e.stream_id);
            } else {
                EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, status);
            }
        }
    }
    ASSERT_EQ(3u, completed.size());
    // c (2 packets) finishes first, then b (3), then a (4)
    EXPECT_EQ(c, completed[0]);
    EXPECT_EQ(std::make_pair(uint8_t{5}, uint8_t{0}), ids[0]);
    EXPECT_EQ(b, completed[1]);
    EXPECT_EQ(std::make_pair(uint8_t{0}, uint8_t{1}), ids[1]);
    EXPECT_EQ(a, completed[2]);
}

TEST(SysEx8Reassembler, ReportsNoFreeSlotWhenEveryStreamSlotIsBusy) {
    aapxs_sysex8_slot_t slot;
    uint8_t storage[64];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    auto wa = packetize(iota(20), 0, 0), wb = packetize(iota(20), 0, 1);
    aapxs_sysex8_event_t e;
    EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, aapxs_sysex8_reassembler_feed(&r, wa.data(), &e));
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, wb.data(), &e));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_NO_FREE_SLOT, e.reason);
    EXPECT_EQ(AAPXS_SYSEX8_COMPLETE, aapxs_sysex8_reassembler_feed(&r, wa.data() + 4, &e));
    EXPECT_EQ(20u, e.size);
}

TEST(SysEx8Reassembler, OversizedMessageIsReportedOnceAndTheRestDiscarded) {
    aapxs_sysex8_slot_t slot;
    uint8_t storage[20];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    auto big = packetize(iota(50)); // 4 packets; the 2nd overflows 20 bytes
    aapxs_sysex8_event_t e;
    EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, aapxs_sysex8_reassembler_feed(&r, big.data(), &e));
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, big.data() + 4, &e));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE, e.reason);
    EXPECT_EQ(AAPXS_SYSEX8_DISCARDED, aapxs_sysex8_reassembler_feed(&r, big.data() + 8, &e));
    EXPECT_EQ(AAPXS_SYSEX8_DISCARDED, aapxs_sysex8_reassembler_feed(&r, big.data() + 12, &e));
    // the slot is free again: a message that fits comes through
    auto small = packetize(iota(20));
    EXPECT_EQ(AAPXS_SYSEX8_NEED_MORE, aapxs_sysex8_reassembler_feed(&r, small.data(), &e));
    EXPECT_EQ(AAPXS_SYSEX8_COMPLETE, aapxs_sysex8_reassembler_feed(&r, small.data() + 4, &e));
    EXPECT_EQ(iota(20), std::vector<uint8_t>(e.payload, e.payload + e.size));
}

TEST(SysEx8Reassembler, ResetAndDropForgetUnfinishedMessages) {
    aapxs_sysex8_slot_t slot;
    uint8_t storage[64];
    aapxs_sysex8_reassembler_t r;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, &slot, 1, storage, sizeof(storage)));
    auto w = packetize(iota(20));
    aapxs_sysex8_event_t e;
    aapxs_sysex8_reassembler_feed(&r, w.data(), &e);
    EXPECT_NE(nullptr, aapxs_sysex8_reassembler_find(&r, 0, 0));
    aapxs_sysex8_reassembler_reset(&r);
    EXPECT_EQ(nullptr, aapxs_sysex8_reassembler_find(&r, 0, 0));
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, w.data() + 4, &e));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START, e.reason);
    aapxs_sysex8_reassembler_feed(&r, w.data(), &e);
    aapxs_sysex8_reassembler_drop(&r, 0, 0);
    EXPECT_EQ(nullptr, aapxs_sysex8_reassembler_find(&r, 0, 0));
}

TEST(SysEx8Reassembler, InitRejectsNullStorageAndOverflowingSizes) {
    aapxs_sysex8_slot_t slots[2];
    aapxs_sysex8_reassembler_t r;
    uint8_t storage[4];
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_reassembler_init(&r, slots, 2, nullptr, 16));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_reassembler_init(&r, nullptr, 2, storage, 2));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_sysex8_reassembler_init(nullptr, slots, 2, storage, 2));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SIZE_OVERFLOW, aapxs_sysex8_reassembler_init(&r, slots, 2, storage, SIZE_MAX));
    // zero-capacity slots are valid: only empty messages fit
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&r, slots, 2, nullptr, 0));
    uint32_t empty[4] = {0x50010000u, 0, 0, 0};
    aapxs_sysex8_event_t e;
    EXPECT_EQ(AAPXS_SYSEX8_COMPLETE, aapxs_sysex8_reassembler_feed(&r, empty, &e));
    EXPECT_EQ(0u, e.size);
    uint32_t one[4] = {0x50020000u, 0, 0, 0};
    EXPECT_EQ(AAPXS_SYSEX8_MALFORMED, aapxs_sysex8_reassembler_feed(&r, one, &e));
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE, e.reason);
}

TEST(CodecErrorString, EveryReasonHasItsOwnStaticString) {
    std::vector<std::string> seen;
    for (int i = AAPXS_CODEC_OK; i <= AAPXS_CODEC_ERROR_MISSING_EXTENSION; i++) {
        const char* s = aapxs_codec_error_string(static_cast<aapxs_codec_error_t>(i));
        ASSERT_NE(nullptr, s);
        EXPECT_STRNE("unknown AAPXS codec error", s) << i;
        for (const auto& other : seen)
            EXPECT_NE(other, s);
        seen.emplace_back(s);
    }
    EXPECT_STREQ("unknown AAPXS codec error", aapxs_codec_error_string(static_cast<aapxs_codec_error_t>(999)));
}
