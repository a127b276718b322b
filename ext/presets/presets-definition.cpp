// The AAPXS definition of the presets extension: wire codec and request handlers.

#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/client-extension-proxy.h"
#include "../common/host-extension-proxy.h"
#include "../common/plugin-side.h"

namespace aap {

static_assert(sizeof(aap_preset_t) == AAP_PRESET_WIRE_SIZE, "the wire layout equals the native layout");

bool writePreset(ByteWriter& writer, const aap_preset_t& preset) noexcept {
    writer.i32(preset.id);
    writer.fixedString(preset.name, AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH);
    return writer.ok();
}

bool readPreset(ByteReader& reader, aap_preset_t* preset) noexcept {
    aap_preset_t result{};
    result.id = reader.i32();
    reader.fixedString(result.name, AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH);
    if (!reader.ok())
        return false;
    *preset = result;
    return true;
}

namespace {

using namespace ext_detail;

// get_preset may complete through its callback; this one records that it did.
void presetFilled(void* context, void*) { *static_cast<bool*>(context) = true; }

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_presets_extension_t>(plugin, AAP_PRESETS_EXTENSION_URI);
    if (ext == nullptr)
        return;
    ByteReader in = requestReader(request);
    ByteWriter out = replyWriter(request);
    switch (request->opcode) {
    case AAP_PRESETS_OPCODE_GET_PRESET_COUNT:
        if (ext->get_preset_count == nullptr || !in.done())
            return;
        out.i32(ext->get_preset_count(ext, plugin));
        break;
    case AAP_PRESETS_OPCODE_GET_PRESET: {
        const int32_t index = in.i32();
        if (ext->get_preset == nullptr || !in.done())
            return;
        aap_preset_t preset{};
        preset.id = -1;
        bool filled = false;
        // The ABI lets the plugin fill the preset before returning or call back; handlers reply
        // synchronously, so a plugin that defers the callback past its return is answered with the
        // preset as it stands when get_preset returned.
        ext->get_preset(ext, plugin, index, &preset, &presetFilled, &filled);
        writePreset(out, preset);
        break;
    }
    case AAP_PRESETS_OPCODE_SET_PRESET_INDEX: {
        const int32_t index = in.i32();
        if (ext->set_preset_index == nullptr || !in.done())
            return;
        ext->set_preset_index(ext, plugin, index);
        break;
    }
    default:
        return;
    }
    sendReply(instance, request, out);
}

void handleHostRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPluginHost* host,
                       AAPXSRequestContext* request) {
    if (host == nullptr || host->get_extension == nullptr)
        return;
    auto* ext = static_cast<aap_presets_host_extension_t*>(host->get_extension(host, AAP_PRESETS_EXTENSION_URI));
    if (ext == nullptr)
        return;
    if (request->opcode == AAP_PRESETS_OPCODE_NOTIFY_PRESET_LOADED && ext->notify_preset_loaded != nullptr)
        ext->notify_preset_loaded(ext, host);
    else if (request->opcode == AAP_PRESETS_OPCODE_NOTIFY_PRESETS_UPDATED && ext->notify_presets_updated != nullptr)
        ext->notify_presets_updated(ext, host);
    else
        return;
    request->serialization->data_size = 0;
    instance->send_aapxs_reply(instance, request);
}

bool isRtSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return isHostExtension ? (opcode == AAP_PRESETS_OPCODE_NOTIFY_PRESET_LOADED ||
                              opcode == AAP_PRESETS_OPCODE_NOTIFY_PRESETS_UPDATED)
                           : opcode == AAP_PRESETS_OPCODE_GET_PRESET_COUNT;
}

using HostProxy = HostExtensionProxy<aap_presets_host_extension_t>;

void notifyPresetLoaded(aap_presets_host_extension_t* ext, AndroidAudioPluginHost*) {
    sendNotification(static_cast<HostProxy*>(ext->aapxs_context)->instance, AAP_PRESETS_EXTENSION_URI,
                     AAP_PRESETS_OPCODE_NOTIFY_PRESET_LOADED);
}
void notifyPresetsUpdated(aap_presets_host_extension_t* ext, AndroidAudioPluginHost*) {
    sendNotification(static_cast<HostProxy*>(ext->aapxs_context)->instance, AAP_PRESETS_EXTENSION_URI,
                     AAP_PRESETS_OPCODE_NOTIFY_PRESETS_UPDATED);
}

// Plugin side: what host->get_extension(AAP_PRESETS_EXTENSION_URI) returns.
void wireHostExtension(aap_presets_host_extension_t& typed) {
    typed.notify_preset_loaded = &notifyPresetLoaded;
    typed.notify_presets_updated = &notifyPresetsUpdated;
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_PRESETS_EXTENSION_URI;
    d.data_capacity = kPresetsDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.process_incoming_host_aapxs_request = &handleHostRequest;
    d.process_incoming_plugin_aapxs_reply = &forwardClientReply;
    d.get_plugin_extension_proxy = &clientExtensionProxy<PresetsProxy>;
    d.get_host_extension_proxy = &hostExtensionServiceProxy<aap_presets_host_extension_t, &wireHostExtension>;
    d.is_command_rt_safe = &isRtSafe;
    return d;
}

} // namespace

const AAPXSDefinition& presetsExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

} // namespace aap
