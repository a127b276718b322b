#pragma once
/*
 * State extension (urn://androidaudioplugin.org/extensions/state/v4): saving and restoring the
 * whole state of a plugin instance as one opaque byte blob.
 *
 * The host asks for the size, provides a buffer of at least that size and asks the plugin to fill
 * it; later it hands the same bytes back to set_state (possibly to another instance, another
 * process or a later version of the plugin: the plugin defines and versions its own format and
 * must reject bytes it does not understand without crashing). The host owns every buffer.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_STATE_EXTENSION_URI "urn://androidaudioplugin.org/extensions/state/v4"

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5). get state reply: i32 size, then the bytes;
 * set state request: i32 size, then the bytes. */
#define AAP_STATE_OPCODE_GET_STATE_SIZE 1
#define AAP_STATE_OPCODE_GET_STATE 2
#define AAP_STATE_OPCODE_SET_STATE 3

/* A state blob. `data` points to `data_size` bytes owned by whoever filled the struct as stated
 * at each use. */
typedef struct aap_state_t {
    void* data;
    size_t data_size;
} aap_state_t;

typedef struct aap_state_extension_t aap_state_extension_t;

/* Plugin extension: get_extension(AAP_STATE_EXTENSION_URI). Owned by the plugin; valid until the
 * instance is released. ext and plugin are never null in any call. */
struct aap_state_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [main-thread] Upper bound, in bytes, of what get_state will write right now. */
    RT_UNSAFE size_t (*get_state_size)(struct aap_state_extension_t* ext, AndroidAudioPlugin* plugin);

    /* [main-thread] Writes the state into destination->data (host-owned, destination->data_size
     * bytes of capacity, at least get_state_size()) and sets destination->data_size to the number
     * of bytes written. If the capacity is too small the plugin writes nothing and sets
     * data_size to 0. destination is never null. */
    RT_UNSAFE void (*get_state)(struct aap_state_extension_t* ext, AndroidAudioPlugin* plugin,
                                aap_state_t* destination);

    /* [main-thread] Restores the state from source->data (source->data_size bytes, host-owned,
     * borrowed for the call). Bytes the plugin does not understand leave its state unchanged.
     * source is never null. */
    RT_UNSAFE void (*set_state)(struct aap_state_extension_t* ext, AndroidAudioPlugin* plugin,
                                aap_state_t* source);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
