/* aap::RealtimeGuard's blocking-call counting: definitions of the C library functions that can
 * block or wait, each counting the call on the calling thread (while a guard is alive there) and
 * forwarding to the next definition in the lookup order, found with dlsym(RTLD_NEXT): the C
 * library, or in ASan/TSan builds the sanitizer's interceptor (which then still sees the call).
 *
 * C on purpose: glibc's declarations carry attributes (__THROW, nonnull, transparent unions) that
 * a C++ definition would have to match one by one; in C the plain prototype is compatible.
 * Compiled with -U_FORTIFY_SOURCE so that read/open/poll are not inline wrappers here; the
 * fortified entry points (__read_chk, __open_2, ...) that callers built with it use are
 * interposed as well.
 *
 * Nothing here allocates. Everything that runs while counting is thread-local state and raw
 * system calls through the C library's syscall(). */
#define _GNU_SOURCE 1

#include "blocking-calls.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- The calls allowed on an audio thread by design (the one list; docs/runtime.md) ---- */

struct AllowedCallInfo {
    const char* name;
    const char* reason;
};

static const struct AllowedCallInfo kAllowedCalls[AAP_RTG_ALLOWED_KINDS] = {
    [AAP_RTG_FUTEX_WAKE] = {"futex wake",
                            "FUTEX_WAKE (and the other futex operations that never wait) only makes a "
                            "sleeping thread runnable and returns: the audio thread wakes the non-realtime "
                            "worker once per cycle at most (NonRealtimeWorker::wakeIfPending), the host wakes "
                            "the service's realtime thread and the service wakes the waiting host"},
    [AAP_RTG_BOUNDED_FUTEX_WAIT] = {"bounded futex wait",
                                    "FUTEX_WAIT with a timeout: the out-of-process host's process() waits "
                                    "for the service's reply to this very cycle, never longer than the "
                                    "timeout its caller gave (the round trip is synchronous by design; "
                                    "spinning instead was measured to starve the service on small "
                                    "machines). At most one per cycle out of process, none in process"},
    [AAP_RTG_NONBLOCKING_EVENTFD_WRITE] = {"non-blocking eventfd write",
                                           "an 8-byte write to an O_NONBLOCK eventfd adds to a counter and "
                                           "never waits (it fails with EAGAIN at the counter's limit): the "
                                           "service's request_process from process() wakes its main loop so"},
    [AAP_RTG_CLOCK_READ] = {"clock read",
                            "clock_gettime and gettimeofday read the vDSO clock page without entering the "
                            "kernel; process() needs the time for its deadline"},
};

static const char* const kBlockingNames[AAP_RTG_BLOCKING_KINDS] = {
    [AAP_RTG_LOCK] = "lock",
    [AAP_RTG_CONDITION_WAIT] = "condition wait",
    [AAP_RTG_SEMAPHORE_WAIT] = "semaphore wait",
    [AAP_RTG_FUTEX_WAIT] = "futex wait",
    [AAP_RTG_SLEEP] = "sleep",
    [AAP_RTG_IO] = "blocking I/O",
    [AAP_RTG_OPEN] = "open",
    [AAP_RTG_MEMORY_MAP] = "memory mapping",
    [AAP_RTG_PROCESS] = "process creation or wait",
};

/* ---- Per-thread state (trivially initialized: no TLS constructor, nothing allocates) ---- */

static __thread uint64_t t_blocking[AAP_RTG_BLOCKING_KINDS];
static __thread uint64_t t_allowed[AAP_RTG_ALLOWED_KINDS];
static __thread unsigned t_depth;        /* live guards on this thread */
static __thread unsigned t_inside;       /* > 0 while the guard itself runs (not counted) */
static __thread const char* t_first;     /* first violation since the outermost guard began */
static int g_reporting = 1;

/* ---- Forwarding to the next definition ---- */

#define AAP_RTG_FUNCTIONS(X)                                                                       \
    X(pthread_mutex_lock) X(pthread_mutex_timedlock) X(pthread_mutex_clocklock)                   \
    X(pthread_rwlock_rdlock) X(pthread_rwlock_wrlock) X(pthread_rwlock_timedrdlock)               \
    X(pthread_rwlock_timedwrlock) X(pthread_rwlock_clockrdlock) X(pthread_rwlock_clockwrlock)     \
    X(pthread_spin_lock)                                                                           \
    X(pthread_cond_wait) X(pthread_cond_timedwait) X(pthread_cond_clockwait)                      \
    X(sem_wait) X(sem_timedwait) X(sem_clockwait)                                                  \
    X(syscall)                                                                                     \
    X(sleep) X(usleep) X(nanosleep) X(clock_nanosleep) X(pause)                                   \
    X(read) X(write) X(pread) X(pwrite) X(pread64) X(pwrite64) X(readv) X(writev)                 \
    X(recv) X(recvfrom) X(recvmsg) X(send) X(sendto) X(sendmsg)                                   \
    X(poll) X(ppoll) X(select) X(pselect) X(epoll_wait) X(epoll_pwait) X(epoll_pwait2)            \
    X(accept) X(accept4) X(connect) X(fsync) X(fdatasync) X(eventfd_read) X(eventfd_write)        \
    X(__read_chk) X(__pread_chk) X(__pread64_chk) X(__recv_chk) X(__recvfrom_chk) X(__poll_chk)   \
    X(__ppoll_chk)                                                                                 \
    X(open) X(open64) X(openat) X(openat64) X(creat) X(creat64) X(__open_2) X(__open64_2)         \
    X(__openat_2) X(__openat64_2) X(fopen) X(fopen64)                                             \
    X(mmap) X(mmap64) X(munmap) X(mremap)                                                          \
    X(fork) X(execve) X(execv) X(execvp) X(execvpe) X(fexecve) X(execveat) X(posix_spawn)         \
    X(posix_spawnp) X(system) X(popen) X(wait) X(waitpid) X(waitid)                               \
    X(clock_gettime) X(gettimeofday)

