// A plugin library whose every step is a library error path for aap::hosting: its exported
// AAPXS definitions array is invalid (null), and its factory returns no instance. Used by
// log-test.cpp to see that such diagnostics reach the host's log handler, not stderr.

#include "aap/android-audio-plugin.h"
#include "aap/hosting/plugin-aapxs-definitions.h"

namespace {

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char*, AndroidAudioPluginHost*) { return nullptr; }
void release(AndroidAudioPluginFactory*, AndroidAudioPlugin*) {}

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

extern "C" AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT const AAPXSDefinition* aap_plugin_get_aapxs_definitions(int32_t* count) {
    *count = 1;
    return nullptr;
}

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory() {
    return &factory;
}
