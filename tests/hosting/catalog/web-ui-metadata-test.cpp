// The web UI declaration in aap_metadata.xml (docs/metadata.md, "Web UI"): gui:web-ui="FOLDER" and
// AAP's gui:ui-view-factory naming its web view factory. Every unusable declaration is a warning
// naming why, and the plugin still loads without a web UI.

#include <unistd.h>

#include <filesystem>
#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGuiNs = "xmlns:gui=\"urn://androidaudioplugin.org/extensions/gui\"";

class WebUiMetadataTest : public MetadataTest {
protected:
    // Parses a single plugin with `attributes` on <plugin>; expects it to load.
    PluginInformation load(const std::string& attributes, MetadataParseResult* out = nullptr) {
        MetadataParseResult result = parse(singlePluginMetadata("urn:web", attributes));
        EXPECT_EQ(countSeverity(result.diagnostics, DiagnosticSeverity::Error), 0u);
        if (result.plugins.size() != 1) {
            ADD_FAILURE() << "the plugin did not load";
            return {};
        }
        PluginInformation plugin = result.plugins[0];
        if (out)
            *out = std::move(result);
        return plugin;
    }
    // Expects exactly one warning containing `fragment` and no web UI.
    void expectIgnored(const std::string& attributes, const std::string& fragment) {
        MetadataParseResult result;
        PluginInformation plugin = load(attributes, &result);
        EXPECT_EQ(plugin.webUiDirectory, "") << attributes;
        ASSERT_EQ(result.diagnostics.size(), 1u) << attributes;
        EXPECT_EQ(result.diagnostics[0].severity, DiagnosticSeverity::Warning);
        EXPECT_NE(result.diagnostics[0].message.find(fragment), std::string::npos)
            << result.diagnostics[0].message;
        EXPECT_GT(result.diagnostics[0].line, 0);
    }
    std::string canonical(const std::string& path) { return fs::canonical(path).string(); }
};

TEST_F(WebUiMetadataTest, FolderDeclaredInTheGuiNamespaceIsFound) {
    writeFile(bundle_ + "/ui/index.html", "<html></html>");
    MetadataParseResult result;
    PluginInformation plugin = load(std::string(kGuiNs) + " gui:web-ui=\"ui\"", &result);
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_EQ(plugin.webUiDirectory, canonical(bundle_ + "/ui"));
}

TEST_F(WebUiMetadataTest, AnyPrefixBoundToTheGuiNamespaceWorks) {
    writeFile(bundle_ + "/web-ui/index.html", "<html></html>");
    PluginInformation plugin =
        load("xmlns:g=\"urn://androidaudioplugin.org/extensions/gui\" g:web-ui=\"web-ui\"");
    EXPECT_EQ(plugin.webUiDirectory, canonical(bundle_ + "/web-ui"));
}

TEST_F(WebUiMetadataTest, AapWebViewFactoryMeansTheWebUiFolder) {
    writeFile(bundle_ + "/web-ui/index.html", "<html></html>");
    PluginInformation plugin = load(std::string(kGuiNs) +
                                    " gui:ui-view-factory=\"org.androidaudioplugin.ui.web.AudioPluginWebViewFactory\"");
    EXPECT_EQ(plugin.webUiDirectory, canonical(bundle_ + "/web-ui"));
}

TEST_F(WebUiMetadataTest, OtherViewFactoriesAreAndroidViewsAndGiveNoWebUi) {
    writeFile(bundle_ + "/web-ui/index.html", "<html></html>");
    MetadataParseResult result;
    PluginInformation plugin =
        load(std::string(kGuiNs) + " gui:ui-view-factory=\"org.example.ComposeViewFactory\"", &result);
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_EQ(plugin.webUiDirectory, "");
}

TEST_F(WebUiMetadataTest, NoDeclarationNoWebUiEvenWithTheFolder) {
    writeFile(bundle_ + "/web-ui/index.html", "<html></html>");
    EXPECT_EQ(load("").webUiDirectory, "");
}

TEST_F(WebUiMetadataTest, AnotherNamespaceIsNotOurs) {
    writeFile(bundle_ + "/web-ui/index.html", "<html></html>");
    MetadataParseResult result;
    PluginInformation plugin = load("xmlns:gui=\"urn:example:other\" gui:web-ui=\"web-ui\"", &result);
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_EQ(plugin.webUiDirectory, "");
}

TEST_F(WebUiMetadataTest, UnknownGuiAttributeIsAWarning) {
    expectIgnored(std::string(kGuiNs) + " gui:webui=\"web-ui\"", "unknown GUI attribute 'gui:webui'");
}

TEST_F(WebUiMetadataTest, EmptyFolderNameIsAWarning) {
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\" \"", "the folder name is empty");
}

TEST_F(WebUiMetadataTest, AbsoluteFolderIsAWarning) {
    writeFile(temp_.path("elsewhere/index.html"), "<html></html>");
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"" + temp_.path("elsewhere") + "\"",
                  "relative to the bundle directory");
}

TEST_F(WebUiMetadataTest, DotDotIsAWarning) {
    writeFile(temp_.path("elsewhere/index.html"), "<html></html>");
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"../elsewhere\"", "no '..'");
}

TEST_F(WebUiMetadataTest, MissingFolderIsAWarning) {
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"web-ui\"", "no such folder");
}

TEST_F(WebUiMetadataTest, FileInsteadOfFolderIsAWarning) {
    writeFile(bundle_ + "/web-ui", "not a folder");
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"web-ui\"", "no such folder");
}

TEST_F(WebUiMetadataTest, FolderWithoutIndexHtmlIsAWarning) {
    writeFile(bundle_ + "/web-ui/main.html", "<html></html>");
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"web-ui\"", "no index.html");
}

TEST_F(WebUiMetadataTest, SymlinkLeavingTheBundleIsAWarning) {
    writeFile(temp_.path("elsewhere/index.html"), "<html></html>");
    ASSERT_EQ(::symlink(temp_.path("elsewhere").c_str(), (bundle_ + "/web-ui").c_str()), 0);
    expectIgnored(std::string(kGuiNs) + " gui:web-ui=\"web-ui\"", "leads out of the bundle");
}

TEST_F(WebUiMetadataTest, SymlinkInsideTheBundleIsFollowed) {
    writeFile(bundle_ + "/assets/ui/index.html", "<html></html>");
    ASSERT_EQ(::symlink("assets/ui", (bundle_ + "/web-ui").c_str()), 0);
    EXPECT_EQ(load(std::string(kGuiNs) + " gui:web-ui=\"web-ui\"").webUiDirectory,
              canonical(bundle_ + "/assets/ui"));
}

}  // namespace
}  // namespace aap::testing
