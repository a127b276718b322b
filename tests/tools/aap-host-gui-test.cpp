// `aap-host gui` end to end (docs/gui.md, "Web UIs and aap-host gui"): the server in aap-host,
// Debian's chromium driven headless against it, and civetweb's HTTP client for the requests a
// browser would never send (un-normalized paths, forged Host headers).
//
// Each test starts aap-host gui on the null backend with --trace, and chromium processes in their
// own process groups with fresh profiles; everything is stopped by pid (chromium by its process
// group) and the teardown checks that no process is left (we are the subreaper of orphans).
//
// The test page (a copy of the poly-synth bundle with a web UI of our own) runs one scenario,
// chosen by the URL fragment, and reports what it saw through AAPInterop.log, which aap-host
// prints on stderr ("gui: client N: log: test: ...").

#include <gtest/gtest.h>

#include <civetweb.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "play-test-support.h"
#include "smf-file.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using aap::play_test::Child;
using aap::play_test::slurp;
using aap::play_test::waitForText;

const char* const kChromium = "/usr/bin/chromium";

// The test page. Scenarios (URL fragment): members, set, listen, note, bad-clients.
const char* const kTestPage = R"html(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gui test</title><link rel="stylesheet" href="style.css"></head>
<body><p id="state">starting</p>
<script src="aap-interop.js"></script>
<script>
'use strict';
const A = AAPInterop;
const scenario = location.hash.slice(1);
const report = (text) => A.log('test: ' + text);
// Values cross as 32-bit parameter-change transport values: 7 significant digits are exact.
const round = (value) => Number(value.toPrecision(7));
const members = ['log', 'onInitialize', 'onCleanup', 'sendMidi1', 'setParameter', 'write', 'getPortCount', 'getPort',
  'getParameterCount', 'getParameter', 'getParameterValue', 'addParameterListener', 'getPresetCount', 'getPreset',
  'selectPreset', 'addPresetListener', 'getPortLevel', 'addLevelListener', 'addMidiOutputListener'];
function rawSocket(onopen) {
  const ws = new WebSocket('ws://' + location.host + location.pathname.replace(/[^/]*$/, '') + 'ws');
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => onopen(ws);
  return ws;
}
let started = false;
A.addConnectionListener((up) => {
  if (!up || started) return;
  started = true;
  document.getElementById('state').textContent = 'connected';
  if (scenario === 'members') {
    const missing = members.filter((m) => typeof A[m] !== 'function');
    const port = A.getPort(0), parameter = A.getParameter(0);
    const portMembers = ['getIndex', 'getName', 'getContent', 'getDirection'].filter((m) => typeof port[m] !== 'function');
    const parameterMembers = ['getId', 'getName', 'getMinValue', 'getMaxValue', 'getDefaultValue']
      .filter((m) => typeof parameter[m] !== 'function');
    report('missing [' + missing.concat(portMembers, parameterMembers).join(',') + ']');
    report('ports ' + A.getPortCount() + ' first ' + port.getIndex() + ' ' + port.getName() + ' ' + port.getContent() +
           ' ' + port.getDirection());
    report('parameters ' + A.getParameterCount() + ' first ' + parameter.getId() + ' ' + parameter.getName() + ' ' +
           parameter.getMinValue() + '..' + parameter.getMaxValue() + ' default ' + parameter.getDefaultValue());
    report('presets ' + A.getPresetCount() + ' first ' + A.getPreset(0).getName());
    let refused = 'no';
    try { A.write(0, new Uint8Array(4), 0, 4); } catch (e) { refused = 'yes'; }
    report('write to an audio port refused ' + refused);
  } else if (scenario === 'set') {
    A.setParameter(0, 0.25);
    report('set sent');
  } else if (scenario === 'listen') {
    A.addParameterListener((id, value) => report('listener ' + id + ' ' + round(value)));
    report('listening');
  } else if (scenario === 'note') {
    let before = 0;
    A.addLevelListener(() => { before = Math.max(before, A.getPortLevel(0), A.getPortLevel(1)); });
    setTimeout(() => {
      report('before ' + before);
      A.addLevelListener(() => {
        const level = Math.max(A.getPortLevel(0), A.getPortLevel(1));
        if (level > 0.001) report('level ' + level);
      });
      A.sendMidi1([0x90, 60, 120]);
      report('note sent');
    }, 700);
  } else if (scenario === 'reported') {
    // gui-echo: a note makes the plugin report its Last Note parameter and echo the note.
    A.addParameterListener((id, value, snapshot) => { if (id === 1 && !snapshot) report('reported ' + id + ' ' + round(value)); });
    A.addMidiOutputListener((words) => report('midi-out ' + Array.from(words).map((w) => w.toString(16)).join(' ')));
    A.sendMidi1([0x90, 72, 100]);
    report('note sent');
  } else if (scenario === 'preset' || scenario === 'preset-stdin') {
    // gui-echo: a preset from the page (or stdin) comes back as a resync snapshot of its values.
    A.addPresetListener((index) => report('preset listener ' + index));
    A.addParameterListener((id, value, snapshot) => { if (snapshot) report('snapshot ' + id + ' ' + round(value)); });
    if (scenario === 'preset') A.selectPreset(1);
    report('waiting for the preset');
  } else if (scenario === 'levels') {
    // gui-echo: its outputs are the constant Level; the page sees each port's peak.
    let last = -1;
    A.addLevelListener(() => {
      const level = Math.round(A.getPortLevel(0) * 1000) / 1000;
      if (level === last) return;
      last = level;
      report('level ' + level + ' right ' + Math.round(A.getPortLevel(1) * 1000) / 1000);
      if (level === 0.5) A.setParameter(0, 0.25);
    });
    report('listening to levels');
  } else if (scenario === 'midi-loop') {
    // gui-echo fed by --midi in a loop: every note of the file comes back, loop after loop.
    const seen = {};
    let done = false;
    A.addMidiOutputListener((words) => {
      for (let i = 0; i + 1 < words.length; i += 2) {
        if ((words[i] >>> 20) !== 0x409) continue;  // MIDI 2.0 note-on, channel 1
        const note = (words[i] >>> 8) & 0x7F;
        seen[note] = (seen[note] || 0) + 1;
      }
      if (!done && seen[60] >= 3 && seen[64] >= 3) {
        done = true;
        report('looped ' + Object.keys(seen).sort().join(','));
      }
    });
    report('listening to the loop');
  } else if (scenario === 'bad-clients') {
    // An oversized message, a malformed one, and events before the handshake: each such client is
    // dropped; this page's own client goes on.
    const closed = [];
    const done = () => {
      if (closed.length < 3) return;
      report('closed ' + closed.sort().join(','));
      A.setParameter(0, 0.75);
      report('after set sent');
    };
    rawSocket((ws) => { ws.onclose = (e) => { closed.push('oversized:' + e.code); done(); }; ws.send(new Uint8Array(100000)); });
    rawSocket((ws) => { ws.onclose = (e) => { closed.push('garbage:' + e.code); done(); };
                        ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24])); });
    rawSocket((ws) => { ws.onclose = (e) => { closed.push('text:' + e.code); done(); }; ws.send('preset 0'); });
  }
});
A.onInitialize();
</script></body></html>
)html";

