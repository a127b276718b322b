// A C++ plugin written the way existing AAP 0.8 plugins are: every plugin-side struct and every
// extension struct is initialized positionally (aggregate initialization in member order), so a
// reordered member or a changed function-pointer type breaks this build. Built as a MODULE with
// C++11 and -Werror; plugin-lifecycle-test also loads and runs it (stereo pass-through).

#include <aap/aap.h>
#include <aap/unstable/logging.h>
#include <aapxs/aapxs.h>

#include <cstring>

namespace {

const char* const kPluginId = "urn:aap-sdk-test:cxx-positional";

struct PassThrough {
    int sampleRate;
    int32_t presetIndex;
    uint8_t lastUrid;
    char lastUri[64];
};

PassThrough* self(AndroidAudioPlugin* plugin) { return static_cast<PassThrough*>(plugin->plugin_specific); }

// ---- plugin metadata (plugin-meta-info.h) ----
uint32_t portIndex(aap_plugin_info_port_t* port) { return port->context == nullptr ? 0u : 1u; }
const char* portName(aap_plugin_info_port_t*) { return "Audio Out L"; }
aap_content_type portContent(aap_plugin_info_port_t*) { return AAP_CONTENT_TYPE_AUDIO; }
aap_port_direction portDirection(aap_plugin_info_port_t*) { return AAP_PORT_DIRECTION_OUTPUT; }
uint32_t parameterId(aap_plugin_info_parameter_t*) { return 7; }
const char* parameterName(aap_plugin_info_parameter_t*) { return "Level"; }
float parameterMin(aap_plugin_info_parameter_t*) { return 0.0f; }
float parameterMax(aap_plugin_info_parameter_t*) { return 1.0f; }
float parameterDefault(aap_plugin_info_parameter_t*) { return 0.5f; }
const char* infoString(aap_plugin_info_t*) { return "cxx-positional"; }
uint32_t infoOne(aap_plugin_info_t*) { return 1; }
aap_plugin_info_port_t infoPort(aap_plugin_info_t*, uint32_t) {
    aap_plugin_info_port_t port{nullptr, portIndex, portName, portContent, portDirection};
    return port;
}
aap_plugin_info_parameter_t infoParameter(aap_plugin_info_t*, uint32_t) {
    aap_plugin_info_parameter_t parameter{nullptr, parameterId, parameterName, parameterMin, parameterMax,
                                          parameterDefault};
    return parameter;
}
aap_plugin_info_t pluginInfo(AndroidAudioPlugin*) {
    aap_plugin_info_t info{nullptr,    infoString, infoString, infoString, infoString, infoString, infoString,
                           infoString, infoString, infoOne,    infoPort,   infoOne,    infoParameter};
    return info;
}

// ---- extensions ----
int32_t parameterCount(aap_parameters_extension_t*, AndroidAudioPlugin*) { return 1; }
aap_parameter_info_t parameter(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t index) {
    aap_parameter_info_t info{static_cast<int16_t>(index == 0 ? 7 : -1), "Level", "/", 0.0, 1.0, 0.5, false};
    return info;
}
double parameterProperty(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t, int32_t property) {
    return property == AAP_PARAMETER_PROPERTY_MAX_VALUE ? 1.0 : 0.0;
}
int32_t enumerationCount(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t) { return 1; }
aap_parameter_enum_t enumeration(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t, int32_t) {
    aap_parameter_enum_t entry{"Half", 0.5};
    return entry;
}
aap_parameters_extension_t parametersExtension{nullptr, parameterCount, parameter, parameterProperty,
                                               enumerationCount, enumeration};

size_t stateSize(aap_state_extension_t*, AndroidAudioPlugin*) { return sizeof(int32_t); }
void getState(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* destination) {
    if (destination->data_size < sizeof(int32_t)) {
        destination->data_size = 0;
        return;
    }
    std::memcpy(destination->data, &self(plugin)->presetIndex, sizeof(int32_t));
    destination->data_size = sizeof(int32_t);
}
void setState(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* source) {
    if (source->data_size == sizeof(int32_t))
        std::memcpy(&self(plugin)->presetIndex, source->data, sizeof(int32_t));
}
aap_state_extension_t stateExtension{nullptr, stateSize, getState, setState};

aap_preset_t presets[2]{{10, "Clean"}, {11, "Loud"}};
int32_t presetCount(aap_presets_extension_t*, AndroidAudioPlugin*) { return 2; }
void getPreset(aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t index, aap_preset_t* preset,
               aapxs_completion_callback callback, void* callbackData) {
    if (index >= 0 && index < 2)
        *preset = presets[index];
    else
        *preset = aap_preset_t{-1, ""};
    if (callback)
        callback(callbackData, plugin);
}
void setPresetIndex(aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t index) {
    if (index >= 0 && index < 2)
        self(plugin)->presetIndex = index;
}
aap_presets_extension_t presetsExtension{nullptr, presetCount, getPreset, setPresetIndex};

aap_midi_mapping_policy mappingPolicy(aap_midi_extension_t*, AndroidAudioPlugin*) {
    return AAP_PARAMETERS_MAPPING_POLICY_PROGRAM;
}
aap_midi_extension_t midiExtension{nullptr, mappingPolicy};

aap_gui_instance_id guiCreate(aap_gui_extension_t*, AndroidAudioPlugin*, const char*, int32_t, void*) {
    return AAP_GUI_ERROR_NO_GUI_DEFINED;
}
int32_t guiShow(aap_gui_extension_t*, AndroidAudioPlugin*, aap_gui_instance_id) { return AAP_GUI_ERROR_NO_DETAILS; }
void guiHide(aap_gui_extension_t*, AndroidAudioPlugin*, aap_gui_instance_id) {}
int32_t guiResize(aap_gui_extension_t*, AndroidAudioPlugin*, aap_gui_instance_id, int32_t, int32_t) {
    return AAP_GUI_ERROR_NO_DETAILS;
}
void guiDestroy(aap_gui_extension_t*, AndroidAudioPlugin*, aap_gui_instance_id) {}
aap_gui_extension_t guiExtension{nullptr, guiCreate, guiShow, guiHide, guiResize, guiDestroy};

void uridMap(aap_urid_extension_t*, AndroidAudioPlugin* plugin, uint8_t urid, const char* uri) {
    if (urid == AAP_URID_UNMAPPED || uri == nullptr)
        return;
    self(plugin)->lastUrid = urid;
    std::strncpy(self(plugin)->lastUri, uri, sizeof(self(plugin)->lastUri) - 1);
}
aap_urid_extension_t uridExtension{nullptr, uridMap};

void portOptions(aap_port_config_extension_t*, AndroidAudioPlugin*, aap_port_config_t* destination) {
    aap_port_config_t options{true, true, 2, AAP_PORT_CONFIG_DEFAULT_EFFECT, nullptr, 0};
    *destination = options;
}
void portSelect(aap_port_config_extension_t*, AndroidAudioPlugin*, const char*) {}
aap_port_config_extension_t portConfigExtension{nullptr, portOptions, portSelect};

// Host-side structs and the AAPXS foundation, positionally too (they are what existing hosts and
// extension authors write).
void* hostExtension(AndroidAudioPluginHost*, const char* uri) { return aap_abi_get_extension(uri); }
void hostRequestProcess(AndroidAudioPluginHost*) {}
void notifyParameters(aap_host_parameters_extension_t*, AndroidAudioPluginHost*) {}
void notifyPresetLoaded(aap_presets_host_extension_t*, AndroidAudioPluginHost*) {}
void notifyPresetsUpdated(aap_presets_host_extension_t*, AndroidAudioPluginHost*) {}
aap_plugin_info_t hostPluginInfo(aap_host_plugin_info_extension_t*, AndroidAudioPluginHost*, const char*) {
    return pluginInfo(nullptr);
}
int32_t bufferFrames(aap_buffer_t*) { return 0; }
int32_t bufferPorts(aap_buffer_t*) { return 0; }
void* bufferData(aap_buffer_t*, int32_t) { return nullptr; }
int32_t bufferSize(aap_buffer_t*, int32_t) { return 0; }
uint32_t newRequestId(AAPXSInitiatorInstance*) { return 1; }
bool sendRequest(AAPXSInitiatorInstance*, AAPXSRequestContext*) { return false; }
void sendReply(AAPXSRecipientInstance*, AAPXSRequestContext*) {}
void pluginRequest(AAPXSDefinition*, AAPXSRecipientInstance*, AndroidAudioPlugin*, AAPXSRequestContext*) {}
void hostRequest(AAPXSDefinition*, AAPXSRecipientInstance*, AndroidAudioPluginHost*, AAPXSRequestContext*) {}
void pluginReply(AAPXSDefinition*, AAPXSInitiatorInstance*, AndroidAudioPlugin*, AAPXSRequestContext*) {}
void hostReply(AAPXSDefinition*, AAPXSInitiatorInstance*, AndroidAudioPluginHost*, AAPXSRequestContext*) {}
void* asPluginExtension(AAPXSExtensionClientProxy* proxy) { return proxy->aapxs_context; }
void* asHostExtension(AAPXSExtensionServiceProxy* proxy) { return proxy->aapxs_context; }
void* asReceiverExtension(AAPXSExtensionHostReceiver* receiver) { return receiver->aapxs_context; }
AAPXSExtensionClientProxy pluginProxy(AAPXSDefinition*, AAPXSInitiatorInstance*, AAPXSSerializationContext*) {
    AAPXSExtensionClientProxy proxy{&presetsExtension, asPluginExtension};
    return proxy;
}
AAPXSExtensionServiceProxy hostProxy(AAPXSDefinition*, AAPXSInitiatorInstance*, AAPXSSerializationContext*) {
    AAPXSExtensionServiceProxy proxy{nullptr, asHostExtension};
    return proxy;
}
bool rtSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return !isHostExtension && opcode == AAP_PRESETS_OPCODE_GET_PRESET_COUNT;
}
AAPXSExtensionHostReceiver hostReceiver(AAPXSDefinition*, AAPXSRecipientInstance*, AndroidAudioPluginHost*) {
    AAPXSExtensionHostReceiver receiver{nullptr, asReceiverExtension};
    return receiver;
}
void completion(void*, void*) {}
void failure(void*, void*, const char*) {}

