// The audio thread's cost of the GUI path per cycle (docs/gui.md), beside a plain process() of the
// same plugin in the same run.
//
// BM_GuiPathCycle/<events>: exactly what HostedPlugin::process() adds to a cycle when a GUI path
// is enabled, timed alone: drain `events` GUI events (pushed beforehand, outside the timing, as
// GUI threads would) into the cycle's event queue and merge them into the MIDI2 input buffer with
// their timestamps, then copy out: the plugin's MIDI2 output (a parameter change and `events`
// echoed note events), the peaks of four 256-frame audio ports, the cycle counter.
//
// BM_ProcessPlainVsGui/<events>: the benchmark gain plugin hosted in process (so the cycle is the
// plugin's work plus the host's, without a cross-process wake-up's noise), two HostedPlugins of
// it side by side, one without and one with a GUI path fed `events` GUI events per cycle.
// Alternating blocks of 64 cycles each; reported: the median process() of each, the difference,
// and the median of the per-block ratios.
//
// BM_GuiPathParts/<events>: the same cycle with each part timed apart (drain, merge, levels,
// MIDI2 copy-out) and the cost of one clock read, for profiling.
//
// No system call and no heap operation on the measured path: tests/hosting/gui-path-syscall-test.cpp
// runs exactly BM_GuiPathCycle's cycle (0, 1 and 64 events) under a seccomp filter that reports
// any system call, and the rt-guard's heap count; tests/hosting/gui-realtime-test.cpp runs
// HostedPlugin::process() with GUI traffic in both transports under the rt-guard.

#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/event-queue.h"
#include "aap/hosting/gui-path.h"
#include "aap/hosting/hosted-plugin.h"
#include "aapxs/midi2-buffer.h"
#include "aapxs/parameter-sysex8.h"

namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;

int64_t nowNs() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double percentile99(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * 0.99))];
}

std::vector<aap::GuiPathParameter> parameters() {
    std::vector<aap::GuiPathParameter> list;
    for (int32_t i = 0; i < 16; i++)
        list.push_back(aap::GuiPathParameter{i, 0.0, 1.0, 0.5});
    return list;
}

void pushGuiEvents(aap::GuiPath& path, int events, uint32_t salt) {
    for (int i = 0; i < events; i++) {
        if (i % 4 == 0) {
            uint32_t words[4];
            aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, static_cast<uint16_t>(i % 16), salt * 7919u + static_cast<uint32_t>(i));
            path.push(1, (i * 3) % kFrames, words, 4);
        } else {
            const uint32_t words[2] = {0x40903C00u | (static_cast<uint32_t>(i & 0x7F) << 8), 0x80000000u};
            path.push(1, (i * 3) % kFrames, words, 2);
        }
    }
}

void BM_GuiPathCycle(benchmark::State& state) {
    const int events = static_cast<int>(state.range(0));
    aap::GuiPathOptions options;
    options.budgetPerCycle = 64;
    aap::GuiPath path{parameters(), {0, 1, 2, 3}, options};
    aap::EventQueue queue;
    queue.reserve(1024, 8192 - 32);
    queue.setMaxFrame(kFrames);
    std::vector<uint8_t> midiIn(8192), midiOut(8192);
    std::vector<std::vector<float>> audio(4, std::vector<float>(kFrames));
    for (size_t p = 0; p < audio.size(); p++)
        for (int32_t i = 0; i < kFrames; i++)
            audio[p][i] = static_cast<float>((i * 37 + static_cast<int>(p) * 11) % 200 - 100) / 100.0f;
    // The plugin's output: one parameter report and the events it echoed.
    aapxs_midi2_buffer_clear(midiOut.data(), midiOut.size());
    uint32_t report[4];
    aapxs_parameter_sysex8_write(report, 0, 0, 0, 0, 3, 0x40000000u);
    aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), report, 4);
    for (int i = 0; i < events; i++) {
        const uint32_t words[2] = {0x40903C00u, 0x80000000u};
        aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), words, 2);
    }
    aap::GuiOutboundEvent drained;
    std::vector<double> samples;
    samples.reserve(1 << 20);
    uint32_t salt = 0;
    for (auto _ : state) {
        pushGuiEvents(path, events, salt++);  // GUI threads' work: not the audio thread's
        aapxs_midi2_buffer_clear(midiIn.data(), midiIn.size());
        const int64_t start = nowNs();
        // Before the cycle: drain and merge.
        path.drainInto(queue, kFrames);
        aap::EventQueue* queues[1] = {&queue};
        aap::EventQueue::writeMerged(queues, 1, kFrames, kRate, midiIn.data(), midiIn.size());
        // After the cycle: copy out.
        for (size_t p = 0; p < audio.size(); p++)
            path.publishLevel(p, audio[p].data(), kFrames);
        path.publishMidiOutput(midiOut.data(), midiOut.size());
        path.endCycle();
        const int64_t elapsed = nowNs() - start;
        samples.push_back(static_cast<double>(elapsed) / 1000.0);
        // The display thread's work: not the audio thread's.
        while (path.popOutput(&drained)) {
        }
        benchmark::DoNotOptimize(midiIn.data());
    }
    state.counters["median_us"] = median(samples);
    state.counters["p99_us"] = percentile99(samples);
    state.counters["overflows"] = static_cast<double>(path.inboxOverflows() + path.outputOverflows());
}
BENCHMARK(BM_GuiPathCycle)->Arg(0)->Arg(1)->Arg(64)->Iterations(20000);

