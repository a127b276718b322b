/*
 * AAP example: the smallest useful plugin, in plain C99. A stereo tremolo (amplitude modulation
 * by a sine LFO) with two parameters that exist only in aap_metadata.xml and change through
 * parameter-change SysEx8 on the MIDI2 input (index = stable parameter id). It implements no
 * extension but the ABI record every plugin built with this SDK answers.
 *
 * Ports (default effect ports, docs/spec/abi.md 6): 0/1 audio in L/R, 2/3 audio out L/R,
 * 4 System MIDI In, 5 System MIDI Out.
 *
 * process() runs on the audio thread: no allocation, no locks, bounded loops.
 */

#include <aap/android-audio-plugin.h>
#include <aap/ext/midi.h>
#include <aapxs/midi2-buffer.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TREMOLO_ID "urn:aap-examples:c-tremolo"
#define TREMOLO_PI 3.14159265358979323846
#define PORT_MIDI_IN 4
#define PORT_MIDI_OUT 5
#define PORT_COUNT 6
#define PARAM_RATE 0 /* Hz, 0.1 .. 20 */
#define PARAM_DEPTH 1 /* 0 .. 1 */

typedef struct tremolo {
    AndroidAudioPlugin plugin;
    double sample_rate;
    double rate;
    double depth;
    double phase; /* 0 .. 1 */
} tremolo;

static tremolo* tremolo_of(AndroidAudioPlugin* plugin) {
    return (tremolo*) plugin->plugin_specific;
}

static void tremolo_prepare(AndroidAudioPlugin* plugin, int sampleRate, aap_buffer_t* buffer) {
    (void) buffer;
    tremolo_of(plugin)->sample_rate = sampleRate > 0 ? sampleRate : 48000;
}

static void tremolo_activate(AndroidAudioPlugin* plugin) {
    tremolo_of(plugin)->phase = 0.0;
}

static void tremolo_deactivate(AndroidAudioPlugin* plugin) {
    (void) plugin;
}

/* Parameter changes from the MIDI2 input; the iterator validates the untrusted header. */
static void tremolo_read_midi(tremolo* self, aap_buffer_t* buffer) {
    void* midi = buffer->get_buffer(buffer, PORT_MIDI_IN);
    int32_t size = buffer->get_buffer_size(buffer, PORT_MIDI_IN);
    aapxs_ump_iterator_t it;
    aapxs_ump_t ump;
    if (midi == NULL || size <= 0 || aapxs_midi2_buffer_iterator_init(&it, midi, (size_t) size) != AAPXS_CODEC_OK)
        return;
    while (aapxs_ump_iterator_next(&it, &ump)) {
        uint16_t id;
        uint32_t value;
        if (!aapxs_ump_is_parameter_change(&ump)
            || !aapxs_parameter_sysex8_read(ump.words, NULL, NULL, NULL, NULL, &id, &value))
            continue;
        if (id == PARAM_RATE)
            self->rate = aapParameterTransportUint32ToPlain(0.1, 20.0, value);
        else if (id == PARAM_DEPTH)
            self->depth = aapParameterTransportUint32ToPlain(0.0, 1.0, value);
    }
}

static void tremolo_process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frameCount,
                            int64_t timeoutInNanoseconds) {
    tremolo* self = tremolo_of(plugin);
    const float *in_l, *in_r;
    float *out_l, *out_r;
    void* midi_out;
    int32_t midi_out_size, i;
    (void) timeoutInNanoseconds;
    if (buffer == NULL || buffer->num_ports(buffer) < PORT_COUNT)
        return;
    if (frameCount > buffer->num_frames(buffer))
        frameCount = buffer->num_frames(buffer);
    tremolo_read_midi(self, buffer);
    midi_out = buffer->get_buffer(buffer, PORT_MIDI_OUT);
    midi_out_size = buffer->get_buffer_size(buffer, PORT_MIDI_OUT);
    if (midi_out != NULL && midi_out_size >= (int32_t) AAPXS_MIDI2_BUFFER_HEADER_SIZE)
        aapxs_midi2_buffer_init(midi_out, (size_t) midi_out_size); /* we write no MIDI */
    in_l = (const float*) buffer->get_buffer(buffer, 0);
    in_r = (const float*) buffer->get_buffer(buffer, 1);
    out_l = (float*) buffer->get_buffer(buffer, 2);
    out_r = (float*) buffer->get_buffer(buffer, 3);
    if (in_l == NULL || in_r == NULL || out_l == NULL || out_r == NULL)
        return;
    for (i = 0; i < frameCount; i++) {
        /* gain swings between 1 - depth and 1 */
        double gain = 1.0 - self->depth * 0.5 * (1.0 - cos(2.0 * TREMOLO_PI * self->phase));
        out_l[i] = (float) (in_l[i] * gain);
        out_r[i] = (float) (in_r[i] * gain);
        self->phase += self->rate / self->sample_rate;
        if (self->phase >= 1.0)
            self->phase -= 1.0;
    }
}

static void* tremolo_get_extension(AndroidAudioPlugin* plugin, const char* uri) {
    (void) plugin;
    return aap_abi_get_extension(uri); /* the ABI record; no other extension */
}

static AndroidAudioPlugin* tremolo_instantiate(AndroidAudioPluginFactory* factory, const char* pluginUniqueId,
                                               AndroidAudioPluginHost* host) {
    tremolo* self;
    const void* host_abi;
    (void) factory;
    if (pluginUniqueId == NULL || strcmp(pluginUniqueId, TREMOLO_ID) != 0 || host == NULL)
        return NULL;
    host_abi = host->get_extension != NULL ? host->get_extension(host, AAP_ABI_EXTENSION_URI) : NULL;
    if (aap_abi_check(host_abi) < 0) {
        char reason[256];
        aap_abi_describe(reason, sizeof(reason), "host", host_abi);
        fprintf(stderr, "%s: refusing %s\n", TREMOLO_ID, reason);
        return NULL;
    }
    self = (tremolo*) calloc(1, sizeof(tremolo));
    if (self == NULL)
        return NULL;
    self->plugin.plugin_specific = self;
    self->plugin.prepare = tremolo_prepare;
    self->plugin.activate = tremolo_activate;
    self->plugin.process = tremolo_process;
    self->plugin.deactivate = tremolo_deactivate;
    self->plugin.get_extension = tremolo_get_extension;
    self->plugin.get_plugin_info = NULL;
    self->sample_rate = 48000.0;
    self->rate = 5.0;
    self->depth = 0.5;
    return &self->plugin;
}

static void tremolo_release(AndroidAudioPluginFactory* factory, AndroidAudioPlugin* plugin) {
    (void) factory;
    if (plugin != NULL)
        free(tremolo_of(plugin));
}

static AndroidAudioPluginFactory tremolo_factory = {tremolo_instantiate, tremolo_release, NULL};

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return &tremolo_factory;
}
