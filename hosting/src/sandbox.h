#pragma once
// The optional plugin-service sandbox (docs/hosting.md, fault model): Landlock (raw syscalls, no
// library) makes the file system read-only except for the listed directories and, where the
// kernel's Landlock ABI has them, denies TCP bind/connect (ABI 4) and scopes abstract UNIX sockets
// and signals to the sandbox (ABI 6); a seccomp filter (raw BPF, no library) refuses every socket
// family but AF_UNIX, so UDP, raw and packet sockets are unavailable too. [non-realtime]

#include <string>
#include <vector>

namespace aap {

// Whether this kernel can run the sandbox; when not, *why says what is missing ("Landlock is not
// supported by this kernel (...)"). Cheap: one syscall.
bool sandboxAvailable(std::string* why);

// The Landlock ABI version of this kernel (>= 1), or -1 when it has none.
int landlockAbiVersion();

// Restricts the calling process for good: no new privileges, the Landlock ruleset and the seccomp
// filter. Must run while the process has a single thread (Landlock applies to the calling thread
// and what it starts). `writable` directories (and /dev/null) stay writable; everything else is
// read-only. False with *error set when any part could not be applied: nothing is half-applied
// silently, the caller must not go on as if sandboxed.
bool applySandbox(const std::vector<std::string>& writable, std::string* error);

} // namespace aap
