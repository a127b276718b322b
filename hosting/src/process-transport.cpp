#include "aap/hosting/process-transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "containment.h"
#include "control-socket.h"
#include "futex.h"
#include "process-transport-instance.h"
#include "service-location.h"
#include "sandbox.h"

namespace aap {

namespace {

constexpr int kServiceControlFd = 3;
// How long the destructor lets the reader thread notice it is being stopped before killing the
// service to end whatever the reader is doing.
constexpr int64_t kReaderStopTimeoutNs = 200000000;

bool isExecutable(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void setError(std::string* error, std::string message) {
    if (error != nullptr)
        *error = std::move(message);
}

// struct clone_args of <linux/sched.h>, version 0 (the fields clone3 has always had).
struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

// fork(), or a clone3() that puts the child in a new PID namespace (as its process 1). Returns -1
// with errno when the namespace was asked for and refused (the caller then forks).
pid_t spawnChild(bool newPidNamespace) {
    if (!newPidNamespace)
        return ::fork();
#if defined(SYS_clone3) && defined(CLONE_NEWPID)
    CloneArgs args{};
    args.flags = CLONE_NEWPID;
    args.exit_signal = SIGCHLD;
    return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof(args)));
#else
    errno = ENOSYS;
    return -1;
#endif
}

} // namespace

ProcessTransport::ProcessTransport(UniqueFd socket, int pid, UniqueFd pidfd, const ProcessTransportOptions& options)
    : options_(options), socket_(std::move(socket)), pid_(pid), pidfd_(std::move(pidfd)) {}

std::string ProcessTransport::findServiceExecutable() { return locateServiceExecutable(); }

