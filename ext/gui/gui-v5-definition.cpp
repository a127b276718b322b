// The AAPXS definition of the GUI extension v5 (aap/ext/gui-v5.h), its host-side proxy, and the
// plugin-side proxy of its host extension.

#include <cmath>
#include <cstring>
#include <string>

#include "aap/ext-cpp/gui-v5.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/host-extension-proxy.h"
#include "../common/plugin-side.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;

void writeHints(ByteWriter& out, const aap_gui_resize_hints_t& h) noexcept {
    out.u32(h.can_resize_horizontally);
    out.u32(h.can_resize_vertically);
    out.u32(h.preserve_aspect_ratio);
    out.u32(h.aspect_ratio_width);
    out.u32(h.aspect_ratio_height);
    out.u32(h.min_width);
    out.u32(h.min_height);
    out.u32(h.max_width);
    out.u32(h.max_height);
}

void readHints(ByteReader& in, aap_gui_resize_hints_t* h) noexcept {
    h->can_resize_horizontally = in.u32();
    h->can_resize_vertically = in.u32();
    h->preserve_aspect_ratio = in.u32();
    h->aspect_ratio_width = in.u32();
    h->aspect_ratio_height = in.u32();
    h->min_width = in.u32();
    h->min_height = in.u32();
    h->max_width = in.u32();
    h->max_height = in.u32();
}

// A wire bool: exactly 0 or 1; *ok turns false for anything else.
bool readBool(ByteReader& in, bool* ok) noexcept {
    const std::int32_t v = in.i32();
    if (v != 0 && v != 1)
        *ok = false;
    return v == 1;
}

void writeWindow(ByteWriter& out, const aap_gui_window_t& w) noexcept {
    out.i32(w.api);
    out.u32(0);
    out.u64(w.handle);
}

bool readWindow(ByteReader& in, aap_gui_window_t* w) noexcept {
    w->api = in.i32();
    w->reserved = in.u32();
    w->handle = in.u64();
    return w->reserved == 0;
}

} // namespace

