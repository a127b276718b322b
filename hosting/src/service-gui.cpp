#include "service-gui.h"

#include <cmath>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "aap/ext-cpp/gui-v5.h"
#include "aap/gui-program-protocol.h"
#include "aap/runtime/log.h"

namespace aap {

// Everything a GUI-thread task touches. Tasks hold it by shared_ptr, so a task that runs after a
// caller gave up waiting (a timeout) still finds it alive.
struct ServiceGui::State {
    GuiThread* thread = nullptr;
    std::string programPath;
    GuiDeadlines deadlines;
    HostNotify notify;
    std::atomic<AndroidAudioPlugin*> plugin{nullptr};
    std::atomic<aap_gui_v5_extension_t*> pluginGui{nullptr};
    // In-process GUIs: a call did not come back within its deadline, so the GUI thread is stuck
    // inside the plugin. From then on every call fails at once with AAP_GUI_ERROR_TIMEOUT.
    std::atomic<bool> wedged{false};
    std::atomic<bool> closing{false};
    std::weak_ptr<State> self;  // for the fd and timer handlers, which may outlive the ServiceGui
    // The live GUI id, or -1. Written on the GUI thread (and by a caller that timed out).
    std::atomic<int32_t> live{-1};
    // [gui-thread]
    std::unique_ptr<GuiProgram> program;
    int programFd = -1;  // the program's socket as registered with the loop (it outlives a kill())
    int32_t nextSession = 1;
    std::set<int> fds;
    std::set<uint32_t> timers;

    bool isProgram() const noexcept { return !programPath.empty(); }

    // [gui-thread] Stops watching the program's socket, kills and reaps it.
    void dropProgram() {
        if (programFd >= 0)
            thread->unregisterFd(programFd);
        programFd = -1;
        if (program) {
            program->kill();
            program.reset();
        }
    }

