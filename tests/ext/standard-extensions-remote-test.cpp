// Every opcode of the standard extensions through the typed proxies, against a plugin in another
// process (and in-process), while the instance is inactive (control channel) and while it is
// active (SysEx8 in the MIDI2 stream, replies delivered by process() on an audio thread).

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <tuple>

#include "aap/ext-cpp/plugin-extensions.h"
#include "c-host-structs.h"
#include "ext-test-plugin-data.h"
#include "ext-test-support.h"

namespace aap::ext_test {
namespace {

using Param = std::tuple<PluginIsolation, bool>;

class StandardExtensions : public ::testing::TestWithParam<Param> {
protected:
    void SetUp() override { open("urn:aap-ext-test:full"); }

    void open(const std::string& pluginId) {
        audio_.reset();
        plugin_ = std::make_unique<RemotePlugin>();
        const std::string error = plugin_->open(std::get<0>(GetParam()), pluginId);
        ASSERT_EQ(error, "");
        if (active()) {
            ASSERT_EQ(plugin_->instance->activate(), HostingStatus::Ok);
            audio_ = std::make_unique<AudioThread>(*plugin_->instance);
        }
        ASSERT_EQ(plugin_->endpoint->route(), active() ? ExtensionRoute::Realtime : ExtensionRoute::Control);
    }
    void TearDown() override {
        if (audio_) {
            EXPECT_EQ(audio_->failures(), 0u);
            EXPECT_GT(audio_->cycles(), 0u);
            EXPECT_EQ(plugin_->endpoint->route(), ExtensionRoute::Realtime);
        }
        audio_.reset();
        plugin_.reset();
    }
    bool active() const { return std::get<1>(GetParam()); }