/* Fortified entry points: declared by glibc only when _FORTIFY_SOURCE is on, which it is not here. */
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __pread_chk(int fd, void* buf, size_t nbytes, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void* buf, size_t nbytes, off64_t offset, size_t buflen);
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* __restrict buf, size_t n, size_t buflen, int flags, __SOCKADDR_ARG addr,
                       socklen_t* __restrict addr_len);
int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const __sigset_t* ss,
                size_t fdslen);
int __open_2(const char* path, int oflag);
int __open64_2(const char* path, int oflag);
int __openat_2(int fd, const char* path, int oflag);
int __openat64_2(int fd, const char* path, int oflag);

#define AAP_RTG_SLOT(name) static void* next_##name;
AAP_RTG_FUNCTIONS(AAP_RTG_SLOT)
#undef AAP_RTG_SLOT

static void writeRaw(const char* text, size_t size);

static void* resolveNext(void** slot, const char* name) {
    void* next = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (next != NULL)
        return next;
    ++t_inside;
    next = dlsym(RTLD_NEXT, name);
    --t_inside;
    if (next == NULL) {
        static const char prefix[] = "aap rt-guard: the C library has no definition of ";
        writeRaw(prefix, sizeof(prefix) - 1);
        writeRaw(name, strlen(name));
        writeRaw("\n", 1);
        abort();
    }
    __atomic_store_n(slot, next, __ATOMIC_RELEASE);
    return next;
}

#define NEXT(name) ((__typeof__(&name))resolveNext(&next_##name, #name))

/* Reports go straight to the kernel (the C library's syscall(), which no sanitizer intercepts) so
 * that they never enter a sanitizer interceptor: they may run inside the sanitizer's allocator. */
static void writeRaw(const char* text, size_t size) {
    long (*sys)(long, ...) = (long (*)(long, ...))__atomic_load_n(&next_syscall, __ATOMIC_ACQUIRE);
    if (sys == NULL)
        return;
    while (size > 0) {
        const long written = sys(SYS_write, (long)STDERR_FILENO, (long)text, (long)size);
        if (written <= 0)
            return;
        text += written;
        size -= (size_t)written;
    }
}

static void writeText(const char* text) { writeRaw(text, strlen(text)); }

/* The C library's own backtrace functions, not a sanitizer's interceptors of them (see writeRaw). */
static int (*g_backtrace)(void**, int);
static void (*g_backtraceSymbolsFd)(void* const*, int, int);

/* Resolves every forwarding target before main() (dlsym allocates, so never on a guarded thread)
 * and loads the unwinder backtrace() needs (its first call dlopen()s libgcc_s). */
