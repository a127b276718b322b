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

// Bug: ids of requests that finished before writeRequests() popped them stayed in the outgoing
// queue, which had exactly maxInFlight cells; a request submitted after they filled it was
// pending but never queued, so it was never sent and could only time out.
TEST(SessionLimits, EveryAcceptedRequestIsSentEvenAfterQueuedOnesWereCancelled) {
    auto initiator = hostInitiator(2);
    std::vector<aap::RequestStatus> statuses;
    Buffer buffer;
    for (int round = 0; round < 50; ++round) {
        // Requests that finish while still queued (cancelled before any writeRequests).
        const int before = round % 3;
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < before; ++j) {
                ASSERT_TRUE(initiator->submit(request(&statuses)).ok());
                initiator->cancelAll();
            }
        const aap::SubmitResult accepted = initiator->submit(request(&statuses));
        buffer.clear();
        const std::size_t written = initiator->writeRequests(buffer.data(), buffer.capacity());
        if (!accepted.ok()) {
            // Refused is fine (and said so); silently accepted but never sent is not.
            EXPECT_EQ(accepted.error, aap::SubmitError::TableFull);
            EXPECT_EQ(written, 0u);
            continue;
        }
        ASSERT_EQ(written, 1u) << "round " << round;
        const Collected sent = extractAll(buffer);
        ASSERT_EQ(sent.messages.size(), 1u);
        EXPECT_EQ(sent.messages[0].requestId, accepted.requestId);
        initiator->cancelAll();
    }
    // After a writeRequests() drained the stale ids, a submit is accepted again.
    buffer.clear();
    initiator->writeRequests(buffer.data(), buffer.capacity());
    const aap::SubmitResult last = initiator->submit(request(&statuses));
    ASSERT_TRUE(last.ok());
    buffer.clear();
    EXPECT_EQ(initiator->writeRequests(buffer.data(), buffer.capacity()), 1u);
    initiator->cancelAll();
    for (aap::RequestStatus status : statuses)
        EXPECT_EQ(status, aap::RequestStatus::Cancelled);
    EXPECT_EQ(initiator->pendingCount(), 0u);
}

// Bug: the deadline was monotonicNowNs() + timeout in int64_t: a timeout near INT64_MAX (or
// RequestTable::kNoDeadline, "never") overflowed (UB) into the past and timed out at once.
TEST(SessionLimits, HugeTimeoutsSaturateInsteadOfOverflowingIntoThePast) {
    std::vector<aap::RequestStatus> statuses;
    auto initiator = hostInitiator(4);
    ASSERT_TRUE(initiator->submit(request(&statuses, aap::RequestTable::kNoDeadline)).ok());
    ASSERT_TRUE(initiator->submit(request(&statuses, INT64_MAX - 1)).ok());
    auto neverByDefault = hostInitiator(4, 256, aap::RequestTable::kNoDeadline);
    ASSERT_TRUE(neverByDefault->submit(request(&statuses)).ok());
    const std::int64_t muchLater = aap::monotonicNowNs() + 3600LL * 1'000'000'000;
    EXPECT_EQ(initiator->expire(muchLater), 0u);
    EXPECT_EQ(neverByDefault->expire(muchLater), 0u);
    EXPECT_EQ(initiator->pendingCount(), 2u);
    EXPECT_EQ(neverByDefault->pendingCount(), 1u);
    EXPECT_TRUE(statuses.empty());
    initiator->cancelAll();
    neverByDefault->cancelAll();
    EXPECT_EQ(statuses.size(), 3u);
}

