#pragma once
// aap::PluginExtensions: every standard typed proxy for one instance, and get_extension(uri) for
// C host code, the way AndroidAudioPlugin::get_extension works for a local plugin:
//
//     aap::PluginExtensions extensions{*client};
//     auto* presets = static_cast<aap_presets_extension_t*>(extensions.getExtension(AAP_PRESETS_EXTENSION_URI));
//     int32_t count = presets->get_preset_count(presets, nullptr);
//
// The C structs (parameters, presets, state, midi2, gui, urid, port-config) make sync calls
// ([main-thread], never on the thread that calls process()); see each proxy's asPluginExtension()
// for how errors map to ABI values. plugin-info is a host extension served from the catalog, not
// here.

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/state.h"
#include "aap/ext-cpp/urid.h"

namespace aap {

class PluginExtensions {
public:
    explicit PluginExtensions(ExtensionClient& client) noexcept
        : parameters(client), presets(client), state(client), midi(client), gui(client), urid(client),
          portConfig(client) {}
    PluginExtensions(const PluginExtensions&) = delete;
    PluginExtensions& operator=(const PluginExtensions&) = delete;

    // [thread-safe] The C struct for `uri` (aap_parameters_extension_t*, aap_presets_extension_t*,
    // aap_state_extension_t*, aap_midi_extension_t*, aap_gui_extension_t*, aap_urid_extension_t*,
    // aap_port_config_extension_t*), or null for any other URI or null. Valid as long as this
    // object. Its functions ignore their AndroidAudioPlugin* argument (pass null or anything).
    void* getExtension(const char* uri) noexcept;

    ParametersProxy parameters;
    PresetsProxy presets;
    StateProxy state;
    MidiProxy midi;
    GuiProxy gui;
    UridProxy urid;
    PortConfigProxy portConfig;
};

} // namespace aap