    // [gui-thread] The program of `session` is gone (crashed, hung, killed, misbehaved): tell the host.
    void programLost(int32_t session, const std::string& why) {
        dropProgram();
        int32_t expected = session;
        live.compare_exchange_strong(expected, -1);
        log(LogLevel::Warning, "GUI program session " + std::to_string(session) + " ended: " + why);
        if (notify)
            notify(AAP_GUI_V5_OPCODE_CLOSED, session, 1, 0);
    }
};

namespace {

constexpr int64_t kCallMarginNs = 250'000'000;  // scheduling slack on top of the GUI's own deadline

ServiceGui* selfOf(aap_gui_v5_extension_t* ext) { return static_cast<ServiceGui*>(ext->aapxs_context); }

} // namespace

ServiceGui::ServiceGui(GuiThread& thread, std::string programPath, GuiDeadlines deadlines, HostNotify notify)
    : thread_(thread), state_(std::make_shared<State>()) {
    state_->thread = &thread;
    state_->self = state_;
    state_->programPath = std::move(programPath);
    state_->deadlines = deadlines;
    state_->notify = std::move(notify);
    buildFront();
    buildHostExtension();
}

ServiceGui::~ServiceGui() { shutdown(); }

void ServiceGui::shutdown() {
    if (state_->closing.exchange(true))
        return;
    auto state = state_;
    const bool wedged = state->wedged.load();
    if (wedged || !thread_.start()) {
        // Nothing can run on a stuck GUI thread; whatever it does later finds no plugin.
        state->pluginGui.store(nullptr);
        return;
    }
    (void)thread_.call(
        [state] {
            for (int fd : state->fds)
                state->thread->unregisterFd(fd);
            for (uint32_t timer : state->timers)
                state->thread->unregisterTimer(timer);
            state->fds.clear();
            state->timers.clear();
            state->dropProgram();
            const int32_t live = state->live.exchange(-1);
            aap_gui_v5_extension_t* gui = state->pluginGui.load();
            AndroidAudioPlugin* plugin = state->plugin.load();
            if (!state->isProgram() && live >= 0 && gui != nullptr && gui->destroy != nullptr && plugin != nullptr)
                gui->destroy(gui, plugin, live);
            state->pluginGui.store(nullptr);
        },
        state->deadlines.callNs + kCallMarginNs);
    state->pluginGui.store(nullptr);
}

void ServiceGui::handleRequest(AAPXSDefinition* definition, AAPXSRecipientInstance* instance,
                               AndroidAudioPlugin* plugin, AAPXSRequestContext* request) {
    auto* self = static_cast<ServiceGui*>(definition->aapxs_context);
    if (self->state_->plugin.load() == nullptr)
        self->setPlugin(plugin);
    dispatchGuiV5Request(&self->front_, plugin, instance, request);
}

AAPXSDefinition ServiceGui::definition() noexcept {
    AAPXSDefinition d = guiV5ExtensionDefinition();
    d.aapxs_context = this;
    d.process_incoming_plugin_aapxs_request = &ServiceGui::handleRequest;
    return d;
}

namespace {

// Runs `task(state)` on the GUI thread within timeoutNs; its result, or `onTimeout`. An
// in-process GUI whose call does not come back is lost: the host is told closed(was_destroyed).
template <typename R, typename Task>
R runOnGuiThread(const std::shared_ptr<ServiceGui::State>& state, int64_t timeoutNs, R onTimeout, Task task) {
    if (state->closing.load())
        return onTimeout;
    if (state->wedged.load())
        return onTimeout;
    if (!state->thread->start())
        return onTimeout;
    auto result = std::make_shared<R>(onTimeout);
    const bool done = state->thread->call([state, result, task] { *result = task(*state); }, timeoutNs);
    if (done)
        return *result;
    if (!state->isProgram()) {
        state->wedged.store(true);
        const int32_t live = state->live.exchange(-1);
        log(LogLevel::Error, "the plugin's GUI did not answer within its deadline; its GUI thread is given up");
        if (live >= 0 && state->notify)
            state->notify(AAP_GUI_V5_OPCODE_CLOSED, live, 1, 0);
    }
    return onTimeout;
}

} // namespace

namespace {

const std::shared_ptr<ServiceGui::State>& stateOf(aap_gui_v5_extension_t* ext) { return selfOf(ext)->state(); }

int64_t callTimeout(const ServiceGui::State& s) {
    return s.deadlines.callNs + (s.isProgram() ? kGuiKillGraceNs : 0) + kCallMarginNs;
}

// [gui-thread] One lifecycle request to the program of session `gui`.
int32_t programRequest(ServiceGui::State& s, int32_t gui, uint32_t type, const uint8_t* payload, uint32_t size) {
    if (!s.program || static_cast<int32_t>(s.program->session()) != gui || gui < 0)
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    std::string why;
    const int32_t result = s.program->request(type, payload, size, s.deadlines.callNs, &why);
    if (s.program->gone())
        s.programLost(gui, why);
    return result;
}

bool frontIsApiSupported(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, int32_t api, bool floating) {
    auto& state = stateOf(ext);
    if (state->isProgram())
        return api == AAP_GUI_API_X11 || (api == AAP_GUI_API_WAYLAND && floating);
    return runOnGuiThread<bool>(state, callTimeout(*state), false, [api, floating](ServiceGui::State& s) {
        aap_gui_v5_extension_t* gui = s.pluginGui.load();
        return gui != nullptr && gui->is_api_supported != nullptr &&
               gui->is_api_supported(gui, s.plugin.load(), api, floating);
    });
}

bool frontPreferredApi(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, int32_t* api, bool* floating) {
    auto& state = stateOf(ext);
    if (state->isProgram()) {
        *api = AAP_GUI_API_X11;
        *floating = false;
        return true;
    }
    struct Out {
        bool has = false;
        int32_t api = 0;
        bool floating = false;
    };
    const Out out = runOnGuiThread<Out>(state, callTimeout(*state), Out{}, [](ServiceGui::State& s) {
        Out o;
        aap_gui_v5_extension_t* gui = s.pluginGui.load();
        if (gui != nullptr && gui->get_preferred_api != nullptr)
            o.has = gui->get_preferred_api(gui, s.plugin.load(), &o.api, &o.floating);
        return o;
    });
    *api = out.api;
    *floating = out.floating;
    return out.has;
}

aap_gui_instance_id frontCreate(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, int32_t api, bool floating) {
    auto& state = stateOf(ext);
    if (!state->isProgram()) {
        return runOnGuiThread<int32_t>(state, state->deadlines.createNs, AAP_GUI_ERROR_TIMEOUT,
                                       [api, floating](ServiceGui::State& s) {
                                           aap_gui_v5_extension_t* gui = s.pluginGui.load();
                                           if (gui == nullptr)
                                               return AAP_GUI_ERROR_NO_GUI_DEFINED;
                                           if (gui->create == nullptr)
                                               return AAP_GUI_ERROR_NOT_IMPLEMENTED;
                                           const int32_t id = gui->create(gui, s.plugin.load(), api, floating);
                                           if (id >= 0)
                                               s.live.store(id);
                                           return id;
                                       });
    }
    if (!(api == AAP_GUI_API_X11 || (api == AAP_GUI_API_WAYLAND && floating)))
        return AAP_GUI_ERROR_UNSUPPORTED_API;
    const int64_t timeout = state->deadlines.helloNs + state->deadlines.createNs + 2 * kGuiKillGraceNs + kCallMarginNs;
    return runOnGuiThread<int32_t>(state, timeout, AAP_GUI_ERROR_TIMEOUT, [api, floating](ServiceGui::State& s) {
        if (s.program)
            return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
        const int32_t session = s.nextSession++;
        // The program belongs to `s` and notifies only from its own calls on this thread.
        ServiceGui::State* raw = &s;
        GuiProgram::Notify notify = [raw, session](int32_t opcode, uint32_t a, uint32_t b) {
            if (raw->notify)
                raw->notify(opcode, session, opcode == AAP_GUI_V5_OPCODE_CLOSED ? 0u : a, b);
        };
        std::string why;
        std::unique_ptr<GuiProgram> program;
        const int32_t result = GuiProgram::launch(s.programPath, static_cast<uint32_t>(session), api, floating,
                                                  s.deadlines, std::move(notify), &program, &why);
        if (result != AAP_GUI_RESULT_OK) {
            log(LogLevel::Warning, "GUI program " + s.programPath + " (session " + std::to_string(session) +
                                       ") refused: " + why);
            return result;
        }
        s.program = std::move(program);
        const int fd = s.program->fd();
        s.programFd = fd;
        s.thread->registerFd(fd, AAP_GUI_FD_READ, [raw, session](int ready, uint32_t) {
            if (!raw->program || static_cast<int32_t>(raw->program->session()) != session) {
                raw->thread->unregisterFd(ready);  // not this session's socket any more
                return;
            }
            std::string reason;
            if (!raw->program->readNotifications(&reason))
                raw->programLost(session, reason);
        });
        s.live.store(session);
        return session;
    });
}

void frontDestroy(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) {
    auto& state = stateOf(ext);
    (void)runOnGuiThread<int32_t>(state, callTimeout(*state), AAP_GUI_ERROR_TIMEOUT, [id](ServiceGui::State& s) {
        if (!s.isProgram()) {
            aap_gui_v5_extension_t* gui = s.pluginGui.load();
            if (gui != nullptr && gui->destroy != nullptr)
                gui->destroy(gui, s.plugin.load(), id);
            int32_t expected = id;
            s.live.compare_exchange_strong(expected, -1);
            return AAP_GUI_RESULT_OK;
        }
        if (!s.program || static_cast<int32_t>(s.program->session()) != id)
            return AAP_GUI_ERROR_UNKNOWN_GUI;  // a late destroy of a dead session: nothing happens
        std::string why;
        const int32_t result = s.program->request(AAP_GUI_PROGRAM_MSG_DESTROY, nullptr, 0, s.deadlines.callNs, &why);
        if (s.program->gone()) {
            s.programLost(id, why);
            return result;
        }
        s.dropProgram();  // it exits after its ack; whatever is left is stopped now
        s.live.store(-1);
        return AAP_GUI_RESULT_OK;
    });
}

// A call with an id and a plain int32 result: in process, `inProcess(gui, plugin)`; as a program,
// one request of `type` with `payload`.
template <typename InProcess>
int32_t simpleCall(aap_gui_v5_extension_t* ext, aap_gui_instance_id id, uint32_t type, std::vector<uint8_t> payload,
                   InProcess inProcess) {
    auto& state = stateOf(ext);
    return runOnGuiThread<int32_t>(
        state, callTimeout(*state), AAP_GUI_ERROR_TIMEOUT, [id, type, payload, inProcess](ServiceGui::State& s) {
            if (s.isProgram())
                return programRequest(s, id, type, payload.data(), static_cast<uint32_t>(payload.size()));
            aap_gui_v5_extension_t* gui = s.pluginGui.load();
            if (gui == nullptr)
                return AAP_GUI_ERROR_NO_GUI_DEFINED;
            return inProcess(gui, s.plugin.load());
        });
}

std::vector<uint8_t> u32Pair(uint32_t a, uint32_t b) {
    std::vector<uint8_t> bytes(8);
    aap_gui_program_put_u32(bytes.data(), a);
    aap_gui_program_put_u32(bytes.data() + 4, b);
    return bytes;
}

std::vector<uint8_t> windowBytes(const aap_gui_window_t* window) {
    std::vector<uint8_t> bytes(16);
    aap_gui_program_put_u32(bytes.data(), static_cast<uint32_t>(window->api));
    aap_gui_program_put_u32(bytes.data() + 4, 0);
    aap_gui_program_put_u64(bytes.data() + 8, window->handle);
    return bytes;
}

int32_t frontShow(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) {
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SHOW, {}, [id](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
        return gui->show != nullptr ? gui->show(gui, p, id) : AAP_GUI_ERROR_NOT_IMPLEMENTED;
    });
}
int32_t frontHide(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) {
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_HIDE, {}, [id](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
        return gui->hide != nullptr ? gui->hide(gui, p, id) : AAP_GUI_ERROR_NOT_IMPLEMENTED;
    });
}
int32_t frontSetScale(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, double scale) {
    uint64_t bits;
    std::memcpy(&bits, &scale, sizeof(bits));
    std::vector<uint8_t> payload(8);
    aap_gui_program_put_u64(payload.data(), bits);
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SET_SCALE, payload,
                      [id, scale](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
                          return gui->set_scale != nullptr ? gui->set_scale(gui, p, id, scale)
                                                           : AAP_GUI_ERROR_NOT_IMPLEMENTED;
                      });
}
int32_t frontSetSize(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, uint32_t width,
                     uint32_t height) {
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SET_SIZE, u32Pair(width, height),
                      [id, width, height](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
                          return gui->set_size != nullptr ? gui->set_size(gui, p, id, width, height)
                                                          : AAP_GUI_ERROR_NOT_IMPLEMENTED;
                      });
}
int32_t frontSetParent(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id,
                       const aap_gui_window_t* window) {
    const aap_gui_window_t copy = *window;
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SET_PARENT, windowBytes(window),
                      [id, copy](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
                          return gui->set_parent != nullptr ? gui->set_parent(gui, p, id, &copy)
                                                            : AAP_GUI_ERROR_NOT_IMPLEMENTED;
                      });
}
int32_t frontSetTransient(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id,
                          const aap_gui_window_t* window) {
    const aap_gui_window_t copy = *window;
    return simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SET_TRANSIENT, windowBytes(window),
                      [id, copy](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
                          return gui->set_transient != nullptr ? gui->set_transient(gui, p, id, &copy)
                                                               : AAP_GUI_ERROR_NOT_IMPLEMENTED;
                      });
}
void frontSuggestTitle(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, const char* title) {
    const std::string copy = title;
    std::vector<uint8_t> payload(4 + copy.size());
    aap_gui_program_put_u32(payload.data(), static_cast<uint32_t>(copy.size()));
    std::memcpy(payload.data() + 4, copy.data(), copy.size());
    (void)simpleCall(ext, id, AAP_GUI_PROGRAM_MSG_SUGGEST_TITLE, payload,
                     [id, copy](aap_gui_v5_extension_t* gui, AndroidAudioPlugin* p) {
                         if (gui->suggest_title != nullptr)
                             gui->suggest_title(gui, p, id, copy.c_str());
                         return AAP_GUI_RESULT_OK;
                     });
}

