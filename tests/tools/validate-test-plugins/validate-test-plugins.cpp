// Plugins with one defect each, for the aap-host validate tests (tests/tools): every other check
// passes on them, so a test can tell that the right check caught the defect.
//
// Ports (default effect rules, except NoAudioInput): 0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R,
// 4 System MIDI In, 5 System MIDI Out.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "aap/abi.h"
#include "aap/android-audio-plugin.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/state.h"
#include "aapxs/midi2-buffer.h"

namespace {

enum class Defect {
    NanOutput,               // out = in / 2, but the first frame of every cycle is NaN
    DenormalOutput,          // every output sample is 1e-40 (subnormal in float)
    EndlessTail,             // a constant 0.25 whatever the input: never falls silent
    ParameterCountMismatch,  // lists 3 parameters where its metadata declares 2
    UnstableState,           // every get_state returns a different blob
    AbiMismatch,             // answers the ABI extension with a record of the next major ABI
    NoAudioInput,            // an effect declaring only audio outputs (ports: 0 Audio Out L,
                             // 1 Audio Out R, then the default 2 System MIDI In, 3 System MIDI Out)
    RuntimeParameters,       // not a defect (for the render --param tests): its parameters extension
                             // lists one parameter, id 5 "Runtime Gain" 0..4 (default 1), which its
                             // metadata does not; the metadata lists id 0 only. out = in * gain,
                             // gain set by parameter-change SysEx8 for id 5 on the MIDI2 input.
    UndefinedExtension,      // declares a third-party extension in its metadata, but the library
                             // exports no AAPXS definition for it (out = in / 2 otherwise)
    HangInDeactivate,        // out = in / 2, but deactivate() never returns (for aap-host render)
};

// What a plugin built against a future, incompatible major ABI would answer (include/aap/abi.h).
const aap_abi_version_t kFutureAbi = {AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 0, 0};

struct Plugin {
    Defect defect;
    AndroidAudioPlugin plugin{};
    aap_buffer_t* buffer = nullptr;
    uint32_t stateReads = 0;
    float gain = 1.0f;  // RuntimeParameters
    aap_parameters_extension_t parameters{};
    aap_state_extension_t state{};
};

Plugin* self(AndroidAudioPlugin* plugin) { return static_cast<Plugin*>(plugin->plugin_specific); }

void prepare(AndroidAudioPlugin* plugin, int, aap_buffer_t* buffer) { self(plugin)->buffer = buffer; }
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin* plugin) {
    if (self(plugin)->defect == Defect::HangInDeactivate)
        for (;;)
            ::pause();  // until the host's deadline kills the service
}

void process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t) {
    Plugin* p = self(plugin);
    AAPMidiBufferHeader header{};
    if (p->defect == Defect::NoAudioInput) {
        for (int32_t channel = 0; channel < 2; channel++)
            std::memset(buffer->get_buffer(buffer, channel), 0, sizeof(float) * static_cast<size_t>(frames));
        std::memcpy(buffer->get_buffer(buffer, 3), &header, sizeof(header));
        return;
    }
    if (p->defect == Defect::RuntimeParameters) {
        aapxs_ump_iterator_t it;
        aapxs_ump_t ump;
        const void* midi = buffer->get_buffer(buffer, 4);
        if (aapxs_midi2_buffer_iterator_init(&it, midi, static_cast<size_t>(buffer->get_buffer_size(buffer, 4))) ==
            AAPXS_CODEC_OK)
            while (aapxs_ump_iterator_next(&it, &ump)) {
                uint16_t id;
                uint32_t value;
                if (aapxs_ump_is_parameter_change(&ump) &&
                    aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value) && id == 5)
                    p->gain = static_cast<float>(aapParameterTransportUint32ToPlain(0.0, 4.0, value));
            }
    }
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        for (int32_t i = 0; i < frames; i++) {
            switch (p->defect) {
            case Defect::DenormalOutput: out[i] = 1e-40f; break;
            case Defect::EndlessTail: out[i] = 0.25f; break;
            case Defect::RuntimeParameters: out[i] = in[i] * p->gain; break;
            default: out[i] = in[i] * 0.5f; break;
            }
        }
        if (p->defect == Defect::NanOutput && frames > 0)
            out[0] = std::numeric_limits<float>::quiet_NaN();
    }
    // No MIDI output: an empty MIDI2 buffer (the header's length is 0).
    std::memcpy(buffer->get_buffer(buffer, 5), &header, sizeof(header));
}

