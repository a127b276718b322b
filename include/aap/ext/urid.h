#pragma once
/*
 * URID extension (urn://androidaudioplugin.org/extensions/urid/v3): the host tells the plugin
 * which small integer (URID, 1..255) stands for which extension URI, so AAPXS messages can name
 * an extension by one byte instead of its URI (docs/spec/wire.md section 3).
 *
 * Mappings are made before prepare (while the instance is UNPREPARED) and never removed. One URI
 * may have several URIDs; one URID names exactly one URI. 0 means "unmapped": messages then carry
 * the URI and are resolved by string comparison. The runtime consumes these mappings too, not only
 * the plugin, so a plugin may leave this extension unimplemented.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_URID_EXTENSION_URI "urn://androidaudioplugin.org/extensions/urid/v3"

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5). map request: u8 urid, u32 L, L URI bytes. */
#define AAP_URID_OPCODE_MAP 1

/* Valid URIDs are AAP_URID_MIN .. AAP_URID_MAX; AAP_URID_UNMAPPED means none. */
#define AAP_URID_UNMAPPED 0
#define AAP_URID_MIN 1
#define AAP_URID_MAX 255

typedef struct aap_urid_extension_t aap_urid_extension_t;

/* Plugin extension: get_extension(AAP_URID_EXTENSION_URI). Owned by the plugin; valid until the
 * instance is released. */
struct aap_urid_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [main-thread] Records that `urid` (1..255) names `uri` (never null, borrowed: copy it).
     * Called only before prepare; a call with urid 0 is ignored. ext and plugin are never null. */
    RT_UNSAFE void (*map)(struct aap_urid_extension_t* ext, AndroidAudioPlugin* plugin, uint8_t urid,
                          const char* uri);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
