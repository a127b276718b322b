// AAP example instrument: a 16-voice polyphonic synthesizer driven by MIDI 2.0 UMPs, with the
// parameters, presets, state and midi2 extensions (C++17, built with aap_add_plugin).
//
// Ports (aap_metadata.xml declares none, so the default instrument ports apply, docs/spec/abi.md 6):
//   0 Audio Out L, 1 Audio Out R, 2 MIDI In, 3 System MIDI Out.
// MIDI input, all applied at the start of the block they arrive in (hosts that need
// sample-accurate timing split their blocks at event positions, as aap-host render does):
//   - MIDI 2.0 channel voice (UMP type 4): note on/off (16-bit velocity), pitch bend (+-2
//     semitones), Program Change (selects a preset), CC 120/123 (all sound/notes off);
//   - MIDI 1.0 channel voice in UMP (type 2): note on/off (velocity 0 = off), for simple hosts;
//   - parameter-change SysEx8 (index = stable parameter id).
// Everything else (including AAPXS, which the runtime strips before process()) is skipped.
//
// Threads: process() runs on the audio thread and never allocates or locks. Extension functions
// run on the main thread or the plugin service's worker; they meet the audio thread only in the
// atomics of ParameterValues.

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

#include "../common/example-parameters.h"

namespace {

constexpr uint32_t kStateTag = 0x48545953;  // "SYTH"
constexpr int kVoiceCount = 16;
constexpr double kPi = 3.14159265358979323846;

enum PortIndex : int32_t { kOutL = 0, kOutR = 1, kMidiIn = 2, kMidiOut = 3, kPortCount = 4 };
enum ParameterIndex : size_t { kVolume = 0, kWaveform = 1, kAttack = 2, kRelease = 3, kCutoff = 4 };
enum Waveform { kSine = 0, kSaw = 1, kSquare = 2 };

const aap_parameter_enum_t kWaveforms[] = {{"Sine", 0.0}, {"Saw", 1.0}, {"Square", 2.0}};
const aap_examples::ParameterSpec kParameters[] = {
    {0, "Volume", "/Output", 0.0, 1.0, 0.5, nullptr, 0},
    {1, "Waveform", "/Oscillator", 0.0, 2.0, 1.0, kWaveforms, 3},
    {2, "Attack (ms)", "/Envelope", 1.0, 2000.0, 10.0, nullptr, 0},
    {3, "Release (ms)", "/Envelope", 1.0, 5000.0, 300.0, nullptr, 0},
    {4, "Cutoff (Hz)", "/Filter", 50.0, 16000.0, 6000.0, nullptr, 0},
};
using Values = aap_examples::ParameterValues<5>;

struct Preset {
    int32_t id;
    const char* name;
    double values[5];  // in kParameters order
};
const Preset kPresets[] = {
    {1, "Soft Sine", {0.6, kSine, 40.0, 600.0, 3000.0}},
    {2, "Bright Saw", {0.4, kSaw, 5.0, 250.0, 12000.0}},
    {3, "Square Pluck", {0.45, kSquare, 2.0, 120.0, 1800.0}},
};
constexpr int32_t kPresetCount = static_cast<int32_t>(sizeof(kPresets) / sizeof(kPresets[0]));

// PolyBLEP residual: removes most of the aliasing of the naive saw and square.
double polyBlep(double t, double dt) noexcept {
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

struct Voice {
    bool sounding = false;
    bool held = false;
    uint8_t channel = 0;
    uint8_t note = 0;
    double velocity = 0.0;
    double phase = 0.0;
    double envelope = 0.0;
    double filtered = 0.0;
    uint64_t startedAt = 0;  // for stealing the oldest voice
};

// aap::helpers::Plugin (include/aap/helpers/plugin.hpp) writes the C trampolines: the
// AndroidAudioPlugin functions call prepare()/process()/deactivate() below, and get_extension
// answers the ABI record and one static table per listed extension, whose functions call the
// methods under "extensions".
class PolySynth : public aap::helpers::Plugin<PolySynth, aap::helpers::Parameters, aap::helpers::Presets,
                                              aap::helpers::State, aap::helpers::Midi> {
public:
    static constexpr const char* kPluginId = "urn:aap-examples:poly-synth";

    PolySynth() noexcept : values_(kParameters) {}

    // [main-thread]
    void prepare(int rate, aap_buffer_t*) noexcept {
        sampleRate_ = rate > 0 ? rate : 48000;
        allSoundOff();
    }
    // [main-thread] A deactivated synth starts silent when activated again.
    void deactivate() noexcept { allSoundOff(); }

    // [audio-thread]
    void process(aap_buffer_t* buffer, int32_t frames, int64_t /*timeoutNs*/) noexcept {
        if (buffer == nullptr || buffer->num_ports(buffer) < kPortCount)
            return;
        if (frames > buffer->num_frames(buffer))
            frames = buffer->num_frames(buffer);
        readMidi(buffer);
        void* midiOut = buffer->get_buffer(buffer, kMidiOut);
        const int32_t midiOutSize = buffer->get_buffer_size(buffer, kMidiOut);
        if (midiOut != nullptr && midiOutSize >= static_cast<int32_t>(AAPXS_MIDI2_BUFFER_HEADER_SIZE) &&
            aapxs_midi2_buffer_init(midiOut, static_cast<size_t>(midiOutSize)) == AAPXS_CODEC_OK)
            values_.reportIfMarked(midiOut, static_cast<size_t>(midiOutSize));  // after a preset
        float* outL = static_cast<float*>(buffer->get_buffer(buffer, kOutL));
        float* outR = static_cast<float*>(buffer->get_buffer(buffer, kOutR));
        if (outL == nullptr || outR == nullptr)
            return;

        const double volume = values_.get(kVolume);
        const int waveform = static_cast<int>(std::lround(values_.get(kWaveform)));
        const double attackStep = 1.0 / (values_.get(kAttack) / 1000.0 * sampleRate_);
        const double releaseStep = 1.0 / (values_.get(kRelease) / 1000.0 * sampleRate_);
        const double cutoff = std::fmin(values_.get(kCutoff), 0.45 * sampleRate_);
        const double filterCoefficient = 1.0 - std::exp(-2.0 * kPi * cutoff / sampleRate_);
        const double bendRatio = std::pow(2.0, pitchBendSemitones_ / 12.0);

        for (int32_t i = 0; i < frames; i++) {
            outL[i] = 0.0f;
            outR[i] = 0.0f;
        }
        for (Voice& voice : voices_) {
            if (!voice.sounding)
                continue;
            const double frequency = 440.0 * std::pow(2.0, (voice.note - 69) / 12.0) * bendRatio;
            const double dt = std::fmin(frequency / sampleRate_, 0.5);
            for (int32_t i = 0; i < frames; i++) {
                if (voice.held) {
                    voice.envelope = std::fmin(1.0, voice.envelope + attackStep);
                } else {
                    voice.envelope -= releaseStep;
                    if (voice.envelope <= 0.0) {
                        voice.envelope = 0.0;
                        voice.sounding = false;
                        break;
                    }
                }
                double sample;
                switch (waveform) {
                case kSine: sample = std::sin(2.0 * kPi * voice.phase); break;
                case kSquare:
                    sample = (voice.phase < 0.5 ? 1.0 : -1.0) + polyBlep(voice.phase, dt) -
                             polyBlep(std::fmod(voice.phase + 0.5, 1.0), dt);
                    break;
                default: sample = 2.0 * voice.phase - 1.0 - polyBlep(voice.phase, dt); break;
                }
                voice.phase += dt;
                if (voice.phase >= 1.0)
                    voice.phase -= 1.0;
                voice.filtered += (sample - voice.filtered) * filterCoefficient;
                const float value = static_cast<float>(voice.filtered * voice.envelope * voice.velocity * volume * 0.25);
                outL[i] += value;
                outR[i] += value;
            }
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
    // [audio-thread] The header's length comes from another process: the iterator validates it.
    void readMidi(aap_buffer_t* buffer) noexcept {
        void* midi = buffer->get_buffer(buffer, kMidiIn);
        const int32_t size = buffer->get_buffer_size(buffer, kMidiIn);
        aapxs_ump_iterator_t it;
        if (midi == nullptr || size <= 0 ||
            aapxs_midi2_buffer_iterator_init(&it, midi, static_cast<size_t>(size)) != AAPXS_CODEC_OK)
            return;
        aapxs_ump_t ump;
        while (aapxs_ump_iterator_next(&it, &ump)) {
            const uint32_t w0 = ump.words[0];
            const uint32_t type = w0 >> 28;
            const uint32_t status = (w0 >> 20) & 0xF;
            const uint8_t channel = static_cast<uint8_t>((w0 >> 16) & 0xF);
            const uint8_t data1 = static_cast<uint8_t>((w0 >> 8) & 0x7F);
            uint16_t id = 0;
            uint32_t value = 0;
            if (type == 0x4) {
                const uint32_t w1 = ump.words[1];
                switch (status) {
                case 0x9: noteOn(channel, data1, (w1 >> 16) / 65535.0); break;
                case 0x8: noteOff(channel, data1); break;
                case 0xE: pitchBendSemitones_ = (static_cast<double>(w1) - 2147483648.0) / 2147483648.0 * 2.0; break;
                case 0xC: applyPreset(static_cast<int32_t>(w1 >> 24)); break;
                case 0xB:
                    if (data1 == 120)
                        allSoundOff();
                    else if (data1 == 123)
                        allNotesOff();
                    break;
                default: break;
                }
            } else if (type == 0x2) {
                const uint8_t velocity = static_cast<uint8_t>(w0 & 0x7F);
                if (status == 0x9 && velocity > 0)
                    noteOn(channel, data1, velocity / 127.0);
                else if (status == 0x8 || status == 0x9)
                    noteOff(channel, data1);
            } else if (aapxs_ump_is_parameter_change(&ump) &&
                       aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value)) {
                values_.setFromTransport(id, value);
            }
        }
    }

    void noteOn(uint8_t channel, uint8_t note, double velocity) noexcept {
        Voice* chosen = nullptr;
        for (Voice& voice : voices_)  // retrigger the same note, else a free voice, else the oldest
            if (voice.sounding && voice.channel == channel && voice.note == note) {
                chosen = &voice;
                break;
            }
        if (chosen == nullptr)
            for (Voice& voice : voices_)
                if (!voice.sounding) {
                    chosen = &voice;
                    break;
                }
        if (chosen == nullptr) {
            chosen = &voices_[0];
            for (Voice& voice : voices_)
                if (voice.startedAt < chosen->startedAt)
                    chosen = &voice;
        }
        const bool retrigger = chosen->sounding && chosen->note == note;
        chosen->sounding = true;
        chosen->held = true;
        chosen->channel = channel;
        chosen->note = note;
        chosen->velocity = velocity < 0.05 ? 0.05 : velocity;  // MIDI 2.0 velocity 0 is a note, not an off
        if (!retrigger) {
            chosen->phase = 0.0;
            chosen->envelope = 0.0;
            chosen->filtered = 0.0;
        }
        chosen->startedAt = ++noteCounter_;
    }

    void noteOff(uint8_t channel, uint8_t note) noexcept {
        for (Voice& voice : voices_)
            if (voice.sounding && voice.held && voice.channel == channel && voice.note == note)
                voice.held = false;
    }

    void allNotesOff() noexcept {
        for (Voice& voice : voices_)
            voice.held = false;
    }

    void allSoundOff() noexcept {
        for (Voice& voice : voices_)
            voice = Voice{};
        pitchBendSemitones_ = 0.0;
    }

    void applyPreset(int32_t index) noexcept {
        if (index < 0 || index >= kPresetCount)
            return;
        for (size_t i = 0; i < 5; i++)
            values_.set(i, kPresets[index].values[i]);
        values_.markForReport();  // the host and its GUIs learn the new values from the MIDI2 output
    }

    Values values_;
    int sampleRate_ = 48000;
    Voice voices_[kVoiceCount];
    uint64_t noteCounter_ = 0;
    double pitchBendSemitones_ = 0.0;
};

} // namespace

// The factory accepts kPluginId only and refuses a host with another major AAP ABI (aap/abi.h).
AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return aap::helpers::Factory<PolySynth>::get();
}
