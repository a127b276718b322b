// The aap_metadata.xml schema: required attributes, enum values, parameter ranges, duplicates,
// unknown elements, entities and namespaces. Each mistake is its own test.

#include <string>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

class MetadataSchemaTest : public MetadataTest {
protected:
    // The document must yield no plugin and exactly one Error at line:column with `fragment`.
    ::testing::AssertionResult rejects(std::string_view text, int line, int column,
                                       std::string_view fragment) const {
        MetadataParseResult result = parse(text);
        if (!result.plugins.empty())
            return ::testing::AssertionFailure() << "the faulty plugin was still listed";
        return hasSingleError(result.diagnostics, line, column, fragment);
    }
    // Rejects a single-plugin document whose plugin has `body` inside it.
    ::testing::AssertionResult rejectsBody(std::string_view body, int line, int column,
                                           std::string_view fragment) const {
        return rejects(singlePluginMetadata("urn:test", "", body), line, column, fragment);
    }
};

TEST_F(MetadataSchemaTest, CompleteDocumentParses) {
    MetadataParseResult result = parse(R"(<?xml version="1.0" encoding="utf-8"?>
<plugins xmlns="urn://androidaudioplugin.org/schemas/metadata" xmlns:gui="urn:gui">
  <plugin name="Sample Synth" category="Instrument" developer="AAP Team" version="1.2.3"
          unique-id="urn:sample:synth" library="libplugin.so" entrypoint="CreateFactory"
          gui:ui-view-factory="SynthView">
    <extensions>
      <extension uri="urn://androidaudioplugin.org/extensions/parameters/v4" required="true" />
      <extension uri="urn://androidaudioplugin.org/extensions/presets/v4" />
    </extensions>
    <ports>
      <port direction="input" content="midi2" name="MIDI In" />
      <port direction="output" content="audio" name="Out L" />
      <port direction="output" content="audio" name="Out R" />
      <port direction="output" content="midi2" name="MIDI Out" />
    </ports>
    <parameters>
      <parameter id="0" name="Volume" default="0.5" minimum="0" maximum="1" />
      <parameter id="7" name="Wave" default="1" minimum="0" maximum="2">
        <enumeration value="0" name="Sine" />
        <enumeration value="1" name="Saw" />
        <enumeration value="2" name="Square" />
      </parameter>
    </parameters>
  </plugin>
</plugins>
)");
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 1u);
    const PluginInformation& p = result.plugins[0];
    EXPECT_EQ(p.uniqueId, "urn:sample:synth");
    EXPECT_EQ(p.displayName, "Sample Synth");
    EXPECT_EQ(p.developer, "AAP Team");
    EXPECT_EQ(p.version, "1.2.3");
    EXPECT_EQ(p.category, "Instrument");
    EXPECT_TRUE(p.isInstrument());
    EXPECT_EQ(p.entrypoint, "CreateFactory");
    EXPECT_EQ(p.libraryPath, bundle_ + "/libplugin.so");
    EXPECT_EQ(p.bundleDirectory, bundle_);
    EXPECT_EQ(p.metadataFilePath, metadataPath());
    ASSERT_EQ(p.extensions.size(), 2u);
    EXPECT_EQ(p.extensions[0].uri, "urn://androidaudioplugin.org/extensions/parameters/v4");
    EXPECT_TRUE(p.extensions[0].required);
    EXPECT_FALSE(p.extensions[1].required);
    EXPECT_TRUE(p.portsDeclared);
    ASSERT_EQ(p.ports.size(), 4u);
    EXPECT_EQ(p.ports[1].name, "Out L");
    EXPECT_EQ(p.ports[1].index, 1);
    EXPECT_EQ(p.ports[1].contentType, PortContentType::Audio);
    EXPECT_EQ(p.ports[1].direction, PortDirection::Output);
    ASSERT_EQ(p.parameters.size(), 2u);
    EXPECT_EQ(p.parameters[0].id, 0);
    EXPECT_DOUBLE_EQ(p.parameters[0].defaultValue, 0.5);
    EXPECT_EQ(p.parameters[1].id, 7);
    EXPECT_EQ(p.parameters[1].name, "Wave");
    EXPECT_DOUBLE_EQ(p.parameters[1].maximumValue, 2.0);
    ASSERT_EQ(p.parameters[1].enumerations.size(), 3u);
    EXPECT_EQ(p.parameters[1].enumerations[2].name, "Square");
    EXPECT_DOUBLE_EQ(p.parameters[1].enumerations[2].value, 2.0);
}

