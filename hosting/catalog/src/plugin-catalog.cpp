// Search-path scan and plugin lookup. Reads metadata only; never loads plugin code.

#include "aap/hosting/plugin-catalog.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "aap/hosting/metadata-parser.h"

namespace aap {

namespace {

namespace fs = std::filesystem;

CatalogDiagnostic directoryDiagnostic(DiagnosticSeverity severity, const std::string& path,
                                      std::string message) {
    CatalogDiagnostic diagnostic;
    diagnostic.severity = severity;
    diagnostic.file = path;
    diagnostic.message = std::move(message);
    return diagnostic;
}

bool containsMetadata(const fs::path& directory) {
    std::error_code ec;
    // Anything present (even unreadable, or a dangling symlink) makes this a bundle, so that its
    // problem gets reported instead of the bundle silently disappearing.
    fs::file_status status = fs::symlink_status(directory / kPluginMetadataFileName, ec);
    return status.type() != fs::file_type::not_found && status.type() != fs::file_type::none;
}

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    return true;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// What follows the last ':' or '/' of a unique id ("poly-synth" of "urn:aap-examples:poly-synth");
// the whole id when it has neither.
std::string_view uniqueIdLastSegment(std::string_view uniqueId) {
    size_t separator = uniqueId.find_last_of(":/");
    return separator == std::string_view::npos ? uniqueId : uniqueId.substr(separator + 1);
}

class SearchPathScanner {
public:
    explicit SearchPathScanner(PluginCatalog& catalog) : catalog_(catalog) {}

    void scanDirectory(const std::string& entry) {
        if (entry.empty())
            return;
        std::error_code ec;
        fs::path directory = fs::absolute(fs::path(entry), ec).lexically_normal();
        if (ec)
            directory = fs::path(entry);
        fs::file_status status = fs::status(directory, ec);
        if (status.type() == fs::file_type::not_found)
            return;  // search paths routinely name directories that do not exist
        if (ec) {
            catalog_.addDiagnostic(directoryDiagnostic(
                DiagnosticSeverity::Warning, directory.string(),
                "cannot access plugin search directory: " + ec.message()));
            return;
        }
        if (!fs::is_directory(status)) {
            catalog_.addDiagnostic(directoryDiagnostic(DiagnosticSeverity::Warning,
                                                       directory.string(),
                                                       "plugin search path entry is not a "
                                                       "directory; ignored"));
            return;
        }
        if (!firstVisit(visitedDirectories_, directory))
            return;
        if (containsMetadata(directory)) {
            scanBundle(directory);
            return;
        }
        std::vector<fs::path> bundles;
        fs::directory_iterator it(directory, ec);
        for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
            std::error_code typeError;
            if (it->is_directory(typeError) && containsMetadata(it->path()))
                bundles.push_back(it->path());
        }
        if (ec)
            catalog_.addDiagnostic(directoryDiagnostic(
                DiagnosticSeverity::Warning, directory.string(),
                "cannot list plugin search directory: " + ec.message()));
        std::sort(bundles.begin(), bundles.end());
        for (const auto& bundle : bundles)
            scanBundle(bundle);
    }

private:
    PluginCatalog& catalog_;
    std::set<fs::path> visitedDirectories_;
    std::set<fs::path> visitedBundles_;

    // Identity is the canonical path, so symlinks and repeated entries are scanned once.
    static bool firstVisit(std::set<fs::path>& visited, const fs::path& path) {
        std::error_code ec;
        fs::path canonical = fs::canonical(path, ec);
        return visited.insert(ec ? path : canonical).second;
    }

    void scanBundle(const fs::path& bundle) {
        if (!firstVisit(visitedBundles_, bundle))
            return;
        MetadataParseResult result = parsePluginBundle(bundle.string());
        for (auto& diagnostic : result.diagnostics)
            catalog_.addDiagnostic(std::move(diagnostic));
        for (auto& plugin : result.plugins)
            catalog_.add(std::move(plugin));
    }
};

}  // namespace

PluginCatalog PluginCatalog::scan(const std::vector<std::string>& searchPath) {
    PluginCatalog catalog;
    SearchPathScanner scanner(catalog);
    for (const auto& entry : searchPath)
        scanner.scanDirectory(entry);
    return catalog;
}

bool PluginCatalog::add(PluginInformation plugin) {
    auto [existing, inserted] = indexByUniqueId_.try_emplace(plugin.uniqueId, plugins_.size());
    if (!inserted) {
        addDiagnostic(directoryDiagnostic(
            DiagnosticSeverity::Error, plugin.metadataFilePath,
            "duplicate plugin unique-id '" + plugin.uniqueId + "': already provided by "
                + plugins_[existing->second].metadataFilePath + "; this one is ignored"));
        return false;
    }
    plugins_.push_back(std::move(plugin));
    return true;
}

void PluginCatalog::addDiagnostic(CatalogDiagnostic diagnostic) {
    diagnostics_.push_back(std::move(diagnostic));
}

const PluginInformation* PluginCatalog::findByUniqueId(std::string_view uniqueId) const {
    auto found = indexByUniqueId_.find(std::string(uniqueId));
    return found == indexByUniqueId_.end() ? nullptr : &plugins_[found->second];
}

PluginLookupResult PluginCatalog::lookup(std::string_view query) const {
    PluginLookupResult result;
    std::string quoted = "'" + std::string(query) + "'";
    if (query.empty()) {
        result.error = "no plugin matches an empty name";
        return result;
    }
    if ((result.plugin = findByUniqueId(query)))
        return result;
    using Matcher = bool (*)(const PluginInformation&, std::string_view);
    const Matcher steps[] = {
        [](const PluginInformation& p, std::string_view q) {
            return equalsIgnoreCase(p.displayName, q);
        },
        // The short name people type: "poly-synth" for "urn:aap-examples:poly-synth".
        [](const PluginInformation& p, std::string_view q) {
            return equalsIgnoreCase(uniqueIdLastSegment(p.uniqueId), q);
        },
        [](const PluginInformation& p, std::string_view q) {
            return p.uniqueId.compare(0, q.size(), q) == 0;
        },
        [](const PluginInformation& p, std::string_view q) {
            return startsWithIgnoreCase(p.displayName, q);
        },
    };
    for (Matcher matches : steps) {
        std::vector<const PluginInformation*> found;
        for (const auto& plugin : plugins_)
            if (matches(plugin, query))
                found.push_back(&plugin);
        if (found.empty())
            continue;
        if (found.size() == 1) {
            result.plugin = found.front();
            return result;
        }
        result.error = quoted + " is ambiguous; it matches:";
        for (const PluginInformation* plugin : found) {
            result.candidates.push_back(plugin->uniqueId);
            result.error += "\n  " + plugin->uniqueId + " (" + plugin->displayName + ")";
        }
        return result;
    }
    result.error = "no plugin matches " + quoted;
    return result;
}

}  // namespace aap
