// Loads the test plugins (the plain C gain plugin and the positional C++ plugin) with dlopen, the
// way a plugin service does, and drives them through the whole lifecycle with a minimal host:
// instantiate, ABI check both ways, prepare with real buffers, activate, process, deactivate,
// release. Also the failure paths: unknown id, no host, incompatible host, hostile buffers.

#include <aap/aap.h>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int32_t kFrames = 64;
constexpr int32_t kMidiBufferSize = DEFAULT_CONTROL_BUFFER_SIZE;

// Six ports: audio in L/R, audio out L/R, MIDI2 in, MIDI2 out.
class TestBuffers {
public:
    TestBuffers() : midi_(2, std::vector<uint8_t>(kMidiBufferSize, 0)) {
        for (auto& channel : audio_)
            channel.assign(kFrames, 0.0f);
        buffer_ = aap_buffer_t{this, numFrames, numPorts, getBuffer, getBufferSize};
    }
    aap_buffer_t* buffer() { return &buffer_; }
    std::vector<float>& audio(int port) { return audio_[static_cast<size_t>(port)]; }
    AAPMidiBufferHeader* midiHeader(int port) {
        return reinterpret_cast<AAPMidiBufferHeader*>(midi_[static_cast<size_t>(port - 4)].data());
    }
    uint32_t* midiWords(int port) {
        return reinterpret_cast<uint32_t*>(midi_[static_cast<size_t>(port - 4)].data() + sizeof(AAPMidiBufferHeader));
    }

private:
    static TestBuffers* self(aap_buffer_t* b) { return static_cast<TestBuffers*>(b->impl); }
    static int32_t numFrames(aap_buffer_t*) { return kFrames; }
    static int32_t numPorts(aap_buffer_t*) { return 6; }
    static void* getBuffer(aap_buffer_t* b, int32_t index) {
        if (index >= 0 && index < 4)
            return self(b)->audio_[static_cast<size_t>(index)].data();
        if (index == 4 || index == 5)
            return self(b)->midi_[static_cast<size_t>(index - 4)].data();
        return nullptr;
    }
    static int32_t getBufferSize(aap_buffer_t*, int32_t index) {
        if (index >= 0 && index < 4)
            return kFrames * static_cast<int32_t>(sizeof(float));
        if (index == 4 || index == 5)
            return kMidiBufferSize;
        return 0;
    }

    std::array<std::vector<float>, 4> audio_;
    std::vector<std::vector<uint8_t>> midi_;
    aap_buffer_t buffer_;
};

// What the host answers for AAP_ABI_EXTENSION_URI.
enum class HostAbi { Current, Legacy, OtherMajor, Malformed };

struct TestHost {
    explicit TestHost(HostAbi abi) : abi(abi) { host = AndroidAudioPluginHost{this, getExtension, requestProcess}; }
    static void* getExtension(AndroidAudioPluginHost* h, const char* uri) {
        auto self = static_cast<TestHost*>(h->context);
        if (uri == nullptr || std::strcmp(uri, AAP_ABI_EXTENSION_URI) != 0)
            return nullptr;
        switch (self->abi) {
        case HostAbi::Current: return aap_abi_get_extension(uri);
        case HostAbi::Legacy: return nullptr;
        case HostAbi::OtherMajor: return &self->otherMajor;
        case HostAbi::Malformed: return &self->malformed;
        }
        return nullptr;
    }
    static void requestProcess(AndroidAudioPluginHost*) {}

    HostAbi abi;
    AndroidAudioPluginHost host{};
    aap_abi_version_t otherMajor{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 0, 0};
    aap_abi_version_t malformed{0x12345678u, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR, 0};
};

struct LibraryCloser {
    void operator()(void* handle) const { dlclose(handle); }
};
using Library = std::unique_ptr<void, LibraryCloser>;

class LoadedPlugin {
public:
    explicit LoadedPlugin(const char* path) : library_(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
        if (!library_)
            return;
        auto entry = reinterpret_cast<aap_factory_t>(dlsym(library_.get(), "GetAndroidAudioPluginFactory"));
        factory_ = entry ? entry() : nullptr;
    }
    AndroidAudioPluginFactory* factory() const { return factory_; }

private:
    Library library_;
    AndroidAudioPluginFactory* factory_ = nullptr;
};

struct PluginCase {
    const char* name;
    const char* path;
    const char* id;
    float expectedDefaultGain;
};

