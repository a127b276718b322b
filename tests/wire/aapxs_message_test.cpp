// AAPXS message sizes, generation and parsing (docs/spec/wire.md section 3) beyond the test vectors.
#include "wire_test_support.h"

#include <gtest/gtest.h>

#include <climits>

using namespace aapxs_test;

TEST(AapxsMessageValidate, RejectsNullPointersWithSizesAndMissingExtension) {
    std::vector<uint8_t> data = {1};
    aapxs_message_t m = makeMessage(1, 0, "", 0, data);
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_validate(&m, nullptr));
    m.uri_size = 3; // with uri == nullptr
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_validate(&m, nullptr));
    m.uri_size = 0;
    m.data = nullptr;
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_validate(&m, nullptr));
    m.data_size = 0;
    m.urid = 0;
    EXPECT_EQ(AAPXS_CODEC_ERROR_MISSING_EXTENSION, aapxs_message_validate(&m, nullptr));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_validate(nullptr, nullptr));
}

TEST(AapxsMessageValidate, LengthsBeyondUint32AreSizeOverflow) {
    size_t size = 0;
    EXPECT_EQ(AAPXS_CODEC_OK, aapxs_message_payload_size(UINT32_MAX, 0, &size));
    if (SIZE_MAX > UINT32_MAX) {
        EXPECT_EQ(AAPXS_CODEC_ERROR_SIZE_OVERFLOW, aapxs_message_payload_size(size_t{UINT32_MAX} + 1, 0, &size));
        EXPECT_EQ(AAPXS_CODEC_ERROR_SIZE_OVERFLOW, aapxs_message_payload_size(0, size_t{UINT32_MAX} + 1, &size));
    } else {
        EXPECT_EQ(AAPXS_CODEC_ERROR_SIZE_OVERFLOW, aapxs_message_payload_size(UINT32_MAX, UINT32_MAX, &size));
    }
    static const char uri[] = "u";
    aapxs_message_t m{};
    m.uri = uri;
    m.uri_size = SIZE_MAX; // a lie the writer must catch before touching memory
    std::vector<uint32_t> words(64);
    EXPECT_EQ(AAPXS_CODEC_ERROR_SIZE_OVERFLOW, aapxs_message_write_words(&m, 0, words.data(), words.size(), nullptr));
}

TEST(AapxsMessageWrite, RejectsGroupAbove15AndNullOutput) {
    aapxs_message_t m = makeMessage(1, 0, "", 0, {});
    std::vector<uint32_t> words(8);
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_write_words(&m, 16, words.data(), 8, nullptr));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_write_words(&m, 0, nullptr, 8, nullptr));
    PortBuffer buffer;
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), 16, &m, nullptr));
    EXPECT_EQ(0u, buffer.rawLength());
}

TEST(AapxsMessageRoundTrip, OpcodeAndRequestIdExtremesSurvive) {
    for (int32_t opcode : {INT32_MIN, -2, -1, 0, 1, INT32_MAX}) {
        for (uint32_t request_id : {0u, 1u, 0x80000000u, UINT32_MAX}) {
            aapxs_message_t m = makeMessage(255, request_id, "urn:a", opcode, {9});
            std::vector<uint8_t> payload(27);
            ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_payload(&m, payload.data(), payload.size(), nullptr));
            aapxs_message_t view{};
            ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse(payload.data(), payload.size(), &view));
            EXPECT_EQ(opcode, view.opcode);
            EXPECT_EQ(request_id, view.request_id);
            EXPECT_EQ(255, view.urid);
        }
    }
}