__attribute__((constructor)) static void resolveAllBeforeMain(void) {
    ++t_inside;
#define AAP_RTG_RESOLVE(name)                                                                      \
    if (__atomic_load_n(&next_##name, __ATOMIC_ACQUIRE) == NULL) {                                  \
        void* found = dlsym(RTLD_NEXT, #name);                                                      \
        if (found != NULL)                                                                          \
            __atomic_store_n(&next_##name, found, __ATOMIC_RELEASE);                                \
    }
    AAP_RTG_FUNCTIONS(AAP_RTG_RESOLVE)
#undef AAP_RTG_RESOLVE
    void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (libc != NULL) {
        g_backtrace = (int (*)(void**, int))dlsym(libc, "backtrace");
        g_backtraceSymbolsFd = (void (*)(void* const*, int, int))dlsym(libc, "backtrace_symbols_fd");
    }
    if (g_backtrace == NULL || g_backtraceSymbolsFd == NULL) {
        g_backtrace = backtrace;
        g_backtraceSymbolsFd = backtrace_symbols_fd;
    }
    void* frames[4];
    (void)g_backtrace(frames, 4);
    --t_inside;
}

/* ---- Counting and reporting ---- */

static void report(const char* function, const char* what, int withBacktrace) {
    if (!__atomic_load_n(&g_reporting, __ATOMIC_RELAXED))
        return;
    ++t_inside;
    writeText("aap rt-guard: ");
    writeText(function);
    writeText(" (");
    writeText(what);
    writeText(") on a guarded thread; the first violation since the guard started, at:\n");
    void* frames[64];
    if (!withBacktrace) {
        writeText("  (no backtrace from inside the sanitizer's allocator: the plain build prints one)\n");
    } else if (g_backtrace != NULL && g_backtraceSymbolsFd != NULL) {
        const int depth = g_backtrace(frames, 64);
        if (depth > 0)
            g_backtraceSymbolsFd(frames, depth, STDERR_FILENO);
    }
    --t_inside;
}

static void violation(const char* function, const char* what, int withBacktrace) {
    if (t_first != NULL)
        return;
    t_first = function;
    report(function, what, withBacktrace);
}

#define GUARDED() (t_depth > 0 && t_inside == 0)

__attribute__((noinline)) static void countBlocking(unsigned kind, const char* function) {
    if (!GUARDED())
        return;
    ++t_blocking[kind];
    violation(function, kBlockingNames[kind], 1);
}

static void countAllowed(unsigned kind) {
    if (GUARDED())
        ++t_allowed[kind];
}

__attribute__((noinline)) void aap_rt_guard_heap_operation(const char* function, int withBacktrace) {
    if (GUARDED())
        violation(function, "heap operation", withBacktrace);
}

uint64_t aap_rt_guard_blocking_count(unsigned kind) {
    return kind < AAP_RTG_BLOCKING_KINDS ? t_blocking[kind] : 0;
}
uint64_t aap_rt_guard_allowed_count(unsigned kind) { return kind < AAP_RTG_ALLOWED_KINDS ? t_allowed[kind] : 0; }

void aap_rt_guard_enter(void) {
    if (t_depth++ == 0)
        t_first = NULL;
}
void aap_rt_guard_leave(void) {
    if (t_depth > 0)
        --t_depth;
}
const char* aap_rt_guard_first_violation(void) { return t_first != NULL ? t_first : ""; }
void aap_rt_guard_set_reporting(int enabled) { __atomic_store_n(&g_reporting, enabled ? 1 : 0, __ATOMIC_RELAXED); }
const char* aap_rt_guard_blocking_name(unsigned kind) {
    return kind < AAP_RTG_BLOCKING_KINDS ? kBlockingNames[kind] : "unknown";
}
const char* aap_rt_guard_allowed_name(unsigned kind) {
    return kind < AAP_RTG_ALLOWED_KINDS ? kAllowedCalls[kind].name : "unknown";
}
const char* aap_rt_guard_allowed_reason(unsigned kind) {
    return kind < AAP_RTG_ALLOWED_KINDS ? kAllowedCalls[kind].reason : "unknown";
}

/* An O_NONBLOCK eventfd: F_GETFL, then the /proc/self/fd link ("anon_inode:[eventfd]"), both as
 * raw system calls through the C library's syscall() (not this file's, not counted). */
static int isNonBlockingEventfd(int fd) {
    long (*sys)(long, ...) = NEXT(syscall);
    const long flags = sys(SYS_fcntl, (long)fd, (long)F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) == 0)
        return 0;
    char path[32] = "/proc/self/fd/";
    char digits[16];
    int count = 0;
    unsigned value = (unsigned)fd;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0 && count < (int)sizeof(digits));
    size_t at = strlen(path);
    while (count > 0 && at + 1 < sizeof(path))
        path[at++] = digits[--count];
    path[at] = '\0';
    static const char kEventfd[] = "anon_inode:[eventfd]";
    char target[sizeof(kEventfd) + 8];
    const long size = sys(SYS_readlinkat, (long)AT_FDCWD, (long)path, (long)target, (long)sizeof(target));
    return size == (long)(sizeof(kEventfd) - 1) && memcmp(target, kEventfd, sizeof(kEventfd) - 1) == 0;
}

static void countWrite(int fd, size_t size, const char* function) {
    if (!GUARDED())
        return;
    if (size == 8 && isNonBlockingEventfd(fd))
        countAllowed(AAP_RTG_NONBLOCKING_EVENTFD_WRITE);
    else
        countBlocking(AAP_RTG_IO, function);
}

/* ---- Locks ---- */

int pthread_mutex_lock(pthread_mutex_t* mutex) {
    countBlocking(AAP_RTG_LOCK, "pthread_mutex_lock");
    return NEXT(pthread_mutex_lock)(mutex);
}
int pthread_mutex_timedlock(pthread_mutex_t* __restrict mutex, const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_mutex_timedlock");
    return NEXT(pthread_mutex_timedlock)(mutex, abstime);
}
int pthread_mutex_clocklock(pthread_mutex_t* __restrict mutex, clockid_t clock,
                            const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_mutex_clocklock");
    return NEXT(pthread_mutex_clocklock)(mutex, clock, abstime);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* lock) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_rdlock");
    return NEXT(pthread_rwlock_rdlock)(lock);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* lock) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_wrlock");
    return NEXT(pthread_rwlock_wrlock)(lock);
}
int pthread_rwlock_timedrdlock(pthread_rwlock_t* __restrict lock, const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_timedrdlock");
    return NEXT(pthread_rwlock_timedrdlock)(lock, abstime);
}
int pthread_rwlock_timedwrlock(pthread_rwlock_t* __restrict lock, const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_timedwrlock");
    return NEXT(pthread_rwlock_timedwrlock)(lock, abstime);
}
int pthread_rwlock_clockrdlock(pthread_rwlock_t* __restrict lock, clockid_t clock,
                               const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_clockrdlock");
    return NEXT(pthread_rwlock_clockrdlock)(lock, clock, abstime);
}
int pthread_rwlock_clockwrlock(pthread_rwlock_t* __restrict lock, clockid_t clock,
                               const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_LOCK, "pthread_rwlock_clockwrlock");
    return NEXT(pthread_rwlock_clockwrlock)(lock, clock, abstime);
}
int pthread_spin_lock(pthread_spinlock_t* lock) {
    countBlocking(AAP_RTG_LOCK, "pthread_spin_lock");
    return NEXT(pthread_spin_lock)(lock);
}

