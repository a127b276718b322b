#pragma once
// One plugin instance as aap-host drives it: the PluginInstance (out of process by default) plus
// the aap::ext typed proxies (presets, parameters, state, midi) that reach its extensions over
// AAPXS: on the control channel while inactive, in the MIDI2 stream while active.
//
// Lifetime: the instance is destroyed first (which cancels pending extension requests exactly
// once), then the client and the endpoint, as plugin-instance-endpoint.h requires.

#include <memory>
#include <string>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/plugin-instance-endpoint.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/state.h"
#include "aap/hosting/plugin-host.h"

namespace aap::host_tool {

class HostedPlugin {
public:
    // [main-thread] Instantiates `pluginId`, sets up the extension proxies and prepares the
    // instance for `frames` per cycle at `sampleRate` (inactive afterwards). On failure returns
    // the status and *error says which step failed and why.
    static HostingStatus open(PluginHost& host, const std::string& pluginId, int32_t frames, int32_t sampleRate,
                              std::unique_ptr<HostedPlugin>* out, std::string* error);
    ~HostedPlugin();
    HostedPlugin(const HostedPlugin&) = delete;
    HostedPlugin& operator=(const HostedPlugin&) = delete;

    PluginInstance& instance() noexcept { return *instance_; }
    // Null when the extension blocks could not be set up (the instance still runs).
    PresetsProxy* presets() noexcept { return presets_.get(); }
    ParametersProxy* parameters() noexcept { return parameters_.get(); }
    StateProxy* state() noexcept { return state_.get(); }
    MidiProxy* midi() noexcept { return midi_.get(); }
    ExtensionClient* client() noexcept { return client_.get(); }

private:
    HostedPlugin() = default;

    // Declaration order is destruction order reversed: the instance goes first.
    std::unique_ptr<PluginInstanceEndpoint> endpoint_;
    std::unique_ptr<ExtensionClient> client_;
    std::unique_ptr<PresetsProxy> presets_;
    std::unique_ptr<ParametersProxy> parameters_;
    std::unique_ptr<StateProxy> state_;
    std::unique_ptr<MidiProxy> midi_;
    std::unique_ptr<PluginInstance> instance_;
};

// "timeout", "unknown extension (the plugin process has no AAPXS definition for it)", ...
std::string describeExtensionError(ExtensionError error);

} // namespace aap::host_tool