struct SizeOut {
    int32_t result = AAP_GUI_ERROR_TIMEOUT;
    uint32_t width = 0;
    uint32_t height = 0;
};

int32_t frontGetSize(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, uint32_t* width,
                     uint32_t* height) {
    auto& state = stateOf(ext);
    const SizeOut out = runOnGuiThread<SizeOut>(state, callTimeout(*state), SizeOut{}, [id](ServiceGui::State& s) {
        SizeOut o;
        if (s.isProgram()) {
            if (!s.program || static_cast<int32_t>(s.program->session()) != id) {
                o.result = AAP_GUI_ERROR_UNKNOWN_GUI;
                return o;
            }
            o.result = AAP_GUI_RESULT_OK;  // the size of its last acknowledgement
            o.width = s.program->width();
            o.height = s.program->height();
            return o;
        }
        aap_gui_v5_extension_t* gui = s.pluginGui.load();
        o.result = gui == nullptr                ? AAP_GUI_ERROR_NO_GUI_DEFINED
                   : gui->get_size == nullptr    ? AAP_GUI_ERROR_NOT_IMPLEMENTED
                                                 : gui->get_size(gui, s.plugin.load(), id, &o.width, &o.height);
        return o;
    });
    *width = out.width;
    *height = out.height;
    return out.result;
}

