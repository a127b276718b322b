#include "aap/ext-cpp/standard-extensions.h"

namespace aap {

const AAPXSDefinition* const* standardExtensionDefinitions(std::size_t* count) noexcept {
    static const AAPXSDefinition* const definitions[] = {
        &parametersExtensionDefinition(), &presetsExtensionDefinition(), &stateExtensionDefinition(),
        &midiExtensionDefinition(),       &guiExtensionDefinition(),     &uridExtensionDefinition(),
        &portConfigExtensionDefinition(),
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
        const RegistryError error = registry.add(*definitions[i]);
        if (error != RegistryError::None && error != RegistryError::DuplicateUri && first == RegistryError::None)
            first = error;
    }
    return first;
}

} // namespace aap
