// aap::PluginGraph: building (every refusal, nothing half-built), running in order exactly once
// per cycle in every isolation mode, fan-in mixing (audio summed, MIDI2 merged by timestamp),
// zero copy, wakes per cycle, deadlines (xrun, bypass after K misses, a killed node).

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/plugin-graph.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int64_t kGenerousNs = 2'000'000'000;
// gain-echo / graph-recorder ports (default port layout): audio in 0,1; audio out 2,3; MIDI2 in 4; out 5.
constexpr int32_t kIn0 = 0, kIn1 = 1, kOut0 = 2, kOut1 = 3, kMidiIn = 4, kMidiOut = 5;

PluginGraphOptions graphOptions() {
    PluginGraphOptions options;
    options.frames = kFrames;
    options.sampleRate = 48000;
    return options;
}

void fill(float* buffer, float value) {
    for (int32_t i = 0; i < kFrames; i++)
        buffer[i] = value;
}

// Adds `count` plugins `id` chained on both channels, host input -> first, last -> host output.
void buildChain(PluginGraph& graph, PluginHost& host, const std::string& id, int count, std::vector<int32_t>* nodes) {
    for (int i = 0; i < count; i++) {
        int32_t node = -1;
        std::string error;
        ASSERT_EQ(graph.addPlugin(host, id, &node, &error), GraphStatus::Ok) << error;
        nodes->push_back(node);
    }
    for (int channel = 0; channel < 2; channel++) {
        ASSERT_EQ(graph.connect(GraphPort::hostInput(channel), {nodes->front(), kIn0 + channel}), GraphStatus::Ok);
        for (int i = 0; i + 1 < count; i++)
            ASSERT_EQ(graph.connect({(*nodes)[i], kOut0 + channel}, {(*nodes)[i + 1], kIn0 + channel}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({nodes->back(), kOut0 + channel}, GraphPort::hostOutput(channel)), GraphStatus::Ok);
    }
}

// ---- Building ----

TEST(PluginGraphBuild, EveryBadEdgeIsRefusedWithItsOwnStatusAndNothingChanges) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    PluginGraph graph{graphOptions()};
    int32_t a = -1, b = -1, c = -1;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:other-ports", &c), GraphStatus::Ok);
    EXPECT_EQ(a, 0);
    EXPECT_EQ(b, 1);
    std::string error;
    EXPECT_EQ(graph.connect({7, kOut0}, {b, kIn0}, &error), GraphStatus::UnknownNode);
    EXPECT_NE(error.find("node 7"), std::string::npos) << error;
    EXPECT_EQ(graph.connect({a, 99}, {b, kIn0}, &error), GraphStatus::UnknownPort);
    EXPECT_EQ(graph.connect(GraphPort::hostInput(2), {b, kIn0}, &error), GraphStatus::UnknownPort);
    EXPECT_EQ(graph.connect({a, kOut0}, GraphPort::hostOutput(5), &error), GraphStatus::UnknownPort);
    EXPECT_EQ(graph.connect({a, kIn0}, {b, kIn0}, &error), GraphStatus::DirectionMismatch);
    EXPECT_EQ(graph.connect({a, kOut0}, {b, kOut1}, &error), GraphStatus::DirectionMismatch);
    EXPECT_EQ(graph.connect({a, kOut0}, {b, kMidiIn}, &error), GraphStatus::TypeMismatch);
    EXPECT_EQ(graph.connect({a, kMidiOut}, {b, kIn0}, &error), GraphStatus::TypeMismatch);
    EXPECT_EQ(graph.connect({c, 7}, {a, kIn0}, &error), GraphStatus::TypeMismatch);  // an "other" port
    EXPECT_EQ(graph.connect({a, kMidiOut}, GraphPort::hostOutput(0), &error), GraphStatus::TypeMismatch);
    EXPECT_EQ(graph.connect({a, kOut0}, {a, kIn0}, &error), GraphStatus::WouldCycle);
    ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);
    EXPECT_EQ(graph.connect({a, kOut0}, {b, kIn0}, &error), GraphStatus::AlreadyConnected);
    ASSERT_EQ(graph.connect({b, kOut0}, {c, kIn0}), GraphStatus::Ok);
    EXPECT_EQ(graph.connect({c, kOut1}, {a, kIn1}, &error), GraphStatus::WouldCycle);
    EXPECT_NE(error.find("cycle"), std::string::npos) << error;
    EXPECT_EQ(graph.connect({b, kMidiOut}, {a, kMidiIn}, &error), GraphStatus::WouldCycle);
    EXPECT_EQ(graph.disconnect({b, kOut0}, {c, kIn1}), GraphStatus::InvalidArgument);
    // The refused edges left nothing behind: removing the cycle-closing edge's partner makes it legal.
    ASSERT_EQ(graph.disconnect({b, kOut0}, {c, kIn0}), GraphStatus::Ok);
    EXPECT_EQ(graph.connect({c, kOut1}, {a, kIn1}, &error), GraphStatus::Ok) << error;
    EXPECT_STREQ(describe(GraphStatus::WouldCycle), "the edge would close a cycle");
    EXPECT_STREQ(describe(GraphStatus::AlreadyInGraph), "the plugin is already a node of a graph");
}