class AapHostGui : public ::testing::Test {
protected:
    void SetUp() override {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        char pattern[] = "/tmp/aap-gui-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        static const unsigned features = mg_init_library(MG_FEATURES_WEBSOCKET);
        (void) features;
    }

    void TearDown() override {
        for (pid_t pid : browsers_)
            stopBrowser(pid);
        browsers_.clear();
        host_->kill(SIGKILL);
        std::vector<pid_t> left;
        for (int attempt = 0; attempt < 100; attempt++) {
            left = aap::play_test::livingChildren();
            if (left.empty())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        EXPECT_TRUE(left.empty()) << left.size() << " processes left behind, first pid " << left[0];
        for (pid_t pid : left)
            ::kill(pid, SIGKILL);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    static bool haveChromium() { return ::access(kChromium, X_OK) == 0; }

    // A bundle "gui-test.aap": the poly-synth's library and metadata with a
    // web UI holding the test page, assets, and symbolic links that lead out of the folder.
    void makeTestBundle() {
        const std::string source = std::string(AAP_EXAMPLES_PLUGIN_DIR) + "/poly-synth.aap";
        const std::string bundle = path("plugins/gui-test.aap");
        fs::create_directories(bundle + "/web-ui/sub");
        fs::copy_file(source + "/aap-example-poly-synth.so", bundle + "/aap-example-poly-synth.so");
        // The same unique-id (the synth's factory checks it); only this bundle is on the path.
        const std::string metadata = slurp(source + "/aap_metadata.xml");
        ASSERT_NE(metadata.find("gui:web-ui=\"web-ui\""), std::string::npos) << metadata;
        write(bundle + "/aap_metadata.xml", metadata);
        write(bundle + "/web-ui/index.html", kTestPage);
        write(bundle + "/web-ui/style.css", "body { font-family: sans-serif; }\n");
        write(bundle + "/web-ui/sub/asset.txt", "an asset\n");
        write(bundle + "/secret.txt", "outside the web UI folder\n");
        ASSERT_EQ(::symlink("../secret.txt", (bundle + "/web-ui/leak.txt").c_str()), 0);
        ASSERT_EQ(::symlink("/etc", (bundle + "/web-ui/etc").c_str()), 0);
        ASSERT_EQ(::symlink("..", (bundle + "/web-ui/up").c_str()), 0);
    }

    // A bundle "gui-echo.aap" beside it: the gui-echo test plugin (gui-echo-plugin/) with the
    // same test page.
    void makeEchoBundle() {
        const std::string source = AAP_GUI_ECHO_BUNDLE_DIR;
        const std::string bundle = path("plugins/gui-echo.aap");
        fs::create_directories(bundle + "/web-ui");
        fs::copy_file(source + "/aap-gui-echo-test-plugin.so", bundle + "/aap-gui-echo-test-plugin.so");
        fs::copy_file(source + "/aap_metadata.xml", bundle + "/aap_metadata.xml");
        write(bundle + "/web-ui/index.html", kTestPage);
        write(bundle + "/web-ui/style.css", "body { font-family: sans-serif; }\n");
    }

    static void write(const std::string& file, const std::string& text) {
        std::ofstream out(file, std::ios::binary);
        out << text;
    }

    // Starts aap-host gui and waits for its address.
    void startGui(const std::string& plugin, const std::string& pluginPath, std::vector<std::string> extra = {}) {
        std::vector<std::string> arguments = {AAP_HOST_EXECUTABLE, "gui", plugin, "--plugin-path", pluginPath, "--quiet",
                                              "--backend", "null", "--trace", "--duration", "120"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        ASSERT_TRUE(host_->spawn(arguments, {}, out(), err()));
        ASSERT_TRUE(waitForText(out(), "gui: http://127.0.0.1:", 30000)) << slurp(err());
        std::smatch match;
        const std::string text = slurp(out());
        ASSERT_TRUE(std::regex_search(text, match, std::regex("gui: (http://127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]{64}))\n")))
            << text;
        url_ = match[1];
        port_ = std::stoi(match[2]);
        token_ = match[3];
    }

    // chromium --headless on `url`, in its own process group, with a fresh profile. `action`:
    // extra switches (--screenshot=..., --dump-dom); empty: it stays on the page until stopped.
    pid_t startBrowser(const std::string& url, const std::vector<std::string>& action = {},
                       const std::string& stdoutPath = "/dev/null") {
        const std::string profile = path("profile-" + std::to_string(browsers_.size() + profiles_++));
        std::vector<std::string> words = {kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                          "--no-first-run", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                                          "--user-data-dir=" + profile, "--window-size=900,1000"};
        words.insert(words.end(), action.begin(), action.end());
        words.push_back(url);
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attributes, 0);
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, stdoutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&files, 2, path("chromium.err").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        pid_t pid = -1;
        const int result = posix_spawn(&pid, kChromium, &files, &attributes, argv.data(), environ);
        posix_spawn_file_actions_destroy(&files);
        posix_spawnattr_destroy(&attributes);
        EXPECT_EQ(result, 0) << std::strerror(result);
        if (result != 0)
            return -1;
        browsers_.push_back(pid);
        return pid;
    }
    // Waits for a one-shot chromium (--screenshot / --dump-dom) to finish: its exit code, or -1.
    int waitBrowser(pid_t pid, int timeoutMs) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                ::kill(-pid, SIGKILL);  // any helper of its group still around
                browsers_.erase(std::remove(browsers_.begin(), browsers_.end(), pid), browsers_.end());
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }
    static void stopBrowser(pid_t pid) {
        ::kill(-pid, SIGKILL);  // the browser and every helper process of its group
        ::waitpid(pid, nullptr, 0);
    }

    // One HTTP request through civetweb's client: the status code, or -1 when none came.
    int request(const std::string& rawPath, std::vector<std::string> headers = {}, bool defaultHost = true) {
        char error[256] = {};
        mg_connection* connection = mg_connect_client("127.0.0.1", port_, 0, error, sizeof(error));
        if (connection == nullptr) {
            ADD_FAILURE() << "cannot connect: " << error;
            return -1;
        }
        mg_printf(connection, "GET %s HTTP/1.1\r\n", rawPath.c_str());
        if (defaultHost)
            headers.push_back("Host: 127.0.0.1:" + std::to_string(port_));
        for (const std::string& header : headers)
            mg_printf(connection, "%s\r\n", header.c_str());
        mg_printf(connection, "Connection: close\r\n\r\n");
        int status = -1;
        if (mg_get_response(connection, error, sizeof(error), 10000) >= 0)
            status = mg_get_response_info(connection)->status_code;
        mg_close_connection(connection);
        return status;
    }
    static std::vector<std::string> upgradeHeaders() {
        return {"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="};
    }

    std::string page(const std::string& scenario) const { return url_ + "#" + scenario; }
    std::string out() const { return dir_ + "/gui.out"; }
    std::string err() const { return dir_ + "/gui.err"; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    bool waitErr(const std::string& text, int timeoutMs = 30000) { return waitForText(err(), text, timeoutMs); }
    size_t countInErr(const std::string& text) const {
        const std::string all = slurp(err());
        size_t count = 0;
        for (size_t at = all.find(text); at != std::string::npos; at = all.find(text, at + 1))
            count++;
        return count;
    }
    // Stops aap-host with `quit` and returns its summary.
    std::string quit() {
        EXPECT_TRUE(host_->write("quit\n"));
        EXPECT_EQ(host_->wait(30000), 0) << slurp(err());
        return slurp(out());
    }

    std::string dir_;
    std::unique_ptr<Child> host_ = std::make_unique<Child>();
    std::vector<pid_t> browsers_;
    int profiles_ = 0;
    std::string url_, token_;
    int port_ = 0;
};

#define REQUIRE_CHROMIUM()                                                                                   \
    do {                                                                                                     \
        if (!haveChromium())                                                                                 \
            GTEST_SKIP() << "chromium is not installed at " << kChromium << " (apt-get install chromium)"; \
    } while (0)

// The page loads, its WebSocket session is initialized, and AAPInterop has every member of AAP's
// web UI protocol (and the later ones), with the plugin's ports, parameters and presets.
TEST_F(AapHostGui, PageLoadsAndAapInteropHasEveryMember) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("members"));
    ASSERT_TRUE(waitErr("test: write to an audio port refused")) << slurp(err());
    const std::string log = slurp(err());
    EXPECT_NE(log.find("initialized"), std::string::npos) << log;
    EXPECT_NE(log.find("test: missing []"), std::string::npos) << log;
    EXPECT_NE(log.find("test: ports 4 first 0 Audio Out L 1 1"), std::string::npos) << log;
    EXPECT_NE(log.find("test: parameters 5 first 0 Volume 0..1 default 0.5"), std::string::npos) << log;
    EXPECT_NE(log.find("test: presets 3 first "), std::string::npos) << log;
    EXPECT_NE(log.find("refused yes"), std::string::npos) << log;
}

