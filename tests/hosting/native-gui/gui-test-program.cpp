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
// Any other name: exits with status 2.

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "aap/ext/gui-v5.h"
#include "aap/gui-program-protocol.h"

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
    else if (mode != "gui-good" && mode != "gui-stop-before-hello")
        return 2;
    uint8_t out[64];
    if (!sendBytes(fd, out, aap_gui_program_write_hello(out, session, token)))
        return 4;

    uint32_t width = 300, height = 200;
    uint64_t parent = 0;
    for (;;) {
        n = ::recv(fd, message, sizeof(message), 0);
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
        default:
            result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
            break;
        }
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
