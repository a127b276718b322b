// PluginInformation helpers and the default-port rules of docs/spec/abi.md section 6.

#include "aap/hosting/plugin-information.h"

#include <aap/plugin-meta-info.h>

namespace aap {

// The C++ enums mirror the C ABI values so hosts can pass them through unchanged.
static_assert(static_cast<int32_t>(PortContentType::Other) == AAP_CONTENT_TYPE_UNDEFINED);
static_assert(static_cast<int32_t>(PortContentType::Audio) == AAP_CONTENT_TYPE_AUDIO);
static_assert(static_cast<int32_t>(PortContentType::Midi) == AAP_CONTENT_TYPE_MIDI);
static_assert(static_cast<int32_t>(PortContentType::Midi2) == AAP_CONTENT_TYPE_MIDI2);
static_assert(static_cast<int32_t>(PortDirection::Input) == AAP_PORT_DIRECTION_INPUT);
static_assert(static_cast<int32_t>(PortDirection::Output) == AAP_PORT_DIRECTION_OUTPUT);

bool PluginInformation::isInstrument() const {
    return category.find("Instrument") != std::string::npos;
}

namespace {

PortInformation makePort(const char* name, PortContentType content, PortDirection direction) {
    PortInformation port;
    port.name = name;
    port.contentType = content;
    port.direction = direction;
    return port;
}

bool hasMidi2Port(const std::vector<PortInformation>& ports, PortDirection direction) {
    for (const auto& port : ports)
        if (port.contentType == PortContentType::Midi2 && port.direction == direction)
            return true;
    return false;
}

}  // namespace

void applyDefaultPorts(PluginInformation& plugin) {
    std::vector<PortInformation>& ports = plugin.ports;
    if (!plugin.portsDeclared) {
        ports.clear();
        if (!plugin.isInstrument()) {
            ports.push_back(makePort("Audio In L", PortContentType::Audio, PortDirection::Input));
            ports.push_back(makePort("Audio In R", PortContentType::Audio, PortDirection::Input));
        }
        ports.push_back(makePort("Audio Out L", PortContentType::Audio, PortDirection::Output));
        ports.push_back(makePort("Audio Out R", PortContentType::Audio, PortDirection::Output));
        ports.push_back(makePort(plugin.isInstrument() ? "MIDI In" : "System MIDI In",
                                 PortContentType::Midi2, PortDirection::Input));
        ports.push_back(makePort("System MIDI Out", PortContentType::Midi2, PortDirection::Output));
    } else {
        if (!hasMidi2Port(ports, PortDirection::Input))
            ports.push_back(
                makePort("System MIDI In", PortContentType::Midi2, PortDirection::Input));
        if (!hasMidi2Port(ports, PortDirection::Output))
            ports.push_back(
                makePort("System MIDI Out", PortContentType::Midi2, PortDirection::Output));
    }
    for (size_t i = 0; i < ports.size(); i++)
        ports[i].index = static_cast<int32_t>(i);
}

}  // namespace aap
