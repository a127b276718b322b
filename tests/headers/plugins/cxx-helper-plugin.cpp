// A small plugin written with the C++ helper of include/aap/helpers/plugin.hpp, for
// helper-plugin-test: a stereo gain (ports by the default effect rules: 0/1 audio in, 2/3 audio out,
// 4 MIDI2 in, 5 MIDI2 out) with the parameters and state extensions through the helper's tables,
// activate/deactivate hooks, a constructor taking the host, and one extension of its own
// (AAP_TEST_HELPER_COUNTER_URI) answered by the class's extension(uri).

#include <aap/helpers/plugin.hpp>
#include <aapxs/midi2-buffer.h>

#include <cstring>

#include "cxx-helper-plugin.h"

namespace {

constexpr int32_t kGainId = 3;

class GainPlugin : public aap::helpers::Plugin<GainPlugin, aap::helpers::Parameters, aap::helpers::State> {
public:
    static constexpr const char* kPluginId = AAP_TEST_HELPER_PLUGIN_ID;

    explicit GainPlugin(AndroidAudioPluginHost* host) noexcept : host_(host) {
        counter_.activations = [](AndroidAudioPlugin* p) { return of(p)->activations_; };
        counter_.deactivations = [](AndroidAudioPlugin* p) { return of(p)->deactivations_; };
        counter_.has_host = [](AndroidAudioPlugin* p) { return of(p)->host_ != nullptr ? 1 : 0; };
    }

    void prepare(int, aap_buffer_t*) noexcept {}
    void activate() noexcept { activations_++; }
    void deactivate() noexcept { deactivations_++; }

    void process(aap_buffer_t* buffer, int32_t frames, int64_t) noexcept {
        aapxs_ump_iterator_t it;
        aapxs_ump_t ump;
        if (aapxs_midi2_buffer_iterator_init(&it, buffer->get_buffer(buffer, 4),
                                             static_cast<size_t>(buffer->get_buffer_size(buffer, 4))) == AAPXS_CODEC_OK)
            while (aapxs_ump_iterator_next(&it, &ump)) {
                uint16_t id;
                uint32_t value;
                if (aapxs_ump_is_parameter_change(&ump) &&
                    aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value) &&
                    id == kGainId)
                    gain_ = aapParameterTransportUint32ToPlain(0.0, 2.0, value);
            }
        for (int32_t c = 0; c < 2; c++) {
            auto* in = static_cast<const float*>(buffer->get_buffer(buffer, c));
            auto* out = static_cast<float*>(buffer->get_buffer(buffer, c + 2));
            for (int32_t i = 0; i < frames; i++)
                out[i] = static_cast<float>(in[i] * gain_);
        }
        aapxs_midi2_buffer_init(buffer->get_buffer(buffer, 5), static_cast<size_t>(buffer->get_buffer_size(buffer, 5)));
    }

    // parameters
    int32_t parameterCount() noexcept { return 1; }
    aap_parameter_info_t parameterInfo(int32_t index) noexcept {
        aap_parameter_info_t info;
        std::memset(&info, 0, sizeof(info));
        info.stable_id = index == 0 ? kGainId : -1;
        if (index == 0) {
            std::strcpy(info.display_name, "Gain");
            info.max_value = 2.0;
            info.default_value = 1.0;
        }
        return info;
    }
    double parameterProperty(int32_t id, int32_t property) noexcept {
        if (id != kGainId)
            return 0.0;
        return property == AAP_PARAMETER_PROPERTY_MAX_VALUE ? 2.0 : property == AAP_PARAMETER_PROPERTY_DEFAULT_VALUE ? 1.0 : 0.0;
    }
    int32_t enumerationCount(int32_t) noexcept { return 0; }
    aap_parameter_enum_t enumeration(int32_t, int32_t) noexcept {
        aap_parameter_enum_t entry;
        std::memset(&entry, 0, sizeof(entry));
        return entry;
    }

    // state: the gain as 8 bytes
    size_t stateSize() noexcept { return sizeof(double); }
    void saveState(aap_state_t* destination) noexcept {
        if (destination->data_size < sizeof(double) || destination->data == nullptr) {
            destination->data_size = 0;
            return;
        }
        std::memcpy(destination->data, &gain_, sizeof(double));
        destination->data_size = sizeof(double);
    }
    void loadState(aap_state_t* source) noexcept {
        if (source->data_size == sizeof(double) && source->data != nullptr)
            std::memcpy(&gain_, source->data, sizeof(double));
    }

    // Extensions the helper does not know.
    void* extension(const char* uri) noexcept {
        return std::strcmp(uri, AAP_TEST_HELPER_COUNTER_URI) == 0 ? &counter_ : nullptr;
    }

private:
    AndroidAudioPluginHost* host_;
    double gain_ = 1.0;
    int32_t activations_ = 0;
    int32_t deactivations_ = 0;
    aap_test_helper_counter_t counter_{};
};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return aap::helpers::Factory<GainPlugin>::get();
}
