// The GUI program of the gui-program example: a separate executable the plugin service launches
// for each GUI session of the plugin (aap_metadata.xml names it with gui:program). It speaks the
// GUI-program protocol of aap/gui-program-protocol.h (docs/gui.md) on the socket it inherits,
// and draws the same Xlib sliders as the x11-editor example (../common/x11-slider-editor.h),
// embedded into the host's window by its X11 id or floating.
//
// One thread: poll() on the protocol socket and the X connection. Every lifecycle request is
// answered by exactly one ACK right after it is carried out (the service kills a program that
// misses a deadline); the user's actions become notifications: CLOSED when the window manager
// closes the floating window, REQUEST_RESIZE never (the host decides the size).
//
// Parameters: when the host connects it to its GUI sessions, a CHANNEL request hands it a
// shared-memory GUI channel (aap/gui-shm-channel.h). The program maps it and is then a GUI client
// like a web page: Hello with the token it got, InitializeAck, Pong, CleanupAck; a slider drag
// sends gesture begin, parameter changes (SysEx8) and gesture end as Events, which the host
// merges into the plugin's input; ParameterValues from the host (its own changes, the plugin's,
// other GUIs') move the sliders and are traced on stderr
// ("aap-example-gui-program: host: Balance = 0.5"). Nothing wakes it: it looks at the channel
// every 16 ms (its display rate). Without a channel the sliders only change what it shows.
//
// Exit codes: 0 after DESTROY or when the service closes the socket; 2 when started without the
// protocol socket; 3 for a protocol violation by the other side.

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <aap/ext/gui-v5.h>
#include <aap/gui-program-protocol.h>
#include <aap/gui-shm-channel.h>
#include <aapxs/parameter-sysex8.h>

#include "../common/x11-slider-editor.h"

namespace {

const aap_examples::SliderSpec kSliders[] = {
    {"Gain (dB)", -60.0, 12.0},
    {"Balance", -1.0, 1.0},
    {"Width", 0.0, 2.0},
};
constexpr size_t kSliderCount = sizeof(kSliders) / sizeof(kSliders[0]);
const double kDefaults[kSliderCount] = {0.0, 0.0, 1.0};

class Program {
public:
    explicit Program(int socket) : socket_(socket), editor_(kSliders, kSliderCount) {}

