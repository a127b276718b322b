// aap::PluginGraph: building (every refusal, nothing half-built), running in order exactly once
// per cycle in every isolation mode, fan-in mixing (audio summed, MIDI2 merged by timestamp),
// zero copy, wakes per cycle, deadlines (xrun, bypass after K misses, a killed node).

#include <gtest/gtest.h>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

#include "aap/ext/midi.h"
#include "aap/hosting/in-process-transport.h"
#include "aap/hosting/plugin-graph.h"
#include "aap/plugin-meta-info.h"
#include "aap/runtime/aapxs-wire.h"
#include "hosting-test-support.h"
#include "test-host-counter-extension.h"
#include "test-transform-extension.h"

// Calls of sched_getaffinity in this process. This definition takes the C library's place for the
// calls made by this executable, the hosting library linked into it included (PluginGraph's
// placement reads the affinity of the thread that calls process()), and forwards them.
static std::atomic<uint64_t> g_affinityReads{0};
extern "C" int sched_getaffinity(pid_t pid, size_t size, cpu_set_t* set) {
    using Next = int (*)(pid_t, size_t, cpu_set_t*);
    static const Next next = reinterpret_cast<Next>(::dlsym(RTLD_NEXT, "sched_getaffinity"));
    g_affinityReads.fetch_add(1, std::memory_order_relaxed);
    return next(pid, size, set);
}

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

// ---- Zero copy across the host's boundary: in-process nodes ----

// Whether process `pid` maps a memfd created under `name` (/proc/<pid>/maps: "/memfd:NAME (deleted)").
bool mapsMemfdNamed(int pid, const std::string& name) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(file, line))
        if (line.find("/memfd:" + name + " ") != std::string::npos)
            return true;
    return false;
}

// The UMP words of a MIDI2 port buffer (32-byte header, length at byte 4).
std::vector<uint32_t> midiWords(const void* buffer) {
    const auto* bytes = static_cast<const uint8_t*>(buffer);
    uint32_t length = 0;
    std::memcpy(&length, bytes + 4, 4);
    std::vector<uint32_t> words(length / 4);
    if (!words.empty())
        std::memcpy(words.data(), bytes + 32, words.size() * 4);
    return words;
}

// An in-process instance's port buffers are sealed memfds of exactly the port's size, page-aligned
// (so 64-byte aligned as before), and portBuffer() is that memfd's memory; a port spec the transport
// cannot serve is refused with InvalidArgument and leaves the prepared buffers alone.
TEST(InProcessPortBuffers, EachPortIsASealedMemfdOfExactlyItsSizeAndBadSpecsAreRefused) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(100, 48000), HostingStatus::Ok);  // 400-byte audio ports: not a multiple of 64
    TransportInstance* transport = instance->transportInstance();
    ASSERT_NE(transport, nullptr);
    for (int32_t port : {kIn0, kIn1, kOut0, kOut1, kMidiIn, kMidiOut}) {
        SCOPED_TRACE("port " + std::to_string(port));
        const int fd = transport->portBufferFd(port);
        ASSERT_GE(fd, 0);
        struct stat st {};
        ASSERT_EQ(::fstat(fd, &st), 0);
        EXPECT_EQ(static_cast<uint64_t>(st.st_size), instance->sharedBufferSize(port));
        const int seals = ::fcntl(fd, F_GET_SEALS);
        EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);
        auto* buffer = static_cast<uint8_t*>(transport->portBuffer(port));
        ASSERT_NE(buffer, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer) % 64, 0u);
        // The same memory: what the plugin's buffer holds is what the memfd holds.
        buffer[0] = static_cast<uint8_t>(0xA0 + port);
        uint8_t read = 0;
        ASSERT_EQ(::pread(fd, &read, 1, 0), 1);
        EXPECT_EQ(read, buffer[0]);
    }
    EXPECT_EQ(instance->sharedBufferSize(kOut0), 400u);
    EXPECT_EQ(transport->portBufferFd(-1), -1);
    EXPECT_EQ(transport->portBufferFd(6), -1);
    const int before = transport->portBufferFd(kOut0);
    std::vector<PortBufferSpec> empty{{AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_OUTPUT, 0}};
    EXPECT_EQ(transport->prepare(100, 48000, empty), HostingStatus::InvalidArgument);
    std::vector<PortBufferSpec> shortMidi{{AAP_CONTENT_TYPE_MIDI2, AAP_PORT_DIRECTION_INPUT, 16}};
    EXPECT_EQ(transport->prepare(100, 48000, shortMidi), HostingStatus::InvalidArgument);
    EXPECT_EQ(transport->portBufferFd(kOut0), before) << "a refused prepare replaced the buffers";
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, 100, 3);
    EXPECT_EQ(instance->process(100, kGenerousNs), HostingStatus::Ok);
    ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
}

