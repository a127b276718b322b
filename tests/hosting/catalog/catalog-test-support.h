#pragma once
// Shared fixtures for the catalog tests: a temporary directory made with mkdtemp and removed
// afterwards, bundle writers, and diagnostic assertions.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "aap/hosting/catalog-diagnostic.h"
#include "aap/hosting/metadata-parser.h"

namespace aap::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TemporaryDirectory {
public:
    TemporaryDirectory();
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::string& path() const { return path_; }
    // path() + "/" + relative
    std::string path(std::string_view relative) const;

private:
    std::string path_;
};

// Writes `contents` to `path`, creating parent directories.
void writeFile(const std::string& path, std::string_view contents);

// Creates `directory` holding aap_metadata.xml with `metadata` and an empty library file
// "libplugin.so". Returns the directory.
std::string writeBundle(const std::string& directory, std::string_view metadata);

// A complete <plugins> document with one plugin; `extraAttributes` is appended to the <plugin>
// tag, `body` goes inside it.
std::string singlePluginMetadata(std::string_view uniqueId, std::string_view extraAttributes = "",
                                 std::string_view body = "");

// Fixture: a bundle directory with libplugin.so, and a parse() of metadata text as if it were
// that bundle's aap_metadata.xml.
class MetadataTest : public ::testing::Test {
protected:
    MetadataTest();
    MetadataParseResult parse(std::string_view text) const;
    std::string metadataPath() const;

    TemporaryDirectory temp_;
    std::string bundle_;
};

// Succeeds when the diagnostics hold exactly one Error, at `line` (and `column` when > 0), whose
// message contains `fragment`.
::testing::AssertionResult hasSingleError(const std::vector<CatalogDiagnostic>& diagnostics,
                                          int line, int column, std::string_view fragment);

// Number of diagnostics of the given severity.
size_t countSeverity(const std::vector<CatalogDiagnostic>& diagnostics,
                     DiagnosticSeverity severity);

}  // namespace aap::testing