int32_t frontAdjustSize(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, uint32_t* width,
                        uint32_t* height) {
    auto& state = stateOf(ext);
    const uint32_t w = *width, h = *height;
    const SizeOut out = runOnGuiThread<SizeOut>(state, callTimeout(*state), SizeOut{}, [id, w, h](ServiceGui::State& s) {
        SizeOut o{AAP_GUI_RESULT_OK, w, h};
        if (s.isProgram()) {
            // The program reports its limits as resize hints; clamp to them.
            if (!s.program || static_cast<int32_t>(s.program->session()) != id) {
                o.result = AAP_GUI_ERROR_UNKNOWN_GUI;
                return o;
            }
            if (!s.program->hasHints()) {
                o.result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
                return o;
            }
            const aap_gui_resize_hints_t& hints = s.program->hints();
            auto clamp = [](uint32_t v, uint32_t lo, uint32_t hi) {
                if (lo != 0 && v < lo)
                    v = lo;
                if (hi != 0 && v > hi)
                    v = hi;
                return v;
            };
            o.width = hints.can_resize_horizontally ? clamp(w, hints.min_width, hints.max_width) : s.program->width();
            o.height = hints.can_resize_vertically ? clamp(h, hints.min_height, hints.max_height) : s.program->height();
            return o;
        }
        aap_gui_v5_extension_t* gui = s.pluginGui.load();
        o.result = gui == nullptr                  ? AAP_GUI_ERROR_NO_GUI_DEFINED
                   : gui->adjust_size == nullptr   ? AAP_GUI_ERROR_NOT_IMPLEMENTED
                                                   : gui->adjust_size(gui, s.plugin.load(), id, &o.width, &o.height);
        return o;
    });
    *width = out.width;
    *height = out.height;
    return out.result;
}

