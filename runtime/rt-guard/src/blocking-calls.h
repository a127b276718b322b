/* The C core of aap::RealtimeGuard's blocking-call counting (blocking-calls.c), shared with the
 * C++ guard (realtime-guard.cpp). The kinds are the enumerators of aap::BlockingCall and
 * aap::AllowedCall, in the same order (static_assert'ed there). */
#ifndef AAP_RT_GUARD_BLOCKING_CALLS_H
#define AAP_RT_GUARD_BLOCKING_CALLS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AAP_RTG_LOCK,
    AAP_RTG_CONDITION_WAIT,
    AAP_RTG_SEMAPHORE_WAIT,
    AAP_RTG_FUTEX_WAIT,
    AAP_RTG_SLEEP,
    AAP_RTG_IO,
    AAP_RTG_OPEN,
    AAP_RTG_MEMORY_MAP,
    AAP_RTG_PROCESS,
    AAP_RTG_BLOCKING_KINDS
};

enum {
    AAP_RTG_FUTEX_WAKE,
    AAP_RTG_BOUNDED_FUTEX_WAIT,
    AAP_RTG_NONBLOCKING_EVENTFD_WRITE,
    AAP_RTG_CLOCK_READ,
    AAP_RTG_ALLOWED_KINDS
};

/* This thread's running totals (only advanced while a guard is alive on it). */
uint64_t aap_rt_guard_blocking_count(unsigned kind);
uint64_t aap_rt_guard_allowed_count(unsigned kind);
/* A guard was created / destroyed on this thread. */
void aap_rt_guard_enter(void);
void aap_rt_guard_leave(void);
/* Called by the allocation counting for every heap operation: reports it when it is this
 * thread's first violation under a guard, with a backtrace when `withBacktrace`. Not from inside
 * a sanitizer's allocator (its malloc hooks): unwinding or symbolizing there re-enters the
 * sanitizer, which then allocates and frees through the very hooks being counted. */
void aap_rt_guard_heap_operation(const char* function, int withBacktrace);
const char* aap_rt_guard_first_violation(void);
void aap_rt_guard_set_reporting(int enabled);
const char* aap_rt_guard_blocking_name(unsigned kind);
const char* aap_rt_guard_allowed_name(unsigned kind);
const char* aap_rt_guard_allowed_reason(unsigned kind);

#ifdef __cplusplus
}
#endif

#endif
