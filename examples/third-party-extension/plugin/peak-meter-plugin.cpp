// A plugin implementing the third-party peak-meter extension: audio passes through unchanged
// (ports: 0/1 audio in, 2/3 audio out, 4/5 MIDI2 in/out by the default rules) and the peak of
// the inputs is kept for get_peak. The library exports the extension's AAPXS definition so the
// plugin service can answer it.

#include <atomic>
#include <cmath>
#include <cstring>

#include "aap/abi.h"
#include "aap/android-audio-plugin.h"
#include "aapxs/plugin-aapxs-definitions.h"
#include "peak-meter-aapxs.h"
#include "peak-meter/peak-meter.h"

namespace {

struct PeakMeterPlugin {
    // Written by process() (audio thread), read and reset by extension calls on other threads.
    std::atomic<double> peak{0.0};
};

PeakMeterPlugin* self(AndroidAudioPlugin* plugin) { return static_cast<PeakMeterPlugin*>(plugin->plugin_specific); }

double getPeak(aap_example_peak_meter_extension_t*, AndroidAudioPlugin* plugin) {
    return self(plugin)->peak.load(std::memory_order_relaxed);
}
void reset(aap_example_peak_meter_extension_t*, AndroidAudioPlugin* plugin) {
    self(plugin)->peak.store(0.0, std::memory_order_relaxed);
}
aap_example_peak_meter_extension_t peakMeterExtension{nullptr, &getPeak, &reset};

void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}

void process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t) {
    double peak = self(plugin)->peak.load(std::memory_order_relaxed);
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        for (int32_t i = 0; i < frames; i++) {
            out[i] = in[i];
            const double level = std::fabs(static_cast<double>(in[i]));
            if (level > peak)
                peak = level;
        }
    }
    self(plugin)->peak.store(peak, std::memory_order_relaxed);
    auto* midiOut = static_cast<uint8_t*>(buffer->get_buffer(buffer, 5));
    std::memset(midiOut, 0, 32);  // no MIDI output of its own
}

void* getExtension(AndroidAudioPlugin*, const char* uri) {
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    if (uri != nullptr && std::strcmp(uri, AAP_EXAMPLE_PEAK_METER_URI) == 0)
        return &peakMeterExtension;
    return nullptr;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char*, AndroidAudioPluginHost*) {
    return new AndroidAudioPlugin{new PeakMeterPlugin(), &prepare, &activate, &process, &deactivate, &getExtension,
                                  nullptr};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
    delete self(plugin);
    delete plugin;
}

AndroidAudioPluginFactory factory{&instantiate, &release, nullptr};

} // namespace

AAP_EXPORT AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }

// Registered by the plugin service at run time (plugin-aapxs-definitions.h).
extern "C" AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT const AAPXSDefinition* aap_plugin_get_aapxs_definitions(int32_t* count) {
    *count = 1;
    return &aap_example::peakMeterDefinition();
}
