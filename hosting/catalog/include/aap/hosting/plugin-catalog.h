#pragma once
// The plugin catalog: every plugin found on a search path, read from metadata only (no plugin
// code is ever loaded here), plus the diagnostics of everything that could not be read.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog-diagnostic.h"
#include "plugin-information.h"

namespace aap {

// Outcome of PluginCatalog::lookup().
struct PluginLookupResult {
    // The plugin found, pointing into the catalog (valid while the catalog lives, unchanged);
    // null when nothing or more than one plugin matched.
    const PluginInformation* plugin = nullptr;
    // Unique ids of every plugin that matched equally well, when more than one did.
    std::vector<std::string> candidates;
    // Human-readable reason when plugin is null ("no plugin matches 'x'" or "'x' is ambiguous:
    // ..." listing candidates); empty on success.
    std::string error;

    explicit operator bool() const { return plugin != nullptr; }
};

class PluginCatalog {
public:
    PluginCatalog() = default;

    // Scans each directory of `searchPath` in order. A directory is either a bundle itself (it
    // contains aap_metadata.xml) or holds bundle subdirectories (one level, visited in name
    // order). Missing directories are skipped silently; a directory listed twice (same
    // canonical path) is scanned once. When two plugins share a unique-id, the first one found
    // wins and the later one is reported as an Error diagnostic.
    // Never throws for file-system or metadata problems: they become diagnostics.
    static PluginCatalog scan(const std::vector<std::string>& searchPath);

    // Plugins in discovery order.
    const std::vector<PluginInformation>& plugins() const { return plugins_; }
    const std::vector<CatalogDiagnostic>& diagnostics() const { return diagnostics_; }

    // Exact unique-id match, or null.
    const PluginInformation* findByUniqueId(std::string_view uniqueId) const;

    // Resolves what a user typed (e.g. `aap-host info <plugin>`), trying in turn, and stopping
    // at the first step that matches anything:
    //   1. exact unique-id, 2. exact display name (case-insensitive ASCII),
    //   3. the unique-id's last segment after ':' or '/' ("poly-synth" for
    //      "urn:aap-examples:poly-synth", case-insensitive ASCII),
    //   4. unique-id prefix, 5. display-name prefix (case-insensitive ASCII).
    // More than one match in a step is an error listing the candidates. An empty query matches
    // nothing.
    PluginLookupResult lookup(std::string_view query) const;

    // Adds one plugin unless its unique-id is already present; returns false (and adds an Error
    // diagnostic naming both metadata files) when it is a duplicate.
    bool add(PluginInformation plugin);
    void addDiagnostic(CatalogDiagnostic diagnostic);

private:
    std::vector<PluginInformation> plugins_;
    std::unordered_map<std::string, size_t> indexByUniqueId_;  // into plugins_
    std::vector<CatalogDiagnostic> diagnostics_;
};

}  // namespace aap
