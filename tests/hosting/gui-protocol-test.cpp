// The GUI message set (aap/hosting/gui-protocol.h): every message round-trips field by field,
// the byte layout is the documented one (little-endian, 24-byte header), and every malformed or
// forbidden input is refused with its own error and a sentence saying what was wrong.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "aap/hosting/gui-protocol.h"
#include "aapxs/parameter-sysex8.h"

namespace aap {
namespace {

GuiDecodeError decode(const std::vector<uint8_t>& bytes, GuiDirection direction, GuiMessage* out = nullptr,
                      std::string* detail = nullptr) {
    GuiMessage ignored;
    return decodeGuiMessage(bytes.data(), bytes.size(), direction, out != nullptr ? out : &ignored, detail);
}

void put32At(std::vector<uint8_t>& bytes, size_t offset, uint32_t value) {
    for (int i = 0; i < 4; i++)
        bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

TEST(GuiProtocol, TheHeaderIsLittleEndianAndTwentyFourBytes) {
    const auto bytes = encodeGuiEmpty(GuiMessageType::Ping, 0x01020304u, 0x0A0B0C0Du);
    const std::vector<uint8_t> expected = {'A', 'A', 'P', 'G', 1, 0, 7, 0, 4, 3, 2, 1, 0x0D, 0x0C, 0x0B, 0x0A,
                                           0, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(bytes, expected);
    GuiMessage message;
    ASSERT_EQ(decode(bytes, GuiDirection::HostToClient, &message), GuiDecodeError::Ok);
    EXPECT_EQ(message.header.type, GuiMessageType::Ping);
    EXPECT_EQ(message.header.session, 0x01020304u);
    EXPECT_EQ(message.header.sequence, 0x0A0B0C0Du);
}

TEST(GuiProtocol, EveryMessageRoundTrips) {
    uint8_t token[kGuiTokenSize];
    for (size_t i = 0; i < sizeof token; i++)
        token[i] = static_cast<uint8_t>(i * 7 + 1);
    GuiMessage m;
    const auto helloBytes = encodeGuiHello(5, token, sizeof token);  // the views point into it
    ASSERT_EQ(decode(helloBytes, GuiDirection::ClientToHost, &m), GuiDecodeError::Ok);
    EXPECT_EQ(m.header.type, GuiMessageType::Hello);
    EXPECT_EQ(m.header.sequence, 5u);
    EXPECT_EQ(m.protocolVersion, kGuiProtocolVersion);
    ASSERT_EQ(m.tokenSize, sizeof token);
    EXPECT_EQ(std::memcmp(m.token, token, sizeof token), 0);

    GuiWelcome welcome{9, 44100, 128, 3, 6, 60000};
    const auto welcomeBytes = encodeGuiWelcome(2, welcome);
    ASSERT_EQ(decode(welcomeBytes, GuiDirection::HostToClient, &m), GuiDecodeError::Ok);
    EXPECT_EQ(m.header.session, 9u);
    EXPECT_EQ(m.welcomeSession, 9u);
    EXPECT_EQ(m.sampleRate, 44100u);
    EXPECT_EQ(m.frames, 128u);
    EXPECT_EQ(m.parameterCount, 3u);
    EXPECT_EQ(m.portCount, 6u);
    EXPECT_EQ(m.displayRateMilliHz, 60000u);

    uint32_t words[4 + 2 + 1];
    aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, 7, 0x80000000u);
    words[4] = 0x40903C00u;  // MIDI 2.0 note on
    words[5] = 0xFFFF0000u;
    words[6] = 0x00200010u;  // JR Timestamp
    const auto eventBytes = encodeGuiEvents(9, 3, words, 7);
    ASSERT_EQ(decode(eventBytes, GuiDirection::ClientToHost, &m), GuiDecodeError::Ok);
    ASSERT_EQ(m.umpWordCount, 7u);
    for (size_t i = 0; i < 7; i++)
        EXPECT_EQ(m.umpWord(i), words[i]);

    GuiParameterValue values[2] = {{7, 1.25}, {-3, -0.5}};
    const auto valueBytes = encodeGuiParameterValues(9, 4, true, values, 2);
    ASSERT_EQ(decode(valueBytes, GuiDirection::HostToClient, &m), GuiDecodeError::Ok);
    EXPECT_TRUE(m.snapshot);
    ASSERT_EQ(m.valueCount, 2u);
    EXPECT_EQ(m.value(0).id, 7);
    EXPECT_EQ(m.value(0).value, 1.25);
    EXPECT_EQ(m.value(1).id, -3);
    EXPECT_EQ(m.value(1).value, -0.5);

    GuiLevel levels[2] = {{0, 0.5f}, {1, 0.0f}};
    const auto levelBytes = encodeGuiLevels(9, 5, levels, 2);
    ASSERT_EQ(decode(levelBytes, GuiDirection::HostToClient, &m), GuiDecodeError::Ok);
    ASSERT_EQ(m.levelCount, 2u);
    EXPECT_EQ(m.level(0).port, 0);
    EXPECT_EQ(m.level(0).peak, 0.5f);
    EXPECT_EQ(m.level(1).port, 1);

    const auto resyncBytes = encodeGuiResync(9, 6, 0x123456789ull);
    ASSERT_EQ(decode(resyncBytes, GuiDirection::HostToClient, &m), GuiDecodeError::Ok);
    EXPECT_EQ(m.lostEvents, 0x123456789ull);

    const auto errorBytes = encodeGuiError(9, 7, GuiErrorCode::WrongToken, "no");
    ASSERT_EQ(decode(errorBytes, GuiDirection::HostToClient, &m), GuiDecodeError::Ok);
    EXPECT_EQ(m.errorCode, GuiErrorCode::WrongToken);
    EXPECT_EQ(m.errorText, "no");

    for (GuiMessageType type : {GuiMessageType::InitializeAck, GuiMessageType::CleanupAck, GuiMessageType::Pong})
        EXPECT_EQ(decode(encodeGuiEmpty(type, 1, 1), GuiDirection::ClientToHost), GuiDecodeError::Ok);
    for (GuiMessageType type : {GuiMessageType::Initialize, GuiMessageType::Cleanup, GuiMessageType::Ping})
        EXPECT_EQ(decode(encodeGuiEmpty(type, 1, 1), GuiDirection::HostToClient), GuiDecodeError::Ok);
}

TEST(GuiProtocol, HeaderErrorsAreRefusedWithTheirOwnCode) {
    std::string detail;
    const auto good = encodeGuiEmpty(GuiMessageType::Pong, 1, 1);
    EXPECT_EQ(decodeGuiMessage(good.data(), 23, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::TooShort);
    EXPECT_NE(detail.find("24-byte header"), std::string::npos) << detail;
    EXPECT_EQ(decodeGuiMessage(nullptr, 0, GuiDirection::ClientToHost, nullptr), GuiDecodeError::TooShort);

    auto bytes = good;
    bytes[0] = 'X';
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost), GuiDecodeError::BadMagic);
    bytes = good;
    bytes[4] = 2;
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::UnsupportedVersion);
    EXPECT_NE(detail.find("protocol version 2"), std::string::npos) << detail;
    bytes = good;
    bytes[23] = 1;
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost), GuiDecodeError::ReservedNotZero);
    bytes = good;
    bytes[6] = 99;
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::UnknownType);
    EXPECT_NE(detail.find("99"), std::string::npos) << detail;
    bytes = good;
    bytes.push_back(0);
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::TrailingBytes);
    bytes = good;
    put32At(bytes, 16, 4);  // claims a payload that did not arrive
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::TooShort);
    EXPECT_NE(detail.find("payloadSize 4"), std::string::npos) << detail;
    bytes = good;
    put32At(bytes, 16, 0xFFFFFFF0u);  // a size that would overflow naive arithmetic
    EXPECT_EQ(decode(bytes, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::PayloadTooLarge);
    EXPECT_EQ(decode(bytes, GuiDirection::HostToClient), GuiDecodeError::PayloadTooLarge);
}