// AAPInterop.setParameter reaches the plugin's process() within 2 cycles of the server receiving
// it (--trace), and the plugin's own state then holds the value.
TEST_F(AapHostGui, SetParameterReachesThePluginWithinTwoCycles) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("set"));
    ASSERT_TRUE(waitErr("gui->dsp parameter 0 (Volume) = 0.25")) << slurp(err());
    std::smatch match;
    const std::string log = slurp(err());
    // --trace: the cycle the server received the Events message in, and the one the GuiPath
    // drained it into (its applied-event record), at frame 0 (the page sent no timestamp).
    ASSERT_TRUE(std::regex_search(log, match,
                                  std::regex("gui->dsp parameter 0 \\(Volume\\) = 0\\.25[0-9]* from client ([0-9]+): "
                                             "cycle ([0-9]+) frame ([0-9]+)\n")))
        << log;
    const std::string client = match[1];
    const long landed = std::stol(match[2]);
    EXPECT_EQ(match[3], "0");
    const std::string before = log.substr(0, static_cast<size_t>(match.position(0)));
    std::smatch receivedMatch;
    ASSERT_TRUE(std::regex_search(before, receivedMatch,
                                  std::regex("gui: client " + client + ": events received during cycle ([0-9]+)\n")))
        << log;
    const long received = std::stol(receivedMatch[1]);
    EXPECT_GE(landed, received);
    EXPECT_LE(landed - received, 2) << log;
    // The plugin's state: "AAPS", version, tag, count, then {u32 id, f64 value} entries.
    ASSERT_TRUE(host_->write("state save " + path("state.bin") + "\n"));
    ASSERT_TRUE(waitErr("state saved to")) << slurp(err());
    const std::string state = slurp(path("state.bin"));
    ASSERT_GE(state.size(), 28u);
    ASSERT_EQ(state.compare(0, 4, "AAPS"), 0);
    bool found = false;
    for (size_t at = 16; at + 12 <= state.size(); at += 12) {
        uint32_t id = 0;
        uint64_t bits = 0;
        std::memcpy(&id, state.data() + at, 4);
        std::memcpy(&bits, state.data() + at + 4, 8);
        double value = 0;
        std::memcpy(&value, &bits, 8);
        if (id == 0) {
            found = true;
            EXPECT_NEAR(value, 0.25, 1e-6) << "the plugin did not get the GUI's value";
        }
    }
    EXPECT_TRUE(found);
    const std::string summary = quit();
    EXPECT_NE(summary.find("faults: 0"), std::string::npos) << summary;
    // Quitting ends the page's session with Cleanup: the page acknowledged it, then it was closed.
    EXPECT_NE(slurp(err()).find("closed: cleanup acknowledged"), std::string::npos) << slurp(err());
}

