// A GUI program for the native-GUI lifecycle tests: speaks aap/gui-program-protocol.h (and needs
// nothing else of the SDK), draws nothing. How it behaves comes from the name it was started as
// (the build copies it under several names, one per plugin of native-gui/aap_metadata.xml.in):
//   gui-good            answers everything; after the ack of SHOW it sends REQUEST_RESIZE with the
//                       low and high 32 bits of the parent handle it was given (the test checks
//                       the handle crossed two processes intact); refuses to start (wrong token)
//                       when it inherited any descriptor besides 0, 1, 2 and the protocol socket
//   gui-no-hello        reads the offer and never answers
//   gui-wrong-token     answers the offer with a token of its own
//   gui-stop-before-hello  stops itself (SIGSTOP) before answering
//   gui-channel-garbage    as gui-good, and given a GUI channel (CHANNEL) it says Hello on it with
//                          the token, then writes a record of garbage
//   gui-channel-corrupt    ... says Hello, then moves its write index far past its ring
//   gui-channel-bad-read   ... puts its read index of the host's ring out of range, then says Hello
// gui-good answers CHANNEL with AAP_GUI_ERROR_NOT_IMPLEMENTED.
// Any other name: exits with status 2.

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "aap/ext/gui-v5.h"
#include "aap/gui-program-protocol.h"
#include "aap/gui-shm-channel.h"

namespace {

// Descriptors open in this process other than 0, 1, 2 and `socket`.
int strayDescriptors(int socket) {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr)
        return -1;
    int stray = 0;
    while (struct dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        const int fd = std::atoi(entry->d_name);
        if (fd > 2 && fd != socket && fd != ::dirfd(dir)) {
            std::fprintf(stderr, "gui-test-program: inherited descriptor %d\n", fd);
            stray++;
        }
    }
    ::closedir(dir);
    return stray;
}

