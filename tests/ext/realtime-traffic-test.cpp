// The audio thread of a host never allocates, frees or blocks while extension traffic flows:
// typed sync and async calls from another thread (their completions run on the audio thread),
// chunked state, and host-extension notifications the plugin sends from its process(). Counted
// by aap::rt-guard (heap operations, blocking calls, and the calls allowed by design, bounded).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "aap/hosting/hosted-plugin.h"
#include "aap/runtime/realtime-guard.h"
#include "aap/runtime/request-table.h"
#include "ext-test-plugin-data.h"
#include "ext-test-support.h"

namespace aap::ext_test {
namespace {

// What the guarded audio thread saw; written by it, read after it was joined.
RealtimeTotals audioTotals;
uint64_t audioGuardedCycles = 0;

int64_t guardedLoop(AudioThread& self) {
    // Warm up outside the guard: the first cycles may fault in lazily allocated thread state
    // (thread-locals of libstdc++) that has nothing to do with extension traffic.
    for (int i = 0; i < 3 && self.running(); i++)
        self.cycle();
    audioTotals = RealtimeTotals{};
    audioGuardedCycles = 0;
    while (self.running()) {
        {
            RealtimeGuard guard;  // one cycle; the sleep between cycles is the test's, not audio work
            self.cycle();
            audioTotals.add(guard);
        }
        audioGuardedCycles++;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return static_cast<int64_t>(audioTotals.heapOperations);
}

// Zero blocking calls; the calls allowed by design within their per-cycle bounds: out of process
// the host waits for the service's reply at most once per cycle; futex wakes reach the peer and
// the worker, each at most once per cycle. Out of process every cycle reads the clock (the host's
// deadline: proof the guard saw the cycles); in process a cycle reads it only while AAPXS requests
// are in flight (docs/hosting.md, "AAPXS hints"), so there the guard shows on a clock read of
// this test's own that it sees this process's calls.
void expectNoBlocking(const RealtimeTotals& totals, uint64_t cycles, bool outOfProcess) {
    EXPECT_EQ(totals.blockingCalls, 0u) << "first violation: " << totals.firstViolation;
    for (unsigned kind = 0; kind < kBlockingCallKinds; kind++)
        EXPECT_EQ(totals.blocking[kind], 0u) << RealtimeGuard::name(static_cast<BlockingCall>(kind));
    EXPECT_LE(totals.allowedCalls(AllowedCall::BoundedFutexWait), outOfProcess ? cycles : 0u);
    EXPECT_LE(totals.allowedCalls(AllowedCall::FutexWake), 2 * cycles);
    EXPECT_EQ(totals.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
    if (outOfProcess) {
        EXPECT_GE(totals.allowedCalls(AllowedCall::ClockRead), cycles);
    } else {
        RealtimeGuard guard;
        (void)monotonicNowNs();
        EXPECT_EQ(guard.allowedCalls(AllowedCall::ClockRead), 1u) << "the guard does not see clock reads";
    }
}

struct Tally {
    std::atomic<int> completions{0};
    std::atomic<int> errors{0};
    std::atomic<int> notifications{0};
};

// In process the plugin's process() and the plugin side's AAPXS (its notifications go out as
// host-extension requests) run on the guarded thread as well.
class RealtimeTrafficBothTransports : public ::testing::TestWithParam<PluginIsolation> {};

TEST_P(RealtimeTrafficBothTransports, TheAudioThreadNeverTouchesTheHeapWhileExtensionsTalk) {
    Tally tally;
    StandardHostExtensions::Handlers handlers;
    handlers.user = &tally;
    handlers.parametersChanged = [](void* user, AndroidAudioPluginHost*) noexcept {
        static_cast<Tally*>(user)->notifications.fetch_add(1);
    };
    handlers.presetsUpdated = handlers.parametersChanged;
    StandardHostExtensions notifications{handlers};
    RemotePlugin plugin;
    ASSERT_EQ(plugin.open(GetParam(), "urn:aap-ext-test:full", true, &notifications), "");
    ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
    AudioThread::setGuardFactory(&guardedLoop);
    int64_t heapOperations = -1;
    {
        AudioThread audio{*plugin.instance};
        constexpr int kAsyncCalls = 200;
        for (int i = 0; i < kAsyncCalls; i++) {
            plugin.presets->getPresetAsync(
                i % aap_ext_test::kPresetCount,
                [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
                    auto* t = static_cast<Tally*>(user);
                    (result.ok() ? t->completions : t->errors).fetch_add(1);
                },
                &tally);
            if (i % 20 == 0) {
                EXPECT_TRUE(plugin.parameters->getParameter(i % 3).ok());
                audio.sendWordOnce(aap_ext_test::kNotifyFromProcessWord);
            }
        }
        std::vector<uint8_t> state(10000, 0x5A);
        EXPECT_TRUE(plugin.state->setState(state).ok());
        EXPECT_EQ(plugin.state->getState().value(), state);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        // The notifications sent from process() reach the host a cycle or more later (out of
        // process: in the plugin's MIDI2 output, then dispatched off the audio thread): wait for
        // them as for the completions, within the same bound.
        while ((tally.completions.load() + tally.errors.load() < kAsyncCalls || tally.notifications.load() == 0) &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_EQ(tally.completions.load(), kAsyncCalls);
        EXPECT_EQ(tally.errors.load(), 0);
        EXPECT_GT(tally.notifications.load(), 0);
        audio.stop();
        EXPECT_EQ(audio.failures(), 0u);
        EXPECT_GT(audio.cycles(), 10u);
        heapOperations = audio.allocations();
    }
    AudioThread::setGuardFactory(nullptr);
    EXPECT_EQ(heapOperations, 0) << "heap operations on the audio thread (" << RealtimeGuard::mechanism() << ")";
    EXPECT_GT(audioGuardedCycles, 10u);
    expectNoBlocking(audioTotals, audioGuardedCycles, GetParam() == PluginIsolation::ProcessPerInstance);
}

// HostedPlugin's audio-thread calls: setParameter while active (a parameter-change SysEx8 at a
// frame), the flush of a value set while inactive in the first active cycle, and the reading of
// the values the plugin reports back after each cycle. Nothing may allocate or block.
TEST_P(RealtimeTrafficBothTransports, HostedPluginParameterChangesAllocateNothing) {
    PluginHost host{testCatalog(), hostOptions(GetParam())};
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-ext-test:full", HostedPluginOptions::at(kFrames, 48000), &hosted,
                                 &error),
              HostingStatus::Ok)
        << error;
    ASSERT_FALSE(hosted->parameterList().empty());
    const HostedPlugin::Parameter first = hosted->parameterList().front();
    // Warm up (thread-locals of libstdc++), then leave a value pending for the first guarded cycle.
    ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(hosted->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    ASSERT_EQ(hosted->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(hosted->setParameter(first.id, first.maximumValue), HostingStatus::Ok);
    ASSERT_EQ(hosted->activate(), HostingStatus::Ok);
    RealtimeTotals totals;
    int failures = 0;
    constexpr int kCycles = 200;
    for (int cycle = 0; cycle < kCycles; cycle++) {
        RealtimeGuard guard;
        const double value = cycle % 2 == 0 ? first.minimumValue : first.maximumValue;
        failures += hosted->setParameter(first.id, value, cycle % kFrames) != HostingStatus::Ok;
        failures += hosted->process(kFrames, 1'000'000'000) != HostingStatus::Ok;
        double read = 0;
        failures += hosted->parameterValue(first.id, &read) != HostingStatus::Ok;
        totals.add(guard);
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(totals.heapOperations, 0u) << "heap operations on the audio thread (" << RealtimeGuard::mechanism() << ")";
    expectNoBlocking(totals, kCycles, GetParam() == PluginIsolation::ProcessPerInstance);
    ASSERT_EQ(hosted->deactivate(), HostingStatus::Ok);
}

INSTANTIATE_TEST_SUITE_P(RealtimeTraffic, RealtimeTrafficBothTransports,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });


// The typed async call itself may be made on the audio thread: ExtensionClient::callAsync's
// realtime route (record pop, submit), the completion and the typed decode all run on the thread
// that calls process(), and so does, in process, the plugin side's AAPXS. All inside the guard.
TEST(RealtimeTraffic, AsyncCallsSubmittedFromTheAudioThreadTouchNoHeap) {
    for (const PluginIsolation isolation : {PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance}) {
        SCOPED_TRACE(isolation == PluginIsolation::InProcess ? "in process" : "process per instance");
        RemotePlugin plugin;
        ASSERT_EQ(plugin.open(isolation, "urn:aap-ext-test:full", true), "");
        ASSERT_EQ(plugin.instance->activate(), HostingStatus::Ok);
        Tally tally;
        const auto onPreset = [](void* user, const ExtensionResult<aap_preset_t>& result) noexcept {
            auto* t = static_cast<Tally*>(user);
            (result.ok() ? t->completions : t->errors).fetch_add(1);
        };
        const int32_t frames = plugin.instance->preparedFrames();
        // Warm-up cycle outside the guard (lazily created thread state, see guardedLoop).
        ASSERT_EQ(plugin.instance->process(frames, 1000000000), HostingStatus::Ok);
        constexpr int kCalls = 100;
        int submitted = 0, failures = 0, cycle = 0;
        RealtimeTotals totals;
        for (; cycle < 20000 && (tally.completions.load() + tally.errors.load() < kCalls); cycle++) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the workers run
            RealtimeGuard guard;
            if (submitted < kCalls) {
                plugin.presets->getPresetAsync(submitted % aap_ext_test::kPresetCount, onPreset, &tally);
                submitted++;
            }
            failures += plugin.instance->process(frames, 1000000000) != HostingStatus::Ok;
            totals.add(guard);
        }
        EXPECT_EQ(failures, 0);
        EXPECT_EQ(tally.completions.load(), kCalls) << "after " << cycle << " cycles";
        EXPECT_EQ(tally.errors.load(), 0);
        EXPECT_EQ(totals.heapOperations, 0u) << "heap operations on the audio thread (" << RealtimeGuard::mechanism() << ")";
        expectNoBlocking(totals, static_cast<uint64_t>(cycle), isolation == PluginIsolation::ProcessPerInstance);
        EXPECT_EQ(plugin.instance->deactivate(), HostingStatus::Ok);
    }
}

} // namespace
} // namespace aap::ext_test
