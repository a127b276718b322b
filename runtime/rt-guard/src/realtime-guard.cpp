// The allocation counters behind aap::RealtimeGuard. One translation unit on purpose: the
// replacement allocator functions live in the same object file as the RealtimeGuard members, so
// linking a test that constructs a guard always pulls the replacements in from the static library.
// The blocking-call counting is in blocking-calls.c, pulled in the same way: the members below
// call into it.

#include "aap/runtime/realtime-guard.h"

#include "blocking-calls.h"

#include <cerrno>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AAP_RT_GUARD_USE_SANITIZER_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define AAP_RT_GUARD_USE_SANITIZER_HOOKS 1
#endif
#endif

namespace {
// Trivially initialized thread-locals: no TLS wrapper, no allocation on first access, safe to touch
// from inside malloc itself.
thread_local std::uint64_t t_allocations = 0;
thread_local std::uint64_t t_deallocations = 0;
} // namespace

#if defined(AAP_RT_GUARD_USE_SANITIZER_HOOKS)

extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, std::size_t), void (*free_hook)(const volatile void*));

namespace {
void countAllocationHook(const volatile void*, std::size_t) {
    ++t_allocations;
    aap_rt_guard_heap_operation("malloc (sanitizer allocator)", 0);
}
void countFreeHook(const volatile void* ptr) {
    if (ptr) {
        ++t_deallocations;
        aap_rt_guard_heap_operation("free (sanitizer allocator)", 0);
    }
}
// Installed before main() so that a guard constructed anywhere sees everything.
const int g_hooks_installed = __sanitizer_install_malloc_and_free_hooks(countAllocationHook, countFreeHook);
} // namespace

const char* aap::RealtimeGuard::mechanism() noexcept { return g_hooks_installed ? "sanitizer-hooks" : "none"; }

#else // malloc interposition

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* ptr, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
void __libc_free(void* ptr);

void* malloc(std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_malloc(size);
}

void* calloc(std::size_t count, std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_calloc(count, size);
}

void* realloc(void* ptr, std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_realloc(ptr, size);
}

void free(void* ptr) {
    if (ptr) {
        ++t_deallocations;
        aap_rt_guard_heap_operation("free", 1);
    }
    __libc_free(ptr);
}

void* memalign(std::size_t alignment, std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_memalign(alignment, size);
}

// glibc implements these with internal calls that bypass the interposed functions above, so they
// need their own counting entry points.
void* valloc(std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_valloc(size);
}

void* pvalloc(std::size_t size) {
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_pvalloc(size);
}

void* reallocarray(void* ptr, std::size_t count, std::size_t size) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    return __libc_realloc(ptr, bytes);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
    // POSIX: alignment must be a power of two multiple of sizeof(void*).
    if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    ++t_allocations;
    aap_rt_guard_heap_operation(__func__, 1);
    void* p = __libc_memalign(alignment, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
} // extern "C"

namespace {
void* allocateOrThrow(std::size_t size) {
    if (size == 0)
        size = 1;
    for (;;) {
        if (void* p = std::malloc(size))
            return p;
        std::new_handler handler = std::get_new_handler();
        if (!handler)
            throw std::bad_alloc();
        handler();
    }
}

void* allocateAlignedOrThrow(std::size_t size, std::align_val_t alignment) {
    if (size == 0)
        size = 1;
    for (;;) {
        if (void* p = memalign(static_cast<std::size_t>(alignment), size))
            return p;
        std::new_handler handler = std::get_new_handler();
        if (!handler)
            throw std::bad_alloc();
        handler();
    }
}

template <typename F> void* noThrow(F&& allocate) noexcept {
    try {
        return allocate();
    } catch (...) {
        return nullptr;
    }
}
} // namespace

void* operator new(std::size_t size) { return allocateOrThrow(size); }
void* operator new[](std::size_t size) { return allocateOrThrow(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return noThrow([size] { return allocateOrThrow(size); });
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return noThrow([size] { return allocateOrThrow(size); });
}
void* operator new(std::size_t size, std::align_val_t alignment) { return allocateAlignedOrThrow(size, alignment); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return allocateAlignedOrThrow(size, alignment); }
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return noThrow([size, alignment] { return allocateAlignedOrThrow(size, alignment); });
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return noThrow([size, alignment] { return allocateAlignedOrThrow(size, alignment); });
}

void operator delete(void* ptr) noexcept { std::free(ptr); }
void operator delete[](void* ptr) noexcept { std::free(ptr); }
void operator delete(void* ptr, std::size_t) noexcept { std::free(ptr); }
void operator delete[](void* ptr, std::size_t) noexcept { std::free(ptr); }
void operator delete(void* ptr, const std::nothrow_t&) noexcept { std::free(ptr); }
void operator delete[](void* ptr, const std::nothrow_t&) noexcept { std::free(ptr); }
void operator delete(void* ptr, std::align_val_t) noexcept { std::free(ptr); }
void operator delete[](void* ptr, std::align_val_t) noexcept { std::free(ptr); }
void operator delete(void* ptr, std::size_t, std::align_val_t) noexcept { std::free(ptr); }
void operator delete[](void* ptr, std::size_t, std::align_val_t) noexcept { std::free(ptr); }
void operator delete(void* ptr, std::align_val_t, const std::nothrow_t&) noexcept { std::free(ptr); }
void operator delete[](void* ptr, std::align_val_t, const std::nothrow_t&) noexcept { std::free(ptr); }