// A parameter the host changes (`param` on stdin) reaches the JS listeners of two browsers at once.
TEST_F(AapHostGui, HostParameterChangeReachesTheListenersOfTwoBrowsers) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("listen"));
    startBrowser(page("listen"));
    for (int attempt = 0; attempt < 1500 && countInErr("test: listening") < 2; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(countInErr("test: listening"), 2u) << slurp(err());
    ASSERT_TRUE(host_->write("param 3 1234\n"));
    for (int attempt = 0; attempt < 1500 && countInErr("test: listener 3 1234") < 2; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string log = slurp(err());
    EXPECT_EQ(countInErr("test: listener 3 1234"), 2u) << log;
    // From two different clients.
    std::regex line("gui: client ([0-9]+): log: test: listener 3 1234");
    std::vector<std::string> clients;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it)
        clients.push_back((*it)[1]);
    ASSERT_EQ(clients.size(), 2u);
    EXPECT_NE(clients[0], clients[1]);
}

// sendMidi1 note-on makes the synth sound: the level meters the page gets go from silence to
// non-silent.
TEST_F(AapHostGui, SendMidi1NoteOnMakesTheSynthSound) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("note"));
    ASSERT_TRUE(waitErr("test: level ")) << slurp(err());
    const std::string log = slurp(err());
    EXPECT_NE(log.find("test: before 0\n"), std::string::npos) << "the synth was not silent before the note:\n" << log;
    EXPECT_NE(log.find("gui->dsp note-on channel 1 note 60"), std::string::npos) << log;
}

