// The plugin the hosting benchmark drives: out = in * 0.5 on two channels, MIDI2 in copied to
// MIDI2 out. The same work the raw ping-pong floor's child does, so the comparison is fair.

#include <cstring>

#include "aap/android-audio-plugin.h"
#include "aap/ext/midi.h"

namespace {

void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}

void process(AndroidAudioPlugin*, aap_buffer_t* buffer, int32_t frames, int64_t) {
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        for (int32_t i = 0; i < frames; i++)
            out[i] = in[i] * 0.5f;
    }
    auto* midiIn = static_cast<const uint8_t*>(buffer->get_buffer(buffer, 4));
    auto* midiOut = static_cast<uint8_t*>(buffer->get_buffer(buffer, 5));
    AAPMidiBufferHeader header;
    std::memcpy(&header, midiIn, sizeof(header));
    uint32_t capacity = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 5)) - 32;
    uint32_t length = header.length <= capacity ? header.length & ~3u : 0;
    header.length = length;
    std::memcpy(midiOut, &header, sizeof(header));
    std::memcpy(midiOut + 32, midiIn + 32, length);
}

void* getExtension(AndroidAudioPlugin*, const char* uri) { return aap_abi_get_extension(uri); }

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char*, AndroidAudioPluginHost*) {
    return new AndroidAudioPlugin{nullptr, prepare, activate, process, deactivate, getExtension, nullptr};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) { delete plugin; }

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
