// `aap-host gui --native` in an aap-host built without X11 (libX11 not found at build time):
// native-gui-command.cpp and x11-host-window.cpp compiled here without AAP_HOST_HAVE_X11,
// exactly as tools/aap-host/CMakeLists.txt compiles them then. The command says why native GUIs
// are unavailable and exits with the "unavailable" code (8), before it loads any plugin.

#include <gtest/gtest.h>

#include <string>

#include "commands.h"
#include "exit-codes.h"

namespace {

using namespace aap::host_tool;

TEST(AapHostNativeGuiUnavailable, SaysWhyAndExitsWithTheUnavailableCode) {
    testing::internal::CaptureStderr();
    const int code = runNativeGuiCommand({"--native", "--plugin-path", "/nonexistent", "x11-editor"});
    const std::string error = testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, kExitGuiUnavailable);
    EXPECT_EQ(code, 8);
    EXPECT_NE(error.find("aap-host gui: native GUIs are unavailable: this aap-host was built without X11"),
              std::string::npos)
        << error;
}

TEST(AapHostNativeGuiUnavailable, UsageErrorsAreStillUsageErrors) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(runNativeGuiCommand({"--native", "--width", "0", "x11-editor"}), kExitUsage);
    (void)testing::internal::GetCapturedStderr();
}

} // namespace
