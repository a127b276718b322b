// The host's audio thread never touches the heap in process(), across many out-of-process
// cycles, including the failure path (aap::rt-guard counts every allocation of this thread).

#include <gtest/gtest.h>

#include "aap/runtime/realtime-guard.h"
#include "hosting-test-support.h"

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

} // namespace
} // namespace aap
