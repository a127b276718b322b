// The AAPXS definition of the GUI extension and its typed proxy.

#include <string>
#include <vector>

#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/plugin-side.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;

void handleRequestUnguarded(AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                            AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_gui_extension_t>(plugin, AAP_GUI_EXTENSION_URI);
    ByteReader in = requestReader(request);
    int32_t result = AAP_GUI_ERROR_NO_GUI_DEFINED;
    switch (request->opcode) {
    case AAP_GUI_OPCODE_CREATE: {
        const int32_t guiInstance = in.i32();
        const uint32_t length = in.u32();
        const uint8_t* bytes = in.view(length);
        if (!in.done())
            return;
        // NUL-terminated copy: the request block is reused for the reply.
        std::string pluginId(reinterpret_cast<const char*>(bytes), length);
        if (ext != nullptr)
            result = ext->create == nullptr ? AAP_GUI_ERROR_NO_CREATE_DEFINED
                                            : ext->create(ext, plugin, pluginId.c_str(), guiInstance, nullptr);
        break;
    }
    case AAP_GUI_OPCODE_SHOW:
    case AAP_GUI_OPCODE_HIDE:
    case AAP_GUI_OPCODE_DESTROY: {
        const int32_t id = in.i32();
        if (!in.done())
            return;
        if (ext == nullptr)
            break;
        if (request->opcode == AAP_GUI_OPCODE_SHOW) {
            result = ext->show == nullptr ? AAP_GUI_ERROR_NO_SHOW_DEFINED : ext->show(ext, plugin, id);
        } else if (request->opcode == AAP_GUI_OPCODE_HIDE) {
            result = ext->hide == nullptr ? AAP_GUI_ERROR_NO_HIDE_DEFINED : AAP_GUI_RESULT_OK;
            if (ext->hide != nullptr)
                ext->hide(ext, plugin, id);
        } else {
            result = ext->destroy == nullptr ? AAP_GUI_ERROR_NO_DESTROY_DEFINED : AAP_GUI_RESULT_OK;
            if (ext->destroy != nullptr)
                ext->destroy(ext, plugin, id);
        }
        break;
    }
    case AAP_GUI_OPCODE_RESIZE: {
        const int32_t id = in.i32();
        const int32_t width = in.i32();
        const int32_t height = in.i32();
        if (!in.done())
            return;
        if (ext != nullptr)
            result = ext->resize == nullptr ? AAP_GUI_ERROR_NO_RESIZE_DEFINED : ext->resize(ext, plugin, id, width, height);
        break;
    }
    default:
        return;
    }
    ByteWriter out = replyWriter(request);
    out.i32(result);
    sendReply(instance, request, out);
}

// Allocation failure means no reply: the runtime answers with an error instead of the process
// dying on an exception crossing the C ABI.
void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    try {
        handleRequestUnguarded(instance, plugin, request);
    } catch (...) {
    }
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_GUI_EXTENSION_URI;
    d.data_capacity = kGuiDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    return d;
}

ExtensionResult<int32_t> callWithIds(ExtensionClient& client, int32_t opcode, std::initializer_list<int32_t> values,
                                     int64_t timeoutNs) {
    uint8_t bytes[12];
    ByteWriter request{bytes, sizeof(bytes)};
    for (int32_t value : values)
        request.i32(value);
    return callTyped<int32_t>(client, AAP_GUI_EXTENSION_URI, opcode, request, bytes, &parseI32, timeoutNs);
}

GuiProxy* proxyOf(aap_gui_extension_t* ext) { return static_cast<GuiProxy*>(ext->aapxs_context); }

int32_t resultOf(const ExtensionResult<int32_t>& result) noexcept {
    return result.ok() ? result.value() : GuiProxy::resultCodeOf(result.error());
}

aap_gui_instance_id cCreate(aap_gui_extension_t* ext, AndroidAudioPlugin*, const char* pluginId, int32_t instance,
                            void*) {
    if (pluginId == nullptr)
        return AAP_GUI_ERROR_NO_DETAILS;
    return resultOf(proxyOf(ext)->create(pluginId, instance));
}
int32_t cShow(aap_gui_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) {
    return resultOf(proxyOf(ext)->show(id));
}
void cHide(aap_gui_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) { (void)proxyOf(ext)->hide(id); }
int32_t cResize(aap_gui_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id, int32_t width,
                int32_t height) {
    return resultOf(proxyOf(ext)->resize(id, width, height));
}
void cDestroy(aap_gui_extension_t* ext, AndroidAudioPlugin*, aap_gui_instance_id id) {
    (void)proxyOf(ext)->destroy(id);
}

} // namespace

GuiProxy::GuiProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.create = &cCreate;
    extension_.show = &cShow;
    extension_.hide = &cHide;
    extension_.resize = &cResize;
    extension_.destroy = &cDestroy;
}

std::int32_t GuiProxy::resultCodeOf(ExtensionError error) noexcept {
    switch (error) {
    case ExtensionError::None:
        return AAP_GUI_RESULT_OK;
    case ExtensionError::NotImplemented:
    case ExtensionError::UnknownExtension:
        return AAP_GUI_ERROR_NO_GUI_DEFINED;
    default:
        return AAP_GUI_ERROR_NO_DETAILS;
    }
}

const AAPXSDefinition& guiExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

ExtensionResult<std::int32_t> GuiProxy::create(std::string_view pluginId, std::int32_t instance,
                                               std::int64_t timeoutNs) {
    if (pluginId.size() > AAP_MAX_EXTENSION_URI_SIZE)
        return ExtensionError::InvalidArgument;
    uint8_t bytes[8 + AAP_MAX_EXTENSION_URI_SIZE];
    ByteWriter request{bytes, 8 + pluginId.size()};
    request.i32(instance);
    request.u32(static_cast<uint32_t>(pluginId.size()));
    request.bytes(pluginId.data(), pluginId.size());
    return callTyped<int32_t>(client_, AAP_GUI_EXTENSION_URI, AAP_GUI_OPCODE_CREATE, request, bytes, &parseI32,
                              timeoutNs);
}
ExtensionResult<std::int32_t> GuiProxy::show(aap_gui_instance_id id, std::int64_t timeoutNs) {
    return callWithIds(client_, AAP_GUI_OPCODE_SHOW, {id}, timeoutNs);
}
ExtensionResult<std::int32_t> GuiProxy::hide(aap_gui_instance_id id, std::int64_t timeoutNs) {
    return callWithIds(client_, AAP_GUI_OPCODE_HIDE, {id}, timeoutNs);
}
ExtensionResult<std::int32_t> GuiProxy::resize(aap_gui_instance_id id, std::int32_t width, std::int32_t height,
                                               std::int64_t timeoutNs) {
    return callWithIds(client_, AAP_GUI_OPCODE_RESIZE, {id, width, height}, timeoutNs);
}
ExtensionResult<std::int32_t> GuiProxy::destroy(aap_gui_instance_id id, std::int64_t timeoutNs) {
    return callWithIds(client_, AAP_GUI_OPCODE_DESTROY, {id}, timeoutNs);
}

} // namespace aap
