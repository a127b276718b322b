// aap-host end to end: every subcommand against the example plugins (out of process), and every
// kind of bad input with its exit code, its message and no partial output file.

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "aap-host-test-support.h"
#include "smf-file.h"
#include "wav-file.h"

namespace aap::host_tool {
namespace {

using aap::host_tool_test::HostRun;
using aap::host_tool_test::slurp;

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

class AapHostCli : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/aap-host-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::string command = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(command.c_str()), 0);
    }

    // Runs aap-host with `arguments` (plus --plugin-path <examples> when withPlugins).
    HostRun run(std::vector<std::string> arguments, bool withPlugins = true) {
        if (withPlugins && !arguments.empty() && arguments[0] != "--help" && arguments[0] != "--version") {
            arguments.push_back("--plugin-path");
            arguments.push_back(AAP_EXAMPLES_PLUGIN_DIR);
        }
        return aap::host_tool_test::runCapturing(AAP_HOST_EXECUTABLE, arguments, dir_ + "/.stdout", dir_ + "/.stderr");
    }

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    void writeBytes(const std::string& name, const std::vector<uint8_t>& bytes) {
        std::ofstream out(path(name), std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }

    // A 1 s stereo 48 kHz test tone.
    std::string writeTone(const std::string& name, WavSampleFormat format = WavSampleFormat::Pcm16,
                          int32_t rate = 48000) {
        WavAudio audio;
        audio.sampleRate = rate;
        audio.channels = 2;
        audio.format = format;
        for (int i = 0; i < rate; i++) {
            float s = static_cast<float>(0.5 * std::sin(2 * 3.14159265 * 220.0 * i / rate));
            audio.samples.push_back(s);
            audio.samples.push_back(s);
        }
        std::vector<uint8_t> bytes;
        std::string error;
        EXPECT_TRUE(encodeWav(audio, &bytes, &error));
        writeBytes(name, bytes);
        return path(name);
    }

    // Two seconds of notes: a chord held for 1 s and a second note at 1 s.
    std::string writeSong(const std::string& name) {
        MidiTrack track;
        track.tempoMicrosecondsPerQuarter = 500000;
        track.events = {{0, 0x90, 60, 100}, {0, 0x90, 64, 100}, {960, 0x80, 60, 0}, {960, 0x80, 64, 0},
                        {960, 0x90, 67, 110}, {1900, 0x80, 67, 0}};
        std::vector<uint8_t> bytes;
        std::string error;
        EXPECT_TRUE(encodeMidiFile(0, 480, {track}, &bytes, &error));
        writeBytes(name, bytes);
        return path(name);
    }

    WavAudio readWav(const std::string& file) {
        std::string text = slurp(file);
        WavAudio audio;
        std::string error;
        EXPECT_TRUE(decodeWav(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &audio, &error)) << error;
        return audio;
    }

    static double peak(const WavAudio& audio) {
        double value = 0;
        for (float s : audio.samples)
            value = std::fmax(value, std::fabs(s));
        return value;
    }

    // No output file and no leftover temporary file in the test directory.
    void expectNoOutput(const std::string& name) {
        EXPECT_FALSE(exists(path(name))) << name;
        std::string command = "ls -A '" + dir_ + "' | grep -q tmp-";
        EXPECT_NE(std::system(command.c_str()), 0) << "a temporary file was left behind";
    }

    // Names in the test directory (or a subdirectory) other than `keep` and the captured output.
    std::string othersIn(const std::string& sub, std::initializer_list<std::string> keep = {}) {
        std::string listing;
        DIR* directory = ::opendir(sub.empty() ? dir_.c_str() : path(sub).c_str());
        if (directory == nullptr)
            return "(cannot list)";
        while (dirent* entry = ::readdir(directory)) {
            std::string name = entry->d_name;
            bool kept = name == "." || name == ".." || name == ".stdout" || name == ".stderr";
            for (const std::string& k : keep)
                kept = kept || name == k;
            if (!kept)
                listing += name + " ";
        }
        ::closedir(directory);
        return listing;
    }
    std::string others(std::initializer_list<std::string> keep) { return othersIn("", keep); }

    std::vector<std::string> withPluginPath(std::vector<std::string> arguments) {
        arguments.push_back("--plugin-path");
        arguments.push_back(AAP_EXAMPLES_PLUGIN_DIR);
        return arguments;
    }

    // Starts aap-host without waiting (stdout and stderr to the usual capture files).
    pid_t spawn(const std::vector<std::string>& arguments) {
        std::vector<std::string> words = withPluginPath(arguments);
        words.insert(words.begin(), AAP_HOST_EXECUTABLE);
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, path(".stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, path(".stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        pid_t pid = -1;
        if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0)
            pid = -1;
        posix_spawn_file_actions_destroy(&actions);
        return pid;
    }

    static constexpr int kCannotDropCapabilities = 99;

    // Runs aap-host as run() does, but as root without the capabilities that override file
    // permissions (a no-op for other users, whom permissions bind anyway).
    HostRun runWithoutDacOverride(const std::vector<std::string>& arguments) {
        std::vector<std::string> words = withPluginPath(arguments);
        words.insert(words.begin(), AAP_HOST_EXECUTABLE);
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        const std::string out = path(".stdout"), err = path(".stderr");
        HostRun result;
        pid_t pid = ::fork();
        if (pid == 0) {
            int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
                ::_exit(127);
            if (::geteuid() == 0 && (::prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0 ||
                                     ::prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) != 0))
                ::_exit(kCannotDropCapabilities);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (pid < 0)
            return result;
        int status = 0;
        ::waitpid(pid, &status, 0);
        result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.out = slurp(out);
        result.err = slurp(err);
        return result;
    }

    std::string dir_;
};