TEST(AapxsMessageParseCopy, NeedsRoomForTheUriAndItsNulAndForTheData) {
    std::vector<uint8_t> data = {1, 2, 3, 4};
    aapxs_message_t m = makeMessage(0, 7, "urn:abc", 3, data);
    std::vector<uint8_t> payload(21 + 7 + 4);
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_payload(&m, payload.data(), payload.size(), nullptr));

    char uri[8];
    uint8_t out_data[4];
    std::memset(uri, 'x', sizeof(uri));
    std::memset(out_data, 0xEE, sizeof(out_data));
    aapxs_message_t out{};
    out.request_id = 12345;
    aapxs_message_storage_t too_small_uri{uri, 7, out_data, 4};
    EXPECT_EQ(AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), payload.size(), &too_small_uri, &out));
    aapxs_message_storage_t too_small_data{uri, 8, out_data, 3};
    EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), payload.size(), &too_small_data, &out));
    // all or nothing: buffers and output untouched
    for (char c : uri)
        EXPECT_EQ('x', c);
    for (uint8_t b : out_data)
        EXPECT_EQ(0xEE, b);
    EXPECT_EQ(12345u, out.request_id);

    aapxs_message_storage_t exact{uri, 8, out_data, 4};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse_copy(payload.data(), payload.size(), &exact, &out));
    EXPECT_STREQ("urn:abc", out.uri);
    EXPECT_EQ(data, std::vector<uint8_t>(out.data, out.data + out.data_size));
    EXPECT_EQ(7u, out.request_id);
    EXPECT_EQ(3, out.opcode);
}

TEST(AapxsMessageParseCopy, UridOnlyMessageNeedsNoUriBuffer) {
    aapxs_message_t m = makeMessage(9, 1, "", -5, {});
    std::vector<uint8_t> payload(21);
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_payload(&m, payload.data(), payload.size(), nullptr));
    aapxs_message_storage_t none{nullptr, 0, nullptr, 0};
    aapxs_message_t out{};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse_copy(payload.data(), payload.size(), &none, &out));
    EXPECT_EQ(9, out.urid);
    EXPECT_EQ(nullptr, out.uri);
    EXPECT_EQ(0u, out.uri_size);
    EXPECT_EQ(nullptr, out.data);
    // with a URI buffer, it holds an empty string
    char uri[1] = {'x'};
    aapxs_message_storage_t with_uri{uri, 1, nullptr, 0};
    ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse_copy(payload.data(), payload.size(), &with_uri, &out));
    EXPECT_STREQ("", out.uri);
}

TEST(AapxsMessageParse, RejectsNullArguments) {
    aapxs_message_t view{};
    uint8_t byte = 0x7E;
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_parse(nullptr, 21, &view));
    EXPECT_EQ(AAPXS_CODEC_ERROR_INVALID_ARGUMENT, aapxs_message_parse(&byte, 1, nullptr));
    EXPECT_EQ(AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT, aapxs_message_parse(nullptr, 0, &view));
}

TEST(AapxsPacketStartsAapxs, ClassifiesByStreamStatusSizeAndPrefix) {
    uint32_t start[4] = {0x501E007Eu, 0x7F000105u, 0, 0};
    EXPECT_TRUE(aapxs_sysex8_packet_starts_aapxs(start));
    uint32_t complete[4] = {0x500E007Eu, 0x7F000105u, 0, 0};
    EXPECT_TRUE(aapxs_sysex8_packet_starts_aapxs(complete));
    uint32_t continue_packet[4] = {0x502E007Eu, 0x7F000105u, 0, 0};
    EXPECT_FALSE(aapxs_sysex8_packet_starts_aapxs(continue_packet));
    uint32_t stream1[4] = {0x501E017Eu, 0x7F000105u, 0, 0};
    EXPECT_FALSE(aapxs_sysex8_packet_starts_aapxs(stream1));
    uint32_t parameter[4] = {0x500E007Eu, 0x7F000003u, 0, 0};
    EXPECT_FALSE(aapxs_sysex8_packet_starts_aapxs(parameter));
    uint32_t declared_too_short[4] = {0x5014007Eu, 0x7F000105u, 0, 0};
    EXPECT_FALSE(aapxs_sysex8_packet_starts_aapxs(declared_too_short));
    uint32_t bad_size_zero[4] = {0x5010007Eu, 0x7F000105u, 0, 0};
    EXPECT_TRUE(aapxs_sysex8_packet_starts_aapxs(bad_size_zero));
    uint32_t manufacturer[4] = {0x501E0043u, 0x12345678u, 0, 0};
    EXPECT_FALSE(aapxs_sysex8_packet_starts_aapxs(manufacturer));
}
