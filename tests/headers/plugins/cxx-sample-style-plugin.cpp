// A C++ plugin written the way the published AAP sample plugins and framework wrappers of the
// 0.8 era are written (aap-core's sample effect/instrument, aap-juce, aap-lv2), limited to the
// API that docs/spec/abi.md section 1 promises. Where cxx-positional-plugin.cpp initializes every
// member, this file uses the shortcuts those sources rely on, so a header change that breaks
// them breaks this build:
//   - the whole plugin inside one `extern "C" { ... }` block, GetAndroidAudioPluginFactory()
//     defined there with an empty parameter list;
//   - positional initializers that stop early: AndroidAudioPlugin without get_plugin_info,
//     AndroidAudioPluginFactory without factory_context, aap_parameter_info_t without
//     per_note_enabled and with integer literals for the double members, extensions with
//     trailing nullptr for optional functions;
//   - `new AndroidAudioPlugin()` followed by member assignment, including get_plugin_info;
//   - extension structs copied by value (per-instance extension objects);
//   - enum types without the `enum` keyword, switch over port content type and direction,
//     AAP_PARAMETER_PROPERTY_* and AAP_GUI_RESULT_* as case labels / return values;
//   - the aapxs_completion_callback of presets get_preset called with the plugin pointer;
//   - plugin-info host extension queried in prepare(), ports found by content type/direction;
//   - the parameters host extension under its 0.8 name aap_parameters_host_extension_t;
//   - MIDI2 input read through AAPMidiBufferHeader and aapReadMidi2ParameterSysex8, the value
//     converted with aapParameterTransportUint32ToPlain(min, max, value);
//   - aap::a_log / aap::a_log_f / aap::aprintf;
//   - AAP_PUBLIC_API redefined exactly as the 0.8 header defined it.
// Built as a MODULE (C++17, warnings are errors except -Wmissing-field-initializers, which is
// exactly the shortcut under test) and compiled by headers.compile_sample_style_plugin.<compiler>.

#include <aap/android-audio-plugin.h>
#include <aap/ext/gui.h>
#include <aap/ext/midi.h>
#include <aap/ext/parameters.h>
#include <aap/ext/plugin-info.h>
#include <aap/ext/presets.h>
#include <aap/ext/state.h>
#include <aap/unstable/logging.h>

#include <cstring>

// Some sources repeat the 0.8 header's own definition; an identical redefinition is not diagnosed.
#define AAP_PUBLIC_API __attribute__((__visibility__("default")))

