// Multi-producer stress of the lock-free pieces. Also run under ThreadSanitizer (label tsan).
#include "aap/runtime/bounded-mpsc-queue.h"
#include "aap/runtime/index-free-list.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/request-table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 1;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr int kScale = 1;
#else
constexpr int kScale = 4;
#endif
#else
constexpr int kScale = 4;
#endif

constexpr int kProducers = 4;

TEST(ConcurrencyStress, MpscQueueDeliversEveryItemOncePerProducerInOrder) {
    const int perProducer = 25000 * kScale;
    aap::BoundedMpscQueue<std::uint64_t> queue(64);
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < perProducer; ++i) {
                std::uint64_t item = (static_cast<std::uint64_t>(p) << 32) | static_cast<std::uint32_t>(i);
                while (!queue.tryPush(item))
                    std::this_thread::yield();
            }
        });
    std::vector<std::int64_t> last(kProducers, -1);
    int received = 0;
    std::uint64_t item = 0;
    while (received < kProducers * perProducer) {
        if (!queue.tryPop(item)) {
            std::this_thread::yield();
            continue;
        }
        const auto producer = static_cast<std::size_t>(item >> 32);
        const auto sequence = static_cast<std::int64_t>(item & 0xFFFFFFFFu);
        ASSERT_LT(producer, static_cast<std::size_t>(kProducers));
        ASSERT_EQ(sequence, last[producer] + 1) << "producer " << producer;
        last[producer] = sequence;
        ++received;
    }
    for (auto& t : producers)
        t.join();
    EXPECT_FALSE(queue.tryPop(item));
}

struct LaneRecorder {
    std::vector<std::int64_t> last = std::vector<std::int64_t>(kProducers, -1);
    std::atomic<int> run{0};
    std::atomic<int> cancelled{0};
    std::atomic<int> outOfOrder{0};
    static void task(void* context, std::uint64_t argument, aap::TaskOutcome outcome) noexcept {
        auto* self = static_cast<LaneRecorder*>(context);
        if (outcome == aap::TaskOutcome::Cancelled) {
            self->cancelled.fetch_add(1);
            return;
        }
        const auto lane = static_cast<std::size_t>(argument >> 32);
        const auto sequence = static_cast<std::int64_t>(argument & 0xFFFFFFFFu);
        if (sequence <= self->last[lane])
            self->outOfOrder.fetch_add(1);
        self->last[lane] = sequence;
        self->run.fetch_add(1);
    }
};

class WorkerStress : public ::testing::TestWithParam<aap::WakePolicy> {};

TEST_P(WorkerStress, SeveralProducersKeepPerLaneOrderAndLoseNothing) {
    aap::NonRealtimeWorker::Options options;
    options.capacity = 256;
    options.wakePolicy = GetParam();
    options.pollMaxSleep = std::chrono::microseconds(200);
    aap::NonRealtimeWorker worker(options);
    ASSERT_TRUE(worker.start());
    LaneRecorder recorder;
    const int perProducer = 5000 * kScale;
    std::atomic<int> accepted{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < perProducer; ++i) {
                const std::uint64_t argument = (static_cast<std::uint64_t>(p) << 32) | static_cast<std::uint32_t>(i);
                for (;;) {
                    const auto result = worker.post({LaneRecorder::task, &recorder, argument});
                    worker.wakeIfPending();
                    if (result == aap::PostResult::Posted)
                        break;
                    ASSERT_EQ(result, aap::PostResult::QueueFull);
                    std::this_thread::yield();
                }
                accepted.fetch_add(1);
            }
        });
    for (auto& t : producers)
        t.join();
    while (recorder.run.load() < accepted.load())
        std::this_thread::yield();
    worker.stop();
    EXPECT_EQ(recorder.run.load(), kProducers * perProducer);
    EXPECT_EQ(recorder.cancelled.load(), 0);
    EXPECT_EQ(recorder.outOfOrder.load(), 0);
}

