// Plugins that crash, hang, are slow or write garbage must not hang or crash the host: process()
// returns by its deadline with silent outputs, the instance goes to Error, control calls time
// out, the host can instantiate again, and no child process is left behind.

#include <gtest/gtest.h>

#include <chrono>

#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 128;

int64_t elapsedNs(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count();
}

class PluginFault : public ::testing::Test {
protected:
    void SetUp() override {
        PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
        options.process.controlTimeoutNs = 500000000;
        // Lost after 3 consecutive missed cycles, however short (the live tests cover the time bound).
        options.process.unresponsiveCycles = 3;
        options.process.unresponsiveNs = 0;
        host_ = std::make_unique<PluginHost>(test::testCatalog(), options);
    }

    std::unique_ptr<PluginInstance> activeInstance(const std::string& id) {
        std::unique_ptr<PluginInstance> instance;
        std::string error;
        EXPECT_EQ(host_->instantiate(id, &instance, &error), HostingStatus::Ok) << error;
        if (!instance)
            return nullptr;
        EXPECT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
        EXPECT_EQ(instance->activate(), HostingStatus::Ok);
        return instance;
    }

    // After a fault: Error state, every further call fails without touching the peer, destroy
    // succeeds, no child remains, and the same host can run a healthy plugin again.
    void expectRecovery(std::unique_ptr<PluginInstance>& failed) {
        EXPECT_EQ(failed->state(), InstanceState::Error);
        test::poisonOutputs(*failed);
        auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(failed->process(kFrames, 1000000000), HostingStatus::Offline);
        EXPECT_LT(elapsedNs(start), 10000000);
        EXPECT_TRUE(test::outputsSilent(*failed));
        EXPECT_EQ(failed->deactivate(), HostingStatus::Offline);
        EXPECT_EQ(failed->destroy(), HostingStatus::Ok);
        EXPECT_TRUE(test::noChildProcessesRemain());

        std::unique_ptr<PluginInstance> healthy = activeInstance("urn:aap-test:gain-echo");
        ASSERT_NE(healthy, nullptr);
        test::fillInputs(*healthy, kFrames, 1);
        EXPECT_EQ(healthy->process(kFrames, 1000000000), HostingStatus::Ok);
        EXPECT_EQ(healthy->audioBuffer(2)[3], healthy->audioBuffer(0)[3] * 0.5f);
        EXPECT_EQ(healthy->destroy(), HostingStatus::Ok);
        EXPECT_TRUE(test::noChildProcessesRemain());
    }

    std::unique_ptr<PluginHost> host_;
};

TEST_F(PluginFault, CrashInProcessIsDetectedBeforeTheDeadlineAndSilencesOutputs) {
    auto instance = activeInstance("urn:aap-test:crash-in-process");
    ASSERT_NE(instance, nullptr);
    for (int cycle = 0; cycle < 2; cycle++) {
        test::fillInputs(*instance, kFrames, 7);
        ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    }
    test::poisonOutputs(*instance);
    const int64_t deadline = 3000000000;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Offline);
    // Peer death wakes process() through the pidfd watcher: far sooner than the deadline.
    EXPECT_LT(elapsedNs(start), deadline / 2);
    EXPECT_TRUE(test::outputsSilent(*instance));
    expectRecovery(instance);
}

TEST_F(PluginFault, CrashInAControlCallFailsTheCallWithoutWaitingForItsTimeout) {
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host_->instantiate("urn:aap-test:crash-in-activate", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->activate(), HostingStatus::Offline);
    EXPECT_LT(elapsedNs(start), 400000000);  // the control timeout is 500 ms
    expectRecovery(instance);
}

