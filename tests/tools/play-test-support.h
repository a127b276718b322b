// Shared by the `aap-host play` tests and the play benchmark: a private JACK server (jackd with
// the dummy driver under a unique name, started and stopped by pid), processes spawned with a
// stdin pipe and their output in files, and test JACK clients made with the same run-time-loaded
// libjack as aap-host (jack-library.h).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "jack-library.h"

extern char** environ;

namespace aap::play_test {

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A child process: argv, extra environment, stdin from a pipe we hold, stdout/stderr to files.
class Child {
public:
    Child() = default;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { kill(SIGKILL); }

    bool spawn(const std::vector<std::string>& arguments, const std::vector<std::string>& extraEnvironment,
               const std::string& outPath, const std::string& errPath) {
        int input[2];
        if (::pipe2(input, O_CLOEXEC) != 0)
            return false;
        std::vector<std::string> words = arguments;
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        std::vector<std::string> environment;
        for (char** entry = environ; *entry != nullptr; entry++) {
            bool replaced = false;
            for (const std::string& extra : extraEnvironment)
                replaced |= std::strncmp(*entry, extra.c_str(), extra.find('=') + 1) == 0;
            if (!replaced)
                environment.push_back(*entry);
        }
        environment.insert(environment.end(), extraEnvironment.begin(), extraEnvironment.end());
        std::vector<char*> envp;
        for (std::string& entry : environment)
            envp.push_back(entry.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, input[0], 0);
        posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int result = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(input[0]);
        stdin_ = input[1];
        if (result != 0) {
            pid_ = -1;
            closeInput();
            return false;
        }
        return true;
    }

    pid_t pid() const { return pid_; }
    bool write(const std::string& text) {
        return stdin_ >= 0 && ::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    }
    void closeInput() {
        if (stdin_ >= 0)
            ::close(stdin_);
        stdin_ = -1;
    }
    // Waits up to timeoutMs for the exit: the exit code (128 + signal), or -1 on timeout.
    int wait(int timeoutMs) {
        if (pid_ < 0)
            return status_;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        for (;;) {
            int status = 0;
            const pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                pid_ = -1;
                status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                closeInput();
                return status_;
            }
            if (std::chrono::steady_clock::now() > deadline)
                return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    void kill(int signal) {
        if (pid_ > 0) {
            ::kill(pid_, signal);
            if (signal == SIGKILL)
                wait(10000);
        }
        closeInput();
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    int status_ = -1;
};

// Waits until `path` contains `text` (or timeoutMs passes).
inline bool waitForText(const std::string& path, const std::string& text, int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (slurp(path).find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// The thread ids of process `pid`; empty once it has exited.
inline std::vector<pid_t> tasksOf(pid_t pid) {
    std::vector<pid_t> out;
    if (DIR* directory = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
        while (dirent* entry = ::readdir(directory))
            if (entry->d_name[0] != '.')
                out.push_back(static_cast<pid_t>(std::atoi(entry->d_name)));
        ::closedir(directory);
    }
    return out;
}

// The children of `parent` (default: us, and with the subreaper flag set our orphaned
// descendants) still alive.
inline std::vector<pid_t> livingChildren(pid_t parent = ::getpid()) {
    std::vector<pid_t> children;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr)
        return children;
    while (dirent* entry = ::readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0)
            continue;
        const std::string stat = slurp("/proc/" + std::string(entry->d_name) + "/stat");
        const size_t close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent && state != 'Z')
            children.push_back(pid);
    }
    ::closedir(proc);
    return children;
}

// JACK2's registry of servers and shared-memory segments, /dev/shm/jack-shm-registry: a header
// (magic "KCAJ", protocol, type, size, header length, entry length), 8 server slots (pid, then the
// prefix "jack-<uid>:<name>:"), then segment entries (index, allocator pid, size, "/jack-<uid>-<n>").
// Read without JACK's lock: a snapshot that is at worst torn in entries that are being changed.
struct JackRegistry {
    struct Server {
        pid_t pid = 0;
        std::string prefix;
    };
    struct Segment {
        pid_t allocator = 0;
        std::string name;
    };
    std::vector<Server> servers;
    std::vector<Segment> segments;

