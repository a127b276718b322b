// Host extensions from plugin to host (parameters notify_parameters_changed, presets
// notify_preset_loaded / notify_presets_updated) delivered to the handlers the host registered:
// while inactive (control channel, during a host call into the plugin) and while active (from the
// plugin's non-realtime handler and from inside its process() on the audio thread).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>

#include "ext-test-plugin-data.h"
#include "ext-test-support.h"

namespace aap::ext_test {
namespace {

struct Counters {
    std::atomic<int> parametersChanged{0};
    std::atomic<int> presetLoaded{0};
    std::atomic<int> presetsUpdated{0};
    std::atomic<AndroidAudioPluginHost*> lastHost{nullptr};
};

StandardHostExtensions::Handlers handlersFor(Counters* counters) {
    StandardHostExtensions::Handlers handlers;
    handlers.user = counters;
    handlers.parametersChanged = [](void* user, AndroidAudioPluginHost* host) noexcept {
        static_cast<Counters*>(user)->lastHost.store(host);
        static_cast<Counters*>(user)->parametersChanged.fetch_add(1);
    };
    handlers.presetLoaded = [](void* user, AndroidAudioPluginHost*) noexcept {
        static_cast<Counters*>(user)->presetLoaded.fetch_add(1);
    };
    handlers.presetsUpdated = [](void* user, AndroidAudioPluginHost*) noexcept {
        static_cast<Counters*>(user)->presetsUpdated.fetch_add(1);
    };
    return handlers;
}

bool waitFor(const std::atomic<int>& counter, int value) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (counter.load() < value && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return counter.load() >= value;
}

class HostExtensions : public ::testing::TestWithParam<PluginIsolation> {
protected:
    Counters counters_;
    StandardHostExtensions notifications_{handlersFor(&counters_)};
};

TEST_P(HostExtensions, NotificationsWhileInactiveArriveBeforeTheCallReturns) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(GetParam(), "urn:aap-ext-test:full", true, &notifications_), "");
    ASSERT_TRUE(plugin.presets->setPresetIndex(1).ok());
    EXPECT_EQ(counters_.presetLoaded.load(), 1);
    ASSERT_TRUE(plugin.parameters->getParameterProperty(10, aap_ext_test::kNotifyingProperty).ok());
    EXPECT_EQ(counters_.parametersChanged.load(), 1);
    EXPECT_EQ(counters_.presetsUpdated.load(), 0);
    ASSERT_NE(counters_.lastHost.load(), nullptr);
    EXPECT_EQ(counters_.lastHost.load()->context, plugin.instance);
}

TEST_P(HostExtensions, NotificationsWhileActiveFromTheWorkerAndFromProcess) {
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(GetParam(), "urn:aap-ext-test:full", true, &notifications_), "");
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    AudioThread audio{*plugin.instance};
    // The plugin's non-realtime handler (set_preset_index) notifies.
    ASSERT_TRUE(plugin.presets->setPresetIndex(2).ok());
    EXPECT_TRUE(waitFor(counters_.presetLoaded, 1));
    // The plugin's process() notifies, on the audio thread.
    audio.sendWordOnce(aap_ext_test::kNotifyFromProcessWord);
    EXPECT_TRUE(waitFor(counters_.parametersChanged, 1));
    EXPECT_TRUE(waitFor(counters_.presetsUpdated, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(counters_.presetLoaded.load(), 1);
    EXPECT_EQ(counters_.parametersChanged.load(), 1);
    EXPECT_EQ(counters_.presetsUpdated.load(), 1);
    audio.stop();
    EXPECT_EQ(audio.failures(), 0u);
}

TEST_P(HostExtensions, AHostWithoutHandlersIsNotDisturbed) {
    RemotePlugin plugin;  // no host extensions registered: the plugin's notifications go nowhere
    ASSERT_EQ(plugin.open(GetParam(), "urn:aap-ext-test:full"), "");
    EXPECT_TRUE(plugin.presets->setPresetIndex(1).ok());
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    AudioThread audio{*plugin.instance};
    audio.sendWordOnce(aap_ext_test::kNotifyFromProcessWord);
    EXPECT_TRUE(plugin.presets->setPresetIndex(0).ok());
    EXPECT_EQ(plugin.presets->getPresetCount().value(), aap_ext_test::kPresetCount);
    audio.stop();
    EXPECT_EQ(audio.failures(), 0u);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, HostExtensions,
                         ::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

} // namespace
} // namespace aap::ext_test
