// libFuzzer target: AAPXS extraction (stripping) on an arbitrary MIDI2 port buffer. Beyond "no
// crash, no sanitizer report", it checks the contracts: a bad header is an error and leaves the
// buffer untouched; otherwise the words left are the input words minus the removed ones, in
// order; no AAPXS start packet is left; reported views point at readable bytes; and a second
// extraction over the result finds nothing (stripping is idempotent).
//
// Input: byte 0 = configuration (bit 0: array form, bits 1-2: slots - 1, bit 3: take the next 4
// bytes as the raw header length field, bits 4-5: slot capacity); the rest is the UMP area.
#include <aapxs/codec.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

struct Seen {
    size_t ok = 0;
    size_t malformed = 0;
    uint64_t checksum = 0; // touches every reported byte so ASan sees any bad view
};

void touch(Seen& seen, const aapxs_extracted_message_t* extracted) {
    if (extracted->error != AAPXS_CODEC_OK) {
        seen.malformed++;
        check(aapxs_codec_error_string(extracted->error) != nullptr);
        return;
    }
    seen.ok++;
    const aapxs_message_t& m = extracted->message;
    check(m.urid != 0 || m.uri_size != 0);
    for (size_t i = 0; i < m.uri_size; i++)
        seen.checksum += static_cast<uint8_t>(m.uri[i]);
    for (size_t i = 0; i < m.data_size; i++)
        seen.checksum += m.data[i];
}

void onExtracted(void* context, const aapxs_extracted_message_t* extracted) {
    touch(*static_cast<Seen*>(context), extracted);
}

std::vector<uint32_t> umpWords(const uint8_t* buffer) {
    uint32_t length;
    std::memcpy(&length, buffer + 4, 4);
    std::vector<uint32_t> words(length / 4);
    if (!words.empty())
        std::memcpy(words.data(), buffer + 32, words.size() * 4);
    return words;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
    if (size < 1)
        return 0;
    const uint8_t config = input[0];
    input++;
    size--;
    bool raw_length = (config & 8) != 0;
    uint32_t length_field = 0;
    if (raw_length) {
        if (size < 4)
            return 0;
        std::memcpy(&length_field, input, 4);
        input += 4;
        size -= 4;
    }
    // the buffer is exactly header + input: any read or write past it is caught by ASan
    const size_t capacity = 32 + size;
    std::unique_ptr<uint8_t[]> buffer(new uint8_t[capacity]);
    std::memset(buffer.get(), 0, 32);
    if (size)
        std::memcpy(buffer.get() + 32, input, size);
    if (!raw_length)
        length_field = static_cast<uint32_t>(size / 4 * 4);
    std::memcpy(buffer.get() + 4, &length_field, 4);
    std::vector<uint8_t> before(buffer.get(), buffer.get() + capacity);

    static const size_t slot_capacities[4] = {0, 64, 1024, 8192};
    const size_t slot_count = 1 + ((config >> 1) & 3);
    const size_t slot_capacity = slot_capacities[(config >> 4) & 3];
    std::vector<aapxs_sysex8_slot_t> slots(slot_count);
    std::unique_ptr<uint8_t[]> storage(new uint8_t[slot_count * slot_capacity + 1]);
    aapxs_sysex8_reassembler_t reassembler;
    check(aapxs_sysex8_reassembler_init(&reassembler, slots.data(), slot_count,
                                        slot_capacity ? storage.get() : nullptr, slot_capacity) == AAPXS_CODEC_OK);

    const bool header_valid = length_field <= size && length_field % 4 == 0;
    const std::vector<uint32_t> input_words = header_valid ? umpWords(buffer.get()) : std::vector<uint32_t>{};
    aapxs_extract_summary_t summary{};
    Seen seen;
    aapxs_codec_error_t error;
    if (config & 1) {
        aapxs_extracted_message_t items[3];
        uint8_t arena[200];
        size_t count = 0;
        error = aapxs_midi2_buffer_extract_aapxs_into(buffer.get(), capacity, &reassembler, items, 3, &count, arena,
                                                      sizeof(arena), &summary);
        check(count <= 3);
        for (size_t i = 0; i < count; i++) {
            touch(seen, &items[i]);
            if (items[i].error == AAPXS_CODEC_OK) {
                const aapxs_message_t& m = items[i].message;
                if (m.uri_size)
                    check(reinterpret_cast<const uint8_t*>(m.uri) >= arena && m.uri[m.uri_size] == '\0');
                if (m.data_size)
                    check(m.data >= arena && m.data + m.data_size <= arena + sizeof(arena));
            }
        }
        check(count + summary.dropped == summary.messages + summary.malformed);
    } else {
        error = aapxs_midi2_buffer_extract_aapxs(buffer.get(), capacity, &reassembler, onExtracted, &seen, &summary);
        check(seen.ok == summary.messages && seen.malformed == summary.malformed);
    }

    if (!header_valid) {
        check(error != AAPXS_CODEC_OK);
        check(std::memcmp(before.data(), buffer.get(), capacity) == 0);
        return 0;
    }
    check(error == AAPXS_CODEC_OK);
    const std::vector<uint32_t> left = umpWords(buffer.get());
    check(left.size() + summary.removed_words == input_words.size());
    // what is left is the input with some words removed, order kept
    size_t j = 0;
    for (size_t i = 0; i < input_words.size() && j < left.size(); i++)
        if (input_words[i] == left[j])
            j++;
    check(j == left.size());
    // no AAPXS start packet survives (outside a truncated tail)
    aapxs_ump_iterator_t it;
    check(aapxs_midi2_buffer_iterator_init(&it, buffer.get(), capacity) == AAPXS_CODEC_OK);
    aapxs_ump_t ump;
    while (aapxs_ump_iterator_next(&it, &ump))
        check(ump.word_count != 4 || !aapxs_sysex8_packet_starts_aapxs(ump.words));
    // idempotent: nothing more to extract
    aapxs_extract_summary_t again{};
    check(aapxs_midi2_buffer_extract_aapxs(buffer.get(), capacity, &reassembler, nullptr, nullptr, &again) == AAPXS_CODEC_OK);
    check(again.removed_words == 0 && again.messages == 0 && again.malformed == 0);
    check(umpWords(buffer.get()) == left);
    return 0;
}
