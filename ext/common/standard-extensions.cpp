#include "aap/ext-cpp/standard-extensions.h"

#include "aap/ext-cpp/gui-v5.h"
#include "aap/ext-cpp/state.h"
#include "plugin-side.h"
#include <cstring>

namespace aap {

const AAPXSDefinition* const* standardExtensionDefinitions(std::size_t* count) noexcept {
    static const AAPXSDefinition* const definitions[] = {
        &parametersExtensionDefinition(), &presetsExtensionDefinition(), &stateExtensionDefinition(),
        &midiExtensionDefinition(),       &guiExtensionDefinition(),     &uridExtensionDefinition(),
        &portConfigExtensionDefinition(), &guiV5ExtensionDefinition(),
    };
    if (count != nullptr)
        *count = sizeof(definitions) / sizeof(definitions[0]);
    return definitions;
}

RegistryError registerStandardExtensions(AAPXSDefinitionRegistry& registry) noexcept {
    std::size_t count = 0;
    const AAPXSDefinition* const* definitions = standardExtensionDefinitions(&count);
    RegistryError first = RegistryError::None;
    for (std::size_t i = 0; i < count; i++) {
        // Each registration (one per plugin instance in aap::hosting) gets a state definition of
        // its own generation; see state.h.
        const bool isState = std::strcmp(definitions[i]->uri, AAP_STATE_EXTENSION_URI) == 0;
        const RegistryError error =
            registry.add(isState ? ext_detail::stateDefinitionForRegistration() : *definitions[i]);
        if (error != RegistryError::None && error != RegistryError::DuplicateUri && first == RegistryError::None)
            first = error;
    }
    return first;
}

} // namespace aap
