#pragma once
/*
 * Parameters extension (urn://androidaudioplugin.org/extensions/parameters/v4).
 *
 * A plugin lists its parameters either in aap_metadata.xml or through this extension (or both;
 * then this extension wins). Each parameter has a stable id (0..16383, kept across plugin versions
 * so saved songs keep working) that is NOT its index in the list. Values are doubles in plain
 * units between min_value and max_value.
 *
 * Parameter CHANGES do not go through this extension: the host sends them as parameter-change
 * SysEx8 (or CC / assignable controllers, see aap/ext/midi.h) on the plugin's MIDI2 input, and
 * the plugin reports its own changes on its MIDI2 output. This extension only describes the
 * parameters. When the list or a description changes, the plugin calls the host extension's
 * notify_parameters_changed and the host re-reads it.
 *
 * Serialized forms (AAPXS payloads, little-endian, docs/spec/abi.md section 5) are written down below
 * as AAP_PARAMETER_INFO_WIRE_* / AAP_PARAMETER_ENUM_WIRE_*; they equal the LP64 in-memory layout
 * of the structs, which is what AAP 0.8 peers send.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_PARAMETERS_EXTENSION_URI "urn://androidaudioplugin.org/extensions/parameters/v4"
/* XML namespace of the <parameters> element in aap_metadata.xml. */
#define AAP_PARAMETERS_XMLNS_URI "urn://androidaudioplugin.org/extensions/parameters"

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5). */
#define AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT 1
#define AAP_PARAMETERS_OPCODE_GET_PARAMETER 2
#define AAP_PARAMETERS_OPCODE_GET_PARAMETER_PROPERTY 3
#define AAP_PARAMETERS_OPCODE_GET_ENUMERATION_COUNT 4
#define AAP_PARAMETERS_OPCODE_GET_ENUMERATION 5
#define AAP_PARAMETERS_OPCODE_NOTIFY_PARAMETERS_CHANGED (-1)

/* Sizes of the fixed character arrays, including the terminating NUL. */
#define AAP_MAX_PARAMETER_NAME_CHARS 64
#define AAP_MAX_PARAMETER_PATH_CHARS 80
#define AAP_MAX_PARAMETER_ENUM_NAME 64

/* Property ids for get_parameter_property. */
#define AAP_PARAMETER_PROPERTY_MIN_VALUE 1
#define AAP_PARAMETER_PROPERTY_MAX_VALUE 2
#define AAP_PARAMETER_PROPERTY_DEFAULT_VALUE 3
/* Display priority for compact generic UIs; meaning of the number is up to the host. */
#define AAP_PARAMETER_PROPERTY_PRIORITY 11
/* Non-zero when the parameter only takes discrete values. */
#define AAP_PARAMETER_PROPERTY_IS_DISCRETE 12
/* One of AAP_PARAMETER_QUANTIZED_TYPE_*, a hint for the UI control type. */
#define AAP_PARAMETER_PROPERTY_QUANTIZED_TYPE 13

#define AAP_PARAMETER_QUANTIZED_TYPE_BOOLEAN 2
#define AAP_PARAMETER_QUANTIZED_TYPE_INTEGER 3

/* One parameter's description. 184 bytes on LP64 (see AAP_PARAMETER_INFO_WIRE_*). */
typedef struct aap_parameter_info_t {
    /* Stable id, 0..16383 (fits MIDI 14-bit); -1 means "not found" where an API returns one. */
    int16_t stable_id;
    /* NUL-terminated UTF-8 display name. */
    char display_name[AAP_MAX_PARAMETER_NAME_CHARS];
    /* NUL-terminated '/'-separated group path, e.g. "/OSC1/Reverb" (empty entries ignored). */
    char path[AAP_MAX_PARAMETER_PATH_CHARS];
    /* Plain-unit range and default; min_value <= default_value <= max_value. */
    double min_value;
    double max_value;
    double default_value;
    /* Whether per-note (per-key) changes are accepted. */
    bool per_note_enabled;
} aap_parameter_info_t;

