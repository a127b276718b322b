#include "aap/hosting/hosted-plugin.h"

#include <utility>

namespace aap {

// Everything a proxy may need while it lives. Members are destroyed in reverse declaration order:
// proxies, then the client (no request of it is pending any more: the instance was destroyed
// first by close()), then the endpoint, then the (already destroyed) instance object.
struct HostedPlugin::Core {
    std::unique_ptr<PluginInstance> instance;
    std::unique_ptr<PluginInstanceEndpoint> endpoint;
    std::unique_ptr<ExtensionClient> client;
    std::unique_ptr<ParametersProxy> parameters;
    std::unique_ptr<PresetsProxy> presets;
    std::unique_ptr<StateProxy> state;
    std::unique_ptr<MidiProxy> midi;
    std::unique_ptr<GuiProxy> gui;
    std::unique_ptr<UridProxy> urid;
    std::unique_ptr<PortConfigProxy> portConfig;
    bool closed = false;

    ~Core() {
        // Reached only after close() (HostedPlugin's destructor), or when open() failed half way.
        if (endpoint)
            endpoint->close();
        if (instance)
            instance->destroy();
    }
};

namespace {
template <typename Core, typename T>
std::shared_ptr<T> share(const std::shared_ptr<Core>& owner, std::unique_ptr<T> Core::*member) noexcept {
    if (!owner || !((*owner).*member))
        return nullptr;
    return std::shared_ptr<T>(owner, ((*owner).*member).get());  // aliasing: keeps the whole Core alive
}
} // namespace

HostingStatus HostedPlugin::open(PluginHost& host, const std::string& pluginId, const HostedPluginOptions& options,
                                 std::unique_ptr<HostedPlugin>* out, std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    why.clear();
    if (out == nullptr) {
        why = "HostedPlugin::open: out must not be null";
        return HostingStatus::InvalidArgument;
    }
    if (options.prepare && (options.frames <= 0 || options.frames > 65536 || options.sampleRate <= 0)) {
        why = "HostedPlugin::open: frames must be 1..65536 and the sample rate positive (got " +
              std::to_string(options.frames) + " frames at " + std::to_string(options.sampleRate) + " Hz)";
        return HostingStatus::InvalidArgument;
    }
    std::unique_ptr<HostedPlugin> hosted{new HostedPlugin()};
    hosted->pluginId_ = pluginId;
    auto core = std::make_shared<Core>();
    std::string reason;
    HostingStatus status = host.instantiate(pluginId, &core->instance, &reason);
    if (status != HostingStatus::Ok) {
        why = "cannot instantiate " + pluginId + ": " + hostingStatusMessage(status) +
              (reason.empty() ? "" : ": " + reason);
        return status;
    }
    // Extension blocks must be added while unprepared. A transport without them still renders.
    hosted->extensionStatus_ =
        PluginInstanceEndpoint::create(*core->instance, &core->endpoint, options.extraExtensions);
    if (hosted->extensionStatus_ == HostingStatus::Ok) {
        core->client = ExtensionClient::create(*core->endpoint, options.client);
        if (!core->client) {
            why = "cannot create the extension client of " + pluginId +
                  " (ExtensionClient::Options out of range, or out of memory)";
            return HostingStatus::InvalidArgument;
        }
        ExtensionClient& client = *core->client;
        core->parameters = std::make_unique<ParametersProxy>(client);
        core->presets = std::make_unique<PresetsProxy>(client);
        core->state = std::make_unique<StateProxy>(client);
        core->midi = std::make_unique<MidiProxy>(client);
        core->gui = std::make_unique<GuiProxy>(client);
        core->urid = std::make_unique<UridProxy>(client);
        core->portConfig = std::make_unique<PortConfigProxy>(client);
    } else {
        core->endpoint.reset();
    }
    if (options.prepare) {
        status = core->instance->prepare(options.frames, options.sampleRate);
        if (status != HostingStatus::Ok) {
            why = "cannot prepare " + pluginId + " for " + std::to_string(options.frames) + " frames at " +
                  std::to_string(options.sampleRate) + " Hz: " + hostingStatusMessage(status);
            return status;
        }
    }
    hosted->core_ = std::move(core);
    *out = std::move(hosted);
    return HostingStatus::Ok;
}

HostedPlugin::~HostedPlugin() { close(); }

void HostedPlugin::close() noexcept {
    if (!core_ || core_->closed)
        return;
    core_->closed = true;
    // 1. The instance: stops the service (bounded) and completes every pending request exactly
    //    once (Cancelled) while the client that owns their records still exists.
    core_->instance->destroy();
    // 2. The endpoint refuses everything from now on, so a proxy kept elsewhere gets Closed.
    if (core_->endpoint)
        core_->endpoint->close();
    // 3. Our reference; the Core (client, proxies) goes when the last proxy handed out goes.
    core_.reset();
}

bool HostedPlugin::closed() const noexcept { return !core_; }

PluginInstance& HostedPlugin::instance() noexcept { return *core_->instance; }

InstanceState HostedPlugin::instanceState() const noexcept {
    return core_ ? core_->instance->state() : InstanceState::Terminated;
}

HostingStatus HostedPlugin::prepare(int32_t frames, int32_t sampleRate) {
    return core_ ? core_->instance->prepare(frames, sampleRate) : HostingStatus::InvalidState;
}
HostingStatus HostedPlugin::activate() { return core_ ? core_->instance->activate() : HostingStatus::InvalidState; }
HostingStatus HostedPlugin::deactivate() {
    return core_ ? core_->instance->deactivate() : HostingStatus::InvalidState;
}
HostingStatus HostedPlugin::process(int32_t frames, int64_t timeoutNs) noexcept {
    return core_ ? core_->instance->process(frames, timeoutNs) : HostingStatus::InvalidState;
}

std::shared_ptr<PluginInstanceEndpoint> HostedPlugin::endpoint() const noexcept { return share(core_, &Core::endpoint); }
std::shared_ptr<ExtensionClient> HostedPlugin::client() const noexcept { return share(core_, &Core::client); }
std::shared_ptr<ParametersProxy> HostedPlugin::parameters() const noexcept { return share(core_, &Core::parameters); }
std::shared_ptr<PresetsProxy> HostedPlugin::presets() const noexcept { return share(core_, &Core::presets); }
std::shared_ptr<StateProxy> HostedPlugin::state() const noexcept { return share(core_, &Core::state); }
std::shared_ptr<MidiProxy> HostedPlugin::midi() const noexcept { return share(core_, &Core::midi); }
std::shared_ptr<GuiProxy> HostedPlugin::gui() const noexcept { return share(core_, &Core::gui); }
std::shared_ptr<UridProxy> HostedPlugin::urid() const noexcept { return share(core_, &Core::urid); }
std::shared_ptr<PortConfigProxy> HostedPlugin::portConfig() const noexcept { return share(core_, &Core::portConfig); }

std::string describeExtensionError(ExtensionError error) {
    switch (error) {
    case ExtensionError::UnknownExtension:
        return "unknown extension (the plugin process has no AAPXS definition for it)";
    case ExtensionError::NotImplemented: return "the plugin does not implement this extension";
    default: return toString(error);
    }
}

} // namespace aap
