// Regression tests for limits the sessions and the worker must keep at their edges: block sizes
// smaller than a definition's capacity, stale ids filling the outgoing queue, timeouts that would
// overflow the clock, and concurrent stop() calls. Each one failed before its fix. Runs under
// ASan+UBSan (sanitize) and ThreadSanitizer (tsan).
#include "aap/runtime/initiator-session.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/recipient-session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr const char* kBigUri = "urn://aap-test/big-capacity/v1";
constexpr std::uint8_t kBigUrid = 1;
constexpr std::int32_t kBigCapacity = 4096;
constexpr std::size_t kSmallBlock = 64;

struct Buffer {
    std::vector<std::uint8_t> bytes;
    explicit Buffer(std::size_t capacity = 8192) : bytes(capacity, 0) {}
    std::uint8_t* data() { return bytes.data(); }
    std::size_t capacity() const { return bytes.size(); }
    void clear() { std::memset(bytes.data(), 0, 32); }
};

struct Collected {
    std::vector<aap::AapxsMessageView> messages;
    std::vector<std::vector<std::uint8_t>> data;
};

Collected extractAll(Buffer& buffer) {
    static std::vector<std::uint8_t> scratch(aap::kAapxsReassemblySlots * 8192);
    Collected collected;
    aap::extractAapxsMessages(
        buffer.data(), buffer.capacity(), scratch.data(), scratch.size(),
        [](void* user, const aap::AapxsMessageView& message) noexcept {
            auto* c = static_cast<Collected*>(user);
            c->messages.push_back(message);
            c->data.emplace_back(message.data, message.data + message.dataSize);
        },
        &collected);
    return collected;
}

// A handler that, as handlers may, fills the whole serialization block it is given.
std::atomic<std::size_t> g_seenCapacity{0};
void fillWholeBlock(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*,
                    AAPXSRequestContext* request) {
    AAPXSSerializationContext* s = request->serialization;
    g_seenCapacity.store(s->data_capacity);
    std::memset(s->data, 0xAB, s->data_capacity);
    s->data_size = s->data_capacity;
    instance->send_aapxs_reply(instance, request);
}
bool alwaysRtSafe(AAPXSDefinition*, bool, std::int32_t) { return true; }

void countCompletion(void* user, const aap::RequestCompletion& completion) noexcept {
    static_cast<std::vector<aap::RequestStatus>*>(user)->push_back(completion.status);
}

aap::InitiatorSession::Request request(std::vector<aap::RequestStatus>* sink, std::int64_t timeoutNs = 0) {
    aap::InitiatorSession::Request r;
    r.urid = kBigUrid;
    r.opcode = 1;
    r.timeoutNs = timeoutNs;
    r.onComplete = countCompletion;
    r.user = sink;
    return r;
}

std::unique_ptr<aap::InitiatorSession> hostInitiator(std::size_t maxInFlight, std::size_t maxDataSize = 256,
                                                     std::int64_t defaultTimeoutNs = 2'000'000'000) {
    aap::InitiatorSession::Options options;
    options.side = aap::SessionSide::Host;
    options.maxInFlight = maxInFlight;
    options.maxDataSize = maxDataSize;
    options.defaultTimeoutNs = defaultTimeoutNs;
    aap::SessionError error;
    auto session = aap::InitiatorSession::create(options, &error);
    EXPECT_EQ(error, aap::SessionError::None);
    return session;
}

} // namespace

// Bug: the recipient handed handlers data_capacity = the definition's capacity while the slot's
// block holds only Options::maxDataSize bytes, so a handler filling its block wrote past it.
TEST(SessionLimits, RecipientHandlerNeverSeesMoreCapacityThanItsSlotBlock) {
    aap::AAPXSDefinitionRegistry registry;
    AAPXSDefinition definition{};
    definition.uri = kBigUri;
    definition.data_capacity = kBigCapacity;
    definition.process_incoming_plugin_aapxs_request = fillWholeBlock;
    definition.is_command_rt_safe = alwaysRtSafe;
    ASSERT_EQ(registry.add(definition), aap::RegistryError::None);
    aap::UridTable urids;
    ASSERT_EQ(urids.assign(kBigUrid, registry.findByUri(kBigUri)), aap::UridError::None);
    aap::NonRealtimeWorker worker;
    aap::RecipientSession::Options options;
    options.side = aap::SessionSide::Plugin;
    options.registry = &registry;
    options.urids = &urids;
    options.worker = &worker;
    options.maxInFlight = 1; // one block: an overflow leaves the allocation (ASan sees it)
    options.maxDataSize = kSmallBlock;
    aap::SessionError error;
    auto recipient = aap::RecipientSession::create(options, &error);
    ASSERT_TRUE(recipient) << aap::toString(error);

    Buffer input, output;
    input.clear();
    output.clear();
    const std::uint8_t payload[4] = {1, 2, 3, 4};
    aap::AapxsMessageView message;
    message.urid = kBigUrid;
    message.requestId = 0x10001;
    message.opcode = 1;
    message.data = payload;
    message.dataSize = sizeof(payload);
    ASSERT_EQ(aap::appendAapxsMessage(input.data(), input.capacity(), message), aap::WireResult::Ok);
    recipient->readRequests(input.data(), input.capacity());
    EXPECT_EQ(g_seenCapacity.load(), kSmallBlock);
    ASSERT_EQ(recipient->writeReplies(output.data(), output.capacity()), 1u);
    const Collected replies = extractAll(output);
    ASSERT_EQ(replies.messages.size(), 1u);
    EXPECT_EQ(replies.messages[0].requestId, 0x10001u);
    ASSERT_EQ(replies.data[0].size(), kSmallBlock);
    for (std::uint8_t byte : replies.data[0])
        EXPECT_EQ(byte, 0xAB);
    worker.stop();
}

