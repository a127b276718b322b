#pragma once
// The process transport: plugins run in `aap-plugin-service`, a child process spawned by the
// host. Control operations travel as messages on a SOCK_SEQPACKET UNIX socket pair (wire layout
// in control-protocol.h, docs/hosting.md); port buffers, extension blocks and the per-instance
// realtime process block are memfd shared memory passed with SCM_RIGHTS. process() signals the
// service through the process block (spin, then futex) and never waits past its deadline.
//
// One transport = one service process = one connection; it can host several instances. A host
// that wants isolation per plugin creates one transport per instance (PluginHost does by default).
//
// Faults: the transport watches the child with a pidfd and the socket with poll on its own
// thread. When the child dies, or a control call times out (the child is then killed), or the
// child violates the protocol, every instance goes offline: process() returns Offline with
// silent outputs at once, pending control calls fail, and the child is reaped. The child gets
// PR_SET_PDEATHSIG(SIGKILL) and exits on EOF of its socket, so it never outlives the host.
// (PR_SET_PDEATHSIG fires when the THREAD that created the transport exits: create transports
// on a long-lived thread; EOF on the socket still ends the child when the host process exits.)

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/transport.h"
#include "aap/hosting/unique-fd.h"

namespace aap {

struct ControlMessage;
class ProcessTransportInstance;

// The optional sandbox of the plugin service (docs/hosting.md, fault model). Where the kernel has
// Landlock and seccomp, the service (and everything the plugin starts) gets a read-only file
// system except `writablePaths` (directories: the plugin's bundle, a state folder, ...) and
// /dev/null, and no network: no TCP bind/connect (Landlock ABI >= 4), no socket of any family
// but AF_UNIX (seccomp), no abstract UNIX socket or signal outside the sandbox (Landlock ABI >= 6).
// Where it is unavailable, start() fails with Unsupported and "sandbox unavailable: <why>": a
// sandbox that was asked for is never silently left out.
struct ServiceSandbox {
    bool enabled = false;
    std::vector<std::string> writablePaths;  // absolute paths of existing directories
};

// Deadlines of native GUIs in the service (docs/gui.md, "Native GUIs"): a GUI program's hello
// after its launch, the ack of create, the ack of every other lifecycle call. Whole milliseconds,
// each 1 ms .. 60 s. Deadlines other than the defaults must also keep hello + create below
// controlTimeoutNs (a GUI create is one control call); a host that keeps the defaults with a
// control timeout under 4 s should give its GUI programs less time. On a timeout the GUI program
// is killed and the host gets closed(was_destroyed).
struct ServiceGuiDeadlines {
    int64_t helloNs = 2'000'000'000;
    int64_t createNs = 2'000'000'000;
    int64_t callNs = 500'000'000;
};

struct ProcessTransportOptions {
    // The service executable. Empty: $AAP_PLUGIN_SERVICE, else `aap-plugin-service` next to the
    // library or executable that contains aap::hosting, else next to /proc/self/exe, else where
    // an installation puts it relative to the executable's bindir (../libexec/aap), else the
    // install location compiled into aap::hosting (docs/install.md).
    std::string servicePath;
    // Deadline of every control call (create, prepare, activate, extension, ...). When it passes,
    // the service is considered hung: it is killed and every instance goes offline.
    int64_t controlTimeoutNs = 5000000000;
    // Deadline for the service to start and answer the protocol handshake.
    int64_t startupTimeoutNs = 5000000000;
    // How long process() spins before sleeping in FUTEX_WAIT (bounded by its deadline). 0 by
    // default: on a machine whose cores are busy, spinning competes with the service for the CPU
    // and made the round trip 10x slower in benchmarks/hosting; a host with a dedicated idle core
    // may gain a microsecond with a few microseconds of spin.
    int64_t processSpinNs = 0;
    // Xruns (docs/hosting.md): a process() that misses its deadline returns Xrun and the instance
    // keeps running. The service counts as hung, and is killed (every instance of it goes
    // offline, process() returns Timeout), once it has missed `unresponsiveCycles` consecutive
    // cycles AND `unresponsiveNs` have passed since the first missed deadline (so the longer of
    // the two bounds applies). unresponsiveCycles >= 1, unresponsiveNs >= 0.
    int32_t unresponsiveCycles = 3;
    int64_t unresponsiveNs = 250'000'000;
    // SCHED_FIFO priority (1..99) the service asks for each active instance's realtime thread;
    // 0 asks nothing. Where RLIMIT_RTPRIO / CAP_SYS_NICE do not allow it the thread keeps its
    // normal policy and PluginInstance::realtimeReport() says why. Outside 0..99 activate()
    // returns InvalidArgument.
    int32_t realtimePriority = 70;
    // Start the service as process 1 of a new PID namespace where the kernel allows it (CLONE_NEWPID:
    // root or CAP_SYS_ADMIN): when the service dies, however it dies, the kernel kills every
    // process it left behind. Without it (or where it is refused) the service is a child
    // subreaper that kills its descendants on exit, and the host kills them before killing a
    // hung service (docs/hosting.md, fault model).
    bool pidNamespace = true;
    // Off by default. PluginHost adds the plugin's bundle directory to writablePaths of a
    // per-instance service.
    ServiceSandbox sandbox;
    ServiceGuiDeadlines guiDeadlines;
};

class ProcessTransport final : public PluginTransport, public std::enable_shared_from_this<ProcessTransport> {
public:
    // Spawns the service and performs the handshake. On failure *error says why.
    static HostingStatus start(const ProcessTransportOptions& options, std::shared_ptr<ProcessTransport>* out,
                               std::string* error = nullptr);

