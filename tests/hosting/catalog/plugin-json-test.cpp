// JSON rendering: the string escaper and the exact shape of plugin and catalog objects.

#include <string>

#include "aap/hosting/plugin-json.h"
#include "catalog-test-support.h"

namespace aap::testing {
namespace {

std::string jsonQuoted(std::string_view s) {
    std::string out;
    appendJsonString(out, s);
    return out;
}

TEST(JsonString, PlainTextIsQuoted) {
    EXPECT_EQ(jsonQuoted(""), "\"\"");
    EXPECT_EQ(jsonQuoted("Tape Delay 1/2"), "\"Tape Delay 1/2\"");
}

TEST(JsonString, QuoteAndBackslashAreEscaped) {
    EXPECT_EQ(jsonQuoted("say \"hi\" C:\\dir"), "\"say \\\"hi\\\" C:\\\\dir\"");
}

TEST(JsonString, ControlCharactersAreEscaped) {
    EXPECT_EQ(jsonQuoted("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
    EXPECT_EQ(jsonQuoted(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
}

TEST(JsonString, Utf8PassesThrough) {
    EXPECT_EQ(jsonQuoted("caf\xC3\xA9 \xE2\x98\xBA \xF0\x9F\x8E\xB9"),
              "\"caf\xC3\xA9 \xE2\x98\xBA \xF0\x9F\x8E\xB9\"");
}

TEST(JsonString, LineAndParagraphSeparatorsAreEscaped) {
    EXPECT_EQ(jsonQuoted("a\xE2\x80\xA8" "b\xE2\x80\xA9"), "\"a\\u2028b\\u2029\"");
}

TEST(JsonString, InvalidUtf8BecomesReplacementCharacters) {
    // A lone continuation byte, a truncated sequence at the end, an overlong '/' and a surrogate.
    EXPECT_EQ(jsonQuoted("\x80"), "\"\xEF\xBF\xBD\"");
    EXPECT_EQ(jsonQuoted("a\xE2\x98"), "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");
    EXPECT_EQ(jsonQuoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    EXPECT_EQ(jsonQuoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

PluginInformation samplePlugin() {
    PluginInformation p;
    p.uniqueId = "urn:x";
    p.displayName = "Quote \" Plugin";
    p.developer = "Dev";
    p.version = "1.0";
    p.category = "Instrument";
    p.libraryPath = "/b/lib.so";
    p.bundleDirectory = "/b";
    p.metadataFilePath = "/b/aap_metadata.xml";
    p.portsDeclared = true;
    p.ports.push_back({0, "Out", PortContentType::Audio, PortDirection::Output});
    p.ports.push_back({1, "In", PortContentType::Midi2, PortDirection::Input});
    ParameterInformation parameter;
    parameter.id = 5;
    parameter.name = "Gain";
    parameter.minimumValue = -0.25;
    parameter.maximumValue = 1e6;
    parameter.defaultValue = 0.1;
    parameter.enumerations.push_back({0.5, "Half"});
    p.parameters.push_back(parameter);
    p.extensions.push_back({"urn:ext", true});
    return p;
}

TEST(PluginJson, PluginObjectHasEveryField) {
    EXPECT_EQ(toJson(samplePlugin()),
              "{\"uniqueId\":\"urn:x\",\"name\":\"Quote \\\" Plugin\",\"developer\":\"Dev\","
              "\"version\":\"1.0\",\"category\":\"Instrument\",\"isInstrument\":true,"
              "\"library\":\"/b/lib.so\",\"entrypoint\":\"GetAndroidAudioPluginFactory\","
              "\"bundleDirectory\":\"/b\",\"metadataFile\":\"/b/aap_metadata.xml\","
              "\"portsDeclared\":true,"
              "\"ports\":[{\"index\":0,\"name\":\"Out\",\"content\":\"audio\",\"direction\":"
              "\"output\"},{\"index\":1,\"name\":\"In\",\"content\":\"midi2\",\"direction\":"
              "\"input\"}],"
              "\"parameters\":[{\"id\":5,\"name\":\"Gain\",\"minimum\":-0.25,\"maximum\":1e+06,"
              "\"default\":0.1,\"enumerations\":[{\"value\":0.5,\"name\":\"Half\"}]}],"
              "\"extensions\":[{\"uri\":\"urn:ext\",\"required\":true}]}");
}

TEST(PluginJson, EmptyCatalog) {
    EXPECT_EQ(toJson(PluginCatalog()), "{\"plugins\":[],\"diagnostics\":[]}");
}

TEST(PluginJson, CatalogWithPluginsAndDiagnostics) {
    PluginCatalog catalog;
    PluginInformation a;
    a.uniqueId = "urn:a";
    catalog.add(a);
    PluginInformation b;
    b.uniqueId = "urn:b";
    catalog.add(b);
    CatalogDiagnostic d;
    d.file = "/f.xml";
    d.line = 2;
    d.column = 5;
    d.severity = DiagnosticSeverity::Warning;
    d.message = "tab\there";
    catalog.addDiagnostic(d);
    std::string json = toJson(catalog);
    EXPECT_EQ(json.rfind("{\"plugins\":[{\"uniqueId\":\"urn:a\"", 0), 0u);
    EXPECT_NE(json.find("},{\"uniqueId\":\"urn:b\""), std::string::npos);
    EXPECT_NE(json.find("\"diagnostics\":[{\"file\":\"/f.xml\",\"line\":2,\"column\":5,"
                        "\"severity\":\"warning\",\"message\":\"tab\\there\"}]}"),
              std::string::npos);
}

}  // namespace
}  // namespace aap::testing
