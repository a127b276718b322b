// Running a plugin live (docs/hosting.md, "The cycle contract for events" and "Xruns"):
// - events added with PluginInstance::addEvent reach the plugin exactly once, in frame order,
//   with JR timestamps, and the MIDI2 input is empty at the start of the next cycle;
// - 100,000 cycles with event traffic never fill the buffer; a full event queue fails at once
//   (tests/ext/hosted-plugin-test.cpp shows AAPXS calls completing while it is full);
// - a late cycle is an xrun (silent outputs, counted), not a lost instance; a hung service is
//   killed within the bound; SIGSTOP/SIGCONT gives xruns, then normal cycles.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext/midi.h"
#include "aap/hosting/event-queue.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSoakCycles = 10000;  // sanitizers are ~10x slower; the default build runs 100,000
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr int kSoakCycles = 10000;
#else
constexpr int kSoakCycles = 100000;
#endif
#else
constexpr int kSoakCycles = 100000;
#endif

std::vector<uint32_t> midiWords(PluginInstance& instance, int32_t port) {
    auto* buffer = static_cast<const uint8_t*>(instance.portBuffer(port));
    AAPMidiBufferHeader header;
    std::memcpy(&header, buffer, sizeof(header));
    std::vector<uint32_t> words(header.length / 4);
    if (!words.empty())
        std::memcpy(words.data(), buffer + 32, header.length);
    return words;
}

uint32_t inputLength(PluginInstance& instance) {
    AAPMidiBufferHeader header;
    std::memcpy(&header, instance.portBuffer(4), sizeof(header));
    return header.length;
}

void setSilentInputs(PluginInstance& instance) {
    for (int32_t port = 0; port < 2; port++)
        std::memset(instance.audioBuffer(port), 0, kFrames * sizeof(float));
}

std::unique_ptr<PluginInstance> activeInstance(PluginHost& host, const char* id) {
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    EXPECT_EQ(host.instantiate(id, &instance, &error), HostingStatus::Ok) << error;
    if (!instance)
        return nullptr;
    EXPECT_EQ(instance->prepare(kFrames, kRate), HostingStatus::Ok);
    EXPECT_EQ(instance->activate(), HostingStatus::Ok);
    return instance;
}

class EventCycleContract : public ::testing::TestWithParam<PluginIsolation> {};

TEST_P(EventCycleContract, OneEventReachesThePluginExactlyOnceWithItsTimestamp) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    auto instance = activeInstance(host, "urn:aap-test:gain-echo");
    ASSERT_TRUE(instance);
    const uint32_t noteOn[2] = {0x40903C00u, 0xFFFF0000u};
    ASSERT_EQ(instance->addEvent(10, noteOn, 2), HostingStatus::Ok);
    int seen = 0;
    for (int cycle = 0; cycle < 20; cycle++) {
        setSilentInputs(*instance);
        ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok);
        EXPECT_EQ(inputLength(*instance), 0u) << "the MIDI2 input must be empty after the cycle";
        std::vector<uint32_t> out = midiWords(*instance, 5);  // gain-echo echoes its input
        for (size_t i = 0; i + 1 < out.size(); i++)
            if (out[i] == noteOn[0] && out[i + 1] == noteOn[1]) {
                seen++;
                ASSERT_GE(i, 1u);
                EXPECT_EQ(out[i - 1], EventQueue::timestampWord(10, kRate));
                EXPECT_EQ(cycle, 0);
            }
    }
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(EventQueue::timestampWord(10, kRate), 0x00200000u | (10u * 31250u / 48000u));
}

TEST_P(EventCycleContract, EventsReachThePluginInFrameOrderAfterTheHostsRawWords) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    auto instance = activeInstance(host, "urn:aap-test:gain-echo");
    ASSERT_TRUE(instance);
    auto event = [](uint32_t note) { return std::vector<uint32_t>{0x40900000u | (note << 8), 0x80000000u}; };
    // Added out of order; two at frame 40 keep their order.
    for (auto [frame, note] : std::vector<std::pair<int32_t, uint32_t>>{{200, 1}, {40, 2}, {0, 3}, {40, 4}, {255, 5}})
        ASSERT_EQ(instance->addEvent(frame, event(note).data(), 2), HostingStatus::Ok);
    // A raw word written by the host into the buffer comes first (frame 0).
    auto* in = static_cast<uint8_t*>(instance->portBuffer(4));
    const uint32_t raw[2] = {0x40B00100u, 7u};
    AAPMidiBufferHeader header{};
    header.length = 8;
    std::memcpy(in, &header, sizeof(header));
    std::memcpy(in + 32, raw, sizeof(raw));
    setSilentInputs(*instance);
    ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    const std::vector<uint32_t> expected = {
        raw[0], raw[1], event(3)[0], event(3)[1], EventQueue::timestampWord(40, kRate), event(2)[0], event(2)[1],
        event(4)[0], event(4)[1], EventQueue::timestampWord(200, kRate), event(1)[0], event(1)[1],
        EventQueue::timestampWord(255, kRate), event(5)[0], event(5)[1]};
    EXPECT_EQ(midiWords(*instance, 5), expected);
}

