// A plugin author's test, built against the installed package: it links aap::rt-guard, and the
// guard counts the test's own heap operations and locks, and those of a module it dlopen()s (the
// link options that make that work travel with the imported target).
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>

#include "aap/runtime/realtime-guard.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer_rt_guard_check <module that exports consumer_lock_once>\n");
        return 2;
    }
    void* module = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
        std::fprintf(stderr, "consumer_rt_guard_check: %s\n", ::dlerror());
        return 2;
    }
    auto lockOnce = reinterpret_cast<void (*)(void)>(::dlsym(module, "consumer_lock_once"));
    if (lockOnce == nullptr) {
        std::fprintf(stderr, "consumer_rt_guard_check: no consumer_lock_once in %s\n", argv[1]);
        return 2;
    }
    aap::RealtimeGuard::setReporting(false);
    std::mutex mutex;
    std::uint64_t heap = 0, locks = 0, moduleLocks = 0, clean = 0;
    {
        aap::RealtimeGuard guard;
        { std::lock_guard<std::mutex> lock(mutex); }
        auto value = std::make_unique<int>(1);
        value.reset();
        heap = guard.heapOperations();
        locks = guard.blockingCalls(aap::BlockingCall::Lock);
    }
    {
        aap::RealtimeGuard guard;
        lockOnce();
        moduleLocks = guard.blockingCalls(aap::BlockingCall::Lock);
    }
    {
        aap::RealtimeGuard guard;
        clean = guard.heapOperations() + guard.blockingCalls();
    }
    std::printf("rt-guard %s: heap %llu locks %llu module-locks %llu clean %llu\n", aap::RealtimeGuard::mechanism(),
                static_cast<unsigned long long>(heap), static_cast<unsigned long long>(locks),
                static_cast<unsigned long long>(moduleLocks), static_cast<unsigned long long>(clean));
    return heap == 2 && locks == 1 && moduleLocks == 1 && clean == 0 ? 0 : 1;
}
