// validate --gui (validate-gui.h): the GUI lifecycle checks. Every gui/v5 call is timed; a call
// that fails, answers late or whose answer the X11 window tree contradicts (set_parent OK but no
// child window, show OK but nothing viewable, set_size OK but another size on screen) is a FAIL.
//
// The instance stays inactive during the checks, so each call goes straight to the plugin
// service and back (as a host's GUI calls do while the host is not playing).

#include "validate-gui.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "aap/ext-cpp/host-extensions.h"
#include "aap/hosting/hosted-plugin.h"
#include "x11-host-window.h"

namespace aap::host_tool {

namespace {

// How long a call may take before the proxy gives up on it: the deadline plus a margin, so a late
// answer is measured (a FAIL with its time) rather than lost.
constexpr int64_t kCreateTimeoutNs = kGuiCreateDeadlineNs + 1'000'000'000;
constexpr int64_t kCallTimeoutNs = kGuiCallDeadlineNs + 1'000'000'000;
// How long the window tree may take to show what a call answered.
constexpr auto kWindowWait = std::chrono::seconds(2);

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string ms(int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f ms", static_cast<double>(ns) / 1e6);
    return text;
}

std::string resultName(int32_t result) {
    switch (result) {
    case AAP_GUI_RESULT_OK: return "OK";
    case AAP_GUI_ERROR_NO_DETAILS: return "AAP_GUI_ERROR_NO_DETAILS";
    case AAP_GUI_ERROR_NO_GUI_DEFINED: return "AAP_GUI_ERROR_NO_GUI_DEFINED";
    case AAP_GUI_ERROR_ALREADY_INSTANTIATED: return "AAP_GUI_ERROR_ALREADY_INSTANTIATED";
    case AAP_GUI_ERROR_UNSUPPORTED_API: return "AAP_GUI_ERROR_UNSUPPORTED_API";
    case AAP_GUI_ERROR_INVALID_ARGUMENT: return "AAP_GUI_ERROR_INVALID_ARGUMENT";
    case AAP_GUI_ERROR_UNKNOWN_GUI: return "AAP_GUI_ERROR_UNKNOWN_GUI";
    case AAP_GUI_ERROR_TIMEOUT: return "AAP_GUI_ERROR_TIMEOUT (the GUI did not answer in time and was closed)";
    case AAP_GUI_ERROR_NOT_IMPLEMENTED: return "AAP_GUI_ERROR_NOT_IMPLEMENTED";
    case AAP_GUI_ERROR_WRONG_STATE: return "AAP_GUI_ERROR_WRONG_STATE";
    default: return "error " + std::to_string(result);
    }
}

// Waits until `condition` holds or kWindowWait passes.
template <typename Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + kWindowWait;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// closed() notifications of the GUI, from the host extension ([thread-safe]: atomics only).
struct ClosedRecord {
    std::atomic<int32_t> count{0};
    std::atomic<int32_t> lastGui{-1};
    std::atomic<bool> wasDestroyed{false};
    static void onClosed(void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, bool destroyed) noexcept {
        auto* self = static_cast<ClosedRecord*>(user);
        self->lastGui.store(gui);
        self->wasDestroyed.store(destroyed);
        self->count.fetch_add(1);
    }
};

class GuiChecks {
public:
    GuiChecks(GuiV5Proxy& gui, X11HostWindow& window, const GuiCheckReport& report)
        : gui_(gui), window_(window), report_(report) {}

    // One full lifecycle, embedded or floating; false when a FAIL ended it early.
    bool lifecycle(bool floating);
    void reportDeadlines();

private:
    // A timed call: the plugin's answer, or false with a FAIL reported under `check`.
    bool call(const std::string& check, const char* what, int64_t deadlineNs,
              const std::function<ExtensionResult<int32_t>()>& function, int32_t* answer = nullptr);
    void fail(const std::string& check, const std::string& detail) {
        report_(GuiVerdict::Fail, check, detail);
        failed_ = true;
    }
    // The plugin's GUI window: the host window's only child (embedded) or the only top-level
    // window transient for it (floating); 0 when there is none (or several).
    uint64_t guiWindow(bool floating) {
        const std::vector<uint64_t> windows = floating ? window_.transients() : window_.children();
        return windows.size() == 1 ? windows[0] : 0;
    }

