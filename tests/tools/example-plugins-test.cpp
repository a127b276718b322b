// The example plugins loaded directly (dlopen, no hosting): their extensions answer as
// documented, control input changes the sound, bad input is survived, and process() performs
// zero heap operations and zero blocking calls (locks, waits, sleeps, I/O, ...) across thousands
// of cycles with MIDI, parameter and preset traffic (aap::rt-guard).

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aap/android-audio-plugin.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"
#include "aap/runtime/realtime-guard.h"
#include "aapxs/midi2-buffer.h"

namespace {

constexpr int32_t kFrames = 256;
constexpr uint32_t kMidiSize = 8192;

// The host's side of one instance: port buffers and the aap_buffer_t/AndroidAudioPluginHost.
class DirectHost {
public:
    DirectHost(const char* libraryPath, const char* pluginId, std::vector<bool> portIsMidi) : isMidi_(std::move(portIsMidi)) {
        library_ = ::dlopen(libraryPath, RTLD_NOW | RTLD_LOCAL);
        EXPECT_NE(library_, nullptr) << ::dlerror();
        if (library_ == nullptr)
            return;
        auto entry = reinterpret_cast<aap_factory_t>(::dlsym(library_, "GetAndroidAudioPluginFactory"));
        EXPECT_NE(entry, nullptr);
        factory_ = entry();
        for (bool midi : isMidi_)
            storage_.emplace_back(midi ? kMidiSize : kFrames * sizeof(float), 0);
        buffer_.impl = this;
        buffer_.num_frames = [](aap_buffer_t*) { return kFrames; };
        buffer_.num_ports = [](aap_buffer_t* b) { return static_cast<int32_t>(self(b)->storage_.size()); };
        buffer_.get_buffer = [](aap_buffer_t* b, int32_t i) -> void* {
            return i >= 0 && i < static_cast<int32_t>(self(b)->storage_.size()) ? self(b)->storage_[i].data() : nullptr;
        };
        buffer_.get_buffer_size = [](aap_buffer_t* b, int32_t i) {
            return i >= 0 && i < static_cast<int32_t>(self(b)->storage_.size())
                       ? static_cast<int32_t>(self(b)->storage_[i].size())
                       : 0;
        };
        host_.context = this;
        host_.get_extension = [](AndroidAudioPluginHost*, const char* uri) { return aap_abi_get_extension(uri); };
        host_.request_process = nullptr;
        plugin_ = factory_->instantiate(factory_, pluginId, &host_);
        EXPECT_NE(plugin_, nullptr);
        if (plugin_ != nullptr) {
            plugin_->prepare(plugin_, 48000, &buffer_);
            plugin_->activate(plugin_);
        }
    }
    ~DirectHost() {
        if (plugin_ != nullptr) {
            plugin_->deactivate(plugin_);
            factory_->release(factory_, plugin_);
        }
        if (library_ != nullptr)
            ::dlclose(library_);
    }

    AndroidAudioPlugin* plugin() { return plugin_; }
    AndroidAudioPluginFactory* factory() { return factory_; }
    AndroidAudioPluginHost* host() { return &host_; }
    float* audio(int32_t port) { return reinterpret_cast<float*>(storage_[static_cast<size_t>(port)].data()); }
    void* midi(int32_t port) { return storage_[static_cast<size_t>(port)].data(); }

    // Clears every MIDI input header (outputs are the plugin's to write).
    void clearMidi() {
        for (size_t i = 0; i < storage_.size(); i++)
            if (isMidi_[i])
                aapxs_midi2_buffer_init(storage_[i].data(), kMidiSize);
    }
    // Allocation-free (it runs inside RealtimeGuard scopes).
    void appendUmp(int32_t port, std::initializer_list<uint32_t> words) {
        ASSERT_EQ(aapxs_midi2_buffer_append_ump(midi(port), kMidiSize, words.begin(), words.size()), AAPXS_CODEC_OK);
    }
    void parameter(int32_t port, uint16_t id, double normalized) {
        ASSERT_EQ(aapxs_midi2_buffer_append_parameter_change(midi(port), kMidiSize, 0, 0, 0, 0, id,
                                                             aapParameterNormalizedToUint32(normalized)),
                  AAPXS_CODEC_OK);
    }
    void process() { plugin_->process(plugin_, &buffer_, kFrames, 0); }

