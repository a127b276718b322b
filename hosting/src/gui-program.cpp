#include "gui-program.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "aap/gui-program-protocol.h"
#include "containment.h"
#include "futex.h"

extern char** environ;

namespace aap {

namespace {

constexpr size_t kMaxMessage = AAP_GUI_PROGRAM_HEADER_SIZE + AAP_GUI_PROGRAM_MAX_PAYLOAD;
// The inherited socket's number in the program.
constexpr int kProgramFd = 3;

bool fillRandom(uint8_t* out, size_t size) {
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::getrandom(out + done, size - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

// Marks every descriptor from `first` up close-on-exec. Async-signal-safe (after fork).
void closeOnExecFrom(int first) noexcept {
#ifdef SYS_close_range
    // CLOSE_RANGE_CLOEXEC = 4 (linux/close_range.h)
    if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, 4u) == 0)
        return;
#endif
    const long max = ::sysconf(_SC_OPEN_MAX);
    for (int fd = first; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

bool sendAll(int fd, const uint8_t* data, size_t size, int attached = -1) {
    for (;;) {
        struct iovec vector{const_cast<uint8_t*>(data), size};
        struct msghdr header{};
        header.msg_iov = &vector;
        header.msg_iovlen = 1;
        alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        if (attached >= 0) {
            std::memset(control, 0, sizeof(control));
            header.msg_control = control;
            header.msg_controllen = sizeof(control);
            struct cmsghdr* c = CMSG_FIRSTHDR(&header);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(c), &attached, sizeof(int));
        }
        const ssize_t sent = ::sendmsg(fd, &header, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent == static_cast<ssize_t>(size))
            return true;
        if (sent < 0 && errno == EINTR)
            continue;
        return false;  // a full socket means the program does not read: it has missed its deadline
    }
}

} // namespace

GuiProgram::~GuiProgram() { kill(); }

void GuiProgram::kill() noexcept {
    socket_.reset();
    if (pid_ <= 0)
        return;
    const pid_t pid = pid_;
    pid_ = -1;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        reapGroup(pid);
        return;
    }
    ::kill(pid, SIGTERM);
    const int64_t deadline = monotonicNanoseconds() + kGuiKillGraceNs;
    while (monotonicNanoseconds() < deadline) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) {
            reapGroup(pid);
            return;
        }
        ::usleep(1000);
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    reapGroup(pid);
}

void GuiProgram::reapGroup(pid_t group) noexcept {
    // The program leads a process group of its own: whatever it started goes with it, and what
    // the service (a subreaper) inherited from it is reaped here rather than left as zombies.
    ::kill(-group, SIGKILL);
    const int64_t deadline = monotonicNanoseconds() + kGuiKillGraceNs;
    while (::kill(-group, 0) == 0 && monotonicNanoseconds() < deadline) {
        while (::waitpid(-group, nullptr, WNOHANG) > 0) {
        }
        ::usleep(1000);
    }
    while (::waitpid(-group, nullptr, WNOHANG) > 0) {
    }
}

