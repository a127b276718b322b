#pragma once
// aap::RequestTable: correlates AAPXS replies with the requests that are waiting for them.
//
// Fixed capacity chosen at construction (1..65535, default 256); nothing allocates afterwards.
// A request id is (generation << 16) | (slot + 1): never 0, and the 16-bit generation changes
// every time a slot is reused, so a stale reply (its request already finished) or a forged id
// (slot out of range, wrong generation) is rejected instead of completing someone else's request.
// A full table is reported immediately (RegisterError::TableFull), never by allocating or blocking.
//
// Exactly once: each pending slot holds its id in an atomic "ticket". complete(), cancel(),
// expire() and cancelAll() first claim the ticket with one compare-and-swap; only the claimer
// delivers, so a request gets exactly one completion (reply, error reply, timeout or cancel),
// never two, whatever threads race.
//
// Threads:
// - registerRequest(): [thread-safe] [audio-thread] lock-free (a tagged Treiber free list).
// - complete(), cancel(), withdraw(), cancelAll(): [thread-safe] [audio-thread], O(1) except cancelAll
//   (O(capacity)). expire(): [audio-thread], one thread at a time (it owns the scan cursor), O(1)
//   until something may be due, then O(slots scanned). The callback
//   runs on the calling thread before the slot is recycled. The sessions call these only on their
//   processing thread (the audio thread while the instance is active).

#include "aap/runtime/index-free-list.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace aap {

enum class RequestStatus : std::uint8_t {
    Completed,  // a reply arrived; data/dataSize are the reply payload
    ErrorReply, // the recipient answered with an error reply; errorCode says why (see docs/runtime.md)
    TimedOut,   // the deadline passed before a reply arrived
    Cancelled,  // cancel(), cancelAll() or session shutdown
    SendFailed, // the request could never be framed (too large for the MIDI2 buffer)
};

const char* toString(RequestStatus status) noexcept;

struct RequestCompletion {
    std::uint32_t requestId = 0;
    RequestStatus status = RequestStatus::Cancelled;
    std::int32_t errorCode = 0;        // AapxsReplyError value when status == ErrorReply
    const std::uint8_t* data = nullptr; // valid only during the callback
    std::size_t dataSize = 0;
};

// Called exactly once per registered request. Must be noexcept; runs on the completing thread.
using RequestCompletionFunction = void (*)(void* user, const RequestCompletion& completion) noexcept;

enum class RegisterError : std::uint8_t { None, TableFull, NoCallback };
const char* toString(RegisterError error) noexcept;

struct RequestRegistration {
    std::uint32_t requestId = 0; // 0 when error != None
    RegisterError error = RegisterError::None;
    bool ok() const noexcept { return error == RegisterError::None; }
};

enum class CompleteResult : std::uint8_t {
    Delivered,      // this call delivered the completion
    UnknownRequest, // id is 0, forged, stale, or the request already finished: nothing delivered
};

class RequestTable {
public:
    static constexpr std::size_t kDefaultCapacity = 256;
    static constexpr std::size_t kMaxCapacity = 65535;
    static constexpr std::int64_t kNoDeadline = INT64_MAX;

    // True for 1..kMaxCapacity.
    static constexpr bool isValidCapacity(std::size_t capacity) noexcept {
        return capacity >= 1 && capacity <= kMaxCapacity;
    }
    // [non-realtime] Allocates every slot. An invalid capacity is clamped into 1..kMaxCapacity
    // (check isValidCapacity() first to reject it instead; the sessions do).
    explicit RequestTable(std::size_t capacity = kDefaultCapacity);
    RequestTable(const RequestTable&) = delete;
    RequestTable& operator=(const RequestTable&) = delete;
    ~RequestTable();

    std::size_t capacity() const noexcept { return capacity_; }
    // Approximate under concurrency; exact when quiescent.
    std::size_t pendingCount() const noexcept { return pending_.load(std::memory_order_relaxed); }

    // Slot of a (syntactically valid) id, for parallel per-slot storage: 0..capacity-1, or
    // capacity() when the id cannot belong to this table.
    std::size_t slotOf(std::uint32_t requestId) const noexcept {
        const std::size_t low = requestId & 0xFFFFu;
        return (low == 0 || low > capacity_) ? capacity_ : low - 1;
    }

    // Registers a pending request that fires `function(user, ...)` once. deadlineNs is on the
    // steady clock (aap::monotonicNowNs()); kNoDeadline for none.
    RequestRegistration registerRequest(RequestCompletionFunction function, void* user,
                                        std::int64_t deadlineNs) noexcept;

    // Two-step registration, for callers that must fill per-slot storage (see slotOf) before the
    // request can complete: reserve() takes a slot and returns its future id without making it
    // pending; publish() makes it pending; release() gives an unpublished slot back.
    RequestRegistration reserve() noexcept;
    void publish(std::uint32_t requestId, RequestCompletionFunction function, void* user,
                 std::int64_t deadlineNs) noexcept;
    void release(std::uint32_t reservedId) noexcept;
    // Takes a published request back without delivering anything (for a caller whose follow-up
    // step after publish() failed). True when this call claimed it; false when it already finished
    // (its completion was, or is being, delivered by whoever claimed it).
    bool withdraw(std::uint32_t requestId) noexcept;

    // True while the request is registered and not yet finished.
    bool isPending(std::uint32_t requestId) const noexcept;

    // Delivers `completion` (its requestId is overwritten with requestId) if the request is
    // pending.
    CompleteResult complete(std::uint32_t requestId, RequestCompletion completion) noexcept;
    CompleteResult cancel(std::uint32_t requestId) noexcept;

    // Times out pending requests whose deadline is <= nowNs. Returns how many timed out.
    // O(1) while nowNs is before the earliest deadline of any pending request (the usual case: the
    // table tracks a lower bound of it); otherwise a full pass over the slots that also refreshes
    // the bound, or, with maxSlotsToScan < capacity(), a round-robin scan of that many slots from
    // where the last call stopped (bounded cost per cycle for very large tables).
    std::size_t expire(std::int64_t nowNs, std::size_t maxSlotsToScan = SIZE_MAX) noexcept;

    // Finishes every pending request with `status` (Cancelled on shutdown, peer death...).
    std::size_t cancelAll(RequestStatus status = RequestStatus::Cancelled) noexcept;

private:
    struct Slot;
    bool claim(Slot& slot, std::uint32_t requestId) noexcept;
    void deliverAndRecycle(std::size_t index, RequestCompletion& completion) noexcept;
    void lowerEarliestDeadline(std::int64_t deadlineNs) noexcept;
    bool expireSlot(std::size_t index, std::int64_t nowNs, std::int64_t* remainingDeadline) noexcept;

    const std::size_t capacity_;
    std::unique_ptr<Slot[]> slots_;
    IndexFreeList free_;
    // A lower bound of the deadlines of the pending requests (kNoDeadline when none is known).
    alignas(64) std::atomic<std::int64_t> earliest_deadline_{kNoDeadline};
    alignas(64) std::atomic<std::size_t> pending_{0};
    std::size_t expire_cursor_ = 0; // touched only by the thread that calls expire()
};

// Nanoseconds on the steady clock (vDSO on Linux: no syscall, realtime-safe).
std::int64_t monotonicNowNs() noexcept;

} // namespace aap