/* ---- Condition variables and semaphores ---- */

int pthread_cond_wait(pthread_cond_t* __restrict cond, pthread_mutex_t* __restrict mutex) {
    countBlocking(AAP_RTG_CONDITION_WAIT, "pthread_cond_wait");
    return NEXT(pthread_cond_wait)(cond, mutex);
}
int pthread_cond_timedwait(pthread_cond_t* __restrict cond, pthread_mutex_t* __restrict mutex,
                           const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_CONDITION_WAIT, "pthread_cond_timedwait");
    return NEXT(pthread_cond_timedwait)(cond, mutex, abstime);
}
int pthread_cond_clockwait(pthread_cond_t* __restrict cond, pthread_mutex_t* __restrict mutex, clockid_t clock,
                           const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_CONDITION_WAIT, "pthread_cond_clockwait");
    return NEXT(pthread_cond_clockwait)(cond, mutex, clock, abstime);
}
int sem_wait(sem_t* sem) {
    countBlocking(AAP_RTG_SEMAPHORE_WAIT, "sem_wait");
    return NEXT(sem_wait)(sem);
}
int sem_timedwait(sem_t* __restrict sem, const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_SEMAPHORE_WAIT, "sem_timedwait");
    return NEXT(sem_timedwait)(sem, abstime);
}
int sem_clockwait(sem_t* __restrict sem, clockid_t clock, const struct timespec* __restrict abstime) {
    countBlocking(AAP_RTG_SEMAPHORE_WAIT, "sem_clockwait");
    return NEXT(sem_clockwait)(sem, clock, abstime);
}

/* ---- syscall(): futex and the direct forms of the calls counted below ---- */

static void countSyscall(long number, long a1, long a3) {
    if (!GUARDED())
        return;
    switch (number) {
    case SYS_futex:
        switch ((int)a1 & FUTEX_CMD_MASK) {
        case FUTEX_WAIT:
        case FUTEX_WAIT_BITSET:
            if (a3 != 0)
                countAllowed(AAP_RTG_BOUNDED_FUTEX_WAIT);
            else
                countBlocking(AAP_RTG_FUTEX_WAIT, "syscall(SYS_futex, FUTEX_WAIT)");
            return;
        case FUTEX_LOCK_PI:
#ifdef FUTEX_LOCK_PI2
        case FUTEX_LOCK_PI2:
#endif
        case FUTEX_WAIT_REQUEUE_PI:
            countBlocking(AAP_RTG_FUTEX_WAIT, "syscall(SYS_futex, FUTEX_LOCK_PI/WAIT_REQUEUE_PI)");
            return;
        default:
            countAllowed(AAP_RTG_FUTEX_WAKE);
            return;
        }
#ifdef SYS_futex_waitv
    case SYS_futex_waitv:
        countBlocking(AAP_RTG_FUTEX_WAIT, "syscall(SYS_futex_waitv)");
        return;
#endif
    case SYS_clock_gettime:
    case SYS_gettimeofday:
        countAllowed(AAP_RTG_CLOCK_READ);
        return;
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
#ifdef SYS_pause
    case SYS_pause:
#endif
        countBlocking(AAP_RTG_SLEEP, "syscall(sleep)");
        return;
    case SYS_write:
        countWrite((int)a1, (size_t)a3, "syscall(SYS_write)");
        return;
    case SYS_read:
    case SYS_readv:
    case SYS_writev:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_ppoll:
    case SYS_pselect6:
    case SYS_epoll_pwait:
#ifdef SYS_poll
    case SYS_poll:
#endif
#ifdef SYS_select
    case SYS_select:
#endif
#ifdef SYS_epoll_wait
    case SYS_epoll_wait:
#endif
    case SYS_accept:
    case SYS_accept4:
    case SYS_connect:
    case SYS_fsync:
    case SYS_fdatasync:
        countBlocking(AAP_RTG_IO, "syscall(I/O)");
        return;
#ifdef SYS_open
    case SYS_open:
#endif
#ifdef SYS_creat
    case SYS_creat:
#endif
    case SYS_openat:
    case SYS_openat2:
        countBlocking(AAP_RTG_OPEN, "syscall(open)");
        return;
    case SYS_mmap:
    case SYS_munmap:
    case SYS_mremap:
        countBlocking(AAP_RTG_MEMORY_MAP, "syscall(mmap)");
        return;
#ifdef SYS_fork
    case SYS_fork:
#endif
#ifdef SYS_vfork
    case SYS_vfork:
#endif
    case SYS_clone:
    case SYS_clone3:
    case SYS_execve:
    case SYS_execveat:
    case SYS_wait4:
    case SYS_waitid:
        countBlocking(AAP_RTG_PROCESS, "syscall(process)");
        return;
    default:
        return;
    }
}

