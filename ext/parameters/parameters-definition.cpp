// The AAPXS definition of the parameters extension: wire codec and plugin-side request handler.

#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/client-extension-proxy.h"
#include "../common/host-extension-proxy.h"
#include "../common/plugin-side.h"

namespace aap {

static_assert(sizeof(aap_parameter_info_t) == AAP_PARAMETER_INFO_WIRE_SIZE || sizeof(void*) != 8,
              "the wire layout equals the LP64 native layout");
static_assert(sizeof(aap_parameter_enum_t) == AAP_PARAMETER_ENUM_WIRE_SIZE || sizeof(void*) != 8, "");

bool writeParameterInfo(ByteWriter& writer, const aap_parameter_info_t& info) noexcept {
    writer.i16(info.stable_id);                                               // 0
    writer.fixedString(info.display_name, AAP_MAX_PARAMETER_NAME_CHARS);      // 2
    writer.fixedString(info.path, AAP_MAX_PARAMETER_PATH_CHARS);              // 66
    writer.zeros(AAP_PARAMETER_INFO_WIRE_OFFSET_MIN_VALUE - (AAP_PARAMETER_INFO_WIRE_OFFSET_PATH + AAP_MAX_PARAMETER_PATH_CHARS));
    writer.f64(info.min_value);                                               // 152
    writer.f64(info.max_value);                                               // 160
    writer.f64(info.default_value);                                           // 168
    writer.u8(info.per_note_enabled ? 1 : 0);                                 // 176
    writer.zeros(AAP_PARAMETER_INFO_WIRE_SIZE - AAP_PARAMETER_INFO_WIRE_OFFSET_PER_NOTE_ENABLED - 1);
    return writer.ok();
}

bool readParameterInfo(ByteReader& reader, aap_parameter_info_t* info) noexcept {
    aap_parameter_info_t result{};
    result.stable_id = reader.i16();
    reader.fixedString(result.display_name, AAP_MAX_PARAMETER_NAME_CHARS);
    reader.fixedString(result.path, AAP_MAX_PARAMETER_PATH_CHARS);
    reader.skip(AAP_PARAMETER_INFO_WIRE_OFFSET_MIN_VALUE - (AAP_PARAMETER_INFO_WIRE_OFFSET_PATH + AAP_MAX_PARAMETER_PATH_CHARS));
    result.min_value = reader.f64();
    result.max_value = reader.f64();
    result.default_value = reader.f64();
    result.per_note_enabled = reader.u8() != 0;
    reader.skip(AAP_PARAMETER_INFO_WIRE_SIZE - AAP_PARAMETER_INFO_WIRE_OFFSET_PER_NOTE_ENABLED - 1);
    if (!reader.ok())
        return false;
    *info = result;
    return true;
}

bool writeParameterEnum(ByteWriter& writer, const aap_parameter_enum_t& entry) noexcept {
    writer.fixedString(entry.name, AAP_MAX_PARAMETER_ENUM_NAME);
    writer.f64(entry.value);
    return writer.ok();
}

bool readParameterEnum(ByteReader& reader, aap_parameter_enum_t* entry) noexcept {
    aap_parameter_enum_t result{};
    reader.fixedString(result.name, AAP_MAX_PARAMETER_ENUM_NAME);
    result.value = reader.f64();
    if (!reader.ok())
        return false;
    *entry = result;
    return true;
}

namespace {

using namespace ext_detail;

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_parameters_extension_t>(plugin, AAP_PARAMETERS_EXTENSION_URI);
    if (ext == nullptr)
        return;  // not replying: the runtime answers "not handled"
    ByteReader in = requestReader(request);
    ByteWriter out = replyWriter(request);
    switch (request->opcode) {
    case AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT:
        if (ext->get_parameter_count == nullptr || !in.done())
            return;
        out.i32(ext->get_parameter_count(ext, plugin));
        break;
    case AAP_PARAMETERS_OPCODE_GET_PARAMETER: {
        const int32_t index = in.i32();
        if (ext->get_parameter == nullptr || !in.done())
            return;
        writeParameterInfo(out, ext->get_parameter(ext, plugin, index));
        break;
    }
    case AAP_PARAMETERS_OPCODE_GET_PARAMETER_PROPERTY: {
        const int32_t id = in.i32();
        const int32_t property = in.i32();
        if (ext->get_parameter_property == nullptr || !in.done())
            return;
        out.f64(ext->get_parameter_property(ext, plugin, id, property));
        break;
    }
    case AAP_PARAMETERS_OPCODE_GET_ENUMERATION_COUNT: {
        const int32_t id = in.i32();
        if (ext->get_enumeration_count == nullptr || !in.done())
            return;
        out.i32(ext->get_enumeration_count(ext, plugin, id));
        break;
    }
    case AAP_PARAMETERS_OPCODE_GET_ENUMERATION: {
        const int32_t id = in.i32();
        const int32_t index = in.i32();
        if (ext->get_enumeration == nullptr || !in.done())
            return;
        writeParameterEnum(out, ext->get_enumeration(ext, plugin, id, index));
        break;
    }
    default:
        return;
    }
    sendReply(instance, request, out);
}

// Host side: the plugin told the host its parameter list changed.
void handleHostRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPluginHost* host,
                       AAPXSRequestContext* request) {
    if (request->opcode != AAP_PARAMETERS_OPCODE_NOTIFY_PARAMETERS_CHANGED || host == nullptr ||
        host->get_extension == nullptr)
        return;
    auto* ext = static_cast<aap_host_parameters_extension_t*>(host->get_extension(host, AAP_PARAMETERS_EXTENSION_URI));
    if (ext == nullptr || ext->notify_parameters_changed == nullptr)
        return;
    ext->notify_parameters_changed(ext, host);
    request->serialization->data_size = 0;
    instance->send_aapxs_reply(instance, request);
}

bool isRtSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return isHostExtension ? opcode == AAP_PARAMETERS_OPCODE_NOTIFY_PARAMETERS_CHANGED
                           : opcode == AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT;
}

void notifyParametersChanged(aap_host_parameters_extension_t* ext, AndroidAudioPluginHost*) {
    auto* proxy = static_cast<HostExtensionProxy<aap_host_parameters_extension_t>*>(ext->aapxs_context);
    sendNotification(proxy->instance, AAP_PARAMETERS_EXTENSION_URI, AAP_PARAMETERS_OPCODE_NOTIFY_PARAMETERS_CHANGED);
}

// Plugin side: what host->get_extension(AAP_PARAMETERS_EXTENSION_URI) returns.
void wireHostExtension(aap_host_parameters_extension_t& typed) {
    typed.notify_parameters_changed = &notifyParametersChanged;
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_PARAMETERS_EXTENSION_URI;
    d.data_capacity = kParametersDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.process_incoming_host_aapxs_request = &handleHostRequest;
    d.process_incoming_plugin_aapxs_reply = &forwardClientReply;
    d.get_plugin_extension_proxy = &clientExtensionProxy<ParametersProxy>;
    d.get_host_extension_proxy = &hostExtensionServiceProxy<aap_host_parameters_extension_t, &wireHostExtension>;
    d.is_command_rt_safe = &isRtSafe;
    return d;
}

} // namespace

const AAPXSDefinition& parametersExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

} // namespace aap
