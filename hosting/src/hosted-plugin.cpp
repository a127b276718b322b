#include "aap/hosting/hosted-plugin.h"

#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/gui-shm-transport.h"

#include <utility>

#include "aapxs/midi2-buffer.h"

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
    std::unique_ptr<GuiV5Proxy> guiV5;
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
    hosted->options_ = options;
    hosted->host_ = std::make_unique<PluginHost>(host);
    const HostingStatus status = hosted->openCore(&why);
    if (status != HostingStatus::Ok)
        return status;
    hosted->readParameters();
    *out = std::move(hosted);
    return HostingStatus::Ok;
}

HostingStatus HostedPlugin::openCore(std::string* error) {
    std::string& why = *error;
    const std::string& pluginId = pluginId_;
    const HostedPluginOptions& options = options_;
    auto core = std::make_shared<Core>();
    std::string reason;
    HostingStatus status = host_->instantiate(pluginId, &core->instance, &reason);
    if (status != HostingStatus::Ok) {
        why = "cannot instantiate " + pluginId + ": " + hostingStatusMessage(status) +
              (reason.empty() ? "" : ": " + reason);
        return status;
    }
    // Extension blocks must be added while unprepared. A transport without them still renders.
    extensionStatus_ = PluginInstanceEndpoint::create(*core->instance, &core->endpoint, options.extraExtensions);
    if (extensionStatus_ == HostingStatus::Ok) {
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
        core->guiV5 = std::make_unique<GuiV5Proxy>(client);
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
    core_ = std::move(core);
    return HostingStatus::Ok;
}

void HostedPlugin::readParameters() {
    parameters_.clear();
    bool listed = false;
    if (core_->parameters && core_->instance->state() != InstanceState::Unprepared) {
        ExtensionResult<int32_t> count = core_->parameters->getParameterCount();
        if (count.ok() && count.value() >= 0) {
            listed = true;
            for (int32_t i = 0; i < count.value(); i++) {
                ExtensionResult<aap_parameter_info_t> info = core_->parameters->getParameter(i);
                if (!info.ok() || info.value().stable_id < 0)
                    continue;
                parameters_.push_back(Parameter{info.value().stable_id, info.value().min_value,
                                                info.value().max_value, info.value().default_value});
            }
        }
    }
    if (!listed)
        for (const ParameterInformation& parameter : core_->instance->information().parameters)
            parameters_.push_back(
                Parameter{parameter.id, parameter.minimumValue, parameter.maximumValue, parameter.defaultValue});
    values_.reset(new std::atomic<double>[parameters_.size() + 1]);
    pending_.reset(new std::atomic<bool>[parameters_.size() + 1]);
    for (size_t i = 0; i < parameters_.size(); i++) {
        values_[i].store(parameters_[i].defaultValue);
        pending_[i].store(false);
    }
}

int32_t HostedPlugin::parameterIndex(int32_t id) const noexcept {
    for (size_t i = 0; i < parameters_.size(); i++)
        if (parameters_[i].id == id)
            return static_cast<int32_t>(i);
    return -1;
}

namespace {
uint32_t toTransport(const HostedPlugin::Parameter& parameter, double value) noexcept {
    const double range = parameter.maximumValue - parameter.minimumValue;
    double normalized = range > 0 ? (value - parameter.minimumValue) / range : 0.0;
    normalized = normalized < 0 ? 0 : (normalized > 1 ? 1 : normalized);
    return static_cast<uint32_t>(normalized * 4294967295.0 + 0.5);
}
double fromTransport(const HostedPlugin::Parameter& parameter, uint32_t transport) noexcept {
    return parameter.minimumValue +
           (parameter.maximumValue - parameter.minimumValue) * (static_cast<double>(transport) / 4294967295.0);
}
} // namespace

HostingStatus HostedPlugin::setParameter(int32_t id, double value, int32_t frame) noexcept {
    if (!core_)
        return HostingStatus::InvalidState;
    const int32_t index = parameterIndex(id);
    if (index < 0)
        return HostingStatus::NotFound;
    const Parameter& parameter = parameters_[static_cast<size_t>(index)];
    if (!(value >= parameter.minimumValue && value <= parameter.maximumValue) || id > 0xFFFF)
        return HostingStatus::InvalidArgument;
    if (core_->instance->state() == InstanceState::Active) {
        uint32_t words[4];
        aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, static_cast<uint16_t>(id), toTransport(parameter, value));
        const HostingStatus status = core_->instance->addEvent(frame, words, 4);
        if (status != HostingStatus::Ok)
            return status;
    } else {
        if (frame < 0)
            return HostingStatus::InvalidArgument;
        pending_[static_cast<size_t>(index)].store(true, std::memory_order_relaxed);
        anyPending_.store(true, std::memory_order_release);
    }
    values_[static_cast<size_t>(index)].store(value, std::memory_order_relaxed);
    if (GuiPath* gui = gui_.load(std::memory_order_acquire))
        gui->publishParameter(id, value);
    return HostingStatus::Ok;
}

