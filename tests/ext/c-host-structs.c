/* Plain C99 host code calling a remote plugin through the standard extension structs (see
 * c-host-structs.h). Expected values mirror ext-test-plugin-data.h, which is C++. */

#include "c-host-structs.h"

#include <stdio.h>
#include <string.h>

#include "aap/ext/gui.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/port-config.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"
#include "aap/ext/urid.h"

typedef struct checker {
    int failures;
    char* failure;
    size_t failure_size;
} checker;

static void check(checker* c, int ok, const char* what, int line) {
    if (ok)
        return;
    if (c->failures == 0 && c->failure_size > 0)
        snprintf(c->failure, c->failure_size, "c-host-structs.c:%d: %s", line, what);
    c->failures++;
}
#define CHECK(c, expression) check((c), (expression) ? 1 : 0, #expression, __LINE__)

static void preset_callback(void* context, void* plugin) {
    (void)plugin;
    ++*(int*)context;
}

/* The structs; a missing one counts as a failure and yields null. */
typedef struct structs {
    aap_parameters_extension_t* parameters;
    aap_presets_extension_t* presets;
    aap_state_extension_t* state;
    aap_midi_extension_t* midi;
    aap_gui_extension_t* gui;
    aap_urid_extension_t* urid;
    aap_port_config_extension_t* port_config;
} structs;

static int get_structs(checker* c, aap_ext_test_get_extension get_extension, void* context, structs* s) {
    s->parameters = (aap_parameters_extension_t*)get_extension(context, AAP_PARAMETERS_EXTENSION_URI);
    s->presets = (aap_presets_extension_t*)get_extension(context, AAP_PRESETS_EXTENSION_URI);
    s->state = (aap_state_extension_t*)get_extension(context, AAP_STATE_EXTENSION_URI);
    s->midi = (aap_midi_extension_t*)get_extension(context, AAP_MIDI_EXTENSION_URI);
    s->gui = (aap_gui_extension_t*)get_extension(context, AAP_GUI_EXTENSION_URI);
    s->urid = (aap_urid_extension_t*)get_extension(context, AAP_URID_EXTENSION_URI);
    s->port_config = (aap_port_config_extension_t*)get_extension(context, AAP_PORT_CONFIG_EXTENSION_URI);
    CHECK(c, s->parameters != NULL);
    CHECK(c, s->presets != NULL);
    CHECK(c, s->state != NULL);
    CHECK(c, s->midi != NULL);
    CHECK(c, s->gui != NULL);
    CHECK(c, s->urid != NULL);
    CHECK(c, s->port_config != NULL);
    CHECK(c, get_extension(context, "urn:aap-ext-test:no-such-extension") == NULL);
    return c->failures == 0;
}