void dispatchGuiV5Request(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, AAPXSRecipientInstance* instance,
                          AAPXSRequestContext* request) noexcept {
    ByteReader in = requestReader(request);
    // Everything the reply needs is read before the block is overwritten.
    int32_t result = AAP_GUI_ERROR_NO_GUI_DEFINED;
    uint32_t a = 0, b = 0;
    aap_gui_resize_hints_t hints{};
    bool wellFormed = true;
    char title[AAP_GUI_MAX_TITLE_BYTES + 1];
    enum class Extra { None, Size, Hints, Preferred } extra = Extra::None;
    int32_t preferredApi = 0;
    bool preferredFloating = false;
    auto has = [ext](auto member) { return ext != nullptr && ext->*member != nullptr; };
    switch (request->opcode) {
    case AAP_GUI_V5_OPCODE_IS_API_SUPPORTED: {
        const int32_t api = in.i32();
        const bool floating = readBool(in, &wellFormed);
        if (!in.done() || !wellFormed)
            return;
        // A boolean answer: a plugin without the extension supports nothing.
        result = has(&aap_gui_v5_extension_t::is_api_supported) && ext->is_api_supported(ext, plugin, api, floating)
                     ? 1
                     : 0;
        break;
    }
    case AAP_GUI_V5_OPCODE_GET_PREFERRED_API:
        if (!in.done())
            return;
        extra = Extra::Preferred;
        result = has(&aap_gui_v5_extension_t::get_preferred_api) &&
                         ext->get_preferred_api(ext, plugin, &preferredApi, &preferredFloating)
                     ? 1
                     : 0;
        break;
    case AAP_GUI_V5_OPCODE_CREATE: {
        const int32_t api = in.i32();
        const bool floating = readBool(in, &wellFormed);
        if (!in.done() || !wellFormed)
            return;
        if (ext != nullptr)
            result = has(&aap_gui_v5_extension_t::create) ? ext->create(ext, plugin, api, floating)
                                                           : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        break;
    }
    case AAP_GUI_V5_OPCODE_DESTROY:
    case AAP_GUI_V5_OPCODE_SHOW:
    case AAP_GUI_V5_OPCODE_HIDE:
    case AAP_GUI_V5_OPCODE_GET_SIZE:
    case AAP_GUI_V5_OPCODE_GET_RESIZE_HINTS: {
        const int32_t id = in.i32();
        if (!in.done())
            return;
        if (request->opcode == AAP_GUI_V5_OPCODE_GET_SIZE)
            extra = Extra::Size;
        if (request->opcode == AAP_GUI_V5_OPCODE_GET_RESIZE_HINTS)
            extra = Extra::Hints;
        if (ext == nullptr)
            break;
        result = AAP_GUI_ERROR_NOT_IMPLEMENTED;
        switch (request->opcode) {
        case AAP_GUI_V5_OPCODE_DESTROY:
            if (has(&aap_gui_v5_extension_t::destroy)) {
                ext->destroy(ext, plugin, id);
                result = AAP_GUI_RESULT_OK;
            }
            break;
        case AAP_GUI_V5_OPCODE_SHOW:
            if (has(&aap_gui_v5_extension_t::show))
                result = ext->show(ext, plugin, id);
            break;
        case AAP_GUI_V5_OPCODE_HIDE:
            if (has(&aap_gui_v5_extension_t::hide))
                result = ext->hide(ext, plugin, id);
            break;
        case AAP_GUI_V5_OPCODE_GET_SIZE:
            if (has(&aap_gui_v5_extension_t::get_size))
                result = ext->get_size(ext, plugin, id, &a, &b);
            break;
        default:
            if (has(&aap_gui_v5_extension_t::get_resize_hints))
                result = ext->get_resize_hints(ext, plugin, id, &hints);
            break;
        }
        break;
    }
    case AAP_GUI_V5_OPCODE_SET_SCALE: {
        const int32_t id = in.i32();
        const double scale = in.f64();
        if (!in.done())
            return;
        if (ext != nullptr)
            result = !(std::isfinite(scale) && scale > 0)             ? AAP_GUI_ERROR_INVALID_ARGUMENT
                     : has(&aap_gui_v5_extension_t::set_scale) ? ext->set_scale(ext, plugin, id, scale)
                                                                : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        break;
    }
    case AAP_GUI_V5_OPCODE_ADJUST_SIZE:
    case AAP_GUI_V5_OPCODE_SET_SIZE: {
        const int32_t id = in.i32();
        a = in.u32();
        b = in.u32();
        if (!in.done())
            return;
        if (request->opcode == AAP_GUI_V5_OPCODE_ADJUST_SIZE)
            extra = Extra::Size;
        if (ext == nullptr)
            break;
        if (request->opcode == AAP_GUI_V5_OPCODE_SET_SIZE)
            result = a == 0 || b == 0 ? AAP_GUI_ERROR_INVALID_ARGUMENT
                     : has(&aap_gui_v5_extension_t::set_size) ? ext->set_size(ext, plugin, id, a, b)
                                                               : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        else
            result = has(&aap_gui_v5_extension_t::adjust_size) ? ext->adjust_size(ext, plugin, id, &a, &b)
                                                                : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        break;
    }
    case AAP_GUI_V5_OPCODE_SET_PARENT:
    case AAP_GUI_V5_OPCODE_SET_TRANSIENT: {
        const int32_t id = in.i32();
        aap_gui_window_t window{};
        const bool reservedZero = readWindow(in, &window);
        if (!in.done() || !reservedZero)
            return;
        if (ext == nullptr)
            break;
        if (request->opcode == AAP_GUI_V5_OPCODE_SET_PARENT)
            result = has(&aap_gui_v5_extension_t::set_parent) ? ext->set_parent(ext, plugin, id, &window)
                                                               : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        else
            result = has(&aap_gui_v5_extension_t::set_transient) ? ext->set_transient(ext, plugin, id, &window)
                                                                  : AAP_GUI_ERROR_NOT_IMPLEMENTED;
        break;
    }
    case AAP_GUI_V5_OPCODE_SUGGEST_TITLE: {
        const int32_t id = in.i32();
        const uint32_t length = in.u32();
        if (!in.ok() || length > AAP_GUI_MAX_TITLE_BYTES)
            return;
        const uint8_t* bytes = in.view(length);
        if (!in.done() || std::memchr(bytes, 0, length) != nullptr)
            return;
        std::memcpy(title, bytes, length);
        title[length] = '\0';
        if (ext == nullptr)
            break;
        result = AAP_GUI_RESULT_OK;
        if (has(&aap_gui_v5_extension_t::suggest_title))
            ext->suggest_title(ext, plugin, id, title);
        break;
    }
    default:
        return;
    }
    ByteWriter out = replyWriter(request);
    out.i32(result);
    if (extra == Extra::Size) {
        out.u32(result == AAP_GUI_RESULT_OK ? a : 0);
        out.u32(result == AAP_GUI_RESULT_OK ? b : 0);
    } else if (extra == Extra::Hints) {
        writeHints(out, result == AAP_GUI_RESULT_OK ? hints : aap_gui_resize_hints_t{});
    } else if (extra == Extra::Preferred) {
        out.i32(result == 1 ? preferredApi : 0);
        out.i32(result == 1 && preferredFloating ? 1 : 0);
    }
    sendReply(instance, request, out);
}

