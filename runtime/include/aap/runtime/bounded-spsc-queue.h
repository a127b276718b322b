#pragma once
// aap::BoundedSpscQueue<T>: a fixed-capacity lock-free FIFO with ONE producer and ONE consumer
// (each one thread at a time), whose producer can publish a whole batch with one release store.
//
// - Producer: stage() writes an item into the next free cell without making it visible;
//   publish() makes every staged item visible at once (one release store of the write index).
//   tryPush() is stage() + publish(). A full queue fails stage() at once: nothing is overwritten.
//   [audio-thread] safe: no allocation, no lock, no system call; the consumer's read index is
//   re-read (one acquire load) only when the cached one says the queue looks full.
// - Consumer: tryPop() takes the oldest published item (one acquire load of the write index when
//   its cached copy is used up, one release store of the read index).
// Capacity is rounded up to a power of two and fixed at construction (the only allocation).
// T must be default constructible and nothrow copy-assignable (keep it a small POD on audio paths).

#include <atomic>
#include <cstddef>
#include <memory>
#include <type_traits>

#include "aap/runtime/bounded-mpsc-queue.h"

namespace aap {

template <typename T> class BoundedSpscQueue {
    static_assert(std::is_nothrow_copy_assignable<T>::value, "queue items must copy without throwing");
    static_assert(std::is_default_constructible<T>::value, "queue cells are preallocated");

public:
    explicit BoundedSpscQueue(std::size_t capacity)
        : mask_(BoundedMpscQueueBase::roundUpCapacity(capacity) - 1), cells_(new T[mask_ + 1]) {}
    BoundedSpscQueue(const BoundedSpscQueue&) = delete;
    BoundedSpscQueue& operator=(const BoundedSpscQueue&) = delete;

    std::size_t capacity() const noexcept { return mask_ + 1; }

    // [producer] Writes item into the next free cell, not yet visible to the consumer; false
    // (nothing written) when the queue is full, counting the staged items.
    bool stage(const T& item) noexcept {
        T* cell = stageCell();
        if (cell == nullptr)
            return false;
        *cell = item;
        commitCell();
        return true;
    }
    // [producer] The next free cell to fill in place (then commitCell()), or null when full.
    T* stageCell() noexcept {
        if (staged_ - cachedRead_ > mask_) {
            cachedRead_ = read_.load(std::memory_order_acquire);
            if (staged_ - cachedRead_ > mask_)
                return nullptr;
        }
        return &cells_[staged_ & mask_];
    }
    // [producer] The cell stageCell() returned is filled: it becomes part of the staged batch.
    void commitCell() noexcept { staged_++; }
    // [producer] Makes every staged item visible to the consumer (one release store, none when
    // nothing was staged since the last publish).
    void publish() noexcept {
        if (staged_ != published_) {
            published_ = staged_;
            write_.store(staged_, std::memory_order_release);
        }
    }
    // [producer] A batch of stage() calls with the queue's bookkeeping held in locals (so a loop
    // keeps it in registers): next() gives the next free cell to fill, or null when the queue is
    // full; publish() (or the destructor) makes every cell it gave visible at once. Fill each
    // cell before publishing; no other producer call while a Writer is alive.
    class Writer {
    public:
        explicit Writer(BoundedSpscQueue& queue) noexcept
            : queue_(queue), cells_(queue.cells_.get()), mask_(queue.mask_), staged_(queue.staged_),
              limit_(queue.cachedRead_ + queue.mask_ + 1) {}
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;
        ~Writer() { publish(); }
        T* next() noexcept {
            if (staged_ == limit_) {
                limit_ = queue_.read_.load(std::memory_order_acquire) + mask_ + 1;
                if (staged_ == limit_)
                    return nullptr;
            }
            return &cells_[staged_++ & mask_];
        }
        void publish() noexcept {
            queue_.staged_ = staged_;
            queue_.cachedRead_ = limit_ - mask_ - 1;
            queue_.publish();
        }

    private:
        BoundedSpscQueue& queue_;
        T* const cells_;
        const std::size_t mask_;
        std::size_t staged_;
        std::size_t limit_;
    };

    // [producer] stage() + publish().
    bool tryPush(const T& item) noexcept {
        if (!stage(item))
            return false;
        publish();
        return true;
    }

    // [consumer] Removes the oldest published item into out; false when none is published.
    bool tryPop(T& out) noexcept {
        const std::size_t read = read_.load(std::memory_order_relaxed);
        if (read == cachedWrite_) {
            cachedWrite_ = write_.load(std::memory_order_acquire);
            if (read == cachedWrite_)
                return false;
        }
        out = cells_[read & mask_];
        read_.store(read + 1, std::memory_order_release);
        return true;
    }
    // [consumer] True when no published item is waiting.
    bool empty() const noexcept {
        return read_.load(std::memory_order_relaxed) == write_.load(std::memory_order_acquire);
    }

private:
    static constexpr std::size_t kCacheLine = 64;
    const std::size_t mask_;
    std::unique_ptr<T[]> cells_;
    // The producer's line: what it has published, and its private bookkeeping.
    alignas(kCacheLine) std::atomic<std::size_t> write_{0};
    std::size_t staged_ = 0;      // producer only: cells written (published or not)
    std::size_t published_ = 0;   // producer only: the last value stored in write_
    std::size_t cachedRead_ = 0;  // producer only: a past value of read_ (never ahead of it)
    // The consumer's line.
    alignas(kCacheLine) std::atomic<std::size_t> read_{0};
    std::size_t cachedWrite_ = 0;  // consumer only: a past value of write_ (never ahead of it)
};

} // namespace aap