TEST_P(EventCycleContract, BadEventsAreRefusedAndAFullQueueFailsAtOnce) {
    PluginHostOptions options = test::testOptions(GetParam());
    options.maxEventsPerCycle = 4;
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    const uint32_t noteOn[2] = {0x40903C00u, 0xFFFF0000u};
    EXPECT_EQ(instance->addEvent(0, noteOn, 2), HostingStatus::InvalidState);  // not prepared
    ASSERT_EQ(instance->prepare(kFrames, kRate), HostingStatus::Ok);
    EXPECT_EQ(instance->addEvent(kFrames, noteOn, 2), HostingStatus::InvalidArgument);  // past the cycle
    EXPECT_EQ(instance->addEvent(-1, noteOn, 2), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance->addEvent(0, noteOn, 1), HostingStatus::InvalidArgument);  // type 4 is 2 words
    EXPECT_EQ(instance->addEvent(0, nullptr, 2), HostingStatus::InvalidArgument);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(instance->addEvent(i, noteOn, 2), HostingStatus::Ok);
    EXPECT_EQ(instance->addEvent(5, noteOn, 2), HostingStatus::CapacityExceeded);
    EXPECT_EQ(instance->events().size(), 4u);
}

TEST_P(EventCycleContract, ManyCyclesWithEventTrafficNeverFillTheBuffer) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    auto instance = activeInstance(host, "urn:aap-test:gain-echo");
    ASSERT_TRUE(instance);
    setSilentInputs(*instance);
    uint64_t echoed = 0;
    for (int cycle = 0; cycle < kSoakCycles; cycle++) {
        for (uint32_t e = 0; e < 4; e++) {
            const uint32_t words[2] = {0x40900000u | ((static_cast<uint32_t>(cycle) + e) & 0x7Fu) << 8, e};
            ASSERT_EQ(instance->addEvent(static_cast<int32_t>(e * 60), words, 2), HostingStatus::Ok) << "cycle " << cycle;
        }
        ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok) << "cycle " << cycle;
        for (uint32_t word : midiWords(*instance, 5))
            echoed += (word >> 28) == 0x4u ? 1 : 0;
    }
    EXPECT_EQ(echoed, static_cast<uint64_t>(kSoakCycles) * 4);
    EXPECT_EQ(instance->events().size(), 0u);
    EXPECT_EQ(inputLength(*instance), 0u);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, EventCycleContract,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

TEST(EventQueueMerge, TwoSourcesMergeInFrameOrderAndTheFirstWinsTies) {
    EventQueue host, gui;
    ASSERT_EQ(host.reserve(8, 256), HostingStatus::Ok);
    ASSERT_EQ(gui.reserve(8, 256), HostingStatus::Ok);
    const uint32_t h1[1] = {0x10F80000u}, h2[1] = {0x10FA0000u}, g1[1] = {0x10FC0000u}, g2[1] = {0x10FB0000u};
    ASSERT_EQ(gui.add(5, g1, 1), HostingStatus::Ok);
    ASSERT_EQ(host.add(5, h1, 1), HostingStatus::Ok);
    ASSERT_EQ(host.add(9, h2, 1), HostingStatus::Ok);
    ASSERT_EQ(gui.add(0, g2, 1), HostingStatus::Ok);
    uint8_t buffer[32 + 64] = {};
    EventQueue* queues[2] = {&host, &gui};
    EXPECT_EQ(EventQueue::writeMerged(queues, 2, 16, 48000, buffer, sizeof(buffer)), 4u);
    uint32_t length;
    std::memcpy(&length, buffer + 4, 4);
    std::vector<uint32_t> words(length / 4);
    std::memcpy(words.data(), buffer + 32, length);
    const std::vector<uint32_t> expected = {g2[0], EventQueue::timestampWord(5, 48000), h1[0], g1[0],
                                            EventQueue::timestampWord(9, 48000), h2[0]};
    EXPECT_EQ(words, expected);
    EXPECT_TRUE(host.empty());
    EXPECT_TRUE(gui.empty());
    // What does not fit stays queued, in order, for the next cycle.
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(host.add(i, h1, 1), HostingStatus::Ok);
    uint8_t small[32 + 12] = {};
    EXPECT_EQ(EventQueue::writeMerged(queues, 2, 16, 48000, small, sizeof(small)), 2u);  // h1, ts+h1
    EXPECT_EQ(host.size(), 6u);
    EXPECT_EQ(host.at(0).frame, 2);
    EventQueue unreserved;
    EXPECT_EQ(unreserved.add(0, h1, 1), HostingStatus::InvalidState);
    EXPECT_EQ(unreserved.reserve(0, 16), HostingStatus::InvalidArgument);
}

