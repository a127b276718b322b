#pragma once
// Strict parser of aap_metadata.xml (format: docs/metadata.md). Uses its own small XML reader
// (standard library only) and never loads plugin code. Thread-safe: no shared state.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "catalog-diagnostic.h"
#include "plugin-information.h"

namespace aap {

// Name of the metadata file inside a plugin bundle directory.
inline constexpr const char* kPluginMetadataFileName = "aap_metadata.xml";

// Files larger than this are rejected without being parsed.
inline constexpr std::size_t kMaxMetadataFileSize = 1024 * 1024;

// At most this many diagnostics are reported per metadata file; the rest are counted in one
// final Warning ("N more problems in this file are not reported").
inline constexpr std::size_t kMaxDiagnosticsPerFile = 100;

struct MetadataParseResult {
    // Plugins that parsed without error, in document order, default ports applied. A plugin
    // with an error is left out; the other plugins of the same file are kept unless the file
    // itself is malformed (XML syntax, wrong root), in which case this is empty.
    std::vector<PluginInformation> plugins;
    std::vector<CatalogDiagnostic> diagnostics;
};

// Parses metadata text. `filePath` is used in diagnostics and stored as metadataFilePath;
// `bundleDirectory` is where library= is resolved and checked for existence.
MetadataParseResult parsePluginMetadata(std::string_view text, const std::string& filePath,
                                        const std::string& bundleDirectory);

// Reads and parses `<bundleDirectory>/aap_metadata.xml`. Unreadable or oversized files give one
// Error diagnostic and no plugins. `bundleDirectory` is made absolute first.
MetadataParseResult parsePluginBundle(const std::string& bundleDirectory);

}  // namespace aap
