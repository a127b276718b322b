#include "plugin-info-provider.h"

#include <cstring>

#include "aap/hosting/metadata-parser.h"

namespace aap {

namespace {

template <typename T>
T* contextOf(void* context) {
    return static_cast<T*>(context);
}

} // namespace

PluginInfoProvider::PluginInfoProvider(std::vector<PluginInformation> plugins) {
    for (PluginInformation& plugin : plugins) {
        auto record = std::make_unique<Record>();
        record->information = std::move(plugin);
        const std::string& bundle = record->information.bundleDirectory;
        size_t slash = bundle.find_last_of('/');
        record->packageName = slash == std::string::npos ? bundle : bundle.substr(slash + 1);
        for (const PortInformation& port : record->information.ports)
            record->ports.push_back(PortRecord{&port});
        for (const ParameterInformation& parameter : record->information.parameters)
            record->parameters.push_back(ParameterRecord{&parameter});
        records_.push_back(std::move(record));
    }
    extension_.aapxs_context = this;
    extension_.get = &PluginInfoProvider::get;
}

std::unique_ptr<PluginInfoProvider> PluginInfoProvider::fromMetadataFile(const std::string& metadataPath) {
    if (metadataPath.empty())
        return nullptr;
    size_t slash = metadataPath.find_last_of('/');
    const std::string directory = slash == std::string::npos ? std::string{"."} : metadataPath.substr(0, slash);
    MetadataParseResult parsed = parsePluginBundle(directory);
    return std::make_unique<PluginInfoProvider>(std::move(parsed.plugins));
}

aap_plugin_info_t PluginInfoProvider::get(aap_host_plugin_info_extension_t* ext, AndroidAudioPluginHost*,
                                          const char* pluginId) {
    aap_plugin_info_t info;
    std::memset(&info, 0, sizeof(info));
    if (ext == nullptr || pluginId == nullptr)
        return info;
    auto* provider = static_cast<PluginInfoProvider*>(ext->aapxs_context);
    Record* found = nullptr;
    for (auto& record : provider->records_)
        if (record->information.uniqueId == pluginId)
            found = record.get();
    if (found == nullptr)
        return info;
    info.context = found;
    info.plugin_package_name = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->packageName.c_str(); };
    info.plugin_local_name = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.uniqueId.c_str(); };
    info.display_name = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.displayName.c_str(); };
    info.developer_name = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.developer.c_str(); };
    info.version = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.version.c_str(); };
    info.primary_category = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.category.c_str(); };
    info.identifier_string = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.uniqueId.c_str(); };
    info.plugin_id = [](aap_plugin_info_t* p) { return contextOf<Record>(p->context)->information.uniqueId.c_str(); };
    info.get_port_count = [](aap_plugin_info_t* p) {
        return static_cast<uint32_t>(contextOf<Record>(p->context)->ports.size());
    };
    info.get_port = [](aap_plugin_info_t* p, uint32_t index) {
        aap_plugin_info_port_t port;
        std::memset(&port, 0, sizeof(port));
        Record* record = contextOf<Record>(p->context);
        if (index >= record->ports.size())
            return port;
        port.context = &record->ports[index];
        port.index = [](aap_plugin_info_port_t* self) {
            return static_cast<uint32_t>(contextOf<PortRecord>(self->context)->port->index);
        };
        port.name = [](aap_plugin_info_port_t* self) { return contextOf<PortRecord>(self->context)->port->name.c_str(); };
        port.content_type = [](aap_plugin_info_port_t* self) {
            switch (contextOf<PortRecord>(self->context)->port->contentType) {
            case PortContentType::Audio: return AAP_CONTENT_TYPE_AUDIO;
            case PortContentType::Midi: return AAP_CONTENT_TYPE_MIDI;
            case PortContentType::Midi2: return AAP_CONTENT_TYPE_MIDI2;
            default: return AAP_CONTENT_TYPE_UNDEFINED;
            }
        };
        port.direction = [](aap_plugin_info_port_t* self) {
            return contextOf<PortRecord>(self->context)->port->direction == PortDirection::Output
                       ? AAP_PORT_DIRECTION_OUTPUT
                       : AAP_PORT_DIRECTION_INPUT;
        };
        return port;
    };
    info.get_parameter_count = [](aap_plugin_info_t* p) {
        return static_cast<uint32_t>(contextOf<Record>(p->context)->parameters.size());
    };
    info.get_parameter = [](aap_plugin_info_t* p, uint32_t index) {
        aap_plugin_info_parameter_t parameter;
        std::memset(&parameter, 0, sizeof(parameter));
        Record* record = contextOf<Record>(p->context);
        if (index >= record->parameters.size())
            return parameter;
        parameter.context = &record->parameters[index];
        parameter.id = [](aap_plugin_info_parameter_t* self) {
            return static_cast<uint32_t>(contextOf<ParameterRecord>(self->context)->parameter->id);
        };
        parameter.name = [](aap_plugin_info_parameter_t* self) {
            return contextOf<ParameterRecord>(self->context)->parameter->name.c_str();
        };
        parameter.min_value = [](aap_plugin_info_parameter_t* self) {
            return static_cast<float>(contextOf<ParameterRecord>(self->context)->parameter->minimumValue);
        };
        parameter.max_value = [](aap_plugin_info_parameter_t* self) {
            return static_cast<float>(contextOf<ParameterRecord>(self->context)->parameter->maximumValue);
        };
        parameter.default_value = [](aap_plugin_info_parameter_t* self) {
            return static_cast<float>(contextOf<ParameterRecord>(self->context)->parameter->defaultValue);
        };
        return parameter;
    };
    return info;
}

const PluginInformation* PluginInfoProvider::find(const std::string& pluginId) const noexcept {
    for (const auto& record : records_)
        if (record->information.uniqueId == pluginId)
            return &record->information;
    return nullptr;
}

} // namespace aap
