// The plugin the service-control fuzz target instantiates (service_control_fuzzer.cpp): a plain
// stereo pass-through effect with the default ports, no extensions. Standard C ABI only.
#include <algorithm>
#include <cstring>

#include "aap/android-audio-plugin.h"

namespace {

void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}
void process(AndroidAudioPlugin*, aap_buffer_t* buffer, int32_t frames, int64_t) {
    if (buffer == nullptr || buffer->num_ports(buffer) < 4)
        return;
    for (int channel = 0; channel < 2; channel++) {
        void* in = buffer->get_buffer(buffer, channel);
        void* out = buffer->get_buffer(buffer, channel + 2);
        // The ports are whatever the (fuzzed) host declared: never copy past either buffer.
        int32_t bytes = frames > 0 ? frames * static_cast<int32_t>(sizeof(float)) : 0;
        bytes = std::min(bytes, std::min(buffer->get_buffer_size(buffer, channel), buffer->get_buffer_size(buffer, channel + 2)));
        if (in != nullptr && out != nullptr && bytes > 0)
            std::memmove(out, in, static_cast<size_t>(bytes));
    }
}
void* getExtension(AndroidAudioPlugin*, const char*) { return nullptr; }
aap_plugin_info_t getInfo(AndroidAudioPlugin*) {
    aap_plugin_info_t info;
    std::memset(&info, 0, sizeof(info));
    return info;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char*, AndroidAudioPluginHost*) {
    return new AndroidAudioPlugin{nullptr, prepare, activate, process, deactivate, getExtension, getInfo};
}
void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) { delete plugin; }

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

extern "C" __attribute__((visibility("default"))) AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return &factory;
}
