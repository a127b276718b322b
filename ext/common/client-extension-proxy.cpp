// The endpoint behind get_plugin_extension_proxy (client-extension-proxy.h).

#include "client-extension-proxy.h"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <new>
#include <vector>

namespace aap::ext_detail {

namespace {

// One sent request. Two owners: the waiting caller and the runtime's callback (exactly one of
// callback / error_callback fires for a request send_aapxs_request accepted); the last one to let
// go deletes it, so a caller that timed out never leaves the callback a dangling pointer.
struct PendingReply {
    std::mutex mutex;
    std::condition_variable done;
    int owners = 2;
    bool completed = false;
    ExtensionError error = ExtensionError::None;
    AAPXSSerializationContext* serialization = nullptr;
    std::vector<std::uint8_t> reply;

    // Returns true when the caller must delete (it was the last owner).
    bool letGo(std::unique_lock<std::mutex>& lock) {
        const bool last = --owners == 0;
        lock.unlock();
        return last;
    }
};

// `from` (null for an error) holds the reply.
void finish(PendingReply* pending, ExtensionError error, const AAPXSSerializationContext* from) {
    std::unique_lock<std::mutex> lock(pending->mutex);
    if (!pending->completed) {
        pending->completed = true;
        pending->error = error;
        if (from != nullptr) {
            const AAPXSSerializationContext* s = from;
            const std::size_t size = s->data_size < s->data_capacity ? s->data_size : s->data_capacity;
            try {
                const auto* bytes = static_cast<const std::uint8_t*>(s->data);
                pending->reply.assign(bytes, bytes + size);
            } catch (const std::bad_alloc&) {
                pending->error = ExtensionError::OutOfMemory;
            }
        }
        pending->done.notify_all();
    }
    if (pending->letGo(lock))
        delete pending;
}

// A runtime that fires the callback itself leaves the reply in the instance's block; one that
// calls process_incoming_plugin_aapxs_reply passes the block it holds (forwardClientReply).
void onReply(void* context, void*) {
    auto* pending = static_cast<PendingReply*>(context);
    finish(pending, ExtensionError::None, pending->serialization);
}
void onError(void* context, void*, const char*) {
    finish(static_cast<PendingReply*>(context), ExtensionError::TransportFailed, nullptr);
}

} // namespace

void InitiatorEndpoint::bind(AAPXSInitiatorInstance* instance, AAPXSSerializationContext* serialization) noexcept {
    instance_.store(instance);
    serialization_.store(serialization);
}

ExtensionRoute InitiatorEndpoint::route() const noexcept {
    AAPXSInitiatorInstance* instance = instance_.load();
    AAPXSSerializationContext* serialization = serialization_.load();
    if (instance == nullptr || instance->send_aapxs_request == nullptr || serialization == nullptr ||
        serialization->data == nullptr)
        return ExtensionRoute::Unavailable;
    return ExtensionRoute::Control;
}

std::size_t InitiatorEndpoint::controlCapacity(std::string_view) const noexcept {
    return route() == ExtensionRoute::Control ? serialization_.load()->data_capacity : 0;
}

ExtensionError InitiatorEndpoint::callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                                              std::size_t requestSize, std::uint8_t* reply,
                                              std::size_t replyCapacity, std::size_t* replySize,
                                              std::int64_t timeoutNs) {
    if (route() != ExtensionRoute::Control)
        return ExtensionError::NotAvailable;
    AAPXSInitiatorInstance* instance = instance_.load();
    AAPXSSerializationContext* serialization = serialization_.load();
    if (requestSize > serialization->data_capacity)
        return ExtensionError::TooLarge;
    auto* pending = new (std::nothrow) PendingReply();
    if (pending == nullptr)
        return ExtensionError::OutOfMemory;
    pending->serialization = serialization;
    if (requestSize > 0)
        std::memcpy(serialization->data, request, requestSize);
    serialization->data_size = requestSize;
    AAPXSRequestContext context{};
    context.callback = &onReply;
    context.callback_user_data = pending;
    context.serialization = serialization;
    context.urid = instance->urid;
    context.uri = uri.data();  // the extension URI macros: NUL-terminated, static
    context.request_id = instance->get_new_request_id != nullptr ? instance->get_new_request_id(instance) : 0;
    context.opcode = opcode;
    context.error_callback = &onError;
    if (!instance->send_aapxs_request(instance, &context)) {
        delete pending;  // no callback will fire
        return ExtensionError::TransportFailed;
    }
    std::unique_lock<std::mutex> lock(pending->mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeoutNs);
    pending->done.wait_until(lock, deadline, [&] { return pending->completed; });
    ExtensionError error = pending->completed ? pending->error : ExtensionError::Timeout;
    if (error == ExtensionError::None) {
        if (pending->reply.size() > replyCapacity) {
            error = ExtensionError::MalformedReply;
        } else {
            if (!pending->reply.empty())
                std::memcpy(reply, pending->reply.data(), pending->reply.size());
            *replySize = pending->reply.size();
        }
    }
    if (pending->letGo(lock))
        delete pending;
    return error;
}

void forwardClientReply(AAPXSDefinition*, AAPXSInitiatorInstance*, AndroidAudioPlugin* plugin,
                        AAPXSRequestContext* request) {
    if (request == nullptr || request->callback == nullptr)
        return;
    if (request->callback == &onReply && request->serialization != nullptr) {
        finish(static_cast<PendingReply*>(request->callback_user_data), ExtensionError::None, request->serialization);
        return;
    }
    request->callback(request->callback_user_data, plugin);
}

void* noPluginExtension(AAPXSExtensionClientProxy*) { return nullptr; }

} // namespace aap::ext_detail