uint8_t serializationBytes[AAP_PRESET_WIRE_SIZE];

// Referenced from get_extension so none of these is dropped as unused.
struct HostSideStructs {
    AndroidAudioPluginHost host;
    aap_buffer_t buffer;
    aap_host_parameters_extension_t hostParameters;
    aap_presets_host_extension_t hostPresets;
    aap_host_plugin_info_extension_t hostPluginInfo;
    AAPMidiBufferHeader midiHeader;
    aap_state_t state;
    AAPXSSerializationContext serialization;
    AAPXSRequestContext request;
    AAPXSInitiatorInstance initiator;
    AAPXSRecipientInstance recipient;
    AAPXSDefinition definition;
    aap_abi_version_t abi;
};
HostSideStructs hostSide{
    AndroidAudioPluginHost{nullptr, hostExtension, hostRequestProcess},
    aap_buffer_t{nullptr, bufferFrames, bufferPorts, bufferData, bufferSize},
    aap_host_parameters_extension_t{nullptr, notifyParameters},
    aap_presets_host_extension_t{nullptr, notifyPresetLoaded, notifyPresetsUpdated},
    aap_host_plugin_info_extension_t{nullptr, hostPluginInfo},
    AAPMidiBufferHeader{0, 0, {0, 0, 0, 0, 0, 0}},
    aap_state_t{nullptr, 0},
    AAPXSSerializationContext{serializationBytes, 0, sizeof(serializationBytes)},
    AAPXSRequestContext{completion, nullptr, nullptr, 0, AAP_PRESETS_EXTENSION_URI, 1,
                        AAP_PRESETS_OPCODE_GET_PRESET, failure},
    AAPXSInitiatorInstance{nullptr, nullptr, nullptr, 0, newRequestId, sendRequest},
    AAPXSRecipientInstance{nullptr, nullptr, nullptr, sendReply},
    AAPXSDefinition{nullptr, AAP_PRESETS_EXTENSION_URI, AAP_PRESET_WIRE_SIZE + 4, pluginRequest, hostRequest,
                    pluginReply, hostReply, pluginProxy, hostProxy, rtSafe, hostReceiver},
    aap_abi_version_t{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR, 0},
};