struct HintsOut {
    int32_t result = AAP_GUI_ERROR_TIMEOUT;
    aap_gui_resize_hints_t hints{};
};

int32_t frontHints(aap_gui_v5_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id,
                   aap_gui_resize_hints_t* hints) {
    auto& state = stateOf(ext);
    const HintsOut out = runOnGuiThread<HintsOut>(state, callTimeout(*state), HintsOut{}, [id](ServiceGui::State& s) {
        HintsOut o;
        if (s.isProgram()) {
            if (!s.program || static_cast<int32_t>(s.program->session()) != id)
                o.result = AAP_GUI_ERROR_UNKNOWN_GUI;
            else if (!s.program->hasHints())
                o.result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
            else {
                o.result = AAP_GUI_RESULT_OK;
                o.hints = s.program->hints();
            }
            return o;
        }
        aap_gui_v5_extension_t* gui = s.pluginGui.load();
        o.result = gui == nullptr                     ? AAP_GUI_ERROR_NO_GUI_DEFINED
                   : gui->get_resize_hints == nullptr ? AAP_GUI_ERROR_NOT_IMPLEMENTED
                                                      : gui->get_resize_hints(gui, s.plugin.load(), id, &o.hints);
        return o;
    });
    *hints = out.hints;
    return out.result;
}

