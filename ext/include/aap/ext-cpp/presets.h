#pragma once
// Presets extension (aap/ext/presets.h) over AAPXS: wire codec and the host's typed proxy.
//
// Wire (little-endian, docs/spec/abi.md section 5):
//   1 get count      request -          reply i32                                RT-safe
//   2 get preset     request i32 index  reply aap_preset_t: i32 id, char[256] name (260 bytes)
//   3 set index      request i32 index  reply -
//  -1 / -2 notify preset loaded / presets updated (host extension), no data, RT-safe.

#include <cstdint>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/presets.h"

namespace aap {

inline constexpr std::int32_t kPresetsDataCapacity = 512;

bool writePreset(ByteWriter& writer, const aap_preset_t& preset) noexcept;
bool readPreset(ByteReader& reader, aap_preset_t* preset) noexcept;

class PresetsProxy {
public:
    explicit PresetsProxy(ExtensionClient& client) noexcept;

    ExtensionResult<std::int32_t> getPresetCount(std::int64_t timeoutNs = 0);
    ExtensionResult<aap_preset_t> getPreset(std::int32_t index, std::int64_t timeoutNs = 0);
    ExtensionStatus setPresetIndex(std::int32_t index, std::int64_t timeoutNs = 0);

    using CountCallback = void (*)(void* user, const ExtensionResult<std::int32_t>& result) noexcept;
    using PresetCallback = void (*)(void* user, const ExtensionResult<aap_preset_t>& result) noexcept;
    using StatusCallback = void (*)(void* user, const ExtensionStatus& result) noexcept;
    void getPresetCountAsync(CountCallback callback, void* user, std::int64_t timeoutNs = 0);
    void getPresetAsync(std::int32_t index, PresetCallback callback, void* user, std::int64_t timeoutNs = 0);
    void setPresetIndexAsync(std::int32_t index, StatusCallback callback, void* user, std::int64_t timeoutNs = 0);

    // The C struct for C host code ([main-thread] sync calls; errors: count 0, preset id -1 with
    // an empty name; get_preset's callback fires before get_preset returns).
    aap_presets_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    ExtensionClient& client_;
    aap_presets_extension_t extension_;
};

} // namespace aap