TEST(PluginGraphBuild, APluginIsANodeOfOneGraphOnly) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<HostedPlugin> plugin;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-test:gain-echo", HostedPluginOptions::at(kFrames, 48000), &plugin),
              HostingStatus::Ok);
    PluginGraph first{graphOptions()};
    PluginGraph second{graphOptions()};
    int32_t node = -1;
    ASSERT_EQ(first.addNode(*plugin, &node), GraphStatus::Ok);
    std::string error;
    EXPECT_EQ(second.addNode(*plugin, &node, &error), GraphStatus::AlreadyInGraph);
    EXPECT_EQ(first.addNode(*plugin, &node, &error), GraphStatus::AlreadyInGraph);
    EXPECT_EQ(second.nodeCount(), 0);
    EXPECT_EQ(first.nodeCount(), 1);
}

TEST(PluginGraphBuild, ActivateRefusesNodesPreparedForFewerFramesAndBuildingWhileActive) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<HostedPlugin> small;
    ASSERT_EQ(HostedPlugin::open(host, "urn:aap-test:gain-echo", HostedPluginOptions::at(64, 48000), &small),
              HostingStatus::Ok);
    {
        PluginGraph graph{graphOptions()};
        int32_t node = -1;
        ASSERT_EQ(graph.addNode(*small, &node), GraphStatus::Ok);
        std::string error;
        EXPECT_EQ(graph.activate(&error), GraphStatus::InvalidState);
        EXPECT_NE(error.find("64 frames"), std::string::npos) << error;
        EXPECT_EQ(small->instanceState(), InstanceState::Inactive);
    }
    PluginGraph graph{graphOptions()};
    int32_t a = -1, b = -1;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    EXPECT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &b), GraphStatus::InvalidState);
    EXPECT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::InvalidState);
    EXPECT_EQ(graph.process(kFrames + 1, kGenerousNs), GraphStatus::InvalidArgument);
    EXPECT_EQ(graph.process(kFrames, 0), GraphStatus::InvalidArgument);
    ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
    EXPECT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::InvalidState);
    EXPECT_EQ(graph.plugin(a)->instanceState(), InstanceState::Inactive);
}

// ---- Running ----

class PluginGraphRun : public ::testing::TestWithParam<PluginIsolation> {};

// A chain of recorders: each adds its own cycle count, so the output is input + N * cycle when
// every node ran exactly once per cycle after its predecessor (a stale read is off by one).
TEST_P(PluginGraphRun, EveryNodeRunsAfterItsPredecessorsExactlyOncePerCycle) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:graph-recorder", 5, &nodes);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    for (int cycle = 1; cycle <= 50; cycle++) {
        fill(graph.hostInput(0), 1000.0f * static_cast<float>(cycle));
        fill(graph.hostInput(1), -1000.0f * static_cast<float>(cycle));
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        const float expected0 = 1000.0f * static_cast<float>(cycle) + 5.0f * static_cast<float>(cycle);
        const float expected1 = -1000.0f * static_cast<float>(cycle) + 5.0f * static_cast<float>(cycle);
        ASSERT_EQ(graph.hostOutput(0)[0], expected0) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(0)[kFrames - 1], expected0) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(1)[17], expected1) << "cycle " << cycle;
        for (size_t i = 1; i < nodes.size(); i++) {
            const GraphNodeStatus before = graph.nodeStatus(nodes[i - 1]);
            const GraphNodeStatus after = graph.nodeStatus(nodes[i]);
            ASSERT_LE(before.finishedNs, after.awakeNs) << "node " << i << " woke before its predecessor finished";
        }
    }
    for (int32_t node : nodes) {
        EXPECT_EQ(graph.nodeStatus(node).cycles, 50u);
        EXPECT_EQ(graph.nodeStatus(node).xruns, 0u);
    }
    EXPECT_EQ(graph.cycles(), 50u);
}