long syscall(long number, ...) {
    /* Six argument words, as the C library's own syscall() reads them. */
    va_list args;
    va_start(args, number);
    const long a1 = va_arg(args, long), a2 = va_arg(args, long), a3 = va_arg(args, long);
    const long a4 = va_arg(args, long), a5 = va_arg(args, long), a6 = va_arg(args, long);
    va_end(args);
    /* futex(uaddr, op, val, timeout, ...): the op is the 2nd word, the timeout the 4th;
     * write(fd, buf, count): the count is the 3rd. */
    if (number == SYS_futex)
        countSyscall(number, a2, a4);
    else
        countSyscall(number, a1, a3);
    return NEXT(syscall)(number, a1, a2, a3, a4, a5, a6);
}

/* ---- Sleeps ---- */

unsigned int sleep(unsigned int seconds) {
    countBlocking(AAP_RTG_SLEEP, "sleep");
    return NEXT(sleep)(seconds);
}
int usleep(useconds_t microseconds) {
    countBlocking(AAP_RTG_SLEEP, "usleep");
    return NEXT(usleep)(microseconds);
}
int nanosleep(const struct timespec* duration, struct timespec* remaining) {
    countBlocking(AAP_RTG_SLEEP, "nanosleep");
    return NEXT(nanosleep)(duration, remaining);
}
int clock_nanosleep(clockid_t clock, int flags, const struct timespec* duration, struct timespec* remaining) {
    countBlocking(AAP_RTG_SLEEP, "clock_nanosleep");
    return NEXT(clock_nanosleep)(clock, flags, duration, remaining);
}
int pause(void) {
    countBlocking(AAP_RTG_SLEEP, "pause");
    return NEXT(pause)();
}

/* ---- I/O ---- */