HostingStatus ProcessTransport::start(const ProcessTransportOptions& options, std::shared_ptr<ProcessTransport>* out,
                                      std::string* error) {
    if (out == nullptr)
        return HostingStatus::InvalidArgument;
    std::vector<std::string> tried;
    std::string path = options.servicePath.empty() ? locateServiceExecutable(&tried) : options.servicePath;
    if (!isExecutable(path)) {
        std::string looked;
        for (const std::string& place : tried)
            looked += (looked.empty() ? "" : ", ") + place;
        setError(error, path.empty() ? "aap-plugin-service not found (looked at " + looked +
                                           "; set ProcessTransportOptions::servicePath or AAP_PLUGIN_SERVICE)"
                                     : "not an executable: " + path);
        return HostingStatus::NotFound;
    }
    {
        // The relation to controlTimeoutNs is checked only for deadlines the host chose: hosts with
        // a short control timeout that never show a GUI keep working with the defaults.
        const ServiceGuiDeadlines& gui = options.guiDeadlines;
        const ServiceGuiDeadlines defaults;
        const bool chosen =
            gui.helloNs != defaults.helloNs || gui.createNs != defaults.createNs || gui.callNs != defaults.callNs;
        auto wholeMs = [](int64_t ns) { return ns >= 1000000 && ns <= 60000000000LL && ns % 1000000 == 0; };
        if (!wholeMs(gui.helloNs) || !wholeMs(gui.createNs) || !wholeMs(gui.callNs) ||
            (chosen && gui.helloNs + gui.createNs >= options.controlTimeoutNs)) {
            setError(error, "guiDeadlines: each must be whole milliseconds between 1 ms and 60 s, and hello + create "
                            "below controlTimeoutNs");
            return HostingStatus::InvalidArgument;
        }
    }
    if (options.sandbox.enabled) {
        std::string why;
        if (!aap::sandboxAvailable(&why)) {
            setError(error, "sandbox unavailable: " + why);
            return HostingStatus::Unsupported;
        }
        for (const std::string& writable : options.sandbox.writablePaths) {
            struct stat st {};
            if (writable.empty() || writable[0] != '/' || ::stat(writable.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
                setError(error, "sandbox: writable path '" + writable + "' is not the absolute path of a directory");
                return HostingStatus::InvalidArgument;
            }
        }
    }
    UniqueFd hostEnd, serviceEnd;
    if (createControlSocketPair(&hostEnd, &serviceEnd) != HostingStatus::Ok) {
        setError(error, std::string{"socketpair failed: "} + std::strerror(errno));
        return HostingStatus::ResourceFailed;
    }
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed.
    std::string fdArgument = std::to_string(kServiceControlFd);
    std::vector<char*> argv{const_cast<char*>(path.c_str()), const_cast<char*>("--control-fd"),
                            const_cast<char*>(fdArgument.c_str())};
    if (options.sandbox.enabled) {
        argv.push_back(const_cast<char*>("--sandbox"));
        for (const std::string& writable : options.sandbox.writablePaths) {
            argv.push_back(const_cast<char*>("--sandbox-writable"));
            argv.push_back(const_cast<char*>(writable.c_str()));
        }
    }
    const ServiceGuiDeadlines& gui = options.guiDeadlines;
    const ServiceGuiDeadlines defaults;
    std::string guiDeadlines;
    if (gui.helloNs != defaults.helloNs || gui.createNs != defaults.createNs || gui.callNs != defaults.callNs) {
        guiDeadlines = std::to_string(gui.helloNs / 1000000) + "," + std::to_string(gui.createNs / 1000000) + "," +
                       std::to_string(gui.callNs / 1000000);
        argv.push_back(const_cast<char*>("--gui-deadlines-ms"));
        argv.push_back(const_cast<char*>(guiDeadlines.c_str()));
    }
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const int childSocket = serviceEnd.get();
    bool inNamespace = options.pidNamespace && pidNamespacesAvailable();
    pid_t pid = spawnChild(inNamespace);
    if (pid < 0 && inNamespace) {
        inNamespace = false;
        pid = ::fork();
    }
    if (pid < 0) {
        setError(error, std::string{"fork failed: "} + std::strerror(errno));
        return HostingStatus::ResourceFailed;
    }
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // In its own PID namespace the child sees no parent (getppid() is 0); should the host die
        // before prctl, the EOF on the socket still ends the service.
        if (!inNamespace && ::getppid() != parent)
            ::_exit(126);  // the host died before prctl took effect
        // The service starts with an empty signal mask and default dispositions, whatever the
        // host blocked or ignored (runPluginServiceProcess does it again for other launchers).
        resetSignalDispositionsAndMask();
        if (inNamespace) {
            // This process is init of the new namespace, and init ignores every signal it has no
            // handler for that comes from inside (even SIGKILL): a plugin's raise(SIGKILL) or
            // abort() must still end the service. So init stays a minimal reaper, the service is
            // its child, and init exits with the service's status - which makes the kernel kill
            // everything else in the namespace.
            pid_t service = ::fork();
            if (service < 0)
                ::_exit(126);
            if (service > 0) {
                ::close(childSocket);
                for (;;) {
                    int status = 0;
                    pid_t reaped = ::waitpid(-1, &status, 0);
                    if (reaped == service)
                        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                    if (reaped < 0 && errno != EINTR)
                        ::_exit(126);
                }
            }
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        }
        if (childSocket == kServiceControlFd) {
            ::fcntl(childSocket, F_SETFD, 0);
        } else if (::dup2(childSocket, kServiceControlFd) < 0) {
            ::_exit(126);
        }
        // Descriptors the host application left inheritable must not leak into the service.
        ::syscall(SYS_close_range, kServiceControlFd + 1, ~0u, 0);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    serviceEnd.reset();
    UniqueFd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
    std::shared_ptr<ProcessTransport> transport{new ProcessTransport(std::move(hostEnd), pid, std::move(pidfd), options)};
    transport->pidNamespace_ = inNamespace;
    HostingStatus status = transport->handshake(error);
    if (status != HostingStatus::Ok)
        return status;  // the destructor kills and reaps the child
    if (inNamespace) {
        // The service answered, so the namespace's init has forked it: its only child.
        std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
        long service = 0;
        if (children >> service)
            transport->servicePid_ = static_cast<int>(service);
    }
    *out = std::move(transport);
    return HostingStatus::Ok;
}

bool ProcessTransport::sandboxAvailable(std::string* why) { return aap::sandboxAvailable(why); }

bool ProcessTransport::pidNamespacesAvailable() {
    static const bool available = [] {
        pid_t pid = spawnChild(true);
        if (pid == 0)
            ::_exit(0);
        if (pid < 0)
            return false;
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return true;
    }();
    return available;
}

void ProcessTransport::killService() {
    if (pid_ <= 0 || reaped_.load())
        return;
    // In its own PID namespace the kernel takes everything down with the service; otherwise the
    // service (a child subreaper) still holds all its descendants: kill them first.
    if (!pidNamespace_)
        killDescendants(pid_);
    ::kill(pid_, SIGKILL);
}

HostingStatus ProcessTransport::connect(UniqueFd socket, const ProcessTransportOptions& options,
                                        std::shared_ptr<ProcessTransport>* out, std::string* error) {
    if (out == nullptr || !socket.valid())
        return HostingStatus::InvalidArgument;
    std::shared_ptr<ProcessTransport> transport{new ProcessTransport(std::move(socket), 0, UniqueFd{}, options)};
    HostingStatus status = transport->handshake(error);
    if (status != HostingStatus::Ok)
        return status;
    *out = std::move(transport);
    return HostingStatus::Ok;
}

HostingStatus ProcessTransport::handshake(std::string* error) {
    // The handshake runs before the reader thread exists, so it reads the socket directly.
    wire::HelloPayload hello{wire::kControlProtocolVersion, static_cast<uint32_t>(::getpid()), 0, 0};
    wire::ControlHeader header{};
    header.kind = wire::kKindRequest;
    header.opcode = wire::kOpHello;
    header.sequence = nextSequence_++;
    auto failWith = [this, error](HostingStatus status, const std::string& message) {
        setError(error, message);
        fail(status, message);
        return status;
    };
    HostingStatus status = sendControlMessage(socket_.get(), header, &hello, sizeof(hello), nullptr, 0,
                                              std::max<int64_t>(0, options_.startupTimeoutNs));
    if (status != HostingStatus::Ok)
        return failWith(status, "could not send the handshake to the plugin service");
    ControlMessage reply;
    status = receiveControlMessage(socket_.get(), options_.startupTimeoutNs, &reply);
    if (status == HostingStatus::Offline)
        return failWith(status, "the plugin service exited during the handshake (could it be executed?)");
    if (status != HostingStatus::Ok)
        return failWith(status, std::string{"handshake failed: "} + hostingStatusMessage(status));
    if (reply.header.kind != wire::kKindReply || reply.header.opcode != wire::kOpHello ||
        reply.header.sequence != header.sequence || reply.payload.size() != sizeof(wire::HelloPayload))
        return failWith(HostingStatus::ProtocolError, "handshake failed: malformed hello reply");
    wire::HelloPayload peer{};
    std::memcpy(&peer, reply.payload.data(), sizeof(peer));
    if (peer.protocol_version != wire::kControlProtocolVersion ||
        hostingStatusFromWire(reply.header.status) == HostingStatus::VersionMismatch)
        return failWith(HostingStatus::VersionMismatch,
                        "control protocol version mismatch: host speaks " +
                            std::to_string(wire::kControlProtocolVersion) + ", service speaks " +
                            std::to_string(peer.protocol_version));
    if (reply.header.status != 0 && options_.sandbox.enabled &&
        hostingStatusFromWire(reply.header.status) == HostingStatus::Unsupported)
        return failWith(HostingStatus::Unsupported,
                        "sandbox unavailable: the plugin service could not apply it (its stderr says why)");
    if (reply.header.status != 0)
        return failWith(hostingStatusFromWire(reply.header.status), "the plugin service refused the handshake");
    wakeFd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wakeFd_.valid())
        return failWith(HostingStatus::ResourceFailed, "eventfd failed");
    reader_ = std::thread([this] {
        readerLoop();
        readerExited_.store(true);
    });
    return HostingStatus::Ok;
}

