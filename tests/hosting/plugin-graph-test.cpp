// aap::PluginGraph: building (every refusal, nothing half-built), running in order exactly once
// per cycle in every isolation mode, fan-in mixing (audio summed, MIDI2 merged by timestamp),
// zero copy, wakes per cycle, deadlines (xrun, bypass after K misses, a killed node).

#include <gtest/gtest.h>

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
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


// ---- Activation: wakes, zero copy, extension calls, deadlines ----

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The cross-process wake-ups of each cycle, as the activation block counted them while they
// happened: exactly `expected` in every cycle. The FUTEX_WAKE calls behind them are at most as many
// (none when the target had not gone to sleep yet).
void expectWakes(PluginGraph& graph, uint64_t expected, int cycles = 200) {
    const uint64_t wakesBefore = graph.totalWakes(), futexBefore = graph.totalFutexWakes();
    int wrong = 0;
    std::string seen;
    for (int cycle = 0; cycle < cycles; cycle++) {
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
        if (graph.wakesLastCycle() != expected && wrong++ < 10)
            seen += "cycle " + std::to_string(cycle) + ": " + std::to_string(graph.wakesLastCycle()) + "; ";
    }
    EXPECT_EQ(wrong, 0) << "expected " << expected << " wakes per cycle; " << seen;
    EXPECT_EQ(graph.totalWakes() - wakesBefore, expected * static_cast<uint64_t>(cycles));
    EXPECT_LE(graph.totalFutexWakes() - futexBefore, graph.totalWakes() - wakesBefore);
}

TEST(PluginGraphActivation, AChainOfNOutOfProcessNodesCostsNPlusOneWakesPerCycle) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    for (int n : {1, 2, 4}) {
        SCOPED_TRACE("chain of " + std::to_string(n));
        PluginGraph graph{graphOptions()};
        std::vector<int32_t> nodes;
        buildChain(graph, host, "urn:aap-test:gain-echo", n, &nodes);
        std::string error;
        ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
        expectWakes(graph, static_cast<uint64_t>(n) + 1);
    }
}

