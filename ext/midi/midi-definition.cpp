// The AAPXS definition of the MIDI2 extension (mapping policy) and its typed proxy.

#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/plugin-side.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_midi_extension_t>(plugin, AAP_MIDI_EXTENSION_URI);
    ByteReader in = requestReader(request);
    if (ext == nullptr || ext->get_mapping_policy == nullptr || request->opcode != AAP_MIDI_OPCODE_GET_MAPPING_POLICY ||
        !in.done())
        return;
    ByteWriter out = replyWriter(request);
    out.i32(static_cast<std::int32_t>(ext->get_mapping_policy(ext, plugin)));
    sendReply(instance, request, out);
}

aap_midi_mapping_policy cGetMappingPolicy(aap_midi_extension_t* ext, AndroidAudioPlugin*) {
    auto result = static_cast<MidiProxy*>(ext->aapxs_context)->getMappingPolicy();
    return static_cast<aap_midi_mapping_policy>(result.valueOr(AAP_PARAMETERS_MAPPING_POLICY_SYSEX8));
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_MIDI_EXTENSION_URI;
    d.data_capacity = kMidiDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    return d;
}

} // namespace

const AAPXSDefinition& midiExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

MidiProxy::MidiProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.get_mapping_policy = &cGetMappingPolicy;
}

ExtensionResult<std::int32_t> MidiProxy::getMappingPolicy(std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    return callTyped<std::int32_t>(client_, AAP_MIDI_EXTENSION_URI, AAP_MIDI_OPCODE_GET_MAPPING_POLICY, request,
                                   nullptr, &parseI32, timeoutNs);
}

} // namespace aap
