// A plugin for the `aap-host gui` tests (tests/tools/aap-host-gui-test.cpp) whose DSP -> GUI
// output is deterministic, so a browser test can tell exactly what must reach the page:
//
// Ports (no <ports> in its metadata: the default instrument ports, docs/spec/abi.md 6):
//   0 Audio Out L, 1 Audio Out R, 2 MIDI In, 3 System MIDI Out.
// Parameters:
//   0 "Level" 0..1 (default 0.5): both outputs are the constant Level, so each port's peak is Level.
//   1 "Last Note" 0..127 (default 0): the plugin sets it itself to the note number of the last
//     note-on it received and reports the change on its MIDI2 output (parameter-change SysEx8).
// MIDI input: a note-on (MIDI 2.0 or MIDI 1.0 channel voice UMP) is echoed to the MIDI2 output as
// a MIDI 2.0 note-on (same channel, note and velocity) and sets Last Note; a parameter-change
// SysEx8 sets that parameter.
// Presets: 0 "Quiet" {0.1, 0}, 1 "Loud" {0.9, 0}, 2 "Middle" {0.5, 64}: selecting one sets both
// values, and the next process() reports them on the MIDI2 output.
//
// Threads: process() never allocates or locks; the preset's values meet it in atomics.

#include <aap/android-audio-plugin.h>
#include <aap/ext/midi.h>
#include <aap/ext/parameters.h>
#include <aap/ext/presets.h>
#include <aap/helpers/plugin.hpp>
#include <aapxs/midi2-buffer.h>

#include <atomic>
#include <cstring>
#include <initializer_list>

#include "example-parameters.h"

namespace {

enum PortIndex : int32_t { kOutL = 0, kOutR = 1, kMidiIn = 2, kMidiOut = 3, kPortCount = 4 };

const aap_examples::ParameterSpec kParameters[] = {
    {0, "Level", "", 0.0, 1.0, 0.5, nullptr, 0},
    {1, "Last Note", "", 0.0, 127.0, 0.0, nullptr, 0},
};
using Values = aap_examples::ParameterValues<2>;

struct Preset {
    int32_t id;
    const char* name;
    double values[2];
};
const Preset kPresets[] = {{1, "Quiet", {0.1, 0.0}}, {2, "Loud", {0.9, 0.0}}, {3, "Middle", {0.5, 64.0}}};
constexpr int32_t kPresetCount = 3;

uint32_t toTransport(const aap_examples::ParameterSpec& spec, double value) noexcept {
    const double normalized = (value - spec.minimum) / (spec.maximum - spec.minimum);
    if (!(normalized > 0))
        return 0u;
    if (normalized >= 1)
        return 0xFFFFFFFFu;
    return static_cast<uint32_t>(normalized * 4294967295.0 + 0.5);
}

class GuiEcho : public aap::helpers::Plugin<GuiEcho, aap::helpers::Parameters, aap::helpers::Presets,
                                            aap::helpers::Midi> {
public:
    static constexpr const char* kPluginId = "urn:aap-test:gui-echo";

    GuiEcho() noexcept : values_(kParameters) {}

    void prepare(int, aap_buffer_t*) noexcept {}

    // [audio-thread]
    void process(aap_buffer_t* buffer, int32_t frames, int64_t) noexcept {
        if (buffer == nullptr || buffer->num_ports(buffer) < kPortCount)
            return;
        if (frames > buffer->num_frames(buffer))
            frames = buffer->num_frames(buffer);
        void* out = buffer->get_buffer(buffer, kMidiOut);
        const size_t outSize = static_cast<size_t>(buffer->get_buffer_size(buffer, kMidiOut));
        const bool haveOut = out != nullptr && outSize >= AAPXS_MIDI2_BUFFER_HEADER_SIZE &&
                             aapxs_midi2_buffer_init(out, outSize) == AAPXS_CODEC_OK;
        if (haveOut && reportAll_.exchange(false, std::memory_order_acquire))
            for (size_t i = 0; i < 2; i++)
                report(out, outSize, i);
        void* in = buffer->get_buffer(buffer, kMidiIn);
        const int32_t inSize = buffer->get_buffer_size(buffer, kMidiIn);
        aapxs_ump_iterator_t it;
        if (in != nullptr && inSize > 0 &&
            aapxs_midi2_buffer_iterator_init(&it, in, static_cast<size_t>(inSize)) == AAPXS_CODEC_OK) {
            aapxs_ump_t ump;
            while (aapxs_ump_iterator_next(&it, &ump)) {
                const uint32_t w0 = ump.words[0];
                const uint32_t type = w0 >> 28, status = (w0 >> 20) & 0xFu;
                uint16_t id = 0;
                uint32_t value = 0;
                uint32_t velocity16 = 0;
                bool noteOn = false;
                if (type == 0x4 && status == 0x9) {
                    noteOn = true;
                    velocity16 = ump.words[1] >> 16;
                } else if (type == 0x2 && status == 0x9 && (w0 & 0x7Fu) != 0) {
                    noteOn = true;
                    velocity16 = (w0 & 0x7Fu) << 9;
                } else if (aapxs_ump_is_parameter_change(&ump) &&
                           aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value)) {
                    values_.setFromTransport(id, value);
                    continue;
                }
                if (!noteOn)
                    continue;
                const uint32_t note = (w0 >> 8) & 0x7Fu;
                values_.set(1, static_cast<double>(note));
                if (haveOut) {
                    const uint32_t echo[2] = {0x40900000u | (w0 & 0x000F0000u) | (note << 8), velocity16 << 16};
                    aapxs_midi2_buffer_append_ump(out, outSize, echo, 2);
                    report(out, outSize, 1);
                }
            }
        }
        const float level = static_cast<float>(values_.get(0));
        for (int32_t port : {kOutL, kOutR}) {
            auto* samples = static_cast<float*>(buffer->get_buffer(buffer, port));
            if (samples != nullptr)
                for (int32_t i = 0; i < frames; i++)
                    samples[i] = level;
        }
    }

    // parameters
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
        std::strncpy(preset->name, kPresets[index].name, sizeof(preset->name) - 1);
        return true;
    }
    void selectPreset(int32_t index) noexcept {
        if (index < 0 || index >= kPresetCount)
            return;
        for (size_t i = 0; i < 2; i++)
            values_.set(i, kPresets[index].values[i]);
        reportAll_.store(true, std::memory_order_release);
    }
    // midi2
    aap_midi_mapping_policy mappingPolicy() noexcept { return AAP_PARAMETERS_MAPPING_POLICY_SYSEX8; }

private:
    void report(void* out, size_t outSize, size_t index) noexcept {
        aapxs_midi2_buffer_append_parameter_change(out, outSize, 0, 0, 0, 0, static_cast<uint16_t>(kParameters[index].id),
                                                   toTransport(kParameters[index], values_.get(index)));
    }

    Values values_;
    std::atomic<bool> reportAll_{false};
};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return aap::helpers::Factory<GuiEcho>::get(); }