// ---- the plugin ----
void prepare(AndroidAudioPlugin* plugin, int sampleRate, aap_buffer_t*) { self(plugin)->sampleRate = sampleRate; }
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}
void process(AndroidAudioPlugin*, aap_buffer_t* buffer, int32_t frameCount, int64_t) {
    if (buffer == nullptr || buffer->num_ports(buffer) < 4)
        return;
    if (frameCount < 0 || frameCount > buffer->num_frames(buffer))
        frameCount = buffer->num_frames(buffer);
    for (int32_t channel = 0; channel < 2; channel++) {
        auto in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        if (in != nullptr && out != nullptr)
            std::memcpy(out, in, sizeof(float) * static_cast<size_t>(frameCount));
    }
}
void* getExtension(AndroidAudioPlugin*, const char* uri) {
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    if (uri == nullptr)
        return nullptr;
    struct Entry {
        const char* uri;
        void* extension;
    };
    const Entry entries[]{{AAP_PARAMETERS_EXTENSION_URI, &parametersExtension},
                          {AAP_STATE_EXTENSION_URI, &stateExtension},
                          {AAP_PRESETS_EXTENSION_URI, &presetsExtension},
                          {AAP_MIDI_EXTENSION_URI, &midiExtension},
                          {AAP_GUI_EXTENSION_URI, &guiExtension},
                          {AAP_URID_EXTENSION_URI, &uridExtension},
                          {AAP_PORT_CONFIG_EXTENSION_URI, &portConfigExtension},
                          {"urn:aap-sdk-test:host-side-structs", &hostSide}};
    for (const Entry& entry : entries)
        if (std::strcmp(uri, entry.uri) == 0)
            return entry.extension;
    return nullptr;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginUniqueId, AndroidAudioPluginHost* host) {
    if (pluginUniqueId == nullptr || std::strcmp(pluginUniqueId, kPluginId) != 0 || host == nullptr)
        return nullptr;
    const void* hostAbi = host->get_extension ? host->get_extension(host, AAP_ABI_EXTENSION_URI) : nullptr;
    if (aap_abi_check(hostAbi) < 0) {
        char reason[256];
        aap_abi_describe(reason, sizeof(reason), "host", hostAbi);
        aap::a_log_f(AAP_LOG_LEVEL_ERROR, kPluginId, "refusing %s", reason);
        return nullptr;
    }
    auto state = new PassThrough{0, 0, 0, {}};
    return new AndroidAudioPlugin{state, prepare, activate, process, deactivate, getExtension, pluginInfo};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* instance) {
    if (instance == nullptr)
        return;
    delete self(instance);
    delete instance;
}

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

// Defined without extern "C", as many existing plugins do: the header's declaration gives it C linkage.
AndroidAudioPluginFactory* GetAndroidAudioPluginFactory() { return &factory; }