// Bug: a handler that pointed context->serialization at a block with data == nullptr and a size
// made the trampoline memcpy from null.
TEST(SessionLimits, RecipientRejectsAReplyThatClaimsBytesItDoesNotHave) {
    aap::AAPXSDefinitionRegistry registry;
    AAPXSDefinition definition{};
    definition.uri = kBigUri;
    definition.data_capacity = 64;
    definition.process_incoming_plugin_aapxs_request = [](AAPXSDefinition*, AAPXSRecipientInstance* instance,
                                                          AndroidAudioPlugin*, AAPXSRequestContext* request) {
        AAPXSSerializationContext bogus{nullptr, 16, 16};
        request->serialization = &bogus;
        instance->send_aapxs_reply(instance, request);
    };
    definition.is_command_rt_safe = alwaysRtSafe;
    ASSERT_EQ(registry.add(definition), aap::RegistryError::None);
    aap::UridTable urids;
    ASSERT_EQ(urids.assign(kBigUrid, registry.findByUri(kBigUri)), aap::UridError::None);
    aap::NonRealtimeWorker worker;
    aap::RecipientSession::Options options;
    options.registry = &registry;
    options.urids = &urids;
    options.worker = &worker;
    aap::SessionError error;
    auto recipient = aap::RecipientSession::create(options, &error);
    ASSERT_TRUE(recipient);
    Buffer input, output;
    input.clear();
    output.clear();
    aap::AapxsMessageView message;
    message.urid = kBigUrid;
    message.requestId = 0x10001;
    message.opcode = 1;
    ASSERT_EQ(aap::appendAapxsMessage(input.data(), input.capacity(), message), aap::WireResult::Ok);
    recipient->readRequests(input.data(), input.capacity());
    ASSERT_EQ(recipient->writeReplies(output.data(), output.capacity()), 1u);
    const Collected replies = extractAll(output);
    ASSERT_EQ(replies.messages.size(), 1u);
    aap::AapxsReplyError replyError = aap::AapxsReplyError::None;
    EXPECT_TRUE(aap::parseAapxsErrorReply(replies.messages[0], &replyError, nullptr));
    EXPECT_EQ(replyError, aap::AapxsReplyError::NotHandled);
    worker.stop();
}

// Bug: a stop() that found another stop() in progress returned at once (while a task could still
// be running) and wrote "Stopping" back over the state, possibly after the first one had stored
// "Stopped".
TEST(SessionLimits, ConcurrentStopReturnsOnlyOnceTheWorkerHasStopped) {
    aap::NonRealtimeWorker::Options options;
    options.wakePolicy = aap::WakePolicy::WakeOnEveryPost;
    aap::NonRealtimeWorker worker(options);
    ASSERT_TRUE(worker.start());
    struct Flags {
        std::atomic<bool> started{false};
        std::atomic<bool> finished{false};
        std::atomic<int> cancelled{0};
    } flags;
    ASSERT_EQ(worker.post({[](void* c, std::uint64_t, aap::TaskOutcome outcome) noexcept {
                               auto* f = static_cast<Flags*>(c);
                               if (outcome == aap::TaskOutcome::Cancelled) {
                                   f->cancelled.fetch_add(1);
                                   return;
                               }
                               f->started.store(true);
                               std::this_thread::sleep_for(200ms);
                               f->finished.store(true);
                           },
                           &flags, 0}),
              aap::PostResult::Posted);
    while (!flags.started.load())
        std::this_thread::yield();
    ASSERT_EQ(worker.post({[](void* c, std::uint64_t, aap::TaskOutcome outcome) noexcept {
                               if (outcome == aap::TaskOutcome::Cancelled)
                                   static_cast<Flags*>(c)->cancelled.fetch_add(1);
                           },
                           &flags, 0}),
              aap::PostResult::Posted);
    std::thread first([&] { worker.stop(); });
    while (worker.running())
        std::this_thread::yield();
    worker.stop(); // the first stop() is in progress: this one must wait for it
    EXPECT_TRUE(flags.finished.load());
    EXPECT_EQ(flags.cancelled.load(), 1);
    first.join();
    worker.stop();
    EXPECT_FALSE(worker.running());
    EXPECT_EQ(worker.post({[](void*, std::uint64_t, aap::TaskOutcome) noexcept {}, nullptr, 0}),
              aap::PostResult::Stopped);
    EXPECT_EQ(worker.statistics().tasksRun, 1u);
    EXPECT_EQ(worker.statistics().tasksCancelled, 1u);
}