ProcessTransport::~ProcessTransport() {
    if (reader_.joinable()) {
        // Bounded teardown: the reader never waits on the service without also watching wakeFd_,
        // so it normally ends at once; should it still be busy (e.g. inside a host callback), the
        // service is killed first, which ends every exchange with it, and only then joined.
        uint64_t one = 1;
        (void)!::write(wakeFd_.get(), &one, sizeof(one));
        const int64_t deadline = monotonicNanoseconds() + kReaderStopTimeoutNs;
        while (!readerExited_.load() && monotonicNanoseconds() < deadline)
            ::usleep(1000);
        if (!readerExited_.load())
            fail(HostingStatus::Offline, "the transport was destroyed");
        reader_.join();
    }
    // Closing our end makes the service see EOF and exit on its own; give it a moment, then kill.
    socket_.reset();
    reap(true);
}

void ProcessTransport::reap(bool wait) {
    if (pid_ <= 0 || reaped_.load())
        return;
    if (wait) {
        const int64_t deadline = monotonicNanoseconds() + 1000000000;
        while (monotonicNanoseconds() < deadline) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                reaped_.store(true);
                return;
            }
            if (pidfd_.valid()) {
                struct pollfd p {pidfd_.get(), POLLIN, 0};
                ::poll(&p, 1, 10);
            } else {
                ::usleep(2000);
            }
        }
        killService();
    }
    int st = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &st, wait ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_ || (r < 0 && errno == ECHILD))
        reaped_.store(true);
}