    // Uses an already connected socket (no child process; for tests and custom launchers) and
    // performs the handshake on it.
    static HostingStatus connect(UniqueFd socket, const ProcessTransportOptions& options,
                                 std::shared_ptr<ProcessTransport>* out, std::string* error = nullptr);

    // Where start() would look for the service when options.servicePath is empty ("" if nowhere).
    static std::string findServiceExecutable();

    // Whether this process may start a service in a new PID namespace (tried once, then cached).
    static bool pidNamespacesAvailable();

    // Whether this kernel can run the service sandbox; when not, *why says what is missing.
    static bool sandboxAvailable(std::string* why = nullptr);

    ~ProcessTransport() override;

    const char* name() const noexcept override { return "process"; }
    HostingStatus createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                 std::unique_ptr<TransportInstance>* instance, std::string* error = nullptr) override;
    bool isAlive() const noexcept override { return alive_.load(std::memory_order_acquire); }

    // The service's process id (0 for connect()). In a PID namespace (inPidNamespace()) the host's
    // child is the namespace's init, a minimal reaper whose only child is the service and which
    // exits with it; this is still the service's own pid (as seen by the host).
    int servicePid() const noexcept { return servicePid_ > 0 ? servicePid_ : pid_; }
    // Whether the service runs in a PID namespace of its own (options.pidNamespace and allowed).
    bool inPidNamespace() const noexcept { return pidNamespace_; }
    // Why the connection went offline ("" while alive).
    std::string failureReason() const;
    // [audio-thread] Kills the service because it stopped answering process() (bounded, no lock,
    // no allocation): the reader thread then sees it exit and takes every instance offline.
    void killUnresponsive() noexcept;

    // [main-thread] Sends one request and waits for its reply (bounded by options.controlTimeoutNs,
    // or timeoutNs when >= 0). Used by the instances; public for third-party instance types.
    HostingStatus call(uint32_t opcode, uint32_t instanceId, const void* payload, uint32_t payloadSize,
                       const int* fds, uint32_t fdCount, ControlMessage* reply, int64_t timeoutNs = -1);

    const ProcessTransportOptions& options() const noexcept { return options_; }

private:
    friend class ProcessTransportInstance;
    ProcessTransport(UniqueFd socket, int pid, UniqueFd pidfd, const ProcessTransportOptions& options);

    HostingStatus handshake(std::string* error);
    void readerLoop();
    void handleRequest(ControlMessage& message);
    // Marks the connection offline (idempotent): kills a live child, fails the pending call and
    // puts every instance offline.
    void fail(HostingStatus status, const std::string& reason);
    void registerInstance(uint32_t id, ProcessTransportInstance* instance);
    void unregisterInstance(uint32_t id);
    void reap(bool wait);
    // SIGKILLs the service and, first, every process it started (containment.h).
    void killService();

    ProcessTransportOptions options_;
    UniqueFd socket_;
    int pid_ = 0;
    bool pidNamespace_ = false;
    int servicePid_ = 0;  // in a PID namespace: the service, child of pid_ (the namespace's init)
    UniqueFd pidfd_;
    UniqueFd wakeFd_;  // eventfd that stops the reader thread
    std::atomic<bool> alive_{true};
    std::atomic<bool> reaped_{false};
    std::atomic<bool> killedUnresponsive_{false};
    std::thread reader_;
    std::atomic<bool> readerExited_{false};

    std::mutex callMutex_;  // one outstanding control request per connection
    std::mutex stateMutex_; // everything below
    std::condition_variable replyArrived_;
    uint32_t nextSequence_ = 1;
    uint32_t awaitedSequence_ = 0;
    std::unique_ptr<ControlMessage> reply_;
    std::string failureReason_;
    HostingStatus failureStatus_ = HostingStatus::Ok;
    std::map<uint32_t, ProcessTransportInstance*> instances_;
    // Held by the reader thread while it runs an instance's callbacks, and by unregisterInstance.
    std::mutex dispatchMutex_;
};

} // namespace aap