// DSP -> GUI through hosting's GuiPath and GuiSessions: a parameter the plugin changes itself and
// reports on its MIDI2 output reaches an AAPInterop parameter listener, and its MIDI output (the
// echoed note) reaches a MIDI output listener; --trace shows the note as applied to the DSP.
TEST_F(AapHostGui, WhatThePluginReportsAndItsMidiOutputReachThePage) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    makeEchoBundle();
    startGui("urn:aap-test:gui-echo", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("reported"));
    ASSERT_TRUE(waitErr("test: reported 1 72")) << slurp(err());
    // The echo: a MIDI 2.0 note-on, channel 1, note 72, velocity 100 scaled to 16 bits.
    ASSERT_TRUE(waitErr("test: midi-out 40904800 ")) << slurp(err());
    const std::string log = slurp(err());
    EXPECT_NE(log.find("gui->dsp note-on channel 1 note 72 velocity 0.7"), std::string::npos) << log;
    const std::string summary = quit();
    EXPECT_NE(summary.find("gui events applied: 1\n"), std::string::npos) << summary;
    EXPECT_NE(summary.find("faults: 0"), std::string::npos) << summary;
}

// A preset chosen on the page, and one typed on stdin, refresh every page's parameter values: the
// page hears of the preset, then gets a Resync and a full snapshot with the preset's values.
TEST_F(AapHostGui, PresetsFromThePageAndFromStdinResyncThePage) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    makeEchoBundle();
    startGui("urn:aap-test:gui-echo", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("preset"));
    ASSERT_TRUE(waitErr("test: snapshot 0 0.9\n")) << slurp(err());  // preset 1 "Loud": Level 0.9
    std::string log = slurp(err());
    EXPECT_NE(log.find("test: snapshot 0 0.5\n"), std::string::npos) << "no snapshot when the session started\n" << log;
    EXPECT_NE(log.find("test: preset listener 1"), std::string::npos) << log;
    EXPECT_NE(log.find("gui: resync after preset 1: a parameter snapshot to 1 client"), std::string::npos) << log;
    EXPECT_EQ(countInErr("test: snapshot 1 64"), 0u) << log;
    // stdin: preset 2 "Middle" {0.5, 64}.
    ASSERT_TRUE(host_->write("preset 2\n"));
    ASSERT_TRUE(waitErr("test: snapshot 1 64\n")) << slurp(err());
    EXPECT_TRUE(waitErr("test: preset listener 2")) << slurp(err());
    // Bad preset commands: their own messages, nothing selected.
    ASSERT_TRUE(host_->write("preset 3\npreset x\n"));
    EXPECT_TRUE(waitErr("usage: preset N (0..2)")) << slurp(err());
    EXPECT_EQ(countInErr("usage: preset N (0..2)"), 2u) << slurp(err());
    const std::string summary = quit();
    EXPECT_NE(summary.find("faults: 0"), std::string::npos) << summary;
}

