// Out-of-process process() round trip vs. the floor: a raw two-process futex ping-pong over
// shared memory that moves the same bytes (2 x 256 float frames in and out + a 4 KiB MIDI2
// buffer in and out) and does the same work in the child (gain 0.5, MIDI copy).
//
// Each benchmark runs back to back and at a realistic period (256 frames at 48 kHz: the host
// sleeps to the next 5.333 ms period between cycles, so neither side finds the other spinning).
// Reported per cycle: median and p99 in microseconds, and for ours the ratio of the median to
// the floor's median measured in the same run. Time is measured manually around the round trip
// only (filling inputs and sleeping are outside it).

#include <benchmark/benchmark.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
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

std::map<std::string, double> floorMedianUs;

struct Statistics {
    double median;
    double p99;
};

Statistics summarize(std::vector<double>& samples) {
    std::sort(samples.begin(), samples.end());
    if (samples.empty())
        return {0, 0};
    size_t p99 = std::min(samples.size() - 1, static_cast<size_t>(static_cast<double>(samples.size()) * 0.99));
    return {samples[samples.size() / 2], samples[p99]};
}

void sleepUntil(int64_t deadlineNs) {
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(deadlineNs / 1000000000);
    ts.tv_nsec = static_cast<long>(deadlineNs % 1000000000);
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

// Runs `roundTrip` once per iteration, timing only the round trip.
template <typename Prepare, typename RoundTrip>
void measure(benchmark::State& state, bool atPeriod, const std::string& key, bool isFloor, Prepare prepare,
             RoundTrip roundTrip) {
    std::vector<double> samples;
    samples.reserve(static_cast<size_t>(state.max_iterations));
    int64_t next = aap::monotonicNanoseconds();
    for (auto _ : state) {
        prepare();
        if (atPeriod) {
            next += kPeriodNs;
            sleepUntil(next);
        }
        const int64_t start = aap::monotonicNanoseconds();
        const bool ok = roundTrip();
        const int64_t elapsed = aap::monotonicNanoseconds() - start;
        if (!ok) {
            state.SkipWithError("round trip failed");
            return;
        }
        state.SetIterationTime(static_cast<double>(elapsed) / 1e9);
        samples.push_back(static_cast<double>(elapsed) / 1e3);
    }
    Statistics s = summarize(samples);
    state.counters["median_us"] = s.median;
    state.counters["p99_us"] = s.p99;
    if (isFloor) {
        floorMedianUs[key] = s.median;
    } else if (floorMedianUs.count(key) != 0 && floorMedianUs[key] > 0) {
        state.counters["median_x_floor"] = s.median / floorMedianUs[key];
    }
}

// ------------------------------------------------------------------ the floor

using PingPongBlock = aap::bench::FutexPingPongBlock<kFrames, kMidiBytes>;

void fillRaw(float* left, float* right, uint8_t* midi, uint32_t seed) {
    for (int i = 0; i < kFrames; i++) {
        left[i] = static_cast<float>((seed + static_cast<uint32_t>(i)) % 100) / 100.0f;
        right[i] = -left[i];
    }
    AAPMidiBufferHeader header{};
    header.length = kMidiBytes - 32;  // a full MIDI2 buffer: every byte moves
    std::memcpy(midi, &header, sizeof(header));
}

std::string key(bool atPeriod, int64_t instances) {
    return std::string{atPeriod ? "period" : "back_to_back"} + "/" + std::to_string(instances);
}

// One child process per "instance", each with its own block, pinged in turn per cycle.
void RawFutexPingPongFloor(benchmark::State& state) {
    const bool atPeriod = state.range(0) != 0;
    const int children = static_cast<int>(state.range(1));
    std::vector<aap::SharedMemory> memories(static_cast<size_t>(children));
    std::vector<PingPongBlock*> blocks;
    std::vector<pid_t> pids;
    for (auto& memory : memories) {
        if (aap::SharedMemory::create(sizeof(PingPongBlock), "bench-floor", &memory) != aap::HostingStatus::Ok) {
            state.SkipWithError("memfd failed");
            return;
        }
        blocks.push_back(static_cast<PingPongBlock*>(memory.data()));
        pids.push_back(aap::bench::startFutexPingPong(blocks.back(), kFrames));
        if (pids.back() < 0) {
            for (size_t i = 0; i < pids.size(); i++)
                aap::bench::stopFutexPingPong(blocks[i], pids[i]);
            state.SkipWithError("fork failed");
            return;
        }
    }
    uint32_t sequence = 0;
    measure(
        state, atPeriod, key(atPeriod, children), true,
        [&] {
            for (PingPongBlock* block : blocks)
                fillRaw(block->in[0], block->in[1], block->midiIn, sequence);
        },
        [&] {
            const uint32_t s = ++sequence;
            for (PingPongBlock* block : blocks) {
                aap::storeRelease(&block->request, s);
                aap::futex::wake(&block->request, 1);
                uint32_t reply;
                while ((reply = aap::loadAcquire(&block->reply)) != s)
                    aap::futex::wait(&block->reply, reply, -1);
            }
            return true;
        });
    for (size_t i = 0; i < pids.size(); i++)
        aap::bench::stopFutexPingPong(blocks[i], pids[i]);
}

// ------------------------------------------------------------------ ours

aap::PluginHostOptions benchOptions() {
    aap::PluginHostOptions options;
    options.isolation = aap::PluginIsolation::ProcessPerInstance;
    options.process.servicePath = AAP_BENCH_SERVICE_PATH;
    options.midiBufferSize = kMidiBytes;
    return options;
}

void fillInstance(aap::PluginInstance& instance, uint32_t seed) {
    fillRaw(instance.audioBuffer(0), instance.audioBuffer(1), static_cast<uint8_t*>(instance.portBuffer(4)), seed);
}

void OutOfProcessRoundTrip(benchmark::State& state) {
    const bool atPeriod = state.range(0) != 0;
    const int instanceCount = static_cast<int>(state.range(1));
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR}), benchOptions()};
    std::vector<std::unique_ptr<aap::PluginInstance>> instances(static_cast<size_t>(instanceCount));
    for (auto& instance : instances) {
        std::string error;
        if (host.instantiate("urn:aap-bench:gain", &instance, &error) != aap::HostingStatus::Ok ||
            instance->prepare(kFrames, 48000) != aap::HostingStatus::Ok || instance->activate() != aap::HostingStatus::Ok) {
            state.SkipWithError(("could not start the plugin: " + error).c_str());
            return;
        }
    }
    uint32_t seed = 0;
    measure(
        state, atPeriod, key(atPeriod, instanceCount), false,
        [&] {
            seed++;
            for (auto& instance : instances)
                fillInstance(*instance, seed);
        },
        [&] {
            bool ok = true;
            for (auto& instance : instances)
                ok &= instance->process(kFrames, 1000000000) == aap::HostingStatus::Ok;
            return ok;
        });
    state.counters["instances"] = instanceCount;
}

} // namespace

// Floors first: ours reads their medians for the ratio.
BENCHMARK(RawFutexPingPongFloor)->ArgNames({"at_period", "instances"})->Args({0, 1})->Args({1, 1})->Args({0, 16})
    ->Args({1, 16})->UseManualTime()->Iterations(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(OutOfProcessRoundTrip)->ArgNames({"at_period", "instances"})->Args({0, 1})->Args({1, 1})->Args({0, 16})
    ->Args({1, 16})->UseManualTime()->Iterations(1000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