// Bug: the C ABI reply handler got data_capacity = the definition's capacity for a completion
// record block of only maxDataSize bytes.
TEST(SessionLimits, AbiReplyHandlerNeverSeesMoreCapacityThanTheRecordBlock) {
    auto initiator = hostInitiator(2, kSmallBlock);
    AAPXSDefinition definition{};
    definition.uri = kBigUri;
    definition.data_capacity = kBigCapacity;
    static std::atomic<std::size_t> seen{0};
    definition.process_incoming_plugin_aapxs_reply = [](AAPXSDefinition*, AAPXSInitiatorInstance*,
                                                        AndroidAudioPlugin*, AAPXSRequestContext* request) {
        seen.store(request->serialization->data_capacity);
        std::memset(request->serialization->data, 0, request->serialization->data_capacity);
    };
    AAPXSInitiatorInstance instance{};
    ASSERT_TRUE(initiator->bindInitiatorInstance(&instance, &definition, nullptr, kBigUrid));
    std::uint8_t block[8] = {};
    AAPXSSerializationContext serialization{block, 4, sizeof(block)};
    AAPXSRequestContext context{};
    context.serialization = &serialization;
    context.opcode = 1;
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &context));
    Buffer buffer;
    buffer.clear();
    ASSERT_EQ(initiator->writeRequests(buffer.data(), buffer.capacity()), 1u);
    buffer.clear();
    const std::uint8_t reply[4] = {9, 9, 9, 9};
    aap::AapxsMessageView message;
    message.urid = kBigUrid;
    message.requestId = context.request_id;
    message.opcode = 1;
    message.data = reply;
    message.dataSize = sizeof(reply);
    ASSERT_EQ(aap::appendAapxsMessage(buffer.data(), buffer.capacity(), message), aap::WireResult::Ok);
    initiator->readReplies(buffer.data(), buffer.capacity()); // no callbackWorker: delivered inline
    EXPECT_EQ(seen.load(), kSmallBlock);
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

namespace {
using PluginHandler = void (*)(AAPXSDefinition*, AAPXSRecipientInstance*, AndroidAudioPlugin*, AAPXSRequestContext*);

// One plugin-side recipient with one RT-safe (or not) definition, driven request by request.
struct OneRecipient {
    aap::AAPXSDefinitionRegistry registry;
    aap::UridTable urids;
    aap::NonRealtimeWorker worker;
    std::unique_ptr<aap::RecipientSession> recipient;
    Buffer input, output;

    OneRecipient(PluginHandler handler, bool rtSafe, std::int32_t capacity = 64) {
        AAPXSDefinition definition{};
        definition.uri = kBigUri;
        definition.data_capacity = capacity;
        definition.process_incoming_plugin_aapxs_request = handler;
        definition.is_command_rt_safe = rtSafe ? alwaysRtSafe : nullptr;
        EXPECT_EQ(registry.add(definition), aap::RegistryError::None);
        EXPECT_EQ(urids.assign(kBigUrid, registry.findByUri(kBigUri)), aap::UridError::None);
        aap::RecipientSession::Options options;
        options.registry = &registry;
        options.urids = &urids;
        options.worker = &worker;
        aap::SessionError error;
        recipient = aap::RecipientSession::create(options, &error);
        EXPECT_TRUE(recipient) << aap::toString(error);
    }
    ~OneRecipient() { worker.stop(); }

    // Sends one request, returns the one reply.
    Collected roundTrip(const std::uint8_t* data, std::size_t size) {
        input.clear();
        output.clear();
        aap::AapxsMessageView message;
        message.urid = kBigUrid;
        message.requestId = 0x10001;
        message.opcode = 1;
        message.data = data;
        message.dataSize = size;
        EXPECT_EQ(aap::appendAapxsMessage(input.data(), input.capacity(), message), aap::WireResult::Ok);
        recipient->readRequests(input.data(), input.capacity());
        EXPECT_EQ(recipient->writeReplies(output.data(), output.capacity()), 1u);
        return extractAll(output);
    }
};

aap::AapxsReplyError errorOf(const Collected& replies) {
    aap::AapxsReplyError error = aap::AapxsReplyError::None;
    if (replies.messages.size() != 1 || !aap::parseAapxsErrorReply(replies.messages[0], &error, nullptr))
        return aap::AapxsReplyError::None;
    return error;
}
} // namespace

