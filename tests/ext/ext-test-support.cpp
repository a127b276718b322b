#include "ext-test-support.h"

#include <chrono>
#include <cstring>

#include "aap/ext/midi.h"

namespace aap::ext_test {

PluginCatalog testCatalog() { return PluginCatalog::scan({AAP_EXT_TEST_BUNDLE_DIR}); }

PluginHostOptions hostOptions(PluginIsolation isolation) {
    PluginHostOptions options;
    options.isolation = isolation;
    options.process.servicePath = AAP_EXT_TEST_SERVICE_PATH;
    options.process.controlTimeoutNs = 5'000'000'000;
    return options;
}

namespace {
int64_t (*guardedLoop)(AudioThread& self) = nullptr;
} // namespace

void AudioThread::setGuardFactory(int64_t (*run)(AudioThread& self)) { guardedLoop = run; }

AudioThread::AudioThread(PluginInstance& instance, int periodUs) : instance_(instance), periodUs_(periodUs) {
    thread_ = std::thread([this] {
        if (guardedLoop != nullptr) {
            allocations_.store(guardedLoop(*this));
            return;
        }
        while (running_.load()) {
            cycle();
            std::this_thread::sleep_for(std::chrono::microseconds(periodUs_));
        }
    });
}

void AudioThread::stop() {
    running_.store(false);
    if (thread_.joinable())
        thread_.join();
}

void AudioThread::cycle() noexcept {
    auto* midiIn = static_cast<uint8_t*>(instance_.portBuffer(kMidiIn));
    if (midiIn != nullptr) {
        AAPMidiBufferHeader header{};
        const uint32_t word = word_.exchange(0);
        if (word != 0) {
            header.length = 4;
            std::memcpy(midiIn + 32, &word, sizeof(word));
        }
        std::memcpy(midiIn, &header, sizeof(header));
    }
    if (instance_.process(kFrames, 1'000'000'000) != HostingStatus::Ok)
        failures_.fetch_add(1);
    cycles_.fetch_add(1);
}

std::string RemotePlugin::open(PluginIsolation isolation, const std::string& pluginId, bool prepare,
                               StandardHostExtensions* hostExtensions) {
    PluginHostOptions options = hostOptions(isolation);
    if (hostExtensions != nullptr) {
        options.hostExtensionDefinitions = StandardHostExtensions::definitions();
        options.hostExtensionImplementation = [hostExtensions](const char* uri) {
            return hostExtensions->implementation(uri);
        };
    }
    host = std::make_unique<PluginHost>(testCatalog(), options);
    HostedPluginOptions hostedOptions;
    hostedOptions.frames = kFrames;
    hostedOptions.sampleRate = 48000;
    hostedOptions.prepare = prepare;
    std::string error;
    if (HostedPlugin::open(*host, pluginId, hostedOptions, &hosted, &error) != HostingStatus::Ok)
        return error;
    if (hosted->extensionStatus() != HostingStatus::Ok)
        return std::string{"endpoint: "} + hostingStatusMessage(hosted->extensionStatus());
    instance = &hosted->instance();
    endpoint = hosted->endpoint();
    client = hosted->client();
    parameters = hosted->parameters();
    presets = hosted->presets();
    state = hosted->state();
    midi = hosted->midi();
    gui = hosted->gui();
    guiV5 = hosted->guiV5();
    urid = hosted->urid();
    portConfig = hosted->portConfig();
    return {};
}

} // namespace aap::ext_test
