#pragma once
// aap::RealtimeGuard: counts the heap allocations and frees made by the CURRENT THREAD while a
// guard is alive. For tests (ours and plugin authors'): wrap an audio-thread code path and assert
// that it allocated nothing:
//
//     aap::RealtimeGuard guard;
//     session.process(...);
//     EXPECT_EQ(guard.allocations(), 0u);
//
// Link target aap::rt-guard ONLY into test executables: it replaces the process-wide allocator
// entry points (see below), which a plugin or host binary must not do.
//
// How allocations are seen (RealtimeGuard::mechanism() says which one is active):
// - Plain builds: the library defines malloc, calloc, realloc, free, posix_memalign,
//   aligned_alloc and memalign (forwarding to glibc's __libc_* entry points) and every
//   replaceable operator new/delete overload (forwarding to those). Every allocation made
//   through any of them by any code in the process (including libstdc++) is counted once.
// - ASan/TSan/MSan builds: sanitizers interpose malloc and operator new themselves, and a second
//   interposer would bypass their checks. The library then defines neither and registers
//   counting hooks with __sanitizer_install_malloc_and_free_hooks instead, which the sanitizer
//   allocator calls for every malloc-family and operator new allocation. Counts are the same
//   except that realloc is reported as one allocation plus one free.
//
// Thread contract: a guard counts only its own thread and must be read on that thread. Guards
// nest (each reports what happened since its own construction). Counting is always on (a
// thread-local increment), so a guard costs nothing to create.

#include <cstddef>
#include <cstdint>

namespace aap {

class RealtimeGuard {
public:
    RealtimeGuard() noexcept;
    RealtimeGuard(const RealtimeGuard&) = delete;
    RealtimeGuard& operator=(const RealtimeGuard&) = delete;

    // Allocations (malloc, calloc, realloc, aligned variants, every operator new) made by this
    // thread since the guard was constructed.
    std::uint64_t allocations() const noexcept;
    // Frees of non-null pointers (free, every operator delete) made by this thread since then.
    std::uint64_t deallocations() const noexcept;
    // allocations() + deallocations(): any heap traffic at all.
    std::uint64_t heapOperations() const noexcept { return allocations() + deallocations(); }

    // "malloc-interposition" or "sanitizer-hooks", see the header comment.
    static const char* mechanism() noexcept;

private:
    std::uint64_t allocations_at_start_;
    std::uint64_t deallocations_at_start_;
};

} // namespace aap
