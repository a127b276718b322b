#pragma once
// The GUI message set: what a GUI client and the host exchange about one plugin instance,
// whatever carries it (a WebSocket binary frame, a stream socket, shared memory). docs/gui.md
// gives it field by field; this header is its one implementation (encoder and strict decoder).
//
// Every message is one 24-byte header followed by `payloadSize` bytes of payload. All integers
// are little-endian, fixed width; doubles are IEEE-754 binary64 and floats binary32, also
// little-endian. UMP words are 32-bit little-endian words.
//
//   offset size field
//        0    4 magic        0x47504141 ("AAPG" in memory)
//        4    2 version      kGuiProtocolVersion (1)
//        6    2 type         GuiMessageType
//        8    4 session      the client's session id (the host assigns it in Welcome; 0 in Hello)
//       12    4 sequence     the sender's message counter; an acknowledgement echoes the
//                            sequence of the message it acknowledges
//       16    4 payloadSize  bytes after the header
//       20    4 reserved     must be 0
//
// The decoder trusts nothing: every size is checked against the bytes received and against the
// limits below before anything is read, unknown types and versions are refused, and a message a
// direction may not send (a client sending Welcome, the host sending Hello) is refused. Errors
// are values: GuiDecodeError plus a sentence.
//
// Threads: everything here is [thread-safe]; the encoders allocate (non-audio threads only); the
// decoder and the UMP checks never allocate.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aap {

constexpr uint32_t kGuiMessageMagic = 0x47504141u;
constexpr uint16_t kGuiProtocolVersion = 1;
constexpr size_t kGuiHeaderSize = 24;
// Largest payload any message may have (a decoder refuses more before reading it).
constexpr size_t kGuiMaxPayloadSize = 256 * 1024;
// Tokens: the host makes them 32 bytes (256 bits); a Hello may carry 16..64 bytes (a shorter or
// longer one is malformed; one of the right size but wrong value is refused as a wrong token).
constexpr size_t kGuiTokenSize = 32;
constexpr size_t kGuiMinTokenSize = 16;
constexpr size_t kGuiMaxTokenSize = 64;
// Error text carried by an Error message, at most.
constexpr size_t kGuiMaxErrorText = 1024;

enum class GuiMessageType : uint16_t {
    Hello = 1,          // client -> host: u32 protocolVersion, u32 tokenSize, token bytes
    Welcome = 2,        // host -> client: u32 protocolVersion, u32 session, u32 sampleRate, u32 frames,
                        //                 u32 parameterCount, u32 portCount, u32 displayRateMilliHz
    Initialize = 3,     // host -> client: empty; answer InitializeAck within the deadline
    InitializeAck = 4,  // client -> host: empty; sequence = the Initialize's
    Cleanup = 5,        // host -> client: empty; answer CleanupAck within the deadline
    CleanupAck = 6,     // client -> host: empty; sequence = the Cleanup's
    Ping = 7,           // host -> client: empty; answer Pong within the deadline
    Pong = 8,           // client -> host: empty; sequence = the Ping's
    Events = 9,         // both: UMP words (client -> host: only GUI-allowed UMP, see below)
    ParameterValues = 10,  // host -> client: u32 flags (bit 0: snapshot of every parameter),
                           // u32 count, count x { i32 id, u32 reserved (0), f64 plain value }
    Levels = 11,        // host -> client: u32 count, count x { i32 port index, f32 peak (linear) }
    Resync = 12,        // host -> client: u64 events lost; a ParameterValues snapshot follows
    Error = 13,         // both: u32 GuiErrorCode, then UTF-8 text (at most kGuiMaxErrorText bytes)
};
// "hello", "welcome", ... or "unknown". Never null.
const char* guiMessageTypeName(GuiMessageType type) noexcept;

// Codes carried by Error messages.
enum class GuiErrorCode : uint32_t {
    Malformed = 1,        // the message could not be decoded (the text says why)
    WrongToken = 2,       // Hello carried a token that is not this instance's
    UnsupportedVersion = 3,
    NotAllowedNow = 4,    // e.g. Events before Initialize was acknowledged, a second Hello
    DeadlineMissed = 5,   // a lifecycle message was not acknowledged in time
    TooManyClients = 6,
    Closing = 7,          // the host is going away
};

enum class GuiDirection { ClientToHost, HostToClient };

enum class GuiDecodeError {
    Ok = 0,
    TooShort,            // fewer bytes than the header, or than header + payloadSize
    TrailingBytes,       // more bytes than header + payloadSize
    BadMagic,
    UnsupportedVersion,
    ReservedNotZero,
    UnknownType,
    WrongDirection,      // a type this side may not send
    PayloadTooLarge,     // payloadSize > kGuiMaxPayloadSize
    BadPayloadSize,      // the payload size does not match what the type's fields say
    BadToken,            // token size outside 16..64
    BadUmp,              // not a whole number of UMP messages, or a message type a GUI may not send
    BadValue,            // a field out of range (NaN level or value, unknown flag bits, ...)
};
// A short name ("too short", "bad magic", ...). Never null.
const char* guiDecodeErrorName(GuiDecodeError error) noexcept;

struct GuiMessageHeader {
    uint16_t version = kGuiProtocolVersion;
    GuiMessageType type = GuiMessageType::Error;
    uint32_t session = 0;
    uint32_t sequence = 0;
    uint32_t payloadSize = 0;
};

