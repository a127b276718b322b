#include "aap/runtime/bounded-mpsc-queue.h"

#include <gtest/gtest.h>

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
