/* The struct layouts as a C compiler sees them, so layout-test can check that C and C++ agree
 * (the ABI is shared by C plugins and C++ hosts). Compiled as C99. */

#include <aap/aap.h>
#include <aapxs/aapxs.h>

#include "layout-c.h"

#define AAP_LAYOUT_ENTRY(type, member) {#type "." #member, offsetof(type, member), sizeof(((type*) 0)->member)}
#define AAP_LAYOUT_SIZE(type) {#type, 0, sizeof(type)}

static const aap_layout_entry entries[] = {
    AAP_LAYOUT_SIZE(AAPMidiBufferHeader),
    AAP_LAYOUT_ENTRY(AAPMidiBufferHeader, time_options),
    AAP_LAYOUT_ENTRY(AAPMidiBufferHeader, length),
    AAP_LAYOUT_ENTRY(AAPMidiBufferHeader, reserved),
    AAP_LAYOUT_SIZE(aap_parameter_info_t),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, stable_id),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, display_name),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, path),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, min_value),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, max_value),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, default_value),
    AAP_LAYOUT_ENTRY(aap_parameter_info_t, per_note_enabled),
    AAP_LAYOUT_SIZE(aap_parameter_enum_t),
    AAP_LAYOUT_ENTRY(aap_parameter_enum_t, name),
    AAP_LAYOUT_ENTRY(aap_parameter_enum_t, value),
    AAP_LAYOUT_SIZE(aap_preset_t),
    AAP_LAYOUT_ENTRY(aap_preset_t, id),
    AAP_LAYOUT_ENTRY(aap_preset_t, name),
    AAP_LAYOUT_SIZE(aap_state_t),
    AAP_LAYOUT_SIZE(aap_port_config_t),
    AAP_LAYOUT_ENTRY(aap_port_config_t, has_midi_output),
    AAP_LAYOUT_ENTRY(aap_port_config_t, num_audio_ports),
    AAP_LAYOUT_ENTRY(aap_port_config_t, named_config),
    AAP_LAYOUT_ENTRY(aap_port_config_t, extra_data_size),
    AAP_LAYOUT_SIZE(aap_buffer_t),
    AAP_LAYOUT_ENTRY(aap_buffer_t, get_buffer_size),
    AAP_LAYOUT_SIZE(AndroidAudioPlugin),
    AAP_LAYOUT_ENTRY(AndroidAudioPlugin, get_plugin_info),
    AAP_LAYOUT_SIZE(AndroidAudioPluginFactory),
    AAP_LAYOUT_ENTRY(AndroidAudioPluginFactory, factory_context),
    AAP_LAYOUT_SIZE(AndroidAudioPluginHost),
    AAP_LAYOUT_ENTRY(AndroidAudioPluginHost, request_process),
    AAP_LAYOUT_SIZE(aap_plugin_info_t),
    AAP_LAYOUT_ENTRY(aap_plugin_info_t, get_parameter),
    AAP_LAYOUT_SIZE(AAPXSSerializationContext),
    AAP_LAYOUT_SIZE(AAPXSRequestContext),
    AAP_LAYOUT_ENTRY(AAPXSRequestContext, urid),
    AAP_LAYOUT_ENTRY(AAPXSRequestContext, uri),
    AAP_LAYOUT_ENTRY(AAPXSRequestContext, request_id),
    AAP_LAYOUT_ENTRY(AAPXSRequestContext, opcode),
    AAP_LAYOUT_ENTRY(AAPXSRequestContext, error_callback),
    AAP_LAYOUT_SIZE(AAPXSInitiatorInstance),
    AAP_LAYOUT_ENTRY(AAPXSInitiatorInstance, urid),
    AAP_LAYOUT_ENTRY(AAPXSInitiatorInstance, send_aapxs_request),
    AAP_LAYOUT_SIZE(AAPXSRecipientInstance),
    AAP_LAYOUT_SIZE(AAPXSDefinition),
    AAP_LAYOUT_ENTRY(AAPXSDefinition, data_capacity),
    AAP_LAYOUT_ENTRY(AAPXSDefinition, is_command_rt_safe),
    AAP_LAYOUT_ENTRY(AAPXSDefinition, get_host_extension_receiver),
    AAP_LAYOUT_SIZE(aap_abi_version_t),
};

size_t aap_layout_c_count(void) {
    return sizeof(entries) / sizeof(entries[0]);
}

const aap_layout_entry* aap_layout_c_entry(size_t index) {
    return index < aap_layout_c_count() ? &entries[index] : NULL;
}
