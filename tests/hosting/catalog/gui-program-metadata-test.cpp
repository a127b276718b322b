// gui:program on <plugin> (docs/metadata.md, "Native GUI program"): an executable inside the
// bundle becomes PluginInformation::guiProgramPath; anything else is a warning naming why, and
// the plugin still loads without a GUI program.

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

class GuiProgramMetadata : public MetadataTest {
protected:
    // Parses a single plugin with gui:program="value" in AAP's GUI namespace.
    MetadataParseResult parseProgram(const std::string& value) const {
        return parse("<plugins xmlns:gui=\"urn://androidaudioplugin.org/extensions/gui\">\n"
                     "  <plugin name=\"P\" unique-id=\"urn:test:p\" library=\"libplugin.so\" gui:program=\"" +
                     value + "\" />\n</plugins>\n");
    }
    void writeProgram(const std::string& relative, mode_t mode) const {
        writeFile(bundle_ + "/" + relative, "#!/bin/sh\n");
        ASSERT_EQ(::chmod((bundle_ + "/" + relative).c_str(), mode), 0);
    }
    // The one warning's message ("" when there is not exactly one diagnostic, or it is no warning).
    static std::string onlyWarning(const MetadataParseResult& result) {
        if (result.diagnostics.size() != 1 || result.diagnostics[0].severity != DiagnosticSeverity::Warning)
            return "";
        return result.diagnostics[0].message;
    }
};

TEST_F(GuiProgramMetadata, AnExecutableInsideTheBundleIsTaken) {
    writeProgram("bin/my-gui", 0755);
    const MetadataParseResult result = parseProgram("bin/my-gui");
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_TRUE(result.diagnostics.empty());
    char real[4096];
    ASSERT_NE(::realpath((bundle_ + "/bin/my-gui").c_str(), real), nullptr);
    EXPECT_EQ(result.plugins[0].guiProgramPath, std::string(real));
}

TEST_F(GuiProgramMetadata, EveryUnusableDeclarationIsAWarningAndThePluginStillLoads) {
    writeProgram("bin/not-executable", 0644);
    ASSERT_EQ(::symlink("/bin/sh", (bundle_ + "/escape").c_str()), 0);
    const struct {
        const char* value;
        const char* why;
    } cases[] = {
        {"", "the path is empty"},
        {"/bin/sh", "relative to the bundle directory"},
        {"../bin/sh", "no '..'"},
        {"bin/missing", "no such file in the bundle"},
        {"bin", "no such file in the bundle"},
        {"escape", "leads out of the bundle directory"},
        {"bin/not-executable", "not executable"},
    };
    for (const auto& c : cases) {
        const MetadataParseResult result = parseProgram(c.value);
        ASSERT_EQ(result.plugins.size(), 1u) << c.value;
        EXPECT_EQ(result.plugins[0].guiProgramPath, "") << c.value;
        const std::string warning = onlyWarning(result);
        EXPECT_NE(warning.find(c.why), std::string::npos) << c.value << ": " << warning;
        EXPECT_NE(warning.find("GUI program"), std::string::npos) << warning;
    }
}

TEST_F(GuiProgramMetadata, AProgramAttributeOutsideTheGuiNamespaceIsNotAGuiProgram) {
    writeProgram("bin/my-gui", 0755);
    const MetadataParseResult result =
        parse("<plugins xmlns:x=\"urn:example:other\">\n  <plugin name=\"P\" unique-id=\"urn:test:p\" "
              "library=\"libplugin.so\" x:program=\"bin/my-gui\" />\n</plugins>\n");
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].guiProgramPath, "");
}

} // namespace
} // namespace aap::testing
