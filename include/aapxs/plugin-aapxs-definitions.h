#pragma once
/*
 * How a plugin library ships the AAPXS definitions of the extensions it implements, so that a
 * generic plugin process (aap-plugin-service) can answer requests for them.
 *
 * A plugin library MAY export, next to GetAndroidAudioPluginFactory:
 *
 *     AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT const AAPXSDefinition* aap_plugin_get_aapxs_definitions(int32_t* count);
 *
 * returning an array of *count definitions (static storage, valid while the library is loaded).
 * The hosting runtime looks the symbol up right after loading the library and registers every
 * definition for the instances of that library (duplicates and invalid definitions are skipped
 * with a message through the host's log handler, aap/runtime/log.h). Plugin-extension requests for those URIs are then dispatched to the
 * definitions' process_incoming_plugin_aapxs_request, on the control channel while the instance
 * is inactive and through the MIDI2 stream while it is active (docs/spec/abi.md section 4).
 *
 * With aap_add_plugin (cmake/AapAddPlugin.cmake) a library that defines this function exports it
 * without an EXPORTS list. Everything a plugin needs to ship an extension is in include/ (this
 * header, aapxs.h, and the C++ byte codec aapxs/byte-codec.hpp): vendoring include/ alone builds
 * such a plugin.
 *
 * Valid C99 and C++11.
 */

#include <stdint.h>

#include "aapxs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_PLUGIN_AAPXS_DEFINITIONS_SYMBOL "aap_plugin_get_aapxs_definitions"

#if defined(_WIN32)
#define AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT __declspec(dllexport)
#else
#define AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT __attribute__((visibility("default")))
#endif

/* [main-thread] Never null when exported; *count (never null) receives the array length. */
typedef const AAPXSDefinition* (*aap_plugin_get_aapxs_definitions_t)(int32_t* count);

#ifdef __cplusplus
} /* extern "C" */
#endif
