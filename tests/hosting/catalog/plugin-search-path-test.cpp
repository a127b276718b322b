// The search path (environment, order) and the scan over it: bundle directories vs parent
// directories, duplicates across directories, bad bundles beside good ones.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "aap/hosting/plugin-catalog.h"
#include "aap/hosting/plugin-search-path.h"
#include "catalog-test-support.h"

namespace aap::testing {
namespace {

namespace fs = std::filesystem;

using Paths = std::vector<std::string>;

TEST(PluginSearchPath, EnvironmentOrderAndSystemDirectories) {
    EXPECT_EQ(buildPluginSearchPath("/a:/b", "/xdg", "/home/u"),
              (Paths{"/a", "/b", "/xdg/aap/plugins", "/usr/local/lib/aap/plugins",
                     "/usr/lib/aap/plugins"}));
}

TEST(PluginSearchPath, EmptyEntriesOfAapPluginPathAreSkipped) {
    EXPECT_EQ(buildPluginSearchPath("::/a::/b:", nullptr, nullptr),
              (Paths{"/a", "/b", "/usr/local/lib/aap/plugins", "/usr/lib/aap/plugins"}));
}

TEST(PluginSearchPath, HomeIsUsedWhenXdgDataHomeIsUnsetOrRelative) {
    Paths expected{"/home/u/.local/share/aap/plugins", "/usr/local/lib/aap/plugins",
                   "/usr/lib/aap/plugins"};
    EXPECT_EQ(buildPluginSearchPath(nullptr, nullptr, "/home/u"), expected);
    EXPECT_EQ(buildPluginSearchPath("", "relative/dir", "/home/u"), expected);
    EXPECT_EQ(buildPluginSearchPath(nullptr, "", "/home/u"), expected);
}

TEST(PluginSearchPath, NoUserDirectoryWithoutAbsoluteHome) {
    EXPECT_EQ(buildPluginSearchPath(nullptr, nullptr, "relative"),
              (Paths{"/usr/local/lib/aap/plugins", "/usr/lib/aap/plugins"}));
}

// Sets an environment variable for the lifetime of the object, restoring the old value.
class ScopedEnvironment {
public:
    ScopedEnvironment(const char* name, const char* value) : name_(name) {
        if (const char* old = getenv(name))
            old_ = old;
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnvironment() {
        if (old_)
            setenv(name_, old_->c_str(), 1);
        else
            unsetenv(name_);
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(PluginSearchPath, DefaultReadsTheProcessEnvironment) {
    ScopedEnvironment path("AAP_PLUGIN_PATH", "/first:/second");
    ScopedEnvironment xdg("XDG_DATA_HOME", "/data");
    ScopedEnvironment home("HOME", "/home/someone");
    Paths expected{"/first", "/second", "/data/aap/plugins", "/usr/local/lib/aap/plugins", "/usr/lib/aap/plugins"};
    // Then the installation's own plugin directory, unless it is one of those already.
    if (std::find(expected.begin(), expected.end(), AAP_TEST_INSTALLED_PLUGIN_DIR) == expected.end())
        expected.emplace_back(AAP_TEST_INSTALLED_PLUGIN_DIR);
    EXPECT_EQ(defaultPluginSearchPath(), expected);
}

TEST(PluginSearchPath, TheInstallationsPluginDirectoryIsNotAddedTwice) {
    ScopedEnvironment path("AAP_PLUGIN_PATH", AAP_TEST_INSTALLED_PLUGIN_DIR);
    ScopedEnvironment xdg("XDG_DATA_HOME", "/data");
    EXPECT_EQ(defaultPluginSearchPath(), buildPluginSearchPath(AAP_TEST_INSTALLED_PLUGIN_DIR, "/data", nullptr));
}

TEST(PluginSearchPath, ScanOfTheEnvironmentPathFindsBundles) {
    TemporaryDirectory temp;
    writeBundle(temp.path("one/a"), singlePluginMetadata("urn:a"));
    writeBundle(temp.path("two"), singlePluginMetadata("urn:b"));
    std::string list = temp.path("one") + ":" + temp.path("two");
    ScopedEnvironment path("AAP_PLUGIN_PATH", list.c_str());
    ScopedEnvironment xdg("XDG_DATA_HOME", temp.path("no-such-data").c_str());
    PluginCatalog catalog = PluginCatalog::scan(defaultPluginSearchPath());
    ASSERT_GE(catalog.plugins().size(), 2u);  // system directories may hold more
    EXPECT_EQ(catalog.plugins()[0].uniqueId, "urn:a");
    EXPECT_EQ(catalog.plugins()[1].uniqueId, "urn:b");
}

class CatalogScanTest : public ::testing::Test {
protected:
    TemporaryDirectory temp_;
};

TEST_F(CatalogScanTest, DirectoryMayBeABundleOrHoldBundles) {
    writeBundle(temp_.path("parent/b-bundle"), singlePluginMetadata("urn:b"));
    writeBundle(temp_.path("parent/a-bundle"), singlePluginMetadata("urn:a"));
    writeFile(temp_.path("parent/not-a-bundle/readme.txt"), "x");
    writeFile(temp_.path("parent/loose-file.txt"), "x");
    writeBundle(temp_.path("single"), singlePluginMetadata("urn:single"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("parent"), temp_.path("single")});
    EXPECT_TRUE(catalog.diagnostics().empty());
    ASSERT_EQ(catalog.plugins().size(), 3u);
    // Bundles inside one directory come in name order, directories in search-path order.
    EXPECT_EQ(catalog.plugins()[0].uniqueId, "urn:a");
    EXPECT_EQ(catalog.plugins()[1].uniqueId, "urn:b");
    EXPECT_EQ(catalog.plugins()[2].uniqueId, "urn:single");
    EXPECT_EQ(catalog.plugins()[2].bundleDirectory, temp_.path("single"));
    EXPECT_EQ(catalog.plugins()[0].libraryPath, temp_.path("parent/a-bundle/libplugin.so"));
}

TEST_F(CatalogScanTest, OnlyOneLevelOfSubdirectoriesIsSearched) {
    writeBundle(temp_.path("root/group/deep"), singlePluginMetadata("urn:deep"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("root")});
    EXPECT_TRUE(catalog.plugins().empty());
    EXPECT_TRUE(catalog.diagnostics().empty());
}

TEST_F(CatalogScanTest, ABundleDirectoryIsNotSearchedForSubBundles) {
    writeBundle(temp_.path("outer"), singlePluginMetadata("urn:outer"));
    writeBundle(temp_.path("outer/inner"), singlePluginMetadata("urn:inner"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("outer")});
    ASSERT_EQ(catalog.plugins().size(), 1u);
    EXPECT_EQ(catalog.plugins()[0].uniqueId, "urn:outer");
}

TEST_F(CatalogScanTest, DuplicateAcrossDirectoriesFirstWins) {
    writeBundle(temp_.path("user/synth"), singlePluginMetadata("urn:dup", "version=\"2\""));
    writeBundle(temp_.path("system/synth"), singlePluginMetadata("urn:dup", "version=\"1\""));
    writeBundle(temp_.path("system/other"), singlePluginMetadata("urn:other"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("user"), temp_.path("system")});
    ASSERT_EQ(catalog.plugins().size(), 2u);
    EXPECT_EQ(catalog.plugins()[0].version, "2");
    EXPECT_EQ(catalog.plugins()[1].uniqueId, "urn:other");
    EXPECT_TRUE(hasSingleError(catalog.diagnostics(), 0, 0,
                               "duplicate plugin unique-id 'urn:dup': already provided by "
                                   + temp_.path("user/synth/aap_metadata.xml")));
    EXPECT_EQ(catalog.diagnostics()[0].file, temp_.path("system/synth/aap_metadata.xml"));
}

TEST_F(CatalogScanTest, BadBundlesDoNotHideGoodOnes) {
    writeBundle(temp_.path("dir/1-good"), singlePluginMetadata("urn:good1"));
    writeBundle(temp_.path("dir/2-malformed"), "<plugins><plugin");
    writeBundle(temp_.path("dir/3-missing-library"),
                "<plugins><plugin name=\"x\" unique-id=\"urn:x\" library=\"libnone.so\"/>"
                "</plugins>");
    fs::create_directories(temp_.path("dir/4-unreadable/aap_metadata.xml"));
    writeBundle(temp_.path("dir/5-good"), singlePluginMetadata("urn:good5"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("dir")});
    ASSERT_EQ(catalog.plugins().size(), 2u);
    EXPECT_EQ(catalog.plugins()[0].uniqueId, "urn:good1");
    EXPECT_EQ(catalog.plugins()[1].uniqueId, "urn:good5");
    ASSERT_EQ(catalog.diagnostics().size(), 3u);
    EXPECT_EQ(catalog.diagnostics()[0].file, temp_.path("dir/2-malformed/aap_metadata.xml"));
    EXPECT_EQ(catalog.diagnostics()[1].file,
              temp_.path("dir/3-missing-library/aap_metadata.xml"));
    EXPECT_EQ(catalog.diagnostics()[2].file, temp_.path("dir/4-unreadable/aap_metadata.xml"));
}

TEST_F(CatalogScanTest, MissingDirectoriesAreSkippedSilently) {
    writeBundle(temp_.path("real"), singlePluginMetadata("urn:real"));
    PluginCatalog catalog =
        PluginCatalog::scan({temp_.path("absent"), "", temp_.path("real"), temp_.path("gone")});
    EXPECT_TRUE(catalog.diagnostics().empty());
    EXPECT_EQ(catalog.plugins().size(), 1u);
}

TEST_F(CatalogScanTest, FileInTheSearchPathIsAWarning) {
    writeFile(temp_.path("file.txt"), "x");
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("file.txt")});
    ASSERT_EQ(catalog.diagnostics().size(), 1u);
    EXPECT_EQ(catalog.diagnostics()[0].severity, DiagnosticSeverity::Warning);
    EXPECT_NE(catalog.diagnostics()[0].message.find("not a directory"), std::string::npos);
}

TEST_F(CatalogScanTest, SameDirectoryTwiceIsScannedOnce) {
    writeBundle(temp_.path("dir/p"), singlePluginMetadata("urn:p"));
    fs::create_directory_symlink(temp_.path("dir"), temp_.path("alias"));
    fs::create_directory_symlink(temp_.path("dir/p"), temp_.path("dir-p-alias"));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("dir"), temp_.path("dir/../dir"),
                                                 temp_.path("alias"), temp_.path("dir-p-alias")});
    EXPECT_TRUE(catalog.diagnostics().empty()) << catalog.diagnostics()[0].toString();
    EXPECT_EQ(catalog.plugins().size(), 1u);
}

TEST_F(CatalogScanTest, WarningsKeepThePlugin) {
    writeBundle(temp_.path("dir/p"), singlePluginMetadata("urn:p", "manufacturer=\"x\""));
    PluginCatalog catalog = PluginCatalog::scan({temp_.path("dir")});
    EXPECT_EQ(catalog.plugins().size(), 1u);
    ASSERT_EQ(catalog.diagnostics().size(), 1u);
    EXPECT_EQ(catalog.diagnostics()[0].severity, DiagnosticSeverity::Warning);
}

}  // namespace
}  // namespace aap::testing
