#pragma once
// Strict parser of aap_metadata.xml (format: docs/metadata.md). Uses its own small XML reader
// (standard library only) and never loads plugin code. Thread-safe: no shared state.

#include <cstddef>
#include <cstdint>
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

// Largest minimumSize a port may declare (64 MiB, the largest port buffer a host allocates).
inline constexpr uint32_t kMaxPortMinimumSize = 64u * 1024u * 1024u;

// XML namespace of AAP's port properties (pp:minimumSize).
inline constexpr const char* kPortPropertiesNamespace = "urn:org.androidaudioplugin.port";
// AAP's GUI namespace. On <plugin>: gui:web-ui="FOLDER" (a web UI folder relative to the bundle,
// holding index.html) and AAP's gui:ui-view-factory (its web view factory class means the folder
// "web-ui"). docs/metadata.md, "Web UI".
inline constexpr const char* kGuiNamespace = "urn://androidaudioplugin.org/extensions/gui";
inline constexpr const char* kAapWebViewFactory = "org.androidaudioplugin.ui.web.AudioPluginWebViewFactory";
inline constexpr const char* kDefaultWebUiFolder = "web-ui";

// The `bom` values `<extensions bom="...">` understands, for messages.
inline constexpr const char* kKnownExtensionsBoms = "0.12.0";

// The standard extension set a `<extensions bom="...">` stands for, as AAP defines it: for
// "0.12.0", parameters/v4, state/v4, presets/v4, midi2/v3, port-config/v3 and gui/v4, none
// required, in that order. Empty for a bom this SDK does not know.
std::vector<ExtensionInformation> extensionsOfBom(std::string_view bom);

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
