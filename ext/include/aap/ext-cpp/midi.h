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
    explicit MidiProxy(ExtensionClient& client) noexcept : client_(client) {}
    ExtensionResult<std::int32_t> getMappingPolicy(std::int64_t timeoutNs = 0);

private:
    ExtensionClient& client_;
};

} // namespace aap
