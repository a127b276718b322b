#pragma once
// Plugin-side proxies of host extensions (private to aap::ext): the typed struct a plugin gets
// from host->get_extension(uri), whose calls become AAPXS requests through the
// AAPXSInitiatorInstance the runtime gave get_host_extension_proxy.
//
// The runtime keeps one AAPXSInitiatorInstance per instance and extension for the instance's
// lifetime, and AAPXSDefinition has no "proxy released" hook, so proxies live in a table keyed by
// that instance pointer: a proxy holds nothing but the key, so when the runtime reuses an address
// for a later instance the same proxy is correct for it too. The table grows only with the number
// of distinct instance addresses ever seen. get_host_extension_proxy is [main-thread]; the table
// is locked there only, never on the notification path.

#include <memory>
#include <mutex>
#include <unordered_map>

#include "aapxs/aapxs.h"

namespace aap::ext_detail {

template <typename Typed>
struct HostExtensionProxy {
    Typed typed{};  // first member: the struct the plugin receives
    AAPXSInitiatorInstance* instance = nullptr;
};

template <typename Typed>
HostExtensionProxy<Typed>* hostExtensionProxyFor(AAPXSInitiatorInstance* instance) {
    static std::mutex* mutex = new std::mutex();  // never destroyed: plugins may outlive statics
    static auto* table = new std::unordered_map<AAPXSInitiatorInstance*, std::unique_ptr<HostExtensionProxy<Typed>>>();
    std::lock_guard<std::mutex> lock(*mutex);
    auto& slot = (*table)[instance];
    if (!slot) {
        slot = std::make_unique<HostExtensionProxy<Typed>>();
        slot->instance = instance;
        slot->typed.aapxs_context = slot.get();
    }
    return slot.get();
}

// as_host_extension of these proxies: the typed struct (aapxs_context points at the proxy, whose first
// member it is).
inline void* asHostExtension(AAPXSExtensionServiceProxy* proxy) { return proxy->aapxs_context; }

// get_host_extension_proxy of an extension whose host side is a HostExtensionProxy<Typed>: Wire sets
// the typed struct's function pointers (the same ones every time, so calling it again is harmless).
// What host->get_extension(uri) returns on the plugin side.
template <typename Typed, void (*Wire)(Typed&)>
AAPXSExtensionServiceProxy hostExtensionServiceProxy(AAPXSDefinition*, AAPXSInitiatorInstance* instance,
                                                     AAPXSSerializationContext*) {
    if (instance == nullptr)
        return AAPXSExtensionServiceProxy{nullptr, nullptr};
    HostExtensionProxy<Typed>* proxy = hostExtensionProxyFor<Typed>(instance);
    Wire(proxy->typed);
    return AAPXSExtensionServiceProxy{&proxy->typed, &asHostExtension};
}

// Sends a host-extension request without data and without waiting for its (empty) reply.
// [thread-safe], realtime-safe as far as the runtime's send_aapxs_request is (it is while active).
inline void sendNotification(AAPXSInitiatorInstance* instance, const char* uri, int32_t opcode) noexcept {
    if (instance == nullptr || instance->send_aapxs_request == nullptr)
        return;
    // Notifications carry no data; a context of our own keeps the shared block untouched.
    unsigned char scratch[16];
    AAPXSSerializationContext serialization{scratch, 0, sizeof(scratch)};
    AAPXSRequestContext context{};
    context.serialization = &serialization;
    context.urid = instance->urid;
    context.uri = uri;
    context.opcode = opcode;
    context.request_id = instance->get_new_request_id != nullptr ? instance->get_new_request_id(instance) : 0;
    (void)instance->send_aapxs_request(instance, &context);
}

} // namespace aap::ext_detail
