#pragma once
// Serves the plugin-info/v3 host extension (aap/ext/plugin-info.h) to a plugin from catalog
// metadata, locally in the process that runs the plugin (the plugin service, or the host for the
// in-process transport): no AAPXS round trip, nothing crosses the process boundary.
//
// String mapping: plugin_package_name = the bundle directory's name, plugin_local_name,
// identifier_string and plugin_id = the unique-id, display_name = name=, developer_name,
// version, primary_category = category=. Everything the extension hands out stays valid as long
// as the provider (the instance's lifetime).

#include <memory>
#include <string>
#include <vector>

#include "aap/ext/plugin-info.h"
#include "aap/hosting/plugin-information.h"

namespace aap {

class PluginInfoProvider {
public:
    explicit PluginInfoProvider(std::vector<PluginInformation> plugins);
    PluginInfoProvider(const PluginInfoProvider&) = delete;
    PluginInfoProvider& operator=(const PluginInfoProvider&) = delete;

    // Parses the bundle that holds `metadataPath` (its directory). Null when the path is empty.
    static std::unique_ptr<PluginInfoProvider> fromMetadataFile(const std::string& metadataPath);

    aap_host_plugin_info_extension_t* extension() noexcept { return &extension_; }
    // The bundle's plugin with this unique id, or null.
    const PluginInformation* find(const std::string& pluginId) const noexcept;

private:
    struct Record;
    struct PortRecord {
        const PortInformation* port;
    };
    struct ParameterRecord {
        const ParameterInformation* parameter;
    };
    struct Record {
        PluginInformation information;
        std::string packageName;
        std::vector<PortRecord> ports;
        std::vector<ParameterRecord> parameters;
    };

    static aap_plugin_info_t get(aap_host_plugin_info_extension_t* ext, AndroidAudioPluginHost* host,
                                 const char* pluginId);

    std::vector<std::unique_ptr<Record>> records_;
    aap_host_plugin_info_extension_t extension_{};
};

} // namespace aap
