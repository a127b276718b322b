// The host's audio thread never touches the heap and never blocks in process(), in both
// transports, across many cycles, with extension traffic both ways, including the failure path;
// nor does the service's realtime loop (run on a thread of this test through
// runPluginService). aap::rt-guard counts every allocation and every call that can block or wait
// on the guarded thread; the calls allowed by design (futex wakes, the out-of-process round
// trip's bounded wait, clock reads) are bounded per cycle. The deliberately bad plugin
// urn:aap-test:blocks-in-process proves that each kind it commits is caught, and counted exactly.

#include <gtest/gtest.h>

#include <sched.h>

#include <sys/socket.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <new>
#include <thread>

#include "aap/hosting/plugin-graph.h"
#include "aap/hosting/plugin-service.h"
#include "aap/hosting/process-transport.h"
#include "aap/hosting/unique-fd.h"
#include "aap/runtime/realtime-guard.h"
#include "aap/runtime/request-table.h"
#include "hosting-test-support.h"
#include "test-host-counter-extension.h"
#include "test-transform-extension.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;

// What every realtime test asserts of the audio-thread work of `cycles` cycles. Out of process
// the host waits for the service's reply (a bounded futex wait, at most once per cycle) and may
// wake it; in process there is no waiting at all. Futex wakes: the peer and the worker, each at
// most once per cycle. `roundTrips`: the cycles that reached the service (all by default).
void expectRealtimeSafe(const RealtimeTotals& totals, uint64_t cycles, bool outOfProcess,
                        uint64_t roundTrips = UINT64_MAX) {
    EXPECT_EQ(totals.heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(totals.blockingCalls, 0u) << "first violation: " << totals.firstViolation;
    for (unsigned kind = 0; kind < kBlockingCallKinds; kind++)
        EXPECT_EQ(totals.blocking[kind], 0u) << RealtimeGuard::name(static_cast<BlockingCall>(kind));
    EXPECT_LE(totals.allowedCalls(AllowedCall::BoundedFutexWait), outOfProcess ? cycles : 0u);
    EXPECT_LE(totals.allowedCalls(AllowedCall::FutexWake), 2 * cycles);
    EXPECT_EQ(totals.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
    // Proof that the guard saw the work: out of process each cycle that reaches the service reads
    // the clock for its deadline; in process a cycle reads it only while AAPXS requests are in
    // flight (docs/hosting.md, "AAPXS hints"), so there the guard shows on a clock read of this
    // test's own that it counts this process's calls.
    if (outOfProcess) {
        EXPECT_GE(totals.allowedCalls(AllowedCall::ClockRead), std::min(cycles, roundTrips));
    } else {
        RealtimeGuard guard;
        (void)monotonicNowNs();
        EXPECT_EQ(guard.allowedCalls(AllowedCall::ClockRead), 1u) << "the guard does not see clock reads";
    }
}

TEST(ProcessTransportRealtime, ProcessAllocatesNothingAcrossManyCycles) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    int failures = 0;
    RealtimeTotals totals;
    {
        RealtimeGuard guard;
        for (int cycle = 0; cycle < 5000; cycle++)
            failures += instance->process(cycle % 3 == 0 ? kFrames : 64, 1000000000) != HostingStatus::Ok;
        totals.add(guard);
    }
    EXPECT_EQ(failures, 0);
    expectRealtimeSafe(totals, 5000, true);
}

TEST(ProcessTransportRealtime, TheFailurePathAllocatesNothingEither) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:crash-in-process", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    HostingStatus results[6];
    RealtimeTotals totals;
    {
        RealtimeGuard guard;
        for (HostingStatus& result : results)
            result = instance->process(kFrames, 1000000000);  // the third call kills the service
        totals.add(guard);
    }
    EXPECT_EQ(results[1], HostingStatus::Ok);
    EXPECT_EQ(results[2], HostingStatus::Offline);
    EXPECT_EQ(results[5], HostingStatus::Offline);
    expectRealtimeSafe(totals, 6, true, 3);  // the cycles after the third return before signalling
}