ssize_t read(int fd, void* buf, size_t count) {
    countBlocking(AAP_RTG_IO, "read");
    return NEXT(read)(fd, buf, count);
}
ssize_t write(int fd, const void* buf, size_t count) {
    countWrite(fd, count, "write");
    return NEXT(write)(fd, buf, count);
}
ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
    countBlocking(AAP_RTG_IO, "pread");
    return NEXT(pread)(fd, buf, count, offset);
}
ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
    countBlocking(AAP_RTG_IO, "pwrite");
    return NEXT(pwrite)(fd, buf, count, offset);
}
ssize_t pread64(int fd, void* buf, size_t count, off64_t offset) {
    countBlocking(AAP_RTG_IO, "pread64");
    return NEXT(pread64)(fd, buf, count, offset);
}
ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
    countBlocking(AAP_RTG_IO, "pwrite64");
    return NEXT(pwrite64)(fd, buf, count, offset);
}
ssize_t readv(int fd, const struct iovec* iov, int count) {
    countBlocking(AAP_RTG_IO, "readv");
    return NEXT(readv)(fd, iov, count);
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
    countBlocking(AAP_RTG_IO, "writev");
    return NEXT(writev)(fd, iov, count);
}
ssize_t recv(int fd, void* buf, size_t n, int flags) {
    countBlocking(AAP_RTG_IO, "recv");
    return NEXT(recv)(fd, buf, n, flags);
}
ssize_t recvfrom(int fd, void* __restrict buf, size_t n, int flags, __SOCKADDR_ARG addr,
                 socklen_t* __restrict addrLength) {
    countBlocking(AAP_RTG_IO, "recvfrom");
    return NEXT(recvfrom)(fd, buf, n, flags, addr, addrLength);
}
ssize_t recvmsg(int fd, struct msghdr* message, int flags) {
    countBlocking(AAP_RTG_IO, "recvmsg");
    return NEXT(recvmsg)(fd, message, flags);
}
ssize_t send(int fd, const void* buf, size_t n, int flags) {
    countBlocking(AAP_RTG_IO, "send");
    return NEXT(send)(fd, buf, n, flags);
}
ssize_t sendto(int fd, const void* buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr, socklen_t addrLength) {
    countBlocking(AAP_RTG_IO, "sendto");
    return NEXT(sendto)(fd, buf, n, flags, addr, addrLength);
}
ssize_t sendmsg(int fd, const struct msghdr* message, int flags) {
    countBlocking(AAP_RTG_IO, "sendmsg");
    return NEXT(sendmsg)(fd, message, flags);
}
int poll(struct pollfd* fds, nfds_t count, int timeout) {
    countBlocking(AAP_RTG_IO, "poll");
    return NEXT(poll)(fds, count, timeout);
}
int ppoll(struct pollfd* fds, nfds_t count, const struct timespec* timeout, const __sigset_t* mask) {
    countBlocking(AAP_RTG_IO, "ppoll");
    return NEXT(ppoll)(fds, count, timeout, mask);
}
int select(int count, fd_set* __restrict readFds, fd_set* __restrict writeFds, fd_set* __restrict exceptFds,
           struct timeval* __restrict timeout) {
    countBlocking(AAP_RTG_IO, "select");
    return NEXT(select)(count, readFds, writeFds, exceptFds, timeout);
}
int pselect(int count, fd_set* __restrict readFds, fd_set* __restrict writeFds, fd_set* __restrict exceptFds,
            const struct timespec* __restrict timeout, const __sigset_t* __restrict mask) {
    countBlocking(AAP_RTG_IO, "pselect");
    return NEXT(pselect)(count, readFds, writeFds, exceptFds, timeout, mask);
}
int epoll_wait(int epfd, struct epoll_event* events, int maxEvents, int timeout) {
    countBlocking(AAP_RTG_IO, "epoll_wait");
    return NEXT(epoll_wait)(epfd, events, maxEvents, timeout);
}
int epoll_pwait(int epfd, struct epoll_event* events, int maxEvents, int timeout, const __sigset_t* mask) {
    countBlocking(AAP_RTG_IO, "epoll_pwait");
    return NEXT(epoll_pwait)(epfd, events, maxEvents, timeout, mask);
}
int epoll_pwait2(int epfd, struct epoll_event* events, int maxEvents, const struct timespec* timeout,
                 const __sigset_t* mask) {
    countBlocking(AAP_RTG_IO, "epoll_pwait2");
    return NEXT(epoll_pwait2)(epfd, events, maxEvents, timeout, mask);
}
int accept(int fd, __SOCKADDR_ARG addr, socklen_t* __restrict addrLength) {
    countBlocking(AAP_RTG_IO, "accept");
    return NEXT(accept)(fd, addr, addrLength);
}
int accept4(int fd, __SOCKADDR_ARG addr, socklen_t* __restrict addrLength, int flags) {
    countBlocking(AAP_RTG_IO, "accept4");
    return NEXT(accept4)(fd, addr, addrLength, flags);
}
int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t addrLength) {
    countBlocking(AAP_RTG_IO, "connect");
    return NEXT(connect)(fd, addr, addrLength);
}
int fsync(int fd) {
    countBlocking(AAP_RTG_IO, "fsync");
    return NEXT(fsync)(fd);
}
int fdatasync(int fd) {
    countBlocking(AAP_RTG_IO, "fdatasync");
    return NEXT(fdatasync)(fd);
}
int eventfd_read(int fd, eventfd_t* value) {
    countBlocking(AAP_RTG_IO, "eventfd_read");
    return NEXT(eventfd_read)(fd, value);
}
int eventfd_write(int fd, eventfd_t value) {
    countWrite(fd, sizeof(eventfd_t), "eventfd_write");
    return NEXT(eventfd_write)(fd, value);
}
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen) {
    countBlocking(AAP_RTG_IO, "read");
    return NEXT(__read_chk)(fd, buf, nbytes, buflen);
}
ssize_t __pread_chk(int fd, void* buf, size_t nbytes, off_t offset, size_t buflen) {
    countBlocking(AAP_RTG_IO, "pread");
    return NEXT(__pread_chk)(fd, buf, nbytes, offset, buflen);
}
ssize_t __pread64_chk(int fd, void* buf, size_t nbytes, off64_t offset, size_t buflen) {
    countBlocking(AAP_RTG_IO, "pread64");
    return NEXT(__pread64_chk)(fd, buf, nbytes, offset, buflen);
}
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
    countBlocking(AAP_RTG_IO, "recv");
    return NEXT(__recv_chk)(fd, buf, n, buflen, flags);
}
ssize_t __recvfrom_chk(int fd, void* __restrict buf, size_t n, size_t buflen, int flags, __SOCKADDR_ARG addr,
                       socklen_t* __restrict addrLength) {
    countBlocking(AAP_RTG_IO, "recvfrom");
    return NEXT(__recvfrom_chk)(fd, buf, n, buflen, flags, addr, addrLength);
}
int __poll_chk(struct pollfd* fds, nfds_t count, int timeout, size_t fdslen) {
    countBlocking(AAP_RTG_IO, "poll");
    return NEXT(__poll_chk)(fds, count, timeout, fdslen);
}
int __ppoll_chk(struct pollfd* fds, nfds_t count, const struct timespec* timeout, const __sigset_t* mask,
                size_t fdslen) {
    countBlocking(AAP_RTG_IO, "ppoll");
    return NEXT(__ppoll_chk)(fds, count, timeout, mask, fdslen);
}

