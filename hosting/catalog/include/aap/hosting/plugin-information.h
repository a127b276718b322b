#pragma once
// What the catalog knows about one plugin, read from its bundle's aap_metadata.xml without
// loading any plugin code. Plain value types: copyable, no references into the catalog.
// See docs/metadata.md for the file format and docs/spec/abi.md section 6 for the port rules.

#include <cstdint>
#include <string>
#include <vector>

namespace aap {

// Port content types, numerically identical to AAP_CONTENT_TYPE_* of <aap/plugin-meta-info.h>
// (plugin-information.cpp static_asserts this).
enum class PortContentType : int32_t {
    // content="other" (AAP's "general" content, AAP_CONTENT_TYPE_UNDEFINED): a buffer whose
    // bytes only the plugin interprets, sized by the port's minimumSize or the host's default.
    Other = 0,
    Audio = 1,
    Midi = 2,  // MIDI 1.0; never produced by the catalog (content="midi" is read as Midi2, as AAP does)
    Midi2 = 3,
};

// Port directions, numerically identical to AAP_PORT_DIRECTION_* of <aap/plugin-meta-info.h>.
enum class PortDirection : int32_t {
    Input = 0,
    Output = 1,
};

struct PortInformation {
    int32_t index = 0;  // position in PluginInformation::ports (0-based, dense)
    std::string name;
    PortContentType contentType = PortContentType::Other;
    PortDirection direction = PortDirection::Input;
    // The port's buffer size in bytes as the metadata declares it (minimumSize, AAP's
    // pp:minimumSize); 0 when not declared. The host allocates at least this much, and at least its
    // default for the content type (docs/metadata.md, "Port buffers").
    uint32_t minimumSize = 0;
};

struct ParameterEnumeration {
    double value = 0.0;
    std::string name;
};

struct ParameterInformation {
    int32_t id = 0;  // stable parameter id, 0..16383 (as aap/ext/parameters.h defines it)
    std::string name;
    double minimumValue = 0.0;
    double maximumValue = 1.0;
    double defaultValue = 0.0;
    std::vector<ParameterEnumeration> enumerations;  // in document order
};

struct ExtensionInformation {
    std::string uri;
    bool required = false;
};

// The entry point every AAP plugin library exports unless its metadata names another one.
inline constexpr const char* kDefaultPluginEntrypoint = "GetAndroidAudioPluginFactory";

struct PluginInformation {
    std::string uniqueId;     // unique-id=, the key everything else uses
    std::string displayName;  // name=
    std::string developer;    // developer= ("" when absent)
    std::string version;      // version= ("" when absent)
    std::string category;     // category= ("" when absent; then the plugin counts as an effect)
    std::string libraryPath;  // absolute path of the plugin library (bundle dir + library=)
    std::string entrypoint = kDefaultPluginEntrypoint;  // entrypoint=
    std::string bundleDirectory;   // absolute path of the bundle directory
    std::string metadataFilePath;  // absolute path of the aap_metadata.xml it came from
    // True when the metadata declared <ports>; false when every port came from the default rules.
    bool portsDeclared = false;
    std::vector<PortInformation> ports;  // after the default-port rules; index == position
    std::vector<ParameterInformation> parameters;  // in document order
    std::vector<ExtensionInformation> extensions;  // in document order
    // Absolute path of the plugin's web UI folder (gui:web-ui, docs/metadata.md "Web UI"); ""
    // when it declares none or the declaration was unusable (a warning said why). The folder held
    // index.html when the metadata was read.
    std::string webUiDirectory;
    // Absolute path of the plugin's native GUI program (gui:program, docs/metadata.md "Native GUI
    // program"); "" when it declares none or the declaration was unusable (a warning said why).
    std::string guiProgramPath;

    // An instrument is a plugin whose category contains "Instrument" (docs/spec/abi.md section 6).
    bool isInstrument() const;
};

// Applies docs/spec/abi.md section 6 to `plugin.ports`:
// - no ports declared (`plugin.portsDeclared == false`): replaces ports with the defaults:
//   effects get "Audio In L", "Audio In R"; every plugin gets "Audio Out L", "Audio Out R";
//   then a MIDI2 input ("MIDI In" for instruments, "System MIDI In" otherwise) and
//   "System MIDI Out".
// - ports declared: appends "System MIDI In" when no MIDI2 input exists and "System MIDI Out"
//   when no MIDI2 output exists (AAPXS needs both).
// Finally renumbers every port's index to its position. Idempotent.
void applyDefaultPorts(PluginInformation& plugin);

}  // namespace aap
