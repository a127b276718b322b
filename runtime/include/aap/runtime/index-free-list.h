#pragma once
// aap::IndexFreeList: a lock-free stack of the indices 0..capacity-1 of a preallocated pool.
// pop() and push() are [thread-safe] [audio-thread]: a compare-and-swap loop on a tagged head
// (the 32-bit tag defeats ABA), no allocation after construction. Used for request-table slots and
// for the AAPXS C ABI completion records of InitiatorSession.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace aap {

class IndexFreeList {
public:
    static constexpr std::uint32_t kEmpty = UINT32_MAX;

    // [non-realtime] All indices start free; pop() hands out 0 first.
    explicit IndexFreeList(std::uint32_t capacity);
    IndexFreeList(const IndexFreeList&) = delete;
    IndexFreeList& operator=(const IndexFreeList&) = delete;

    std::uint32_t capacity() const noexcept { return capacity_; }
    // An index, or kEmpty when none is free.
    std::uint32_t pop() noexcept;
    // Gives index back. It must have come from pop() and not have been pushed since.
    void push(std::uint32_t index) noexcept;

private:
    const std::uint32_t capacity_;
    std::unique_ptr<std::atomic<std::uint32_t>[]> next_; // next free index + 1, 0 = end
    alignas(64) std::atomic<std::uint64_t> head_{0};      // (tag << 32) | (index + 1), 0 = empty
};

} // namespace aap
