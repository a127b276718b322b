// The host's typed proxy of the presets extension, and its C struct.

#include "aap/ext-cpp/presets.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;
constexpr std::string_view kUri = AAP_PRESETS_EXTENSION_URI;

bool parsePreset(const std::uint8_t* data, std::size_t size, aap_preset_t* preset) noexcept {
    ByteReader reader{data, size};
    return readPreset(reader, preset) && reader.done();
}

PresetsProxy* proxyOf(aap_presets_extension_t* ext) { return static_cast<PresetsProxy*>(ext->aapxs_context); }

int32_t cGetCount(aap_presets_extension_t* ext, AndroidAudioPlugin*) {
    return proxyOf(ext)->getPresetCount().valueOr(0);
}
void cGetPreset(aap_presets_extension_t* ext, AndroidAudioPlugin* plugin, int32_t index, aap_preset_t* preset,
                aapxs_completion_callback callback, void* callbackData) {
    auto result = proxyOf(ext)->getPreset(index);
    if (preset != nullptr) {
        if (result.ok()) {
            *preset = result.value();
        } else {
            *preset = aap_preset_t{};
            preset->id = -1;
        }
    }
    if (callback != nullptr)
        callback(callbackData, plugin);
}
void cSetPresetIndex(aap_presets_extension_t* ext, AndroidAudioPlugin*, int32_t index) {
    (void)proxyOf(ext)->setPresetIndex(index);
}

} // namespace

PresetsProxy::PresetsProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.get_preset_count = &cGetCount;
    extension_.get_preset = &cGetPreset;
    extension_.set_preset_index = &cSetPresetIndex;
}

ExtensionResult<std::int32_t> PresetsProxy::getPresetCount(std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    return callTyped<std::int32_t>(client_, kUri, AAP_PRESETS_OPCODE_GET_PRESET_COUNT, request, nullptr, &parseI32,
                                   timeoutNs);
}

ExtensionResult<aap_preset_t> PresetsProxy::getPreset(std::int32_t index, std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    return callTyped<aap_preset_t>(client_, kUri, AAP_PRESETS_OPCODE_GET_PRESET, request, bytes, &parsePreset,
                                   timeoutNs);
}

ExtensionStatus PresetsProxy::setPresetIndex(std::int32_t index, std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    return callTyped<NoValue>(client_, kUri, AAP_PRESETS_OPCODE_SET_PRESET_INDEX, request, bytes, &parseNothing,
                              timeoutNs);
}

void PresetsProxy::getPresetCountAsync(CountCallback callback, void* user, std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    callTypedAsync<std::int32_t, &parseI32>(client_, kUri, AAP_PRESETS_OPCODE_GET_PRESET_COUNT, request, nullptr,
                                            callback, user, timeoutNs);
}

void PresetsProxy::getPresetAsync(std::int32_t index, PresetCallback callback, void* user, std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    callTypedAsync<aap_preset_t, &parsePreset>(client_, kUri, AAP_PRESETS_OPCODE_GET_PRESET, request, bytes,
                                               callback, user, timeoutNs);
}

void PresetsProxy::setPresetIndexAsync(std::int32_t index, StatusCallback callback, void* user,
                                       std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    callTypedAsync<NoValue, &parseNothing>(client_, kUri, AAP_PRESETS_OPCODE_SET_PRESET_INDEX, request, bytes,
                                           callback, user, timeoutNs);
}

} // namespace aap