extern "C" {

#define SAMPLE_STYLE_TAG "aap-test-sample-style"
#define SAMPLE_STYLE_PLUGIN_ID "urn:aap-sdk-test:cxx-sample-style"
#define SAMPLE_STYLE_PARAM_GAIN 0

typedef struct SampleStyleContext {
    AndroidAudioPluginHost host;
    float gain{0.5f};
    int32_t presetIndex{-1};
    int sampleRate{0};
    int32_t midiInPort{-1};
    int32_t midiOutPort{-1};
    int32_t audioInPort{-1};
    int32_t audioOutPort{-1};
    aap_state_extension_t stateExtension;

    explicit SampleStyleContext(AndroidAudioPluginHost* h) : host(*h), stateExtension() {}
} SampleStyleContext;

static SampleStyleContext* sample_style_context(AndroidAudioPlugin* plugin) {
    return static_cast<SampleStyleContext*>(plugin->plugin_specific);
}

// ---- lifecycle ----

static void sample_style_prepare(AndroidAudioPlugin* plugin, int sampleRate, aap_buffer_t* buffer) {
    auto ctx = sample_style_context(plugin);
    ctx->sampleRate = sampleRate;
    auto ext = static_cast<aap_host_plugin_info_extension_t*>(
            ctx->host.get_extension(&ctx->host, AAP_PLUGIN_INFO_EXTENSION_URI));
    if (ext == nullptr)
        return;
    auto info = ext->get(ext, &ctx->host, SAMPLE_STYLE_PLUGIN_ID);
    if (info.get_port_count == nullptr || info.get_port == nullptr)
        return;
    if (info.display_name != nullptr)
        aap::a_log_f(AAP_LOG_LEVEL_INFO, SAMPLE_STYLE_TAG, "prepare: %s", info.display_name(&info));
    auto numPorts = info.get_port_count(&info);
    if (static_cast<int32_t>(numPorts) > buffer->num_ports(buffer))
        return;
    for (uint32_t i = 0; i < numPorts; i++) {
        aap_plugin_info_port_t port = info.get_port(&info, i);
        aap_content_type content = port.content_type(&port);
        aap_port_direction direction = port.direction(&port);
        switch (content) {
            case AAP_CONTENT_TYPE_MIDI2:
                switch (direction) {
                    case AAP_PORT_DIRECTION_INPUT:
                        ctx->midiInPort = static_cast<int32_t>(i);
                        break;
                    case AAP_PORT_DIRECTION_OUTPUT:
                        ctx->midiOutPort = static_cast<int32_t>(i);
                        break;
                }
                break;
            case AAP_CONTENT_TYPE_AUDIO:
                if (direction == AAP_PORT_DIRECTION_INPUT && ctx->audioInPort < 0)
                    ctx->audioInPort = static_cast<int32_t>(i);
                else if (direction == AAP_PORT_DIRECTION_OUTPUT && ctx->audioOutPort < 0)
                    ctx->audioOutPort = static_cast<int32_t>(i);
                break;
            default:
                break;
        }
    }
}

static void sample_style_activate(AndroidAudioPlugin*) {}
static void sample_style_deactivate(AndroidAudioPlugin*) {}

static double sample_style_parameter_min(uint16_t) { return 0.0; }
static double sample_style_parameter_max(uint16_t index) { return index == 1 ? 2048.0 : 1.0; }

static void sample_style_process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frameCount,
                                 int64_t timeoutInNanoseconds) {
    (void) timeoutInNanoseconds;
    auto ctx = sample_style_context(plugin);
    if (ctx->midiInPort >= 0) {
        auto midiSeq = static_cast<AAPMidiBufferHeader*>(buffer->get_buffer(buffer, ctx->midiInPort));
        auto words = reinterpret_cast<uint32_t*>(midiSeq + 1);
        for (uint32_t offset = 0; midiSeq != nullptr && offset + 16 <= midiSeq->length; offset += 16) {
            uint8_t group, channel, key, extra;
            uint16_t index;
            uint32_t transportValue;
            const uint32_t* w = words + offset / 4;
            if (aapReadMidi2ParameterSysex8(&group, &channel, &key, &extra, &index, &transportValue,
                                            w[0], w[1], w[2], w[3]) &&
                index == SAMPLE_STYLE_PARAM_GAIN)
                // (min, max, value): the order of aap-core's sample effect and of every helper here.
                ctx->gain = static_cast<float>(aapParameterTransportUint32ToPlain(
                        sample_style_parameter_min(index), sample_style_parameter_max(index), transportValue));
        }
    }
    if (ctx->audioInPort < 0 || ctx->audioOutPort < 0)
        return;
    auto in = static_cast<float*>(buffer->get_buffer(buffer, ctx->audioInPort));
    auto out = static_cast<float*>(buffer->get_buffer(buffer, ctx->audioOutPort));
    int32_t frames = frameCount < buffer->num_frames(buffer) ? frameCount : buffer->num_frames(buffer);
    for (int32_t i = 0; in != nullptr && out != nullptr && i < frames; i++)
        out[i] = in[i] * ctx->gain;
}

// ---- state ----

static size_t sample_style_get_state_size(aap_state_extension_t*, AndroidAudioPlugin*) { return sizeof(float); }

static void sample_style_get_state(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* state) {
    if (state->data != nullptr && state->data_size >= sizeof(float))
        std::memcpy(state->data, &sample_style_context(plugin)->gain, sizeof(float));
    state->data_size = sizeof(float);
}

