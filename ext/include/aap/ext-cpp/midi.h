#pragma once
// MIDI2 extension (aap/ext/midi.h) over AAPXS: the mapping policy query.
//
// Wire: 1 get mapping policy, request -, reply i32 AAP_PARAMETERS_MAPPING_POLICY_* flags.
// A plugin without the extension does not reply; MidiProxy::getMappingPolicy then returns
// NotImplemented, and a host applies the ABI default AAP_PARAMETERS_MAPPING_POLICY_SYSEX8.

#include <cstdint>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/midi.h"

namespace aap {

inline constexpr std::int32_t kMidiDataCapacity = 64;

class MidiProxy {
public:
    explicit MidiProxy(ExtensionClient& client) noexcept;
    ExtensionResult<std::int32_t> getMappingPolicy(std::int64_t timeoutNs = 0);

    // The C struct for C host code. get_mapping_policy makes a sync call ([main-thread], never on
    // the process() thread); on any error it returns the ABI default for a plugin without the
    // extension, AAP_PARAMETERS_MAPPING_POLICY_SYSEX8. Valid as long as this proxy.
    aap_midi_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    ExtensionClient& client_;
    aap_midi_extension_t extension_;
};

} // namespace aap
