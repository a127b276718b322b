#pragma once
// Host-side C proxies of plugin extensions in the AAP 0.8 style (private to aap::ext): what a
// definition's get_plugin_extension_proxy returns. The typed struct (aap_parameters_extension_t*,
// ...) is the same one asPluginExtension() gives, on an ExtensionClient whose endpoint sends every
// call through the runtime's AAPXSInitiatorInstance (send_aapxs_request) and waits for the reply
// that the definition's process_incoming_plugin_aapxs_reply (forwardClientReply) delivers.
//
// Calls are sync ([main-thread]: never on the thread that must deliver the reply, e.g. the one
// calling process() while active, or it times out). The runtime keeps one AAPXSInitiatorInstance
// per instance and extension for the instance's lifetime and aapxs.h has no "proxy released" hook,
// so proxies live in a table keyed by that pointer, like the host-extension proxies
// (host-extension-proxy.h): one entry per distinct address, reused when the address is (an entry
// holds nothing of the instance but the pointers, refreshed at every get_plugin_extension_proxy).

#include <memory>
#include <mutex>
#include <unordered_map>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/extension-endpoint.h"
#include "aapxs/aapxs.h"

namespace aap::ext_detail {

class InitiatorEndpoint final : public ExtensionEndpoint {
public:
    void bind(AAPXSInitiatorInstance* instance, AAPXSSerializationContext* serialization) noexcept;

    ExtensionRoute route() const noexcept override;
    ExtensionError callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                               std::size_t requestSize, std::uint8_t* reply, std::size_t replyCapacity,
                               std::size_t* replySize, std::int64_t timeoutNs) override;
    std::size_t controlCapacity(std::string_view uri) const noexcept override;
    ExtensionError submitRealtime(const InitiatorSession::Request&) noexcept override {
        return ExtensionError::NotAvailable;  // every call takes callControl: the runtime routes it
    }
    std::size_t realtimeCapacity() const noexcept override { return 0; }

private:
    std::atomic<AAPXSInitiatorInstance*> instance_{nullptr};
    std::atomic<AAPXSSerializationContext*> serialization_{nullptr};
};

// process_incoming_plugin_aapxs_reply of the definitions that offer client proxies: the reply is in
// request->serialization; fire the request's callback (the proxy's waiter, or whoever sent it).
void forwardClientReply(AAPXSDefinition* definition, AAPXSInitiatorInstance* instance, AndroidAudioPlugin* plugin,
                        AAPXSRequestContext* request);

void* noPluginExtension(AAPXSExtensionClientProxy*);

// get_plugin_extension_proxy for a typed proxy class with asPluginExtension(). On failure (null
// instance, out of memory) as_plugin_extension returns null.
template <typename Proxy>
AAPXSExtensionClientProxy clientExtensionProxy(AAPXSDefinition*, AAPXSInitiatorInstance* instance,
                                               AAPXSSerializationContext* serialization) {
    struct Entry {
        InitiatorEndpoint endpoint;
        std::unique_ptr<ExtensionClient> client;
        std::unique_ptr<Proxy> proxy;
    };
    AAPXSExtensionClientProxy result{nullptr, &noPluginExtension};
    if (instance == nullptr)
        return result;
    static std::mutex* mutex = new std::mutex();  // never destroyed: hosts may outlive statics
    static auto* table = new std::unordered_map<AAPXSInitiatorInstance*, std::unique_ptr<Entry>>();
    try {
        std::lock_guard<std::mutex> lock(*mutex);
        auto& slot = (*table)[instance];
        if (!slot) {
            auto entry = std::make_unique<Entry>();
            ExtensionClient::Options options;
            options.maxPendingCalls = 1;  // no realtime records: every call is a control call
            entry->client = ExtensionClient::create(entry->endpoint, options);
            if (!entry->client)
                return result;
            entry->proxy = std::make_unique<Proxy>(*entry->client);
            slot = std::move(entry);
        }
        slot->endpoint.bind(instance, serialization != nullptr ? serialization : instance->serialization);
        result.aapxs_context = slot.get();
        result.as_plugin_extension = [](AAPXSExtensionClientProxy* proxy) -> void* {
            return proxy == nullptr || proxy->aapxs_context == nullptr
                       ? nullptr
                       : static_cast<Entry*>(proxy->aapxs_context)->proxy->asPluginExtension();
        };
    } catch (...) {
        return AAPXSExtensionClientProxy{nullptr, &noPluginExtension};
    }
    return result;
}

} // namespace aap::ext_detail
