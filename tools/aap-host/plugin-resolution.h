#pragma once
// What every aap-host subcommand that touches plugins shares: the search path (--plugin-path
// overrides the default), the catalog with its diagnostics printed on stderr, resolving the name
// the user typed, and host options that find aap-plugin-service.

#include <string>
#include <vector>

#include "aap/hosting/plugin-catalog.h"
#include "aap/hosting/plugin-host.h"
#include "command-line.h"

namespace aap::host_tool {

// The options every plugin-using subcommand accepts.
std::vector<OptionSpec> pluginOptions();

// --sandbox, for the subcommands that run a plugin (render, validate, bench).
OptionSpec sandboxOption();

// --plugin-path values, or aap::defaultPluginSearchPath() when none is given.
std::vector<std::string> searchPathFrom(const ParsedArguments& arguments);

// Scans and prints every diagnostic to stderr ("aap-host: warning: file:line:col: ...") unless
// `quiet`.
PluginCatalog scanCatalog(const std::vector<std::string>& searchPath, bool quiet);

// The Warning diagnostics of the metadata file `plugin` came from (things the catalog ignored
// there: unknown attributes, an unknown bom, ...), in file order.
std::vector<CatalogDiagnostic> metadataWarningsOf(const PluginCatalog& catalog, const PluginInformation& plugin);

// --in-process selects PluginIsolation::InProcess; --service PATH the service executable;
// --sandbox enables ProcessTransportOptions::sandbox (the bundle becomes writable, nothing else).
PluginHostOptions hostOptionsFrom(const ParsedArguments& arguments);

// Looks `query` up; prints the reason on stderr and returns null when nothing (or more than one
// plugin) matches.
const PluginInformation* resolvePlugin(const PluginCatalog& catalog, const std::string& query);

} // namespace aap::host_tool