TEST(GuiProtocol, EachSideMaySendOnlyItsOwnTypes) {
    std::string detail;
    uint8_t token[kGuiTokenSize] = {};
    EXPECT_EQ(decode(encodeGuiHello(1, token, sizeof token), GuiDirection::HostToClient, nullptr, &detail),
              GuiDecodeError::WrongDirection);
    EXPECT_NE(detail.find("hello"), std::string::npos) << detail;
    EXPECT_EQ(decode(encodeGuiWelcome(1, GuiWelcome{}), GuiDirection::ClientToHost), GuiDecodeError::WrongDirection);
    EXPECT_EQ(decode(encodeGuiEmpty(GuiMessageType::Initialize, 1, 1), GuiDirection::ClientToHost),
              GuiDecodeError::WrongDirection);
    EXPECT_EQ(decode(encodeGuiEmpty(GuiMessageType::Ping, 1, 1), GuiDirection::ClientToHost),
              GuiDecodeError::WrongDirection);
    EXPECT_EQ(decode(encodeGuiEmpty(GuiMessageType::Pong, 1, 1), GuiDirection::HostToClient),
              GuiDecodeError::WrongDirection);
    GuiParameterValue value{1, 0.5};
    EXPECT_EQ(decode(encodeGuiParameterValues(1, 1, false, &value, 1), GuiDirection::ClientToHost),
              GuiDecodeError::WrongDirection);
    EXPECT_EQ(decode(encodeGuiResync(1, 1, 0), GuiDirection::ClientToHost), GuiDecodeError::WrongDirection);
    GuiLevel level{};
    EXPECT_EQ(decode(encodeGuiLevels(1, 1, &level, 1), GuiDirection::ClientToHost), GuiDecodeError::WrongDirection);
}

