// What running a plugin out of process costs inside a real JACK cycle. One JACK client (the
// engine of `aap-host play`, PlayEngine, on the JACK backend) of a private jackd (dummy driver,
// 256 frames at 48 kHz, started and stopped by this program) runs, in its process callback, in
// blocks of 16 cycles taking turns:
//   in-process     the benchmark gain plugin loaded into this process (PluginIsolation::InProcess)
//   out-of-process the same plugin in its own aap-plugin-service (the default)
//   raw futex      no plugin: the same bytes through a futex ping-pong with a forked child that
//                  does the same gain (the floor of any cross-process call)
// Each cycle is timed twice: the callback body on CLOCK_MONOTONIC (ns), and on JACK's own cycle
// clock: jack_get_time() when the body finished minus jack_get_cycle_times' start of the cycle
// (us), i.e. how far into the period the output was ready. Medians and p99 per mode, and the
// per-block ratio out-of-process / in-process, are reported as counters; the aim is
// median(out-of-process) - median(in-process) <= median(raw futex round trip).

#include <benchmark/benchmark.h>

#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "aap/hosting/realtime-scheduling.h"
#include "aap/hosting/shared-memory.h"
#include "audio-backend.h"
#include "futex-ping-pong.h"
#include "futex.h"
#include "play-engine.h"
#include "play-test-support.h"