TEST_F(MetadataSchemaTest, OptionalAttributesHaveDefaults) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "", "<parameters><parameter id=\"3\" name=\"p\"/></parameters>"));
    ASSERT_TRUE(result.diagnostics.empty());
    ASSERT_EQ(result.plugins.size(), 1u);
    const PluginInformation& p = result.plugins[0];
    EXPECT_EQ(p.entrypoint, "GetAndroidAudioPluginFactory");
    EXPECT_EQ(p.developer, "");
    EXPECT_EQ(p.version, "");
    EXPECT_EQ(p.category, "");
    EXPECT_FALSE(p.isInstrument());
    EXPECT_DOUBLE_EQ(p.parameters[0].minimumValue, 0.0);
    EXPECT_DOUBLE_EQ(p.parameters[0].maximumValue, 1.0);
    EXPECT_DOUBLE_EQ(p.parameters[0].defaultValue, 0.0);  // default = minimum
}

TEST_F(MetadataSchemaTest, DefaultValueDefaultsToMinimum) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "<parameters><parameter id=\"3\" name=\"p\" minimum=\"-6\" maximum=\"6\"/></parameters>"));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_DOUBLE_EQ(result.plugins[0].parameters[0].defaultValue, -6.0);
}

TEST_F(MetadataSchemaTest, WrongRootElement) {
    EXPECT_TRUE(rejects("<?xml version=\"1.0\"?>\n<plugin name=\"a\"/>", 2, 1,
                        "root element must be <plugins>, found <plugin>"));
}

TEST_F(MetadataSchemaTest, UnknownElementInPlugins) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugn/>\n</plugins>", 2, 3,
                        "unknown element <plugn> in <plugins> (expected <plugin>)"));
}

TEST_F(MetadataSchemaTest, UnknownElementInPlugin) {
    EXPECT_TRUE(rejectsBody("\n<port direction=\"input\" content=\"audio\" name=\"x\"/>", 3, 1,
                            "unknown element <port> in <plugin> (expected <extensions>, "
                            "<ports> or <parameters>)"));
}

TEST_F(MetadataSchemaTest, UnknownElementInPorts) {
    EXPECT_TRUE(rejectsBody("<ports><parameter/></ports>", 2, 0,
                            "unknown element <parameter> in <ports> (expected <port>)"));
}

TEST_F(MetadataSchemaTest, ChildElementOfPort) {
    EXPECT_TRUE(rejectsBody(
        "<ports><port direction=\"input\" content=\"audio\" name=\"x\"><a/></port></ports>", 2, 0,
        "unknown element <a> in <port> (it takes no child elements)"));
}

TEST_F(MetadataSchemaTest, NamespacedElementIsUnknown) {
    EXPECT_TRUE(rejectsBody("<gui:view/>", 2, 0, "unknown element <gui:view> in <plugin>"));
}

TEST_F(MetadataSchemaTest, TextInsideElement) {
    EXPECT_TRUE(rejectsBody("\n  some text", 3, 3, "unexpected text in <plugin>"));
}

TEST_F(MetadataSchemaTest, MissingName) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugin unique-id=\"u\" library=\"libplugin.so\"/>\n"
                        "</plugins>", 2, 3, "<plugin> is missing required attribute 'name'"));
}

TEST_F(MetadataSchemaTest, MissingUniqueId) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugin name=\"n\" library=\"libplugin.so\"/>\n</plugins>",
                        2, 3, "<plugin> is missing required attribute 'unique-id'"));
}

TEST_F(MetadataSchemaTest, MissingLibrary) {
    EXPECT_TRUE(rejects("<plugins>\n  <plugin name=\"n\" unique-id=\"u\"/>\n</plugins>", 2, 3,
                        "<plugin> is missing required attribute 'library'"));
}

TEST_F(MetadataSchemaTest, BlankRequiredAttribute) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\" \" unique-id=\"u\" library=\"libplugin.so\"/>"
                        "</plugins>", 1, 18, "attribute 'name' of <plugin> must not be empty"));
}

TEST_F(MetadataSchemaTest, MissingPortAttribute) {
    EXPECT_TRUE(rejectsBody("<ports><port direction=\"input\" name=\"x\"/></ports>", 2, 0,
                            "<port> is missing required attribute 'content'"));
}

TEST_F(MetadataSchemaTest, BadPortDirection) {
    EXPECT_TRUE(rejectsBody("<ports><port direction=\"in\" content=\"audio\" name=\"x\"/></ports>",
                            2, 0, "port direction must be \"input\" or \"output\", found \"in\""));
}