namespace {

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    dispatchGuiV5Request(pluginExtension<aap_gui_v5_extension_t>(plugin, AAP_GUI_V5_EXTENSION_URI), plugin, instance,
                         request);
}

// Host side: a request of the plugin's GUI.
void handleHostRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPluginHost* host,
                       AAPXSRequestContext* request) {
    if (host == nullptr || host->get_extension == nullptr)
        return;
    ByteReader in = requestReader(request);
    const int32_t id = in.i32();
    uint32_t width = 0, height = 0;
    bool wellFormed = true;
    bool wasDestroyed = false;
    switch (request->opcode) {
    case AAP_GUI_V5_OPCODE_REQUEST_RESIZE:
        width = in.u32();
        height = in.u32();
        break;
    case AAP_GUI_V5_OPCODE_CLOSED:
        wasDestroyed = readBool(in, &wellFormed);
        break;
    case AAP_GUI_V5_OPCODE_REQUEST_SHOW:
    case AAP_GUI_V5_OPCODE_REQUEST_HIDE:
    case AAP_GUI_V5_OPCODE_RESIZE_HINTS_CHANGED:
        break;
    default:
        return;
    }
    if (!in.done() || !wellFormed)
        return;
    auto* ext = static_cast<aap_gui_v5_host_extension_t*>(host->get_extension(host, AAP_GUI_V5_EXTENSION_URI));
    if (ext == nullptr)
        return;
    switch (request->opcode) {
    case AAP_GUI_V5_OPCODE_REQUEST_RESIZE:
        if (ext->request_resize != nullptr)
            ext->request_resize(ext, host, id, width, height);
        break;
    case AAP_GUI_V5_OPCODE_REQUEST_SHOW:
        if (ext->request_show != nullptr)
            ext->request_show(ext, host, id);
        break;
    case AAP_GUI_V5_OPCODE_REQUEST_HIDE:
        if (ext->request_hide != nullptr)
            ext->request_hide(ext, host, id);
        break;
    case AAP_GUI_V5_OPCODE_CLOSED:
        if (ext->closed != nullptr)
            ext->closed(ext, host, id, wasDestroyed);
        break;
    default:
        if (ext->resize_hints_changed != nullptr)
            ext->resize_hints_changed(ext, host, id);
        break;
    }
    request->serialization->data_size = 0;
    instance->send_aapxs_reply(instance, request);
}

