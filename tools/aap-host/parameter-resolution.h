#pragma once
// Which parameters an aap-host command accepts: the running plugin's own list (parameters
// extension) when it gives one, the metadata's only when the plugin has no parameters extension
// (or defers to the metadata by answering a count of -1). One function for every command that
// takes a parameter id (render --param, play, gui), so they all agree.

#include <string>
#include <vector>

#include "aap/hosting/plugin-information.h"
#include "aap/hosting/hosted-plugin.h"

namespace aap::host_tool {

struct ResolvedParameters {
    enum class Source {
        Plugin,    // the parameters extension of the running plugin listed them
        Metadata,  // aap_metadata.xml's <parameters>: the plugin has no parameters extension
    };
    Source source = Source::Metadata;
    std::vector<ParameterInformation> parameters;  // in the order their source lists them
    // Why the metadata applies when it does ("the plugin has no parameters extension", ...);
    // empty when source == Plugin.
    std::string reason;

    // The parameter with stable id `id`, or null.
    const ParameterInformation* find(int32_t id) const noexcept;
};

// [main-thread] Asks the running plugin (inactive or active; not from the audio thread) for its
// parameters. Falls back to `metadata.parameters` when the plugin has no parameters extension:
// the proxies are unavailable, the plugin side has no definition for it, the plugin does not
// implement it, or it answers a count of -1. Any other failure (timeout, crash, a malformed
// answer, an entry with stable id -1) is an error: false, *error says which call failed and why.
// Enumerations come along where the plugin lists them.
bool resolveParameters(HostedPlugin& hosted, const PluginInformation& metadata, ResolvedParameters* out,
                       std::string* error);

// "the running plugin's parameters extension" / "the metadata (<reason>)", for messages.
std::string describeSource(const ResolvedParameters& parameters);

} // namespace aap::host_tool
