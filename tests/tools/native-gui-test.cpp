// `aap-host gui --native` under a private Xvfb, against the x11-editor example (an X11 editor in
// the plugin's process, examples/x11-editor): the editor's window is a child of aap-host's window,
// a resize of the host window reaches the editor, an xdotool click (and drag) at a
// window-relative point arrives at that point and changes the parameter the DSP reads (checked
// in the plugin's saved state, which is those values), a floating editor is a top-level window
// transient for aap-host's, and every run ends with no process left behind.

#include <gtest/gtest.h>

#include <sys/prctl.h>

#include <cmath>
#include <cstring>

#include "aap-host-test-support.h"
#include "play-test-support.h"
#include "x11-test-support.h"

using aap::play_test::Child;
using aap::play_test::livingChildren;
using aap::play_test::slurp;
using aap::play_test::waitForText;
using aap::x11_test::Connection;
using aap::x11_test::Xvfb;

namespace {

// The editor's layout (examples/common/x11-slider-editor.h): a 10-pixel margin, one row per
// slider, the track spanning the width less the margins.
constexpr int kMargin = 10;
constexpr int kSliders = 3;
double sliderValue(int x, int width, double minimum, double maximum) {
    double normalized = static_cast<double>(x - kMargin) / (width - 2 * kMargin);
    normalized = normalized < 0 ? 0 : (normalized > 1 ? 1 : normalized);
    return minimum + (maximum - minimum) * normalized;
}
int rowMiddle(int row, int height) {
    const int rowHeight = (height - 2 * kMargin) / kSliders;
    return kMargin + row * rowHeight + rowHeight / 2;
}

// The plain value of parameter `id` in an example's state blob ("AAPS", version, tag, count,
// then (u32 id, f64 value) entries), or NaN.
double stateValue(const std::string& blob, uint32_t id) {
    if (blob.size() < 16 || blob.compare(0, 4, "AAPS") != 0)
        return std::nan("");
    uint32_t count = 0;
    std::memcpy(&count, blob.data() + 12, 4);
    for (uint32_t e = 0; e < count && 16 + (e + 1) * 12 <= blob.size(); e++) {
        uint32_t entryId = 0;
        double value = 0;
        std::memcpy(&entryId, blob.data() + 16 + e * 12, 4);
        std::memcpy(&value, blob.data() + 16 + e * 12 + 4, 8);
        if (entryId == id)
            return value;
    }
    return std::nan("");
}

class NativeGuiTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!aap::x11_test::onPath("Xvfb") || !aap::x11_test::onPath("xdotool"))
            GTEST_SKIP() << "Xvfb and xdotool are needed (apt-get install xvfb xdotool; .ci/run installs them)";
        // Orphaned plugin services become ours, so livingChildren() sees every descendant.
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        std::string error;
        ASSERT_TRUE(xvfb_.start(&error)) << error;
        // For xdotool (and anything else the test runs directly).
        ::setenv("DISPLAY", xvfb_.display().c_str(), 1);
        directory_ = ::testing::TempDir() + "native-gui-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
        ::mkdir(directory_.c_str(), 0755);
    }
    void TearDown() override {
        host_.kill(SIGKILL);
        // Plugin services of a run that failed half-way.
        for (pid_t pid : livingChildren())
            if (pid != xvfb_.pid()) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        xvfb_.stop();
    }

    // Starts aap-host gui --native on the x11-editor example; waits for its host window.
    void startGui(std::vector<std::string> extra, const std::string& bundle = AAP_X11_EDITOR_BUNDLE_DIR,
                  const std::string& plugin = "urn:aap-examples:x11-editor") {
        std::vector<std::string> arguments = {AAP_HOST_EXECUTABLE, "gui", "--native", "--quiet",
                                              "--plugin-path", bundle, plugin,
                                              "--state-out", directory_ + "/state.bin"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        ASSERT_TRUE(host_.spawn(arguments, {"DISPLAY=" + xvfb_.display()}, out(), err()));
        ASSERT_TRUE(waitForText(out(), "host window: 0x", 20000)) << slurp(err());
        const std::string text = slurp(out());
        hostWindow_ = static_cast<Window>(std::stoull(text.substr(text.find("host window: 0x") + 15), nullptr, 16));
    }

    // The embedded editor: the host window's only child.
    Window editorWindow(Connection& x) {
        std::vector<Window> children;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while ((children = x.children(hostWindow_)).empty() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return children.size() == 1 ? children[0] : 0;
    }

    // `quit` on stdin; the exit code. Afterwards no plugin service may be left.
    int quit() {
        const std::vector<pid_t> services = livingChildren(host_.pid());
        host_.write("quit\n");
        const int code = host_.wait(20000);
        for (pid_t service : services)
            EXPECT_NE(::kill(service, 0) == 0 && ::waitpid(service, nullptr, WNOHANG) == 0, true)
                << "plugin service " << service << " outlived aap-host";
        return code;
    }

    std::string out() const { return directory_ + "/out.txt"; }
    std::string err() const { return directory_ + "/err.txt"; }
    std::string state() const { return slurp(directory_ + "/state.bin"); }

    Xvfb xvfb_;
    Child host_;
    std::string directory_;
    Window hostWindow_ = 0;
};

TEST_F(NativeGuiTest, EditorIsAChildOfTheHostWindowAndFollowsItsSize) {
    startGui({"--width", "400", "--height", "160"});
    Connection x(xvfb_.display());
    ASSERT_TRUE(x.ok());
    const Window editor = editorWindow(x);
    ASSERT_NE(editor, 0u) << "the host window has no (or more than one) child: " << slurp(err());
    int width = 0, height = 0;
    bool viewable = false;
    ASSERT_TRUE(x.geometry(editor, &width, &height, &viewable));
    EXPECT_EQ(width, 400);
    EXPECT_EQ(height, 160);
    EXPECT_TRUE(viewable) << "the editor is not shown";

    // The user resizes the host window: the editor gets the new size through set_size.
    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "windowsize", std::to_string(hostWindow_), "520", "230"}), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && x.geometry(editor, &width, &height) &&
           !(width == 520 && height == 230))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(width, 520);
    EXPECT_EQ(height, 230);
    // aap-host says so when set_size has returned: after the plugin resized its window (which the
    // loop above may see first), when the reply has come back, a period or more later.
    EXPECT_TRUE(waitForText(err(), "editor resized to 520x230", 10000)) << slurp(err());
    EXPECT_EQ(slurp(err()).find("set_size"), std::string::npos) << slurp(err());

    EXPECT_EQ(quit(), 0) << slurp(err());
    EXPECT_NE(slurp(out()).find("stopped: quit"), std::string::npos) << slurp(out());
}