    // False when there is no registry (no JACK server ever ran here) or it has an unknown layout.
    bool read(std::string* error = nullptr) {
        servers.clear();
        segments.clear();
        const std::string data = slurp("/dev/shm/jack-shm-registry");
        auto word = [&](size_t at) {
            int32_t value = 0;
            std::memcpy(&value, data.data() + at, sizeof(value));
            return value;
        };
        constexpr size_t kServers = 8, kServerSize = 264, kServersAt = 24;
        if (data.size() < kServersAt + kServers * kServerSize || data.compare(0, 4, "KCAJ") != 0) {
            if (error != nullptr)
                *error = "no JACK registry (or not JACK2's layout)";
            return false;
        }
        const size_t headerLength = static_cast<size_t>(word(16)), entryLength = static_cast<size_t>(word(20));
        if (headerLength < kServersAt + kServers * kServerSize || entryLength < 12 || headerLength > data.size()) {
            if (error != nullptr)
                *error = "unknown JACK registry layout";
            return false;
        }
        for (size_t i = 0; i < kServers; i++) {
            const size_t at = kServersAt + i * kServerSize;
            Server server;
            server.pid = word(at);
            server.prefix = std::string(data.c_str() + at + 4, ::strnlen(data.c_str() + at + 4, kServerSize - 4));
            if (server.pid != 0)
                servers.push_back(server);
        }
        for (size_t at = headerLength; at + entryLength <= data.size(); at += entryLength) {
            Segment segment;
            segment.allocator = word(at + 4);
            segment.name = std::string(data.c_str() + at + 12, ::strnlen(data.c_str() + at + 12, entryLength - 12));
            if (segment.allocator != 0)
                segments.push_back(segment);
        }
        return true;
    }
};

// jackd -r -d dummy -r 48000 -p 256 under a unique JACK_DEFAULT_SERVER name.
//
// Stopping: SIGTERM. JACK2's jackd does not always survive its own shutdown: after sigwait()
// returns SIGTERM it unblocks SIGPIPE, whose handler is installed with SA_RESETHAND, and then
// notifies its clients; a client that closes its connection as soon as it hears of the shutdown
// (as `aap-host play` does) makes two of those writes fail with EPIPE, and the second SIGPIPE
// kills jackd half way. A jackd killed that way (or by our SIGKILL) keeps its slot in the server
// registry (8 slots for the whole machine: when they are full no jackd starts, "Too many
// servers already active") and its segments (/dev/shm/jack-<uid>-<n>, ~107 MB). JACK itself
// reclaims them when a server of the SAME name starts (a dead server's slot is reused only by
// its name; segments of dead allocators are freed by every starting server), so stop() starts
// our name once more, with no client, and stops it, which then shuts down cleanly.
// leftovers() names whatever of this server is still there, for the tests to assert on.
class JackServer {
public:
    ~JackServer() { stop(); }
    // `synchronous` adds -S: the server waits for the whole graph every cycle (with a timeout of
    // its own) instead of going on when a client is late, so under load no client misses a cycle
    // that the others ran.
    bool start(const std::string& directory, std::string* error, bool synchronous = false, int period = 256) {
        static std::atomic<int> counter{0};
        name_ = "aap-play-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        directory_ = directory;
        std::vector<std::string> command = {"jackd", "-r"};
        if (synchronous)
            command.insert(command.end(), {"-S", "-t", "5000"});
        command.insert(command.end(), {"-d", "dummy", "-r", "48000", "-p", std::to_string(period)});
        if (!launch(command, "jackd", error)) {
            terminate();
            return false;
        }
        return true;
    }
    void stop() {
        if (server_.pid() <= 0)
            return;
        exitStatus_ = terminate();
        // Killed half way (see above): let a clean run of the same name reclaim what it left.
        if (exitStatus_ != 0) {
            std::string error;
            const bool up = launch({"jackd", "-r", "-d", "dummy", "-r", "48000", "-p", "256"}, "jackd-reclaim", &error);
            reclaimStatus_ = terminate();
            if (!up && reclaimStatus_ == 0)
                reclaimStatus_ = -1;
        }
        // What the server's clients leave when the server goes first (their semaphores carry
        // the server name, which is ours alone).
        if (DIR* shm = ::opendir("/dev/shm")) {
            while (dirent* entry = ::readdir(shm))
                if (std::strstr(entry->d_name, name_.c_str()) != nullptr)
                    ::unlink(("/dev/shm/" + std::string(entry->d_name)).c_str());
            ::closedir(shm);
        }
    }
    // After stop(): what this server (and only this one: its name, its jackd pids) left in JACK's
    // shared state, empty when nothing. Other servers running in parallel do not count.
    std::string leftovers() const {
        if (name_.empty())
            return "";
        std::string found;
        JackRegistry registry;
        if (registry.read()) {
            const std::string prefix = "jack-" + std::to_string(::getuid()) + ":" + name_ + ":";
            for (const JackRegistry::Server& server : registry.servers)
                if (server.prefix == prefix)
                    found += "a server registry slot (" + prefix + " pid " + std::to_string(server.pid) + "); ";
            for (const JackRegistry::Segment& segment : registry.segments)
                if (std::find(pids_.begin(), pids_.end(), segment.allocator) != pids_.end())
                    found += "segment " + segment.name + " of jackd " + std::to_string(segment.allocator) + "; ";
        }
        if (DIR* shm = ::opendir("/dev/shm")) {
            while (dirent* entry = ::readdir(shm))
                if (std::strstr(entry->d_name, name_.c_str()) != nullptr)
                    found += "/dev/shm/" + std::string(entry->d_name) + "; ";
            ::closedir(shm);
        }
        if (!found.empty())
            found += "(jackd exit status " + std::to_string(exitStatus_) +
                     (reclaimStatus_ != 0 ? ", the reclaiming run's " + std::to_string(reclaimStatus_) : std::string()) +
                     ")";
        return found;
    }
    // jackd's exit status at the last stop(): 0 for a clean shutdown, 128 + signal otherwise.
    int exitStatus() const { return exitStatus_; }
    const std::string& name() const { return name_; }
    std::vector<std::string> environment() const { return {"JACK_DEFAULT_SERVER=" + name_}; }

private:
    // Starts `command` under our name and waits until it serves (jack_wait).
    bool launch(const std::vector<std::string>& command, const std::string& log, std::string* error) {
        if (!server_.spawn(command, environment(), directory_ + "/" + log + ".out", directory_ + "/" + log + ".err")) {
            *error = "cannot start jackd";
            return false;
        }
        pids_.push_back(server_.pid());
        Child wait;
        // Client names must be unique on the machine, not only per server: JACK2 names a client's
        // notification socket after the client alone, so two same-named clients opening at once
        // on two servers break each other. Every client of these tests carries the server name.
        if (!wait.spawn({"jack_wait", "-w", "-s", name_, "-n", "wait-" + name_, "-t", "20"}, environment(),
                        directory_ + "/jack_wait.out", directory_ + "/jack_wait.err") ||
            wait.wait(30000) != 0) {
            wait.kill(SIGKILL);
            *error = "jackd did not come up: " + slurp(directory_ + "/" + log + ".err");
            return false;
        }
        return true;
    }
    // SIGTERM, then SIGKILL if it hangs (the last resort); the exit status.
    int terminate() {
        if (server_.pid() <= 0)
            return server_.wait(0);
        server_.kill(SIGTERM);
        int status = server_.wait(20000);
        if (status < 0) {
            server_.kill(SIGKILL);
            status = server_.wait(0);
        }
        return status;
    }

