#pragma once
// Port-config extension (aap/ext/port-config.h) over AAPXS. AAP defines no opcodes for it; these
// are this SDK's (docs/spec/abi.md section 5):
//   1 get options  request -                       reply u8 has_midi_input, u8 has_midi_output,
//                                                  i32 num_audio_ports, u32 L named_config
//                                                  (0xFFFFFFFF = null), L bytes, u32 E, E bytes of
//                                                  extra_data
//   2 select       request u32 L (0xFFFFFFFF = null), L bytes   reply -
// Both are answered from memory without allocation, so both are RT-safe (as the header marks them).

#include <cstdint>
#include <mutex>
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
    explicit PortConfigProxy(ExtensionClient& client) noexcept;
    ExtensionResult<PortConfigOptions> getOptions(std::int64_t timeoutNs = 0);
    // std::nullopt selects the default layout.
    ExtensionStatus select(std::optional<std::string_view> configuration, std::int64_t timeoutNs = 0);

    // The C struct for C host code; its functions make sync calls ([main-thread], never on the
    // process() thread). get_options fills *destination; named_config (NUL-terminated) and
    // extra_data point into storage of this proxy that stays valid until the next get_options
    // through this struct or the proxy's destruction (the plugin's own pointers cannot cross the
    // process boundary). On any error *destination is all zero: no MIDI, 0 audio ports (= "not
    // supported"), null named_config and extra_data. A null destination is ignored. select with
    // a name longer than AAP_MAX_EXTENSION_URI_SIZE is not sent; other errors are dropped (select
    // returns nothing in the ABI). Valid as long as this proxy.
    aap_port_config_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    friend struct PortConfigCStruct;
    ExtensionClient& client_;
    aap_port_config_extension_t extension_;
    // Storage behind the pointers get_options hands out; guarded so two threads' calls do not
    // tear it (the second call still invalidates the first caller's pointers, as documented).
    std::mutex cStorageMutex_;
    std::string cNamedConfig_;
    std::vector<std::uint8_t> cExtraData_;
};

} // namespace aap
