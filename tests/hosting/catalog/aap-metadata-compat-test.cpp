// aap_metadata.xml files in the shapes AAP plugins ship them (aap-core's sample plugins, the files
// aap-juce's metadata generator and aap-lv2's importer write): the bom shorthand, content "midi"
// and "other" ports, AAP's pp:minimumSize, port index attributes, namespaces and attributes this
// SDK does not know. Such files load, with warnings (file, line, column) where we ignore something.

#include <string>

#include "catalog-test-support.h"

#include "aap/ext/gui.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/port-config.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"

namespace aap::testing {
namespace {

class AapMetadataCompatTest : public MetadataTest {};

const std::vector<std::string> kBom0120 = {AAP_PARAMETERS_EXTENSION_URI, AAP_STATE_EXTENSION_URI,
                                           AAP_PRESETS_EXTENSION_URI,    AAP_MIDI_EXTENSION_URI,
                                           AAP_PORT_CONFIG_EXTENSION_URI, AAP_GUI_EXTENSION_URI};

std::vector<std::string> uris(const PluginInformation& plugin) {
    std::vector<std::string> out;
    for (const auto& extension : plugin.extensions)
        out.push_back(extension.uri);
    return out;
}

// The shape of aap-core's sample plugins' metadata: a core namespace on <plugins>, the gui
// namespace's attributes on <plugin>, the bom shorthand on one plugin, an explicit list (with an
// extension version this SDK does not implement, gui/v3) on the other, parameters in their own
// namespace with enumerations, an empty <parameters>, comments, implicit ports.
TEST_F(AapMetadataCompatTest, CoreSampleShapeLoadsWithoutDiagnostics) {
    MetadataParseResult result = parse(R"(<plugins xmlns="urn:org.androidaudioplugin.core">
  <plugin name="Sample Instrument" category="Instrument" developer="Someone"
      unique-id="urn:org.example/sample/Instrument"
      library="libplugin.so"
      gui:ui-view-factory="org.example.ui.ViewFactory"
      xmlns:gui="urn://androidaudioplugin.org/extensions/gui">

    <extensions bom="0.12.0" />

    <!-- All ports are created implicitly now. -->

    <parameters xmlns="urn://androidaudioplugin.org/extensions/parameters">
      <parameter id="0" name="Mixer" default="2" minimum="0" maximum="4">
        <enumeration value="0" name="None" />
        <enumeration value="1" name="Noise" />
        <enumeration value="4" name="Both" />
      </parameter>
      <parameter id="7" name="Volume" default="14" minimum="0" maximum="14" />
      <parameter id="15" name="Envelope" default="64" minimum="0" maximum="65535" />
    </parameters>
  </plugin>

  <plugin name="Sample Effect" category="Effect" developer="Someone"
      unique-id="urn:org.example/sample/Effect"
      library="libplugin.so">
    <extensions>
      <extension uri="urn://androidaudioplugin.org/extensions/state/v4" />
      <extension uri="urn://androidaudioplugin.org/extensions/midi2/v3" />
      <extension uri="urn://androidaudioplugin.org/extensions/parameters/v4" />
      <extension uri="urn://androidaudioplugin.org/extensions/port-config/v3" />
      <extension uri="urn://androidaudioplugin.org/extensions/gui/v3" />
    </extensions>
    <parameters xmlns="urn://androidaudioplugin.org/extensions/parameters">
    </parameters>
  </plugin>
</plugins>
)");
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 2u);
    const PluginInformation& instrument = result.plugins[0];
    EXPECT_EQ(uris(instrument), kBom0120);
    for (const auto& extension : instrument.extensions)
        EXPECT_FALSE(extension.required) << extension.uri;
    ASSERT_EQ(instrument.parameters.size(), 3u);
    EXPECT_EQ(instrument.parameters[1].id, 7);
    EXPECT_EQ(instrument.parameters[1].maximumValue, 14.0);
    EXPECT_EQ(instrument.parameters[0].enumerations.size(), 3u);
    EXPECT_FALSE(instrument.portsDeclared);
    EXPECT_EQ(instrument.ports.size(), 4u) << "instrument defaults: 2 audio out, MIDI in, MIDI out";