    std::string name_;
    std::string directory_;
    Child server_;
    std::vector<pid_t> pids_;  // every jackd we ran under name_
    int exitStatus_ = 0;
    int reclaimStatus_ = 0;
};

// libjack's metadata database, /dev/shm/jack_db-<uid>: every JACK client opening (even with no
// server to reach) creates it when it is missing, and only a cleanly stopping jackd removes it.
// It is one per user, shared by every server and client of that user, so a test removes it only
// when the test created it (it was missing before) and no process has it open or mapped now.
inline std::string jackMetadataPath() { return "/dev/shm/jack_db-" + std::to_string(::getuid()); }
inline bool jackMetadataExists() { return ::access(jackMetadataPath().c_str(), F_OK) == 0; }
inline bool jackMetadataInUse() {
    const std::string path = jackMetadataPath() + "/";
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr)
        return true;
    bool used = false;
    while (dirent* entry = ::readdir(proc)) {
        if (used || std::atoi(entry->d_name) <= 0)
            continue;
        const std::string base = "/proc/" + std::string(entry->d_name);
        used = slurp(base + "/maps").find(path) != std::string::npos;
        if (DIR* fds = ::opendir((base + "/fd").c_str())) {
            while (dirent* fd = ::readdir(fds)) {
                char target[4096];
                const ssize_t length = ::readlink((base + "/fd/" + fd->d_name).c_str(), target, sizeof(target) - 1);
                if (length > 0 && std::string(target, static_cast<size_t>(length)).rfind(path, 0) == 0)
                    used = true;
            }
            ::closedir(fds);
        }
    }
    ::closedir(proc);
    return used;
}
inline void removeJackMetadataWeCreated(bool existedBefore) {
    if (existedBefore || !jackMetadataExists() || jackMetadataInUse())
        return;
    const std::string command = "rm -rf '" + jackMetadataPath() + "'";
    if (std::system(command.c_str()) != 0) {
    }
}

// Opens a JACK client on `server` (jack_client_open with JackServerName).
inline host_tool::jack::Client* openClient(const host_tool::JackLibrary& jack, const std::string& name,
                                           const std::string& server) {
    int status = 0;
    return jack.client_open(name.c_str(), host_tool::jack::kServerName | host_tool::jack::kUseExactName |
                                              host_tool::jack::kNoStartServer,
                            &status, server.c_str());
}

} // namespace aap::play_test
