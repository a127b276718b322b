// libFuzzer target: the SysEx8 reassembler, the consecutive-packet reader and the AAPXS message
// parser on arbitrary words and bytes. Beyond "no crash, no sanitizer report", it checks the
// contracts: views point inside their payload, 21 + L + D equals the payload size, and every
// accepted payload re-encodes to the very same bytes (the encoding is canonical).
//
// Input: byte 0 picks the reassembly configuration, byte 1 the reader's URI/data capacities,
// the rest is read as host-order uint32 words (and, separately, as one raw payload).
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

// Everything a successful parse promises about the view of `payload[0..size)`.
void checkView(const uint8_t* payload, size_t size, const aapxs_message_t& view) {
    check(21 + view.uri_size + view.data_size == size);
    if (view.uri_size) {
        const auto* uri = reinterpret_cast<const uint8_t*>(view.uri);
        check(uri == payload + 13);
    } else {
        check(view.uri == nullptr && view.urid != 0);
    }
    if (view.data_size)
        check(view.data == payload + 21 + view.uri_size);
    // re-encoding gives back the same bytes
    std::vector<uint8_t> again(size);
    size_t written = 0;
    check(aapxs_message_write_payload(&view, again.data(), again.size(), &written) == AAPXS_CODEC_OK);
    check(written == size && std::memcmp(again.data(), payload, size) == 0);
    // and packetizing then reading back gives the same message
    size_t word_count = 0;
    check(aapxs_message_word_count(&view, &word_count) == AAPXS_CODEC_OK);
    std::vector<uint32_t> words(word_count);
    check(aapxs_message_write_words(&view, 0, words.data(), words.size(), nullptr) == AAPXS_CODEC_OK);
    std::vector<uint8_t> scratch(size);
    aapxs_message_t back{};
    size_t consumed = 0;
    check(aapxs_message_read_words(words.data(), words.size(), scratch.data(), scratch.size(), &back, &consumed,
                                   nullptr) == AAPXS_CODEC_OK);
    check(consumed == word_count && std::memcmp(scratch.data(), payload, size) == 0);
}

void parseBothWays(const uint8_t* payload, size_t size, uint8_t capacities) {
    aapxs_message_t view{};
    aapxs_codec_error_t error = aapxs_message_parse(payload, size, &view);
    check(aapxs_codec_error_string(error) != nullptr);
    if (error == AAPXS_CODEC_OK)
        checkView(payload, size, view);
    // copy into small caller buffers: all or nothing
    const size_t uri_capacity = (capacities & 0x0F) * 8, data_capacity = (capacities >> 4) * 16;
    std::unique_ptr<char[]> uri(new char[uri_capacity + 1]);
    std::unique_ptr<uint8_t[]> data(new uint8_t[data_capacity + 1]);
    aapxs_message_storage_t storage{uri_capacity ? uri.get() : nullptr, uri_capacity,
                                    data_capacity ? data.get() : nullptr, data_capacity};
    aapxs_message_t copy{};
    aapxs_codec_error_t copy_error = aapxs_message_parse_copy(payload, size, &storage, &copy);
    if (error != AAPXS_CODEC_OK) {
        check(copy_error == error);
    } else if (copy_error == AAPXS_CODEC_OK) {
        check(copy.uri_size < uri_capacity || copy.uri_size == 0);
        check(copy.data_size <= data_capacity);
        if (copy.uri_size)
            check(std::memcmp(copy.uri, view.uri, copy.uri_size) == 0 && copy.uri[copy.uri_size] == '\0');
        if (copy.data_size)
            check(std::memcmp(copy.data, view.data, copy.data_size) == 0);
    } else {
        check(copy_error == AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER
              || copy_error == AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
    if (size < 2)
        return 0;
    const uint8_t config = input[0], capacities = input[1];
    input += 2;
    size -= 2;

    // 1. the bytes as one raw payload, in a heap block of exactly that size
    std::unique_ptr<uint8_t[]> raw(new uint8_t[size ? size : 1]);
    if (size)
        std::memcpy(raw.get(), input, size);
    parseBothWays(raw.get(), size, capacities);

    // 2. the bytes as words, exactly sized
    const size_t word_count = size / 4;
    std::unique_ptr<uint32_t[]> words(new uint32_t[word_count ? word_count : 1]);
    if (word_count)
        std::memcpy(words.get(), input, word_count * 4);

    static const size_t slot_capacities[4] = {0, 21, 100, 4096};
    const size_t slot_count = 1 + (config & 3);
    const size_t slot_capacity = slot_capacities[(config >> 2) & 3];
    std::vector<aapxs_sysex8_slot_t> slots(slot_count);
    std::unique_ptr<uint8_t[]> storage(new uint8_t[slot_count * slot_capacity + 1]);
    aapxs_sysex8_reassembler_t reassembler;
    check(aapxs_sysex8_reassembler_init(&reassembler, slots.data(), slot_count,
                                        slot_capacity ? storage.get() : nullptr, slot_capacity) == AAPXS_CODEC_OK);
    for (size_t i = 0; i + 4 <= word_count; i += 4) {
        aapxs_sysex8_event_t event;
        aapxs_sysex8_status_t status = aapxs_sysex8_reassembler_feed(&reassembler, words.get() + i, &event);
        check(status == event.status);
        if (status == AAPXS_SYSEX8_COMPLETE) {
            check(event.size <= slot_capacity);
            check(event.size == 0 || (event.payload >= storage.get() && event.payload + event.size <= storage.get() + slot_count * slot_capacity));
            parseBothWays(event.payload, event.size, capacities);
        } else if (status == AAPXS_SYSEX8_MALFORMED) {
            check(event.reason != AAPXS_CODEC_OK);
        } else {
            check(event.reason == AAPXS_CODEC_OK);
        }
        // parameter-change recognition never reads past the packet
        uint8_t group = 0;
        aapxs_parameter_sysex8_read(words.get() + i, &group, nullptr, nullptr, nullptr, nullptr, nullptr);
        check(group < 16);
    }

    // 3. the consecutive-packet reader from every packet boundary
    std::vector<uint8_t> scratch(slot_capacity + 1);
    for (size_t i = 0; i < word_count; i += 4) {
        aapxs_message_t view{};
        size_t consumed = 0;
        aapxs_codec_error_t error = aapxs_message_read_words(words.get() + i, word_count - i, scratch.data(),
                                                             slot_capacity, &view, &consumed, nullptr);
        if (error == AAPXS_CODEC_OK)
            check(consumed > 0 && consumed <= word_count - i && consumed % 4 == 0);
    }

    // 4. the UMP iterator over the words: bounded, every step 1..4 words
    aapxs_ump_iterator_t it;
    check(aapxs_ump_iterator_init_words(&it, words.get(), word_count) == AAPXS_CODEC_OK);
    aapxs_ump_t ump;
    size_t steps = 0;
    while (aapxs_ump_iterator_next(&it, &ump)) {
        check(ump.word_count >= 1 && ump.word_count <= 4);
        check(++steps <= word_count);
    }
    check(it.offset <= it.length);
    return 0;
}