    const PluginInformation& effect = result.plugins[1];
    ASSERT_EQ(effect.extensions.size(), 5u);
    EXPECT_EQ(effect.extensions[4].uri, "urn://androidaudioplugin.org/extensions/gui/v3");
    EXPECT_TRUE(effect.parameters.empty());
}

TEST_F(AapMetadataCompatTest, BomAndExplicitExtensionsCombine) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "\n<extensions bom=\"0.12.0\">\n"
        "  <extension uri=\"urn://androidaudioplugin.org/extensions/state/v4\" required=\"true\" />\n"
        "  <extension uri=\"urn:example:vendor/v1\" />\n"
        "</extensions>"));
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 1u);
    std::vector<std::string> expected = kBom0120;
    expected.push_back("urn:example:vendor/v1");
    EXPECT_EQ(uris(result.plugins[0]), expected) << "the bom's entry is not repeated";
    EXPECT_TRUE(result.plugins[0].extensions[1].required) << "the explicit entry decides 'required'";
    EXPECT_FALSE(result.plugins[0].extensions[0].required);
}

TEST_F(AapMetadataCompatTest, AnUnknownBomIsAWarningAndAddsNothing) {
    MetadataParseResult result = parse(singlePluginMetadata("urn:test", "", "\n<extensions bom=\"9.9\" />"));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_TRUE(result.plugins[0].extensions.empty());
    ASSERT_EQ(result.diagnostics.size(), 1u);
    const CatalogDiagnostic& d = result.diagnostics[0];
    EXPECT_EQ(d.severity, DiagnosticSeverity::Warning);
    EXPECT_EQ(d.file, metadataPath());
    EXPECT_EQ(d.line, 3);
    EXPECT_EQ(d.column, 13);
    EXPECT_NE(d.message.find("unknown extensions bom \"9.9\" (known: 0.12.0)"), std::string::npos) << d.message;
}

TEST_F(AapMetadataCompatTest, TheBomExpansionIsTheStandardSet) {
    std::vector<ExtensionInformation> set = extensionsOfBom("0.12.0");
    std::vector<std::string> got;
    for (const auto& e : set)
        got.push_back(e.uri);
    EXPECT_EQ(got, kBom0120);
    EXPECT_TRUE(extensionsOfBom("").empty());
    EXPECT_TRUE(extensionsOfBom("0.12").empty());
}

// What aap-juce's metadata generator writes: explicit audio ports per channel, then MIDI ports with
// content "midi" (older generators) or "midi2" (newer ones), and JUCE parameters.
TEST_F(AapMetadataCompatTest, JuceGeneratedShapeHasMidi2Ports) {
    MetadataParseResult result = parse(R"(<?xml version="1.0" encoding="UTF-8"?>

<plugins>
  <plugin backend="JUCE" name="Some Synth" category="Instrument" author="" manufacturer="Vendor"
          unique-id="juceaap:536f6d65" library="libplugin.so" entrypoint="GetJuceAAPFactory"
          assets="">
    <parameters xmlns="urn://androidaudioplugin.org/extensions/parameters">
      <parameter id="0" name="Cutoff" default="0.5" minimum="0" maximum="1" direction="input"/>
    </parameters>
    <ports>
      <port direction="output" content="audio" name="Left"/>
      <port direction="output" content="audio" name="Right"/>
      <port direction="input" content="midi" name="MIDI input"/>
      <port direction="output" content="midi" name="MIDI output"/>
    </ports>
  </plugin>
</plugins>
)");
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(countSeverity(result.diagnostics, DiagnosticSeverity::Error), 0u);
    const PluginInformation& p = result.plugins[0];
    ASSERT_EQ(p.ports.size(), 4u) << "no System MIDI ports added: the midi ports are the MIDI2 ports";
    EXPECT_EQ(p.ports[2].contentType, PortContentType::Midi2);
    EXPECT_EQ(p.ports[2].direction, PortDirection::Input);
    EXPECT_EQ(p.ports[3].contentType, PortContentType::Midi2);
    EXPECT_EQ(p.entrypoint, "GetJuceAAPFactory");
    // backend, author, manufacturer, assets on <plugin> and direction on <parameter> are not ours:
    // each one warning with its own position, and the plugin still loads.
    ASSERT_EQ(result.diagnostics.size(), 5u);
    const CatalogDiagnostic& backend = result.diagnostics[0];
    EXPECT_EQ(backend.severity, DiagnosticSeverity::Warning);
    EXPECT_EQ(backend.line, 4);
    EXPECT_EQ(backend.column, 11);
    EXPECT_NE(backend.message.find("unknown attribute 'backend' on <plugin> is ignored"), std::string::npos);
    EXPECT_EQ(backend.toString().rfind(metadataPath() + ":4:11: warning: ", 0), 0u) << backend.toString();
    const CatalogDiagnostic& direction = result.diagnostics[4];
    EXPECT_EQ(direction.line, 8);
    EXPECT_NE(direction.message.find("unknown attribute 'direction' on <parameter>"), std::string::npos);
}

