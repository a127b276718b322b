#pragma once
// The host window of `aap-host gui --native`: a plain Xlib top-level window into which a plugin's
// native editor embeds itself by window id (or for which a floating editor stays transient).
//
// X11 is optional: without libX11 at build time (AAP_HOST_HAVE_X11 undefined), open() fails with
// a message saying so and nothing else of this class is usable.
//
// Threads: one thread (the control thread of the command) uses a window and its connection.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aap::host_tool {

class X11HostWindow {
public:
    struct Event {
        enum class Kind { None, Resized, CloseRequested } kind = Kind::None;
        int width = 0;
        int height = 0;
    };

    // True when this aap-host was built with X11.
    static bool available() noexcept;
    // True when $DISPLAY names an X server that accepts a connection (opened and closed again);
    // otherwise *error says why (no X11 in this build, DISPLAY unset, no server there).
    static bool displayReachable(std::string* error);

    // Connects to $DISPLAY and creates an unmapped top-level window of width x height titled
    // `title`. Null with *error on failure (no X11 in this build, no display, bad size).
    static std::unique_ptr<X11HostWindow> open(int width, int height, const std::string& title, std::string* error);

    ~X11HostWindow();
    X11HostWindow(const X11HostWindow&) = delete;
    X11HostWindow& operator=(const X11HostWindow&) = delete;

    uint64_t id() const noexcept;   // the X11 window id the plugin's editor embeds into
    int fd() const noexcept;        // the connection's file descriptor, for poll()
    int width() const noexcept { return width_; }
    int height() const noexcept { return height_; }

    void show();
    void hide();
    // Resizes the window itself (the answer to an editor's request_resize).
    void resize(int width, int height);
    // The smallest size the user may resize the window to (0: no bound).
    void setMinimumSize(int width, int height);
    // ---- Queries of the window tree (what validate --gui checks the plugin's GUI against) ----
    // The ids of this window's child windows.
    std::vector<uint64_t> children();
    // The top-level windows that are transient for this one (floating GUIs).
    std::vector<uint64_t> transients();
    // Size and whether `window` is viewable (mapped, and its ancestors too); false when it does
    // not exist (any more).
    bool state(uint64_t window, int* width, int* height, bool* viewable);

    // The next event (Resized only when the size really changed), or Kind::None when none is
    // queued. False when the connection to the X server is broken.
    bool next(Event* event);

    struct Impl;  // the Xlib state (x11-host-window.cpp)

private:
    X11HostWindow() = default;
    std::unique_ptr<Impl> impl_;
    int width_ = 0;
    int height_ = 0;
};

} // namespace aap::host_tool
