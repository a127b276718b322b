#pragma once
#include <cstdint>

namespace aap {

// Which process a session lives in. It decides which MIDI2 buffer carries what (docs/spec/abi.md 4):
// plugin-extension traffic (opcode >= 0) has requests in the MIDI2 input (host -> plugin) and
// replies in the MIDI2 output; host-extension traffic (opcode < 0) the reverse.
enum class SessionSide : std::uint8_t {
    Host,   // initiator of plugin-extension requests, recipient of host-extension requests
    Plugin, // recipient of plugin-extension requests, initiator of host-extension requests
};

// True when a message with this opcode, arriving at `side`, is a reply (false: a request).
constexpr bool isReplyAt(SessionSide side, std::int32_t opcode) noexcept {
    return (opcode >= 0) == (side == SessionSide::Host);
}

// True when `side` may initiate requests with this opcode.
constexpr bool initiatesAt(SessionSide side, std::int32_t opcode) noexcept {
    return (opcode >= 0) == (side == SessionSide::Host);
}

} // namespace aap