/* ---- open ---- */

/* The mode argument exists only with O_CREAT or O_TMPFILE. */
#define AAP_RTG_NEEDS_MODE(flags) (((flags) & O_CREAT) != 0 || ((flags) & O_TMPFILE) == O_TMPFILE)

int open(const char* path, int flags, ...) {
    mode_t mode = 0;
    if (AAP_RTG_NEEDS_MODE(flags)) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    countBlocking(AAP_RTG_OPEN, "open");
    return NEXT(open)(path, flags, mode);
}
int open64(const char* path, int flags, ...) {
    mode_t mode = 0;
    if (AAP_RTG_NEEDS_MODE(flags)) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    countBlocking(AAP_RTG_OPEN, "open64");
    return NEXT(open64)(path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
    mode_t mode = 0;
    if (AAP_RTG_NEEDS_MODE(flags)) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    countBlocking(AAP_RTG_OPEN, "openat");
    return NEXT(openat)(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char* path, int flags, ...) {
    mode_t mode = 0;
    if (AAP_RTG_NEEDS_MODE(flags)) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    countBlocking(AAP_RTG_OPEN, "openat64");
    return NEXT(openat64)(dirfd, path, flags, mode);
}
int creat(const char* path, mode_t mode) {
    countBlocking(AAP_RTG_OPEN, "creat");
    return NEXT(creat)(path, mode);
}
int creat64(const char* path, mode_t mode) {
    countBlocking(AAP_RTG_OPEN, "creat64");
    return NEXT(creat64)(path, mode);
}
int __open_2(const char* path, int flags) {
    countBlocking(AAP_RTG_OPEN, "open");
    return NEXT(__open_2)(path, flags);
}
int __open64_2(const char* path, int flags) {
    countBlocking(AAP_RTG_OPEN, "open64");
    return NEXT(__open64_2)(path, flags);
}
int __openat_2(int dirfd, const char* path, int flags) {
    countBlocking(AAP_RTG_OPEN, "openat");
    return NEXT(__openat_2)(dirfd, path, flags);
}
int __openat64_2(int dirfd, const char* path, int flags) {
    countBlocking(AAP_RTG_OPEN, "openat64");
    return NEXT(__openat64_2)(dirfd, path, flags);
}
FILE* fopen(const char* __restrict path, const char* __restrict mode) {
    countBlocking(AAP_RTG_OPEN, "fopen");
    return NEXT(fopen)(path, mode);
}
FILE* fopen64(const char* __restrict path, const char* __restrict mode) {
    countBlocking(AAP_RTG_OPEN, "fopen64");
    return NEXT(fopen64)(path, mode);
}

/* ---- Memory mappings ---- */

void* mmap(void* address, size_t length, int protection, int flags, int fd, off_t offset) {
    countBlocking(AAP_RTG_MEMORY_MAP, "mmap");
    return NEXT(mmap)(address, length, protection, flags, fd, offset);
}
void* mmap64(void* address, size_t length, int protection, int flags, int fd, off64_t offset) {
    countBlocking(AAP_RTG_MEMORY_MAP, "mmap64");
    return NEXT(mmap64)(address, length, protection, flags, fd, offset);
}
int munmap(void* address, size_t length) {
    countBlocking(AAP_RTG_MEMORY_MAP, "munmap");
    return NEXT(munmap)(address, length);
}
void* mremap(void* address, size_t oldLength, size_t newLength, int flags, ...) {
    void* newAddress = NULL;
    if ((flags & MREMAP_FIXED) != 0) {
        va_list args;
        va_start(args, flags);
        newAddress = va_arg(args, void*);
        va_end(args);
    }
    countBlocking(AAP_RTG_MEMORY_MAP, "mremap");
    return NEXT(mremap)(address, oldLength, newLength, flags, newAddress);
}

/* ---- Processes ---- */

pid_t fork(void) {
    countBlocking(AAP_RTG_PROCESS, "fork");
    return NEXT(fork)();
}
int execve(const char* path, char* const argv[], char* const envp[]) {
    countBlocking(AAP_RTG_PROCESS, "execve");
    return NEXT(execve)(path, argv, envp);
}
int execv(const char* path, char* const argv[]) {
    countBlocking(AAP_RTG_PROCESS, "execv");
    return NEXT(execv)(path, argv);
}
int execvp(const char* file, char* const argv[]) {
    countBlocking(AAP_RTG_PROCESS, "execvp");
    return NEXT(execvp)(file, argv);
}
int execvpe(const char* file, char* const argv[], char* const envp[]) {
    countBlocking(AAP_RTG_PROCESS, "execvpe");
    return NEXT(execvpe)(file, argv, envp);
}
int fexecve(int fd, char* const argv[], char* const envp[]) {
    countBlocking(AAP_RTG_PROCESS, "fexecve");
    return NEXT(fexecve)(fd, argv, envp);
}
int execveat(int dirfd, const char* path, char* const argv[], char* const envp[], int flags) {
    countBlocking(AAP_RTG_PROCESS, "execveat");
    return NEXT(execveat)(dirfd, path, argv, envp, flags);
}

/* execl, execlp, execle: the argument list is collected on the stack and passed to the vector
 * forms (the C library does the same); more than kMaxExecArguments is E2BIG. */
enum { kMaxExecArguments = 1024 };
#define AAP_RTG_COLLECT_ARGUMENTS(first, args, argv, overflow)                                       \
    do {                                                                                            \
        size_t count_ = 0;                                                                          \
        argv[count_++] = (char*)(first);                                                            \
        for (;;) {                                                                                  \
            char* next_ = va_arg(args, char*);                                                      \
            if (count_ == kMaxExecArguments) {                                                      \
                overflow = 1;                                                                       \
                break;                                                                              \
            }                                                                                       \
            argv[count_++] = next_;                                                                 \
            if (next_ == NULL)                                                                      \
                break;                                                                              \
        }                                                                                           \
    } while (0)

int execl(const char* path, const char* arg, ...) {
    countBlocking(AAP_RTG_PROCESS, "execl");
    char* argv[kMaxExecArguments];
    int overflow = 0;
    va_list args;
    va_start(args, arg);
    AAP_RTG_COLLECT_ARGUMENTS(arg, args, argv, overflow);
    va_end(args);
    if (overflow) {
        errno = E2BIG;
        return -1;
    }
    return NEXT(execv)(path, argv);
}
int execlp(const char* file, const char* arg, ...) {
    countBlocking(AAP_RTG_PROCESS, "execlp");
    char* argv[kMaxExecArguments];
    int overflow = 0;
    va_list args;
    va_start(args, arg);
    AAP_RTG_COLLECT_ARGUMENTS(arg, args, argv, overflow);
    va_end(args);
    if (overflow) {
        errno = E2BIG;
        return -1;
    }
    return NEXT(execvp)(file, argv);
}
int execle(const char* path, const char* arg, ...) {
    countBlocking(AAP_RTG_PROCESS, "execle");
    char* argv[kMaxExecArguments];
    int overflow = 0;
    va_list args;
    va_start(args, arg);
    AAP_RTG_COLLECT_ARGUMENTS(arg, args, argv, overflow);
    char* const* envp = overflow ? NULL : va_arg(args, char* const*);
    va_end(args);
    if (overflow) {
        errno = E2BIG;
        return -1;
    }
    return NEXT(execve)(path, argv, envp);
}
int posix_spawn(pid_t* __restrict pid, const char* __restrict path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* __restrict attributes, char* const argv[__restrict_arr],
                char* const envp[__restrict_arr]) {
    countBlocking(AAP_RTG_PROCESS, "posix_spawn");
    return NEXT(posix_spawn)(pid, path, actions, attributes, argv, envp);
}
int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
    countBlocking(AAP_RTG_PROCESS, "posix_spawnp");
    return NEXT(posix_spawnp)(pid, file, actions, attributes, argv, envp);
}
int system(const char* command) {
    countBlocking(AAP_RTG_PROCESS, "system");
    return NEXT(system)(command);
}
FILE* popen(const char* command, const char* mode) {
    countBlocking(AAP_RTG_PROCESS, "popen");
    return NEXT(popen)(command, mode);
}
pid_t wait(int* status) {
    countBlocking(AAP_RTG_PROCESS, "wait");
    return NEXT(wait)(status);
}
pid_t waitpid(pid_t pid, int* status, int options) {
    countBlocking(AAP_RTG_PROCESS, "waitpid");
    return NEXT(waitpid)(pid, status, options);
}
int waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
    countBlocking(AAP_RTG_PROCESS, "waitid");
    return NEXT(waitid)(type, id, info, options);
}

/* ---- Allowed by design: clocks ---- */

int clock_gettime(clockid_t clock, struct timespec* now) {
    countAllowed(AAP_RTG_CLOCK_READ);
    return NEXT(clock_gettime)(clock, now);
}
int gettimeofday(struct timeval* __restrict now, void* __restrict zone) {
    countAllowed(AAP_RTG_CLOCK_READ);
    return NEXT(gettimeofday)(now, zone);
}