// ---- the plugin's host extension ----

ServiceGui::State* hostStateOf(aap_gui_v5_host_extension_t* ext) {
    return static_cast<ServiceGui::State*>(ext->aapxs_context);
}
void hostRequestResize(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui,
                       uint32_t width, uint32_t height) {
    if (hostStateOf(ext)->notify)
        hostStateOf(ext)->notify(AAP_GUI_V5_OPCODE_REQUEST_RESIZE, gui, width, height);
}
void hostRequestShow(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    if (hostStateOf(ext)->notify)
        hostStateOf(ext)->notify(AAP_GUI_V5_OPCODE_REQUEST_SHOW, gui, 0, 0);
}
void hostRequestHide(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    if (hostStateOf(ext)->notify)
        hostStateOf(ext)->notify(AAP_GUI_V5_OPCODE_REQUEST_HIDE, gui, 0, 0);
}
void hostHintsChanged(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    if (hostStateOf(ext)->notify)
        hostStateOf(ext)->notify(AAP_GUI_V5_OPCODE_RESIZE_HINTS_CHANGED, gui, 0, 0);
}
void hostClosed(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui,
                bool wasDestroyed) {
    ServiceGui::State* s = hostStateOf(ext);
    if (wasDestroyed) {
        int32_t expected = gui;
        s->live.compare_exchange_strong(expected, -1);
    }
    if (s->notify)
        s->notify(AAP_GUI_V5_OPCODE_CLOSED, gui, wasDestroyed ? 1u : 0u, 0);
}
bool hostRegisterFd(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, int32_t fd, uint32_t flags) {
    ServiceGui::State* s = hostStateOf(ext);
    if (!s->thread->onGuiThread() || s->closing.load())
        return false;
    std::weak_ptr<ServiceGui::State> weak = s->self;
    GuiThread* thread = s->thread;
    const bool ok = s->thread->registerFd(fd, flags, [weak, thread](int ready, uint32_t readyFlags) {
        std::shared_ptr<ServiceGui::State> state = weak.lock();
        aap_gui_v5_extension_t* gui = state ? state->pluginGui.load() : nullptr;
        if (gui == nullptr || state->closing.load()) {
            thread->unregisterFd(ready);  // its plugin is gone: never call it again
            return;
        }
        if (gui->on_fd != nullptr)
            gui->on_fd(gui, state->plugin.load(), ready, readyFlags);
    });
    if (ok)
        s->fds.insert(fd);
    return ok;
}
bool hostUnregisterFd(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, int32_t fd) {
    ServiceGui::State* s = hostStateOf(ext);
    if (!s->thread->onGuiThread() || s->fds.erase(fd) == 0)
        return false;
    return s->thread->unregisterFd(fd);
}
bool hostRegisterTimer(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, uint32_t periodMs,
                       uint32_t* timerId) {
    ServiceGui::State* s = hostStateOf(ext);
    if (!s->thread->onGuiThread() || s->closing.load() || timerId == nullptr)
        return false;
    std::weak_ptr<ServiceGui::State> weak = s->self;
    GuiThread* thread = s->thread;
    const bool ok = s->thread->registerTimer(periodMs, timerId, [weak, thread](uint32_t id) {
        std::shared_ptr<ServiceGui::State> state = weak.lock();
        aap_gui_v5_extension_t* gui = state ? state->pluginGui.load() : nullptr;
        if (gui == nullptr || state->closing.load()) {
            thread->unregisterTimer(id);
            return;
        }
        if (gui->on_timer != nullptr)
            gui->on_timer(gui, state->plugin.load(), id);
    });
    if (ok)
        s->timers.insert(*timerId);
    return ok;
}
bool hostUnregisterTimer(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, uint32_t timerId) {
    ServiceGui::State* s = hostStateOf(ext);
    if (!s->thread->onGuiThread() || s->timers.erase(timerId) == 0)
        return false;
    return s->thread->unregisterTimer(timerId);
}

} // namespace