    std::unique_ptr<RemotePlugin> plugin_;
    std::unique_ptr<AudioThread> audio_;
};

void expectSameParameter(const aap_parameter_info_t& actual, const aap_parameter_info_t& expected) {
    EXPECT_EQ(actual.stable_id, expected.stable_id);
    EXPECT_STREQ(actual.display_name, expected.display_name);
    EXPECT_STREQ(actual.path, expected.path);
    EXPECT_EQ(actual.min_value, expected.min_value);
    EXPECT_EQ(actual.max_value, expected.max_value);
    EXPECT_EQ(std::signbit(actual.default_value), std::signbit(expected.default_value));
    EXPECT_EQ(actual.default_value, expected.default_value);
    EXPECT_EQ(actual.per_note_enabled, expected.per_note_enabled);
}

TEST_P(StandardExtensions, ParametersEveryOpcode) {
    ParametersProxy& parameters = *plugin_->parameters;
    auto count = parameters.getParameterCount();
    ASSERT_TRUE(count.ok()) << toString(count.error());
    EXPECT_EQ(count.value(), aap_ext_test::kParameterCount);
    for (int32_t i = 0; i < aap_ext_test::kParameterCount; i++) {
        auto info = parameters.getParameter(i);
        ASSERT_TRUE(info.ok()) << toString(info.error());
        expectSameParameter(info.value(), aap_ext_test::parameter(i));
    }
    EXPECT_EQ(parameters.getParameter(7).value().stable_id, -1);  // out of range: the plugin's answer
    EXPECT_EQ(parameters.getParameterProperty(10, AAP_PARAMETER_PROPERTY_MAX_VALUE).value(), 2.0);
    EXPECT_EQ(parameters.getParameterProperty(11, AAP_PARAMETER_PROPERTY_IS_DISCRETE).value(), 1.0);
    EXPECT_EQ(parameters.getParameterProperty(16383, AAP_PARAMETER_PROPERTY_MIN_VALUE).value(), -1e300);
    EXPECT_EQ(parameters.getParameterProperty(11, AAP_PARAMETER_PROPERTY_PRIORITY).value(), 16.0);
    EXPECT_EQ(parameters.getEnumerationCount(11).value(), 3);
    EXPECT_EQ(parameters.getEnumerationCount(10).value(), 0);
    auto entry = parameters.getEnumeration(11, 2);
    ASSERT_TRUE(entry.ok());
    EXPECT_STREQ(entry.value().name, "Fold");
    EXPECT_EQ(entry.value().value, 2.0);
}

TEST_P(StandardExtensions, PresetsEveryOpcode) {
    PresetsProxy& presets = *plugin_->presets;
    auto count = presets.getPresetCount();
    ASSERT_TRUE(count.ok()) << toString(count.error());
    EXPECT_EQ(count.value(), aap_ext_test::kPresetCount);
    for (int32_t i = 0; i < aap_ext_test::kPresetCount; i++) {
        auto preset = presets.getPreset(i);
        ASSERT_TRUE(preset.ok()) << toString(preset.error());
        EXPECT_EQ(preset.value().id, aap_ext_test::preset(i).id);
        EXPECT_STREQ(preset.value().name, aap_ext_test::preset(i).name);
    }
    EXPECT_EQ(std::strlen(presets.getPreset(2).value().name), 255u);
    EXPECT_EQ(presets.getPreset(-1).value().id, -1);
    EXPECT_TRUE(presets.setPresetIndex(1).ok());
    EXPECT_TRUE(presets.setPresetIndex(99).ok());  // ignored by the plugin, still answered
}

TEST_P(StandardExtensions, MidiMappingPolicy) {
    auto policy = plugin_->midi->getMappingPolicy();
    ASSERT_TRUE(policy.ok()) << toString(policy.error());
    EXPECT_EQ(policy.value(), aap_ext_test::kMappingPolicy);
}

TEST_P(StandardExtensions, GuiEveryOpcode) {
    GuiProxy& gui = *plugin_->gui;
    EXPECT_EQ(gui.create("urn:aap-ext-test:other", 0).value(), AAP_GUI_ERROR_NO_DETAILS);
    auto id = gui.create("urn:aap-ext-test:full", 3);
    ASSERT_TRUE(id.ok()) << toString(id.error());
    ASSERT_EQ(id.value(), aap_ext_test::kGuiId);
    EXPECT_EQ(gui.create("urn:aap-ext-test:full", 3).value(), AAP_GUI_ERROR_ALREADY_INSTANTIATED);
    EXPECT_EQ(gui.show(id.value()).value(), AAP_GUI_RESULT_OK);
    EXPECT_EQ(gui.show(99).value(), AAP_GUI_ERROR_NO_DETAILS);
    EXPECT_EQ(gui.resize(id.value(), 640, 480).value(), AAP_GUI_RESULT_OK);
    EXPECT_EQ(gui.resize(id.value(), 0, 480).value(), AAP_GUI_ERROR_NO_DETAILS);
    EXPECT_EQ(gui.hide(id.value()).value(), AAP_GUI_RESULT_OK);
    EXPECT_EQ(gui.destroy(id.value()).value(), AAP_GUI_RESULT_OK);
    EXPECT_EQ(gui.show(id.value()).value(), AAP_GUI_ERROR_NO_DETAILS);  // destroyed
    EXPECT_EQ(gui.create(std::string(AAP_MAX_EXTENSION_URI_SIZE + 1, 'u'), 0).error(), ExtensionError::InvalidArgument);
}

TEST_P(StandardExtensions, UridMap) {
    const std::string uri = "urn:example:extension/v1";
    ASSERT_TRUE(plugin_->urid->map(5, uri).ok());
    ASSERT_TRUE(plugin_->urid->map(0, "ignored").ok());  // urid 0 is ignored, still answered
    EXPECT_EQ(plugin_->parameters->getParameterProperty(aap_ext_test::kUridProbeBase + 5, 0).value(),
              static_cast<double>(uri.size()));
    EXPECT_EQ(plugin_->parameters->getParameterProperty(aap_ext_test::kUridProbeBase + 0, 0).value(), 0.0);
    EXPECT_EQ(plugin_->urid->map(6, std::string(AAP_MAX_EXTENSION_URI_SIZE + 1, 'u')).error(),
              ExtensionError::InvalidArgument);
}

TEST_P(StandardExtensions, PortConfigEveryOpcode) {
    auto options = plugin_->portConfig->getOptions();
    ASSERT_TRUE(options.ok()) << toString(options.error());
    EXPECT_TRUE(options.value().hasMidiInput);
    EXPECT_FALSE(options.value().hasMidiOutput);
    EXPECT_EQ(options.value().numAudioPorts, 2);
    ASSERT_TRUE(options.value().namedConfig.has_value());
    EXPECT_EQ(*options.value().namedConfig, AAP_PORT_CONFIG_DEFAULT_EFFECT);
    EXPECT_EQ(options.value().extraData, (std::vector<uint8_t>{'{', '}', 0}));
    ASSERT_TRUE(plugin_->portConfig->select(std::string_view{AAP_PORT_CONFIG_DEFAULT_INSTRUMENT}).ok());
    EXPECT_EQ(plugin_->portConfig->getOptions().value().numAudioPorts, 4);
    ASSERT_TRUE(plugin_->portConfig->select(std::nullopt).ok());
    EXPECT_EQ(plugin_->portConfig->getOptions().value().numAudioPorts, 2);
}

// 0, 1, the serialization block (does not fit with its 4-byte size: chunked), block + 1.
TEST_P(StandardExtensions, StateRoundTripsAtTheBlockBoundaries) {
    StateProxy& state = *plugin_->state;
    const std::size_t block = plugin_->client->capacity(AAP_STATE_EXTENSION_URI);
    ASSERT_GT(block, 16u);
    std::mt19937 random{42};
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, block - 4, block - 3, block, block + 1, 3 * block + 7}) {
        std::vector<uint8_t> blob(size);
        for (auto& b : blob)
            b = static_cast<uint8_t>(random());
        ASSERT_TRUE(state.setState(blob).ok()) << size;
        auto reported = state.getStateSize();
        ASSERT_TRUE(reported.ok());
        EXPECT_EQ(static_cast<std::size_t>(reported.value()), size);
        auto back = state.getState();
        ASSERT_TRUE(back.ok()) << size << ": " << toString(back.error());
        EXPECT_TRUE(back.value() == blob) << "state of " << size << " bytes changed on the round trip";
    }
}

