#include "aap/runtime/initiator-session.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/recipient-session.h"
#include "aap/runtime/request-table.h"
#include "aapxs/codec.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <memory>
#include <vector>

namespace {

constexpr const char* kUri = "urn://aap-bench/echo/v1";
constexpr std::uint8_t kUrid = 1;
constexpr std::int32_t kOpcode = 1;
constexpr std::size_t kPayload = 8;
constexpr std::size_t kBufferBytes = 8192;

void echoRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin*, AAPXSRequestContext* request) {
    instance->send_aapxs_reply(instance, request); // reply = the request bytes
}
bool alwaysRtSafe(AAPXSDefinition*, bool, std::int32_t) { return true; }

void clearBuffer(std::vector<std::uint8_t>& buffer) { std::memset(buffer.data(), 0, 32); }

// (a) One request -> reply round trip through both sessions, RT-safe opcode (handled inline).
void BM_SessionRoundTripRtSafe(benchmark::State& state) {
    aap::AAPXSDefinitionRegistry registry;
    AAPXSDefinition definition{};
    definition.uri = kUri;
    definition.data_capacity = 64;
    definition.process_incoming_plugin_aapxs_request = echoRequest;
    definition.is_command_rt_safe = alwaysRtSafe;
    registry.add(definition);
    aap::UridTable urids;
    urids.assign(kUrid, registry.findByUri(kUri));
    aap::NonRealtimeWorker worker; // not used by RT-safe requests
    aap::SessionError error;
    aap::InitiatorSession::Options io;
    io.maxDataSize = 64;
    auto initiator = aap::InitiatorSession::create(io, &error);
    aap::RecipientSession::Options ro;
    ro.registry = &registry;
    ro.urids = &urids;
    ro.worker = &worker;
    auto recipient = aap::RecipientSession::create(ro, &error);
    std::vector<std::uint8_t> in(kBufferBytes), out(kBufferBytes);
    std::uint8_t payload[kPayload] = {1, 2, 3, 4, 5, 6, 7, 8};
    std::uint64_t completed = 0;
    aap::InitiatorSession::Request request;
    request.urid = kUrid;
    request.uri = kUri;
    request.uriSize = std::strlen(kUri);
    request.opcode = kOpcode;
    request.data = payload;
    request.dataSize = kPayload;
    request.onComplete = [](void* user, const aap::RequestCompletion& c) noexcept {
        if (c.status == aap::RequestStatus::Completed)
            ++*static_cast<std::uint64_t*>(user);
    };
    request.user = &completed;
    for (auto _ : state) {
        clearBuffer(in);
        clearBuffer(out);
        initiator->submit(request);
        initiator->writeRequests(in.data(), in.size());
        recipient->readRequests(in.data(), in.size());
        recipient->writeReplies(out.data(), out.size());
        initiator->readReplies(out.data(), out.size());
    }
    if (completed != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("a round trip did not complete");
    worker.stop();
}
BENCHMARK(BM_SessionRoundTripRtSafe);

// (a) The floor: the same request and reply, each encoded into a port buffer and extracted with
// the codec directly (two encode + decode pairs), no sessions.
void BM_CodecFloorTwoEncodeDecodePairs(benchmark::State& state) {
    std::vector<std::uint8_t> in(kBufferBytes), out(kBufferBytes);
    std::vector<std::uint8_t> storage(16 * 2048);
    aapxs_sysex8_slot_t slots[16];
    aapxs_sysex8_reassembler_t reassembler;
    aapxs_sysex8_reassembler_init(&reassembler, slots, 16, storage.data(), 2048);
    std::uint8_t payload[kPayload] = {1, 2, 3, 4, 5, 6, 7, 8};
    aapxs_message_t message{};
    message.urid = kUrid;
    message.request_id = 1;
    message.opcode = kOpcode;
    message.data = payload;
    message.data_size = kPayload;
    std::uint64_t seen = 0;
    const auto count = [](void* user, const aapxs_extracted_message_t* m) {
        if (m->error == AAPXS_CODEC_OK)
            ++*static_cast<std::uint64_t*>(user);
    };
    for (auto _ : state) {
        clearBuffer(in);
        clearBuffer(out);
        aapxs_midi2_buffer_append_aapxs(in.data(), in.size(), 0, &message, nullptr);
        aapxs_midi2_buffer_extract_aapxs(in.data(), in.size(), &reassembler, count, &seen, nullptr);
        aapxs_midi2_buffer_append_aapxs(out.data(), out.size(), 0, &message, nullptr);
        aapxs_midi2_buffer_extract_aapxs(out.data(), out.size(), &reassembler, count, &seen, nullptr);
    }
    if (seen != 2 * static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("codec did not round-trip");
}
BENCHMARK(BM_CodecFloorTwoEncodeDecodePairs);

// (b) Producer cost of posting to the non-realtime worker under each wake policy: the time the
// audio thread spends in one "cycle" that posts `tasks` tasks and then calls wakeIfPending().
// Between measured cycles the benchmark waits (untimed) until the worker has run everything, as
// it would during the rest of a real audio cycle, so every cycle finds the worker idle: asleep
// on the futex (wake policies) or backing off (poll). Manual time: only the producer is timed.
void noopTask(void*, std::uint64_t, aap::TaskOutcome) noexcept {}

void BM_PostPerCycle(benchmark::State& state) {
    aap::NonRealtimeWorker::Options options;
    options.capacity = 1024;
    options.wakePolicy = static_cast<aap::WakePolicy>(state.range(0));
    const auto tasks = static_cast<int>(state.range(1));
    aap::NonRealtimeWorker worker(options);
    worker.start();
    std::uint64_t posted = 0;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < tasks; ++i)
            posted += worker.post({noopTask, nullptr, 0}) == aap::PostResult::Posted ? 1 : 0;
        worker.wakeIfPending();
        const auto end = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(end - start).count());
        while (worker.statistics().tasksRun < posted)
            std::this_thread::yield();
    }
    worker.stop();
    state.SetLabel(aap::toString(options.wakePolicy));
    state.counters["wakes_per_cycle"] =
        static_cast<double>(worker.statistics().wakeSyscalls) / static_cast<double>(state.iterations());
    state.counters["ns_per_post"] = benchmark::Counter(static_cast<double>(state.iterations()) * tasks,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PostPerCycle)
    ->ArgNames({"policy", "tasks"})
    ->ArgsProduct({{static_cast<int>(aap::WakePolicy::WakeOncePerCycle), static_cast<int>(aap::WakePolicy::WakeOnEveryPost),
                    static_cast<int>(aap::WakePolicy::PollWithBackoff)},
                   {1, 16}})
    ->UseManualTime()
    ->Iterations(5000);

