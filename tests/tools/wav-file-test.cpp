// The WAV codec: round trips in every format and one test per corruption or unsupported case.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "wav-file.h"

namespace aap::host_tool {
namespace {

WavAudio ramp(int32_t channels, size_t frames, WavSampleFormat format) {
    WavAudio audio;
    audio.sampleRate = 44100;
    audio.channels = channels;
    audio.format = format;
    for (size_t i = 0; i < frames * static_cast<size_t>(channels); i++)
        audio.samples.push_back(static_cast<float>(std::sin(0.01 * static_cast<double>(i)) * 0.9));
    return audio;
}

std::vector<uint8_t> encoded(const WavAudio& audio) {
    std::vector<uint8_t> bytes;
    std::string error;
    EXPECT_TRUE(encodeWav(audio, &bytes, &error)) << error;
    return bytes;
}

std::string decodeError(const std::vector<uint8_t>& bytes) {
    WavAudio audio;
    std::string error;
    EXPECT_FALSE(decodeWav(bytes.data(), bytes.size(), &audio, &error));
    EXPECT_FALSE(error.empty());
    return error;
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}
void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
}

// Layout of what encodeWav writes: RIFF(0) size(4) WAVE(8) "fmt "(12) 16(16) tag(20) ch(22)
// rate(24) byterate(28) align(32) bits(34) "data"(36) size(40) samples(44).

TEST(WavFile, Float32RoundTripIsExact) {
    WavAudio original = ramp(2, 1000, WavSampleFormat::Float32);
    std::vector<uint8_t> bytes = encoded(original);
    WavAudio decoded;
    std::string error;
    ASSERT_TRUE(decodeWav(bytes.data(), bytes.size(), &decoded, &error)) << error;
    EXPECT_EQ(decoded.sampleRate, 44100);
    EXPECT_EQ(decoded.channels, 2);
    EXPECT_EQ(decoded.format, WavSampleFormat::Float32);
    EXPECT_EQ(decoded.frames(), 1000u);
    EXPECT_EQ(decoded.samples, original.samples);
}

TEST(WavFile, PcmRoundTripsAreWithinOneStep) {
    for (auto [format, step] : {std::pair{WavSampleFormat::Pcm16, 1.0 / 32768}, std::pair{WavSampleFormat::Pcm24, 1.0 / 8388608},
                                std::pair{WavSampleFormat::Pcm32, 1.0 / 2147483648.0}}) {
        WavAudio original = ramp(3, 777, format);  // odd sizes: 24-bit data gets a pad byte
        std::vector<uint8_t> bytes = encoded(original);
        WavAudio decoded;
        std::string error;
        ASSERT_TRUE(decodeWav(bytes.data(), bytes.size(), &decoded, &error)) << toString(format) << ": " << error;
        EXPECT_EQ(decoded.format, format);
        ASSERT_EQ(decoded.samples.size(), original.samples.size());
        for (size_t i = 0; i < original.samples.size(); i++)
            ASSERT_NEAR(decoded.samples[i], original.samples[i], step + 1e-7) << toString(format) << " sample " << i;
    }
}

TEST(WavFile, PcmClipsOutOfRangeAndNanSamples) {
    WavAudio audio;
    audio.sampleRate = 8000;
    audio.channels = 1;
    audio.format = WavSampleFormat::Pcm16;
    audio.samples = {2.0f, -2.0f, NAN, 1.0f, -1.0f};
    std::vector<uint8_t> bytes = encoded(audio);
    WavAudio decoded;
    std::string error;
    ASSERT_TRUE(decodeWav(bytes.data(), bytes.size(), &decoded, &error));
    EXPECT_NEAR(decoded.samples[0], 32767.0f / 32768.0f, 1e-7);
    EXPECT_EQ(decoded.samples[1], -1.0f);
    EXPECT_EQ(decoded.samples[2], 0.0f);
}

TEST(WavFile, SkipsUnknownChunksIncludingOddSizedOnes) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 10, WavSampleFormat::Pcm16));
    // Insert a 3-byte "LIST" chunk (+1 pad byte) between fmt and data.
    std::vector<uint8_t> chunk = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0};
    bytes.insert(bytes.begin() + 36, chunk.begin(), chunk.end());
    put32(bytes, 4, static_cast<uint32_t>(bytes.size() - 8));
    WavAudio decoded;
    std::string error;
    ASSERT_TRUE(decodeWav(bytes.data(), bytes.size(), &decoded, &error)) << error;
    EXPECT_EQ(decoded.frames(), 10u);
}

TEST(WavFile, ReadsWaveFormatExtensible) {
    std::vector<uint8_t> bytes = encoded(ramp(2, 4, WavSampleFormat::Float32));
    // Replace the 16-byte fmt body with a 40-byte extensible one (sub-format IEEE float).
    std::vector<uint8_t> ext(24, 0);
    std::vector<uint8_t> guid = {0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    put16(ext, 0, 22);
    std::copy(guid.begin(), guid.end(), ext.begin() + 8);
    bytes.insert(bytes.begin() + 36, ext.begin(), ext.end());
    put32(bytes, 16, 40);
    put16(bytes, 20, 0xFFFE);
    put32(bytes, 4, static_cast<uint32_t>(bytes.size() - 8));
    WavAudio decoded;
    std::string error;
    ASSERT_TRUE(decodeWav(bytes.data(), bytes.size(), &decoded, &error)) << error;
    EXPECT_EQ(decoded.format, WavSampleFormat::Float32);
    EXPECT_EQ(decoded.frames(), 4u);
}

TEST(WavFile, RejectsTooShortFile) { EXPECT_NE(decodeError({'R', 'I', 'F', 'F'}).find("shorter"), std::string::npos); }

TEST(WavFile, RejectsMissingRiffHeader) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    bytes[0] = 'X';
    EXPECT_NE(decodeError(bytes).find("no RIFF header"), std::string::npos);
}