const char* aap::RealtimeGuard::mechanism() noexcept { return "malloc-interposition"; }

#endif

static_assert(static_cast<unsigned>(aap::BlockingCall::Process) + 1 == AAP_RTG_BLOCKING_KINDS &&
                  aap::kBlockingCallKinds == AAP_RTG_BLOCKING_KINDS &&
                  static_cast<unsigned>(aap::BlockingCall::Lock) == AAP_RTG_LOCK &&
                  static_cast<unsigned>(aap::BlockingCall::ConditionWait) == AAP_RTG_CONDITION_WAIT &&
                  static_cast<unsigned>(aap::BlockingCall::SemaphoreWait) == AAP_RTG_SEMAPHORE_WAIT &&
                  static_cast<unsigned>(aap::BlockingCall::FutexWait) == AAP_RTG_FUTEX_WAIT &&
                  static_cast<unsigned>(aap::BlockingCall::Sleep) == AAP_RTG_SLEEP &&
                  static_cast<unsigned>(aap::BlockingCall::Io) == AAP_RTG_IO &&
                  static_cast<unsigned>(aap::BlockingCall::Open) == AAP_RTG_OPEN &&
                  static_cast<unsigned>(aap::BlockingCall::MemoryMap) == AAP_RTG_MEMORY_MAP,
              "aap::BlockingCall and blocking-calls.h disagree");
static_assert(aap::kAllowedCallKinds == AAP_RTG_ALLOWED_KINDS &&
                  static_cast<unsigned>(aap::AllowedCall::FutexWake) == AAP_RTG_FUTEX_WAKE &&
                  static_cast<unsigned>(aap::AllowedCall::BoundedFutexWait) == AAP_RTG_BOUNDED_FUTEX_WAIT &&
                  static_cast<unsigned>(aap::AllowedCall::NonBlockingEventfdWrite) ==
                      AAP_RTG_NONBLOCKING_EVENTFD_WRITE &&
                  static_cast<unsigned>(aap::AllowedCall::ClockRead) == AAP_RTG_CLOCK_READ,
              "aap::AllowedCall and blocking-calls.h disagree");

aap::RealtimeGuard::RealtimeGuard() noexcept
    : allocations_at_start_(t_allocations), deallocations_at_start_(t_deallocations) {
    // Entering first: from here on this thread's blocking calls are counted.
    aap_rt_guard_enter();
    for (unsigned kind = 0; kind < kBlockingCallKinds; kind++)
        blocking_at_start_[kind] = aap_rt_guard_blocking_count(kind);
    for (unsigned kind = 0; kind < kAllowedCallKinds; kind++)
        allowed_at_start_[kind] = aap_rt_guard_allowed_count(kind);
}

aap::RealtimeGuard::~RealtimeGuard() { aap_rt_guard_leave(); }

std::uint64_t aap::RealtimeGuard::allocations() const noexcept { return t_allocations - allocations_at_start_; }

std::uint64_t aap::RealtimeGuard::deallocations() const noexcept {
    return t_deallocations - deallocations_at_start_;
}

std::uint64_t aap::RealtimeGuard::blockingCalls() const noexcept {
    std::uint64_t total = 0;
    for (unsigned kind = 0; kind < kBlockingCallKinds; kind++)
        total += aap_rt_guard_blocking_count(kind) - blocking_at_start_[kind];
    return total;
}

std::uint64_t aap::RealtimeGuard::blockingCalls(BlockingCall kind) const noexcept {
    const auto index = static_cast<unsigned>(kind);
    return index < kBlockingCallKinds ? aap_rt_guard_blocking_count(index) - blocking_at_start_[index] : 0;
}

std::uint64_t aap::RealtimeGuard::allowedCalls(AllowedCall kind) const noexcept {
    const auto index = static_cast<unsigned>(kind);
    return index < kAllowedCallKinds ? aap_rt_guard_allowed_count(index) - allowed_at_start_[index] : 0;
}

const char* aap::RealtimeGuard::firstViolation() noexcept { return aap_rt_guard_first_violation(); }

const char* aap::RealtimeGuard::name(BlockingCall kind) noexcept {
    return aap_rt_guard_blocking_name(static_cast<unsigned>(kind));
}

const char* aap::RealtimeGuard::name(AllowedCall kind) noexcept {
    return aap_rt_guard_allowed_name(static_cast<unsigned>(kind));
}

const char* aap::RealtimeGuard::allowedReason(AllowedCall kind) noexcept {
    return aap_rt_guard_allowed_reason(static_cast<unsigned>(kind));
}

void aap::RealtimeGuard::setReporting(bool enabled) noexcept { aap_rt_guard_set_reporting(enabled ? 1 : 0); }
