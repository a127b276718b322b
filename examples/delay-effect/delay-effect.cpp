// AAP example effect: stereo gain + feedback delay, with the parameters, presets, state and midi2
// extensions (C++17, built with aap_add_plugin; see docs/plugins.md for the walk-through).
//
// Ports (aap_metadata.xml declares none, so the default effect ports apply, docs/spec/abi.md 6):
//   0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R, 4 System MIDI In, 5 System MIDI Out.
// Control: parameter-change SysEx8 on the MIDI2 input (index = stable parameter id) and MIDI 2.0
// Program Change (selects a preset: the midi2 extension reports the PROGRAM mapping policy).
//
// Threads: process() runs on the audio thread and never allocates or locks; the extension
// functions run on the main thread or, while active, on the plugin service's non-realtime worker.
// Both sides meet only in ParameterValues' atomics.

#include <aap/android-audio-plugin.h>
#include <aap/ext/midi.h>
#include <aap/ext/parameters.h>
#include <aap/ext/presets.h>
#include <aap/ext/state.h>
#include <aap/helpers/plugin.hpp>
#include <aapxs/midi2-buffer.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../common/example-parameters.h"

namespace {

constexpr uint32_t kStateTag = 0x594C4544;  // "DELY"
constexpr double kMaxDelayMs = 2000.0;

enum PortIndex : int32_t { kInL = 0, kInR = 1, kOutL = 2, kOutR = 3, kMidiIn = 4, kMidiOut = 5, kPortCount = 6 };
enum ParameterIndex : size_t { kGain = 0, kTime = 1, kFeedback = 2, kMix = 3 };

const aap_examples::ParameterSpec kParameters[] = {
    {0, "Gain (dB)", "/Output", -60.0, 12.0, 0.0, nullptr, 0},
    {1, "Delay time (ms)", "/Delay", 1.0, kMaxDelayMs, 350.0, nullptr, 0},
    {2, "Feedback", "/Delay", 0.0, 0.95, 0.35, nullptr, 0},
    {3, "Mix", "/Delay", 0.0, 1.0, 0.3, nullptr, 0},
};
using Values = aap_examples::ParameterValues<4>;

struct Preset {
    int32_t id;
    const char* name;
    double values[4];  // in kParameters order
};
const Preset kPresets[] = {
    {10, "Dry", {0.0, 350.0, 0.0, 0.0}},
    {20, "Slapback", {0.0, 90.0, 0.15, 0.45}},
    {30, "Long Echo", {-2.0, 480.0, 0.6, 0.5}},
};
constexpr int32_t kPresetCount = static_cast<int32_t>(sizeof(kPresets) / sizeof(kPresets[0]));

// aap::helpers::Plugin (include/aap/helpers/plugin.hpp) writes the C trampolines: the
// AndroidAudioPlugin functions call prepare()/process() below, and get_extension answers the ABI
// record and one static table per listed extension, whose functions call the methods under
// "extensions".
class DelayEffect : public aap::helpers::Plugin<DelayEffect, aap::helpers::Parameters, aap::helpers::Presets,
                                                aap::helpers::State, aap::helpers::Midi> {
public:
    static constexpr const char* kPluginId = "urn:aap-examples:delay-effect";

    DelayEffect() noexcept : values_(kParameters) {}

    // [main-thread] Allocates the delay lines for the longest delay at this sample rate.
    void prepare(int sampleRate, aap_buffer_t*) {
        sampleRate_ = sampleRate > 0 ? sampleRate : 48000;
        const size_t length = static_cast<size_t>(kMaxDelayMs / 1000.0 * sampleRate_) + 2;
        for (auto& line : lines_)
            line.assign(length, 0.0f);
        writeIndex_ = 0;
        smoothedGain_ = dbToGain(values_.get(kGain));
        smoothedMix_ = values_.get(kMix);
        smoothedDelay_ = values_.get(kTime) / 1000.0 * sampleRate_;
        // ~5 ms one-pole smoothing: parameter jumps (presets!) do not click.
        smoothing_ = 1.0 - std::exp(-1.0 / (0.005 * sampleRate_));
    }

    // [audio-thread]
    void process(aap_buffer_t* buffer, int32_t frames, int64_t /*timeoutNs*/) noexcept {
        if (buffer == nullptr || buffer->num_ports(buffer) < kPortCount || lines_[0].empty())
            return;
        if (frames > buffer->num_frames(buffer))
            frames = buffer->num_frames(buffer);
        readMidi(buffer);
        clearMidiOut(buffer);

        const float* in[2] = {static_cast<const float*>(buffer->get_buffer(buffer, kInL)),
                              static_cast<const float*>(buffer->get_buffer(buffer, kInR))};
        float* out[2] = {static_cast<float*>(buffer->get_buffer(buffer, kOutL)),
                         static_cast<float*>(buffer->get_buffer(buffer, kOutR))};
        if (!in[0] || !in[1] || !out[0] || !out[1])
            return;
        const double targetGain = dbToGain(values_.get(kGain));
        const double targetDelay = values_.get(kTime) / 1000.0 * sampleRate_;
        const double feedback = values_.get(kFeedback);
        const double targetMix = values_.get(kMix);
        const size_t length = lines_[0].size();
        for (int32_t i = 0; i < frames; i++) {
            smoothedGain_ += (targetGain - smoothedGain_) * smoothing_;
            smoothedMix_ += (targetMix - smoothedMix_) * smoothing_;
            smoothedDelay_ += (targetDelay - smoothedDelay_) * smoothing_;
            // Fractional read position behind the write head, linear interpolation.
            double readPosition = static_cast<double>(writeIndex_) - smoothedDelay_;
            while (readPosition < 0.0)
                readPosition += static_cast<double>(length);
            const size_t r0 = static_cast<size_t>(readPosition) % length;
            const size_t r1 = (r0 + 1) % length;
            const double fraction = readPosition - std::floor(readPosition);
            for (int c = 0; c < 2; c++) {
                std::vector<float>& line = lines_[c];
                const double dry = in[c][i];
                const double delayed = line[r0] + (line[r1] - line[r0]) * fraction;
                line[writeIndex_] = static_cast<float>(dry + delayed * feedback);
                out[c][i] = static_cast<float>(smoothedGain_ * (dry * (1.0 - smoothedMix_) + delayed * smoothedMix_));
            }
            writeIndex_ = (writeIndex_ + 1) % length;
        }
    }

    // ---- extensions (aap::helpers builds the C tables; each call lands here) ----
    // parameters: answered from ParameterValues' memory.
    int32_t parameterCount() noexcept { return Values::count(); }
    aap_parameter_info_t parameterInfo(int32_t index) noexcept { return values_.info(index); }
    double parameterProperty(int32_t id, int32_t property) noexcept { return values_.property(id, property); }
    int32_t enumerationCount(int32_t id) noexcept { return values_.enumerationCount(id); }
    aap_parameter_enum_t enumeration(int32_t id, int32_t index) noexcept { return values_.enumeration(id, index); }
    // presets
    int32_t presetCount() noexcept { return kPresetCount; }
    bool presetAt(int32_t index, aap_preset_t* preset) noexcept {
        if (index < 0 || index >= kPresetCount)
            return false;
        preset->id = kPresets[index].id;
        aap_examples::copyName(preset->name, sizeof(preset->name), kPresets[index].name);
        return true;
    }
    void selectPreset(int32_t index) noexcept { applyPreset(index); }
    // state
    size_t stateSize() noexcept { return Values::stateSize(); }
    void saveState(aap_state_t* destination) noexcept { values_.saveState(kStateTag, destination); }
    void loadState(aap_state_t* source) noexcept {
        if (!values_.loadState(kStateTag, source))
            std::fprintf(stderr, "%s: set_state: not a state of this plugin (%zu bytes); state unchanged\n",
                         kPluginId, source->data_size);
    }
    // midi2: the plugin consumes Program Change itself (it selects a preset).
    aap_midi_mapping_policy mappingPolicy() noexcept { return AAP_PARAMETERS_MAPPING_POLICY_PROGRAM; }

private:
    // [audio-thread] Parameter changes and Program Change; everything else is ignored. The
    // header's length comes from another process, so the iterator validates it first.
    void readMidi(aap_buffer_t* buffer) noexcept {
        void* midi = buffer->get_buffer(buffer, kMidiIn);
        const int32_t size = buffer->get_buffer_size(buffer, kMidiIn);
        aapxs_ump_iterator_t it;
        if (midi == nullptr || size <= 0 ||
            aapxs_midi2_buffer_iterator_init(&it, midi, static_cast<size_t>(size)) != AAPXS_CODEC_OK)
            return;
        aapxs_ump_t ump;
        while (aapxs_ump_iterator_next(&it, &ump)) {
            uint16_t id = 0;
            uint32_t value = 0;
            if (aapxs_ump_is_parameter_change(&ump) &&
                aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value)) {
                values_.setFromTransport(id, value);
            } else if ((ump.words[0] >> 28) == 0x4 && ((ump.words[0] >> 20) & 0xF) == 0xC) {
                applyPreset(static_cast<int32_t>(ump.words[1] >> 24));  // MIDI 2.0 Program Change
            }
        }
    }