TEST_P(StandardExtensions, EmptyAndRandomStatesNeverHurtTheHost) {
    StateProxy& state = *plugin_->state;
    EXPECT_TRUE(state.setState(nullptr, 0).ok());
    EXPECT_EQ(state.setState(nullptr, 5).error(), ExtensionError::InvalidArgument);
    std::mt19937 random{7};
    for (int i = 0; i < 20; i++) {
        std::vector<uint8_t> blob(random() % 3000);
        for (auto& b : blob)
            b = static_cast<uint8_t>(random());
        EXPECT_TRUE(state.setState(blob).ok());
    }
    EXPECT_TRUE(plugin_->presets->getPresetCount().ok());  // still fine
}

// The C structs a C host gets for a remote instance.
TEST_P(StandardExtensions, CStructsWork) {
    aap_presets_extension_t* presets = plugin_->presets->asPluginExtension();
    EXPECT_EQ(presets->get_preset_count(presets, nullptr), aap_ext_test::kPresetCount);
    aap_preset_t preset{};
    bool called = false;
    presets->get_preset(presets, nullptr, 1, &preset,
                        [](void* data, void*) { *static_cast<bool*>(data) = true; }, &called);
    EXPECT_TRUE(called);
    EXPECT_EQ(preset.id, aap_ext_test::preset(1).id);
    aap_parameters_extension_t* parameters = plugin_->parameters->asPluginExtension();
    EXPECT_EQ(parameters->get_parameter_count(parameters, nullptr), aap_ext_test::kParameterCount);
    EXPECT_EQ(parameters->get_parameter(parameters, nullptr, 1).stable_id, 11);
    EXPECT_EQ(parameters->get_enumeration(parameters, nullptr, 11, 1).value, 1.0);
    aap_state_extension_t* state = plugin_->state->asPluginExtension();
    uint8_t bytes[3] = {1, 2, 3};
    aap_state_t in{bytes, sizeof(bytes)};
    state->set_state(state, nullptr, &in);
    EXPECT_EQ(state->get_state_size(state, nullptr), 3u);
    uint8_t out[8] = {};
    aap_state_t back{out, sizeof(out)};
    state->get_state(state, nullptr, &back);
    ASSERT_EQ(back.data_size, 3u);
    EXPECT_EQ(std::memcmp(out, bytes, 3), 0);
}