namespace {

using namespace aap::host_tool;

constexpr int kBlock = 16;
constexpr int kModes = 3;
const char* const kModeNames[kModes] = {"in_process", "out_of_process", "raw_futex"};

// No MIDI here: the floor moves the two audio channels (and a bare MIDI2 header).
using PingPong = aap::bench::FutexPingPongBlock<8192, 32>;

struct Sample {
    int mode;
    int64_t bodyNs;
    int64_t readyUs;  // JACK clock: finish - cycle start
};

class Alternating final : public AudioProcessor {
public:
    Alternating(PlayEngine& inProcess, PlayEngine& outOfProcess, PingPong* raw, size_t capacity)
        : inProcess_(inProcess), outOfProcess_(outOfProcess), raw_(raw) {
        samples_.resize(capacity);
    }
    void process(const AudioCycle& cycle) noexcept override {
        if (!placed_) {
            // JACK's process thread keeps to the CPU it is on, as a realtime host pins its audio
            // thread (AAP_PLAY_BENCH_PIN_HOST=0: not); the same for every mode. The graph of
            // `play` then keeps its node on that CPU (GraphPlacement::FollowHost).
            // With `jackd -r` libjack runs this thread at SCHED_OTHER, where any build on the
            // machine competes with it; a realtime host's is SCHED_FIFO: it asks for
            // AAP_PLAY_BENCH_HOST_FIFO (default 60, below the service's 70; 0: stays as it is).
            placed_ = true;
            const char* fifo = std::getenv("AAP_PLAY_BENCH_HOST_FIFO");
            const int priority = fifo != nullptr ? std::atoi(fifo) : 60;
            if (priority > 0)
                realtime_ = aap::requestRealtimeScheduling(priority).grant == aap::RealtimeGrant::Granted;
            const char* wanted = std::getenv("AAP_PLAY_BENCH_PIN_HOST");
            if (wanted == nullptr || std::atoi(wanted) != 0) {
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(::sched_getcpu(), &one);
                pinned_ = ::sched_setaffinity(0, sizeof(one), &one) == 0;
            }
        }
        const uint64_t index = count_.load(std::memory_order_relaxed);
        const int mode = static_cast<int>((index / kBlock) % kModes);
        const int64_t started = monotonicNs();
        if (mode == 0) {
            inProcess_.process(cycle);
        } else if (mode == 1) {
            outOfProcess_.process(cycle);
        } else {
            raw_->frames = cycle.frames;
            for (uint32_t c = 0; c < 2 && c < cycle.inputCount; c++)
                std::memcpy(raw_->in[c], cycle.inputs[c], sizeof(float) * cycle.frames);
            const uint32_t s = ++sequence_;
            aap::storeRelease(&raw_->request, s);
            aap::futex::wake(&raw_->request, 1);
            uint32_t reply;
            while ((reply = aap::loadAcquire(&raw_->reply)) != s)
                aap::futex::wait(&raw_->reply, reply, 2'000'000);
            for (uint32_t c = 0; c < 2 && c < cycle.outputCount; c++)
                std::memcpy(cycle.outputs[c], raw_->out[c], sizeof(float) * cycle.frames);
        }
        const int64_t finished = monotonicNs();
        if (index < samples_.size()) {
            Sample& sample = samples_[index];
            sample.mode = mode;
            sample.bodyNs = finished - started;
            sample.readyUs = cycle.serverTimeUs != nullptr
                                 ? static_cast<int64_t>(cycle.serverTimeUs() - cycle.serverCycleStartUs)
                                 : 0;
            count_.store(index + 1, std::memory_order_release);
        }
    }
    uint64_t count() const { return count_.load(std::memory_order_acquire); }
    bool pinned() const { return pinned_; }
    bool realtime() const { return realtime_; }
    const std::vector<Sample>& samples() const { return samples_; }

private:
    PlayEngine& inProcess_;
    PlayEngine& outOfProcess_;
    PingPong* raw_;
    uint32_t sequence_ = 0;
    bool placed_ = false;
    bool pinned_ = false;
    bool realtime_ = false;
    std::vector<Sample> samples_;
    std::atomic<uint64_t> count_{0};
};

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

bool openPlugin(aap::PluginHost& host, const aap::PluginCatalog& catalog, PlayPlugin* plugin, int32_t frames,
                int32_t rate, std::string* error) {
    plugin->information = catalog.findByUniqueId("urn:aap-bench:gain");
    if (plugin->information == nullptr) {
        *error = "the benchmark gain plugin is not in " AAP_BENCH_BUNDLE_DIR;
        return false;
    }
    if (aap::HostedPlugin::open(host, "urn:aap-bench:gain", aap::HostedPluginOptions::at(frames, rate), &plugin->hosted, error) != aap::HostingStatus::Ok)
        return false;
    plugin->describePorts();
    return plugin->hosted->instance().activate() == aap::HostingStatus::Ok;
}

void PlayInsideAJackCycle(benchmark::State& state) {
    char pattern[] = "/tmp/aap-play-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
        state.SkipWithError("mkdtemp failed");
        return;
    }
    const std::string dir = pattern;
    aap::play_test::JackServer server;
    std::string error;
    // Synchronous (-S): the server waits for the client each cycle, as with a real device.
    if (!server.start(dir, &error, true)) {
        state.SkipWithError(("no JACK server (apt-get install jackd2): " + error).c_str());
        return;
    }
    ::setenv("JACK_DEFAULT_SERVER", server.name().c_str(), 1);

    aap::PluginCatalog catalog = aap::PluginCatalog::scan({AAP_BENCH_BUNDLE_DIR});
    aap::PluginHostOptions inOptions, outOptions;
    inOptions.isolation = aap::PluginIsolation::InProcess;
    outOptions.process.servicePath = AAP_BENCH_SERVICE_PATH;
    aap::PluginHost inHost{catalog, inOptions}, outHost{catalog, outOptions};

