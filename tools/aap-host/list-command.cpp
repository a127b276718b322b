// aap-host list: the plugins on the search path, from metadata only (no plugin code is loaded).

#include <cstdio>

#include "aap/hosting/plugin-json.h"
#include "commands.h"
#include "exit-codes.h"
#include "plugin-resolution.h"

namespace aap::host_tool {

int runListCommand(const std::vector<std::string>& arguments) {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back({"json", nullptr, "print {\"plugins\": [...], \"diagnostics\": [...]} as JSON"});
    specs.push_back({"help", nullptr, "show this help"});
    ParsedArguments parsed;
    std::string error;
    if (!parseArguments(arguments, specs, &parsed, &error) || !parsed.positional().empty()) {
        std::fprintf(stderr, "aap-host list: %s\n", error.empty() ? "takes no positional arguments" : error.c_str());
        return kExitUsage;
    }
    if (parsed.has("help")) {
        std::printf("usage: aap-host list [options]\n"
                    "Lists the plugins found on the search path (metadata only; no plugin code runs).\n"
                    "Catalog diagnostics (bad metadata, duplicate ids) go to stderr.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet") || parsed.has("json"));
    if (parsed.has("json")) {
        std::printf("%s\n", toJson(catalog).c_str());
        if (!parsed.has("quiet"))
            for (const CatalogDiagnostic& diagnostic : catalog.diagnostics())
                std::fprintf(stderr, "aap-host: %s\n", diagnostic.toString().c_str());
        return kExitOk;
    }
    if (catalog.plugins().empty()) {
        std::fprintf(stderr, "aap-host list: no plugins found\n");
        return kExitOk;
    }
    for (const PluginInformation& plugin : catalog.plugins())
        std::printf("%-40s %-28s %-10s %s\n", plugin.uniqueId.c_str(), plugin.displayName.c_str(),
                    plugin.isInstrument() ? "instrument" : "effect", plugin.bundleDirectory.c_str());
    return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
}

} // namespace aap::host_tool
