// X11HostWindow (x11-host-window.h) with plain Xlib, or, built without X11, the messages saying so.

#include "x11-host-window.h"

#ifdef AAP_HOST_HAVE_X11
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cstdio>
#include <cstdlib>
#endif

namespace aap::host_tool {

#ifdef AAP_HOST_HAVE_X11

namespace {
// The plugin's editor lives in another process and may destroy its window (or die) at any time;
// an X error caused by that (BadWindow, BadDrawable) is reported and ignored instead of Xlib's
// default handler ending aap-host.
int onXError(Display* display, XErrorEvent* event) {
    char text[128] = {};
    XGetErrorText(display, event->error_code, text, sizeof(text));
    std::fprintf(stderr, "aap-host gui: X error ignored: %s (request %d)\n", text, event->request_code);
    return 0;
}
} // namespace

struct X11HostWindow::Impl {
    Display* display = nullptr;
    Window window = 0;
    Atom deleteWindow = 0;
};

bool X11HostWindow::available() noexcept { return true; }

std::unique_ptr<X11HostWindow> X11HostWindow::open(int width, int height, const std::string& title,
                                                   std::string* error) {
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
        *error = "window size " + std::to_string(width) + "x" + std::to_string(height) + " is out of 1..16384";
        return nullptr;
    }
    Display* display = XOpenDisplay(nullptr);
    if (display == nullptr) {
        const char* name = std::getenv("DISPLAY");
        *error = std::string("cannot open the X display '") + (name != nullptr ? name : "") +
                 "' (native GUIs need an X server; set DISPLAY)";
        return nullptr;
    }
    XSetErrorHandler(&onXError);
    std::unique_ptr<X11HostWindow> result(new X11HostWindow());
    result->impl_ = std::make_unique<Impl>();
    Impl& impl = *result->impl_;
    impl.display = display;
    const int screen = DefaultScreen(display);
    XSetWindowAttributes attributes{};
    attributes.background_pixel = BlackPixel(display, screen);
    attributes.event_mask = StructureNotifyMask;
    impl.window = XCreateWindow(display, RootWindow(display, screen), 0, 0, static_cast<unsigned>(width),
                                static_cast<unsigned>(height), 0, CopyFromParent, InputOutput, nullptr,
                                CWBackPixel | CWEventMask, &attributes);
    XStoreName(display, impl.window, title.c_str());
    impl.deleteWindow = XInternAtom(display, "WM_DELETE_WINDOW", False);
    XSetWMProtocols(display, impl.window, &impl.deleteWindow, 1);
    XSync(display, False);
    result->width_ = width;
    result->height_ = height;
    return result;
}

X11HostWindow::~X11HostWindow() {
    if (impl_ && impl_->display != nullptr) {
        XDestroyWindow(impl_->display, impl_->window);
        XCloseDisplay(impl_->display);
    }
}

uint64_t X11HostWindow::id() const noexcept { return static_cast<uint64_t>(impl_->window); }
int X11HostWindow::fd() const noexcept { return ConnectionNumber(impl_->display); }

void X11HostWindow::show() {
    XMapRaised(impl_->display, impl_->window);
    XSync(impl_->display, False);
}

void X11HostWindow::hide() {
    XUnmapWindow(impl_->display, impl_->window);
    XSync(impl_->display, False);
}

void X11HostWindow::resize(int width, int height) {
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return;
    XResizeWindow(impl_->display, impl_->window, static_cast<unsigned>(width), static_cast<unsigned>(height));
    XSync(impl_->display, False);
}

void X11HostWindow::setMinimumSize(int width, int height) {
    XSizeHints* hints = XAllocSizeHints();
    if (hints == nullptr)
        return;
    hints->flags = PMinSize;
    hints->min_width = width;
    hints->min_height = height;
    XSetWMNormalHints(impl_->display, impl_->window, hints);
    XFree(hints);
    XFlush(impl_->display);
}

bool X11HostWindow::next(Event* event) {
    *event = Event{};
    while (XPending(impl_->display) > 0) {
        XEvent x;
        XNextEvent(impl_->display, &x);
        if (x.type == ConfigureNotify && x.xconfigure.window == impl_->window &&
            (x.xconfigure.width != width_ || x.xconfigure.height != height_)) {
            width_ = x.xconfigure.width;
            height_ = x.xconfigure.height;
            event->kind = Event::Kind::Resized;
            event->width = width_;
            event->height = height_;
            return true;
        }
        if (x.type == ClientMessage && static_cast<Atom>(x.xclient.data.l[0]) == impl_->deleteWindow) {
            event->kind = Event::Kind::CloseRequested;
            return true;
        }
    }
    return true;
}

#else  // !AAP_HOST_HAVE_X11

struct X11HostWindow::Impl {};

bool X11HostWindow::available() noexcept { return false; }

std::unique_ptr<X11HostWindow> X11HostWindow::open(int, int, const std::string&, std::string* error) {
    *error = "native GUIs are unavailable: this aap-host was built without X11 (libX11 was not found at build time)";
    return nullptr;
}

// open() never returns a window in this build, so nothing below is ever reached.
X11HostWindow::~X11HostWindow() = default;
uint64_t X11HostWindow::id() const noexcept { return 0; }
int X11HostWindow::fd() const noexcept { return -1; }
void X11HostWindow::show() {}
void X11HostWindow::hide() {}
void X11HostWindow::resize(int, int) {}
void X11HostWindow::setMinimumSize(int, int) {}
bool X11HostWindow::next(Event* event) {
    *event = Event{};
    return false;
}

#endif

} // namespace aap::host_tool