std::shared_ptr<GuiPath> HostedPlugin::enableGuiPath(const GuiPathOptions& options) {
    if (guiPath_)
        return guiPath_;
    if (!core_)
        return nullptr;
    std::vector<GuiPathParameter> parameters;
    for (const Parameter& p : parameters_)
        parameters.push_back(GuiPathParameter{p.id, p.minimumValue, p.maximumValue, p.defaultValue});
    std::vector<int32_t> levelPorts;
    for (const PortInformation& port : core_->instance->information().ports)
        if (port.contentType == PortContentType::Audio)
            levelPorts.push_back(port.index);
    try {
        guiPath_ = std::make_shared<GuiPath>(std::move(parameters), std::move(levelPorts), options);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
    for (size_t i = 0; i < parameters_.size(); i++)
        guiPath_->publishParameter(parameters_[i].id, values_[i].load(std::memory_order_relaxed));
    gui_.store(guiPath_.get(), std::memory_order_release);
    return guiPath_;
}

HostingStatus HostedPlugin::connectGuiProgram(int32_t gui, GuiSessions& sessions, uint32_t* client, std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    why.clear();
    TransportInstance* transport = core_ ? core_->instance->transportInstance() : nullptr;
    if (transport == nullptr) {
        why = "connectGuiProgram: no plugin instance";
        return HostingStatus::InvalidState;
    }
    std::shared_ptr<GuiShmConnection> channel;
    HostingStatus status = GuiShmConnection::create(AAP_GUI_SHM_DEFAULT_CAPACITY, &channel, &why);
    if (status != HostingStatus::Ok)
        return status;
    const uint32_t id = sessions.attach(channel);
    if (id == 0) {
        why = "connectGuiProgram: the GUI sessions have no room for another client";
        return HostingStatus::CapacityExceeded;
    }
    status = transport->attachGuiChannel(gui, channel->ringCapacity(), sessions.token().data(), sessions.token().size(),
                                         channel->fd());
    if (status != HostingStatus::Ok) {
        sessions.detach(id);
        why = std::string{"connectGuiProgram: the plugin service did not hand the GUI channel to GUI session "} +
              std::to_string(gui) + ": " + hostingStatusMessage(status) +
              (status == HostingStatus::Unsupported ? " (an in-process GUI or transport, or a GUI program without CHANNEL)"
               : status == HostingStatus::NotFound  ? " (no live GUI program of that id)"
                                                    : "");
        return status;
    }
    if (client != nullptr)
        *client = id;
    return HostingStatus::Ok;
}

HostingStatus HostedPlugin::parameterValue(int32_t id, double* value) const noexcept {
    const int32_t index = parameterIndex(id);
    if (index < 0 || value == nullptr)
        return index < 0 ? HostingStatus::NotFound : HostingStatus::InvalidArgument;
    *value = values_[static_cast<size_t>(index)].load(std::memory_order_relaxed);
    return HostingStatus::Ok;
}

void HostedPlugin::followReportedParameters() noexcept {
    PluginInstance& instance = *core_->instance;
    for (const PortInformation& port : instance.information().ports) {
        if (port.contentType != PortContentType::Midi2 || port.direction != PortDirection::Output)
            continue;
        const void* buffer = instance.portBuffer(port.index);
        aapxs_ump_iterator_t it;
        if (buffer == nullptr ||
            aapxs_midi2_buffer_iterator_init(&it, buffer, instance.portBufferSize(port.index)) != AAPXS_CODEC_OK)
            continue;
        aapxs_ump_t ump;
        while (aapxs_ump_iterator_next(&it, &ump)) {
            uint16_t id = 0;
            uint32_t transport = 0;
            if (ump.word_count != 4 ||
                !aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &transport))
                continue;
            const int32_t index = parameterIndex(id);
            if (index >= 0)
                values_[static_cast<size_t>(index)].store(fromTransport(parameters_[static_cast<size_t>(index)], transport),
                                                          std::memory_order_relaxed);
        }
    }
}

