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

} // namespace

StandardHostExtensions::StandardHostExtensions(const Handlers& handlers) noexcept : handlers_(handlers) {
    parameters_.aapxs_context = &handlers_;
    parameters_.notify_parameters_changed = &parametersChanged;
    presets_.aapxs_context = &handlers_;
    presets_.notify_preset_loaded = &presetLoaded;
    presets_.notify_presets_updated = &presetsUpdated;
}

void* StandardHostExtensions::implementation(const char* uri) noexcept {
    if (uri == nullptr)
        return nullptr;
    if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &parameters_;
    if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
        return &presets_;
    return nullptr;
}

std::shared_ptr<AAPXSDefinitionRegistry> StandardHostExtensions::definitions() {
    auto registry = std::make_shared<AAPXSDefinitionRegistry>();
    registerStandardExtensions(*registry);
    return registry;
}

} // namespace aap
