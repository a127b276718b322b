// docs/spec/wire.md section 4: the worked example and the two extra vectors, in both directions,
// word for word: generate into a word array and into a port buffer, and parse them back.
#include "wire_test_support.h"

#include <gtest/gtest.h>

using namespace aapxs_test;

namespace {

struct Vector {
    const char* name;
    uint8_t group;
    uint8_t urid;
    uint32_t request_id;
    std::string uri;
    int32_t opcode;
    std::vector<uint8_t> data;
    std::vector<uint32_t> words;
    size_t payload_size;
};

std::vector<Vector> vectors() {
    return {
        {"worked_example", 0, 5, 1, stateUri(), 2, {1, 2, 3}, workedExampleWords(), 72},
        {"urid_only_reply", 3, 4, 0x12345678, "", -1, {}, uridOnlyReplyWords(), 21},
        {"exact_multiple_of_13", 0, 0, 2, "urn:x/v1", 7, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, exactMultipleWords(), 39},
    };
}

} // namespace

TEST(WireVectors, SizesMatchTheSpec) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        aapxs_message_t m = makeMessage(v.urid, v.request_id, v.uri, v.opcode, v.data);
        size_t payload = 0, packets = 0, words = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_validate(&m, &payload));
        EXPECT_EQ(v.payload_size, payload);
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_packet_count(&m, &packets));
        EXPECT_EQ(v.words.size() / 4, packets);
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_word_count(&m, &words));
        EXPECT_EQ(v.words.size(), words);
    }
}

TEST(WireVectors, GenerateWordForWord) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        aapxs_message_t m = makeMessage(v.urid, v.request_id, v.uri, v.opcode, v.data);
        std::vector<uint32_t> out(v.words.size() + 4, 0xDEADBEEF);
        size_t written = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, v.group, out.data(), out.size(), &written));
        ASSERT_EQ(v.words.size(), written);
        EXPECT_EQ(v.words, std::vector<uint32_t>(out.begin(), out.begin() + static_cast<long>(written)));
        // nothing written past the message
        for (size_t i = written; i < out.size(); i++)
            EXPECT_EQ(0xDEADBEEFu, out[i]);
    }
}

TEST(WireVectors, GenerateWithExactCapacityAndRefuseOneWordLess) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        aapxs_message_t m = makeMessage(v.urid, v.request_id, v.uri, v.opcode, v.data);
        std::vector<uint32_t> out(v.words.size(), 0xDEADBEEF);
        size_t written = 12345;
        EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_message_write_words(&m, v.group, out.data(), out.size() - 1, &written));
        EXPECT_EQ(12345u, written);
        for (uint32_t w : out)
            EXPECT_EQ(0xDEADBEEFu, w); // all or nothing
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, v.group, out.data(), out.size(), &written));
        EXPECT_EQ(v.words, out);
    }
}

TEST(WireVectors, AppendToPortBufferWordForWord) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        PortBuffer buffer(32 + v.words.size() * 4); // exactly enough
        aapxs_message_t m = makeMessage(v.urid, v.request_id, v.uri, v.opcode, v.data);
        size_t written = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), v.group, &m, &written));
        EXPECT_EQ(v.words.size(), written);
        EXPECT_EQ(v.words.size() * 4, buffer.rawLength());
        EXPECT_EQ(v.words, buffer.words());
        // a second one does not fit: refused, buffer unchanged
        EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), v.group, &m, &written));
        EXPECT_EQ(v.words, buffer.words());
    }
}

TEST(WireVectors, PayloadBytesMatchTheLayout) {
    const auto v = vectors()[0];
    aapxs_message_t m = makeMessage(v.urid, v.request_id, v.uri, v.opcode, v.data);
    std::vector<uint8_t> payload(72);
    size_t written = 0;
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_payload(&m, payload.data(), payload.size(), &written));
    ASSERT_EQ(72u, written);
    const uint8_t head[13] = {0x7E, 0x7F, 0x00, 0x01, 5, 1, 0, 0, 0, 48, 0, 0, 0};
    EXPECT_EQ(0, std::memcmp(payload.data(), head, 13));
    EXPECT_EQ(stateUri(), std::string(reinterpret_cast<const char*>(payload.data() + 13), 48));
    const uint8_t tail[11] = {2, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3};
    EXPECT_EQ(0, std::memcmp(payload.data() + 61, tail, 11));
    EXPECT_EQ(AAPXS_CODEC_ERROR_NO_SPACE, aapxs_message_write_payload(&m, payload.data(), 71, &written));
}