// ---- Xruns ----

PluginHostOptions xrunOptions(int32_t cycles, int64_t boundNs) {
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.unresponsiveCycles = cycles;
    options.process.unresponsiveNs = boundNs;
    return options;
}

// SIGSTOP takes effect asynchronously: wait until /proc says the process is stopped ('T').
bool stopAndWait(int pid) {
    if (::kill(pid, SIGSTOP) != 0)
        return false;
    for (int i = 0; i < 2000; i++) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(stat, line);
        const size_t paren = line.rfind(')');
        if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'T')
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

bool echoedHalf(PluginInstance& instance) {
    // gain-echo with a constant 0.5 input: every output frame is 0.25.
    for (int32_t port = 2; port < 4; port++)
        for (int32_t i = 0; i < kFrames; i++)
            if (instance.audioBuffer(port)[i] != 0.25f)
                return false;
    return true;
}

void setHalfInputs(PluginInstance& instance) {
    for (int32_t port = 0; port < 2; port++)
        for (int32_t i = 0; i < kFrames; i++)
            instance.audioBuffer(port)[i] = 0.5f;
}

TEST(Xruns, APluginLateOnceEvery50CyclesKeepsRunningAndEveryLateCycleIsCounted) {
    PluginHost host{test::testCatalog(), xrunOptions(3, 250'000'000)};
    auto instance = activeInstance(host, "urn:aap-test:late-every-50");
    ASSERT_TRUE(instance);
    int late = 0;
    for (int cycle = 1; cycle <= 200; cycle++) {
        setHalfInputs(*instance);
        test::poisonOutputs(*instance);
        // A generous deadline for normal cycles (the machine may be loaded); the plugin sleeps
        // 400 ms in every 50th.
        const HostingStatus status = instance->process(kFrames, 150'000'000);
        if (cycle % 50 == 0) {
            EXPECT_EQ(status, HostingStatus::Xrun) << "cycle " << cycle;
            EXPECT_TRUE(test::outputsSilent(*instance));
            late++;
            std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the late reply arrives
        } else {
            ASSERT_EQ(status, HostingStatus::Ok) << "cycle " << cycle;
            EXPECT_TRUE(echoedHalf(*instance)) << "cycle " << cycle;
        }
        ASSERT_EQ(instance->state(), InstanceState::Active);
    }
    EXPECT_EQ(late, 4);
    EXPECT_EQ(instance->xruns(), 4u);
    EXPECT_EQ(instance->lateCycles(), 4u);
}

