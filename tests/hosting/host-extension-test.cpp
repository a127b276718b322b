// Host extensions (plugin -> host, docs/spec/abi.md section 4) through both transports, with the
// test host-counter extension: the plugin's request travels on the control channel while the
// instance is not active, and in the MIDI2 output while it is, the reply coming back in a later
// cycle's MIDI2 input.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "aap/ext/midi.h"
#include "hosting-test-support.h"
#include "test-host-counter-extension.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 128;

std::atomic<int32_t> hostTotal{0};
std::atomic<int> hostCalls{0};

void hostAdd(aap_test_host_counter_extension_t*, AndroidAudioPluginHost*, int32_t amount,
             aap_test_host_counter_done_t done, void* user) {
    hostCalls.fetch_add(1);
    int32_t total = hostTotal.fetch_add(amount) + amount;
    done(user, total);
}

aap_test_host_counter_extension_t hostImplementation{nullptr, hostAdd};

PluginHostOptions counterOptions(PluginIsolation isolation) {
    PluginHostOptions options = test::testOptions(isolation);
    options.hostExtensionDefinitions = std::make_shared<AAPXSDefinitionRegistry>();
    EXPECT_EQ(options.hostExtensionDefinitions->add(*aap_test_host_counter_definition()), RegistryError::None);
    options.hostExtensionImplementation = [](const char* uri) -> void* {
        return std::strcmp(uri, AAP_TEST_HOST_COUNTER_URI) == 0 ? &hostImplementation : nullptr;
    };
    return options;
}

// The total the plugin reports as the first message of its MIDI2 output (see test-plugins.cpp).
int32_t reportedTotal(PluginInstance& instance) {
    auto* out = static_cast<const uint8_t*>(instance.portBuffer(5));
    AAPMidiBufferHeader header;
    std::memcpy(&header, out, sizeof(header));
    if (header.length < 8)
        return -100;
    uint32_t words[2];
    std::memcpy(words, out + 32, sizeof(words));
    return words[0] == 0x40B00100u ? static_cast<int32_t>(words[1]) : -100;
}

class HostExtension : public ::testing::TestWithParam<PluginIsolation> {};

TEST_P(HostExtension, PluginCallsTheHostOnTheControlChannelWhileInactiveAndInTheMidiStreamWhileActive) {
    hostTotal = 0;
    hostCalls = 0;
    PluginHost host{test::testCatalog(), counterOptions(GetParam())};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    ASSERT_EQ(host.instantiate("urn:aap-test:host-counter-user", &instance, &error), HostingStatus::Ok) << error;
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    // activate(): the plugin adds 1 before it is active, so the round trip is synchronous.
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    EXPECT_EQ(hostTotal.load(), 1);
    EXPECT_EQ(hostCalls.load(), 1);
    test::fillInputs(*instance, kFrames, 1);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    EXPECT_EQ(reportedTotal(*instance), 1);
    // The third cycle adds 10 through the MIDI2 output; the host answers on its worker and the
    // reply reaches the plugin in a later cycle's input.
    int cycle = 2;
    for (; cycle < 3000 && reportedTotal(*instance) != 11; cycle++) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        test::fillInputs(*instance, kFrames, static_cast<uint32_t>(cycle));
        ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok) << "cycle " << cycle;
    }
    EXPECT_EQ(reportedTotal(*instance), 11);
    EXPECT_GT(cycle, 4);  // not in the cycle that sent it
    EXPECT_EQ(hostTotal.load(), 11);
    EXPECT_EQ(hostCalls.load(), 2);
    ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(instance->destroy(), HostingStatus::Ok);
    EXPECT_EQ(hostCalls.load(), 2);  // exactly once each
}

TEST_P(HostExtension, AHostWithoutTheDefinitionGivesThePluginNoAnswerButKeepsRunning) {
    hostTotal = 0;
    hostCalls = 0;
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:host-counter-user", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);  // the plugin's request fails: NotFound
    for (int cycle = 0; cycle < 20; cycle++) {
        test::fillInputs(*instance, kFrames, static_cast<uint32_t>(cycle));
        ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    }
    EXPECT_EQ(reportedTotal(*instance), -1);  // the plugin never got a total
    EXPECT_EQ(hostCalls.load(), 0);
}

TEST_P(HostExtension, PluginInfoIsServedLocallyFromTheMetadata) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:plugin-info-user", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    // The plugin checked names, ports, parameters and an unknown id in instantiate (test-plugins.cpp).
    EXPECT_EQ(reportedTotal(*instance), 1);
}

// AAP 0.8 plugins call host->get_extension from process(), though aapxs.h tags it [main-thread].
// The plugin asks for the counter, plugin-info, the ABI record and unknown URIs there every cycle
// (its first calls ever), adds 10 through the proxy it got on the audio thread, and its completion
// asks again on the service worker while process() keeps running (TSan sees both threads).
TEST_P(HostExtension, GetExtensionFromProcessAnswersTheSameProxiesAndTheyWork) {
    hostTotal = 0;
    hostCalls = 0;
    PluginHost host{test::testCatalog(), counterOptions(GetParam())};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    ASSERT_EQ(host.instantiate("urn:aap-test:get-extension-in-process", &instance, &error), HostingStatus::Ok) << error;
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    int cycle = 0, cyclesAfterTheReply = 0;
    for (; cycle < 3000 && cyclesAfterTheReply < 50; cycle++) {
        test::fillInputs(*instance, kFrames, static_cast<uint32_t>(cycle));
        ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok) << "cycle " << cycle;
        const int32_t reported = reportedTotal(*instance);
        ASSERT_NE(reported, -2) << "a get_extension answer in process() was wrong, cycle " << cycle;
        ASSERT_TRUE(reported == -1 || reported == 10) << reported;
        if (reported == 10)
            cyclesAfterTheReply++;
        else
            std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    EXPECT_EQ(reportedTotal(*instance), 10);
    EXPECT_EQ(hostTotal.load(), 10);
    EXPECT_EQ(hostCalls.load(), 1);
    ASSERT_EQ(instance->destroy(), HostingStatus::Ok);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, HostExtension,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

} // namespace
} // namespace aap