bool sendBytes(int fd, const uint8_t* data, size_t size) {
    return ::send(fd, data, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
}

// One datagram and the descriptor it carries, if any.
ssize_t receive(int socket, uint8_t* buffer, size_t size, int* fd) {
    iovec vector{buffer, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr header{};
    header.msg_iov = &vector;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
    *fd = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); n > 0 && c != nullptr; c = CMSG_NXTHDR(&header, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            std::memcpy(fd, CMSG_DATA(c), sizeof(int));
    return n;
}

// The misbehaving channel modes: maps the channel, misbehaves as `mode` says. The result for the ACK.
int32_t misbehaveOnChannel(const std::string& mode, const uint8_t* payload, uint32_t size, int fd) {
    if (fd < 0 || size != 4 + AAP_GUI_PROGRAM_TOKEN_SIZE)
        return AAP_GUI_ERROR_INVALID_ARGUMENT;
    const uint32_t capacity = aap_gui_program_get_u32(payload);
    void* mapped = ::mmap(nullptr, aap_gui_shm_size(capacity), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapped == MAP_FAILED || aap_gui_shm_check(static_cast<uint8_t*>(mapped), aap_gui_shm_size(capacity), capacity) != 0)
        return AAP_GUI_ERROR_INVALID_ARGUMENT;
    auto* base = static_cast<uint8_t*>(mapped);
    aap_gui_shm_ring_t out = aap_gui_shm_ring(base, capacity, AAP_GUI_SHM_RING_TO_HOST);
    aap_gui_shm_ring_t in = aap_gui_shm_ring(base, capacity, AAP_GUI_SHM_RING_TO_PROGRAM);
    if (mode == "gui-channel-bad-read")
        __atomic_store_n(in.read_index, 0x80000000u, __ATOMIC_RELEASE);
    uint8_t hello[AAP_GUI_MESSAGE_HEADER_SIZE + 8 + AAP_GUI_PROGRAM_TOKEN_SIZE];
    aap_gui_message_write_header(hello, AAP_GUI_MESSAGE_HELLO, 0, 0, 8 + AAP_GUI_PROGRAM_TOKEN_SIZE);
    aap_gui_message_put_u32(hello + AAP_GUI_MESSAGE_HEADER_SIZE, AAP_GUI_MESSAGE_VERSION);
    aap_gui_message_put_u32(hello + AAP_GUI_MESSAGE_HEADER_SIZE + 4, AAP_GUI_PROGRAM_TOKEN_SIZE);
    std::memcpy(hello + AAP_GUI_MESSAGE_HEADER_SIZE + 8, payload + 4, AAP_GUI_PROGRAM_TOKEN_SIZE);
    if (aap_gui_shm_write(&out, hello, sizeof(hello)) != AAP_GUI_SHM_OK)
        return AAP_GUI_ERROR_NO_DETAILS;
    if (mode == "gui-channel-garbage") {
        uint8_t garbage[40];
        std::memset(garbage, 0xEE, sizeof(garbage));
        (void)aap_gui_shm_write(&out, garbage, sizeof(garbage));
    } else if (mode == "gui-channel-corrupt") {
        __atomic_store_n(out.write_index, out.own + 16u * capacity, __ATOMIC_RELEASE);
    }
    return AAP_GUI_RESULT_OK;  // the mapping stays: the program goes on with its window
}

} // namespace

int main(int, char** argv) {
    const char* slash = std::strrchr(argv[0], '/');
    const std::string mode = slash != nullptr ? slash + 1 : argv[0];
    const char* fdText = std::getenv(AAP_GUI_PROGRAM_FD_ENV);
    if (fdText == nullptr)
        return 2;
    const int fd = std::atoi(fdText);
    ::unsetenv(AAP_GUI_PROGRAM_FD_ENV);

    uint8_t message[AAP_GUI_PROGRAM_HEADER_SIZE + AAP_GUI_PROGRAM_MAX_PAYLOAD];
    ssize_t n = ::recv(fd, message, sizeof(message), 0);
    aap_gui_program_header_t header{};
    if (n <= 0 || aap_gui_program_read_header(message, static_cast<size_t>(n), &header) != 0 ||
        header.type != AAP_GUI_PROGRAM_MSG_OFFER || header.payload_size != 4 + AAP_GUI_PROGRAM_TOKEN_SIZE)
        return 3;
    const uint32_t session = header.session;
    uint8_t token[AAP_GUI_PROGRAM_TOKEN_SIZE];
    std::memcpy(token, message + AAP_GUI_PROGRAM_HEADER_SIZE + 4, sizeof(token));

    if (mode == "gui-no-hello") {
        for (;;)
            ::pause();
    }
    if (mode == "gui-stop-before-hello")
        ::raise(SIGSTOP);
    if (mode == "gui-wrong-token" || (mode == "gui-good" && strayDescriptors(fd) != 0))
        token[0] ^= 0xFF;
    else if (mode != "gui-good" && mode != "gui-stop-before-hello" && mode.rfind("gui-channel-", 0) != 0)
        return 2;
    uint8_t out[64];
    if (!sendBytes(fd, out, aap_gui_program_write_hello(out, session, token)))
        return 4;

    uint32_t width = 300, height = 200;
    uint64_t parent = 0;
    for (;;) {
        int attached = -1;
        n = receive(fd, message, sizeof(message), &attached);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;  // the service closed the socket
        if (aap_gui_program_read_header(message, static_cast<size_t>(n), &header) != 0)
            return 5;
        const uint8_t* payload = message + AAP_GUI_PROGRAM_HEADER_SIZE;
        int32_t result = AAP_GUI_RESULT_OK;
        switch (header.type) {
        case AAP_GUI_PROGRAM_MSG_SET_PARENT:
            parent = aap_gui_program_get_u64(payload + 8);
            break;
        case AAP_GUI_PROGRAM_MSG_SET_SIZE:
            width = aap_gui_program_get_u32(payload);
            height = aap_gui_program_get_u32(payload + 4);
            break;
        case AAP_GUI_PROGRAM_MSG_CREATE:
        case AAP_GUI_PROGRAM_MSG_SET_TRANSIENT:
        case AAP_GUI_PROGRAM_MSG_SHOW:
        case AAP_GUI_PROGRAM_MSG_HIDE:
        case AAP_GUI_PROGRAM_MSG_SET_SCALE:
        case AAP_GUI_PROGRAM_MSG_SUGGEST_TITLE:
        case AAP_GUI_PROGRAM_MSG_DESTROY:
            break;
        case AAP_GUI_PROGRAM_MSG_CHANNEL:
            if (mode.rfind("gui-channel-", 0) == 0) {
                result = misbehaveOnChannel(mode, payload, header.payload_size, attached);
                attached = -1;
                break;
            }
            result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
            break;
        default:
            result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
            break;
        }
        if (attached >= 0)
            ::close(attached);
        if (!sendBytes(fd, out, aap_gui_program_write_ack(out, session, header.sequence, result, width, height)))
            return 6;
        if (header.type == AAP_GUI_PROGRAM_MSG_DESTROY)
            return 0;
        if (header.type == AAP_GUI_PROGRAM_MSG_SHOW &&
            !sendBytes(fd, out,
                       aap_gui_program_write_notification(out, AAP_GUI_PROGRAM_MSG_REQUEST_RESIZE, session,
                                                          static_cast<uint32_t>(parent),
                                                          static_cast<uint32_t>(parent >> 32))))
            return 7;
    }
}
