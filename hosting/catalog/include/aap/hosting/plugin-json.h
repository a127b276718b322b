#pragma once
// JSON rendering of catalog contents (for `aap-host list --json`). Output is compact, valid
// JSON (RFC 8259) and valid UTF-8: invalid UTF-8 bytes in input strings become U+FFFD.

#include <string>
#include <string_view>
#include <vector>

#include "catalog-diagnostic.h"
#include "plugin-catalog.h"
#include "plugin-information.h"

namespace aap {

// Appends `value` as a quoted JSON string: escapes '"', '\\' and every control character
// below U+0020 (\b \f \n \r \t or \u00XX), and U+2028/U+2029 (so the output is also valid
// JavaScript); replaces invalid UTF-8 sequences with U+FFFD.
void appendJsonString(std::string& out, std::string_view value);

// One plugin as a JSON object with keys: uniqueId, name, developer, version, category,
// isInstrument, library, entrypoint, bundleDirectory, metadataFile, portsDeclared,
// ports [{index, name, content ("audio"|"midi"|"midi2"|"undefined"), direction
// ("input"|"output")}], parameters [{id, name, minimum, maximum, default,
// enumerations [{value, name}]}], extensions [{uri, required}].
std::string toJson(const PluginInformation& plugin);

// {"file", "line", "column", "severity" ("error"|"warning"), "message"}
std::string toJson(const CatalogDiagnostic& diagnostic);

// {"plugins": [...], "diagnostics": [...]}
std::string toJson(const PluginCatalog& catalog);

}  // namespace aap
