#pragma once
// A problem found while scanning plugin bundles or parsing aap_metadata.xml. Diagnostics are
// values returned next to the plugins that could be read: a bad bundle never hides good ones.

#include <string>

namespace aap {

enum class DiagnosticSeverity {
    // Something was skipped: the whole file, one plugin, or a directory.
    Error,
    // Something was ignored (e.g. an unknown attribute); the plugin concerned is still listed.
    Warning,
};

struct CatalogDiagnostic {
    DiagnosticSeverity severity = DiagnosticSeverity::Error;
    std::string file;  // the metadata file or directory concerned (absolute when scanned)
    int line = 0;      // 1-based; 0 when the problem is not tied to a position in the file
    int column = 0;    // 1-based byte column; 0 when unknown
    std::string message;

    // "file:line:column: error: message" (line/column omitted when 0), the GCC style that
    // editors and CI logs understand.
    std::string toString() const;
};

}  // namespace aap
