#include "cycle-statistics.h"

#include <algorithm>
#include <cstdio>

namespace aap::host_tool {

CycleSummary summarizeCycles(std::vector<int64_t>& durationsNs) {
    CycleSummary summary;
    summary.cycles = durationsNs.size();
    if (durationsNs.empty())
        return summary;
    std::sort(durationsNs.begin(), durationsNs.end());
    auto at = [&](double q) {
        size_t index = static_cast<size_t>(q * static_cast<double>(durationsNs.size() - 1) + 0.5);
        return durationsNs[std::min(index, durationsNs.size() - 1)] / 1000.0;
    };
    summary.medianUs = at(0.5);
    summary.p99Us = at(0.99);
    summary.maxUs = durationsNs.back() / 1000.0;
    double total = 0;
    for (int64_t d : durationsNs)
        total += static_cast<double>(d);
    summary.meanUs = total / static_cast<double>(durationsNs.size()) / 1000.0;
    return summary;
}

std::string histogram(const std::vector<int64_t>& durationsNs, int barWidth) {
    size_t buckets[40] = {};
    for (int64_t d : durationsNs) {
        int64_t us = d / 1000;
        int bucket = 0;
        while (bucket < 39 && (int64_t{1} << (bucket + 1)) <= us)
            bucket++;
        buckets[bucket]++;
    }
    size_t largest = *std::max_element(std::begin(buckets), std::end(buckets));
    std::string out;
    for (int b = 0; b < 40; b++) {
        if (buckets[b] == 0)
            continue;
        char line[160];
        const long lower = b == 0 ? 0 : (1L << b);
        const long upper = 1L << (b + 1);
        const int width = static_cast<int>(static_cast<double>(buckets[b]) * barWidth / static_cast<double>(largest) + 0.5);
        std::snprintf(line, sizeof(line), "  %6ld-%-6ld us |%-*s %zu\n", lower, upper, barWidth,
                      std::string(static_cast<size_t>(std::max(width, 1)), '#').c_str(), buckets[b]);
        out += line;
    }
    return out;
}

std::string describe(const CycleSummary& summary) {
    char line[200];
    std::snprintf(line, sizeof(line), "median %.1f us, p99 %.1f us, max %.1f us, mean %.1f us (%zu cycles)",
                  summary.medianUs, summary.p99Us, summary.maxUs, summary.meanUs, summary.cycles);
    return line;
}

} // namespace aap::host_tool