TEST_P(StandardExtensions, GetExtensionGivesCStructsByUri) {
    PluginExtensions extensions{*plugin_->client};
    auto* presets = static_cast<aap_presets_extension_t*>(extensions.getExtension(AAP_PRESETS_EXTENSION_URI));
    ASSERT_NE(presets, nullptr);
    EXPECT_EQ(presets->get_preset_count(presets, nullptr), aap_ext_test::kPresetCount);
    auto* parameters = static_cast<aap_parameters_extension_t*>(extensions.getExtension(AAP_PARAMETERS_EXTENSION_URI));
    ASSERT_NE(parameters, nullptr);
    EXPECT_EQ(parameters->get_parameter_property(parameters, nullptr, 10, AAP_PARAMETER_PROPERTY_MAX_VALUE), 2.0);
    auto* state = static_cast<aap_state_extension_t*>(extensions.getExtension(AAP_STATE_EXTENSION_URI));
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(state->get_state_size(state, nullptr), 0u);
    EXPECT_EQ(extensions.getExtension(AAP_MIDI_EXTENSION_URI), extensions.midi.asPluginExtension());
    EXPECT_EQ(extensions.getExtension(AAP_GUI_EXTENSION_URI), extensions.gui.asPluginExtension());
    EXPECT_EQ(extensions.getExtension(AAP_URID_EXTENSION_URI), extensions.urid.asPluginExtension());
    EXPECT_EQ(extensions.getExtension(AAP_PORT_CONFIG_EXTENSION_URI), extensions.portConfig.asPluginExtension());
    EXPECT_EQ(extensions.getExtension("urn:unknown"), nullptr);
    EXPECT_EQ(extensions.getExtension(nullptr), nullptr);
    EXPECT_EQ(extensions.midi.getMappingPolicy().value(), aap_ext_test::kMappingPolicy);
}

void* getExtensionFor(void* context, const char* uri) {
    return static_cast<PluginExtensions*>(context)->getExtension(uri);
}

// Plain C host code (c-host-structs.c, C99) calls every function of every standard C struct.
TEST_P(StandardExtensions, CHostCodeCallsEveryFunctionOfEveryStruct) {
    PluginExtensions extensions{*plugin_->client};
    char failure[256];
    EXPECT_EQ(aap_ext_test_c_host_full(&getExtensionFor, &extensions, failure, sizeof(failure)), 0) << failure;
}

// The same C calls against a plugin without any extension get the documented "nothing" values.
TEST_P(StandardExtensions, CHostCodeGetsTheAbiDefaultsFromAPluginWithoutExtensions) {
    open("urn:aap-ext-test:bare");
    PluginExtensions extensions{*plugin_->client};
    char failure[256];
    EXPECT_EQ(aap_ext_test_c_host_bare(&getExtensionFor, &extensions, failure, sizeof(failure)), 0) << failure;
}

struct AsyncOutcome {
    std::atomic<int> calls{0};
    std::atomic<bool> ok{false};
    aap_preset_t preset{};
    int32_t count = 0;
    ExtensionError error = ExtensionError::None;
};

