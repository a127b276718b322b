// libFuzzer target: aap-host's WAV reader (tools/aap-host/wav-file.cpp) on an arbitrary file
// image, as `aap-host render --input` and `validate` read one. Beyond "no crash, no sanitizer
// report, no huge allocation", it checks the contracts: a decoded file has 1..64 channels, a
// positive rate, whole frames and finite samples in [-1, 1] for integer formats; re-encoding the
// result in its own format and decoding that again gives the same frames.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wav-file.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace aap::host_tool;
    WavAudio audio;
    std::string error;
    if (!decodeWav(data, size, &audio, &error)) {
        check(!error.empty());
        return 0;
    }
    check(audio.channels >= 1 && audio.channels <= 64);
    check(audio.sampleRate > 0);
    check(audio.samples.size() % static_cast<size_t>(audio.channels) == 0);
    // The samples came out of the file: never more than its bytes could hold (1 byte per sample
    // is below every supported format's width).
    check(audio.samples.size() <= size);
    if (audio.format != WavSampleFormat::Float32)
        for (float s : audio.samples)
            check(std::isfinite(s) && s >= -1.0f && s <= 1.0f);
    std::vector<uint8_t> again;
    check(encodeWav(audio, &again, &error));
    WavAudio decoded;
    check(decodeWav(again.data(), again.size(), &decoded, &error));
    check(decoded.channels == audio.channels && decoded.sampleRate == audio.sampleRate &&
          decoded.frames() == audio.frames());
    return 0;
}