    GuiV5Proxy& gui_;
    X11HostWindow& window_;
    const GuiCheckReport& report_;
    bool failed_ = false;
    int64_t slowestCreateNs_ = 0;
    int64_t slowestCallNs_ = 0;
    std::string slowestCall_;
    int32_t lastId_ = -1;
};

bool GuiChecks::call(const std::string& check, const char* what, int64_t deadlineNs,
                     const std::function<ExtensionResult<int32_t>()>& function, int32_t* answer) {
    const int64_t started = nowNs();
    ExtensionResult<int32_t> result = function();
    const int64_t took = nowNs() - started;
    if (deadlineNs == kGuiCreateDeadlineNs) {
        slowestCreateNs_ = std::max(slowestCreateNs_, took);
    } else if (took > slowestCallNs_) {
        slowestCallNs_ = took;
        slowestCall_ = what;
    }
    if (!result.ok()) {
        fail(check, std::string(what) + " did not complete: " + describeExtensionError(result.error()) + " after " +
                        ms(took));
        return false;
    }
    const std::string late = took > deadlineNs ? ", over its deadline of " + ms(deadlineNs) : "";
    // An error answer (create: a negative id; the others: anything but OK) says what went wrong.
    if (answer != nullptr ? result.value() < 0 : result.value() != AAP_GUI_RESULT_OK) {
        fail(check, std::string(what) + " answered " + resultName(result.value()) + " after " + ms(took) + late);
        return false;
    }
    if (!late.empty()) {
        fail(check, std::string(what) + " answered after " + ms(took) + late);
        return false;
    }
    if (answer != nullptr)
        *answer = result.value();
    return true;
}

bool GuiChecks::lifecycle(bool floating) {
    const std::string mode = floating ? "floating" : "embedded";
    const std::string prefix = "gui " + mode + " ";
    int32_t id = -1;
    if (!call(prefix + "create", "create", kGuiCreateDeadlineNs,
              [&] { return gui_.create(AAP_GUI_API_X11, floating, kCreateTimeoutNs); }, &id))
        return false;
    if (id == lastId_) {
        fail(prefix + "create", "create reused the id " + std::to_string(id) + " of a destroyed GUI");
        gui_.destroy(id, kCallTimeoutNs);
        return false;
    }
    lastId_ = id;
    report_(GuiVerdict::Pass, prefix + "create", "id " + std::to_string(id));
    // From here on a FAIL still destroys the GUI, so the next checks start clean.
    auto abandon = [&] {
        gui_.destroy(id, kCallTimeoutNs);
        return false;
    };

    const aap_gui_window_t host{AAP_GUI_API_X11, 0, window_.id()};
    if (!call(prefix + (floating ? "set-transient" : "set-parent"), floating ? "set_transient" : "set_parent",
              kGuiCallDeadlineNs,
              [&] { return floating ? gui_.setTransient(id, host, kCallTimeoutNs) : gui_.setParent(id, host, kCallTimeoutNs); }))
        return abandon();
    if (!floating) {
        if (!eventually([&] { return guiWindow(false) != 0; })) {
            fail(prefix + "set-parent", "set_parent answered OK but the host window has " +
                                            std::to_string(window_.children().size()) + " child windows (expected 1)");
            return abandon();
        }
        report_(GuiVerdict::Pass, prefix + "set-parent", "the GUI's window is a child of the host window");
    } else {
        report_(GuiVerdict::Pass, prefix + "set-transient", "OK");
    }

    if (!call(prefix + "show", "show", kGuiCallDeadlineNs, [&] { return gui_.show(id, kCallTimeoutNs); }))
        return abandon();
    uint64_t shown = 0;
    int width = 0, height = 0;
    bool viewable = false;
    if (!eventually([&] {
            shown = guiWindow(floating);
            return shown != 0 && window_.state(shown, &width, &height, &viewable) && viewable;
        })) {
        fail(prefix + "show", floating ? "show answered OK but no viewable window is transient for the host window"
                                       : "show answered OK but the GUI's window is not viewable");
        return abandon();
    }
    report_(GuiVerdict::Pass, prefix + "show", "viewable, " + std::to_string(width) + "x" + std::to_string(height));

    // Resize to a size the GUI accepts (its own adjust_size says which) other than the current one.
    ExtensionResult<GuiReply<aap_gui_resize_hints_t>> hints = gui_.getResizeHints(id, kCallTimeoutNs);
    const bool resizable = !hints.ok() || hints.value().result != AAP_GUI_RESULT_OK ||
                           hints.value().value.can_resize_horizontally || hints.value().value.can_resize_vertically;
    if (resizable) {
        GuiSize wanted{static_cast<uint32_t>(width + 40), static_cast<uint32_t>(height + 30)};
        ExtensionResult<GuiReply<GuiSize>> adjusted = gui_.adjustSize(id, wanted, kCallTimeoutNs);
        if (adjusted.ok() && adjusted.value().result == AAP_GUI_RESULT_OK)
            wanted = adjusted.value().value;
        if (!call(prefix + "set-size", "set_size", kGuiCallDeadlineNs,
                  [&] { return gui_.setSize(id, wanted, kCallTimeoutNs); }))
            return abandon();
        int newWidth = 0, newHeight = 0;
        bool stillViewable = false;
        if (!eventually([&] {
                return window_.state(shown, &newWidth, &newHeight, &stillViewable) &&
                       newWidth == static_cast<int>(wanted.width) && newHeight == static_cast<int>(wanted.height);
            })) {
            fail(prefix + "set-size", "set_size " + std::to_string(wanted.width) + "x" + std::to_string(wanted.height) +
                                          " answered OK but the window is " + std::to_string(newWidth) + "x" +
                                          std::to_string(newHeight));
            return abandon();
        }
        ExtensionResult<GuiReply<GuiSize>> size = gui_.getSize(id, kCallTimeoutNs);
        if (!size.ok() || size.value().result != AAP_GUI_RESULT_OK || size.value().value.width != wanted.width ||
            size.value().value.height != wanted.height)
            report_(GuiVerdict::Warn, prefix + "set-size",
                    "the window is " + std::to_string(wanted.width) + "x" + std::to_string(wanted.height) +
                        " but get_size does not say so");
        else
            report_(GuiVerdict::Pass, prefix + "set-size",
                    std::to_string(wanted.width) + "x" + std::to_string(wanted.height) + " on screen and in get_size");
    } else {
        report_(GuiVerdict::Pass, prefix + "set-size", "fixed size (the resize hints allow none)");
    }

    if (!call(prefix + "hide", "hide", kGuiCallDeadlineNs, [&] { return gui_.hide(id, kCallTimeoutNs); }))
        return abandon();
    if (!eventually([&] {
            int w = 0, h = 0;
            bool v = false;
            return !window_.state(shown, &w, &h, &v) || !v;
        })) {
        fail(prefix + "hide", "hide answered OK but the GUI's window is still viewable");
        return abandon();
    }
    report_(GuiVerdict::Pass, prefix + "hide", "not viewable");

    if (!call(prefix + "destroy", "destroy", kGuiCallDeadlineNs, [&] { return gui_.destroy(id, kCallTimeoutNs); }))
        return false;
    if (!eventually([&] {
            int w = 0, h = 0;
            bool v = false;
            return !window_.state(shown, &w, &h, &v) && guiWindow(floating) == 0;
        })) {
        fail(prefix + "destroy", "destroy answered OK but the GUI's window still exists");
        return false;
    }
    // A late call on the dead id must name no GUI.
    ExtensionResult<int32_t> late = gui_.show(id, kCallTimeoutNs);
    if (late.ok() && late.value() == AAP_GUI_ERROR_UNKNOWN_GUI)
        report_(GuiVerdict::Pass, prefix + "destroy", "window gone; a late show on the dead id answers UNKNOWN_GUI");
    else
        report_(GuiVerdict::Warn, prefix + "destroy",
                "window gone, but a late show on the dead id answered " +
                    (late.ok() ? resultName(late.value()) : describeExtensionError(late.error())) +
                    " (expected AAP_GUI_ERROR_UNKNOWN_GUI)");
    return true;
}

void GuiChecks::reportDeadlines() {
    if (failed_)
        return;
    report_(GuiVerdict::Pass, "gui deadlines",
            "slowest create " + ms(slowestCreateNs_) + " (limit " + ms(kGuiCreateDeadlineNs) + "), slowest other call " +
                ms(slowestCallNs_) + (slowestCall_.empty() ? "" : " (" + slowestCall_ + ")") + " (limit " +
                ms(kGuiCallDeadlineNs) + ")");
}

} // namespace

bool declaresNativeGui(const PluginInformation& plugin) {
    return !plugin.guiProgramPath.empty() ||
           std::any_of(plugin.extensions.begin(), plugin.extensions.end(),
                       [](const ExtensionInformation& e) { return e.uri == AAP_GUI_V5_EXTENSION_URI; });
}

bool guiChecksAvailable(std::string* why) {
    std::unique_ptr<X11HostWindow> probe = X11HostWindow::open(1, 1, "aap-host validate", why);
    return probe != nullptr;
}

void runGuiChecks(const PluginCatalog& catalog, const PluginHostOptions& options, const PluginInformation& plugin,
                  const GuiCheckReport& report) {
    if (!declaresNativeGui(plugin)) {
        report(GuiVerdict::Warn, "gui",
               "no native GUI: the metadata lists neither the gui/v5 extension nor a gui:program; GUI checks not run");
        return;
    }
    ClosedRecord closed;
    StandardHostExtensions::Handlers handlers;
    handlers.guiClosed = &ClosedRecord::onClosed;
    handlers.user = &closed;
    StandardHostExtensions hostExtensions{handlers};
    PluginHostOptions hostOptions = options;
    hostOptions.hostExtensionDefinitions = StandardHostExtensions::definitions();
    hostOptions.hostExtensionImplementation = [&hostExtensions](const char* uri) {
        return hostExtensions.implementation(uri);
    };
    PluginHost host{catalog, hostOptions};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    if (HostedPlugin::open(host, plugin.uniqueId, {}, &hosted, &error) != HostingStatus::Ok) {
        report(GuiVerdict::Fail, "gui", "cannot instantiate the plugin for the GUI checks: " + error);
        return;
    }
    std::shared_ptr<GuiV5Proxy> gui = hosted->guiV5();
    if (gui == nullptr) {
        report(GuiVerdict::Fail, "gui", "the metadata declares a native GUI but the instance offers no gui/v5 extension");
        return;
    }
    ExtensionResult<bool> embedded = gui->isApiSupported(AAP_GUI_API_X11, false, kCallTimeoutNs);
    ExtensionResult<bool> floating = gui->isApiSupported(AAP_GUI_API_X11, true, kCallTimeoutNs);
    if (!embedded.ok() || !floating.ok()) {
        report(GuiVerdict::Fail, "gui api",
               "is_api_supported did not complete: " +
                   describeExtensionError(!embedded.ok() ? embedded.error() : floating.error()));
        return;
    }
    if (!embedded.value() && !floating.value()) {
        report(GuiVerdict::Fail, "gui api", "gui/v5 is declared but neither an embedded nor a floating X11 GUI is supported");
        return;
    }
    report(GuiVerdict::Pass, "gui api",
           std::string("X11 ") + (embedded.value() ? "embedded" : "") +
               (embedded.value() && floating.value() ? " and " : "") + (floating.value() ? "floating" : ""));

    std::unique_ptr<X11HostWindow> window = X11HostWindow::open(480, 320, "aap-host validate --gui", &error);
    if (!window) {
        report(GuiVerdict::Fail, "gui", error);
        return;
    }
    window->show();
    GuiChecks checks{*gui, *window, report};
    bool ok = true;
    if (embedded.value())
        ok = checks.lifecycle(false);
    if (ok && floating.value())
        ok = checks.lifecycle(true);
    if (closed.count.load() != 0 && closed.wasDestroyed.load())
        report(GuiVerdict::Fail, "gui closed",
               "the host was told GUI " + std::to_string(closed.lastGui.load()) +
                   " was lost (closed with was_destroyed) during the checks");
    else if (ok)
        checks.reportDeadlines();
}

} // namespace aap::host_tool
