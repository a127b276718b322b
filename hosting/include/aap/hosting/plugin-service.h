#pragma once
// The plugin side of the process transport: what `aap-plugin-service` runs. Serves one control
// connection (the host's socket) until EOF: answers the handshake, loads plugin libraries,
// maps the shared memory the host sends, runs each active instance's realtime loop on its own
// thread, and forwards the plugin's request_process to the host. Every message from the host is
// validated; malformed frames are answered with ProtocolError and end the connection.

#include <cstdint>
#include <string>
#include <vector>

namespace aap {

// Serves `controlFd` (owned; closed on return) on the calling thread. Returns the process exit
// code: 0 after a clean EOF, 2 after a protocol violation or handshake failure.
int runPluginService(int controlFd);

// [test hook] Observes the realtime cycles of every service instance in THIS process (a test
// that runs runPluginService on a thread of its own; aap-plugin-service never sets it). On each
// instance's realtime thread, `begin` runs when a cycle's request has been seen and `end` once
// its reply is published (the wake of a waiting host included): between them is exactly the
// service's per-cycle realtime work (AAPXS before/after process, the plugin's process()). Tests
// guard that span with aap::rt-guard. Set it before the instances activate, clear it (nullptr)
// after they deactivated; the observer must outlive that. [thread-safe]
struct RealtimeCycleObserver {
    void (*begin)(void* user) noexcept;
    void (*end)(void* user) noexcept;
    void* user;
};
void setRealtimeCycleObserver(const RealtimeCycleObserver* observer) noexcept;

// The whole `aap-plugin-service` process around runPluginService (docs/hosting.md, fault model):
// starts from an empty signal mask and default signal dispositions (SIGPIPE then ignored: a
// write to a dead host is an error value), becomes a child subreaper (PR_SET_CHILD_SUBREAPER) so
// every process a plugin starts stays its descendant however it detaches, serves `controlFd`,
// and before returning SIGKILLs and reaps all of its descendants. Only for a process of its own:
// it changes process-wide state.
//
// With `sandbox`, the sandbox (ProcessTransportOptions::sandbox) is applied before anything else
// runs, `writable` being the directories left writable. When it cannot be applied the service
// says why on stderr and answers the host's handshake with Unsupported: it never serves unsandboxed.
int runPluginServiceProcess(int controlFd, bool sandbox = false, const std::vector<std::string>& writable = {});

// The deadlines of native GUIs (docs/gui.md, "Native GUIs") for every instance served afterwards
// in this process: hello of a GUI program after its launch, the ack of create, the ack of every
// other lifecycle call. Each must be > 0; the defaults are 2 s, 2 s and 500 ms. aap-plugin-service
// sets them from --gui-deadlines-ms (ProcessTransportOptions::guiDeadlines). [main-thread]
void setServiceGuiDeadlines(int64_t helloNs, int64_t createNs, int64_t callNs) noexcept;

} // namespace aap