TEST_F(MetadataSchemaTest, BadPortMinimumSize) {
    EXPECT_TRUE(rejectsBody("<ports><port direction=\"input\" content=\"other\" name=\"x\" minimumSize=\"big\"/></ports>",
                            2, 0, "minimumSize of port 'x' must be an integer in 1..67108864 (bytes), found \"big\""));
    EXPECT_TRUE(rejectsBody("<ports><port direction=\"input\" content=\"other\" name=\"x\" minimumSize=\"0\"/></ports>",
                            2, 0, "minimumSize of port 'x' must be an integer in 1..67108864"));
    EXPECT_TRUE(rejectsBody("<ports><port direction=\"input\" content=\"other\" name=\"x\" minimumSize=\"67108865\"/></ports>",
                            2, 0, "minimumSize of port 'x' must be an integer in 1..67108864"));
    EXPECT_TRUE(rejectsBody("<ports xmlns:pp=\"urn:org.androidaudioplugin.port\"><port direction=\"input\" "
                            "content=\"other\" name=\"x\" minimumSize=\"8\" pp:minimumSize=\"16\"/></ports>",
                            2, 0, "<port> declares minimumSize twice"));
}

TEST_F(MetadataSchemaTest, ParameterIdNotAnInteger) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1.5\" name=\"p\"/></parameters>", 2, 0,
                            "parameter id must be an integer in 0..16383, found \"1.5\""));
}

TEST_F(MetadataSchemaTest, ParameterIdOutOfRange) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"16384\" name=\"p\"/></parameters>", 2, 0,
                            "parameter id must be an integer in 0..16383"));
}

TEST_F(MetadataSchemaTest, ParameterIdLimitsAreAccepted) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "<parameters><parameter id=\"0\" name=\"a\"/><parameter id=\"16383\" name=\"b\"/>"
        "</parameters>"));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].parameters[1].id, 16383);
}

TEST_F(MetadataSchemaTest, NegativeParameterId) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"-1\" name=\"p\"/></parameters>", 2, 0,
                            "parameter id must be an integer"));
}

TEST_F(MetadataSchemaTest, NonNumericMinimum) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1\" name=\"p\" minimum=\"low\"/>"
                            "</parameters>", 2, 0,
                            "'minimum' of parameter 1 must be a finite decimal number, found "
                            "\"low\""));
}

TEST_F(MetadataSchemaTest, NonFiniteMaximum) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1\" name=\"p\" maximum=\"inf\"/>"
                            "</parameters>", 2, 0, "'maximum' of parameter 1 must be a finite"));
}

TEST_F(MetadataSchemaTest, NanDefault) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1\" name=\"p\" default=\"nan\"/>"
                            "</parameters>", 2, 0, "'default' of parameter 1 must be a finite"));
}

TEST_F(MetadataSchemaTest, NumberWithSurroundingSpaceOrPlusSign) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1\" name=\"p\" default=\" 0.5\"/>"
                            "</parameters>", 2, 0, "found \" 0.5\""));
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"1\" name=\"p\" default=\"+0.5\"/>"
                            "</parameters>", 2, 0, "found \"+0.5\""));
}

TEST_F(MetadataSchemaTest, ScientificAndNegativeNumbersAreAccepted) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "<parameters><parameter id=\"1\" name=\"p\" minimum=\"-1e3\" maximum=\"2.5E1\" "
        "default=\"-.5\"/></parameters>"));
    ASSERT_EQ(result.plugins.size(), 1u) << result.diagnostics.front().toString();
    EXPECT_DOUBLE_EQ(result.plugins[0].parameters[0].minimumValue, -1000.0);
    EXPECT_DOUBLE_EQ(result.plugins[0].parameters[0].maximumValue, 25.0);
    EXPECT_DOUBLE_EQ(result.plugins[0].parameters[0].defaultValue, -0.5);
}

TEST_F(MetadataSchemaTest, MinimumGreaterThanMaximum) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"libplugin.so\">\n"
                        "<parameters>\n<parameter id=\"2\" name=\"p\" minimum=\"5\" maximum=\"1\"/>"
                        "</parameters></plugin></plugins>", 3, 28,
                        "parameter 2: minimum (5) is greater than maximum (1)"));
}

TEST_F(MetadataSchemaTest, DefaultOutsideRange) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"libplugin.so\">\n"
                        "<parameters>\n<parameter id=\"2\" name=\"p\" default=\"1.5\"/>"
                        "</parameters></plugin></plugins>", 3, 28,
                        "parameter 2: default (1.5) is outside minimum..maximum (0..1)"));
}

