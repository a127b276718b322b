// The test vectors printed in docs/spec/wire.md, read from the document itself and checked
// against the codec (include/aapxs) in both directions: the fields must encode to exactly the
// printed words, and the printed words must decode to exactly the fields. So a reader can trust
// every vector of the page, and the page cannot drift from the code.
//
// A vector is a fenced code block of the page whose first line is `vector <name>`,
// `parameter-change <name>` or `strip <name>`, followed by `key value` lines; a line that starts
// with white space continues the previous key. The page documents the keys next to the blocks.
#include <aapxs/codec.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Block {
    std::string kind;
    std::string name;
    std::map<std::string, std::string> fields;
    std::size_t line = 0;
};

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos)
        return "";
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<Block> readBlocks() {
    std::ifstream in(std::string(AAP_SOURCE_DIR) + "/docs/spec/wire.md");
    if (!in)
        throw std::runtime_error("cannot open docs/spec/wire.md");
    std::vector<Block> blocks;
    std::string line, lastKey;
    bool inFence = false, inVector = false;
    std::size_t lineNumber = 0;
    while (std::getline(in, line)) {
        lineNumber++;
        if (line.rfind("```", 0) == 0) {
            inFence = !inFence;
            inVector = false;
            continue;
        }
        if (!inFence)
            continue;
        if (!inVector) {
            std::istringstream head(line);
            std::string kind, name;
            head >> kind >> name;
            if ((kind == "vector" || kind == "parameter-change" || kind == "strip") && !name.empty()) {
                blocks.push_back({kind, name, {}, lineNumber});
                inVector = true;
                lastKey.clear();
            } else {
                inFence = true; // an ordinary code block: skip to its end
            }
            continue;
        }
        if (trim(line).empty())
            continue;
        if (line[0] == ' ' || line[0] == '\t') {
            if (lastKey.empty())
                throw std::runtime_error("docs/spec/wire.md:" + std::to_string(lineNumber) + ": continuation without a key");
            blocks.back().fields[lastKey] += " " + trim(line);
            continue;
        }
        const auto space = line.find_first_of(" \t");
        lastKey = line.substr(0, space);
        blocks.back().fields[lastKey] = space == std::string::npos ? "" : trim(line.substr(space));
    }
    return blocks;
}

const std::string& field(const Block& b, const std::string& key) {
    auto it = b.fields.find(key);
    if (it == b.fields.end())
        throw std::runtime_error("vector " + b.name + " (line " + std::to_string(b.line) + ") has no `" + key + "`");
    return it->second;
}

long long number(const Block& b, const std::string& key) {
    return std::stoll(field(b, key), nullptr, 0);
}

std::vector<uint32_t> words(const Block& b, const std::string& key) {
    std::istringstream in(field(b, key));
    std::vector<uint32_t> result;
    std::string token;
    while (in >> token)
        result.push_back(static_cast<uint32_t>(std::stoul(token, nullptr, 16)));
    return result;
}

std::vector<uint8_t> bytes(const Block& b, const std::string& key) {
    std::istringstream in(field(b, key));
    std::vector<uint8_t> result;
    std::string token;
    while (in >> token)
        if (token != "-")
            result.push_back(static_cast<uint8_t>(std::stoul(token, nullptr, 16)));
    return result;
}

std::string uri(const Block& b) {
    const std::string& u = field(b, "uri");
    return u == "-" ? std::string() : u;
}

std::vector<Block> blocksOf(const std::string& kind) {
    std::vector<Block> result;
    for (auto& b : readBlocks())
        if (b.kind == kind)
            result.push_back(b);
    return result;
}

} // namespace

TEST(WireDocVectors, ThePageHasItsVectors) {
    // The worked example, the URID-only reply, the exact multiple of 13 and the error reply; at
    // least one parameter change and one stripped buffer.
    EXPECT_GE(blocksOf("vector").size(), 4u);
    EXPECT_GE(blocksOf("parameter-change").size(), 1u);
    EXPECT_GE(blocksOf("strip").size(), 1u);
}

TEST(WireDocVectors, AapxsMessagesEncodeToThePrintedWords) {
    for (const auto& b : blocksOf("vector")) {
        SCOPED_TRACE("vector " + b.name + " at docs/spec/wire.md:" + std::to_string(b.line));
        const std::string u = uri(b);
        const std::vector<uint8_t> data = bytes(b, "data");
        aapxs_message_t m{};
        m.urid = static_cast<uint8_t>(number(b, "urid"));
        m.request_id = static_cast<uint32_t>(number(b, "request-id"));
        m.uri = u.empty() ? nullptr : u.data();
        m.uri_size = u.size();
        m.opcode = static_cast<int32_t>(number(b, "opcode"));
        m.data = data.empty() ? nullptr : data.data();
        m.data_size = data.size();
        size_t payload = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_validate(&m, &payload));
        EXPECT_EQ(static_cast<size_t>(number(b, "payload-bytes")), payload);
        const std::vector<uint32_t> expected = words(b, "words");
        std::vector<uint32_t> out(expected.size() + 4, 0);
        size_t written = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_message_write_words(&m, static_cast<uint8_t>(number(b, "group")), out.data(),
                                                            out.size(), &written));
        out.resize(written);
        EXPECT_EQ(expected, out);
    }
}