    template <typename T>
    T* extension(const char* uri) {
        return static_cast<T*>(plugin_->get_extension(plugin_, uri));
    }

    std::vector<uint8_t> state() {
        auto* ext = extension<aap_state_extension_t>(AAP_STATE_EXTENSION_URI);
        std::vector<uint8_t> bytes(ext->get_state_size(ext, plugin_));
        aap_state_t blob{bytes.data(), bytes.size()};
        ext->get_state(ext, plugin_, &blob);
        bytes.resize(blob.data_size);
        return bytes;
    }

private:
    static DirectHost* self(aap_buffer_t* b) { return static_cast<DirectHost*>(b->impl); }
    void* library_ = nullptr;
    AndroidAudioPluginFactory* factory_ = nullptr;
    AndroidAudioPlugin* plugin_ = nullptr;
    std::vector<bool> isMidi_;
    std::vector<std::vector<uint8_t>> storage_;
    aap_buffer_t buffer_{};
    AndroidAudioPluginHost host_{};
};

// Default effect ports: in L/R, out L/R, MIDI in, MIDI out. Instrument: out L/R, MIDI in, MIDI out.
const std::vector<bool> kEffectPorts = {false, false, false, false, true, true};
const std::vector<bool> kInstrumentPorts = {false, false, true, true};

uint32_t noteOn(uint8_t note) { return 0x40900000u | (uint32_t{note} << 8); }
uint32_t noteOff(uint8_t note) { return 0x40800000u | (uint32_t{note} << 8); }

double peakOf(const float* samples) {
    double peak = 0;
    for (int32_t i = 0; i < kFrames; i++)
        peak = std::fmax(peak, std::fabs(samples[i]));
    return peak;
}

void fillSine(DirectHost& host, int cycle) {
    for (int32_t port : {0, 1})
        for (int32_t i = 0; i < kFrames; i++)
            host.audio(port)[i] = static_cast<float>(0.5 * std::sin(0.05 * (cycle * kFrames + i)));
}

TEST(ExampleDelayEffect, ProcessNeverTouchesTheHeapWhileControlsChange) {
    DirectHost host{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    ASSERT_NE(host.plugin(), nullptr);
    aap::RealtimeGuard guard;
    for (int cycle = 0; cycle < 4000; cycle++) {
        host.clearMidi();
        fillSine(host, cycle);
        if (cycle % 7 == 0)
            host.parameter(4, static_cast<uint16_t>(cycle % 4), (cycle % 13) / 13.0);
        if (cycle % 50 == 0)
            host.appendUmp(4, {0x40C00000u, static_cast<uint32_t>(cycle / 50 % 3) << 24});  // Program Change
        host.process();
    }
    EXPECT_EQ(guard.heapOperations(), 0u) << aap::RealtimeGuard::mechanism();
    EXPECT_EQ(guard.blockingCalls(), 0u) << aap::RealtimeGuard::firstViolation();
}

TEST(ExampleDelayEffect, GainParameterChangeSilencesTheOutput) {
    DirectHost host{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    ASSERT_NE(host.plugin(), nullptr);
    host.clearMidi();
    fillSine(host, 0);
    host.process();
    EXPECT_GT(peakOf(host.audio(2)), 0.1);
    host.parameter(4, 0, 0.0);  // Gain -> -60 dB, i.e. off
    for (int cycle = 1; cycle < 20; cycle++) {
        fillSine(host, cycle);
        host.process();
        host.clearMidi();
    }
    EXPECT_LT(peakOf(host.audio(2)), 1e-4);
}

TEST(ExampleDelayEffect, ExtensionsAnswerAsDocumented) {
    DirectHost host{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    AndroidAudioPlugin* plugin = host.plugin();
    ASSERT_NE(plugin, nullptr);
    auto* parameters = host.extension<aap_parameters_extension_t>(AAP_PARAMETERS_EXTENSION_URI);
    auto* presets = host.extension<aap_presets_extension_t>(AAP_PRESETS_EXTENSION_URI);
    auto* midi = host.extension<aap_midi_extension_t>(AAP_MIDI_EXTENSION_URI);
    ASSERT_TRUE(parameters && presets && midi);
    EXPECT_NE(plugin->get_extension(plugin, AAP_ABI_EXTENSION_URI), nullptr);
    EXPECT_EQ(plugin->get_extension(plugin, "urn:nothing"), nullptr);
    EXPECT_EQ(parameters->get_parameter_count(parameters, plugin), 4);
    EXPECT_EQ(parameters->get_parameter(parameters, plugin, 1).stable_id, 1);
    EXPECT_STREQ(parameters->get_parameter(parameters, plugin, 3).display_name, "Mix");
    EXPECT_EQ(parameters->get_parameter(parameters, plugin, 4).stable_id, -1);
    EXPECT_EQ(parameters->get_parameter_property(parameters, plugin, 1, AAP_PARAMETER_PROPERTY_MAX_VALUE), 2000.0);
    EXPECT_EQ(parameters->get_parameter_property(parameters, plugin, 99, AAP_PARAMETER_PROPERTY_MAX_VALUE), 0.0);
    EXPECT_EQ(presets->get_preset_count(presets, plugin), 3);
    aap_preset_t preset;
    bool called = false;
    presets->get_preset(presets, plugin, 2, &preset, [](void* data, void*) { *static_cast<bool*>(data) = true; }, &called);
    EXPECT_TRUE(called);
    EXPECT_STREQ(preset.name, "Long Echo");
    presets->get_preset(presets, plugin, 3, &preset, nullptr, nullptr);
    EXPECT_EQ(preset.id, -1);
    EXPECT_EQ(midi->get_mapping_policy(midi, plugin), AAP_PARAMETERS_MAPPING_POLICY_PROGRAM);
}

TEST(ExampleDelayEffect, PresetsAndStateRoundTrip) {
    DirectHost first{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    DirectHost second{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    ASSERT_TRUE(first.plugin() && second.plugin());
    std::vector<uint8_t> defaults = first.state();
    auto* presets = first.extension<aap_presets_extension_t>(AAP_PRESETS_EXTENSION_URI);
    presets->set_preset_index(presets, first.plugin(), 2);
    presets->set_preset_index(presets, first.plugin(), 99);  // ignored
    std::vector<uint8_t> longEcho = first.state();
    EXPECT_NE(defaults, longEcho);
    auto* state = second.extension<aap_state_extension_t>(AAP_STATE_EXTENSION_URI);
    aap_state_t blob{longEcho.data(), longEcho.size()};
    state->set_state(state, second.plugin(), &blob);
    EXPECT_EQ(second.state(), longEcho);
}

TEST(ExampleDelayEffect, ForeignOrCorruptStateIsRejectedAndTooSmallBuffersGetNothing) {
    DirectHost host{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    ASSERT_NE(host.plugin(), nullptr);
    std::vector<uint8_t> before = host.state();
    auto* state = host.extension<aap_state_extension_t>(AAP_STATE_EXTENSION_URI);
    std::vector<std::vector<uint8_t>> bad = {{}, {1, 2, 3}, std::vector<uint8_t>(before.size(), 0xFF)};
    std::vector<uint8_t> truncated(before.begin(), before.end() - 1);
    bad.push_back(truncated);
    std::vector<uint8_t> nan = before;
    std::memset(nan.data() + 16 + 4, 0xFF, 8);  // the first value becomes a NaN
    bad.push_back(nan);
    for (auto& bytes : bad) {
        aap_state_t blob{bytes.empty() ? nullptr : bytes.data(), bytes.size()};
        state->set_state(state, host.plugin(), &blob);
        EXPECT_EQ(host.state(), before);
    }
    std::vector<uint8_t> small(8);
    aap_state_t tooSmall{small.data(), small.size()};
    state->get_state(state, host.plugin(), &tooSmall);
    EXPECT_EQ(tooSmall.data_size, 0u);
}

TEST(ExampleDelayEffect, SurvivesAMidiHeaderThatLiesAboutItsLength) {
    DirectHost host{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    ASSERT_NE(host.plugin(), nullptr);
    host.clearMidi();
    uint32_t huge = 0xFFFFFFF0u;
    std::memcpy(static_cast<uint8_t*>(host.midi(4)) + 4, &huge, 4);
    fillSine(host, 0);
    host.process();
    EXPECT_GT(peakOf(host.audio(2)), 0.1);
}

TEST(ExamplePolySynth, ProcessNeverTouchesTheHeapWhileNotesAndControlsFlow) {
    DirectHost host{AAP_EXAMPLE_POLY_SYNTH, "urn:aap-examples:poly-synth", kInstrumentPorts};
    ASSERT_NE(host.plugin(), nullptr);
    aap::RealtimeGuard guard;
    for (int cycle = 0; cycle < 4000; cycle++) {
        host.clearMidi();
        const uint8_t note = static_cast<uint8_t>(36 + cycle % 48);
        host.appendUmp(2, {noteOn(note), 0xC0000000u});
        if (cycle > 20)
            host.appendUmp(2, {noteOff(static_cast<uint8_t>(note - 20)), 0});
        if (cycle % 9 == 0)
            host.parameter(2, static_cast<uint16_t>(cycle % 5), (cycle % 11) / 11.0);
        if (cycle % 100 == 0)
            host.appendUmp(2, {0x40C00000u, static_cast<uint32_t>(cycle / 100 % 3) << 24});
        host.appendUmp(2, {0x40E00000u, static_cast<uint32_t>(cycle) * 1000003u});  // pitch bend
        host.process();
    }
    EXPECT_EQ(guard.heapOperations(), 0u) << aap::RealtimeGuard::mechanism();
    EXPECT_EQ(guard.blockingCalls(), 0u) << aap::RealtimeGuard::firstViolation();
}

TEST(ExamplePolySynth, NoteOnSoundsAndNoteOffReleasesToSilence) {
    DirectHost host{AAP_EXAMPLE_POLY_SYNTH, "urn:aap-examples:poly-synth", kInstrumentPorts};
    ASSERT_NE(host.plugin(), nullptr);
    host.clearMidi();
    host.process();
    EXPECT_EQ(peakOf(host.audio(0)), 0.0);
    host.appendUmp(2, {noteOn(69), 0xFFFF0000u});
    for (int i = 0; i < 10; i++) {
        host.process();
        host.clearMidi();
    }
    EXPECT_GT(peakOf(host.audio(0)), 0.01);
    EXPECT_EQ(std::memcmp(host.audio(0), host.audio(1), kFrames * sizeof(float)), 0);
    host.appendUmp(2, {noteOff(69), 0});
    for (int i = 0; i < 100; i++) {  // release 300 ms = 57 cycles
        host.process();
        host.clearMidi();
    }
    EXPECT_EQ(peakOf(host.audio(0)), 0.0);
}

TEST(ExamplePolySynth, SeventeenNotesStealTheOldestVoiceWithoutGoingSilent) {
    DirectHost host{AAP_EXAMPLE_POLY_SYNTH, "urn:aap-examples:poly-synth", kInstrumentPorts};
    ASSERT_NE(host.plugin(), nullptr);
    host.clearMidi();
    for (uint8_t note = 40; note < 57; note++)
        host.appendUmp(2, {noteOn(note), 0x80000000u});
    host.process();
    host.clearMidi();
    host.process();
    EXPECT_GT(peakOf(host.audio(0)), 0.01);
    EXPECT_TRUE(std::isfinite(peakOf(host.audio(0))));
}

TEST(ExamplePolySynth, ExtensionsAnswerAsDocumented) {
    DirectHost host{AAP_EXAMPLE_POLY_SYNTH, "urn:aap-examples:poly-synth", kInstrumentPorts};
    AndroidAudioPlugin* plugin = host.plugin();
    ASSERT_NE(plugin, nullptr);
    auto* parameters = host.extension<aap_parameters_extension_t>(AAP_PARAMETERS_EXTENSION_URI);
    ASSERT_NE(parameters, nullptr);
    EXPECT_EQ(parameters->get_parameter_count(parameters, plugin), 5);
    EXPECT_EQ(parameters->get_enumeration_count(parameters, plugin, 1), 3);
    EXPECT_STREQ(parameters->get_enumeration(parameters, plugin, 1, 2).name, "Square");
    EXPECT_STREQ(parameters->get_enumeration(parameters, plugin, 1, 3).name, "");
    EXPECT_EQ(parameters->get_parameter_property(parameters, plugin, 1, AAP_PARAMETER_PROPERTY_IS_DISCRETE), 1.0);
    auto* presets = host.extension<aap_presets_extension_t>(AAP_PRESETS_EXTENSION_URI);
    aap_preset_t preset;
    presets->get_preset(presets, plugin, 0, &preset, nullptr, nullptr);
    EXPECT_STREQ(preset.name, "Soft Sine");
    // A state from the effect is not a synth state: the tag differs.
    DirectHost effect{AAP_EXAMPLE_DELAY_EFFECT, "urn:aap-examples:delay-effect", kEffectPorts};
    std::vector<uint8_t> before = host.state(), foreign = effect.state();
    auto* state = host.extension<aap_state_extension_t>(AAP_STATE_EXTENSION_URI);
    aap_state_t blob{foreign.data(), foreign.size()};
    state->set_state(state, plugin, &blob);
    EXPECT_EQ(host.state(), before);
}

TEST(ExampleCTremolo, ProcessNeverTouchesTheHeapAndDepthChangesTheSound) {
    DirectHost host{AAP_EXAMPLE_C_TREMOLO, "urn:aap-examples:c-tremolo", kEffectPorts};
    ASSERT_NE(host.plugin(), nullptr);
    EXPECT_EQ(host.plugin()->get_extension(host.plugin(), AAP_PARAMETERS_EXTENSION_URI), nullptr);
    EXPECT_NE(host.plugin()->get_extension(host.plugin(), AAP_ABI_EXTENSION_URI), nullptr);
    aap::RealtimeGuard guard;
    for (int cycle = 0; cycle < 2000; cycle++) {
        host.clearMidi();
        for (int32_t port : {0, 1})
            for (int32_t i = 0; i < kFrames; i++)
                host.audio(port)[i] = 0.5f;
        if (cycle % 10 == 0)
            host.parameter(4, static_cast<uint16_t>(cycle % 2), (cycle % 7) / 7.0);
        host.process();
    }
    EXPECT_EQ(guard.heapOperations(), 0u);
    EXPECT_EQ(guard.blockingCalls(), 0u) << aap::RealtimeGuard::firstViolation();
    host.clearMidi();
    host.parameter(4, 1, 0.0);  // depth 0: the input passes unchanged
    host.process();
    for (int32_t i = 0; i < kFrames; i++)
        ASSERT_EQ(host.audio(2)[i], 0.5f);
}

TEST(ExampleFactories, RefuseUnknownIdsAndIncompatibleHosts) {
    for (const char* library : {AAP_EXAMPLE_DELAY_EFFECT, AAP_EXAMPLE_POLY_SYNTH, AAP_EXAMPLE_C_TREMOLO}) {
        void* handle = ::dlopen(library, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(handle, nullptr);
        auto* factory = reinterpret_cast<aap_factory_t>(::dlsym(handle, "GetAndroidAudioPluginFactory"))();
        AndroidAudioPluginHost host{};
        static const aap_abi_version_t future = {AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 0, 0};
        host.get_extension = [](AndroidAudioPluginHost*, const char* uri) -> void* {
            return std::strcmp(uri, AAP_ABI_EXTENSION_URI) == 0 ? const_cast<aap_abi_version_t*>(&future) : nullptr;
        };
        EXPECT_EQ(factory->instantiate(factory, "urn:someone:else", &host), nullptr) << library;
        EXPECT_EQ(factory->instantiate(factory, "urn:aap-examples:delay-effect", &host), nullptr) << library;
        EXPECT_EQ(factory->instantiate(factory, "urn:aap-examples:poly-synth", &host), nullptr) << library;
        EXPECT_EQ(factory->instantiate(factory, "urn:aap-examples:c-tremolo", &host), nullptr) << library;
        ::dlclose(handle);
    }
}

} // namespace