TEST_F(MetadataSchemaTest, EnumerationOutsideRange) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"4\" name=\"p\" maximum=\"2\">"
                            "<enumeration value=\"3\" name=\"x\"/></parameter></parameters>", 2, 0,
                            "enumeration value (3) is outside minimum..maximum of parameter 4 "
                            "(0..2)"));
}

TEST_F(MetadataSchemaTest, EnumerationWithoutValue) {
    EXPECT_TRUE(rejectsBody("<parameters><parameter id=\"4\" name=\"p\">"
                            "<enumeration name=\"x\"/></parameter></parameters>", 2, 0,
                            "<enumeration> is missing required attribute 'value'"));
}

TEST_F(MetadataSchemaTest, DuplicateParameterId) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"libplugin.so\">\n"
                        "<parameters>\n<parameter id=\"9\" name=\"a\"/>\n"
                        "<parameter id=\"9\" name=\"b\"/>\n</parameters></plugin></plugins>", 4, 1,
                        "duplicate parameter id 9 (first at line 3)"));
}

TEST_F(MetadataSchemaTest, DuplicateSection) {
    EXPECT_TRUE(rejectsBody("<ports/>\n<ports/>", 3, 1, "duplicate <ports> in <plugin>"));
}

TEST_F(MetadataSchemaTest, DuplicateExtension) {
    EXPECT_TRUE(rejectsBody("<extensions><extension uri=\"urn:x\"/>\n<extension uri=\"urn:x\"/>"
                            "</extensions>", 3, 1, "duplicate extension 'urn:x' (first at line 2)"));
}

TEST_F(MetadataSchemaTest, BadRequiredFlag) {
    EXPECT_TRUE(rejectsBody("<extensions><extension uri=\"urn:x\" required=\"yes\"/></extensions>",
                            2, 0, "attribute 'required' of <extension> must be \"true\" or "
                                  "\"false\", found \"yes\""));
}

TEST_F(MetadataSchemaTest, EntrypointMustBeAnIdentifier) {
    EXPECT_TRUE(rejects(singlePluginMetadata("urn:test", "entrypoint=\"get-factory\""), 2, 0,
                        "entrypoint 'get-factory' is not a valid C identifier"));
}

TEST_F(MetadataSchemaTest, LibraryFileMissing) {
    MetadataParseResult result = parse(
        "<plugins>\n<plugin name=\"n\" unique-id=\"u\" library=\"libmissing.so\"/></plugins>");
    EXPECT_TRUE(result.plugins.empty());
    EXPECT_TRUE(hasSingleError(result.diagnostics, 2, 32,
                               "library file not found: " + bundle_ + "/libmissing.so"));
}

TEST_F(MetadataSchemaTest, LibraryIsADirectory) {
    writeFile(bundle_ + "/libdir.so/placeholder", "");
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"libdir.so\"/>"
                        "</plugins>", 1, 41, "library file not found"));
}

TEST_F(MetadataSchemaTest, LibraryMustBeRelative) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"/lib/libc.so.6\"/>"
                        "</plugins>", 1, 41, "must be a path relative to the bundle directory"));
}

TEST_F(MetadataSchemaTest, LibraryMustStayInsideTheBundle) {
    EXPECT_TRUE(rejects("<plugins><plugin name=\"n\" unique-id=\"u\" library=\"../libplugin.so\"/>"
                        "</plugins>", 1, 41, "must stay inside the bundle directory"));
}

TEST_F(MetadataSchemaTest, LibraryInSubdirectory) {
    writeFile(bundle_ + "/lib/x86_64/libplugin.so", "");
    MetadataParseResult result = parse(
        "<plugins><plugin name=\"n\" unique-id=\"u\" library=\"lib/x86_64/libplugin.so\"/>"
        "</plugins>");
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].libraryPath, bundle_ + "/lib/x86_64/libplugin.so");
}

TEST_F(MetadataSchemaTest, DuplicateUniqueIdInOneFileFirstWins) {
    MetadataParseResult result = parse(
        "<plugins>\n"
        "<plugin name=\"first\" unique-id=\"urn:dup\" library=\"libplugin.so\"/>\n"
        "<plugin name=\"other\" unique-id=\"urn:other\" library=\"libplugin.so\"/>\n"
        "<plugin name=\"second\" unique-id=\"urn:dup\" library=\"libplugin.so\"/>\n"
        "</plugins>");
    ASSERT_EQ(result.plugins.size(), 2u);
    EXPECT_EQ(result.plugins[0].displayName, "first");
    EXPECT_EQ(result.plugins[1].displayName, "other");
    EXPECT_TRUE(hasSingleError(result.diagnostics, 4, 1,
                               "duplicate plugin unique-id 'urn:dup' (first declared at line 2)"));
}

