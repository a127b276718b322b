#pragma once
// The GUI lifecycle checks of `aap-host validate --gui` (docs/aap-host.md): create, set_parent,
// show, set_size, hide and destroy of the plugin's native GUI (gui/v5) against a real X11 window
// of aap-host, each answer checked against what the window tree shows and against the deadlines
// of GUI programs (2 s for create, 500 ms for every other call).

#include <functional>
#include <string>

#include "aap/hosting/plugin-catalog.h"
#include "aap/hosting/plugin-host.h"

namespace aap::host_tool {

enum class GuiVerdict { Pass, Warn, Fail };
using GuiCheckReport = std::function<void(GuiVerdict verdict, const std::string& check, const std::string& detail)>;

// Deadlines a GUI's answers are held to (the service's defaults for GUI programs, docs/gui.md).
inline constexpr int64_t kGuiCreateDeadlineNs = 2'000'000'000;
inline constexpr int64_t kGuiCallDeadlineNs = 500'000'000;

// True when `plugin` declares a native GUI: the gui/v5 extension in its metadata (a GUI in its
// process), or a GUI program (gui:program; the plugin service answers gui/v5 for it).
bool declaresNativeGui(const PluginInformation& plugin);

// True when native GUI checks can run here (aap-host has X11 and $DISPLAY answers); else false
// with the reason in *why.
bool guiChecksAvailable(std::string* why);

// Runs the checks on `plugin` in a fresh instance made with `catalog` and `options` (the host
// extension answering the GUI's requests is added), reporting one line per check.
void runGuiChecks(const PluginCatalog& catalog, const PluginHostOptions& options, const PluginInformation& plugin,
                  const GuiCheckReport& report);

} // namespace aap::host_tool
