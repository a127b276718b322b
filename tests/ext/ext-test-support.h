#pragma once
// Shared fixture pieces of the aap::ext out-of-process tests: a host over the ext test bundle,
// an instance wired to typed proxies, and an "audio thread" that runs process() cycles while the
// instance is active (so sync calls made on the test thread get their replies).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/host-extensions.h"
#include "aap/ext-cpp/gui-v5.h"
#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/hosting/hosted-plugin.h"
#include "aap/hosting/plugin-instance-endpoint.h"
#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/state.h"
#include "aap/ext-cpp/urid.h"
#include "aap/hosting/plugin-host.h"

namespace aap::ext_test {

constexpr int32_t kFrames = 128;
constexpr int32_t kMidiIn = 4;
constexpr int32_t kMidiOut = 5;

PluginHostOptions hostOptions(PluginIsolation isolation);
PluginCatalog testCatalog();

// Runs process() every `periodUs` on its own thread until stopped; before each cycle the MIDI2
// input is emptied, then `extraWord` (when not 0) is appended once, if requested.
class AudioThread {
public:
    explicit AudioThread(PluginInstance& instance, int periodUs = 200);
    ~AudioThread() { stop(); }
    void stop();
    void sendWordOnce(uint32_t word) { word_.store(word); }
    uint64_t cycles() const { return cycles_.load(); }
    uint64_t failures() const { return failures_.load(); }
    // Allocations counted on the audio thread since start (aap::rt-guard), or -1 when not
    // measured (the guard is only linked into the realtime test).
    int64_t allocations() const { return allocations_.load(); }
    static void setGuardFactory(int64_t (*run)(AudioThread& self));

    // One cycle; public so a guarded loop can call it.
    void cycle() noexcept;
    bool running() const { return running_.load(); }

private:
    PluginInstance& instance_;
    int periodUs_;
    std::atomic<bool> running_{true};
    std::atomic<uint32_t> word_{0};
    std::atomic<uint64_t> cycles_{0};
    std::atomic<uint64_t> failures_{0};
    std::atomic<int64_t> allocations_{-1};
    std::thread thread_;
};

// A host and one aap::HostedPlugin of `pluginId` (prepared, inactive), with shortcuts to the
// instance, the endpoint, the client and the proxies. Members may go in any order: HostedPlugin
// tears down in the safe order, and the shared proxies outlive it safely.
struct RemotePlugin {
    std::unique_ptr<PluginHost> host;
    std::unique_ptr<HostedPlugin> hosted;
    PluginInstance* instance = nullptr;
    std::shared_ptr<PluginInstanceEndpoint> endpoint;
    std::shared_ptr<ExtensionClient> client;
    std::shared_ptr<ParametersProxy> parameters;
    std::shared_ptr<PresetsProxy> presets;
    std::shared_ptr<StateProxy> state;
    std::shared_ptr<MidiProxy> midi;
    std::shared_ptr<GuiProxy> gui;
    std::shared_ptr<GuiV5Proxy> guiV5;
    std::shared_ptr<UridProxy> urid;
    std::shared_ptr<PortConfigProxy> portConfig;

    // Empty string on success, else why not.
    // `hostExtensions` (may be null) answers the plugin's host-extension calls.
    std::string open(PluginIsolation isolation, const std::string& pluginId, bool prepare = true,
                     StandardHostExtensions* hostExtensions = nullptr);
};

} // namespace aap::ext_test
