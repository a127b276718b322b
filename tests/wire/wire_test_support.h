#pragma once
// Shared helpers for the wire codec tests: a MIDI2 port buffer owned by a std::vector and the
// docs/spec/wire.md section 4 test vectors.

#include <aapxs/codec.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace aapxs_test {

// A MIDI2 port buffer (32-byte header + UMP words) with a fixed capacity in bytes.
class PortBuffer {
public:
    explicit PortBuffer(size_t capacity_bytes = 8192) : bytes_(capacity_bytes, 0) {
        aapxs_midi2_buffer_init(bytes_.data(), bytes_.size());
    }
    void* data() { return bytes_.data(); }
    size_t capacity() const { return bytes_.size(); }

    void setRawLength(uint32_t length) { std::memcpy(bytes_.data() + 4, &length, 4); }
    uint32_t rawLength() const {
        uint32_t length;
        std::memcpy(&length, bytes_.data() + 4, 4);
        return length;
    }
    // Appends words without any validation (to build hostile buffers).
    void appendRaw(const std::vector<uint32_t>& words) {
        uint32_t length = rawLength();
        if (32 + length + words.size() * 4 > bytes_.size())
            throw std::length_error("test bug: PortBuffer::appendRaw past the capacity");
        std::memcpy(bytes_.data() + 32 + length, words.data(), words.size() * 4);
        setRawLength(length + static_cast<uint32_t>(words.size() * 4));
    }
    std::vector<uint32_t> words() const {
        std::vector<uint32_t> result(rawLength() / 4);
        if (!result.empty())
            std::memcpy(result.data(), bytes_.data() + 32, result.size() * 4);
        return result;
    }

private:
    std::vector<uint8_t> bytes_;
};

// Reassembly storage for extraction: `slots` slots of `bytes_per_slot` bytes.
class Reassembler {
public:
    explicit Reassembler(size_t slots = 4, size_t bytes_per_slot = 8192)
        : slots_(slots), storage_(slots * bytes_per_slot) {
        aapxs_sysex8_reassembler_init(&reassembler_, slots_.data(), slots_.size(), storage_.data(), bytes_per_slot);
    }
    aapxs_sysex8_reassembler_t* get() { return &reassembler_; }

private:
    std::vector<aapxs_sysex8_slot_t> slots_;
    std::vector<uint8_t> storage_;
    aapxs_sysex8_reassembler_t reassembler_{};
};

// A copied-out extraction result (the callback's views die with the callback).
struct Extracted {
    aapxs_codec_error_t error;
    uint8_t group;
    uint8_t urid;
    uint32_t request_id;
    std::string uri;
    int32_t opcode;
    std::vector<uint8_t> data;
};

inline void collectExtracted(void* context, const aapxs_extracted_message_t* extracted) {
    auto* out = static_cast<std::vector<Extracted>*>(context);
    Extracted e{extracted->error, extracted->group, 0, 0, {}, 0, {}};
    if (extracted->error == AAPXS_CODEC_OK) {
        const aapxs_message_t& m = extracted->message;
        e.urid = m.urid;
        e.request_id = m.request_id;
        if (m.uri_size)
            e.uri.assign(m.uri, m.uri_size);
        e.opcode = m.opcode;
        if (m.data_size)
            e.data.assign(m.data, m.data + m.data_size);
    }
    out->push_back(e);
}

// Builds a message whose URI and data bytes live until the test program ends (callers often pass
// temporaries), so the returned struct never dangles.
inline aapxs_message_t makeMessage(uint8_t urid, uint32_t request_id, const std::string& uri_in, int32_t opcode,
                                   const std::vector<uint8_t>& data_in) {
    static std::deque<std::string> uris;
    static std::deque<std::vector<uint8_t>> datas;
    const std::string& uri = uris.emplace_back(uri_in);
    const std::vector<uint8_t>& data = datas.emplace_back(data_in);
    aapxs_message_t m{};
    m.urid = urid;
    m.request_id = request_id;
    m.uri = uri.empty() ? nullptr : uri.data();
    m.uri_size = uri.size();
    m.opcode = opcode;
    m.data = data.empty() ? nullptr : data.data();
    m.data_size = data.size();
    return m;
}

// docs/spec/wire.md section 4.
inline const std::string& stateUri() {
    static const std::string uri = "urn://androidaudioplugin.org/extensions/state/v4";
    return uri;
}
inline const std::vector<uint32_t>& workedExampleWords() {
    static const std::vector<uint32_t> words = {
        0x501E007E, 0x7F000105, 0x01000000, 0x30000000,
        0x502E0075, 0x726E3A2F, 0x2F616E64, 0x726F6964,
        0x502E0061, 0x7564696F, 0x706C7567, 0x696E2E6F,
        0x502E0072, 0x672F6578, 0x74656E73, 0x696F6E73,
        0x502E002F, 0x73746174, 0x652F7634, 0x02000000,
        0x50380003, 0x00000001, 0x02030000, 0x00000000,
    };
    return words;
}
inline const std::vector<uint32_t>& uridOnlyReplyWords() {
    static const std::vector<uint32_t> words = {
        0x531E007E, 0x7F000104, 0x78563412, 0x00000000,
        0x533900FF, 0xFFFFFF00, 0x00000000, 0x00000000,
    };
    return words;
}
inline const std::vector<uint32_t>& exactMultipleWords() {
    static const std::vector<uint32_t> words = {
        0x501E007E, 0x7F000100, 0x02000000, 0x08000000,
        0x502E0075, 0x726E3A78, 0x2F763107, 0x0000000A,
        0x503E0000, 0x00000001, 0x02030405, 0x06070809,
    };
    return words;
}

} // namespace aapxs_test
