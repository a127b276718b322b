// Native GUIs in the plugin service (docs/gui.md, "Native GUIs"), without an X server:
//   - GUI programs (gui:program): the lifecycle over the inherited socket with the per-launch
//     token; a program that never says hello, answers with a wrong token or is stopped fails
//     create within its deadline (+ 50 ms) and is gone; a program stopped while shown fails the
//     next call within its deadline and the host gets closed(was_destroyed); kill -9 while shown
//     gives closed(was_destroyed) within 100 ms with no missed audio cycle over the next 1000; a
//     late destroy of a dead session changes nothing; 100 create/destroy rounds leave no process
//     and no descriptor behind (in the service and in the host);
//   - in-process GUIs: every gui/v5 call runs on the service's GUI thread (not the control
//     thread, not the audio thread), the plugin's fd and timer join that thread's loop, and a GUI
//     call that hangs fails at its deadline with closed(was_destroyed) while audio goes on.

#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext-cpp/gui-v5.h"
#include "aap/ext-cpp/host-extensions.h"
#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/hosted-plugin.h"
#include "aap/hosting/plugin-host.h"
#include "../hosting-test-support.h"

namespace aap::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kHelloNs = 300'000'000;
constexpr int64_t kCreateNs = 300'000'000;
constexpr int64_t kCallNs = 200'000'000;
constexpr auto kSlack = std::chrono::milliseconds(50);
constexpr int64_t kProxyTimeoutNs = 1'500'000'000;  // above every GUI deadline: the service answers first

// What the host's gui/v5 handlers received.
struct GuiEvents {
    std::mutex mutex;
    std::condition_variable changed;
    struct Event {
        std::string what;
        int32_t gui;
        uint32_t a;
        uint32_t b;
        Clock::time_point at;
    };
    std::vector<Event> events;

    void add(std::string what, int32_t gui, uint32_t a, uint32_t b) {
        std::lock_guard<std::mutex> lock(mutex);
        events.push_back(Event{std::move(what), gui, a, b, Clock::now()});
        changed.notify_all();
    }
    // Waits for an event `what` about `gui`; its time, or nullopt-like false.
    bool waitFor(const std::string& what, int32_t gui, std::chrono::milliseconds limit, Event* out = nullptr) {
        std::unique_lock<std::mutex> lock(mutex);
        auto found = [&] {
            for (const Event& e : events)
                if (e.what == what && e.gui == gui) {
                    if (out != nullptr)
                        *out = e;
                    return true;
                }
            return false;
        };
        return changed.wait_for(lock, limit, found);
    }
    size_t count(const std::string& what) {
        std::lock_guard<std::mutex> lock(mutex);
        size_t n = 0;
        for (const Event& e : events)
            n += e.what == what ? 1 : 0;
        return n;
    }
};

StandardHostExtensions::Handlers handlersFor(GuiEvents* events) {
    StandardHostExtensions::Handlers h;
    h.user = events;
    h.guiRequestResize = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, uint32_t w,
                            uint32_t height) noexcept { static_cast<GuiEvents*>(user)->add("resize", gui, w, height); };
    h.guiRequestShow = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        static_cast<GuiEvents*>(user)->add("show", gui, 0, 0);
    };
    h.guiRequestHide = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        static_cast<GuiEvents*>(user)->add("hide", gui, 0, 0);
    };
    h.guiClosed = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, bool destroyed) noexcept {
        static_cast<GuiEvents*>(user)->add(destroyed ? "closed-destroyed" : "closed", gui, 0, 0);
    };
    return h;
}

// The children (by /proc/<pid>/task/*/children) of `pid`.
std::vector<pid_t> childrenOf(pid_t pid) {
    std::vector<pid_t> out;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr)
        return out;
    while (struct dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        std::ifstream children(tasks + "/" + e->d_name + "/children");
        long child;
        while (children >> child)
            out.push_back(static_cast<pid_t>(child));
    }
    ::closedir(dir);
    return out;
}