HostingStatus ServiceGui::attachChannel(int32_t session, uint32_t capacity, const uint8_t* token, size_t tokenSize,
                                        UniqueFd fd, std::string* why) {
    auto& state = state_;
    if (!state->isProgram()) {
        *why = "the plugin's GUI runs in the plugin's process, not as a GUI program";
        return HostingStatus::Unsupported;
    }
    if (tokenSize != AAP_GUI_PROGRAM_TOKEN_SIZE || fd.get() < 0) {
        *why = "a GUI channel needs a 32-byte token and a descriptor";
        return HostingStatus::InvalidArgument;
    }
    std::vector<uint8_t> payload(4 + AAP_GUI_PROGRAM_TOKEN_SIZE);
    aap_gui_program_put_u32(payload.data(), capacity);
    std::memcpy(payload.data() + 4, token, AAP_GUI_PROGRAM_TOKEN_SIZE);
    struct Out {
        int32_t result = AAP_GUI_ERROR_TIMEOUT;
        std::string why = "the GUI thread did not answer in time";
    };
    // Owned by the task: it may still run after this call gave up waiting.
    auto owned = std::make_shared<UniqueFd>(std::move(fd));
    const Out out = runOnGuiThread<Out>(state, callTimeout(*state), Out{}, [session, payload, owned](State& s) {
        Out o;
        if (!s.program || static_cast<int32_t>(s.program->session()) != session || session < 0) {
            o.result = AAP_GUI_ERROR_UNKNOWN_GUI;
            o.why = "no live GUI program session " + std::to_string(session);
            return o;
        }
        o.why.clear();
        o.result = s.program->request(AAP_GUI_PROGRAM_MSG_CHANNEL, payload.data(), static_cast<uint32_t>(payload.size()),
                                      s.deadlines.callNs, &o.why, owned->get());
        if (s.program->gone())
            s.programLost(session, o.why);
        return o;
    });
    *why = out.why;
    switch (out.result) {
    case AAP_GUI_RESULT_OK:
        return HostingStatus::Ok;
    case AAP_GUI_ERROR_UNKNOWN_GUI:
        return HostingStatus::NotFound;
    case AAP_GUI_ERROR_NOT_IMPLEMENTED:
        *why = "the GUI program does not implement the shared-memory GUI channel (CHANNEL)";
        return HostingStatus::Unsupported;
    case AAP_GUI_ERROR_TIMEOUT:
        return HostingStatus::Timeout;
    default:
        *why = "the GUI program refused the GUI channel (result " + std::to_string(out.result) + ")";
        return HostingStatus::InvalidArgument;
    }
}

void ServiceGui::setPlugin(AndroidAudioPlugin* plugin) noexcept {
    state_->plugin.store(plugin);
    aap_gui_v5_extension_t* gui = nullptr;
    if (plugin != nullptr && plugin->get_extension != nullptr)
        gui = static_cast<aap_gui_v5_extension_t*>(plugin->get_extension(plugin, AAP_GUI_V5_EXTENSION_URI));
    state_->pluginGui.store(gui);
}

void ServiceGui::buildFront() {
    front_.aapxs_context = this;
    front_.is_api_supported = &frontIsApiSupported;
    front_.get_preferred_api = &frontPreferredApi;
    front_.create = &frontCreate;
    front_.destroy = &frontDestroy;
    front_.set_scale = &frontSetScale;
    front_.get_size = &frontGetSize;
    front_.get_resize_hints = &frontHints;
    front_.adjust_size = &frontAdjustSize;
    front_.set_size = &frontSetSize;
    front_.set_parent = &frontSetParent;
    front_.set_transient = &frontSetTransient;
    front_.suggest_title = &frontSuggestTitle;
    front_.show = &frontShow;
    front_.hide = &frontHide;
}

void ServiceGui::buildHostExtension() {
    hostExtension_.aapxs_context = state_.get();
    hostExtension_.request_resize = &hostRequestResize;
    hostExtension_.request_show = &hostRequestShow;
    hostExtension_.request_hide = &hostRequestHide;
    hostExtension_.resize_hints_changed = &hostHintsChanged;
    hostExtension_.closed = &hostClosed;
    hostExtension_.register_fd = &hostRegisterFd;
    hostExtension_.unregister_fd = &hostUnregisterFd;
    hostExtension_.register_timer = &hostRegisterTimer;
    hostExtension_.unregister_timer = &hostUnregisterTimer;
}

} // namespace aap