static void sample_style_set_state(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* input) {
    auto ctx = sample_style_context(plugin);
    if (input != nullptr && input->data != nullptr && input->data_size >= sizeof(float))
        std::memcpy(&ctx->gain, input->data, sizeof(float));
    // The 0.8 name of the parameters host extension, as aap-juce and aap-core's AAPXS sample use it.
    auto ext = static_cast<aap_parameters_host_extension_t*>(
            ctx->host.get_extension(&ctx->host, AAP_PARAMETERS_EXTENSION_URI));
    if (ext)
        ext->notify_parameters_changed(ext, &ctx->host);
}

// ---- parameters ----

static aap_parameter_info_t sample_style_parameter_infos[] {
        {0, "Gain", "", 0, 1, 0.5},
        {1, "Delay", "", 0, 2048, 256},
        {11, "Stub", "", 0, 1,0 },
};

static int32_t sample_style_get_parameter_count(aap_parameters_extension_t*, AndroidAudioPlugin*) {
    return static_cast<int32_t>(sizeof(sample_style_parameter_infos) / sizeof(aap_parameter_info_t));
}

static aap_parameter_info_t sample_style_get_parameter(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin,
                                                       int32_t index) {
    if (index < 0 || index >= sample_style_get_parameter_count(ext, plugin))
        return aap_parameter_info_t{-1, "", "", 0, 0, 0, false};
    return sample_style_parameter_infos[index];
}

static double sample_style_get_parameter_property(aap_parameters_extension_t*, AndroidAudioPlugin*,
                                                  int32_t parameterId, int32_t propertyId) {
    for (auto& info : sample_style_parameter_infos) {
        if (info.stable_id != parameterId)
            continue;
        switch (propertyId) {
            case AAP_PARAMETER_PROPERTY_MIN_VALUE: return info.min_value;
            case AAP_PARAMETER_PROPERTY_MAX_VALUE: return info.max_value;
            case AAP_PARAMETER_PROPERTY_DEFAULT_VALUE: return info.default_value;
            case AAP_PARAMETER_PROPERTY_IS_DISCRETE: return parameterId == 1 ? 1 : 0;
            case AAP_PARAMETER_PROPERTY_PRIORITY: return 0;
        }
    }
    return 0;
}

// Enumerations are optional: trailing nullptr, as the aap-core samples do.
static aap_parameters_extension_t sample_style_parameters_extension{nullptr,
                                                                   sample_style_get_parameter_count,
                                                                   sample_style_get_parameter,
                                                                   sample_style_get_parameter_property,
                                                                   nullptr,
                                                                   nullptr};

// ---- presets ----

static aap_preset_t sample_style_presets[] {{0, "Quiet"}, {1, "Loud"}};

static int32_t sample_style_get_preset_count(aap_presets_extension_t*, AndroidAudioPlugin*) {
    return static_cast<int32_t>(sizeof(sample_style_presets) / sizeof(aap_preset_t));
}

static void sample_style_get_preset(aap_presets_extension_t* ext, AndroidAudioPlugin* plugin, int32_t index,
                                    aap_preset_t* preset, aapxs_completion_callback callback, void* callbackContext) {
    if (index >= 0 && index < sample_style_get_preset_count(ext, plugin)) {
        preset->id = sample_style_presets[index].id;
        std::strncpy(preset->name, sample_style_presets[index].name, AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH - 1);
        preset->name[AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH - 1] = '\0';
    }
    if (callback)
        callback(callbackContext, plugin);
}

static void sample_style_set_preset_index(aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t index) {
    aap::a_log_f(AAP_LOG_LEVEL_INFO, SAMPLE_STYLE_TAG, "Preset changed to %d", index);
    sample_style_context(plugin)->presetIndex = index;
}

static aap_presets_extension_t sample_style_presets_extension{nullptr,
                                                             sample_style_get_preset_count,
                                                             sample_style_get_preset,
                                                             sample_style_set_preset_index};

