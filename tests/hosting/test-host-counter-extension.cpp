#include "test-host-counter-extension.h"

#include <atomic>
#include <cstring>

namespace {

// Plugin side: one proxy per bound initiator instance, from a fixed pool (tests create few).
struct CounterProxy {
    aap_test_host_counter_extension_t typed;
    AAPXSInitiatorInstance* initiator;
    aap_test_host_counter_done_t done;
    void* user;
};
CounterProxy proxies[16];
std::atomic<int> proxiesUsed{0};

void proxyAdd(aap_test_host_counter_extension_t* ext, AndroidAudioPluginHost*, int32_t amount,
              aap_test_host_counter_done_t done, void* user) {
    auto* proxy = static_cast<CounterProxy*>(ext->aapxs_context);
    proxy->done = done;
    proxy->user = user;
    AAPXSInitiatorInstance* initiator = proxy->initiator;
    std::memcpy(initiator->serialization->data, &amount, sizeof(amount));
    initiator->serialization->data_size = sizeof(amount);
    AAPXSRequestContext request;
    std::memset(&request, 0, sizeof(request));
    request.callback_user_data = proxy;
    request.serialization = initiator->serialization;
    request.urid = initiator->urid;
    request.uri = AAP_TEST_HOST_COUNTER_URI;
    request.request_id = initiator->get_new_request_id(initiator);
    request.opcode = AAP_TEST_HOST_COUNTER_ADD;
    initiator->send_aapxs_request(initiator, &request);
}

void* proxyAsHostExtension(AAPXSExtensionServiceProxy* proxy) {
    return &static_cast<CounterProxy*>(proxy->aapxs_context)->typed;
}

AAPXSExtensionServiceProxy getHostExtensionProxy(AAPXSDefinition*, AAPXSInitiatorInstance* initiator,
                                                 AAPXSSerializationContext*) {
    AAPXSExtensionServiceProxy result;
    std::memset(&result, 0, sizeof(result));
    int index = proxiesUsed.fetch_add(1);
    if (index >= 16)
        return result;
    CounterProxy& proxy = proxies[index];
    proxy.typed.aapxs_context = &proxy;
    proxy.typed.add = proxyAdd;
    proxy.initiator = initiator;
    result.aapxs_context = &proxy;
    result.as_host_extension = proxyAsHostExtension;
    return result;
}

// Plugin side: the reply arrived.
void hostReply(AAPXSDefinition*, AAPXSInitiatorInstance*, AndroidAudioPluginHost*, AAPXSRequestContext* request) {
    auto* proxy = static_cast<CounterProxy*>(request->callback_user_data);
    int32_t total = 0;
    if (request->serialization->data_size == sizeof(total))
        std::memcpy(&total, request->serialization->data, sizeof(total));
    if (proxy->done != nullptr)
        proxy->done(proxy->user, total);
}

// Host side: a request arrived; call the host's implementation and reply with the total.
void storeTotal(void* user, int32_t total) { *static_cast<int32_t*>(user) = total; }

void hostRequest(AAPXSDefinition*, AAPXSRecipientInstance* recipient, AndroidAudioPluginHost* host,
                 AAPXSRequestContext* request) {
    auto* ext = static_cast<aap_test_host_counter_extension_t*>(host->get_extension(host, AAP_TEST_HOST_COUNTER_URI));
    AAPXSSerializationContext* s = request->serialization;
    if (ext == nullptr || request->opcode != AAP_TEST_HOST_COUNTER_ADD || s->data_size != sizeof(int32_t))
        return;  // no reply: the runtime answers with an error
    int32_t amount;
    std::memcpy(&amount, s->data, sizeof(amount));
    int32_t total = 0;
    ext->add(ext, host, amount, storeTotal, &total);
    std::memcpy(s->data, &total, sizeof(total));
    s->data_size = sizeof(total);
    recipient->send_aapxs_reply(recipient, request);
}

AAPXSDefinition makeDefinition() {
    AAPXSDefinition d;
    std::memset(&d, 0, sizeof(d));
    d.uri = AAP_TEST_HOST_COUNTER_URI;
    d.data_capacity = 64;
    d.process_incoming_host_aapxs_request = hostRequest;
    d.process_incoming_host_aapxs_reply = hostReply;
    d.get_host_extension_proxy = getHostExtensionProxy;
    return d;
}

} // namespace

const AAPXSDefinition* aap_test_host_counter_definition(void) {
    static const AAPXSDefinition definition = makeDefinition();
    return &definition;
}
