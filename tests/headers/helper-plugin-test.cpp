// The C++ plugin helper (include/aap/helpers/plugin.hpp) through a plugin built with it
// (plugins/cxx-helper-plugin.cpp), loaded with dlopen as a plugin service would: the factory's
// checks, the trampolines reaching the right instance, one static table per extension shared by
// every instance, the class's own extension(uri), the ABI record, and unlisted extensions absent.

#include <aap/aap.h>
#include <aapxs/midi2-buffer.h>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <array>
#include <cstring>
#include <vector>

#include "plugins/cxx-helper-plugin.h"

namespace {

constexpr int32_t kFrames = 32;
constexpr int32_t kMidiSize = 256;

class Buffers {
public:
    Buffers() {
        for (auto& a : audio_)
            a.assign(kFrames, 0.0f);
        for (auto& m : midi_) {
            m.assign(kMidiSize, 0);
            aapxs_midi2_buffer_init(m.data(), m.size());
        }
        buffer_ = aap_buffer_t{this, [](aap_buffer_t*) { return kFrames; }, [](aap_buffer_t*) { return 6; },
                               [](aap_buffer_t* b, int32_t i) -> void* {
                                   auto* self = static_cast<Buffers*>(b->impl);
                                   if (i >= 0 && i < 4)
                                       return self->audio_[static_cast<size_t>(i)].data();
                                   return i < 6 ? self->midi_[static_cast<size_t>(i - 4)].data() : nullptr;
                               },
                               [](aap_buffer_t*, int32_t i) {
                                   return i < 4 ? kFrames * static_cast<int32_t>(sizeof(float)) : kMidiSize;
                               }};
        for (int32_t i = 0; i < kFrames; i++)
            audio_[0][static_cast<size_t>(i)] = audio_[1][static_cast<size_t>(i)] = 0.25f + 0.01f * static_cast<float>(i);
    }
    aap_buffer_t* get() { return &buffer_; }
    std::vector<float>& audio(int port) { return audio_[static_cast<size_t>(port)]; }
    void gainChange(double gain) {
        aapxs_midi2_buffer_init(midi_[0].data(), midi_[0].size());
        ASSERT_EQ(aapxs_midi2_buffer_append_parameter_change(midi_[0].data(), midi_[0].size(), 0, 0, 0, 0, 3,
                                                             aapParameterPlainToTransportUint32(0.0, 2.0, gain)),
                  AAPXS_CODEC_OK);
    }
    void noMidi() { aapxs_midi2_buffer_init(midi_[0].data(), midi_[0].size()); }

private:
    std::array<std::vector<float>, 4> audio_;
    std::array<std::vector<uint8_t>, 2> midi_;
    aap_buffer_t buffer_{};
};

struct Host {
    bool otherMajor = false;
    aap_abi_version_t future{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 0, 0};
    AndroidAudioPluginHost host{this,
                                [](AndroidAudioPluginHost* h, const char* uri) -> void* {
                                    auto* self = static_cast<Host*>(h->context);
                                    if (uri == nullptr || std::strcmp(uri, AAP_ABI_EXTENSION_URI) != 0)
                                        return nullptr;
                                    return self->otherMajor ? &self->future : aap_abi_get_extension(uri);
                                },
                                nullptr};
};

class HelperPlugin : public ::testing::Test {
protected:
    void SetUp() override {
        library_ = dlopen(AAP_TEST_HELPER_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        auto entry = reinterpret_cast<AndroidAudioPluginFactory* (*)()>(dlsym(library_, "GetAndroidAudioPluginFactory"));
        ASSERT_NE(entry, nullptr);
        factory_ = entry();
        ASSERT_NE(factory_, nullptr);
    }
    void TearDown() override {
        if (library_ != nullptr)
            dlclose(library_);
    }
    AndroidAudioPlugin* create(Host& host) { return factory_->instantiate(factory_, AAP_TEST_HELPER_PLUGIN_ID, &host.host); }
    template <typename T>
    static T* extension(AndroidAudioPlugin* p, const char* uri) {
        return static_cast<T*>(p->get_extension(p, uri));
    }

    void* library_ = nullptr;
    AndroidAudioPluginFactory* factory_ = nullptr;
};

TEST_F(HelperPlugin, TheFactoryChecksIdHostAndAbi) {
    Host host;
    EXPECT_EQ(factory_->instantiate(factory_, "urn:aap-test:someone-else", &host.host), nullptr);
    EXPECT_EQ(factory_->instantiate(factory_, nullptr, &host.host), nullptr);
    EXPECT_EQ(factory_->instantiate(factory_, AAP_TEST_HELPER_PLUGIN_ID, nullptr), nullptr);
    Host future;
    future.otherMajor = true;
    EXPECT_EQ(create(future), nullptr) << "a host of another major ABI is refused";
    AndroidAudioPlugin* plugin = create(host);
    ASSERT_NE(plugin, nullptr);
    auto* counter = extension<aap_test_helper_counter_t>(plugin, AAP_TEST_HELPER_COUNTER_URI);
    ASSERT_NE(counter, nullptr) << "the class's own extension(uri) answers what the helper does not";
    EXPECT_EQ(counter->has_host(plugin), 1) << "Self(AndroidAudioPluginHost*) was used";
    factory_->release(factory_, plugin);
}

TEST_F(HelperPlugin, ExtensionsAreOneStaticTableEachAndReachTheirInstance) {
    Host host;
    AndroidAudioPlugin* a = create(host);
    AndroidAudioPlugin* b = create(host);
    ASSERT_TRUE(a != nullptr && b != nullptr);
    auto* parametersA = extension<aap_parameters_extension_t>(a, AAP_PARAMETERS_EXTENSION_URI);
    auto* parametersB = extension<aap_parameters_extension_t>(b, AAP_PARAMETERS_EXTENSION_URI);
    ASSERT_NE(parametersA, nullptr);
    EXPECT_EQ(parametersA, parametersB) << "one table for every instance";
    EXPECT_EQ(parametersA->aapxs_context, nullptr);
    EXPECT_EQ(parametersA->get_parameter_count(parametersA, a), 1);
    aap_parameter_info_t info = parametersA->get_parameter(parametersA, a, 0);
    EXPECT_EQ(info.stable_id, 3);
    EXPECT_STREQ(info.display_name, "Gain");
    EXPECT_EQ(parametersA->get_parameter(parametersA, a, 1).stable_id, -1);
    EXPECT_EQ(parametersA->get_parameter_property(parametersA, a, 3, AAP_PARAMETER_PROPERTY_MAX_VALUE), 2.0);
    EXPECT_EQ(parametersA->get_enumeration_count(parametersA, a, 3), 0);
    EXPECT_NE(extension<aap_state_extension_t>(a, AAP_STATE_EXTENSION_URI), nullptr);
    EXPECT_EQ(extension<void>(a, AAP_PRESETS_EXTENSION_URI), nullptr) << "not listed, not answered";
    EXPECT_EQ(extension<void>(a, AAP_MIDI_EXTENSION_URI), nullptr);
    EXPECT_EQ(extension<void>(a, "urn:aap-test:nothing"), nullptr);
    EXPECT_EQ(extension<void>(a, nullptr), nullptr);
    auto* abi = extension<aap_abi_version_t>(a, AAP_ABI_EXTENSION_URI);
    ASSERT_NE(abi, nullptr);
    EXPECT_EQ(abi->magic, AAP_ABI_MAGIC);

    // The trampolines reach the instance they were called for.
    Buffers bufferA, bufferB;
    a->prepare(a, 48000, bufferA.get());
    b->prepare(b, 48000, bufferB.get());
    a->activate(a);
    b->activate(b);
    bufferA.gainChange(2.0);
    a->process(a, bufferA.get(), kFrames, 0);
    b->process(b, bufferB.get(), kFrames, 0);
    for (int32_t i = 0; i < kFrames; i++) {
        EXPECT_EQ(bufferA.audio(2)[static_cast<size_t>(i)], bufferA.audio(0)[static_cast<size_t>(i)] * 2.0f);
        EXPECT_EQ(bufferB.audio(2)[static_cast<size_t>(i)], bufferB.audio(0)[static_cast<size_t>(i)]);
    }

    // State through the helper's table: a's gain (2) saved and loaded into b.
    auto* state = extension<aap_state_extension_t>(a, AAP_STATE_EXTENSION_URI);
    EXPECT_EQ(state->get_state_size(state, a), sizeof(double));
    double saved = 0;
    aap_state_t blob{&saved, sizeof(saved)};
    state->get_state(state, a, &blob);
    EXPECT_EQ(saved, 2.0);
    state->set_state(state, b, &blob);
    bufferB.noMidi();
    b->process(b, bufferB.get(), kFrames, 0);
    EXPECT_EQ(bufferB.audio(2)[5], bufferB.audio(0)[5] * 2.0f);

    a->deactivate(a);
    auto* counter = extension<aap_test_helper_counter_t>(a, AAP_TEST_HELPER_COUNTER_URI);
    EXPECT_EQ(counter->activations(a), 1);
    EXPECT_EQ(counter->deactivations(a), 1);
    EXPECT_EQ(counter->deactivations(b), 0);
    EXPECT_EQ(a->get_plugin_info, nullptr);
    factory_->release(factory_, a);
    factory_->release(factory_, b);
}

} // namespace