int32_t GuiProgram::launch(const std::string& path, uint32_t session, int32_t api, bool floating,
                           const GuiDeadlines& deadlines, Notify notify, std::unique_ptr<GuiProgram>* out,
                           std::string* why) {
    const int64_t start = monotonicNanoseconds();
    std::unique_ptr<GuiProgram> program{new GuiProgram()};
    program->session_ = session;
    program->notify_ = std::move(notify);
    uint8_t token[AAP_GUI_PROGRAM_TOKEN_SIZE];
    if (!fillRandom(token, sizeof(token))) {
        *why = std::string{"getrandom failed: "} + std::strerror(errno);
        return AAP_GUI_ERROR_NO_DETAILS;
    }
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        *why = std::string{"socketpair failed: "} + std::strerror(errno);
        return AAP_GUI_ERROR_NO_DETAILS;
    }
    program->socket_ = UniqueFd(pair[0]);
    UniqueFd theirs{pair[1]};
    // Everything the child needs is prepared before fork (only async-signal-safe calls after it).
    std::vector<std::string> environment;
    for (char** e = environ; e != nullptr && *e != nullptr; e++)
        if (std::strncmp(*e, AAP_GUI_PROGRAM_FD_ENV "=", sizeof(AAP_GUI_PROGRAM_FD_ENV)) != 0)
            environment.emplace_back(*e);
    environment.push_back(std::string{AAP_GUI_PROGRAM_FD_ENV} + "=" + std::to_string(kProgramFd));
    std::vector<char*> envp;
    for (std::string& e : environment)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string program0 = path;
    char* argv[] = {program0.data(), nullptr};
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        *why = std::string{"fork failed: "} + std::strerror(errno);
        return AAP_GUI_ERROR_NO_DETAILS;
    }
    if (pid == 0) {
        // Dies with the service even when the service is SIGKILLed (the service's containment
        // covers every other way it ends).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        resetSignalDispositionsAndMask();
        ::setpgid(0, 0);  // a process group of its own, killed as one (kill())
        if (theirs.get() != kProgramFd) {
            if (::dup2(theirs.get(), kProgramFd) < 0)
                ::_exit(127);
        } else {
            ::fcntl(kProgramFd, F_SETFD, 0);
        }
        closeOnExecFrom(kProgramFd + 1);  // whatever the plugin opened without O_CLOEXEC
        ::execve(argv[0], argv, envp.data());
        ::_exit(127);
    }
    program->pid_ = pid;
    theirs.reset();
    // OFFER: version + token; the session is in the header.
    uint8_t message[kMaxMessage];
    aap_gui_program_write_header(message, AAP_GUI_PROGRAM_MSG_OFFER, session, 0, 4 + AAP_GUI_PROGRAM_TOKEN_SIZE);
    aap_gui_program_put_u32(message + AAP_GUI_PROGRAM_HEADER_SIZE, AAP_GUI_PROGRAM_PROTOCOL_VERSION);
    std::memcpy(message + AAP_GUI_PROGRAM_HEADER_SIZE + 4, token, sizeof(token));
    if (!sendAll(program->fd(), message, AAP_GUI_PROGRAM_HEADER_SIZE + 4 + AAP_GUI_PROGRAM_TOKEN_SIZE)) {
        *why = "could not offer the session to the GUI program";
        return AAP_GUI_ERROR_NO_DETAILS;  // the destructor kills it
    }
    size_t size = 0;
    if (!program->receive(start + deadlines.helloNs, message, &size, why)) {
        *why = "no hello from the GUI program: " + *why;
        return AAP_GUI_ERROR_TIMEOUT;
    }
    aap_gui_program_header_t header{};
    (void)aap_gui_program_read_header(message, size, &header);  // receive checked it
    const uint8_t* payload = message + AAP_GUI_PROGRAM_HEADER_SIZE;
    if (header.type != AAP_GUI_PROGRAM_MSG_HELLO || header.payload_size != 4 + AAP_GUI_PROGRAM_TOKEN_SIZE ||
        header.session != session) {
        *why = "the GUI program's first message is not a valid hello";
        return AAP_GUI_ERROR_TIMEOUT;
    }
    if (aap_gui_program_get_u32(payload) != AAP_GUI_PROGRAM_PROTOCOL_VERSION) {
        *why = "the GUI program speaks protocol version " + std::to_string(aap_gui_program_get_u32(payload)) +
               ", the service " + std::to_string(AAP_GUI_PROGRAM_PROTOCOL_VERSION);
        return AAP_GUI_ERROR_TIMEOUT;
    }
    // Constant time: the comparison must not tell a guesser how many bytes were right.
    uint8_t difference = 0;
    for (size_t i = 0; i < AAP_GUI_PROGRAM_TOKEN_SIZE; i++)
        difference |= static_cast<uint8_t>(payload[4 + i] ^ token[i]);
    if (difference != 0) {
        *why = "the GUI program answered with a wrong token";
        return AAP_GUI_ERROR_TIMEOUT;
    }
    uint8_t create[8];
    aap_gui_program_put_u32(create, static_cast<uint32_t>(api));
    aap_gui_program_put_u32(create + 4, floating ? 1u : 0u);
    const int32_t result = program->request(AAP_GUI_PROGRAM_MSG_CREATE, create, sizeof(create), deadlines.createNs, why);
    if (result != AAP_GUI_RESULT_OK)
        return result;  // the destructor kills it when it was not already
    *out = std::move(program);
    return AAP_GUI_RESULT_OK;
}

bool GuiProgram::receive(int64_t deadlineNs, uint8_t* buffer, size_t* size, std::string* why) {
    for (;;) {
        const int64_t now = monotonicNanoseconds();
        if (now >= deadlineNs) {
            *why = "deadline passed";
            return false;
        }
        struct pollfd p{socket_.get(), POLLIN, 0};
        const int64_t waitMs = (deadlineNs - now + 999999) / 1000000;
        const int ready = ::poll(&p, 1, static_cast<int>(waitMs));
        if (ready < 0 && errno != EINTR) {
            *why = std::string{"poll failed: "} + std::strerror(errno);
            return false;
        }
        if (ready <= 0)
            continue;
        const ssize_t n = ::recv(socket_.get(), buffer, kMaxMessage, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0) {
            *why = "the GUI program closed its socket (it exited or crashed)";
            return false;
        }
        aap_gui_program_header_t header{};
        if (static_cast<size_t>(n) > kMaxMessage || aap_gui_program_read_header(buffer, static_cast<size_t>(n), &header) != 0) {
            *why = "the GUI program sent a malformed message";
            return false;
        }
        *size = static_cast<size_t>(n);
        return true;
    }
}

