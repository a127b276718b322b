#include "aap/runtime/request-table.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace {

struct Recorder {
    std::vector<aap::RequestCompletion> completions;
    std::vector<std::vector<std::uint8_t>> data;
    static void record(void* user, const aap::RequestCompletion& c) noexcept {
        auto* self = static_cast<Recorder*>(user);
        self->completions.push_back(c);
        self->data.emplace_back(c.data, c.data + c.dataSize);
    }
};

TEST(RequestTable, IdsAreNeverZeroAndUnique) {
    aap::RequestTable table(16);
    Recorder r;
    std::set<std::uint32_t> ids;
    for (int i = 0; i < 16; ++i) {
        auto reg = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
        ASSERT_TRUE(reg.ok());
        EXPECT_NE(reg.requestId, 0u);
        ids.insert(reg.requestId);
    }
    EXPECT_EQ(ids.size(), 16u);
    EXPECT_EQ(table.pendingCount(), 16u);
}

TEST(RequestTable, FullTableIsAnImmediateError) {
    aap::RequestTable table(2);
    Recorder r;
    ASSERT_TRUE(table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline).ok());
    ASSERT_TRUE(table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline).ok());
    auto third = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    EXPECT_FALSE(third.ok());
    EXPECT_EQ(third.error, aap::RegisterError::TableFull);
    EXPECT_EQ(third.requestId, 0u);
    EXPECT_TRUE(r.completions.empty());
}

TEST(RequestTable, RejectsMissingCallback) {
    aap::RequestTable table(2);
    EXPECT_EQ(table.registerRequest(nullptr, nullptr, 0).error, aap::RegisterError::NoCallback);
}

TEST(RequestTable, CompletesExactlyOnceWithData) {
    aap::RequestTable table(4);
    Recorder r;
    auto reg = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    const std::uint8_t bytes[] = {1, 2, 3};
    aap::RequestCompletion c;
    c.status = aap::RequestStatus::Completed;
    c.data = bytes;
    c.dataSize = 3;
    EXPECT_EQ(table.complete(reg.requestId, c), aap::CompleteResult::Delivered);
    EXPECT_EQ(table.complete(reg.requestId, c), aap::CompleteResult::UnknownRequest);
    EXPECT_EQ(table.cancel(reg.requestId), aap::CompleteResult::UnknownRequest);
    ASSERT_EQ(r.completions.size(), 1u);
    EXPECT_EQ(r.completions[0].requestId, reg.requestId);
    EXPECT_EQ(r.completions[0].status, aap::RequestStatus::Completed);
    EXPECT_EQ(r.data[0], (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(table.pendingCount(), 0u);
}

TEST(RequestTable, StaleReplyForAReusedSlotIsRejected) {
    aap::RequestTable table(1);
    Recorder r;
    auto first = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    ASSERT_EQ(table.cancel(first.requestId), aap::CompleteResult::Delivered);
    auto second = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    ASSERT_TRUE(second.ok());
    EXPECT_NE(first.requestId, second.requestId); // same slot, new generation
    EXPECT_EQ(table.slotOf(first.requestId), table.slotOf(second.requestId));
    aap::RequestCompletion c;
    c.status = aap::RequestStatus::Completed;
    EXPECT_EQ(table.complete(first.requestId, c), aap::CompleteResult::UnknownRequest);
    EXPECT_TRUE(table.isPending(second.requestId));
}

TEST(RequestTable, ForgedIdsAreRejected) {
    aap::RequestTable table(4);
    Recorder r;
    auto reg = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    aap::RequestCompletion c;
    EXPECT_EQ(table.complete(0, c), aap::CompleteResult::UnknownRequest);
    EXPECT_EQ(table.complete(0xFFFF, c), aap::CompleteResult::UnknownRequest);      // slot out of range
    EXPECT_EQ(table.complete(reg.requestId ^ 0x10000u, c), aap::CompleteResult::UnknownRequest); // wrong generation
    EXPECT_EQ(table.complete(5, c), aap::CompleteResult::UnknownRequest);
    EXPECT_TRUE(r.completions.empty());
    EXPECT_TRUE(table.isPending(reg.requestId));
}

TEST(RequestTable, ExpiresOnlyPastDeadlines) {
    aap::RequestTable table(8);
    Recorder r;
    auto early = table.registerRequest(Recorder::record, &r, 100);
    auto late = table.registerRequest(Recorder::record, &r, 1000);
    auto never = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    EXPECT_EQ(table.expire(50), 0u);
    EXPECT_EQ(table.expire(100), 1u);
    ASSERT_EQ(r.completions.size(), 1u);
    EXPECT_EQ(r.completions[0].requestId, early.requestId);
    EXPECT_EQ(r.completions[0].status, aap::RequestStatus::TimedOut);
    EXPECT_EQ(table.expire(5000), 1u);
    EXPECT_EQ(r.completions[1].requestId, late.requestId);
    EXPECT_TRUE(table.isPending(never.requestId));
    aap::RequestCompletion c;
    EXPECT_EQ(table.complete(early.requestId, c), aap::CompleteResult::UnknownRequest); // reply after timeout
}

TEST(RequestTable, ExpireSeesEarlierDeadlinesRegisteredAfterAPass) {
    aap::RequestTable table(8);
    Recorder r;
    auto late = table.registerRequest(Recorder::record, &r, 1000);
    EXPECT_EQ(table.expire(500), 0u); // before every deadline: nothing scanned
    auto early = table.registerRequest(Recorder::record, &r, 600);
    EXPECT_EQ(table.expire(700), 1u);
    ASSERT_EQ(r.completions.size(), 1u);
    EXPECT_EQ(r.completions[0].requestId, early.requestId);
    EXPECT_EQ(table.expire(999), 0u);
    EXPECT_EQ(table.expire(1000), 1u);
    EXPECT_EQ(r.completions[1].requestId, late.requestId);
    // A completed request leaves a stale (too low) bound: the next pass repairs it, nothing fires.
    auto a = table.registerRequest(Recorder::record, &r, 2000);
    auto b = table.registerRequest(Recorder::record, &r, 3000);
    ASSERT_EQ(table.cancel(a.requestId), aap::CompleteResult::Delivered);
    EXPECT_EQ(table.expire(2500), 0u);
    EXPECT_TRUE(table.isPending(b.requestId));
    EXPECT_EQ(table.expire(3000), 1u);
}

TEST(RequestTable, BoundedExpireScanCoversTheTableOverSeveralCalls) {
    aap::RequestTable table(64);
    Recorder r;
    for (int i = 0; i < 64; ++i)
        table.registerRequest(Recorder::record, &r, 10);
    std::size_t total = 0;
    for (int call = 0; call < 8; ++call) {
        const std::size_t expired = table.expire(20, 8);
        EXPECT_LE(expired, 8u);
        total += expired;
    }
    EXPECT_EQ(total, 64u);
    EXPECT_EQ(table.pendingCount(), 0u);
}

TEST(RequestTable, CancelAllFinishesEveryPendingRequestOnce) {
    aap::RequestTable table(8);
    Recorder r;
    for (int i = 0; i < 5; ++i)
        table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
    EXPECT_EQ(table.cancelAll(aap::RequestStatus::Cancelled), 5u);
    EXPECT_EQ(table.cancelAll(aap::RequestStatus::Cancelled), 0u);
    ASSERT_EQ(r.completions.size(), 5u);
    for (auto& c : r.completions)
        EXPECT_EQ(c.status, aap::RequestStatus::Cancelled);
    // every slot is free again
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline).ok());
}

