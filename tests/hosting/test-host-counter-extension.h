#pragma once
// A third-party HOST extension written for the hosting tests: the plugin adds to a counter the
// host keeps and learns the new total. Its AAPXS definition (test-host-counter-extension.cpp) is
// compiled into both the test plugin library (which exports it, plugin-aapxs-definitions.h) and
// the test executables (which register it in PluginHostOptions::hostExtensionDefinitions).
//
// Opcode -1 add: request data = i32 amount (LE), reply data = i32 new total (LE).

#include <stdint.h>

#include "aap/android-audio-plugin.h"
#include "aapxs/aapxs.h"

#define AAP_TEST_HOST_COUNTER_URI "urn:aap-test:host-counter/v1"
#define AAP_TEST_HOST_COUNTER_ADD (-1)

typedef void (*aap_test_host_counter_done_t)(void* user, int32_t total);

typedef struct aap_test_host_counter_extension_t {
    void* aapxs_context;
    // Host implementation: adds and calls done(user, total) before returning.
    // Plugin-side proxy: sends the request; done(user, total) fires when the reply arrives (at once
    // while the instance is inactive, in a later process() cycle while it is active), or never if
    // the request fails. One call in flight per instance.
    void (*add)(struct aap_test_host_counter_extension_t* ext, AndroidAudioPluginHost* host, int32_t amount,
                aap_test_host_counter_done_t done, void* user);
} aap_test_host_counter_extension_t;

// The definition (static storage). Up to 16 plugin-side proxies exist per process.
const AAPXSDefinition* aap_test_host_counter_definition(void);
