// The smallest C++ plugin, in the style of existing AAP plugins (positional initialization,
// no extern "C" on the entry point).
#include <aap/aap.h>
#include <aap/unstable/logging.h>

namespace {
void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void control(AndroidAudioPlugin*) {}
void process(AndroidAudioPlugin*, aap_buffer_t*, int32_t, int64_t) {}
void* getExtension(AndroidAudioPlugin*, const char* uri) { return aap_abi_get_extension(uri); }
AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char*, AndroidAudioPluginHost*) {
    aap::a_log(AAP_LOG_LEVEL_INFO, "consumer", "instantiate");
    return new AndroidAudioPlugin{nullptr, prepare, control, process, control, getExtension, nullptr};
}
void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) { delete plugin; }
AndroidAudioPluginFactory factory{instantiate, release, nullptr};
} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory() { return &factory; }