HostingStatus HostedPlugin::addEvent(int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    if (!core_)
        return HostingStatus::InvalidState;
    const HostingStatus status = core_->instance->addEvent(frame, words, wordCount);
    // A parameter change the host sends as an event is a value it set: parameterValue() and the
    // GUIs follow it as they follow setParameter().
    uint16_t id = 0;
    uint32_t transport = 0;
    if (status == HostingStatus::Ok && wordCount == 4 && words != nullptr &&
        aapxs_parameter_sysex8_read(words, nullptr, nullptr, nullptr, nullptr, &id, &transport)) {
        const int32_t index = parameterIndex(id);
        if (index >= 0) {
            const double value = fromTransport(parameters_[static_cast<size_t>(index)], transport);
            values_[static_cast<size_t>(index)].store(value, std::memory_order_relaxed);
            if (GuiPath* gui = gui_.load(std::memory_order_acquire))
                gui->publishParameter(id, value);
        }
    }
    return status;
}

uint64_t HostedPlugin::xruns() const noexcept { return xrunsBefore_ + (core_ ? core_->instance->xruns() : 0); }

ExtensionStatus HostedPlugin::snapshotState() {
    if (!core_)
        return ExtensionError::Closed;
    if (!core_->state)
        return ExtensionError::NotAvailable;
    ExtensionResult<std::vector<uint8_t>> state = core_->state->getState();
    if (!state.ok())
        return state.error();
    snapshot_ = std::move(state.value());
    hasSnapshot_ = true;
    return NoValue{};
}

HostingStatus HostedPlugin::reinstantiate(std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    why.clear();
    if (!host_) {
        why = "reinstantiate: this HostedPlugin was never opened";
        return HostingStatus::InvalidState;
    }
    const bool active = wantActive_;
    if (core_) {
        xrunsBefore_ += core_->instance->xruns();
        close();
    }
    HostingStatus status = openCore(&why);
    if (status != HostingStatus::Ok)
        return status;
    if (!options_.prepare) {
        return HostingStatus::Ok;  // the caller prepares; the snapshot cannot be restored before
    }
    if (hasSnapshot_) {
        if (!core_->state) {
            why = "cannot restore the state of " + pluginId_ + ": the extensions are unavailable";
            return HostingStatus::Unsupported;
        }
        ExtensionStatus restored = core_->state->setState(snapshot_);
        if (!restored.ok()) {
            why = "cannot restore the state of " + pluginId_ + ": " + describeExtensionError(restored.error());
            return HostingStatus::InstantiateFailed;
        }
    }
    // Parameter values the host set are sent again at the first cycle (after the state's).
    for (size_t i = 0; i < parameters_.size(); i++)
        if (values_[i].load() != parameters_[i].defaultValue)
            pending_[i].store(true);
    anyPending_.store(true);
    if (active) {
        status = activate();
        if (status != HostingStatus::Ok) {
            why = "cannot activate " + pluginId_ + " again: " + hostingStatusMessage(status);
            return status;
        }
    }
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
HostingStatus HostedPlugin::activate() {
    if (!core_)
        return HostingStatus::InvalidState;
    const HostingStatus status = core_->instance->activate();
    if (status == HostingStatus::Ok)
        wantActive_ = true;
    return status;
}
HostingStatus HostedPlugin::deactivate() {
    if (!core_)
        return HostingStatus::InvalidState;
    const HostingStatus status = core_->instance->deactivate();
    if (status == HostingStatus::Ok)
        wantActive_ = false;
    return status;
}
void HostedPlugin::flushPendingParameters() noexcept {
    PluginInstance& instance = *core_->instance;
    if (anyPending_.load(std::memory_order_acquire) && instance.state() == InstanceState::Active) {
        anyPending_.store(false, std::memory_order_relaxed);
        for (size_t i = 0; i < parameters_.size(); i++) {
            if (!pending_[i].exchange(false, std::memory_order_relaxed))
                continue;
            uint32_t words[4];
            aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, static_cast<uint16_t>(parameters_[i].id),
                                         toTransport(parameters_[i], values_[i].load(std::memory_order_relaxed)));
            if (instance.addEvent(0, words, 4) != HostingStatus::Ok) {
                pending_[i].store(true, std::memory_order_relaxed);  // no room: the next cycle
                anyPending_.store(true, std::memory_order_relaxed);
            }
        }
    }
}

