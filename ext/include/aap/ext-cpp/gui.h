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
    explicit GuiProxy(ExtensionClient& client) noexcept : client_(client) {}
    // The new aap_gui_instance_id (>= 0) or a negative AAP_GUI_ERROR_* code.
    ExtensionResult<std::int32_t> create(std::string_view pluginId, std::int32_t instance, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> show(aap_gui_instance_id id, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> hide(aap_gui_instance_id id, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> resize(aap_gui_instance_id id, std::int32_t width, std::int32_t height,
                                         std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> destroy(aap_gui_instance_id id, std::int64_t timeoutNs = 0);

private:
    ExtensionClient& client_;
};

} // namespace aap