    std::unique_ptr<AudioBackend> backend = createJackBackend(&error);
    AudioBackendConfig config;
    config.clientName = "bench-" + server.name();  // unique on the machine (see JackServer)
    config.audioInputs = 2;
    config.audioOutputs = 2;
    if (!backend || !backend->open(config, &error)) {
        state.SkipWithError(error.c_str());
        return;
    }
    PlayPlugin inPlugin, outPlugin;
    if (!openPlugin(inHost, catalog, &inPlugin, backend->periodFrames(), backend->sampleRate(), &error) ||
        !openPlugin(outHost, catalog, &outPlugin, backend->periodFrames(), backend->sampleRate(), &error)) {
        state.SkipWithError(error.c_str());
        return;
    }
    // A generous deadline: a descheduled cycle on this shared machine is measured, not a fault.
    PlayEngine inEngine{{&inPlugin}, backend->periodFrames(), 2, 2, 1'000'000'000, backend->sampleRate()};
    PlayEngine outEngine{{&outPlugin}, backend->periodFrames(), 2, 2, 1'000'000'000, backend->sampleRate()};

    aap::SharedMemory memory;
    if (aap::SharedMemory::create(sizeof(PingPong), "play-bench-floor", &memory) != aap::HostingStatus::Ok) {
        state.SkipWithError("memfd failed");
        return;
    }
    auto* block = static_cast<PingPong*>(memory.data());
    const pid_t child = aap::bench::startFutexPingPong(block, 0);  // frames set per cycle
    if (child < 0) {
        state.SkipWithError("fork failed");
        return;
    }

    const size_t cycles = 6000;  // 32 s at 5.3 ms
    Alternating alternating{inEngine, outEngine, block, cycles};
    for (auto _ : state) {
        if (!backend->start(&alternating, &error)) {
            state.SkipWithError(error.c_str());
            break;
        }
        while (alternating.count() < cycles)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        backend->stop();
    }
    aap::bench::stopFutexPingPong(block, child);
    inPlugin.hosted->instance().deactivate();
    outPlugin.hosted->instance().deactivate();

    // Skip the first blocks (warm-up), then per mode and per block.
    std::vector<double> body[kModes], ready[kModes];
    std::vector<double> blockRatios;
    const std::vector<Sample>& samples = alternating.samples();
    const size_t first = kBlock * kModes * 4;
    for (size_t b = first; b + kBlock * kModes <= samples.size(); b += kBlock * kModes) {
        std::vector<double> blockMedian[kModes];
        for (size_t i = b; i < b + kBlock * kModes; i++) {
            body[samples[i].mode].push_back(static_cast<double>(samples[i].bodyNs) / 1000.0);
            ready[samples[i].mode].push_back(static_cast<double>(samples[i].readyUs));
            blockMedian[samples[i].mode].push_back(static_cast<double>(samples[i].bodyNs) / 1000.0);
        }
        blockRatios.push_back(percentile(blockMedian[1], 0.5) / std::max(0.001, percentile(blockMedian[0], 0.5)));
    }
    for (int m = 0; m < kModes; m++) {
        state.counters[std::string(kModeNames[m]) + "_median_us"] = percentile(body[m], 0.5);
        state.counters[std::string(kModeNames[m]) + "_p99_us"] = percentile(body[m], 0.99);
        state.counters[std::string(kModeNames[m]) + "_ready_median_us"] = percentile(ready[m], 0.5);
    }
    const double difference = percentile(body[1], 0.5) - percentile(body[0], 0.5);
    state.counters["oop_minus_ip_median_us"] = difference;
    state.counters["raw_futex_median_us"] = percentile(body[2], 0.5);
    state.counters["block_ratio_median"] = percentile(blockRatios, 0.5);
    state.counters["host_thread_pinned"] = alternating.pinned() ? 1 : 0;
    state.counters["host_thread_fifo"] = alternating.realtime() ? 1 : 0;
    state.counters["xruns"] = static_cast<double>(inEngine.xruns() + outEngine.xruns());
    state.counters["server_xruns"] = static_cast<double>(backend->backendXruns());
    backend.reset();
    server.stop();
    std::string command = "rm -rf '" + dir + "'";
    if (std::system(command.c_str()) != 0)
        state.SkipWithError("cleanup failed");
}

BENCHMARK(PlayInsideAJackCycle)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