TEST_P(WorkerStress, StopWhileProducersPostCallsEveryAcceptedTaskExactlyOnce) {
    aap::NonRealtimeWorker::Options options;
    options.capacity = 128;
    options.wakePolicy = GetParam();
    auto worker = std::make_unique<aap::NonRealtimeWorker>(options);
    ASSERT_TRUE(worker->start());
    LaneRecorder recorder;
    std::atomic<int> accepted{0};
    std::atomic<bool> stopping{false};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (std::uint32_t i = 0;; ++i) {
                const auto result =
                    worker->post({LaneRecorder::task, &recorder, (static_cast<std::uint64_t>(p) << 32) | i});
                worker->wakeIfPending();
                if (result == aap::PostResult::Posted)
                    accepted.fetch_add(1);
                else if (result == aap::PostResult::Stopped)
                    return;
                else
                    std::this_thread::yield();
                if (stopping.load() && i % 64 == 0)
                    std::this_thread::yield();
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stopping.store(true);
    worker->stop();
    for (auto& t : producers)
        t.join();
    EXPECT_EQ(recorder.run.load() + recorder.cancelled.load(), accepted.load());
    EXPECT_EQ(recorder.outOfOrder.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(ConcurrencyStress, WorkerStress,
                         ::testing::Values(aap::WakePolicy::WakeOncePerCycle, aap::WakePolicy::WakeOnEveryPost,
                                           aap::WakePolicy::PollWithBackoff));

TEST(ConcurrencyStress, RequestTableRegistersFromManyThreadsAndCompletesExactlyOnce) {
    aap::RequestTable table(64);
    std::atomic<int> delivered{0};
    const auto count = [](void* user, const aap::RequestCompletion&) noexcept {
        static_cast<std::atomic<int>*>(user)->fetch_add(1);
    };
    const int perProducer = 5000 * kScale;
    aap::BoundedMpscQueue<std::uint32_t> ids(256);
    std::atomic<int> registered{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&] {
            for (int i = 0; i < perProducer; ++i) {
                aap::RequestRegistration r;
                while (!(r = table.registerRequest(count, &delivered, aap::RequestTable::kNoDeadline)).ok())
                    std::this_thread::yield();
                std::uint32_t id = r.requestId;
                while (!ids.tryPush(id))
                    std::this_thread::yield();
                registered.fetch_add(1);
            }
        });
    // Two racing finishers per id: the consumer completes it while a second thread cancels it.
    std::atomic<bool> done{false};
    aap::BoundedMpscQueue<std::uint32_t> toCancel(256);
    std::thread canceller([&] {
        std::uint32_t id;
        while (!done.load() || !toCancel.empty())
            if (toCancel.tryPop(id))
                table.cancel(id);
            else
                std::this_thread::yield();
    });
    int consumed = 0;
    std::uint32_t id = 0;
    while (consumed < kProducers * perProducer) {
        if (!ids.tryPop(id)) {
            std::this_thread::yield();
            continue;
        }
        std::uint32_t copy = id;
        while (!toCancel.tryPush(copy))
            std::this_thread::yield();
        aap::RequestCompletion c;
        c.status = aap::RequestStatus::Completed;
        table.complete(id, c);
        ++consumed;
    }
    done.store(true);
    canceller.join();
    for (auto& t : producers)
        t.join();
    EXPECT_EQ(delivered.load(), kProducers * perProducer);
    EXPECT_EQ(table.pendingCount(), 0u);
}

TEST(ConcurrencyStress, RequestTableExpiresWhileOtherThreadsRegisterWithoutLosingAny) {
    aap::RequestTable table(128);
    std::atomic<int> timedOut{0}, completed{0};
    struct Counters {
        std::atomic<int>* timedOut;
        std::atomic<int>* completed;
    } counters{&timedOut, &completed};
    const auto record = [](void* user, const aap::RequestCompletion& c) noexcept {
        auto* k = static_cast<Counters*>(user);
        (c.status == aap::RequestStatus::TimedOut ? k->timedOut : k->completed)->fetch_add(1);
    };
    const int perProducer = 3000 * kScale;
    std::atomic<bool> producing{true};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < perProducer; ++i) {
                // Deadlines already past or 0-50 us ahead, in random order: the bound moves both ways.
                const std::int64_t deadline = aap::monotonicNowNs() + ((i * 7919 + p * 104729) % 50) * 1000 - 10000;
                while (!table.registerRequest(record, &counters, deadline).ok())
                    std::this_thread::yield();
            }
        });
    std::thread expirer([&] {
        // A lost deadline would leave a request pending forever: give up after 20 s and let the
        // expectations below report it.
        const std::int64_t giveUp = aap::monotonicNowNs() + 20'000'000'000;
        while ((producing.load() || table.pendingCount() > 0) && aap::monotonicNowNs() < giveUp)
            table.expire(aap::monotonicNowNs());
    });
    for (auto& t : producers)
        t.join();
    producing.store(false);
    expirer.join();
    EXPECT_EQ(timedOut.load() + completed.load(), kProducers * perProducer);
    EXPECT_EQ(timedOut.load(), kProducers * perProducer);
}

