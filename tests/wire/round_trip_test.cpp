// Property test: many random buffers (seeded, deterministic) mixing AAPXS messages with random
// non-SysEx8 UMPs of every other type and parameter changes, sometimes interleaved between the
// packets of a message. Extraction must report exactly the AAPXS messages written, in order,
// and leave every other word intact and in order.
#include "wire_test_support.h"

#include <gtest/gtest.h>

#include <random>

using namespace aapxs_test;

namespace {

constexpr size_t kSlotCapacity = 2048; // reassembly storage per slot; larger messages must be reported

struct Written {
    bool fits;  // N <= kSlotCapacity
    uint8_t group;
    uint8_t urid;
    uint32_t request_id;
    std::string uri;
    int32_t opcode;
    std::vector<uint8_t> data;
};

class Generator {
public:
    explicit Generator(uint32_t seed) : rng_(seed) {}
    uint32_t u32() { return static_cast<uint32_t>(rng_()); }
    size_t upTo(size_t max) { return std::uniform_int_distribution<size_t>(0, max)(rng_); }
    bool chance(int percent) { return upTo(99) < static_cast<size_t>(percent); }

    // a random UMP that is not SysEx8 (type 5), or a parameter change
    std::vector<uint32_t> otherUmp() {
        if (chance(10)) {
            uint32_t w[4];
            aapxs_parameter_sysex8_write(w, static_cast<uint8_t>(upTo(15)), static_cast<uint8_t>(upTo(15)),
                                         static_cast<uint8_t>(u32()), static_cast<uint8_t>(u32()),
                                         static_cast<uint16_t>(u32()), u32());
            if (chance(50))
                w[0] |= 0x00010000u; // the older writers' size nibble 0xF
            return {w, w + 4};
        }
        uint32_t type;
        do {
            type = static_cast<uint32_t>(upTo(15));
        } while (type == 5);
        std::vector<uint32_t> words(aapxs_ump_message_words(type << 28));
        for (auto& w : words)
            w = u32();
        words[0] = (words[0] & 0x0FFFFFFFu) | (type << 28);
        return words;
    }

    Written message() {
        Written w{};
        w.group = static_cast<uint8_t>(upTo(15));
        w.urid = static_cast<uint8_t>(upTo(255));
        w.request_id = u32();
        size_t uri_size = upTo(1024);
        if (w.urid == 0 && uri_size == 0)
            uri_size = 1;
        if (w.urid != 0 && chance(30))
            uri_size = 0; // URID-only
        for (size_t i = 0; i < uri_size; i++)
            w.uri.push_back(static_cast<char>(' ' + upTo(94)));
        w.opcode = static_cast<int32_t>(u32());
        // data up to (and a little past) what the reader can hold
        size_t room = kSlotCapacity - 21 - std::min(uri_size, kSlotCapacity - 21);
        size_t data_size = chance(10) ? room + 1 + upTo(64) : upTo(room);
        w.data.resize(data_size);
        for (auto& b : w.data)
            b = static_cast<uint8_t>(u32());
        w.fits = 21 + uri_size + data_size <= kSlotCapacity;
        return w;
    }

private:
    std::mt19937 rng_;
};

} // namespace