// Bug: the trampoline checked the reply size against serialization->data_capacity, a field the
// handler can write: a handler that raised it got a reply size past the slot block accepted and
// the session framed bytes from beyond it.
TEST(SessionLimits, RecipientChecksTheReplySizeAgainstItsOwnCapacityNotTheHandlersField) {
    OneRecipient r(
        [](AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
            request->serialization->data_capacity = 1u << 20;
            request->serialization->data_size = 5000;
            instance->send_aapxs_reply(instance, request);
        },
        true);
    EXPECT_EQ(errorOf(r.roundTrip(nullptr, 0)), aap::AapxsReplyError::ReplyTooLarge);
}

// Bug: a handler that answered by pointing serialization->data at its own buffer had the request
// bytes sent back instead of its reply (the session framed its block without copying).
TEST(SessionLimits, RecipientSendsTheReplyFromWhereTheHandlerPutIt) {
    OneRecipient r(
        [](AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
            static const std::uint8_t answer[3] = {7, 8, 9};
            request->serialization->data = const_cast<std::uint8_t*>(answer);
            request->serialization->data_size = sizeof(answer);
            instance->send_aapxs_reply(instance, request);
        },
        true);
    const std::uint8_t question[5] = {1, 2, 3, 4, 5};
    const Collected replies = r.roundTrip(question, sizeof(question));
    ASSERT_EQ(replies.messages.size(), 1u);
    EXPECT_EQ(replies.data[0], (std::vector<std::uint8_t>{7, 8, 9}));
}

// Bug: a request that needs the worker after the worker stopped got Busy ("try again"), although
// it can never be handled; the documented answer is ShuttingDown.
TEST(SessionLimits, RequestForAStoppedWorkerGetsShuttingDownNotBusy) {
    OneRecipient r(
        [](AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
            instance->send_aapxs_reply(instance, request);
        },
        false);
    ASSERT_TRUE(r.worker.start());
    r.worker.stop();
    EXPECT_EQ(errorOf(r.roundTrip(nullptr, 0)), aap::AapxsReplyError::ShuttingDown);
}

// Bug: a port buffer with a broken header (length past the capacity, e.g. written by a faulty
// plugin into its MIDI2 output) made writeRequests fail the next request with SendFailed and
// writeReplies drop the next reply, one per cycle, although a sane buffer would carry them.
TEST(SessionLimits, ABrokenBufferHeaderDefersRequestsAndRepliesInsteadOfLosingThem) {
    std::vector<aap::RequestStatus> statuses;
    auto initiator = hostInitiator(4);
    const aap::SubmitResult submitted = initiator->submit(request(&statuses));
    ASSERT_TRUE(submitted.ok());
    Buffer broken(256);
    const std::uint32_t badLength = 1000;
    std::memcpy(broken.data() + 4, &badLength, 4);
    EXPECT_EQ(initiator->writeRequests(broken.data(), broken.capacity()), 0u);
    EXPECT_TRUE(statuses.empty());
    Buffer good;
    good.clear();
    ASSERT_EQ(initiator->writeRequests(good.data(), good.capacity()), 1u);
    const Collected sent = extractAll(good);
    ASSERT_EQ(sent.messages.size(), 1u);
    EXPECT_EQ(sent.messages[0].requestId, submitted.requestId);
    initiator->cancelAll();

    OneRecipient r(
        [](AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
            request->serialization->data_size = 0;
            instance->send_aapxs_reply(instance, request);
        },
        true);
    r.input.clear();
    aap::AapxsMessageView message;
    message.urid = kBigUrid;
    message.requestId = 0x20002;
    message.opcode = 1;
    ASSERT_EQ(aap::appendAapxsMessage(r.input.data(), r.input.capacity(), message), aap::WireResult::Ok);
    r.recipient->readRequests(r.input.data(), r.input.capacity());
    EXPECT_EQ(r.recipient->writeReplies(broken.data(), broken.capacity()), 0u);
    EXPECT_EQ(r.recipient->busySlots(), 1u);
    r.output.clear();
    ASSERT_EQ(r.recipient->writeReplies(r.output.data(), r.output.capacity()), 1u);
    const Collected replies = extractAll(r.output);
    ASSERT_EQ(replies.messages.size(), 1u);
    EXPECT_EQ(replies.messages[0].requestId, 0x20002u);
    EXPECT_EQ(r.recipient->busySlots(), 0u);
}

