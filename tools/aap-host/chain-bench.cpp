// aap-host bench --chain N: N instances of one plugin as a chain, run as an aap::PluginGraph (each
// node woken by its predecessor, the host only at the ends), beside the same N instances driven by
// sequential process() calls. The graph counts its own futex wakes: `wakes per cycle: X`.

#include "chain-bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "aap/hosting/plugin-graph.h"
#include "aapxs/midi2-buffer.h"
#include "cycle-statistics.h"
#include "midi1-to-ump.h"

namespace aap::host_tool {
namespace {

constexpr double kPi = 3.14159265358979;
constexpr int64_t kWarmUpCycles = 50;

std::vector<int32_t> portsOf(const PluginInformation& plugin, PortDirection direction, PortContentType type) {
    std::vector<int32_t> out;
    for (const PortInformation& port : plugin.ports)
        if (port.direction == direction && port.contentType == type)
            out.push_back(port.index);
    return out;
}

void sine(float* buffer, int32_t frames, int32_t rate, double phase) {
    for (int32_t i = 0; i < frames; i++)
        buffer[i] = static_cast<float>(0.25 * std::sin(phase + 2 * kPi * 440.0 * i / rate));
}

// The N instances as a PluginGraph chain. False with *error when building or a cycle fails.
bool measureGraph(PluginHost& host, const PluginInformation& plugin, const ChainBenchSettings& settings,
                  ChainBenchResult* result, std::string* error) {
    const std::vector<int32_t> audioIn = portsOf(plugin, PortDirection::Input, PortContentType::Audio);
    const std::vector<int32_t> audioOut = portsOf(plugin, PortDirection::Output, PortContentType::Audio);
    PluginGraphOptions options;
    options.frames = settings.block;
    options.sampleRate = settings.rate;
    options.hostInputs = static_cast<int32_t>(audioIn.size());
    options.hostOutputs = static_cast<int32_t>(audioOut.size());
    PluginGraph graph{options};
    std::vector<int32_t> nodes(static_cast<size_t>(settings.chain));
    auto failed = [&](const char* what, GraphStatus status, const std::string& detail) {
        *error = std::string(what) + ": " + describe(status) + (detail.empty() ? "" : " (" + detail + ")");
        return false;
    };
    std::string detail;
    for (int32_t k = 0; k < settings.chain; k++) {
        const GraphStatus added = graph.addPlugin(host, plugin.uniqueId, &nodes[static_cast<size_t>(k)], &detail);
        if (added != GraphStatus::Ok)
            return failed(("instance " + std::to_string(k + 1) + " of the chain").c_str(), added, detail);
    }
    auto connect = [&](GraphPort from, GraphPort to) {
        const GraphStatus status = graph.connect(from, to, &detail);
        if (status != GraphStatus::Ok)
            return failed("connecting the chain", status, detail);
        return true;
    };
    // Host input i -> first's input i; k's output i -> k+1's input i (the last output feeds the
    // remaining inputs, as in render and play); last's outputs -> host outputs.
    for (size_t i = 0; i < audioIn.size(); i++)
        if (!connect(GraphPort::hostInput(static_cast<int32_t>(i)), {nodes.front(), audioIn[i]}))
            return false;
    for (size_t k = 0; k + 1 < nodes.size() && !audioOut.empty(); k++)
        for (size_t i = 0; i < audioIn.size(); i++)
            if (!connect({nodes[k], audioOut[std::min(i, audioOut.size() - 1)]}, {nodes[k + 1], audioIn[i]}))
                return false;
    for (size_t o = 0; o < audioOut.size(); o++)
        if (!connect({nodes.back(), audioOut[o]}, GraphPort::hostOutput(static_cast<int32_t>(o))))
            return false;
    const GraphStatus activated = graph.activate(&detail);
    if (activated != GraphStatus::Ok)
        return failed("activate", activated, detail);
    for (int32_t k = 0; k < settings.chain; k++)
        if (graph.nodeStatus(nodes[static_cast<size_t>(k)]).outOfProcess)
            result->outOfProcessNodes++;

    result->durationsNs.clear();
    result->durationsNs.reserve(static_cast<size_t>(settings.cycles));
    double phase = 0.0;
    uint64_t wakesBefore = 0;
    for (int64_t cycle = -kWarmUpCycles; cycle < settings.cycles; cycle++) {
        for (size_t i = 0; i < audioIn.size(); i++)
            sine(graph.hostInput(static_cast<int32_t>(i)), settings.block, settings.rate, phase);
        phase += 2 * kPi * 440.0 * settings.block / settings.rate;
        if (cycle == -kWarmUpCycles && plugin.isInstrument())
            for (uint8_t note : {60, 64, 67}) {
                Ump64 ump;
                midi1ToUmp(0, 0x90, note, 100, &ump);
                graph.addEvent(nodes.front(), 0, ump.words, 2);
            }
        if (cycle == 0)
            wakesBefore = graph.totalWakes();
        const auto started = std::chrono::steady_clock::now();
        const GraphStatus status = graph.process(settings.block, settings.deadlineNs);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (status != GraphStatus::Ok && status != GraphStatus::Xrun) {
            *error = "cycle " + std::to_string(cycle + kWarmUpCycles) + " failed: " + describe(status);
            return false;
        }
        if (cycle >= 0)
            result->durationsNs.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    }
    result->wakes = graph.totalWakes() - wakesBefore;
    result->cycles = static_cast<uint64_t>(settings.cycles);
    for (int32_t k = 0; k < settings.chain; k++) {
        const GraphNodeStatus node = graph.nodeStatus(nodes[static_cast<size_t>(k)]);
        result->xruns += node.xruns;
        if (node.bypassed) {
            *error = "instance " + std::to_string(k + 1) + " of the chain was bypassed (" +
                     hostingStatusMessage(node.bypassReason) + ") after " + std::to_string(node.xruns) + " xruns";
            return false;
        }
    }
    graph.deactivate();
    return true;
}

// The same N instances, one process() after another, the host copying each one's outputs to the
// next one's inputs.
bool measureSequential(PluginHost& host, const PluginInformation& plugin, const ChainBenchSettings& settings,
                       ChainBenchResult* result, std::string* error) {
    const std::vector<int32_t> audioIn = portsOf(plugin, PortDirection::Input, PortContentType::Audio);
    const std::vector<int32_t> audioOut = portsOf(plugin, PortDirection::Output, PortContentType::Audio);
    const std::vector<int32_t> midiIn = portsOf(plugin, PortDirection::Input, PortContentType::Midi2);
    std::vector<std::unique_ptr<PluginInstance>> chain;
    for (int32_t k = 0; k < settings.chain; k++) {
        std::unique_ptr<PluginInstance> instance;
        HostingStatus status = host.instantiate(plugin.uniqueId, &instance, error);
        if (status == HostingStatus::Ok)
            status = instance->prepare(settings.block, settings.rate);
        if (status == HostingStatus::Ok)
            status = instance->activate();
        if (status != HostingStatus::Ok) {
            *error = "instance " + std::to_string(k + 1) + " of the chain: " + hostingStatusMessage(status) +
                     (error->empty() ? "" : ": ") + *error;
            return false;
        }
        chain.push_back(std::move(instance));
    }
    result->durationsNs.clear();
    result->durationsNs.reserve(static_cast<size_t>(settings.cycles));
    double phase = 0.0;
    for (int64_t cycle = -kWarmUpCycles; cycle < settings.cycles; cycle++) {
        for (int32_t port : audioIn)
            sine(chain.front()->audioBuffer(port), settings.block, settings.rate, phase);
        phase += 2 * kPi * 440.0 * settings.block / settings.rate;
        for (auto& instance : chain)
            for (int32_t port : midiIn) {
                aapxs_midi2_buffer_init(instance->portBuffer(port), instance->portBufferSize(port));
                if (cycle == -kWarmUpCycles && instance == chain.front() && plugin.isInstrument())
                    for (uint8_t note : {60, 64, 67}) {
                        Ump64 ump;
                        midi1ToUmp(0, 0x90, note, 100, &ump);
                        aapxs_midi2_buffer_append_ump(instance->portBuffer(port), instance->portBufferSize(port),
                                                      ump.words, 2);
                    }
            }
        const auto started = std::chrono::steady_clock::now();
        for (size_t k = 0; k < chain.size(); k++) {
            if (k > 0 && !audioOut.empty())
                for (size_t i = 0; i < audioIn.size(); i++)
                    std::copy_n(chain[k - 1]->audioBuffer(audioOut[std::min(i, audioOut.size() - 1)]), settings.block,
                                chain[k]->audioBuffer(audioIn[i]));
            const HostingStatus status = chain[k]->process(settings.block, settings.deadlineNs);
            if (status != HostingStatus::Ok && status != HostingStatus::Xrun) {
                *error = "instance " + std::to_string(k + 1) + " was lost in cycle " +
                         std::to_string(cycle + kWarmUpCycles) + ": " + hostingStatusMessage(status);
                return false;
            }
        }
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (cycle >= 0)
            result->durationsNs.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    }
    result->cycles = static_cast<uint64_t>(settings.cycles);
    for (auto& instance : chain) {
        result->xruns += instance->xruns();
        instance->deactivate();
        instance->destroy();
    }
    return true;
}

} // namespace

bool runChainBench(PluginHost& host, const PluginInformation& plugin, const ChainBenchSettings& settings,
                   bool graph, ChainBenchResult* result, std::string* error) {
    *result = ChainBenchResult{};
    return graph ? measureGraph(host, plugin, settings, result, error)
                 : measureSequential(host, plugin, settings, result, error);
}

std::string formatWakesPerCycle(uint64_t wakes, uint64_t cycles) {
    if (cycles == 0)
        return "0";
    char text[32];
    if (wakes % cycles == 0)
        std::snprintf(text, sizeof(text), "%llu", static_cast<unsigned long long>(wakes / cycles));
    else
        std::snprintf(text, sizeof(text), "%.2f", static_cast<double>(wakes) / static_cast<double>(cycles));
    return text;
}

} // namespace aap::host_tool
