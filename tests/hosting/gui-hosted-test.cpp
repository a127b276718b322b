// The GUI path wired into aap::HostedPlugin, with a real plugin in both transports: a GUI event
// lands in the plugin's process() in the next cycle (the test plugin echoes its MIDI2 input to its
// output, so the plugin side is what is asserted), after the host's own events at the same
// frame; a GUI parameter change reaches the plugin, parameterValue() and the automation record;
// what the host sets and the plugin reports reaches the clients, with levels; a GUI that stops
// answering is dropped while the audio keeps running without an xrun.

#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/hosted-plugin.h"
#include "aapxs/midi2-buffer.h"
#include "aapxs/parameter-sysex8.h"
#include "gui-test-support.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;
constexpr int64_t kTimeout = 1000000000;

struct Seen {
    int32_t frame;
    uint32_t words[4];
    uint32_t wordCount;
};

// What the plugin received this cycle (its echo on MIDI2 output port 5), frames from the JR
// Timestamps.
std::vector<Seen> pluginSaw(PluginInstance& instance) {
    std::vector<Seen> out;
    aapxs_ump_iterator_t it;
    if (aapxs_midi2_buffer_iterator_init(&it, instance.portBuffer(5), instance.portBufferSize(5)) != AAPXS_CODEC_OK)
        return out;
    aapxs_ump_t ump;
    int32_t frame = 0;
    while (aapxs_ump_iterator_next(&it, &ump)) {
        if ((ump.words[0] & 0xFFF00000u) == 0x00200000u) {
            frame = static_cast<int32_t>((ump.words[0] & 0xFFFFu) * static_cast<uint64_t>(kRate) / 31250u);
            continue;
        }
        Seen seen{frame, {ump.words[0], ump.words[1], ump.words[2], ump.words[3]}, ump.word_count};
        out.push_back(seen);
    }
    return out;
}

class GuiHosted : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void open(const char* pluginId) {
        host_ = std::make_unique<PluginHost>(test::testCatalog(), test::testOptions(GetParam()));
        std::string error;
        ASSERT_EQ(HostedPlugin::open(*host_, pluginId, HostedPluginOptions::at(kFrames, kRate), &plugin_, &error),
                  HostingStatus::Ok)
            << error;
        path_ = plugin_->enableGuiPath();
        ASSERT_TRUE(path_);
        EXPECT_EQ(plugin_->enableGuiPath(), path_);  // once per plugin
        GuiSessionOptions options;
        options.pingInterval = std::chrono::hours{1};
        options.ackDeadline = std::chrono::milliseconds{100};  // stop() waits this long for the fake client
        ASSERT_EQ(GuiSessions::create(path_, GuiInstanceInfo{kRate, kFrames, plugin_->instance().portCount()}, options,
                                      &sessions_, &error),
                  HostingStatus::Ok)
            << error;
        ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
        client_ = std::make_shared<test::FakeGuiClient>();
        clientId_ = test::attachReadyClient(*sessions_, client_);
    }
    void TearDown() override {
        sessions_.reset();
        plugin_.reset();
        EXPECT_TRUE(test::noChildProcessesRemain());
    }
    HostingStatus sendEvents(const std::vector<uint32_t>& words) {
        const auto message = encodeGuiEvents(clientId_, 100, words.data(), words.size());
        std::string error;
        const HostingStatus status = sessions_->receive(clientId_, message.data(), message.size(), &error);
        EXPECT_EQ(status, HostingStatus::Ok) << error;
        return status;
    }

    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<HostedPlugin> plugin_;
    std::shared_ptr<GuiPath> path_;
    std::unique_ptr<GuiSessions> sessions_;
    std::shared_ptr<test::FakeGuiClient> client_;
    uint32_t clientId_ = 0;
};

TEST_P(GuiHosted, AGuiEventReachesTheNextCycleAfterTheHostsEventsAtTheSameFrame) {
    open("urn:aap-test:gain-echo");
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);  // an idle first cycle
    // GUI: a note at frame 0 and one 64 ticks (98 frames) later; host: a note at 0, one at 98.
    const uint32_t guiNote0 = 0x40903C00u, guiNote98 = 0x40903D00u, hostNote0 = 0x40904000u, hostNote98 = 0x40904100u;
    ASSERT_EQ(sendEvents({guiNote0, 0xFFFF0000u, 0x00200040u, guiNote98, 0xFFFF0000u}), HostingStatus::Ok);
    const uint32_t host0[2] = {hostNote0, 0x80000000u};
    const uint32_t host98[2] = {hostNote98, 0x80000000u};
    ASSERT_EQ(plugin_->addEvent(0, host0, 2), HostingStatus::Ok);
    ASSERT_EQ(plugin_->addEvent(98, host98, 2), HostingStatus::Ok);
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    const auto seen = pluginSaw(plugin_->instance());
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[0].words[0], hostNote0);
    EXPECT_EQ(seen[1].words[0], guiNote0);
    EXPECT_EQ(seen[2].words[0], hostNote98);
    EXPECT_EQ(seen[3].words[0], guiNote98);
    EXPECT_EQ(seen[0].frame, 0);
    EXPECT_NEAR(seen[2].frame, 98, 2);
    EXPECT_NEAR(seen[3].frame, 98, 2);
    // Exactly once: the next cycle is empty.
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    EXPECT_TRUE(pluginSaw(plugin_->instance()).empty());
    EXPECT_EQ(path_->delivered(), 2u);
    // The plugin's output (the echo) reached the client on the next display tick.
    client_->clear();
    sessions_->tick();
    auto events = client_->received(GuiMessageType::Events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].umpWordCount, 8u);
    EXPECT_EQ(events[0].umpWord(2), guiNote0);
}

