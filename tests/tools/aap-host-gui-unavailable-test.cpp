// `aap-host gui` in an aap-host built without the web GUI server (no civetweb, or
// -DAAP_WITH_WEB_GUI=OFF): gui-command.cpp compiled here with AAP_HOST_HAVE_WEB_GUI=0, exactly
// as tools/aap-host/CMakeLists.txt compiles it then. The command says why it is unavailable and
// exits with its own code (8); --help still works.

#include <gtest/gtest.h>

#include <string>

#include "commands.h"
#include "exit-codes.h"

// gui-command.cpp hands `--native` to runNativeGuiCommand (native-gui-command.cpp, which needs
// Xlib and is not linked here): this one records that it was called.
namespace aap::host_tool {
int nativeCalls = 0;
int runNativeGuiCommand(const std::vector<std::string>&) {
    nativeCalls++;
    return 42;
}
} // namespace aap::host_tool

namespace {

using namespace aap::host_tool;

TEST(AapHostGuiUnavailable, NativeIsHandedToTheNativeCommand) {
    nativeCalls = 0;
    EXPECT_EQ(runGuiCommand({"--native", "poly-synth"}), 42);
    EXPECT_EQ(runGuiCommand({"poly-synth", "--native", "--help"}), 42);
    EXPECT_EQ(nativeCalls, 2);
}

TEST(AapHostGuiUnavailable, SaysWhyAndExitsWithItsOwnCode) {
    testing::internal::CaptureStderr();
    const int code = runGuiCommand({"poly-synth", "--backend", "null"});
    const std::string error = testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, kExitGuiUnavailable);
    EXPECT_EQ(code, 8);
    EXPECT_NE(error.find("aap-host gui: unavailable: this aap-host was built without the web GUI server (civetweb"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("libcivetweb-dev"), std::string::npos) << error;
}

TEST(AapHostGuiUnavailable, HelpStillWorksAndSaysSo) {
    testing::internal::CaptureStdout();
    const int code = runGuiCommand({"--help"});
    const std::string help = testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, kExitOk);
    EXPECT_NE(help.find("usage: aap-host gui <plugin>"), std::string::npos) << help;
    EXPECT_NE(help.find("built without the web GUI server"), std::string::npos) << help;
}

} // namespace
