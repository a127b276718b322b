#pragma once
// Helpers shared by the plugin-side request handlers of the standard definitions (private).

#include <cstddef>

#include "aapxs/byte-codec.hpp"
#include "aapxs/aapxs.h"

namespace aap::ext_detail {

// The state definition with a registration generation of its own in aapxs_context (state-definition.cpp):
// chunked transfers are bound to it, so a later instance's registry never sees an earlier one's.
AAPXSDefinition stateDefinitionForRegistration() noexcept;

// The plugin's own extension struct for `uri`, or null.
template <typename Extension>
Extension* pluginExtension(AndroidAudioPlugin* plugin, const char* uri) noexcept {
    if (plugin == nullptr || plugin->get_extension == nullptr)
        return nullptr;
    return static_cast<Extension*>(plugin->get_extension(plugin, uri));
}

// The request bytes of a handler call; data_size is clamped to the capacity because it may come
// from another process.
inline ByteReader requestReader(const AAPXSRequestContext* request) noexcept {
    const AAPXSSerializationContext* s = request->serialization;
    const std::size_t size = s->data_size < s->data_capacity ? s->data_size : s->data_capacity;
    return ByteReader{s->data, size};
}

inline ByteWriter replyWriter(AAPXSRequestContext* request) noexcept {
    return ByteWriter{request->serialization->data, request->serialization->data_capacity};
}

// Sends the reply written by `writer`; a writer that ran out of room sends nothing (the runtime
// answers with an error reply instead of a truncated value).
inline void sendReply(AAPXSRecipientInstance* instance, AAPXSRequestContext* request, const ByteWriter& writer) noexcept {
    if (!writer.ok())
        return;
    request->serialization->data_size = writer.size();
    instance->send_aapxs_reply(instance, request);
}

} // namespace aap::ext_detail
