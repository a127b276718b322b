// The host's audio thread never touches the heap in process(), across many out-of-process
// cycles, including the failure path (aap::rt-guard counts every allocation of this thread).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "aap/runtime/realtime-guard.h"
#include "hosting-test-support.h"
#include "test-host-counter-extension.h"
#include "test-transform-extension.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;

TEST(ProcessTransportRealtime, ProcessAllocatesNothingAcrossManyCycles) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    test::fillInputs(*instance, kFrames, 1);
    int failures = 0;
    RealtimeGuard guard;
    for (int cycle = 0; cycle < 5000; cycle++)
        failures += instance->process(cycle % 3 == 0 ? kFrames : 64, 1000000000) != HostingStatus::Ok;
    const uint64_t heapOperations = guard.heapOperations();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
}

TEST(ProcessTransportRealtime, TheFailurePathAllocatesNothingEither) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:crash-in-process", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    HostingStatus results[6];
    RealtimeGuard guard;
    for (HostingStatus& result : results)
        result = instance->process(kFrames, 1000000000);  // the third call kills the service
    const uint64_t heapOperations = guard.heapOperations();
    EXPECT_EQ(results[1], HostingStatus::Ok);
    EXPECT_EQ(results[2], HostingStatus::Offline);
    EXPECT_EQ(results[5], HostingStatus::Offline);
    EXPECT_EQ(heapOperations, 0u);
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
    uint64_t heapOperations = 0;
    // At least 50 cycles; then until the reply arrived (the host's worker answers it, later
    // under load or a sanitizer), bounded.
    for (; cycle < 50 || (reported() != 10 && cycle < 20000); cycle++) {
        RealtimeGuard guard;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        heapOperations += guard.heapOperations();
        std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the workers answer
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
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
    int submitted = 0, failures = 0;
    uint64_t heapOperations = 0;
    // Bounded generously: under a sanitizer on a loaded machine the worker lags (2000 was too few).
    for (int cycle = 0; cycle < 20000 && (completed.load() < 100 || submitted < 100); cycle++) {
        // Sleeping between cycles lets the service's worker run; it is not part of the audio path.
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        RealtimeGuard guard;  // around the audio-thread work only: submit + process (+ completions)
        if (submitted < 100 && instance->submitExtensionRequest(request, nullptr) == HostingStatus::Ok)
            submitted++;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        heapOperations += guard.heapOperations();
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(submitted, 100);
    EXPECT_EQ(completed.load(), 100);
    EXPECT_EQ(succeeded.load(), 100);
    EXPECT_EQ(heapOperations, 0u);
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
    uint64_t heapOperations = 0;
    for (int cycle = 0; cycle < 500; cycle++) {
        const int before = inlineCompleted.load();
        RealtimeGuard guard;
        failures += instance->submitExtensionRequest(request, nullptr) != HostingStatus::Ok;
        failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
        heapOperations += guard.heapOperations();
        sameCycle += inlineCompleted.load() == before + 1;
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(sameCycle, 500);
    EXPECT_EQ(heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
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
        uint64_t heapOperations = 0;
        for (; cycle < 20000 && (inProcessCompleted.load() < 100 || submitted < 100); cycle++) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));  // lets the worker run
            RealtimeGuard guard;
            if (submitted < 100 && instance->submitExtensionRequest(request, nullptr) == HostingStatus::Ok)
                submitted++;
            failures += instance->process(kFrames, 1000000000) != HostingStatus::Ok;
            heapOperations += guard.heapOperations();
        }
        EXPECT_EQ(failures, 0);
        EXPECT_EQ(submitted, 100);
        EXPECT_EQ(inProcessCompleted.load(), 100) << "after " << cycle << " cycles";
        EXPECT_EQ(inProcessSucceeded.load(), 100);
        EXPECT_EQ(heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
        ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    }
}

} // namespace
} // namespace aap
