// Plugins of the native-GUI tests (native-gui/aap_metadata.xml.in). Default effect ports; process()
// does nothing but remember the thread it runs on.
//   urn:aap-native-gui-test:program-*  no gui/v5 of their own: their metadata names a GUI program
//                                      (gui-test-program.cpp under several names)
//   urn:aap-native-gui-test:in-process gui/v5 in the plugin's process, on the service's GUI thread:
//     create(X11, any) registers a pipe with register_fd and a 5 ms timer with register_timer;
//     show(id) answers request_resize(id, 1 when called on the process's main thread (else 0),
//     1 when called on the thread that ran process() (else 2 once process() ran, 3 before));
//     set_size(id, w, h) writes one byte into the pipe; on_fd reads it and sends request_show(id);
//     hide(id) sends request_hide(id) once the timer has fired at least once (else nothing);
//     set_scale(id, 99) sleeps 1.5 s (a hung GUI); destroy unregisters and closes everything.

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "aap/abi.h"
#include "aap/android-audio-plugin.h"
#include "aap/ext/gui-v5.h"

namespace {

struct NativeGuiPlugin {
    bool inProcess = false;
    AndroidAudioPluginHost* host = nullptr;
    std::atomic<uint32_t> audioTid{0};
    int32_t nextId = 1;
    int32_t live = -1;
    int pipe[2] = {-1, -1};
    uint32_t timer = 0;
    std::atomic<int> timerFired{0};
};

NativeGuiPlugin* self(AndroidAudioPlugin* plugin) { return static_cast<NativeGuiPlugin*>(plugin->plugin_specific); }
uint32_t threadId() { return static_cast<uint32_t>(::syscall(SYS_gettid)); }

aap_gui_v5_host_extension_t* hostGui(NativeGuiPlugin* p) {
    if (p->host == nullptr || p->host->get_extension == nullptr)
        return nullptr;
    return static_cast<aap_gui_v5_host_extension_t*>(p->host->get_extension(p->host, AAP_GUI_V5_EXTENSION_URI));
}

bool isSupported(aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t api, bool) { return api == AAP_GUI_API_X11; }

aap_gui_instance_id create(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, int32_t api, bool) {
    NativeGuiPlugin* p = self(plugin);
    if (api != AAP_GUI_API_X11)
        return AAP_GUI_ERROR_UNSUPPORTED_API;
    if (p->live >= 0)
        return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
    aap_gui_v5_host_extension_t* h = hostGui(p);
    if (h == nullptr || ::pipe2(p->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return AAP_GUI_ERROR_NO_DETAILS;
    if (!h->register_fd(h, p->host, p->pipe[0], AAP_GUI_FD_READ) || !h->register_timer(h, p->host, 5, &p->timer)) {
        ::close(p->pipe[0]);
        ::close(p->pipe[1]);
        return AAP_GUI_ERROR_NO_DETAILS;
    }
    p->timerFired.store(0);
    p->live = p->nextId++;
    return p->live;
}

void destroy(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    NativeGuiPlugin* p = self(plugin);
    if (id != p->live)
        return;
    aap_gui_v5_host_extension_t* h = hostGui(p);
    h->unregister_fd(h, p->host, p->pipe[0]);
    h->unregister_timer(h, p->host, p->timer);
    ::close(p->pipe[0]);
    ::close(p->pipe[1]);
    p->live = -1;
}

int32_t setScale(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, double scale) {
    if (id != self(plugin)->live)
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    if (scale == 99.0)
        ::usleep(1500000);
    return AAP_GUI_RESULT_OK;
}

int32_t setSize(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, uint32_t, uint32_t) {
    NativeGuiPlugin* p = self(plugin);
    if (id != p->live)
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    const char byte = 1;
    return ::write(p->pipe[1], &byte, 1) == 1 ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_NO_DETAILS;
}

int32_t show(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    NativeGuiPlugin* p = self(plugin);
    if (id != p->live)
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    aap_gui_v5_host_extension_t* h = hostGui(p);
    const uint32_t caller = threadId();
    const uint32_t audio = p->audioTid.load();
    h->request_resize(h, p->host, id, caller == static_cast<uint32_t>(::getpid()) ? 1u : 0u,
                      audio == 0 ? 3u : caller == audio ? 1u : 2u);
    return AAP_GUI_RESULT_OK;
}

int32_t hide(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    NativeGuiPlugin* p = self(plugin);
    if (id != p->live)
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    aap_gui_v5_host_extension_t* h = hostGui(p);
    if (p->timerFired.load() > 0)
        h->request_hide(h, p->host, id);
    return AAP_GUI_RESULT_OK;
}

void onFd(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, int32_t fd, uint32_t flags) {
    NativeGuiPlugin* p = self(plugin);
    char byte;
    if (fd != p->pipe[0] || (flags & AAP_GUI_FD_READ) == 0)
        return;
    while (::read(fd, &byte, 1) == 1) {
        aap_gui_v5_host_extension_t* h = hostGui(p);
        h->request_show(h, p->host, p->live);
    }
}

void onTimer(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, uint32_t timer) {
    if (timer == self(plugin)->timer)
        self(plugin)->timerFired.fetch_add(1);
}

aap_gui_v5_extension_t guiExtension{nullptr, &isSupported, nullptr, &create,  &destroy, &setScale,
                                    nullptr, nullptr,      nullptr, &setSize, nullptr,  nullptr,
                                    nullptr, &show,        &hide,   &onFd,    &onTimer};

void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}
void process(AndroidAudioPlugin* plugin, aap_buffer_t*, int32_t, int64_t) {
    NativeGuiPlugin* p = self(plugin);
    if (p->audioTid.load(std::memory_order_relaxed) == 0)
        p->audioTid.store(threadId());
}

void* getExtension(AndroidAudioPlugin* plugin, const char* uri) {
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    if (uri != nullptr && self(plugin)->inProcess && std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0)
        return &guiExtension;
    return nullptr;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginId, AndroidAudioPluginHost* host) {
    static const char kPrefix[] = "urn:aap-native-gui-test:";
    if (std::strncmp(pluginId, kPrefix, sizeof(kPrefix) - 1) != 0)
        return nullptr;
    auto* p = new NativeGuiPlugin();
    p->inProcess = std::strcmp(pluginId, "urn:aap-native-gui-test:in-process") == 0;
    p->host = host;
    return new AndroidAudioPlugin{p, &prepare, &activate, &process, &deactivate, &getExtension, nullptr};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
    NativeGuiPlugin* p = self(plugin);
    if (p->live >= 0) {
        ::close(p->pipe[0]);
        ::close(p->pipe[1]);
    }
    delete p;
    delete plugin;
}

AndroidAudioPluginFactory factory{&instantiate, &release, nullptr};

} // namespace

AAP_EXPORT AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
