/*
 * A complete AAP plugin in plain C99: stereo gain with one parameter, driven by parameter-change
 * SysEx8 on its MIDI2 input, plus the parameters and state extensions and the ABI record.
 *
 * It proves the headers are usable from C: it is built as a MODULE with -std=c99 -Wpedantic
 * -Werror, -fvisibility=hidden and -Wl,-z,defs, must export only GetAndroidAudioPluginFactory, and
 * plugin-lifecycle-test dlopens it and runs it.
 *
 * Ports: 0 audio in L, 1 audio in R, 2 audio out L, 3 audio out R, 4 MIDI2 in, 5 MIDI2 out.
 * Parameter 0 "Gain", 0.0 .. 2.0, default 1.0.
 */

#include <aap/android-audio-plugin.h>
#include <aap/ext/midi.h>
#include <aap/ext/parameters.h>
#include <aap/ext/state.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAIN_PLUGIN_ID "urn:aap-sdk-test:c-gain"
#define GAIN_PORT_COUNT 6
#define GAIN_PORT_MIDI_IN 4
#define GAIN_PORT_MIDI_OUT 5
#define GAIN_PARAMETER_ID 0
#define GAIN_MIN 0.0
#define GAIN_MAX 2.0
#define GAIN_DEFAULT 1.0

typedef struct gain_instance {
    AndroidAudioPlugin plugin;
    aap_parameters_extension_t parameters;
    aap_state_extension_t state;
    AndroidAudioPluginHost* host;
    double gain;
    int sample_rate;
    bool active;
} gain_instance;

static gain_instance* gain_from(AndroidAudioPlugin* plugin) {
    return (gain_instance*) plugin->plugin_specific;
}

/* UMP message size in 32-bit words by message type (docs/spec/wire.md section 1). */
static uint32_t ump_words(uint32_t first_word) {
    static const uint8_t sizes[16] = {1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};
    return sizes[first_word >> 28];
}

/* Applies every parameter-change SysEx8 in the MIDI2 input; bounded by the buffer size. */
static void gain_read_midi(gain_instance* self, aap_buffer_t* buffer) {
    const AAPMidiBufferHeader* header;
    const uint32_t* words;
    uint32_t word_count, i;
    int32_t size = buffer->get_buffer_size(buffer, GAIN_PORT_MIDI_IN);
    void* data = buffer->get_buffer(buffer, GAIN_PORT_MIDI_IN);
    if (data == NULL || size < (int32_t) sizeof(AAPMidiBufferHeader))
        return;
    header = (const AAPMidiBufferHeader*) data;
    /* length comes from another process: never trust it beyond the buffer. */
    if (header->length > (uint32_t) size - sizeof(AAPMidiBufferHeader) || header->length % 4 != 0)
        return;
    words = (const uint32_t*) (header + 1);
    word_count = header->length / 4;
    for (i = 0; i < word_count; i += ump_words(words[i])) {
        uint16_t index;
        uint32_t value;
        if (i + 4 <= word_count
            && aapReadMidi2ParameterSysex8(NULL, NULL, NULL, NULL, &index, &value,
                                           words[i], words[i + 1], words[i + 2], words[i + 3])
            && index == GAIN_PARAMETER_ID)
            self->gain = aapParameterTransportUint32ToPlain(GAIN_MIN, GAIN_MAX, value);
    }
}

static void gain_prepare(AndroidAudioPlugin* plugin, int sampleRate, aap_buffer_t* buffer) {
    gain_instance* self = gain_from(plugin);
    (void) buffer;
    self->sample_rate = sampleRate;
}

static void gain_activate(AndroidAudioPlugin* plugin) {
    gain_from(plugin)->active = true;
}

static void gain_deactivate(AndroidAudioPlugin* plugin) {
    gain_from(plugin)->active = false;
}

static void gain_process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frameCount,
                         int64_t timeoutInNanoseconds) {
    gain_instance* self = gain_from(plugin);
    AAPMidiBufferHeader* midi_out;
    int32_t channel, frame;
    (void) timeoutInNanoseconds;
    if (buffer == NULL || buffer->num_ports(buffer) < GAIN_PORT_COUNT)
        return;
    if (frameCount < 0)
        frameCount = 0;
    if (frameCount > buffer->num_frames(buffer))
        frameCount = buffer->num_frames(buffer);

    gain_read_midi(self, buffer);
    for (channel = 0; channel < 2; channel++) {
        const float* in = (const float*) buffer->get_buffer(buffer, channel);
        float* out = (float*) buffer->get_buffer(buffer, channel + 2);
        if (in == NULL || out == NULL)
            continue;
        for (frame = 0; frame < frameCount; frame++)
            out[frame] = (float) (in[frame] * self->gain);
    }
    midi_out = (AAPMidiBufferHeader*) buffer->get_buffer(buffer, GAIN_PORT_MIDI_OUT);
    if (midi_out != NULL && buffer->get_buffer_size(buffer, GAIN_PORT_MIDI_OUT) >= (int32_t) sizeof(AAPMidiBufferHeader))
        midi_out->length = 0;
}

/* ---- parameters extension ---- */

static int32_t gain_parameter_count(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin) {
    (void) ext;
    (void) plugin;
    return 1;
}

