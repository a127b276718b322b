// ExtensionClient against a scripted endpoint: routing by state, the record pool, sync waits and
// timeouts, late completions, error mapping and exactly-once async delivery.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "aap/ext-cpp/extension-client.h"
#include "aap/runtime/aapxs-wire.h"

namespace aap {
namespace {

class ScriptedEndpoint final : public ExtensionEndpoint {
public:
    std::atomic<ExtensionRoute> currentRoute{ExtensionRoute::Realtime};
    std::mutex mutex;
    std::vector<InitiatorSession::Request> submitted;
    int controlCalls = 0;

    ExtensionRoute route() const noexcept override { return currentRoute.load(); }
    ExtensionError callControl(std::string_view, std::int32_t opcode, const std::uint8_t* request,
                               std::size_t requestSize, std::uint8_t* reply, std::size_t replyCapacity,
                               std::size_t* replySize, std::int64_t) override {
        controlCalls++;
        if (opcode == 99)
            return ExtensionError::NotImplemented;
        // Echo the request back, reversed.
        if (requestSize > replyCapacity)
            return ExtensionError::TooLarge;
        for (std::size_t i = 0; i < requestSize; i++)
            reply[i] = request[requestSize - 1 - i];
        *replySize = requestSize;
        return ExtensionError::None;
    }
    std::size_t controlCapacity(std::string_view) const noexcept override { return 16; }
    ExtensionError submitRealtime(const InitiatorSession::Request& request) noexcept override {
        std::lock_guard<std::mutex> lock(mutex);
        submitted.push_back(request);
        return ExtensionError::None;
    }
    std::size_t realtimeCapacity() const noexcept override { return 32; }

    // Completes submitted request `index` (as the process() thread would).
    void complete(std::size_t index, RequestStatus status, const std::vector<uint8_t>& data = {},
                  int32_t errorCode = 0) {
        InitiatorSession::Request request;
        {
            std::lock_guard<std::mutex> lock(mutex);
            request = submitted.at(index);
        }
        RequestCompletion completion;
        completion.status = status;
        completion.errorCode = errorCode;
        completion.data = data.data();
        completion.dataSize = data.size();
        request.onComplete(request.user, completion);
    }
    std::size_t submittedCount() {
        std::lock_guard<std::mutex> lock(mutex);
        return submitted.size();
    }
};

struct Outcome {
    std::atomic<int> calls{0};
    ExtensionError error = ExtensionError::None;
    std::vector<uint8_t> data;
};

AsyncCompletion completionFor(Outcome* outcome) {
    AsyncCompletion completion;
    completion.user = outcome;
    completion.decode = [](const AsyncCompletion& self, ExtensionError error, const std::uint8_t* data,
                           std::size_t size) noexcept {
        auto* o = static_cast<Outcome*>(self.user);
        o->error = error;
        o->data.assign(data, data + size);
        o->calls.fetch_add(1);
    };
    return completion;
}

constexpr std::string_view kUri = "urn:test:client/v1";

TEST(ExtensionClient, RejectsBadOptions) {
    ScriptedEndpoint endpoint;
    ExtensionClient::Options options;
    options.maxPendingCalls = 0;
    EXPECT_EQ(ExtensionClient::create(endpoint, options), nullptr);
    options.maxPendingCalls = 70000;
    EXPECT_EQ(ExtensionClient::create(endpoint, options), nullptr);
    options.maxPendingCalls = 4;
    options.defaultTimeoutNs = 0;
    EXPECT_EQ(ExtensionClient::create(endpoint, options), nullptr);
}

TEST(ExtensionClient, EachRecordIsHandedOutOnceAndAFullPoolIsBusy) {
    ScriptedEndpoint endpoint;
    ExtensionClient::Options options;
    options.maxPendingCalls = 2;
    auto client = ExtensionClient::create(endpoint, options);
    Outcome a, b, c;
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&a));
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&b));
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&c));
    EXPECT_EQ(endpoint.submittedCount(), 2u);
    EXPECT_EQ(c.calls.load(), 1);
    EXPECT_EQ(c.error, ExtensionError::Busy);
    EXPECT_EQ(client->pendingCalls(), 2u);
    EXPECT_NE(endpoint.submitted[0].user, endpoint.submitted[1].user);
    endpoint.complete(0, RequestStatus::Completed, {1, 2});
    endpoint.complete(1, RequestStatus::TimedOut);
    EXPECT_EQ(a.error, ExtensionError::None);
    EXPECT_EQ(a.data, (std::vector<uint8_t>{1, 2}));
    EXPECT_EQ(b.error, ExtensionError::Timeout);
    EXPECT_EQ(client->pendingCalls(), 0u);
    // Both records are free again, and only two.
    Outcome d, e, f;
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&d));
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&e));
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&f));
    EXPECT_EQ(f.error, ExtensionError::Busy);
    EXPECT_NE(endpoint.submitted[2].user, endpoint.submitted[3].user);
    endpoint.complete(2, RequestStatus::Cancelled);
    endpoint.complete(3, RequestStatus::Cancelled);
}

