#include "aap/hosting/plugin-info-view.h"

#include <cstdint>
#include <filesystem>

namespace aap {

// The C callbacks. Every one receives the struct it was reached through, whose context this file
// set: the view (plugin), a PortEntry (port) or a ParameterEntry (parameter).
struct PluginInfoViewCallbacks {
    static PluginInfoView& view(aap_plugin_info_t* info) {
        return *static_cast<PluginInfoView*>(info->context);
    }
    static const PluginInformation& plugin(aap_plugin_info_t* info) { return view(info).plugin_; }

    static const char* packageName(aap_plugin_info_t* info) {
        return view(info).packageName_.c_str();
    }
    static const char* displayName(aap_plugin_info_t* info) {
        return plugin(info).displayName.c_str();
    }
    static const char* developer(aap_plugin_info_t* info) { return plugin(info).developer.c_str(); }
    static const char* version(aap_plugin_info_t* info) { return plugin(info).version.c_str(); }
    static const char* category(aap_plugin_info_t* info) { return plugin(info).category.c_str(); }
    static const char* uniqueId(aap_plugin_info_t* info) { return plugin(info).uniqueId.c_str(); }

    static uint32_t portCount(aap_plugin_info_t* info) {
        return static_cast<uint32_t>(view(info).ports_.size());
    }
    static uint32_t parameterCount(aap_plugin_info_t* info) {
        return static_cast<uint32_t>(view(info).parameters_.size());
    }

    static const PortInformation& port(aap_plugin_info_port_t* handle) {
        return *static_cast<PluginInfoView::PortEntry*>(handle->context)->port;
    }
    static uint32_t portIndex(aap_plugin_info_port_t* handle) {
        return static_cast<uint32_t>(port(handle).index);
    }
    static const char* portName(aap_plugin_info_port_t* handle) {
        return port(handle).name.c_str();
    }
    static aap_content_type portContentType(aap_plugin_info_port_t* handle) {
        switch (port(handle).contentType) {
        case PortContentType::Audio: return AAP_CONTENT_TYPE_AUDIO;
        case PortContentType::Midi: return AAP_CONTENT_TYPE_MIDI;
        case PortContentType::Midi2: return AAP_CONTENT_TYPE_MIDI2;
        case PortContentType::Other: break;
        }
        return AAP_CONTENT_TYPE_UNDEFINED;
    }
    static aap_port_direction portDirection(aap_plugin_info_port_t* handle) {
        return port(handle).direction == PortDirection::Output ? AAP_PORT_DIRECTION_OUTPUT
                                                               : AAP_PORT_DIRECTION_INPUT;
    }
    static aap_plugin_info_port_t getPort(aap_plugin_info_t* info, uint32_t index) {
        aap_plugin_info_port_t handle{};
        PluginInfoView& v = view(info);
        if (index >= v.ports_.size())
            return handle;  // all members null, as plugin-meta-info.h specifies
        handle.context = &v.ports_[index];
        handle.index = portIndex;
        handle.name = portName;
        handle.content_type = portContentType;
        handle.direction = portDirection;
        return handle;
    }

    static const ParameterInformation& parameter(aap_plugin_info_parameter_t* handle) {
        return *static_cast<PluginInfoView::ParameterEntry*>(handle->context)->parameter;
    }
    static uint32_t parameterId(aap_plugin_info_parameter_t* handle) {
        return static_cast<uint32_t>(parameter(handle).id);
    }
    static const char* parameterName(aap_plugin_info_parameter_t* handle) {
        return parameter(handle).name.c_str();
    }
    static float parameterMinimum(aap_plugin_info_parameter_t* handle) {
        return static_cast<float>(parameter(handle).minimumValue);
    }
    static float parameterMaximum(aap_plugin_info_parameter_t* handle) {
        return static_cast<float>(parameter(handle).maximumValue);
    }
    static float parameterDefault(aap_plugin_info_parameter_t* handle) {
        return static_cast<float>(parameter(handle).defaultValue);
    }
    static aap_plugin_info_parameter_t getParameter(aap_plugin_info_t* info, uint32_t index) {
        aap_plugin_info_parameter_t handle{};
        PluginInfoView& v = view(info);
        if (index >= v.parameters_.size())
            return handle;
        handle.context = &v.parameters_[index];
        handle.id = parameterId;
        handle.name = parameterName;
        handle.min_value = parameterMinimum;
        handle.max_value = parameterMaximum;
        handle.default_value = parameterDefault;
        return handle;
    }
};

PluginInfoView::PluginInfoView(const PluginInformation& plugin)
    : plugin_(plugin),
      packageName_(std::filesystem::path(plugin.bundleDirectory).filename().string()) {
    ports_.reserve(plugin.ports.size());
    for (const auto& port : plugin.ports)
        ports_.push_back(PortEntry{&port});
    parameters_.reserve(plugin.parameters.size());
    for (const auto& parameter : plugin.parameters)
        parameters_.push_back(ParameterEntry{&parameter});
    using C = PluginInfoViewCallbacks;
    info_.context = this;
    info_.plugin_package_name = C::packageName;
    info_.plugin_local_name = C::displayName;
    info_.display_name = C::displayName;
    info_.developer_name = C::developer;
    info_.version = C::version;
    info_.primary_category = C::category;
    info_.identifier_string = C::uniqueId;
    info_.plugin_id = C::uniqueId;
    info_.get_port_count = C::portCount;
    info_.get_port = C::getPort;
    info_.get_parameter_count = C::parameterCount;
    info_.get_parameter = C::getParameter;
}

}  // namespace aap
