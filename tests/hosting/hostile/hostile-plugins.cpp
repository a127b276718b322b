// Hostile test plugins (docs/hosting.md, fault model): each attacks its host in one precise way,
// chosen by its plugin id (aap_metadata.xml.in). The host must never die, never wait past its
// deadlines, report a clear error and leave no process behind.
//
// Ports (default rules, effect): 0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R,
// 4 System MIDI In, 5 System MIDI Out. Every plugin is a gain-echo (out = in * 0.5) until it
// attacks.
//
// Environment read by the plugins (the tests set it, the service inherits it):
//   AAP_HOSTILE_PIDFILE  the double-forked child appends its pid here (one line)
//   AAP_HOSTILE_STATE_DIR, AAP_HOSTILE_OUTSIDE_DIR, AAP_HOSTILE_TCP_PORT  the sandbox probe: it
//       tries what a sandbox must refuse and writes what happened to STATE_DIR/probe.txt

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "aap/android-audio-plugin.h"
#include "aap/ext/midi.h"
#include "aap/hosting/control-protocol.h"
#include "aap/hosting/plugin-aapxs-definitions.h"

#define AAP_HOSTILE_HANG_URI "urn:aap-hostile:hang-extension/v1"

namespace {

enum class Attack {
    ShrinkMemfds,        // process(): ftruncate every shared memfd (process block, ports, extension
                         // blocks), directly and reopened through /proc/self/fd, to 0 and larger
    FloodControl,        // process(): dups the control socket, points the service's loop at a silent
                         // socket, floods the host with host-extension requests and never reads
    HangInInstantiate,   // factory instantiate() never returns
    HangInPrepare,
    HangInActivate,
    HangInProcess,       // second process() never returns
    HangInDeactivate,
    HangInDestroy,       // factory release() never returns
    HangInExtension,     // its AAPXS extension handler never returns
    ScribbleProcessBlock,  // from the second process() on: garbage over the shared process block header
    ScribbleMidiHeader,  // MIDI2 output header with a huge length, input header too
    DoubleFork,          // activate(): fork, setsid, fork: a detached grandchild that sleeps forever
    DoubleForkThenExit,  // DoubleFork, then the service process _exit()s in the third process()
    SandboxProbe,        // instantiate(): tries to write outside its state folder (itself and from a
                         // child), read outside it, connect over TCP and open a UDP socket
};

struct Hostile {
    Attack attack;
    AndroidAudioPluginHost* host;
    aap_buffer_t* buffer = nullptr;
    int cycles = 0;
};

Hostile* self(AndroidAudioPlugin* plugin) { return static_cast<Hostile*>(plugin->plugin_specific); }

[[noreturn]] void hang() {
    for (;;)
        ::pause();
}

// Every descriptor of this process whose link target starts with `prefix`.
std::vector<int> descriptorsLinkedTo(const char* prefix) {
    std::vector<int> found;
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr)
        return found;
    while (struct dirent* entry = ::readdir(dir)) {
        char path[64], target[256];
        std::snprintf(path, sizeof(path), "/proc/self/fd/%s", entry->d_name);
        ssize_t n = ::readlink(path, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (std::strncmp(target, prefix, std::strlen(prefix)) == 0)
            found.push_back(std::atoi(entry->d_name));
    }
    ::closedir(dir);
    return found;
}

void shrinkEveryMemfd() {
    int refused = 0, shrunk = 0;
    for (int fd : descriptorsLinkedTo("/memfd:aap-")) {
        char path[64];
        std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        int reopened = ::open(path, O_RDWR | O_CLOEXEC);
        for (int target : {fd, reopened}) {
            if (target < 0)
                continue;
            for (off_t size : {off_t{0}, off_t{1}, off_t{1} << 24}) {
                if (::ftruncate(target, size) == 0)
                    shrunk++;
                else
                    refused++;
            }
            // Punching a hole is allowed on a sealed memfd, but reads there give zeros, not SIGBUS.
        }
        if (reopened >= 0)
            ::close(reopened);
    }
    std::fprintf(stderr, "aap-hostile: ftruncate refused %d times, succeeded %d times\n", refused, shrunk);
}

void flood(int hijacked) {
    const std::string uri = "urn:aap-hostile:flood";
    std::vector<uint8_t> payload(sizeof(aap::wire::ExtensionPayload) + uri.size());
    aap::wire::ExtensionPayload head{1, 1, 0, static_cast<uint32_t>(uri.size())};
    std::memcpy(payload.data(), &head, sizeof(head));
    std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
    std::vector<uint8_t> message(sizeof(aap::wire::ControlHeader) + payload.size());
    for (uint32_t sequence = 1;; sequence++) {
        aap::wire::ControlHeader header{};
        header.magic = aap::wire::kControlMagic;
        header.kind = aap::wire::kKindRequest;
        header.opcode = aap::wire::kOpHostExtension;
        header.sequence = sequence;
        header.instance_id = 1;
        header.payload_size = static_cast<uint32_t>(payload.size());
        std::memcpy(message.data(), &header, sizeof(header));
        std::memcpy(message.data() + sizeof(header), payload.data(), payload.size());
        if (::send(hijacked, message.data(), message.size(), MSG_NOSIGNAL) < 0 && errno != EINTR)
            ::usleep(100);  // the host is not reading fast enough: keep pushing
    }
}

void hijackControlSocket() {
    for (int fd : descriptorsLinkedTo("socket:")) {
        int type = 0;
        socklen_t length = sizeof(type);
        if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_SEQPACKET)
            continue;
        int hijacked = ::dup(fd);
        int silent[2];
        if (hijacked < 0 || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, silent) != 0)
            return;
        ::dup2(silent[0], fd);  // the service's own loop now waits on a socket nobody writes
        std::thread([hijacked] { flood(hijacked); }).detach();
        std::thread([hijacked] { flood(hijacked); }).detach();
        return;
    }
}

