#pragma once
// aap::HostedPlugin: one hosted plugin instance and everything that talks to it, owned together.
//
//     aap::PluginHost host{aap::PluginCatalog::scan(searchPath)};
//     std::unique_ptr<aap::HostedPlugin> plugin;
//     std::string error;
//     if (aap::HostedPlugin::open(host, "urn:example:synth", {}, &plugin, &error) != aap::HostingStatus::Ok)
//         ... error says which step failed ...
//     auto presets = plugin->presets();          // std::shared_ptr<aap::PresetsProxy>
//     auto count = presets->getPresetCount();    // control channel (inactive)
//     plugin->activate();
//     // audio thread, per period:
//     plugin->process(256, deadlineNs);
//
// It owns the PluginInstance, its PluginInstanceEndpoint and ExtensionClient, and the typed proxy
// of every standard extension (parameters, presets, state, midi, gui, urid, port-config). Whatever
// order the caller declares or drops things in, teardown is the one safe order: the instance is
// destroyed first (pending extension requests complete exactly once, with Cancelled, while the
// client still exists), then the proxies, the client and the endpoint.
//
// Proxies are handed out as std::shared_ptr. One that outlives the HostedPlugin (kept by the
// caller, or held by an async request's user data) never touches freed memory: it keeps the
// client and endpoint alive, and every call on it fails at once with ExtensionError::Closed.
//
// Threads: open(), close(), the destructor and the lifecycle calls are [main-thread]; process()
// is [audio-thread]; the proxies follow ExtensionClient's rules. The caller must stop calling
// process() before the HostedPlugin is closed or destroyed (as with any instance).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/state.h"
#include "aap/ext-cpp/urid.h"
#include "aap/hosting/plugin-host.h"
#include "aap/hosting/plugin-instance-endpoint.h"

namespace aap {

struct HostedPluginOptions {
    // prepare() is called by open() with these unless `prepare` is false (the instance is then
    // left unprepared, e.g. to register more extension blocks through the endpoint first).
    int32_t frames = 256;
    int32_t sampleRate = 48000;
    bool prepare = true;
    // Third-party extensions to give a serialization block (besides every standard one).
    std::vector<PluginInstanceEndpoint::ExtensionBlock> extraExtensions;
    ExtensionClient::Options client;

    // The defaults, prepared for `frames` per cycle at `sampleRate`.
    static HostedPluginOptions at(int32_t frames, int32_t sampleRate) {
        HostedPluginOptions options;
        options.frames = frames;
        options.sampleRate = sampleRate;
        return options;
    }
};

class HostedPlugin {
public:
    // [main-thread] Instantiates `pluginId` through `host` (which need not outlive the result),
    // sets up the extension endpoint, client and proxies, and prepares the instance (inactive
    // afterwards) unless options.prepare is false. On failure returns the status and *error (when
    // not null) says which step failed and why. When the transport cannot add extension blocks
    // the instance still runs: the proxies are null and extensionStatus() says why.
    static HostingStatus open(PluginHost& host, const std::string& pluginId, const HostedPluginOptions& options,
                              std::unique_ptr<HostedPlugin>* out, std::string* error = nullptr);

    // Closes (see close()).
    ~HostedPlugin();
    HostedPlugin(const HostedPlugin&) = delete;
    HostedPlugin& operator=(const HostedPlugin&) = delete;

    // [main-thread] Destroys the instance (bounded in time; pending requests complete with
    // Cancelled) and closes the endpoint: proxies still held elsewhere fail with Closed from now
    // on. Idempotent. The caller must no longer call process().
    void close() noexcept;
    bool closed() const noexcept;

    const std::string& pluginId() const noexcept { return pluginId_; }
    PluginInstance& instance() noexcept;
    InstanceState instanceState() const noexcept;

    // Lifecycle shortcuts for instance().prepare/activate/deactivate.
    HostingStatus prepare(int32_t frames, int32_t sampleRate);
    HostingStatus activate();
    HostingStatus deactivate();
    // [audio-thread] One cycle: instance().process(frames, timeoutNs).
    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept;

    // Ok when the extension endpoint was set up; otherwise why the proxies are null.
    HostingStatus extensionStatus() const noexcept { return extensionStatus_; }

    // Null when extensionStatus() is not Ok. See the header comment for lifetimes.
    std::shared_ptr<PluginInstanceEndpoint> endpoint() const noexcept;
    std::shared_ptr<ExtensionClient> client() const noexcept;
    std::shared_ptr<ParametersProxy> parameters() const noexcept;
    std::shared_ptr<PresetsProxy> presets() const noexcept;
    std::shared_ptr<StateProxy> state() const noexcept;
    std::shared_ptr<MidiProxy> midi() const noexcept;
    std::shared_ptr<GuiProxy> gui() const noexcept;
    std::shared_ptr<UridProxy> urid() const noexcept;
    std::shared_ptr<PortConfigProxy> portConfig() const noexcept;

private:
    struct Core;
    HostedPlugin() = default;

    std::string pluginId_;
    HostingStatus extensionStatus_ = HostingStatus::Ok;
    std::shared_ptr<Core> core_;
};

// "timeout", "unknown extension (the plugin process has no AAPXS definition for it)", ...
std::string describeExtensionError(ExtensionError error);

} // namespace aap
