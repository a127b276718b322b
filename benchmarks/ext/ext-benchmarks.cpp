// aap::ext costs: serializing the standard structs, and one typed call (the peak-meter example's
// get_peak) out of process, inactive (control channel round trip) and active (request in the
// MIDI2 input, reply in a later cycle's output, with an audio thread cycling every 100 us).

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/presets.h"

#ifdef AAP_EXT_BENCH_BUNDLE_DIR
#include "aap/hosting/hosted-plugin.h"
#include "aap/ext/midi.h"
#include "peak-meter-proxy.h"
#endif

namespace {

void BM_ParameterInfoEncodeDecode(benchmark::State& state) {
    aap_parameter_info_t info{};
    info.stable_id = 42;
    std::strcpy(info.display_name, "Cutoff");
    std::strcpy(info.path, "/Filter");
    info.max_value = 20000.0;
    uint8_t wire[AAP_PARAMETER_INFO_WIRE_SIZE];
    for (auto _ : state) {
        aap::ByteWriter writer{wire, sizeof(wire)};
        aap::writeParameterInfo(writer, info);
        aap::ByteReader reader{wire, writer.size()};
        aap_parameter_info_t back;
        aap::readParameterInfo(reader, &back);
        benchmark::DoNotOptimize(back);
    }
}
BENCHMARK(BM_ParameterInfoEncodeDecode);

void BM_PresetEncodeDecode(benchmark::State& state) {
    aap_preset_t preset{};
    preset.id = 7;
    std::strcpy(preset.name, "Warm Pad");
    uint8_t wire[AAP_PRESET_WIRE_SIZE];
    for (auto _ : state) {
        aap::ByteWriter writer{wire, sizeof(wire)};
        aap::writePreset(writer, preset);
        aap::ByteReader reader{wire, writer.size()};
        aap_preset_t back;
        aap::readPreset(reader, &back);
        benchmark::DoNotOptimize(back);
    }
}
BENCHMARK(BM_PresetEncodeDecode);

#ifdef AAP_EXT_BENCH_BUNDLE_DIR

// One peak-meter instance: aap::HostedPlugin owns the instance, endpoint and client (the example's
// block next to the standard ones); the example's typed proxy is built on its client.
struct RemoteMeter {
    std::unique_ptr<aap::HostedPlugin> hosted;
    std::shared_ptr<aap::ExtensionClient> client;  // the meter's client, kept alive as long as it
    std::unique_ptr<aap_example::PeakMeterProxy> meter;

    bool open() {
        aap::PluginHostOptions options;
        options.process.servicePath = AAP_EXT_BENCH_SERVICE_PATH;
        aap::PluginHost host{aap::PluginCatalog::scan({AAP_EXT_BENCH_BUNDLE_DIR}), options};
        aap::HostedPluginOptions hostedOptions;
        hostedOptions.extraExtensions = {{AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_DATA_CAPACITY}};
        if (aap::HostedPlugin::open(host, "urn:aap-example:peak-meter", hostedOptions, &hosted) != aap::HostingStatus::Ok ||
            !hosted->client())
            return false;
        client = hosted->client();
        meter = std::make_unique<aap_example::PeakMeterProxy>(*client);
        return true;
    }
    aap::PluginInstance& instance() { return hosted->instance(); }
};

void BM_TypedCallInactive(benchmark::State& state) {
    RemoteMeter remote;
    if (!remote.open()) {
        state.SkipWithError("could not instantiate the peak-meter example");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(remote.meter->getPeak());
}
BENCHMARK(BM_TypedCallInactive)->Unit(benchmark::kMicrosecond);

void BM_TypedCallActive(benchmark::State& state) {
    RemoteMeter remote;
    if (!remote.open() || remote.instance().activate() != aap::HostingStatus::Ok) {
        state.SkipWithError("could not activate the peak-meter example");
        return;
    }
    std::atomic<bool> running{true};
    std::thread audio([&] {
        while (running.load()) {
            auto* midiIn = static_cast<uint8_t*>(remote.instance().portBuffer(4));
            AAPMidiBufferHeader header{};
            std::memcpy(midiIn, &header, sizeof(header));
            remote.instance().process(256, 1'000'000'000);
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    });
    for (auto _ : state)
        benchmark::DoNotOptimize(remote.meter->getPeak());
    running.store(false);
    audio.join();
}
BENCHMARK(BM_TypedCallActive)->Unit(benchmark::kMicrosecond)->UseRealTime();

#endif

} // namespace
BENCHMARK_MAIN();