// Port peak levels reach the page: the plugin's outputs are its Level, 0.5, then the 0.25 the page
// sets.
TEST_F(AapHostGui, PortLevelsReachThePage) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    makeEchoBundle();
    startGui("urn:aap-test:gui-echo", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("levels"));
    ASSERT_TRUE(waitErr("test: level 0.5 right 0.5\n")) << slurp(err());
    ASSERT_TRUE(waitErr("test: level 0.25 right 0.25\n")) << slurp(err());
    EXPECT_NE(slurp(err()).find("gui->dsp parameter 0 (Level) = 0.25"), std::string::npos) << slurp(err());
}

// --midi plays the file into the plugin in a loop (LoopInputProcessor): with gui-echo, every note
// of the file comes back on the page's MIDI output listener, loop after loop; none of it is a GUI
// event (no gui->dsp line).
TEST_F(AapHostGui, TheMidiFileLoopReachesThePluginLoopAfterLoop) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    makeEchoBundle();
    // 120 bpm, 480 ticks a quarter: note 60 at 0 s, note 64 at 0.25 s, the file ends at 0.5 s.
    aap::host_tool::MidiTrack track;
    track.tempoMicrosecondsPerQuarter = 500000;
    track.events = {{0, 0x90, 60, 100}, {120, 0x80, 60, 0}, {240, 0x90, 64, 100}, {360, 0x80, 64, 0}, {480, 0x80, 64, 0}};
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(aap::host_tool::encodeMidiFile(0, 480, {track}, &bytes, &error)) << error;
    write(path("loop.mid"), std::string(bytes.begin(), bytes.end()));
    startGui("urn:aap-test:gui-echo", path("plugins"), {"--midi", path("loop.mid")});
    if (HasFatalFailure())
        return;
    startBrowser(page("midi-loop"));
    ASSERT_TRUE(waitErr("test: looped 60,64\n")) << slurp(err());
    EXPECT_EQ(countInErr("gui->dsp"), 0u) << slurp(err());
    const std::string summary = quit();
    EXPECT_NE(summary.find("gui events applied: 0\n"), std::string::npos) << summary;
    EXPECT_NE(summary.find("faults: 0"), std::string::npos) << summary;
}

// Oversized and malformed messages, and text before the handshake: those clients are dropped, the
// page's own client goes on, and so does the audio.
TEST_F(AapHostGui, BadClientsAreDroppedAndAudioGoesOn) {
    REQUIRE_CHROMIUM();
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    startBrowser(page("bad-clients"));
    ASSERT_TRUE(waitErr("gui->dsp parameter 0 (Volume) = 0.75")) << slurp(err());
    const std::string log = slurp(err());
    EXPECT_NE(log.find("test: closed garbage:1008,oversized:1009,text:1008"), std::string::npos) << log;
    EXPECT_NE(log.find("message of 100000 bytes"), std::string::npos) << log;
    EXPECT_NE(log.find("malformed message"), std::string::npos) << log;
    const std::string summary = quit();
    EXPECT_NE(summary.find("faults: 0"), std::string::npos) << summary;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(summary, match, std::regex("cycles: ([0-9]+)")));
    EXPECT_GT(std::stol(match[1]), 10) << summary;
}

// No token, a wrong token: 403 for files and for the WebSocket, which is never upgraded.
TEST_F(AapHostGui, TokenIsRequiredForEveryFileAndTheWebSocket) {
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    const std::string wrong(64, '0');
    EXPECT_EQ(request("/"), 403);
    EXPECT_EQ(request("/index.html"), 403);
    EXPECT_EQ(request("/?token=" + wrong), 403);
    EXPECT_EQ(request("/t/" + wrong + "/"), 403);
    EXPECT_EQ(request("/t/" + wrong + "/style.css"), 403);
    EXPECT_EQ(request("/t/" + wrong + "/aap-interop.js"), 403);
    EXPECT_EQ(request("/t/" + token_.substr(0, 63) + "/"), 403);
    EXPECT_EQ(request("/ws", upgradeHeaders()), 403);
    EXPECT_EQ(request("/t/" + wrong + "/ws", upgradeHeaders()), 403);
    EXPECT_EQ(request("/ws?token=" + wrong, upgradeHeaders()), 403);
    // The right token: the page, its assets, the script, the WebSocket upgrade.
    EXPECT_EQ(request("/?token=" + token_), 302);
    EXPECT_EQ(request("/t/" + token_ + "/"), 200);
    EXPECT_EQ(request("/t/" + token_ + "/style.css"), 200);
    EXPECT_EQ(request("/t/" + token_ + "/aap-interop.js"), 200);
    EXPECT_EQ(request("/t/" + token_ + "/ws", upgradeHeaders()), 101);
    // The server logs the client once civetweb calls its ready handler, after the 101 went out.
    EXPECT_TRUE(waitErr(" connected\n", 10000)) << slurp(err());
    const std::string log = slurp(err());
    EXPECT_EQ(countInErr(" connected\n"), 1u) << "only the request with the token may become a WebSocket:\n" << log;
    EXPECT_EQ(countInErr("a valid token is required"), 10u) << log;
}

