#include "aap/runtime/request-table.h"

#include <algorithm>
#include <chrono>

namespace aap {

struct RequestTable::Slot {
    // The pending request's id, 0 when the slot is free or being finished.
    std::atomic<std::uint32_t> ticket{0};
    // Written by the registering thread before the ticket is published; atomic because expire()
    // may read it while another thread recycles the slot.
    std::atomic<std::int64_t> deadline_ns{kNoDeadline};
    // Generation of the next registration (only the thread that popped the slot touches it).
    std::uint16_t generation = 0;
    // Read only by the thread that claimed the ticket.
    RequestCompletionFunction function = nullptr;
    void* user = nullptr;
};

const char* toString(RequestStatus status) noexcept {
    switch (status) {
    case RequestStatus::Completed: return "completed";
    case RequestStatus::ErrorReply: return "the recipient replied with an error";
    case RequestStatus::TimedOut: return "request timed out";
    case RequestStatus::Cancelled: return "request cancelled";
    case RequestStatus::SendFailed: return "request could not be sent";
    }
    return "unknown request status";
}

const char* toString(RegisterError error) noexcept {
    switch (error) {
    case RegisterError::None: return "ok";
    case RegisterError::TableFull: return "request table is full";
    case RegisterError::NoCallback: return "request has no completion callback";
    }
    return "unknown register error";
}

std::int64_t monotonicNowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

RequestTable::RequestTable(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)), slots_(new Slot[capacity_]),
      free_(static_cast<std::uint32_t>(capacity_)) {}

RequestTable::~RequestTable() = default;

RequestRegistration RequestTable::reserve() noexcept {
    const std::uint32_t index = free_.pop();
    if (index == IndexFreeList::kEmpty)
        return {0, RegisterError::TableFull};
    // The slot is ours alone until published: the free list's acquire/release order it after the
    // previous owner's last access.
    Slot& slot = slots_[index];
    ++slot.generation;
    return {(static_cast<std::uint32_t>(slot.generation) << 16) | (index + 1u), RegisterError::None};
}

void RequestTable::publish(std::uint32_t requestId, RequestCompletionFunction function, void* user,
                           std::int64_t deadlineNs) noexcept {
    Slot& slot = slots_[slotOf(requestId)];
    slot.function = function;
    slot.user = user;
    slot.deadline_ns.store(deadlineNs, std::memory_order_relaxed);
    pending_.fetch_add(1, std::memory_order_relaxed);
    slot.ticket.store(requestId, std::memory_order_release);
    // After the ticket, so that a full expire() pass either sees this request or keeps its
    // deadline in the bound (see expire()).
    lowerEarliestDeadline(deadlineNs);
}

void RequestTable::lowerEarliestDeadline(std::int64_t deadlineNs) noexcept {
    // Always one successful read-modify-write, even when the bound is already lower: a full
    // expire() pass's exchange is then ordered either before it (and this keeps deadlineNs) or
    // after it (and the pass, synchronized with it, sees the published ticket).
    std::int64_t current = earliest_deadline_.load(std::memory_order_relaxed);
    while (!earliest_deadline_.compare_exchange_weak(current, deadlineNs < current ? deadlineNs : current,
                                                     std::memory_order_acq_rel, std::memory_order_relaxed)) {
    }
}

void RequestTable::release(std::uint32_t reservedId) noexcept {
    const std::size_t index = slotOf(reservedId);
    if (index < capacity_)
        free_.push(static_cast<std::uint32_t>(index));
}

bool RequestTable::withdraw(std::uint32_t requestId) noexcept {
    const std::size_t index = slotOf(requestId);
    if (index >= capacity_ || !claim(slots_[index], requestId))
        return false;
    Slot& slot = slots_[index];
    slot.function = nullptr;
    slot.user = nullptr;
    pending_.fetch_sub(1, std::memory_order_relaxed);
    free_.push(static_cast<std::uint32_t>(index));
    return true;
}

RequestRegistration RequestTable::registerRequest(RequestCompletionFunction function, void* user,
                                                  std::int64_t deadlineNs) noexcept {
    if (!function)
        return {0, RegisterError::NoCallback};
    RequestRegistration registration = reserve();
    if (registration.ok())
        publish(registration.requestId, function, user, deadlineNs);
    return registration;
}