// From a thread of its own, so the service's honest reply (written after process() returns)
// does not repair the damage: garbage over the whole header, again and again.
void scribbleProcessBlock() {
    for (int fd : descriptorsLinkedTo("/memfd:aap-process-block")) {
        void* map = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            continue;
        std::thread([map] {
            auto* bytes = static_cast<volatile uint8_t*>(map);
            for (uint8_t round = 0;; round++) {
                for (int i = 0; i < 256; i++)
                    bytes[i] = static_cast<uint8_t>(0xA5 ^ (i * 37) ^ round);
                ::usleep(200);
            }
        }).detach();
    }
}

void doubleFork() {
    // The pid is on file before activate() returns: the grandchild reports through `written`.
    int written[2];
    if (::pipe2(written, O_CLOEXEC) != 0)
        return;
    pid_t child = ::fork();
    if (child == 0) {
        ::setsid();
        pid_t grandchild = ::fork();
        if (grandchild == 0) {
            if (const char* file = std::getenv("AAP_HOSTILE_PIDFILE")) {
                int out = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
                char line[32];
                int n = std::snprintf(line, sizeof(line), "%d\n", static_cast<int>(::getpid()));
                if (out >= 0) {
                    (void)!::write(out, line, static_cast<size_t>(n));
                    ::close(out);
                }
            }
            (void)!::write(written[1], "x", 1);
            // A well-behaved daemon would close its descriptors; this one keeps them all (the
            // control socket included) and ignores the signals a polite shutdown would use.
            ::signal(SIGTERM, SIG_IGN);
            ::signal(SIGHUP, SIG_IGN);
            hang();
        }
        char done;
        ::close(written[1]);
        if (grandchild > 0)
            (void)!::read(written[0], &done, 1);
        ::_exit(0);
    }
    ::close(written[1]);
    if (child > 0)
        ::waitpid(child, nullptr, 0);
    ::close(written[0]);
}

const char* verdict(bool worked) { return worked ? "ok" : "denied"; }

bool canCreate(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    ::close(fd);
    ::unlink(path.c_str());
    return true;
}

void sandboxProbe() {
    const char* state = std::getenv("AAP_HOSTILE_STATE_DIR");
    const char* outside = std::getenv("AAP_HOSTILE_OUTSIDE_DIR");
    const char* port = std::getenv("AAP_HOSTILE_TCP_PORT");
    if (state == nullptr || outside == nullptr || port == nullptr)
        return;
    const bool writeOutside = canCreate(std::string{outside} + "/written-by-plugin");
    bool childWriteOutside = false;
    if (pid_t child = ::fork(); child == 0) {
        ::_exit(canCreate(std::string{outside} + "/written-by-child") ? 0 : 1);
    } else if (child > 0) {
        int status = 0;
        ::waitpid(child, &status, 0);
        childWriteOutside = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    bool readOutside = false;
    if (int fd = ::open((std::string{outside} + "/readable").c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        char c;
        readOutside = ::read(fd, &c, 1) == 1;
        ::close(fd);
    }
    bool tcp = false;
    if (int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); fd >= 0) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        tcp = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
        ::close(fd);
    }
    bool udp = false;
    if (int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); fd >= 0) {
        udp = true;
        ::close(fd);
    }
    char report[256];
    int n = std::snprintf(report, sizeof(report),
                          "write-outside=%s child-write-outside=%s read-outside=%s tcp=%s udp=%s\n",
                          verdict(writeOutside), verdict(childWriteOutside), verdict(readOutside), verdict(tcp),
                          verdict(udp));
    int out = ::open((std::string{state} + "/probe.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out >= 0) {
        (void)!::write(out, report, static_cast<size_t>(n));
        ::close(out);
    }
}

void gainEcho(aap_buffer_t* buffer, int32_t frames) {
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        for (int32_t i = 0; i < frames; i++)
            out[i] = in[i] * 0.5f;
    }
    std::memset(buffer->get_buffer(buffer, 5), 0, 32);  // no MIDI output events
}

