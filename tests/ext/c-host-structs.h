#pragma once
/* A C host calling a remote plugin through the C structs of aap::PluginExtensions (c-host-structs.c,
 * compiled as C99): what aap_ext_remote_tests runs to prove that C host code works. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the C host code gets the structs from: aap::PluginExtensions::getExtension in the test. */
typedef void* (*aap_ext_test_get_extension)(void* context, const char* uri);

/* Calls every function of every standard C struct (parameters, presets, state, midi2, gui, urid,
 * port-config) of an instance of urn:aap-ext-test:full and checks each answer against what the
 * test plugin (ext-test-plugins.cpp) answers. Returns the number of failed checks (0 = all good)
 * and describes the first one in `failure` (always NUL-terminated when failure_size > 0). */
int aap_ext_test_c_host_full(aap_ext_test_get_extension get_extension, void* context, char* failure,
                             size_t failure_size);

/* The same calls on urn:aap-ext-test:bare (no extension at all): every function must return the
 * ABI's "nothing" value documented for the C structs (plugin-extensions.h). */
int aap_ext_test_c_host_bare(aap_ext_test_get_extension get_extension, void* context, char* failure,
                             size_t failure_size);

#ifdef __cplusplus
} /* extern "C" */
#endif
