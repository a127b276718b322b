#include "catalog-test-support.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace aap::testing {

namespace fs = std::filesystem;

TemporaryDirectory::TemporaryDirectory() {
    std::string pattern = (fs::temp_directory_path() / "aap-catalog-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
        ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string TemporaryDirectory::path(std::string_view relative) const {
    return path_ + "/" + std::string(relative);
}

void writeFile(const std::string& path, std::string_view contents) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    stream.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!stream)
        ADD_FAILURE() << "cannot write " << path;
}

std::string writeBundle(const std::string& directory, std::string_view metadata) {
    writeFile(directory + "/aap_metadata.xml", metadata);
    writeFile(directory + "/libplugin.so", "");
    return directory;
}

std::string singlePluginMetadata(std::string_view uniqueId, std::string_view extraAttributes,
                                 std::string_view body) {
    std::string text = "<plugins>\n  <plugin name=\"Test Plugin\" unique-id=\"";
    text += uniqueId;
    text += "\" library=\"libplugin.so\"";
    if (!extraAttributes.empty()) {
        text += ' ';
        text += extraAttributes;
    }
    text += ">";
    text += body;
    text += "</plugin>\n</plugins>\n";
    return text;
}

MetadataTest::MetadataTest() {
    bundle_ = temp_.path("bundle");
    writeFile(bundle_ + "/libplugin.so", "");
}

MetadataParseResult MetadataTest::parse(std::string_view text) const {
    return parsePluginMetadata(text, metadataPath(), bundle_);
}

std::string MetadataTest::metadataPath() const { return bundle_ + "/aap_metadata.xml"; }

::testing::AssertionResult hasSingleError(const std::vector<CatalogDiagnostic>& diagnostics,
                                          int line, int column, std::string_view fragment) {
    std::string all;
    for (const auto& d : diagnostics)
        all += "\n  " + d.toString();
    if (countSeverity(diagnostics, DiagnosticSeverity::Error) != 1)
        return ::testing::AssertionFailure() << "expected exactly one error, got:" << all;
    for (const auto& d : diagnostics) {
        if (d.severity != DiagnosticSeverity::Error)
            continue;
        if (d.line != line || (column > 0 && d.column != column))
            return ::testing::AssertionFailure()
                   << "expected the error at " << line << ":" << column << ", got:" << all;
        if (d.message.find(fragment) == std::string::npos)
            return ::testing::AssertionFailure()
                   << "expected the message to contain \"" << fragment << "\", got:" << all;
        if (d.file.empty())
            return ::testing::AssertionFailure() << "the error names no file:" << all;
    }
    return ::testing::AssertionSuccess();
}

size_t countSeverity(const std::vector<CatalogDiagnostic>& diagnostics,
                     DiagnosticSeverity severity) {
    size_t count = 0;
    for (const auto& d : diagnostics)
        count += d.severity == severity ? 1 : 0;
    return count;
}

}  // namespace aap::testing
