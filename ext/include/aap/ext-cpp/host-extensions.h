#pragma once
// aap::StandardHostExtensions: the host's side of the standard host extensions (plugin -> host):
// parameters notify_parameters_changed, presets notify_preset_loaded / notify_presets_updated,
// gui/v5 request_resize / request_show / request_hide / resize_hints_changed / closed.
// The host registers handlers; a plugin's call to its host extension (also from inside its
// process()) reaches them through AAPXS.
//
// With aap::hosting:
//     aap::StandardHostExtensions notifications{handlers};
//     aap::PluginHostOptions options;
//     options.hostExtensionDefinitions = aap::StandardHostExtensions::definitions();
//     options.hostExtensionImplementation = [&](const char* uri) { return notifications.implementation(uri); };
//
// Threads: a handler runs on whichever host thread the runtime answers the request on: a
// transport thread while the instance is not active, the host's non-realtime worker or the
// audio thread while it is. Handlers must therefore be [thread-safe] and realtime-safe (no
// allocation, no locks, no waiting): set a flag, post to a queue. `host` identifies the instance
// (with aap::hosting, host->context is its aap::PluginInstance).

#include <cstdint>
#include <memory>

#include "aap/ext/gui-v5.h"
#include "aap/ext/parameters.h"
#include "aap/ext/presets.h"
#include "aap/runtime/definition-registry.h"

namespace aap {

class StandardHostExtensions {
public:
    using Handler = void (*)(void* user, AndroidAudioPluginHost* host) noexcept;
    // gui/v5 (aap/ext/gui-v5.h): `gui` is the GUI id the plugin named; it may be one the host
    // already destroyed (a late message): compare it with the live one.
    using GuiHandler = void (*)(void* user, AndroidAudioPluginHost* host, aap_gui_instance_id gui) noexcept;
    using GuiResizeHandler = void (*)(void* user, AndroidAudioPluginHost* host, aap_gui_instance_id gui,
                                      std::uint32_t width, std::uint32_t height) noexcept;
    using GuiClosedHandler = void (*)(void* user, AndroidAudioPluginHost* host, aap_gui_instance_id gui,
                                      bool wasDestroyed) noexcept;
    struct Handlers {
        Handler parametersChanged = nullptr;
        Handler presetLoaded = nullptr;
        Handler presetsUpdated = nullptr;
        GuiResizeHandler guiRequestResize = nullptr;
        GuiHandler guiRequestShow = nullptr;
        GuiHandler guiRequestHide = nullptr;
        GuiHandler guiResizeHintsChanged = nullptr;
        GuiClosedHandler guiClosed = nullptr;
        void* user = nullptr;
    };

    explicit StandardHostExtensions(const Handlers& handlers) noexcept;
    StandardHostExtensions(const StandardHostExtensions&) = delete;
    StandardHostExtensions& operator=(const StandardHostExtensions&) = delete;

    // [thread-safe] The typed host extension for `uri` (parameters, presets or gui/v5), or null. Valid as
    // long as this object; what AndroidAudioPluginHost::get_extension answers.
    void* implementation(const char* uri) noexcept;

    // [non-realtime] A registry holding the standard definitions, for the host side.
    static std::shared_ptr<AAPXSDefinitionRegistry> definitions();

private:
    Handlers handlers_;
    aap_host_parameters_extension_t parameters_{};
    aap_presets_host_extension_t presets_{};
    aap_gui_v5_host_extension_t guiV5_{};
};

} // namespace aap