TEST(PluginGraphActivation, ADiamondOfFourCostsFiveWakesAndOneServiceRunsItsNodesWithoutWakes) {
    {
        PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
        PluginGraph graph{graphOptions()};
        int32_t a, b, c, d;
        ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &a), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &b), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &c), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:gain-echo", &d), GraphStatus::Ok);
        ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({a, kOut0}, {c, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({b, kOut0}, {d, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({c, kOut0}, {d, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({d, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
        ASSERT_EQ(graph.activate(), GraphStatus::Ok);
        expectWakes(graph, 5);
    }
    {
        // Three nodes in one shared service: the service runs them back to back on one thread;
        // only the source is woken, and the host at the end.
        PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::SharedProcess)};
        PluginGraph graph{graphOptions()};
        std::vector<int32_t> nodes;
        buildChain(graph, host, "urn:aap-test:graph-recorder", 3, &nodes);
        ASSERT_EQ(graph.activate(), GraphStatus::Ok);
        expectWakes(graph, 2);
    }
}

// inode of the memfd behind `fd`.
ino_t inodeOf(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// Whether process `pid` maps the file with inode `inode` (its /proc/<pid>/maps).
bool maps(int pid, ino_t inode) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        std::string range, perms, offset, device;
        unsigned long long found = 0;
        fields >> range >> perms >> offset >> device >> found;
        if (found == inode)
            return true;
    }
    return false;
}

TEST(PluginGraphActivation, ASingleProducerEdgeIsReadInPlaceAndFanInIsMixedByTheConsumer) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, b, c;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);   // one producer: zero copy
    ASSERT_EQ(graph.connect({a, kOut0}, {c, kIn0}), GraphStatus::Ok);   // fan-in of two: mixed
    ASSERT_EQ(graph.connect({b, kOut0}, {c, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({c, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    // Poison the consumers' own input buffers: a zero-copy input never writes its own.
    auto* ownB = static_cast<float*>(graph.plugin(b)->instance().portBuffer(kIn0));
    auto* ownC = static_cast<float*>(graph.plugin(c)->instance().portBuffer(kIn0));
    fill(ownB, 12345.0f);
    fill(ownC, 12345.0f);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    EXPECT_EQ(graph.inputBuffer(b, kIn0), graph.outputBuffer(a, kOut0));
    EXPECT_EQ(graph.inputBuffer(a, kIn0), graph.hostInput(0));
    EXPECT_EQ(graph.inputBuffer(c, kIn0), ownC);
    // The same shared-memory region: b's service maps a's output memfd (and the host input's is a's).
    const int pidB = graph.nodeStatus(b).servicePid;
    ASSERT_GT(pidB, 0);
    const int fdA = graph.plugin(a)->instance().transportInstance()->portBufferFd(kOut0);
    ASSERT_GE(fdA, 0);
    EXPECT_TRUE(maps(pidB, inodeOf(fdA))) << "service of node b does not map node a's output";
    for (int cycle = 1; cycle <= 20; cycle++) {
        const float x = 10.0f * static_cast<float>(cycle), n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
        // c = (a) + (b) + n = (x + n) + (x + n + n) + n
        ASSERT_EQ(graph.hostOutput(0)[5], (x + n) + (x + 2 * n) + n) << "cycle " << cycle;
        ASSERT_EQ(ownB[7], 12345.0f) << "b's own input buffer was written: not zero copy";
        ASSERT_EQ(ownC[7], (x + n) + (x + 2 * n)) << "c mixes its producers into its own buffer";
    }
}

// The 3rd node of an active 5-node chain answers typed extension calls (its own AAPXS traffic,
// never forwarded along the edges) while the graph runs.
TEST(PluginGraphActivation, AnExtensionCallToTheThirdNodeOfAnActiveChainCompletes) {
    PluginCatalog catalog = PluginCatalog::scan({AAP_TEST_BUNDLE_DIR, AAP_EXT_TEST_BUNDLE_DIR});
    PluginHost host{catalog, test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-ext-test:full", 5, &nodes);
    for (int32_t node : nodes)
        ASSERT_EQ(graph.connect({node, kMidiOut}, {node == nodes.back() ? nodes.front() : node + 1, kMidiIn}),
                  node == nodes.back() ? GraphStatus::WouldCycle : GraphStatus::Ok);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    std::atomic<bool> running{true};
    std::atomic<uint64_t> failures{0};
    std::thread audio([&] {
        while (running.load()) {
            if (graph.process(kFrames, kGenerousNs) != GraphStatus::Ok)
                failures.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    });
    auto presets = graph.plugin(nodes[2])->presets();
    auto parameters = graph.plugin(nodes[2])->parameters();
    int completed = 0;
    for (int i = 0; i < 10 && presets != nullptr && parameters != nullptr; i++) {
        auto count = presets->getPresetCount();
        EXPECT_TRUE(count.ok()) << describe(count.error());
        auto info = parameters->getParameter(0);
        EXPECT_TRUE(info.ok()) << describe(info.error());
        if (!count.ok() || !info.ok())
            break;
        completed++;
    }
    running.store(false);
    audio.join();
    EXPECT_EQ(completed, 10);
    EXPECT_EQ(failures.load(), 0u);
    for (int32_t node : nodes)
        EXPECT_EQ(graph.nodeStatus(node).xruns, 0u);
}

// A node late once: one xrun for it, the graph finishes within the deadline and goes on.
TEST(PluginGraphDeadlines, ANodeLateOnceGivesOneXrunAndTheGraphContinues) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, late, c;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:late-every-50", &late), GraphStatus::Ok);  // 400 ms in its 50th cycle
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {late, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({late, kOut0}, {c, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({c, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    constexpr int64_t kDeadlineNs = 100'000'000;
    int xruns = 0;
    for (int cycle = 1; cycle <= 60; cycle++) {
        const int64_t before = nowNs();
        const GraphStatus status = graph.process(kFrames, kDeadlineNs);
        const int64_t took = nowNs() - before;
        EXPECT_LT(took, kDeadlineNs + 50'000'000) << "cycle " << cycle << " waited past its deadline";
        if (status == GraphStatus::Xrun) {
            xruns++;
            EXPECT_EQ(cycle, 50);
            std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the late cycle ends meanwhile
        } else {
            ASSERT_EQ(status, GraphStatus::Ok) << "cycle " << cycle;
        }
    }
    EXPECT_EQ(xruns, 1);
    EXPECT_EQ(graph.nodeStatus(late).xruns, 1u);
    EXPECT_FALSE(graph.nodeStatus(late).bypassed);
    EXPECT_EQ(graph.nodeStatus(a).xruns, 0u);
    EXPECT_EQ(graph.nodeStatus(late).cycles, 59u);
}

// A node late K = 3 times in a row is bypassed; its successor then runs on silence.
TEST(PluginGraphDeadlines, ANodeLateKTimesIsBypassedAndItsSuccessorRunsOnSilence) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, slow, c;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:slow-process", &slow), GraphStatus::Ok);  // 300 ms from cycle 2 on
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {slow, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({slow, kOut0}, {c, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({c, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    constexpr int64_t kDeadlineNs = 50'000'000;
    fill(graph.hostInput(0), 1000.0f);
    ASSERT_EQ(graph.process(kFrames, kDeadlineNs), GraphStatus::Ok);
    for (int miss = 1; miss <= 3; miss++) {
        EXPECT_FALSE(graph.nodeStatus(slow).bypassed) << "miss " << miss;
        const int64_t before = nowNs();
        EXPECT_EQ(graph.process(kFrames, kDeadlineNs), GraphStatus::Xrun) << "miss " << miss;
        EXPECT_LT(nowNs() - before, kDeadlineNs + 50'000'000);
    }
    const GraphNodeStatus status = graph.nodeStatus(slow);
    EXPECT_TRUE(status.bypassed);
    EXPECT_EQ(status.bypassReason, HostingStatus::Xrun);
    EXPECT_EQ(status.xruns, 3u);
    // Bypassed: removed from activation. c runs every cycle again, on silence (its count only).
    const uint64_t cBefore = graph.nodeStatus(c).cycles;
    for (int cycle = 0; cycle < 5; cycle++) {
        ASSERT_EQ(graph.process(kFrames, kDeadlineNs), GraphStatus::Ok);
        EXPECT_EQ(graph.hostOutput(0)[9], static_cast<float>(graph.nodeStatus(c).cycles));
    }
    EXPECT_EQ(graph.nodeStatus(c).cycles, cBefore + 5);
    EXPECT_EQ(graph.nodeStatus(a).xruns, 0u);
}

// A node whose service is killed is bypassed within one cycle; the others keep running.
TEST(PluginGraphDeadlines, ANodeKilledMidRunIsBypassedWithinOneCycle) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:graph-recorder", 3, &nodes);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    for (int cycle = 0; cycle < 5; cycle++)
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    const int victim = graph.nodeStatus(nodes[1]).servicePid;
    ASSERT_GT(victim, 0);
    ASSERT_EQ(::kill(victim, SIGKILL), 0);
    // The next cycle wakes it (its death may not be known yet); the transport sees the service
    // exit and wakes the host, which ends the node's part on silence and bypasses it in that very
    // cycle, long before its generous deadline.
    constexpr int64_t kDeadlineNs = 2'000'000'000;
    const int64_t before = nowNs();
    EXPECT_EQ(graph.process(kFrames, kDeadlineNs), GraphStatus::Xrun);
    EXPECT_LT(nowNs() - before, kDeadlineNs / 2) << "the host waited for a dead node";
    const GraphNodeStatus status = graph.nodeStatus(nodes[1]);
    EXPECT_TRUE(status.bypassed);
    EXPECT_EQ(status.bypassReason, HostingStatus::Offline);
    const uint64_t lastBefore = graph.nodeStatus(nodes[2]).cycles;
    for (int cycle = 0; cycle < 5; cycle++) {
        ASSERT_EQ(graph.process(kFrames, kDeadlineNs), GraphStatus::Ok)
            << "cycle " << cycle << ": xruns " << graph.nodeStatus(nodes[0]).xruns << " "
            << graph.nodeStatus(nodes[1]).xruns << " " << graph.nodeStatus(nodes[2]).xruns << ", bypassed "
            << graph.nodeStatus(nodes[0]).bypassed << graph.nodeStatus(nodes[2]).bypassed << " reason "
            << describe(graph.nodeStatus(nodes[1]).bypassReason);
    }
    EXPECT_EQ(graph.nodeStatus(nodes[2]).cycles, lastBefore + 5);
    EXPECT_FALSE(graph.nodeStatus(nodes[0]).bypassed);
}

// ---- Placement (PluginGraphOptions::placement, hostSpinNs) ----

// Cpus_allowed_list of every thread of process `pid` (/proc/<pid>/task/*/status).
std::vector<std::string> threadCpuLists(int pid) {
    std::vector<std::string> lists;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* tasks = ::opendir(dir.c_str());
    if (tasks == nullptr)
        return lists;
    while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.')
            continue;
        std::ifstream status(dir + "/" + entry->d_name + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("Cpus_allowed_list:", 0) == 0) {
                std::string list = line.substr(std::strlen("Cpus_allowed_list:"));
                list.erase(0, list.find_first_not_of(" \t"));
                lists.push_back(list);
            }
    }
    ::closedir(tasks);
    return lists;
}

// How many threads of `pid` keep to exactly `list`.
int threadsOn(int pid, const std::string& list) {
    int count = 0;
    for (const std::string& each : threadCpuLists(pid))
        count += each == list ? 1 : 0;
    return count;
}

// Runs `cycles` cycles of `graph` on a thread of its own whose affinity is `cpus` (null: the
// process's); false when a cycle failed.
bool runOnThread(PluginGraph& graph, const cpu_set_t* cpus, int cycles) {
    bool ok = true;
    std::thread audio([&] {
        if (cpus != nullptr && ::sched_setaffinity(0, sizeof(*cpus), cpus) != 0) {
            ok = false;
            return;
        }
        for (int cycle = 0; cycle < cycles && ok; cycle++)
            ok = graph.process(kFrames, kGenerousNs) == GraphStatus::Ok;
    });
    audio.join();
    return ok;
}

// FollowHost (the default): while the thread calling process() keeps to one CPU, each
// out-of-process node's realtime thread keeps to that CPU (and follows it to another); when the
// caller may run anywhere again, so may the nodes. Anywhere: the nodes never change their CPUs.
TEST(PluginGraphPlacement, NodesKeepToTheCpuOfAPinnedHostThreadAndFollowIt) {
    cpu_set_t all;
    CPU_ZERO(&all);
    ASSERT_EQ(::sched_getaffinity(0, sizeof(all), &all), 0);
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &all))
            cpus.push_back(cpu);
    if (cpus.size() < 2)
        GTEST_SKIP() << "this process may use one CPU only: nodes following the host's thread from one CPU "
                        "to another cannot be shown";
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    for (const GraphPlacement placement : {GraphPlacement::FollowHost, GraphPlacement::Anywhere}) {
        const bool follows = placement == GraphPlacement::FollowHost;
        SCOPED_TRACE(follows ? "FollowHost" : "Anywhere");
        PluginGraphOptions options = graphOptions();
        options.placement = placement;
        PluginGraph graph{options};
        std::vector<int32_t> nodes;
        buildChain(graph, host, "urn:aap-test:gain-echo", 2, &nodes);
        ASSERT_EQ(graph.activate(), GraphStatus::Ok);
        std::vector<int> pids;
        for (int32_t node : nodes)
            pids.push_back(graph.nodeStatus(node).servicePid);
        for (int pid : pids)
            ASSERT_GT(pid, 0);
        const std::string everywhere = threadCpuLists(pids[0]).at(0);  // the service's main thread
        for (const int cpu : {cpus[0], cpus[1]}) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            ASSERT_TRUE(runOnThread(graph, &one, 20));
            for (int pid : pids)
                EXPECT_EQ(threadsOn(pid, std::to_string(cpu)), follows ? 1 : 0)
                    << "host thread on CPU " << cpu << ", service " << pid;
        }
        ASSERT_TRUE(runOnThread(graph, &all, 20));
        for (int pid : pids)
            for (const std::string& list : threadCpuLists(pid))
                EXPECT_EQ(list, everywhere) << "the host's thread may run anywhere again, service " << pid;
        ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
    }
}

// hostSpinNs: while the host spins the last sink finds it awake and issues no FUTEX_WAKE for it
// (a chain of N: at most N FUTEX_WAKE calls a cycle, still N + 1 wake-ups counted); a negative
// spin is refused at activate().
TEST(PluginGraphPlacement, AHostSpinSavesTheSinksFutexWakeAndANegativeSpinIsRefused) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    {
        PluginGraphOptions options = graphOptions();
        options.hostSpinNs = -1;
        PluginGraph graph{options};
        std::vector<int32_t> nodes;
        buildChain(graph, host, "urn:aap-test:gain-echo", 1, &nodes);
        std::string error;
        EXPECT_EQ(graph.activate(&error), GraphStatus::InvalidArgument);
        EXPECT_NE(error.find("hostSpinNs"), std::string::npos) << error;
        EXPECT_FALSE(graph.active());
    }
    {
        PluginGraphOptions options = graphOptions();
        options.placement = static_cast<GraphPlacement>(7);
        PluginGraph graph{options};
        std::vector<int32_t> nodes;
        buildChain(graph, host, "urn:aap-test:gain-echo", 1, &nodes);
        EXPECT_EQ(graph.activate(), GraphStatus::InvalidArgument);
    }
    PluginGraphOptions options = graphOptions();
    options.hostSpinNs = kGenerousNs;  // spins until the sinks finish: never sleeps
    PluginGraph graph{options};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:gain-echo", 3, &nodes);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    for (int cycle = 0; cycle < 100; cycle++) {
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
        EXPECT_EQ(graph.wakesLastCycle(), 4u) << "cycle " << cycle;
        EXPECT_LE(graph.futexWakesLastCycle(), 3u) << "cycle " << cycle;
    }
}

} // namespace
} // namespace aap