// The aap-plugin-service process under this test process (with a PID namespace, the test's child
// is the namespace's first process and the service its child), or -1.
pid_t findService() {
    std::vector<pid_t> queue{::getpid()};
    for (size_t i = 0; i < queue.size(); i++) {
        char exe[4096];
        const ssize_t n = ::readlink(("/proc/" + std::to_string(queue[i]) + "/exe").c_str(), exe, sizeof(exe) - 1);
        if (i > 0 && n > 0) {
            const std::string path(exe, static_cast<size_t>(n));
            if (path.size() >= 18 && path.compare(path.size() - 18, 18, "aap-plugin-service") == 0)
                return queue[i];
        }
        for (pid_t child : childrenOf(queue[i]))
            queue.push_back(child);
    }
    return -1;
}

// utime + stime of `pid` in clock ticks (/proc/<pid>/stat fields 14 and 15).
long cpuTicks(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; i++) {
        if (i == 14)
            utime = std::stol(field);
        if (i == 15)
            stime = std::stol(field);
    }
    return utime + stime;
}

size_t openDescriptors(pid_t pid) {
    size_t n = 0;
    DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (dir == nullptr)
        return 0;
    while (struct dirent* e = ::readdir(dir))
        n += e->d_name[0] != '.' ? 1 : 0;
    ::closedir(dir);
    return n;
}