TEST_F(NativeGuiTest, ClickAndDragInTheEditorChangeTheParametersTheDspReads) {
    const int width = 400, height = 160;
    startGui({"--width", std::to_string(width), "--height", std::to_string(height)});
    Connection x(xvfb_.display());
    ASSERT_TRUE(x.ok());
    const Window editor = editorWindow(x);
    ASSERT_NE(editor, 0u) << slurp(err());
    const std::string id = std::to_string(editor);

    // A click in the Balance row (1) at x = 130.
    const int clickX = 130;
    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "mousemove", "--window", id, std::to_string(clickX),
                                         std::to_string(rowMiddle(1, height)), "click", "1"}),
              0);
    ASSERT_TRUE(waitForText(err(), "editor: Balance = ", 10000)) << slurp(err());
    // A drag in the Width row (2): pressed at x = 30, released at x = 300.
    const int dragEnd = 300;
    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "mousemove", "--window", id, "30",
                                         std::to_string(rowMiddle(2, height)), "mousedown", "1", "mousemove",
                                         "--window", id, std::to_string(dragEnd),
                                         std::to_string(rowMiddle(2, height) + 3), "mouseup", "1"}),
              0);
    ASSERT_TRUE(waitForText(err(), "editor: Width = ", 10000)) << slurp(err());
    // Let the last motion event arrive before the state is taken.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    ASSERT_EQ(quit(), 0) << slurp(err());
    const std::string blob = state();
    // The state extension saves the atomics process() reads: these are the DSP's values.
    EXPECT_NEAR(stateValue(blob, 1), sliderValue(clickX, width, -1.0, 1.0), 1e-9);
    EXPECT_NEAR(stateValue(blob, 2), sliderValue(dragEnd, width, 0.0, 2.0), 1e-9);
    EXPECT_NEAR(stateValue(blob, 0), 0.0, 1e-12) << "the Gain row was not touched";
}