int aap_ext_test_c_host_full(aap_ext_test_get_extension get_extension, void* context, char* failure,
                             size_t failure_size) {
    checker c = {0, failure, failure_size};
    structs s;
    aap_parameter_info_t info;
    aap_parameter_enum_t entry;
    aap_preset_t preset;
    int called = 0;
    unsigned char blob[5] = {9, 8, 7, 6, 5};
    unsigned char back[16];
    aap_state_t in;
    aap_state_t out;
    aap_gui_instance_id id;
    aap_port_config_t options;
    const char* uri = "urn:example:c-host/v1";

    if (failure_size > 0)
        failure[0] = '\0';
    if (!get_structs(&c, get_extension, context, &s))
        return c.failures;

    /* parameters: every function */
    CHECK(&c, s.parameters->get_parameter_count(s.parameters, NULL) == 3);
    info = s.parameters->get_parameter(s.parameters, NULL, 0);
    CHECK(&c, info.stable_id == 10 && strcmp(info.display_name, "Gain") == 0 && strcmp(info.path, "/Main") == 0);
    CHECK(&c, info.max_value == 2.0 && info.default_value == 1.0 && !info.per_note_enabled);
    info = s.parameters->get_parameter(s.parameters, NULL, 1);
    CHECK(&c, info.stable_id == 11 && info.per_note_enabled);
    CHECK(&c, s.parameters->get_parameter_property(s.parameters, NULL, 16383, AAP_PARAMETER_PROPERTY_MIN_VALUE) ==
                  -1e300);
    CHECK(&c, s.parameters->get_enumeration_count(s.parameters, NULL, 11) == 3);
    CHECK(&c, s.parameters->get_enumeration_count(s.parameters, NULL, 10) == 0);
    entry = s.parameters->get_enumeration(s.parameters, NULL, 11, 2);
    CHECK(&c, strcmp(entry.name, "Fold") == 0 && entry.value == 2.0);

    /* presets: every function; get_preset's callback fires once, before it returns */
    CHECK(&c, s.presets->get_preset_count(s.presets, NULL) == 3);
    memset(&preset, 0, sizeof(preset));
    s.presets->get_preset(s.presets, NULL, 1, &preset, preset_callback, &called);
    CHECK(&c, called == 1);
    CHECK(&c, preset.id == 205 && strcmp(preset.name, "Preset 1") == 0);
    s.presets->set_preset_index(s.presets, NULL, 2);

    /* state: every function, a round trip */
    in.data = blob;
    in.data_size = sizeof(blob);
    s.state->set_state(s.state, NULL, &in);
    CHECK(&c, s.state->get_state_size(s.state, NULL) == sizeof(blob));
    out.data = back;
    out.data_size = sizeof(back);
    s.state->get_state(s.state, NULL, &out);
    CHECK(&c, out.data_size == sizeof(blob) && memcmp(back, blob, sizeof(blob)) == 0);
    out.data_size = 2; /* too small: nothing written, data_size 0 */
    s.state->get_state(s.state, NULL, &out);
    CHECK(&c, out.data_size == 0);

    /* midi2 */
    CHECK(&c, s.midi->get_mapping_policy(s.midi, NULL) ==
                  (AAP_PARAMETERS_MAPPING_POLICY_ACC | AAP_PARAMETERS_MAPPING_POLICY_PROGRAM));

    /* gui: every function; the test plugin has one GUI, id 7 */
    CHECK(&c, s.gui->create(s.gui, NULL, "urn:aap-ext-test:other", 0, NULL) == AAP_GUI_ERROR_NO_DETAILS);
    CHECK(&c, s.gui->create(s.gui, NULL, NULL, 0, NULL) == AAP_GUI_ERROR_NO_DETAILS);
    id = s.gui->create(s.gui, NULL, "urn:aap-ext-test:full", 3, back); /* view is not sent: arrives as null */
    CHECK(&c, id == 7);
    CHECK(&c, s.gui->create(s.gui, NULL, "urn:aap-ext-test:full", 3, NULL) == AAP_GUI_ERROR_ALREADY_INSTANTIATED);
    CHECK(&c, s.gui->show(s.gui, NULL, id) == AAP_GUI_RESULT_OK);
    CHECK(&c, s.gui->show(s.gui, NULL, 99) == AAP_GUI_ERROR_NO_DETAILS);
    CHECK(&c, s.gui->resize(s.gui, NULL, id, 640, 480) == AAP_GUI_RESULT_OK);
    CHECK(&c, s.gui->resize(s.gui, NULL, id, 0, 480) == AAP_GUI_ERROR_NO_DETAILS);
    s.gui->hide(s.gui, NULL, id);
    s.gui->destroy(s.gui, NULL, id);
    CHECK(&c, s.gui->show(s.gui, NULL, id) == AAP_GUI_ERROR_NO_DETAILS); /* destroyed */
    CHECK(&c, s.gui->create(s.gui, NULL, "urn:aap-ext-test:full", 3, NULL) == 7);  /* and creatable again */

    /* urid: the plugin reports the mapped URI's length through parameter property 1000 + urid */
    s.urid->map(s.urid, NULL, 5, uri);
    CHECK(&c, s.parameters->get_parameter_property(s.parameters, NULL, 1000 + 5, 0) == (double)strlen(uri));
    s.urid->map(s.urid, NULL, 6, NULL); /* not sent */
    CHECK(&c, s.parameters->get_parameter_property(s.parameters, NULL, 1000 + 6, 0) == 0.0);

    /* port-config: every function */
    memset(&options, 0xAB, sizeof(options));
    s.port_config->get_options(s.port_config, NULL, &options);
    CHECK(&c, options.has_midi_input && !options.has_midi_output && options.num_audio_ports == 2);
    CHECK(&c, options.named_config != NULL && strcmp(options.named_config, AAP_PORT_CONFIG_DEFAULT_EFFECT) == 0);
    CHECK(&c, options.extra_data_size == 3 && options.extra_data != NULL &&
                  memcmp(options.extra_data, "{}", 3) == 0);
    s.port_config->select(s.port_config, NULL, AAP_PORT_CONFIG_DEFAULT_INSTRUMENT);
    s.port_config->get_options(s.port_config, NULL, &options);
    CHECK(&c, options.num_audio_ports == 4);
    s.port_config->select(s.port_config, NULL, NULL);
    s.port_config->get_options(s.port_config, NULL, &options);
    CHECK(&c, options.num_audio_ports == 2);
    s.port_config->get_options(s.port_config, NULL, NULL); /* ignored */
    return c.failures;
}

