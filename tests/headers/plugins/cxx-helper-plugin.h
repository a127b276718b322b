#pragma once
// What helper-plugin-test knows about plugins/cxx-helper-plugin.cpp.

#include <aap/android-audio-plugin.h>

#define AAP_TEST_HELPER_PLUGIN_ID "urn:aap-test:cxx-helper-gain"
// The plugin's own extension (answered by the class's extension(uri), not a helper table).
#define AAP_TEST_HELPER_COUNTER_URI "urn:aap-test:helper-counter"

typedef struct aap_test_helper_counter_t {
    int32_t (*activations)(AndroidAudioPlugin* plugin);
    int32_t (*deactivations)(AndroidAudioPlugin* plugin);
    int32_t (*has_host)(AndroidAudioPlugin* plugin);
} aap_test_helper_counter_t;