TEST_F(MetadataSchemaTest, BadPluginDoesNotHideTheOthersInTheSameFile) {
    MetadataParseResult result = parse(
        "<plugins>\n"
        "<plugin name=\"good1\" unique-id=\"urn:1\" library=\"libplugin.so\"/>\n"
        "<plugin name=\"bad\" unique-id=\"urn:2\"/>\n"
        "<plugin name=\"good3\" unique-id=\"urn:3\" library=\"libplugin.so\"/>\n"
        "</plugins>");
    ASSERT_EQ(result.plugins.size(), 2u);
    EXPECT_EQ(result.plugins[0].uniqueId, "urn:1");
    EXPECT_EQ(result.plugins[1].uniqueId, "urn:3");
    EXPECT_TRUE(hasSingleError(result.diagnostics, 3, 1, "missing required attribute 'library'"));
}

TEST_F(MetadataSchemaTest, EveryErrorOfAPluginIsReported) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "<ports><port direction=\"up\" content=\"video\" name=\"x\" minimumSize=\"-1\"/></ports>"));
    EXPECT_TRUE(result.plugins.empty());
    EXPECT_EQ(countSeverity(result.diagnostics, DiagnosticSeverity::Error), 2u);
    EXPECT_EQ(countSeverity(result.diagnostics, DiagnosticSeverity::Warning), 1u) << "content \"video\" is read as other";
}

TEST_F(MetadataSchemaTest, UnknownAttributeIsAWarningAndThePluginStays) {
    MetadataParseResult result = parse(singlePluginMetadata("urn:test", "backend=\"LV2\""));
    ASSERT_EQ(result.plugins.size(), 1u);
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].severity, DiagnosticSeverity::Warning);
    EXPECT_EQ(result.diagnostics[0].line, 2);
    EXPECT_NE(result.diagnostics[0].message.find("unknown attribute 'backend' on <plugin>"),
              std::string::npos);
}

TEST_F(MetadataSchemaTest, EmptyPluginsIsAWarning) {
    MetadataParseResult result = parse("<plugins/>");
    EXPECT_TRUE(result.plugins.empty());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].severity, DiagnosticSeverity::Warning);
    EXPECT_NE(result.diagnostics[0].message.find("declares no <plugin>"), std::string::npos);
}

TEST_F(MetadataSchemaTest, NamespacedAttributesAndDeclarationsAreIgnored) {
    MetadataParseResult result = parse(
        "<plugins xmlns=\"urn:a\" xmlns:gui=\"urn:gui\">\n"
        "<plugin name=\"n\" unique-id=\"u\" library=\"libplugin.so\" gui:ui-view-factory=\"V\"\n"
        "        undeclared:thing=\"1\">\n"
        "<ports xmlns=\"urn:ports\"><port direction=\"input\" content=\"audio\" name=\"in\" "
        "x:y=\"z\"/></ports>\n"
        "</plugin></plugins>");
    EXPECT_TRUE(result.diagnostics.empty());
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].ports[0].name, "in");
}

TEST_F(MetadataSchemaTest, EntitiesAndCharacterReferencesAreDecoded) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:a&amp;b", "developer='&lt;&gt;&amp;&quot;&apos;' category=\"&#65;&#x42;&#x263a;\""));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].uniqueId, "urn:a&b");
    EXPECT_EQ(result.plugins[0].developer, "<>&\"'");
    EXPECT_EQ(result.plugins[0].category, "AB\xE2\x98\xBA");
}

TEST_F(MetadataSchemaTest, QuoteStylesAndWhitespace) {
    MetadataParseResult result;
    result = parse(
        "\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        "<!-- leading comment -->\n<?editor hint?>\n"
        "<plugins >\n\t<plugin\n\t\tname = 'It\"s'\n\t\tunique-id=\"u\"\tlibrary\n=\n'libplugin.so'\n"
        "\t/>\n<!-- inner comment --></plugins >\n<!-- trailing comment -->\n");
    ASSERT_EQ(result.plugins.size(), 1u) << result.diagnostics.front().toString();
    EXPECT_EQ(result.plugins[0].displayName, "It\"s");
}

TEST_F(MetadataSchemaTest, LineBreaksInAttributeValuesBecomeSpaces) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "developer=\"a\nb\r\nc\td&#10;e\""));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].developer, "a b c d\ne");  // a reference keeps its character
}

}  // namespace
}  // namespace aap::testing
