#include "plugin-side-aapxs.h"

#include <dlfcn.h>

#include <cstring>

#include "aapxs/plugin-aapxs-definitions.h"
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
#include "aap/ext-cpp/standard-extensions.h"
#endif
#include "aap/runtime/log.h"
#include "inline-aapxs-reply.h"

namespace aap {

void PluginSideAapxs::loadDefinitions(void* library, const std::string& libraryPath, AndroidAudioPluginHost* host) {
    loadExportedDefinitions(library, libraryPath);
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
    // After the library's own: a definition the plugin ships for a standard URI wins.
    RegistryError error = registerStandardExtensions(registry_);
    if (error != RegistryError::None)
        log(LogLevel::Error, std::string{"standard AAPXS definitions: "} + toString(error));
#endif
    buildHostBindings(host);
}

void PluginSideAapxs::loadExportedDefinitions(void* library, const std::string& libraryPath) {
    void* symbol = ::dlsym(library, AAP_PLUGIN_AAPXS_DEFINITIONS_SYMBOL);
    if (symbol == nullptr)
        return;
    auto get = reinterpret_cast<aap_plugin_get_aapxs_definitions_t>(symbol);
    int32_t count = 0;
    const AAPXSDefinition* definitions = get(&count);
    if (definitions == nullptr || count < 0 || count > 1024) {
        log(LogLevel::Warning, libraryPath + ": " + AAP_PLUGIN_AAPXS_DEFINITIONS_SYMBOL +
                                   " returned an invalid array; none of its definitions is used");
        return;
    }
    for (int32_t i = 0; i < count; i++) {
        RegistryError error = registry_.add(definitions[i]);
        if (error != RegistryError::None)
            log(LogLevel::Warning, libraryPath + ": AAPXS definition " + std::to_string(i) +
                                       " skipped: " + toString(error));
    }
}

HostingStatus PluginSideAapxs::dispatch(AndroidAudioPlugin* plugin, const std::string& uri, int32_t opcode,
                                        uint32_t requestId, uint8_t* block, uint32_t capacity, uint32_t requestSize,
                                        uint32_t* replySize) {
    AAPXSDefinition* definition = registry_.findByUri(uri);
    if (definition == nullptr)
        return HostingStatus::NotFound;
    if (opcode < 0 || definition->process_incoming_plugin_aapxs_request == nullptr)
        return HostingStatus::Unsupported;
    if (requestSize > capacity)
        return HostingStatus::InvalidArgument;
    // The block is the definition's data_capacity or the host's size, whichever is smaller.
    const uint32_t usable = definition->data_capacity > 0 && static_cast<uint32_t>(definition->data_capacity) < capacity
                                ? static_cast<uint32_t>(definition->data_capacity)
                                : capacity;
    if (requestSize > usable)
        return HostingStatus::CapacityExceeded;
    return runInlineAapxsRequest(definition, block, requestSize, usable, requestId, opcode, replySize,
                                 [&](AAPXSRecipientInstance* recipient, AAPXSRequestContext* request) {
                                     definition->process_incoming_plugin_aapxs_request(definition, recipient, plugin,
                                                                                       request);
                                 });
}

void PluginSideAapxs::buildHostBindings(AndroidAudioPluginHost* host) {
    if (!hostBindings_.empty() || host == nullptr)
        return;  // once per instance: hostExtension may already be handing these out
    hostBindings_.reserve(registry_.size());
    for (size_t i = 0; i < registry_.size(); i++) {
        AAPXSDefinition* definition = registry_.at(i);
        if (definition == nullptr || definition->get_host_extension_proxy == nullptr || definition->data_capacity <= 0)
            continue;
        auto binding = std::make_unique<HostBinding>();
        binding->owner = this;
        binding->definition = definition;
        binding->host = host;
        binding->block.resize(static_cast<size_t>(definition->data_capacity));
        binding->serialization = AAPXSSerializationContext{binding->block.data(), 0, binding->block.size()};
        binding->routed.host_context = binding.get();
        binding->routed.serialization = &binding->serialization;
        binding->routed.get_new_request_id = &PluginSideAapxs::newHostRequestId;
        binding->routed.send_aapxs_request = &PluginSideAapxs::routeHostRequest;
        binding->session.serialization = &binding->serialization;
        // Bound to the realtime session at startSession (no session exists yet).
        AAPXSExtensionServiceProxy proxy =
            definition->get_host_extension_proxy(definition, &binding->routed, &binding->serialization);
        binding->typed = proxy.as_host_extension != nullptr ? proxy.as_host_extension(&proxy) : nullptr;
        if (binding->typed != nullptr)
            hostBindings_.push_back(std::move(binding));
    }
}

void* PluginSideAapxs::hostExtension(const char* uri, AndroidAudioPluginHost* host) const noexcept {
    if (uri == nullptr)
        return nullptr;
    const AAPXSDefinition* definition = registry_.findByUri(uri);
    if (definition == nullptr)
        return nullptr;
    for (const auto& binding : hostBindings_)
        if (binding->definition == definition)
            return binding->host == host ? binding->typed : nullptr;
    return nullptr;
}

HostingStatus PluginSideAapxs::mapUrid(const std::string& uri, uint8_t urid) noexcept {
    if (recipient_)
        return HostingStatus::InvalidState;  // the audio thread reads the table while a session runs
    if (urid == UridTable::kUnmapped)
        return HostingStatus::InvalidArgument;
    AAPXSDefinition* definition = registry_.findByUri(uri);
    if (definition == nullptr)
        return HostingStatus::NotFound;
    if (urids_.find(urid) == definition)
        return HostingStatus::Ok;
    return urids_.assign(urid, definition) == UridError::None ? HostingStatus::Ok : HostingStatus::InvalidArgument;
}

uint32_t PluginSideAapxs::newHostRequestId(AAPXSInitiatorInstance* instance) {
    return static_cast<HostBinding*>(instance->host_context)->nextRequestId.fetch_add(1);
}

bool PluginSideAapxs::routeHostRequest(AAPXSInitiatorInstance* instance, AAPXSRequestContext* context) {
    if (instance == nullptr || context == nullptr || context->serialization == nullptr)
        return false;
    auto* binding = static_cast<HostBinding*>(instance->host_context);
    PluginSideAapxs* owner = binding->owner;
    if (owner->active_.load(std::memory_order_acquire)) {
        // Active: SysEx8 in the MIDI2 output; the reply completes in a later cycle. submitted_
        // tells the audio thread's next afterProcess to write it.
        if (!binding->sessionBound || !binding->session.send_aapxs_request(&binding->session, context))
            return false;
        owner->submitted_.fetch_add(1, std::memory_order_release);
        return true;
    }
    // Not active: a synchronous round trip on the control channel, from the main thread only.
    if (!owner->sender_ || std::this_thread::get_id() != owner->mainThread_)
        return false;
    AAPXSSerializationContext* serialization = context->serialization;
    if (serialization->data_size > serialization->data_capacity || serialization->data_capacity > UINT32_MAX)
        return false;
    uint32_t replySize = 0;
    HostingStatus status = owner->sender_(binding->definition->uri, context->opcode, context->request_id,
                                          static_cast<uint8_t*>(serialization->data),
                                          static_cast<uint32_t>(serialization->data_size),
                                          static_cast<uint32_t>(serialization->data_capacity), &replySize);
    if (status == HostingStatus::Offline || status == HostingStatus::ResourceFailed)
        return false;  // could not be sent: no callback fires
    if (status != HostingStatus::Ok) {
        if (context->error_callback != nullptr)
            context->error_callback(context->callback_user_data, binding->host, hostingStatusMessage(status));
        return true;
    }
    serialization->data_size = replySize;
    AAPXSDefinition* definition = binding->definition;
    if (definition->process_incoming_host_aapxs_reply != nullptr)
        definition->process_incoming_host_aapxs_reply(definition, instance, binding->host, context);
    else if (context->callback != nullptr)
        context->callback(context->callback_user_data, binding->host);
    return true;
}

HostingStatus PluginSideAapxs::startSession(AndroidAudioPlugin* plugin) {
    if (!hasDefinitions() || recipient_)
        return HostingStatus::Ok;
    auto worker = std::make_unique<NonRealtimeWorker>();
    if (!worker->start())
        return HostingStatus::ResourceFailed;
    RecipientSession::Options options;
    options.side = SessionSide::Plugin;
    options.registry = &registry_;
    options.urids = &urids_;
    options.worker = worker.get();
    options.pluginOrHost = plugin;
    SessionError error = SessionError::None;
    auto recipient = RecipientSession::create(options, &error);
    if (!recipient) {
        log(LogLevel::Error, std::string{"could not create the AAPXS recipient session: "} + toString(error));
        worker->stop();
        return HostingStatus::ResourceFailed;
    }
    InitiatorSession::Options initiatorOptions;
    initiatorOptions.side = SessionSide::Plugin;
    initiatorOptions.maxInFlight = 64;
    initiatorOptions.maxDataSize = recipient->maxDataSize();
    // aapxs.h tags reply handlers and completion callbacks [main-thread]: deliver them on the
    // worker (woken once per cycle by afterProcess), never on the plugin's audio thread.
    initiatorOptions.callbackWorker = worker.get();
    auto initiator = InitiatorSession::create(initiatorOptions, &error);
    if (!initiator) {
        log(LogLevel::Error, std::string{"could not create the AAPXS host-extension session: "} + toString(error));
        worker->stop();
        return HostingStatus::ResourceFailed;
    }
    for (auto& binding : hostBindings_)
        binding->sessionBound = initiator->bindInitiatorInstance(&binding->session, binding->definition, binding->host, 0);
    worker_ = std::move(worker);
    recipient_ = std::move(recipient);
    hostInitiator_ = std::move(initiator);
    traffic_ = repliesOwed_ = requestsInFlight_ = false;
    submittedSeen_ = submitted_.load(std::memory_order_relaxed);
    return HostingStatus::Ok;
}

void PluginSideAapxs::stopSession() {
    active_.store(false, std::memory_order_release);
    // The worker goes first: it cancels queued tasks (error replies) while the session still exists.
    if (worker_)
        worker_->stop();
    // Host-extension requests still in flight fail now, exactly once, on this thread.
    if (hostInitiator_)
        hostInitiator_->cancelAll(RequestStatus::Cancelled);
    for (auto& binding : hostBindings_)
        binding->sessionBound = false;
    hostInitiator_.reset();
    recipient_.reset();
    worker_.reset();
}

} // namespace aap
