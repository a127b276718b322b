#pragma once
// GUI extension v5 (aap/ext/gui-v5.h) over AAPXS: native desktop GUIs, embedded or floating.
//
// Host side: GuiV5Proxy makes every plugin-extension call (sync, [main-thread] of the host: any
// one non-audio thread at a time). Results are the plugin's AAP_GUI_* codes; an ExtensionError
// (the call did not complete) stays an ExtensionError.
//
// Plugin side: the standard definition (guiV5ExtensionDefinition(), registered by
// registerStandardExtensions) decodes a request and calls the plugin's own aap_gui_v5_extension_t.
// A plugin process that runs the GUI elsewhere (its GUI thread, a GUI program) registers a
// definition of its own for the URI and decodes with dispatchGuiV5Request against its own struct.
//
// Host extension (plugin -> host): StandardHostExtensions (host-extensions.h) answers it with the
// handlers in GuiV5HostHandlers. The wire format of every opcode is in aap/ext/gui-v5.h and
// docs/extensions.md.

#include <cstdint>
#include <string_view>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/gui-v5.h"
#include "aapxs/aapxs.h"

namespace aap {

// Largest request: suggest_title (i32 id, u32 L, 256 bytes).
inline constexpr std::int32_t kGuiV5DataCapacity = 512;

struct GuiSize {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

// What a call that reports a value answers: result (AAP_GUI_RESULT_OK or a negative AAP_GUI_*
// code) and, when result is OK, the value.
template <typename T>
struct GuiReply {
    std::int32_t result = AAP_GUI_ERROR_NO_DETAILS;
    T value{};
};

struct GuiPreferredApi {
    bool has = false;
    std::int32_t api = 0;
    bool floating = false;
};

class GuiV5Proxy {
public:
    explicit GuiV5Proxy(ExtensionClient& client) noexcept;
    // timeoutNs 0: the client's default. Every method: [main-thread] of the host, never the
    // audio thread.
    ExtensionResult<bool> isApiSupported(std::int32_t api, bool floating, std::int64_t timeoutNs = 0);
    ExtensionResult<GuiPreferredApi> getPreferredApi(std::int64_t timeoutNs = 0);
    // The new GUI id (>= 0) or a negative AAP_GUI_* code.
    ExtensionResult<std::int32_t> create(std::int32_t api, bool floating, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> destroy(aap_gui_instance_id gui, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> setScale(aap_gui_instance_id gui, double scale, std::int64_t timeoutNs = 0);
    ExtensionResult<GuiReply<GuiSize>> getSize(aap_gui_instance_id gui, std::int64_t timeoutNs = 0);
    ExtensionResult<GuiReply<aap_gui_resize_hints_t>> getResizeHints(aap_gui_instance_id gui,
                                                                     std::int64_t timeoutNs = 0);
    ExtensionResult<GuiReply<GuiSize>> adjustSize(aap_gui_instance_id gui, GuiSize size, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> setSize(aap_gui_instance_id gui, GuiSize size, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> setParent(aap_gui_instance_id gui, const aap_gui_window_t& window,
                                            std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> setTransient(aap_gui_instance_id gui, const aap_gui_window_t& window,
                                               std::int64_t timeoutNs = 0);
    // Titles longer than AAP_GUI_MAX_TITLE_BYTES are cut at a UTF-8 character boundary.
    ExtensionResult<std::int32_t> suggestTitle(aap_gui_instance_id gui, std::string_view title,
                                               std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> show(aap_gui_instance_id gui, std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> hide(aap_gui_instance_id gui, std::int64_t timeoutNs = 0);

private:
    ExtensionClient& client_;
};

// The standard AAPXS definition of gui/v5 (also in standardExtensionDefinitions()).
const AAPXSDefinition& guiV5ExtensionDefinition() noexcept;

// [gui-thread of the plugin process] Decodes one gui/v5 request, calls `ext` (may be null: then
// every call answers AAP_GUI_ERROR_NO_GUI_DEFINED) and sends the reply through `instance`. A
// malformed request or unknown opcode gets no reply (the runtime answers with an error). For a
// plugin process whose GUI calls go somewhere other than the plugin's own struct.
void dispatchGuiV5Request(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, AAPXSRecipientInstance* instance,
                          AAPXSRequestContext* request) noexcept;

} // namespace aap
