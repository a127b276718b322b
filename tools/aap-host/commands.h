#pragma once
// The aap-host subcommands. Each takes the words after its name and returns an ExitCode
// (exit-codes.h); messages go to stderr, results to stdout.

#include <string>
#include <vector>

namespace aap::host_tool {

int runListCommand(const std::vector<std::string>& arguments);
int runInfoCommand(const std::vector<std::string>& arguments);
int runRenderCommand(const std::vector<std::string>& arguments);
int runBenchCommand(const std::vector<std::string>& arguments);
int runValidateCommand(const std::vector<std::string>& arguments);
int runDemoCommand(const std::vector<std::string>& arguments);
int runPlayCommand(const std::vector<std::string>& arguments);
int runGuiCommand(const std::vector<std::string>& arguments);
// `gui --native`: the plugin's native GUI (gui/v5) in a window of aap-host (native-gui-command.cpp).
int runNativeGuiCommand(const std::vector<std::string>& arguments);

} // namespace aap::host_tool
