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
    std::string error;
    if (host->instantiate(pluginId, &instance, &error) != HostingStatus::Ok)
        return "instantiate: " + error;
    if (PluginInstanceEndpoint::create(*instance, &endpoint) != HostingStatus::Ok)
        return "endpoint";
    client = ExtensionClient::create(*endpoint);
    if (!client)
        return "client";
    parameters = std::make_unique<ParametersProxy>(*client);
    presets = std::make_unique<PresetsProxy>(*client);
    state = std::make_unique<StateProxy>(*client);
    midi = std::make_unique<MidiProxy>(*client);
    gui = std::make_unique<GuiProxy>(*client);
    urid = std::make_unique<UridProxy>(*client);
    portConfig = std::make_unique<PortConfigProxy>(*client);
    if (prepare && instance->prepare(kFrames, 48000) != HostingStatus::Ok)
        return "prepare";
    return {};
}

RemotePlugin::~RemotePlugin() {
    // The instance first: it cancels whatever is pending while the client still exists.
    if (instance)
        instance->destroy();
}

} // namespace aap::ext_test
