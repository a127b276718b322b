// Wire codec throughput. Every series reports bytes/s of the AAPXS payload (N = 21 + L + D
// bytes) so that BM_Memcpy of the same N, run in the same process, is the yardstick:
//   ratio = time(codec, N) / time(memcpy, N).
// Messages are URID-only (L = 0), so N = 21 + D and the data dominates as it grows; the
// "WithUri" encode adds the 48-byte state URI that a first, unmapped request carries.
#include <aapxs/codec.h>

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

const std::string kStateUri = "urn://androidaudioplugin.org/extensions/state/v4";

aapxs_message_t message(const std::vector<uint8_t>& data, bool with_uri) {
    aapxs_message_t m{};
    m.urid = 5;
    m.request_id = 1234;
    m.uri = with_uri ? kStateUri.data() : nullptr;
    m.uri_size = with_uri ? kStateUri.size() : 0;
    m.opcode = 2;
    m.data = data.empty() ? nullptr : data.data();
    m.data_size = data.size();
    return m;
}

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> data(n);
    for (size_t i = 0; i < n; i++)
        data[i] = static_cast<uint8_t>(i * 7 + 3);
    return data;
}

void applySizes(benchmark::internal::Benchmark* b) {
    for (int64_t size : {0, 16, 256, 1024, 8192})
        b->Arg(size);
}

void encode(benchmark::State& state, bool with_uri) {
    const auto data = pattern(static_cast<size_t>(state.range(0)));
    const aapxs_message_t m = message(data, with_uri);
    size_t payload = 0, words = 0;
    aapxs_message_validate(&m, &payload);
    aapxs_message_word_count(&m, &words);
    std::vector<uint32_t> out(words);
    for (auto _ : state) {
        size_t written = 0;
        aapxs_codec_error_t error = aapxs_message_write_words(&m, 0, out.data(), out.size(), &written);
        benchmark::DoNotOptimize(error);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(payload));
    state.counters["payload_bytes"] = static_cast<double>(payload);
}

// Generate the SysEx8 words of a message (validation, header fields, packetization).
void BM_Encode(benchmark::State& state) { encode(state, false); }
void BM_EncodeWithUri(benchmark::State& state) { encode(state, true); }

// Decode the words of one message: reassemble the consecutive packets into scratch and parse a
// zero-copy view (aapxs_message_read_words), then read the view's fields.
void BM_Decode(benchmark::State& state) {
    const auto data = pattern(static_cast<size_t>(state.range(0)));
    const aapxs_message_t m = message(data, false);
    size_t payload = 0, words = 0;
    aapxs_message_validate(&m, &payload);
    aapxs_message_word_count(&m, &words);
    std::vector<uint32_t> in(words);
    aapxs_message_write_words(&m, 0, in.data(), in.size(), nullptr);
    std::vector<uint8_t> scratch(payload);
    for (auto _ : state) {
        aapxs_message_t view;
        size_t consumed = 0;
        aapxs_codec_error_t error = aapxs_message_read_words(in.data(), in.size(), scratch.data(), scratch.size(),
                                                             &view, &consumed, nullptr);
        benchmark::DoNotOptimize(error);
        benchmark::DoNotOptimize(view.data);
        benchmark::DoNotOptimize(view.request_id);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(payload));
    state.counters["payload_bytes"] = static_cast<double>(payload);
}

// The same through the streaming reassembler (one feed per packet, as extraction does).
void BM_DecodeStreaming(benchmark::State& state) {
    const auto data = pattern(static_cast<size_t>(state.range(0)));
    const aapxs_message_t m = message(data, false);
    size_t payload = 0, words = 0;
    aapxs_message_validate(&m, &payload);
    aapxs_message_word_count(&m, &words);
    std::vector<uint32_t> in(words);
    aapxs_message_write_words(&m, 0, in.data(), in.size(), nullptr);
    std::vector<uint8_t> storage(payload);
    aapxs_sysex8_slot_t slot;
    aapxs_sysex8_reassembler_t reassembler;
    aapxs_sysex8_reassembler_init(&reassembler, &slot, 1, storage.data(), storage.size());
    for (auto _ : state) {
        aapxs_sysex8_event_t event{};
        for (size_t i = 0; i < in.size(); i += 4)
            aapxs_sysex8_reassembler_feed(&reassembler, in.data() + i, &event);
        aapxs_message_t view;
        aapxs_codec_error_t error = aapxs_message_parse(event.payload, event.size, &view);
        benchmark::DoNotOptimize(error);
        benchmark::DoNotOptimize(view.data);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(payload));
}