// The same cycle as BM_GuiPathCycle, each part timed apart (each median includes one clock read,
// whose cost is `clock_us`, an empty interval timed in the same cycles).
void BM_GuiPathParts(benchmark::State& state) {
    const int events = static_cast<int>(state.range(0));
    aap::GuiPathOptions options;
    options.budgetPerCycle = 64;
    aap::GuiPath path{parameters(), {0, 1, 2, 3}, options};
    aap::EventQueue queue;
    queue.reserve(1024, 8192 - 32);
    queue.setMaxFrame(kFrames);
    std::vector<uint8_t> midiIn(8192), midiOut(8192);
    std::vector<std::vector<float>> audio(4, std::vector<float>(kFrames));
    for (size_t p = 0; p < audio.size(); p++)
        for (int32_t i = 0; i < kFrames; i++)
            audio[p][i] = static_cast<float>((i * 37 + static_cast<int>(p) * 11) % 200 - 100) / 100.0f;
    aapxs_midi2_buffer_clear(midiOut.data(), midiOut.size());
    uint32_t report[4];
    aapxs_parameter_sysex8_write(report, 0, 0, 0, 0, 3, 0x40000000u);
    aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), report, 4);
    for (int i = 0; i < events; i++) {
        const uint32_t words[2] = {0x40903C00u, 0x80000000u};
        aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), words, 2);
    }
    aap::GuiOutboundEvent drained;
    std::vector<double> clock, drain, merge, levels, output;
    uint32_t salt = 0;
    for (auto _ : state) {
        pushGuiEvents(path, events, salt++);
        aapxs_midi2_buffer_clear(midiIn.data(), midiIn.size());
        int64_t t0 = nowNs();
        int64_t t1 = nowNs();
        path.drainInto(queue, kFrames);
        int64_t t2 = nowNs();
        aap::EventQueue* queues[1] = {&queue};
        aap::EventQueue::writeMerged(queues, 1, kFrames, kRate, midiIn.data(), midiIn.size());
        int64_t t3 = nowNs();
        for (size_t p = 0; p < audio.size(); p++)
            path.publishLevel(p, audio[p].data(), kFrames);
        int64_t t4 = nowNs();
        path.publishMidiOutput(midiOut.data(), midiOut.size());
        path.endCycle();
        int64_t t5 = nowNs();
        clock.push_back(static_cast<double>(t1 - t0) / 1000.0);
        drain.push_back(static_cast<double>(t2 - t1) / 1000.0);
        merge.push_back(static_cast<double>(t3 - t2) / 1000.0);
        levels.push_back(static_cast<double>(t4 - t3) / 1000.0);
        output.push_back(static_cast<double>(t5 - t4) / 1000.0);
        while (path.popOutput(&drained)) {
        }
        benchmark::DoNotOptimize(midiIn.data());
    }
    state.counters["clock_us"] = median(clock);
    state.counters["drain_us"] = median(drain);
    state.counters["merge_us"] = median(merge);
    state.counters["levels_us"] = median(levels);
    state.counters["midi_out_us"] = median(output);
}
BENCHMARK(BM_GuiPathParts)->Arg(0)->Arg(1)->Arg(64)->Iterations(20000);