    // Empties the MIDI2 output, then reports the values a preset set (the host and its GUIs follow).
    void clearMidiOut(aap_buffer_t* buffer) noexcept {
        void* midi = buffer->get_buffer(buffer, kMidiOut);
        const int32_t size = buffer->get_buffer_size(buffer, kMidiOut);
        if (midi != nullptr && size >= static_cast<int32_t>(AAPXS_MIDI2_BUFFER_HEADER_SIZE) &&
            aapxs_midi2_buffer_init(midi, static_cast<size_t>(size)) == AAPXS_CODEC_OK)
            values_.reportIfMarked(midi, static_cast<size_t>(size));
    }

    // [thread-safe] Out-of-range indexes are ignored.
    void applyPreset(int32_t index) noexcept {
        if (index < 0 || index >= kPresetCount)
            return;
        for (size_t i = 0; i < 4; i++)
            values_.set(i, kPresets[index].values[i]);
        values_.markForReport();
    }

    static double dbToGain(double db) noexcept { return db <= -60.0 ? 0.0 : std::pow(10.0, db / 20.0); }

    Values values_;
    int sampleRate_ = 48000;
    std::vector<float> lines_[2];  // delay lines, sized in prepare()
    size_t writeIndex_ = 0;
    double smoothedGain_ = 1.0;
    double smoothedMix_ = 0.0;
    double smoothedDelay_ = 0.0;
    double smoothing_ = 1.0;
};

} // namespace

// The factory accepts kPluginId only and refuses a host with another major AAP ABI (aap/abi.h).
AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return aap::helpers::Factory<DelayEffect>::get();
}