// ---- gui ----

static int32_t sample_style_gui_create(aap_gui_extension_t*, AndroidAudioPlugin*, const char*, int32_t instanceId,
                                       void*) {
    aap::a_log(AAP_LOG_LEVEL_INFO, SAMPLE_STYLE_TAG, "GUI create");
    return instanceId;
}
static int32_t sample_style_gui_show(aap_gui_extension_t*, AndroidAudioPlugin*, int32_t) { return AAP_GUI_RESULT_OK; }
static void sample_style_gui_hide(aap_gui_extension_t*, AndroidAudioPlugin*, int32_t) {}
static int32_t sample_style_gui_resize(aap_gui_extension_t*, AndroidAudioPlugin*, int32_t, int32_t, int32_t) {
    return AAP_GUI_RESULT_OK;
}
static void sample_style_gui_destroy(aap_gui_extension_t*, AndroidAudioPlugin*, int32_t) {}

static aap_gui_extension_t sample_style_gui_extension{nullptr,
                                                     sample_style_gui_create,
                                                     sample_style_gui_show,
                                                     sample_style_gui_hide,
                                                     sample_style_gui_resize,
                                                     sample_style_gui_destroy};

// ---- plugin ----

static void* sample_style_get_extension(AndroidAudioPlugin* plugin, const char* uri) {
    if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &sample_style_parameters_extension;
    if (std::strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
        return &sample_style_context(plugin)->stateExtension;
    if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
        return &sample_style_presets_extension;
    if (std::strcmp(uri, AAP_GUI_EXTENSION_URI) == 0)
        return &sample_style_gui_extension;
    return nullptr;
}

static aap_plugin_info_t sample_style_get_plugin_info(AndroidAudioPlugin* plugin) {
    auto ctx = sample_style_context(plugin);
    auto hostExt = static_cast<aap_host_plugin_info_extension_t*>(
            ctx->host.get_extension(&ctx->host, AAP_PLUGIN_INFO_EXTENSION_URI));
    if (hostExt == nullptr)
        return aap_plugin_info_t{};
    return hostExt->get(hostExt, &ctx->host, SAMPLE_STYLE_PLUGIN_ID);
}

static AndroidAudioPlugin* sample_style_new(AndroidAudioPluginFactory*, const char* pluginUniqueId,
                                            AndroidAudioPluginHost* host) {
    if (pluginUniqueId == nullptr || host == nullptr)
        return nullptr;
    auto ctx = new SampleStyleContext(host);
    // A per-instance extension object, copied from a positional temporary (aap-juce does this).
    aap_state_extension_t newInstance{nullptr,
                                      sample_style_get_state_size,
                                      sample_style_get_state,
                                      sample_style_set_state};
    ctx->stateExtension = newInstance;

    if (std::strcmp(pluginUniqueId, SAMPLE_STYLE_PLUGIN_ID) == 0) {
        // aap-core sample style: positional, get_plugin_info left out.
        return new AndroidAudioPlugin{
                ctx,
                sample_style_prepare,
                sample_style_activate,
                sample_style_process,
                sample_style_deactivate,
                sample_style_get_extension
        };
    }
    // aap-juce style: value-initialized, then member by member.
    auto* ret = new AndroidAudioPlugin();
    ret->plugin_specific = ctx;
    ret->prepare = sample_style_prepare;
    ret->activate = sample_style_activate;
    ret->process = sample_style_process;
    ret->deactivate = sample_style_deactivate;
    ret->get_extension = sample_style_get_extension;
    ret->get_plugin_info = sample_style_get_plugin_info;
    aap::aprintf("instantiated %s", pluginUniqueId);
    return ret;
}

static void sample_style_delete(AndroidAudioPluginFactory*, AndroidAudioPlugin* instance) {
    delete sample_style_context(instance);
    delete instance;
}

struct AndroidAudioPluginFactory sample_style_factory{sample_style_new, sample_style_delete};

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory() {
    return &sample_style_factory;
}

} // extern "C"
