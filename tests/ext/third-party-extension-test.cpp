// The third-party extension example (examples/third-party-extension): its plugin exports the
// extension's AAPXS definition, the plugin service registers it at run time, and the host calls it
// through the example's typed proxy, out of process, while inactive and while active.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "aap/hosting/plugin-instance-endpoint.h"
#include "ext-test-support.h"
#include "peak-meter-proxy.h"

namespace aap::ext_test {
namespace {

class ThirdPartyExtension : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void SetUp() override {
        host_ = std::make_unique<PluginHost>(PluginCatalog::scan({AAP_EXT_TEST_EXAMPLE_BUNDLE_DIR}),
                                             hostOptions(GetParam()));
        std::string error;
        ASSERT_EQ(host_->instantiate("urn:aap-example:peak-meter", &instance_, &error), HostingStatus::Ok) << error;
        // The example's block next to the standard ones.
        ASSERT_EQ(PluginInstanceEndpoint::create(
                      *instance_, &endpoint_, {{AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_DATA_CAPACITY}}),
                  HostingStatus::Ok);
        client_ = ExtensionClient::create(*endpoint_);
        ASSERT_TRUE(client_);
        meter_ = std::make_unique<aap_example::PeakMeterProxy>(*client_);
        ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
    }
    void TearDown() override {
        if (instance_)
            instance_->destroy();
    }
    void setInput(float level) {
        for (int32_t port = 0; port < 2; port++) {
            float* in = instance_->audioBuffer(port);
            for (int32_t i = 0; i < kFrames; i++)
                in[i] = (i % 2 == 0) ? level : -level / 2;
        }
    }

    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<PluginInstance> instance_;
    std::unique_ptr<PluginInstanceEndpoint> endpoint_;
    std::unique_ptr<ExtensionClient> client_;
    std::unique_ptr<aap_example::PeakMeterProxy> meter_;
};

TEST_P(ThirdPartyExtension, WorksWhileInactiveAndWhileActive) {
    auto peak = meter_->getPeak();  // inactive: control channel
    ASSERT_TRUE(peak.ok()) << toString(peak.error());
    EXPECT_EQ(peak.value(), 0.0);
    setInput(0.75f);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    {
        AudioThread audio{*instance_};
        // Active: the RT-safe get and the worker-side reset through the MIDI2 stream.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (meter_->getPeak().valueOr(0.0) < 0.75 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_EQ(meter_->getPeak().value(), 0.75);
        setInput(0.25f);
        ASSERT_TRUE(meter_->reset().ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        EXPECT_EQ(meter_->getPeak().value(), 0.25);
        std::atomic<int> calls{0};
        std::atomic<double> asyncPeak{-1.0};
        struct Target {
            std::atomic<int>* calls;
            std::atomic<double>* peak;
        } target{&calls, &asyncPeak};
        meter_->getPeakAsync(
            [](void* user, const ExtensionResult<double>& result) noexcept {
                auto* t = static_cast<Target*>(user);
                t->peak->store(result.valueOr(-2.0));
                t->calls->fetch_add(1);
            },
            &target);
        while (calls.load() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_EQ(calls.load(), 1);
        EXPECT_EQ(asyncPeak.load(), 0.25);
        audio.stop();
        EXPECT_EQ(audio.failures(), 0u);
    }
    ASSERT_EQ(instance_->deactivate(), HostingStatus::Ok);
    ASSERT_TRUE(meter_->reset().ok());  // inactive again: control channel
    EXPECT_EQ(meter_->getPeak().value(), 0.0);
}

TEST_P(ThirdPartyExtension, APluginThatDoesNotExportTheDefinitionReportsAnUnknownExtension) {
    // The ext test plugin exports only the standard definitions.
    PluginHost host{testCatalog(), hostOptions(GetParam())};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-ext-test:full", &instance), HostingStatus::Ok);
    std::unique_ptr<PluginInstanceEndpoint> endpoint;
    ASSERT_EQ(PluginInstanceEndpoint::create(*instance, &endpoint,
                                             {{AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_DATA_CAPACITY}}),
              HostingStatus::Ok);
    auto client = ExtensionClient::create(*endpoint);
    aap_example::PeakMeterProxy meter{*client};
    EXPECT_EQ(meter.getPeak().error(), ExtensionError::UnknownExtension);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    {
        AudioThread audio{*instance};
        EXPECT_EQ(meter.getPeak().error(), ExtensionError::UnknownExtension);
    }
    instance->destroy();
}

INSTANTIATE_TEST_SUITE_P(BothTransports, ThirdPartyExtension,
                         ::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

} // namespace
} // namespace aap::ext_test
