#include "aap/runtime/bounded-mpsc-queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(BoundedMpscQueue, RoundsCapacityUpToAPowerOfTwo) {
    EXPECT_EQ(aap::BoundedMpscQueue<int>(5).capacity(), 8u);
    EXPECT_EQ(aap::BoundedMpscQueue<int>(8).capacity(), 8u);
    EXPECT_EQ(aap::BoundedMpscQueue<int>(0).capacity(), 2u);
}

TEST(BoundedMpscQueue, IsFifoAndReportsFullInsteadOfGrowing) {
    aap::BoundedMpscQueue<int> queue(4);
    EXPECT_TRUE(queue.empty());
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(queue.tryPush(i));
    EXPECT_FALSE(queue.tryPush(99));
    int out = -1;
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_FALSE(queue.tryPop(out));
    EXPECT_TRUE(queue.empty());
}

TEST(BoundedMpscQueue, WrapsAroundManyTimes) {
    aap::BoundedMpscQueue<int> queue(4);
    int out = 0;
    for (int i = 0; i < 10000; ++i) {
        ASSERT_TRUE(queue.tryPush(i));
        ASSERT_TRUE(queue.tryPop(out));
        ASSERT_EQ(out, i);
    }
}

} // namespace

namespace {

TEST(BoundedMpscQueue, ConsumeTakesInOrderAndLeavesTheRefusedItemFirstInLine) {
    aap::BoundedMpscQueue<int> queue(8);
    for (int i = 0; i < 6; ++i)
        ASSERT_TRUE(queue.tryPush(i));
    std::vector<int> seen;
    // Refuses 3: 0, 1, 2 taken, 3 stays first.
    EXPECT_EQ(queue.consume(100, [&](const int& item) {
        if (item == 3)
            return false;
        seen.push_back(item);
        return true;
    }), 3u);
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
    // At most `max`.
    seen.clear();
    EXPECT_EQ(queue.consume(2, [&](const int& item) {
        seen.push_back(item);
        return true;
    }), 2u);
    EXPECT_EQ(seen, (std::vector<int>{3, 4}));
    // The taken cells are free again: the queue holds 8 once more.
    for (int i = 6; i < 13; ++i)
        EXPECT_TRUE(queue.tryPush(i)) << i;
    EXPECT_FALSE(queue.tryPush(13));
    int out = -1;
    for (int i = 5; i < 13; ++i) {
        ASSERT_TRUE(queue.tryPop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_EQ(queue.consume(100, [](const int&) { return true; }), 0u) << "nothing is published";
    EXPECT_TRUE(queue.empty());
}

} // namespace
