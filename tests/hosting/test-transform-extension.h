#pragma once
// A third-party extension written for the hosting tests: "transform" bytes. The test plugins
// implement it and export its AAPXS definition (aap_plugin_get_aapxs_definitions), so the plugin
// service can answer it; the tests call it through PluginInstance.
//
// Opcodes (request data = bytes, reply data = transformed bytes):
//   1 reverse   - RT-safe (is_command_rt_safe says so)
//   2 shout     - not RT-safe: sleeps 3 ms, then appends '!'; its reply rides on a later cycle
//   3 ignore    - the handler never replies (the runtime must answer with an error reply)

#include <stdint.h>

#include "aap/android-audio-plugin.h"

#define AAP_TEST_TRANSFORM_URI "urn:aap-test:transform/v1"
#define AAP_TEST_TRANSFORM_CAPACITY 256

enum aap_test_transform_opcode {
    AAP_TEST_TRANSFORM_REVERSE = 1,
    AAP_TEST_TRANSFORM_SHOUT = 2,
    AAP_TEST_TRANSFORM_IGNORE = 3,
};

typedef struct aap_test_transform_extension_t {
    void* aapxs_context;
    // [main-thread] Transforms data[0..size) in place (capacity bytes available); returns the new
    // size, or -1 for an opcode it does not implement.
    int32_t (*transform)(struct aap_test_transform_extension_t* ext, AndroidAudioPlugin* plugin, int32_t opcode,
                         uint8_t* data, int32_t size, int32_t capacity);
} aap_test_transform_extension_t;