int aap_ext_test_c_host_bare(aap_ext_test_get_extension get_extension, void* context, char* failure,
                             size_t failure_size) {
    checker c = {0, failure, failure_size};
    structs s;
    aap_preset_t preset;
    int called = 0;
    unsigned char back[4] = {1, 2, 3, 4};
    unsigned char blob[2] = {1, 2};
    aap_state_t in;
    aap_state_t out;
    aap_port_config_t options;

    if (failure_size > 0)
        failure[0] = '\0';
    if (!get_structs(&c, get_extension, context, &s))
        return c.failures;
    CHECK(&c, s.parameters->get_parameter_count(s.parameters, NULL) == -1);
    CHECK(&c, s.parameters->get_parameter(s.parameters, NULL, 0).stable_id == -1);
    CHECK(&c, s.parameters->get_parameter_property(s.parameters, NULL, 10, AAP_PARAMETER_PROPERTY_MAX_VALUE) == 0.0);
    CHECK(&c, s.parameters->get_enumeration_count(s.parameters, NULL, 11) == 0);
    CHECK(&c, s.parameters->get_enumeration(s.parameters, NULL, 11, 0).name[0] == '\0');
    CHECK(&c, s.presets->get_preset_count(s.presets, NULL) == 0);
    s.presets->get_preset(s.presets, NULL, 0, &preset, preset_callback, &called);
    CHECK(&c, called == 1 && preset.id == -1 && preset.name[0] == '\0');
    s.presets->set_preset_index(s.presets, NULL, 0);
    CHECK(&c, s.state->get_state_size(s.state, NULL) == 0);
    out.data = back;
    out.data_size = sizeof(back);
    s.state->get_state(s.state, NULL, &out);
    CHECK(&c, out.data_size == 0);
    in.data = blob;
    in.data_size = sizeof(blob);
    s.state->set_state(s.state, NULL, &in);
    CHECK(&c, s.midi->get_mapping_policy(s.midi, NULL) == AAP_PARAMETERS_MAPPING_POLICY_SYSEX8);
    CHECK(&c, s.gui->create(s.gui, NULL, "urn:aap-ext-test:bare", 0, NULL) == AAP_GUI_ERROR_NO_GUI_DEFINED);
    CHECK(&c, s.gui->show(s.gui, NULL, 0) == AAP_GUI_ERROR_NO_GUI_DEFINED);
    CHECK(&c, s.gui->resize(s.gui, NULL, 0, 10, 10) == AAP_GUI_ERROR_NO_GUI_DEFINED);
    s.gui->hide(s.gui, NULL, 0);
    s.gui->destroy(s.gui, NULL, 0);
    s.urid->map(s.urid, NULL, 1, "urn:x");
    memset(&options, 0xAB, sizeof(options));
    s.port_config->get_options(s.port_config, NULL, &options);
    CHECK(&c, !options.has_midi_input && !options.has_midi_output && options.num_audio_ports == 0);
    CHECK(&c, options.named_config == NULL && options.extra_data == NULL && options.extra_data_size == 0);
    s.port_config->select(s.port_config, NULL, AAP_PORT_CONFIG_DEFAULT_INSTRUMENT);
    return c.failures;
}
