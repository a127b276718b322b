// Soak: 100,000 cycles of 256 frames at 48 kHz (one cycle per 5.333 ms period), with one busy
// background process per core, for our host (PluginInstance::process with the period as its
// deadline, the bench gain plugin out of process) beside the raw two-process futex ping-pong floor
// that moves the same bytes. Every period runs one floor round trip and one of ours; which goes
// first alternates per block of 500 periods, so both see the same machine (its cross-process
// wake-ups are bimodal, minutes apart). Reported: xruns (a round trip past the period) of each,
// pooled p50 / p99 / p99.9 in microseconds, and the median over blocks of the per-block ratio
// ours / floor of p50 and p99.
//
// AAP_SOAK_CYCLES overrides the number of periods (e.g. 5000 for a quick look).

#include <benchmark/benchmark.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "aap/ext/midi.h"
#include "aap/hosting/plugin-host.h"
#include "aap/hosting/shared-memory.h"
#include "futex-ping-pong.h"
#include "futex.h"

namespace {

constexpr int32_t kFrames = 256;
constexpr int64_t kPeriodNs = 1000000000LL * kFrames / 48000;  // 5.333 ms
constexpr uint32_t kMidiBytes = 4096;
constexpr int kBlock = 500;

using PingPongBlock = aap::bench::FutexPingPongBlock<kFrames, kMidiBytes>;

void fill(float* left, float* right, uint8_t* midi, uint32_t seed) {
    for (int i = 0; i < kFrames; i++) {
        left[i] = static_cast<float>((seed + static_cast<uint32_t>(i)) % 100) / 100.0f;
        right[i] = -left[i];
    }
    AAPMidiBufferHeader header{};
    header.length = 64;  // a few events' worth of UMP
    std::memcpy(midi, &header, sizeof(header));
}

void sleepUntil(int64_t deadlineNs) {
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(deadlineNs / 1000000000);
    ts.tv_nsec = static_cast<long>(deadlineNs % 1000000000);
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

double percentile(std::vector<double> samples, double p) {
    if (samples.empty())
        return 0;
    std::sort(samples.begin(), samples.end());
    size_t index = std::min(samples.size() - 1, static_cast<size_t>(static_cast<double>(samples.size()) * p));
    return samples[index];
}

double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

// One spinning process per core, at the default priority: the load a live host competes with.
std::vector<pid_t> startBusyProcesses() {
    std::vector<pid_t> pids;
    const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < (cores > 0 ? cores : 1); i++) {
        pid_t child = ::fork();
        if (child == 0) {
            volatile uint64_t spin = 0;
            for (;;)
                spin = spin + 1;
        }
        if (child > 0)
            pids.push_back(child);
    }
    return pids;
}

void SoakAtPeriodUnderLoad(benchmark::State& state) {
    int64_t cycles = 100000;
    if (const char* value = std::getenv("AAP_SOAK_CYCLES"))
        cycles = std::max<int64_t>(kBlock, std::atoll(value));
    // Ours.
    aap::PluginHostOptions options;
    options.process.servicePath = AAP_BENCH_SERVICE_PATH;
    options.midiBufferSize = kMidiBytes;
    options.process.unresponsiveNs = 60'000'000'000;  // a soak counts xruns; it never gives up
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), options};
    std::unique_ptr<aap::PluginInstance> instance;
    std::string error;
    if (host.instantiate("urn:aap-bench:gain", &instance, &error) != aap::HostingStatus::Ok ||
        instance->prepare(kFrames, 48000) != aap::HostingStatus::Ok || instance->activate() != aap::HostingStatus::Ok) {
        state.SkipWithError(("could not start the plugin: " + error).c_str());
        return;
    }
    // The floor.
    aap::SharedMemory memory;
    if (aap::SharedMemory::create(sizeof(PingPongBlock), "soak-floor", &memory) != aap::HostingStatus::Ok) {
        state.SkipWithError("memfd failed");
        return;
    }
    auto* block = static_cast<PingPongBlock*>(memory.data());
    const pid_t floorChild = aap::bench::startFutexPingPong(block, kFrames);
    if (floorChild < 0) {
        state.SkipWithError("fork failed");
        return;
    }
    const std::vector<pid_t> busy = startBusyProcesses();

    std::vector<double> ours, floor, p50Ratios, p99Ratios;
    ours.reserve(static_cast<size_t>(cycles));
    floor.reserve(static_cast<size_t>(cycles));
    uint64_t floorXruns = 0, oursLost = 0;
    uint32_t sequence = 0;
    for (auto _ : state) {
        int64_t next = aap::monotonicNanoseconds();
        std::vector<double> blockOurs, blockFloor;
        for (int64_t cycle = 0; cycle < cycles; cycle++) {
            next += kPeriodNs;
            sleepUntil(next);
            const bool floorFirst = (cycle / kBlock) % 2 == 0;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == floorFirst) {
                    fill(block->in[0], block->in[1], block->midiIn, sequence);
                    const uint32_t s = ++sequence;
                    const int64_t start = aap::monotonicNanoseconds();
                    aap::storeRelease(&block->request, s);
                    aap::futex::wake(&block->request, 1);
                    bool late = false;
                    uint32_t reply;
                    while ((reply = aap::loadAcquire(&block->reply)) != s) {
                        const int64_t left = start + kPeriodNs - aap::monotonicNanoseconds();
                        if (left <= 0 && !late) {
                            late = true;  // an xrun of the floor; keep waiting to stay in step
                            floorXruns++;
                        }
                        aap::futex::wait(&block->reply, reply, left > 0 ? left : 1'000'000);
                    }
                    const double us = static_cast<double>(aap::monotonicNanoseconds() - start) / 1e3;
                    floor.push_back(us);
                    blockFloor.push_back(us);
                } else {
                    fill(instance->audioBuffer(0), instance->audioBuffer(1),
                         static_cast<uint8_t*>(instance->portBuffer(4)), sequence);
                    const int64_t start = aap::monotonicNanoseconds();
                    const aap::HostingStatus status = instance->process(kFrames, kPeriodNs);
                    const double us = static_cast<double>(aap::monotonicNanoseconds() - start) / 1e3;
                    if (status != aap::HostingStatus::Ok && status != aap::HostingStatus::Xrun)
                        oursLost++;
                    ours.push_back(us);
                    blockOurs.push_back(us);
                }
            }
            if (blockOurs.size() == static_cast<size_t>(kBlock)) {
                p50Ratios.push_back(median(blockOurs) / median(blockFloor));
                p99Ratios.push_back(percentile(blockOurs, 0.99) / percentile(blockFloor, 0.99));
                blockOurs.clear();
                blockFloor.clear();
            }
            if (oursLost != 0)
                break;
        }
        state.SetIterationTime(static_cast<double>(cycles) * static_cast<double>(kPeriodNs) / 1e9);
    }
    for (pid_t pid : busy) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    aap::bench::stopFutexPingPong(block, floorChild);
    if (oursLost != 0) {
        state.SkipWithError("our instance was lost during the soak");
        return;
    }
    state.counters["cycles"] = static_cast<double>(ours.size());
    state.counters["busy_processes"] = static_cast<double>(busy.size());
    state.counters["ours_xruns"] = static_cast<double>(instance->xruns());
    state.counters["ours_late_cycles"] = static_cast<double>(instance->lateCycles());  // as the floor counts
    state.counters["floor_xruns"] = static_cast<double>(floorXruns);
    state.counters["ours_p50_us"] = percentile(ours, 0.5);
    state.counters["ours_p99_us"] = percentile(ours, 0.99);
    state.counters["ours_p999_us"] = percentile(ours, 0.999);
    state.counters["floor_p50_us"] = percentile(floor, 0.5);
    state.counters["floor_p99_us"] = percentile(floor, 0.99);
    state.counters["floor_p999_us"] = percentile(floor, 0.999);
    state.counters["p999_x_floor"] = percentile(ours, 0.999) / percentile(floor, 0.999);
    state.counters["median_block_p50_x_floor"] = median(p50Ratios);
    state.counters["median_block_p99_x_floor"] = median(p99Ratios);
    state.counters["blocks"] = static_cast<double>(p50Ratios.size());
    instance->deactivate();
    instance->destroy();
}

} // namespace

BENCHMARK(SoakAtPeriodUnderLoad)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
