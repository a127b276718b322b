#include "aap/ext-cpp/host-extensions.h"

#include <cstring>

#include "aap/ext-cpp/standard-extensions.h"

namespace aap {

namespace {

StandardHostExtensions::Handlers& handlersOf(void* context) {
    return *static_cast<StandardHostExtensions::Handlers*>(context);
}

void parametersChanged(aap_host_parameters_extension_t* ext, AndroidAudioPluginHost* host) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.parametersChanged != nullptr)
        h.parametersChanged(h.user, host);
}
void presetLoaded(aap_presets_host_extension_t* ext, AndroidAudioPluginHost* host) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.presetLoaded != nullptr)
        h.presetLoaded(h.user, host);
}
void presetsUpdated(aap_presets_host_extension_t* ext, AndroidAudioPluginHost* host) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.presetsUpdated != nullptr)
        h.presetsUpdated(h.user, host);
}

void guiRequestResize(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui,
                      uint32_t width, uint32_t height) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.guiRequestResize != nullptr)
        h.guiRequestResize(h.user, host, gui, width, height);
}
void guiRequestShow(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.guiRequestShow != nullptr)
        h.guiRequestShow(h.user, host, gui);
}
void guiRequestHide(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.guiRequestHide != nullptr)
        h.guiRequestHide(h.user, host, gui);
}
void guiResizeHintsChanged(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.guiResizeHintsChanged != nullptr)
        h.guiResizeHintsChanged(h.user, host, gui);
}
void guiClosed(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui,
               bool wasDestroyed) {
    auto& h = handlersOf(ext->aapxs_context);
    if (h.guiClosed != nullptr)
        h.guiClosed(h.user, host, gui, wasDestroyed);
}
// The local functions belong to the plugin's process; a host never answers them.
bool noRegisterFd(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, int32_t, uint32_t) { return false; }
bool noUnregisterFd(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, int32_t) { return false; }
bool noRegisterTimer(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, uint32_t, uint32_t*) { return false; }
bool noUnregisterTimer(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, uint32_t) { return false; }

} // namespace

StandardHostExtensions::StandardHostExtensions(const Handlers& handlers) noexcept : handlers_(handlers) {
    parameters_.aapxs_context = &handlers_;
    parameters_.notify_parameters_changed = &parametersChanged;
    presets_.aapxs_context = &handlers_;
    presets_.notify_preset_loaded = &presetLoaded;
    presets_.notify_presets_updated = &presetsUpdated;
    guiV5_.aapxs_context = &handlers_;
    guiV5_.request_resize = &guiRequestResize;
    guiV5_.request_show = &guiRequestShow;
    guiV5_.request_hide = &guiRequestHide;
    guiV5_.resize_hints_changed = &guiResizeHintsChanged;
    guiV5_.closed = &guiClosed;
    guiV5_.register_fd = &noRegisterFd;
    guiV5_.unregister_fd = &noUnregisterFd;
    guiV5_.register_timer = &noRegisterTimer;
    guiV5_.unregister_timer = &noUnregisterTimer;
}

void* StandardHostExtensions::implementation(const char* uri) noexcept {
    if (uri == nullptr)
        return nullptr;
    if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &parameters_;
    if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
        return &presets_;
    if (std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0)
        return &guiV5_;
    return nullptr;
}

std::shared_ptr<AAPXSDefinitionRegistry> StandardHostExtensions::definitions() {
    auto registry = std::make_shared<AAPXSDefinitionRegistry>();
    registerStandardExtensions(*registry);
    return registry;
}

} // namespace aap
