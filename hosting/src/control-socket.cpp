#include "control-socket.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

#include "futex.h"

namespace aap {

namespace {
constexpr size_t kControlBufferSize = CMSG_SPACE(sizeof(int) * wire::kMaxFdsPerMessage);
}

HostingStatus sendControlMessage(int socket, wire::ControlHeader header, const void* payload,
                                 uint32_t payloadSize, const int* fds, uint32_t fdCount, int64_t timeoutNs,
                                 int cancelFd) {
    if (payloadSize > wire::kMaxControlPayload || fdCount > wire::kMaxFdsPerMessage ||
        (payloadSize > 0 && payload == nullptr) || (fdCount > 0 && fds == nullptr) || timeoutNs < 0)
        return HostingStatus::InvalidArgument;
    const int64_t deadline = monotonicNanoseconds() + timeoutNs;
    header.magic = wire::kControlMagic;
    header.payload_size = payloadSize;
    header.fd_count = fdCount;

    struct iovec iov[2];
    iov[0].iov_base = &header;
    iov[0].iov_len = sizeof(header);
    iov[1].iov_base = const_cast<void*>(payload);
    iov[1].iov_len = payloadSize;

    alignas(struct cmsghdr) char control[kControlBufferSize];
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = payloadSize > 0 ? 2 : 1;
    if (fdCount > 0) {
        std::memset(control, 0, sizeof(control));
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fdCount);
        struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fdCount);
        std::memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * fdCount);
    }
    for (;;) {
        ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent == static_cast<ssize_t>(sizeof(header) + payloadSize))
            return HostingStatus::Ok;
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN))
            return HostingStatus::Offline;
        if (sent >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return HostingStatus::ResourceFailed;
        // The peer is not reading: wait for room, never past the deadline.
        for (;;) {
            const int64_t remaining = deadline - monotonicNanoseconds();
            if (remaining <= 0)
                return HostingStatus::Timeout;
            struct pollfd pfds[2] = {{socket, POLLOUT, 0}, {cancelFd, POLLIN, 0}};
            int ready = ::poll(pfds, cancelFd >= 0 ? 2 : 1, static_cast<int>((remaining + 999999) / 1000000));
            if (ready < 0 && errno != EINTR)
                return HostingStatus::ResourceFailed;
            if (ready <= 0)
                continue;
            if (cancelFd >= 0 && pfds[1].revents != 0)
                return HostingStatus::Offline;
            break;  // room (or an error that the next sendmsg reports)
        }
    }
}

HostingStatus receiveControlMessage(int socket, int64_t timeoutNs, ControlMessage* out) {
    const int64_t deadline = timeoutNs < 0 ? -1 : monotonicNanoseconds() + timeoutNs;
    for (;;) {
        int waitMs = -1;
        if (deadline >= 0) {
            int64_t remaining = deadline - monotonicNanoseconds();
            if (remaining <= 0)
                remaining = 0;
            waitMs = static_cast<int>((remaining + 999999) / 1000000);
        }
        struct pollfd pfd {socket, POLLIN, 0};
        int ready = ::poll(&pfd, 1, waitMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return HostingStatus::ResourceFailed;
        if (ready == 0) {
            if (deadline >= 0 && monotonicNanoseconds() >= deadline)
                return HostingStatus::Timeout;
            continue;
        }
        break;
    }

    // Peek at the datagram size first so the payload buffer is exactly big enough; anything larger
    // than the protocol allows is read into a bounded buffer and rejected as truncated.
    out->payload.resize(wire::kMaxControlPayload);
    out->fds.clear();
    struct iovec iov[2];
    iov[0].iov_base = &out->header;
    iov[0].iov_len = sizeof(out->header);
    iov[1].iov_base = out->payload.data();
    iov[1].iov_len = out->payload.size();
    alignas(struct cmsghdr) char control[kControlBufferSize];
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t received;
    do {
        received = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    if (received == 0)
        return HostingStatus::Offline;
    if (received < 0)
        return (errno == ECONNRESET || errno == ENOTCONN) ? HostingStatus::Offline : HostingStatus::ResourceFailed;

    // Take ownership of every descriptor that arrived before validating anything else, so a
    // rejected frame cannot leak them.
    for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len < CMSG_LEN(0))
            continue;
        size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            out->fds.emplace_back(fd);
        }
    }
    auto reject = [out]() {
        out->fds.clear();
        out->payload.clear();
        return HostingStatus::ProtocolError;
    };
    if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
        return reject();
    if (static_cast<size_t>(received) < sizeof(wire::ControlHeader))
        return reject();
    const wire::ControlHeader& h = out->header;
    if (h.magic != wire::kControlMagic)
        return reject();
    if (h.kind != wire::kKindRequest && h.kind != wire::kKindReply)
        return reject();
    if (h.payload_size > wire::kMaxControlPayload ||
        static_cast<size_t>(received) != sizeof(wire::ControlHeader) + h.payload_size)
        return reject();
    if (h.fd_count > wire::kMaxFdsPerMessage || out->fds.size() != h.fd_count)
        return reject();
    out->payload.resize(h.payload_size);
    return HostingStatus::Ok;
}

HostingStatus createControlSocketPair(UniqueFd* first, UniqueFd* second) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
        return HostingStatus::ResourceFailed;
    first->reset(fds[0]);
    second->reset(fds[1]);
    return HostingStatus::Ok;
}

} // namespace aap
