#pragma once
// Process containment of plugin services (docs/hosting.md, fault model): whatever a plugin starts
// dies with its service. [non-realtime]

#include <sys/types.h>

namespace aap {

// SIGKILLs every descendant of `root` (not root itself), walking /proc/<root>/task/*/children
// down the whole tree, and repeats until none is left alive or about one second has passed.
// Meant for a root that is a child subreaper (the plugin service is): a descendant orphaned while
// we walk is reparented to root and found by the next round, so a detached (setsid,
// double-forked) child cannot escape. Returns the number of processes signalled.
int killDescendants(pid_t root) noexcept;

// Resets what a process inherits across fork/exec about signals: an empty signal mask and the
// default disposition for every signal that was ignored (handled ones are reset by exec).
// Async-signal-safe: usable between fork and exec.
void resetSignalDispositionsAndMask() noexcept;

} // namespace aap