constexpr const char* kSynth = "urn:aap-examples:poly-synth";
constexpr const char* kEffect = "urn:aap-examples:delay-effect";
constexpr const char* kTremolo = "urn:aap-examples:c-tremolo";

TEST_F(AapHostCli, HelpAndVersionExitZero) {
    HostRun top = run({"--help"}, false);
    EXPECT_EQ(top.exitCode, 0);
    EXPECT_NE(top.out.find("exit codes"), std::string::npos);
    for (const char* command : {"list", "info", "render", "bench", "demo"}) {
        HostRun help = run({command, "--help"}, false);
        EXPECT_EQ(help.exitCode, 0) << command;
        EXPECT_NE(help.out.find("usage: aap-host "), std::string::npos) << command;
    }
    EXPECT_EQ(run({"--version"}, false).exitCode, 0);
}

TEST_F(AapHostCli, UnknownCommandAndMissingCommandAreUsageErrors) {
    HostRun unknown = run({"frobnicate"}, false);
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos);
    EXPECT_EQ(run({}, false).exitCode, 2);
    HostRun option = run({"list", "--bogus"});
    EXPECT_EQ(option.exitCode, 2);
    EXPECT_NE(option.err.find("unknown option '--bogus'"), std::string::npos);
}

TEST_F(AapHostCli, ListShowsTheExamplesAsTextAndJson) {
    HostRun text = run({"list"});
    EXPECT_EQ(text.exitCode, 0) << text.err;
    for (const char* id : {kSynth, kEffect, kTremolo})
        EXPECT_NE(text.out.find(id), std::string::npos) << id;
    EXPECT_NE(text.out.find("instrument"), std::string::npos);
    HostRun json = run({"list", "--json"});
    EXPECT_EQ(json.exitCode, 0);
    EXPECT_EQ(json.out.rfind("{\"plugins\":[", 0), 0u) << json.out;
    EXPECT_NE(json.out.find("\"uniqueId\":\"urn:aap-examples:poly-synth\""), std::string::npos);
}

TEST_F(AapHostCli, ListReportsBrokenBundlesOnStderrAndKeepsGoodOnes) {
    ASSERT_EQ(::mkdir(path("broken.aap").c_str(), 0755), 0);
    writeBytes("broken.aap/aap_metadata.xml", {'<', 'p', 'l', 'u', 'g', 'i', 'n', 's', '>'});
    HostRun result = run({"list", "--plugin-path", dir_});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.err.find("broken.aap/aap_metadata.xml"), std::string::npos) << result.err;
    EXPECT_NE(result.out.find(kSynth), std::string::npos);
}

TEST_F(AapHostCli, InfoShowsMetadataAndWhatTheRunningPluginReports) {
    HostRun result = run({"info", kSynth});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("Example Poly Synth"), std::string::npos);
    EXPECT_NE(result.out.find("Cutoff (Hz)"), std::string::npos);
    EXPECT_NE(result.out.find("presets: 3"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("Square Pluck"), std::string::npos);
    EXPECT_NE(result.out.find("parameters: 5"), std::string::npos);
    EXPECT_NE(result.out.find("state size: "), std::string::npos);
    EXPECT_NE(result.out.find("PROGRAM"), std::string::npos);
}

