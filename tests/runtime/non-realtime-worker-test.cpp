#include "aap/runtime/non-realtime-worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

struct Counter {
    std::atomic<int> run{0};
    std::atomic<int> cancelled{0};
    std::vector<std::uint64_t> order; // worker thread only
    static void task(void* context, std::uint64_t argument, aap::TaskOutcome outcome) noexcept {
        auto* self = static_cast<Counter*>(context);
        if (outcome == aap::TaskOutcome::Run) {
            self->order.push_back(argument);
            self->run.fetch_add(1);
        } else {
            self->cancelled.fetch_add(1);
        }
    }
};

bool waitFor(const std::atomic<int>& value, int expected, std::chrono::milliseconds limit = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (value.load() < expected && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(100us);
    return value.load() >= expected;
}

class EveryPolicy : public ::testing::TestWithParam<aap::WakePolicy> {};

TEST_P(EveryPolicy, RunsTasksInPostOrder) {
    aap::NonRealtimeWorker::Options options;
    options.wakePolicy = GetParam();
    aap::NonRealtimeWorker worker(options);
    ASSERT_TRUE(worker.start());
    Counter counter;
    for (std::uint64_t i = 0; i < 100; ++i) {
        ASSERT_EQ(worker.post({Counter::task, &counter, i}), aap::PostResult::Posted);
        worker.wakeIfPending(); // one "cycle" per post
    }
    ASSERT_TRUE(waitFor(counter.run, 100));
    worker.stop();
    ASSERT_EQ(counter.order.size(), 100u);
    for (std::uint64_t i = 0; i < 100; ++i)
        EXPECT_EQ(counter.order[i], i);
    EXPECT_EQ(counter.cancelled.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(NonRealtimeWorker, EveryPolicy,
                         ::testing::Values(aap::WakePolicy::WakeOncePerCycle, aap::WakePolicy::WakeOnEveryPost,
                                           aap::WakePolicy::PollWithBackoff));

TEST(NonRealtimeWorker, WakeOncePerCycleIssuesAtMostOneWakePerCycle) {
    aap::NonRealtimeWorker::Options options;
    options.wakePolicy = aap::WakePolicy::WakeOncePerCycle;
    aap::NonRealtimeWorker worker(options);
    ASSERT_TRUE(worker.start());
    Counter counter;
    int posted = 0;
    const int cycles = 50;
    for (int cycle = 0; cycle < cycles; ++cycle) {
        for (int i = 0; i < 10; ++i, ++posted)
            ASSERT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::Posted);
        worker.wakeIfPending();
        std::this_thread::sleep_for(200us);
    }
    ASSERT_TRUE(waitFor(counter.run, posted));
    const auto stats = worker.statistics();
    EXPECT_LE(stats.wakeSyscalls, static_cast<std::uint64_t>(cycles));
    EXPECT_EQ(stats.tasksRun, static_cast<std::uint64_t>(posted));
}

TEST(NonRealtimeWorker, WakeOncePerCycleDoesNothingWhenIdle) {
    aap::NonRealtimeWorker worker;
    ASSERT_TRUE(worker.start());
    std::this_thread::sleep_for(5ms); // let it fall asleep
    for (int i = 0; i < 1000; ++i)
        worker.wakeIfPending();
    EXPECT_EQ(worker.statistics().wakeSyscalls, 0u);
}

TEST(NonRealtimeWorker, StopCancelsQueuedTasksExactlyOnce) {
    aap::NonRealtimeWorker worker; // never started: everything stays queued
    Counter counter;
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::Posted);
    worker.stop();
    EXPECT_EQ(counter.run.load(), 0);
    EXPECT_EQ(counter.cancelled.load(), 10);
    worker.stop(); // idempotent
    EXPECT_EQ(counter.cancelled.load(), 10);
    EXPECT_EQ(worker.statistics().tasksCancelled, 10u);
}

TEST(NonRealtimeWorker, TaskRunningAtStopFinishesAndTheRestIsCancelled) {
    aap::NonRealtimeWorker::Options options;
    options.wakePolicy = aap::WakePolicy::WakeOnEveryPost;
    aap::NonRealtimeWorker worker(options);
    std::atomic<bool> entered{false}, release{false};
    struct Blocker {
        std::atomic<bool>* entered;
        std::atomic<bool>* release;
        static void task(void* c, std::uint64_t, aap::TaskOutcome outcome) noexcept {
            auto* self = static_cast<Blocker*>(c);
            if (outcome != aap::TaskOutcome::Run)
                return;
            self->entered->store(true);
            while (!self->release->load())
                std::this_thread::yield();
        }
    } blocker{&entered, &release};
    ASSERT_TRUE(worker.start());
    ASSERT_EQ(worker.post({Blocker::task, &blocker, 0}), aap::PostResult::Posted);
    while (!entered.load())
        std::this_thread::yield();
    Counter counter;
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::Posted);
    std::thread stopper([&] { worker.stop(); });
    while (worker.running()) // stop() has begun: the worker will not start another task
        std::this_thread::yield();
    release.store(true);
    stopper.join();
    EXPECT_EQ(counter.run.load() + counter.cancelled.load(), 5);
    EXPECT_EQ(counter.run.load(), 0);
}

TEST(NonRealtimeWorker, PostAfterStopIsRefused) {
    aap::NonRealtimeWorker worker;
    ASSERT_TRUE(worker.start());
    worker.stop();
    Counter counter;
    EXPECT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::Stopped);
    EXPECT_FALSE(worker.start());
    EXPECT_EQ(counter.cancelled.load(), 0);
}

TEST(NonRealtimeWorker, RejectsTaskWithoutFunction) {
    aap::NonRealtimeWorker worker;
    EXPECT_EQ(worker.post({nullptr, nullptr, 0}), aap::PostResult::InvalidTask);
}

TEST(NonRealtimeWorker, FullQueueIsReportedNotGrown) {
    aap::NonRealtimeWorker::Options options;
    options.capacity = 4;
    aap::NonRealtimeWorker worker(options); // not started
    Counter counter;
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::Posted);
    EXPECT_EQ(worker.post({Counter::task, &counter, 0}), aap::PostResult::QueueFull);
    worker.stop();
    EXPECT_EQ(counter.cancelled.load(), 4);
}

TEST(NonRealtimeWorker, EveryResultAndPolicyHasAName) {
    EXPECT_STREQ(aap::toString(aap::PostResult::QueueFull), "non-realtime queue is full");
    EXPECT_STREQ(aap::toString(aap::WakePolicy::PollWithBackoff), "poll-with-backoff");
}

} // namespace
