#include "parameter-resolution.h"

#include <cstring>

namespace aap::host_tool {

namespace {

// aap_parameter_info_t's character arrays may lack their NUL when a plugin misbehaves.
std::string boundedString(const char* text, size_t capacity) {
    return std::string(text, strnlen(text, capacity));
}

bool hasNoExtension(ExtensionError error) {
    return error == ExtensionError::UnknownExtension || error == ExtensionError::NotImplemented;
}

} // namespace

const ParameterInformation* ResolvedParameters::find(int32_t id) const noexcept {
    for (const ParameterInformation& parameter : parameters)
        if (parameter.id == id)
            return &parameter;
    return nullptr;
}

bool resolveParameters(HostedPlugin& hosted, const PluginInformation& metadata, ResolvedParameters* out,
                       std::string* error) {
    auto fromMetadata = [&](std::string reason) {
        out->source = ResolvedParameters::Source::Metadata;
        out->parameters = metadata.parameters;
        out->reason = std::move(reason);
        return true;
    };
    out->parameters.clear();
    out->reason.clear();
    std::shared_ptr<ParametersProxy> proxy = hosted.parameters();
    if (proxy == nullptr)
        return fromMetadata("extensions are unavailable for this instance");
    ExtensionResult<int32_t> count = proxy->getParameterCount();
    if (!count.ok()) {
        if (hasNoExtension(count.error()))
            return fromMetadata("the plugin has no parameters extension");
        *error = "the plugin's parameter count: " + describeExtensionError(count.error());
        return false;
    }
    if (count.value() < 0)
        return fromMetadata("the plugin defers to its metadata");
    out->source = ResolvedParameters::Source::Plugin;
    for (int32_t i = 0; i < count.value(); i++) {
        ExtensionResult<aap_parameter_info_t> info = proxy->getParameter(i);
        if (!info.ok()) {
            *error = "the plugin's parameter #" + std::to_string(i) + ": " + describeExtensionError(info.error());
            return false;
        }
        const aap_parameter_info_t& p = info.value();
        if (p.stable_id < 0) {
            *error = "the plugin's parameter #" + std::to_string(i) + " of " + std::to_string(count.value()) +
                     " has no id (stable_id " + std::to_string(p.stable_id) + ")";
            return false;
        }
        ParameterInformation parameter;
        parameter.id = p.stable_id;
        parameter.name = boundedString(p.display_name, sizeof(p.display_name));
        parameter.minimumValue = p.min_value;
        parameter.maximumValue = p.max_value;
        parameter.defaultValue = p.default_value;
        ExtensionResult<int32_t> enumerations = proxy->getEnumerationCount(p.stable_id);
        for (int32_t e = 0; enumerations.ok() && e < enumerations.value(); e++) {
            ExtensionResult<aap_parameter_enum_t> entry = proxy->getEnumeration(p.stable_id, e);
            if (!entry.ok())
                break;
            parameter.enumerations.push_back(
                {entry.value().value, boundedString(entry.value().name, sizeof(entry.value().name))});
        }
        out->parameters.push_back(std::move(parameter));
    }
    return true;
}

std::string describeSource(const ResolvedParameters& parameters) {
    if (parameters.source == ResolvedParameters::Source::Plugin)
        return "the running plugin's parameters extension";
    return "the metadata (" + parameters.reason + ")";
}

} // namespace aap::host_tool