const PluginCase kCPlugin{"c_gain", AAP_TEST_C_PLUGIN_PATH, "urn:aap-sdk-test:c-gain", 1.0f};
const PluginCase kCxxPlugin{"cxx_positional", AAP_TEST_CXX_PLUGIN_PATH, "urn:aap-sdk-test:cxx-positional", 1.0f};

class PluginLifecycle : public testing::TestWithParam<PluginCase> {
protected:
    void SetUp() override {
        loaded_ = std::make_unique<LoadedPlugin>(GetParam().path);
        ASSERT_NE(loaded_->factory(), nullptr) << "dlopen/dlsym failed for " << GetParam().path << ": " << dlerror();
    }
    AndroidAudioPluginFactory* factory() { return loaded_->factory(); }
    std::unique_ptr<LoadedPlugin> loaded_;
};

TEST_P(PluginLifecycle, RunsFromInstantiateToRelease) {
    TestHost host(HostAbi::Current);
    AndroidAudioPlugin* plugin = factory()->instantiate(factory(), GetParam().id, &host.host);
    ASSERT_NE(plugin, nullptr);

    // The plugin tells us which ABI it was built against.
    const void* record = plugin->get_extension(plugin, AAP_ABI_EXTENSION_URI);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(aap_abi_check(record), AAP_ABI_CHECK_COMPATIBLE);
    auto version = static_cast<const aap_abi_version_t*>(record);
    EXPECT_EQ(version->abi_major, static_cast<uint32_t>(AAP_ABI_VERSION_MAJOR));
    EXPECT_EQ(version->abi_minor, static_cast<uint32_t>(AAP_ABI_VERSION_MINOR));
    EXPECT_EQ(plugin->get_extension(plugin, "urn:aap-sdk-test:no-such-extension"), nullptr);
    EXPECT_EQ(plugin->get_extension(plugin, nullptr), nullptr);

    TestBuffers buffers;
    plugin->prepare(plugin, 48000, buffers.buffer());
    plugin->activate(plugin);
    for (int32_t i = 0; i < kFrames; i++) {
        buffers.audio(0)[static_cast<size_t>(i)] = 0.25f;
        buffers.audio(1)[static_cast<size_t>(i)] = -0.5f;
    }
    plugin->process(plugin, buffers.buffer(), kFrames, 1000000);
    for (int32_t i = 0; i < kFrames; i++) {
        ASSERT_FLOAT_EQ(buffers.audio(2)[static_cast<size_t>(i)], 0.25f * GetParam().expectedDefaultGain);
        ASSERT_FLOAT_EQ(buffers.audio(3)[static_cast<size_t>(i)], -0.5f * GetParam().expectedDefaultGain);
    }
    plugin->deactivate(plugin);
    factory()->release(factory(), plugin);
}

TEST_P(PluginLifecycle, RefusesUnknownPluginIdAndMissingHost) {
    TestHost host(HostAbi::Current);
    EXPECT_EQ(factory()->instantiate(factory(), "urn:aap-sdk-test:not-this-plugin", &host.host), nullptr);
    EXPECT_EQ(factory()->instantiate(factory(), nullptr, &host.host), nullptr);
    EXPECT_EQ(factory()->instantiate(factory(), GetParam().id, nullptr), nullptr);
}

TEST_P(PluginLifecycle, RefusesHostWithAnotherAbiMajorWithAClearMessage) {
    TestHost host(HostAbi::OtherMajor);
    testing::internal::CaptureStderr();
    AndroidAudioPlugin* plugin = factory()->instantiate(factory(), GetParam().id, &host.host);
    std::string output = testing::internal::GetCapturedStderr();
    EXPECT_EQ(plugin, nullptr);
    EXPECT_NE(output.find("incompatible AAP ABI"), std::string::npos) << output;
}

TEST_P(PluginLifecycle, RefusesHostWithMalformedAbiRecord) {
    TestHost host(HostAbi::Malformed);
    testing::internal::CaptureStderr();
    AndroidAudioPlugin* plugin = factory()->instantiate(factory(), GetParam().id, &host.host);
    std::string output = testing::internal::GetCapturedStderr();
    EXPECT_EQ(plugin, nullptr);
    EXPECT_NE(output.find("malformed AAP ABI record"), std::string::npos) << output;
}

