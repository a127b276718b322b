// PluginInfoView: a PluginInformation seen through the C ABI's aap_plugin_info_t.

#include <cstring>

#include "aap/hosting/plugin-info-view.h"
#include "catalog-test-support.h"

namespace aap::testing {
namespace {

PluginInformation samplePlugin() {
    PluginInformation p;
    p.uniqueId = "urn:example:synth";
    p.displayName = "Synth";
    p.developer = "Dev";
    p.version = "2.0";
    p.category = "Instrument";
    p.bundleDirectory = "/plugins/synth.aap";
    p.ports.push_back({0, "Out", PortContentType::Audio, PortDirection::Output});
    p.ports.push_back({1, "In", PortContentType::Midi2, PortDirection::Input});
    ParameterInformation parameter;
    parameter.id = 12;
    parameter.name = "Cutoff";
    parameter.minimumValue = 20.0;
    parameter.maximumValue = 20000.0;
    parameter.defaultValue = 440.0;
    p.parameters.push_back(parameter);
    return p;
}

TEST(PluginInfoView, PluginStrings) {
    PluginInformation plugin = samplePlugin();
    PluginInfoView view(plugin);
    aap_plugin_info_t info = view.info();
    EXPECT_STREQ(info.plugin_package_name(&info), "synth.aap");
    EXPECT_STREQ(info.plugin_local_name(&info), "Synth");
    EXPECT_STREQ(info.display_name(&info), "Synth");
    EXPECT_STREQ(info.developer_name(&info), "Dev");
    EXPECT_STREQ(info.version(&info), "2.0");
    EXPECT_STREQ(info.primary_category(&info), "Instrument");
    EXPECT_STREQ(info.identifier_string(&info), "urn:example:synth");
    EXPECT_STREQ(info.plugin_id(&info), "urn:example:synth");
}

TEST(PluginInfoView, Ports) {
    PluginInformation plugin = samplePlugin();
    PluginInfoView view(plugin);
    aap_plugin_info_t info = view.info();
    ASSERT_EQ(info.get_port_count(&info), 2u);
    aap_plugin_info_port_t out = info.get_port(&info, 0);
    EXPECT_EQ(out.index(&out), 0u);
    EXPECT_STREQ(out.name(&out), "Out");
    EXPECT_EQ(out.content_type(&out), AAP_CONTENT_TYPE_AUDIO);
    EXPECT_EQ(out.direction(&out), AAP_PORT_DIRECTION_OUTPUT);
    aap_plugin_info_port_t in = info.get_port(&info, 1);
    EXPECT_EQ(in.index(&in), 1u);
    EXPECT_STREQ(in.name(&in), "In");
    EXPECT_EQ(in.content_type(&in), AAP_CONTENT_TYPE_MIDI2);
    EXPECT_EQ(in.direction(&in), AAP_PORT_DIRECTION_INPUT);
}

TEST(PluginInfoView, Parameters) {
    PluginInformation plugin = samplePlugin();
    PluginInfoView view(plugin);
    aap_plugin_info_t info = view.info();
    ASSERT_EQ(info.get_parameter_count(&info), 1u);
    aap_plugin_info_parameter_t p = info.get_parameter(&info, 0);
    EXPECT_EQ(p.id(&p), 12u);
    EXPECT_STREQ(p.name(&p), "Cutoff");
    EXPECT_FLOAT_EQ(p.min_value(&p), 20.0f);
    EXPECT_FLOAT_EQ(p.max_value(&p), 20000.0f);
    EXPECT_FLOAT_EQ(p.default_value(&p), 440.0f);
}

TEST(PluginInfoView, OutOfRangeIndexesYieldAllNullHandles) {
    PluginInformation plugin = samplePlugin();
    PluginInfoView view(plugin);
    aap_plugin_info_t info = view.info();
    aap_plugin_info_port_t port = info.get_port(&info, 2);
    EXPECT_EQ(port.context, nullptr);
    EXPECT_EQ(port.index, nullptr);
    EXPECT_EQ(port.name, nullptr);
    EXPECT_EQ(port.content_type, nullptr);
    EXPECT_EQ(port.direction, nullptr);
    aap_plugin_info_parameter_t parameter = info.get_parameter(&info, UINT32_MAX);
    EXPECT_EQ(parameter.context, nullptr);
    EXPECT_EQ(parameter.id, nullptr);
    EXPECT_EQ(parameter.name, nullptr);
    EXPECT_EQ(parameter.min_value, nullptr);
    EXPECT_EQ(parameter.max_value, nullptr);
    EXPECT_EQ(parameter.default_value, nullptr);
}

TEST(PluginInfoView, ParsedDefaultPortsAreVisible) {
    TemporaryDirectory temp;
    writeBundle(temp.path("fx.aap"), singlePluginMetadata("urn:fx", "category=\"Effect\""));
    MetadataParseResult result = parsePluginBundle(temp.path("fx.aap"));
    ASSERT_EQ(result.plugins.size(), 1u);
    PluginInfoView view(result.plugins[0]);
    aap_plugin_info_t info = view.info();
    EXPECT_STREQ(info.plugin_package_name(&info), "fx.aap");
    ASSERT_EQ(info.get_port_count(&info), 6u);
    aap_plugin_info_port_t last = info.get_port(&info, 5);
    EXPECT_STREQ(last.name(&last), "System MIDI Out");
    EXPECT_EQ(last.index(&last), 5u);
    EXPECT_EQ(info.get_parameter_count(&info), 0u);
}

}  // namespace
}  // namespace aap::testing