TEST(ExtensionClient, SyncCallWaitsForTheCompletionFromAnotherThread) {
    ScriptedEndpoint endpoint;
    auto client = ExtensionClient::create(endpoint);
    std::thread processThread([&] {
        while (endpoint.submittedCount() == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        endpoint.complete(0, RequestStatus::Completed, {9, 8, 7});
    });
    std::vector<uint8_t> reply;
    const uint8_t request[2] = {1, 2};
    EXPECT_EQ(client->call(kUri, 3, request, sizeof(request), &reply), ExtensionError::None);
    processThread.join();
    EXPECT_EQ(reply, (std::vector<uint8_t>{9, 8, 7}));
    EXPECT_EQ(endpoint.submitted[0].dataSize, 2u);
    EXPECT_EQ(endpoint.submitted[0].opcode, 3);
    EXPECT_EQ(client->pendingCalls(), 0u);
}

TEST(ExtensionClient, ATimedOutSyncCallLeavesItsRecordToTheLateCompletion) {
    ScriptedEndpoint endpoint;
    ExtensionClient::Options options;
    options.maxPendingCalls = 1;
    auto client = ExtensionClient::create(endpoint, options);
    std::vector<uint8_t> reply;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(client->call(kUri, 1, nullptr, 0, &reply, 20'000'000), ExtensionError::Timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    EXPECT_GT(endpoint.submitted[0].timeoutNs, 20'000'000);  // the runtime's deadline is later
    EXPECT_EQ(client->pendingCalls(), 1u);
    EXPECT_EQ(client->call(kUri, 1, nullptr, 0, &reply, 1'000'000), ExtensionError::Busy);
    endpoint.complete(0, RequestStatus::Completed, {1});  // late: nobody reads it
    EXPECT_EQ(client->pendingCalls(), 0u);
    std::thread processThread([&] {
        while (endpoint.submittedCount() < 2)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        endpoint.complete(1, RequestStatus::Completed, {5});
    });
    EXPECT_EQ(client->call(kUri, 1, nullptr, 0, &reply), ExtensionError::None);
    processThread.join();
    EXPECT_EQ(reply, (std::vector<uint8_t>{5}));
}

TEST(ExtensionClient, RuntimeOutcomesMapToExtensionErrors) {
    auto map = [](RequestStatus status, AapxsReplyError code = AapxsReplyError::None) {
        RequestCompletion completion;
        completion.status = status;
        completion.errorCode = static_cast<int32_t>(code);
        return extensionErrorOf(completion);
    };
    EXPECT_EQ(map(RequestStatus::Completed), ExtensionError::None);
    EXPECT_EQ(map(RequestStatus::TimedOut), ExtensionError::Timeout);
    EXPECT_EQ(map(RequestStatus::Cancelled), ExtensionError::Cancelled);
    EXPECT_EQ(map(RequestStatus::SendFailed), ExtensionError::TooLarge);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::UnknownExtension), ExtensionError::UnknownExtension);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::NotHandled), ExtensionError::NotImplemented);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::RequestTooLarge), ExtensionError::TooLarge);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::ReplyTooLarge), ExtensionError::TooLarge);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::Busy), ExtensionError::Busy);
    EXPECT_EQ(map(RequestStatus::ErrorReply, AapxsReplyError::ShuttingDown), ExtensionError::Cancelled);
    EXPECT_EQ(map(RequestStatus::ErrorReply, static_cast<AapxsReplyError>(77)), ExtensionError::MalformedReply);
    for (int e = 0; e <= static_cast<int>(ExtensionError::OutOfMemory); e++)
        EXPECT_NE(std::strlen(toString(static_cast<ExtensionError>(e))), 0u);
}

TEST(ExtensionClient, ControlRouteAndBadArguments) {
    ScriptedEndpoint endpoint;
    endpoint.currentRoute = ExtensionRoute::Control;
    auto client = ExtensionClient::create(endpoint);
    std::vector<uint8_t> reply;
    const uint8_t request[3] = {1, 2, 3};
    EXPECT_EQ(client->call(kUri, 1, request, 3, &reply), ExtensionError::None);
    EXPECT_EQ(reply, (std::vector<uint8_t>{3, 2, 1}));
    EXPECT_EQ(client->call(kUri, 99, request, 3, &reply), ExtensionError::NotImplemented);
    EXPECT_TRUE(reply.empty());
    uint8_t big[17] = {};
    EXPECT_EQ(client->call(kUri, 1, big, sizeof(big), &reply), ExtensionError::TooLarge);
    EXPECT_EQ(client->call(kUri, 1, nullptr, 4, &reply), ExtensionError::InvalidArgument);
    EXPECT_EQ(client->call("", 1, nullptr, 0, &reply), ExtensionError::InvalidArgument);
    EXPECT_EQ(client->call(kUri, 1, nullptr, 0, nullptr), ExtensionError::InvalidArgument);
    EXPECT_EQ(endpoint.controlCalls, 2);
    Outcome outcome;
    client->callAsync(kUri, 1, request, 2, completionFor(&outcome));
    EXPECT_EQ(outcome.calls.load(), 1);  // before callAsync returned
    EXPECT_EQ(outcome.data, (std::vector<uint8_t>{2, 1}));
    endpoint.currentRoute = ExtensionRoute::Unavailable;
    EXPECT_EQ(client->call(kUri, 1, request, 3, &reply), ExtensionError::NotAvailable);
    Outcome unavailable;
    client->callAsync(kUri, 1, nullptr, 0, completionFor(&unavailable));
    EXPECT_EQ(unavailable.calls.load(), 1);
    EXPECT_EQ(unavailable.error, ExtensionError::NotAvailable);
    endpoint.currentRoute = ExtensionRoute::Realtime;
    uint8_t tooBig[33] = {};
    EXPECT_EQ(client->call(kUri, 1, tooBig, sizeof(tooBig), &reply), ExtensionError::TooLarge);
    EXPECT_EQ(endpoint.submittedCount(), 0u);
}

} // namespace
} // namespace aap
