// Realtime scheduling and memory locking (aap/hosting/realtime-scheduling.h): the helper for the
// calling thread, the service's realtime thread as the service reads it back and as /proc shows
// it from outside, and the refusals (RLIMIT_RTPRIO 0 without CAP_SYS_NICE, RLIMIT_MEMLOCK 0
// without CAP_IPC_LOCK) reported without failing anything.

#include <dirent.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "aap/hosting/plugin-host.h"
#include "aap/hosting/process-transport.h"
#include "aap/hosting/realtime-scheduling.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

// AddressSanitizer and ThreadSanitizer intercept mlock() as a successful no-op.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kMlockIsReal = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kMlockIsReal = false;
#else
constexpr bool kMlockIsReal = true;
#endif
#else
constexpr bool kMlockIsReal = true;
#endif

// What the kernel gives a fresh thread of this process at `priority` (the helper's own answer,
// taken on a scratch thread so that the test thread keeps its policy).
RealtimeScheduling probe(int32_t priority) {
    RealtimeScheduling result;
    std::thread([&] { result = requestRealtimeScheduling(priority); }).join();
    return result;
}

TEST(RealtimeScheduling, CallingThreadRunsFifoAtThePriorityWhenGranted) {
    std::thread([] {
        const RealtimeScheduling result = requestRealtimeScheduling(11);
        EXPECT_EQ(result.requestedPriority, 11);
        int policy = -1;
        struct sched_param parameter {};
        ASSERT_EQ(::pthread_getschedparam(::pthread_self(), &policy, &parameter), 0);
        if (result.grant == RealtimeGrant::Granted) {
            EXPECT_EQ(::sched_getscheduler(0), SCHED_FIFO);
            EXPECT_EQ(policy, SCHED_FIFO);
            EXPECT_EQ(parameter.sched_priority, 11);
            EXPECT_EQ(describeRealtimeScheduling(result), "granted (SCHED_FIFO 11)");
        } else {
            // Refused: the thread kept its policy and the report says why.
            ASSERT_EQ(result.grant, RealtimeGrant::Refused);
            EXPECT_NE(policy, SCHED_FIFO);
            EXPECT_NE(result.errorNumber, 0);
            EXPECT_EQ(describeRealtimeScheduling(result).rfind("refused (", 0), 0u) << describeRealtimeScheduling(result);
        }
    }).join();
}

TEST(RealtimeScheduling, PriorityZeroAsksNothingAndOutOfRangeIsRefused) {
    std::thread([] {
        const RealtimeScheduling none = requestRealtimeScheduling(0);
        EXPECT_EQ(none.grant, RealtimeGrant::NotRequested);
        EXPECT_EQ(none.policy, SCHED_OTHER);
        EXPECT_EQ(describeRealtimeScheduling(none), "not requested");
        for (int32_t bad : {-1, 100, 150}) {
            const RealtimeScheduling refused = requestRealtimeScheduling(bad);
            EXPECT_EQ(refused.grant, RealtimeGrant::Refused);
            EXPECT_EQ(describeRealtimeScheduling(refused),
                      "refused (priority " + std::to_string(bad) + " is outside SCHED_FIFO's 1..99)");
            EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
        }
    }).join();
}

// The threads of `pid` whose policy is SCHED_FIFO at `priority` (-1: at any priority), seen from
// outside the process.
int fifoThreadsOf(pid_t pid, int priority) {
    int count = 0;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr)
        return -1;
    while (struct dirent* entry = ::readdir(dir)) {
        const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (tid <= 0)
            continue;
        struct sched_param parameter {};
        if (::sched_getscheduler(tid) == SCHED_FIFO && ::sched_getparam(tid, &parameter) == 0 &&
            (priority < 0 || parameter.sched_priority == priority))
            count++;
    }
    ::closedir(dir);
    return count;
}

struct Started {
    std::shared_ptr<ProcessTransport> transport;
    std::unique_ptr<PluginInstance> instance;
};

void startGainEcho(int32_t priority, Started* out) {
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.realtimePriority = priority;
    std::string error;
    ASSERT_EQ(ProcessTransport::start(options.process, &out->transport, &error), HostingStatus::Ok) << error;
    options.transport = out->transport;
    PluginHost host{test::testCatalog(), options};
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &out->instance, &error), HostingStatus::Ok) << error;
    ASSERT_EQ(out->instance->prepare(64, 48000), HostingStatus::Ok);
    ASSERT_EQ(out->instance->activate(), HostingStatus::Ok);
}