TEST_P(StandardExtensions, AsyncCallbacksFireExactlyOnce) {
    AsyncOutcome preset, count, status;
    plugin_->presets->getPresetAsync(
        2,
        [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
            auto* o = static_cast<AsyncOutcome*>(user);
            o->preset = result.value();
            o->error = result.error();
            o->calls.fetch_add(1);
        },
        &preset);
    plugin_->parameters->getParameterCountAsync(
        [](void* user, const ExtensionResult<int32_t>& result) noexcept {
            auto* o = static_cast<AsyncOutcome*>(user);
            o->count = result.value();
            o->error = result.error();
            o->calls.fetch_add(1);
        },
        &count);
    plugin_->presets->setPresetIndexAsync(
        0,
        [](void* user, const ExtensionStatus& result) noexcept {
            auto* o = static_cast<AsyncOutcome*>(user);
            o->error = result.error();
            o->calls.fetch_add(1);
        },
        &status);
    if (!active()) {
        // The control path completes before the call returns.
        EXPECT_EQ(preset.calls.load(), 1);
        EXPECT_EQ(count.calls.load(), 1);
        EXPECT_EQ(status.calls.load(), 1);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((preset.calls.load() == 0 || count.calls.load() == 0 || status.calls.load() == 0) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // nothing more may arrive
    EXPECT_EQ(preset.calls.load(), 1);
    EXPECT_EQ(count.calls.load(), 1);
    EXPECT_EQ(status.calls.load(), 1);
    EXPECT_EQ(preset.error, ExtensionError::None);
    EXPECT_EQ(preset.preset.id, aap_ext_test::preset(2).id);
    EXPECT_EQ(count.count, aap_ext_test::kParameterCount);
    EXPECT_EQ(status.error, ExtensionError::None);
    EXPECT_EQ(plugin_->client->pendingCalls(), 0u);
}

TEST_P(StandardExtensions, APluginWithoutTheExtensionsAnswersNotImplemented) {
    open("urn:aap-ext-test:bare");
    EXPECT_EQ(plugin_->parameters->getParameterCount().error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->parameters->getParameter(0).error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->presets->getPresetCount().error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->presets->setPresetIndex(0).error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->state->getState().error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->state->setState(std::vector<uint8_t>(10, 1)).error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->midi->getMappingPolicy().error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->urid->map(1, "urn:x").error(), ExtensionError::NotImplemented);
    EXPECT_EQ(plugin_->portConfig->getOptions().error(), ExtensionError::NotImplemented);
    // gui.h: a plugin without the extension is reported as a result code.
    EXPECT_EQ(plugin_->gui->create("urn:aap-ext-test:bare", 0).value(), AAP_GUI_ERROR_NO_GUI_DEFINED);
    EXPECT_EQ(plugin_->gui->show(0).value(), AAP_GUI_ERROR_NO_GUI_DEFINED);
    // The C struct maps the error to the ABI's "nothing" values.
    aap_parameters_extension_t* c = plugin_->parameters->asPluginExtension();
    EXPECT_EQ(c->get_parameter_count(c, nullptr), -1);
    EXPECT_EQ(c->get_parameter(c, nullptr, 0).stable_id, -1);
}

INSTANTIATE_TEST_SUITE_P(
    TransportsAndStates, StandardExtensions,
    ::testing::Combine(::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<Param>& info) {
        return std::string(std::get<0>(info.param) == PluginIsolation::InProcess ? "InProcess" : "Process") +
               (std::get<1>(info.param) ? "Active" : "Inactive");
    });

// Routing edge cases that need the instance in a particular state.
TEST(ExtensionRouting, SyncCallWhileActiveWithoutProcessTimesOutAndRecyclesItsRecord) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::ProcessPerInstance, "urn:aap-ext-test:full"), "");
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    const auto start = std::chrono::steady_clock::now();
    auto count = plugin.presets->getPresetCount(50'000'000);  // nobody calls process()
    EXPECT_EQ(count.error(), ExtensionError::Timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(plugin.client->pendingCalls(), 1u);  // still owned by the runtime
    {
        AudioThread audio{*plugin.instance};
        // The late reply completes the abandoned record, which goes back to the pool.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (plugin.client->pendingCalls() != 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_EQ(plugin.client->pendingCalls(), 0u);
        EXPECT_EQ(plugin.presets->getPresetCount().value(), aap_ext_test::kPresetCount);
    }
}