TEST_F(NativeGuiTest, FloatingEditorIsATopLevelWindowTransientForTheHost) {
    startGui({"--floating"});
    Connection x(xvfb_.display());
    ASSERT_TRUE(x.ok());
    EXPECT_TRUE(x.children(hostWindow_).empty()) << "a floating editor must not be embedded";
    std::vector<Window> transients;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((transients = x.transientsFor(hostWindow_)).empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(transients.size(), 1u);
    int width = 0, height = 0;
    bool viewable = false;
    ASSERT_TRUE(x.geometry(transients[0], &width, &height, &viewable));
    EXPECT_TRUE(viewable);
    EXPECT_EQ(width, 360);  // the editor's preferred size
    EXPECT_EQ(quit(), 0) << slurp(err());
    EXPECT_TRUE(x.transientsFor(hostWindow_).empty()) << "the floating window outlived the GUI";
}

// The X server dies under a shown editor: neither aap-host nor the plugin's process may die with
// it (Xlib's default is exit(1)); aap-host ends the command through its normal path.
TEST_F(NativeGuiTest, LosingTheXServerEndsTheCommandCleanly) {
    startGui({});
    {
        Connection x(xvfb_.display());  // closed before the server goes: Xlib would exit(1) here too
        ASSERT_NE(editorWindow(x), 0u) << slurp(err());
    }
    const std::vector<pid_t> services = livingChildren(host_.pid());
    ASSERT_EQ(services.size(), 1u);
    xvfb_.stop();
    EXPECT_EQ(host_.wait(20000), 1) << slurp(err());
    // Whichever notices first: aap-host's own connection, or the editor's, which reports its GUI
    // lost (closed with was_destroyed) to the host.
    const std::string output = slurp(out());
    EXPECT_TRUE(output.find("stopped: the X server went away") != std::string::npos ||
                output.find("stopped: the GUI was lost") != std::string::npos)
        << output;
    // The plugin's process survived the X server until aap-host closed it: no fault was seen.
    EXPECT_EQ(slurp(err()).find("the plugin failed"), std::string::npos) << slurp(err());
    EXPECT_EQ(slurp(err()).find("offline"), std::string::npos) << slurp(err());
    EXPECT_TRUE(::kill(services[0], 0) != 0 || ::waitpid(services[0], nullptr, WNOHANG) == services[0]);
}

TEST_F(NativeGuiTest, ErrorsAreClear) {
    using aap::host_tool_test::runCapturing;
    const std::string outPath = directory_ + "/e.out", errPath = directory_ + "/e.err";
    // A plugin without gui/v5.
    aap::host_tool_test::HostRun run =
        runCapturing(AAP_HOST_EXECUTABLE,
                     {"gui", "--native", "--quiet", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "urn:aap-examples:delay-effect"},
                     outPath, errPath);
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("has no native GUI"), std::string::npos) << run.err;
    // Usage errors.
    run = runCapturing(AAP_HOST_EXECUTABLE, {"gui", "--native", "--width", "0", "x11-editor"}, outPath, errPath);
    EXPECT_EQ(run.exitCode, 2);
    EXPECT_NE(run.err.find("bad --width"), std::string::npos) << run.err;
    run = runCapturing(AAP_HOST_EXECUTABLE, {"gui", "--native"}, outPath, errPath);
    EXPECT_EQ(run.exitCode, 2);
    run = runCapturing(AAP_HOST_EXECUTABLE, {"gui", "--native", "--backend", "alsa", "x11-editor"}, outPath, errPath);
    EXPECT_EQ(run.exitCode, 2);
    EXPECT_TRUE(livingChildren().size() <= 1u);  // only Xvfb
}

