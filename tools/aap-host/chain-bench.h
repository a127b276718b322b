#pragma once
// `aap-host bench --chain N`: N instances of one plugin as a chain, through aap::PluginGraph or by
// sequential process() calls, timed per cycle.

#include <cstdint>
#include <string>
#include <vector>

#include "aap/hosting/plugin-host.h"

namespace aap::host_tool {

struct ChainBenchSettings {
    int32_t chain = 2;
    int32_t block = 256;
    int32_t rate = 48000;
    int64_t cycles = 2000;
    int64_t deadlineNs = 1'000'000'000;
};

struct ChainBenchResult {
    std::vector<int64_t> durationsNs;  // one per timed cycle (the whole chain)
    uint64_t cycles = 0;
    uint64_t xruns = 0;                // summed over the instances
    uint64_t wakes = 0;                // graph only: futex wakes the graph counted over the timed cycles
    int32_t outOfProcessNodes = 0;     // graph only
};

// Runs 50 untimed warm-up cycles, then settings.cycles timed ones. Audio inputs carry a 440 Hz
// sine; an instrument gets a three-note chord in its first cycle. False with *error when the chain
// cannot be built or an instance is lost (a late cycle is an xrun, counted, and the run goes on).
bool runChainBench(PluginHost& host, const PluginInformation& plugin, const ChainBenchSettings& settings,
                   bool graph, ChainBenchResult* result, std::string* error);

// wakes / cycles: an integer when it divides exactly, else two decimals.
std::string formatWakesPerCycle(uint64_t wakes, uint64_t cycles);

} // namespace aap::host_tool
