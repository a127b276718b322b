#pragma once
// Port-config extension (aap/ext/port-config.h) over AAPXS. spec/abi.md section 5 lists no
// opcodes for it; these are this SDK's:
//   1 get options  request -                       reply u8 has_midi_input, u8 has_midi_output,
//                                                  i32 num_audio_ports, u32 L named_config
//                                                  (0xFFFFFFFF = null), L bytes, u32 E, E bytes of
//                                                  extra_data
//   2 select       request u32 L (0xFFFFFFFF = null), L bytes   reply -
// Both are answered from memory without allocation, so both are RT-safe (as the header marks them).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/port-config.h"

namespace aap {

inline constexpr std::int32_t kPortConfigDataCapacity = 4096;
inline constexpr std::int32_t kPortConfigOpcodeGetOptions = 1;
inline constexpr std::int32_t kPortConfigOpcodeSelect = 2;
inline constexpr std::uint32_t kPortConfigNullString = 0xFFFFFFFFu;

// aap_port_config_t with owned strings.
struct PortConfigOptions {
    bool hasMidiInput = false;
    bool hasMidiOutput = false;
    std::int32_t numAudioPorts = 0;
    std::optional<std::string> namedConfig;
    std::vector<std::uint8_t> extraData;
};

class PortConfigProxy {
public:
    explicit PortConfigProxy(ExtensionClient& client) noexcept : client_(client) {}
    ExtensionResult<PortConfigOptions> getOptions(std::int64_t timeoutNs = 0);
    // std::nullopt selects the default layout.
    ExtensionStatus select(std::optional<std::string_view> configuration, std::int64_t timeoutNs = 0);

private:
    ExtensionClient& client_;
};

} // namespace aap
