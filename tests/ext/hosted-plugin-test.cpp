// aap::HostedPlugin's ownership: whatever order a host drops the HostedPlugin, the proxies and the
// client it handed out, with extension requests still pending, every request completes exactly
// once and nothing touches freed memory (this test runs under ASan in CI); a proxy that outlives
// the HostedPlugin fails with ExtensionError::Closed.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <string>

#include "ext-test-support.h"

namespace aap::ext_test {
namespace {

class HostedPluginLifetime : public ::testing::TestWithParam<PluginIsolation> {};

struct Outcome {
    std::atomic<int> calls{0};
    std::atomic<ExtensionError> error{ExtensionError::None};
};

void recordCount(void* user, const ExtensionResult<int32_t>& result) noexcept {
    auto* outcome = static_cast<Outcome*>(user);
    outcome->error.store(result.error());
    outcome->calls.fetch_add(1);
}

// The three things a host holds: 0 = the HostedPlugin, 1 = a proxy, 2 = the client.
TEST_P(HostedPluginLifetime, EveryDropOrderWithPendingRequestsCompletesEachOnceAndThenFailsClosed) {
    std::array<int, 3> order{0, 1, 2};
    int permutations = 0;
    do {
        SCOPED_TRACE("drop order " + std::to_string(order[0]) + std::to_string(order[1]) + std::to_string(order[2]));
        std::unique_ptr<PluginHost> host = std::make_unique<PluginHost>(testCatalog(), hostOptions(GetParam()));
        std::unique_ptr<HostedPlugin> hosted;
        std::string error;
        ASSERT_EQ(HostedPlugin::open(*host, "urn:aap-ext-test:full", HostedPluginOptions::at(kFrames, 48000), &hosted,
                                     &error),
                  HostingStatus::Ok)
            << error;
        host.reset();  // the HostedPlugin does not need its host any more
        std::shared_ptr<PresetsProxy> presets = hosted->presets();
        std::shared_ptr<ExtensionClient> client = hosted->client();
        ASSERT_TRUE(presets && client);
        ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
        // No process() runs: both requests stay pending until the instance is destroyed.
        Outcome first, second;
        presets->getPresetCountAsync(&recordCount, &first);
        hosted->presets()->getPresetCountAsync(&recordCount, &second);
        ASSERT_EQ(client->pendingCalls(), 2u);
        EXPECT_EQ(first.calls.load(), 0);

        for (int item : order) {
            if (item == 0)
                hosted.reset();
            else if (item == 1)
                presets.reset();
            else
                client.reset();
            if (item == 0) {
                EXPECT_EQ(first.calls.load(), 1);
                EXPECT_EQ(first.error.load(), ExtensionError::Cancelled);
                EXPECT_EQ(second.calls.load(), 1);
                EXPECT_EQ(second.error.load(), ExtensionError::Cancelled);
            }
            // Whatever survives the HostedPlugin reports Closed, synchronously and asynchronously.
            if (!hosted && presets) {
                EXPECT_EQ(presets->getPresetCount().error(), ExtensionError::Closed);
                Outcome late;
                presets->getPresetCountAsync(&recordCount, &late);
                EXPECT_EQ(late.calls.load(), 1);
                EXPECT_EQ(late.error.load(), ExtensionError::Closed);
            }
            if (!hosted && client) {
                std::vector<uint8_t> reply;
                EXPECT_EQ(client->call(AAP_PRESETS_EXTENSION_URI, AAP_PRESETS_OPCODE_GET_PRESET_COUNT, nullptr, 0, &reply),
                          ExtensionError::Closed);
                EXPECT_EQ(client->pendingCalls(), 0u);
            }
        }
        EXPECT_EQ(first.calls.load(), 1);
        EXPECT_EQ(second.calls.load(), 1);
        permutations++;
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(permutations, 6);
}

TEST_P(HostedPluginLifetime, CloseIsIdempotentAndTheAccessorsAreEmptyAfterwards) {
    PluginHost host{testCatalog(), hostOptions(GetParam())};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions{}, &hosted, &error),
              HostingStatus::Ok)
        << error;
    auto parameters = hosted->parameters();
    ASSERT_TRUE(parameters->getParameterCount().ok());
    hosted->close();
    hosted->close();
    EXPECT_TRUE(hosted->closed());
    EXPECT_EQ(hosted->instanceState(), InstanceState::Terminated);
    EXPECT_EQ(hosted->presets(), nullptr);
    EXPECT_EQ(hosted->activate(), HostingStatus::InvalidState);
    EXPECT_EQ(hosted->process(kFrames, 1'000'000), HostingStatus::InvalidState);
    EXPECT_EQ(parameters->getParameterCount().error(), ExtensionError::Closed);
    EXPECT_STREQ(toString(ExtensionError::Closed), "the hosted plugin was closed: this proxy outlived it");
}

TEST_P(HostedPluginLifetime, OpenReportsEachFailingStep) {
    PluginHost host{testCatalog(), hostOptions(GetParam())};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    EXPECT_EQ(HostedPlugin::open(host, "urn:nope", HostedPluginOptions{}, &hosted, &error), HostingStatus::NotFound);
    EXPECT_NE(error.find("cannot instantiate urn:nope"), std::string::npos) << error;
    EXPECT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions::at(0, 48000), &hosted, &error),
              HostingStatus::InvalidArgument);
    EXPECT_NE(error.find("frames must be 1..65536"), std::string::npos) << error;
    EXPECT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions{}, nullptr, &error),
              HostingStatus::InvalidArgument);
    HostedPluginOptions badClient;
    badClient.client.maxPendingCalls = 0;
    EXPECT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", badClient, &hosted, &error),
              HostingStatus::InvalidArgument);
    EXPECT_NE(error.find("extension client"), std::string::npos) << error;
    EXPECT_EQ(hosted, nullptr);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, HostedPluginLifetime,
                         ::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

} // namespace
} // namespace aap::ext_test
