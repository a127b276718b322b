// MIDI2 port buffer: header validation, appends (all or nothing) and AAPXS extraction that
// keeps everything else intact and in order.
#include "wire_test_support.h"

#include <gtest/gtest.h>

using namespace aapxs_test;

namespace {

std::vector<uint32_t> messageWords(const aapxs_message_t& m, uint8_t group) {
    size_t count = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_word_count(&m, &count));
    std::vector<uint32_t> words(count);
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, group, words.data(), words.size(), nullptr));
    return words;
}

} // namespace

TEST(Midi2BufferHeader, LengthIsValidatedOnReadAndWrite) {
    PortBuffer buffer(64);
    size_t length = 99;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_get_length(buffer.data(), 64, &length));
    EXPECT_EQ(0u, length);
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL, aapxs_midi2_buffer_get_length(buffer.data(), 31, &length));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_midi2_buffer_get_length(nullptr, 64, &length));
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_set_length(buffer.data(), 64, 32));
    EXPECT_EQ(32u, buffer.rawLength());
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY, aapxs_midi2_buffer_set_length(buffer.data(), 64, 36));
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED, aapxs_midi2_buffer_set_length(buffer.data(), 64, 2));
    EXPECT_EQ(32u, buffer.rawLength());
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_clear(buffer.data(), 64));
    EXPECT_EQ(0u, buffer.rawLength());
    buffer.setRawLength(UINT32_MAX);
    EXPECT_EQ(AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY, aapxs_midi2_buffer_get_length(buffer.data(), 64, &length));
}

TEST(Midi2BufferHeader, WorksOnAnUnalignedBuffer) {
    std::vector<uint8_t> bytes(32 + 16 + 1);
    void* unaligned = bytes.data() + 1;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_init(unaligned, 48));
    uint32_t ump[2] = {0x40901234u, 0x12345678u};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_ump(unaligned, 48, ump, 2));
    aapxs_ump_iterator_t it;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_iterator_init(&it, unaligned, 48));
    aapxs_ump_t out{};
    ASSERT_EQ(1, aapxs_ump_iterator_next(&it, &out));
    EXPECT_EQ(0x12345678u, out.words[1]);
}

TEST(Midi2BufferAppend, UmpNeedsItsExactSizeAndRoomOrNothingIsWritten) {
    PortBuffer buffer(32 + 12);
    uint32_t note_on[2] = {0x40901234u, 0x12345678u};
    uint32_t sysex8[4] = {0x50010000u, 0, 0, 0};
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), note_on, 1));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), nullptr, 2));
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), note_on, 2));
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), sysex8, 4));
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), note_on, 2));
    EXPECT_EQ((std::vector<uint32_t>{0x40901234u, 0x12345678u}), buffer.words());
    size_t available = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_available_bytes(buffer.data(), buffer.capacity(), &available));
    EXPECT_EQ(4u, available);
}

TEST(Midi2BufferAppend, AapxsMessageThatDoesNotFitLeavesTheBufferUnchanged) {
    PortBuffer buffer(32 + 16 * 5);
    uint32_t clock[1] = {0x10F80000u};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.capacity(), clock, 1));
    std::vector<uint8_t> data(40);
    aapxs_message_t m = makeMessage(3, 1, "", 1, data); // 61 bytes -> 5 packets, 80 bytes; 76 left
    size_t written = 7;
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, &written));
    EXPECT_EQ(7u, written);
    EXPECT_EQ((std::vector<uint32_t>{0x10F80000u}), buffer.words());
    m.data_size = 39; // 60 bytes -> still 5 packets
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, &written));
    m.data_size = 31; // 52 bytes -> 4 packets, 64 bytes
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, &written));
    EXPECT_EQ(16u, written);
    EXPECT_EQ(68u, buffer.rawLength());
}