TEST(RequestTable, CapacityBoundsAreEnforced) {
    EXPECT_FALSE(aap::RequestTable::isValidCapacity(0));
    EXPECT_TRUE(aap::RequestTable::isValidCapacity(1));
    EXPECT_TRUE(aap::RequestTable::isValidCapacity(65535));
    EXPECT_FALSE(aap::RequestTable::isValidCapacity(65536));
    EXPECT_EQ(aap::RequestTable(0).capacity(), 1u);
    EXPECT_EQ(aap::RequestTable(100000).capacity(), 65535u);
    EXPECT_EQ(aap::RequestTable().capacity(), 256u);
}

TEST(RequestTable, LargestTableUsesEverySlot) {
    aap::RequestTable table(65535);
    Recorder r;
    std::uint32_t last = 0;
    for (int i = 0; i < 65535; ++i) {
        auto reg = table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline);
        ASSERT_TRUE(reg.ok());
        last = reg.requestId;
    }
    EXPECT_EQ(last & 0xFFFFu, 65535u);
    EXPECT_FALSE(table.registerRequest(Recorder::record, &r, aap::RequestTable::kNoDeadline).ok());
}

TEST(RequestTable, ReservedSlotIsNotPendingUntilPublished) {
    aap::RequestTable table(2);
    Recorder r;
    auto reserved = table.reserve();
    ASSERT_TRUE(reserved.ok());
    EXPECT_FALSE(table.isPending(reserved.requestId));
    aap::RequestCompletion c;
    EXPECT_EQ(table.complete(reserved.requestId, c), aap::CompleteResult::UnknownRequest);
    table.publish(reserved.requestId, Recorder::record, &r, aap::RequestTable::kNoDeadline);
    EXPECT_TRUE(table.isPending(reserved.requestId));
    auto other = table.reserve();
    table.release(other.requestId);
    EXPECT_TRUE(table.reserve().ok());
}

} // namespace
