#pragma once
// Round-trip statistics of process() cycles: median, p99, max and a text histogram, for
// `aap-host bench` and the demo.

#include <cstdint>
#include <string>
#include <vector>

namespace aap::host_tool {

struct CycleSummary {
    size_t cycles = 0;
    double medianUs = 0, p99Us = 0, maxUs = 0, meanUs = 0;
};

// Takes durations in nanoseconds (reordered in place).
CycleSummary summarizeCycles(std::vector<int64_t>& durationsNs);

// One line per power-of-two microsecond bucket that holds any cycle: "  16- 32 us |#####  812".
std::string histogram(const std::vector<int64_t>& durationsNs, int barWidth = 40);

// "median 12.3 us, p99 45.6 us, max 78.9 us (4000 cycles)"
std::string describe(const CycleSummary& summary);

} // namespace aap::host_tool