TEST(WireDocVectors, ThePrintedWordsDecodeToTheFields) {
    for (const auto& b : blocksOf("vector")) {
        SCOPED_TRACE("vector " + b.name + " at docs/spec/wire.md:" + std::to_string(b.line));
        const std::vector<uint32_t> w = words(b, "words");
        std::vector<uint8_t> scratch(8192);
        aapxs_message_t view{};
        size_t consumed = 0;
        uint8_t group = 0xFF;
        ASSERT_EQ(AAPXS_CODEC_OK,
                  aapxs_message_read_words(w.data(), w.size(), scratch.data(), scratch.size(), &view, &consumed, &group));
        EXPECT_EQ(w.size(), consumed);
        EXPECT_EQ(number(b, "group"), group);
        EXPECT_EQ(number(b, "urid"), view.urid);
        EXPECT_EQ(number(b, "request-id"), view.request_id);
        EXPECT_EQ(uri(b), std::string(view.uri ? view.uri : "", view.uri_size));
        EXPECT_EQ(number(b, "opcode"), view.opcode);
        EXPECT_EQ(bytes(b, "data"), std::vector<uint8_t>(view.data, view.data + view.data_size));
    }
}

TEST(WireDocVectors, ParameterChangesMatchThePrintedWords) {
    for (const auto& b : blocksOf("parameter-change")) {
        SCOPED_TRACE("parameter-change " + b.name + " at docs/spec/wire.md:" + std::to_string(b.line));
        const std::vector<uint32_t> expected = words(b, "words");
        ASSERT_EQ(4u, expected.size());
        uint32_t out[4] = {};
        aapxs_parameter_sysex8_write(out, static_cast<uint8_t>(number(b, "group")),
                                     static_cast<uint8_t>(number(b, "channel")), static_cast<uint8_t>(number(b, "key")),
                                     static_cast<uint8_t>(number(b, "extra")), static_cast<uint16_t>(number(b, "index")),
                                     static_cast<uint32_t>(number(b, "value")));
        EXPECT_EQ(expected, std::vector<uint32_t>(out, out + 4));
        uint8_t group = 0, channel = 0, key = 0, extra = 0;
        uint16_t index = 0;
        uint32_t value = 0;
        ASSERT_EQ(1, aapxs_parameter_sysex8_read(expected.data(), &group, &channel, &key, &extra, &index, &value));
        EXPECT_EQ(number(b, "group"), group);
        EXPECT_EQ(number(b, "channel"), channel);
        EXPECT_EQ(number(b, "key"), key);
        EXPECT_EQ(number(b, "extra"), extra);
        EXPECT_EQ(number(b, "index"), index);
        EXPECT_EQ(number(b, "value"), static_cast<long long>(value));
    }
}

namespace {
void countReports(void* context, const aapxs_extracted_message_t* extracted) {
    auto* counts = static_cast<std::map<std::string, size_t>*>(context);
    (*counts)[extracted->error == AAPXS_CODEC_OK ? "ok" : aapxs_codec_error_string(extracted->error)]++;
}
} // namespace

TEST(WireDocVectors, StrippingLeavesThePrintedWords) {
    for (const auto& b : blocksOf("strip")) {
        SCOPED_TRACE("strip " + b.name + " at docs/spec/wire.md:" + std::to_string(b.line));
        const std::vector<uint32_t> before = words(b, "before");
        const std::vector<uint32_t> after = words(b, "after");
        std::vector<uint8_t> buffer(32 + before.size() * 4 + 64, 0);
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_init(buffer.data(), buffer.size()));
        for (size_t i = 0; i < before.size();) {
            const size_t n = aapxs_ump_message_words(before[i]);
            ASSERT_LE(i + n, before.size()) << "a UMP message is cut off in `before`";
            ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_append_ump(buffer.data(), buffer.size(), &before[i], n));
            i += n;
        }
        aapxs_sysex8_slot_t slots[4];
        std::vector<uint8_t> storage(4 * 1024);
        aapxs_sysex8_reassembler_t reassembler;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_sysex8_reassembler_init(&reassembler, slots, 4, storage.data(), 1024));
        std::map<std::string, size_t> reports;
        aapxs_extract_summary_t summary{};
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.size(), &reassembler,
                                                                   &countReports, &reports, &summary));
        size_t length = 0;
        ASSERT_EQ(AAPXS_CODEC_OK, aapxs_midi2_buffer_get_length(buffer.data(), buffer.size(), &length));
        std::vector<uint32_t> left(length / 4);
        if (!left.empty())
            std::memcpy(left.data(), buffer.data() + 32, length);
        EXPECT_EQ(after, left);
        EXPECT_EQ(static_cast<size_t>(number(b, "messages")), summary.messages);
        EXPECT_EQ(static_cast<size_t>(number(b, "malformed")), summary.malformed);
    }
}
