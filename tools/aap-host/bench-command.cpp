// aap-host bench: per-cycle process() round trips of one plugin, out of process (the plugin in
// aap-plugin-service, signalled through shared memory) beside in process (dlopen in aap-host).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "aapxs/midi2-buffer.h"
#include "chain-bench.h"
#include "commands.h"
#include "cycle-statistics.h"
#include "exit-codes.h"
#include "midi1-to-ump.h"
#include "plugin-resolution.h"

namespace aap::host_tool {
namespace {

struct BenchSettings {
    int32_t block = 256;
    int32_t rate = 48000;
    int64_t cycles = 2000;
    int64_t deadlineNs = 1'000'000'000;  // --deadline-us
};

// Runs settings.cycles timed cycles (after 50 untimed warm-up cycles). Audio inputs carry a
// 440 Hz sine; an instrument gets a three-note chord in its first cycle.
// A late cycle is an xrun (counted in *xruns, its duration kept); only a lost instance (Error)
// ends the run early, with *error set.
bool measure(PluginHost& host, const PluginInformation& plugin, const BenchSettings& settings,
             std::vector<int64_t>* durations, uint64_t* xruns, RealtimeReport* report, std::string* error) {
    std::unique_ptr<PluginInstance> instance;
    HostingStatus status = host.instantiate(plugin.uniqueId, &instance, error);
    if (status == HostingStatus::Ok)
        status = instance->prepare(settings.block, settings.rate);
    if (status == HostingStatus::Ok)
        status = instance->activate();
    if (status != HostingStatus::Ok) {
        *error = std::string(hostingStatusMessage(status)) + (error->empty() ? "" : ": ") + *error;
        return false;
    }
    *report = instance->realtimeReport();
    durations->clear();
    durations->reserve(static_cast<size_t>(settings.cycles));
    double phase = 0.0;
    for (int64_t cycle = -50; cycle < settings.cycles; cycle++) {
        for (const PortInformation& port : plugin.ports) {
            if (port.contentType == PortContentType::Audio && port.direction == PortDirection::Input) {
                float* buffer = instance->audioBuffer(port.index);
                for (int32_t i = 0; i < settings.block; i++)
                    buffer[i] = static_cast<float>(0.25 * std::sin(phase + 2 * 3.14159265358979 * 440.0 * i / settings.rate));
            } else if (port.contentType == PortContentType::Midi2 && port.direction == PortDirection::Input) {
                void* midi = instance->portBuffer(port.index);
                const size_t capacity = instance->portBufferSize(port.index);
                aapxs_midi2_buffer_init(midi, capacity);
                if (cycle == -50 && plugin.isInstrument())
                    for (uint8_t note : {60, 64, 67}) {
                        Ump64 ump;
                        midi1ToUmp(0, 0x90, note, 100, &ump);
                        aapxs_midi2_buffer_append_ump(midi, capacity, ump.words, 2);
                    }
            }
        }
        phase += 2 * 3.14159265358979 * 440.0 * settings.block / settings.rate;
        const auto started = std::chrono::steady_clock::now();
        status = instance->process(settings.block, settings.deadlineNs);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (status != HostingStatus::Ok && status != HostingStatus::Xrun) {
            *error = "the instance was lost in cycle " + std::to_string(cycle + 50) + ": " +
                     hostingStatusMessage(status) + " (" + std::to_string(instance->xruns()) + " xruns before)";
            return false;
        }
        if (cycle >= 0)
            durations->push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    }
    *xruns = instance->xruns();
    instance->deactivate();
    instance->destroy();
    return true;
}

// bench --chain N: the graph, then (unless --graph-only) sequential process() calls.
int runChain(const PluginCatalog& catalog, const PluginInformation& plugin, const ParsedArguments& parsed,
             const BenchSettings& settings, int32_t length, int32_t priority) {
    ChainBenchSettings chain;
    chain.chain = length;
    chain.block = settings.block;
    chain.rate = settings.rate;
    chain.cycles = settings.cycles;
    chain.deadlineNs = settings.deadlineNs;
    const bool inProcess = parsed.has("in-process");
    std::printf("%s: a chain of %d instances (%s), %d frames at %d Hz (%.2f ms period), %lld cycles per mode\n\n",
                plugin.uniqueId.c_str(), length, inProcess ? "in process" : "out of process", settings.block,
                settings.rate, 1000.0 * settings.block / settings.rate, static_cast<long long>(settings.cycles));
    if (parsed.has("host-realtime"))
        std::printf("host thread realtime: %s\n",
                    describeRealtimeScheduling(requestRealtimeScheduling(priority)).c_str());
    struct Mode {
        const char* name;
        bool graph;
    };
    std::vector<Mode> modes = {{"graph", true}};
    if (!parsed.has("graph-only"))
        modes.push_back({"sequential", false});
    std::vector<CycleSummary> summaries;
    for (const Mode& mode : modes) {
        PluginHostOptions options = hostOptionsFrom(parsed);
        options.process.realtimePriority = priority;
        PluginHost host{catalog, options};
        ChainBenchResult result;
        std::string error;
        if (!runChainBench(host, plugin, chain, mode.graph, &result, &error)) {
            std::fprintf(stderr, "aap-host bench: %s (chain of %d, %s): %s\n", plugin.uniqueId.c_str(), length,
                         mode.name, error.c_str());
            return kExitRuntimeFailure;
        }
        std::string bars = histogram(result.durationsNs);
        summaries.push_back(summarizeCycles(result.durationsNs));
        std::printf("%s: %s\nxruns: %llu\n", mode.name, describe(summaries.back()).c_str(),
                    static_cast<unsigned long long>(result.xruns));
        if (mode.graph)
            std::printf("wakes per cycle: %s\n(counted by the graph; %d of the %d nodes out of process)\n",
                        formatWakesPerCycle(result.wakes, result.cycles).c_str(), result.outOfProcessNodes, length);
        std::printf("%s\n", bars.c_str());
    }
    std::printf("| mode | median us | p99 us | max us |\n|---|---|---|---|\n");
    for (size_t i = 0; i < modes.size(); i++)
        std::printf("| %s | %.1f | %.1f | %.1f |\n", modes[i].name, summaries[i].medianUs, summaries[i].p99Us,
                    summaries[i].maxUs);
    return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
}

} // namespace

int runBenchCommand(const std::vector<std::string>& arguments) {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back({"block", "FRAMES", "frames per cycle, 16..8192 (default 256)"});
    specs.push_back({"rate", "HZ", "sample rate, 8000..384000 (default 48000)"});
    specs.push_back({"cycles", "N", "timed cycles per mode, 10..1000000 (default 2000)"});
    specs.push_back({"deadline-us", "D",
                     "process() deadline in microseconds, 100..10000000 (default 1000000); a later cycle is an "
                     "xrun, counted, and the run goes on"});
    specs.push_back({"out-of-process-only", nullptr, "skip the in-process comparison"});
    specs.push_back({"chain", "N",
                     "run N instances of the plugin as a chain, 1..64: as a plugin graph (prints `wakes per cycle`) "
                     "and by sequential process() calls"});
    specs.push_back({"graph-only", nullptr, "with --chain: skip the sequential comparison"});
    specs.push_back({"realtime-priority", "P",
                     "SCHED_FIFO priority the service asks for its audio thread, 0..99 (0: none; default 70)"});
    specs.push_back({"host-realtime", nullptr, "also ask SCHED_FIFO at that priority for aap-host's own thread"});
    specs.push_back(sandboxOption());
    specs.push_back({"help", nullptr, "show this help"});
    ParsedArguments parsed;
    std::string error;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr, "aap-host bench: %s\n", message.c_str());
        return kExitUsage;
    };
    if (!parseArguments(arguments, specs, &parsed, &error))
        return usage(error);
    if (parsed.has("help")) {
        std::printf("usage: aap-host bench <plugin> [options]\n"
                    "       aap-host bench --chain N <plugin> [options]\n"
                    "Measures the wall time of each process() call (the host's round trip) out of process and\n"
                    "in process, and prints median, p99, max and a histogram of each. With --chain N, N instances\n"
                    "run as a chain, as a plugin graph and by sequential process() calls, timed per cycle; the\n"
                    "graph's line `wakes per cycle: X` is its own count of futex wake-ups.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().size() != 1)
        return usage("expected exactly one plugin (see aap-host bench --help)");
    int64_t chainLength = 0;
    if (parsed.has("chain") && !parseInteger(parsed.value("chain"), 1, 64, &chainLength))
        return usage("bad --chain '" + parsed.value("chain") + "' (an integer 1..64)");
    if (parsed.has("graph-only") && !parsed.has("chain"))
        return usage("--graph-only needs --chain N");
    if (parsed.has("chain") && parsed.has("out-of-process-only"))
        return usage("--out-of-process-only does not apply to --chain (use --in-process for in-process nodes)");
    if (parsed.has("in-process") && !parsed.has("chain"))
        return usage("--in-process does not apply: bench measures both modes (see --out-of-process-only)");
    BenchSettings settings;
    int64_t value = 0;
    if (parsed.has("block")) {
        if (!parseInteger(parsed.value("block"), 16, 8192, &value))
            return usage("bad --block '" + parsed.value("block") + "' (an integer 16..8192)");
        settings.block = static_cast<int32_t>(value);
    }
    if (parsed.has("rate")) {
        if (!parseInteger(parsed.value("rate"), 8000, 384000, &value))
            return usage("bad --rate '" + parsed.value("rate") + "' (an integer 8000..384000)");
        settings.rate = static_cast<int32_t>(value);
    }
    if (parsed.has("cycles") && !parseInteger(parsed.value("cycles"), 10, 1000000, &settings.cycles))
        return usage("bad --cycles '" + parsed.value("cycles") + "' (an integer 10..1000000)");
    if (parsed.has("deadline-us")) {
        if (!parseInteger(parsed.value("deadline-us"), 100, 10000000, &value))
            return usage("bad --deadline-us '" + parsed.value("deadline-us") + "' (an integer 100..10000000)");
        settings.deadlineNs = value * 1000;
    }
    int64_t priority = ProcessTransportOptions{}.realtimePriority;
    if (parsed.has("realtime-priority") && !parseInteger(parsed.value("realtime-priority"), 0, 99, &priority))
        return usage("bad --realtime-priority '" + parsed.value("realtime-priority") + "' (an integer 0..99)");

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    const PluginInformation* plugin = resolvePlugin(catalog, parsed.positional()[0]);
    if (plugin == nullptr)
        return kExitPluginNotFound;

    if (chainLength > 0)
        return runChain(catalog, *plugin, parsed, settings, static_cast<int32_t>(chainLength), static_cast<int32_t>(priority));
    std::printf("%s: %d frames at %d Hz (%.2f ms period), %lld cycles per mode\n\n", plugin->uniqueId.c_str(),
                settings.block, settings.rate, 1000.0 * settings.block / settings.rate,
                static_cast<long long>(settings.cycles));
    struct Mode {
        const char* name;
        PluginIsolation isolation;
    };
    std::vector<Mode> modes = {{"out of process", PluginIsolation::ProcessPerInstance}};
    if (!parsed.has("out-of-process-only"))
        modes.push_back({"in process", PluginIsolation::InProcess});
    if (parsed.has("host-realtime"))
        std::printf("host thread realtime: %s\n",
                    describeRealtimeScheduling(requestRealtimeScheduling(static_cast<int32_t>(priority))).c_str());
    std::vector<CycleSummary> summaries;
    for (const Mode& mode : modes) {
        PluginHostOptions options = hostOptionsFrom(parsed);
        options.isolation = mode.isolation;
        options.process.realtimePriority = static_cast<int32_t>(priority);
        if (mode.isolation == PluginIsolation::InProcess && options.process.sandbox.enabled) {
            // The in-process comparison runs inside aap-host, which no sandbox covers.
            std::printf("(--sandbox applies to the out-of-process run only)\n");
            options.process.sandbox.enabled = false;
        }
        PluginHost host{catalog, options};
        std::vector<int64_t> durations;
        uint64_t xruns = 0;
        RealtimeReport report;
        if (!measure(host, *plugin, settings, &durations, &xruns, &report, &error)) {
            std::fprintf(stderr, "aap-host bench: %s (%s): %s\n", plugin->uniqueId.c_str(), mode.name, error.c_str());
            return kExitRuntimeFailure;
        }
        std::string bars = histogram(durations);
        summaries.push_back(summarizeCycles(durations));
        if (mode.isolation != PluginIsolation::InProcess)
            std::printf("realtime: %s\nmemory: host %s, service %s\n",
                        describeRealtimeScheduling(report.scheduling).c_str(),
                        describeMemoryLocking(report.hostMemory).c_str(),
                        describeMemoryLocking(report.serviceMemory).c_str());
        std::printf("%s: %s\nxruns: %llu\n%s\n", mode.name, describe(summaries.back()).c_str(),
                    static_cast<unsigned long long>(xruns), bars.c_str());
    }
    std::printf("| mode | median us | p99 us | max us |\n|---|---|---|---|\n");
    for (size_t i = 0; i < modes.size(); i++)
        std::printf("| %s | %.1f | %.1f | %.1f |\n", modes[i].name, summaries[i].medianUs, summaries[i].p99Us,
                    summaries[i].maxUs);
    return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
}

} // namespace aap::host_tool