struct Hosted {
    std::unique_ptr<aap::HostedPlugin> plugin;
    std::shared_ptr<aap::GuiPath> path;
};

bool openHosted(aap::PluginHost& host, bool withGui, Hosted* out, std::string* error) {
    if (aap::HostedPlugin::open(host, "urn:aap-bench:gain", aap::HostedPluginOptions::at(kFrames, kRate), &out->plugin,
                                error) != aap::HostingStatus::Ok)
        return false;
    if (withGui) {
        out->path = out->plugin->enableGuiPath();
        if (!out->path) {
            *error = "enableGuiPath failed";
            return false;
        }
    }
    if (out->plugin->activate() != aap::HostingStatus::Ok) {
        *error = "activate failed";
        return false;
    }
    aap::PluginInstance& instance = out->plugin->instance();
    for (int32_t port = 0; port < 2; port++)
        for (int32_t i = 0; i < kFrames; i++)
            instance.audioBuffer(port)[i] = static_cast<float>((i * 13 + port) % 100) / 100.0f;
    return true;
}

void BM_ProcessPlainVsGui(benchmark::State& state) {
    const int events = static_cast<int>(state.range(0));
    aap::PluginHostOptions options;
    options.isolation = aap::PluginIsolation::InProcess;
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), options};
    Hosted plain, gui;
    std::string error;
    if (!openHosted(host, false, &plain, &error) || !openHosted(host, true, &gui, &error)) {
        state.SkipWithError(error.c_str());
        return;
    }
    constexpr int kBlock = 64;
    std::vector<double> plainSamples, guiSamples, ratios;
    std::vector<double> blockPlain, blockGui;
    aap::GuiAutomationRecord record;
    uint32_t salt = 0;
    for (auto _ : state) {
        blockPlain.clear();
        blockGui.clear();
        for (int i = 0; i < kBlock; i++) {
            const int64_t start = nowNs();
            const auto status = plain.plugin->process(kFrames, 1000000000);
            blockPlain.push_back(static_cast<double>(nowNs() - start) / 1000.0);
            if (status != aap::HostingStatus::Ok) {
                state.SkipWithError("plain process() failed");
                return;
            }
        }
        for (int i = 0; i < kBlock; i++) {
            pushGuiEvents(*gui.path, events, salt++);
            const int64_t start = nowNs();
            const auto status = gui.plugin->process(kFrames, 1000000000);
            blockGui.push_back(static_cast<double>(nowNs() - start) / 1000.0);
            if (status != aap::HostingStatus::Ok) {
                state.SkipWithError("process() with the GUI path failed");
                return;
            }
            aap::GuiOutboundEvent drained;
            while (gui.path->popOutput(&drained)) {
            }
            while (gui.path->popAutomation(&record)) {
            }
        }
        const double plainMedian = median(blockPlain);
        ratios.push_back(plainMedian > 0 ? median(blockGui) / plainMedian : 0);
        plainSamples.insert(plainSamples.end(), blockPlain.begin(), blockPlain.end());
        guiSamples.insert(guiSamples.end(), blockGui.begin(), blockGui.end());
    }
    const double plainMedian = median(plainSamples);
    const double guiMedian = median(guiSamples);
    state.counters["plain_median_us"] = plainMedian;
    state.counters["gui_median_us"] = guiMedian;
    state.counters["gui_minus_plain_us"] = guiMedian - plainMedian;
    state.counters["block_ratio_median"] = median(ratios);
    state.counters["delivered_per_cycle"] =
        guiSamples.empty() ? 0 : static_cast<double>(gui.path->delivered()) / static_cast<double>(guiSamples.size());
}
BENCHMARK(BM_ProcessPlainVsGui)->Arg(0)->Arg(1)->Arg(64)->Iterations(300);

} // namespace

BENCHMARK_MAIN();
