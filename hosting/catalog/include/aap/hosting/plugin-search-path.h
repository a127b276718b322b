#pragma once
// Where the catalog looks for plugin bundles (docs/metadata.md, "Search path").

#include <string>
#include <vector>

namespace aap {

// Builds the search path from explicit environment values (null = unset), in this order:
//   1. each non-empty entry of `aapPluginPath` (colon-separated, like PATH),
//   2. `$xdgDataHome/aap/plugins` when xdgDataHome is an absolute path, else
//      `$home/.local/share/aap/plugins` when home is an absolute path,
//   3. /usr/local/lib/aap/plugins, /usr/lib/aap/plugins.
// Pure function: reads no environment (for tests and for callers with their own settings).
std::vector<std::string> buildPluginSearchPath(const char* aapPluginPath, const char* xdgDataHome,
                                               const char* home);

// buildPluginSearchPath() with AAP_PLUGIN_PATH, XDG_DATA_HOME and HOME from the process
// environment, then the plugin directory of the installation aap::hosting-catalog was built for
// (<prefix>/lib/aap/plugins, AAP_INSTALL_PLUGINDIR) unless already listed. [main-thread]: getenv
// is not safe against a concurrent setenv.
std::vector<std::string> defaultPluginSearchPath();

}  // namespace aap