// What aap-lv2's importer writes for an LV2 plugin with an atom port: content "other" sized with
// pp:minimumSize in AAP's port-properties namespace, explicit index attributes.
TEST_F(AapMetadataCompatTest, OtherPortsWithMinimumSize) {
    MetadataParseResult result = parse(R"(<plugins xmlns:pp="urn:org.androidaudioplugin.port">
  <plugin name="Some LV2 Plugin" category="Effect" developer="Someone" unique-id="lv2:http://example.org/plugin"
          library="libplugin.so" entrypoint="GetAndroidAudioPluginFactoryLV2Bridge">
    <ports>
      <port index="0" direction="input" content="audio" name="In" />
      <port index="1" direction="output" content="audio" name="Out" />
      <port index="2" direction="input" content="other" name="Control" pp:minimumSize="8192" />
      <port index="3" direction="output" content="other" name="Notify" />
      <port index="4" direction="input" content="midi2" name="MIDI In" />
      <port index="5" direction="output" content="midi2" name="MIDI Out" minimumSize="16384" />
    </ports>
  </plugin>
</plugins>
)");
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 1u);
    const auto& ports = result.plugins[0].ports;
    ASSERT_EQ(ports.size(), 6u);
    EXPECT_EQ(ports[2].contentType, PortContentType::Other);
    EXPECT_EQ(ports[2].minimumSize, 8192u);
    EXPECT_EQ(ports[3].contentType, PortContentType::Other);
    EXPECT_EQ(ports[3].minimumSize, 0u) << "not declared: the host's default size";
    EXPECT_EQ(ports[5].minimumSize, 16384u) << "the unprefixed form AAP's guide documents";
    EXPECT_EQ(ports[1].minimumSize, 0u);
}

TEST_F(AapMetadataCompatTest, AMinimumSizeInAnotherNamespaceIsNotOurs) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "xmlns:x=\"urn:example:other\"",
        "<ports><port direction=\"input\" content=\"other\" name=\"p\" x:minimumSize=\"77\" /></ports>"));
    ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().toString();
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].ports[0].minimumSize, 0u);
}

TEST_F(AapMetadataCompatTest, AnUnknownContentIsReadAsOtherWithAWarning) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "", "\n<ports><port direction=\"input\" content=\"cv\" name=\"p\" /></ports>"));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].ports[0].contentType, PortContentType::Other);
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].severity, DiagnosticSeverity::Warning);
    EXPECT_EQ(result.diagnostics[0].line, 3);
    EXPECT_EQ(result.diagnostics[0].column, 32);
    EXPECT_NE(result.diagnostics[0].message.find("unknown port content \"cv\""), std::string::npos);
}

TEST_F(AapMetadataCompatTest, AnIndexOutOfDocumentOrderIsAWarning) {
    MetadataParseResult result = parse(singlePluginMetadata(
        "urn:test", "",
        "\n<ports><port index=\"1\" direction=\"input\" content=\"audio\" name=\"a\" />"
        "<port index=\"0\" direction=\"output\" content=\"audio\" name=\"b\" /></ports>"));
    ASSERT_EQ(result.plugins.size(), 1u);
    EXPECT_EQ(result.plugins[0].ports[0].name, "a");
    EXPECT_EQ(result.plugins[0].ports[0].index, 0);
    ASSERT_EQ(result.diagnostics.size(), 2u);
    EXPECT_EQ(result.diagnostics[0].severity, DiagnosticSeverity::Warning);
    EXPECT_NE(result.diagnostics[0].message.find("port index \"1\" is ignored"), std::string::npos);
}

}  // namespace
}  // namespace aap::testing
