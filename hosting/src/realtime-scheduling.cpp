#include "aap/hosting/realtime-scheduling.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace aap {

namespace {

int64_t softLimit(int resource) noexcept {
    struct rlimit limit {};
    if (::getrlimit(resource, &limit) != 0)
        return 0;
    if (limit.rlim_cur == RLIM_INFINITY)
        return -1;
    return static_cast<int64_t>(limit.rlim_cur);
}

// CAP_SYS_NICE in the calling thread's effective set (capget: the kernel's own view, which also
// covers root without it, e.g. in a container that dropped it).
bool hasCapSysNice() noexcept {
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0)
        return false;
    return (data[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE)) != 0;
}

std::string sizeText(uint64_t bytes) {
    if (bytes >= 10u * 1024u * 1024u)
        return std::to_string(bytes / (1024u * 1024u)) + " MiB";
    if (bytes >= 10u * 1024u)
        return std::to_string(bytes / 1024u) + " KiB";
    return std::to_string(bytes) + " bytes";
}

const char* policyName(int32_t policy) noexcept {
    switch (policy) {
    case SCHED_OTHER: return "SCHED_OTHER";
    case SCHED_FIFO: return "SCHED_FIFO";
    case SCHED_RR: return "SCHED_RR";
#ifdef SCHED_BATCH
    case SCHED_BATCH: return "SCHED_BATCH";
#endif
#ifdef SCHED_IDLE
    case SCHED_IDLE: return "SCHED_IDLE";
#endif
    default: return "an unknown policy";
    }
}

} // namespace

RealtimeScheduling requestRealtimeScheduling(pthread_t thread, int32_t priority) noexcept {
    RealtimeScheduling result;
    result.requestedPriority = priority;
    if (priority != 0) {
        const int lowest = ::sched_get_priority_min(SCHED_FIFO);
        const int highest = ::sched_get_priority_max(SCHED_FIFO);
        int error = EINVAL;
        if (priority >= lowest && priority <= highest) {
            struct sched_param parameter {};
            parameter.sched_priority = priority;
            error = ::pthread_setschedparam(thread, SCHED_FIFO, &parameter);
        }
        if (error != 0) {
            result.grant = RealtimeGrant::Refused;
            result.errorNumber = error;
            result.rtprioLimit = softLimit(RLIMIT_RTPRIO);
            result.capSysNice = hasCapSysNice();
        }
    }
    int policy = SCHED_OTHER;
    struct sched_param current {};
    if (::pthread_getschedparam(thread, &policy, &current) == 0) {
        result.policy = policy;
        result.priority = current.sched_priority;
    }
    if (priority != 0 && result.grant != RealtimeGrant::Refused) {
        // Granted only as read back: the thread really runs SCHED_FIFO at that priority.
        const bool really = result.policy == SCHED_FIFO && result.priority == priority;
        result.grant = really ? RealtimeGrant::Granted : RealtimeGrant::Refused;
        if (!really)
            result.errorNumber = EAGAIN;
    }
    return result;
}

RealtimeScheduling requestRealtimeScheduling(int32_t priority) noexcept {
    return requestRealtimeScheduling(::pthread_self(), priority);
}

std::string describeRealtimeScheduling(const RealtimeScheduling& s) {
    switch (s.grant) {
    case RealtimeGrant::NotRequested:
        return "not requested";
    case RealtimeGrant::Granted:
        return std::string{"granted ("} + policyName(s.policy) + " " + std::to_string(s.priority) + ")";
    case RealtimeGrant::Refused:
        break;
    }
    const std::string requested = std::to_string(s.requestedPriority);
    if (s.errorNumber == EINVAL)
        return "refused (priority " + requested + " is outside SCHED_FIFO's " +
               std::to_string(::sched_get_priority_min(SCHED_FIFO)) + ".." +
               std::to_string(::sched_get_priority_max(SCHED_FIFO)) + ")";
    if (s.errorNumber == EAGAIN)
        return std::string{"refused (the thread reads back as "} + policyName(s.policy) + " " +
               std::to_string(s.priority) + ", not SCHED_FIFO " + requested + ")";
    if (s.errorNumber == EPERM && !s.capSysNice) {
        if (s.rtprioLimit == 0)
            return "refused (RLIMIT_RTPRIO is 0)";
        if (s.rtprioLimit > 0 && s.rtprioLimit < s.requestedPriority)
            return "refused (RLIMIT_RTPRIO is " + std::to_string(s.rtprioLimit) + ", below priority " + requested + ")";
    }
    if (s.errorNumber == EPERM)
        return std::string{"refused (not permitted although "} +
               (s.capSysNice ? "the thread has CAP_SYS_NICE" : "RLIMIT_RTPRIO allows it") +
               ": the cgroup may have no realtime budget, see cpu.rt_runtime_us)";
    return std::string{"refused ("} + std::strerror(s.errorNumber) + ")";
}

void lockAndPrefault(void* data, size_t size, MemoryLocking* locking) noexcept {
    if (data == nullptr || size == 0 || locking == nullptr)
        return;
    if (::mlock(data, size) == 0) {
        // mlock faults every page in; nothing left to touch.
        if (locking->state == MemoryLock::NotAttempted)
            locking->state = MemoryLock::Locked;
        locking->bytes += size;
        return;
    }
    const int error = errno;
    if (locking->state != MemoryLock::Failed) {
        locking->state = MemoryLock::Failed;
        locking->bytes = 0;
        locking->errorNumber = error;
        locking->memlockLimit = softLimit(RLIMIT_MEMLOCK);
    }
    locking->bytes += size;
    // Not locked, but at least resident now: touch one byte per page. An atomic add of zero
    // writes without changing anything the other process may be writing at the same time.
    const long page = ::sysconf(_SC_PAGESIZE);
    const size_t step = page > 0 ? static_cast<size_t>(page) : 4096u;
    auto* bytes = static_cast<uint8_t*>(data);
    for (size_t offset = 0; offset < size; offset += step)
        __atomic_fetch_add(bytes + offset, 0, __ATOMIC_RELAXED);
}

std::string describeMemoryLocking(const MemoryLocking& m) {
    switch (m.state) {
    case MemoryLock::NotAttempted:
        return "not attempted";
    case MemoryLock::Locked:
        return "locked (" + sizeText(m.bytes) + ")";
    case MemoryLock::Failed:
        break;
    }
    std::string text = "not locked (mlock: " + std::string{std::strerror(m.errorNumber)};
    if (m.memlockLimit >= 0)
        text += "; RLIMIT_MEMLOCK is " + sizeText(static_cast<uint64_t>(m.memlockLimit));
    return text + "; pre-faulted " + sizeText(m.bytes) + ")";
}

} // namespace aap