// The yardstick: memcpy of the payload size N = 21 + D.
void BM_Memcpy(benchmark::State& state) {
    const size_t n = 21 + static_cast<size_t>(state.range(0));
    const auto src = pattern(n);
    std::vector<uint8_t> dst(n);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), n);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}

// An 8 KiB port buffer (8192 bytes with the header) filled with note on/off, CC and clock
// messages; state.range(0) AAPXS messages (each 16 data bytes, URID-only) spread through it.
std::vector<uint8_t> stripTemplate(int aapxs_messages) {
    constexpr size_t capacity = 8192;
    std::vector<uint8_t> buffer(capacity, 0);
    aapxs_midi2_buffer_init(buffer.data(), capacity);
    const auto data = pattern(16);
    const aapxs_message_t m = message(data, false);
    size_t aapxs_words = 0;
    aapxs_message_word_count(&m, &aapxs_words);
    const size_t total_words = (capacity - 32) / 4;
    const size_t other_words = total_words - aapxs_words * static_cast<size_t>(aapxs_messages);
    const size_t gap = aapxs_messages ? other_words / static_cast<size_t>(aapxs_messages + 1) : other_words;
    size_t written_other = 0;
    uint32_t counter = 0;
    for (int k = 0; k <= aapxs_messages; k++) {
        size_t target = k == aapxs_messages ? other_words : gap * static_cast<size_t>(k + 1);
        while (written_other < target) {
            uint32_t kind = counter++ % 4;
            if (kind == 0 && target - written_other >= 2) {
                uint32_t ump[2] = {0x40903C00u | (counter & 0x7F), 0x80000000u}; // MIDI 2.0 note on
                aapxs_midi2_buffer_append_ump(buffer.data(), capacity, ump, 2);
                written_other += 2;
            } else if (kind == 1) {
                uint32_t ump[1] = {0x20B00740u}; // MIDI 1.0 CC
                aapxs_midi2_buffer_append_ump(buffer.data(), capacity, ump, 1);
                written_other += 1;
            } else {
                uint32_t ump[1] = {0x10F80000u}; // timing clock
                aapxs_midi2_buffer_append_ump(buffer.data(), capacity, ump, 1);
                written_other += 1;
            }
        }
        if (k < aapxs_messages)
            aapxs_midi2_buffer_append_aapxs(buffer.data(), capacity, 0, &m, nullptr);
    }
    return buffer;
}

// Restore the 8 KiB buffer from a template, then strip its AAPXS messages in place.
void BM_Strip8KiB(benchmark::State& state) {
    const auto templ = stripTemplate(static_cast<int>(state.range(0)));
    std::vector<uint8_t> buffer(templ.size());
    std::vector<uint8_t> storage(256);
    aapxs_sysex8_slot_t slot;
    aapxs_sysex8_reassembler_t reassembler;
    aapxs_sysex8_reassembler_init(&reassembler, &slot, 1, storage.data(), storage.size());
    size_t found = 0;
    for (auto _ : state) {
        std::memcpy(buffer.data(), templ.data(), templ.size());
        aapxs_extract_summary_t summary;
        aapxs_midi2_buffer_extract_aapxs(buffer.data(), buffer.size(), &reassembler, nullptr, nullptr, &summary);
        found = summary.messages;
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.counters["aapxs_found"] = static_cast<double>(found);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(templ.size()));
}

// The restore alone, to subtract from BM_Strip8KiB.
void BM_Restore8KiB(benchmark::State& state) {
    const auto templ = stripTemplate(0);
    std::vector<uint8_t> buffer(templ.size());
    for (auto _ : state) {
        std::memcpy(buffer.data(), templ.data(), templ.size());
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(templ.size()));
}

} // namespace

BENCHMARK(BM_Memcpy)->Apply(applySizes);
BENCHMARK(BM_Encode)->Apply(applySizes);
BENCHMARK(BM_EncodeWithUri)->Apply(applySizes);
BENCHMARK(BM_Decode)->Apply(applySizes);
BENCHMARK(BM_DecodeStreaming)->Apply(applySizes);
BENCHMARK(BM_Restore8KiB);
BENCHMARK(BM_Strip8KiB)->Arg(0)->Arg(1)->Arg(4)->Arg(16);

BENCHMARK_MAIN();