// Waits (up to 2 s) until `pid` has no children; true when it has none (else says which remain).
bool childrenGone(pid_t pid) {
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    while (!childrenOf(pid).empty() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::vector<pid_t> left = childrenOf(pid);
    for (pid_t child : left) {
        std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
        std::string line;
        std::getline(stat, line);
        ADD_FAILURE() << "child left: " << line;
    }
    return left.empty();
}

class NativeGui : public ::testing::Test {
protected:
    void SetUp() override {
        PluginHostOptions options = testOptions(PluginIsolation::ProcessPerInstance);
        options.process.controlTimeoutNs = 3'000'000'000;
        options.process.guiDeadlines.helloNs = kHelloNs;
        options.process.guiDeadlines.createNs = kCreateNs;
        options.process.guiDeadlines.callNs = kCallNs;
        options.hostExtensionDefinitions = StandardHostExtensions::definitions();
        options.hostExtensionImplementation = [this](const char* uri) { return notifications_.implementation(uri); };
        host_ = std::make_unique<PluginHost>(PluginCatalog::scan({AAP_NATIVE_GUI_TEST_BUNDLE_DIR}), options);
    }
    void TearDown() override {
        plugin_.reset();
        host_.reset();
        EXPECT_TRUE(noChildProcessesRemain());
    }

    void open(const std::string& id) {
        std::string error;
        ASSERT_EQ(HostedPlugin::open(*host_, id, HostedPluginOptions::at(128, 48000), &plugin_, &error),
                  HostingStatus::Ok)
            << error;
        gui_ = plugin_->guiV5();
        ASSERT_NE(gui_, nullptr);
        service_ = findService();
        ASSERT_GT(service_, 0);
    }

    int32_t value(const ExtensionResult<int32_t>& r) {
        EXPECT_TRUE(r.ok()) << toString(r.error());
        return r.ok() ? r.value() : INT32_MIN;
    }

    GuiEvents events_;
    StandardHostExtensions notifications_{handlersFor(&events_)};
    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<HostedPlugin> plugin_;
    std::shared_ptr<GuiV5Proxy> gui_;
    pid_t service_ = -1;
};

TEST_F(NativeGui, AProgramGoesThroughTheWholeLifecycle) {
    open("urn:aap-native-gui-test:program-good");
    EXPECT_TRUE(gui_->isApiSupported(AAP_GUI_API_X11, false).value());
    EXPECT_FALSE(gui_->isApiSupported(AAP_GUI_API_WAYLAND, false).value());
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    ASSERT_EQ(childrenOf(service_).size(), 1u) << "one GUI program per session";
    const uint64_t handle = 0x0123456789ABCDEFull;
    EXPECT_EQ(value(gui_->setParent(id, aap_gui_window_t{AAP_GUI_API_X11, 0, handle}, kProxyTimeoutNs)),
              AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->setScale(id, 1.5, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->suggestTitle(id, "Editor", kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    // The program echoes the parent handle it received: it crossed host -> service -> program intact.
    GuiEvents::Event echo;
    ASSERT_TRUE(events_.waitFor("resize", id, std::chrono::seconds(2), &echo));
    EXPECT_EQ(echo.a, static_cast<uint32_t>(handle));
    EXPECT_EQ(echo.b, static_cast<uint32_t>(handle >> 32));
    auto size = gui_->getSize(id, kProxyTimeoutNs);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(size.value().result, AAP_GUI_RESULT_OK);
    EXPECT_EQ(size.value().value.width, 300u);
    EXPECT_EQ(size.value().value.height, 200u);
    EXPECT_EQ(value(gui_->setSize(id, GuiSize{640, 480}, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    size = gui_->getSize(id, kProxyTimeoutNs);
    EXPECT_EQ(size.value().value.width, 640u);
    EXPECT_EQ(size.value().value.height, 480u);
    EXPECT_EQ(value(gui_->hide(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_TRUE(childrenGone(service_));
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_ERROR_UNKNOWN_GUI);
    // destroy has no result in the C ABI (gui-v5.h): a second one is ignored and answered OK.
    EXPECT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(events_.count("closed-destroyed"), 0u) << "an orderly destroy is not a loss";
}

// Each misbehaving program: create fails by its deadline + 50 ms and the program is gone.
struct Misbehaviour {
    const char* plugin;
    int64_t deadlineNs;  // the deadline that applies; 0: fails at once (no deadline needed)
};

class MisbehavingProgram : public NativeGui, public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(MisbehavingProgram, CreateFailsByTheDeadlineAndTheProgramIsGone) {
    open(GetParam().plugin);
    const auto start = Clock::now();
    const ExtensionResult<int32_t> created = gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs);
    const auto elapsed = Clock::now() - start;
    ASSERT_TRUE(created.ok()) << toString(created.error());
    EXPECT_LT(created.value(), 0) << "create must fail";
    EXPECT_LE(elapsed, std::chrono::nanoseconds(GetParam().deadlineNs > 0 ? GetParam().deadlineNs : kHelloNs) + kSlack);
    if (GetParam().deadlineNs > 0)
        EXPECT_GE(elapsed, std::chrono::nanoseconds(GetParam().deadlineNs));
    EXPECT_TRUE(childrenOf(service_).empty()) << "the program is gone when create returns";
    // The instance is fine: a later create fails the same way, audio still runs.
    ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
    for (int i = 0; i < 10; i++)
        EXPECT_EQ(plugin_->process(128, 1'000'000'000), HostingStatus::Ok);
    EXPECT_EQ(plugin_->deactivate(), HostingStatus::Ok);
}

INSTANTIATE_TEST_SUITE_P(
    Programs, MisbehavingProgram,
    ::testing::Values(Misbehaviour{"urn:aap-native-gui-test:program-no-hello", kHelloNs},
                      Misbehaviour{"urn:aap-native-gui-test:program-stop-before-hello", kHelloNs},
                      Misbehaviour{"urn:aap-native-gui-test:program-wrong-token", 0},
                      Misbehaviour{"urn:aap-native-gui-test:program-missing", 0}),
    [](const ::testing::TestParamInfo<Misbehaviour>& info) {
        std::string name = std::string(info.param.plugin).substr(std::string("urn:aap-native-gui-test:program-").size());
        for (char& c : name)
            if (c == '-')
                c = '_';
        return name;
    });

TEST_F(NativeGui, AProgramStoppedWhileShownFailsTheNextCallByItsDeadlineAndIsClosed) {
    open("urn:aap-native-gui-test:program-good");
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    ASSERT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    const std::vector<pid_t> programs = childrenOf(service_);
    ASSERT_EQ(programs.size(), 1u);
    ASSERT_EQ(::kill(programs[0], SIGSTOP), 0);
    const auto start = Clock::now();
    EXPECT_EQ(value(gui_->setSize(id, GuiSize{400, 300}, kProxyTimeoutNs)), AAP_GUI_ERROR_TIMEOUT);
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::nanoseconds(kCallNs));
    EXPECT_LE(elapsed, std::chrono::nanoseconds(kCallNs) + kSlack);
    EXPECT_TRUE(childrenOf(service_).empty()) << "a stopped program is killed (SIGKILL reaches it)";
    EXPECT_TRUE(events_.waitFor("closed-destroyed", id, std::chrono::seconds(1)));
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_ERROR_UNKNOWN_GUI);
}

// The audio thread of the kill -9 test: process() every period, counting cycles that did not
// complete by their deadline (anything but Ok).
class AudioLoop {
public:
    AudioLoop(HostedPlugin& plugin, std::chrono::microseconds period) : plugin_(plugin), period_(period) {
        thread_ = std::thread([this] {
            auto next = Clock::now();
            while (running_.load()) {
                if (plugin_.process(128, kCycleDeadlineNs) != HostingStatus::Ok)
                    missed_.fetch_add(1);
                cycles_.fetch_add(1);
                next += period_;
                std::this_thread::sleep_until(next);
            }
        });
    }
    ~AudioLoop() { stop(); }
    void stop() {
        running_.store(false);
        if (thread_.joinable())
            thread_.join();
    }
    uint64_t cycles() const { return cycles_.load(); }
    uint64_t missed() const { return missed_.load(); }
    // A cycle counts as missed when the service has not answered within this (the period of a
    // 128-frame buffer at 48 kHz is 2.7 ms; the bound leaves room for this shared build machine).
    static constexpr int64_t kCycleDeadlineNs = 50'000'000;

private:
    HostedPlugin& plugin_;
    std::chrono::microseconds period_;
    std::atomic<bool> running_{true};
    std::atomic<uint64_t> cycles_{0};
    std::atomic<uint64_t> missed_{0};
    std::thread thread_;
};

TEST_F(NativeGui, KillingAShownProgramClosesItWithin100MsAndAudioMissesNoCycle) {
    open("urn:aap-native-gui-test:program-good");
    ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
    AudioLoop audio{*plugin_, std::chrono::microseconds(2667)};
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    ASSERT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    const std::vector<pid_t> programs = childrenOf(service_);
    ASSERT_EQ(programs.size(), 1u);
    const uint64_t missedBefore = audio.missed();
    const uint64_t cyclesAtKill = audio.cycles();
    const auto killed = Clock::now();
    ASSERT_EQ(::kill(programs[0], SIGKILL), 0);
    GuiEvents::Event closed;
    ASSERT_TRUE(events_.waitFor("closed-destroyed", id, std::chrono::seconds(2), &closed));
    EXPECT_LE(closed.at - killed, std::chrono::milliseconds(100));
    while (audio.cycles() < cyclesAtKill + 1000)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(audio.missed(), missedBefore) << "cycles missed after the GUI program was killed";
    EXPECT_TRUE(childrenOf(service_).empty());
    // While active, calls travel in the audio cycles: ask before the loop stops.
    EXPECT_EQ(value(gui_->setSize(id, GuiSize{10, 10}, kProxyTimeoutNs)), AAP_GUI_ERROR_UNKNOWN_GUI);
    audio.stop();
    EXPECT_EQ(plugin_->deactivate(), HostingStatus::Ok);
}

// ---- A GUI program's shared-memory GUI channel (docs/gui.md, "Parameters of a GUI program") ----

struct ChannelMisbehaviour {
    const char* plugin;
    const char* reason;  // in the sessions' drop reason
};

class MisbehavingChannel : public NativeGui, public ::testing::WithParamInterface<ChannelMisbehaviour> {};

// A program that writes garbage or corrupt indices on its channel: the host drops its GUI session
// with a reason that says so, while the instance plays on without a missed cycle.
TEST_P(MisbehavingChannel, IsDroppedWithAClearReasonAndAudioGoesOn) {
    open(GetParam().plugin);
    std::shared_ptr<GuiPath> path = plugin_->enableGuiPath();
    ASSERT_NE(path, nullptr);
    std::unique_ptr<GuiSessions> sessions;
    std::string error;
    ASSERT_EQ(GuiSessions::create(path, GuiInstanceInfo{48000, 128, 2}, {}, &sessions, &error), HostingStatus::Ok)
        << error;
    ASSERT_EQ(sessions->start(), HostingStatus::Ok);
    ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
    AudioLoop audio{*plugin_, std::chrono::microseconds(2667)};
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    uint32_t client = 0;
    ASSERT_EQ(plugin_->connectGuiProgram(id, *sessions, &client, &error), HostingStatus::Ok) << error;
    EXPECT_GE(client, 1u);
    const uint64_t missedBefore = audio.missed();
    const uint64_t cyclesBefore = audio.cycles();
    const auto until = Clock::now() + std::chrono::seconds(3);
    while (sessions->dropped() == 0 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(sessions->dropped(), 1u);
    EXPECT_NE(sessions->lastDropReason().find(GetParam().reason), std::string::npos) << sessions->lastDropReason();
    EXPECT_EQ(sessions->clientCount(), 0u);
    while (audio.cycles() < cyclesBefore + 300)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(audio.missed(), missedBefore) << "cycles missed while the GUI channel was dropped";
    // Only the channel's session ended: the GUI itself is still there until the host destroys it.
    EXPECT_EQ(events_.count("closed-destroyed"), 0u);
    EXPECT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    audio.stop();
    sessions->stop();
    EXPECT_EQ(plugin_->deactivate(), HostingStatus::Ok);
}

INSTANTIATE_TEST_SUITE_P(
    Channels, MisbehavingChannel,
    ::testing::Values(ChannelMisbehaviour{"urn:aap-native-gui-test:program-channel-garbage", "malformed message: bad magic"},
                      ChannelMisbehaviour{"urn:aap-native-gui-test:program-channel-corrupt",
                                          "program -> host ring is corrupt"},
                      ChannelMisbehaviour{"urn:aap-native-gui-test:program-channel-bad-read",
                                          "read index of the host -> program ring is out of range"}),
    [](const ::testing::TestParamInfo<ChannelMisbehaviour>& info) {
        const std::string plugin = info.param.plugin;
        std::string name;
        for (char c : plugin.substr(plugin.rfind("channel-") + 8))
            if (c != '-')
                name += c;
        return name;
    });

TEST_F(NativeGui, AGuiChannelNeedsALiveProgramThatImplementsIt) {
    open("urn:aap-native-gui-test:program-good");
    std::shared_ptr<GuiPath> path = plugin_->enableGuiPath();
    ASSERT_NE(path, nullptr);
    std::unique_ptr<GuiSessions> sessions;
    std::string error;
    ASSERT_EQ(GuiSessions::create(path, GuiInstanceInfo{48000, 128, 2}, {}, &sessions, &error), HostingStatus::Ok);
    // No GUI yet: no program to hand it to.
    EXPECT_EQ(plugin_->connectGuiProgram(1, *sessions, nullptr, &error), HostingStatus::NotFound);
    EXPECT_NE(error.find("no live GUI program of that id"), std::string::npos) << error;
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    EXPECT_EQ(plugin_->connectGuiProgram(id + 1, *sessions, nullptr, &error), HostingStatus::NotFound);
    // gui-good answers CHANNEL with NOT_IMPLEMENTED: a clear Unsupported, and the GUI goes on.
    EXPECT_EQ(plugin_->connectGuiProgram(id, *sessions, nullptr, &error), HostingStatus::Unsupported);
    EXPECT_NE(error.find("without CHANNEL"), std::string::npos) << error;
    EXPECT_EQ(sessions->clientCount(), 0u) << "a channel that was not handed over is detached";
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_TRUE(childrenGone(service_));
}

TEST_F(NativeGui, AnInProcessGuiGetsNoGuiChannel) {
    open("urn:aap-native-gui-test:in-process");
    std::shared_ptr<GuiPath> path = plugin_->enableGuiPath();
    ASSERT_NE(path, nullptr);
    std::unique_ptr<GuiSessions> sessions;
    std::string error;
    ASSERT_EQ(GuiSessions::create(path, GuiInstanceInfo{48000, 128, 2}, {}, &sessions, &error), HostingStatus::Ok);
    EXPECT_EQ(plugin_->connectGuiProgram(1, *sessions, nullptr, &error), HostingStatus::Unsupported);
}

TEST_F(NativeGui, ALateDestroyOfADeadSessionChangesNothing) {
    open("urn:aap-native-gui-test:program-good");
    const int32_t first = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(first, 1);
    ASSERT_EQ(value(gui_->show(first, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    std::vector<pid_t> programs = childrenOf(service_);
    ASSERT_EQ(programs.size(), 1u);
    ASSERT_EQ(::kill(programs[0], SIGKILL), 0);
    ASSERT_TRUE(events_.waitFor("closed-destroyed", first, std::chrono::seconds(2)));
    const int32_t second = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GT(second, first) << "session ids are never reused";
    ASSERT_EQ(value(gui_->show(second, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    programs = childrenOf(service_);
    ASSERT_EQ(programs.size(), 1u);
    // destroy has no result in the C ABI: it is answered OK and ignored; hide reports the dead id.
    EXPECT_EQ(value(gui_->destroy(first, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(value(gui_->hide(first, kProxyTimeoutNs)), AAP_GUI_ERROR_UNKNOWN_GUI);
    // The live session is untouched.
    EXPECT_EQ(childrenOf(service_), programs);
    EXPECT_EQ(value(gui_->setSize(second, GuiSize{320, 240}, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(events_.count("closed-destroyed"), 1u);
    // The loop waits quietly: the dead session's socket left it, the live one's notifications are
    // read (the program sent one after the ack of show). Idle for 500 ms: well under 100 ms of CPU.
    ASSERT_TRUE(events_.waitFor("resize", second, std::chrono::seconds(2)));
    const long before = cpuTicks(service_);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_LT(cpuTicks(service_) - before, ::sysconf(_SC_CLK_TCK) / 10) << "the service spins";
    EXPECT_EQ(value(gui_->destroy(second, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_TRUE(childrenGone(service_));
}

TEST_F(NativeGui, AHundredCreateDestroyRoundsLeakNoProcessAndNoDescriptor) {
    open("urn:aap-native-gui-test:program-good");
    // One round first, so that lazily created things (the GUI thread, its eventfd) exist.
    int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    ASSERT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    ASSERT_TRUE(childrenGone(service_));
    const size_t serviceFds = openDescriptors(service_);
    const size_t hostFds = openDescriptors(::getpid());
    for (int round = 0; round < 100; round++) {
        id = value(gui_->create(AAP_GUI_API_X11, round % 2 == 1, kProxyTimeoutNs));
        ASSERT_GE(id, 1) << "round " << round;
        ASSERT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
        ASSERT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    }
    EXPECT_TRUE(childrenGone(service_));
    EXPECT_EQ(openDescriptors(service_), serviceFds);
    EXPECT_EQ(openDescriptors(::getpid()), hostFds);
}

// ---- in-process GUIs: the service's GUI thread ----

TEST_F(NativeGui, InProcessGuiCallsRunOnTheGuiThreadWithItsFdAndTimerLoop) {
    open("urn:aap-native-gui-test:in-process");
    ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(plugin_->process(128, 1'000'000'000), HostingStatus::Ok);
    // While active, calls come through the realtime path and the AAPXS worker, so keep cycling.
    std::atomic<bool> cycling{true};
    std::thread audio([&] {
        while (cycling.load()) {
            (void)plugin_->process(128, 1'000'000'000);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    EXPECT_GE(id, 1);
    EXPECT_EQ(value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs)), AAP_GUI_ERROR_ALREADY_INSTANTIATED);
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    GuiEvents::Event threads;
    ASSERT_TRUE(events_.waitFor("resize", id, std::chrono::seconds(2), &threads));
    EXPECT_EQ(threads.a, 0u) << "a GUI call ran on the service's main (control) thread";
    EXPECT_EQ(threads.b, 2u) << "a GUI call ran on the audio thread (1), or process() never ran (3)";
    // set_size writes to the plugin's pipe; the loop calls on_fd, which sends request_show.
    EXPECT_EQ(value(gui_->setSize(id, GuiSize{100, 100}, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_TRUE(events_.waitFor("show", id, std::chrono::seconds(2)));
    // The 5 ms timer has fired by now: hide answers with request_hide.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(value(gui_->hide(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    EXPECT_TRUE(events_.waitFor("hide", id, std::chrono::seconds(2)));
    EXPECT_EQ(value(gui_->destroy(id, kProxyTimeoutNs)), AAP_GUI_RESULT_OK);
    cycling.store(false);
    audio.join();
    EXPECT_EQ(plugin_->deactivate(), HostingStatus::Ok);
}

TEST_F(NativeGui, AnInProcessGuiThatHangsFailsAtItsDeadlineAndIsClosedWhileAudioGoesOn) {
    open("urn:aap-native-gui-test:in-process");
    const int32_t id = value(gui_->create(AAP_GUI_API_X11, false, kProxyTimeoutNs));
    ASSERT_GE(id, 1);
    const auto start = Clock::now();
    EXPECT_EQ(value(gui_->setScale(id, 99.0, kProxyTimeoutNs)), AAP_GUI_ERROR_TIMEOUT);  // the plugin sleeps 1.5 s
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, std::chrono::nanoseconds(kCallNs));
    EXPECT_LE(elapsed, std::chrono::nanoseconds(kCallNs) + std::chrono::milliseconds(300));
    EXPECT_TRUE(events_.waitFor("closed-destroyed", id, std::chrono::seconds(1)));
    // Audio does not depend on the GUI thread.
    ASSERT_EQ(plugin_->activate(), HostingStatus::Ok);
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(plugin_->process(128, 1'000'000'000), HostingStatus::Ok);
    EXPECT_EQ(plugin_->deactivate(), HostingStatus::Ok);
    // Every later GUI call fails at once.
    EXPECT_EQ(value(gui_->show(id, kProxyTimeoutNs)), AAP_GUI_ERROR_TIMEOUT);
    // Let the plugin's sleep end before the instance is destroyed.
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
}

TEST(NativeGuiOptions, DeadlinesOutOfRangeAreRefusedWhenTheServiceStarts) {
    const auto attempt = [](ServiceGuiDeadlines deadlines, int64_t controlTimeoutNs) {
        PluginHostOptions options = testOptions(PluginIsolation::ProcessPerInstance);
        options.process.controlTimeoutNs = controlTimeoutNs;
        options.process.guiDeadlines = deadlines;
        PluginHost host{PluginCatalog::scan({AAP_NATIVE_GUI_TEST_BUNDLE_DIR}), options};
        std::unique_ptr<PluginInstance> instance;
        std::string error;
        const HostingStatus status = host.instantiate("urn:aap-native-gui-test:program-good", &instance, &error);
        return std::make_pair(status, error);
    };
    const int64_t ms = 1'000'000;
    for (ServiceGuiDeadlines bad : {ServiceGuiDeadlines{0, 300 * ms, 200 * ms}, ServiceGuiDeadlines{300 * ms, 300 * ms, 1500},
                                    ServiceGuiDeadlines{300 * ms, 60'001 * ms, 200 * ms},
                                    ServiceGuiDeadlines{2'000 * ms, 1'000 * ms, 200 * ms}}) {
        const auto [status, error] = attempt(bad, 3'000 * ms);
        EXPECT_EQ(status, HostingStatus::InvalidArgument);
        EXPECT_NE(error.find("guiDeadlines"), std::string::npos) << error;
    }
    EXPECT_EQ(attempt(ServiceGuiDeadlines{300 * ms, 300 * ms, 200 * ms}, 3'000 * ms).first, HostingStatus::Ok);
    EXPECT_TRUE(noChildProcessesRemain());
}

} // namespace
} // namespace aap::test