TEST(WavFile, RejectsNonWaveForm) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    bytes[8] = 'A';
    EXPECT_NE(decodeError(bytes).find("not 'WAVE'"), std::string::npos);
}

TEST(WavFile, RejectsTruncatedFile) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 100, WavSampleFormat::Pcm16));
    bytes.resize(bytes.size() - 10);
    EXPECT_NE(decodeError(bytes).find("truncated"), std::string::npos);
}

TEST(WavFile, RejectsDataChunkLongerThanTheFile) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 100, WavSampleFormat::Pcm16));
    put32(bytes, 40, 100000);
    EXPECT_NE(decodeError(bytes).find("'data' chunk"), std::string::npos);
}

TEST(WavFile, RejectsMissingFmtChunk) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    std::memcpy(bytes.data() + 12, "junk", 4);
    EXPECT_NE(decodeError(bytes).find("before the 'fmt ' chunk"), std::string::npos);
}

TEST(WavFile, RejectsMissingDataChunk) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    std::memcpy(bytes.data() + 36, "junk", 4);
    EXPECT_NE(decodeError(bytes).find("no 'data' chunk"), std::string::npos);
}

TEST(WavFile, RejectsShortFmtChunk) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put32(bytes, 16, 12);  // the chunk walk now lands inside fmt; the size check fires first
    EXPECT_NE(decodeError(bytes).find("at least 16"), std::string::npos);
}

TEST(WavFile, RejectsUnsupportedFormatTag) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put16(bytes, 20, 2);  // ADPCM
    EXPECT_NE(decodeError(bytes).find("unsupported WAV format tag 2"), std::string::npos);
}

TEST(WavFile, RejectsUnsupportedBitDepth) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put16(bytes, 34, 8);
    EXPECT_NE(decodeError(bytes).find("unsupported sample size: 8-bit PCM"), std::string::npos);
    put16(bytes, 20, 3);
    put16(bytes, 34, 64);
    EXPECT_NE(decodeError(bytes).find("64-bit float"), std::string::npos);
}

TEST(WavFile, RejectsZeroChannelsAndZeroRate) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put16(bytes, 22, 0);
    EXPECT_NE(decodeError(bytes).find("channel count 0"), std::string::npos);
    bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put32(bytes, 24, 0);
    EXPECT_NE(decodeError(bytes).find("sample rate 0"), std::string::npos);
}

TEST(WavFile, RejectsInconsistentBlockAlign) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 4, WavSampleFormat::Pcm16));
    put16(bytes, 32, 3);
    EXPECT_NE(decodeError(bytes).find("block align"), std::string::npos);
}

TEST(WavFile, RejectsDataSizeNotAMultipleOfTheFrameSize) {
    std::vector<uint8_t> bytes = encoded(ramp(2, 4, WavSampleFormat::Pcm16));
    put32(bytes, 40, 15);
    bytes.resize(44 + 16);
    put32(bytes, 4, static_cast<uint32_t>(bytes.size() - 8));
    EXPECT_NE(decodeError(bytes).find("not a multiple of the frame size"), std::string::npos);
}

TEST(WavFile, RejectsDuplicateChunks) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 2, WavSampleFormat::Pcm16));
    std::vector<uint8_t> data(bytes.begin() + 36, bytes.end());
    bytes.insert(bytes.end(), data.begin(), data.end());
    put32(bytes, 4, static_cast<uint32_t>(bytes.size() - 8));
    EXPECT_NE(decodeError(bytes).find("more than one 'data' chunk"), std::string::npos);
}

TEST(WavFile, RejectsBadExtensibleSubformat) {
    std::vector<uint8_t> bytes = encoded(ramp(1, 2, WavSampleFormat::Pcm16));
    std::vector<uint8_t> ext(24, 0);  // GUID all zero
    bytes.insert(bytes.begin() + 36, ext.begin(), ext.end());
    put32(bytes, 16, 40);
    put16(bytes, 20, 0xFFFE);
    put32(bytes, 4, static_cast<uint32_t>(bytes.size() - 8));
    EXPECT_NE(decodeError(bytes).find("sub-format"), std::string::npos);
}

TEST(WavFile, EncoderRejectsUnusableAudio) {
    WavAudio audio;
    std::vector<uint8_t> bytes;
    std::string error;
    audio.channels = 0;
    audio.sampleRate = 48000;
    EXPECT_FALSE(encodeWav(audio, &bytes, &error));
    audio.channels = 2;
    audio.sampleRate = 0;
    EXPECT_FALSE(encodeWav(audio, &bytes, &error));
    audio.sampleRate = 48000;
    audio.samples = {0.0f, 0.0f, 0.0f};
    EXPECT_FALSE(encodeWav(audio, &bytes, &error));
}

TEST(WavFile, EveryTruncationOfAValidFileIsAnErrorNotACrash) {
    std::vector<uint8_t> bytes = encoded(ramp(2, 8, WavSampleFormat::Pcm24));
    for (size_t size = 0; size < bytes.size(); size++) {
        WavAudio audio;
        std::string error;
        EXPECT_FALSE(decodeWav(bytes.data(), size, &audio, &error)) << size;
    }
}

} // namespace
} // namespace aap::host_tool