TEST_F(NativeGuiTest, NoDisplayIsAClearError) {
    std::vector<std::string> arguments = {AAP_HOST_EXECUTABLE, "gui", "--native", "--quiet", "--plugin-path",
                                          AAP_X11_EDITOR_BUNDLE_DIR, "urn:aap-examples:x11-editor"};
    // A display number nobody serves.
    ASSERT_TRUE(host_.spawn(arguments, {"DISPLAY=:65000"}, out(), err()));
    // Unavailable (8), as `gui` without civetweb; said before any plugin is loaded.
    EXPECT_EQ(host_.wait(20000), 8);
    EXPECT_NE(slurp(err()).find("aap-host gui: cannot open the X display ':65000' (no X server accepts connections"),
              std::string::npos)
        << slurp(err());
    EXPECT_EQ(slurp(out()).find("host window"), std::string::npos);
    EXPECT_TRUE(livingChildren(host_.pid()).empty());
}

// ---- The GUI-program example (examples/gui-program): the same editor in a process of its own ----

// The GUI program: the descendant of `ancestor` (aap-host) running `name`.
pid_t programOf(pid_t ancestor, const std::string& name) {
    std::vector<pid_t> pending = {ancestor};
    while (!pending.empty()) {
        const pid_t parent = pending.back();
        pending.pop_back();
        for (pid_t pid : livingChildren(parent)) {
            if (slurp("/proc/" + std::to_string(pid) + "/cmdline").find(name) != std::string::npos)
                return pid;
            pending.push_back(pid);
        }
    }
    return -1;
}

TEST_F(NativeGuiTest, AGuiProgramEmbedsIntoTheHostWindowAndFollowsItsSize) {
    startGui({"--width", "400", "--height", "160"}, AAP_GUI_PROGRAM_BUNDLE_DIR, "urn:aap-examples:gui-program");
    Connection x(xvfb_.display());
    ASSERT_TRUE(x.ok());
    const Window editor = editorWindow(x);
    ASSERT_NE(editor, 0u) << slurp(err());
    int width = 0, height = 0;
    bool viewable = false;
    ASSERT_TRUE(x.geometry(editor, &width, &height, &viewable));
    EXPECT_EQ(width, 400);
    EXPECT_EQ(height, 160);
    EXPECT_TRUE(viewable);
    // The window belongs to the GUI program, a process of its own under the plugin service.
    const pid_t program = programOf(host_.pid(), "gui/aap-example-gui-program");
    EXPECT_GT(program, 0) << "no GUI program process under the plugin service";

    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "windowsize", std::to_string(hostWindow_), "480", "200"}), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && x.geometry(editor, &width, &height) &&
           !(width == 480 && height == 200))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(width, 480);
    EXPECT_EQ(height, 200);

    EXPECT_EQ(quit(), 0) << slurp(err());
    if (program > 0)
        EXPECT_TRUE(::kill(program, 0) != 0 || ::waitpid(program, nullptr, WNOHANG) == program)
            << "the GUI program outlived its session";
}

TEST_F(NativeGuiTest, AKilledGuiProgramIsReportedLostAndEndsTheCommand) {
    startGui({}, AAP_GUI_PROGRAM_BUNDLE_DIR, "urn:aap-examples:gui-program");
    {
        Connection x(xvfb_.display());
        ASSERT_NE(editorWindow(x), 0u) << slurp(err());
    }
    const pid_t program = programOf(host_.pid(), "gui/aap-example-gui-program");
    ASSERT_GT(program, 0);
    ASSERT_EQ(::kill(program, SIGKILL), 0);
    // closed(was_destroyed) reaches aap-host, which ends with exit code 1 without calling destroy.
    EXPECT_EQ(host_.wait(20000), 1) << slurp(err());
    EXPECT_NE(slurp(out()).find("stopped: the GUI was lost"), std::string::npos) << slurp(out()) << slurp(err());
    EXPECT_EQ(slurp(err()).find("the plugin failed"), std::string::npos) << slurp(err());
}

// ---- A GUI program's parameters: the shared-memory GUI channel (docs/gui.md) ----

