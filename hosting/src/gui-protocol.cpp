#include "aap/hosting/gui-protocol.h"

#include <cmath>
#include <cstring>

#include "aapxs/parameter-sysex8.h"
#include "aapxs/ump.h"

namespace aap {

namespace {

uint16_t load16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t load32(const uint8_t* p) noexcept {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
           (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t load64(const uint8_t* p) noexcept {
    return static_cast<uint64_t>(load32(p)) | (static_cast<uint64_t>(load32(p + 4)) << 32);
}
void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; i++)
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
    put32(out, static_cast<uint32_t>(v));
    put32(out, static_cast<uint32_t>(v >> 32));
}
void putDouble(std::vector<uint8_t>& out, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put64(out, bits);
}
void putFloat(std::vector<uint8_t>& out, float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put32(out, bits);
}
double loadDouble(const uint8_t* p) noexcept {
    const uint64_t bits = load64(p);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}
float loadFloat(const uint8_t* p) noexcept {
    const uint32_t bits = load32(p);
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

std::vector<uint8_t> header(GuiMessageType type, uint32_t session, uint32_t sequence, size_t payloadSize) {
    std::vector<uint8_t> out;
    out.reserve(kGuiHeaderSize + payloadSize);
    put32(out, kGuiMessageMagic);
    put16(out, kGuiProtocolVersion);
    put16(out, static_cast<uint16_t>(type));
    put32(out, session);
    put32(out, sequence);
    put32(out, static_cast<uint32_t>(payloadSize));
    put32(out, 0);
    return out;
}

bool fail(std::string* detail, const std::string& text) {
    if (detail != nullptr) {
        try {
            *detail = text;
        } catch (...) {
        }
    }
    return false;
}

bool isGesture(uint32_t w0, uint32_t w1) noexcept {
    const uint32_t statusSize = (w0 >> 16) & 0xFFu;
    const uint32_t subId = (w1 >> 8) & 0xFFu;
    return (w0 >> 28) == 0x5u && (statusSize == 0x0Eu || statusSize == 0x0Fu) && ((w0 >> 8) & 0xFFu) == 0x00u &&
           (w0 & 0xFFu) == 0x7Eu && (w1 & 0xFFFF0000u) == 0x7F000000u && (subId == 0x02u || subId == 0x03u) &&
           (w1 & 0xF0u) == 0;
}

} // namespace

const char* guiMessageTypeName(GuiMessageType type) noexcept {
    switch (type) {
    case GuiMessageType::Hello: return "hello";
    case GuiMessageType::Welcome: return "welcome";
    case GuiMessageType::Initialize: return "initialize";
    case GuiMessageType::InitializeAck: return "initialize-ack";
    case GuiMessageType::Cleanup: return "cleanup";
    case GuiMessageType::CleanupAck: return "cleanup-ack";
    case GuiMessageType::Ping: return "ping";
    case GuiMessageType::Pong: return "pong";
    case GuiMessageType::Events: return "events";
    case GuiMessageType::ParameterValues: return "parameter-values";
    case GuiMessageType::Levels: return "levels";
    case GuiMessageType::Resync: return "resync";
    case GuiMessageType::Error: return "error";
    }
    return "unknown";
}

const char* guiDecodeErrorName(GuiDecodeError error) noexcept {
    switch (error) {
    case GuiDecodeError::Ok: return "ok";
    case GuiDecodeError::TooShort: return "too short";
    case GuiDecodeError::TrailingBytes: return "trailing bytes";
    case GuiDecodeError::BadMagic: return "bad magic";
    case GuiDecodeError::UnsupportedVersion: return "unsupported version";
    case GuiDecodeError::ReservedNotZero: return "reserved field not zero";
    case GuiDecodeError::UnknownType: return "unknown message type";
    case GuiDecodeError::WrongDirection: return "message type not allowed in this direction";
    case GuiDecodeError::PayloadTooLarge: return "payload too large";
    case GuiDecodeError::BadPayloadSize: return "payload size does not match the message type";
    case GuiDecodeError::BadToken: return "bad token size";
    case GuiDecodeError::BadUmp: return "bad or forbidden UMP";
    case GuiDecodeError::BadValue: return "field out of range";
    }
    return "unknown error";
}

uint32_t GuiMessage::umpWord(size_t index) const noexcept {
    return index < umpWordCount ? load32(payload + 4 * index) : 0u;
}

GuiParameterValue GuiMessage::value(size_t index) const noexcept {
    GuiParameterValue v;
    if (index < valueCount) {
        const uint8_t* p = payload + 8 + 16 * index;
        v.id = static_cast<int32_t>(load32(p));
        v.value = loadDouble(p + 8);
    }
    return v;
}

GuiLevel GuiMessage::level(size_t index) const noexcept {
    GuiLevel l;
    if (index < levelCount) {
        const uint8_t* p = payload + 4 + 8 * index;
        l.port = static_cast<int32_t>(load32(p));
        l.peak = loadFloat(p + 4);
    }
    return l;
}

bool guiUmpAllowedFromClient(const uint32_t* words, size_t wordCount) noexcept {
    if (words == nullptr || wordCount == 0 || wordCount != aapxs_ump_message_words(words[0]))
        return false;
    const uint32_t type = words[0] >> 28;
    switch (type) {
    case 0x0: {
        const uint32_t status = (words[0] >> 20) & 0xFu;
        return status == 0x0u || status == 0x2u;  // NOOP, JR Timestamp
    }
    case 0x2:  // MIDI 1.0 channel voice
    case 0x4:  // MIDI 2.0 channel voice
        return true;
    case 0x5:
        return aapxs_parameter_sysex8_is(words[0], words[1]) || isGesture(words[0], words[1]);
    default: return false;
    }
}

void writeParameterGesture(uint32_t* words, bool begin, uint16_t parameterId, uint8_t group) noexcept {
    words[0] = ((0x50u | (group & 0x0Fu)) << 24) | (0x0Eu << 16) | 0x7Eu;
    words[1] = 0x7F000000u | ((begin ? 0x02u : 0x03u) << 8);
    words[2] = parameterId;
    words[3] = 0;
}

bool readParameterGesture(const uint32_t* words, bool* begin, uint16_t* parameterId) noexcept {
    if (words == nullptr || !isGesture(words[0], words[1]))
        return false;
    if (begin != nullptr)
        *begin = ((words[1] >> 8) & 0xFFu) == 0x02u;
    if (parameterId != nullptr)
        *parameterId = static_cast<uint16_t>(words[2] & 0xFFFFu);
    return true;
}

GuiDecodeError decodeGuiHeader(const uint8_t* data, size_t size, GuiMessageHeader* out) noexcept {
    if (data == nullptr || size < kGuiHeaderSize)
        return GuiDecodeError::TooShort;
    if (load32(data) != kGuiMessageMagic)
        return GuiDecodeError::BadMagic;
    if (load16(data + 4) != kGuiProtocolVersion)
        return GuiDecodeError::UnsupportedVersion;
    if (load32(data + 20) != 0)
        return GuiDecodeError::ReservedNotZero;
    const uint32_t payloadSize = load32(data + 16);
    if (payloadSize > kGuiMaxPayloadSize)
        return GuiDecodeError::PayloadTooLarge;
    if (out != nullptr) {
        out->version = load16(data + 4);
        out->type = static_cast<GuiMessageType>(load16(data + 6));
        out->session = load32(data + 8);
        out->sequence = load32(data + 12);
        out->payloadSize = payloadSize;
    }
    return GuiDecodeError::Ok;
}

GuiDecodeError decodeGuiMessage(const uint8_t* data, size_t size, GuiDirection direction, GuiMessage* out,
                                std::string* detail) noexcept {
    GuiMessage message;
    GuiDecodeError error = decodeGuiHeader(data, size, &message.header);
    if (error != GuiDecodeError::Ok) {
        if (error == GuiDecodeError::TooShort)
            fail(detail, std::to_string(size) + " bytes cannot hold the 24-byte header");
        else if (error == GuiDecodeError::UnsupportedVersion)
            fail(detail, "protocol version " + std::to_string(load16(data + 4)) + " (this host speaks " +
                             std::to_string(kGuiProtocolVersion) + ")");
        else if (error == GuiDecodeError::PayloadTooLarge)
            fail(detail, "payloadSize " + std::to_string(load32(data + 16)) + " exceeds the limit of " +
                             std::to_string(kGuiMaxPayloadSize) + " bytes");
        else
            fail(detail, guiDecodeErrorName(error));
        return error;
    }
    const size_t payloadSize = message.header.payloadSize;
    if (size - kGuiHeaderSize < payloadSize) {
        fail(detail, "payloadSize " + std::to_string(payloadSize) + " but only " +
                         std::to_string(size - kGuiHeaderSize) + " payload bytes received");
        return GuiDecodeError::TooShort;
    }
    if (size - kGuiHeaderSize > payloadSize) {
        fail(detail, std::to_string(size - kGuiHeaderSize - payloadSize) + " bytes after the " +
                         std::to_string(payloadSize) + "-byte payload");
        return GuiDecodeError::TrailingBytes;
    }
    const uint8_t* p = data + kGuiHeaderSize;
    message.payload = p;
    const GuiMessageType type = message.header.type;
    const bool fromClient = direction == GuiDirection::ClientToHost;
    auto wrongDirection = [&]() {
        fail(detail, std::string("a ") + guiMessageTypeName(type) + " message may not be sent " +
                         (fromClient ? "by a client" : "by the host"));
        return GuiDecodeError::WrongDirection;
    };
    auto badSize = [&](size_t expected) {
        fail(detail, std::string("a ") + guiMessageTypeName(type) + " message has a " + std::to_string(expected) +
                         "-byte payload, not " + std::to_string(payloadSize));
        return GuiDecodeError::BadPayloadSize;
    };
    switch (type) {
    case GuiMessageType::Hello: {
        if (!fromClient)
            return wrongDirection();
        if (payloadSize < 8) {
            fail(detail, "a hello needs at least 8 payload bytes, got " + std::to_string(payloadSize));
            return GuiDecodeError::BadPayloadSize;
        }
        message.protocolVersion = load32(p);
        const uint32_t tokenSize = load32(p + 4);
        if (tokenSize < kGuiMinTokenSize || tokenSize > kGuiMaxTokenSize) {
            fail(detail, "token of " + std::to_string(tokenSize) + " bytes (16..64 allowed)");
            return GuiDecodeError::BadToken;
        }
        if (payloadSize != 8u + tokenSize)
            return badSize(8u + tokenSize);
        message.token = p + 8;
        message.tokenSize = tokenSize;
        break;
    }
    case GuiMessageType::Welcome:
        if (fromClient)
            return wrongDirection();
        if (payloadSize != 28)
            return badSize(28);
        message.protocolVersion = load32(p);
        message.welcomeSession = load32(p + 4);
        message.sampleRate = load32(p + 8);
        message.frames = load32(p + 12);
        message.parameterCount = load32(p + 16);
        message.portCount = load32(p + 20);
        message.displayRateMilliHz = load32(p + 24);
        break;
    case GuiMessageType::Initialize:
    case GuiMessageType::Cleanup:
    case GuiMessageType::Ping:
        if (fromClient)
            return wrongDirection();
        if (payloadSize != 0)
            return badSize(0);
        break;
    case GuiMessageType::InitializeAck:
    case GuiMessageType::CleanupAck:
    case GuiMessageType::Pong:
        if (!fromClient)
            return wrongDirection();
        if (payloadSize != 0)
            return badSize(0);
        break;
    case GuiMessageType::Events: {
        if (payloadSize % 4 != 0) {
            fail(detail, "events payload of " + std::to_string(payloadSize) + " bytes is not whole UMP words");
            return GuiDecodeError::BadUmp;
        }
        const size_t words = payloadSize / 4;
        size_t i = 0;
        while (i < words) {
            uint32_t ump[4] = {load32(p + 4 * i), 0, 0, 0};
            const size_t count = aapxs_ump_message_words(ump[0]);
            if (i + count > words) {
                fail(detail, "the UMP at word " + std::to_string(i) + " needs " + std::to_string(count) +
                                 " words, only " + std::to_string(words - i) + " left");
                return GuiDecodeError::BadUmp;
            }
            for (size_t w = 1; w < count; w++)
                ump[w] = load32(p + 4 * (i + w));
            if (fromClient && !guiUmpAllowedFromClient(ump, count)) {
                char hex[16];
                static const char digits[] = "0123456789abcdef";
                for (int d = 0; d < 8; d++)
                    hex[d] = digits[(ump[0] >> (28 - 4 * d)) & 0xFu];
                hex[8] = 0;
                fail(detail, "the UMP at word " + std::to_string(i) + " (0x" + hex +
                                 ") is not one a GUI may send (utility, MIDI 1.0/2.0 channel voice, parameter "
                                 "change or gesture SysEx8)");
                return GuiDecodeError::BadUmp;
            }
            i += count;
        }
        message.umpWordCount = words;
        break;
    }
    case GuiMessageType::ParameterValues: {
        if (fromClient)
            return wrongDirection();
        if (payloadSize < 8)
            return badSize(8);
        const uint32_t flags = load32(p);
        const uint32_t count = load32(p + 4);
        if ((flags & ~1u) != 0) {
            fail(detail, "unknown parameter-values flags " + std::to_string(flags));
            return GuiDecodeError::BadValue;
        }
        if (count > (kGuiMaxPayloadSize - 8) / 16 || payloadSize != 8u + 16u * count)
            return badSize(8u + 16u * static_cast<size_t>(count > kGuiMaxPayloadSize ? 0 : count));
        for (uint32_t i = 0; i < count; i++) {
            const uint8_t* entry = p + 8 + 16 * i;
            if (load32(entry + 4) != 0) {
                fail(detail, "parameter value " + std::to_string(i) + " has a non-zero reserved field");
                return GuiDecodeError::ReservedNotZero;
            }
            if (!std::isfinite(loadDouble(entry + 8))) {
                fail(detail, "parameter value " + std::to_string(i) + " is not finite");
                return GuiDecodeError::BadValue;
            }
        }
        message.snapshot = (flags & 1u) != 0;
        message.valueCount = count;
        break;
    }
    case GuiMessageType::Levels: {
        if (fromClient)
            return wrongDirection();
        if (payloadSize < 4)
            return badSize(4);
        const uint32_t count = load32(p);
        if (count > (kGuiMaxPayloadSize - 4) / 8 || payloadSize != 4u + 8u * count)
            return badSize(4u + 8u * static_cast<size_t>(count > kGuiMaxPayloadSize ? 0 : count));
        for (uint32_t i = 0; i < count; i++) {
            const float peak = loadFloat(p + 4 + 8 * i + 4);
            if (!std::isfinite(peak) || peak < 0.0f) {
                fail(detail, "level " + std::to_string(i) + " is negative or not finite");
                return GuiDecodeError::BadValue;
            }
        }
        message.levelCount = count;
        break;
    }
    case GuiMessageType::Resync:
        if (fromClient)
            return wrongDirection();
        if (payloadSize != 8)
            return badSize(8);
        message.lostEvents = load64(p);
        break;
    case GuiMessageType::Error: {
        if (payloadSize < 4 || payloadSize > 4 + kGuiMaxErrorText) {
            fail(detail, "an error message has 4.." + std::to_string(4 + kGuiMaxErrorText) + " payload bytes, not " +
                             std::to_string(payloadSize));
            return GuiDecodeError::BadPayloadSize;
        }
        message.errorCode = static_cast<GuiErrorCode>(load32(p));
        message.errorText = std::string_view(reinterpret_cast<const char*>(p + 4), payloadSize - 4);
        break;
    }
    default:
        fail(detail, "message type " + std::to_string(static_cast<unsigned>(type)));
        return GuiDecodeError::UnknownType;
    }
    if (out != nullptr)
        *out = message;
    return GuiDecodeError::Ok;
}

std::vector<uint8_t> encodeGuiMessage(GuiMessageType type, uint32_t session, uint32_t sequence,
                                      const uint8_t* payload, size_t payloadSize) {
    std::vector<uint8_t> out = header(type, session, sequence, payloadSize);
    if (payloadSize > 0 && payload != nullptr)
        out.insert(out.end(), payload, payload + payloadSize);
    return out;
}

std::vector<uint8_t> encodeGuiHello(uint32_t sequence, const uint8_t* token, size_t tokenSize,
                                    uint32_t protocolVersion) {
    std::vector<uint8_t> out = header(GuiMessageType::Hello, 0, sequence, 8 + tokenSize);
    put32(out, protocolVersion);
    put32(out, static_cast<uint32_t>(tokenSize));
    if (tokenSize > 0 && token != nullptr)
        out.insert(out.end(), token, token + tokenSize);
    return out;
}

std::vector<uint8_t> encodeGuiWelcome(uint32_t sequence, const GuiWelcome& welcome) {
    std::vector<uint8_t> out = header(GuiMessageType::Welcome, welcome.session, sequence, 28);
    put32(out, kGuiProtocolVersion);
    put32(out, welcome.session);
    put32(out, welcome.sampleRate);
    put32(out, welcome.frames);
    put32(out, welcome.parameterCount);
    put32(out, welcome.portCount);
    put32(out, welcome.displayRateMilliHz);
    return out;
}

std::vector<uint8_t> encodeGuiEmpty(GuiMessageType type, uint32_t session, uint32_t sequence) {
    return header(type, session, sequence, 0);
}

std::vector<uint8_t> encodeGuiEvents(uint32_t session, uint32_t sequence, const uint32_t* words, size_t wordCount) {
    std::vector<uint8_t> out = header(GuiMessageType::Events, session, sequence, 4 * wordCount);
    for (size_t i = 0; i < wordCount; i++)
        put32(out, words[i]);
    return out;
}

std::vector<uint8_t> encodeGuiParameterValues(uint32_t session, uint32_t sequence, bool snapshot,
                                              const GuiParameterValue* values, size_t count) {
    std::vector<uint8_t> out = header(GuiMessageType::ParameterValues, session, sequence, 8 + 16 * count);
    put32(out, snapshot ? 1u : 0u);
    put32(out, static_cast<uint32_t>(count));
    for (size_t i = 0; i < count; i++) {
        put32(out, static_cast<uint32_t>(values[i].id));
        put32(out, 0);
        putDouble(out, values[i].value);
    }
    return out;
}

std::vector<uint8_t> encodeGuiLevels(uint32_t session, uint32_t sequence, const GuiLevel* levels, size_t count) {
    std::vector<uint8_t> out = header(GuiMessageType::Levels, session, sequence, 4 + 8 * count);
    put32(out, static_cast<uint32_t>(count));
    for (size_t i = 0; i < count; i++) {
        put32(out, static_cast<uint32_t>(levels[i].port));
        putFloat(out, levels[i].peak);
    }
    return out;
}

std::vector<uint8_t> encodeGuiResync(uint32_t session, uint32_t sequence, uint64_t lostEvents) {
    std::vector<uint8_t> out = header(GuiMessageType::Resync, session, sequence, 8);
    put64(out, lostEvents);
    return out;
}

std::vector<uint8_t> encodeGuiError(uint32_t session, uint32_t sequence, GuiErrorCode code, std::string_view text) {
    if (text.size() > kGuiMaxErrorText)
        text = text.substr(0, kGuiMaxErrorText);
    std::vector<uint8_t> out = header(GuiMessageType::Error, session, sequence, 4 + text.size());
    put32(out, static_cast<uint32_t>(code));
    out.insert(out.end(), text.begin(), text.end());
    return out;
}

std::string guiHex(const uint8_t* bytes, size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (size_t i = 0; i < size; i++) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0xF]);
    }
    return out;
}

bool guiUnhex(std::string_view hex, std::vector<uint8_t>* out, size_t maxBytes) {
    if (out == nullptr || hex.size() % 2 != 0 || hex.size() / 2 > maxBytes)
        return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::vector<uint8_t> bytes;
    bytes.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]);
        const int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        bytes.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    *out = std::move(bytes);
    return true;
}

} // namespace aap
