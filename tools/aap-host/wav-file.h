#pragma once
// A small, strict RIFF/WAVE codec (standard library only): PCM 16/24/32-bit integer and 32-bit
// IEEE float, plain or WAVE_FORMAT_EXTENSIBLE, any channel count 1..64. Everything is decoded to
// 32-bit float. Corrupt or unsupported files are an error value with a message that says what
// is wrong and where ("data chunk claims 4000 bytes but only 1200 remain"), never an exception.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aap::host_tool {

enum class WavSampleFormat { Pcm16, Pcm24, Pcm32, Float32 };

// "pcm16", "pcm24", "pcm32", "float32"
const char* toString(WavSampleFormat format) noexcept;
// Parses the names above (and "16", "24", "32f"/"float"); false for anything else.
bool parseWavSampleFormat(const std::string& text, WavSampleFormat* format) noexcept;

struct WavAudio {
    int32_t sampleRate = 0;
    int32_t channels = 0;
    WavSampleFormat format = WavSampleFormat::Float32;  // what the file held (decode) or will hold (encode)
    std::vector<float> samples;  // interleaved, frames() * channels values
    size_t frames() const noexcept { return channels > 0 ? samples.size() / static_cast<size_t>(channels) : 0; }
};

// Decodes a whole file image. On failure returns false and sets *error.
bool decodeWav(const uint8_t* data, size_t size, WavAudio* audio, std::string* error);

// Encodes `audio` as audio.format. Integer formats clip to [-1, 1] and round to nearest; NaN is
// written as 0. False (and *error) for unusable parameters (no channels, bad rate, too large).
bool encodeWav(const WavAudio& audio, std::vector<uint8_t>* bytes, std::string* error);

// The same encoding in pieces, for writing a WAV of known length as it is produced (aap-host
// render streams its output): the 44-byte header for `frames` frames, then the interleaved
// samples in any number of calls, then the trailer (the RIFF pad byte, when the data size is odd).
// Each appends to *bytes. The header fails (with *error) as encodeWav does.
bool encodeWavHeader(int32_t sampleRate, int32_t channels, WavSampleFormat format, uint64_t frames,
                     std::vector<uint8_t>* bytes, std::string* error);
void encodeWavSamples(const float* samples, size_t count, WavSampleFormat format, std::vector<uint8_t>* bytes);
void encodeWavTrailer(int32_t channels, WavSampleFormat format, uint64_t frames, std::vector<uint8_t>* bytes);

} // namespace aap::host_tool
