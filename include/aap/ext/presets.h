#pragma once
/*
 * Presets extension (urn://androidaudioplugin.org/extensions/presets/v4): read-only access to the
 * plugin's presets (factory or user-defined states) and selecting one.
 *
 * Preset INDEX is the position in the current list (0 .. count - 1) and is not persistent: the
 * list may differ in the next instance. Preset ID is the plugin's persistent identifier. A host
 * that wants to remember a preset stores its id or, better, the state (aap/ext/state.h).
 *
 * When the list or a preset changes (the user loaded a bank, renamed a preset, ...) the plugin
 * calls the host extension's notify_presets_updated; when a preset got applied by other means
 * (e.g. Program Change consumed by the plugin) it calls notify_preset_loaded. Until notified the
 * host may cache what it read.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_PRESETS_EXTENSION_URI "urn://androidaudioplugin.org/extensions/presets/v4"

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5). */
#define AAP_PRESETS_OPCODE_GET_PRESET_COUNT 1
#define AAP_PRESETS_OPCODE_GET_PRESET 2
#define AAP_PRESETS_OPCODE_SET_PRESET_INDEX 3
#define AAP_PRESETS_OPCODE_NOTIFY_PRESET_LOADED (-1)
#define AAP_PRESETS_OPCODE_NOTIFY_PRESETS_UPDATED (-2)

/* Size of aap_preset_t.name including the terminating NUL. */
#define AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH 256

/* One preset. 260 bytes (see AAP_PRESET_WIRE_*). */
typedef struct aap_preset_t {
    /* Persistent id chosen by the plugin; ids may skip numbers and need not equal the index. */
    int32_t id;
    /* NUL-terminated UTF-8 name; not necessarily unique. */
    char name[AAP_PRESETS_EXTENSION_MAX_NAME_LENGTH];
} aap_preset_t;

/* Serialized aap_preset_t (the get preset reply): byte offsets and total size. */
#define AAP_PRESET_WIRE_OFFSET_ID 0   /* int32 */
#define AAP_PRESET_WIRE_OFFSET_NAME 4 /* char[256] */
#define AAP_PRESET_WIRE_SIZE 260

typedef struct aap_presets_extension_t aap_presets_extension_t;

/* Plugin extension: get_extension(AAP_PRESETS_EXTENSION_URI). Owned by the plugin; valid until the
 * instance is released. ext and plugin are never null in any call. */
struct aap_presets_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [thread-safe] Number of presets (>= 0). Realtime-safe: answer from memory. */
    RT_SAFE int32_t (*get_preset_count)(struct aap_presets_extension_t* ext, AndroidAudioPlugin* plugin);

    /* [main-thread] Fills *preset (never null, caller-owned) with preset `index`
     * (0 <= index < count; out of range: id -1 and an empty name). When callback is not null it is
     * invoked exactly once, with callbackData and the plugin, after *preset is filled (possibly
     * before get_preset returns); a proxy in a host may complete later, on another thread. */
    RT_UNSAFE void (*get_preset)(struct aap_presets_extension_t* ext, AndroidAudioPlugin* plugin,
                                 int32_t index, aap_preset_t* preset,
                                 aapxs_completion_callback callback, void* callbackData);

    /* [main-thread] Applies preset `index`; an out-of-range index is ignored. */
    RT_UNSAFE void (*set_preset_index)(struct aap_presets_extension_t* ext, AndroidAudioPlugin* plugin,
                                       int32_t index);
};

typedef struct aap_presets_host_extension_t aap_presets_host_extension_t;

/* Host extension: AndroidAudioPluginHost.get_extension(AAP_PRESETS_EXTENSION_URI). Owned by the
 * host; valid as long as the AndroidAudioPluginHost. ext and host are never null in any call. */
struct aap_presets_host_extension_t {
    /* Reserved for the AAPXS implementation. */
    void* aapxs_context;

    /* [thread-safe] A preset was applied by the plugin itself. Never blocks; realtime-safe. */
    RT_SAFE void (*notify_preset_loaded)(struct aap_presets_host_extension_t* ext, AndroidAudioPluginHost* host);

    /* [thread-safe] The preset list or a preset changed. Never blocks; realtime-safe. */
    RT_SAFE void (*notify_presets_updated)(struct aap_presets_host_extension_t* ext, AndroidAudioPluginHost* host);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