TEST_F(NativeGuiTest, AGuiProgramsSlidersChangeTheParametersTheDspReads) {
    const int width = 400, height = 160;
    startGui({"--width", std::to_string(width), "--height", std::to_string(height)}, AAP_GUI_PROGRAM_BUNDLE_DIR,
             "urn:aap-examples:gui-program");
    ASSERT_TRUE(waitForText(err(), "is GUI client", 10000)) << slurp(err());
    // The program answered Initialize (it got the host's snapshot).
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: host: Width = 1", 10000)) << slurp(err());
    Connection x(xvfb_.display());
    ASSERT_TRUE(x.ok());
    const Window editor = editorWindow(x);
    ASSERT_NE(editor, 0u) << slurp(err());
    const std::string id = std::to_string(editor);
    // A click in the Balance row (1), then a drag in the Width row (2), in the program's window.
    const int clickX = 130, dragEnd = 300;
    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "mousemove", "--window", id, std::to_string(clickX),
                                         std::to_string(rowMiddle(1, height)), "click", "1"}),
              0);
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: editor: Balance = ", 10000)) << slurp(err());
    ASSERT_EQ(aap::x11_test::runQuietly({"xdotool", "mousemove", "--window", id, "30",
                                         std::to_string(rowMiddle(2, height)), "mousedown", "1", "mousemove",
                                         "--window", id, std::to_string(dragEnd),
                                         std::to_string(rowMiddle(2, height) + 3), "mouseup", "1"}),
              0);
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: editor: Width = ", 10000)) << slurp(err());
    // The program's channel is read at display rate, the events land in the next cycle.
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ASSERT_EQ(quit(), 0) << slurp(err());
    // The plugin's saved state holds what process() applies: the sliders reached the DSP.
    const std::string blob = state();
    EXPECT_NEAR(stateValue(blob, 1), sliderValue(clickX, width, -1.0, 1.0), 1e-6) << slurp(err());
    EXPECT_NEAR(stateValue(blob, 2), sliderValue(dragEnd, width, 0.0, 2.0), 1e-6) << slurp(err());
    EXPECT_NEAR(stateValue(blob, 0), 0.0, 1e-12) << "the Gain row was not touched";
    EXPECT_EQ(slurp(err()).find("dropped"), std::string::npos) << slurp(err());
}

TEST_F(NativeGuiTest, AHostParameterChangeReachesTheGuiProgram) {
    startGui({}, AAP_GUI_PROGRAM_BUNDLE_DIR, "urn:aap-examples:gui-program");
    ASSERT_TRUE(waitForText(err(), "is GUI client", 10000)) << slurp(err());
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: host: Width = 1", 10000)) << slurp(err());
    host_.write("param 1 0.5\n");
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: host: Balance = 0.5\n", 10000)) << slurp(err());
    host_.write("param 0 -6\n");
    ASSERT_TRUE(waitForText(err(), "aap-example-gui-program: host: Gain (dB) = -6\n", 10000)) << slurp(err());
    host_.write("param 9 1\n");
    ASSERT_TRUE(waitForText(err(), "aap-host gui: param: expected 'param ID VALUE'", 10000)) << slurp(err());
    EXPECT_EQ(quit(), 0) << slurp(err());
    // And the DSP has them too.
    EXPECT_NEAR(stateValue(state(), 1), 0.5, 1e-6);
    EXPECT_NEAR(stateValue(state(), 0), -6.0, 1e-6);
}

// ---- aap-host validate --gui ----

aap::host_tool_test::HostRun validateGui(const std::string& directory, const std::string& pluginPath,
                                         const std::string& plugin) {
    return aap::host_tool_test::runCapturing(AAP_HOST_EXECUTABLE,
                                             {"validate", "--gui", "--quiet", "--plugin-path", pluginPath, plugin},
                                             directory + "/validate.out", directory + "/validate.err");
}

TEST_F(NativeGuiTest, ValidateGuiPassesTheX11EditorEmbeddedAndFloating) {
    const aap::host_tool_test::HostRun run = validateGui(directory_, AAP_X11_EDITOR_BUNDLE_DIR, "urn:aap-examples:x11-editor");
    EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
    for (const char* line : {"PASS gui api: X11 embedded and floating", "PASS gui embedded create",
                             "PASS gui embedded set-parent: the GUI's window is a child of the host window",
                             "PASS gui embedded show: viewable", "PASS gui embedded set-size", "PASS gui embedded hide",
                             "PASS gui embedded destroy: window gone", "PASS gui floating show: viewable",
                             "PASS gui floating destroy", "PASS gui deadlines"})
        EXPECT_NE(run.out.find(line), std::string::npos) << line << "\n" << run.out;
    EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("WARN gui"), std::string::npos) << run.out;
}

