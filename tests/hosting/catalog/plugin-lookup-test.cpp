// PluginCatalog::findByUniqueId and lookup(): exact id, display name, prefixes, ambiguity.

#include <string>

#include "aap/hosting/plugin-catalog.h"
#include "catalog-test-support.h"

namespace aap::testing {
namespace {

PluginInformation plugin(const char* uniqueId, const char* name) {
    PluginInformation p;
    p.uniqueId = uniqueId;
    p.displayName = name;
    return p;
}

class PluginLookupTest : public ::testing::Test {
protected:
    PluginLookupTest() {
        catalog_.add(plugin("urn:aap:synth", "Super Synth"));
        catalog_.add(plugin("urn:aap:synth2", "Super Synth II"));
        catalog_.add(plugin("urn:aap:delay", "Tape Delay"));
        catalog_.add(plugin("urn:other:reverb", "Hall Reverb"));
    }
    PluginCatalog catalog_;
};

TEST_F(PluginLookupTest, FindByUniqueIdIsExact) {
    ASSERT_NE(catalog_.findByUniqueId("urn:aap:delay"), nullptr);
    EXPECT_EQ(catalog_.findByUniqueId("urn:aap:delay")->displayName, "Tape Delay");
    EXPECT_EQ(catalog_.findByUniqueId("urn:aap:dela"), nullptr);
}

TEST_F(PluginLookupTest, ExactUniqueIdWinsOverLongerIds) {
    PluginLookupResult result = catalog_.lookup("urn:aap:synth");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:aap:synth");
    EXPECT_TRUE(result.error.empty());
}

TEST_F(PluginLookupTest, DisplayNameIgnoresAsciiCase) {
    PluginLookupResult result = catalog_.lookup("super synth ii");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:aap:synth2");
}

TEST_F(PluginLookupTest, LastSegmentOfTheUniqueIdIgnoresAsciiCase) {
    PluginLookupResult result = catalog_.lookup("Reverb");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:other:reverb");
    catalog_.add(plugin("https://example.com/plugins/chorus", "Ensemble"));
    result = catalog_.lookup("chorus");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "https://example.com/plugins/chorus");
}

TEST_F(PluginLookupTest, LastSegmentIsTriedBeforePrefixes) {
    // "super synth" would be an ambiguous display-name prefix; "synth" is the exact last segment
    // of urn:aap:synth only (not of urn:aap:synth2), so it resolves.
    PluginLookupResult result = catalog_.lookup("synth");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:aap:synth");
}

TEST_F(PluginLookupTest, SameLastSegmentInTwoIdsIsAmbiguous) {
    catalog_.add(plugin("urn:x:delay", "Other Delay"));
    PluginLookupResult result = catalog_.lookup("delay");
    EXPECT_FALSE(result);
    EXPECT_EQ(result.candidates, (std::vector<std::string>{"urn:aap:delay", "urn:x:delay"}));
}

TEST_F(PluginLookupTest, UniqueIdPrefix) {
    PluginLookupResult result = catalog_.lookup("urn:other");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:other:reverb");
}

TEST_F(PluginLookupTest, DisplayNamePrefix) {
    PluginLookupResult result = catalog_.lookup("tape");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.plugin->uniqueId, "urn:aap:delay");
}

TEST_F(PluginLookupTest, AmbiguousPrefixListsCandidates) {
    PluginLookupResult result = catalog_.lookup("urn:aap:");
    EXPECT_FALSE(result);
    EXPECT_EQ(result.candidates,
              (std::vector<std::string>{"urn:aap:synth", "urn:aap:synth2", "urn:aap:delay"}));
    EXPECT_NE(result.error.find("'urn:aap:' is ambiguous"), std::string::npos);
    EXPECT_NE(result.error.find("urn:aap:synth2 (Super Synth II)"), std::string::npos);
}

TEST_F(PluginLookupTest, AmbiguousDisplayNamePrefix) {
    PluginLookupResult result = catalog_.lookup("Super");
    EXPECT_FALSE(result);
    EXPECT_EQ(result.candidates.size(), 2u);
}

TEST_F(PluginLookupTest, DuplicateDisplayNamesAreAmbiguous) {
    catalog_.add(plugin("urn:x:delay", "Tape Delay"));
    PluginLookupResult result = catalog_.lookup("Tape Delay");
    EXPECT_FALSE(result);
    EXPECT_EQ(result.candidates, (std::vector<std::string>{"urn:aap:delay", "urn:x:delay"}));
}

TEST_F(PluginLookupTest, NoMatch) {
    PluginLookupResult result = catalog_.lookup("chorus");
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.candidates.empty());
    EXPECT_EQ(result.error, "no plugin matches 'chorus'");
}

TEST_F(PluginLookupTest, EmptyQueryMatchesNothing) {
    PluginLookupResult result = catalog_.lookup("");
    EXPECT_FALSE(result);
    EXPECT_FALSE(result.error.empty());
}

TEST_F(PluginLookupTest, AddRejectsDuplicateUniqueId) {
    PluginInformation duplicate = plugin("urn:aap:delay", "Other");
    duplicate.metadataFilePath = "/b/aap_metadata.xml";
    EXPECT_FALSE(catalog_.add(duplicate));
    EXPECT_EQ(catalog_.plugins().size(), 4u);
    EXPECT_EQ(catalog_.findByUniqueId("urn:aap:delay")->displayName, "Tape Delay");
    EXPECT_TRUE(hasSingleError(catalog_.diagnostics(), 0, 0, "duplicate plugin unique-id"));
}

}  // namespace
}  // namespace aap::testing
