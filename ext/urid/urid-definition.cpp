// The AAPXS definition of the URID extension and its typed proxy.

#include <cstring>
#include <vector>

#include "aap/ext-cpp/standard-extensions.h"
#include "aap/ext-cpp/urid.h"
#include "../common/plugin-side.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_urid_extension_t>(plugin, AAP_URID_EXTENSION_URI);
    if (ext == nullptr || ext->map == nullptr || request->opcode != AAP_URID_OPCODE_MAP)
        return;
    ByteReader in = requestReader(request);
    const uint8_t urid = in.u8();
    const uint32_t length = in.u32();
    if (length > AAP_MAX_EXTENSION_URI_SIZE)
        return;
    const uint8_t* bytes = in.view(length);
    if (!in.done())
        return;
    // NUL-terminated copy on the stack: the block is reused for the (empty) reply.
    char uri[AAP_MAX_EXTENSION_URI_SIZE + 1];
    if (length > 0)
        std::memcpy(uri, bytes, length);
    uri[length] = '\0';
    if (urid != AAP_URID_UNMAPPED)  // the ABI: a call with urid 0 is ignored
        ext->map(ext, plugin, urid, uri);
    ByteWriter out = replyWriter(request);
    sendReply(instance, request, out);
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_URID_EXTENSION_URI;
    d.data_capacity = kUridDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    return d;
}

void cMap(aap_urid_extension_t* ext, AndroidAudioPlugin*, uint8_t urid, const char* uri) {
    if (uri == nullptr)
        return;
    (void)static_cast<UridProxy*>(ext->aapxs_context)->map(urid, uri);
}

} // namespace

UridProxy::UridProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.map = &cMap;
}

const AAPXSDefinition& uridExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

ExtensionStatus UridProxy::map(std::uint8_t urid, std::string_view uri, std::int64_t timeoutNs) {
    if (uri.size() > AAP_MAX_EXTENSION_URI_SIZE)
        return ExtensionError::InvalidArgument;
    uint8_t bytes[5 + AAP_MAX_EXTENSION_URI_SIZE];
    ByteWriter request{bytes, 5 + uri.size()};
    request.u8(urid);
    request.u32(static_cast<uint32_t>(uri.size()));
    request.bytes(uri.data(), uri.size());
    return callTyped<NoValue>(client_, AAP_URID_EXTENSION_URI, AAP_URID_OPCODE_MAP, request, bytes, &parseNothing,
                              timeoutNs);
}

} // namespace aap