void pluginPrepare(AndroidAudioPlugin* plugin, int, aap_buffer_t* buffer) {
    Hostile* p = self(plugin);
    p->buffer = buffer;
    if (p->attack == Attack::HangInPrepare)
        hang();
}

void pluginActivate(AndroidAudioPlugin* plugin) {
    Hostile* p = self(plugin);
    if (p->attack == Attack::HangInActivate)
        hang();
    if (p->attack == Attack::DoubleFork || p->attack == Attack::DoubleForkThenExit)
        doubleFork();
}

void pluginProcess(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t) {
    Hostile* p = self(plugin);
    p->cycles++;
    gainEcho(buffer, frames);
    switch (p->attack) {
    case Attack::ShrinkMemfds:
        if (p->cycles == 1)
            shrinkEveryMemfd();
        break;
    case Attack::FloodControl:
        if (p->cycles == 1)
            hijackControlSocket();
        break;
    case Attack::HangInProcess:
        if (p->cycles == 2)
            hang();
        break;
    case Attack::ScribbleProcessBlock:
        if (p->cycles == 2)
            scribbleProcessBlock();
        break;
    case Attack::ScribbleMidiHeader: {
        const uint32_t huge[2] = {0, 0xFFFFFFF0u};
        std::memcpy(buffer->get_buffer(buffer, 5), huge, sizeof(huge));
        std::memcpy(buffer->get_buffer(buffer, 4), huge, sizeof(huge));
        break;
    }
    case Attack::DoubleForkThenExit:
        if (p->cycles == 3)
            ::_exit(3);
        break;
    default:
        break;
    }
}

void pluginDeactivate(AndroidAudioPlugin* plugin) {
    if (self(plugin)->attack == Attack::HangInDeactivate)
        hang();
}

void* pluginGetExtension(AndroidAudioPlugin*, const char* uri) { return aap_abi_get_extension(uri); }

aap_plugin_info_t pluginGetInfo(AndroidAudioPlugin*) {
    aap_plugin_info_t info;
    std::memset(&info, 0, sizeof(info));
    return info;
}

bool attackFor(const std::string& id, Attack* out) {
    static const struct {
        const char* id;
        Attack attack;
    } table[] = {
        {"urn:aap-hostile:shrink-memfds", Attack::ShrinkMemfds},
        {"urn:aap-hostile:flood-control", Attack::FloodControl},
        {"urn:aap-hostile:hang-in-instantiate", Attack::HangInInstantiate},
        {"urn:aap-hostile:hang-in-prepare", Attack::HangInPrepare},
        {"urn:aap-hostile:hang-in-activate", Attack::HangInActivate},
        {"urn:aap-hostile:hang-in-process", Attack::HangInProcess},
        {"urn:aap-hostile:hang-in-deactivate", Attack::HangInDeactivate},
        {"urn:aap-hostile:hang-in-destroy", Attack::HangInDestroy},
        {"urn:aap-hostile:hang-in-extension", Attack::HangInExtension},
        {"urn:aap-hostile:scribble-process-block", Attack::ScribbleProcessBlock},
        {"urn:aap-hostile:scribble-midi-header", Attack::ScribbleMidiHeader},
        {"urn:aap-hostile:double-fork", Attack::DoubleFork},
        {"urn:aap-hostile:double-fork-then-exit", Attack::DoubleForkThenExit},
        {"urn:aap-hostile:sandbox-probe", Attack::SandboxProbe},
    };
    for (const auto& entry : table) {
        if (id == entry.id) {
            *out = entry.attack;
            return true;
        }
    }
    return false;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginUniqueId, AndroidAudioPluginHost* host) {
    Attack attack;
    if (pluginUniqueId == nullptr || host == nullptr || !attackFor(pluginUniqueId, &attack))
        return nullptr;
    if (attack == Attack::HangInInstantiate)
        hang();
    if (attack == Attack::SandboxProbe)
        sandboxProbe();
    return new AndroidAudioPlugin{new Hostile{attack, host}, pluginPrepare, pluginActivate,
                                  pluginProcess, pluginDeactivate, pluginGetExtension, pluginGetInfo};
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
    if (self(plugin)->attack == Attack::HangInDestroy)
        hang();
    delete self(plugin);
    delete plugin;
}

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

// The hang-extension's plugin side: never answers, never returns.
void hangingRequest(AAPXSDefinition*, AAPXSRecipientInstance*, AndroidAudioPlugin*, AAPXSRequestContext*) { hang(); }

AAPXSDefinition makeHangDefinition() {
    AAPXSDefinition d;
    std::memset(&d, 0, sizeof(d));
    d.uri = AAP_HOSTILE_HANG_URI;
    d.data_capacity = 64;
    d.process_incoming_plugin_aapxs_request = hangingRequest;
    return d;
}

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }

extern "C" AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT const AAPXSDefinition* aap_plugin_get_aapxs_definitions(int32_t* count) {
    static const AAPXSDefinition definitions[1] = {makeHangDefinition()};
    *count = 1;
    return definitions;
}
