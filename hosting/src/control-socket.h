#pragma once
// Sending and receiving one control message (wire::ControlHeader + payload + SCM_RIGHTS fds)
// over a SOCK_SEQPACKET UNIX socket. Receiving validates everything the header claims against
// what actually arrived, so callers only ever see well-formed frames. [non-realtime]

#include <cstdint>
#include <vector>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/status.h"
#include "aap/hosting/unique-fd.h"

namespace aap {

struct ControlMessage {
    wire::ControlHeader header{};
    std::vector<uint8_t> payload;
    std::vector<UniqueFd> fds;
};

// How long a send waits for room in the socket by default: a peer that stops reading must never
// block us for longer (docs/hosting.md, fault model).
constexpr int64_t kDefaultControlSendTimeoutNs = 5000000000;

// Sends one message. header.payload_size and fd_count are filled in from the arguments.
// Never blocks past timeoutNs (>= 0): the socket is written with MSG_DONTWAIT and, while it is
// full, polled for room until the deadline (Timeout). When cancelFd >= 0 becomes readable the
// wait ends with Offline. Returns Offline when the peer has gone (EPIPE/ECONNRESET),
// ResourceFailed otherwise. No lock is needed around it: a SOCK_SEQPACKET message is written
// whole or not at all.
HostingStatus sendControlMessage(int socket, wire::ControlHeader header, const void* payload,
                                 uint32_t payloadSize, const int* fds, uint32_t fdCount,
                                 int64_t timeoutNs = kDefaultControlSendTimeoutNs, int cancelFd = -1);

// Receives one message, waiting at most timeoutNs (< 0: no limit). Returns Timeout, Offline on
// EOF, ProtocolError for a malformed frame (bad magic/kind, size mismatch, too many or missing
// fds, truncation); descriptors of a rejected frame are closed.
HostingStatus receiveControlMessage(int socket, int64_t timeoutNs, ControlMessage* out);

// Creates a SOCK_SEQPACKET socketpair with CLOEXEC on both ends.
HostingStatus createControlSocketPair(UniqueFd* first, UniqueFd* second);

} // namespace aap