// Plugin side: a host-extension request with a small payload, not waiting for its empty reply.
void sendHostRequest(aap_gui_v5_host_extension_t* ext, int32_t opcode, const ByteWriter& payload,
                     unsigned char* bytes) noexcept {
    auto* proxy = static_cast<HostExtensionProxy<aap_gui_v5_host_extension_t>*>(ext->aapxs_context);
    AAPXSInitiatorInstance* instance = proxy->instance;
    if (instance == nullptr || instance->send_aapxs_request == nullptr || !payload.ok())
        return;
    AAPXSSerializationContext serialization{bytes, payload.size(), 16};
    AAPXSRequestContext context{};
    context.serialization = &serialization;
    context.urid = instance->urid;
    context.uri = AAP_GUI_V5_EXTENSION_URI;
    context.opcode = opcode;
    context.request_id = instance->get_new_request_id != nullptr ? instance->get_new_request_id(instance) : 0;
    (void)instance->send_aapxs_request(instance, &context);
}

void hostRequestResize(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui,
                       uint32_t width, uint32_t height) {
    unsigned char bytes[16];
    ByteWriter out{bytes, sizeof(bytes)};
    out.i32(gui);
    out.u32(width);
    out.u32(height);
    sendHostRequest(ext, AAP_GUI_V5_OPCODE_REQUEST_RESIZE, out, bytes);
}
void hostRequestWithId(aap_gui_v5_host_extension_t* ext, int32_t opcode, aap_gui_instance_id gui) {
    unsigned char bytes[16];
    ByteWriter out{bytes, sizeof(bytes)};
    out.i32(gui);
    sendHostRequest(ext, opcode, out, bytes);
}
void hostRequestShow(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    hostRequestWithId(ext, AAP_GUI_V5_OPCODE_REQUEST_SHOW, gui);
}
void hostRequestHide(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    hostRequestWithId(ext, AAP_GUI_V5_OPCODE_REQUEST_HIDE, gui);
}
void hostResizeHintsChanged(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui) {
    hostRequestWithId(ext, AAP_GUI_V5_OPCODE_RESIZE_HINTS_CHANGED, gui);
}
void hostClosed(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost*, aap_gui_instance_id gui,
                bool wasDestroyed) {
    unsigned char bytes[16];
    ByteWriter out{bytes, sizeof(bytes)};
    out.i32(gui);
    out.i32(wasDestroyed ? 1 : 0);
    sendHostRequest(ext, AAP_GUI_V5_OPCODE_CLOSED, out, bytes);
}
// The local functions: this generic proxy has no GUI loop. A plugin process that runs one (the
// aap::hosting plugin service) hands out its own struct for this URI instead.
bool noRegisterFd(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, int32_t, uint32_t) { return false; }
bool noUnregisterFd(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, int32_t) { return false; }
bool noRegisterTimer(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, uint32_t, uint32_t*) { return false; }
bool noUnregisterTimer(aap_gui_v5_host_extension_t*, AndroidAudioPluginHost*, uint32_t) { return false; }

void wireHostExtension(aap_gui_v5_host_extension_t& typed) {
    typed.request_resize = &hostRequestResize;
    typed.request_show = &hostRequestShow;
    typed.request_hide = &hostRequestHide;
    typed.closed = &hostClosed;
    typed.resize_hints_changed = &hostResizeHintsChanged;
    typed.register_fd = &noRegisterFd;
    typed.unregister_fd = &noUnregisterFd;
    typed.register_timer = &noRegisterTimer;
    typed.unregister_timer = &noUnregisterTimer;
}

// The host handlers only set flags or post (host-extensions.h), so they may run inline.
bool isRtSafe(AAPXSDefinition*, bool isHostExtension, int32_t) { return isHostExtension; }

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_GUI_V5_EXTENSION_URI;
    d.data_capacity = kGuiV5DataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.process_incoming_host_aapxs_request = &handleHostRequest;
    d.get_host_extension_proxy = &hostExtensionServiceProxy<aap_gui_v5_host_extension_t, &wireHostExtension>;
    d.is_command_rt_safe = &isRtSafe;
    return d;
}

// ---- host-side typed calls ----

