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
// Parameter edits: the GUI-program protocol does not carry them yet (docs/gui.md, the native GUIs'
// "Not done"), so a slider moved here changes what the program shows and is traced on stderr,
// but it does not reach the DSP. The x11-editor example shows an editor whose edits do (inside
// the plugin's process).
//
// Exit codes: 0 after DESTROY or when the service closes the socket; 2 when started without the
// protocol socket; 3 for a protocol violation by the other side.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <aap/ext/gui-v5.h>
#include <aap/gui-program-protocol.h>

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
    bool ack(uint32_t sequence, int32_t result) {
        uint8_t out[AAP_GUI_PROGRAM_HEADER_SIZE + 12];
        return send(out, aap_gui_program_write_ack(out, session_, sequence, result, width_, height_));
    }
    bool notify(uint32_t type) {
        uint8_t out[AAP_GUI_PROGRAM_HEADER_SIZE + 8];
        return send(out, aap_gui_program_write_notification(out, type, session_, 0, 0));
    }
    // Carries out one request; its result for the ACK.
    int32_t handle(const aap_gui_program_header_t& header, const uint8_t* payload);
    bool openWindow(uint64_t parent);

    static void onEdited(void*, size_t index, double plain) {
        std::fprintf(stderr, "aap-example-gui-program: editor: %s = %.6g\n", kSliders[index].name, plain);
    }
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
};

bool Program::openWindow(uint64_t parent) {
    std::string error;
    editor_.setCallbacks(&Program::onEdited, &Program::onClosed, this);
    if (!editor_.open(nullptr, parent, static_cast<int>(width_), static_cast<int>(height_), title_.c_str(), &error)) {
        std::fprintf(stderr, "aap-example-gui-program: %s\n", error.c_str());
        return false;
    }
    for (size_t i = 0; i < kSliderCount; i++)
        editor_.setValue(i, kDefaults[i]);
    return true;
}

int32_t Program::handle(const aap_gui_program_header_t& header, const uint8_t* payload) {
    const uint32_t size = header.payload_size;
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
        if (::poll(fds, editor_.fd() >= 0 ? 2 : 1, -1) < 0) {
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
        n = ::recv(socket_, message, sizeof(message), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;  // the service closed the socket: it is gone or done with us
        if (aap_gui_program_read_header(message, static_cast<size_t>(n), &header) != 0 ||
            header.session != session_) {
            std::fprintf(stderr, "aap-example-gui-program: malformed message from the service\n");
            return 3;
        }
        const int32_t result = handle(header, message + AAP_GUI_PROGRAM_HEADER_SIZE);
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
