// Struct layouts of the ABI: fixed sizes and offsets on LP64 (compile-time), the serialized
// layouts the extension headers write down, and agreement between the C and the C++ compiler.

#include <aap/aap.h>
#include <aapxs/aapxs.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>

#include "layout-c.h"

static_assert(sizeof(void*) == 8 && sizeof(size_t) == 8, "these layout tests describe LP64");

// The MIDI2 port buffer header (docs/spec/wire.md section 1).
static_assert(sizeof(AAPMidiBufferHeader) == 32, "AAPMidiBufferHeader is 32 bytes");
static_assert(offsetof(AAPMidiBufferHeader, time_options) == 0, "");
static_assert(offsetof(AAPMidiBufferHeader, length) == 4, "length at offset 4");
static_assert(offsetof(AAPMidiBufferHeader, reserved) == 8, "");

// Extension payload structs (docs/spec/abi.md section 5) and their documented wire layouts.
static_assert(sizeof(aap_parameter_info_t) == 184, "aap_parameter_info_t is 184 bytes on LP64");
static_assert(sizeof(aap_parameter_info_t) == AAP_PARAMETER_INFO_WIRE_SIZE, "");
static_assert(offsetof(aap_parameter_info_t, stable_id) == AAP_PARAMETER_INFO_WIRE_OFFSET_STABLE_ID, "");
static_assert(offsetof(aap_parameter_info_t, display_name) == AAP_PARAMETER_INFO_WIRE_OFFSET_DISPLAY_NAME, "");
static_assert(offsetof(aap_parameter_info_t, path) == AAP_PARAMETER_INFO_WIRE_OFFSET_PATH, "");
static_assert(offsetof(aap_parameter_info_t, min_value) == AAP_PARAMETER_INFO_WIRE_OFFSET_MIN_VALUE, "");
static_assert(offsetof(aap_parameter_info_t, max_value) == AAP_PARAMETER_INFO_WIRE_OFFSET_MAX_VALUE, "");
static_assert(offsetof(aap_parameter_info_t, default_value) == AAP_PARAMETER_INFO_WIRE_OFFSET_DEFAULT_VALUE, "");
static_assert(offsetof(aap_parameter_info_t, per_note_enabled) == AAP_PARAMETER_INFO_WIRE_OFFSET_PER_NOTE_ENABLED, "");
static_assert(sizeof(aap_parameter_info_t::display_name) == 64 && sizeof(aap_parameter_info_t::path) == 80, "");
static_assert(sizeof(aap_parameter_enum_t) == AAP_PARAMETER_ENUM_WIRE_SIZE, "");
static_assert(offsetof(aap_parameter_enum_t, value) == AAP_PARAMETER_ENUM_WIRE_OFFSET_VALUE, "");
static_assert(sizeof(aap_preset_t) == 260, "aap_preset_t is 260 bytes");
static_assert(sizeof(aap_preset_t) == AAP_PRESET_WIRE_SIZE, "");
static_assert(offsetof(aap_preset_t, id) == AAP_PRESET_WIRE_OFFSET_ID, "");
static_assert(offsetof(aap_preset_t, name) == AAP_PRESET_WIRE_OFFSET_NAME, "");
static_assert(sizeof(aap_state_t) == 16 && offsetof(aap_state_t, data_size) == 8, "");
static_assert(sizeof(aap_port_config_t) == 32, "");
static_assert(offsetof(aap_port_config_t, has_midi_output) == 1, "");
static_assert(offsetof(aap_port_config_t, num_audio_ports) == 4, "");
static_assert(offsetof(aap_port_config_t, named_config) == 8, "");
static_assert(offsetof(aap_port_config_t, extra_data) == 16, "");
static_assert(offsetof(aap_port_config_t, extra_data_size) == 24, "");

