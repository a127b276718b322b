#include "aap/runtime/index-free-list.h"

namespace aap {

IndexFreeList::IndexFreeList(std::uint32_t capacity)
    : capacity_(capacity), next_(new std::atomic<std::uint32_t>[capacity == 0 ? 1 : capacity]) {
    for (std::uint32_t i = capacity_; i > 0; --i)
        push(i - 1);
}

std::uint32_t IndexFreeList::pop() noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
        const auto top = static_cast<std::uint32_t>(head & 0xFFFFFFFFu);
        if (top == 0)
            return kEmpty;
        const std::uint32_t next = next_[top - 1].load(std::memory_order_relaxed);
        const std::uint64_t desired = (((head >> 32) + 1) << 32) | next;
        if (head_.compare_exchange_weak(head, desired, std::memory_order_acquire, std::memory_order_acquire))
            return top - 1;
    }
}

void IndexFreeList::push(std::uint32_t index) noexcept {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    for (;;) {
        next_[index].store(static_cast<std::uint32_t>(head & 0xFFFFFFFFu), std::memory_order_relaxed);
        const std::uint64_t desired = (((head >> 32) + 1) << 32) | (index + 1u);
        if (head_.compare_exchange_weak(head, desired, std::memory_order_release, std::memory_order_relaxed))
            return;
    }
}

} // namespace aap
