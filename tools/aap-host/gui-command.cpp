// aap-host gui: shows a plugin's GUI. `--native` selects the plugin's own (gui/v5) GUI
// (native-gui-command.cpp).

#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "exit-codes.h"

namespace aap::host_tool {

int runGuiCommand(const std::vector<std::string>& arguments) {
    if (std::find(arguments.begin(), arguments.end(), "--native") != arguments.end() ||
        std::find(arguments.begin(), arguments.end(), "--help") != arguments.end())
        return runNativeGuiCommand(arguments);
    std::fprintf(stderr, "aap-host gui: expected --native (aap-host gui --native <plugin>; see aap-host gui --help)\n");
    return kExitUsage;
}

} // namespace aap::host_tool