// Core structs: pointer-sized members in 0.8 order.
static_assert(sizeof(aap_buffer_t) == 40, "");
static_assert(offsetof(aap_buffer_t, impl) == 0, "");
static_assert(offsetof(aap_buffer_t, num_frames) == 8, "");
static_assert(offsetof(aap_buffer_t, num_ports) == 16, "");
static_assert(offsetof(aap_buffer_t, get_buffer) == 24, "");
static_assert(offsetof(aap_buffer_t, get_buffer_size) == 32, "");
static_assert(sizeof(AndroidAudioPluginHost) == 24, "");
static_assert(offsetof(AndroidAudioPluginHost, context) == 0, "");
static_assert(offsetof(AndroidAudioPluginHost, get_extension) == 8, "");
static_assert(offsetof(AndroidAudioPluginHost, request_process) == 16, "");
static_assert(sizeof(AndroidAudioPlugin) == 56, "");
static_assert(offsetof(AndroidAudioPlugin, plugin_specific) == 0, "");
static_assert(offsetof(AndroidAudioPlugin, prepare) == 8, "");
static_assert(offsetof(AndroidAudioPlugin, activate) == 16, "");
static_assert(offsetof(AndroidAudioPlugin, process) == 24, "");
static_assert(offsetof(AndroidAudioPlugin, deactivate) == 32, "");
static_assert(offsetof(AndroidAudioPlugin, get_extension) == 40, "");
static_assert(offsetof(AndroidAudioPlugin, get_plugin_info) == 48, "");
static_assert(sizeof(AndroidAudioPluginFactory) == 24, "");
static_assert(offsetof(AndroidAudioPluginFactory, instantiate) == 0, "");
static_assert(offsetof(AndroidAudioPluginFactory, release) == 8, "");
static_assert(offsetof(AndroidAudioPluginFactory, factory_context) == 16, "");
static_assert(sizeof(aap_plugin_info_t) == 13 * 8, "");
static_assert(offsetof(aap_plugin_info_t, plugin_id) == 64, "");
static_assert(offsetof(aap_plugin_info_t, get_port_count) == 72, "");
static_assert(offsetof(aap_plugin_info_t, get_parameter) == 96, "");
static_assert(sizeof(aap_plugin_info_port_t) == 40 && sizeof(aap_plugin_info_parameter_t) == 48, "");

// Extension structs: aapxs_context first, then one pointer per function.
static_assert(offsetof(aap_parameters_extension_t, aapxs_context) == 0, "");
static_assert(sizeof(aap_parameters_extension_t) == 6 * 8, "");
static_assert(offsetof(aap_parameters_extension_t, get_enumeration) == 40, "");
static_assert(sizeof(aap_host_parameters_extension_t) == 2 * 8, "");
// The 0.8 spelling of the parameters host extension names the same type (aap-juce and aap-core's
// AAPXS sample declare `aap_parameters_host_extension_t*`).
static_assert(std::is_same<aap_parameters_host_extension_t, aap_host_parameters_extension_t>::value,
              "aap_parameters_host_extension_t and aap_host_parameters_extension_t are one type");
static_assert(sizeof(aap_state_extension_t) == 4 * 8, "");
static_assert(sizeof(aap_presets_extension_t) == 4 * 8, "");
static_assert(offsetof(aap_presets_extension_t, set_preset_index) == 24, "");
static_assert(sizeof(aap_presets_host_extension_t) == 3 * 8, "");
static_assert(sizeof(aap_midi_extension_t) == 2 * 8, "");
static_assert(sizeof(aap_gui_extension_t) == 6 * 8, "");
// gui/v5 (aap/ext/gui-v5.h): the window and the resize hints are fixed-width, padding-free.
static_assert(sizeof(aap_gui_window_t) == 16, "");
static_assert(offsetof(aap_gui_window_t, api) == 0 && offsetof(aap_gui_window_t, reserved) == 4 &&
                  offsetof(aap_gui_window_t, handle) == 8, "");
static_assert(sizeof(aap_gui_resize_hints_t) == 36, "");
static_assert(offsetof(aap_gui_resize_hints_t, aspect_ratio_width) == 12 &&
                  offsetof(aap_gui_resize_hints_t, max_height) == 32, "");
static_assert(sizeof(aap_gui_v5_extension_t) == 17 * 8, "");
static_assert(offsetof(aap_gui_v5_extension_t, show) == 13 * 8, "");
static_assert(sizeof(aap_gui_v5_host_extension_t) == 10 * 8, "");
static_assert(offsetof(aap_gui_v5_host_extension_t, closed) == 4 * 8, "");
static_assert(sizeof(aap_urid_extension_t) == 2 * 8, "");
static_assert(sizeof(aap_host_plugin_info_extension_t) == 2 * 8, "");
static_assert(sizeof(aap_port_config_extension_t) == 3 * 8, "");

