#pragma once
// Realtime scheduling and memory locking for audio threads (docs/hosting.md, "Realtime scheduling
// and locked memory").
//
// The process transport's service asks SCHED_FIFO for the thread that runs each active instance
// (ProcessTransportOptions::realtimePriority) and locks and pre-faults the instance's shared
// memory at prepare; PluginInstance::realtimeReport() says what it got. A host asks the same for
// its own audio thread with requestRealtimeScheduling(). Neither is fatal when refused: the
// report says why (RLIMIT_RTPRIO, missing CAP_SYS_NICE, no realtime budget in the cgroup, ...),
// and the audio runs at normal priority.

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace aap {

enum class RealtimeGrant : int32_t {
    NotRequested = 0,  // priority 0, or the transport runs no thread of its own (in process)
    Granted = 1,       // the thread runs SCHED_FIFO at the requested priority (read back)
    Refused = 2,       // the kernel said no; the thread keeps its normal policy
};

// What a request for SCHED_FIFO got. Every field is plain data (it travels in the control
// protocol's activate reply, docs/hosting.md).
struct RealtimeScheduling {
    RealtimeGrant grant = RealtimeGrant::NotRequested;
    int32_t requestedPriority = 0;  // 1..99; 0 when not requested
    // The thread's policy (SCHED_OTHER, SCHED_FIFO, ...) and priority as read back with
    // pthread_getschedparam after the request, by the process that owns the thread.
    int32_t policy = 0;
    int32_t priority = 0;
    // Refused: the errno of pthread_setschedparam, the RLIMIT_RTPRIO soft limit (-1 = unlimited)
    // and whether the thread held CAP_SYS_NICE at the time.
    int32_t errorNumber = 0;
    int64_t rtprioLimit = 0;
    bool capSysNice = false;
};

// [main-thread] (not the audio path: it makes system calls and may allocate nothing, but takes
// the time of a few syscalls). Asks SCHED_FIFO at `priority` (1..99) for the calling thread.
// priority 0 asks nothing and reports NotRequested; outside 0..99 is Refused with EINVAL.
RealtimeScheduling requestRealtimeScheduling(int32_t priority) noexcept;
// The same for another thread of this process.
RealtimeScheduling requestRealtimeScheduling(pthread_t thread, int32_t priority) noexcept;

// "granted (SCHED_FIFO 70)", "refused (RLIMIT_RTPRIO is 0)", "refused (RLIMIT_RTPRIO is 20,
// below priority 70)", "not requested", ... One line, no trailing newline.
std::string describeRealtimeScheduling(const RealtimeScheduling& scheduling);

enum class MemoryLock : int32_t {
    NotAttempted = 0,  // nothing prepared yet, or a transport without shared memory (in process)
    Locked = 1,        // mlock succeeded: resident, pre-faulted, never swapped out
    Failed = 2,        // mlock refused; the pages were still pre-faulted by touching them
};

// What locking one side's shared memory got.
struct MemoryLocking {
    MemoryLock state = MemoryLock::NotAttempted;
    uint64_t bytes = 0;       // bytes locked (Locked) or that could not be locked (Failed)
    int32_t errorNumber = 0;  // Failed: errno of mlock (ENOMEM/EPERM: over RLIMIT_MEMLOCK)
    int64_t memlockLimit = 0; // Failed: the RLIMIT_MEMLOCK soft limit in bytes (-1 = unlimited)
};

// [main-thread] Locks [data, data + size) into memory and pre-faults every page (so the audio
// thread never takes a page fault on it). Adds the outcome to *locking: the first failure wins,
// bytes add up. A failure is reported there, never fatal.
void lockAndPrefault(void* data, size_t size, MemoryLocking* locking) noexcept;

// "locked (72 KiB)", "not locked (mlock: Cannot allocate memory; RLIMIT_MEMLOCK is 64 KiB)",
// "not attempted".
std::string describeMemoryLocking(const MemoryLocking& locking);

// What an instance got for realtime operation (PluginInstance::realtimeReport()).
struct RealtimeReport {
    RealtimeScheduling scheduling;  // the service thread that runs process(); set by activate
    MemoryLocking hostMemory;       // this process's mapping of the instance's shared memory
    MemoryLocking serviceMemory;    // the service's mapping; both set by prepare
};

} // namespace aap