    int run();

private:
    bool send(const uint8_t* data, size_t size) {
        return ::send(socket_, data, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
    }
    // One datagram, and the descriptor it carries (CHANNEL), if any, into *fd.
    ssize_t receive(uint8_t* buffer, size_t size, int* fd) {
        iovec vector{buffer, size};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr header{};
        header.msg_iov = &vector;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
        const ssize_t n = ::recvmsg(socket_, &header, MSG_CMSG_CLOEXEC);
        *fd = -1;
        for (cmsghdr* c = CMSG_FIRSTHDR(&header); n > 0 && c != nullptr; c = CMSG_NXTHDR(&header, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                std::memcpy(fd, CMSG_DATA(c), sizeof(int));
        return n;
    }
    bool ack(uint32_t sequence, int32_t result) {
        uint8_t out[AAP_GUI_PROGRAM_HEADER_SIZE + 12];
        return send(out, aap_gui_program_write_ack(out, session_, sequence, result, width_, height_));
    }
    bool notify(uint32_t type) {
        uint8_t out[AAP_GUI_PROGRAM_HEADER_SIZE + 8];
        return send(out, aap_gui_program_write_notification(out, type, session_, 0, 0));
    }
    // Carries out one request; its result for the ACK.
    int32_t handle(const aap_gui_program_header_t& header, const uint8_t* payload, int fd);
    bool openWindow(uint64_t parent);

    static void onEdited(void* user, size_t index, double plain) {
        std::fprintf(stderr, "aap-example-gui-program: editor: %s = %.6g\n", kSliders[index].name, plain);
        auto* self = static_cast<Program*>(user);
        const aap_examples::SliderSpec& spec = kSliders[index];
        const double normalized = (plain - spec.minimum) / (spec.maximum - spec.minimum);
        uint32_t words[4];
        aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, static_cast<uint16_t>(index),
                                     static_cast<uint32_t>(normalized * 4294967295.0 + 0.5));
        self->sendEvents(words);
    }
    static void onGesture(void* user, size_t index, bool begin) {
        // The parameter gesture SysEx8 (docs/gui.md): the parameter change's layout, sub-id 02/03.
        uint32_t words[4] = {(0x50u << 24) | (0x0Eu << 16) | 0x7Eu, 0x7F000000u | ((begin ? 0x02u : 0x03u) << 8),
                             static_cast<uint32_t>(index) & 0xFFFFu, 0};
        static_cast<Program*>(user)->sendEvents(words);
    }

    // ---- the shared-memory GUI channel (CHANNEL) ----
    int32_t openChannel(const uint8_t* payload, uint32_t size, int fd);
    void closeChannel(const char* why);
    bool writeMessage(uint16_t type, uint32_t sequence, const uint8_t* payload, uint32_t size);
    void sendEvents(const uint32_t words[4]);
    void serviceChannel();
    void onParameterValues(const uint8_t* payload, uint32_t size);
    static void onClosed(void* user, bool lost) {
        auto* self = static_cast<Program*>(user);
        if (!lost)
            self->notify(AAP_GUI_PROGRAM_MSG_CLOSED);
        else
            self->lost_ = true;
    }

    int socket_;
    aap_examples::X11SliderEditor editor_;
    uint32_t session_ = 0;
    bool created_ = false;
    bool floating_ = false;
    bool lost_ = false;
    bool destroyed_ = false;
    uint32_t width_ = static_cast<uint32_t>(aap_examples::X11SliderEditor::preferredWidth());
    uint32_t height_ = kSliderCount * aap_examples::X11SliderEditor::kRowHeight + 2 * aap_examples::X11SliderEditor::kMargin;
    std::string title_ = "Example GUI program";
    // The channel, once CHANNEL handed it over.
    uint8_t* channel_ = nullptr;
    size_t channelSize_ = 0;
    aap_gui_shm_ring_t toHost_{};
    aap_gui_shm_ring_t toProgram_{};
    uint8_t token_[AAP_GUI_PROGRAM_TOKEN_SIZE]{};
    uint32_t guiSession_ = 0;   // the host's GUI-sessions id (Welcome)
    uint32_t guiSequence_ = 1;
    bool guiReady_ = false;     // InitializeAck sent: Events may flow
    uint8_t record_[AAP_GUI_SHM_MAX_MESSAGE];
};

int32_t Program::openChannel(const uint8_t* payload, uint32_t size, int fd) {
    struct stat st {};
    const uint32_t capacity = size == 4 + AAP_GUI_PROGRAM_TOKEN_SIZE ? aap_gui_program_get_u32(payload) : 0;
    if (fd < 0 || channel_ != nullptr || !aap_gui_shm_capacity_valid(capacity) || ::fstat(fd, &st) != 0 ||
        static_cast<uint64_t>(st.st_size) != aap_gui_shm_size(capacity)) {
        if (fd >= 0)
            ::close(fd);
        return channel_ != nullptr ? AAP_GUI_ERROR_WRONG_STATE : AAP_GUI_ERROR_INVALID_ARGUMENT;
    }
    void* mapped = ::mmap(nullptr, aap_gui_shm_size(capacity), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapped == MAP_FAILED)
        return AAP_GUI_ERROR_INVALID_ARGUMENT;
    channel_ = static_cast<uint8_t*>(mapped);
    channelSize_ = aap_gui_shm_size(capacity);
    if (aap_gui_shm_check(channel_, channelSize_, capacity) != 0) {
        closeChannel("its header does not match");
        return AAP_GUI_ERROR_INVALID_ARGUMENT;
    }
    toHost_ = aap_gui_shm_ring(channel_, capacity, AAP_GUI_SHM_RING_TO_HOST);
    toProgram_ = aap_gui_shm_ring(channel_, capacity, AAP_GUI_SHM_RING_TO_PROGRAM);
    std::memcpy(token_, payload + 4, sizeof(token_));
    // Hello: u32 protocol version, u32 token size, the token.
    uint8_t hello[8 + AAP_GUI_PROGRAM_TOKEN_SIZE];
    aap_gui_message_put_u32(hello, AAP_GUI_MESSAGE_VERSION);
    aap_gui_message_put_u32(hello + 4, AAP_GUI_PROGRAM_TOKEN_SIZE);
    std::memcpy(hello + 8, token_, sizeof(token_));
    guiSession_ = 0;
    if (!writeMessage(AAP_GUI_MESSAGE_HELLO, 0, hello, sizeof(hello))) {
        closeChannel("no room for hello");
        return AAP_GUI_ERROR_NO_DETAILS;
    }
    std::fprintf(stderr, "aap-example-gui-program: GUI channel open (%u bytes per ring)\n", capacity);
    return AAP_GUI_RESULT_OK;
}

void Program::closeChannel(const char* why) {
    if (channel_ == nullptr)
        return;
    std::fprintf(stderr, "aap-example-gui-program: GUI channel closed: %s\n", why);
    ::munmap(channel_, channelSize_);
    channel_ = nullptr;
    guiReady_ = false;
}

bool Program::writeMessage(uint16_t type, uint32_t sequence, const uint8_t* payload, uint32_t size) {
    if (channel_ == nullptr || size > sizeof(record_) - AAP_GUI_MESSAGE_HEADER_SIZE)
        return false;
    uint8_t message[AAP_GUI_MESSAGE_HEADER_SIZE + 64];
    uint8_t* out = size <= 64 ? message : record_;
    aap_gui_message_write_header(out, type, guiSession_, sequence, size);
    if (size > 0)
        std::memcpy(out + AAP_GUI_MESSAGE_HEADER_SIZE, payload, size);
    return aap_gui_shm_write(&toHost_, out, AAP_GUI_MESSAGE_HEADER_SIZE + size) == AAP_GUI_SHM_OK;
}

void Program::sendEvents(const uint32_t words[4]) {
    if (!guiReady_)
        return;
    uint8_t payload[16];
    for (int i = 0; i < 4; i++)
        aap_gui_message_put_u32(payload + 4 * i, words[i]);
    if (!writeMessage(AAP_GUI_MESSAGE_EVENTS, guiSequence_++, payload, sizeof(payload)))
        std::fprintf(stderr, "aap-example-gui-program: the GUI channel is full; an edit was dropped\n");
}

void Program::onParameterValues(const uint8_t* payload, uint32_t size) {
    if (size < 8)
        return;
    const uint32_t count = aap_gui_message_get_u32(payload + 4);
    if (count > (size - 8) / 16)
        return;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t* entry = payload + 8 + 16 * i;
        const int32_t id = static_cast<int32_t>(aap_gui_message_get_u32(entry));
        const uint64_t bits = static_cast<uint64_t>(aap_gui_message_get_u32(entry + 8)) |
                              (static_cast<uint64_t>(aap_gui_message_get_u32(entry + 12)) << 32);
        double value;
        std::memcpy(&value, &bits, sizeof(value));
        if (id < 0 || static_cast<size_t>(id) >= kSliderCount)
            continue;
        editor_.setValue(static_cast<size_t>(id), value);
        std::fprintf(stderr, "aap-example-gui-program: host: %s = %.6g\n", kSliders[id].name, value);
    }
}

void Program::serviceChannel() {
    while (channel_ != nullptr) {
        uint32_t size = 0;
        const int result = aap_gui_shm_read(&toProgram_, record_, sizeof(record_), &size);
        if (result == AAP_GUI_SHM_EMPTY)
            return;
        aap_gui_message_header_t header{};
        if (result != AAP_GUI_SHM_OK || aap_gui_message_read_header(record_, size, &header) != 0) {
            closeChannel("the host -> program ring is corrupt");
            return;
        }
        const uint8_t* payload = record_ + AAP_GUI_MESSAGE_HEADER_SIZE;
        switch (header.type) {
        case AAP_GUI_MESSAGE_WELCOME:
            if (header.payload_size >= 8)
                guiSession_ = aap_gui_message_get_u32(payload + 4);
            break;
        case AAP_GUI_MESSAGE_INITIALIZE:
            writeMessage(AAP_GUI_MESSAGE_INITIALIZE_ACK, header.sequence, nullptr, 0);
            guiReady_ = true;
            break;
        case AAP_GUI_MESSAGE_PING:
            writeMessage(AAP_GUI_MESSAGE_PONG, header.sequence, nullptr, 0);
            break;
        case AAP_GUI_MESSAGE_CLEANUP:
            writeMessage(AAP_GUI_MESSAGE_CLEANUP_ACK, header.sequence, nullptr, 0);
            closeChannel("the host ended the GUI session");
            return;
        case AAP_GUI_MESSAGE_PARAMETER_VALUES:
            onParameterValues(payload, header.payload_size);
            break;
        case AAP_GUI_MESSAGE_ERROR: {
            const uint32_t text = header.payload_size > 4 ? header.payload_size - 4 : 0;
            std::fprintf(stderr, "aap-example-gui-program: the host dropped the GUI session: %.*s\n",
                         static_cast<int>(text), reinterpret_cast<const char*>(payload + 4));
            closeChannel("dropped by the host");
            return;
        }
        default:
            break;  // Levels, Events (the plugin's output), Resync: not shown by this GUI
        }
    }
}

bool Program::openWindow(uint64_t parent) {
    std::string error;
    editor_.setCallbacks(&Program::onEdited, &Program::onClosed, this);
    editor_.setGestureCallback(&Program::onGesture);
    if (!editor_.open(nullptr, parent, static_cast<int>(width_), static_cast<int>(height_), title_.c_str(), &error)) {
        std::fprintf(stderr, "aap-example-gui-program: %s\n", error.c_str());
        return false;
    }
    for (size_t i = 0; i < kSliderCount; i++)
        editor_.setValue(i, kDefaults[i]);
    return true;
}

int32_t Program::handle(const aap_gui_program_header_t& header, const uint8_t* payload, int fd) {
    const uint32_t size = header.payload_size;
    if (header.type == AAP_GUI_PROGRAM_MSG_CHANNEL)
        return openChannel(payload, size, fd);
    if (fd >= 0)
        ::close(fd);  // no other request carries a descriptor
    switch (header.type) {
    case AAP_GUI_PROGRAM_MSG_CREATE: {
        if (size != 8)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        if (created_)
            return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
        const int32_t api = static_cast<int32_t>(aap_gui_program_get_u32(payload));
        floating_ = aap_gui_program_get_u32(payload + 4) != 0;
        if (api != AAP_GUI_API_X11)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        // A floating window exists from now on; an embedded one once set_parent names its parent.
        if (floating_ && !openWindow(0))
            return AAP_GUI_ERROR_NO_DETAILS;
        created_ = true;
        return AAP_GUI_RESULT_OK;
    }
    case AAP_GUI_PROGRAM_MSG_SET_PARENT:
    case AAP_GUI_PROGRAM_MSG_SET_TRANSIENT: {
        if (size != 16)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        const bool parent = header.type == AAP_GUI_PROGRAM_MSG_SET_PARENT;
        if (!created_ || parent == floating_)
            return AAP_GUI_ERROR_WRONG_STATE;
        if (static_cast<int32_t>(aap_gui_program_get_u32(payload)) != AAP_GUI_API_X11)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        const uint64_t handle = aap_gui_program_get_u64(payload + 8);
        if (handle == 0)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        if (!parent) {
            editor_.setTransientFor(handle);
            return AAP_GUI_RESULT_OK;
        }
        return openWindow(handle) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_INVALID_ARGUMENT;
    }
    case AAP_GUI_PROGRAM_MSG_SHOW:
    case AAP_GUI_PROGRAM_MSG_HIDE:
        if (!editor_.isOpen())
            return AAP_GUI_ERROR_WRONG_STATE;
        if (header.type == AAP_GUI_PROGRAM_MSG_SHOW)
            editor_.show();
        else
            editor_.hide();
        return AAP_GUI_RESULT_OK;
    case AAP_GUI_PROGRAM_MSG_SET_SIZE: {
        if (size != 8)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        const uint32_t width = aap_gui_program_get_u32(payload);
        const uint32_t height = aap_gui_program_get_u32(payload + 4);
        if (width == 0 || height == 0 || width > 16384 || height > 16384)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        width_ = width;
        height_ = height;
        if (editor_.isOpen())
            editor_.resize(static_cast<int>(width), static_cast<int>(height));
        return AAP_GUI_RESULT_OK;
    }
    case AAP_GUI_PROGRAM_MSG_SET_SCALE:
        return size == 8 ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_INVALID_ARGUMENT;  // Xlib pixels: ignored
    case AAP_GUI_PROGRAM_MSG_SUGGEST_TITLE: {
        if (size < 4 || aap_gui_program_get_u32(payload) != size - 4 || size - 4 > AAP_GUI_MAX_TITLE_BYTES)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        title_.assign(reinterpret_cast<const char*>(payload + 4), size - 4);
        return AAP_GUI_RESULT_OK;
    }
    case AAP_GUI_PROGRAM_MSG_DESTROY:
        closeChannel("destroyed");
        editor_.close();
        destroyed_ = true;
        return AAP_GUI_RESULT_OK;
    default:
        return AAP_GUI_ERROR_NOT_IMPLEMENTED;
    }
}

int Program::run() {
    uint8_t message[AAP_GUI_PROGRAM_HEADER_SIZE + AAP_GUI_PROGRAM_MAX_PAYLOAD];
    aap_gui_program_header_t header{};
    // OFFER: the session id and the token; HELLO answers with both.
    ssize_t n = ::recv(socket_, message, sizeof(message), 0);
    if (n <= 0 || aap_gui_program_read_header(message, static_cast<size_t>(n), &header) != 0 ||
        header.type != AAP_GUI_PROGRAM_MSG_OFFER || header.payload_size != 4 + AAP_GUI_PROGRAM_TOKEN_SIZE ||
        aap_gui_program_get_u32(message + AAP_GUI_PROGRAM_HEADER_SIZE) != AAP_GUI_PROGRAM_PROTOCOL_VERSION) {
        std::fprintf(stderr, "aap-example-gui-program: no valid offer from the service\n");
        return 3;
    }
    session_ = header.session;
    uint8_t hello[AAP_GUI_PROGRAM_HEADER_SIZE + 4 + AAP_GUI_PROGRAM_TOKEN_SIZE];
    if (!send(hello, aap_gui_program_write_hello(hello, session_, message + AAP_GUI_PROGRAM_HEADER_SIZE + 4)))
        return 0;

    while (!destroyed_) {
        pollfd fds[2] = {{socket_, POLLIN, 0}, {editor_.fd(), POLLIN, 0}};
        // With a GUI channel, look at it every 16 ms (nothing wakes us for it).
        const int ready = ::poll(fds, editor_.fd() >= 0 ? 2 : 1, channel_ != nullptr ? 16 : -1);
        serviceChannel();
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            return 3;
        }
        if (editor_.isOpen() && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !editor_.dispatch()) {
            // The X server went away: without a window this GUI is lost; ending the process tells
            // the service (which reports closed(was_destroyed) to the host).
            std::fprintf(stderr, "aap-example-gui-program: the connection to the X server broke\n");
            return 0;
        }
        if (lost_)
            return 0;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            continue;
        int fd = -1;
        n = receive(message, sizeof(message), &fd);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;  // the service closed the socket: it is gone or done with us
        if (aap_gui_program_read_header(message, static_cast<size_t>(n), &header) != 0 ||
            header.session != session_) {
            std::fprintf(stderr, "aap-example-gui-program: malformed message from the service\n");
            if (fd >= 0)
                ::close(fd);
            return 3;
        }
        const int32_t result = handle(header, message + AAP_GUI_PROGRAM_HEADER_SIZE, fd);
        if (!ack(header.sequence, result))
            return 0;
    }
    return 0;
}

} // namespace

int main() {
    const char* text = std::getenv(AAP_GUI_PROGRAM_FD_ENV);
    char* end = nullptr;
    const long fd = text != nullptr ? std::strtol(text, &end, 10) : -1;
    if (text == nullptr || end == text || *end != '\0' || fd < 0 || fd > 65535 || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) {
        std::fprintf(stderr, "aap-example-gui-program: started without the protocol socket ($%s); the plugin service "
                             "starts this program\n",
                     AAP_GUI_PROGRAM_FD_ENV);
        return 2;
    }
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    ::unsetenv(AAP_GUI_PROGRAM_FD_ENV);
    Program program(static_cast<int>(fd));
    return program.run();
}
