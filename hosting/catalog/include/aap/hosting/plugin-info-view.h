#pragma once
// The C ABI view (aap_plugin_info_t of <aap/plugin-meta-info.h>) of one PluginInformation, for
// AndroidAudioPlugin.get_plugin_info answers and the plugin-info host extension
// (aap/ext/plugin-info.h).
//
// Mapping: plugin_package_name = name of the bundle directory ("my-synth.aap"),
// plugin_local_name = display_name = name=, developer_name = developer=, version = version=,
// primary_category = category=, identifier_string = plugin_id = unique-id=. Ports and parameters
// come in PluginInformation order; ports are those after the default-port rules.

#include <string>
#include <vector>

#include <aap/plugin-meta-info.h>

#include "plugin-information.h"

namespace aap {

class PluginInfoView {
public:
    // Borrows `plugin`: it must outlive the view and must not be modified or moved meanwhile
    // (a PluginCatalog entry qualifies while nothing is added to the catalog).
    explicit PluginInfoView(const PluginInformation& plugin);
    // The C structs point at this object: it cannot be copied or moved.
    PluginInfoView(const PluginInfoView&) = delete;
    PluginInfoView& operator=(const PluginInfoView&) = delete;

    // [thread-safe] The C view. Its context is this object; it, and every string and handle
    // reached through it, stays valid while this object lives. The counts, get_port,
    // get_parameter and the numeric getters are realtime-safe (no allocation, no locks).
    aap_plugin_info_t info() const noexcept { return info_; }

    const PluginInformation& information() const noexcept { return plugin_; }

private:
    friend struct PluginInfoViewCallbacks;

    // One per port / parameter; the C handles' context points here.
    struct PortEntry {
        const PortInformation* port;
    };
    struct ParameterEntry {
        const ParameterInformation* parameter;
    };

    const PluginInformation& plugin_;
    std::string packageName_;
    std::vector<PortEntry> ports_;
    std::vector<ParameterEntry> parameters_;
    aap_plugin_info_t info_{};
};

}  // namespace aap