TEST_P(PluginLifecycle, AcceptsLegacyHostWithoutAbiRecord) {
    TestHost host(HostAbi::Legacy);
    AndroidAudioPlugin* plugin = factory()->instantiate(factory(), GetParam().id, &host.host);
    ASSERT_NE(plugin, nullptr);
    factory()->release(factory(), plugin);
}

TEST_P(PluginLifecycle, ClampsFrameCountToTheBufferCapacity) {
    TestHost host(HostAbi::Current);
    AndroidAudioPlugin* plugin = factory()->instantiate(factory(), GetParam().id, &host.host);
    ASSERT_NE(plugin, nullptr);
    TestBuffers buffers;
    plugin->prepare(plugin, 44100, buffers.buffer());
    plugin->activate(plugin);
    buffers.audio(0).assign(kFrames, 1.0f);
    // More frames than the buffers hold: the plugin must stay inside them (ASan would tell).
    plugin->process(plugin, buffers.buffer(), kFrames * 4, 0);
    EXPECT_FLOAT_EQ(buffers.audio(2)[kFrames - 1], 1.0f);
    plugin->deactivate(plugin);
    factory()->release(factory(), plugin);
}

INSTANTIATE_TEST_SUITE_P(TestPlugins, PluginLifecycle, testing::Values(kCPlugin, kCxxPlugin),
                         [](const testing::TestParamInfo<PluginCase>& info) { return std::string(info.param.name); });

// ---- the C plugin's own behaviour: parameters via SysEx8, parameters and state extensions ----

class CGainPlugin : public testing::Test {
protected:
    void SetUp() override {
        loaded_ = std::make_unique<LoadedPlugin>(kCPlugin.path);
        ASSERT_NE(loaded_->factory(), nullptr);
        factory_ = loaded_->factory();
        plugin_ = factory_->instantiate(factory_, kCPlugin.id, &host_.host);
        ASSERT_NE(plugin_, nullptr);
        plugin_->prepare(plugin_, 48000, buffers_.buffer());
        plugin_->activate(plugin_);
        buffers_.audio(0).assign(kFrames, 0.5f);
        buffers_.audio(1).assign(kFrames, 0.5f);
    }
    void TearDown() override {
        if (plugin_) {
            plugin_->deactivate(plugin_);
            factory_->release(factory_, plugin_);
        }
    }
    void sendGain(double plain) {
        uint32_t* w = buffers_.midiWords(4);
        // A MIDI 2.0 note-on first (2 words) so the reader has to skip other UMP messages.
        w[0] = 0x40903C00u;
        w[1] = 0xFFFF0000u;
        aapMidi2ParameterSysex8(&w[2], &w[3], &w[4], &w[5], 0, 0, 0, 0, 0,
                                aapParameterPlainToTransportUint32(0.0, 2.0, plain));
        buffers_.midiHeader(4)->length = 6 * sizeof(uint32_t);
    }

    std::unique_ptr<LoadedPlugin> loaded_;
    AndroidAudioPluginFactory* factory_ = nullptr;
    TestHost host_{HostAbi::Current};
    TestBuffers buffers_;
    AndroidAudioPlugin* plugin_ = nullptr;
};

TEST_F(CGainPlugin, AppliesParameterChangeSysex8FromMidiInput) {
    sendGain(2.0);
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_FLOAT_EQ(buffers_.audio(2)[0], 1.0f);
    EXPECT_FLOAT_EQ(buffers_.audio(3)[kFrames - 1], 1.0f);
    EXPECT_EQ(buffers_.midiHeader(5)->length, 0u) << "the plugin clears its MIDI output";
}

TEST_F(CGainPlugin, IgnoresMidiInputWhoseLengthExceedsTheBuffer) {
    sendGain(2.0);
    buffers_.midiHeader(4)->length = kMidiBufferSize; // header + this > buffer size
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_FLOAT_EQ(buffers_.audio(2)[0], 0.5f) << "gain unchanged";
    buffers_.midiHeader(4)->length = 6; // not a multiple of 4
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_FLOAT_EQ(buffers_.audio(2)[0], 0.5f);
}