TEST(Midi2BufferExtract, KeepsParameterChangesOtherStreamsAndForeignSysEx8InOrder) {
    PortBuffer buffer;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_parameter_change(buffer.data(), buffer.capacity(), 0, 1, 2, 3, 4, 5));
    std::vector<uint32_t> expected_left = buffer.words();
    // older writers' parameter change with size nibble 0xF
    std::vector<uint32_t> older(expected_left);
    older[0] |= 0x00010000u;
    buffer.appendRaw(older);
    expected_left.insert(expected_left.end(), older.begin(), older.end());

    std::vector<uint8_t> data(30, 0xAB);
    auto first = messageWords(makeMessage(7, 1, "urn:first", 1, data), 0);
    buffer.appendRaw(first);
    // manufacturer SysEx8 on stream 0 (start ... end), with an AAPXS message on stream 1 inside
    std::vector<uint32_t> foreign = {0x511E0043u, 0x01020304u, 0x05060708u, 0x090A0B0Cu,
                                     0x51320044u, 0, 0, 0};
    auto on_stream1 = std::vector<uint32_t>{0x510E017Eu, 0x7F000105u, 0, 0}; // looks like AAPXS, stream 1
    buffer.appendRaw({foreign.begin(), foreign.begin() + 4});
    buffer.appendRaw(on_stream1);
    buffer.appendRaw({foreign.begin() + 4, foreign.end()});
    expected_left.insert(expected_left.end(), foreign.begin(), foreign.begin() + 4);
    expected_left.insert(expected_left.end(), on_stream1.begin(), on_stream1.end());
    expected_left.insert(expected_left.end(), foreign.begin() + 4, foreign.end());
    auto second = messageWords(makeMessage(0, 2, "urn:second", -3, {}), 1);
    buffer.appendRaw(second);
    // an orphan continue packet on stream 0: kept (may continue a foreign message of an earlier cycle)
    std::vector<uint32_t> orphan = {0x502E0011u, 0x22334455u, 0, 0};
    buffer.appendRaw(orphan);
    expected_left.insert(expected_left.end(), orphan.begin(), orphan.end());

    Reassembler reassembler;
    std::vector<Extracted> got;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               collectExtracted, &got, &summary));
    EXPECT_EQ(expected_left, buffer.words());
    ASSERT_EQ(2u, got.size());
    EXPECT_EQ("urn:first", got[0].uri);
    EXPECT_EQ(data, got[0].data);
    EXPECT_EQ("urn:second", got[1].uri);
    EXPECT_EQ(1, got[1].group);
    EXPECT_EQ(-3, got[1].opcode);
    EXPECT_EQ(2u, summary.messages);
    EXPECT_EQ(0u, summary.malformed);
    EXPECT_EQ(first.size() + second.size(), summary.removed_words);
    EXPECT_EQ(0, summary.truncated_tail);
}

TEST(Midi2BufferExtract, NullCallbackJustStrips) {
    PortBuffer buffer;
    buffer.appendRaw(workedExampleWords());
    buffer.appendRaw({0x20903C40u});
    Reassembler reassembler;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               nullptr, nullptr, &summary));
    EXPECT_EQ((std::vector<uint32_t>{0x20903C40u}), buffer.words());
    EXPECT_EQ(1u, summary.messages);
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT,
              aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), nullptr, nullptr, nullptr, nullptr));
}

TEST(Midi2BufferExtract, KeepsATruncatedTrailingUmpAsItIs) {
    PortBuffer buffer;
    buffer.appendRaw(workedExampleWords());
    buffer.appendRaw({0x40901234u}); // a 2-word type, only 1 word present
    Reassembler reassembler;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               nullptr, nullptr, &summary));
    EXPECT_EQ((std::vector<uint32_t>{0x40901234u}), buffer.words());
    EXPECT_EQ(1, summary.truncated_tail);
}

