// AAP example effect whose GUI is a program of its own (gui-program.cpp): the plugin library is
// the DSP only, a stereo gain, balance and width controlled by parameter-change SysEx8 on its
// MIDI2 input. aap_metadata.xml names the GUI program with gui:program; the plugin service
// launches it for every GUI session and supervises it (docs/gui.md), so this library contains no
// GUI code at all.
//
// Ports: the default effect ports (0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R,
// 4 System MIDI In, 5 System MIDI Out).

#include <aap/android-audio-plugin.h>
#include <aap/ext/parameters.h>
#include <aap/ext/state.h>
#include <aap/helpers/plugin.hpp>
#include <aapxs/midi2-buffer.h>

#include <cmath>
#include <cstdio>

#include "../common/example-parameters.h"

namespace {

constexpr uint32_t kStateTag = 0x50495547;  // "GUIP"

enum PortIndex : int32_t { kInL = 0, kInR = 1, kOutL = 2, kOutR = 3, kMidiIn = 4, kMidiOut = 5, kPortCount = 6 };
enum ParameterIndex : size_t { kGain = 0, kBalance = 1, kWidth = 2, kParameterCount = 3 };

const aap_examples::ParameterSpec kParameters[] = {
    {0, "Gain (dB)", "/Output", -60.0, 12.0, 0.0, nullptr, 0},
    {1, "Balance", "/Output", -1.0, 1.0, 0.0, nullptr, 0},
    {2, "Width", "/Output", 0.0, 2.0, 1.0, nullptr, 0},
};
using Values = aap_examples::ParameterValues<kParameterCount>;

class GuiProgramGain : public aap::helpers::Plugin<GuiProgramGain, aap::helpers::Parameters, aap::helpers::State> {
public:
    static constexpr const char* kPluginId = "urn:aap-examples:gui-program";

    GuiProgramGain() noexcept : values_(kParameters) {}

    void prepare(int, aap_buffer_t*) {}

    // [audio-thread]
    void process(aap_buffer_t* buffer, int32_t frames, int64_t) noexcept {
        if (buffer == nullptr || buffer->num_ports(buffer) < kPortCount)
            return;
        if (frames > buffer->num_frames(buffer))
            frames = buffer->num_frames(buffer);
        readMidi(buffer);
        void* midiOut = buffer->get_buffer(buffer, kMidiOut);
        const int32_t midiOutSize = buffer->get_buffer_size(buffer, kMidiOut);
        if (midiOut != nullptr && midiOutSize >= static_cast<int32_t>(AAPXS_MIDI2_BUFFER_HEADER_SIZE))
            aapxs_midi2_buffer_init(midiOut, static_cast<size_t>(midiOutSize));
        const float* inL = static_cast<const float*>(buffer->get_buffer(buffer, kInL));
        const float* inR = static_cast<const float*>(buffer->get_buffer(buffer, kInR));
        float* outL = static_cast<float*>(buffer->get_buffer(buffer, kOutL));
        float* outR = static_cast<float*>(buffer->get_buffer(buffer, kOutR));
        if (!inL || !inR || !outL || !outR)
            return;
        const double db = values_.get(kGain);
        const double gain = db <= -60.0 ? 0.0 : std::pow(10.0, db / 20.0);
        const double balance = values_.get(kBalance);
        const double leftGain = gain * (balance > 0 ? 1.0 - balance : 1.0);
        const double rightGain = gain * (balance < 0 ? 1.0 + balance : 1.0);
        const double width = values_.get(kWidth);
        for (int32_t i = 0; i < frames; i++) {
            const double mid = 0.5 * (inL[i] + inR[i]);
            const double side = 0.5 * (inL[i] - inR[i]) * width;
            outL[i] = static_cast<float>((mid + side) * leftGain);
            outR[i] = static_cast<float>((mid - side) * rightGain);
        }
    }

    int32_t parameterCount() noexcept { return Values::count(); }
    aap_parameter_info_t parameterInfo(int32_t index) noexcept { return values_.info(index); }
    double parameterProperty(int32_t id, int32_t property) noexcept { return values_.property(id, property); }
    int32_t enumerationCount(int32_t id) noexcept { return values_.enumerationCount(id); }
    aap_parameter_enum_t enumeration(int32_t id, int32_t index) noexcept { return values_.enumeration(id, index); }
    size_t stateSize() noexcept { return Values::stateSize(); }
    void saveState(aap_state_t* destination) noexcept { values_.saveState(kStateTag, destination); }
    void loadState(aap_state_t* source) noexcept {
        if (!values_.loadState(kStateTag, source))
            std::fprintf(stderr, "%s: set_state: not a state of this plugin (%zu bytes); state unchanged\n",
                         kPluginId, source->data_size);
    }

private:
    // [audio-thread]
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
                aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value))
                values_.setFromTransport(id, value);
        }
    }

    Values values_;
};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return aap::helpers::Factory<GuiProgramGain>::get();
}
