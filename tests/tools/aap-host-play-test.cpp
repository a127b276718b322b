// `aap-host play` end to end against a private JACK server (jackd with the dummy driver, started
// and stopped by pid under a unique name) and on the null backend:
//   - the delay effect on a test client's signal equals an offline `aap-host render` of the same
//     input, sample for sample at the same frame times (no added cycle of latency);
//   - MIDI notes from a test client make the synthesizer sound, and `preset` on stdin changes it;
//   - the summary's `cycles:` and `xruns:` agree with the duration;
//   - the server killed mid-run ends play with a message, exit code 7 and no leftover process;
//   - every test with a server leaves nothing of it in JACK's shared state (registry slot,
//     segments, /dev/shm files), even when jackd dies of its own shutdown (see JackServer);
//   - a plugin crashing while playing leaves the client running silently until `restart`;
//   - no libjack (AAP_LIBJACK at a missing file or at a library without JACK's symbols): the clear
//     error and exit code 7, and no server: the same;
//   - the null backend runs a chain at the real period for 2 s with zero xruns;
//   - the status line (cycles, xruns, DSP load, p99) appears when stdout is a terminal (a
//     pseudo-terminal here) and not when stdout is a pipe.
// The test JACK clients load libjack at run time exactly as aap-host does (jack-library.h).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <regex>

#include "play-test-support.h"
#include "wav-file.h"

namespace aap::host_tool {
namespace {

using play_test::Child;
using play_test::JackServer;
using play_test::slurp;
using play_test::waitForText;

constexpr uint32_t kRate = 48000;

// Parses "name: N" from aap-host's summary; -1 when absent.
long long summaryValue(const std::string& text, const std::string& name) {
    const std::string key = "\n" + name + ": ";
    const size_t at = ("\n" + text).find(key);
    if (at == std::string::npos)
        return -1;
    return std::atoll(text.c_str() + at + key.size() - 1);
}

// Source: two audio outputs playing `signal` (per channel) from frame time `start` on, and a MIDI
// output sending the scheduled events. Sink: two audio inputs recorded from frame time `start`.
struct TestClients {
    static constexpr size_t kRecordFrames = 48000 * 4;
    const JackLibrary* jack = nullptr;
    jack::Client* source = nullptr;
    jack::Client* sink = nullptr;
    std::string sourceName, sinkName;  // unique on the machine (see JackServer)
    jack::Port* sourcePorts[2] = {};
    jack::Port* midiOut = nullptr;
    jack::Port* sinkPorts[2] = {};
    std::vector<float> signal[2];
    std::vector<float> recorded[2];
    // The signal and the recording advance by cycles, not by frame time: under load the dummy
    // driver skips frame times, and the plugin sees contiguous blocks anyway. The source notes,
    // per cycle (keyed by its frame time), where in the signal that cycle starts; the sink looks
    // its own cycle's frame time up there: a sink cycle reading the output of an earlier source
    // cycle (an added cycle of latency) would record the wrong stretch.
    struct CycleMark {
        std::atomic<uint32_t> frameTime{0};
        std::atomic<int64_t> position{-1};
    };
    static constexpr size_t kMarks = 256;
    CycleMark marks[kMarks];
    std::atomic<uint32_t> armed{0};        // 1: the source starts the signal in its next cycle
    std::atomic<int64_t> start{-1};        // frame time the signal started
    int64_t cursor = -1;                   // source: signal position of the current cycle
    std::atomic<uint64_t> unmatched{0};    // sink cycles after the start without a source mark
    std::atomic<uint64_t> recordedFrames{0};
    std::atomic<uint64_t> sinkCycles{0};
    std::atomic<uint64_t> gaps{0};
    uint32_t lastSinkFrame = 0;
    bool sinkStarted = false;
    // MIDI: a note on every `notePeriod` frames (at offset 100 of its cycle), off after half of it.
    std::atomic<bool> notes{false};
    uint32_t notePeriod = 12000;
    std::atomic<uint64_t> notesSent{0};

    ~TestClients() { close(); }
    void close() {
        if (source != nullptr)
            jack->client_close(source);
        if (sink != nullptr)
            jack->client_close(sink);
        source = sink = nullptr;
    }

    bool open(const std::string& server, std::string* error) {
        jack = JackLibrary::load(error);
        if (jack == nullptr)
            return false;
        sourceName = "src-" + server;
        sinkName = "sink-" + server;
        source = play_test::openClient(*jack, sourceName, server);
        sink = play_test::openClient(*jack, sinkName, server);
        if (source == nullptr || sink == nullptr) {
            *error = "cannot open the test clients";
            return false;
        }
        for (int c = 0; c < 2; c++) {
            sourcePorts[c] = jack->port_register(source, ("out_" + std::to_string(c + 1)).c_str(),
                                                 jack::kDefaultAudioType, jack::kPortIsOutput, 0);
            sinkPorts[c] = jack->port_register(sink, ("in_" + std::to_string(c + 1)).c_str(), jack::kDefaultAudioType,
                                               jack::kPortIsInput, 0);
            recorded[c].assign(kRecordFrames, std::nanf(""));  // NaN: never recorded
        }
        midiOut = jack->port_register(source, "midi_out", jack::kDefaultMidiType, jack::kPortIsOutput, 0);
        jack->set_process_callback(source, &TestClients::sourceProcess, this);
        jack->set_process_callback(sink, &TestClients::sinkProcess, this);
        if (jack->activate(source) != 0 || jack->activate(sink) != 0) {
            *error = "cannot activate the test clients";
            return false;
        }
        return true;
    }