// stop() of the recipient's worker from another thread while the processing thread keeps cycling
// with worker requests in flight: every request ends exactly once (a reply, or an error reply:
// ShuttingDown for those the worker never ran, Busy when slots ran out), none is left waiting.
TEST(SessionLimits, StoppingTheWorkerMidStreamFinishesEveryRequestExactlyOnce) {
    OneRecipient r(
        [](AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
            request->serialization->data_size = 1;
            static_cast<std::uint8_t*>(request->serialization->data)[0] = 42;
            instance->send_aapxs_reply(instance, request);
        },
        false);
    ASSERT_TRUE(r.worker.start());
    auto initiator = hostInitiator(256);
    constexpr int kRequests = 2000;
    struct Outcome {
        std::atomic<int> calls{0};
        std::atomic<int> status{-1};
        std::atomic<int> error{0};
        std::atomic<int>* user = nullptr;  // counts completions across all requests
    };
    std::vector<Outcome> outcomes(kRequests);
    const auto record = [](void* user, const aap::RequestCompletion& c) noexcept {
        auto* o = static_cast<Outcome*>(user);
        o->calls.fetch_add(1);
        o->status.store(static_cast<int>(c.status));
        o->error.store(c.errorCode);
        if (c.status == aap::RequestStatus::Completed)
            o->user->fetch_add(1);
    };
    // Half the requests go out before the worker stops and half after, and the worker is stopped
    // only once at least one request has completed, so both outcomes occur however the threads are
    // scheduled (a loaded CI machine once let all 2000 complete before stop() ran).
    std::atomic<int> cycles{0};
    std::atomic<int> completions{0};
    std::atomic<bool> workerStopped{false};
    for (Outcome& o : outcomes)
        o.user = &completions;
    std::thread processing([&] {
        int next = 0;
        const std::int64_t giveUp = aap::monotonicNowNs() + 20'000'000'000;
        while ((next < kRequests || initiator->pendingCount() > 0) && aap::monotonicNowNs() < giveUp) {
            const int limit = workerStopped.load() ? kRequests : kRequests / 2;
            for (int i = 0; i < 4 && next < limit; ++i) {
                aap::InitiatorSession::Request req;
                req.urid = kBigUrid;
                req.opcode = 1;
                req.onComplete = record;
                req.user = &outcomes[next];
                if (initiator->submit(req).ok())
                    ++next;
            }
            r.input.clear();
            initiator->writeRequests(r.input.data(), r.input.capacity());
            r.recipient->readRequests(r.input.data(), r.input.capacity());
            r.output.clear();
            r.recipient->writeReplies(r.output.data(), r.output.capacity());
            initiator->readReplies(r.output.data(), r.output.capacity());
            r.worker.wakeIfPending();
            cycles.fetch_add(1);
            std::this_thread::yield();
        }
    });
    const std::int64_t waitLimit = aap::monotonicNowNs() + 20'000'000'000;
    while ((cycles.load() < 100 || completions.load() == 0) && aap::monotonicNowNs() < waitLimit)
        std::this_thread::yield();
    r.worker.stop();
    workerStopped.store(true);
    processing.join();
    EXPECT_EQ(initiator->pendingCount(), 0u);
    int completed = 0, shuttingDown = 0;
    for (const Outcome& o : outcomes) {
        ASSERT_EQ(o.calls.load(), 1);
        if (o.status.load() == static_cast<int>(aap::RequestStatus::Completed)) {
            ++completed;
            continue;
        }
        ASSERT_EQ(o.status.load(), static_cast<int>(aap::RequestStatus::ErrorReply));
        const auto error = static_cast<aap::AapxsReplyError>(o.error.load());
        EXPECT_TRUE(error == aap::AapxsReplyError::ShuttingDown || error == aap::AapxsReplyError::Busy)
            << aap::toString(error);
        shuttingDown += error == aap::AapxsReplyError::ShuttingDown;
    }
    EXPECT_GT(completed, 0);
    EXPECT_GT(shuttingDown, 0);
}