TEST(GuiProtocol, PayloadSizesAreCheckedForEveryType) {
    std::string detail;
    // Token sizes: 16..64 only, and the payload must be exactly 8 + token.
    uint8_t token[80] = {};
    EXPECT_EQ(decode(encodeGuiHello(1, token, 15), GuiDirection::ClientToHost, nullptr, &detail),
              GuiDecodeError::BadToken);
    EXPECT_NE(detail.find("token of 15 bytes"), std::string::npos) << detail;
    EXPECT_EQ(decode(encodeGuiHello(1, token, 65), GuiDirection::ClientToHost), GuiDecodeError::BadToken);
    EXPECT_EQ(decode(encodeGuiHello(1, token, 16), GuiDirection::ClientToHost), GuiDecodeError::Ok);
    EXPECT_EQ(decode(encodeGuiHello(1, token, 64), GuiDirection::ClientToHost), GuiDecodeError::Ok);
    auto hello = encodeGuiHello(1, token, 32);
    put32At(hello, 28, 31);  // the token claims one byte less than the payload carries
    EXPECT_EQ(decode(hello, GuiDirection::ClientToHost, nullptr, &detail), GuiDecodeError::BadPayloadSize);
    const uint8_t four[4] = {};
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Hello, 0, 1, four, 4), GuiDirection::ClientToHost),
              GuiDecodeError::BadPayloadSize);
    // Empty messages carry nothing.
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Pong, 1, 1, four, 4), GuiDirection::ClientToHost, nullptr, &detail),
              GuiDecodeError::BadPayloadSize);
    EXPECT_NE(detail.find("0-byte payload"), std::string::npos) << detail;
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Welcome, 1, 1, four, 4), GuiDirection::HostToClient),
              GuiDecodeError::BadPayloadSize);
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Resync, 1, 1, four, 4), GuiDirection::HostToClient),
              GuiDecodeError::BadPayloadSize);
    // Counted arrays: the count must match the payload exactly, and a huge count never overflows.
    GuiParameterValue values[2] = {{1, 0.5}, {2, 0.25}};
    auto valueBytes = encodeGuiParameterValues(1, 1, false, values, 2);
    put32At(valueBytes, 28, 3);
    EXPECT_EQ(decode(valueBytes, GuiDirection::HostToClient), GuiDecodeError::BadPayloadSize);
    put32At(valueBytes, 28, 0x10000001u);
    EXPECT_EQ(decode(valueBytes, GuiDirection::HostToClient), GuiDecodeError::BadPayloadSize);
    put32At(valueBytes, 28, 2);
    put32At(valueBytes, 24, 2);  // an unknown flag
    EXPECT_EQ(decode(valueBytes, GuiDirection::HostToClient), GuiDecodeError::BadValue);
    put32At(valueBytes, 24, 0);
    put32At(valueBytes, 32 + 4, 1);  // reserved field of the first value
    EXPECT_EQ(decode(valueBytes, GuiDirection::HostToClient), GuiDecodeError::ReservedNotZero);
    GuiParameterValue nan{1, std::numeric_limits<double>::quiet_NaN()};
    EXPECT_EQ(decode(encodeGuiParameterValues(1, 1, false, &nan, 1), GuiDirection::HostToClient), GuiDecodeError::BadValue);
    GuiLevel levels[1] = {{0, 0.5f}};
    auto levelBytes = encodeGuiLevels(1, 1, levels, 1);
    put32At(levelBytes, 24, 0xFFFFFFFFu);
    EXPECT_EQ(decode(levelBytes, GuiDirection::HostToClient), GuiDecodeError::BadPayloadSize);
    GuiLevel negative{0, -1.0f};
    EXPECT_EQ(decode(encodeGuiLevels(1, 1, &negative, 1), GuiDirection::HostToClient), GuiDecodeError::BadValue);
    // Errors: a code, and at most kGuiMaxErrorText bytes of text.
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Error, 1, 1, four, 2), GuiDirection::ClientToHost),
              GuiDecodeError::BadPayloadSize);
    std::vector<uint8_t> longText(4 + kGuiMaxErrorText + 1, 'x');
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Error, 1, 1, longText.data(), longText.size()),
                     GuiDirection::ClientToHost),
              GuiDecodeError::BadPayloadSize);
    // The encoder itself cuts an error text to the limit.
    EXPECT_EQ(decode(encodeGuiError(1, 1, GuiErrorCode::Malformed, std::string(5000, 'y')), GuiDirection::HostToClient),
              GuiDecodeError::Ok);
}