TEST(ExtensionRouting, CallsAfterDestroyFailWithNotAvailable) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::ProcessPerInstance, "urn:aap-ext-test:full"), "");
    ASSERT_EQ(plugin.instance->destroy(), HostingStatus::Ok);
    EXPECT_EQ(plugin.presets->getPresetCount().error(), ExtensionError::NotAvailable);
    AsyncOutcome outcome;
    plugin.presets->getPresetAsync(
        0,
        [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
            auto* o = static_cast<AsyncOutcome*>(user);
            o->error = result.error();
            o->calls.fetch_add(1);
        },
        &outcome);
    EXPECT_EQ(outcome.calls.load(), 1);
    EXPECT_EQ(outcome.error, ExtensionError::NotAvailable);
}

TEST(ExtensionRouting, PendingAsyncCallsAreCancelledOnceOnDestroy) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::ProcessPerInstance, "urn:aap-ext-test:full"), "");
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    AsyncOutcome outcome;
    plugin.presets->getPresetAsync(
        0,
        [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
            auto* o = static_cast<AsyncOutcome*>(user);
            o->error = result.error();
            o->calls.fetch_add(1);
        },
        &outcome);
    ASSERT_EQ(plugin.instance->destroy(), HostingStatus::Ok);  // no cycle ever ran
    EXPECT_EQ(outcome.calls.load(), 1);
    EXPECT_EQ(outcome.error, ExtensionError::Cancelled);
    EXPECT_EQ(plugin.client->pendingCalls(), 0u);
}

} // namespace
} // namespace aap::ext_test

namespace aap::ext_test {
namespace {

// States larger than any serialization block travel in chunks, byte-identical, in both states.
class LargeState : public ::testing::TestWithParam<bool> {};

TEST_P(LargeState, SixteenMebibytesRoundTrip) {
    const bool active = GetParam();
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::ProcessPerInstance, "urn:aap-ext-test:full"), "");
    std::unique_ptr<AudioThread> audio;
    if (active) {
        ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
        audio = std::make_unique<AudioThread>(*plugin.instance, 10);
    }
    std::vector<uint8_t> blob(16u * 1024u * 1024u);
    std::mt19937 random{99};
    for (size_t i = 0; i < blob.size(); i += 4) {
        const uint32_t r = random();
        std::memcpy(blob.data() + i, &r, 4);
    }
    ASSERT_TRUE(plugin.state->setState(blob).ok());
    auto back = plugin.state->getState();
    ASSERT_TRUE(back.ok()) << toString(back.error());
    ASSERT_EQ(back.value().size(), blob.size());
    EXPECT_TRUE(back.value() == blob);
    if (audio)
        EXPECT_EQ(audio->failures(), 0u);
}