TEST_P(GuiHosted, AGuiParameterChangeReachesThePluginTheHostAndTheAutomationRecord) {
    open("urn:aap-test:plugin-info-user");
    ASSERT_EQ(plugin_->parameterList().size(), 1u);
    const HostedPlugin::Parameter& gain = plugin_->parameterList()[0];
    ASSERT_EQ(gain.id, 7);
    uint32_t words[12];
    writeParameterGesture(words, true, 7);
    aapxs_parameter_sysex8_write(words + 4, 0, 0, 0, 0, 7, 0xC0000000u);  // 1.5 of 0..2
    writeParameterGesture(words + 8, false, 7);
    ASSERT_EQ(sendEvents(std::vector<uint32_t>(words, words + 12)), HostingStatus::Ok);
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    bool changeSeen = false;
    for (const Seen& seen : pluginSaw(plugin_->instance())) {
        uint16_t id = 0;
        uint32_t value = 0;
        if (seen.wordCount == 4 &&
            aapxs_parameter_sysex8_read(seen.words, nullptr, nullptr, nullptr, nullptr, &id, &value))
            changeSeen = changeSeen || (id == 7 && value == 0xC0000000u);
    }
    EXPECT_TRUE(changeSeen) << "the plugin's process() did not get the GUI's parameter change";
    double value = 0;
    ASSERT_EQ(plugin_->parameterValue(7, &value), HostingStatus::Ok);
    EXPECT_NEAR(value, 1.5, 1e-6);
    GuiAutomationRecord record;
    std::vector<GuiAutomationRecord::Kind> kinds;
    while (path_->popAutomation(&record)) {
        kinds.push_back(record.kind);
        EXPECT_EQ(record.client, clientId_);
        EXPECT_EQ(record.parameterId, 7);
        EXPECT_EQ(record.cycle, 0u);
        if (record.kind == GuiAutomationRecord::Kind::Change)
            EXPECT_NEAR(record.value, 1.5, 1e-6);
    }
    const std::vector<GuiAutomationRecord::Kind> expected = {GuiAutomationRecord::Kind::GestureBegin,
                                                             GuiAutomationRecord::Kind::Change,
                                                             GuiAutomationRecord::Kind::GestureEnd};
    EXPECT_EQ(kinds, expected);
}

TEST_P(GuiHosted, WhatTheHostSetsAndTheLevelsReachEveryClient) {
    open("urn:aap-test:plugin-info-user");
    auto second = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions_, second);
    ASSERT_EQ(plugin_->setParameter(7, 0.25), HostingStatus::Ok);
    test::fillInputs(plugin_->instance(), kFrames, 3);
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    float outputPeak = 0;
    for (int32_t port = 2; port < 4; port++)
        for (int32_t i = 0; i < kFrames; i++)
            outputPeak = std::max(outputPeak, std::fabs(plugin_->instance().audioBuffer(port)[i]));
    ASSERT_GT(outputPeak, 0.0f);
    client_->clear();
    second->clear();
    sessions_->tick();
    for (auto* client : {client_.get(), second.get()}) {
        auto values = client->received(GuiMessageType::ParameterValues);
        ASSERT_EQ(values.size(), 1u);
        ASSERT_EQ(values[0].valueCount, 1u);
        EXPECT_EQ(values[0].value(0).id, 7);
        EXPECT_NEAR(values[0].value(0).value, 0.25, 1e-6);
        auto levels = client->received(GuiMessageType::Levels);
        ASSERT_EQ(levels.size(), 1u);
        ASSERT_EQ(levels[0].levelCount, 4u);  // the four audio ports
        float seenOutputPeak = 0;
        for (size_t i = 0; i < 4; i++)
            if (levels[0].level(i).port == 2 || levels[0].level(i).port == 3)
                seenOutputPeak = std::max(seenOutputPeak, levels[0].level(i).peak);
        EXPECT_FLOAT_EQ(seenOutputPeak, outputPeak);
    }
}

