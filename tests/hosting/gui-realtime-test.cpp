// The audio thread's share of the GUI path makes no heap operation and no blocking call: with GUI
// clients sending events and parameter changes through GuiSessions on other threads, the display
// thread serving two clients (one of them dropped for silence meanwhile) and a tracer reading the
// applied-event records, HostedPlugin::process() drains, merges, records and copies out under
// aap::RealtimeGuard in both transports. The guard's own
// self-test (realtime-allocation-test.cpp) proves it sees every kind of violation.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/hosted-plugin.h"
#include "aap/runtime/realtime-guard.h"
#include "aap/runtime/request-table.h"
#include "aapxs/parameter-sysex8.h"
#include "gui-test-support.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int kCycles = 3000;

class GuiRealtime : public ::testing::TestWithParam<PluginIsolation> {};

TEST_P(GuiRealtime, TheAudioThreadAllocatesNothingAndNeverBlocksWithGuiTraffic) {
    const bool outOfProcess = GetParam() != PluginIsolation::InProcess;
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    std::unique_ptr<HostedPlugin> plugin;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-test:plugin-info-user", HostedPluginOptions::at(kFrames, 48000), &plugin,
                                 &error),
              HostingStatus::Ok)
        << error;
    GuiPathOptions pathOptions;
    pathOptions.appliedCapacity = 256;  // as aap-host gui --trace: the applied-event records too
    auto path = plugin->enableGuiPath(pathOptions);
    ASSERT_TRUE(path);
    GuiSessionOptions options;
    options.displayRateHz = 250;
    options.ackDeadline = std::chrono::milliseconds{30};
    options.pingInterval = std::chrono::milliseconds{10};
    options.maxEventsPerSecond = 0;
    std::unique_ptr<GuiSessions> sessions;
    ASSERT_EQ(GuiSessions::create(path, GuiInstanceInfo{48000, kFrames, plugin->instance().portCount()}, options,
                                  &sessions, &error),
              HostingStatus::Ok)
        << error;
    ASSERT_EQ(plugin->activate(), HostingStatus::Ok);
    auto talker = std::make_shared<test::FakeGuiClient>();
    auto silent = std::make_shared<test::FakeGuiClient>();
    const uint32_t talkerId = test::attachReadyClient(*sessions, talker);
    test::attachReadyClient(*sessions, silent);
    ASSERT_EQ(sessions->start(), HostingStatus::Ok);

    std::atomic<bool> running{true};
    // Two GUI threads: one through the sessions (answering pings), one pushing straight into the path.
    std::thread sessionSender([&] {
        uint32_t i = 0;
        while (running.load()) {
            uint32_t words[6];
            aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, 7, i * 7919u);
            words[4] = 0x40903C00u | ((i & 0x7Fu) << 8);
            words[5] = 0x80000000u;
            const auto message = encodeGuiEvents(talkerId, i++, words, 6);
            sessions->receive(talkerId, message.data(), message.size());
            for (const auto& ping : talker->received(GuiMessageType::Ping)) {
                const auto pong = encodeGuiEmpty(GuiMessageType::Pong, talkerId, ping.header.sequence);
                sessions->receive(talkerId, pong.data(), pong.size());
            }
            talker->clear();
            std::this_thread::sleep_for(std::chrono::microseconds{200});
        }
    });
    std::thread pusher([&] {
        uint32_t i = 0;
        while (running.load()) {
            const uint32_t words[1] = {0x20903C40u | ((i++ & 0x7Fu) << 8)};
            path->push(99, static_cast<int32_t>(i % 300), words, 1);
            std::this_thread::sleep_for(std::chrono::microseconds{100});
        }
    });

    // The tracer: reads the applied-event records while the audio thread writes them.
    std::atomic<uint64_t> appliedSeen{0};
    std::thread tracer([&] {
        GuiAppliedEvent applied;
        while (running.load()) {
            while (path->popApplied(&applied))
                appliedSeen.fetch_add(1, std::memory_order_relaxed);
            std::this_thread::sleep_for(std::chrono::microseconds{500});
        }
    });
    test::fillInputs(plugin->instance(), kFrames, 1);
    int failures = 0;
    RealtimeTotals totals;
    for (int cycle = 0; cycle < kCycles; cycle++) {
        {
            RealtimeGuard guard;
            // A host parameter change, which addEvent also publishes to the GUIs (docs/gui.md).
            uint32_t change[4];
            aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 7, static_cast<uint32_t>(cycle) * 104729u);
            failures += plugin->addEvent(0, change, 4) != HostingStatus::Ok;
            failures += plugin->process(kFrames, 1000000000) != HostingStatus::Ok;
            totals.add(guard);
        }
        if (cycle % 8 == 0)
            std::this_thread::sleep_for(std::chrono::microseconds{300});  // let the GUI threads run
    }
    running = false;
    sessionSender.join();
    pusher.join();
    tracer.join();
    sessions->stop();

    EXPECT_EQ(failures, 0);
    EXPECT_GT(path->delivered(), 100u) << "the GUI traffic did not reach the cycles";
    EXPECT_GT(appliedSeen.load(), 0u) << "no applied-event record was read";
    EXPECT_EQ(silent->closeCount(), 1) << "the silent client was not dropped during the run";
    EXPECT_EQ(totals.heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(totals.blockingCalls, 0u) << "first violation: " << totals.firstViolation;
    EXPECT_LE(totals.allowedCalls(AllowedCall::BoundedFutexWait), outOfProcess ? static_cast<uint64_t>(kCycles) : 0u);
    EXPECT_LE(totals.allowedCalls(AllowedCall::FutexWake), 2u * kCycles);
    EXPECT_EQ(totals.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
    // The guard saw the cycles: out of process each reads the clock for its deadline; in process a
    // cycle reads it only while AAPXS requests are in flight (docs/hosting.md, "AAPXS hints"), so
    // there the guard shows on a clock read of this test's own that it counts this process's calls.
    if (outOfProcess) {
        EXPECT_GE(totals.allowedCalls(AllowedCall::ClockRead), static_cast<uint64_t>(kCycles));
    } else {
        RealtimeGuard guard;
        (void)monotonicNowNs();
        EXPECT_EQ(guard.allowedCalls(AllowedCall::ClockRead), 1u) << "the guard does not see clock reads";
    }
}

INSTANTIATE_TEST_SUITE_P(Transports, GuiRealtime,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? std::string("InProcess")
                                                                             : std::string("ProcessPerInstance");
                         });

} // namespace
} // namespace aap
