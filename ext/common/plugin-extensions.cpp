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
    return nullptr;
}

} // namespace aap