int32_t parameterCount(aap_parameters_extension_t*, AndroidAudioPlugin*) { return 3; }

aap_parameter_info_t parameter(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t index) {
    aap_parameter_info_t info;
    std::memset(&info, 0, sizeof(info));
    info.stable_id = index >= 0 && index < 3 ? index : -1;
    std::snprintf(info.display_name, sizeof(info.display_name), "Parameter %d", index);
    info.min_value = 0;
    info.max_value = 1;
    info.default_value = 0.5;
    return info;
}

int32_t runtimeParameterCount(aap_parameters_extension_t*, AndroidAudioPlugin*) { return 1; }

aap_parameter_info_t runtimeParameter(aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t index) {
    aap_parameter_info_t info;
    std::memset(&info, 0, sizeof(info));
    info.stable_id = index == 0 ? 5 : -1;
    std::snprintf(info.display_name, sizeof(info.display_name), "Runtime Gain");
    info.min_value = 0;
    info.max_value = 4;
    info.default_value = 1;
    return info;
}

size_t stateSize(aap_state_extension_t*, AndroidAudioPlugin*) { return sizeof(uint32_t); }

void getState(aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* destination) {
    Plugin* p = self(plugin);
    if (destination->data_size < sizeof(uint32_t)) {
        destination->data_size = 0;
        return;
    }
    const uint32_t value = ++p->stateReads;  // the defect: reading the state changes it
    std::memcpy(destination->data, &value, sizeof(value));
    destination->data_size = sizeof(value);
}

void setState(aap_state_extension_t*, AndroidAudioPlugin*, aap_state_t*) {}

void* getExtension(AndroidAudioPlugin* plugin, const char* uri) {
    Plugin* p = self(plugin);
    if (p->defect == Defect::AbiMismatch && uri != nullptr && std::strcmp(uri, AAP_ABI_EXTENSION_URI) == 0)
        return const_cast<aap_abi_version_t*>(&kFutureAbi);  // read-only, as the ABI record contract says
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    if (uri == nullptr)
        return nullptr;
    if ((p->defect == Defect::ParameterCountMismatch || p->defect == Defect::RuntimeParameters) &&
        std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &p->parameters;
    if (p->defect == Defect::UnstableState && std::strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
        return &p->state;
    return nullptr;
}

aap_plugin_info_t getInfo(AndroidAudioPlugin*) {
    aap_plugin_info_t info;
    std::memset(&info, 0, sizeof(info));
    return info;
}

bool defectFor(const char* id, Defect* out) {
    static const struct {
        const char* id;
        Defect defect;
    } table[] = {
        {"urn:aap-validate-test:nan-output", Defect::NanOutput},
        {"urn:aap-validate-test:denormal-output", Defect::DenormalOutput},
        {"urn:aap-validate-test:endless-tail", Defect::EndlessTail},
        {"urn:aap-validate-test:parameter-count-mismatch", Defect::ParameterCountMismatch},
        {"urn:aap-validate-test:unstable-state", Defect::UnstableState},
        {"urn:aap-validate-test:abi-mismatch", Defect::AbiMismatch},
        {"urn:aap-validate-test:no-audio-input", Defect::NoAudioInput},
        {"urn:aap-validate-test:runtime-parameters", Defect::RuntimeParameters},
        {"urn:aap-validate-test:undefined-extension", Defect::UndefinedExtension},
        {"urn:aap-validate-test:hang-in-deactivate", Defect::HangInDeactivate},
    };
    for (const auto& entry : table)
        if (id != nullptr && std::strcmp(id, entry.id) == 0) {
            *out = entry.defect;
            return true;
        }
    return false;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginUniqueId, AndroidAudioPluginHost*) {
    Defect defect;
    if (!defectFor(pluginUniqueId, &defect))
        return nullptr;
    auto* p = new Plugin{defect};
    p->plugin = AndroidAudioPlugin{p, prepare, activate, process, deactivate, getExtension, getInfo};
    p->parameters.get_parameter_count = defect == Defect::RuntimeParameters ? runtimeParameterCount : parameterCount;
    p->parameters.get_parameter = defect == Defect::RuntimeParameters ? runtimeParameter : parameter;
    p->state.get_state_size = stateSize;
    p->state.get_state = getState;
    p->state.set_state = setState;
    return &p->plugin;
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) { delete self(plugin); }

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