static aap_parameter_info_t gain_parameter(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin,
                                           int32_t index) {
    aap_parameter_info_t info;
    (void) ext;
    (void) plugin;
    memset(&info, 0, sizeof(info));
    if (index != 0) {
        info.stable_id = -1;
        return info;
    }
    info.stable_id = GAIN_PARAMETER_ID;
    strcpy(info.display_name, "Gain");
    strcpy(info.path, "/Output");
    info.min_value = GAIN_MIN;
    info.max_value = GAIN_MAX;
    info.default_value = GAIN_DEFAULT;
    info.per_note_enabled = false;
    return info;
}

static double gain_parameter_property(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin,
                                      int32_t parameterId, int32_t propertyId) {
    (void) ext;
    (void) plugin;
    if (parameterId != GAIN_PARAMETER_ID)
        return 0.0;
    switch (propertyId) {
    case AAP_PARAMETER_PROPERTY_MIN_VALUE: return GAIN_MIN;
    case AAP_PARAMETER_PROPERTY_MAX_VALUE: return GAIN_MAX;
    case AAP_PARAMETER_PROPERTY_DEFAULT_VALUE: return GAIN_DEFAULT;
    default: return 0.0;
    }
}

static int32_t gain_enumeration_count(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin,
                                      int32_t parameterId) {
    (void) ext;
    (void) plugin;
    (void) parameterId;
    return 0;
}

static aap_parameter_enum_t gain_enumeration(aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin,
                                             int32_t parameterId, int32_t enumIndex) {
    aap_parameter_enum_t none;
    (void) ext;
    (void) plugin;
    (void) parameterId;
    (void) enumIndex;
    memset(&none, 0, sizeof(none));
    return none;
}

/* ---- state extension: the gain as 8 little-endian bytes of an IEEE double ---- */

static size_t gain_state_size(aap_state_extension_t* ext, AndroidAudioPlugin* plugin) {
    (void) ext;
    (void) plugin;
    return sizeof(double);
}

static void gain_get_state(aap_state_extension_t* ext, AndroidAudioPlugin* plugin, aap_state_t* destination) {
    (void) ext;
    if (destination == NULL || destination->data == NULL || destination->data_size < sizeof(double)) {
        if (destination != NULL)
            destination->data_size = 0;
        return;
    }
    memcpy(destination->data, &gain_from(plugin)->gain, sizeof(double));
    destination->data_size = sizeof(double);
}

static void gain_set_state(aap_state_extension_t* ext, AndroidAudioPlugin* plugin, aap_state_t* source) {
    double gain;
    (void) ext;
    if (source == NULL || source->data == NULL || source->data_size != sizeof(double))
        return; /* not our format: keep the current state */
    memcpy(&gain, source->data, sizeof(double));
    if (gain >= GAIN_MIN && gain <= GAIN_MAX) /* also rejects NaN */
        gain_from(plugin)->gain = gain;
}

static void* gain_get_extension(AndroidAudioPlugin* plugin, const char* uri) {
    gain_instance* self = gain_from(plugin);
    void* abi = aap_abi_get_extension(uri);
    if (abi != NULL)
        return abi;
    if (uri == NULL)
        return NULL;
    if (strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
        return &self->parameters;
    if (strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
        return &self->state;
    return NULL;
}

/* ---- factory ---- */

static AndroidAudioPlugin* gain_instantiate(AndroidAudioPluginFactory* factory, const char* pluginUniqueId,
                                            AndroidAudioPluginHost* host) {
    gain_instance* self;
    const void* host_abi;
    (void) factory;
    if (pluginUniqueId == NULL || strcmp(pluginUniqueId, GAIN_PLUGIN_ID) != 0 || host == NULL)
        return NULL;
    host_abi = host->get_extension != NULL ? host->get_extension(host, AAP_ABI_EXTENSION_URI) : NULL;
    if (aap_abi_check(host_abi) < 0) {
        char reason[256];
        aap_abi_describe(reason, sizeof(reason), "host", host_abi);
        fprintf(stderr, "%s: refusing %s\n", GAIN_PLUGIN_ID, reason);
        return NULL;
    }
    self = (gain_instance*) calloc(1, sizeof(gain_instance));
    if (self == NULL)
        return NULL;
    self->plugin.plugin_specific = self;
    self->plugin.prepare = gain_prepare;
    self->plugin.activate = gain_activate;
    self->plugin.process = gain_process;
    self->plugin.deactivate = gain_deactivate;
    self->plugin.get_extension = gain_get_extension;
    self->plugin.get_plugin_info = NULL;
    self->parameters.aapxs_context = NULL;
    self->parameters.get_parameter_count = gain_parameter_count;
    self->parameters.get_parameter = gain_parameter;
    self->parameters.get_parameter_property = gain_parameter_property;
    self->parameters.get_enumeration_count = gain_enumeration_count;
    self->parameters.get_enumeration = gain_enumeration;
    self->state.aapxs_context = NULL;
    self->state.get_state_size = gain_state_size;
    self->state.get_state = gain_get_state;
    self->state.set_state = gain_set_state;
    self->host = host;
    self->gain = GAIN_DEFAULT;
    return &self->plugin;
}

static void gain_release(AndroidAudioPluginFactory* factory, AndroidAudioPlugin* instance) {
    (void) factory;
    if (instance != NULL)
        free(gain_from(instance));
}

static AndroidAudioPluginFactory gain_factory = {gain_instantiate, gain_release, NULL};

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return &gain_factory;
}