TEST(GuiProtocol, AClientMaySendOnlyGuiUmp) {
    std::string detail;
    const uint32_t partial[1] = {0x40903C00u};  // a 2-word MIDI 2.0 note on, cut after one word
    EXPECT_EQ(decode(encodeGuiEvents(1, 1, partial, 1), GuiDirection::ClientToHost, nullptr, &detail),
              GuiDecodeError::BadUmp);
    EXPECT_NE(detail.find("needs 2 words"), std::string::npos) << detail;
    const uint8_t three[3] = {};
    EXPECT_EQ(decode(encodeGuiMessage(GuiMessageType::Events, 1, 1, three, 3), GuiDirection::ClientToHost),
              GuiDecodeError::BadUmp);
    // AAPXS SysEx8 (7E 7F 00 01): extension requests never come from a GUI.
    const uint32_t aapxs[4] = {0x501E007Eu, 0x7F000105u, 0x01000000u, 0x30000000u};
    EXPECT_EQ(decode(encodeGuiEvents(1, 1, aapxs, 4), GuiDirection::ClientToHost, nullptr, &detail),
              GuiDecodeError::BadUmp);
    EXPECT_NE(detail.find("0x501e007e"), std::string::npos) << detail;
    // ... but the host may forward the plugin's output, whatever it is.
    EXPECT_EQ(decode(encodeGuiEvents(1, 1, aapxs, 4), GuiDirection::HostToClient), GuiDecodeError::Ok);
    const uint32_t system[1] = {0x10F80000u};  // system real time
    EXPECT_FALSE(guiUmpAllowedFromClient(system, 1));
    const uint32_t data64[2] = {0x30000000u, 0};  // SysEx7
    EXPECT_FALSE(guiUmpAllowedFromClient(data64, 2));
    const uint32_t flex[4] = {0xD0000000u, 0, 0, 0};
    EXPECT_FALSE(guiUmpAllowedFromClient(flex, 4));
    const uint32_t clock[1] = {0x00100000u};  // utility JR Clock: not for GUIs
    EXPECT_FALSE(guiUmpAllowedFromClient(clock, 1));
    const uint32_t noop[1] = {0};
    EXPECT_TRUE(guiUmpAllowedFromClient(noop, 1));
    const uint32_t midi1[1] = {0x20903C40u};
    EXPECT_TRUE(guiUmpAllowedFromClient(midi1, 1));
    EXPECT_FALSE(guiUmpAllowedFromClient(midi1, 2));  // wrong size for its type
    uint32_t change[4];
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 3, 5);
    EXPECT_TRUE(guiUmpAllowedFromClient(change, 4));
    uint32_t gesture[4];
    writeParameterGesture(gesture, true, 3);
    EXPECT_TRUE(guiUmpAllowedFromClient(gesture, 4));
}

TEST(GuiProtocol, GestureBeginAndEndRoundTripAndAreNotParameterChanges) {
    uint32_t words[4];
    bool begin = false;
    uint16_t id = 0;
    writeParameterGesture(words, true, 0x1234);
    EXPECT_EQ(words[0], 0x500E007Eu);
    EXPECT_EQ(words[1], 0x7F000200u);
    ASSERT_TRUE(readParameterGesture(words, &begin, &id));
    EXPECT_TRUE(begin);
    EXPECT_EQ(id, 0x1234);
    EXPECT_FALSE(aapxs_parameter_sysex8_is(words[0], words[1]));
    writeParameterGesture(words, false, 9);
    ASSERT_TRUE(readParameterGesture(words, &begin, &id));
    EXPECT_FALSE(begin);
    EXPECT_EQ(id, 9);
    uint32_t change[4];
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 9, 1);
    EXPECT_FALSE(readParameterGesture(change, &begin, &id));
}

TEST(GuiProtocol, HexRoundTripsAndRefusesGarbage) {
    const uint8_t bytes[3] = {0x00, 0xAB, 0x7F};
    EXPECT_EQ(guiHex(bytes, 3), "00ab7f");
    std::vector<uint8_t> out;
    ASSERT_TRUE(guiUnhex("00AB7f", &out));
    EXPECT_EQ(out, std::vector<uint8_t>(bytes, bytes + 3));
    EXPECT_FALSE(guiUnhex("abc", &out));
    EXPECT_FALSE(guiUnhex("zz", &out));
    EXPECT_FALSE(guiUnhex(std::string(130, 'a'), &out));
}

} // namespace
} // namespace aap