TEST_F(NativeGuiTest, ValidateGuiFailsAGuiThatShowsNoWindow) {
    const aap::host_tool_test::HostRun run = validateGui(directory_, AAP_GUI_TEST_BUNDLE_DIR, "urn:aap-gui-test:no-window");
    EXPECT_EQ(run.exitCode, 6) << run.out << run.err;
    EXPECT_NE(run.out.find("PASS gui embedded create"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("FAIL gui embedded set-parent: set_parent answered OK but the host window has 0 child "
                           "windows (expected 1)"),
              std::string::npos)
        << run.out;
}

TEST_F(NativeGuiTest, ValidateGuiFailsAnAnswerOverItsDeadline) {
    const aap::host_tool_test::HostRun run = validateGui(directory_, AAP_GUI_TEST_BUNDLE_DIR, "urn:aap-gui-test:slow-answer");
    EXPECT_EQ(run.exitCode, 6) << run.out << run.err;
    // The plugin service's own deadline may cut the call first (it then answers TIMEOUT): a FAIL
    // over the deadline either way.
    EXPECT_NE(run.out.find("FAIL gui embedded set-parent: set_parent answered "), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("over its deadline of 500.0 ms"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("PASS gui deadlines"), std::string::npos) << run.out;
}

TEST_F(NativeGuiTest, ValidateGuiPassesTheGuiProgramExample) {
    const aap::host_tool_test::HostRun run =
        validateGui(directory_, AAP_GUI_PROGRAM_BUNDLE_DIR, "urn:aap-examples:gui-program");
    EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
    for (const char* line : {"PASS gui api: X11 embedded and floating", "PASS gui embedded set-parent",
                             "PASS gui embedded show: viewable", "PASS gui embedded set-size", "PASS gui embedded hide",
                             "PASS gui embedded destroy: window gone", "PASS gui floating show: viewable",
                             "PASS gui deadlines"})
        EXPECT_NE(run.out.find(line), std::string::npos) << line << "\n" << run.out;
    EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
}

#ifdef AAP_NATIVE_GUI_TEST_BUNDLE_DIR
// A GUI program that never answers the service's offer: the service kills it at the hello
// deadline and create answers AAP_GUI_ERROR_TIMEOUT, which validate reports as a FAIL.
TEST_F(NativeGuiTest, ValidateGuiFailsAGuiProgramThatNeverSaysHello) {
    const aap::host_tool_test::HostRun run =
        validateGui(directory_, AAP_NATIVE_GUI_TEST_BUNDLE_DIR, "urn:aap-native-gui-test:program-no-hello");
    EXPECT_EQ(run.exitCode, 6) << run.out << run.err;
    EXPECT_NE(run.out.find("FAIL gui embedded create: create answered AAP_GUI_ERROR_TIMEOUT"), std::string::npos)
        << run.out;
}
#endif

TEST_F(NativeGuiTest, ValidateGuiWarnsForAPluginWithoutANativeGui) {
    const aap::host_tool_test::HostRun run = validateGui(directory_, AAP_EXAMPLES_PLUGIN_DIR, "urn:aap-examples:c-tremolo");
    EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("WARN gui: no native GUI"), std::string::npos) << run.out;
}

TEST_F(NativeGuiTest, ValidateGuiWithoutADisplayIsAClearError) {
    ::setenv("DISPLAY", ":65000", 1);
    const aap::host_tool_test::HostRun run = validateGui(directory_, AAP_X11_EDITOR_BUNDLE_DIR, "urn:aap-examples:x11-editor");
    ::setenv("DISPLAY", xvfb_.display().c_str(), 1);
    EXPECT_EQ(run.exitCode, 1) << run.out << run.err;
    EXPECT_NE(run.err.find("--gui: cannot open the X display ':65000'"), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
}

} // namespace
