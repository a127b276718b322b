#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace aap {

namespace {

// <linux/landlock.h> layouts, spelled out so the SDK builds against older kernel headers too.
struct LandlockRulesetAttr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct __attribute__((packed)) LandlockPathBeneathAttr {
    uint64_t allowed_access;
    int32_t parent_fd;
};

constexpr long kSysLandlockCreateRuleset = 444;  // the same number on every architecture
constexpr long kSysLandlockAddRule = 445;
constexpr long kSysLandlockRestrictSelf = 446;
constexpr uint32_t kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;

constexpr uint64_t kFsExecute = 1ull << 0, kFsWriteFile = 1ull << 1, kFsReadFile = 1ull << 2,
                   kFsReadDir = 1ull << 3, kFsRefer = 1ull << 13, kFsTruncate = 1ull << 14,
                   kFsIoctlDev = 1ull << 15;
constexpr uint64_t kFsAllV1 = (1ull << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0, kScopeSignal = 1ull << 1;

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#define AAP_SANDBOX_SECCOMP 1
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#define AAP_SANDBOX_SECCOMP 1
#endif

std::string errnoText(const char* what) { return std::string{what} + ": " + std::strerror(errno); }

bool addPathRule(int ruleset, const std::string& path, uint64_t access, std::string* error) {
    int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
        *error = errnoText(("cannot open " + path).c_str());
        return false;
    }
    LandlockPathBeneathAttr rule{access, fd};
    long result = ::syscall(kSysLandlockAddRule, ruleset, kRulePathBeneath, &rule, 0);
    int saved = errno;
    ::close(fd);
    if (result != 0) {
        errno = saved;
        *error = errnoText(("landlock_add_rule(" + path + ")").c_str());
        return false;
    }
    return true;
}

bool applyLandlock(const std::vector<std::string>& writable, std::string* error) {
    const int abi = landlockAbiVersion();
    if (abi < 1) {
        *error = "Landlock is not supported by this kernel";
        return false;
    }
    uint64_t fs = kFsAllV1;
    if (abi >= 2)
        fs |= kFsRefer;
    if (abi >= 3)
        fs |= kFsTruncate;
    if (abi >= 5)
        fs |= kFsIoctlDev;
    LandlockRulesetAttr attr{fs, 0, 0};
    size_t attrSize = offsetof(LandlockRulesetAttr, handled_access_net);
    if (abi >= 4) {
        attr.handled_access_net = kNetBindTcp | kNetConnectTcp;  // no port rule: none allowed
        attrSize = offsetof(LandlockRulesetAttr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
        attrSize = sizeof(attr);
    }
    int ruleset = static_cast<int>(::syscall(kSysLandlockCreateRuleset, &attr, attrSize, 0));
    if (ruleset < 0) {
        *error = errnoText("landlock_create_ruleset");
        return false;
    }
    bool ok = addPathRule(ruleset, "/", kFsExecute | kFsReadFile | kFsReadDir, error);
    const uint64_t fileWrite = kFsReadFile | kFsWriteFile | (abi >= 3 ? kFsTruncate : 0);
    if (ok && ::access("/dev/null", F_OK) == 0)
        ok = addPathRule(ruleset, "/dev/null", fileWrite, error);
    for (const std::string& path : writable)
        if (ok)
            ok = addPathRule(ruleset, path, fs, error);
    if (ok && ::syscall(kSysLandlockRestrictSelf, ruleset, 0) != 0) {
        *error = errnoText("landlock_restrict_self");
        ok = false;
    }
    ::close(ruleset);
    return ok;
}

#ifdef AAP_SANDBOX_SECCOMP
// socket() of any family but AF_UNIX fails with EACCES; a syscall of another ABI (i386 or x32 on
// x86_64, which could reach socket() under another number) fails with ENOSYS.
bool applySeccomp(std::string* error) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),  // __X32_SYSCALL_BIT
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    };
    struct sock_fprog program {};
    program.len = static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0]));
    program.filter = filter;
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
        *error = errnoText("seccomp(SECCOMP_SET_MODE_FILTER)");
        return false;
    }
    return true;
}
#endif

} // namespace

int landlockAbiVersion() {
    long version = ::syscall(kSysLandlockCreateRuleset, nullptr, 0, kCreateRulesetVersion);
    return version < 1 ? -1 : static_cast<int>(version);
}

bool sandboxAvailable(std::string* why) {
    auto refuse = [why](std::string text) {
        if (why != nullptr)
            *why = std::move(text);
        return false;
    };
    long version = ::syscall(kSysLandlockCreateRuleset, nullptr, 0, kCreateRulesetVersion);
    if (version < 1)
        return refuse(errnoText("Landlock is not supported by this kernel (landlock_create_ruleset)") +
                      (errno == EOPNOTSUPP ? " - it is built in but disabled at boot (lsm=)" : ""));
#ifndef AAP_SANDBOX_SECCOMP
    return refuse("no seccomp socket filter for this CPU architecture");
#else
    if (::prctl(PR_GET_SECCOMP) < 0 && errno == EINVAL)
        return refuse("seccomp is not supported by this kernel");
    return true;
#endif
}

bool applySandbox(const std::vector<std::string>& writable, std::string* error) {
    std::string ignored;
    std::string* why = error != nullptr ? error : &ignored;
    if (!sandboxAvailable(why))
        return false;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        *why = errnoText("prctl(PR_SET_NO_NEW_PRIVS)");
        return false;
    }
    if (!applyLandlock(writable, why))
        return false;
#ifdef AAP_SANDBOX_SECCOMP
    return applySeccomp(why);
#else
    return false;
#endif
}

} // namespace aap