// AAPXS foundation (docs/spec/abi.md section 2).
static_assert(sizeof(AAPXSSerializationContext) == 24, "");
static_assert(offsetof(AAPXSSerializationContext, data_size) == 8, "");
static_assert(offsetof(AAPXSSerializationContext, data_capacity) == 16, "");
static_assert(sizeof(AAPXSRequestContext) == 56, "");
static_assert(offsetof(AAPXSRequestContext, callback) == 0, "");
static_assert(offsetof(AAPXSRequestContext, callback_user_data) == 8, "");
static_assert(offsetof(AAPXSRequestContext, serialization) == 16, "");
static_assert(offsetof(AAPXSRequestContext, urid) == 24, "");
static_assert(offsetof(AAPXSRequestContext, uri) == 32, "");
static_assert(offsetof(AAPXSRequestContext, request_id) == 40, "");
static_assert(offsetof(AAPXSRequestContext, opcode) == 44, "");
static_assert(offsetof(AAPXSRequestContext, error_callback) == 48, "");
static_assert(sizeof(AAPXSInitiatorInstance) == 48, "");
static_assert(offsetof(AAPXSInitiatorInstance, host_context) == 8, "");
static_assert(offsetof(AAPXSInitiatorInstance, serialization) == 16, "");
static_assert(offsetof(AAPXSInitiatorInstance, urid) == 24, "");
static_assert(offsetof(AAPXSInitiatorInstance, get_new_request_id) == 32, "");
static_assert(offsetof(AAPXSInitiatorInstance, send_aapxs_request) == 40, "");
static_assert(sizeof(AAPXSRecipientInstance) == 32, "");
static_assert(offsetof(AAPXSRecipientInstance, send_aapxs_reply) == 24, "");
static_assert(sizeof(AAPXSExtensionClientProxy) == 16 && sizeof(AAPXSExtensionServiceProxy) == 16, "");
static_assert(sizeof(AAPXSExtensionHostReceiver) == 16, "");
static_assert(sizeof(AAPXSDefinition) == 88, "");
static_assert(offsetof(AAPXSDefinition, aapxs_context) == 0, "");
static_assert(offsetof(AAPXSDefinition, uri) == 8, "");
static_assert(offsetof(AAPXSDefinition, data_capacity) == 16, "");
static_assert(offsetof(AAPXSDefinition, process_incoming_plugin_aapxs_request) == 24, "");
static_assert(offsetof(AAPXSDefinition, process_incoming_host_aapxs_request) == 32, "");
static_assert(offsetof(AAPXSDefinition, process_incoming_plugin_aapxs_reply) == 40, "");
static_assert(offsetof(AAPXSDefinition, process_incoming_host_aapxs_reply) == 48, "");
static_assert(offsetof(AAPXSDefinition, get_plugin_extension_proxy) == 56, "");
static_assert(offsetof(AAPXSDefinition, get_host_extension_proxy) == 64, "");
static_assert(offsetof(AAPXSDefinition, is_command_rt_safe) == 72, "");
static_assert(offsetof(AAPXSDefinition, get_host_extension_receiver) == 80, "");

// The ABI record: four uint32 fields, never changes.
static_assert(sizeof(aap_abi_version_t) == 16, "");
static_assert(offsetof(aap_abi_version_t, abi_major) == 4 && offsetof(aap_abi_version_t, abi_minor) == 8, "");

// Enum values are ABI.
static_assert(AAP_CONTENT_TYPE_MIDI2 == 3 && AAP_PORT_DIRECTION_OUTPUT == 1, "");
static_assert(AAP_PARAMETERS_MAPPING_POLICY_PROGRAM == 8 && AAP_PARAMETERS_MAPPING_POLICY_SYSEX8 == 4, "");
static_assert(sizeof(aap_content_type) == 4 && sizeof(aap_midi_mapping_policy) == 4, "");