TEST(RoundTrip, RandomBuffersStripExactlyTheAapxsMessagesAndKeepEverythingElseInOrder) {
    Generator gen(20240601u);
    size_t total_messages = 0, total_too_large = 0, total_other = 0;
    for (int iteration = 0; iteration < 300; iteration++) {
        PortBuffer buffer(64 * 1024);
        std::vector<Written> written;
        std::vector<uint32_t> expected_left;
        size_t message_count = gen.upTo(6);
        auto addOther = [&] {
            auto ump = gen.otherUmp();
            buffer.appendRaw(ump);
            expected_left.insert(expected_left.end(), ump.begin(), ump.end());
            total_other++;
        };
        for (size_t i = 0; i < message_count; i++) {
            while (gen.chance(40))
                addOther();
            Written w = gen.message();
            aapxs_message_t m = makeMessage(w.urid, w.request_id, w.uri, w.opcode, w.data);
            size_t count = 0;
            ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_word_count(&m, &count));
            std::vector<uint32_t> words(count);
            ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, w.group, words.data(), count, nullptr));
            if (gen.chance(30)) {
                // other UMPs between the packets (legal in a UMP stream)
                for (size_t p = 0; p < count; p += 4) {
                    buffer.appendRaw({words.begin() + static_cast<long>(p), words.begin() + static_cast<long>(p + 4)});
                    if (gen.chance(30))
                        addOther();
                }
            } else if (gen.chance(50)) {
                ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_aapxs(buffer.data(), buffer.capacity(), w.group, &m, nullptr));
            } else {
                buffer.appendRaw(words);
            }
            written.push_back(w);
        }
        while (gen.chance(40))
            addOther();

        Reassembler reassembler(2, kSlotCapacity);
        std::vector<Extracted> got;
        aapxs_extract_summary_t summary{};
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.capacity(), reassembler.get(),
                                                                   collectExtracted, &got, &summary));
        ASSERT_EQ(expected_left, buffer.words()) << "iteration " << iteration;
        ASSERT_EQ(written.size(), got.size()) << "iteration " << iteration;
        for (size_t i = 0; i < written.size(); i++) {
            SCOPED_TRACE(::testing::Message() << "iteration " << iteration << " message " << i);
            const auto& w = written[i];
            const auto& g = got[i];
            if (!w.fits) {
                EXPECT_EQ(AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE, g.error);
                total_too_large++;
                continue;
            }
            ASSERT_EQ(AAPXS_CODEC_OK, g.error) << aapxs_codec_error_string(g.error);
            EXPECT_EQ(w.group, g.group);
            EXPECT_EQ(w.urid, g.urid);
            EXPECT_EQ(w.request_id, g.request_id);
            EXPECT_EQ(w.uri, g.uri);
            EXPECT_EQ(w.opcode, g.opcode);
            EXPECT_EQ(w.data, g.data);
            total_messages++;
        }
        EXPECT_EQ(0, summary.truncated_tail);
    }
    // the generator really exercised every path
    EXPECT_GT(total_messages, 400u);
    EXPECT_GT(total_too_large, 10u);
    EXPECT_GT(total_other, 400u);
}

TEST(RoundTrip, RandomMessagesParseIntoStorageOfExactAndTooSmallCapacity) {
    Generator gen(7u);
    std::vector<uint8_t> payload(kSlotCapacity + 128);
    for (int iteration = 0; iteration < 500; iteration++) {
        Written w = gen.message();
        aapxs_message_t m = makeMessage(w.urid, w.request_id, w.uri, w.opcode, w.data);
        size_t size = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_payload(&m, payload.data(), payload.size(), &size));
        std::vector<char> uri(w.uri.size() + 1);
        std::vector<uint8_t> data(w.data.size() + 1);
        aapxs_message_storage_t exact{uri.data(), w.uri.empty() ? 0 : w.uri.size() + 1, data.data(), w.data.size()};
        aapxs_message_t out{};
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_parse_copy(payload.data(), size, &exact, &out));
        EXPECT_EQ(w.uri, std::string(out.uri ? out.uri : "", out.uri_size));
        EXPECT_EQ(w.data, std::vector<uint8_t>(out.data, out.data + out.data_size));
        if (!w.uri.empty()) {
            aapxs_message_storage_t short_uri{uri.data(), w.uri.size(), data.data(), w.data.size()};
            EXPECT_EQ(AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), size, &short_uri, &out));
        }
        if (!w.data.empty()) {
            aapxs_message_storage_t short_data{uri.data(), uri.size(), data.data(), w.data.size() - 1};
            EXPECT_EQ(AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER, aapxs_message_parse_copy(payload.data(), size, &short_data, &out));
        }
        // every strict prefix of a valid payload is rejected, never parsed
        size_t cut = gen.upTo(size - 1);
        aapxs_message_t view{};
        EXPECT_NE(AAPXS_CODEC_OK, aapxs_message_parse(payload.data(), cut, &view)) << cut;
    }
}
