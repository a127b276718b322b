#pragma once
// The signalling rules of a graph's activation block (control-protocol.h, docs/hosting.md
// "Plugin graphs"), shared by the host (aap::PluginGraph) and the plugin service. [audio-thread]:
// atomics and futex wakes only.

#include <cstdint>

#include "aap/hosting/control-protocol.h"
#include "futex.h"

namespace aap {
namespace graphact {

inline uint32_t tag(uint32_t cycle) noexcept { return (cycle & 0xFFFFu) << 16; }

// Decrements the tagged counter for `cycle`; true when this call brought it to zero (then, when
// `byService`, it also sets kPendingReleasedByService in the same step). A counter of another
// cycle, closed or already zero is left alone.
inline bool decrement(uint32_t* pending, uint32_t cycle, bool byService) noexcept {
    uint32_t value = __atomic_load_n(pending, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((value & 0xFFFF0000u) != tag(cycle) || (value & wire::kPendingClosed) != 0 ||
            (value & wire::kPendingCountMask) == 0)
            return false;
        uint32_t next = value - 1;
        const bool zero = (next & wire::kPendingCountMask) == 0;
        if (zero && byService)
            next |= wire::kPendingReleasedByService;
        if (__atomic_compare_exchange_n(pending, &value, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return zero;
    }
}

// Whether the counter says "released in `cycle`" (reached zero, not closed).
inline bool released(uint32_t value, uint32_t cycle) noexcept {
    return (value & 0xFFFF0000u) == tag(cycle) && (value & (wire::kPendingClosed | wire::kPendingCountMask)) == 0;
}

// Closes the counter of `cycle` unless it reached zero: true when it was closed by this call (the
// node will not start in this cycle), false when it had reached zero (it was released).
inline bool close(uint32_t* pending, uint32_t cycle) noexcept {
    uint32_t value = __atomic_load_n(pending, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((value & 0xFFFF0000u) != tag(cycle) || (value & wire::kPendingClosed) != 0)
            return true;
        if ((value & wire::kPendingCountMask) == 0)
            return false;
        if (__atomic_compare_exchange_n(pending, &value, value | wire::kPendingClosed, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
}

// `wakes` counts the wake-ups the design needs: a node released by a thread of another process
// (counted by the releaser before the release, so it is visible before the cycle can end) and
// the host released by a service (counted by the host, from kPendingReleasedByService).
// `futex_wakes` counts the FUTEX_WAKE calls actually issued.
inline void countWake(wire::GraphHeader* header) noexcept { __atomic_fetch_add(&header->wakes, 1, __ATOMIC_RELAXED); }
inline void countFutexWake(wire::GraphHeader* header) noexcept {
    __atomic_fetch_add(&header->futex_wakes, 1, __ATOMIC_RELAXED);
}

// The host has work (a host-run node is ready, or the last sink finished).
inline void wakeHost(wire::GraphHeader* header) noexcept {
    __atomic_fetch_add(&header->host_word, 1, __ATOMIC_SEQ_CST);
    if (loadSeqCst(&header->host_waiting) != 0) {
        countFutexWake(header);
        futex::wake(&header->host_word, 1);
    }
}

// Lets node `node` run `cycle`, waking its thread only if it sleeps.
inline void wakeNode(wire::GraphHeader* header, wire::GraphNode* node, uint32_t cycle) noexcept {
    countWake(header);
    storeSeqCst(&node->activation, cycle);
    if (loadSeqCst(&node->waiting) != 0) {
        countFutexWake(header);
        futex::wake(&node->activation, 1);
    }
}

// Node `self` finished `cycle`: decrement each successor (and the host's counter for a sink);
// a successor that reaches zero is run by the caller when local(index) says it lives on this
// thread (its index is stored into ready[]/ *readyCount, at most kMaxGraphSuccessors), else woken
// (a host-run node wakes the host). nodeCount bounds the indexes read from the block.
template <typename Local>
void signalSuccessors(wire::GraphHeader* header, wire::GraphNode* nodes, uint32_t nodeCount, uint32_t self,
                      uint32_t cycle, int64_t now, bool byService, Local local, uint32_t* ready,
                      uint32_t* readyCount) noexcept {
    *readyCount = 0;
    wire::GraphNode& me = nodes[self];
    uint32_t count = __atomic_load_n(&me.successor_count, __ATOMIC_RELAXED);
    if (count > wire::kMaxGraphSuccessors)
        count = wire::kMaxGraphSuccessors;
    for (uint32_t i = 0; i < count; i++) {
        const uint32_t next = __atomic_load_n(&me.successors[i], __ATOMIC_RELAXED);
        if (next == wire::kGraphHost) {
            if (decrement(&header->host_pending, cycle, byService) && byService)
                wakeHost(header);
            continue;
        }
        const bool hostRun = next < nodeCount &&
                             (__atomic_load_n(&nodes[next].flags, __ATOMIC_RELAXED) & wire::kGraphNodeHostRun) != 0;
        if (next >= nodeCount || !decrement(&nodes[next].pending, cycle, byService && hostRun))
            continue;
        __atomic_store_n(&nodes[next].signalled_ns, now, __ATOMIC_RELAXED);
        if (hostRun) {
            if (byService)
                wakeHost(header);  // the host itself runs what it released, without a wake
        } else if (local(next)) {
            ready[(*readyCount)++] = next;
        } else {
            wakeNode(header, &nodes[next], cycle);
        }
    }
}

} // namespace graphact
} // namespace aap
