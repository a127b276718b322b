#pragma once
// aap::BoundedMpscQueue<T>: a fixed-capacity lock-free FIFO of preallocated cells.
//
// Many producers, ONE consumer at a time (the algorithm is Vyukov's bounded MPMC queue: each
// cell carries a sequence number that tells producers and the consumer whose turn it is).
// - tryPush: [thread-safe] [audio-thread] lock-free, no allocation; returns false when full
//   instead of growing or blocking.
// - tryPop / consume / empty: [consumer thread] lock-free, no allocation.
// Capacity is rounded up to a power of two and fixed at construction (the only allocation).
// T must be nothrow move-constructible and nothrow move-assignable (keep it small and trivially
// copyable on audio paths: an index or a POD task record).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace aap {

class BoundedMpscQueueBase {
public:
    // Largest capacity accepted; a bigger request is clamped. Keeps sequence arithmetic far from
    // wrap-around in practice (it is modular anyway) and memory bounded.
    static constexpr std::size_t kMaxCapacity = std::size_t{1} << 24;

    static constexpr std::size_t roundUpCapacity(std::size_t requested) noexcept {
        std::size_t c = 2;
        while (c < requested && c < kMaxCapacity)
            c <<= 1;
        return c;
    }

protected:
    static constexpr std::size_t kCacheLine = 64;
};

template <typename T> class BoundedMpscQueue : public BoundedMpscQueueBase {
    static_assert(std::is_nothrow_move_constructible<T>::value && std::is_nothrow_move_assignable<T>::value,
                  "queue items must move without throwing");
    static_assert(std::is_default_constructible<T>::value, "queue cells are preallocated");

public:
    explicit BoundedMpscQueue(std::size_t capacity)
        : mask_(roundUpCapacity(capacity) - 1), cells_(new Cell[mask_ + 1]) {
        for (std::size_t i = 0; i <= mask_; ++i)
            cells_[i].sequence.store(i, std::memory_order_relaxed);
    }
    BoundedMpscQueue(const BoundedMpscQueue&) = delete;
    BoundedMpscQueue& operator=(const BoundedMpscQueue&) = delete;

    std::size_t capacity() const noexcept { return mask_ + 1; }

    // [thread-safe] Appends item; false (and item untouched) when the queue is full.
    bool tryPush(T& item) noexcept {
        std::size_t pos = enqueue_.load(std::memory_order_relaxed);
        for (;;) {
            Cell& cell = cells_[pos & mask_];
            const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
            const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
            if (diff == 0) {
                if (enqueue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    cell.value = std::move(item);
                    cell.sequence.store(pos + 1, std::memory_order_release);
                    return true;
                }
            } else if (diff < 0) {
                return false; // the consumer has not freed this cell yet: full
            } else {
                pos = enqueue_.load(std::memory_order_relaxed);
            }
        }
    }
    bool tryPush(T&& item) noexcept { return tryPush(item); }

    // [consumer thread] Removes the oldest item into out; false when empty.
    bool tryPop(T& out) noexcept {
        const std::size_t pos = dequeue_.load(std::memory_order_relaxed);
        Cell& cell = cells_[pos & mask_];
        const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
        if (static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1) < 0)
            return false; // not yet published
        dequeue_.store(pos + 1, std::memory_order_relaxed);
        out = std::move(cell.value);
        cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
        return true;
    }

    // [consumer thread] Hands the published items, oldest first, to take(const T&) -> bool until
    // it returns false (that item stays first in line, untouched), `max` items were taken or none
    // is published. Each taken cell is freed for the producers as it goes; the read position is
    // stored once. Returns how many were taken. No copy of the items is made.
    template <typename F> std::size_t consume(std::size_t max, F&& take) noexcept {
        std::size_t pos = dequeue_.load(std::memory_order_relaxed);
        std::size_t taken = 0;
        while (taken < max) {
            Cell& cell = cells_[pos & mask_];
            const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
            if (static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1) < 0)
                break; // not yet published
            if (!take(static_cast<const T&>(cell.value)))
                break;
            cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
            ++pos;
            ++taken;
        }
        if (taken != 0)
            dequeue_.store(pos, std::memory_order_relaxed);
        return taken;
    }

    // [consumer thread] True when no published item is waiting. A push that is in progress on
    // another thread may become visible right after this returns true.
    bool empty() const noexcept {
        const std::size_t pos = dequeue_.load(std::memory_order_relaxed);
        const std::size_t seq = cells_[pos & mask_].sequence.load(std::memory_order_acquire);
        return static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1) < 0;
    }

private:
    struct Cell {
        std::atomic<std::size_t> sequence{0};
        T value{};
    };

    const std::size_t mask_;
    std::unique_ptr<Cell[]> cells_;
    alignas(kCacheLine) std::atomic<std::size_t> enqueue_{0};
    alignas(kCacheLine) std::atomic<std::size_t> dequeue_{0};
};

} // namespace aap