std::string ProcessTransport::failureReason() const {
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(stateMutex_));
    return failureReason_;
}

void ProcessTransport::fail(HostingStatus status, const std::string& reason) {
    {
        std::lock_guard<std::mutex> lock(stateMutex_);
        if (!alive_.exchange(false))
            return;
        failureReason_ = reason;
        failureStatus_ = status;
        // Under the lock: an instance unregisters (and only then is freed) under the same lock.
        for (auto& entry : instances_)
            entry.second->markOffline();
    }
    killService();
    replyArrived_.notify_all();
}

void ProcessTransport::killUnresponsive() noexcept {
    killedUnresponsive_.store(true);
    if (pid_ > 0 && !reaped_.load())
        ::kill(pid_, SIGKILL);  // the pidfd wakes the reader thread, which fails and reaps
}

void ProcessTransport::registerInstance(uint32_t id, ProcessTransportInstance* instance) {
    std::lock_guard<std::mutex> lock(stateMutex_);
    instances_[id] = instance;
    if (!alive_.load())
        instance->markOffline();
}

void ProcessTransport::unregisterInstance(uint32_t id) {
    // Waits for a callback into this instance that the reader thread may be running.
    std::lock_guard<std::mutex> dispatch(dispatchMutex_);
    std::lock_guard<std::mutex> lock(stateMutex_);
    instances_.erase(id);
}