TEST_F(PluginFault, InfiniteLoopInProcessIsAnXrunAtTheDeadlineThenTheInstanceIsLostPastTheBound) {
    auto instance = activeInstance("urn:aap-test:hang-in-process");
    ASSERT_NE(instance, nullptr);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    test::poisonOutputs(*instance);
    const int64_t deadline = 50000000;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Xrun);
    const int64_t elapsed = elapsedNs(start);
    EXPECT_GE(elapsed, deadline);
    // "By the deadline", plus scheduling slack for a loaded 2-core CI machine under sanitizers.
    EXPECT_LT(elapsed, deadline + 100000000);
    EXPECT_TRUE(test::outputsSilent(*instance));
    EXPECT_EQ(instance->state(), InstanceState::Active);
    // The cycle still runs in the service: the next one cannot start and is an xrun at once.
    test::poisonOutputs(*instance);
    start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Xrun);
    EXPECT_LT(elapsedNs(start), 10000000);
    EXPECT_TRUE(test::outputsSilent(*instance));
    // The third missed cycle crosses the bound: the service is killed, the instance lost.
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Timeout);
    EXPECT_EQ(instance->xruns(), 2u);
    expectRecovery(instance);
}

TEST_F(PluginFault, ProcessSlowerThanTheDeadlineGivesXrunsAndIsLostPastTheBound) {
    auto instance = activeInstance("urn:aap-test:slow-process");
    ASSERT_NE(instance, nullptr);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    const int64_t deadline = 20000000;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Xrun);
    EXPECT_LT(elapsedNs(start), deadline + 100000000);
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Xrun);
    EXPECT_EQ(instance->process(kFrames, deadline), HostingStatus::Timeout);
    expectRecovery(instance);
}

TEST_F(PluginFault, HangInPrepareTimesOutTheControlCallAndKillsTheService) {
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host_->instantiate("urn:aap-test:hang-in-prepare", &instance), HostingStatus::Ok);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Timeout);
    const int64_t elapsed = elapsedNs(start);
    EXPECT_GE(elapsed, 500000000);
    EXPECT_LT(elapsed, 900000000);
    EXPECT_EQ(instance->state(), InstanceState::Error);
    EXPECT_EQ(instance->activate(), HostingStatus::Offline);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST_F(PluginFault, GarbageInTheMidiOutputHeaderIsAProtocolError) {
    auto instance = activeInstance("urn:aap-test:garbage-midi-header");
    ASSERT_NE(instance, nullptr);
    test::fillInputs(*instance, kFrames, 3);
    EXPECT_EQ(instance->process(kFrames, 1000000000), HostingStatus::ProtocolError);
    EXPECT_TRUE(test::outputsSilent(*instance));
    expectRecovery(instance);
}

TEST_F(PluginFault, ACrashInOneInstanceOfASharedServiceTakesItsSiblingsOfflineButNotTheHost) {
    PluginHostOptions options = test::testOptions(PluginIsolation::SharedProcess);
    PluginHost shared{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> healthy, crashing;
    ASSERT_EQ(shared.instantiate("urn:aap-test:gain-echo", &healthy), HostingStatus::Ok);
    ASSERT_EQ(shared.instantiate("urn:aap-test:crash-in-process", &crashing), HostingStatus::Ok);
    for (auto* instance : {healthy.get(), crashing.get()}) {
        ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
        ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    }
    for (int cycle = 0; cycle < 3; cycle++)
        crashing->process(kFrames, 1000000000);
    EXPECT_EQ(crashing->state(), InstanceState::Error);
    EXPECT_EQ(healthy->process(kFrames, 1000000000), HostingStatus::Offline);
    EXPECT_EQ(healthy->state(), InstanceState::Error);
    // The next instantiate starts a fresh shared service.
    std::unique_ptr<PluginInstance> again;
    ASSERT_EQ(shared.instantiate("urn:aap-test:gain-echo", &again), HostingStatus::Ok);
    ASSERT_EQ(again->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(again->activate(), HostingStatus::Ok);
    EXPECT_EQ(again->process(kFrames, 1000000000), HostingStatus::Ok);
}

} // namespace
} // namespace aap