TEST(RealtimeScheduling, ServiceThreadRunsFifoAtTheConfiguredPriority) {
    const RealtimeScheduling expected = probe(23);
    Started started;
    ASSERT_NO_FATAL_FAILURE(startGainEcho(23, &started));
    const RealtimeReport report = started.instance->realtimeReport();
    const pid_t service = started.transport->servicePid();
    std::printf("service thread: %s; memory: host %s, service %s\n", describeRealtimeScheduling(report.scheduling).c_str(),
                describeMemoryLocking(report.hostMemory).c_str(), describeMemoryLocking(report.serviceMemory).c_str());
    if (expected.grant == RealtimeGrant::Granted) {
        // Read back by the service from its own thread, and seen from outside in /proc.
        EXPECT_EQ(report.scheduling.grant, RealtimeGrant::Granted);
        EXPECT_EQ(report.scheduling.policy, SCHED_FIFO);
        EXPECT_EQ(report.scheduling.priority, 23);
        EXPECT_EQ(describeRealtimeScheduling(report.scheduling), "granted (SCHED_FIFO 23)");
        EXPECT_EQ(fifoThreadsOf(service, 23), 1);
    } else {
        EXPECT_EQ(report.scheduling.grant, RealtimeGrant::Refused);
        EXPECT_EQ(describeRealtimeScheduling(report.scheduling), describeRealtimeScheduling(expected));
        EXPECT_EQ(fifoThreadsOf(service, 23), 0);
    }
    // Both sides locked (or at least pre-faulted) every byte of the instance's shared memory:
    // process block + 2 audio in + 2 audio out + 2 MIDI2 buffers at least.
    EXPECT_NE(report.hostMemory.state, MemoryLock::NotAttempted);
    EXPECT_NE(report.serviceMemory.state, MemoryLock::NotAttempted);
    EXPECT_GE(report.hostMemory.bytes, 4096u + 4u * 64u * sizeof(float));
    EXPECT_EQ(report.hostMemory.bytes, report.serviceMemory.bytes);
    test::fillInputs(*started.instance, 64, 7);
    EXPECT_EQ(started.instance->process(64, 1'000'000'000), HostingStatus::Ok);
    EXPECT_EQ(started.instance->deactivate(), HostingStatus::Ok);
    // A second activation gets a fresh thread with the same scheduling.
    ASSERT_EQ(started.instance->activate(), HostingStatus::Ok);
    EXPECT_EQ(started.instance->realtimeReport().scheduling.grant, expected.grant);
    EXPECT_EQ(started.instance->destroy(), HostingStatus::Ok);
}

TEST(RealtimeScheduling, PriorityZeroLeavesTheServiceThreadAlone) {
    Started started;
    ASSERT_NO_FATAL_FAILURE(startGainEcho(0, &started));
    const RealtimeReport report = started.instance->realtimeReport();
    EXPECT_EQ(report.scheduling.grant, RealtimeGrant::NotRequested);
    EXPECT_EQ(report.scheduling.policy, SCHED_OTHER);
    EXPECT_EQ(fifoThreadsOf(started.transport->servicePid(), -1), 0);
    EXPECT_EQ(started.instance->destroy(), HostingStatus::Ok);
}

TEST(RealtimeScheduling, InvalidPriorityFailsActivate) {
    for (int32_t bad : {-1, 100}) {
        PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
        options.process.realtimePriority = bad;
        PluginHost host{test::testCatalog(), options};
        std::unique_ptr<PluginInstance> instance;
        ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
        ASSERT_EQ(instance->prepare(64, 48000), HostingStatus::Ok);
        EXPECT_EQ(instance->activate(), HostingStatus::InvalidArgument);
        EXPECT_EQ(instance->state(), InstanceState::Inactive);
    }
}

TEST(RealtimeScheduling, InProcessReportsNothingAttempted) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(64, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    const RealtimeReport report = instance->realtimeReport();
    EXPECT_EQ(report.scheduling.grant, RealtimeGrant::NotRequested);
    EXPECT_EQ(describeMemoryLocking(report.hostMemory), "not attempted");
}

constexpr const char* kChildVariable = "AAP_TEST_REALTIME_REFUSAL_CHILD";

// Registered only in the child of RefusalWithRtprioLimitZeroIsReported, which took CAP_SYS_NICE
// and CAP_IPC_LOCK away and set RLIMIT_RTPRIO and RLIMIT_MEMLOCK to 0 before executing this
// binary with kChildVariable set.
void refusalsAreReportedNotFatal() {
    // The helper, on a thread of this (host) process.
    const RealtimeScheduling own = probe(70);
    EXPECT_EQ(own.grant, RealtimeGrant::Refused);
    EXPECT_FALSE(own.capSysNice);
    EXPECT_EQ(describeRealtimeScheduling(own), "refused (RLIMIT_RTPRIO is 0)");
    // The service inherited the limits: its thread is refused too, and says so.
    Started started;
    ASSERT_NO_FATAL_FAILURE(startGainEcho(70, &started));
    const RealtimeReport report = started.instance->realtimeReport();
    EXPECT_EQ(report.scheduling.grant, RealtimeGrant::Refused);
    EXPECT_EQ(report.scheduling.policy, SCHED_OTHER);
    EXPECT_EQ(describeRealtimeScheduling(report.scheduling), "refused (RLIMIT_RTPRIO is 0)");
    EXPECT_EQ(fifoThreadsOf(started.transport->servicePid(), -1), 0);
    // mlock refused on both sides (RLIMIT_MEMLOCK 0), pages pre-faulted, prepare still Ok. (The
    // sanitizers' runtimes replace mlock with a no-op that succeeds, so there it reads "locked".)
    if (!kMlockIsReal) {
        std::printf("mlock is a no-op under this sanitizer; the refusal of mlock is not checked\n");
    } else {
        EXPECT_EQ(report.hostMemory.state, MemoryLock::Failed);
        EXPECT_EQ(report.serviceMemory.state, MemoryLock::Failed);
        EXPECT_EQ(report.serviceMemory.memlockLimit, 0);
        EXPECT_NE(describeMemoryLocking(report.serviceMemory).find("RLIMIT_MEMLOCK is 0 bytes"), std::string::npos)
            << describeMemoryLocking(report.serviceMemory);
    }
    test::fillInputs(*started.instance, 64, 3);
    EXPECT_EQ(started.instance->process(64, 1'000'000'000), HostingStatus::Ok);
    EXPECT_EQ(started.instance->destroy(), HostingStatus::Ok);
}

class ChildTest : public ::testing::Test {
    void TestBody() override { refusalsAreReportedNotFatal(); }
};
const bool kChildRegistered = std::getenv(kChildVariable) != nullptr &&
    (::testing::RegisterTest("RealtimeSchedulingChild", "RefusalsAreReportedNotFatal", nullptr, nullptr, __FILE__,
                             __LINE__, []() -> ::testing::Test* { return new ChildTest; }),
     true);

TEST(RealtimeScheduling, RefusalWithRtprioLimitZeroIsReported) {
    std::vector<std::string> environment{std::string{kChildVariable} + "=1"};
    for (char** entry = environ; *entry != nullptr; entry++)
        environment.emplace_back(*entry);
    std::vector<char*> envp;
    for (std::string& entry : environment)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Only async-signal-safe calls until exec. Root gets its capabilities back from the
        // bounding set at exec, so drop them there (fails harmlessly without CAP_SETPCAP, when
        // the process has none of them anyway).
        ::prctl(PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0);
        ::prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0);
        struct rlimit zero {0, 0};
        if (::setrlimit(RLIMIT_RTPRIO, &zero) != 0 || ::setrlimit(RLIMIT_MEMLOCK, &zero) != 0)
            ::_exit(90);
        char filter[] = "--gtest_filter=RealtimeSchedulingChild.*";
        char self[] = "/proc/self/exe";
        char* argv[] = {self, filter, nullptr};
        ::execve(self, argv, envp.data());
        ::_exit(91);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the child test died";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child test (output above) failed";
    EXPECT_TRUE(test::noChildProcessesRemain());
}

} // namespace
} // namespace aap
