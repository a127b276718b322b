// libFuzzer target: the strict aap_metadata.xml parser (hosting/catalog: its own XML reader, the
// metadata rules, default ports) on arbitrary text, as the catalog reads any bundle on the search
// path; then the JSON writer over whatever it accepted, as `aap-host list --json` does. Beyond
// "no crash, no sanitizer report", it checks: diagnostics are bounded per file and carry a
// message; every accepted plugin has a unique id and ports.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aap/hosting/metadata-parser.h"
#include "aap/hosting/plugin-json.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > aap::kMaxMetadataFileSize)
        return 0;  // the catalog rejects larger files before parsing
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    aap::MetadataParseResult result =
        aap::parsePluginMetadata(text, "/fuzz/bundle/aap_metadata.xml", "/fuzz/bundle");
    check(result.diagnostics.size() <= aap::kMaxDiagnosticsPerFile + 1);
    for (const aap::CatalogDiagnostic& diagnostic : result.diagnostics) {
        check(!diagnostic.message.empty());
        check(!aap::toJson(diagnostic).empty());
    }
    for (const aap::PluginInformation& plugin : result.plugins) {
        check(!plugin.uniqueId.empty());
        check(!aap::toJson(plugin).empty());
    }
    return 0;
}
