#include "hosted-plugin.h"

#include <cstdio>

namespace aap::host_tool {

HostingStatus HostedPlugin::open(PluginHost& host, const std::string& pluginId, int32_t frames, int32_t sampleRate,
                                 std::unique_ptr<HostedPlugin>* out, std::string* error) {
    std::unique_ptr<HostedPlugin> hosted{new HostedPlugin()};
    std::string reason;
    HostingStatus status = host.instantiate(pluginId, &hosted->instance_, &reason);
    if (status != HostingStatus::Ok) {
        *error = "cannot instantiate " + pluginId + ": " + hostingStatusMessage(status) +
                 (reason.empty() ? "" : ": " + reason);
        return status;
    }
    // Extension blocks must be added while unprepared. A transport without them still renders.
    if (PluginInstanceEndpoint::create(*hosted->instance_, &hosted->endpoint_) == HostingStatus::Ok) {
        hosted->client_ = ExtensionClient::create(*hosted->endpoint_);
        if (hosted->client_) {
            hosted->presets_ = std::make_unique<PresetsProxy>(*hosted->client_);
            hosted->parameters_ = std::make_unique<ParametersProxy>(*hosted->client_);
            hosted->state_ = std::make_unique<StateProxy>(*hosted->client_);
            hosted->midi_ = std::make_unique<MidiProxy>(*hosted->client_);
        }
    }
    if (!hosted->client_)
        std::fprintf(stderr, "aap-host: warning: %s: extensions are unavailable for this instance\n", pluginId.c_str());
    status = hosted->instance_->prepare(frames, sampleRate);
    if (status != HostingStatus::Ok) {
        *error = "cannot prepare " + pluginId + " for " + std::to_string(frames) + " frames at " +
                 std::to_string(sampleRate) + " Hz: " + hostingStatusMessage(status);
        return status;
    }
    *out = std::move(hosted);
    return HostingStatus::Ok;
}

HostedPlugin::~HostedPlugin() {
    if (instance_)
        instance_->destroy();
}

std::string describeExtensionError(ExtensionError error) {
    switch (error) {
    case ExtensionError::UnknownExtension:
        return "unknown extension (the plugin process has no AAPXS definition for it)";
    case ExtensionError::NotImplemented: return "the plugin does not implement this extension";
    default: return toString(error);
    }
}

} // namespace aap::host_tool