struct GuiParameterValue {
    int32_t id = 0;
    double value = 0.0;
};

struct GuiLevel {
    int32_t port = 0;
    float peak = 0.0f;
};

// A decoded message. Views point into the bytes that were decoded (they must outlive it); no
// allocation is made.
struct GuiMessage {
    GuiMessageHeader header;
    const uint8_t* payload = nullptr;

    // Hello
    uint32_t protocolVersion = 0;
    const uint8_t* token = nullptr;
    size_t tokenSize = 0;
    // Welcome
    uint32_t welcomeSession = 0;
    uint32_t sampleRate = 0;
    uint32_t frames = 0;
    uint32_t parameterCount = 0;
    uint32_t portCount = 0;
    uint32_t displayRateMilliHz = 0;
    // Events: umpWordCount words at payload (read them with umpWord)
    size_t umpWordCount = 0;
    uint32_t umpWord(size_t index) const noexcept;
    // ParameterValues
    bool snapshot = false;
    size_t valueCount = 0;
    GuiParameterValue value(size_t index) const noexcept;
    // Levels
    size_t levelCount = 0;
    GuiLevel level(size_t index) const noexcept;
    // Resync
    uint64_t lostEvents = 0;
    // Error
    GuiErrorCode errorCode = GuiErrorCode::Malformed;
    std::string_view errorText;
};

// Decodes one whole message of `size` bytes sent in `direction`. On failure returns the error,
// and *detail (when not null) says what was wrong where ("payloadSize 12 does not match the 8
// bytes a Hello with a 0-byte token needs").
GuiDecodeError decodeGuiMessage(const uint8_t* data, size_t size, GuiDirection direction, GuiMessage* out,
                                std::string* detail = nullptr) noexcept;

// Reads only the header (for a transport framing messages on a stream: the whole message is
// kGuiHeaderSize + payloadSize bytes). Checks magic, version, reserved and the payload limit.
GuiDecodeError decodeGuiHeader(const uint8_t* data, size_t size, GuiMessageHeader* out) noexcept;

// UMP a GUI may send (to the plugin's event input): utility (NOOP, JR Timestamp), MIDI 1.0 and
// MIDI 2.0 channel voice, and the parameter-change and gesture SysEx8 packets. Returns false for
// anything else (AAPXS SysEx8, other SysEx, system messages, reserved types) or a cut-off message.
bool guiUmpAllowedFromClient(const uint32_t* words, size_t wordCount) noexcept;

// Parameter gesture SysEx8 (docs/gui.md): the parameter-change packet's layout with sub-id 02
// (begin) or 03 (end) in place of 00, and no value (w3 = 0):
//   w0 = (0x50 | group) << 24 | 0x0E << 16 | 0x00 << 8 | 0x7E
//   w1 = 0x7F000000 | (0x02 or 0x03) << 8 | channel
//   w2 = key << 24 | extra << 16 | parameter id
//   w3 = 0
// Plugins that do not know it ignore it (it is neither a parameter change nor AAPXS).
void writeParameterGesture(uint32_t* words, bool begin, uint16_t parameterId, uint8_t group = 0) noexcept;
// Returns true and sets *begin and *parameterId when words[0..3] are a gesture packet.
bool readParameterGesture(const uint32_t* words, bool* begin, uint16_t* parameterId) noexcept;

// ---- Encoders (host and client side alike). Each returns the whole message. ----
std::vector<uint8_t> encodeGuiMessage(GuiMessageType type, uint32_t session, uint32_t sequence,
                                      const uint8_t* payload, size_t payloadSize);
std::vector<uint8_t> encodeGuiHello(uint32_t sequence, const uint8_t* token, size_t tokenSize,
                                    uint32_t protocolVersion = kGuiProtocolVersion);
struct GuiWelcome {
    uint32_t session = 0;
    uint32_t sampleRate = 0;
    uint32_t frames = 0;
    uint32_t parameterCount = 0;
    uint32_t portCount = 0;
    uint32_t displayRateMilliHz = 0;
};
std::vector<uint8_t> encodeGuiWelcome(uint32_t sequence, const GuiWelcome& welcome);
// Initialize, InitializeAck, Cleanup, CleanupAck, Ping, Pong.
std::vector<uint8_t> encodeGuiEmpty(GuiMessageType type, uint32_t session, uint32_t sequence);
std::vector<uint8_t> encodeGuiEvents(uint32_t session, uint32_t sequence, const uint32_t* words, size_t wordCount);
std::vector<uint8_t> encodeGuiParameterValues(uint32_t session, uint32_t sequence, bool snapshot,
                                              const GuiParameterValue* values, size_t count);
std::vector<uint8_t> encodeGuiLevels(uint32_t session, uint32_t sequence, const GuiLevel* levels, size_t count);
std::vector<uint8_t> encodeGuiResync(uint32_t session, uint32_t sequence, uint64_t lostEvents);
std::vector<uint8_t> encodeGuiError(uint32_t session, uint32_t sequence, GuiErrorCode code, std::string_view text);

// Lower-case hex of bytes ("0a1b...") and back (false for odd length or non-hex characters, or
// more than maxBytes bytes). For tokens carried in URLs and command lines of tools.
std::string guiHex(const uint8_t* bytes, size_t size);
bool guiUnhex(std::string_view hex, std::vector<uint8_t>* out, size_t maxBytes = kGuiMaxTokenSize);

} // namespace aap