    static int sourceProcess(jack::NFrames frames, void* arg) {
        auto* self = static_cast<TestClients*>(arg);
        const uint32_t now = self->jack->last_frame_time(self->source);
        if (self->armed.exchange(0) == 1) {
            self->cursor = 0;
            self->start.store(now);
        }
        CycleMark& mark = self->marks[(now / frames) % kMarks];
        mark.position.store(-1);
        mark.frameTime.store(now);
        mark.position.store(self->cursor);
        for (int c = 0; c < 2; c++) {
            auto* out = static_cast<float*>(self->jack->port_get_buffer(self->sourcePorts[c], frames));
            for (uint32_t i = 0; i < frames; i++) {
                const int64_t index = self->cursor + i;
                out[i] = self->cursor >= 0 && index < static_cast<int64_t>(self->signal[c].size())
                             ? self->signal[c][static_cast<size_t>(index)]
                             : 0.0f;
            }
        }
        if (self->cursor >= 0)
            self->cursor += frames;
        void* midi = self->jack->port_get_buffer(self->midiOut, frames);
        self->jack->midi_clear_buffer(midi);
        if (self->notes.load()) {
            // The note-on at offset 100 of the cycle in which a note period begins.
            const uint64_t first = static_cast<uint64_t>(now) / self->notePeriod;
            const uint64_t last = (static_cast<uint64_t>(now) + frames - 1) / self->notePeriod;
            if (first != last || static_cast<uint64_t>(now) % self->notePeriod == 0) {
                const unsigned char on[3] = {0x90, 57, 100};
                self->jack->midi_event_write(midi, 100, on, 3);
                self->notesSent.fetch_add(1);
            }
            const uint64_t half = self->notePeriod / 2;
            if ((static_cast<uint64_t>(now) + half) / self->notePeriod !=
                (static_cast<uint64_t>(now) + half + frames - 1) / self->notePeriod) {
                const unsigned char off[3] = {0x80, 57, 0};
                self->jack->midi_event_write(midi, 150, off, 3);
            }
        }
        return 0;
    }

    static int sinkProcess(jack::NFrames frames, void* arg) {
        auto* self = static_cast<TestClients*>(arg);
        const uint32_t now = self->jack->last_frame_time(self->sink);
        if (self->sinkStarted && now != self->lastSinkFrame + frames)
            self->gaps.fetch_add(1);
        self->sinkStarted = true;
        self->lastSinkFrame = now;
        self->sinkCycles.fetch_add(1);
        if (self->start.load() < 0)
            return 0;
        CycleMark& mark = self->marks[(now / frames) % kMarks];
        const int64_t position = mark.frameTime.load() == now ? mark.position.load() : -1;
        if (position < 0) {
            self->unmatched.fetch_add(1);
            return 0;
        }
        uint64_t written = 0;
        for (int c = 0; c < 2; c++) {
            const auto* in = static_cast<const float*>(self->jack->port_get_buffer(self->sinkPorts[c], frames));
            for (uint32_t i = 0; i < frames; i++) {
                const int64_t index = position + i;
                if (index >= 0 && index < static_cast<int64_t>(kRecordFrames)) {
                    self->recorded[c][static_cast<size_t>(index)] = in[i];
                    written += c == 0;
                }
            }
        }
        self->recordedFrames.fetch_add(written);
        return 0;
    }

    bool waitRecorded(uint64_t frames, int timeoutMs) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (recordedFrames.load() < frames) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return true;
    }
};

class AapHostPlay : public ::testing::Test {
protected:
    void SetUp() override {
        // Orphans of aap-host (a plugin service whose parent died) become our children, so the
        // no-leftover checks see them.
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        char pattern[] = "/tmp/aap-play-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        metadataExisted_ = play_test::jackMetadataExists();
    }
    void TearDown() override {
        clients_.reset();
        server_.stop();
        // Nor anything of our server in JACK's shared state (registry slot, segments, files):
        // only what carries this server's name or was allocated by its jackd counts, so other
        // servers running in parallel cannot fail this.
        EXPECT_EQ(server_.leftovers(), "") << "jackd left state behind";
        // libjack's per-user metadata database, if this test's clients created it (see there).
        play_test::removeJackMetadataWeCreated(metadataExisted_);
        // Nothing we started may outlive the test.
        std::vector<pid_t> left;
        for (int attempt = 0; attempt < 100; attempt++) {
            left = play_test::livingChildren();
            if (left.empty())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        EXPECT_TRUE(left.empty()) << left.size() << " processes left behind, first pid " << left[0];
        for (pid_t pid : left)
            ::kill(pid, SIGKILL);
        std::string command = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(command.c_str()), 0);
    }