TEST(WireVectors, ParseWordsIntoView) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        std::vector<uint8_t> scratch(v.payload_size);
        aapxs_message_t view{};
        size_t consumed = 0;
        uint8_t group = 99;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_read_words(v.words.data(), v.words.size(), scratch.data(),
                                                           scratch.size(), &view, &consumed, &group));
        EXPECT_EQ(v.words.size(), consumed);
        EXPECT_EQ(v.group, group);
        EXPECT_EQ(v.urid, view.urid);
        EXPECT_EQ(v.request_id, view.request_id);
        EXPECT_EQ(v.uri, std::string(view.uri ? view.uri : "", view.uri_size));
        EXPECT_EQ(v.opcode, view.opcode);
        EXPECT_EQ(v.data, std::vector<uint8_t>(view.data, view.data + view.data_size));
        // zero copy: the view points into the scratch payload
        if (view.uri_size) {
            EXPECT_EQ(static_cast<const void*>(scratch.data() + 13), static_cast<const void*>(view.uri));
        }
        // one byte less of scratch is an error, not a truncated success
        EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE,
                  aapxs_message_read_words(v.words.data(), v.words.size(), scratch.data(), scratch.size() - 1,
                                           &view, &consumed, &group));
    }
}

TEST(WireVectors, ParseIntoCallerStorage) {
    for (const auto& v : vectors()) {
        SCOPED_TRACE(v.name);
        std::vector<uint8_t> payload(v.payload_size);
        size_t size = 0, consumed = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_read_message(v.words.data(), v.words.size(), payload.data(),
                                                            payload.size(), &size, &consumed, nullptr, nullptr));
        ASSERT_EQ(v.payload_size, size);
        char uri[64];
        uint8_t data[16];
        aapxs_message_storage_t storage{uri, sizeof(uri), data, sizeof(data)};
        aapxs_message_t m{};
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse_copy(payload.data(), size, &storage, &m));
        EXPECT_EQ(v.urid, m.urid);
        EXPECT_EQ(v.request_id, m.request_id);
        EXPECT_EQ(v.opcode, m.opcode);
        EXPECT_EQ(v.uri.size(), m.uri_size);
        if (!v.uri.empty()) {
            EXPECT_EQ(static_cast<const char*>(uri), m.uri);
            EXPECT_STREQ(v.uri.c_str(), m.uri); // NUL-terminated copy
        }
        EXPECT_EQ(v.data, std::vector<uint8_t>(m.data, m.data + m.data_size));
    }
}

TEST(WireVectors, ExtractFromPortBufferReportsEachVector) {
    PortBuffer buffer;
    for (const auto& v : vectors())
        buffer.appendRaw(v.words);
    Reassembler reassembler;
    std::vector<Extracted> got;
    aapxs_extract_summary_t summary{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                               collectExtracted, &got, &summary));
    ASSERT_EQ(3u, got.size());
    EXPECT_EQ(3u, summary.messages);
    EXPECT_EQ(0u, summary.malformed);
    EXPECT_EQ(0u, buffer.rawLength());
    const auto expected = vectors();
    for (size_t i = 0; i < 3; i++) {
        SCOPED_TRACE(expected[i].name);
        EXPECT_EQ(AAPXS_CODEC_OK, got[i].error);
        EXPECT_EQ(expected[i].group, got[i].group);
        EXPECT_EQ(expected[i].urid, got[i].urid);
        EXPECT_EQ(expected[i].request_id, got[i].request_id);
        EXPECT_EQ(expected[i].uri, got[i].uri);
        EXPECT_EQ(expected[i].opcode, got[i].opcode);
        EXPECT_EQ(expected[i].data, got[i].data);
    }
}