// Host and Origin must name this server (no DNS rebinding, no cross-site WebSocket).
TEST_F(AapHostGui, BadHostOrOriginIsRefused) {
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    const std::string page = "/t/" + token_ + "/";
    const std::string port = std::to_string(port_);
    EXPECT_EQ(request(page, {"Host: attacker.example:" + port}, false), 403);
    EXPECT_EQ(request(page, {"Host: attacker.example"}, false), 403);
    EXPECT_EQ(request(page, {"Host: 127.0.0.1:1"}, false), 403);
    EXPECT_EQ(request(page, {}, false), 403);  // no Host at all
    EXPECT_EQ(request(page, {"Host: 127.0.0.1:" + std::to_string(port_ + 1)}, false), 403);
    EXPECT_EQ(request(page, {"Host: localhost:" + port}, false), 200);
    EXPECT_EQ(request(page, {"Host: localhost"}, false), 200);  // no port: civetweb's client sends none
    EXPECT_EQ(request(page, {"Origin: http://attacker.example"}), 403);
    EXPECT_EQ(request(page, {"Origin: http://127.0.0.1:1"}), 403);
    EXPECT_EQ(request(page, {"Origin: null"}), 403);
    EXPECT_EQ(request(page, {"Origin: http://127.0.0.1:" + port}), 200);
    std::vector<std::string> upgrade = upgradeHeaders();
    upgrade.push_back("Origin: http://attacker.example");
    EXPECT_EQ(request(page + "ws", upgrade), 403);
    upgrade = upgradeHeaders();
    upgrade.push_back("Host: attacker.example:" + port);
    EXPECT_EQ(request(page + "ws", upgrade, false), 403);
    EXPECT_EQ(countInErr(" connected\n"), 0u) << slurp(err());
}

// Only files under the web UI folder: '..' in any spelling, symbolic links leading out, folders
// and missing files are 404.
TEST_F(AapHostGui, PathTraversalAndSymlinksAre404) {
    makeTestBundle();
    startGui("urn:aap-examples:poly-synth", path("plugins"));
    if (HasFatalFailure())
        return;
    const std::string base = "/t/" + token_ + "/";
    EXPECT_EQ(request(base + "sub/asset.txt"), 200);
    EXPECT_EQ(request(base + "../secret.txt"), 404);
    EXPECT_EQ(request(base + "sub/../../secret.txt"), 404);
    EXPECT_EQ(request(base + "%2e%2e/secret.txt"), 404);
    EXPECT_EQ(request(base + "%2E%2E%2Fsecret.txt"), 404);
    EXPECT_EQ(request(base + "sub/%2e%2e/index.html"), 404);
    EXPECT_EQ(request(base + "./style.css"), 404);
    EXPECT_EQ(request(base + "sub//asset.txt"), 404);
    EXPECT_EQ(request(base + "leak.txt"), 404);
    EXPECT_EQ(request(base + "etc/hostname"), 404);
    EXPECT_EQ(request(base + "up/secret.txt"), 404);
    EXPECT_EQ(request(base + "up/aap_metadata.xml"), 404);
    EXPECT_EQ(request(base + "sub"), 404);
    EXPECT_EQ(request(base + "missing.css"), 404);
    EXPECT_EQ(request(base + "..%5csecret.txt"), 404);
    EXPECT_EQ(request("/?token=" + token_ + "&x=/../secret.txt"), 302);  // the query is not a path
}