HostingStatus ProcessTransport::call(uint32_t opcode, uint32_t instanceId, const void* payload, uint32_t payloadSize,
                                     const int* fds, uint32_t fdCount, ControlMessage* reply, int64_t timeoutNs) {
    std::lock_guard<std::mutex> callLock(callMutex_);
    if (!isAlive())
        return HostingStatus::Offline;
    wire::ControlHeader header{};
    header.kind = wire::kKindRequest;
    header.opcode = opcode;
    header.instance_id = instanceId;
    {
        std::lock_guard<std::mutex> lock(stateMutex_);
        header.sequence = nextSequence_++;
        awaitedSequence_ = header.sequence;
        reply_.reset();
    }
    // One deadline for the whole call: sending (the service may not read) and waiting for the reply.
    const int64_t timeout = std::max<int64_t>(0, timeoutNs >= 0 ? timeoutNs : options_.controlTimeoutNs);
    const int64_t deadline = monotonicNanoseconds() + timeout;
    HostingStatus status = sendControlMessage(socket_.get(), header, payload, payloadSize, fds, fdCount, timeout);
    if (status != HostingStatus::Ok) {
        if (status == HostingStatus::Offline)
            fail(HostingStatus::Offline, "the plugin service closed its control socket");
        else if (status == HostingStatus::Timeout)
            fail(HostingStatus::Timeout, "control call (opcode " + std::to_string(opcode) +
                                             ") timed out: the plugin service does not read its control socket");
        return status;
    }
    std::unique_lock<std::mutex> lock(stateMutex_);
    bool arrived = replyArrived_.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(0, deadline - monotonicNanoseconds())),
                                          [this] { return reply_ != nullptr || !alive_.load(); });
    awaitedSequence_ = 0;
    if (reply_ != nullptr) {
        *reply = std::move(*reply_);
        reply_.reset();
        return HostingStatus::Ok;
    }
    if (!arrived) {
        lock.unlock();
        fail(HostingStatus::Timeout, "control call (opcode " + std::to_string(opcode) + ") timed out: the plugin service is hung");
        return HostingStatus::Timeout;
    }
    // The connection failed while we waited: a protocol violation is reported as such, anything
    // else (death, EOF) as Offline.
    return failureStatus_ == HostingStatus::ProtocolError ? HostingStatus::ProtocolError : HostingStatus::Offline;
}