ExtensionResult<int32_t> callForResult(ExtensionClient& client, int32_t opcode, const ByteWriter& request,
                                       const uint8_t* bytes, int64_t timeoutNs) {
    return callTyped<int32_t>(client, AAP_GUI_V5_EXTENSION_URI, opcode, request, bytes, &parseI32, timeoutNs);
}

bool parseBoolResult(const uint8_t* data, std::size_t size, bool* value) noexcept {
    ByteReader reader{data, size};
    const int32_t v = reader.i32();
    *value = v == 1;
    return reader.done() && (v == 0 || v == 1);
}

bool parsePreferred(const uint8_t* data, std::size_t size, GuiPreferredApi* value) noexcept {
    ByteReader reader{data, size};
    const int32_t has = reader.i32();
    value->api = reader.i32();
    const int32_t floating = reader.i32();
    value->has = has == 1;
    value->floating = floating == 1;
    return reader.done() && (has == 0 || has == 1) && (floating == 0 || floating == 1);
}

bool parseSize(const uint8_t* data, std::size_t size, GuiReply<GuiSize>* value) noexcept {
    ByteReader reader{data, size};
    value->result = reader.i32();
    value->value.width = reader.u32();
    value->value.height = reader.u32();
    return reader.done();
}

bool parseHints(const uint8_t* data, std::size_t size, GuiReply<aap_gui_resize_hints_t>* value) noexcept {
    ByteReader reader{data, size};
    value->result = reader.i32();
    readHints(reader, &value->value);
    return reader.done();
}

// The longest prefix of `text` within `limit` bytes that does not cut a UTF-8 sequence.
std::size_t utf8Prefix(std::string_view text, std::size_t limit) noexcept {
    if (text.size() <= limit)
        return text.size();
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        end--;
    return end;
}

} // namespace

const AAPXSDefinition& guiV5ExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

GuiV5Proxy::GuiV5Proxy(ExtensionClient& client) noexcept : client_(client) {}

ExtensionResult<bool> GuiV5Proxy::isApiSupported(std::int32_t api, bool floating, std::int64_t timeoutNs) {
    uint8_t bytes[8];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(api);
    request.i32(floating ? 1 : 0);
    return callTyped<bool>(client_, AAP_GUI_V5_EXTENSION_URI, AAP_GUI_V5_OPCODE_IS_API_SUPPORTED, request, bytes,
                           &parseBoolResult, timeoutNs);
}

ExtensionResult<GuiPreferredApi> GuiV5Proxy::getPreferredApi(std::int64_t timeoutNs) {
    uint8_t bytes[1] = {0};
    ByteWriter request{bytes, 0};
    return callTyped<GuiPreferredApi>(client_, AAP_GUI_V5_EXTENSION_URI, AAP_GUI_V5_OPCODE_GET_PREFERRED_API, request,
                                      bytes, &parsePreferred, timeoutNs);
}

ExtensionResult<std::int32_t> GuiV5Proxy::create(std::int32_t api, bool floating, std::int64_t timeoutNs) {
    uint8_t bytes[8];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(api);
    request.i32(floating ? 1 : 0);
    return callForResult(client_, AAP_GUI_V5_OPCODE_CREATE, request, bytes, timeoutNs);
}

namespace {
ExtensionResult<std::int32_t> callWithId(ExtensionClient& client, int32_t opcode, aap_gui_instance_id gui,
                                         int64_t timeoutNs) {
    uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    return callForResult(client, opcode, request, bytes, timeoutNs);
}
} // namespace

ExtensionResult<std::int32_t> GuiV5Proxy::destroy(aap_gui_instance_id gui, std::int64_t timeoutNs) {
    return callWithId(client_, AAP_GUI_V5_OPCODE_DESTROY, gui, timeoutNs);
}
ExtensionResult<std::int32_t> GuiV5Proxy::show(aap_gui_instance_id gui, std::int64_t timeoutNs) {
    return callWithId(client_, AAP_GUI_V5_OPCODE_SHOW, gui, timeoutNs);
}
ExtensionResult<std::int32_t> GuiV5Proxy::hide(aap_gui_instance_id gui, std::int64_t timeoutNs) {
    return callWithId(client_, AAP_GUI_V5_OPCODE_HIDE, gui, timeoutNs);
}