bool RequestTable::isPending(std::uint32_t requestId) const noexcept {
    const std::size_t index = slotOf(requestId);
    return index < capacity_ && slots_[index].ticket.load(std::memory_order_acquire) == requestId;
}

bool RequestTable::claim(Slot& slot, std::uint32_t requestId) noexcept {
    std::uint32_t expected = requestId;
    return slot.ticket.compare_exchange_strong(expected, 0, std::memory_order_acq_rel, std::memory_order_relaxed);
}

void RequestTable::deliverAndRecycle(std::size_t index, RequestCompletion& completion) noexcept {
    Slot& slot = slots_[index];
    const RequestCompletionFunction function = slot.function;
    void* user = slot.user;
    slot.function = nullptr;
    slot.user = nullptr;
    pending_.fetch_sub(1, std::memory_order_relaxed);
    function(user, completion);
    free_.push(static_cast<std::uint32_t>(index));
}

CompleteResult RequestTable::complete(std::uint32_t requestId, RequestCompletion completion) noexcept {
    const std::size_t index = slotOf(requestId);
    if (index >= capacity_ || !claim(slots_[index], requestId))
        return CompleteResult::UnknownRequest;
    completion.requestId = requestId;
    deliverAndRecycle(index, completion);
    return CompleteResult::Delivered;
}

CompleteResult RequestTable::cancel(std::uint32_t requestId) noexcept {
    RequestCompletion completion;
    completion.status = RequestStatus::Cancelled;
    return complete(requestId, completion);
}

bool RequestTable::expireSlot(std::size_t index, std::int64_t nowNs, std::int64_t* remainingDeadline) noexcept {
    Slot& slot = slots_[index];
    const std::uint32_t id = slot.ticket.load(std::memory_order_acquire);
    if (id == 0)
        return false;
    const std::int64_t deadline = slot.deadline_ns.load(std::memory_order_relaxed);
    if (deadline > nowNs) {
        if (deadline < *remainingDeadline)
            *remainingDeadline = deadline;
        return false;
    }
    if (!claim(slot, id))
        return false;
    RequestCompletion completion;
    completion.requestId = id;
    completion.status = RequestStatus::TimedOut;
    deliverAndRecycle(index, completion);
    return true;
}

std::size_t RequestTable::expire(std::int64_t nowNs, std::size_t maxSlotsToScan) noexcept {
    if (pending_.load(std::memory_order_relaxed) == 0 || nowNs < earliest_deadline_.load(std::memory_order_acquire))
        return 0;
    std::size_t expired = 0;
    std::int64_t remaining = kNoDeadline;
    if (maxSlotsToScan >= capacity_) {
        // Full pass: forget the bound, then rebuild it from what is still pending. A request
        // published during the pass either is seen by the scan (its ticket was stored before it
        // lowered the bound, and our exchange read that bound or a later one) or lowers the bound
        // after our exchange itself; either way its deadline is not lost.
        earliest_deadline_.exchange(kNoDeadline, std::memory_order_acq_rel);
        for (std::size_t index = 0; index < capacity_; ++index)
            expired += expireSlot(index, nowNs, &remaining) ? 1 : 0;
        lowerEarliestDeadline(remaining);
        return expired;
    }
    for (std::size_t n = 0; n < maxSlotsToScan; ++n) {
        const std::size_t index = expire_cursor_;
        expire_cursor_ = (expire_cursor_ + 1 == capacity_) ? 0 : expire_cursor_ + 1;
        expired += expireSlot(index, nowNs, &remaining) ? 1 : 0;
    }
    return expired; // a partial pass cannot tighten the bound
}

std::size_t RequestTable::cancelAll(RequestStatus status) noexcept {
    std::size_t cancelled = 0;
    for (std::size_t index = 0; index < capacity_; ++index) {
        Slot& slot = slots_[index];
        const std::uint32_t id = slot.ticket.load(std::memory_order_acquire);
        if (id == 0 || !claim(slot, id))
            continue;
        RequestCompletion completion;
        completion.requestId = id;
        completion.status = status;
        deliverAndRecycle(index, completion);
        ++cancelled;
    }
    return cancelled;
}

} // namespace aap
