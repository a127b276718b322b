#include "plugin-side-aapxs.h"

#include <dlfcn.h>

#include <cstdio>

#include "aap/hosting/plugin-aapxs-definitions.h"

namespace aap {

void PluginSideAapxs::loadDefinitions(void* library, const std::string& libraryPath) {
    void* symbol = ::dlsym(library, AAP_PLUGIN_AAPXS_DEFINITIONS_SYMBOL);
    if (symbol == nullptr)
        return;
    auto get = reinterpret_cast<aap_plugin_get_aapxs_definitions_t>(symbol);
    int32_t count = 0;
    const AAPXSDefinition* definitions = get(&count);
    if (definitions == nullptr || count < 0 || count > 1024) {
        std::fprintf(stderr, "aap hosting: %s: %s returned an invalid array\n", libraryPath.c_str(),
                     AAP_PLUGIN_AAPXS_DEFINITIONS_SYMBOL);
        return;
    }
    for (int32_t i = 0; i < count; i++) {
        RegistryError error = registry_.add(definitions[i]);
        if (error != RegistryError::None)
            std::fprintf(stderr, "aap hosting: %s: AAPXS definition %d skipped: %s\n", libraryPath.c_str(), i,
                         toString(error));
    }
}

namespace {

struct InlineReply {
    bool replied = false;
    uint32_t size = 0;
};

void recordInlineReply(AAPXSRecipientInstance* instance, AAPXSRequestContext* context) {
    auto* reply = static_cast<InlineReply*>(instance->host_context);
    if (reply->replied)
        return;  // exactly once
    reply->replied = true;
    reply->size = static_cast<uint32_t>(context->serialization->data_size);
}

} // namespace

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
    AAPXSSerializationContext serialization{block, requestSize, usable};
    InlineReply reply;
    AAPXSRecipientInstance recipient{definition->aapxs_context, &reply, &serialization, &recordInlineReply};
    AAPXSRequestContext request{};
    request.serialization = &serialization;
    request.uri = definition->uri;
    request.request_id = requestId;
    request.opcode = opcode;
    definition->process_incoming_plugin_aapxs_request(definition, &recipient, plugin, &request);
    if (!reply.replied)
        return HostingStatus::Unsupported;
    if (reply.size > usable)
        return HostingStatus::CapacityExceeded;
    *replySize = reply.size;
    return HostingStatus::Ok;
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
        std::fprintf(stderr, "aap hosting: could not create the AAPXS recipient session: %s\n", toString(error));
        worker->stop();
        return HostingStatus::ResourceFailed;
    }
    worker_ = std::move(worker);
    recipient_ = std::move(recipient);
    return HostingStatus::Ok;
}

void PluginSideAapxs::stopSession() {
    // The worker goes first: it cancels queued tasks (error replies) while the session still exists.
    if (worker_)
        worker_->stop();
    recipient_.reset();
    worker_.reset();
}

} // namespace aap
