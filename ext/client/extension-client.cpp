#include "aap/ext-cpp/extension-client.h"

#include <chrono>
#include <cstring>
#include <new>
#include <thread>

#include "aap/runtime/aapxs-wire.h"

namespace aap {

const char* toString(ExtensionError error) noexcept {
    switch (error) {
    case ExtensionError::None: return "no error";
    case ExtensionError::NotAvailable: return "the instance cannot take extension calls in its current state";
    case ExtensionError::NotImplemented: return "the plugin does not implement this extension or operation";
    case ExtensionError::UnknownExtension: return "the plugin side has no AAPXS definition for this extension";
    case ExtensionError::Timeout: return "no reply before the deadline";
    case ExtensionError::Cancelled: return "cancelled: the instance went offline or was destroyed";
    case ExtensionError::Busy: return "too many extension requests in flight";
    case ExtensionError::TooLarge: return "request or reply too large for the serialization block";
    case ExtensionError::MalformedReply: return "the reply does not decode";
    case ExtensionError::InvalidArgument: return "invalid argument";
    case ExtensionError::TransportFailed: return "the transport failed";
    case ExtensionError::OutOfMemory: return "out of memory";
    case ExtensionError::Closed: return "the hosted plugin was closed: this proxy outlived it";
    }
    return "unknown extension error";
}

ExtensionError extensionErrorOf(const RequestCompletion& completion) noexcept {
    switch (completion.status) {
    case RequestStatus::Completed: return ExtensionError::None;
    case RequestStatus::TimedOut: return ExtensionError::Timeout;
    case RequestStatus::Cancelled: return ExtensionError::Cancelled;
    case RequestStatus::SendFailed: return ExtensionError::TooLarge;
    case RequestStatus::ErrorReply:
        switch (static_cast<AapxsReplyError>(completion.errorCode)) {
        case AapxsReplyError::UnknownExtension: return ExtensionError::UnknownExtension;
        case AapxsReplyError::NotHandled: return ExtensionError::NotImplemented;
        case AapxsReplyError::RequestTooLarge:
        case AapxsReplyError::ReplyTooLarge: return ExtensionError::TooLarge;
        case AapxsReplyError::Busy: return ExtensionError::Busy;
        case AapxsReplyError::ShuttingDown: return ExtensionError::Cancelled;
        default: return ExtensionError::MalformedReply;
        }
    }
    return ExtensionError::MalformedReply;
}

namespace {
// Record states. A sync waiter and the completion race on them with one compare-and-swap each.
constexpr std::uint32_t kWaiting = 0;
constexpr std::uint32_t kDone = 1;
constexpr std::uint32_t kAbandoned = 2;
// How long a sync waiter sleeps between looks at its record.
constexpr auto kWaitStep = std::chrono::microseconds(50);
// The runtime's own deadline is a little later than the waiter's, so a waiter that gives up
// always leaves a request that the runtime still completes (and so recycles) exactly once.
constexpr std::int64_t kRuntimeGraceNs = 500'000'000;
} // namespace

struct ExtensionClient::Record {
    ExtensionClient* owner = nullptr;
    std::uint32_t index = 0;
    bool async = false;
    AsyncCompletion completion;
    std::atomic<std::uint32_t> state{kWaiting};
    // Sync calls: the outcome, written by the completing thread before state turns kDone.
    ExtensionError error = ExtensionError::None;
    std::uint8_t* buffer = nullptr;
    std::size_t size = 0;
};

ExtensionClient::ExtensionClient(ExtensionEndpoint& endpoint, const Options& options)
    : endpoint_(endpoint), options_(options), free_(static_cast<std::uint32_t>(options.maxPendingCalls)) {}

ExtensionClient::~ExtensionClient() = default;

std::unique_ptr<ExtensionClient> ExtensionClient::create(ExtensionEndpoint& endpoint, const Options& options) noexcept {
    if (options.maxPendingCalls == 0 || options.maxPendingCalls > 65535 || options.defaultTimeoutNs <= 0)
        return nullptr;
    std::unique_ptr<ExtensionClient> client{new (std::nothrow) ExtensionClient(endpoint, options)};
    if (!client)
        return nullptr;
    client->recordCapacity_ = endpoint.realtimeCapacity();
    client->records_.reset(new (std::nothrow) Record[options.maxPendingCalls]);
    client->buffers_.reset(new (std::nothrow) std::uint8_t[options.maxPendingCalls * (client->recordCapacity_ + 1)]);
    if (!client->records_ || !client->buffers_)
        return nullptr;
    for (std::size_t i = 0; i < options.maxPendingCalls; i++) {
        Record& record = client->records_[i];
        record.owner = client.get();
        record.index = static_cast<std::uint32_t>(i);
        record.buffer = client->buffers_.get() + i * (client->recordCapacity_ + 1);
    }  // free_ starts with every index free
    return client;
}

std::size_t ExtensionClient::capacity(std::string_view uri) const noexcept {
    switch (endpoint_.route()) {
    case ExtensionRoute::Control: return endpoint_.controlCapacity(uri);
    case ExtensionRoute::Realtime: return endpoint_.realtimeCapacity();
    case ExtensionRoute::Unavailable:
    case ExtensionRoute::Closed: return 0;
    }
    return 0;
}

void ExtensionClient::release(std::uint32_t index) noexcept {
    free_.push(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
}

void ExtensionClient::completeRealtime(void* user, const RequestCompletion& completion) noexcept {
    auto* record = static_cast<Record*>(user);
    ExtensionClient* self = record->owner;
    const ExtensionError error = extensionErrorOf(completion);
    if (record->async) {
        const AsyncCompletion target = record->completion;
        self->release(record->index);
        target.decode(target, error, completion.data, error == ExtensionError::None ? completion.dataSize : 0);
        return;
    }
    // The buffer is only ever read by a waiter that saw kDone; an abandoned record is just freed.
    if (record->state.load(std::memory_order_acquire) == kWaiting) {
        record->error = error;
        record->size = 0;
        if (error == ExtensionError::None) {
            if (completion.dataSize > self->recordCapacity_) {
                record->error = ExtensionError::TooLarge;
            } else {
                if (completion.dataSize > 0)
                    std::memcpy(record->buffer, completion.data, completion.dataSize);
                record->size = completion.dataSize;
            }
        }
    }
    std::uint32_t expected = kWaiting;
    if (!record->state.compare_exchange_strong(expected, kDone, std::memory_order_acq_rel))
        self->release(record->index);  // the waiter gave up: nobody will read the outcome
}

ExtensionError ExtensionClient::callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                                            std::size_t requestSize, std::vector<std::uint8_t>* reply,
                                            std::int64_t timeoutNs) {
    const std::size_t capacity = endpoint_.controlCapacity(uri);
    if (capacity == 0)
        return ExtensionError::NotAvailable;
    if (requestSize > capacity)
        return ExtensionError::TooLarge;
    std::lock_guard<std::mutex> lock(controlMutex_);
    try {
        reply->resize(capacity);
    } catch (const std::bad_alloc&) {
        return ExtensionError::OutOfMemory;
    }
    std::size_t replySize = 0;
    ExtensionError error =
        endpoint_.callControl(uri, opcode, request, requestSize, reply->data(), capacity, &replySize, timeoutNs);
    reply->resize(error == ExtensionError::None && replySize <= capacity ? replySize : 0);
    return error;
}

ExtensionError ExtensionClient::call(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                                     std::size_t requestSize, std::vector<std::uint8_t>* reply, std::int64_t timeoutNs) {
    if (reply == nullptr || (request == nullptr && requestSize > 0) || uri.empty())
        return ExtensionError::InvalidArgument;
    reply->clear();
    const std::int64_t timeout = timeoutOf(timeoutNs);
    switch (endpoint_.route()) {
    case ExtensionRoute::Unavailable: return ExtensionError::NotAvailable;
    case ExtensionRoute::Closed: return ExtensionError::Closed;
    case ExtensionRoute::Control: return callControl(uri, opcode, request, requestSize, reply, timeout);
    case ExtensionRoute::Realtime: break;
    }
    if (requestSize > recordCapacity_)
        return ExtensionError::TooLarge;
    const std::uint32_t index = free_.pop();
    if (index == IndexFreeList::kEmpty)
        return ExtensionError::Busy;
    pending_.fetch_add(1, std::memory_order_acq_rel);
    Record& record = records_[index];
    record.async = false;
    record.error = ExtensionError::None;
    record.size = 0;
    record.state.store(kWaiting, std::memory_order_release);

    InitiatorSession::Request submitted;
    submitted.uri = uri.data();
    submitted.uriSize = uri.size();
    submitted.opcode = opcode;
    submitted.data = request;
    submitted.dataSize = requestSize;
    submitted.timeoutNs = timeout + kRuntimeGraceNs;
    submitted.onComplete = &ExtensionClient::completeRealtime;
    submitted.user = &record;
    const ExtensionError submitError = endpoint_.submitRealtime(submitted);
    if (submitError != ExtensionError::None) {
        release(index);
        return submitError;
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout);
    while (record.state.load(std::memory_order_acquire) == kWaiting) {
        if (std::chrono::steady_clock::now() >= deadline) {
            std::uint32_t expected = kWaiting;
            if (record.state.compare_exchange_strong(expected, kAbandoned, std::memory_order_acq_rel))
                return ExtensionError::Timeout;  // the completion recycles the record
            break;  // completed right now
        }
        std::this_thread::sleep_for(kWaitStep);
    }
    ExtensionError error = record.error;
    if (error == ExtensionError::None) {
        try {
            reply->assign(record.buffer, record.buffer + record.size);
        } catch (const std::bad_alloc&) {
            error = ExtensionError::OutOfMemory;
        }
    }
    release(index);
    return error;
}

void ExtensionClient::callAsync(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                                std::size_t requestSize, const AsyncCompletion& completion, std::int64_t timeoutNs) {
    if (completion.decode == nullptr)
        return;
    auto failNow = [&completion](ExtensionError error) { completion.decode(completion, error, nullptr, 0); };
    if ((request == nullptr && requestSize > 0) || uri.empty())
        return failNow(ExtensionError::InvalidArgument);
    const std::int64_t timeout = timeoutOf(timeoutNs);
    switch (endpoint_.route()) {
    case ExtensionRoute::Unavailable: return failNow(ExtensionError::NotAvailable);
    case ExtensionRoute::Closed: return failNow(ExtensionError::Closed);
    case ExtensionRoute::Control: {
        std::vector<std::uint8_t> reply;
        const ExtensionError error = callControl(uri, opcode, request, requestSize, &reply, timeout);  // no-throw
        completion.decode(completion, error, reply.data(), error == ExtensionError::None ? reply.size() : 0);
        return;
    }
    case ExtensionRoute::Realtime: break;
    }
    if (requestSize > recordCapacity_)
        return failNow(ExtensionError::TooLarge);
    const std::uint32_t index = free_.pop();
    if (index == IndexFreeList::kEmpty)
        return failNow(ExtensionError::Busy);
    pending_.fetch_add(1, std::memory_order_acq_rel);
    Record& record = records_[index];
    record.async = true;
    record.completion = completion;
    InitiatorSession::Request submitted;
    submitted.uri = uri.data();
    submitted.uriSize = uri.size();
    submitted.opcode = opcode;
    submitted.data = request;
    submitted.dataSize = requestSize;
    submitted.timeoutNs = timeout;
    submitted.onComplete = &ExtensionClient::completeRealtime;
    submitted.user = &record;
    const ExtensionError submitError = endpoint_.submitRealtime(submitted);
    if (submitError != ExtensionError::None) {
        release(index);
        failNow(submitError);
    }
}

} // namespace aap