TEST_F(AapHostCli, InfoJsonIsMetadataOnly) {
    HostRun result = run({"info", kTremolo, "--json"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_EQ(result.out.rfind("{\"uniqueId\":\"urn:aap-examples:c-tremolo\"", 0), 0u) << result.out;
}

TEST_F(AapHostCli, UnknownPluginIsExitCode3) {
    for (const char* command : {"info", "render", "bench"}) {
        HostRun result = run({command, "urn:nobody:nothing", "--output", path("x.wav"), "--length", "1"});
        if (std::string(command) != "render")
            result = run({command, "urn:nobody:nothing"});
        EXPECT_EQ(result.exitCode, 3) << command << ": " << result.err;
        EXPECT_NE(result.err.find("no plugin matches 'urn:nobody:nothing'"), std::string::npos) << result.err;
    }
    expectNoOutput("x.wav");
}

TEST_F(AapHostCli, RenderInstrumentFromAMidiFile) {
    const std::string song = writeSong("song.mid");
    HostRun result = run({"render", kSynth, "--midi", song, "--output", path("synth.wav"), "--rate", "44100", "--format",
                      "pcm24", "--tail", "0.5"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    WavAudio audio = readWav(path("synth.wav"));
    EXPECT_EQ(audio.sampleRate, 44100);
    EXPECT_EQ(audio.channels, 2);
    EXPECT_EQ(audio.format, WavSampleFormat::Pcm24);
    // The song lasts until its end-of-track at tick 1900 (1.979 s) + 0.5 s of tail.
    EXPECT_NEAR(static_cast<double>(audio.frames()), (1900.0 / 960.0 + 0.5) * 44100, 2);
    EXPECT_GT(peak(audio), 0.01);
}

TEST_F(AapHostCli, RenderEffectOverAWavKeepsLengthAndRate) {
    const std::string tone = writeTone("tone.wav");
    HostRun result = run({"render", kEffect, "--input", tone, "--output", path("fx.wav"), "--format", "pcm16"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    WavAudio audio = readWav(path("fx.wav"));
    EXPECT_EQ(audio.sampleRate, 48000);
    EXPECT_EQ(audio.channels, 2);
    EXPECT_EQ(audio.frames(), 48000u);
    EXPECT_GT(peak(audio), 0.1);
}

// Parameter ids come from the running plugin: its parameters extension lists id 5 (0..4), which
// its metadata does not, and not the metadata's id 0. render --param accepts 5 with the plugin's
// range (the value 4 reaches the plugin as the top of 0..4: gain 4) and refuses 0.
TEST_F(AapHostCli, RenderParamAcceptsIdsTheRunningPluginReports) {
    const std::string tone = writeTone("tone.wav", WavSampleFormat::Float32);
    const char* plugin = "urn:aap-validate-test:runtime-parameters";
    HostRun result = run({"render", plugin, "--input", tone, "--output", path("p.wav"), "--param", "5=4@0.5",
                          "--plugin-path", AAP_VALIDATE_TEST_BUNDLE_DIR},
                         false);
    ASSERT_EQ(result.exitCode, 0) << result.err;
    WavAudio input = readWav(tone), output = readWav(path("p.wav"));
    ASSERT_EQ(input.samples.size(), output.samples.size());
    for (size_t i = 0; i < input.samples.size(); i++) {
        const float gain = i < 24000 * 2 ? 1.0f : 4.0f;  // sample accurate at 0.5 s
        ASSERT_EQ(output.samples[i], input.samples[i] * gain) << i;
    }
    HostRun metadataOnly = run({"render", plugin, "--input", tone, "--output", path("q.wav"), "--param", "0=0.5",
                                "--plugin-path", AAP_VALIDATE_TEST_BUNDLE_DIR},
                               false);
    EXPECT_EQ(metadataOnly.exitCode, 2);
    EXPECT_NE(metadataOnly.err.find("has no parameter with id 0 (parameters from the running plugin's parameters "
                                    "extension)"),
              std::string::npos)
        << metadataOnly.err;
    HostRun outside = run({"render", plugin, "--input", tone, "--output", path("q.wav"), "--param", "5=4.5",
                           "--plugin-path", AAP_VALIDATE_TEST_BUNDLE_DIR},
                          false);
    EXPECT_EQ(outside.exitCode, 2);
    EXPECT_NE(outside.err.find("is outside"), std::string::npos) << outside.err;
    EXPECT_FALSE(std::ifstream(path("q.wav")).good()) << "no output for a refused --param";
}

TEST_F(AapHostCli, RenderLengthOverridesAndTheCPluginRuns) {
    const std::string tone = writeTone("tone.wav", WavSampleFormat::Float32);
    HostRun result = run({"render", kTremolo, "--input", tone, "--output", path("t.wav"), "--length", "1.5", "--block", "100"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    WavAudio audio = readWav(path("t.wav"));
    EXPECT_EQ(audio.frames(), 72000u);
    EXPECT_EQ(audio.format, WavSampleFormat::Float32);
    EXPECT_GT(peak(audio), 0.1);
}

TEST_F(AapHostCli, RenderWithAParameterChangeDiffersFromWithout) {
    const std::string tone = writeTone("tone.wav", WavSampleFormat::Float32);
    ASSERT_EQ(run({"render", kTremolo, "--input", tone, "--output", path("a.wav")}).exitCode, 0);
    HostRun changed = run({"render", kTremolo, "--input", tone, "--output", path("b.wav"), "--param", "1=1@0.5"});
    ASSERT_EQ(changed.exitCode, 0) << changed.err;
    WavAudio a = readWav(path("a.wav")), b = readWav(path("b.wav"));
    ASSERT_EQ(a.samples.size(), b.samples.size());
    // Identical before 0.5 s (sample accurate), different after.
    for (size_t i = 0; i < 24000 * 2; i++)
        ASSERT_EQ(a.samples[i], b.samples[i]) << i;
    EXPECT_NE(a.samples, b.samples);
}

TEST_F(AapHostCli, RenderWithAPresetChangeDiffersFromWithout) {
    const std::string song = writeSong("song.mid");
    ASSERT_EQ(run({"render", kSynth, "--midi", song, "--output", path("a.wav")}).exitCode, 0);
    HostRun changed = run({"render", kSynth, "--midi", song, "--output", path("b.wav"), "--preset", "0@1"});
    ASSERT_EQ(changed.exitCode, 0) << changed.err;
    WavAudio a = readWav(path("a.wav")), b = readWav(path("b.wav"));
    ASSERT_EQ(a.samples.size(), b.samples.size());
    for (size_t i = 0; i < 48000 * 2; i++)  // the change applies exactly at 1 s
        ASSERT_EQ(a.samples[i], b.samples[i]) << i;
    EXPECT_NE(a.samples, b.samples);
}

TEST_F(AapHostCli, StateSavedByOneRenderRestoresTheSoundInAnother) {
    const std::string song = writeSong("song.mid");
    HostRun saved = run({"render", kSynth, "--midi", song, "--output", path("a.wav"), "--preset", "2", "--state-out",
                     path("synth.state")});
    ASSERT_EQ(saved.exitCode, 0) << saved.err;
    ASSERT_TRUE(exists(path("synth.state")));
    HostRun restored = run({"render", kSynth, "--midi", song, "--output", path("b.wav"), "--state-in", path("synth.state")});
    ASSERT_EQ(restored.exitCode, 0) << restored.err;
    EXPECT_EQ(readWav(path("a.wav")).samples, readWav(path("b.wav")).samples);
    HostRun plain = run({"render", kSynth, "--midi", song, "--output", path("c.wav")});
    ASSERT_EQ(plain.exitCode, 0);
    EXPECT_NE(readWav(path("a.wav")).samples, readWav(path("c.wav")).samples);
}

TEST_F(AapHostCli, CorruptWavIsExitCode4WithoutOutput) {
    writeBytes("bad.wav", {'R', 'I', 'F', 'F', 100, 0, 0, 0, 'W', 'A', 'V', 'E'});
    HostRun result = run({"render", kEffect, "--input", path("bad.wav"), "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 4);
    EXPECT_NE(result.err.find("bad.wav: truncated WAV file"), std::string::npos) << result.err;
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, UnsupportedWavIsExitCode4) {
    std::string tone = writeTone("tone.wav");
    std::string bytes = slurp(tone);
    bytes[34] = 8;  // 8-bit PCM
    bytes[32] = 2;
    writeBytes("eight.wav", std::vector<uint8_t>(bytes.begin(), bytes.end()));
    HostRun result = run({"render", kEffect, "--input", path("eight.wav"), "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 4);
    EXPECT_NE(result.err.find("unsupported sample size: 8-bit PCM"), std::string::npos) << result.err;
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, MissingInputFileIsExitCode4) {
    HostRun result = run({"render", kEffect, "--input", path("nothing.wav"), "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 4);
    EXPECT_NE(result.err.find("No such file or directory"), std::string::npos) << result.err;
}

TEST_F(AapHostCli, MissingMidiOrStateFileIsExitCode4WithoutOutput) {
    HostRun midi = run({"render", kSynth, "--midi", path("nothing.mid"), "--output", path("out.wav")});
    EXPECT_EQ(midi.exitCode, 4);
    EXPECT_NE(midi.err.find("nothing.mid: cannot read"), std::string::npos) << midi.err;
    HostRun state = run({"render", kSynth, "--length", "0.1", "--state-in", path("nothing.state"), "--output", path("out.wav")});
    EXPECT_EQ(state.exitCode, 4);
    EXPECT_NE(state.err.find("cannot read " + path("nothing.state")), std::string::npos) << state.err;
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, UnwritableStateOutputIsExitCode5BeforeRendering) {
    HostRun result = run({"render", kSynth, "--length", "0.1", "--output", path("out.wav"), "--state-out",
                          path("missing/dir/x.state")});
    EXPECT_EQ(result.exitCode, 5);
    EXPECT_NE(result.err.find("cannot write"), std::string::npos) << result.err;
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, CorruptMidiFileIsExitCode4WithoutOutput) {
    writeBytes("bad.mid", {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 1, 0xE0, 'M', 'T', 'r', 'k', 0, 0, 0, 3, 0x00,
                           60, 100});
    HostRun result = run({"render", kSynth, "--midi", path("bad.mid"), "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 4);
    EXPECT_NE(result.err.find("running status without a previous status byte"), std::string::npos) << result.err;
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, BadOptionValuesAreExitCode2) {
    const std::string tone = writeTone("tone.wav");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--rate", "fast"}, "bad --rate 'fast'"},
        {{"--block", "5"}, "bad --block '5'"},
        {{"--length", "-1"}, "bad --length '-1'"},
        {{"--length", "0x10"}, "bad --length '0x10'"},
        {{"--block", "0x100"}, "bad --block '0x100'"},
        {{"--block", "0400"}, "bad --block '0400'"},
        {{"--param", "0x1=0.5"}, "bad --param '0x1=0.5'"},
        {{"--param", "1=0x1p-1"}, "bad --param '1=0x1p-1'"},
        {{"--preset", "0x1"}, "bad --preset '0x1'"},
        {{"--format", "mp3"}, "bad --format 'mp3'"},
        {{"--param", "99=1"}, "has no parameter with id 99"},
        {{"--param", "3=7"}, "is outside"},
        {{"--param", "x"}, "expected ID=VALUE"},
        {{"--preset", "1@later"}, "seconds"},
        {{"--preset", "7"}, "has 3 presets"},
        {{"--rate", "44100"}, "does not resample"},
    };
    for (const auto& [extra, message] : cases) {
        std::vector<std::string> arguments = {"render", kEffect, "--input", tone, "--output", path("out.wav")};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        HostRun result = run(arguments);
        EXPECT_EQ(result.exitCode, 2) << extra[0] << " " << extra[1] << ": " << result.err;
        EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    }
    EXPECT_EQ(run({"render", kEffect, "--output", path("out.wav")}).exitCode, 2);  // no length
    EXPECT_EQ(run({"render", kEffect, "--input", tone}).exitCode, 2);             // no --output
    EXPECT_EQ(run({"bench", kEffect, "--cycles", "many"}).exitCode, 2);
    expectNoOutput("out.wav");
}

TEST_F(AapHostCli, UnwritableOutputIsExitCode5) {
    const std::string tone = writeTone("tone.wav");
    HostRun missingDirectory = run({"render", kEffect, "--input", tone, "--output", path("no/such/dir/out.wav")});
    EXPECT_EQ(missingDirectory.exitCode, 5);
    EXPECT_NE(missingDirectory.err.find("cannot write"), std::string::npos) << missingDirectory.err;
    HostRun directory = run({"render", kEffect, "--input", tone, "--output", dir_});
    EXPECT_EQ(directory.exitCode, 5);
    EXPECT_NE(directory.err.find("it is a directory"), std::string::npos);
    expectNoOutput("no/such/dir/out.wav");
}

// A read-only directory as --output's directory: exit code 5 with a clear message, nothing written.
// As root (which writes anywhere), aap-host runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
// (dropped from its capability bounding set before exec), so the directory's mode applies to it.
TEST_F(AapHostCli, AReadOnlyDirectoryIsExitCode5) {
    const std::string tone = writeTone("tone.wav");
    ASSERT_EQ(::mkdir(path("readonly").c_str(), 0555), 0);
    for (const char* target : {"readonly/out.wav", "readonly/state.bin"}) {
        const bool state = std::string(target).find("state") != std::string::npos;
        std::vector<std::string> arguments = {"render", kEffect, "--input", tone, "--output",
                                              state ? path("out.wav") : path(target)};
        if (state)
            arguments.insert(arguments.end(), {"--state-out", path(target)});
        HostRun result = runWithoutDacOverride(arguments);
        if (result.exitCode == kCannotDropCapabilities)
            GTEST_SKIP() << "running as root without CAP_SETPCAP: cannot drop CAP_DAC_OVERRIDE for aap-host";
        EXPECT_EQ(result.exitCode, 5) << target << ": " << result.err;
        EXPECT_NE(result.err.find("is not writable"), std::string::npos) << result.err;
        EXPECT_NE(result.err.find(path("readonly")), std::string::npos) << result.err;
    }
    EXPECT_EQ(others({"readonly", "tone.wav"}), "");
    EXPECT_EQ(othersIn("readonly"), "");
}

// /dev/null as --output is written to (a character device is a stream), never replaced: the same
// inode, device number and mode before and after, as root too.
TEST_F(AapHostCli, DevNullAsOutputIsWrittenNotReplaced) {
    struct stat before {}, after {};
    ASSERT_EQ(::lstat("/dev/null", &before), 0);
    ASSERT_TRUE(S_ISCHR(before.st_mode));
    const std::string tone = writeTone("tone.wav");
    HostRun result = run({"render", kEffect, "--input", tone, "--output", "/dev/null", "--state-out", "/dev/null"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    ASSERT_EQ(::lstat("/dev/null", &after), 0);
    EXPECT_TRUE(S_ISCHR(after.st_mode));
    EXPECT_EQ(before.st_ino, after.st_ino);
    EXPECT_EQ(before.st_rdev, after.st_rdev);
    EXPECT_EQ(before.st_mode, after.st_mode);
    EXPECT_EQ(before.st_uid, after.st_uid);
}

// A FIFO as --output gets the whole WAV streamed into it and stays a FIFO.
TEST_F(AapHostCli, AFifoAsOutputReceivesTheWavAsAStream) {
    const std::string tone = writeTone("tone.wav");
    ASSERT_EQ(::mkfifo(path("pipe.wav").c_str(), 0600), 0);
    // The reading end first (non-blocking), so aap-host's open finds a reader.
    int reader = ::open(path("pipe.wav").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    pid_t pid = spawn({"render", kEffect, "--input", tone, "--output", path("pipe.wav"), "--format", "pcm16"});
    ASSERT_GT(pid, 0);
    std::string received;
    int status = 0;
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        char buffer[65536];
        ssize_t n = ::read(reader, buffer, sizeof(buffer));
        if (n > 0) {
            received.append(buffer, static_cast<size_t>(n));
            continue;
        }
        if (exited)
            break;  // drained after the writer exited
        exited = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!exited && std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL() << "aap-host did not finish writing the FIFO";
        }
        if (!exited)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::close(reader);
    ASSERT_TRUE(WIFEXITED(status)) << slurp(path(".stderr"));
    EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(path(".stderr"));
    WavAudio audio;
    std::string error;
    ASSERT_TRUE(decodeWav(reinterpret_cast<const uint8_t*>(received.data()), received.size(), &audio, &error)) << error;
    EXPECT_EQ(audio.frames(), 48000u);
    EXPECT_EQ(audio.channels, 2);
    struct stat info {};
    ASSERT_EQ(::lstat(path("pipe.wav").c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
    EXPECT_EQ(others({"pipe.wav", "tone.wav"}), "");
}

// A socket as --output is neither written nor replaced: exit code 5 before anything runs.
TEST_F(AapHostCli, ASocketAsOutputIsExitCode5AndStays) {
    const std::string tone = writeTone("tone.wav");
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path("out.wav").c_str());
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    HostRun result = run({"render", kEffect, "--input", tone, "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 5) << result.err;
    EXPECT_NE(result.err.find("it is a socket"), std::string::npos) << result.err;
    struct stat info {};
    ASSERT_EQ(::lstat(path("out.wav").c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    ::close(listener);
    EXPECT_EQ(others({"out.wav", "tone.wav"}), "");
}

// A 100-byte MIDI file whose events lie hours apart: its length is capped as --length is (exit code
// 4 with a message, not std::bad_alloc), and with --length it renders that much and no more.
TEST_F(AapHostCli, AMidiFileLongerThanTheRenderLimitIsExitCode4) {
    MidiTrack track;
    track.tempoMicrosecondsPerQuarter = 500000;
    track.events = {{0, 0x90, 60, 100}, {0x0FFFFFF0, 0x80, 60, 0}};  // about 77 hours later
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(encodeMidiFile(0, 480, {track}, &bytes, &error)) << error;
    EXPECT_LT(bytes.size(), 100u);
    writeBytes("long.mid", bytes);
    HostRun result = run({"render", kSynth, "--midi", path("long.mid"), "--output", path("out.wav")});
    EXPECT_EQ(result.exitCode, 4) << result.err;
    EXPECT_NE(result.err.find("longer than the 3600 s a render may last"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--length"), std::string::npos) << result.err;
    expectNoOutput("out.wav");
    // The same file within --length is fine.
    HostRun bounded = run({"render", kSynth, "--midi", path("long.mid"), "--output", path("out.wav"), "--length", "0.5"});
    ASSERT_EQ(bounded.exitCode, 0) << bounded.err;
    EXPECT_EQ(readWav(path("out.wav")).frames(), 24000u);
}

// Rendering streams to the file: the peak memory of a 600 s render is that of a 60 s one (the
// whole output held in memory, as floats and as encoded bytes, would be 69 MB more). A low rate
// and large blocks keep it quick under the sanitizers (about 35 s under TSan on a loaded machine
// for 900 s, hence 600).
TEST_F(AapHostCli, ALongRenderRunsInBoundedMemory) {
    auto peakKilobytes = [&](const char* seconds) -> long {
        pid_t pid = spawn({"render", kEffect, "--length", seconds, "--rate", "8000", "--block", "8192", "--output",
                           path("out.wav")});
        if (pid <= 0)
            return -1;
        int status = 0;
        struct rusage usage {};
        if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return -1;
        return usage.ru_maxrss;
    };
    const long shortRun = peakKilobytes("60");
    ASSERT_GT(shortRun, 0) << slurp(path(".stderr"));
    const long longRun = peakKilobytes("600");
    ASSERT_GT(longRun, 0) << slurp(path(".stderr"));
    EXPECT_EQ(readWav(path("out.wav")).frames(), 600u * 8000u);
    EXPECT_LT(longRun, shortRun + 32 * 1024) << "60 s: " << shortRun << " KiB, 600 s: " << longRun << " KiB";
}

#ifdef AAP_VALIDATE_TEST_BUNDLE_DIR
// A plugin that never returns from deactivate(): render reports it (exit code 1, the message names
// deactivate) once the control call's deadline passes, and keeps no output.
TEST_F(AapHostCli, APluginHangingInDeactivateIsExitCode1WithoutOutput) {
    const std::string tone = writeTone("tone.wav");
    const auto started = std::chrono::steady_clock::now();
    HostRun result = run({"render", "urn:aap-validate-test:hang-in-deactivate", "--input", tone, "--output",
                          path("out.wav"), "--plugin-path", AAP_VALIDATE_TEST_BUNDLE_DIR});
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find("deactivate failed"), std::string::npos) << result.err;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(50));
    expectNoOutput("out.wav");
}
#endif

#ifdef AAP_HOSTING_TEST_BUNDLE_DIR
// The fault plugins of tests/hosting: a plugin process that dies or cannot load is a runtime
// failure (exit code 1) with a message, never a hang, a crash of aap-host or a partial file.
TEST_F(AapHostCli, APluginThatCrashesInProcessIsExitCode1WithoutOutput) {
    const std::string tone = writeTone("tone.wav");
    HostRun result = run({"render", "urn:aap-test:crash-in-process", "--input", tone, "--output", path("out.wav"),
                          "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find("process() failed at frame "), std::string::npos) << result.err;
    expectNoOutput("out.wav");
}

// Xruns: a late cycle is counted and the run goes on; only a lost instance fails.
TEST_F(AapHostCli, BenchCountsXrunsAndKeepsRunningPastLateCycles) {
    // The plugin sleeps 400 ms in every 50th cycle: past the 300 ms deadline, within the bound.
    HostRun result = run({"bench", "urn:aap-test:late-every-50", "--cycles", "100", "--deadline-us", "300000",
                          "--out-of-process-only", "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const size_t line = result.out.find("xruns: ");
    ASSERT_NE(line, std::string::npos) << result.out;
    EXPECT_GE(std::atoi(result.out.c_str() + line + 7), 1) << result.out;
}

TEST_F(AapHostCli, BenchFailsShortlyWhenTheInstanceIsReallyLost) {
    HostRun result = run({"bench", "urn:aap-test:hang-in-process", "--cycles", "100000", "--deadline-us", "1000",
                          "--out-of-process-only", "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find("the instance was lost in cycle "), std::string::npos) << result.err;
    EXPECT_EQ(run({"bench", kEffect, "--deadline-us", "50"}).exitCode, 2);
}

// render A B (a PluginGraph): the chain's output is the second plugin applied to the first's output. Two gains
// of 0.5 (the tests' gain-echo plugin) give exactly the input times 0.25, three give 0.125.
TEST_F(AapHostCli, RenderOfAChainOfGainsIsTheProductOfTheGains) {
    const std::string tone = writeTone("tone.wav");
    const WavAudio input = readWav(tone);
    for (int length : {1, 2, 3}) {
        std::vector<std::string> arguments = {"render"};
        for (int i = 0; i < length; i++)
            arguments.push_back("urn:aap-test:gain-echo");
        const std::string output = path("chain" + std::to_string(length) + ".wav");
        arguments.insert(arguments.end(), {"--input", tone, "--output", output, "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
        HostRun result = run(arguments);
        ASSERT_EQ(result.exitCode, 0) << result.err;
        const WavAudio rendered = readWav(output);
        ASSERT_EQ(rendered.samples.size(), input.samples.size());
        const float gain = length == 1 ? 0.5f : length == 2 ? 0.25f : 0.125f;
        size_t mismatches = 0;
        for (size_t i = 0; i < input.samples.size(); i++)
            mismatches += rendered.samples[i] != input.samples[i] * gain;
        EXPECT_EQ(mismatches, 0u) << length << " gains";
        EXPECT_GT(peak(rendered), 0.1 * gain) << length << " gains";
    }
}

// A chain with MIDI and per-plugin options: the synth (plugin 1, which gets the MIDI file) into
// the delay (plugin 2, whose delay time --param 2:1=120 sets, and whose state --state-out 2:FILE
// saves) equals rendering the synth, then the delay over that file with the same options.
TEST_F(AapHostCli, RenderOfAChainEqualsRenderingOnePluginAfterTheOther) {
    const std::string song = writeSong("song.mid");
    HostRun chain = run({"render", kSynth, kEffect, "--midi", song, "--output", path("chain.wav"), "--param", "2:1=120",
                         "--param", "1:0=0.8", "--state-out", "2:" + path("chain-delay.state")});
    ASSERT_EQ(chain.exitCode, 0) << chain.err;
    HostRun synth = run({"render", kSynth, "--midi", song, "--output", path("synth.wav"), "--param", "0=0.8"});
    ASSERT_EQ(synth.exitCode, 0) << synth.err;
    HostRun delay = run({"render", kEffect, "--input", path("synth.wav"), "--output", path("delay.wav"), "--param",
                         "1=120", "--state-out", path("delay.state")});
    ASSERT_EQ(delay.exitCode, 0) << delay.err;
    const WavAudio together = readWav(path("chain.wav"));
    const WavAudio apart = readWav(path("delay.wav"));
    ASSERT_EQ(together.samples.size(), apart.samples.size());
    EXPECT_GT(peak(together), 0.01);
    size_t mismatches = 0;
    for (size_t i = 0; i < together.samples.size(); i++)
        mismatches += std::fabs(together.samples[i] - apart.samples[i]) > 1e-6f;
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(slurp(path("chain-delay.state")), slurp(path("delay.state")));
    // The chain's delay is not the default one: the per-plugin --param reached plugin 2.
    HostRun plain = run({"render", kEffect, "--input", path("synth.wav"), "--output", path("plain.wav")});
    ASSERT_EQ(plain.exitCode, 0) << plain.err;
    EXPECT_NE(readWav(path("plain.wav")).samples, together.samples);
}

// A chain with a --preset change runs by sequential process() calls (a preset request completes
// in zero-frame cycles, which a graph cycle has not) and is sample accurate all the same.
TEST_F(AapHostCli, RenderOfAChainWithAPresetChangeEqualsRenderingApart) {
    const std::string song = writeSong("song.mid");
    HostRun chain = run({"render", kSynth, kEffect, "--midi", song, "--output", path("chain.wav"), "--preset", "1:1@0.5"});
    ASSERT_EQ(chain.exitCode, 0) << chain.err;
    HostRun synth = run({"render", kSynth, "--midi", song, "--output", path("synth.wav"), "--preset", "1@0.5"});
    ASSERT_EQ(synth.exitCode, 0) << synth.err;
    HostRun delay = run({"render", kEffect, "--input", path("synth.wav"), "--output", path("delay.wav")});
    ASSERT_EQ(delay.exitCode, 0) << delay.err;
    const WavAudio together = readWav(path("chain.wav"));
    const WavAudio apart = readWav(path("delay.wav"));
    ASSERT_EQ(together.samples.size(), apart.samples.size());
    size_t mismatches = 0;
    for (size_t i = 0; i < together.samples.size(); i++)
        mismatches += std::fabs(together.samples[i] - apart.samples[i]) > 1e-6f;
    EXPECT_EQ(mismatches, 0u);
}

TEST_F(AapHostCli, RenderChainArgumentErrorsAreClear) {
    const std::string tone = writeTone("tone.wav");
    struct Case {
        std::vector<std::string> arguments;
        int exitCode;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"render", kEffect, kEffect, "--input", tone, "--output", path("out.wav"), "--param", "3:1=100"}, 2,
         "bad --param '3:1=100': plugin number 3 is not 1..2"},
        {{"render", kEffect, kEffect, "--input", tone, "--output", path("out.wav"), "--preset", "0:1"}, 2,
         "bad --preset '0:1': plugin number 0 is not 1..2"},
        {{"render", kEffect, kEffect, "--input", tone, "--output", path("out.wav"), "--state-out", "2:" + path("a"),
          "--state-out", "2:" + path("b")},
         2, "--state-out is given twice for plugin 2"},
        {{"render", kEffect, kEffect, "--input", tone, "--output", path("out.wav"), "--param", "2:99=1"}, 2,
         "has no parameter with id 99"},
        {{"render", kEffect, "no-such-plugin", "--input", tone, "--output", path("out.wav")}, 3, "no-such-plugin"},
        {{"render", "--input", tone, "--output", path("out.wav")}, 2, "expected at least one plugin"},
    };
    for (const Case& c : cases) {
        HostRun result = run(c.arguments);
        EXPECT_EQ(result.exitCode, c.exitCode) << result.err;
        EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
        expectNoOutput("out.wav");
    }
}

// bench --chain N: the chain runs as a plugin graph and as sequential process() calls, and the
// graph's own wake count is printed as `wakes per cycle: X`.
TEST_F(AapHostCli, BenchChainRunsTheGraphAndTheSequentialChain) {
    HostRun result = run({"bench", "--chain", "3", "urn:aap-test:gain-echo", "--cycles", "100", "--plugin-path",
                          AAP_HOSTING_TEST_BUNDLE_DIR});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("a chain of 3 instances (out of process)"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\nwakes per cycle: "), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("(counted by the graph; 3 of the 3 nodes out of process)"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("graph: median "), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("sequential: median "), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("| sequential | "), std::string::npos) << result.out;
    HostRun only = run({"bench", "--chain", "2", "--graph-only", "urn:aap-test:gain-echo", "--cycles", "50",
                        "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
    ASSERT_EQ(only.exitCode, 0) << only.err;
    EXPECT_EQ(only.out.find("sequential: median "), std::string::npos) << only.out;
}

// bench --chain N: N out-of-process instances as a plugin graph cost N + 1 futex wake-ups per
// cycle (the host wakes the first, each wakes the next, the last wakes the host), as the graph
// itself counts them; the sequential comparison runs too.
TEST_F(AapHostCli, BenchChainPrintsTheGraphsWakesPerCycle) {
    for (int length : {1, 3}) {
        HostRun result = run({"bench", "--chain", std::to_string(length), "urn:aap-test:gain-echo", "--cycles", "100",
                              "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
        ASSERT_EQ(result.exitCode, 0) << result.err;
        EXPECT_NE(result.out.find("\nwakes per cycle: " + std::to_string(length + 1) + "\n"), std::string::npos)
            << result.out;
        EXPECT_NE(result.out.find("graph: median "), std::string::npos) << result.out;
        EXPECT_NE(result.out.find("sequential: median "), std::string::npos) << result.out;
        EXPECT_NE(result.out.find("| graph | "), std::string::npos) << result.out;
    }
}

TEST_F(AapHostCli, BenchChainArgumentErrorsAreClear) {
    struct Case {
        std::vector<std::string> arguments;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"bench", "--chain", "0", kEffect}, "bad --chain '0' (an integer 1..64)"},
        {{"bench", "--chain", "65", kEffect}, "bad --chain '65' (an integer 1..64)"},
        {{"bench", "--chain", "two", kEffect}, "bad --chain 'two' (an integer 1..64)"},
        {{"bench", "--chain"}, "--chain"},
        {{"bench", "--graph-only", kEffect}, "--graph-only needs --chain N"},
        {{"bench", "--chain", "2", "--out-of-process-only", kEffect}, "--out-of-process-only does not apply to --chain"},
        {{"bench", "--chain", "2"}, "expected exactly one plugin"},
        {{"bench", "--chain", "2", kEffect, kEffect}, "expected exactly one plugin"},
    };
    for (const Case& c : cases) {
        HostRun result = run(c.arguments);
        EXPECT_EQ(result.exitCode, 2) << c.arguments[1] << ": " << result.err;
        EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    }
    EXPECT_EQ(run({"bench", "--chain", "2", "no-such-plugin"}).exitCode, 3);
}

TEST_F(AapHostCli, APluginThatCannotLoadIsExitCode1) {
    HostRun result = run({"info", "urn:aap-test:missing-entrypoint", "--plugin-path", AAP_HOSTING_TEST_BUNDLE_DIR});
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find("cannot instantiate urn:aap-test:missing-entrypoint"), std::string::npos) << result.err;
}
#endif

TEST_F(AapHostCli, InProcessRenderMatchesOutOfProcessRender) {
    const std::string song = writeSong("song.mid");
    ASSERT_EQ(run({"render", kSynth, "--midi", song, "--output", path("a.wav"), "--preset", "1@0.5"}).exitCode, 0);
    HostRun local = run({"render", kSynth, "--midi", song, "--output", path("b.wav"), "--preset", "1@0.5", "--in-process"});
    ASSERT_EQ(local.exitCode, 0) << local.err;
    EXPECT_EQ(readWav(path("a.wav")).samples, readWav(path("b.wav")).samples);
}

TEST_F(AapHostCli, BenchReportsOutOfProcessBesideInProcess) {
    HostRun result = run({"bench", kEffect, "--cycles", "200"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("out of process: median"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("in process: median"), std::string::npos);
    EXPECT_NE(result.out.find("| out of process |"), std::string::npos);
    EXPECT_NE(result.out.find(" us |#"), std::string::npos);
    EXPECT_NE(result.out.find("xruns: 0"), std::string::npos) << result.out;
}

// info and bench say what the service's audio thread got: granted (SCHED_FIFO at the priority)
// or refused with the reason, and how locking the shared memory went.
TEST_F(AapHostCli, InfoAndBenchReportRealtimeScheduling) {
    const std::regex line{"realtime: (granted \\(SCHED_FIFO 70\\)|refused \\(.+\\))\n"};
    HostRun info = run({"info", kEffect});
    ASSERT_EQ(info.exitCode, 0) << info.err;
    EXPECT_TRUE(std::regex_search(info.out, line)) << info.out;
    EXPECT_NE(info.out.find("memory: host "), std::string::npos) << info.out;
    HostRun bench = run({"bench", kEffect, "--cycles", "20", "--out-of-process-only", "--realtime-priority", "33"});
    ASSERT_EQ(bench.exitCode, 0) << bench.err;
    EXPECT_TRUE(std::regex_search(bench.out, std::regex{"realtime: (granted \\(SCHED_FIFO 33\\)|refused \\(.+\\))\n"}))
        << bench.out;
    HostRun none = run({"bench", kEffect, "--cycles", "20", "--out-of-process-only", "--realtime-priority", "0"});
    ASSERT_EQ(none.exitCode, 0) << none.err;
    EXPECT_NE(none.out.find("realtime: not requested\n"), std::string::npos) << none.out;
    HostRun bad = run({"bench", kEffect, "--realtime-priority", "100"});
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("bad --realtime-priority '100' (an integer 0..99)"), std::string::npos) << bad.err;
}

} // namespace
} // namespace aap::host_tool
