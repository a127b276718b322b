#pragma once
// The AAPXS definitions of the standard extensions (docs/spec/abi.md section 5) and how to register
// them. A plugin service (or any recipient) registers them so that requests for the standard
// extensions reach the plugin's own extension structs:
//
//     aap::AAPXSDefinitionRegistry registry;
//     aap::registerStandardExtensions(registry);
//
// Each definition serializes field by field, little-endian, with bounds checks (byte-codec.h);
// opcodes, payloads and capacities are documented in the per-extension headers (parameters.h,
// presets.h, state.h, midi.h, gui.h, urid.h, port-config.h, gui-v5.h) and docs/extensions.md.
// plugin-info is not here: a host serves it locally from its catalog (hosting's PluginInfoView).
//
// The definitions are immutable objects with static storage; [thread-safe].

#include <cstddef>

#include "aap/runtime/definition-registry.h"
#include "aapxs/aapxs.h"

namespace aap {

const AAPXSDefinition& parametersExtensionDefinition() noexcept;
const AAPXSDefinition& presetsExtensionDefinition() noexcept;
const AAPXSDefinition& stateExtensionDefinition() noexcept;
const AAPXSDefinition& midiExtensionDefinition() noexcept;
const AAPXSDefinition& guiExtensionDefinition() noexcept;
const AAPXSDefinition& uridExtensionDefinition() noexcept;
const AAPXSDefinition& portConfigExtensionDefinition() noexcept;
const AAPXSDefinition& guiV5ExtensionDefinition() noexcept;  // gui/v5 (gui-v5.h)

// Every standard definition above, in that order; *count receives the number.
const AAPXSDefinition* const* standardExtensionDefinitions(std::size_t* count) noexcept;

// [non-realtime] Adds every standard definition whose URI is not registered yet (a definition the
// caller registered earlier for the same URI wins). Returns the first error other than
// DuplicateUri, or RegistryError::None. The state definition is added with a registration
// generation of its own in aapxs_context (state.h: chunked transfers are bound to it), so use one
// call per plugin instance's registry.
RegistryError registerStandardExtensions(AAPXSDefinitionRegistry& registry) noexcept;

} // namespace aap
