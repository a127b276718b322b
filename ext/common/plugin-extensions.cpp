#include "aap/ext-cpp/plugin-extensions.h"

#include <cstring>

namespace aap {

void* PluginExtensions::getExtension(const char* uri) noexcept {
    if (uri == nullptr)
        return nullptr;
    if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return parameters.asPluginExtension();
    if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
        return presets.asPluginExtension();
    if (std::strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
        return state.asPluginExtension();
    if (std::strcmp(uri, AAP_MIDI_EXTENSION_URI) == 0)
        return midi.asPluginExtension();
    if (std::strcmp(uri, AAP_GUI_EXTENSION_URI) == 0)
        return gui.asPluginExtension();
    if (std::strcmp(uri, AAP_URID_EXTENSION_URI) == 0)
        return urid.asPluginExtension();
    if (std::strcmp(uri, AAP_PORT_CONFIG_EXTENSION_URI) == 0)
        return portConfig.asPluginExtension();
    return nullptr;
}

} // namespace aap
