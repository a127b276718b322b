#include "plugin-resolution.h"

#include <cstdio>

#include "aap/hosting/plugin-search-path.h"

namespace aap::host_tool {

std::vector<OptionSpec> pluginOptions() {
    return {
        {"plugin-path", "DIR", "search DIR for plugin bundles instead of the default search path", true},
        {"in-process", nullptr, "load the plugin into aap-host itself (debugging; no crash isolation)"},
        {"service", "PATH", "aap-plugin-service executable (default: $AAP_PLUGIN_SERVICE, next to aap-host, ../libexec/aap, the installed one)"},
        {"quiet", nullptr, "do not print catalog diagnostics"},
    };
}

OptionSpec sandboxOption() {
    return {"sandbox", nullptr,
            "run the plugin service sandboxed: read-only files outside the plugin's bundle, no network "
            "(Landlock + seccomp; an error where the kernel cannot)"};
}

std::vector<std::string> searchPathFrom(const ParsedArguments& arguments) {
    const auto& paths = arguments.values("plugin-path");
    return paths.empty() ? defaultPluginSearchPath() : paths;
}

PluginCatalog scanCatalog(const std::vector<std::string>& searchPath, bool quiet) {
    PluginCatalog catalog = PluginCatalog::scan(searchPath);
    if (!quiet)
        for (const CatalogDiagnostic& diagnostic : catalog.diagnostics())
            std::fprintf(stderr, "aap-host: %s\n", diagnostic.toString().c_str());
    return catalog;
}

std::vector<CatalogDiagnostic> metadataWarningsOf(const PluginCatalog& catalog, const PluginInformation& plugin) {
    std::vector<CatalogDiagnostic> warnings;
    for (const CatalogDiagnostic& diagnostic : catalog.diagnostics())
        if (diagnostic.severity == DiagnosticSeverity::Warning && diagnostic.file == plugin.metadataFilePath)
            warnings.push_back(diagnostic);
    return warnings;
}

PluginHostOptions hostOptionsFrom(const ParsedArguments& arguments) {
    PluginHostOptions options;
    if (arguments.has("in-process"))
        options.isolation = PluginIsolation::InProcess;
    if (arguments.has("service"))
        options.process.servicePath = arguments.value("service");
    if (arguments.has("sandbox"))
        options.process.sandbox.enabled = true;
    return options;
}

const PluginInformation* resolvePlugin(const PluginCatalog& catalog, const std::string& query) {
    PluginLookupResult result = catalog.lookup(query);
    if (!result) {
        std::fprintf(stderr, "aap-host: %s\n", result.error.c_str());
        if (catalog.plugins().empty())
            std::fprintf(stderr, "aap-host: no plugins were found at all; check --plugin-path or AAP_PLUGIN_PATH\n");
        return nullptr;
    }
    return result.plugin;
}

} // namespace aap::host_tool