// The event API and every xrun path on the audio thread: queued events written into the input,
// a cycle that misses its deadline, cycles that cannot start while the service is stopped, and
// the one that finds the late reply and routes it. Nothing may allocate. (Sleeps are outside the
// guarded regions.)
TEST(ProcessTransportRealtime, EventsAndXrunsAllocateNothing) {
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.unresponsiveNs = 10'000'000'000;  // stopping the service must stay an xrun here
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:late-every-50", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    uint64_t heapOperations = 0, blockingCalls = 0;
    std::string firstViolation;
    int xruns = 0, failures = 0;
    auto guardedCycle = [&](int64_t deadlineNs) {
        RealtimeGuard guard;
        const uint32_t noteOn[2] = {0x40903C00u, 0xFFFF0000u};
        for (int32_t frame : {0, 64, 128})
            failures += instance->addEvent(frame, noteOn, 2) != HostingStatus::Ok;
        const HostingStatus status = instance->process(kFrames, deadlineNs);
        heapOperations += guard.heapOperations();
        blockingCalls += guard.blockingCalls();
        if (firstViolation.empty() && guard.firstViolation() != nullptr && *guard.firstViolation() != '\0')
            firstViolation = guard.firstViolation();
        return status;
    };
    for (int cycle = 1; cycle <= 60; cycle++) {
        const HostingStatus status = guardedCycle(150'000'000);
        if (status == HostingStatus::Xrun) {
            xruns++;
            std::this_thread::sleep_for(std::chrono::milliseconds(450));
        } else {
            failures += status != HostingStatus::Ok;
        }
    }
    EXPECT_EQ(xruns, 1);  // the 50th
    const int pid = instance->servicePid();
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // stopped by now, even when loaded
    for (int i = 0; i < 5; i++)
        xruns += guardedCycle(2'000'000) == HostingStatus::Xrun;
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    int recovered = 0;
    for (int i = 0; i < 2000 && recovered < 20; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const HostingStatus status = guardedCycle(1'000'000'000);
        recovered += status == HostingStatus::Ok;
        failures += status != HostingStatus::Ok && status != HostingStatus::Xrun;
    }
    EXPECT_EQ(xruns, 6);
    EXPECT_EQ(recovered, 20);
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(blockingCalls, 0u) << firstViolation;
}

// In process the plugin's process() runs on this thread, so the guard also sees what the
// hosting code does when the plugin calls host->get_extension there (AAP 0.8 plugins do): the
// plugin's first get_extension calls ever happen inside the guarded cycles, and its third cycle
// sends a host-extension request through the proxy it got. Nothing may allocate.
void noopAdd(aap_test_host_counter_extension_t*, AndroidAudioPluginHost*, int32_t amount,
             aap_test_host_counter_done_t done, void* user) {
    done(user, amount);
}
aap_test_host_counter_extension_t noopCounter{nullptr, noopAdd};

TEST(InProcessRealtime, GetExtensionFromTheAudioThreadAllocatesNothing) {
    PluginHostOptions options = test::testOptions(PluginIsolation::InProcess);
    options.hostExtensionDefinitions = std::make_shared<AAPXSDefinitionRegistry>();
    ASSERT_EQ(options.hostExtensionDefinitions->add(*aap_test_host_counter_definition()), RegistryError::None);
    options.hostExtensionImplementation = [](const char* uri) -> void* {
        return std::strcmp(uri, AAP_TEST_HOST_COUNTER_URI) == 0 ? &noopCounter : nullptr;
    };
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:get-extension-in-process", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    // The plugin's report (test-plugins.cpp): 10 = every answer right and the request answered.
    auto reported = [&instance] {
        uint32_t words[2];
        std::memcpy(words, static_cast<const uint8_t*>(instance->portBuffer(5)) + 32, sizeof(words));
        return words[0] == 0x40B00100u ? static_cast<int32_t>(words[1]) : -100;
    };
    int failures = 0, cycle = 0;
    RealtimeTotals totals;
    // At least 50 cycles; then until the reply arrived (the host's worker answers it, later
    // under load or a sanitizer), bounded.
    for (; cycle < 50 || (reported() != 10 && cycle < 20000); cycle++) {
        {
            RealtimeGuard guard;
            failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
            totals.add(guard);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the workers answer
    }
    EXPECT_EQ(failures, 0);
    expectRealtimeSafe(totals, static_cast<uint64_t>(cycle), false);
    EXPECT_EQ(reported(), 10) << "after " << cycle << " cycles";
}

std::atomic<int> completed{0};
std::atomic<int> succeeded{0};

void countCompletion(void*, const RequestCompletion& completion) noexcept {
    completed.fetch_add(1);
    if (completion.status == RequestStatus::Completed && completion.dataSize == 4)
        succeeded.fetch_add(1);
}

TEST(ProcessTransportRealtime, ExtensionTrafficOnTheAudioThreadAllocatesNothing) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    static const uint8_t payload[4] = {1, 2, 3, 4};
    InitiatorSession::Request request;
    request.uri = AAP_TEST_TRANSFORM_URI;
    request.uriSize = sizeof(AAP_TEST_TRANSFORM_URI) - 1;
    request.opcode = AAP_TEST_TRANSFORM_REVERSE;
    request.data = payload;
    request.dataSize = sizeof(payload);
    request.onComplete = &countCompletion;
    int submitted = 0, failures = 0, cycle = 0;
    RealtimeTotals totals;
    // Bounded generously: under a sanitizer on a loaded machine the worker lags (2000 was too few).
    for (; cycle < 20000 && (completed.load() < 100 || submitted < 100); cycle++) {
        // Sleeping between cycles lets the service's worker run; it is not part of the audio path.
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        RealtimeGuard guard;  // around the audio-thread work only: submit + process (+ completions)
        if (submitted < 100 && instance->submitExtensionRequest(request, nullptr) == HostingStatus::Ok)
            submitted++;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        totals.add(guard);
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(submitted, 100);
    EXPECT_EQ(completed.load(), 100);
    EXPECT_EQ(succeeded.load(), 100);
    expectRealtimeSafe(totals, static_cast<uint64_t>(cycle), true);
}

// With the URID handshake (addExtension before prepare) the RT-safe REVERSE runs inline in the
// service and completes in the cycle that carried it; the host's audio thread still allocates
// nothing (submit, process, completion).
std::atomic<int> inlineCompleted{0};
void countInline(void*, const RequestCompletion& completion) noexcept {
    if (completion.status == RequestStatus::Completed && completion.dataSize == 4)
        inlineCompleted.fetch_add(1);
}

TEST(ProcessTransportRealtime, InlineUridRequestsAllocateNothingAndCompleteInTheirCycle) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    uint8_t* block = nullptr;
    ASSERT_EQ(instance->addExtension(AAP_TEST_TRANSFORM_URI, AAP_TEST_TRANSFORM_CAPACITY, &block), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    static const uint8_t payload[4] = {1, 2, 3, 4};
    InitiatorSession::Request request;
    request.uri = AAP_TEST_TRANSFORM_URI;
    request.uriSize = sizeof(AAP_TEST_TRANSFORM_URI) - 1;
    request.opcode = AAP_TEST_TRANSFORM_REVERSE;
    request.data = payload;
    request.dataSize = sizeof(payload);
    request.onComplete = &countInline;
    int failures = 0, sameCycle = 0;
    RealtimeTotals totals;
    for (int cycle = 0; cycle < 500; cycle++) {
        const int before = inlineCompleted.load();
        RealtimeGuard guard;
        failures += instance->submitExtensionRequest(request, nullptr) != HostingStatus::Ok;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        totals.add(guard);
        sameCycle += inlineCompleted.load() == before + 1;
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(sameCycle, 500);
    expectRealtimeSafe(totals, 500, true);
}


// In process, process() also runs the plugin side's AAPXS (PluginSideAapxs::beforeProcess and
// afterProcess: recipient session, inline RT-safe opcodes, reply framing, worker wake) on this
// thread, so the guard covers both ends of the session. Requests go both ways through it: by URI
// to the non-realtime worker, and by URID (mapped before prepare) inline in the same cycle.
std::atomic<int> inProcessCompleted{0};
std::atomic<int> inProcessSucceeded{0};
void countInProcess(void*, const RequestCompletion& completion) noexcept {
    inProcessCompleted.fetch_add(1);
    if (completion.status == RequestStatus::Completed && completion.dataSize == 4)
        inProcessSucceeded.fetch_add(1);
}

TEST(InProcessRealtime, ExtensionTrafficThroughBothSessionsAllocatesNothing) {
    for (const bool mapped : {false, true}) {
        SCOPED_TRACE(mapped ? "URID, inline" : "URI, worker");
        inProcessCompleted.store(0);
        inProcessSucceeded.store(0);
        PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
        std::unique_ptr<PluginInstance> instance;
        ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
        uint8_t* block = nullptr;
        if (mapped)
            ASSERT_EQ(instance->addExtension(AAP_TEST_TRANSFORM_URI, AAP_TEST_TRANSFORM_CAPACITY, &block),
                      HostingStatus::Ok);
        ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
        ASSERT_EQ(instance->activate(), HostingStatus::Ok);
        test::fillInputs(*instance, kFrames, 1);
        static const uint8_t payload[4] = {1, 2, 3, 4};
        InitiatorSession::Request request;
        request.uri = AAP_TEST_TRANSFORM_URI;
        request.uriSize = sizeof(AAP_TEST_TRANSFORM_URI) - 1;
        request.opcode = AAP_TEST_TRANSFORM_REVERSE;
        request.data = payload;
        request.dataSize = sizeof(payload);
        request.onComplete = &countInProcess;
        int submitted = 0, failures = 0, cycle = 0;
        RealtimeTotals totals;
        for (; cycle < 20000 && (inProcessCompleted.load() < 100 || submitted < 100); cycle++) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the worker run
            RealtimeGuard guard;
            if (submitted < 100 && instance->submitExtensionRequest(request, nullptr) == HostingStatus::Ok)
                submitted++;
            failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
            totals.add(guard);
        }
        EXPECT_EQ(failures, 0);
        EXPECT_EQ(submitted, 100);
        EXPECT_EQ(inProcessCompleted.load(), 100) << "after " << cycle << " cycles";
        EXPECT_EQ(inProcessSucceeded.load(), 100);
        expectRealtimeSafe(totals, static_cast<uint64_t>(cycle), false);
        ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    }
}

// ---------------------------------------------------------------- the service's realtime loop

// Guards every realtime cycle of the service instances running in this process (observer hook
// of runPluginService), on the service's realtime thread, and sums what the guards saw.
class ServiceCycleGuards {
public:
    ServiceCycleGuards() { setRealtimeCycleObserver(&observer_); }
    ~ServiceCycleGuards() { setRealtimeCycleObserver(nullptr); }
    ServiceCycleGuards(const ServiceCycleGuards&) = delete;
    ServiceCycleGuards& operator=(const ServiceCycleGuards&) = delete;

    uint64_t cycles() const { return cycles_.load(); }
    uint64_t heapOperations() const { return heap_.load(); }
    uint64_t blockingCalls(BlockingCall kind) const { return blocking_[static_cast<unsigned>(kind)].load(); }
    uint64_t blockingCalls() const {
        uint64_t total = 0;
        for (const auto& count : blocking_)
            total += count.load();
        return total;
    }
    uint64_t allowedCalls(AllowedCall kind) const { return allowed_[static_cast<unsigned>(kind)].load(); }
    const char* firstViolation() const { return first_.load(); }

private:
    // Placement storage for the guard of the cycle in progress on this thread (trivially
    // initialized: no allocation on first use).
    static RealtimeGuard* slot() {
        alignas(RealtimeGuard) static thread_local unsigned char storage[sizeof(RealtimeGuard)];
        return reinterpret_cast<RealtimeGuard*>(storage);
    }
    static void begin(void*) noexcept { new (slot()) RealtimeGuard(); }
    static void end(void* user) noexcept {
        auto* self = static_cast<ServiceCycleGuards*>(user);
        RealtimeGuard* guard = std::launder(slot());
        self->cycles_.fetch_add(1);
        self->heap_.fetch_add(guard->heapOperations());
        for (unsigned kind = 0; kind < kBlockingCallKinds; kind++)
            self->blocking_[kind].fetch_add(guard->blockingCalls(static_cast<BlockingCall>(kind)));
        for (unsigned kind = 0; kind < kAllowedCallKinds; kind++)
            self->allowed_[kind].fetch_add(guard->allowedCalls(static_cast<AllowedCall>(kind)));
        const char* none = "";
        const char* first = RealtimeGuard::firstViolation();
        if (first[0] != '\0')
            self->first_.compare_exchange_strong(none, first);
        guard->~RealtimeGuard();
    }

    std::atomic<uint64_t> cycles_{0};
    std::atomic<uint64_t> heap_{0};
    std::atomic<uint64_t> blocking_[kBlockingCallKinds] = {};
    std::atomic<uint64_t> allowed_[kAllowedCallKinds] = {};
    std::atomic<const char*> first_{""};
    RealtimeCycleObserver observer_{&begin, &end, this};
};

// A real host talking to a real service that runs on a thread of this process (the same code as
// aap-plugin-service, which only adds main()), so that the service's realtime thread is here too.
struct InProcessService {
    std::future<int> exitCode;
    std::unique_ptr<PluginHost> host;

    InProcessService() {
        int fds[2] = {-1, -1};
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        const int serviceFd = fds[1];
        exitCode = std::async(std::launch::async, [serviceFd] { return runPluginService(serviceFd); });
        PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
        std::shared_ptr<ProcessTransport> transport;
        std::string error;
        EXPECT_EQ(ProcessTransport::connect(UniqueFd{fds[0]}, options.process, &transport, &error), HostingStatus::Ok)
            << error;
        options.transport = transport;
        host = std::make_unique<PluginHost>(test::testCatalog(), options);
    }
    ~InProcessService() {
        host.reset();  // the last reference to the transport: the service sees EOF and returns
        if (exitCode.valid()) {
            EXPECT_EQ(exitCode.wait_for(std::chrono::seconds(10)), std::future_status::ready);
            EXPECT_EQ(exitCode.get(), 0);
        }
    }
};

// The service's per-cycle realtime work (AAPXS before and after the plugin, the plugin's
// process(), the reply and the wake of the host) neither touches the heap nor blocks, with
// extension requests flowing both by URI (to the service's worker) and by URID (inline); and the
// host's audio thread, on the other end, neither.
TEST(ServiceRealtimeLoop, TheServicesCyclesNeverBlockNorAllocate) {
    for (const bool mapped : {false, true}) {
        SCOPED_TRACE(mapped ? "URID, inline" : "URI, worker");
        inProcessCompleted.store(0);
        inProcessSucceeded.store(0);
        ServiceCycleGuards serviceGuards;
        RealtimeTotals hostTotals;
        int submitted = 0, failures = 0, cycle = 0;
        {
            InProcessService service;
            ASSERT_NE(service.host, nullptr);
            std::unique_ptr<PluginInstance> instance;
            ASSERT_EQ(service.host->instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
            uint8_t* block = nullptr;
            if (mapped)
                ASSERT_EQ(instance->addExtension(AAP_TEST_TRANSFORM_URI, AAP_TEST_TRANSFORM_CAPACITY, &block),
                          HostingStatus::Ok);
            ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
            ASSERT_EQ(instance->activate(), HostingStatus::Ok);
            test::fillInputs(*instance, kFrames, 1);
            static const uint8_t payload[4] = {1, 2, 3, 4};
            InitiatorSession::Request request;
            request.uri = AAP_TEST_TRANSFORM_URI;
            request.uriSize = sizeof(AAP_TEST_TRANSFORM_URI) - 1;
            request.opcode = AAP_TEST_TRANSFORM_REVERSE;
            request.data = payload;
            request.dataSize = sizeof(payload);
            request.onComplete = &countInProcess;
            for (; cycle < 20000 && (inProcessCompleted.load() < 100 || submitted < 100 || cycle < 200); cycle++) {
                std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the workers run
                RealtimeGuard guard;
                if (submitted < 100 && instance->submitExtensionRequest(request, nullptr) == HostingStatus::Ok)
                    submitted++;
                failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
                hostTotals.add(guard);
            }
            ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
        }
        EXPECT_EQ(failures, 0);
        EXPECT_EQ(submitted, 100);
        EXPECT_EQ(inProcessCompleted.load(), 100) << "after " << cycle << " cycles";
        EXPECT_EQ(inProcessSucceeded.load(), 100);
        expectRealtimeSafe(hostTotals, static_cast<uint64_t>(cycle), true);
        // Every cycle the host ran was guarded on the service's side.
        EXPECT_EQ(serviceGuards.cycles(), static_cast<uint64_t>(cycle));
        EXPECT_EQ(serviceGuards.heapOperations(), 0u) << "mechanism: " << RealtimeGuard::mechanism();
        EXPECT_EQ(serviceGuards.blockingCalls(), 0u) << "first violation: " << serviceGuards.firstViolation();
        EXPECT_EQ(serviceGuards.allowedCalls(AllowedCall::BoundedFutexWait), 0u);
        // The host's wake (when it sleeps) and the worker's (once per cycle at most).
        EXPECT_LE(serviceGuards.allowedCalls(AllowedCall::FutexWake), 2 * static_cast<uint64_t>(cycle));
        EXPECT_EQ(serviceGuards.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
    }
}

// ---------------------------------------------------------------- the deliberately bad plugin

// urn:aap-test:blocks-in-process locks a mutex, sleeps and writes to a pipe in every process():
// the guard counts exactly that, kind by kind, and nothing else (the test would fail if any of
// the three were not counted, or were counted as something else).
constexpr int kBadCycles = 20;

void expectExactlyTheBadPluginsCalls(uint64_t lock, uint64_t sleep, uint64_t io, uint64_t total, uint64_t cycles) {
    EXPECT_EQ(lock, cycles);
    EXPECT_EQ(sleep, cycles);
    EXPECT_EQ(io, cycles);
    EXPECT_EQ(total, 3 * cycles);
}

TEST(BadPluginRealtime, TheGuardCatchesEachBlockingCallInProcess) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:blocks-in-process", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    RealtimeGuard::setReporting(false);
    RealtimeTotals totals;
    int failures = 0;
    for (int cycle = 0; cycle < kBadCycles; cycle++) {
        RealtimeGuard guard;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        totals.add(guard);
    }
    RealtimeGuard::setReporting(true);
    EXPECT_EQ(failures, 0);
    expectExactlyTheBadPluginsCalls(totals.blockingCallsOf(BlockingCall::Lock), totals.blockingCallsOf(BlockingCall::Sleep),
                                    totals.blockingCallsOf(BlockingCall::Io), totals.blockingCalls, kBadCycles);
    EXPECT_STREQ(totals.firstViolation, "pthread_mutex_lock");
    EXPECT_EQ(totals.heapOperations, 0u);
    ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
}

TEST(BadPluginRealtime, TheGuardCatchesEachBlockingCallInTheServicesRealtimeLoop) {
    ServiceCycleGuards serviceGuards;
    RealtimeTotals hostTotals;
    int failures = 0;
    RealtimeGuard::setReporting(false);
    {
        InProcessService service;
        ASSERT_NE(service.host, nullptr);
        std::unique_ptr<PluginInstance> instance;
        ASSERT_EQ(service.host->instantiate("urn:aap-test:blocks-in-process", &instance), HostingStatus::Ok);
        ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
        ASSERT_EQ(instance->activate(), HostingStatus::Ok);
        for (int cycle = 0; cycle < kBadCycles; cycle++) {
            RealtimeGuard guard;
            failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
            hostTotals.add(guard);
        }
        ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    }
    RealtimeGuard::setReporting(true);
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(serviceGuards.cycles(), static_cast<uint64_t>(kBadCycles));
    expectExactlyTheBadPluginsCalls(serviceGuards.blockingCalls(BlockingCall::Lock),
                                    serviceGuards.blockingCalls(BlockingCall::Sleep),
                                    serviceGuards.blockingCalls(BlockingCall::Io), serviceGuards.blockingCalls(),
                                    kBadCycles);
    EXPECT_STREQ(serviceGuards.firstViolation(), "pthread_mutex_lock");
    // The plugin blocked the service's thread, not the host's: the host only waited, bounded.
    expectRealtimeSafe(hostTotals, kBadCycles, true);
}


// A graph's cycle: the host's audio thread (PluginGraph::process) and every service's part of it
// (each node's run, including nodes a service runs back to back on one thread) neither touch the
// heap nor block. Two services in this process: a -> b -> c -> d with a, c, d in the first and b
// in the second, so nodes wake each other across services and run inline within one.
TEST(GraphRealtime, AGraphCycleNeverBlocksNorAllocatesOnTheHostOrInAnyService) {
    ServiceCycleGuards serviceGuards;
    RealtimeTotals hostTotals;
    int failures = 0;
    constexpr int kCycles = 500;
    {
        InProcessService first;
        InProcessService second;
        ASSERT_NE(first.host, nullptr);
        ASSERT_NE(second.host, nullptr);
        PluginGraphOptions options;
        options.frames = kFrames;
        PluginGraph graph{options};
        int32_t nodes[4];
        ASSERT_EQ(graph.addPlugin(*first.host, "urn:aap-test:gain-echo", &nodes[0]), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(*second.host, "urn:aap-test:gain-echo", &nodes[1]), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(*first.host, "urn:aap-test:gain-echo", &nodes[2]), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(*first.host, "urn:aap-test:gain-echo", &nodes[3]), GraphStatus::Ok);
        ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {nodes[0], 0}), GraphStatus::Ok);
        for (int i = 0; i < 3; i++) {
            ASSERT_EQ(graph.connect({nodes[i], 2}, {nodes[i + 1], 0}), GraphStatus::Ok);
            ASSERT_EQ(graph.connect({nodes[i], 2}, {nodes[i + 1], 1}), GraphStatus::Ok);  // audio fan-out
            ASSERT_EQ(graph.connect({nodes[i], 5}, {nodes[i + 1], 4}), GraphStatus::Ok);  // MIDI2, merged
        }
        ASSERT_EQ(graph.connect({nodes[0], 3}, {nodes[3], 1}), GraphStatus::Ok);  // fan-in: summed
        ASSERT_EQ(graph.connect({nodes[3], 2}, GraphPort::hostOutput(0)), GraphStatus::Ok);
        std::string error;
        ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
        const uint32_t noteOn[2] = {0x40903C00u, 0x80000000u};
        // The first half on a thread that keeps to one CPU, the rest anywhere again: the graph's
        // placement (GraphPlacement::FollowHost) pins every node's thread and then frees it,
        // inside the guarded cycles on both sides.
        cpu_set_t anywhere;
        CPU_ZERO(&anywhere);
        ASSERT_EQ(::sched_getaffinity(0, sizeof(anywhere), &anywhere), 0);
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(::sched_getcpu(), &one);
        ASSERT_EQ(::sched_setaffinity(0, sizeof(one), &one), 0);
        for (int cycle = 0; cycle < kCycles; cycle++) {
            if (cycle == kCycles / 2)
                ASSERT_EQ(::sched_setaffinity(0, sizeof(anywhere), &anywhere), 0);
            RealtimeGuard guard;
            graph.addEvent(nodes[cycle % 4], cycle % kFrames, noteOn, 2);
            failures += graph.process(kFrames, 1000000000) != GraphStatus::Ok;
            hostTotals.add(guard);
        }
        EXPECT_EQ(graph.nodeStatus(nodes[1]).cycles, static_cast<uint64_t>(kCycles));
        ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
    }
    EXPECT_EQ(failures, 0);
    expectRealtimeSafe(hostTotals, kCycles, true);
    // Every node's part of every cycle was guarded where it ran.
    EXPECT_EQ(serviceGuards.cycles(), 4u * kCycles);
    EXPECT_EQ(serviceGuards.heapOperations(), 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(serviceGuards.blockingCalls(), 0u) << "first violation: " << serviceGuards.firstViolation();
    EXPECT_EQ(serviceGuards.allowedCalls(AllowedCall::BoundedFutexWait), 0u);
    EXPECT_EQ(serviceGuards.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
}

// A mixed chain host -> in process -> out of process -> in process -> host (audio and MIDI2),
// every single-producer edge and the host output read in place: the host's audio thread (which
// runs both in-process nodes) and the service's part neither touch the heap nor block, and each
// cycle's samples are right (checked outside the guarded span).
TEST(GraphRealtime, AMixedChainReadInPlaceNeverBlocksNorAllocates) {
    ServiceCycleGuards serviceGuards;
    RealtimeTotals hostTotals;
    int failures = 0, wrong = 0;
    constexpr int kCycles = 500;
    {
        InProcessService service;
        ASSERT_NE(service.host, nullptr);
        PluginHost inProcess{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
        PluginGraphOptions options;
        options.frames = kFrames;
        PluginGraph graph{options};
        int32_t a, b, c;
        ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &a), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(*service.host, "urn:aap-test:graph-recorder", &b), GraphStatus::Ok);
        ASSERT_EQ(graph.addPlugin(inProcess, "urn:aap-test:graph-recorder", &c), GraphStatus::Ok);
        ASSERT_EQ(graph.connect(GraphPort::hostInput(0), {a, 0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({a, 2}, {b, 0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({b, 2}, {c, 0}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({a, 5}, {b, 4}), GraphStatus::Ok);  // MIDI2, merged
        ASSERT_EQ(graph.connect({b, 5}, {c, 4}), GraphStatus::Ok);
        ASSERT_EQ(graph.connect({c, 2}, GraphPort::hostOutput(0)), GraphStatus::Ok);
        std::string error;
        ASSERT_EQ(graph.activate(&error), GraphStatus::Ok) << error;
        ASSERT_EQ(graph.inputBuffer(b, 0), graph.outputBuffer(a, 2));
        ASSERT_EQ(graph.inputBuffer(c, 0), graph.outputBuffer(b, 2));
        const uint32_t noteOn[2] = {0x40903C00u, 0x80000000u};
        for (int cycle = 1; cycle <= kCycles; cycle++) {
            float* in = graph.hostInput(0);
            for (int32_t i = 0; i < kFrames; i++)
                in[i] = static_cast<float>(cycle);
            {
                RealtimeGuard guard;
                graph.addEvent(a, cycle % kFrames, noteOn, 2);
                failures += graph.process(kFrames, 1000000000) != GraphStatus::Ok;
                hostTotals.add(guard);
            }
            // graph-recorder adds its cycle count: three nodes, 4 * cycle in all.
            const float* out = graph.hostOutput(0);
            wrong += out != graph.outputBuffer(c, 2) || out[0] != 4.0f * static_cast<float>(cycle) ||
                     out[kFrames - 1] != 4.0f * static_cast<float>(cycle);
        }
        EXPECT_EQ(graph.nodeStatus(b).cycles, static_cast<uint64_t>(kCycles));
        ASSERT_EQ(graph.deactivate(), GraphStatus::Ok);
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(wrong, 0);
    // As expectRealtimeSafe, but the host may wait twice in a cycle: once for c's release by the
    // service, and once more when the FUTEX_WAKE of the previous cycle's release arrives only after
    // the host went to sleep again (it had seen host_word change without sleeping).
    EXPECT_EQ(hostTotals.heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(hostTotals.blockingCalls, 0u) << "first violation: " << hostTotals.firstViolation;
    EXPECT_LE(hostTotals.allowedCalls(AllowedCall::BoundedFutexWait), 2u * kCycles);
    EXPECT_LE(hostTotals.allowedCalls(AllowedCall::FutexWake), 2u * kCycles);
    EXPECT_EQ(hostTotals.allowedCalls(AllowedCall::NonBlockingEventfdWrite), 0u);
    EXPECT_GE(hostTotals.allowedCalls(AllowedCall::ClockRead), static_cast<uint64_t>(kCycles));
    EXPECT_EQ(serviceGuards.cycles(), static_cast<uint64_t>(kCycles));
    EXPECT_EQ(serviceGuards.heapOperations(), 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(serviceGuards.blockingCalls(), 0u) << "first violation: " << serviceGuards.firstViolation();
}

} // namespace
} // namespace aap