/* Serialized aap_parameter_info_t: byte offsets and total size. Padding bytes are zero. */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_STABLE_ID 0        /* int16 */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_DISPLAY_NAME 2     /* char[64] */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_PATH 66            /* char[80]; 146..151 padding */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_MIN_VALUE 152      /* float64 */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_MAX_VALUE 160      /* float64 */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_DEFAULT_VALUE 168  /* float64 */
#define AAP_PARAMETER_INFO_WIRE_OFFSET_PER_NOTE_ENABLED 176 /* uint8, 0 or 1; 177..183 padding */
#define AAP_PARAMETER_INFO_WIRE_SIZE 184

/* One enumerated value of a parameter. 72 bytes on LP64. */
typedef struct aap_parameter_enum_t {
    /* NUL-terminated UTF-8 display name. */
    char name[AAP_MAX_PARAMETER_ENUM_NAME];
    /* The plain value this entry stands for. */
    double value;
} aap_parameter_enum_t;

#define AAP_PARAMETER_ENUM_WIRE_OFFSET_NAME 0   /* char[64] */
#define AAP_PARAMETER_ENUM_WIRE_OFFSET_VALUE 64 /* float64 */
#define AAP_PARAMETER_ENUM_WIRE_SIZE 72

typedef struct aap_parameters_extension_t aap_parameters_extension_t;

/* Plugin extension: get_extension(AAP_PARAMETERS_EXTENSION_URI). Owned by the plugin; valid until
 * the instance is released. ext and plugin are never null in any call. */
struct aap_parameters_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [thread-safe] Number of parameters, or -1 when the plugin does not list them here (then the
     * metadata's list applies). Realtime-safe: answer from memory. */
    RT_SAFE int32_t (*get_parameter_count)(struct aap_parameters_extension_t* ext, AndroidAudioPlugin* plugin);

    /* [main-thread] Description of the parameter at `index` (0 <= index < count; NOT the id). An
     * out-of-range index yields a struct with stable_id -1. Returned by value. */
    RT_UNSAFE aap_parameter_info_t (*get_parameter)(struct aap_parameters_extension_t* ext,
                                                    AndroidAudioPlugin* plugin, int32_t index);

    /* [main-thread] Property `propertyId` (AAP_PARAMETER_PROPERTY_*) of the parameter with stable id
     * `parameterId`; 0 when the parameter or property does not exist. */
    RT_UNSAFE double (*get_parameter_property)(struct aap_parameters_extension_t* ext,
                                               AndroidAudioPlugin* plugin, int32_t parameterId,
                                               int32_t propertyId);

    /* [main-thread] Number of enumerated values of parameter `parameterId`; 0 when it is not an
     * enumeration or does not exist. */
    RT_UNSAFE int32_t (*get_enumeration_count)(struct aap_parameters_extension_t* ext,
                                               AndroidAudioPlugin* plugin, int32_t parameterId);

    /* [main-thread] Enumerated value `enumIndex` of parameter `parameterId`. Out of range: an
     * entry with an empty name and value 0. Returned by value. */
    RT_UNSAFE aap_parameter_enum_t (*get_enumeration)(struct aap_parameters_extension_t* ext,
                                                      AndroidAudioPlugin* plugin, int32_t parameterId,
                                                      int32_t enumIndex);
};

typedef struct aap_host_parameters_extension_t aap_host_parameters_extension_t;
/* The same type under the name AAP 0.8 sources use (aap-juce, aap-core's samples and AAPXS code),
 * in the family of aap_presets_host_extension_t. Either name may be used; they are one type. */
typedef struct aap_host_parameters_extension_t aap_parameters_host_extension_t;

/* Host extension: AndroidAudioPluginHost.get_extension(AAP_PARAMETERS_EXTENSION_URI). Owned by
 * the host; valid as long as the AndroidAudioPluginHost. */
struct aap_host_parameters_extension_t {
    /* Reserved for the AAPXS implementation; hosts assign what their runtime needs. */
    void* aapxs_context;

    /* [thread-safe] Tells the host the parameter list or a description changed; the host re-reads
     * them later from a non-realtime thread. Never blocks; realtime-safe. ext and host never null. */
    RT_SAFE void (*notify_parameters_changed)(struct aap_host_parameters_extension_t* ext,
                                              AndroidAudioPluginHost* host);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
