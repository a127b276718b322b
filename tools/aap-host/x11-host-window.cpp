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
// an X error caused by that is ignored (BadWindow silently, others with a line on stderr) instead
// of Xlib's default handler ending aap-host.
int onXError(Display* display, XErrorEvent* event) {
    if (event->error_code == BadWindow)  // a window of the plugin that is gone: expected
        return 0;
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
    bool broken = false;  // the connection to the X server broke
};

// Losing the X server ends the command through next() returning false, with the plugin closed
// properly, instead of Xlib's default exit(1) (libX11 >= 1.7).
void onConnectionLost(Display*, void* user) { static_cast<X11HostWindow::Impl*>(user)->broken = true; }

bool X11HostWindow::available() noexcept { return true; }

bool X11HostWindow::displayReachable(std::string* error) {
    Display* display = XOpenDisplay(nullptr);
    if (display == nullptr) {
        const char* name = std::getenv("DISPLAY");
        *error = name == nullptr || *name == '\0'
                     ? std::string("no X display: DISPLAY is not set (native GUIs need an X server)")
                     : std::string("cannot open the X display '") + name +
                           "' (no X server accepts connections there; native GUIs need one)";
        return false;
    }
    XCloseDisplay(display);
    return true;
}

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
    XSetIOErrorHandler([](Display*) { return 0; });  // returns: the exit handler below decides
    XSetIOErrorExitHandler(display, &onConnectionLost, &impl);
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
        if (!impl_->broken)
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

std::vector<uint64_t> X11HostWindow::children() {
    std::vector<uint64_t> result;
    Window root = 0, parent = 0;
    Window* list = nullptr;
    unsigned int count = 0;
    XSync(impl_->display, False);
    if (XQueryTree(impl_->display, impl_->window, &root, &parent, &list, &count) != 0) {
        result.assign(list, list + count);
        if (list != nullptr)
            XFree(list);
    }
    return result;
}

std::vector<uint64_t> X11HostWindow::transients() {
    std::vector<uint64_t> result;
    Window root = 0, parent = 0;
    Window* list = nullptr;
    unsigned int count = 0;
    XSync(impl_->display, False);
    if (XQueryTree(impl_->display, DefaultRootWindow(impl_->display), &root, &parent, &list, &count) == 0)
        return result;
    for (unsigned int i = 0; i < count; i++) {
        Window owner = 0;
        if (XGetTransientForHint(impl_->display, list[i], &owner) != 0 && owner == impl_->window)
            result.push_back(list[i]);
    }
    if (list != nullptr)
        XFree(list);
    return result;
}

bool X11HostWindow::state(uint64_t window, int* width, int* height, bool* viewable) {
    XWindowAttributes attributes{};
    XSync(impl_->display, False);
    if (XGetWindowAttributes(impl_->display, static_cast<Window>(window), &attributes) == 0)
        return false;
    *width = attributes.width;
    *height = attributes.height;
    *viewable = attributes.map_state == IsViewable;
    return true;
}

bool X11HostWindow::next(Event* event) {
    *event = Event{};
    while (!impl_->broken && XPending(impl_->display) > 0) {
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
    return !impl_->broken;
}

#else  // !AAP_HOST_HAVE_X11

struct X11HostWindow::Impl {};

bool X11HostWindow::available() noexcept { return false; }

bool X11HostWindow::displayReachable(std::string* error) {
    *error = "native GUIs are unavailable: this aap-host was built without X11 (libX11 was not found at build time)";
    return false;
}

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
std::vector<uint64_t> X11HostWindow::children() { return {}; }
std::vector<uint64_t> X11HostWindow::transients() { return {}; }
bool X11HostWindow::state(uint64_t, int*, int*, bool*) { return false; }
bool X11HostWindow::next(Event* event) {
    *event = Event{};
    return false;
}

#endif

} // namespace aap::host_tool
