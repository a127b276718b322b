// aap::HostedPlugin's ownership: whatever order a host drops the HostedPlugin, the proxies and the
// client it handed out, with extension requests still pending, every request completes exactly
// once and nothing touches freed memory (this test runs under ASan in CI); a proxy that outlives
// the HostedPlugin fails with ExtensionError::Closed.

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "aapxs/parameter-sysex8.h"
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

// The host's event queue full in every cycle: extension calls still complete, because the MIDI2
// input keeps a reserve for AAPXS traffic that events can never take.
TEST_P(HostedPluginLifetime, ExtensionCallsCompleteWhileTheHostsEventQueueIsFullEveryCycle) {
    PluginHost host{testCatalog(), hostOptions(GetParam())};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions::at(kFrames, 48000), &hosted,
                                 &error),
              HostingStatus::Ok)
        << error;
    ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
    PluginInstance& instance = hosted->instance();
    std::atomic<bool> running{true};
    std::atomic<uint64_t> fullCycles{0}, failures{0};
    std::thread audio([&] {
        const uint32_t noteOn[2] = {0x40903C00u, 0x80000000u};
        while (running.load()) {
            HostingStatus added;
            while ((added = instance.addEvent(0, noteOn, 2)) == HostingStatus::Ok) {
            }
            if (added == HostingStatus::CapacityExceeded)
                fullCycles.fetch_add(1);
            if (hosted->process(kFrames, 1'000'000'000) != HostingStatus::Ok)
                failures.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    auto presets = hosted->presets();
    auto parameters = hosted->parameters();
    for (int i = 0; i < 20; i++) {
        auto count = presets->getPresetCount();
        ASSERT_TRUE(count.ok()) << toString(count.error());
        auto info = parameters->getParameter(0);
        ASSERT_TRUE(info.ok()) << toString(info.error());
    }
    running.store(false);
    audio.join();
    EXPECT_EQ(failures.load(), 0u);
    EXPECT_GT(fullCycles.load(), 0u);
}

TEST(HostedPluginRecovery, ReinstantiationAfterTheServiceDiedRestoresTheSnapshotAndActivates) {
    PluginHost host{testCatalog(), hostOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions::at(kFrames, 48000), &hosted,
                                 &error),
              HostingStatus::Ok)
        << error;
    EXPECT_EQ(hosted->reinstantiate(&error), HostingStatus::Ok) << error;  // also fine on a healthy one
    const std::vector<uint8_t> blob = {1, 2, 3, 4, 5, 250, 251, 252};
    ASSERT_TRUE(hosted->state()->setState(blob).ok());
    ASSERT_TRUE(hosted->snapshotState().ok());
    EXPECT_TRUE(hosted->hasStateSnapshot());
    ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
    ASSERT_EQ(hosted->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    auto oldState = hosted->state();
    const int pid = hosted->instance().servicePid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    HostingStatus status = HostingStatus::Ok;
    for (int i = 0; i < 1000 && status == HostingStatus::Ok; i++) {
        status = hosted->process(kFrames, 1'000'000'000);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_EQ(status, HostingStatus::Offline);
    EXPECT_EQ(hosted->instanceState(), InstanceState::Error);

    ASSERT_EQ(hosted->reinstantiate(&error), HostingStatus::Ok) << error;
    EXPECT_EQ(hosted->instanceState(), InstanceState::Active);  // it was active
    EXPECT_NE(hosted->instance().servicePid(), pid);
    EXPECT_EQ(oldState->getState().error(), ExtensionError::Closed);  // taken before: closed
    std::atomic<bool> running{true};
    std::thread audio([&] {
        while (running.load()) {
            hosted->process(kFrames, 1'000'000'000);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    auto restored = hosted->state()->getState();
    running.store(false);
    audio.join();
    ASSERT_TRUE(restored.ok()) << toString(restored.error());
    EXPECT_EQ(restored.value(), blob);
}

TEST(HostedPluginParameters, ValuesAreSetByIdInactiveAndActiveAndReadBack) {
    PluginHost host{testCatalog(), hostOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions::at(kFrames, 48000), &hosted,
                                 &error),
              HostingStatus::Ok)
        << error;
    ASSERT_FALSE(hosted->parameterList().empty());
    const HostedPlugin::Parameter first = hosted->parameterList().front();
    double value = -1;
    ASSERT_EQ(hosted->parameterValue(first.id, &value), HostingStatus::Ok);
    EXPECT_EQ(value, first.defaultValue);
    EXPECT_EQ(hosted->parameterValue(-5, &value), HostingStatus::NotFound);
    EXPECT_EQ(hosted->setParameter(-5, 0.0), HostingStatus::NotFound);
    EXPECT_EQ(hosted->setParameter(first.id, first.maximumValue + 1), HostingStatus::InvalidArgument);
    // Inactive: kept, sent at frame 0 of the first active cycle.
    ASSERT_EQ(hosted->setParameter(first.id, first.maximumValue), HostingStatus::Ok);
    ASSERT_EQ(hosted->parameterValue(first.id, &value), HostingStatus::Ok);
    EXPECT_EQ(value, first.maximumValue);
    ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
    EXPECT_EQ(hosted->instance().events().size(), 0u);
    ASSERT_EQ(hosted->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    // Active: a parameter-change SysEx8 queued at its frame.
    ASSERT_EQ(hosted->setParameter(first.id, first.minimumValue, 7), HostingStatus::Ok);
    ASSERT_EQ(hosted->instance().events().size(), 1u);
    const EventQueue::Event& event = hosted->instance().events().at(0);
    EXPECT_EQ(event.frame, 7);
    uint16_t index = 0;
    uint32_t transport = 1;
    ASSERT_TRUE(aapxs_parameter_sysex8_read(event.words, nullptr, nullptr, nullptr, nullptr, &index, &transport));
    EXPECT_EQ(index, static_cast<uint16_t>(first.id));
    EXPECT_EQ(transport, 0u);
    ASSERT_EQ(hosted->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    EXPECT_EQ(hosted->instance().events().size(), 0u);
    ASSERT_EQ(hosted->parameterValue(first.id, &value), HostingStatus::Ok);
    EXPECT_EQ(value, first.minimumValue);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, HostedPluginLifetime,
                         ::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

} // namespace
} // namespace aap::ext_test
