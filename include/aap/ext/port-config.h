#pragma once
/*
 * Port-config extension (urn://androidaudioplugin.org/extensions/port-config/v3): lets a plugin
 * that declares no <ports> in its metadata tell the host which port layout it supports, and lets
 * the host select one, before prepare.
 *
 * The host calls get_options to learn what the plugin offers, then select with a named
 * configuration (or null for "the default layout of docs/spec/abi.md section 6"). Both are answered
 * from memory.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_PORT_CONFIG_EXTENSION_URI "urn://androidaudioplugin.org/extensions/port-config/v3"

/* Well-known named configurations. */
#define AAP_PORT_CONFIG_DEFAULT_INSTRUMENT "urn://androidaudioplugin.org/port-config/default/instrument/v1"
#define AAP_PORT_CONFIG_DEFAULT_EFFECT "urn://androidaudioplugin.org/port-config/default/effect/v1"

/* A port layout offer (plugin -> host). */
typedef struct aap_port_config_t {
    /* Whether the plugin consumes MIDI input / produces MIDI output. */
    bool has_midi_input;
    bool has_midi_output;
    /* Number of plain audio ports (no named channel layout); 0 = not supported. */
    int32_t num_audio_ports;
    /* A named configuration (static storage of the plugin), or null for none. */
    const char* named_config;
    /* Reserved: NUL-terminated JSON owned by the plugin, or null; extra_data_size bytes. */
    void* extra_data;
    int32_t extra_data_size;
} aap_port_config_t;

typedef struct aap_port_config_extension_t aap_port_config_extension_t;

/* Plugin extension: get_extension(AAP_PORT_CONFIG_EXTENSION_URI). Owned by the plugin; valid until
 * the instance is released. ext and plugin are never null in any call. */
struct aap_port_config_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [main-thread] Fills *destination (caller-owned, never null) with the plugin's offer.
     * Answered from memory (RT_SAFE). */
    RT_SAFE void (*get_options)(struct aap_port_config_extension_t* ext, AndroidAudioPlugin* plugin,
                                aap_port_config_t* destination);

    /* [main-thread] Selects a configuration before prepare: one of the plugin's named
     * configurations, or null for the default layout. Unknown names are ignored. */
    RT_SAFE void (*select)(struct aap_port_config_extension_t* ext, AndroidAudioPlugin* plugin,
                           const char* configuration);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
