// Reading aap_metadata.xml from disk: unreadable, oversized and boundary-sized files.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

namespace fs = std::filesystem;

TEST(MetadataFile, MissingFileIsUnreadable) {
    TemporaryDirectory temp;
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(result.plugins.empty());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0,
                               "cannot read metadata file: No such file or directory"));
    EXPECT_EQ(result.diagnostics[0].file, temp.path("aap_metadata.xml"));
}

TEST(MetadataFile, DanglingSymlinkIsUnreadable) {
    TemporaryDirectory temp;
    fs::create_symlink(temp.path("nowhere.xml"), temp.path("aap_metadata.xml"));
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0, "cannot read metadata file"));
}

TEST(MetadataFile, DirectoryInsteadOfFileIsUnreadable) {
    TemporaryDirectory temp;
    fs::create_directory(temp.path("aap_metadata.xml"));
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0, "it is a directory"));
}

TEST(MetadataFile, FifoIsRejectedWithoutBlocking) {
    TemporaryDirectory temp;
    ASSERT_EQ(mkfifo(temp.path("aap_metadata.xml").c_str(), 0600), 0);
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0, "it is not a regular file"));
}

TEST(MetadataFile, FileWithoutReadPermissionIsUnreadable) {
    if (geteuid() == 0)
        GTEST_SKIP() << "root reads files regardless of permissions";
    TemporaryDirectory temp;
    writeBundle(temp.path(), singlePluginMetadata("urn:x"));
    fs::permissions(temp.path("aap_metadata.xml"), fs::perms::none);
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0, "Permission denied"));
}

// A valid document padded with a comment to exactly `size` bytes.
std::string paddedMetadata(size_t size) {
    std::string head = singlePluginMetadata("urn:big") + "<!--";
    std::string tail = "-->\n";
    return head + std::string(size - head.size() - tail.size(), ' ') + tail;
}

TEST(MetadataFile, FileAtTheSizeLimitIsParsed) {
    TemporaryDirectory temp;
    writeBundle(temp.path(), paddedMetadata(kMaxMetadataFileSize));
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_EQ(result.plugins.size(), 1u);
}

TEST(MetadataFile, FileOverTheSizeLimitIsRejected) {
    TemporaryDirectory temp;
    writeBundle(temp.path(), paddedMetadata(kMaxMetadataFileSize + 1));
    MetadataParseResult result = parsePluginBundle(temp.path());
    EXPECT_TRUE(result.plugins.empty());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 0, 0,
                               "metadata file is too large (more than 1048576 bytes)"));
}

TEST(MetadataFile, RelativeBundleDirectoryIsMadeAbsolute) {
    TemporaryDirectory temp;
    writeBundle(temp.path("b"), singlePluginMetadata("urn:rel"));
    std::error_code ec;
    fs::path previous = fs::current_path();
    fs::current_path(temp.path());
    MetadataParseResult result = parsePluginBundle("b");
    fs::current_path(previous, ec);
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].bundleDirectory, fs::path(temp.path("b")).lexically_normal().string());
    EXPECT_EQ(result.plugins[0].metadataFilePath, temp.path("b/aap_metadata.xml"));
    EXPECT_EQ(result.plugins[0].libraryPath, temp.path("b/libplugin.so"));
}

TEST(CatalogDiagnostic, ToStringUsesCompilerStyle) {
    CatalogDiagnostic d;
    d.file = "/p/aap_metadata.xml";
    d.line = 3;
    d.column = 7;
    d.message = "boom";
    EXPECT_EQ(d.toString(), "/p/aap_metadata.xml:3:7: error: boom");
    d.column = 0;
    d.severity = DiagnosticSeverity::Warning;
    EXPECT_EQ(d.toString(), "/p/aap_metadata.xml:3: warning: boom");
    d.line = 0;
    EXPECT_EQ(d.toString(), "/p/aap_metadata.xml: warning: boom");
}

}  // namespace
}  // namespace aap::testing
