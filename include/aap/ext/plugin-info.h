#pragma once
/*
 * Plugin-info extension (urn://androidaudioplugin.org/extensions/plugin-info/v3): a HOST
 * extension through which a plugin reads its own metadata (aap_metadata.xml as parsed by the host,
 * including the ports the host configured).
 *
 * The host serves it locally in the plugin's process (the plugin service has the parsed metadata),
 * so it has no AAPXS traffic and no opcodes. The returned aap_plugin_info_t is described in
 * aap/plugin-meta-info.h.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_PLUGIN_INFO_EXTENSION_URI "urn://androidaudioplugin.org/extensions/plugin-info/v3"

typedef struct aap_host_plugin_info_extension_t aap_host_plugin_info_extension_t;

/* Host extension: AndroidAudioPluginHost.get_extension(AAP_PLUGIN_INFO_EXTENSION_URI). Owned by
 * the host; valid as long as the AndroidAudioPluginHost. */
struct aap_host_plugin_info_extension_t {
    /* Reserved for the host implementation. */
    void* aapxs_context;

    /* [main-thread] Metadata of plugin `pluginId` (never null, borrowed). Returned by value; the
     * strings and handles it leads to stay valid as long as the AndroidAudioPluginHost. For an
     * unknown id every member of the result is null. ext and host are never null. */
    RT_UNSAFE aap_plugin_info_t (*get)(struct aap_host_plugin_info_extension_t* ext,
                                       AndroidAudioPluginHost* host, const char* pluginId);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
