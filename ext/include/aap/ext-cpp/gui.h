#pragma once
// GUI extension (aap/ext/gui.h) over AAPXS. The GUI lives in the plugin's process; `view` is
// never transferred (it arrives as null).
//
// Wire (little-endian, aap/ext/gui.h): 1 create: i32 instance, u32 L, L bytes pluginId (no NUL);
// 2 show / 3 hide / 5 destroy: i32 guiInstanceId; 4 resize: i32 id, i32 width, i32 height.
// Every reply: i32 result. A plugin without the extension answers AAP_GUI_ERROR_NO_GUI_DEFINED,
// one without the function the matching AAP_GUI_ERROR_NO_*_DEFINED (as the header specifies), so
// these come back as values, not as ExtensionErrors.

#include <cstdint>
#include <string_view>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/gui.h"

namespace aap {

inline constexpr std::int32_t kGuiDataCapacity = 1024 + 16;

class GuiProxy {
public:
    explicit GuiProxy(ExtensionClient& client) noexcept;
    // The new aap_gui_instance_id (>= 0) or a negative AAP_GUI_ERROR_* code.
    ExtensionResult<std::int32_t> create(std::string_view pluginId, std::int32_t instance, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> show(aap_gui_instance_id id, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> hide(aap_gui_instance_id id, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> resize(aap_gui_instance_id id, std::int32_t width, std::int32_t height,
                                         std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> destroy(aap_gui_instance_id id, std::int64_t timeoutNs = 0);

    // The C struct for C host code; its functions make sync calls ([main-thread], never on the
    // process() thread). `view` of create cannot cross the process boundary and is not sent (the
    // plugin receives null, as gui.h says). Results are the plugin's; an ExtensionError becomes a
    // result code: NotImplemented / UnknownExtension (no GUI support on the plugin side) ->
    // AAP_GUI_ERROR_NO_GUI_DEFINED, anything else (timeout, transport, a null or too long
    // pluginId) -> AAP_GUI_ERROR_NO_DETAILS. hide and destroy have no result to report errors
    // in. Valid as long as this proxy.
    aap_gui_extension_t* asPluginExtension() noexcept { return &extension_; }

    // The result code the C struct reports for `error` (see above).
    static std::int32_t resultCodeOf(ExtensionError error) noexcept;

private:
    ExtensionClient& client_;
    aap_gui_extension_t extension_;
};

} // namespace aap
