// Plugins for the aap::ext tests, in one library (see aap_metadata.xml.in):
//   urn:aap-ext-test:full - implements parameters, presets, state, midi2, gui, gui/v5, urid, port-config; calls the host's
//                           parameters/presets host extensions (see "Host notifications").
//   urn:aap-ext-test:bare - implements no extension at all.
// The library exports no AAPXS definition: like an unmodified AAP 0.8 plugin, it relies on the
// plugin process registering the standard definitions of aap::ext.
//
// Ports (default rules, effect): 0/1 audio in, 2/3 audio out, 4 MIDI2 in, 5 MIDI2 out.
//
// Host notifications (host extensions obtained in prepare): set_preset_index calls notify_preset_loaded; get_parameter_property with
// property 99 calls notify_parameters_changed (non-realtime thread); a MIDI2 UMP word 0x20B07700
// (MIDI1 CC 0x77 on group 0, channel 0) in the input makes process() call
// notify_parameters_changed and notify_presets_updated from the audio thread.

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "aap/abi.h"
#include "aap/android-audio-plugin.h"
#include "aap/ext/gui.h"
#include "aap/ext/gui-v5.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/port-config.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"
#include "aap/ext/urid.h"
#include "ext-test-plugin-data.h"

namespace {

struct ExtTestPlugin {
    bool full = false;
    AndroidAudioPluginHost* host = nullptr;
    aap_buffer_t* buffer = nullptr;
    int32_t presetIndex = -1;
    std::mutex stateMutex;
    std::vector<uint8_t> state;
    bool guiCreated = false;
    bool guiVisible = false;
    std::string urids[256];
    bool instrumentLayout = false;
    // Host extensions, taken on the main thread in prepare() (get_extension is [main-thread]);
    // their notify functions are thread-safe and realtime-safe, so process() may call them.
    aap_host_parameters_extension_t* hostParameters = nullptr;
    aap_presets_host_extension_t* hostPresets = nullptr;
    aap_gui_v5_host_extension_t* hostGui = nullptr;
    // gui/v5: at most one live GUI.
    int32_t nextGuiId = aap_ext_test::kGuiV5FirstId;
    int32_t guiV5 = -1;
    bool guiFloating = false;
    aap_gui_window_t parent{};
    aap_gui_window_t transient{};
    double scale = 1.0;
    uint32_t width = 640, height = 480;
    std::string title;
};

ExtTestPlugin* self(AndroidAudioPlugin* plugin) { return static_cast<ExtTestPlugin*>(plugin->plugin_specific); }

void notifyParametersChanged(ExtTestPlugin* p) {
    aap_host_parameters_extension_t* ext = p->hostParameters;
    if (ext != nullptr && ext->notify_parameters_changed != nullptr)
        ext->notify_parameters_changed(ext, p->host);
}

void notifyPresets(ExtTestPlugin* p, bool loaded) {
    aap_presets_host_extension_t* ext = p->hostPresets;
    if (ext == nullptr)
        return;
    if (loaded && ext->notify_preset_loaded != nullptr)
        ext->notify_preset_loaded(ext, p->host);
    if (!loaded && ext->notify_presets_updated != nullptr)
        ext->notify_presets_updated(ext, p->host);
}

// ---- parameters ----
int32_t parameterCount(aap_parameters_extension_t*, AndroidAudioPlugin*) { return aap_ext_test::kParameterCount; }
aap_parameter_info_t parameterInfo(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t index) {
    return aap_ext_test::parameter(index);
}
double parameterProperty(aap_parameters_extension_t*, AndroidAudioPlugin* plugin, int32_t id, int32_t property) {
    if (id >= aap_ext_test::kUridProbeBase && id <= aap_ext_test::kUridProbeBase + 255)
        return static_cast<double>(self(plugin)->urids[id - aap_ext_test::kUridProbeBase].size());
    if (property == aap_ext_test::kNotifyingProperty) {
        notifyParametersChanged(self(plugin));
        return 1.0;
    }
    return aap_ext_test::property(id, property);
}
int32_t enumerationCount(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t id) {
    return aap_ext_test::enumerationCount(id);
}
aap_parameter_enum_t enumeration(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t id, int32_t index) {
    return aap_ext_test::enumeration(id, index);
}
aap_parameters_extension_t parametersExtension{nullptr, &parameterCount, &parameterInfo, &parameterProperty,
                                               &enumerationCount, &enumeration};

// ---- presets ----
int32_t presetCount(aap_presets_extension_t*, AndroidAudioPlugin*) { return aap_ext_test::kPresetCount; }
void getPreset(aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t index, aap_preset_t* preset,
               aapxs_completion_callback callback, void* callbackData) {
    *preset = aap_ext_test::preset(index);
    if (callback != nullptr)
        callback(callbackData, plugin);
}
void setPresetIndex(aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t index) {
    if (index < 0 || index >= aap_ext_test::kPresetCount)
        return;
    self(plugin)->presetIndex = index;
    notifyPresets(self(plugin), true);
}
aap_presets_extension_t presetsExtension{nullptr, &presetCount, &getPreset, &setPresetIndex};

// ---- state: any bytes are this plugin's state; the preset index is not part of it ----
size_t stateSize(aap_state_extension_t*, AndroidAudioPlugin* plugin) {
    std::lock_guard<std::mutex> lock(self(plugin)->stateMutex);
    return self(plugin)->state.size();
}
void getState(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* destination) {
    ExtTestPlugin* p = self(plugin);
    std::lock_guard<std::mutex> lock(p->stateMutex);
    if (destination->data_size < p->state.size()) {
        destination->data_size = 0;
        return;
    }
    if (!p->state.empty())
        std::memcpy(destination->data, p->state.data(), p->state.size());
    destination->data_size = p->state.size();
}
void setState(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* source) {
    ExtTestPlugin* p = self(plugin);
    std::lock_guard<std::mutex> lock(p->stateMutex);
    const auto* bytes = static_cast<const uint8_t*>(source->data);
    p->state.assign(bytes, bytes + (bytes != nullptr ? source->data_size : 0));
}
aap_state_extension_t stateExtension{nullptr, &stateSize, &getState, &setState};

// ---- midi2 ----
aap_midi_mapping_policy mappingPolicy(aap_midi_extension_t*, AndroidAudioPlugin*) {
    return static_cast<aap_midi_mapping_policy>(aap_ext_test::kMappingPolicy);
}
aap_midi_extension_t midiExtension{nullptr, &mappingPolicy};

// ---- gui: one GUI, id 7 ----
aap_gui_instance_id guiCreate(aap_gui_extension_t*, AndroidAudioPlugin* plugin, const char* pluginId, int32_t,
                              void* view) {
    ExtTestPlugin* p = self(plugin);
    if (std::strcmp(pluginId, "urn:aap-ext-test:full") != 0 || view != nullptr)
        return AAP_GUI_ERROR_NO_DETAILS;
    if (p->guiCreated)
        return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
    p->guiCreated = true;
    return aap_ext_test::kGuiId;
}
int32_t guiShow(aap_gui_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    if (id != aap_ext_test::kGuiId || !self(plugin)->guiCreated)
        return AAP_GUI_ERROR_NO_DETAILS;
    self(plugin)->guiVisible = true;
    return AAP_GUI_RESULT_OK;
}
void guiHide(aap_gui_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    if (id == aap_ext_test::kGuiId)
        self(plugin)->guiVisible = false;
}
int32_t guiResize(aap_gui_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, int32_t width,
                  int32_t height) {
    return id == aap_ext_test::kGuiId && self(plugin)->guiCreated && width > 0 && height > 0 ? AAP_GUI_RESULT_OK
                                                                                         : AAP_GUI_ERROR_NO_DETAILS;
}
void guiDestroy(aap_gui_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    if (id == aap_ext_test::kGuiId)
        self(plugin)->guiCreated = false;
}
aap_gui_extension_t guiExtension{nullptr, &guiCreate, &guiShow, &guiHide, &guiResize, &guiDestroy};

// ---- gui/v5 (contract in ext-test-plugin-data.h) ----
bool guiV5Supported(aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t api, bool floating) {
    return api == AAP_GUI_API_X11 || (api == AAP_GUI_API_WAYLAND && floating);
}
bool guiV5Preferred(aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t* api, bool* floating) {
    *api = AAP_GUI_API_X11;
    *floating = false;
    return true;
}
aap_gui_instance_id guiV5Create(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, int32_t api, bool floating) {
    ExtTestPlugin* p = self(plugin);
    if (!guiV5Supported(ext, plugin, api, floating))
        return AAP_GUI_ERROR_UNSUPPORTED_API;
    if (p->guiV5 >= 0)
        return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
    p->guiV5 = p->nextGuiId++;
    p->guiFloating = floating;
    p->parent = p->transient = aap_gui_window_t{};
    p->scale = 1.0;
    p->width = 640;
    p->height = 480;
    p->title.clear();
    return p->guiV5;
}
bool live(ExtTestPlugin* p, aap_gui_instance_id id) { return id >= 0 && id == p->guiV5; }
void guiV5Destroy(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    if (live(self(plugin), id))
        self(plugin)->guiV5 = -1;
}
int32_t guiV5SetScale(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, double scale) {
    if (!live(self(plugin), id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    self(plugin)->scale = scale;
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5GetSize(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, uint32_t* width,
                     uint32_t* height) {
    if (!live(self(plugin), id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    *width = self(plugin)->width;
    *height = self(plugin)->height;
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5Hints(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id,
                   aap_gui_resize_hints_t* hints) {
    if (!live(self(plugin), id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    *hints = aap_ext_test::kGuiHints;
    return AAP_GUI_RESULT_OK;
}
uint32_t clampSize(uint32_t v) {
    return v < aap_ext_test::kGuiMin ? aap_ext_test::kGuiMin : v > aap_ext_test::kGuiMax ? aap_ext_test::kGuiMax : v;
}
int32_t guiV5Adjust(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, uint32_t* width,
                    uint32_t* height) {
    if (!live(self(plugin), id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    *width = clampSize(*width);
    *height = clampSize(*height);
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5SetSize(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, uint32_t width,
                     uint32_t height) {
    if (!live(self(plugin), id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    self(plugin)->width = width;
    self(plugin)->height = height;
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5SetParent(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id,
                       const aap_gui_window_t* window) {
    ExtTestPlugin* p = self(plugin);
    if (!live(p, id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    if (p->guiFloating)
        return AAP_GUI_ERROR_WRONG_STATE;
    if (window->api != AAP_GUI_API_X11)
        return AAP_GUI_ERROR_UNSUPPORTED_API;
    p->parent = *window;
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5SetTransient(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id,
                          const aap_gui_window_t* window) {
    ExtTestPlugin* p = self(plugin);
    if (!live(p, id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    if (!p->guiFloating)
        return AAP_GUI_ERROR_WRONG_STATE;
    p->transient = *window;
    return AAP_GUI_RESULT_OK;
}
void guiV5Title(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id, const char* title) {
    if (live(self(plugin), id))
        self(plugin)->title = title;
}
int32_t guiV5Show(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    ExtTestPlugin* p = self(plugin);
    if (!live(p, id))
        return AAP_GUI_ERROR_UNKNOWN_GUI;
    aap_gui_v5_host_extension_t* h = p->hostGui;
    if (h == nullptr)
        return AAP_GUI_RESULT_OK;
    uint64_t scaleBits;
    std::memcpy(&scaleBits, &p->scale, sizeof(scaleBits));
    const auto length = static_cast<uint32_t>(p->title.size());
    const uint64_t pairs[][2] = {
        {p->parent.handle & 0xFFFFFFFFu, p->parent.handle >> 32},
        {p->transient.handle & 0xFFFFFFFFu, p->transient.handle >> 32},
        {scaleBits & 0xFFFFFFFFu, scaleBits >> 32},
        {p->width, p->height},
        {length, aap_ext_test::fnv1a(p->title.c_str(), length)},
    };
    for (const auto& pair : pairs)
        h->request_resize(h, p->host, id, static_cast<uint32_t>(pair[0]), static_cast<uint32_t>(pair[1]));
    h->request_show(h, p->host, id);
    h->request_hide(h, p->host, id);
    h->resize_hints_changed(h, p->host, id);
    h->closed(h, p->host, id, p->guiFloating);
    return AAP_GUI_RESULT_OK;
}
int32_t guiV5Hide(aap_gui_v5_extension_t*, AndroidAudioPlugin* plugin, aap_gui_instance_id id) {
    return live(self(plugin), id) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_UNKNOWN_GUI;
}
aap_gui_v5_extension_t guiV5Extension{nullptr,         &guiV5Supported, &guiV5Preferred, &guiV5Create,
                                      &guiV5Destroy,   &guiV5SetScale,  &guiV5GetSize,   &guiV5Hints,
                                      &guiV5Adjust,    &guiV5SetSize,   &guiV5SetParent, &guiV5SetTransient,
                                      &guiV5Title,     &guiV5Show,      &guiV5Hide,      nullptr,
                                      nullptr};

// ---- urid: remembered; observable through get_parameter_property(kUridProbeBase + urid) ----
void uridMap(aap_urid_extension_t*, AndroidAudioPlugin* plugin, uint8_t urid, const char* uri) {
    self(plugin)->urids[urid] = uri;
}
aap_urid_extension_t uridExtension{nullptr, &uridMap};

// ---- port-config ----
const char extraJson[] = "{}";
void portConfigOptions(aap_port_config_extension_t*, AndroidAudioPlugin* plugin, aap_port_config_t* destination) {
    destination->has_midi_input = true;
    destination->has_midi_output = false;
    destination->num_audio_ports = self(plugin)->instrumentLayout ? 4 : 2;
    destination->named_config = AAP_PORT_CONFIG_DEFAULT_EFFECT;
    destination->extra_data = const_cast<char*>(extraJson);
    destination->extra_data_size = sizeof(extraJson);
}
void portConfigSelect(aap_port_config_extension_t*, AndroidAudioPlugin* plugin, const char* configuration) {
    self(plugin)->instrumentLayout =
        configuration != nullptr && std::strcmp(configuration, AAP_PORT_CONFIG_DEFAULT_INSTRUMENT) == 0;
}
aap_port_config_extension_t portConfigExtension{nullptr, &portConfigOptions, &portConfigSelect};

// ---- the plugin ----
void pluginPrepare(AndroidAudioPlugin* plugin, int, aap_buffer_t* buffer) {
    ExtTestPlugin* p = self(plugin);
    p->buffer = buffer;
    if (p->full && p->host->get_extension != nullptr) {
        p->hostParameters = static_cast<aap_host_parameters_extension_t*>(
            p->host->get_extension(p->host, AAP_PARAMETERS_EXTENSION_URI));
        p->hostPresets =
            static_cast<aap_presets_host_extension_t*>(p->host->get_extension(p->host, AAP_PRESETS_EXTENSION_URI));
        p->hostGui =
            static_cast<aap_gui_v5_host_extension_t*>(p->host->get_extension(p->host, AAP_GUI_V5_EXTENSION_URI));
    }
}
void pluginActivate(AndroidAudioPlugin*) {}
void pluginDeactivate(AndroidAudioPlugin*) {}

void pluginProcess(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t) {
    ExtTestPlugin* p = self(plugin);
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        std::memcpy(out, in, sizeof(float) * static_cast<size_t>(frames));
    }
    auto* midiIn = static_cast<const uint8_t*>(buffer->get_buffer(buffer, 4));
    AAPMidiBufferHeader header;
    std::memcpy(&header, midiIn, sizeof(header));
    const uint32_t capacity = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 4)) - 32;
    const uint32_t length = header.length <= capacity ? header.length - header.length % 4 : 0;
    auto* midiOut = static_cast<uint8_t*>(buffer->get_buffer(buffer, 5));
    AAPMidiBufferHeader outHeader{};
    std::memcpy(midiOut, &outHeader, sizeof(outHeader));  // nothing of its own to say
    if (!p->full)
        return;
    for (uint32_t offset = 0; offset + 4 <= length; offset += 4) {
        uint32_t word;
        std::memcpy(&word, midiIn + 32 + offset, sizeof(word));
        if (word == aap_ext_test::kNotifyFromProcessWord) {
            notifyParametersChanged(p);
            notifyPresets(p, false);
        }
    }
}

void* pluginGetExtension(AndroidAudioPlugin* plugin, const char* uri) {
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    if (!self(plugin)->full || uri == nullptr)
        return nullptr;
    if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &parametersExtension;
    if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
        return &presetsExtension;
    if (std::strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
        return &stateExtension;
    if (std::strcmp(uri, AAP_MIDI_EXTENSION_URI) == 0)
        return &midiExtension;
    if (std::strcmp(uri, AAP_GUI_EXTENSION_URI) == 0)
        return &guiExtension;
    if (std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0)
        return &guiV5Extension;
    if (std::strcmp(uri, AAP_URID_EXTENSION_URI) == 0)
        return &uridExtension;
    if (std::strcmp(uri, AAP_PORT_CONFIG_EXTENSION_URI) == 0)
        return &portConfigExtension;
    return nullptr;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginId, AndroidAudioPluginHost* host) {
    const bool full = std::strcmp(pluginId, "urn:aap-ext-test:full") == 0;
    if (!full && std::strcmp(pluginId, "urn:aap-ext-test:bare") != 0)
        return nullptr;
    auto* p = new ExtTestPlugin();
    p->full = full;
    p->host = host;
    return new AndroidAudioPlugin{p, &pluginPrepare, &pluginActivate, &pluginProcess, &pluginDeactivate,
                                  &pluginGetExtension, nullptr};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
    delete self(plugin);
    delete plugin;
}

AndroidAudioPluginFactory factory{&instantiate, &release, nullptr};

} // namespace

AAP_EXPORT AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