TEST(Xruns, AHangingPluginGoesToErrorWithinTheBoundAndItsServiceIsKilled) {
    PluginHost host{test::testCatalog(), xrunOptions(3, 250'000'000)};
    auto instance = activeInstance(host, "urn:aap-test:hang-in-process");
    ASSERT_TRUE(instance);
    const int pid = instance->servicePid();
    ASSERT_GT(pid, 0);
    constexpr int64_t kPeriodNs = 1'000'000'000LL * kFrames / kRate;
    setHalfInputs(*instance);
    ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok);  // the first cycle is fine
    const auto firstMiss = std::chrono::steady_clock::now();
    HostingStatus status = HostingStatus::Ok;
    int cycles = 0;
    while ((status = instance->process(kFrames, kPeriodNs)) == HostingStatus::Xrun && cycles < 10000) {
        cycles++;
        EXPECT_TRUE(test::outputsSilent(*instance));
        std::this_thread::sleep_for(std::chrono::nanoseconds(kPeriodNs));
    }
    const auto lost = std::chrono::steady_clock::now() - firstMiss;
    EXPECT_EQ(status, HostingStatus::Timeout);
    EXPECT_EQ(instance->state(), InstanceState::Error);
    EXPECT_GE(cycles, 2);  // 3 missed cycles in all, the last one reports Timeout
    EXPECT_GE(lost, std::chrono::milliseconds(250));
    EXPECT_LT(lost, std::chrono::milliseconds(250 + 1500)) << "generous for a loaded machine";
    // Killed by the host, reaped by the transport: gone without destroy().
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = ::kill(pid, 0) != 0 && errno == ESRCH;
        if (!gone)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::string stat;
    std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/stat"), stat);
    EXPECT_TRUE(gone) << "the hung service " << pid << " still exists: " << stat;
    EXPECT_EQ(instance->process(kFrames, kPeriodNs), HostingStatus::Offline);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST(Xruns, SigstopThenSigcontOfTheServiceGivesXrunsThenNormalCycles) {
    // A bound far above the stop, so a loaded machine cannot turn it into a loss.
    PluginHost host{test::testCatalog(), xrunOptions(3, 10'000'000'000)};
    auto instance = activeInstance(host, "urn:aap-test:gain-echo");
    ASSERT_TRUE(instance);
    const int pid = instance->servicePid();
    ASSERT_GT(pid, 0);
    constexpr int64_t kDeadlineNs = 5'000'000;
    for (int i = 0; i < 20; i++) {
        setHalfInputs(*instance);
        ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok);
    }
    ASSERT_TRUE(stopAndWait(pid));
    int xruns = 0;
    for (int i = 0; i < 20; i++) {
        setHalfInputs(*instance);
        test::poisonOutputs(*instance);
        const HostingStatus status = instance->process(kFrames, kDeadlineNs);
        EXPECT_EQ(status, HostingStatus::Xrun);
        EXPECT_TRUE(test::outputsSilent(*instance));
        xruns += status == HostingStatus::Xrun ? 1 : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    // Recovery: within a few cycles (the late reply is discarded), then only normal cycles.
    int firstOk = -1;
    for (int i = 0; i < 2000 && firstOk < 0; i++) {
        setHalfInputs(*instance);
        const HostingStatus status = instance->process(kFrames, 1'000'000'000);
        if (status == HostingStatus::Ok)
            firstOk = i;
        else
            ASSERT_EQ(status, HostingStatus::Xrun);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a period, roughly
    }
    ASSERT_GE(firstOk, 0) << "never recovered";
    for (int i = 0; i < 100; i++) {
        setHalfInputs(*instance);
        ASSERT_EQ(instance->process(kFrames, 1'000'000'000), HostingStatus::Ok) << "cycle " << i;
        EXPECT_TRUE(echoedHalf(*instance));
    }
    EXPECT_EQ(xruns, 20);
    EXPECT_GE(instance->xruns(), 20u);
    EXPECT_EQ(instance->lateCycles(), 1u);  // the first started and missed; the rest could not start
    EXPECT_EQ(instance->state(), InstanceState::Active);
}

TEST(Xruns, EventsOfACycleThatCouldNotStartAreDeliveredOnceLater) {
    PluginHost host{test::testCatalog(), xrunOptions(3, 10'000'000'000)};
    auto instance = activeInstance(host, "urn:aap-test:gain-echo");
    ASSERT_TRUE(instance);
    const int pid = instance->servicePid();
    ASSERT_TRUE(stopAndWait(pid));
    setHalfInputs(*instance);
    EXPECT_EQ(instance->process(kFrames, 5'000'000), HostingStatus::Xrun);  // sent, not answered
    const uint32_t noteOn[2] = {0x40903C00u, 0xFFFF0000u};
    ASSERT_EQ(instance->addEvent(3, noteOn, 2), HostingStatus::Ok);
    EXPECT_EQ(instance->process(kFrames, 5'000'000), HostingStatus::Xrun);  // still busy: kept queued
    EXPECT_EQ(instance->events().size(), 1u);
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    int seen = 0;
    for (int i = 0; i < 500; i++) {
        const HostingStatus status = instance->process(kFrames, 1'000'000'000);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (status != HostingStatus::Ok)
            continue;
        std::vector<uint32_t> out = midiWords(*instance, 5);
        for (size_t w = 0; w + 1 < out.size(); w++)
            seen += out[w] == noteOn[0] && out[w + 1] == noteOn[1] ? 1 : 0;
    }
    EXPECT_EQ(seen, 1);
}

} // namespace
} // namespace aap
