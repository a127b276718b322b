// libFuzzer target: the plugin service's handling of control messages from a host
// (hosting/src/plugin-service.cpp, control-socket.cpp), in process: runPluginService() runs on a
// thread at one end of a SOCK_SEQPACKET socketpair and the input is played as a hostile host at
// the other end - raw frames (the header's magic, sizes and fd count are the input's) or frames
// with a correct header around a fuzzed payload, with memfds attached. A tiny pass-through plugin
// (fuzz-plugin.cpp) can be instantiated, so prepare, activate, deactivate, extension and destroy
// run on a live instance. Beyond "no crash, no sanitizer report, no leak", it checks that the
// service always ends when the host closes the connection (the thread is joined) and that every
// reply it sends is a well-formed reply frame.
//
// Input: byte 0 = configuration (bit 0: start with a valid hello; bit 1: then create an instance
// of the fuzz plugin). Then records: [kind][length: 2 bytes LE][length bytes]. kind bit 0: 0 = the
// bytes are the whole frame, 1 = the first byte is the opcode, the second the instance id and the
// rest the payload of a well-formed request header; kind bits 2-4: memfds attached (the first is
// a process block with a valid magic, the others 64 KiB buffers; all sealed against resizing).
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/plugin-service.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

namespace wire = aap::wire;

int sealedMemfd(size_t size, bool processBlock) {
    int fd = ::memfd_create("aap-fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        ::close(fd);
        return -1;
    }
    if (processBlock) {
        void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (memory != MAP_FAILED) {
            auto* block = static_cast<wire::ProcessBlock*>(memory);
            block->magic = wire::kProcessBlockMagic;
            block->layout_version = wire::kControlProtocolVersion;
            ::munmap(memory, size);
        }
    }
    ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    return fd;
}

// Sends one datagram with `fdCount` memfds attached; false when the service has gone.
bool sendFrame(int socket, const std::vector<uint8_t>& frame, size_t fdCount) {
    std::vector<int> fds;
    for (size_t i = 0; i < fdCount; i++)
        fds.push_back(sealedMemfd(i == 0 ? wire::kProcessBlockSize : 65536, i == 0));
    iovec iov{const_cast<uint8_t*>(frame.data()), frame.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * (fds.empty() ? 1 : fds.size())));
    if (!fds.empty()) {
        message.msg_control = control.data();
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    }
    const bool sent = ::sendmsg(socket, &message, MSG_NOSIGNAL) >= 0;
    for (int fd : fds)
        if (fd >= 0)
            ::close(fd);
    return sent;
}

std::vector<uint8_t> request(uint32_t opcode, uint32_t sequence, uint32_t instance, const void* payload, size_t size,
                             uint32_t fdCount) {
    wire::ControlHeader header{};
    header.magic = wire::kControlMagic;
    header.kind = wire::kKindRequest;
    header.opcode = opcode;
    header.sequence = sequence;
    header.instance_id = instance;
    header.payload_size = static_cast<uint32_t>(size);
    header.fd_count = fdCount;
    std::vector<uint8_t> frame(sizeof(header) + size);
    std::memcpy(frame.data(), &header, sizeof(header));
    if (size > 0)
        std::memcpy(frame.data() + sizeof(header), payload, size);
    return frame;
}

// Waits briefly for the service's answer to the frame just sent and checks every reply frame.
// False once the service has closed its end.
bool drainReplies(int socket) {
    for (;;) {
        pollfd p{socket, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0)
            return true;  // no reply (none is due for some frames)
        std::vector<uint8_t> buffer(sizeof(wire::ControlHeader) + wire::kMaxControlPayload);
        char control[CMSG_SPACE(sizeof(int) * 4)];
        iovec iov{buffer.data(), buffer.size()};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof(control);
        ssize_t n = ::recvmsg(socket, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN;
        check(static_cast<size_t>(n) >= sizeof(wire::ControlHeader));
        wire::ControlHeader header{};
        std::memcpy(&header, buffer.data(), sizeof(header));
        check(header.magic == wire::kControlMagic);
        check(header.kind == wire::kKindReply || header.kind == wire::kKindRequest);
        check(header.payload_size == static_cast<size_t>(n) - sizeof(header));
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                    int fd;
                    std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                    ::close(fd);
                }
        if (std::getenv("AAP_FUZZ_VERBOSE") != nullptr)  // to see what a seed reaches
            std::fprintf(stderr, "reply: opcode %u instance %u status %d\n", header.opcode, header.instance_id,
                         header.status);
        if (header.kind == wire::kKindReply)
            return true;
    }
}

} // namespace

// The plugin stays loaded for the whole run: the service dlcloses it with each instance, and
// libFuzzer must never be left holding the coverage counters of an unmapped library.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    check(::dlopen(AAP_FUZZ_PLUGIN_LIBRARY, RTLD_NOW | RTLD_NODELETE) != nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    int pair[2];
    check(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
    const int host = pair[0];
    std::thread service([fd = pair[1]] {
        aap::runPluginService(fd);
        ::close(fd);
    });

    const uint8_t config = data[0];
    size_t offset = 1;
    uint32_t sequence = 1;
    bool alive = true;
    if (config & 1u) {
        wire::HelloPayload hello{wire::kControlProtocolVersion, 1, 0, 0};
        alive = sendFrame(host, request(wire::kOpHello, sequence++, 0, &hello, sizeof(hello), 0), 0) &&
                drainReplies(host);
        if (alive && (config & 2u)) {
            const std::string library = AAP_FUZZ_PLUGIN_LIBRARY, id = "urn:aap-fuzz:pass-through";
            wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
            std::vector<uint8_t> payload(sizeof(head));
            std::memcpy(payload.data(), &head, sizeof(head));
            payload.insert(payload.end(), library.begin(), library.end());
            payload.insert(payload.end(), id.begin(), id.end());
            alive = sendFrame(host, request(wire::kOpCreateInstance, sequence++, 0, payload.data(), payload.size(), 0), 0) &&
                    drainReplies(host);
        }
    }
    while (alive && offset + 3 <= size) {
        const uint8_t kind = data[offset];
        size_t length = static_cast<size_t>(data[offset + 1]) | (static_cast<size_t>(data[offset + 2]) << 8);
        offset += 3;
        length = std::min(length, size - offset);
        const uint8_t* body = data + offset;
        offset += length;
        const size_t fdCount = (kind >> 2) & 7u;
        std::vector<uint8_t> frame;
        if (kind & 1u) {
            const uint32_t opcode = length > 0 ? body[0] : 0;
            const uint32_t instance = length > 1 ? body[1] : 0;
            const size_t skip = std::min<size_t>(length, 2);
            frame = request(opcode, sequence++, instance, body + skip, length - skip, static_cast<uint32_t>(fdCount));
        } else {
            frame.assign(body, body + length);
            if (frame.empty())
                continue;  // an empty datagram reads as EOF; that ending is tested by every run
        }
        alive = sendFrame(host, frame, fdCount) && drainReplies(host);
    }
    ::shutdown(host, SHUT_RDWR);
    service.join();  // the service must end once the host has gone
    ::close(host);
    return 0;
}