namespace {

#define CXX_LAYOUT_ENTRY(type, member) {#type "." #member, {offsetof(type, member), sizeof(type::member)}}
#define CXX_LAYOUT_SIZE(type) {#type, {0, sizeof(type)}}

// The same facts as layout-c.c, computed by the C++ compiler.
const std::map<std::string, std::pair<size_t, size_t>>& cxxLayout() {
    static const std::map<std::string, std::pair<size_t, size_t>> layout{
        CXX_LAYOUT_SIZE(AAPMidiBufferHeader),
        CXX_LAYOUT_ENTRY(AAPMidiBufferHeader, time_options),
        CXX_LAYOUT_ENTRY(AAPMidiBufferHeader, length),
        CXX_LAYOUT_ENTRY(AAPMidiBufferHeader, reserved),
        CXX_LAYOUT_SIZE(aap_parameter_info_t),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, stable_id),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, display_name),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, path),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, min_value),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, max_value),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, default_value),
        CXX_LAYOUT_ENTRY(aap_parameter_info_t, per_note_enabled),
        CXX_LAYOUT_SIZE(aap_parameter_enum_t),
        CXX_LAYOUT_ENTRY(aap_parameter_enum_t, name),
        CXX_LAYOUT_ENTRY(aap_parameter_enum_t, value),
        CXX_LAYOUT_SIZE(aap_preset_t),
        CXX_LAYOUT_ENTRY(aap_preset_t, id),
        CXX_LAYOUT_ENTRY(aap_preset_t, name),
        CXX_LAYOUT_SIZE(aap_state_t),
        CXX_LAYOUT_SIZE(aap_port_config_t),
        CXX_LAYOUT_ENTRY(aap_port_config_t, has_midi_output),
        CXX_LAYOUT_ENTRY(aap_port_config_t, num_audio_ports),
        CXX_LAYOUT_ENTRY(aap_port_config_t, named_config),
        CXX_LAYOUT_ENTRY(aap_port_config_t, extra_data_size),
        CXX_LAYOUT_SIZE(aap_buffer_t),
        CXX_LAYOUT_ENTRY(aap_buffer_t, get_buffer_size),
        CXX_LAYOUT_SIZE(AndroidAudioPlugin),
        CXX_LAYOUT_ENTRY(AndroidAudioPlugin, get_plugin_info),
        CXX_LAYOUT_SIZE(AndroidAudioPluginFactory),
        CXX_LAYOUT_ENTRY(AndroidAudioPluginFactory, factory_context),
        CXX_LAYOUT_SIZE(AndroidAudioPluginHost),
        CXX_LAYOUT_ENTRY(AndroidAudioPluginHost, request_process),
        CXX_LAYOUT_SIZE(aap_plugin_info_t),
        CXX_LAYOUT_ENTRY(aap_plugin_info_t, get_parameter),
        CXX_LAYOUT_SIZE(AAPXSSerializationContext),
        CXX_LAYOUT_SIZE(AAPXSRequestContext),
        CXX_LAYOUT_ENTRY(AAPXSRequestContext, urid),
        CXX_LAYOUT_ENTRY(AAPXSRequestContext, uri),
        CXX_LAYOUT_ENTRY(AAPXSRequestContext, request_id),
        CXX_LAYOUT_ENTRY(AAPXSRequestContext, opcode),
        CXX_LAYOUT_ENTRY(AAPXSRequestContext, error_callback),
        CXX_LAYOUT_SIZE(AAPXSInitiatorInstance),
        CXX_LAYOUT_ENTRY(AAPXSInitiatorInstance, urid),
        CXX_LAYOUT_ENTRY(AAPXSInitiatorInstance, send_aapxs_request),
        CXX_LAYOUT_SIZE(AAPXSRecipientInstance),
        CXX_LAYOUT_SIZE(AAPXSDefinition),
        CXX_LAYOUT_ENTRY(AAPXSDefinition, data_capacity),
        CXX_LAYOUT_ENTRY(AAPXSDefinition, is_command_rt_safe),
        CXX_LAYOUT_ENTRY(AAPXSDefinition, get_host_extension_receiver),
        CXX_LAYOUT_SIZE(aap_abi_version_t),
    };
    return layout;
}

} // namespace

TEST(HeaderLayout, CAndCxxCompilersAgreeOnEveryCheckedStructAndMember) {
    const auto& cxx = cxxLayout();
    ASSERT_EQ(aap_layout_c_count(), cxx.size()) << "layout-c.c and layout-test.cpp must list the same entries";
    for (size_t i = 0; i < aap_layout_c_count(); i++) {
        const aap_layout_entry* c = aap_layout_c_entry(i);
        ASSERT_NE(c, nullptr);
        auto found = cxx.find(c->name);
        ASSERT_NE(found, cxx.end()) << c->name << " is checked in C but not in C++";
        EXPECT_EQ(c->offset, found->second.first) << "offset of " << c->name;
        EXPECT_EQ(c->size, found->second.second) << "size of " << c->name;
    }
    EXPECT_EQ(aap_layout_c_entry(aap_layout_c_count()), nullptr) << "out-of-range index yields null";
}

TEST(HeaderLayout, MidiBufferHeaderLengthIsReadAtOffsetFour) {
    unsigned char bytes[32] = {};
    bytes[4] = 0x10; // length = 16 on a little-endian host
    AAPMidiBufferHeader header;
    std::memcpy(&header, bytes, sizeof(header));
    EXPECT_EQ(header.length, 16u);
    EXPECT_EQ(header.time_options, 0);
}