TEST_F(CGainPlugin, DescribesItsParameterThroughTheParametersExtension) {
    auto ext = static_cast<aap_parameters_extension_t*>(plugin_->get_extension(plugin_, AAP_PARAMETERS_EXTENSION_URI));
    ASSERT_NE(ext, nullptr);
    EXPECT_EQ(ext->get_parameter_count(ext, plugin_), 1);
    aap_parameter_info_t info = ext->get_parameter(ext, plugin_, 0);
    EXPECT_EQ(info.stable_id, 0);
    EXPECT_STREQ(info.display_name, "Gain");
    EXPECT_DOUBLE_EQ(info.max_value, 2.0);
    EXPECT_EQ(ext->get_parameter(ext, plugin_, 5).stable_id, -1) << "out of range index";
    EXPECT_DOUBLE_EQ(ext->get_parameter_property(ext, plugin_, 0, AAP_PARAMETER_PROPERTY_DEFAULT_VALUE), 1.0);
    EXPECT_DOUBLE_EQ(ext->get_parameter_property(ext, plugin_, 0, 999), 0.0) << "unknown property";
}

TEST_F(CGainPlugin, StateRoundTripsAndRejectsForeignBytes) {
    auto ext = static_cast<aap_state_extension_t*>(plugin_->get_extension(plugin_, AAP_STATE_EXTENSION_URI));
    ASSERT_NE(ext, nullptr);
    sendGain(1.5);
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);

    std::vector<uint8_t> saved(ext->get_state_size(ext, plugin_));
    aap_state_t state{saved.data(), saved.size()};
    ext->get_state(ext, plugin_, &state);
    ASSERT_EQ(state.data_size, sizeof(double));

    aap_state_t tooSmall{saved.data(), 3};
    ext->get_state(ext, plugin_, &tooSmall);
    EXPECT_EQ(tooSmall.data_size, 0u) << "a too-small destination gets nothing";

    sendGain(0.0);
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_FLOAT_EQ(buffers_.audio(2)[0], 0.0f);

    uint8_t garbage[5] = {1, 2, 3, 4, 5};
    aap_state_t foreign{garbage, sizeof(garbage)};
    ext->set_state(ext, plugin_, &foreign);
    buffers_.midiHeader(4)->length = 0;
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_FLOAT_EQ(buffers_.audio(2)[0], 0.0f) << "foreign state leaves the gain unchanged";

    ext->set_state(ext, plugin_, &state);
    plugin_->process(plugin_, buffers_.buffer(), kFrames, 0);
    EXPECT_NEAR(buffers_.audio(2)[0], 0.75f, 1e-6f) << "restored gain 1.5";
}

// ---- the positional C++ plugin's extensions answer through the stable structs ----

TEST(CxxPositionalPlugin, ExtensionsAnswerThroughTheirStructs) {
    LoadedPlugin loaded(kCxxPlugin.path);
    ASSERT_NE(loaded.factory(), nullptr);
    TestHost host(HostAbi::Current);
    AndroidAudioPlugin* plugin = loaded.factory()->instantiate(loaded.factory(), kCxxPlugin.id, &host.host);
    ASSERT_NE(plugin, nullptr);

    auto presets = static_cast<aap_presets_extension_t*>(plugin->get_extension(plugin, AAP_PRESETS_EXTENSION_URI));
    ASSERT_NE(presets, nullptr);
    EXPECT_EQ(presets->get_preset_count(presets, plugin), 2);
    aap_preset_t preset{};
    int completions = 0;
    presets->get_preset(presets, plugin, 1, &preset,
                        [](void* context, void*) { ++*static_cast<int*>(context); }, &completions);
    EXPECT_EQ(completions, 1);
    EXPECT_EQ(preset.id, 11);
    EXPECT_STREQ(preset.name, "Loud");

    auto midi = static_cast<aap_midi_extension_t*>(plugin->get_extension(plugin, AAP_MIDI_EXTENSION_URI));
    ASSERT_NE(midi, nullptr);
    EXPECT_EQ(midi->get_mapping_policy(midi, plugin), AAP_PARAMETERS_MAPPING_POLICY_PROGRAM);

    aap_plugin_info_t info = plugin->get_plugin_info(plugin);
    EXPECT_STREQ(info.display_name(&info), "cxx-positional");
    aap_plugin_info_port_t port = info.get_port(&info, 0);
    EXPECT_EQ(port.content_type(&port), AAP_CONTENT_TYPE_AUDIO);
    EXPECT_EQ(port.direction(&port), AAP_PORT_DIRECTION_OUTPUT);

    loaded.factory()->release(loaded.factory(), plugin);
}

} // namespace