// Diamond: host -> A -> (B, C) -> D -> host. D's input is B + C summed: 2 * (x + a) + b + c, + d.
TEST_P(PluginGraphRun, FanInSumsAudioAndADiamondRunsInOrder) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    PluginGraph graph{graphOptions()};
    int32_t a, b, c, d;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &d), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {c, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({b, kOut0}, {d, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({c, kOut0}, {d, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({d, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({b, kOut0}, GraphPort::hostOutput(1)), GraphStatus::Ok);  // fan-in at the host too
    ASSERT_EQ(graph.connect({c, kOut0}, GraphPort::hostOutput(1)), GraphStatus::Ok);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    for (int cycle = 1; cycle <= 30; cycle++) {
        const float x = 100.0f * static_cast<float>(cycle);
        const float n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
        ASSERT_EQ(graph.hostOutput(0)[3], 2 * (x + n) + 2 * n + n) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(1)[200], 2 * (x + n) + 2 * n) << "cycle " << cycle;
        const GraphNodeStatus sa = graph.nodeStatus(a), sb = graph.nodeStatus(b), sc = graph.nodeStatus(c),
                              sd = graph.nodeStatus(d);
        ASSERT_LE(sa.finishedNs, sb.awakeNs);
        ASSERT_LE(sa.finishedNs, sc.awakeNs);
        ASSERT_LE(sb.finishedNs, sd.awakeNs);
        ASSERT_LE(sc.finishedNs, sd.awakeNs);
    }
}

// MIDI2 fan-in: A's and B's outputs (their host events, echoed) merge into C's input with C's own
// host events, in timestamp order; C echoes the merged stream. AAPXS stays with each node.
TEST_P(PluginGraphRun, FanInMergesMidi2ByTimestamp) {
    PluginHost host{test::testCatalog(), test::testOptions(GetParam())};
    PluginGraph graph{graphOptions()};
    int32_t a, b, c;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &c), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kMidiOut}, {c, kMidiIn}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({b, kMidiOut}, {c, kMidiIn}), GraphStatus::Ok);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    const uint32_t noteA[2] = {0x40903C00u, 0xA0000000u};  // note on 60
    const uint32_t noteB[2] = {0x40903E00u, 0xB0000000u};  // note on 62
    const uint32_t noteC[2] = {0x40904000u, 0xC0000000u};  // note on 64
    const uint32_t noteC0[2] = {0x40904100u, 0xC1000000u};
    ASSERT_EQ(graph.addEvent(a, 96, noteA, 2), HostingStatus::Ok);
    ASSERT_EQ(graph.addEvent(b, 48, noteB, 2), HostingStatus::Ok);
    ASSERT_EQ(graph.addEvent(c, 72, noteC, 2), HostingStatus::Ok);
    ASSERT_EQ(graph.addEvent(c, 0, noteC0, 2), HostingStatus::Ok);
    ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    const auto* out = static_cast<const uint8_t*>(graph.outputBuffer(c, kMidiOut));
    ASSERT_NE(out, nullptr);
    uint32_t length;
    std::memcpy(&length, out + 4, 4);
    std::vector<uint32_t> words(length / 4);
    std::memcpy(words.data(), out + 32, length);
    // frame f at 48 kHz = f * 31250 / 48000 ticks: 48 -> 31, 72 -> 46, 96 -> 62.
    const std::vector<uint32_t> expected{noteC0[0], noteC0[1], 0x0020001Fu, noteB[0], noteB[1],
                                         0x0020002Eu, noteC[0], noteC[1], 0x0020003Eu, noteA[0], noteA[1]};
    EXPECT_EQ(words, expected);
    // The next cycle carries nothing: every event reached C exactly once.
    ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    std::memcpy(&length, out + 4, 4);
    EXPECT_EQ(length, 0u);
}

INSTANTIATE_TEST_SUITE_P(Isolation, PluginGraphRun,
                         ::testing::Values(PluginIsolation::ProcessPerInstance, PluginIsolation::SharedProcess,
                                           PluginIsolation::InProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::ProcessPerInstance ? std::string{"PerInstance"}
                                    : info.param == PluginIsolation::SharedProcess    ? std::string{"Shared"}
                                                                                      : std::string{"InProcess"};
                         });

// Nodes of every isolation mode in one chain.
TEST(PluginGraphMixed, InProcessSharedAndPerInstanceNodesChainTogether) {
    PluginHost perInstance{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginHost shared{test::testCatalog(), test::testOptions(PluginIsolation::SharedProcess)};
    PluginHost inProcess{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes(6);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &nodes[0]), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &nodes[1]), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(shared, "urn:aap-test:graph-recorder", &nodes[2]), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(shared, "urn:aap-test:graph-recorder", &nodes[3]), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &nodes[4]), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &nodes[5]), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {nodes[0], kIn0}), GraphStatus::Ok);
    for (size_t i = 0; i + 1 < nodes.size(); i++)
        ASSERT_EQ(graph.connect({nodes[i], kOut0}, {nodes[i + 1], kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({nodes.back(), kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    EXPECT_TRUE(graph.nodeStatus(nodes[0]).outOfProcess);
    EXPECT_FALSE(graph.nodeStatus(nodes[1]).outOfProcess);
    EXPECT_EQ(graph.nodeStatus(nodes[2]).servicePid, graph.nodeStatus(nodes[3]).servicePid);
    for (int cycle = 1; cycle <= 40; cycle++) {
        fill(graph.hostInput(0), 10.0f * static_cast<float>(cycle));
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
        ASSERT_EQ(graph.hostOutput(0)[100], 10.0f * static_cast<float>(cycle) + 6.0f * static_cast<float>(cycle))
            << "cycle " << cycle;
    }
}

} // namespace
} // namespace aap
