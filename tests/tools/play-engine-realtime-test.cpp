// The body of `aap-host play`'s audio callback (PlayEngine::process) driven by the null backend
// at the real period, under aap::rt-guard: no heap operation and no blocking call (a bounded futex
// wait for the service's reply is allowed by the guard's design) on the audio thread across seconds
// of cycles with a two-plugin chain out of process, while the control thread sends preset changes
// (AAPXS requests submitted and completed on the audio thread) and parameter changes (SysEx8
// UMPs), and also after a plugin failed (the silent path).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "aap/runtime/realtime-guard.h"
#include "audio-backend.h"
#include "play-engine.h"
#include "render-events.h"

namespace aap::host_tool {
namespace {

class GuardedEngine final : public AudioProcessor {
public:
    explicit GuardedEngine(PlayEngine& engine) : engine_(engine) {}
    void process(const AudioCycle& cycle) noexcept override {
        RealtimeGuard guard;
        engine_.process(cycle);
        heapOperations.fetch_add(guard.heapOperations(), std::memory_order_relaxed);
        const uint64_t blocking = guard.blockingCalls();
        if (blocking > 0 && blockingCalls.fetch_add(blocking, std::memory_order_relaxed) == 0)
            firstViolation.store(RealtimeGuard::firstViolation(), std::memory_order_relaxed);
        guardedCycles.fetch_add(1, std::memory_order_relaxed);
    }
    std::atomic<uint64_t> heapOperations{0};
    std::atomic<uint64_t> blockingCalls{0};
    std::atomic<const char*> firstViolation{""};
    std::atomic<uint64_t> guardedCycles{0};

private:
    PlayEngine& engine_;
};

struct Chain {
    PluginCatalog catalog = PluginCatalog::scan({AAP_EXAMPLES_PLUGIN_DIR});
    PluginHost host;
    std::vector<std::unique_ptr<PlayPlugin>> plugins;

    explicit Chain(PluginIsolation isolation) : host(catalog, options(isolation)) {}
    static PluginHostOptions options(PluginIsolation isolation) {
        PluginHostOptions options;
        options.isolation = isolation;
        options.process.servicePath = AAP_PLUGIN_SERVICE_PATH;
        return options;
    }
    void add(const std::string& id, int32_t frames) {
        auto plugin = std::make_unique<PlayPlugin>();
        plugin->information = catalog.findByUniqueId(id);
        ASSERT_NE(plugin->information, nullptr) << id;
        std::string error;
        ASSERT_EQ(HostedPlugin::open(host, id, HostedPluginOptions::at(frames, 48000), &plugin->hosted, &error), HostingStatus::Ok) << error;
        plugin->describePorts();
        ASSERT_EQ(plugin->hosted->instance().activate(), HostingStatus::Ok);
        plugins.push_back(std::move(plugin));
    }
    std::vector<PlayPlugin*> pointers() {
        std::vector<PlayPlugin*> out;
        for (auto& plugin : plugins)
            out.push_back(plugin.get());
        return out;
    }
};

TEST(PlayEngineRealtime, TheCallbackBodyTouchesNoHeapOnTheNullBackend) {
    for (PluginIsolation isolation : {PluginIsolation::ProcessPerInstance, PluginIsolation::InProcess}) {
        Chain chain{isolation};
        chain.add("urn:aap-examples:poly-synth", 256);
        chain.add("urn:aap-examples:delay-effect", 256);
        ASSERT_EQ(chain.plugins.size(), 2u);
        // A deadline of 1 s, not the period: this test is about heap operations, and on a loaded
        // machine a service descheduled past 5 ms would otherwise fail the chain (a Timeout is a
        // failure in the hosting layer today).
        PlayEngine engine{chain.pointers(), 256, 0, 2, 1'000'000'000};
        GuardedEngine guarded{engine};
        std::unique_ptr<AudioBackend> backend = createNullBackend();
        AudioBackendConfig config;
        config.audioOutputs = 2;
        std::string error;
        ASSERT_TRUE(backend->open(config, &error)) << error;
        ASSERT_TRUE(backend->start(&guarded, &error)) << error;
        // Control traffic while it runs: presets on both plugins, parameter changes on the delay.
        const ParameterInformation& mix = chain.plugins[1]->information->parameters.at(3);
        uint64_t sequence = 0;
        for (int round = 0; round < 6; round++) {
            PlayCommand preset;
            preset.kind = PlayCommand::Kind::Preset;
            preset.plugin = round % 2;
            preset.preset = round % 3;
            preset.sequence = ++sequence;
            EXPECT_TRUE(engine.post(preset));
            const TimedUmp ump = parameterChangeUmp(0, mix, 0.1 * round);
            PlayCommand parameter;
            parameter.plugin = 1;
            std::memcpy(parameter.words, ump.words, sizeof(parameter.words));
            parameter.wordCount = ump.wordCount;
            parameter.sequence = ++sequence;
            EXPECT_TRUE(engine.post(parameter));
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        }
        // At least 100 guarded cycles (about 0.5 s; longer when the machine is busy).
        for (int wait = 0; wait < 3000 && guarded.guardedCycles.load() < 100; wait++)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        backend->stop();
        int presetsDone = 0;
        PlayNotice notice;
        while (engine.takeNotice(&notice)) {
            EXPECT_EQ(notice.kind, PlayNotice::Kind::PresetDone);
            EXPECT_EQ(notice.error, 0);
            presetsDone++;
        }
        EXPECT_EQ(presetsDone, 6);
        EXPECT_GE(engine.deliveredSequence(), sequence - 1);
        EXPECT_GT(guarded.guardedCycles.load(), 100u);
        EXPECT_EQ(engine.faults(), 0u);
        EXPECT_EQ(guarded.heapOperations.load(), 0u) << "mechanism: " << RealtimeGuard::mechanism();
        EXPECT_EQ(guarded.blockingCalls.load(), 0u) << "first: " << guarded.firstViolation.load();

        // The silent path after a failure (the plugin's fault flag set, as process() sets it).
        chain.plugins[0]->fault.store(static_cast<int32_t>(HostingStatus::Offline));
        guarded.heapOperations.store(0);
        ASSERT_TRUE(backend->start(&guarded, &error)) << error;
        for (int wait = 0; wait < 3000 && engine.silentCycles() < 10; wait++)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        backend->stop();
        EXPECT_GT(engine.silentCycles(), 0u);
        EXPECT_EQ(guarded.heapOperations.load(), 0u);
        EXPECT_EQ(guarded.blockingCalls.load(), 0u) << "first: " << guarded.firstViolation.load();
        for (auto& plugin : chain.plugins)
            if (plugin->fault.load() == 0)
                plugin->hosted->instance().deactivate();
    }
}

} // namespace
} // namespace aap::host_tool
