// UMP message sizes for every type and the bounded UMP iterator (docs/spec/wire.md section 1).
#include "wire_test_support.h"

#include <gtest/gtest.h>

using namespace aapxs_test;

TEST(UmpMessageWords, EveryMessageTypeHasItsSpecSize) {
    const uint32_t expected[16] = {1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};
    for (uint32_t type = 0; type < 16; type++) {
        EXPECT_EQ(expected[type], aapxs_ump_message_words(type << 28)) << "type " << type;
        EXPECT_EQ(expected[type], aapxs_ump_message_words((type << 28) | 0x0FFFFFFFu)) << "type " << type;
    }
}

TEST(UmpIterator, VisitsEveryMessageOnceInOrderAndStopsAtTheEnd) {
    // one message of each type, back to back
    std::vector<uint32_t> words;
    std::vector<size_t> offsets;
    for (uint32_t type = 0; type < 16; type++) {
        offsets.push_back(words.size() * 4);
        uint32_t n = aapxs_ump_message_words(type << 28);
        for (uint32_t i = 0; i < n; i++)
            words.push_back(i == 0 ? (type << 28) | type : 0x01010101u * type);
    }
    aapxs_ump_iterator_t it;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_ump_iterator_init_words(&it, words.data(), words.size()));
    aapxs_ump_t ump{};
    for (uint32_t type = 0; type < 16; type++) {
        ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump)) << type;
        EXPECT_EQ(type, ump.words[0] >> 28);
        EXPECT_EQ(aapxs_ump_message_words(type << 28), ump.word_count);
        EXPECT_EQ(offsets[type], ump.offset);
        for (uint32_t i = ump.word_count; i < 4; i++)
            EXPECT_EQ(0u, ump.words[i]);
    }
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump)); // stays at the end
    EXPECT_EQ(0, it.truncated);
}

TEST(UmpIterator, ReportsATruncatedLastMessageWithoutReadingIt) {
    // a type 0xF message (4 words) with only 2 words present
    std::vector<uint32_t> words = {0x20000000u, 0xF0000000u, 0x11111111u};
    aapxs_ump_iterator_t it;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_ump_iterator_init_words(&it, words.data(), words.size()));
    aapxs_ump_t ump{};
    ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(1, it.truncated);
    EXPECT_EQ(4u, it.offset);
}

TEST(UmpIterator, EmptyAndInvalidInitialisation) {
    aapxs_ump_iterator_t it;
    aapxs_ump_t ump{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_ump_iterator_init_words(&it, nullptr, 0));
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_ump_iterator_init_words(&it, nullptr, 3));
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump)); // left empty
    uint32_t w = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_ump_iterator_init_words(nullptr, &w, 1));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_ump_iterator_init_words(&it, &w, SIZE_MAX / 2));
}

TEST(UmpIterator, IteratesAPortBufferAndRejectsABadHeader) {
    PortBuffer buffer(64);
    buffer.appendRaw({0x40901234u, 0x12345678u, 0x10F80000u});
    aapxs_ump_iterator_t it;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_iterator_init(&it, buffer.data(), buffer.capacity()));
    aapxs_ump_t ump{};
    ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(2u, ump.word_count);
    EXPECT_EQ(0x12345678u, ump.words[1]);
    ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_EQ(0x10F80000u, ump.words[0]);
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump));

    buffer.setRawLength(36); // > capacity - 32
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY,
              aapxs_midi2_buffer_iterator_init(&it, buffer.data(), buffer.capacity()));
    EXPECT_EQ(0, aapxs_ump_iterator_next(&it, &ump));
    buffer.setRawLength(6);
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED,
              aapxs_midi2_buffer_iterator_init(&it, buffer.data(), buffer.capacity()));
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL, aapxs_midi2_buffer_iterator_init(&it, buffer.data(), 31));
}

TEST(UmpIterator, RecognisesParameterChangeSysEx8InBothSizeNibbles) {
    uint32_t written[4];
    aapxs_parameter_sysex8_write(written, 2, 3, 4, 5, 0x1234, 0x80000000u);
    std::vector<uint32_t> words(written, written + 4);
    std::vector<uint32_t> older = words;
    older[0] |= 0x00010000u; // size nibble 0xF as the older implementation writes
    words.insert(words.end(), older.begin(), older.end());
    words.insert(words.end(), {0x501E007Eu, 0x7F000105u, 0, 0}); // AAPXS start, not a parameter change
    aapxs_ump_iterator_t it;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_ump_iterator_init_words(&it, words.data(), words.size()));
    aapxs_ump_t ump{};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump));
        EXPECT_TRUE(aapxs_ump_is_sysex8(&ump));
        EXPECT_TRUE(aapxs_ump_is_parameter_change(&ump));
        uint8_t group = 0, channel = 0, key = 0, extra = 0;
        uint16_t index = 0;
        uint32_t value = 0;
        ASSERT_EQ(1, aapxs_parameter_sysex8_read(ump.words, &group, &channel, &key, &extra, &index, &value));
        EXPECT_EQ(2, group);
        EXPECT_EQ(3, channel);
        EXPECT_EQ(4, key);
        EXPECT_EQ(5, extra);
        EXPECT_EQ(0x1234, index);
        EXPECT_EQ(0x80000000u, value);
    }
    ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &ump));
    EXPECT_TRUE(aapxs_ump_is_sysex8(&ump));
    EXPECT_FALSE(aapxs_ump_is_parameter_change(&ump));
    EXPECT_TRUE(aapxs_sysex8_packet_starts_aapxs(ump.words));
}

TEST(ParameterSysEx8, WriteMasksFieldsAndReadRejectsOtherPackets) {
    uint32_t w[4];
    aapxs_parameter_sysex8_write(w, 0x1F, 0xF3, 0xAB, 0xCD, 0xBEEF, 0xFFFFFFFFu);
    EXPECT_EQ(0x5F0E007Eu, w[0]);
    EXPECT_EQ(0x7F000003u, w[1]);
    EXPECT_EQ(0xABCDBEEFu, w[2]);
    EXPECT_EQ(0xFFFFFFFFu, w[3]);
    uint8_t group = 77;
    uint32_t bad[4] = {0x500D007Eu, 0x7F000003u, 0, 0}; // size nibble 0xD
    EXPECT_EQ(0, aapxs_parameter_sysex8_read(bad, &group, nullptr, nullptr, nullptr, nullptr, nullptr));
    EXPECT_EQ(77, group); // untouched
    uint32_t aapxs[4] = {0x500E007Eu, 0x7F000103u, 0, 0}; // code 00 01 = AAPXS
    EXPECT_EQ(0, aapxs_parameter_sysex8_read(aapxs, &group, nullptr, nullptr, nullptr, nullptr, nullptr));
    uint32_t stream1[4] = {0x500E017Eu, 0x7F000003u, 0, 0};
    EXPECT_EQ(0, aapxs_parameter_sysex8_read(stream1, &group, nullptr, nullptr, nullptr, nullptr, nullptr));
}