// The plugin side's process-wide staging bound (state.h) reaches the host as Busy. In process, so
// the test can lower the bound of the plugin side it talks to.
TEST_P(LargeState, ATransferOverThePluginProcessBoundIsBusyAndLeavesNothingStaged) {
    const bool active = GetParam();
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::InProcess, "urn:aap-ext-test:full"), "");
    std::unique_ptr<AudioThread> audio;
    if (active) {
        ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
        audio = std::make_unique<AudioThread>(*plugin.instance, 10);
    }
    const std::size_t block = plugin.client->capacity(AAP_STATE_EXTENSION_URI);
    StateTransferLimits limits;
    limits.maxStagedBytes = 2 * block;
    setStateTransferLimits(limits);
    const std::vector<uint8_t> tooBig(2 * block + 1, 7);
    const std::vector<uint8_t> fits(2 * block, 8);
    EXPECT_EQ(plugin.state->setState(tooBig).error(), ExtensionError::Busy);
    ASSERT_TRUE(plugin.state->setState(fits).ok());
    auto back = plugin.state->getState();
    ASSERT_TRUE(back.ok()) << toString(back.error());
    EXPECT_TRUE(back.value() == fits);
    limits.maxStagedBytes = block;  // a snapshot of 2 blocks no longer fits
    setStateTransferLimits(limits);
    EXPECT_EQ(plugin.state->getState().error(), ExtensionError::Busy);
    EXPECT_EQ(stagedStateBytes(), 0u);
    setStateTransferLimits(StateTransferLimits{});
    if (audio)
        EXPECT_EQ(audio->failures(), 0u);
}

// A chunked get the host abandons (begin, never fetched) is dropped when the instance is
// destroyed, not at the idle timeout: the plugin side releases an instance's transfers before the
// factory's release. In process, so the test sees the plugin side's staging.
TEST(LargeStateRelease, AnAbandonedTransferIsFreedWhenTheInstanceIsDestroyed) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::InProcess, "urn:aap-ext-test:full"), "");
    const std::size_t block = plugin.client->capacity(AAP_STATE_EXTENSION_URI);
    ASSERT_TRUE(plugin.state->setState(std::vector<uint8_t>(3 * block, 5)).ok());
    ASSERT_EQ(stagedStateBytes(), 0u);
    uint32_t replySize = 0;
    ASSERT_EQ(plugin.instance->extension(AAP_STATE_EXTENSION_URI, kStateOpcodeGetBegin, 77, 0, &replySize,
                                         1'000'000'000),
              HostingStatus::Ok);
    EXPECT_GE(stagedStateBytes(), 3 * block);  // the snapshot waits for chunk requests that never come
    ASSERT_EQ(plugin.instance->destroy(), HostingStatus::Ok);
    EXPECT_EQ(stagedStateBytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(BothStates, LargeState, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                             return info.param ? "Active" : "Inactive";
                         });

} // namespace
} // namespace aap::ext_test

namespace aap::ext_test {
namespace {

// While active, a request that is not RT-safe is handled on the plugin's worker: its reply cannot
// ride on the cycle that carried the request, and the audio thread never waits for it.
TEST(ActiveRouting, NonRealtimeSafeRepliesArriveInALaterCycle) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(PluginIsolation::ProcessPerInstance, "urn:aap-ext-test:full"), "");
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    AudioThread audio{*plugin.instance, 500};
    struct Observation {
        AudioThread* audio;
        std::atomic<uint64_t> completedInCycle{0};
        std::atomic<int> calls{0};
        std::atomic<bool> ok{false};
    } observation{&audio, {}, {}, {}};
    while (audio.cycles() < 3)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const uint64_t submittedBefore = audio.cycles();
    plugin.presets->getPresetAsync(
        1,
        [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
            auto* o = static_cast<Observation*>(user);
            o->completedInCycle.store(o->audio->cycles());  // cycles finished before this one
            o->ok.store(result.ok() && result.value().id == aap_ext_test::preset(1).id);
            o->calls.fetch_add(1);
        },
        &observation);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (observation.calls.load() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(observation.calls.load(), 1);
    EXPECT_TRUE(observation.ok.load());
    // The request left in cycle submittedBefore + 1 at the earliest; the reply came back later.
    EXPECT_GE(observation.completedInCycle.load(), submittedBefore + 1);
    audio.stop();
    EXPECT_EQ(audio.failures(), 0u);
}

} // namespace
} // namespace aap::ext_test