// (c) Completion cost with N requests in flight: register one more request and complete it by
// id while N - 1 others stay pending. Must not grow with N.
void BM_RequestTableCompleteWithInFlight(benchmark::State& state) {
    const auto inFlight = static_cast<std::size_t>(state.range(0));
    aap::RequestTable table(inFlight);
    const auto ignore = [](void*, const aap::RequestCompletion&) noexcept {};
    for (std::size_t i = 0; i + 1 < inFlight; ++i)
        table.registerRequest(ignore, nullptr, aap::RequestTable::kNoDeadline);
    aap::RequestCompletion completion;
    completion.status = aap::RequestStatus::Completed;
    for (auto _ : state) {
        const auto registration = table.registerRequest(ignore, nullptr, aap::RequestTable::kNoDeadline);
        benchmark::DoNotOptimize(table.complete(registration.requestId, completion));
    }
}
BENCHMARK(BM_RequestTableCompleteWithInFlight)->Arg(1)->Arg(16)->Arg(256)->Arg(4096);

// (c') Per-cycle expiry with N requests in flight and none due: O(1) thanks to the deadline bound.
void BM_RequestTableExpireNothingDueWithInFlight(benchmark::State& state) {
    const auto inFlight = static_cast<std::size_t>(state.range(0));
    aap::RequestTable table(inFlight);
    const auto ignore = [](void*, const aap::RequestCompletion&) noexcept {};
    const std::int64_t deadline = aap::monotonicNowNs() + 3'600'000'000'000;
    for (std::size_t i = 0; i < inFlight; ++i)
        table.registerRequest(ignore, nullptr, deadline);
    for (auto _ : state)
        benchmark::DoNotOptimize(table.expire(aap::monotonicNowNs()));
}
BENCHMARK(BM_RequestTableExpireNothingDueWithInFlight)->Arg(1)->Arg(16)->Arg(256)->Arg(4096);

// (c) The same through the initiator session: submit, then match a parsed reply by id.
void BM_SessionReplyMatchWithInFlight(benchmark::State& state) {
    const auto inFlight = static_cast<std::size_t>(state.range(0));
    aap::SessionError error;
    aap::InitiatorSession::Options options;
    options.maxInFlight = inFlight;
    options.maxDataSize = 64;
    options.defaultTimeoutNs = INT64_MAX / 4;
    auto session = aap::InitiatorSession::create(options, &error);
    std::uint8_t payload[kPayload] = {};
    aap::InitiatorSession::Request request;
    request.urid = kUrid;
    request.opcode = kOpcode;
    request.data = payload;
    request.dataSize = kPayload;
    request.onComplete = [](void*, const aap::RequestCompletion&) noexcept {};
    for (std::size_t i = 0; i + 1 < inFlight; ++i)
        session->submit(request);
    std::vector<std::uint8_t> sink(1 << 20);
    session->writeRequests(sink.data(), sink.size()); // frame the pending ones once, outside the loop
    aap::AapxsMessageView reply;
    reply.urid = kUrid;
    reply.opcode = kOpcode;
    reply.data = payload;
    reply.dataSize = kPayload;
    for (auto _ : state) {
        reply.requestId = session->submit(request).requestId;
        benchmark::DoNotOptimize(session->acceptReply(reply));
        // Pop the completed request's queue entry (skipped: no longer pending) so the queue never
        // fills; a constant few nanoseconds included in every size.
        clearBuffer(sink);
        session->writeRequests(sink.data(), sink.size());
    }
}
BENCHMARK(BM_SessionReplyMatchWithInFlight)->Arg(1)->Arg(16)->Arg(256)->Arg(4096);

} // namespace

BENCHMARK_MAIN();