void HostedPlugin::guiBeforeCycle(int32_t frames) noexcept {
    GuiPath* gui = gui_.load(std::memory_order_acquire);
    PluginInstance& instance = *core_->instance;
    guiFrames_ = frames;
    if (gui == nullptr || instance.state() != InstanceState::Active || instance.events().capacityBytes() == 0)
        return;
    // After the host's own events of this cycle: at equal frames the host's come first.
    gui->drainInto(
        instance.events(), frames,
        [](void* context, int32_t id, double value) {
            auto* self = static_cast<HostedPlugin*>(context);
            const int32_t index = self->parameterIndex(id);
            if (index >= 0)
                self->values_[static_cast<size_t>(index)].store(value, std::memory_order_relaxed);
        },
        this);
}

void HostedPlugin::guiAfterCycle(HostingStatus status) noexcept {
    GuiPath* gui = gui_.load(std::memory_order_acquire);
    if (gui == nullptr)
        return;
    PluginInstance& instance = *core_->instance;
    if (status == HostingStatus::Ok) {
        size_t slot = 0;
        for (const PortInformation& port : instance.information().ports) {
            if (port.contentType == PortContentType::Audio)
                gui->publishLevel(slot++, instance.audioBuffer(port.index), guiFrames_);
            else if (port.contentType == PortContentType::Midi2 && port.direction == PortDirection::Output)
                gui->publishMidiOutput(instance.portBuffer(port.index), instance.portBufferSize(port.index));
        }
    }
    gui->endCycle();
}

HostingStatus HostedPlugin::process(int32_t frames, int64_t timeoutNs) noexcept {
    if (!core_)
        return HostingStatus::InvalidState;
    flushPendingParameters();
    guiBeforeCycle(frames);
    const HostingStatus status = core_->instance->process(frames, timeoutNs);
    if (status == HostingStatus::Ok && !parameters_.empty())
        followReportedParameters();
    guiAfterCycle(status);
    return status;
}

HostingStatus HostedPlugin::beginGraphCycle(int32_t frames, bool* aapxsFramed) noexcept {
    if (!core_)
        return HostingStatus::InvalidState;
    flushPendingParameters();
    guiBeforeCycle(frames);
    return core_->instance->beginGraphCycle(frames, aapxsFramed);
}

HostingStatus HostedPlugin::endGraphCycle(HostingStatus status, bool started, bool outputMayHoldAapxs) noexcept {
    if (!core_)
        return HostingStatus::InvalidState;
    status = core_->instance->endGraphCycle(status, started, outputMayHoldAapxs);
    if (status == HostingStatus::Ok && !parameters_.empty())
        followReportedParameters();
    guiAfterCycle(status);
    return status;
}

std::shared_ptr<PluginInstanceEndpoint> HostedPlugin::endpoint() const noexcept { return share(core_, &Core::endpoint); }
std::shared_ptr<ExtensionClient> HostedPlugin::client() const noexcept { return share(core_, &Core::client); }
std::shared_ptr<ParametersProxy> HostedPlugin::parameters() const noexcept { return share(core_, &Core::parameters); }
std::shared_ptr<PresetsProxy> HostedPlugin::presets() const noexcept { return share(core_, &Core::presets); }
std::shared_ptr<StateProxy> HostedPlugin::state() const noexcept { return share(core_, &Core::state); }
std::shared_ptr<MidiProxy> HostedPlugin::midi() const noexcept { return share(core_, &Core::midi); }
std::shared_ptr<GuiProxy> HostedPlugin::gui() const noexcept { return share(core_, &Core::gui); }
std::shared_ptr<GuiV5Proxy> HostedPlugin::guiV5() const noexcept { return share(core_, &Core::guiV5); }
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
