#pragma once
// Shared by the native-GUI examples: a window of horizontal sliders drawn with plain Xlib, either
// embedded into a parent window (any X11 window id: the id is valid in every process on the
// display) or floating as a top-level window. Used by x11-editor/ (inside the plugin's process)
// and by gui-program/ (a GUI executable of its own). Only this header and the example programs
// include Xlib; the SDK never does.
//
// Layout (in window pixels; the tests compute expected values from it, keep them in step):
//   kMargin pixels on every side; the remaining height is split into one row per slider. Row i
//   spans y in [kMargin + i*rowHeight, kMargin + (i+1)*rowHeight) with
//   rowHeight = (height - 2*kMargin) / count. The track of every row spans
//   x in [kMargin, width - kMargin]; a button press (or a drag that started in row i) at x sets
//   slider i to minimum + (maximum - minimum) * clamp((x - kMargin) / (width - 2*kMargin), 0, 1).
//
// Threads: an editor and its Display are used from one thread only (Xlib without
// XInitThreads); whoever owns it calls dispatch() when fd() is readable.

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace aap_examples {

struct SliderSpec {
    const char* name;
    double minimum;
    double maximum;
};

class X11SliderEditor {
public:
    static constexpr int kMargin = 10;
    static constexpr int kDefaultWidth = 360;
    static constexpr int kRowHeight = 40;  // the preferred height is count * kRowHeight + 2 * kMargin

    // A slider moved by the user: index and the new plain value. Called from dispatch().
    using EditCallback = void (*)(void* user, size_t index, double plain);
    // The window is gone: closed by the window manager (floating windows only; lost false), or
    // the connection to the X server broke (lost true). Called from dispatch() or connectionLost().
    using ClosedCallback = void (*)(void* user, bool lost);
    // The user took hold of slider `index` (begin: button pressed on its row) or let it go. Called
    // from dispatch(), around the edits of one drag. Optional.
    using GestureCallback = void (*)(void* user, size_t index, bool begin);

    X11SliderEditor(const SliderSpec* specs, size_t count) : specs_(specs, specs + count), values_(count, 0.0) {
        for (size_t i = 0; i < count; i++)
            values_[i] = specs[i].minimum;
    }
    X11SliderEditor(const X11SliderEditor&) = delete;
    X11SliderEditor& operator=(const X11SliderEditor&) = delete;
    ~X11SliderEditor() { close(); }

    static int preferredWidth() noexcept { return kDefaultWidth; }
    int preferredHeight() const noexcept { return static_cast<int>(specs_.size()) * kRowHeight + 2 * kMargin; }

    void setCallbacks(EditCallback edited, ClosedCallback closed, void* user) noexcept {
        edited_ = edited;
        closed_ = closed;
        user_ = user;
    }
    void setGestureCallback(GestureCallback gesture) noexcept { gesture_ = gesture; }
    // Sets the title of the window (a top-level one shows it; any window carries it as WM_NAME).
    void setTitle(const char* title) {
        if (display_ != nullptr && window_ != 0 && !broken_) {
            XStoreName(display_, window_, title);
            XFlush(display_);
        }
    }

    // Connects to `displayName` (null: $DISPLAY) and creates the (unmapped) window: a child of
    // `parent` when it is not 0, else a top-level window titled `title`. On failure returns false
    // with the reason in *error.
    bool open(const char* displayName, uint64_t parent, int width, int height, const char* title, std::string* error) {
        close();
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
            *error = "window size " + std::to_string(width) + "x" + std::to_string(height) + " is out of 1..16384";
            return false;
        }
        display_ = XOpenDisplay(displayName);
        if (display_ == nullptr) {
            *error = std::string("cannot open X display '") +
                     (displayName != nullptr ? displayName : (std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "")) +
                     "'";
            return false;
        }
        // Losing the X server must not end the plugin's process (and its audio): Xlib's default
        // is exit(1). The process-wide I/O error handler returns instead of exiting, and this
        // connection's exit handler only marks it broken (libX11 >= 1.7); other connections keep
        // Xlib's default exit handler.
        broken_ = false;
        XSetIOErrorHandler([](Display*) { return 0; });
        XSetIOErrorExitHandler(display_, &X11SliderEditor::onConnectionLost, this);
        const int screen = DefaultScreen(display_);
        Window parentWindow = parent != 0 ? static_cast<Window>(parent) : RootWindow(display_, screen);
        if (parent != 0 && !windowExists(parentWindow)) {
            *error = "parent window " + std::to_string(parent) + " does not exist on this display";
            close();
            return false;
        }
        XSetWindowAttributes attributes{};
        attributes.background_pixel = WhitePixel(display_, screen);
        attributes.event_mask = ExposureMask | ButtonPressMask | ButtonReleaseMask | Button1MotionMask |
                                StructureNotifyMask;
        window_ = XCreateWindow(display_, parentWindow, 0, 0, static_cast<unsigned>(width),
                                static_cast<unsigned>(height), 0, CopyFromParent, InputOutput, CopyFromParent,
                                CWBackPixel | CWEventMask, &attributes);
        width_ = width;
        height_ = height;
        embedded_ = parent != 0;
        gc_ = XCreateGC(display_, window_, 0, nullptr);
        if (!embedded_) {
            XStoreName(display_, window_, title != nullptr ? title : "AAP editor");
            deleteWindow_ = XInternAtom(display_, "WM_DELETE_WINDOW", False);
            XSetWMProtocols(display_, window_, &deleteWindow_, 1);
        }
        XSync(display_, False);
        return true;
    }

    bool isOpen() const noexcept { return display_ != nullptr; }
    uint64_t window() const noexcept { return static_cast<uint64_t>(window_); }
    int fd() const noexcept { return display_ != nullptr ? ConnectionNumber(display_) : -1; }
    int width() const noexcept { return width_; }
    int height() const noexcept { return height_; }

    // A floating editor becomes transient for `owner` (the host's window), so window managers
    // keep it above the host and minimize it with the host.
    void setTransientFor(uint64_t owner) {
        if (display_ != nullptr && !embedded_ && owner != 0) {
            XSetTransientForHint(display_, window_, static_cast<Window>(owner));
            XFlush(display_);
        }
    }

    void show() {
        if (display_ == nullptr)
            return;
        XMapRaised(display_, window_);
        XSync(display_, False);
    }
    void hide() {
        if (display_ == nullptr)
            return;
        XUnmapWindow(display_, window_);
        XSync(display_, False);
    }
    bool resize(int width, int height) {
        if (display_ == nullptr || width <= 0 || height <= 0 || width > 16384 || height > 16384)
            return false;
        XResizeWindow(display_, window_, static_cast<unsigned>(width), static_cast<unsigned>(height));
        XSync(display_, False);
        width_ = width;
        height_ = height;
        redraw();
        return true;
    }
    // Sets the value shown by slider `index` (clamped), without calling the edit callback.
    void setValue(size_t index, double plain) {
        if (index >= values_.size())
            return;
        values_[index] = clamp(plain, specs_[index].minimum, specs_[index].maximum);
        redraw();
    }
    double value(size_t index) const noexcept { return index < values_.size() ? values_[index] : 0.0; }

    // Destroys the window and closes the display connection. Safe to call twice.
    void close() {
        if (display_ == nullptr)
            return;
        if (gc_ != nullptr && !broken_)
            XFreeGC(display_, gc_);
        gc_ = nullptr;
        if (window_ != 0 && !broken_)
            XDestroyWindow(display_, window_);
        window_ = 0;
        XCloseDisplay(display_);
        display_ = nullptr;
    }

    // True once the connection to the X server broke (the server died or went away).
    bool broken() const noexcept { return broken_; }
    // Reports a broken connection through the closed callback (lost = true).
    void connectionLost() {
        if (closed_ != nullptr)
            closed_(user_, true);
    }

    // Handles every queued event. Returns false when the connection to the X server broke.
    bool dispatch() {
        if (display_ == nullptr || broken_)
            return false;
        while (!broken_ && XPending(display_) > 0) {
            XEvent event;
            XNextEvent(display_, &event);
            handle(event);
        }
        return !broken_;
    }

    // The slider a point in row coordinates falls into, or -1. (Public for the tests' arithmetic.)
    int rowAt(int y) const noexcept {
        const int rowHeight = this->rowHeight();
        if (rowHeight <= 0 || y < kMargin)
            return -1;
        const int row = (y - kMargin) / rowHeight;
        return row < static_cast<int>(specs_.size()) ? row : -1;
    }

private:
    static double clamp(double v, double lo, double hi) noexcept { return v < lo ? lo : (v > hi ? hi : v); }
    int rowHeight() const noexcept {
        return specs_.empty() ? 0 : (height_ - 2 * kMargin) / static_cast<int>(specs_.size());
    }

    bool windowExists(Window window) {
        // XGetWindowAttributes fails with BadWindow for an unknown id; catch it instead of the
        // default handler's exit().
        badWindow_ = false;
        XErrorHandler previous = XSetErrorHandler(&X11SliderEditor::onError);
        XWindowAttributes attributes{};
        const Status ok = XGetWindowAttributes(display_, window, &attributes);
        XSync(display_, False);
        XSetErrorHandler(previous);
        return ok != 0 && !badWindow_;
    }
    static void onConnectionLost(Display*, void* user) { static_cast<X11SliderEditor*>(user)->broken_ = true; }
    static int onError(Display*, XErrorEvent* event) {
        if (event->error_code == BadWindow)
            badWindow_ = true;
        return 0;
    }

    void handle(const XEvent& event) {
        switch (event.type) {
        case Expose:
            if (event.xexpose.count == 0)
                redraw();
            break;
        case ConfigureNotify:
            if (event.xconfigure.width != width_ || event.xconfigure.height != height_) {
                width_ = event.xconfigure.width;
                height_ = event.xconfigure.height;
                redraw();
            }
            break;
        case ButtonPress:
            if (event.xbutton.button == Button1) {
                dragRow_ = rowAt(event.xbutton.y);
                if (dragRow_ >= 0 && gesture_ != nullptr)
                    gesture_(user_, static_cast<size_t>(dragRow_), true);
                if (dragRow_ >= 0)
                    edit(static_cast<size_t>(dragRow_), event.xbutton.x);
            }
            break;
        case MotionNotify:
            if (dragRow_ >= 0)
                edit(static_cast<size_t>(dragRow_), event.xmotion.x);
            break;
        case ButtonRelease:
            if (event.xbutton.button == Button1) {
                if (dragRow_ >= 0 && gesture_ != nullptr)
                    gesture_(user_, static_cast<size_t>(dragRow_), false);
                dragRow_ = -1;
            }
            break;
        case ClientMessage:
            if (!embedded_ && static_cast<Atom>(event.xclient.data.l[0]) == deleteWindow_) {
                hide();
                if (closed_ != nullptr)
                    closed_(user_, false);
            }
            break;
        default: break;
        }
    }

    void edit(size_t index, int x) {
        const int track = width_ - 2 * kMargin;
        if (track <= 0)
            return;
        const double normalized = clamp(static_cast<double>(x - kMargin) / track, 0.0, 1.0);
        const SliderSpec& spec = specs_[index];
        values_[index] = spec.minimum + (spec.maximum - spec.minimum) * normalized;
        redraw();
        if (edited_ != nullptr)
            edited_(user_, index, values_[index]);
    }

    void redraw() {
        if (display_ == nullptr || window_ == 0)
            return;
        const int screen = DefaultScreen(display_);
        const unsigned long black = BlackPixel(display_, screen);
        const unsigned long white = WhitePixel(display_, screen);
        XSetForeground(display_, gc_, white);
        XFillRectangle(display_, window_, gc_, 0, 0, static_cast<unsigned>(width_), static_cast<unsigned>(height_));
        XSetForeground(display_, gc_, black);
        const int rowHeight = this->rowHeight();
        const int track = width_ - 2 * kMargin;
        if (rowHeight <= 0 || track <= 0) {
            XFlush(display_);
            return;
        }
        for (size_t i = 0; i < specs_.size(); i++) {
            const int top = kMargin + static_cast<int>(i) * rowHeight;
            const SliderSpec& spec = specs_[i];
            char label[96];
            std::snprintf(label, sizeof(label), "%s: %.3g", spec.name, values_[i]);
            XDrawString(display_, window_, gc_, kMargin, top + 12, label, static_cast<int>(std::strlen(label)));
            const int middle = top + rowHeight * 2 / 3;
            XDrawLine(display_, window_, gc_, kMargin, middle, kMargin + track, middle);
            const double span = spec.maximum - spec.minimum;
            const double normalized = span > 0 ? (values_[i] - spec.minimum) / span : 0.0;
            const int thumb = kMargin + static_cast<int>(normalized * track + 0.5);
            XFillRectangle(display_, window_, gc_, thumb - 3, middle - 6, 7, 13);
        }
        XFlush(display_);
    }

    std::vector<SliderSpec> specs_;
    std::vector<double> values_;
    Display* display_ = nullptr;
    Window window_ = 0;
    GC gc_ = nullptr;
    Atom deleteWindow_ = 0;
    bool embedded_ = false;
    bool broken_ = false;
    int width_ = 0;
    int height_ = 0;
    int dragRow_ = -1;
    EditCallback edited_ = nullptr;
    ClosedCallback closed_ = nullptr;
    GestureCallback gesture_ = nullptr;
    void* user_ = nullptr;
    static inline bool badWindow_ = false;
};

} // namespace aap_examples
