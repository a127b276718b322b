#include "aap/hosting/plugin-search-path.h"

#include <cstdlib>
#include <string_view>

namespace aap {

std::vector<std::string> buildPluginSearchPath(const char* aapPluginPath, const char* xdgDataHome,
                                               const char* home) {
    std::vector<std::string> path;
    if (aapPluginPath) {
        std::string_view remaining(aapPluginPath);
        for (;;) {
            size_t colon = remaining.find(':');
            std::string_view entry = remaining.substr(0, colon);
            if (!entry.empty())
                path.emplace_back(entry);
            if (colon == std::string_view::npos)
                break;
            remaining.remove_prefix(colon + 1);
        }
    }
    // The XDG base directory specification says relative values are invalid and to be ignored.
    if (xdgDataHome && xdgDataHome[0] == '/')
        path.push_back(std::string(xdgDataHome) + "/aap/plugins");
    else if (home && home[0] == '/')
        path.push_back(std::string(home) + "/.local/share/aap/plugins");
    path.emplace_back("/usr/local/lib/aap/plugins");
    path.emplace_back("/usr/lib/aap/plugins");
    return path;
}

std::vector<std::string> defaultPluginSearchPath() {
    std::vector<std::string> path = buildPluginSearchPath(std::getenv("AAP_PLUGIN_PATH"), std::getenv("XDG_DATA_HOME"),
                                                          std::getenv("HOME"));
#ifdef AAP_INSTALLED_PLUGIN_DIR
    // The installation this SDK was built for, when it is not one of the standard directories
    // (e.g. a prefix under $HOME): its plugins are found with no environment variable.
    const std::string installed = AAP_INSTALLED_PLUGIN_DIR;
    bool listed = false;
    for (const std::string& entry : path)
        listed = listed || entry == installed;
    if (!listed)
        path.push_back(installed);
#endif
    return path;
}

}  // namespace aap