void ProcessTransport::readerLoop() {
    for (;;) {
        struct pollfd fds[3] = {{socket_.get(), POLLIN, 0}, {wakeFd_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
        int count = pidfd_.valid() ? 3 : 2;
        int ready = ::poll(fds, static_cast<nfds_t>(count), -1);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            fail(HostingStatus::ResourceFailed, "poll failed on the control socket");
            return;
        }
        if (fds[1].revents != 0)
            return;  // the transport is being destroyed
        if (count == 3 && fds[2].revents != 0) {
            fail(HostingStatus::Offline, killedUnresponsive_.load()
                                             ? "the plugin service stopped answering process() and was killed"
                                             : "the plugin service process exited");
            // Bounded (1 s): pidfd readiness can come before the last thread is gone, when a
            // WNOHANG wait would still find nothing and leave a zombie until the destructor.
            reap(true);
            return;
        }
        if (fds[0].revents == 0)
            continue;
        ControlMessage message;
        HostingStatus status = receiveControlMessage(socket_.get(), 0, &message);
        if (status == HostingStatus::Timeout)
            continue;
        if (status != HostingStatus::Ok) {
            if (killedUnresponsive_.load())
                fail(HostingStatus::Offline, "the plugin service stopped answering process() and was killed");
            else if (status == HostingStatus::Offline)
                fail(HostingStatus::Offline, "the plugin service closed its control socket");
            else
                fail(HostingStatus::ProtocolError, "the plugin service sent a malformed control message");
            // fail() killed the child; wait for it (bounded): the socket closes before the
            // process is a zombie, when a WNOHANG wait would leave it unreaped until the destructor.
            if (pid_ > 0)
                reap(true);
            return;
        }
        if (message.header.kind == wire::kKindReply) {
            std::lock_guard<std::mutex> lock(stateMutex_);
            if (awaitedSequence_ != 0 && message.header.sequence == awaitedSequence_ && reply_ == nullptr) {
                reply_ = std::make_unique<ControlMessage>(std::move(message));
                replyArrived_.notify_all();
                continue;
            }
        } else {
            handleRequest(message);
            continue;
        }
        // A reply nobody asked for (late, duplicated or invented) is a protocol violation.
        fail(HostingStatus::ProtocolError, "the plugin service sent an unexpected reply");
        return;
    }
}

namespace {
template <typename SendReply>
void dispatchRequest(ControlMessage& message, ProcessTransportInstance* instance, SendReply& sendReply);
} // namespace

void ProcessTransport::handleRequest(ControlMessage& message) {
    // Held while the instance's callbacks run, so the instance cannot be destroyed under them.
    std::unique_lock<std::mutex> lockedDispatch(dispatchMutex_);
    ProcessTransportInstance* instance = nullptr;
    {
        std::lock_guard<std::mutex> lock(stateMutex_);
        auto it = instances_.find(message.header.instance_id);
        if (it != instances_.end())
            instance = it->second;
    }
    wire::ControlHeader header = message.header;
    header.kind = wire::kKindReply;
    // The reply is built under dispatchMutex_ and sent after it is released (below): a service that
    // stops reading must not keep an instance's destroy() waiting for that lock.
    bool replying = false;
    std::vector<uint8_t> replyPayload;
    auto sendReply = [&header, &replying, &replyPayload](HostingStatus status, std::vector<uint8_t> payload) {
        header.status = static_cast<int32_t>(status);
        replyPayload = std::move(payload);
        replying = true;
    };
    dispatchRequest(message, instance, sendReply);
    lockedDispatch.unlock();
    if (!replying)
        return;
    // Bounded, and cancelled by the destructor: a service that floods us with requests and never
    // reads the replies is hung as far as we are concerned.
    HostingStatus status = sendControlMessage(socket_.get(), header, replyPayload.empty() ? nullptr : replyPayload.data(),
                                              static_cast<uint32_t>(replyPayload.size()), nullptr, 0,
                                              options_.controlTimeoutNs, wakeFd_.get());
    if (status == HostingStatus::Timeout)
        fail(HostingStatus::Timeout, "the plugin service does not read its control socket (replies to its requests "
                                     "could not be delivered before the deadline)");
    else if (status != HostingStatus::Ok && isAlive())
        fail(HostingStatus::Offline, "the plugin service closed its control socket");
}

namespace {

// Runs the instance's callback for one request from the service and hands the reply (if the
// request wants one) to sendReply. [reader thread, under dispatchMutex_]
template <typename SendReply>
void dispatchRequest(ControlMessage& message, ProcessTransportInstance* instance, SendReply& sendReply) {
    switch (message.header.opcode) {
    case wire::kOpRequestProcess:
        if (instance != nullptr && instance->callbacks() != nullptr)
            instance->callbacks()->requestProcess();
        return;  // one-way message: no reply
    case wire::kOpHostNotification:
    case wire::kOpHostExtension: {
        const bool oneWay = message.header.opcode == wire::kOpHostNotification;
        wire::ExtensionPayload head{};
        if (message.payload.size() < sizeof(head)) {
            sendReply(HostingStatus::ProtocolError, {});
            return;
        }
        std::memcpy(&head, message.payload.data(), sizeof(head));
        const uint64_t expected = uint64_t{sizeof(head)} + head.uri_length + head.data_size;
        if (head.uri_length == 0 || head.uri_length > wire::kMaxUriLength || expected != message.payload.size()) {
            if (!oneWay)
                sendReply(HostingStatus::ProtocolError, {});
            return;
        }
        if (instance == nullptr || instance->callbacks() == nullptr) {
            if (!oneWay)
                sendReply(HostingStatus::NotFound, {});
            return;
        }
        std::string uri(reinterpret_cast<const char*>(message.payload.data() + sizeof(head)), head.uri_length);
        const uint32_t capacity = wire::kMaxControlPayload - sizeof(wire::ExtensionReplyPayload);
        std::vector<uint8_t> data(capacity);
        std::memcpy(data.data(), message.payload.data() + sizeof(head) + head.uri_length, head.data_size);
        uint32_t replySize = 0;
        HostingStatus status = instance->callbacks()->hostExtension(uri, head.opcode, head.request_id, data.data(),
                                                                    head.data_size, capacity, &replySize);
        if (oneWay)
            return;  // nobody waits for an answer
        if (status != HostingStatus::Ok || replySize > capacity) {
            sendReply(status == HostingStatus::Ok ? HostingStatus::CapacityExceeded : status, {});
            return;
        }
        std::vector<uint8_t> payload(sizeof(wire::ExtensionReplyPayload) + replySize);
        wire::ExtensionReplyPayload replyHead{replySize, 0};
        std::memcpy(payload.data(), &replyHead, sizeof(replyHead));
        std::memcpy(payload.data() + sizeof(replyHead), data.data(), replySize);
        sendReply(HostingStatus::Ok, payload);
        return;
    }
    default:
        sendReply(HostingStatus::Unsupported, {});
        return;
    }
}

} // namespace

HostingStatus ProcessTransport::createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                               std::unique_ptr<TransportInstance>* instance, std::string* error) {
    if (instance == nullptr)
        return HostingStatus::InvalidArgument;
    if (!isAlive())
        return HostingStatus::Offline;
    if (spec.libraryPath.empty() || spec.libraryPath.size() > wire::kMaxPathLength || spec.pluginId.empty() ||
        spec.pluginId.size() > wire::kMaxUriLength || spec.entrypoint.size() > 256 ||
        spec.metadataPath.size() > wire::kMaxPathLength)
        return HostingStatus::InvalidArgument;
    wire::CreateInstancePayload head{static_cast<uint32_t>(spec.libraryPath.size()),
                                     static_cast<uint32_t>(spec.entrypoint.size()),
                                     static_cast<uint32_t>(spec.pluginId.size()),
                                     static_cast<uint32_t>(spec.metadataPath.size())};
    std::vector<uint8_t> payload(sizeof(head));
    std::memcpy(payload.data(), &head, sizeof(head));
    for (const std::string* s : {&spec.libraryPath, &spec.entrypoint, &spec.pluginId, &spec.metadataPath})
        payload.insert(payload.end(), s->begin(), s->end());
    ControlMessage reply;
    HostingStatus status = call(wire::kOpCreateInstance, 0, payload.data(), static_cast<uint32_t>(payload.size()),
                                nullptr, 0, &reply);
    if (status != HostingStatus::Ok)
        return status;
    status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok) {
        // A failed create may carry the service's one-line reason (docs/hosting.md, kOpCreateInstance).
        // Text from the other process: bounded, and any control byte makes it a protocol error
        // rather than something to print.
        const std::vector<uint8_t>& text = reply.payload;
        if (text.size() > wire::kMaxCreateErrorLength ||
            std::any_of(text.begin(), text.end(), [](uint8_t c) { return c < 0x20 || c == 0x7f; })) {
            fail(HostingStatus::ProtocolError, "the plugin service sent a malformed create-instance error text");
            return HostingStatus::ProtocolError;
        }
        if (error != nullptr && !text.empty())
            error->assign(text.begin(), text.end());
        return status;
    }
    if (!reply.payload.empty()) {
        fail(HostingStatus::ProtocolError, "the plugin service sent a payload with a successful create-instance reply");
        return HostingStatus::ProtocolError;
    }
    if (reply.header.instance_id == 0) {
        fail(HostingStatus::ProtocolError, "the plugin service returned instance id 0");
        return HostingStatus::ProtocolError;
    }
    bool duplicate;
    {
        std::lock_guard<std::mutex> lock(stateMutex_);
        duplicate = instances_.count(reply.header.instance_id) != 0;
    }
    if (duplicate) {
        fail(HostingStatus::ProtocolError, "the plugin service returned an instance id that is already in use");
        return HostingStatus::ProtocolError;
    }
    *instance = std::make_unique<ProcessTransportInstance>(shared_from_this(), reply.header.instance_id, callbacks);
    return HostingStatus::Ok;
}

} // namespace aap