    static bool onPath(const std::string& program) {
        const char* path = std::getenv("PATH");
        std::stringstream directories(path != nullptr ? path : "");
        std::string directory;
        while (std::getline(directories, directory, ':'))
            if (::access((directory + "/" + program).c_str(), X_OK) == 0)
                return true;
        return false;
    }
    void startServer(bool synchronous = false) {
        // .ci/run installs jackd2; elsewhere JACK is optional.
        if (!onPath("jackd") || !onPath("jack_wait"))
            GTEST_SKIP() << "jackd / jack_wait are not installed (apt-get install jackd2)";
        std::string error;
        ASSERT_TRUE(server_.start(dir_, &error, synchronous)) << error;
    }
    void openClients() {
        clients_ = std::make_unique<TestClients>();
        std::string error;
        ASSERT_TRUE(clients_->open(server_.name(), &error)) << error;
    }

    // Starts `aap-host play ARGS --plugin-path <examples> --quiet`.
    void startPlay(Child* child, std::vector<std::string> arguments, std::vector<std::string> environment = {}) {
        arguments.insert(arguments.begin(), {AAP_HOST_EXECUTABLE, "play"});
        arguments.insert(arguments.end(), {"--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"});
        if (!server_.name().empty() && std::find(arguments.begin(), arguments.end(), "--name") == arguments.end())
            arguments.insert(arguments.end(), {"--name", "host-" + server_.name()});
        if (environment.empty())
            environment = server_.environment();
        ASSERT_TRUE(child->spawn(arguments, environment, out(), err()));
    }
    // `aap-host play PLUGIN --backend null` for a minute, returned once it plays.
    void startPlayingOnTheNullBackend(Child* child, const std::string& plugin) {
        startPlay(child, {plugin, "--backend", "null", "--duration", "60", "--deadline", "2000"});
        ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    }
    // Types `line` on play's stdin and waits for `expected` in its stderr.
    void type(Child* child, const std::string& line, const std::string& expected) {
        ASSERT_TRUE(child->write(line + "\n"));
        ASSERT_TRUE(waitForText(err(), expected, 30000)) << line << ":\n" << slurp(err());
    }
    std::string out() const { return dir_ + "/play.out"; }
    std::string err() const { return dir_ + "/play.err"; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    std::string dir_;
    bool metadataExisted_ = true;
    JackServer server_;
    std::unique_ptr<TestClients> clients_;
};

// Runs `arguments` with stdout on `stdoutFd` (stdin /dev/null, stderr to `errPath`), collecting
// everything read from `readFd` (the other end of stdout: a pseudo-terminal's master or a pipe's
// read end) until the process exits; returns its exit code (-1: it did not exit within 60 s and
// was killed).
int runCapturingStdout(std::vector<std::string> arguments, int stdoutFd, int readFd, const std::string& errPath,
                       std::string* captured) {
    std::vector<char*> argv;
    for (std::string& word : arguments)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdoutFd, 1);
    posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addclose(&actions, readFd);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int status = 0;
    for (;;) {
        pollfd ready{readFd, POLLIN, 0};
        if (::poll(&ready, 1, 20) > 0 && (ready.revents & POLLIN) != 0) {
            char buffer[4096];
            const ssize_t got = ::read(readFd, buffer, sizeof(buffer));
            if (got > 0)
                captured->append(buffer, static_cast<size_t>(got));
        }
        if (::waitpid(pid, &status, WNOHANG) == pid)
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
    }
    // What is still buffered after the exit (a pseudo-terminal's master reads EIO once drained).
    for (;;) {
        pollfd ready{readFd, POLLIN, 0};
        if (::poll(&ready, 1, 0) <= 0 || (ready.revents & POLLIN) == 0)
            break;
        char buffer[4096];
        const ssize_t got = ::read(readFd, buffer, sizeof(buffer));
        if (got <= 0)
            break;
        captured->append(buffer, static_cast<size_t>(got));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The status line play redraws (a carriage return, then the counters) twice a second.
const std::regex kStatusLine{"\rcycles [0-9]+  xruns [0-9]+  DSP +[0-9.]+%  p99 +[0-9.]+ us"};

TEST_F(AapHostPlay, MissingLibjackIsAClearErrorWithItsOwnExitCode) {
    Child play;
    startPlay(&play, {"delay-effect", "--duration", "5"}, {"AAP_LIBJACK=" + dir_ + "/no-such-libjack.so.0"});
    EXPECT_EQ(play.wait(20000), 7);
    const std::string error = slurp(err());
    EXPECT_NE(error.find("JACK is not available: install jackd2 or pipewire-jack"), std::string::npos) << error;
    EXPECT_NE(error.find("no-such-libjack.so.0"), std::string::npos) << error;
}

TEST_F(AapHostPlay, ALibraryWithoutJacksFunctionsIsRejectedAtLoad) {
    Child play;
    startPlay(&play, {"delay-effect", "--duration", "5"}, {"AAP_LIBJACK=libm.so.6"});
    EXPECT_EQ(play.wait(20000), 7);
    const std::string error = slurp(err());
    EXPECT_NE(error.find("JACK is not available: install jackd2 or pipewire-jack"), std::string::npos) << error;
    EXPECT_NE(error.find("lacks jack_client_open"), std::string::npos) << error;
}

TEST_F(AapHostPlay, NoServerIsAClearErrorWithTheSameExitCode) {
    Child play;
    startPlay(&play, {"delay-effect", "--duration", "5"}, {"JACK_DEFAULT_SERVER=aap-play-test-nobody-" + std::to_string(::getpid())});
    EXPECT_EQ(play.wait(20000), 7);
    const std::string error = slurp(err());
    EXPECT_NE(error.find("cannot connect to the JACK server 'aap-play-test-nobody-"), std::string::npos) << error;
}

TEST_F(AapHostPlay, UsageErrors) {
    for (const std::vector<std::string>& arguments :
         std::vector<std::vector<std::string>>{{"--backend", "alsa"},
                                               {"--duration", "0"},
                                               {"--deadline", "-1"},
                                               {"--backend", "null", "--connect"},
                                               {"--rate", "44100"},
                                               {"--preset", "3:1"},
                                               {"--backend", "null", "--param", "9=1"},
                                               {"--backend", "null", "--param", "1=99999"},
                                               {"--preset", "1@2"},
                                               {"--cpu", "banana"},
                                               {"--cpu", "-3"},
                                               {"--cpu", "100000"},
                                               {"--cpu", "1023"}}) {
        std::vector<std::string> words = {"delay-effect"};
        words.insert(words.end(), arguments.begin(), arguments.end());
        Child play;
        startPlay(&play, words);
        EXPECT_EQ(play.wait(20000), 2) << arguments[0] << " " << arguments[1] << ": " << slurp(err());
    }
    Child none;
    startPlay(&none, {});
    EXPECT_EQ(none.wait(20000), 2);
    Child unknown;
    startPlay(&unknown, {"no-such-plugin", "--backend", "null"});
    EXPECT_EQ(unknown.wait(20000), 3);
}

// In process: the null backend's own thread asks for SCHED_FIFO, a plugin service does not, and on
// a shared build machine a service can be descheduled past the 5.3 ms period (which the hosting
// layer treats as a failure today). In process the whole chain runs on the timer's thread, so the
// test measures the backend: period-exact cycles, no late wake-up. The out-of-process chain's
// cycle count is checked below.
TEST_F(AapHostPlay, NullBackendRunsTheChainAtTheRealPeriodWithZeroXruns) {
    Child play;
    startPlay(&play, {"poly-synth", "delay-effect", "--backend", "null", "--duration", "2", "--in-process"});
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    // 2 s at 256 frames / 48 kHz = 375 periods; the timer uses absolute deadlines, so only the
    // start and stop instants blur the count.
    const long long cycles = summaryValue(summary, "cycles");
    EXPECT_GE(cycles, 365) << summary;
    EXPECT_LE(cycles, 380) << summary;
    EXPECT_EQ(summaryValue(summary, "xruns"), 0) << summary;
    EXPECT_EQ(summaryValue(summary, "faults"), 0) << summary;
    EXPECT_NE(summary.find("stopped: duration reached"), std::string::npos) << summary;
}

TEST_F(AapHostPlay, NullBackendRunsAnOutOfProcessChainAtTheRealPeriod) {
    Child play;
    startPlay(&play, {"poly-synth", "delay-effect", "--backend", "null", "--duration", "2", "--deadline", "2000"});
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    const long long cycles = summaryValue(summary, "cycles");
    const long long xruns = summaryValue(summary, "xruns");
    // Late wake-ups skip periods (counted as xruns) instead of catching up: cycles + skipped
    // periods is the period count.
    EXPECT_GE(cycles + xruns, 365) << summary;
    EXPECT_LE(cycles, 380) << summary;
    EXPECT_EQ(summaryValue(summary, "faults"), 0) << summary;
}

// stdout a terminal (a pseudo-terminal: what a shell gives play): the status line with cycles,
// xruns, DSP load and the round-trip p99 is redrawn while it plays, then the summary follows.
TEST_F(AapHostPlay, TheStatusLineIsShownWhenStdoutIsATerminal) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(master, 0) << std::strerror(errno);
    ASSERT_EQ(::grantpt(master), 0);
    ASSERT_EQ(::unlockpt(master), 0);
    const char* slaveName = ::ptsname(master);
    ASSERT_NE(slaveName, nullptr);
    const int slave = ::open(slaveName, O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave, 0) << std::strerror(errno);
    std::string captured;
    const int code = runCapturingStdout({AAP_HOST_EXECUTABLE, "play", "delay-effect", "--backend", "null", "--duration",
                                         "2", "--in-process", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"},
                                        slave, master, err(), &captured);
    ::close(slave);
    ::close(master);
    ASSERT_EQ(code, 0) << slurp(err()) << captured;
    // 2 s: a status line at 0.5, 1, 1.5 s and the final one.
    const auto lines = std::distance(std::sregex_iterator(captured.begin(), captured.end(), kStatusLine),
                                     std::sregex_iterator());
    EXPECT_GE(lines, 2) << captured;
    // The terminal turns play's "\n" into "\r\n"; the summary still follows the status lines.
    const size_t summary = captured.find("cycles: ");
    ASSERT_NE(summary, std::string::npos) << captured;
    EXPECT_LT(captured.find("\rcycles "), summary) << captured;
    EXPECT_NE(captured.find("xruns: "), std::string::npos) << captured;
}

// stdout a pipe (a script reading play's output): no status line, only the summary.
TEST_F(AapHostPlay, TheStatusLineIsNotShownWhenStdoutIsAPipe) {
    int pipeFds[2];
    ASSERT_EQ(::pipe2(pipeFds, O_CLOEXEC), 0);
    std::string captured;
    const int code = runCapturingStdout({AAP_HOST_EXECUTABLE, "play", "delay-effect", "--backend", "null", "--duration",
                                         "2", "--in-process", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"},
                                        pipeFds[1], pipeFds[0], err(), &captured);
    ::close(pipeFds[1]);
    ::close(pipeFds[0]);
    ASSERT_EQ(code, 0) << slurp(err()) << captured;
    EXPECT_FALSE(std::regex_search(captured, kStatusLine)) << captured;
    EXPECT_EQ(captured.find('\r'), std::string::npos) << captured;
    EXPECT_EQ(captured.find("DSP "), std::string::npos) << captured;
    EXPECT_GE(summaryValue(captured, "cycles"), 100) << captured;
    EXPECT_GE(summaryValue(captured, "xruns"), 0) << captured;
}

// The CPU each thread of `pid` and of its descendants keeps to: "tid list" lines, e.g. "42 0-1".
std::vector<std::pair<pid_t, std::string>> threadCpus(pid_t pid, bool self) {
    std::vector<std::pair<pid_t, std::string>> out;
    std::vector<pid_t> pids = play_test::livingChildren(pid);
    if (self)
        pids.push_back(pid);
    for (size_t i = 0; i < pids.size(); i++) {
        if (pids[i] != pid)
            for (pid_t grandchild : play_test::livingChildren(pids[i]))
                pids.push_back(grandchild);
    }
    for (pid_t p : pids)
        for (pid_t task : play_test::tasksOf(p)) {
            const std::string status = slurp("/proc/" + std::to_string(p) + "/task/" + std::to_string(task) + "/status");
            const size_t at = status.find("Cpus_allowed_list:");
            if (at == std::string::npos)
                continue;
            const size_t start = status.find_first_not_of(" \t", at + 18);
            out.emplace_back(p, status.substr(start, status.find('\n', start) - start));
        }
    return out;
}

// --cpu N: play's audio thread keeps to CPU N, the plugin service's realtime thread follows it
// there (the graph's placement, docs/hosting.md), and the summary names it; --cpu any pins
// nothing. The last CPU this process may use is asked for, so it is a choice, not an accident.
TEST_F(AapHostPlay, TheAudioThreadAndItsPluginKeepToTheCpuAskedFor) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    ASSERT_EQ(::sched_getaffinity(0, sizeof(allowed), &allowed), 0);
    if (CPU_COUNT(&allowed) < 2)
        GTEST_SKIP() << "this process may run on one CPU only: pinning to it cannot be told from not pinning";
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            last = c;
    const std::string cpu = std::to_string(last);
    Child play;
    startPlay(&play, {"delay-effect", "--backend", "null", "--duration", "60", "--deadline", "2000", "--cpu", cpu});
    ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    bool host = false, service = false;
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(host && service) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        seen.clear();
        for (const auto& [pid, list] : threadCpus(play.pid(), true)) {
            seen += std::to_string(pid) + ":" + list + " ";
            if (list == cpu)
                (pid == play.pid() ? host : service) = true;
        }
    }
    EXPECT_TRUE(host) << "no thread of aap-host play keeps to CPU " << cpu << ": " << seen;
    EXPECT_TRUE(service) << "no thread of the plugin service keeps to CPU " << cpu << ": " << seen;
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    EXPECT_NE(slurp(out()).find("audio cpu: " + cpu + "\n"), std::string::npos) << slurp(out());

    Child unpinned;
    startPlay(&unpinned, {"delay-effect", "--backend", "null", "--duration", "60", "--deadline", "2000", "--cpu", "any"});
    ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (const auto& [pid, list] : threadCpus(unpinned.pid(), true))
        EXPECT_NE(list, cpu) << "thread of " << pid << " pinned with --cpu any";
    ASSERT_TRUE(unpinned.write("quit\n"));
    ASSERT_EQ(unpinned.wait(30000), 0) << slurp(err());
    EXPECT_NE(slurp(out()).find("audio cpu: any\n"), std::string::npos) << slurp(out());
}

// The stdin commands on the null backend (no JACK needed): wrong commands are refused with a
// message and play goes on; `param` reaches the plugin (its saved state changes); `state save`
// writes the plugin's state, and a path it cannot write is an error that loses nothing.
TEST_F(AapHostPlay, StdinCommandsChangeThePluginAndBadOnesAreRefused) {
    Child play;
    startPlayingOnTheNullBackend(&play, "delay-effect");
    if (HasFatalFailure())
        return;
    auto command = [&](const std::string& line, const std::string& expected) { type(&play, line, expected); };
    command("bogus", "unknown command 'bogus'");
    command("preset 99", "has 3 presets (0..2)");
    command("param 99 1", "aap-host play: urn:aap-examples:delay-effect has no parameter with id 99");
    command("param 1 0x10", "usage: param ID VALUE (the value must be a finite number)");
    command("param 1 99999", "aap-host play: value 99999.000000 of parameter 1 (Delay time (ms)) is outside");
    command("state load x", "usage: state save FILE");
    command("state save " + path("no-such-dir/state.bin"), "cannot write " + path("no-such-dir/state.bin"));
    command("state save " + path("before.bin"), "state saved to " + path("before.bin"));
    command("param 1 1200", "parameter 1 (Delay time (ms)) = 1200");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few periods: the change is applied
    command("state save " + path("after.bin"), "state saved to " + path("after.bin"));
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string before = slurp(path("before.bin"));
    const std::string after = slurp(path("after.bin"));
    EXPECT_FALSE(before.empty());
    EXPECT_EQ(before.size(), after.size());
    EXPECT_NE(before, after) << "the parameter change did not reach the plugin's state";
    EXPECT_EQ(::access(path("no-such-dir").c_str(), F_OK), -1);
    const std::string summary = slurp(out());
    EXPECT_EQ(summaryValue(summary, "faults"), 0) << summary;
    EXPECT_NE(summary.find("stopped: quit"), std::string::npos) << summary;
}

// A plugin service killed during play: the fault is reported, play goes on silent, and `restart`
// brings the plugin back with the state it had (a parameter changed on stdin survives).
TEST_F(AapHostPlay, RestartAfterAKilledServiceRestoresTheLastState) {
    Child play;
    startPlayingOnTheNullBackend(&play, "delay-effect");
    if (HasFatalFailure())
        return;
    auto command = [&](const std::string& line, const std::string& expected) { type(&play, line, expected); };
    command("param 1 1200", "parameter 1 (Delay time (ms)) = 1200");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    command("state save " + path("before.bin"), "state saved to " + path("before.bin"));
    // The service (or the PID namespace's init that holds it) is play's only child.
    const std::vector<pid_t> services = play_test::livingChildren(play.pid());
    ASSERT_EQ(services.size(), 1u) << "expected one plugin service under aap-host play";
    ASSERT_EQ(::kill(services[0], SIGKILL), 0);
    ASSERT_TRUE(waitForText(err(), "failed in process()", 30000)) << slurp(err());
    command("restart", "restarted with its last state");
    command("state save " + path("after.bin"), "state saved to " + path("after.bin"));
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string before = slurp(path("before.bin"));
    EXPECT_FALSE(before.empty());
    EXPECT_EQ(before, slurp(path("after.bin"))) << "the restarted plugin lost its state";
    EXPECT_EQ(summaryValue(slurp(out()), "faults"), 1) << slurp(out()) << slurp(err());
}

TEST_F(AapHostPlay, CyclesAndXrunsAgreeWithTheDuration) {
    startServer();
    if (IsSkipped() || HasFatalFailure())
        return;
    openClients();
    if (HasFatalFailure())
        return;
    Child play;
    startPlay(&play, {"delay-effect", "--duration", "2", "--output-to", clients_->sinkName + ":in_1"});
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    const long long cycles = summaryValue(summary, "cycles");
    const long long xruns = summaryValue(summary, "xruns");
    ASSERT_GE(cycles, 0) << summary;
    ASSERT_GE(xruns, 0) << summary;
    EXPECT_GE(summaryValue(summary, "server xruns"), 0) << summary;
    // The dummy driver is not realtime (-r) and this machine is shared: it may run slower than
    // 375 periods in 2 s, never faster.
    EXPECT_GE(cycles, 375 / 4) << summary;
    EXPECT_LE(cycles, 375 + 20) << summary;
    EXPECT_LE(xruns, cycles) << summary;
    EXPECT_LE(summaryValue(summary, "silent cycles"), cycles) << summary;
}

TEST_F(AapHostPlay, DelayEffectOnALiveSignalEqualsTheOfflineRender) {
    // Synchronous: in JACK2's default asynchronous mode a cycle the loaded machine made late can
    // be run by some clients and not by others, and then what aap-host received is not the signal.
    startServer(true);
    if (IsSkipped() || HasFatalFailure())
        return;
    openClients();
    if (HasFatalFailure())
        return;
    // 1.5 s: a decaying 440 Hz tone on the left, a decaying pseudo-random burst on the right.
    const size_t length = 72000;
    uint32_t noise = 12345;
    for (size_t i = 0; i < length; i++) {
        const double t = static_cast<double>(i) / kRate;
        const float envelope = i < 24000 ? static_cast<float>(std::exp(-t * 6)) : 0.0f;
        clients_->signal[0].push_back(envelope * 0.6f * static_cast<float>(std::sin(2 * M_PI * 440 * t)));
        noise = noise * 1664525u + 1013904223u;
        clients_->signal[1].push_back(envelope * 0.4f * (static_cast<float>(noise >> 8) / 8388608.0f - 1.0f));
    }
    Child play;
    startPlay(&play, {"delay-effect", "--input-from", clients_->sourceName + ":out_1", "--input-from", clients_->sourceName + ":out_2",
                      "--output-to", clients_->sinkName + ":in_1", "--output-to", clients_->sinkName + ":in_2", "--deadline", "2000"});
    ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    clients_->armed.store(1);
    ASSERT_TRUE(clients_->waitRecorded(length, 60000)) << slurp(err());
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    EXPECT_EQ(summaryValue(summary, "faults"), 0) << summary;
    EXPECT_EQ(summaryValue(summary, "silent cycles"), 0) << summary;
    // Sink cycles without a source mark (a cycle the source did not run) record nothing; every
    // position of the signal must still have been recorded (NaN marks a hole).
    for (size_t i = 0; i < length; i++)
        ASSERT_FALSE(std::isnan(clients_->recorded[0][i]) || std::isnan(clients_->recorded[1][i]))
            << "position " << i << " was never recorded (" << clients_->unmatched.load() << " unmatched sink cycles)";

    WavAudio input;
    input.sampleRate = kRate;
    input.channels = 2;
    input.format = WavSampleFormat::Float32;
    for (size_t i = 0; i < length; i++)
        for (int c = 0; c < 2; c++)
            input.samples.push_back(clients_->signal[c][i]);
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(encodeWav(input, &bytes, &error)) << error;
    {
        std::ofstream file(path("in.wav"), std::ios::binary);
        file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    Child render;
    ASSERT_TRUE(render.spawn({AAP_HOST_EXECUTABLE, "render", "delay-effect", "--input", path("in.wav"), "--output",
                              path("out.wav"), "--block", "256", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"},
                             {}, path("render.out"), path("render.err")));
    ASSERT_EQ(render.wait(60000), 0) << slurp(path("render.err"));
    const std::string rendered = slurp(path("out.wav"));
    WavAudio offline;
    ASSERT_TRUE(decodeWav(reinterpret_cast<const uint8_t*>(rendered.data()), rendered.size(), &offline, &error)) << error;
    ASSERT_EQ(offline.channels, 2);
    ASSERT_EQ(offline.frames(), length);

    // Lag 0 (same frame time in and out): equal within float rounding.
    double maxDifference = 0, energy = 0;
    for (size_t i = 0; i < length; i++)
        for (int c = 0; c < 2; c++) {
            const double expected = offline.samples[i * 2 + static_cast<size_t>(c)];
            maxDifference = std::max(maxDifference, std::fabs(expected - clients_->recorded[c][i]));
            energy += expected * expected;
        }
    EXPECT_GT(energy, 100.0);  // the comparison is about a real signal, with its echoes
    if (maxDifference > 1e-5) {
        // Say where it would have matched, to tell latency from a wrong result.
        int bestLag = 0;
        double bestError = 1e300;
        for (int lag = -2048; lag <= 2048; lag++) {
            double sum = 0;
            for (size_t i = 4096; i + 4096 < length; i++)
                sum += std::fabs(offline.samples[i * 2] - clients_->recorded[0][static_cast<size_t>(static_cast<int64_t>(i) + lag)]);
            if (sum < bestError) {
                bestError = sum;
                bestLag = lag;
            }
        }
        ADD_FAILURE() << "max difference " << maxDifference << " at lag 0; the best lag is " << bestLag << " frames";
    }
}

// The "high-frequency ratio" of a stretch: RMS of the first difference over the RMS. A sine at
// 220 Hz is about 0.03; a bright saw is far above.
// Holes (NaN: a cycle the source did not run) are left out.
double brightness(const std::vector<float>& samples, size_t begin, size_t end, double* rms) {
    double sum = 0, difference = 0;
    size_t count = 0;
    for (size_t i = begin + 1; i < end; i++) {
        if (std::isnan(samples[i]) || std::isnan(samples[i - 1]))
            continue;
        sum += static_cast<double>(samples[i]) * samples[i];
        const double d = static_cast<double>(samples[i]) - samples[i - 1];
        difference += d * d;
        count++;
    }
    *rms = count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0;
    return sum > 0 ? std::sqrt(difference / sum) : 0;
}

TEST_F(AapHostPlay, MidiFromATestClientPlaysTheSynthAndPresetOnStdinChangesIt) {
    startServer(true);
    if (IsSkipped() || HasFatalFailure())
        return;
    openClients();
    if (HasFatalFailure())
        return;
    Child play;
    startPlay(&play, {"poly-synth", "--preset", "0", "--midi-from", clients_->sourceName + ":midi_out", "--output-to",
                      clients_->sinkName + ":in_1", "--output-to", clients_->sinkName + ":in_2", "--deadline", "2000"});
    ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    clients_->notes.store(true);
    clients_->armed.store(1);
    ASSERT_TRUE(clients_->waitRecorded(48000, 60000));
    ASSERT_TRUE(play.write("preset 1\n"));
    ASSERT_TRUE(waitForText(err(), "preset 1 selected", 30000)) << slurp(err());
    const uint64_t switched = clients_->recordedFrames.load();
    ASSERT_TRUE(clients_->waitRecorded(switched + 48000, 60000));
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    EXPECT_GT(summaryValue(summary, "midi events"), 0) << summary;
    EXPECT_EQ(summaryValue(summary, "faults"), 0) << summary;
    EXPECT_GT(clients_->notesSent.load(), 2u);

    double rmsBefore = 0, rmsAfter = 0;
    const double before = brightness(clients_->recorded[0], 0, 48000, &rmsBefore);
    const double after = brightness(clients_->recorded[0], static_cast<size_t>(switched) + 12000,
                                    static_cast<size_t>(switched) + 48000, &rmsAfter);
    EXPECT_GT(rmsBefore, 0.01) << "the notes made no sound";
    EXPECT_GT(rmsAfter, 0.01) << "no sound after the preset change";
    // Soft Sine (preset 0, 3 kHz low-pass) -> Bright Saw (preset 1, 12 kHz).
    EXPECT_GT(after, 3 * before) << "brightness " << before << " -> " << after;
}

TEST_F(AapHostPlay, TheServerGoingAwayEndsPlayCleanly) {
    startServer();
    if (IsSkipped() || HasFatalFailure())
        return;
    Child play;
    startPlay(&play, {"poly-synth", "delay-effect", "--duration", "60"});
    ASSERT_TRUE(waitForText(err(), "aap-host play: playing", 30000)) << slurp(err());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server_.stop();  // SIGTERM (see JackServer: SIGKILL would leak a server registry slot)
    EXPECT_EQ(play.wait(30000), 7) << slurp(err());
    const std::string error = slurp(err());
    EXPECT_NE(error.find("the JACK server shut down"), std::string::npos) << error;
    const std::string summary = slurp(out());
    EXPECT_GT(summaryValue(summary, "cycles"), 0) << summary;
    EXPECT_NE(summary.find("stopped: the audio server went away"), std::string::npos) << summary;
    // TearDown checks that no process (no plugin service) is left.
}

#ifdef AAP_HOSTING_TEST_BUNDLE_DIR
TEST_F(AapHostPlay, APluginCrashKeepsTheClientAliveAndSilentUntilRestart) {
    startServer();
    if (IsSkipped() || HasFatalFailure())
        return;
    openClients();
    if (HasFatalFailure())
        return;
    Child play;
    std::vector<std::string> arguments = {AAP_HOST_EXECUTABLE, "play", "urn:aap-test:crash-in-process", "--output-to",
                                          clients_->sinkName + ":in_1", "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR, "--quiet",
                                          "--deadline", "2000", "--name", "host-" + server_.name()};
    ASSERT_TRUE(play.spawn(arguments, server_.environment(), out(), err()));
    // The plugin crashes in its third process() call.
    ASSERT_TRUE(waitForText(err(), "failed in process()", 30000)) << slurp(err());
    const uint64_t cyclesAtCrash = clients_->sinkCycles.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GT(clients_->sinkCycles.load(), cyclesAtCrash) << "the JACK graph stopped";
    ASSERT_TRUE(play.write("restart\n"));
    ASSERT_TRUE(waitForText(err(), "restarted", 30000)) << slurp(err());
    // The new instance crashes in its third call too: a second fault, reported again.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = slurp(err());
        if (text.find("failed in process()") != text.rfind("failed in process()"))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(play.write("quit\n"));
    ASSERT_EQ(play.wait(30000), 0) << slurp(err());
    const std::string summary = slurp(out());
    EXPECT_EQ(summaryValue(summary, "faults"), 2) << summary << slurp(err());
    EXPECT_GT(summaryValue(summary, "silent cycles"), 0) << summary;
}
#endif

} // namespace
} // namespace aap::host_tool
