#pragma once
// aap::ExtensionClient: synchronous and asynchronous extension calls on one ExtensionEndpoint,
// routed by the instance state (docs/spec/abi.md section 4). The typed proxies (presets.h,
// parameters.h, ...) serialize their arguments and decode replies on top of it.
//
// Sync calls ([non-realtime], any thread, several threads at once):
//   - instance not active: the control path, serialized per client by a mutex;
//   - instance active: the request is queued into the next process() cycles and the caller waits
//     (sleeping in short steps, never spinning) until the process() thread delivers the reply, or
//     until the timeout. A sync call must therefore never be made from the thread that calls
//     process(): it would wait for itself (it times out; it does not hang).
// Async calls: the completion fires EXACTLY ONCE with the reply or an error:
//   - not active (or when the call cannot even start): on the calling thread, before callAsync
//     returns;
//   - active: on the thread that calls process() ([audio-thread]): keep it realtime-safe.
//
// Memory: create() preallocates `maxPendingCalls` call records, each with a reply buffer of the
// endpoint's realtimeCapacity(); the realtime completion path never allocates, locks or blocks.
// A sync call that timed out leaves its record to the runtime, which still completes the request
// exactly once (with its own timeout at the latest) and then recycles it.
//
// Lifetime: the endpoint must outlive the client, and the client must outlive every request it
// sent: destroy the instance (which cancels what is pending) before the client, or make sure
// nothing is pending (pendingCalls() == 0).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "aap/ext-cpp/extension-endpoint.h"
#include "aap/ext-cpp/extension-error.h"
#include "aap/runtime/index-free-list.h"

namespace aap {

// Completion of an async call. `decode` is called exactly once with the outcome; data is valid only
// during the call. `function` and `user` are for decode's use (typed proxies store the typed
// callback in `function` and cast it back).
struct AsyncCompletion {
    void (*decode)(const AsyncCompletion& self, ExtensionError error, const std::uint8_t* data,
                   std::size_t size) noexcept = nullptr;
    void (*function)() = nullptr;
    void* user = nullptr;
};

// Maps a realtime-path completion (runtime statuses and error-reply codes) to an ExtensionError.
// [thread-safe] [audio-thread]
ExtensionError extensionErrorOf(const RequestCompletion& completion) noexcept;

class ExtensionClient {
public:
    struct Options {
        std::size_t maxPendingCalls = 64;            // realtime calls in flight, 1..65535
        std::int64_t defaultTimeoutNs = 2'000'000'000; // used when a call passes 0
    };

    // [non-realtime] nullptr when the options are out of range or memory is short.
    static std::unique_ptr<ExtensionClient> create(ExtensionEndpoint& endpoint, const Options& options) noexcept;
    static std::unique_ptr<ExtensionClient> create(ExtensionEndpoint& endpoint) noexcept {
        return create(endpoint, Options{});
    }
    ~ExtensionClient();
    ExtensionClient(const ExtensionClient&) = delete;
    ExtensionClient& operator=(const ExtensionClient&) = delete;

    ExtensionEndpoint& endpoint() const noexcept { return endpoint_; }

    // [non-realtime] See the header comment. The reply replaces *reply's contents. timeoutNs 0
    // means Options::defaultTimeoutNs. `uri` must be a string with static storage duration (the
    // realtime path borrows it until the request completes; the extension URI macros are).
    ExtensionError call(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                        std::size_t requestSize, std::vector<std::uint8_t>* reply, std::int64_t timeoutNs = 0);

    // See the header comment. completion.decode must not be null.
    void callAsync(std::string_view uri, std::int32_t opcode, const std::uint8_t* request, std::size_t requestSize,
                   const AsyncCompletion& completion, std::int64_t timeoutNs = 0);

    // Largest payload a call can carry right now on the current route (0 when unavailable).
    std::size_t capacity(std::string_view uri) const noexcept;

    // [thread-safe] Realtime calls whose completion has not been delivered yet.
    std::size_t pendingCalls() const noexcept { return pending_.load(std::memory_order_acquire); }

private:
    struct Record;
    ExtensionClient(ExtensionEndpoint& endpoint, const Options& options);
    static void completeRealtime(void* user, const RequestCompletion& completion) noexcept;
    void release(std::uint32_t index) noexcept;
    ExtensionError callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                               std::size_t requestSize, std::vector<std::uint8_t>* reply, std::int64_t timeoutNs);
    std::int64_t timeoutOf(std::int64_t timeoutNs) const noexcept {
        return timeoutNs > 0 ? timeoutNs : options_.defaultTimeoutNs;
    }

    ExtensionEndpoint& endpoint_;
    Options options_;
    std::size_t recordCapacity_ = 0;
    std::unique_ptr<Record[]> records_;
    std::unique_ptr<std::uint8_t[]> buffers_;
    IndexFreeList free_;
    std::atomic<std::size_t> pending_{0};
    std::mutex controlMutex_;
};

} // namespace aap