// A parameter change the host sends as an event (addEvent, as aap-host's engine and a graph do)
// is a value the host set: parameterValue() and every client follow it; other events change
// nothing. resync() gives every ready client a Resync and a full snapshot at the next tick.
TEST_P(GuiHosted, AParameterChangeAddedAsAnEventReachesTheClientsAndResyncSendsASnapshot) {
    open("urn:aap-test:plugin-info-user");
    uint32_t words[4];
    aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, 7, 0x40000000u);  // 0.5 of 0..2
    ASSERT_EQ(plugin_->addEvent(0, words, 4), HostingStatus::Ok);
    const uint32_t note[2] = {0x40903C00u, 0xFFFF0000u};
    ASSERT_EQ(plugin_->addEvent(0, note, 2), HostingStatus::Ok);
    double value = 0;
    ASSERT_EQ(plugin_->parameterValue(7, &value), HostingStatus::Ok);
    EXPECT_NEAR(value, 0.5, 1e-6);
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    client_->clear();
    sessions_->tick();
    auto values = client_->received(GuiMessageType::ParameterValues);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_FALSE(values[0].snapshot);
    ASSERT_EQ(values[0].valueCount, 1u);
    EXPECT_EQ(values[0].value(0).id, 7);
    EXPECT_NEAR(values[0].value(0).value, 0.5, 1e-6);
    // Nothing changed since: no values; resync: a Resync (0 lost) and a snapshot of every parameter.
    client_->clear();
    sessions_->tick();
    EXPECT_TRUE(client_->received(GuiMessageType::ParameterValues).empty());
    EXPECT_TRUE(client_->received(GuiMessageType::Resync).empty());
    EXPECT_EQ(sessions_->resync(), 1u);
    client_->clear();
    sessions_->tick();
    auto resyncs = client_->received(GuiMessageType::Resync);
    ASSERT_EQ(resyncs.size(), 1u);
    EXPECT_EQ(resyncs[0].lostEvents, 0u);
    values = client_->received(GuiMessageType::ParameterValues);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_TRUE(values[0].snapshot);
    ASSERT_EQ(values[0].valueCount, plugin_->parameterList().size());
    EXPECT_NEAR(values[0].value(0).value, 0.5, 1e-6);
    // Once: the next tick is plain again.
    client_->clear();
    sessions_->tick();
    EXPECT_TRUE(client_->received(GuiMessageType::Resync).empty());
}

TEST_P(GuiHosted, TheGuiPathSurvivesReinstantiation) {
    open("urn:aap-test:gain-echo");
    std::string error;
    ASSERT_EQ(plugin_->reinstantiate(&error), HostingStatus::Ok) << error;
    EXPECT_EQ(plugin_->guiPath(), path_);
    ASSERT_EQ(sendEvents({0x40903C00u, 0xFFFF0000u}), HostingStatus::Ok);
    ASSERT_EQ(plugin_->process(kFrames, kTimeout), HostingStatus::Ok);
    const auto seen = pluginSaw(plugin_->instance());
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].words[0], 0x40903C00u);
}

TEST_P(GuiHosted, ASilentClientIsDroppedWhileTheAudioRunsOn) {
    open("urn:aap-test:gain-echo");
    // A second GuiSessions with short deadlines, served by its display thread.
    GuiSessionOptions options;
    options.helloDeadline = std::chrono::milliseconds{50};
    options.ackDeadline = std::chrono::milliseconds{50};
    options.pingInterval = std::chrono::milliseconds{20};
    options.displayRateHz = 200;
    std::unique_ptr<GuiSessions> sessions;
    ASSERT_EQ(GuiSessions::create(path_, GuiInstanceInfo{kRate, kFrames, 6}, options, &sessions), HostingStatus::Ok);
    auto silent = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, silent);  // ready, then never answers a ping
    ASSERT_EQ(sessions->start(), HostingStatus::Ok);
    const uint64_t xrunsBefore = plugin_->xruns();
    int failures = 0;
    int cycles = 0;
    const auto start = std::chrono::steady_clock::now();
    while (silent->closeCount() == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds{5}) {
        failures += plugin_->process(kFrames, kTimeout) != HostingStatus::Ok;
        cycles++;
        std::this_thread::sleep_for(std::chrono::microseconds{500});
    }
    for (int i = 0; i < 200; i++, cycles++)
        failures += plugin_->process(kFrames, kTimeout) != HostingStatus::Ok;
    EXPECT_EQ(silent->closeCount(), 1);
    EXPECT_NE(silent->closeReason().find("no pong"), std::string::npos) << silent->closeReason();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(plugin_->xruns(), xrunsBefore);
    EXPECT_GT(cycles, 200);
    sessions->stop();
}

INSTANTIATE_TEST_SUITE_P(Transports, GuiHosted,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? std::string("InProcess")
                                                                             : std::string("ProcessPerInstance");
                         });

} // namespace
} // namespace aap
