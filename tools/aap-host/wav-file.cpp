#include "wav-file.h"

#include <cmath>
#include <cstring>

namespace aap::host_tool {
namespace {

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;
// The tail shared by the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs after their first 2 bytes.
constexpr uint8_t kSubformatTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                                        0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

uint16_t u16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) noexcept {
    return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
void put16(std::vector<uint8_t>& out, uint32_t v) {
    out.push_back(static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}
std::string fourcc(const uint8_t* p) {
    std::string s;
    for (int i = 0; i < 4; i++)
        s += (p[i] >= 0x20 && p[i] < 0x7F) ? static_cast<char>(p[i]) : '?';
    return s;
}
bool fail(std::string* error, std::string message) {
    if (error)
        *error = std::move(message);
    return false;
}

int bytesPerSample(WavSampleFormat format) noexcept {
    switch (format) {
    case WavSampleFormat::Pcm16: return 2;
    case WavSampleFormat::Pcm24: return 3;
    default: return 4;
    }
}

} // namespace

const char* toString(WavSampleFormat format) noexcept {
    switch (format) {
    case WavSampleFormat::Pcm16: return "pcm16";
    case WavSampleFormat::Pcm24: return "pcm24";
    case WavSampleFormat::Pcm32: return "pcm32";
    case WavSampleFormat::Float32: return "float32";
    }
    return "unknown";
}

bool parseWavSampleFormat(const std::string& text, WavSampleFormat* format) noexcept {
    if (text == "pcm16" || text == "16") *format = WavSampleFormat::Pcm16;
    else if (text == "pcm24" || text == "24") *format = WavSampleFormat::Pcm24;
    else if (text == "pcm32") *format = WavSampleFormat::Pcm32;
    else if (text == "float32" || text == "float" || text == "32f") *format = WavSampleFormat::Float32;
    else return false;
    return true;
}

bool decodeWav(const uint8_t* data, size_t size, WavAudio* audio, std::string* error) {
    if (size < 12)
        return fail(error, "not a WAV file: " + std::to_string(size) + " bytes is shorter than a RIFF header (12)");
    if (std::memcmp(data, "RIFF", 4) != 0)
        return fail(error, "not a WAV file: no RIFF header (starts with '" + fourcc(data) + "')");
    if (std::memcmp(data + 8, "WAVE", 4) != 0)
        return fail(error, "not a WAV file: RIFF form type is '" + fourcc(data + 8) + "', not 'WAVE'");
    const uint64_t riffEnd = uint64_t{u32(data + 4)} + 8;
    if (riffEnd > size)
        return fail(error, "truncated WAV file: the RIFF header claims " + std::to_string(riffEnd) +
                               " bytes but the file has " + std::to_string(size));
    if (riffEnd < 12)
        return fail(error, "bad RIFF header: size field " + std::to_string(riffEnd - 8) + " is too small");

    bool haveFormat = false;
    uint16_t formatTag = 0, channels = 0, blockAlign = 0, bits = 0;
    uint32_t sampleRate = 0;
    const uint8_t* samples = nullptr;
    uint32_t sampleBytes = 0;
    size_t offset = 12;
    while (offset < riffEnd) {
        if (riffEnd - offset < 8)
            return fail(error, "truncated chunk header at byte " + std::to_string(offset));
        const std::string id = fourcc(data + offset);
        const uint32_t chunkSize = u32(data + offset + 4);
        const size_t body = offset + 8;
        if (chunkSize > riffEnd - body)
            return fail(error, "'" + id + "' chunk at byte " + std::to_string(offset) + " claims " +
                                   std::to_string(chunkSize) + " bytes but only " + std::to_string(riffEnd - body) +
                                   " remain (truncated or corrupt file)");
        if (id == "fmt ") {
            if (haveFormat)
                return fail(error, "more than one 'fmt ' chunk");
            if (chunkSize < 16)
                return fail(error, "'fmt ' chunk is " + std::to_string(chunkSize) + " bytes, at least 16 expected");
            const uint8_t* f = data + body;
            formatTag = u16(f);
            channels = u16(f + 2);
            sampleRate = u32(f + 4);
            blockAlign = u16(f + 12);
            bits = u16(f + 14);
            if (formatTag == kFormatExtensible) {
                if (chunkSize < 40)
                    return fail(error, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is " + std::to_string(chunkSize) +
                                           " bytes, 40 expected");
                const uint8_t* guid = f + 24;
                if (std::memcmp(guid + 2, kSubformatTail, sizeof(kSubformatTail)) != 0 ||
                    (u16(guid) != kFormatPcm && u16(guid) != kFormatFloat))
                    return fail(error, "unsupported WAVE_FORMAT_EXTENSIBLE sub-format (only PCM and IEEE float)");
                formatTag = u16(guid);
            }
            haveFormat = true;
        } else if (id == "data") {
            if (!haveFormat)
                return fail(error, "'data' chunk before the 'fmt ' chunk");
            if (samples != nullptr)
                return fail(error, "more than one 'data' chunk");
            samples = data + body;
            sampleBytes = chunkSize;
        }
        // Chunks are word aligned: an odd-sized chunk is followed by a pad byte.
        offset = body + chunkSize + (chunkSize & 1u);
    }
    if (!haveFormat)
        return fail(error, "no 'fmt ' chunk");
    if (samples == nullptr)
        return fail(error, "no 'data' chunk");

    WavSampleFormat format;
    if (formatTag == kFormatPcm && bits == 16) format = WavSampleFormat::Pcm16;
    else if (formatTag == kFormatPcm && bits == 24) format = WavSampleFormat::Pcm24;
    else if (formatTag == kFormatPcm && bits == 32) format = WavSampleFormat::Pcm32;
    else if (formatTag == kFormatFloat && bits == 32) format = WavSampleFormat::Float32;
    else if (formatTag == kFormatPcm || formatTag == kFormatFloat)
        return fail(error, "unsupported sample size: " + std::to_string(bits) + "-bit " +
                               (formatTag == kFormatPcm ? "PCM" : "float") +
                               " (supported: 16/24/32-bit PCM, 32-bit float)");
    else
        return fail(error, "unsupported WAV format tag " + std::to_string(formatTag) +
                               " (supported: 1 = PCM, 3 = IEEE float, 0xFFFE = extensible)");
    if (channels == 0 || channels > 64)
        return fail(error, "unsupported channel count " + std::to_string(channels) + " (1..64)");
    if (sampleRate == 0 || sampleRate > 1536000)
        return fail(error, "unsupported sample rate " + std::to_string(sampleRate) + " Hz");
    const int width = bytesPerSample(format);
    if (blockAlign != channels * width)
        return fail(error, "inconsistent 'fmt ' chunk: block align " + std::to_string(blockAlign) + " but " +
                               std::to_string(channels) + " channels of " + std::to_string(width) + " bytes");
    if (sampleBytes % blockAlign != 0)
        return fail(error, "'data' chunk size " + std::to_string(sampleBytes) + " is not a multiple of the frame size " +
                               std::to_string(blockAlign));

    WavAudio result;
    result.sampleRate = static_cast<int32_t>(sampleRate);
    result.channels = channels;
    result.format = format;
    const size_t count = sampleBytes / static_cast<size_t>(width);
    result.samples.resize(count);
    for (size_t i = 0; i < count; i++) {
        const uint8_t* p = samples + i * static_cast<size_t>(width);
        float value;
        switch (format) {
        case WavSampleFormat::Pcm16: value = static_cast<int16_t>(u16(p)) / 32768.0f; break;
        case WavSampleFormat::Pcm24: {
            int32_t v = static_cast<int32_t>(uint32_t{p[0]} << 8 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 24) >> 8;
            value = static_cast<float>(v / 8388608.0);
            break;
        }
        case WavSampleFormat::Pcm32: value = static_cast<float>(static_cast<int32_t>(u32(p)) / 2147483648.0); break;
        default: {
            uint32_t bitsValue = u32(p);
            std::memcpy(&value, &bitsValue, sizeof(value));
            break;
        }
        }
        result.samples[i] = value;
    }
    *audio = std::move(result);
    return true;
}

bool encodeWavHeader(int32_t sampleRate, int32_t channels, WavSampleFormat format, uint64_t frames,
                     std::vector<uint8_t>* bytes, std::string* error) {
    if (channels <= 0 || channels > 64)
        return fail(error, "cannot write " + std::to_string(channels) + " channels (1..64)");
    if (sampleRate <= 0)
        return fail(error, "cannot write sample rate " + std::to_string(sampleRate));
    const int width = bytesPerSample(format);
    if (frames > (0xFFFFFFFFull - 64) / static_cast<uint64_t>(width) / static_cast<uint64_t>(channels))
        return fail(error, "audio too long for a WAV file (more than 4 GiB of samples)");
    const uint64_t dataBytes = frames * static_cast<uint64_t>(channels) * static_cast<uint64_t>(width);
    const bool isFloat = format == WavSampleFormat::Float32;
    std::vector<uint8_t>& out = *bytes;
    out.insert(out.end(), {'R', 'I', 'F', 'F'});
    put32(out, static_cast<uint32_t>(4 + 8 + 16 + 8 + dataBytes + (dataBytes & 1u)));
    out.insert(out.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
    put32(out, 16);
    put16(out, isFloat ? kFormatFloat : kFormatPcm);
    put16(out, static_cast<uint32_t>(channels));
    put32(out, static_cast<uint32_t>(sampleRate));
    put32(out, static_cast<uint32_t>(sampleRate) * static_cast<uint32_t>(channels * width));
    put16(out, static_cast<uint32_t>(channels * width));
    put16(out, static_cast<uint32_t>(width * 8));
    out.insert(out.end(), {'d', 'a', 't', 'a'});
    put32(out, static_cast<uint32_t>(dataBytes));
    return true;
}

void encodeWavSamples(const float* samples, size_t count, WavSampleFormat format, std::vector<uint8_t>* bytes) {
    std::vector<uint8_t>& out = *bytes;
    const bool isFloat = format == WavSampleFormat::Float32;
    for (size_t i = 0; i < count; i++) {
        const float sample = samples[i];
        if (isFloat) {
            uint32_t bitsValue;
            std::memcpy(&bitsValue, &sample, sizeof(bitsValue));
            put32(out, bitsValue);
            continue;
        }
        double v = std::isnan(sample) ? 0.0 : sample;
        v = v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v);
        if (format == WavSampleFormat::Pcm16) {
            put16(out, static_cast<uint32_t>(static_cast<int32_t>(std::lround(std::fmin(v * 32768.0, 32767.0)))) & 0xFFFF);
        } else if (format == WavSampleFormat::Pcm24) {
            uint32_t s = static_cast<uint32_t>(static_cast<int32_t>(std::lround(std::fmin(v * 8388608.0, 8388607.0))));
            out.push_back(static_cast<uint8_t>(s));
            out.push_back(static_cast<uint8_t>(s >> 8));
            out.push_back(static_cast<uint8_t>(s >> 16));
        } else {
            put32(out, static_cast<uint32_t>(static_cast<int32_t>(std::llround(std::fmin(v * 2147483648.0, 2147483647.0)))));
        }
    }
}

void encodeWavTrailer(int32_t channels, WavSampleFormat format, uint64_t frames, std::vector<uint8_t>* bytes) {
    const uint64_t dataBytes = frames * static_cast<uint64_t>(channels) * static_cast<uint64_t>(bytesPerSample(format));
    if (dataBytes & 1u)
        bytes->push_back(0);  // RIFF chunks are padded to an even size
}

bool encodeWav(const WavAudio& audio, std::vector<uint8_t>* bytes, std::string* error) {
    if (audio.channels <= 0 || audio.channels > 64)
        return fail(error, "cannot write " + std::to_string(audio.channels) + " channels (1..64)");
    if (audio.samples.size() % static_cast<size_t>(audio.channels) != 0)
        return fail(error, "sample count is not a multiple of the channel count");
    std::vector<uint8_t> out;
    if (!encodeWavHeader(audio.sampleRate, audio.channels, audio.format, audio.frames(), &out, error))
        return false;
    out.reserve(out.size() + audio.samples.size() * static_cast<size_t>(bytesPerSample(audio.format)) + 1);
    encodeWavSamples(audio.samples.data(), audio.samples.size(), audio.format, &out);
    encodeWavTrailer(audio.channels, audio.format, audio.frames(), &out);
    *bytes = std::move(out);
    return true;
}

} // namespace aap::host_tool
