#pragma once
// aap::GuiProgram: one running GUI program of a plugin (gui:program in aap_metadata.xml), as the
// plugin service launched it, speaking aap/gui-program-protocol.h over an inherited socket
// (docs/gui.md, "Native GUIs"). One object = one GUI session: launch .. destroy, or launch ..
// failure, after which the program is gone (killed and reaped).
//
// Threads: everything is [gui-thread] (the service's GuiThread); nothing here blocks longer than
// the deadline it is given plus the kill grace (kGuiKillGraceNs).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aap/ext/gui-v5.h"
#include "aap/hosting/unique-fd.h"

namespace aap {

// How long each lifecycle step of a GUI may take (docs/gui.md): hello from launch, the ack of
// create, the ack of every later call (set parent/transient, show, hide, size, scale, title,
// destroy).
struct GuiDeadlines {
    int64_t helloNs = 2'000'000'000;
    int64_t createNs = 2'000'000'000;
    int64_t callNs = 500'000'000;
};

// After SIGTERM, how long a program gets to exit before SIGKILL.
inline constexpr int64_t kGuiKillGraceNs = 20'000'000;

class GuiProgram {
public:
    // A notification of the program for the host: a gui/v5 host opcode (AAP_GUI_V5_OPCODE_REQUEST_*,
    // _CLOSED, _RESIZE_HINTS_CHANGED) with its values (width/height, or was_destroyed in a).
    using Notify = std::function<void(int32_t opcode, uint32_t a, uint32_t b)>;

    ~GuiProgram();

    // Starts `path` (absolute) for GUI session `session`, offers the token, waits for hello, then
    // sends create and waits for its ack. Returns AAP_GUI_RESULT_OK with *out set, or an
    // AAP_GUI_ERROR_* code (the program is gone by then) and *why says what happened.
    static int32_t launch(const std::string& path, uint32_t session, int32_t api, bool floating,
                          const GuiDeadlines& deadlines, Notify notify, std::unique_ptr<GuiProgram>* out,
                          std::string* why);

    // Sends one lifecycle request and waits for its ack (at most timeoutNs). Returns the program's
    // result, or AAP_GUI_ERROR_TIMEOUT when it did not answer in time or answered wrongly: then the
    // program has been killed (gone() is true). attachedFd >= 0 travels with the request as
    // SCM_RIGHTS (CHANNEL); the caller keeps its own descriptor.
    int32_t request(uint32_t type, const uint8_t* payload, uint32_t size, int64_t timeoutNs, std::string* why,
                    int attachedFd = -1);

    // Reads what the program sent without being asked (notifications); false when the program is
    // gone (hang-up, crash, malformed message): then it has been killed and reaped.
    bool readNotifications(std::string* why);

    // SIGTERM, up to kGuiKillGraceNs for it to exit, SIGKILL, reap; then SIGKILL to its process
    // group and reap what the service inherited of it. Idempotent.
    void kill() noexcept;

    bool gone() const noexcept { return pid_ <= 0; }
    pid_t pid() const noexcept { return pid_; }
    int fd() const noexcept { return socket_.get(); }
    uint32_t session() const noexcept { return session_; }
    uint32_t width() const noexcept { return width_; }
    uint32_t height() const noexcept { return height_; }
    const aap_gui_resize_hints_t& hints() const noexcept { return hints_; }
    bool hasHints() const noexcept { return hasHints_; }

private:
    GuiProgram() = default;
    static void reapGroup(pid_t group) noexcept;
    // Waits for one message until deadlineNs (monotonic); false on timeout, hang-up or a malformed
    // datagram. Notifications that arrive meanwhile are handled when `handleNotifications`.
    bool receive(int64_t deadlineNs, uint8_t* buffer, size_t* size, std::string* why);
    // Handles one notification; false when it is malformed.
    bool handleNotification(const uint8_t* data, size_t size);

    UniqueFd socket_;
    pid_t pid_ = -1;
    uint32_t session_ = 0;
    uint32_t sequence_ = 0;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
    aap_gui_resize_hints_t hints_{};
    bool hasHints_ = false;
    Notify notify_;
};

} // namespace aap