// The generated UI loads for every example plugin (a control per parameter, the keyboard for the
// instrument) and its screenshot is kept in the build tree; the examples' own web UIs load too.
TEST_F(AapHostGui, GeneratedUiLoadsForEveryExamplePlugin) {
    REQUIRE_CHROMIUM();
    struct Example {
        const char* name;
        std::vector<int> parameters;
        bool instrument;
    };
    const std::vector<Example> examples = {
        {"poly-synth", {0, 1, 2, 3, 4}, true}, {"delay-effect", {0, 1, 2, 3}, false}, {"c-tremolo", {0, 1}, false}};
    fs::create_directories(AAP_GUI_TEST_ARTIFACTS);
    for (const Example& example : examples) {
        SCOPED_TRACE(example.name);
        host_ = std::make_unique<Child>();  // the previous one is killed
        startGui(example.name, AAP_EXAMPLES_PLUGIN_DIR, {"--generated-ui"});
        if (HasFatalFailure())
            return;
        const pid_t dump = startBrowser(url_, {"--virtual-time-budget=3000", "--dump-dom"}, path("dom.html"));
        ASSERT_EQ(waitBrowser(dump, 60000), 0) << slurp(path("chromium.err"));
        const std::string dom = slurp(path("dom.html"));
        for (int id : example.parameters)
            EXPECT_NE(dom.find("id=\"parameter-" + std::to_string(id) + "\""), std::string::npos) << id << "\n" << dom;
        EXPECT_EQ(dom.find("id=\"parameter-" + std::to_string(example.parameters.size()) + "\""), std::string::npos);
        EXPECT_EQ(dom.find("id=\"key-60\"") != std::string::npos, example.instrument) << dom;
        EXPECT_NE(dom.find("id=\"level-"), std::string::npos) << dom;
        const std::string shot = std::string(AAP_GUI_TEST_ARTIFACTS) + "/generated-ui-" + example.name + ".png";
        ::unlink(shot.c_str());
        const pid_t screenshot = startBrowser(url_, {"--virtual-time-budget=3000", "--screenshot=" + shot});
        ASSERT_EQ(waitBrowser(screenshot, 60000), 0) << slurp(path("chromium.err"));
        struct stat status {};
        ASSERT_EQ(::stat(shot.c_str(), &status), 0) << shot;
        EXPECT_GT(status.st_size, 2000) << shot;
        EXPECT_TRUE(waitErr("initialized")) << slurp(err());
    }
    // The examples' own web UIs.
    for (const char* name : {"poly-synth", "delay-effect"}) {
        SCOPED_TRACE(name);
        host_ = std::make_unique<Child>();  // the previous one is killed
        startGui(name, AAP_EXAMPLES_PLUGIN_DIR);
        if (HasFatalFailure())
            return;
        EXPECT_TRUE(waitErr("the plugin's web UI")) << slurp(err());
        const std::string shot = std::string(AAP_GUI_TEST_ARTIFACTS) + "/web-ui-" + name + ".png";
        const pid_t screenshot = startBrowser(url_, {"--virtual-time-budget=3000", "--screenshot=" + shot});
        ASSERT_EQ(waitBrowser(screenshot, 60000), 0) << slurp(path("chromium.err"));
        EXPECT_TRUE(waitErr("initialized")) << slurp(err());
    }
}

// --open hands the printed address to xdg-open (here a stand-in on PATH that records it).
TEST_F(AapHostGui, OpenStartsXdgOpenWithTheAddress) {
    fs::create_directories(path("bin"));
    write(path("bin/xdg-open"), "#!/bin/sh\necho \"$1\" > '" + path("opened.txt") + "'\n");
    ::chmod(path("bin/xdg-open").c_str(), 0755);
    const char* oldPath = std::getenv("PATH");
    std::vector<std::string> arguments = {AAP_HOST_EXECUTABLE, "gui", "poly-synth", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR,
                                          "--quiet", "--backend", "null", "--open", "--duration", "3"};
    ASSERT_TRUE(host_->spawn(arguments, {"PATH=" + path("bin") + ":" + (oldPath ? oldPath : "/usr/bin:/bin")}, out(), err()));
    ASSERT_EQ(host_->wait(60000), 0) << slurp(err());
    const std::string printed = slurp(out());
    const std::string opened = slurp(path("opened.txt"));
    ASSERT_FALSE(opened.empty()) << slurp(err());
    EXPECT_NE(printed.find("gui: " + opened), std::string::npos) << printed << "\n" << opened;
}

// Bad command lines: their own messages and the usage exit code.
TEST_F(AapHostGui, BadOptionsAreUsageErrors) {
    auto run = [&](std::vector<std::string> arguments, const std::string& expected) {
        arguments.insert(arguments.begin(), {AAP_HOST_EXECUTABLE, "gui"});
        arguments.insert(arguments.end(), {"--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"});
        Child child;
        ASSERT_TRUE(child.spawn(arguments, {}, out(), err()));
        EXPECT_EQ(child.wait(30000), 2) << slurp(err());
        EXPECT_NE(slurp(err()).find(expected), std::string::npos) << slurp(err());
    };
    run({}, "expected exactly one plugin");
    run({"poly-synth", "delay-effect"}, "expected exactly one plugin");
    run({"poly-synth", "--port", "70000"}, "bad --port '70000'");
    run({"poly-synth", "--display-rate", "0"}, "bad --display-rate '0'");
    run({"poly-synth", "--backend", "alsa"}, "bad --backend 'alsa'");
    run({"poly-synth", "--backend", "jack", "--period", "128"}, "are for the null backend");
    Child missing;
    ASSERT_TRUE(missing.spawn({AAP_HOST_EXECUTABLE, "gui", "no-such-plugin", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR,
                               "--quiet"},
                              {}, out(), err()));
    EXPECT_EQ(missing.wait(30000), 3) << slurp(err());
}

} // namespace