TEST(Midi2BufferExtractInto, FillsTheArrayAndCopiesIntoTheArena) {
    PortBuffer buffer;
    std::vector<uint8_t> data = {1, 2, 3};
    for (uint32_t id = 0; id < 3; id++) {
        aapxs_message_t m = makeMessage(0, id, "urn:ext/v" + std::to_string(id), static_cast<int32_t>(id), data);
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, nullptr));
    }
    buffer.appendRaw({0x501E007Eu, 0x7F000105u, 0, 0}); // truncated AAPXS: reported malformed
    Reassembler reassembler;
    aapxs_extracted_message_t items[8];
    uint8_t arena[256];
    size_t count = 0;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs_into(buffer.data(), buffer.capacity(), reassembler.get(),
                                                                    items, 8, &count, arena, sizeof(arena), &summary));
    ASSERT_EQ(4u, count);
    for (uint32_t id = 0; id < 3; id++) {
        EXPECT_EQ(AAPXS_CODEC_OK, items[id].error);
        EXPECT_EQ(id, items[id].message.request_id);
        EXPECT_STREQ(("urn:ext/v" + std::to_string(id)).c_str(), items[id].message.uri);
        EXPECT_EQ(data, std::vector<uint8_t>(items[id].message.data, items[id].message.data + 3));
        EXPECT_GE(static_cast<const void*>(items[id].message.uri), static_cast<const void*>(arena));
        EXPECT_LT(static_cast<const void*>(items[id].message.uri), static_cast<const void*>(arena + sizeof(arena)));
    }
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED, items[3].error);
    EXPECT_EQ(3u, summary.messages);
    EXPECT_EQ(1u, summary.malformed);
    EXPECT_EQ(0u, summary.dropped);
    EXPECT_EQ(0u, buffer.rawLength());
}

TEST(Midi2BufferExtractInto, CountsWhatDoesNotFitTheArrayOrArenaAsDroppedButStillStrips) {
    PortBuffer buffer;
    std::vector<uint8_t> data(20);
    for (uint32_t id = 0; id < 4; id++) {
        aapxs_message_t m = makeMessage(0, id, "urn:x", 0, data);
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 0, &m, nullptr));
    }
    Reassembler reassembler;
    aapxs_extracted_message_t items[3];
    uint8_t arena[2 * 26 + 10]; // two messages fit (6 + 20 bytes each)
    size_t count = 0;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs_into(buffer.data(), buffer.capacity(), reassembler.get(),
                                                                    items, 3, &count, arena, sizeof(arena), &summary));
    EXPECT_EQ(2u, count);
    EXPECT_EQ(2u, summary.dropped);
    EXPECT_EQ(0u, buffer.rawLength());
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT,
              aapxs_midi2_buffer_extract_aapxs_into(buffer.data(), buffer.capacity(), reassembler.get(), nullptr, 3,
                                                    &count, arena, sizeof(arena), &summary));
}

TEST(Midi2BufferExtract, ParameterChangeBetweenThePacketsOfAnAapxsMessageIsKeptAndTheMessageSurvives) {
    PortBuffer buffer;
    const auto& words = workedExampleWords();
    uint32_t parameter[4];
    aapxs_parameter_sysex8_write(parameter, 0, 0, 0, 0, 3, 0x12345678u); // same group, stream 0
    buffer.appendRaw({words.begin(), words.begin() + 8});
    buffer.appendRaw({parameter, parameter + 4});
    buffer.appendRaw({words.begin() + 8, words.end()});
    Reassembler reassembler;
    std::vector<Extracted> got;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               collectExtracted, &got, nullptr));
    EXPECT_EQ(std::vector<uint32_t>(parameter, parameter + 4), buffer.words());
    ASSERT_EQ(1u, got.size());
    EXPECT_EQ(AAPXS_CODEC_OK, got[0].error);
    EXPECT_EQ(stateUri(), got[0].uri);
}

TEST(Midi2BufferExtract, ForeignStartOnTheSameStreamCutsOffAnUnfinishedAapxsMessage) {
    PortBuffer buffer;
    const auto& words = workedExampleWords();
    std::vector<uint32_t> foreign = {0x501E0043u, 1, 2, 3, 0x50320044u, 0, 0, 0};
    buffer.appendRaw({words.begin(), words.begin() + 8});
    buffer.appendRaw(foreign);
    buffer.appendRaw({words.begin() + 8, words.end()}); // now orphans of a dropped message
    Reassembler reassembler;
    std::vector<Extracted> got;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               collectExtracted, &got, nullptr));
    ASSERT_EQ(1u, got.size());
    EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END, got[0].error);
    std::vector<uint32_t> expected = foreign;
    expected.insert(expected.end(), words.begin() + 8, words.end());
    EXPECT_EQ(expected, buffer.words()); // the foreign message and the orphan packets stay
}