// An out-of-process node fed by an in-process node maps that node's own output memfds (audio read
// in place, MIDI2 merged from where it is): no relay buffer exists in either process, and the
// host output fed by the out-of-process node alone is that node's buffer.
TEST(PluginGraphZeroCopy, AnOutOfProcessNodeMapsAnInProcessProducersOutputWithoutARelay) {
    PluginHost inProcess{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    PluginHost perInstance{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, b;
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kMidiOut}, {b, kMidiIn}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({b, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    auto* ownB = static_cast<float*>(graph.plugin(b)->instance().portBuffer(kIn0));
    fill(ownB, 12345.0f);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    ASSERT_FALSE(graph.nodeStatus(a).outOfProcess);
    ASSERT_TRUE(graph.nodeStatus(b).outOfProcess);
    EXPECT_EQ(graph.inputBuffer(b, kIn0), graph.outputBuffer(a, kOut0));
    const int pidB = graph.nodeStatus(b).servicePid;
    ASSERT_GT(pidB, 0);
    TransportInstance* transportA = graph.plugin(a)->instance().transportInstance();
    const int audioA = transportA->portBufferFd(kOut0), midiA = transportA->portBufferFd(kMidiOut);
    ASSERT_GE(audioA, 0);
    ASSERT_GE(midiA, 0);
    EXPECT_TRUE(maps(pidB, inodeOf(audioA))) << "b's service does not map a's audio output";
    EXPECT_TRUE(maps(pidB, inodeOf(midiA))) << "b's service does not map a's MIDI2 output";
    EXPECT_FALSE(mapsMemfdNamed(pidB, "aap-graph-relay")) << "b's service reads a relay copy";
    EXPECT_FALSE(mapsMemfdNamed(::getpid(), "aap-graph-relay")) << "the host made a relay copy";
    const uint32_t note[2] = {0x40903C00u, 0x12340000u};
    for (int cycle = 1; cycle <= 30; cycle++) {
        const float x = 10.0f * static_cast<float>(cycle), n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        if (cycle % 3 == 0)
            ASSERT_EQ(graph.addEvent(a, 0, note, 2), HostingStatus::Ok);
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(0), graph.outputBuffer(b, kOut0)) << "the host output is a copy";
        ASSERT_EQ(graph.hostOutput(0)[0], x + 2 * n) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(0)[kFrames - 1], x + 2 * n) << "cycle " << cycle;
        ASSERT_EQ(ownB[7], 12345.0f) << "b's own input buffer was written: not zero copy";
        const std::vector<uint32_t> expected =
            cycle % 3 == 0 ? std::vector<uint32_t>{note[0], note[1]} : std::vector<uint32_t>{};
        ASSERT_EQ(midiWords(graph.outputBuffer(b, kMidiOut)), expected) << "cycle " << cycle;
    }
}

// host -> in process -> out of process -> in process -> host, on two channels: every edge and the
// host outputs are read in place (the in-process consumer reads the host's mapping of the
// service's output, the host outputs are the last node's buffers) and every cycle's samples are right.
TEST(PluginGraphZeroCopy, AMixedChainIsReadInPlaceAcrossEveryBoundary) {
    PluginHost inProcess{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    PluginHost perInstance{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, b, c;
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    for (int channel = 0; channel < 2; channel++) {
        ASSERT_EQ(graph.connect(GraphPort::hostInput(channel), {a, kIn0 + channel}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({a, kOut0 + channel}, {b, kIn0 + channel}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({b, kOut0 + channel}, {c, kIn0 + channel}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({c, kOut0 + channel}, GraphPort::hostOutput(channel)), GraphStatus::Ok);
    }
    std::vector<float*> own;
    for (int32_t node : {a, b, c})
        for (int32_t port : {kIn0, kIn1}) {
            own.push_back(static_cast<float*>(graph.plugin(node)->instance().portBuffer(port)));
            fill(own.back(), 12345.0f);
        }
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    for (int channel = 0; channel < 2; channel++) {
        EXPECT_EQ(graph.inputBuffer(a, kIn0 + channel), graph.hostInput(channel));
        EXPECT_EQ(graph.inputBuffer(b, kIn0 + channel), graph.outputBuffer(a, kOut0 + channel));
        EXPECT_EQ(graph.inputBuffer(c, kIn0 + channel), graph.outputBuffer(b, kOut0 + channel));
        const int fd = graph.plugin(a)->instance().transportInstance()->portBufferFd(kOut0 + channel);
        ASSERT_GE(fd, 0);
        EXPECT_TRUE(maps(graph.nodeStatus(b).servicePid, inodeOf(fd))) << "channel " << channel;
    }
    EXPECT_FALSE(mapsMemfdNamed(graph.nodeStatus(b).servicePid, "aap-graph-relay"));
    for (int cycle = 1; cycle <= 50; cycle++) {
        const float x = 100.0f * static_cast<float>(cycle), n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        fill(graph.hostInput(1), -x);
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        for (int channel = 0; channel < 2; channel++) {
            const float expected = (channel == 0 ? x : -x) + 3 * n;
            const float* out = graph.hostOutput(channel);
            ASSERT_EQ(out, graph.outputBuffer(c, kOut0 + channel)) << "the host output is a copy";
            for (int32_t i : {0, 77, kFrames - 1})
                ASSERT_EQ(out[i], expected) << "cycle " << cycle << ", channel " << channel << ", frame " << i;
        }
        for (size_t i = 0; i < own.size(); i++)
            ASSERT_EQ(own[i][5], 12345.0f) << "own input buffer " << i << " was written: not zero copy";
    }
}

// Fan-in with an in-process producer: a (in process) and b (out of process) both feed c (out of
// process) and host output 1. c's service sums a's memfd and b's into c's own input, the host sums
// host output 1, and the MIDI2 of both merges into c's input by timestamp, as with any producers.
TEST(PluginGraphZeroCopy, FanInFromAnInProcessAndAnOutOfProcessProducerIsMixedAsBefore) {
    PluginHost inProcess{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    PluginHost perInstance{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, b, c;
    ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
    for (int32_t producer : {a, b}) {
        ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {producer, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({producer, kOut0}, {c, kIn0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({producer, kMidiOut}, {c, kMidiIn}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({producer, kOut0}, GraphPort::hostOutput(1)), GraphStatus::Ok);
    }
    ASSERT_EQ(graph.connect({c, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    auto* ownC = static_cast<const float*>(graph.plugin(c)->instance().portBuffer(kIn0));
    EXPECT_EQ(graph.inputBuffer(c, kIn0), ownC);
    const int fdA = graph.plugin(a)->instance().transportInstance()->portBufferFd(kOut0);
    ASSERT_GE(fdA, 0);
    EXPECT_TRUE(maps(graph.nodeStatus(c).servicePid, inodeOf(fdA))) << "c's service does not map a's output";
    const uint32_t noteA[2] = {0x40903C00u, 0xA0000000u};
    const uint32_t noteB[2] = {0x40903E00u, 0xB0000000u};
    for (int cycle = 1; cycle <= 20; cycle++) {
        const float x = 100.0f * static_cast<float>(cycle), n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        if (cycle == 1) {
            ASSERT_EQ(graph.addEvent(a, 96, noteA, 2), HostingStatus::Ok);
            ASSERT_EQ(graph.addEvent(b, 48, noteB, 2), HostingStatus::Ok);
        }
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(0)[9], 2 * (x + n) + n) << "cycle " << cycle;
        ASSERT_EQ(ownC[9], 2 * (x + n)) << "cycle " << cycle << ": c mixes into its own buffer";
        ASSERT_EQ(graph.hostOutput(1)[200], 2 * (x + n)) << "cycle " << cycle;
        ASSERT_NE(graph.hostOutput(1), graph.outputBuffer(a, kOut0));
        // frame 48 -> 31 ticks, 96 -> 62 (at 48 kHz); then nothing: each event reached c once.
        const std::vector<uint32_t> expected =
            cycle == 1 ? std::vector<uint32_t>{0x0020001Fu, noteB[0], noteB[1], 0x0020003Eu, noteA[0], noteA[1]}
                       : std::vector<uint32_t>{};
        ASSERT_EQ(midiWords(graph.outputBuffer(c, kMidiOut)), expected) << "cycle " << cycle;
    }
}

// A third party's transport without shared memory (portBufferFd -1): the in-process transport
// with its memfds hidden. An out-of-process consumer of such a host-run node still gets its
// output, through a relay memfd the host copies it into after each cycle of the node.
class HiddenMemoryInstance final : public TransportInstance {
public:
    explicit HiddenMemoryInstance(std::unique_ptr<TransportInstance> inner) : inner_(std::move(inner)) {}
    HostingStatus addExtension(const std::string& uri, uint32_t capacity, uint8_t** block) override {
        return inner_->addExtension(uri, capacity, block);
    }
    HostingStatus prepare(int32_t frames, int32_t rate, const std::vector<PortBufferSpec>& ports) override {
        return inner_->prepare(frames, rate, ports);
    }
    HostingStatus activate() override { return inner_->activate(); }
    HostingStatus deactivate() override { return inner_->deactivate(); }
    HostingStatus destroy() override { return inner_->destroy(); }
    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept override { return inner_->process(frames, timeoutNs); }
    void* portBuffer(int32_t index) noexcept override { return inner_->portBuffer(index); }
    HostingStatus extension(const std::string& uri, int32_t opcode, uint32_t requestId, uint32_t requestSize,
                            uint32_t* replySize, int64_t timeoutNs) override {
        return inner_->extension(uri, opcode, requestId, requestSize, replySize, timeoutNs);
    }
    bool isAlive() const noexcept override { return inner_->isAlive(); }
    bool redirectInputBuffer(int32_t index, void* buffer) noexcept override {
        return inner_->redirectInputBuffer(index, buffer);
    }
    HostingStatus mapUrid(const std::string& uri, uint8_t urid) override { return inner_->mapUrid(uri, urid); }

private:
    std::unique_ptr<TransportInstance> inner_;
};

class HiddenMemoryTransport final : public PluginTransport {
public:
    const char* name() const noexcept override { return "hidden-memory"; }
    HostingStatus createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                 std::unique_ptr<TransportInstance>* instance, std::string* error) override {
        std::unique_ptr<TransportInstance> inner;
        const HostingStatus status = inProcess_.createInstance(spec, callbacks, &inner, error);
        if (status == HostingStatus::Ok)
            *instance = std::make_unique<HiddenMemoryInstance>(std::move(inner));
        return status;
    }
    bool isAlive() const noexcept override { return true; }

private:
    InProcessTransport inProcess_;
};

TEST(PluginGraphZeroCopy, AHostRunNodeWithoutSharedMemoryIsRelayedToItsOutOfProcessConsumer) {
    PluginHostOptions options = test::testOptions(PluginIsolation::InProcess);
    options.transport = std::make_shared<HiddenMemoryTransport>();
    PluginHost custom{test::testCatalog(), options};
    PluginHost perInstance{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    int32_t a, b;
    ASSERT_EQ(graph.addPlugin(custom, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
    ASSERT_EQ(graph.addPlugin(perInstance, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
    ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({a, kOut0}, {b, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({b, kOut0}, GraphPort::hostOutput(0)), GraphStatus::Ok);
    ASSERT_EQ(graph.plugin(a)->instance().transportInstance()->portBufferFd(kOut0), -1);
    std::string error;
    ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
    EXPECT_TRUE(mapsMemfdNamed(graph.nodeStatus(b).servicePid, "aap-graph-relay"));
    for (int cycle = 1; cycle <= 20; cycle++) {
        const float x = 10.0f * static_cast<float>(cycle), n = static_cast<float>(cycle);
        fill(graph.hostInput(0), x);
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        ASSERT_EQ(graph.hostOutput(0)[3], x + 2 * n) << "cycle " << cycle;
    }
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


// FollowHost reads the affinity of the thread calling process() (a system call) only when that
// thread or its CPU is not the last cycle's, or kAffinityRecheckNs after its last reading: not
// every cycle. An unpinning that leaves the thread on its CPU is still followed within the interval.
TEST(PluginGraphPlacement, TheHostThreadsAffinityIsReadWhenItsThreadOrCpuChangesAndAtABoundedInterval) {
    cpu_set_t all;
    CPU_ZERO(&all);
    ASSERT_EQ(::sched_getaffinity(0, sizeof(all), &all), 0);
    if (CPU_COUNT(&all) < 2)
        GTEST_SKIP() << "this process may use one CPU only: a pinned and an unpinned host thread look the same";
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:gain-echo", 1, &nodes);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    const int pid = graph.nodeStatus(nodes[0]).servicePid;
    ASSERT_GT(pid, 0);
    const std::string everywhere = threadCpuLists(pid).at(0);  // the service's main thread
    constexpr int kCycles = 400;
    uint64_t reads = 0;
    int64_t elapsedNs = 0;
    int cpu = -1;
    bool ok = true;
    std::vector<std::string> pinnedLists, freedLists;
    std::thread audio([&] {
        cpu = ::sched_getcpu();
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (::sched_setaffinity(0, sizeof(one), &one) != 0) {
            ok = false;
            return;
        }
        const uint64_t before = g_affinityReads.load();
        const auto start = std::chrono::steady_clock::now();
        for (int cycle = 0; cycle < kCycles && ok; cycle++)
            ok = graph.process(kFrames, kGenerousNs) == GraphStatus::Ok;
        elapsedNs = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
        reads = g_affinityReads.load() - before;
        pinnedLists = threadCpuLists(pid);
        // The same thread may run anywhere again; it may well stay on its CPU.
        if (::sched_setaffinity(0, sizeof(all), &all) != 0) {
            ok = false;
            return;
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(3 * kAffinityRecheckNs);
        while (ok && std::chrono::steady_clock::now() < until) {
            ok = graph.process(kFrames, kGenerousNs) == GraphStatus::Ok;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        freedLists = threadCpuLists(pid);
    });
    audio.join();
    ASSERT_TRUE(ok);
    EXPECT_EQ(std::count(pinnedLists.begin(), pinnedLists.end(), std::to_string(cpu)), 1)
        << "the node's thread does not keep to the pinned host thread's CPU " << cpu;
    // The first cycle (a new thread), then one reading per interval (and per migration, none while pinned).
    EXPECT_LE(reads, 2u + static_cast<uint64_t>(elapsedNs / kAffinityRecheckNs))
        << kCycles << " cycles in " << elapsedNs / 1000 << " us";
    EXPECT_LT(reads, static_cast<uint64_t>(kCycles) / 4) << "the affinity is read every cycle";
    for (const std::string& list : freedLists)
        EXPECT_EQ(list, everywhere) << "the host's thread may run anywhere again";
    ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
}

// ---- AAPXS on a node of a running graph: what is scanned ----

// A completion of a host request, on the thread that runs process() (the test's).
struct Completion {
    std::atomic<int> calls{0};
    RequestStatus status = RequestStatus::Cancelled;
    std::string data;
    static void complete(void* user, const RequestCompletion& completion) noexcept {
        auto* self = static_cast<Completion*>(user);
        self->status = completion.status;
        self->data.assign(reinterpret_cast<const char*>(completion.data), completion.data != nullptr ? completion.dataSize : 0);
        self->calls.fetch_add(1);
    }
};

InitiatorSession::Request transform(int32_t opcode, const char* bytes, Completion* completion, int64_t timeoutNs = 0) {
    InitiatorSession::Request request;
    request.uri = AAP_TEST_TRANSFORM_URI;
    request.uriSize = std::strlen(AAP_TEST_TRANSFORM_URI);
    request.opcode = opcode;
    request.data = reinterpret_cast<const uint8_t*>(bytes);
    request.dataSize = std::strlen(bytes);
    request.timeoutNs = timeoutNs;
    request.onComplete = &Completion::complete;
    request.user = completion;
    return request;
}

// The middle node of an active chain of 3 gets the host's requests although, in the cycles
// without AAPXS for it, neither it nor the host scans a MIDI2 buffer for any: one answered inline
// (reverse), one on the service's worker (shout, 3 ms: its reply is ready cycles later, in a cycle
// whose input the host framed nothing into), one whose handler never answers (error reply), and
// one that times out before its reply (1 ms against the 3 ms handler): each completes exactly
// once, and no AAPXS message reaches the host's view of any output.
TEST(PluginGraphAapxs, RequestsToANodeCompleteOnceInlineOnTheWorkerWithAnErrorOrByTimingOut) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:gain-echo", 3, &nodes);
    ASSERT_EQ(graph.connect({nodes[0], kMidiOut}, {nodes[1], kMidiIn}), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({nodes[1], kMidiOut}, {nodes[2], kMidiIn}), GraphStatus::Ok);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    PluginInstance& middle = graph.plugin(nodes[1])->instance();
    for (int cycle = 0; cycle < 20; cycle++)  // idle cycles first: nothing to scan anywhere
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    Completion reverse, shout, ignored, late;
    ASSERT_EQ(middle.submitExtensionRequest(transform(AAP_TEST_TRANSFORM_REVERSE, "abc", &reverse), nullptr), HostingStatus::Ok);
    ASSERT_EQ(middle.submitExtensionRequest(transform(AAP_TEST_TRANSFORM_SHOUT, "hey", &shout), nullptr), HostingStatus::Ok);
    ASSERT_EQ(middle.submitExtensionRequest(transform(AAP_TEST_TRANSFORM_IGNORE, "z", &ignored), nullptr), HostingStatus::Ok);
    ASSERT_EQ(middle.submitExtensionRequest(transform(AAP_TEST_TRANSFORM_SHOUT, "slow", &late, 1'000'000), nullptr),
              HostingStatus::Ok);
    int cycle = 0;
    for (; cycle < 5000; cycle++) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
        for (int32_t node : nodes) {
            const auto* out = static_cast<const uint8_t*>(graph.outputBuffer(node, kMidiOut));
            AAPMidiBufferHeader header;
            std::memcpy(&header, out, sizeof(header));
            static const uint32_t kUmpWords[16] = {1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};
            for (uint32_t offset = 0; offset + 4 <= header.length;) {
                uint32_t word;
                std::memcpy(&word, out + 32 + offset, sizeof(word));
                ASSERT_NE(word >> 28, 0x5u) << "a SysEx8 (AAPXS) message reached the host's view of node " << node;
                offset += 4 * kUmpWords[word >> 28];
            }
        }
        if (reverse.calls && shout.calls && ignored.calls && late.calls)
            break;
    }
    ASSERT_LT(cycle, 5000) << "not every request completed";
    EXPECT_EQ(reverse.status, RequestStatus::Completed);
    EXPECT_EQ(reverse.data, "cba");
    EXPECT_EQ(shout.status, RequestStatus::Completed);
    EXPECT_EQ(shout.data, "hey!");
    EXPECT_EQ(ignored.status, RequestStatus::ErrorReply);
    EXPECT_EQ(late.status, RequestStatus::TimedOut);
    for (int more = 0; more < 40; more++) {  // the late reply arrives and is dropped
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    }
    EXPECT_EQ(middle.pendingExtensionRequests(), 0u);
    ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
    EXPECT_EQ(reverse.calls.load() + shout.calls.load() + ignored.calls.load() + late.calls.load(), 4);
    for (int32_t node : nodes)
        EXPECT_EQ(graph.nodeStatus(node).xruns, 0u);
}

std::atomic<int32_t> g_counterTotal{0};
void counterAdd(aap_test_host_counter_extension_t*, AndroidAudioPluginHost*, int32_t amount,
                aap_test_host_counter_done_t done, void* user) {
    done(user, g_counterTotal.fetch_add(amount) + amount);
}
aap_test_host_counter_extension_t g_counter{nullptr, counterAdd};

// A node's plugin calls a host extension from process() (host-counter-user adds 10 in its third
// cycle) while nothing else moves: its request leaves in its MIDI2 output (the node says so, the
// host scans that output), the host's reply enters a later cycle's input (the host says so, the
// node scans it), and the plugin reports the new total.
TEST(PluginGraphAapxs, APluginsHostExtensionCallFromProcessIsAnsweredInALaterCycle) {
    g_counterTotal = 0;
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.hostExtensionDefinitions = std::make_shared<AAPXSDefinitionRegistry>();
    ASSERT_EQ(options.hostExtensionDefinitions->add(*aap_test_host_counter_definition()), RegistryError::None);
    options.hostExtensionImplementation = [](const char* uri) -> void* {
        return std::strcmp(uri, AAP_TEST_HOST_COUNTER_URI) == 0 ? &g_counter : nullptr;
    };
    PluginHost host{test::testCatalog(), options};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:gain-echo", 1, &nodes);
    int32_t user = -1;
    ASSERT_EQ(graph.addPlugin(host, "urn:aap-test:host-counter-user", &user), GraphStatus::Ok);
    ASSERT_EQ(graph.connect({nodes[0], kOut0}, {user, kIn0}), GraphStatus::Ok);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);  // the plugin adds 1 in activate(), synchronously
    EXPECT_EQ(g_counterTotal.load(), 1);
    auto reported = [&]() {
        const auto* out = static_cast<const uint8_t*>(graph.outputBuffer(user, kMidiOut));
        AAPMidiBufferHeader header;
        std::memcpy(&header, out, sizeof(header));
        uint32_t words[2] = {0, 0};
        if (header.length >= 8)
            std::memcpy(words, out + 32, sizeof(words));
        return words[0] == 0x40B00100u ? static_cast<int32_t>(words[1]) : -100;
    };
    int cycle = 1;
    for (; cycle <= 3000 && reported() != 11; cycle++) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok) << "cycle " << cycle;
    }
    EXPECT_EQ(reported(), 11);
    EXPECT_GT(cycle, 4);  // not in the cycle that sent it
    EXPECT_EQ(g_counterTotal.load(), 11);
    ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
}

// Neither side scans what the other did not frame. The host's own events for a node (addEvent)
// are not AAPXS framed by its session, so an AAPXS-shaped SysEx8 among them is not stripped by
// the node's service: the gain-echo plugin gets it and copies it to its MIDI2 output, where the
// node framed nothing either, so the host does not strip it there: it is in the output the host
// reads. (Scanning every buffer, the service would have taken it as a request.)
TEST(PluginGraphAapxs, AapxsTheHostDidNotFrameIsNotScannedForOnEitherSide) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    PluginGraph graph{graphOptions()};
    std::vector<int32_t> nodes;
    buildChain(graph, host, "urn:aap-test:gain-echo", 1, &nodes);
    ASSERT_EQ(graph.activate(), GraphStatus::Ok);
    // A well-formed AAPXS request (URID 1, opcode 1, 2 data bytes), framed into a scratch buffer.
    std::vector<uint8_t> scratch(256, 0);
    const uint8_t data[2] = {'o', 'k'};
    AapxsMessageView message;
    message.urid = 1;
    message.requestId = 0x10001u;
    message.opcode = 1;
    message.data = data;
    message.dataSize = sizeof(data);
    ASSERT_EQ(appendAapxsMessage(scratch.data(), scratch.size(), message), WireResult::Ok);
    AAPMidiBufferHeader header;
    std::memcpy(&header, scratch.data(), sizeof(header));
    ASSERT_GT(header.length, 0u);
    ASSERT_EQ(header.length % 16, 0u);  // 128-bit SysEx8 packets
    std::vector<uint32_t> words(header.length / 4);
    std::memcpy(words.data(), scratch.data() + 32, header.length);
    for (size_t packet = 0; packet < words.size(); packet += 4)
        ASSERT_EQ(graph.addEvent(nodes[0], 0, words.data() + packet, 4), HostingStatus::Ok);
    ASSERT_EQ(graph.process(kFrames, kGenerousNs), GraphStatus::Ok);
    const auto* out = static_cast<const uint8_t*>(graph.outputBuffer(nodes[0], kMidiOut));
    std::memcpy(&header, out, sizeof(header));
    std::vector<uint32_t> echoed(header.length / 4);
    std::memcpy(echoed.data(), out + 32, header.length);
    for (size_t packet = 0; packet < words.size(); packet += 4)  // each after a JR Timestamp of its own
        EXPECT_NE(std::search(echoed.begin(), echoed.end(), words.begin() + packet, words.begin() + packet + 4), echoed.end())
            << "packet " << packet / 4 << " of the AAPXS-shaped host event was stripped on its way";
    ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
}

} // namespace
} // namespace aap