ExtensionResult<std::int32_t> GuiV5Proxy::setScale(aap_gui_instance_id gui, double scale, std::int64_t timeoutNs) {
    uint8_t bytes[12];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    request.f64(scale);
    return callForResult(client_, AAP_GUI_V5_OPCODE_SET_SCALE, request, bytes, timeoutNs);
}

ExtensionResult<GuiReply<GuiSize>> GuiV5Proxy::getSize(aap_gui_instance_id gui, std::int64_t timeoutNs) {
    uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    return callTyped<GuiReply<GuiSize>>(client_, AAP_GUI_V5_EXTENSION_URI, AAP_GUI_V5_OPCODE_GET_SIZE, request, bytes,
                                        &parseSize, timeoutNs);
}

ExtensionResult<GuiReply<aap_gui_resize_hints_t>> GuiV5Proxy::getResizeHints(aap_gui_instance_id gui,
                                                                             std::int64_t timeoutNs) {
    uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    return callTyped<GuiReply<aap_gui_resize_hints_t>>(client_, AAP_GUI_V5_EXTENSION_URI,
                                                       AAP_GUI_V5_OPCODE_GET_RESIZE_HINTS, request, bytes, &parseHints,
                                                       timeoutNs);
}

ExtensionResult<GuiReply<GuiSize>> GuiV5Proxy::adjustSize(aap_gui_instance_id gui, GuiSize size,
                                                          std::int64_t timeoutNs) {
    uint8_t bytes[12];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    request.u32(size.width);
    request.u32(size.height);
    return callTyped<GuiReply<GuiSize>>(client_, AAP_GUI_V5_EXTENSION_URI, AAP_GUI_V5_OPCODE_ADJUST_SIZE, request,
                                        bytes, &parseSize, timeoutNs);
}

ExtensionResult<std::int32_t> GuiV5Proxy::setSize(aap_gui_instance_id gui, GuiSize size, std::int64_t timeoutNs) {
    uint8_t bytes[12];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    request.u32(size.width);
    request.u32(size.height);
    return callForResult(client_, AAP_GUI_V5_OPCODE_SET_SIZE, request, bytes, timeoutNs);
}

namespace {
ExtensionResult<std::int32_t> callWithWindow(ExtensionClient& client, int32_t opcode, aap_gui_instance_id gui,
                                             const aap_gui_window_t& window, int64_t timeoutNs) {
    uint8_t bytes[20];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    writeWindow(request, window);
    return callForResult(client, opcode, request, bytes, timeoutNs);
}
} // namespace

ExtensionResult<std::int32_t> GuiV5Proxy::setParent(aap_gui_instance_id gui, const aap_gui_window_t& window,
                                                    std::int64_t timeoutNs) {
    return callWithWindow(client_, AAP_GUI_V5_OPCODE_SET_PARENT, gui, window, timeoutNs);
}
ExtensionResult<std::int32_t> GuiV5Proxy::setTransient(aap_gui_instance_id gui, const aap_gui_window_t& window,
                                                       std::int64_t timeoutNs) {
    return callWithWindow(client_, AAP_GUI_V5_OPCODE_SET_TRANSIENT, gui, window, timeoutNs);
}

ExtensionResult<std::int32_t> GuiV5Proxy::suggestTitle(aap_gui_instance_id gui, std::string_view title,
                                                       std::int64_t timeoutNs) {
    if (title.find('\0') != std::string_view::npos)
        return ExtensionError::InvalidArgument;
    const std::size_t length = utf8Prefix(title, AAP_GUI_MAX_TITLE_BYTES);
    uint8_t bytes[8 + AAP_GUI_MAX_TITLE_BYTES];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(gui);
    request.u32(static_cast<uint32_t>(length));
    request.bytes(title.data(), length);
    return callForResult(client_, AAP_GUI_V5_OPCODE_SUGGEST_TITLE, request, bytes, timeoutNs);
}

} // namespace aap