// ABA: threads pop, hold and push indices of a small pool as fast as they can; an index handed to
// two threads at once (a lost tag) would show as an owner mismatch.
TEST(ConcurrencyStress, IndexFreeListNeverHandsOneIndexToTwoThreads) {
    constexpr std::uint32_t kPool = 3; // fewer than threads: constant contention on the head
    aap::IndexFreeList list(kPool);
    std::atomic<int> owner[kPool];
    for (auto& o : owner)
        o.store(-1);
    std::atomic<int> conflicts{0};
    const int perThread = 20000 * kScale;
    std::vector<std::thread> threads;
    for (int t = 0; t < kProducers; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < perThread; ++i) {
                const std::uint32_t index = list.pop();
                if (index == aap::IndexFreeList::kEmpty)
                    continue;
                int expected = -1;
                if (index >= kPool || !owner[index].compare_exchange_strong(expected, t))
                    conflicts.fetch_add(1);
                expected = t;
                if (index < kPool && !owner[index].compare_exchange_strong(expected, -1))
                    conflicts.fetch_add(1);
                list.push(index);
            }
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(conflicts.load(), 0);
    std::vector<bool> seen(kPool, false);
    for (std::uint32_t i = 0; i < kPool; ++i) {
        const std::uint32_t index = list.pop();
        ASSERT_LT(index, kPool);
        EXPECT_FALSE(seen[index]);
        seen[index] = true;
    }
    EXPECT_EQ(list.pop(), aap::IndexFreeList::kEmpty);
}

// withdraw() (the initiator's undo after a failed queue push) races a completion: exactly one
// of them wins, and a withdrawn request never calls back.
TEST(ConcurrencyStress, RequestTableWithdrawRacingCompletionFinishesEachRequestOnce) {
    aap::RequestTable table(8);
    std::atomic<int> delivered{0};
    const auto count = [](void* user, const aap::RequestCompletion&) noexcept {
        static_cast<std::atomic<int>*>(user)->fetch_add(1);
    };
    const int rounds = 5000 * kScale;
    std::atomic<std::uint32_t> current{0};
    std::atomic<bool> done{false};
    std::thread completer([&] {
        while (!done.load()) {
            const std::uint32_t id = current.load();
            if (id)
                table.complete(id, aap::RequestCompletion{});
        }
    });
    int withdrawn = 0;
    for (int i = 0; i < rounds; ++i) {
        const aap::RequestRegistration r = table.registerRequest(count, &delivered, aap::RequestTable::kNoDeadline);
        ASSERT_TRUE(r.ok());
        current.store(r.requestId);
        if (table.withdraw(r.requestId))
            ++withdrawn;
        current.store(0);
        EXPECT_FALSE(table.isPending(r.requestId));
        EXPECT_FALSE(table.withdraw(r.requestId));
    }
    done.store(true);
    completer.join();
    EXPECT_EQ(withdrawn + delivered.load(), rounds);
    EXPECT_EQ(table.pendingCount(), 0u);
}

} // namespace
