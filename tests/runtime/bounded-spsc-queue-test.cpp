// aap::BoundedSpscQueue: FIFO order, a full queue refuses without overwriting, staged items stay
// invisible until published (one publish for a batch), the Writer batch, wrap-around, and one
// producer thread against one consumer thread (run under ThreadSanitizer in CI).

#include "aap/runtime/bounded-spsc-queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace {

TEST(BoundedSpscQueue, RoundsCapacityUpToAPowerOfTwo) {
    EXPECT_EQ(aap::BoundedSpscQueue<int>(5).capacity(), 8u);
    EXPECT_EQ(aap::BoundedSpscQueue<int>(8).capacity(), 8u);
    EXPECT_EQ(aap::BoundedSpscQueue<int>(0).capacity(), 2u);
}

TEST(BoundedSpscQueue, IsFifoAndAFullQueueRefusesWithoutOverwriting) {
    aap::BoundedSpscQueue<int> queue(4);
    EXPECT_TRUE(queue.empty());
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(queue.tryPush(i));
    EXPECT_FALSE(queue.tryPush(99));
    EXPECT_FALSE(queue.stage(98));
    int out = -1;
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, i) << "an item was overwritten";
    }
    EXPECT_FALSE(queue.tryPop(out));
    EXPECT_TRUE(queue.empty());
}

TEST(BoundedSpscQueue, StagedItemsAreInvisibleUntilPublished) {
    aap::BoundedSpscQueue<int> queue(8);
    EXPECT_TRUE(queue.stage(1));
    EXPECT_TRUE(queue.stage(2));
    int out = -1;
    EXPECT_FALSE(queue.tryPop(out));
    EXPECT_TRUE(queue.empty());
    queue.publish();
    ASSERT_TRUE(queue.tryPop(out));
    EXPECT_EQ(out, 1);
    ASSERT_TRUE(queue.tryPop(out));
    EXPECT_EQ(out, 2);
    EXPECT_FALSE(queue.tryPop(out));
    // Staged cells count against the capacity: 8 staged, the 9th refused, all 8 then delivered.
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(queue.stage(10 + i));
    EXPECT_FALSE(queue.stage(18));
    queue.publish();
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, 10 + i);
    }
}

TEST(BoundedSpscQueue, AWriterPublishesItsBatchOnceAndStopsWhenFull) {
    aap::BoundedSpscQueue<int> queue(4);
    ASSERT_TRUE(queue.tryPush(0));
    int out = -1;
    {
        aap::BoundedSpscQueue<int>::Writer writer(queue);
        for (int i = 1; i <= 3; ++i) {
            int* cell = writer.next();
            ASSERT_NE(cell, nullptr);
            *cell = i;
        }
        EXPECT_EQ(writer.next(), nullptr) << "the queue holds 4";
        // Not yet published: only the first item is visible.
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, 0);
        EXPECT_FALSE(queue.tryPop(out));
        // The consumer freed a cell meanwhile: the writer sees it.
        int* cell = writer.next();
        ASSERT_NE(cell, nullptr);
        *cell = 4;
        EXPECT_EQ(writer.next(), nullptr);
    }  // published here
    for (int i = 1; i <= 4; ++i) {
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_FALSE(queue.tryPop(out));
    // After a writer, the plain producer calls carry on from where it stopped.
    EXPECT_TRUE(queue.tryPush(5));
    ASSERT_TRUE(queue.tryPop(out));
    EXPECT_EQ(out, 5);
}

TEST(BoundedSpscQueue, WrapsAroundManyTimes) {
    aap::BoundedSpscQueue<int> queue(4);
    int out = 0;
    for (int i = 0; i < 10000; ++i) {
        ASSERT_TRUE(queue.tryPush(i));
        ASSERT_TRUE(queue.tryPop(out));
        ASSERT_EQ(out, i);
    }
}

TEST(BoundedSpscQueue, OneProducerThreadAndOneConsumerThreadSeeEveryItemInOrder) {
    struct Item {
        uint64_t sequence = 0;
        uint64_t check = 0;
    };
    aap::BoundedSpscQueue<Item> queue(64);
    constexpr uint64_t kItems = 200000;
    std::atomic<bool> failed{false};
    std::thread consumer([&] {
        uint64_t expected = 0;
        Item item;
        while (expected < kItems) {
            if (!queue.tryPop(item)) {
                std::this_thread::yield();
                continue;
            }
            if (item.sequence != expected || item.check != ~expected) {
                failed = true;
                return;
            }
            expected++;
        }
    });
    uint64_t next = 0;
    while (next < kItems) {
        // Batches of up to 7 through a Writer, published once each.
        aap::BoundedSpscQueue<Item>::Writer writer(queue);
        for (int i = 0; i < 7 && next < kItems; i++) {
            Item* cell = writer.next();
            if (cell == nullptr)
                break;
            cell->sequence = next;
            cell->check = ~next;
            next++;
        }
        writer.publish();
        std::this_thread::yield();
    }
    consumer.join();
    EXPECT_FALSE(failed.load()) << "an item was lost, repeated, reordered or torn";
}

} // namespace
