// aap-host info: a plugin's metadata, then what the running plugin itself reports through its
// extensions (parameters, presets, state size, MIDI mapping policy), queried out of process over
// AAPXS on the control channel.

#include <cstdio>
#include <memory>

#include "aap/hosting/plugin-json.h"
#include "commands.h"
#include "exit-codes.h"
#include "aap/hosting/hosted-plugin.h"
#include "plugin-resolution.h"

namespace aap::host_tool {
namespace {

const char* contentName(PortContentType type) {
    switch (type) {
    case PortContentType::Audio: return "audio";
    case PortContentType::Midi: return "midi";
    case PortContentType::Midi2: return "midi2";
    default: return "other";
    }
}

void printMetadata(const PluginInformation& plugin, const std::vector<CatalogDiagnostic>& warnings) {
    std::printf("%s\n", plugin.displayName.c_str());
    std::printf("  unique id   %s\n", plugin.uniqueId.c_str());
    std::printf("  kind        %s (category \"%s\")\n", plugin.isInstrument() ? "instrument" : "effect",
                plugin.category.c_str());
    std::printf("  developer   %s\n", plugin.developer.c_str());
    std::printf("  version     %s\n", plugin.version.c_str());
    std::printf("  library     %s (entry point %s)\n", plugin.libraryPath.c_str(), plugin.entrypoint.c_str());
    std::printf("  metadata    %s\n", plugin.metadataFilePath.c_str());
    std::printf("  ports%s\n", plugin.portsDeclared ? "" : " (defaults; none declared)");
    for (const PortInformation& port : plugin.ports) {
        std::printf("    %d  %-6s %-6s %s", port.index, port.direction == PortDirection::Input ? "in" : "out",
                    contentName(port.contentType), port.name.c_str());
        if (port.minimumSize != 0)
            std::printf(" (minimumSize %u bytes)", port.minimumSize);
        std::printf("\n");
    }
    std::printf("  parameters (metadata): %zu\n", plugin.parameters.size());
    for (const ParameterInformation& parameter : plugin.parameters) {
        std::printf("    %5d  %-24s %g .. %g, default %g\n", parameter.id, parameter.name.c_str(),
                    parameter.minimumValue, parameter.maximumValue, parameter.defaultValue);
        for (const ParameterEnumeration& entry : parameter.enumerations)
            std::printf("             %g = %s\n", entry.value, entry.name.c_str());
    }
    std::printf("  extensions (metadata): %zu\n", plugin.extensions.size());
    for (const ExtensionInformation& extension : plugin.extensions)
        std::printf("    %s%s\n", extension.uri.c_str(), extension.required ? " (required)" : "");
    // What the catalog ignored in this plugin's metadata file (the plugin loaded regardless).
    std::printf("  metadata warnings: %zu\n", warnings.size());
    for (const CatalogDiagnostic& warning : warnings)
        std::printf("    %s\n", warning.toString().c_str());
}

// What the plugin reports about itself; an extension it lacks is reported, not fatal.
void printRuntime(HostedPlugin& hosted) {
    std::printf("  running plugin (out of process, queried over AAPXS):\n");
    if (hosted.parameters() == nullptr) {
        std::printf("    extensions unavailable for this instance\n");
        return;
    }
    ExtensionResult<int32_t> count = hosted.parameters()->getParameterCount();
    if (!count.ok())
        std::printf("    parameters: %s\n", describeExtensionError(count.error()).c_str());
    else if (count.value() < 0)
        std::printf("    parameters: not listed by the plugin (the metadata's list applies)\n");
    else {
        std::printf("    parameters: %d\n", count.value());
        for (int32_t i = 0; i < count.value(); i++) {
            ExtensionResult<aap_parameter_info_t> info = hosted.parameters()->getParameter(i);
            if (!info.ok()) {
                std::printf("      #%d: %s\n", i, describeExtensionError(info.error()).c_str());
                continue;
            }
            const aap_parameter_info_t& p = info.value();
            std::printf("      %5d  %-24s %g .. %g, default %g  %s\n", p.stable_id, p.display_name, p.min_value,
                        p.max_value, p.default_value, p.path);
        }
    }
    ExtensionResult<int32_t> presets = hosted.presets()->getPresetCount();
    if (!presets.ok())
        std::printf("    presets: %s\n", describeExtensionError(presets.error()).c_str());
    else {
        std::printf("    presets: %d\n", presets.value());
        for (int32_t i = 0; i < presets.value(); i++) {
            ExtensionResult<aap_preset_t> preset = hosted.presets()->getPreset(i);
            if (preset.ok())
                std::printf("      %d  %s (id %d)\n", i, preset.value().name, preset.value().id);
            else
                std::printf("      %d  %s\n", i, describeExtensionError(preset.error()).c_str());
        }
    }
    ExtensionResult<int32_t> stateSize = hosted.state()->getStateSize();
    if (stateSize.ok())
        std::printf("    state size: %d bytes\n", stateSize.value());
    else
        std::printf("    state: %s\n", describeExtensionError(stateSize.error()).c_str());
    ExtensionResult<int32_t> policy = hosted.midi()->getMappingPolicy();
    if (policy.ok())
        std::printf("    MIDI mapping policy: 0x%x%s%s%s%s\n", static_cast<unsigned>(policy.value()),
                    (policy.value() & 1) ? " ACC" : "", (policy.value() & 2) ? " CC" : "",
                    (policy.value() & 4) ? " SYSEX8" : "", (policy.value() & 8) ? " PROGRAM" : "");
    else
        std::printf("    MIDI mapping policy: %s\n", describeExtensionError(policy.error()).c_str());
}

// What the service got for realtime operation: activating once starts its audio thread, which
// asks SCHED_FIFO (ProcessTransportOptions::realtimePriority).
void printRealtime(HostedPlugin& hosted) {
    PluginInstance& instance = hosted.instance();
    if (instance.activate() != HostingStatus::Ok) {
        std::printf("  realtime: unknown (activate failed)\n");
        return;
    }
    const RealtimeReport report = instance.realtimeReport();
    instance.deactivate();
    std::printf("  realtime: %s\n", describeRealtimeScheduling(report.scheduling).c_str());
    std::printf("  memory: host %s, service %s\n", describeMemoryLocking(report.hostMemory).c_str(),
                describeMemoryLocking(report.serviceMemory).c_str());
}

} // namespace

int runInfoCommand(const std::vector<std::string>& arguments) {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back({"json", nullptr, "print the metadata as JSON (no plugin code runs)"});
    specs.push_back({"metadata-only", nullptr, "do not start the plugin"});
    specs.push_back({"help", nullptr, "show this help"});
    ParsedArguments parsed;
    std::string error;
    if (!parseArguments(arguments, specs, &parsed, &error)) {
        std::fprintf(stderr, "aap-host info: %s\n", error.c_str());
        return kExitUsage;
    }
    if (parsed.has("help")) {
        std::printf("usage: aap-host info <plugin> [options]\n"
                    "Shows the metadata of <plugin> (unique id or name, or a prefix of either), then starts it\n"
                    "out of process and shows what it reports through its extensions.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().size() != 1) {
        std::fprintf(stderr, "aap-host info: expected exactly one plugin (see aap-host info --help)\n");
        return kExitUsage;
    }
    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    const PluginInformation* plugin = resolvePlugin(catalog, parsed.positional()[0]);
    if (plugin == nullptr)
        return kExitPluginNotFound;
    if (parsed.has("json")) {
        std::printf("%s\n", toJson(*plugin).c_str());
        return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
    }
    printMetadata(*plugin, metadataWarningsOf(catalog, *plugin));
    if (parsed.has("metadata-only"))
        return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
    PluginHost host{catalog, hostOptionsFrom(parsed)};
    std::unique_ptr<HostedPlugin> hosted;
    if (HostedPlugin::open(host, plugin->uniqueId, HostedPluginOptions{}, &hosted, &error) != HostingStatus::Ok) {
        std::fflush(stdout);
        std::fprintf(stderr, "aap-host info: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    printRuntime(*hosted);
    printRealtime(*hosted);
    return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
}

} // namespace aap::host_tool
