#include "peak-meter-aapxs.h"

#include "aapxs/byte-codec.hpp"
#include "peak-meter/peak-meter.h"

namespace aap_example {

namespace {

// Plugin side: deserialize the request, call the plugin's extension, serialize the reply and
// send it before returning. Not replying (unknown opcode, malformed request, no extension) makes
// the runtime answer with an error the host sees as "not implemented".
void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = plugin->get_extension != nullptr
                    ? static_cast<aap_example_peak_meter_extension_t*>(plugin->get_extension(plugin, AAP_EXAMPLE_PEAK_METER_URI))
                    : nullptr;
    AAPXSSerializationContext* s = request->serialization;
    // data_size comes from another process: never trust it beyond the capacity.
    if (ext == nullptr || s->data_size != 0)
        return;
    aap::ByteWriter out{s->data, s->data_capacity};
    switch (request->opcode) {
    case AAP_EXAMPLE_PEAK_METER_OPCODE_GET_PEAK:
        if (ext->get_peak == nullptr)
            return;
        out.f64(ext->get_peak(ext, plugin));
        break;
    case AAP_EXAMPLE_PEAK_METER_OPCODE_RESET:
        if (ext->reset == nullptr)
            return;
        ext->reset(ext, plugin);
        break;
    default:
        return;
    }
    if (!out.ok())
        return;
    s->data_size = out.size();
    instance->send_aapxs_reply(instance, request);
}

// May run on the audio thread: a switch, nothing else.
bool isRtSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return !isHostExtension && opcode == AAP_EXAMPLE_PEAK_METER_OPCODE_GET_PEAK;
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_EXAMPLE_PEAK_METER_URI;
    d.data_capacity = AAP_EXAMPLE_PEAK_METER_DATA_CAPACITY;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.is_command_rt_safe = &isRtSafe;
    return d;
}

} // namespace

const AAPXSDefinition& peakMeterDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

} // namespace aap_example
