// The parser on hostile input: the documented example, and many deterministic mutations of it,
// must never crash or hang (run under ASan+UBSan via the sanitize label), and every rejection
// must carry a position inside the text.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

std::string documentedExample() {
    std::ifstream stream(AAP_METADATA_DOC_PATH);
    std::stringstream buffer;
    buffer << stream.rdbuf();
    std::string doc = buffer.str();
    size_t start = doc.find("```xml\n");
    size_t end = doc.find("```", start + 7);
    if (start == std::string::npos || end == std::string::npos)
        return {};
    return doc.substr(start + 7, end - start - 7);
}

class MetadataRobustnessTest : public MetadataTest {
protected:
    MetadataRobustnessTest() { writeFile(bundle_ + "/libmysynth.so", ""); }
};

TEST_F(MetadataRobustnessTest, DocumentedExampleParses) {
    std::string example = documentedExample();
    ASSERT_FALSE(example.empty()) << "no ```xml block in " << AAP_METADATA_DOC_PATH;
    MetadataParseResult result = parse(example);
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 1u);
    const PluginInformation& plugin = result.plugins[0];
    EXPECT_EQ(plugin.uniqueId, "urn:example:my-synth");
    ASSERT_EQ(plugin.ports.size(), 4u);
    EXPECT_EQ(plugin.ports[3].name, "System MIDI Out");  // as the page says
    EXPECT_EQ(plugin.parameters.size(), 2u);
    EXPECT_EQ(plugin.extensions.size(), 2u);
}

// Small deterministic generator (xorshift), so failures reproduce.
class Xorshift {
public:
    explicit Xorshift(uint32_t seed) : state_(seed) {}
    uint32_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return state_;
    }
    size_t below(size_t n) { return n == 0 ? 0 : next() % n; }

private:
    uint32_t state_;
};

TEST_F(MetadataRobustnessTest, MutatedDocumentsNeverCrashAndErrorsHavePositions) {
    const std::string example = documentedExample();
    ASSERT_FALSE(example.empty());
    static const char interesting[] = "<>&;\"'/=!-?[]#x: \n\t\x80\xC3\xFF";
    Xorshift random(12345);
    int accepted = 0;
    for (int iteration = 0; iteration < 10000; iteration++) {
        std::string text = example;
        int edits = 1 + static_cast<int>(random.below(4));
        for (int e = 0; e < edits && !text.empty(); e++) {
            size_t at = random.below(text.size());
            switch (random.below(4)) {
            case 0: text[at] = interesting[random.below(sizeof(interesting) - 1)]; break;
            case 1: text.erase(at, 1 + random.below(8)); break;
            case 2: text.insert(at, 1, interesting[random.below(sizeof(interesting) - 1)]); break;
            default: text.resize(at); break;
            }
        }
        MetadataParseResult result = parse(text);
        if (!result.plugins.empty())
            accepted++;
        for (const auto& d : result.diagnostics) {
            ASSERT_FALSE(d.message.empty());
            ASSERT_GE(d.line, 1) << d.toString() << "\n--- input ---\n" << text;
            ASSERT_GE(d.column, 1) << d.toString();
        }
        if (result.plugins.empty()) {
            ASSERT_FALSE(result.diagnostics.empty()) << "rejected silently:\n" << text;
        }
    }
    EXPECT_GT(accepted, 0);  // some edits (e.g. inside a name) keep the document valid
}

TEST_F(MetadataRobustnessTest, DiagnosticsPerFileAreCapped) {
    std::string body = "<parameters>";
    for (int i = 0; i < 500; i++)
        body += "<parameter id=\"x\" name=\"p\"/>\n";
    body += "</parameters>";
    MetadataParseResult result = parse(singlePluginMetadata("urn:test", "", body));
    EXPECT_TRUE(result.plugins.empty());
    ASSERT_EQ(result.diagnostics.size(), kMaxDiagnosticsPerFile + 1);
    EXPECT_EQ(result.diagnostics.back().severity, DiagnosticSeverity::Warning);
    EXPECT_EQ(result.diagnostics.back().message, "400 more problems in this file are not reported");
}

// Documents near the size limit built for worst cases of the duplicate checks parse quickly
// (ctest's timeout catches a quadratic blow-up).
TEST_F(MetadataRobustnessTest, LargeDocumentsParseInLinearTime) {
    std::string parameters = "<plugins><plugin name=\"n\" unique-id=\"u\" library=\"libplugin.so\">"
                             "<parameters>";
    for (int id = 0; parameters.size() < kMaxMetadataFileSize - 100; id = (id + 1) % 16384)
        parameters += "<parameter id=\"" + std::to_string(id) + "\" name=\"p\"/>";
    parameters += "</parameters></plugin></plugins>";
    MetadataParseResult result = parse(parameters);
    EXPECT_TRUE(result.plugins.empty());  // ids repeat after 16384 parameters
    EXPECT_EQ(result.diagnostics.size(), kMaxDiagnosticsPerFile + 1);

    std::string plugins = "<plugins>";
    for (int i = 0; plugins.size() < kMaxMetadataFileSize - 100; i++)
        plugins += "<plugin name=\"n\" unique-id=\"u" + std::to_string(i)
                   + "\" library=\"libplugin.so\"/>";
    plugins += "</plugins>";
    result = parse(plugins);
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_GT(result.plugins.size(), 10000u);
}

}  // namespace
}  // namespace aap::testing