bool GuiProgram::handleNotification(const uint8_t* data, size_t size) {
    aap_gui_program_header_t header{};
    if (aap_gui_program_read_header(data, size, &header) != 0)
        return false;
    if (header.session != session_)
        return true;  // a late message of another session: harmless, ignored
    const uint8_t* payload = data + AAP_GUI_PROGRAM_HEADER_SIZE;
    switch (header.type) {
    case AAP_GUI_PROGRAM_MSG_REQUEST_RESIZE:
        if (header.payload_size != 8)
            return false;
        if (notify_)
            notify_(AAP_GUI_V5_OPCODE_REQUEST_RESIZE, aap_gui_program_get_u32(payload), aap_gui_program_get_u32(payload + 4));
        return true;
    case AAP_GUI_PROGRAM_MSG_REQUEST_SHOW:
    case AAP_GUI_PROGRAM_MSG_REQUEST_HIDE:
    case AAP_GUI_PROGRAM_MSG_CLOSED:
        if (header.payload_size != 0)
            return false;
        if (notify_)
            notify_(header.type == AAP_GUI_PROGRAM_MSG_REQUEST_SHOW   ? AAP_GUI_V5_OPCODE_REQUEST_SHOW
                    : header.type == AAP_GUI_PROGRAM_MSG_REQUEST_HIDE ? AAP_GUI_V5_OPCODE_REQUEST_HIDE
                                                                      : AAP_GUI_V5_OPCODE_CLOSED,
                    0, 0);
        return true;
    case AAP_GUI_PROGRAM_MSG_RESIZE_HINTS: {
        if (header.payload_size != 36)
            return false;
        uint32_t v[9];
        for (int i = 0; i < 9; i++)
            v[i] = aap_gui_program_get_u32(payload + 4 * i);
        hints_ = aap_gui_resize_hints_t{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
        hasHints_ = true;
        if (notify_)
            notify_(AAP_GUI_V5_OPCODE_RESIZE_HINTS_CHANGED, 0, 0);
        return true;
    }
    default:
        return false;  // an ack nobody asked for, a hello now, or an unknown type
    }
}

int32_t GuiProgram::request(uint32_t type, const uint8_t* payload, uint32_t size, int64_t timeoutNs,
                            std::string* why, int attachedFd) {
    if (gone()) {
        *why = "the GUI program is gone";
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    }
    const int64_t deadline = monotonicNanoseconds() + timeoutNs;
    uint8_t message[kMaxMessage];
    if (size > AAP_GUI_PROGRAM_MAX_PAYLOAD) {
        *why = "request too large";
        return AAP_GUI_ERROR_INVALID_ARGUMENT;
    }
    const uint32_t sequence = ++sequence_;
    aap_gui_program_write_header(message, type, session_, sequence, size);
    if (size > 0)
        std::memcpy(message + AAP_GUI_PROGRAM_HEADER_SIZE, payload, size);
    if (!sendAll(socket_.get(), message, AAP_GUI_PROGRAM_HEADER_SIZE + size, attachedFd)) {
        *why = "the GUI program does not read its socket";
        kill();
        return AAP_GUI_ERROR_TIMEOUT;
    }
    for (;;) {
        size_t received = 0;
        if (!receive(deadline, message, &received, why)) {
            kill();
            return AAP_GUI_ERROR_TIMEOUT;
        }
        aap_gui_program_header_t header{};
        (void)aap_gui_program_read_header(message, received, &header);
        if (header.type != AAP_GUI_PROGRAM_MSG_ACK) {
            if (!handleNotification(message, received)) {
                *why = "the GUI program sent an unexpected message while it was asked something";
                kill();
                return AAP_GUI_ERROR_TIMEOUT;
            }
            continue;
        }
        if (header.session != session_ || header.sequence != sequence || header.payload_size != 12) {
            *why = "the GUI program acknowledged something it was not asked";
            kill();
            return AAP_GUI_ERROR_TIMEOUT;
        }
        const uint8_t* p = message + AAP_GUI_PROGRAM_HEADER_SIZE;
        const auto result = static_cast<int32_t>(aap_gui_program_get_u32(p));
        if (result > 0) {
            *why = "the GUI program answered a positive result";
            kill();
            return AAP_GUI_ERROR_TIMEOUT;
        }
        width_ = aap_gui_program_get_u32(p + 4);
        height_ = aap_gui_program_get_u32(p + 8);
        return result;
    }
}

bool GuiProgram::readNotifications(std::string* why) {
    if (gone())
        return false;
    uint8_t message[kMaxMessage];
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), message, kMaxMessage, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0) {
            *why = "the GUI program closed its socket (it exited or crashed)";
            kill();
            return false;
        }
        if (static_cast<size_t>(n) > kMaxMessage || !handleNotification(message, static_cast<size_t>(n))) {
            *why = "the GUI program sent a malformed or unexpected message";
            kill();
            return false;
        }
    }
}

} // namespace aap
