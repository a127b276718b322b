// The default-port rules of docs/spec/abi.md section 6, through the parser and applyDefaultPorts().

#include <string>
#include <vector>

#include "catalog-test-support.h"

namespace aap::testing {
namespace {

struct ExpectedPort {
    const char* name;
    PortContentType content;
    PortDirection direction;
};

constexpr auto kAudio = PortContentType::Audio;
constexpr auto kMidi2 = PortContentType::Midi2;
constexpr auto kIn = PortDirection::Input;
constexpr auto kOut = PortDirection::Output;

void expectPorts(const PluginInformation& plugin, const std::vector<ExpectedPort>& expected) {
    ASSERT_EQ(plugin.ports.size(), expected.size());
    for (size_t i = 0; i < expected.size(); i++) {
        SCOPED_TRACE("port " + std::to_string(i));
        EXPECT_EQ(plugin.ports[i].index, static_cast<int32_t>(i));
        EXPECT_EQ(plugin.ports[i].name, expected[i].name);
        EXPECT_EQ(plugin.ports[i].contentType, expected[i].content);
        EXPECT_EQ(plugin.ports[i].direction, expected[i].direction);
    }
}

class DefaultPortsTest : public MetadataTest {
protected:
    PluginInformation parseOne(std::string_view extraAttributes, std::string_view body) {
        MetadataParseResult result = parse(singlePluginMetadata("urn:test", extraAttributes, body));
        EXPECT_TRUE(result.diagnostics.empty());
        EXPECT_EQ(result.plugins.size(), 1u);
        return result.plugins.empty() ? PluginInformation() : result.plugins[0];
    }
};

TEST_F(DefaultPortsTest, EffectWithoutPortsGetsStereoInOutAndSystemMidi) {
    PluginInformation plugin = parseOne("category=\"Effect\"", "");
    EXPECT_FALSE(plugin.portsDeclared);
    expectPorts(plugin, {{"Audio In L", kAudio, kIn},
                         {"Audio In R", kAudio, kIn},
                         {"Audio Out L", kAudio, kOut},
                         {"Audio Out R", kAudio, kOut},
                         {"System MIDI In", kMidi2, kIn},
                         {"System MIDI Out", kMidi2, kOut}});
}

TEST_F(DefaultPortsTest, PluginWithoutCategoryCountsAsEffect) {
    expectPorts(parseOne("", ""), {{"Audio In L", kAudio, kIn},
                                   {"Audio In R", kAudio, kIn},
                                   {"Audio Out L", kAudio, kOut},
                                   {"Audio Out R", kAudio, kOut},
                                   {"System MIDI In", kMidi2, kIn},
                                   {"System MIDI Out", kMidi2, kOut}});
}

TEST_F(DefaultPortsTest, InstrumentWithoutPortsGetsStereoOutAndMidiIn) {
    PluginInformation plugin = parseOne("category=\"Instrument\"", "");
    EXPECT_TRUE(plugin.isInstrument());
    expectPorts(plugin, {{"Audio Out L", kAudio, kOut},
                         {"Audio Out R", kAudio, kOut},
                         {"MIDI In", kMidi2, kIn},
                         {"System MIDI Out", kMidi2, kOut}});
}

TEST_F(DefaultPortsTest, CategoryContainingInstrumentIsAnInstrument) {
    PluginInformation plugin = parseOne("category=\"Synth;Instrument;Generator\"", "");
    EXPECT_TRUE(plugin.isInstrument());
    EXPECT_EQ(plugin.ports.size(), 4u);
    // The match is case-sensitive, as in AAP.
    EXPECT_FALSE(parseOne("category=\"instrument\"", "").isInstrument());
}

TEST_F(DefaultPortsTest, EmptyPortsElementDeclaresNothing) {
    PluginInformation plugin = parseOne("category=\"Instrument\"", "<ports/>");
    EXPECT_FALSE(plugin.portsDeclared);
    EXPECT_EQ(plugin.ports.size(), 4u);
}

TEST_F(DefaultPortsTest, DeclaredPortsWithoutMidiGetSystemMidiAppended) {
    PluginInformation plugin = parseOne(
        "category=\"Instrument\"",
        "<ports><port direction=\"output\" content=\"audio\" name=\"Mono Out\"/></ports>");
    EXPECT_TRUE(plugin.portsDeclared);
    expectPorts(plugin, {{"Mono Out", kAudio, kOut},
                         {"System MIDI In", kMidi2, kIn},
                         {"System MIDI Out", kMidi2, kOut}});
}

TEST_F(DefaultPortsTest, DeclaredPortsWithMidiInputGetOnlySystemMidiOut) {
    PluginInformation plugin = parseOne(
        "", "<ports><port direction=\"input\" content=\"midi2\" name=\"Notes\"/>"
            "<port direction=\"output\" content=\"audio\" name=\"Out\"/></ports>");
    expectPorts(plugin, {{"Notes", kMidi2, kIn},
                         {"Out", kAudio, kOut},
                         {"System MIDI Out", kMidi2, kOut}});
}

TEST_F(DefaultPortsTest, DeclaredPortsWithMidiInAndOutAreKeptAsDeclared) {
    PluginInformation plugin = parseOne(
        "", "<ports><port direction=\"output\" content=\"midi2\" name=\"Events Out\"/>"
            "<port direction=\"input\" content=\"audio\" name=\"In\"/>"
            "<port direction=\"input\" content=\"midi2\" name=\"Events In\"/></ports>");
    expectPorts(plugin, {{"Events Out", kMidi2, kOut},
                         {"In", kAudio, kIn},
                         {"Events In", kMidi2, kIn}});
}

TEST(ApplyDefaultPorts, IsIdempotentAndRenumbers) {
    PluginInformation plugin;
    plugin.category = "Effect";
    PortInformation port;
    port.index = 42;  // wrong on purpose: applyDefaultPorts renumbers
    port.name = "Side";
    port.contentType = PortContentType::Audio;
    port.direction = PortDirection::Input;
    plugin.ports.push_back(port);
    plugin.portsDeclared = true;
    applyDefaultPorts(plugin);
    applyDefaultPorts(plugin);
    expectPorts(plugin, {{"Side", kAudio, kIn},
                         {"System MIDI In", kMidi2, kIn},
                         {"System MIDI Out", kMidi2, kOut}});

    PluginInformation undeclared;
    undeclared.ports.push_back(port);  // ignored: portsDeclared is false
    applyDefaultPorts(undeclared);
    applyDefaultPorts(undeclared);
    EXPECT_EQ(undeclared.ports.size(), 6u);
    EXPECT_EQ(undeclared.ports[0].name, "Audio In L");
}

TEST(ApplyDefaultPorts, EnumValuesMatchTheCAbi) {
    EXPECT_EQ(static_cast<int32_t>(PortContentType::Other), 0);
    EXPECT_EQ(static_cast<int32_t>(PortContentType::Audio), 1);
    EXPECT_EQ(static_cast<int32_t>(PortContentType::Midi), 2);
    EXPECT_EQ(static_cast<int32_t>(PortContentType::Midi2), 3);
    EXPECT_EQ(static_cast<int32_t>(PortDirection::Input), 0);
    EXPECT_EQ(static_cast<int32_t>(PortDirection::Output), 1);
}

}  // namespace
}  // namespace aap::testing
