#include "aap/runtime/realtime-guard.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h> // pvalloc
#endif

namespace {

// Stores every pointer so the optimizer cannot elide an allocation/free pair.
void* volatile g_sink = nullptr;

TEST(RealtimeGuard, CountsNothingWhenNothingAllocates) {
    aap::RealtimeGuard guard;
    int x = 3;
    g_sink = &x;
    EXPECT_EQ(guard.allocations(), 0u);
    EXPECT_EQ(guard.deallocations(), 0u);
    EXPECT_EQ(guard.heapOperations(), 0u);
}

TEST(RealtimeGuard, CountsOperatorNewAndDelete) {
    aap::RealtimeGuard guard;
    int* p = new int(42);
    g_sink = p;
    EXPECT_EQ(guard.allocations(), 1u);
    delete p;
    EXPECT_EQ(guard.deallocations(), 1u);
}

TEST(RealtimeGuard, CountsEveryOperatorNewOverload) {
    aap::RealtimeGuard guard;
    auto* array = new int[8];
    g_sink = array;
    delete[] array;
    auto* nothrow = new (std::nothrow) int(1);
    g_sink = nothrow;
    delete nothrow;
    struct alignas(64) Aligned {
        char bytes[64];
    };
    auto* aligned = new Aligned();
    g_sink = aligned;
    delete aligned;
    auto* alignedArray = new Aligned[2];
    g_sink = alignedArray;
    delete[] alignedArray;
    EXPECT_EQ(guard.allocations(), 4u);
    EXPECT_EQ(guard.deallocations(), 4u);
}

TEST(RealtimeGuard, CountsMallocFamily) {
    aap::RealtimeGuard guard;
    void* a = std::malloc(16);
    g_sink = a;
    void* b = std::calloc(4, 4);
    g_sink = b;
    void* c = nullptr;
    ASSERT_EQ(posix_memalign(&c, 64, 128), 0);
    g_sink = c;
    void* d = aligned_alloc(64, 128);
    g_sink = d;
    EXPECT_EQ(guard.allocations(), 4u);
    std::free(a);
    std::free(b);
    std::free(c);
    std::free(d);
    EXPECT_EQ(guard.deallocations(), 4u);
}

#if defined(__GLIBC__)
// Bug: glibc's valloc, pvalloc and reallocarray allocate through glibc-internal calls, not the
// interposed malloc/memalign/realloc, so the guard did not see them (a false "zero allocations").
TEST(RealtimeGuard, CountsVallocPvallocAndReallocarray) {
    aap::RealtimeGuard guard;
    void* a = valloc(100);
    g_sink = a;
    void* b = pvalloc(100);
    g_sink = b;
    void* c = reallocarray(nullptr, 10, 10);
    g_sink = c;
    EXPECT_EQ(guard.allocations(), 3u);
    std::free(a);
    std::free(b);
    std::free(c);
    EXPECT_EQ(guard.deallocations(), 3u);
    if (std::string(aap::RealtimeGuard::mechanism()) == "malloc-interposition") {
        // Our interposer's own overflow check (sanitizers abort here by default instead).
        errno = 0;
        EXPECT_EQ(reallocarray(nullptr, SIZE_MAX / 2, 4), nullptr);
        EXPECT_EQ(errno, ENOMEM);
    }
}
#endif

TEST(RealtimeGuard, CountsReallocAsAnAllocation) {
    void* p = std::malloc(8);
    g_sink = p;
    aap::RealtimeGuard guard;
    p = std::realloc(p, 1 << 20); // large enough to move
    g_sink = p;
    EXPECT_GE(guard.allocations(), 1u);
    std::free(p);
}

TEST(RealtimeGuard, CountsLibraryAllocations) {
    aap::RealtimeGuard guard;
    std::vector<int> v(100);
    std::string s(200, 'x');
    g_sink = v.data();
    g_sink = &s[0];
    EXPECT_EQ(guard.allocations(), 2u);
}

TEST(RealtimeGuard, IgnoresOtherThreads) {
    std::uint64_t inOtherThread = 0;
    std::atomic<bool> go{false};
    std::thread other([&] {
        while (!go.load())
            std::this_thread::yield();
        aap::RealtimeGuard mine;
        for (int i = 0; i < 10; ++i) {
            auto p = std::make_unique<int>(i);
            g_sink = p.get();
        }
        inOtherThread = mine.allocations();
    });
    aap::RealtimeGuard guard; // created after std::thread allocated its state
    go.store(true);
    other.join();
    EXPECT_EQ(inOtherThread, 10u);
    EXPECT_EQ(guard.allocations(), 0u);
}

TEST(RealtimeGuard, NestedGuardsCountFromTheirOwnStart) {
    aap::RealtimeGuard outer;
    auto first = std::make_unique<int>(1);
    g_sink = first.get();
    aap::RealtimeGuard inner;
    EXPECT_EQ(inner.allocations(), 0u);
    auto second = std::make_unique<int>(2);
    g_sink = second.get();
    EXPECT_EQ(inner.allocations(), 1u);
    EXPECT_EQ(outer.allocations(), 2u);
}

// The guard can fail a test: a deliberate allocation inside a scope that expects none.
TEST(RealtimeGuard, AnAllocationFailsAnExpectationOfZero) {
    EXPECT_NONFATAL_FAILURE(
        {
            aap::RealtimeGuard guard;
            auto p = std::make_unique<int>(7);
            g_sink = p.get();
            EXPECT_EQ(guard.allocations(), 0u);
        },
        "guard.allocations()");
}

TEST(RealtimeGuard, ReportsItsMechanism) {
    const std::string mechanism = aap::RealtimeGuard::mechanism();
    EXPECT_TRUE(mechanism == "malloc-interposition" || mechanism == "sanitizer-hooks") << mechanism;
}

} // namespace
