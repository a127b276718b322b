#pragma once
// Runs an AAPXS request handler synchronously (the control-channel path of docs/spec/abi.md section 4)
// and captures the reply it sends through AAPXSRecipientInstance::send_aapxs_reply.

#include <cstdint>

#include "aap/hosting/status.h"
#include "aapxs/aapxs.h"

namespace aap {

struct InlineAapxsReply {
    bool replied = false;
    uint32_t size = 0;

    // An AAPXSRecipientInstance whose send_aapxs_reply records into this object (exactly once).
    AAPXSRecipientInstance recipient(void* aapxsContext, AAPXSSerializationContext* serialization) noexcept {
        return AAPXSRecipientInstance{aapxsContext, this, serialization, &InlineAapxsReply::record};
    }

private:
    static void record(AAPXSRecipientInstance* instance, AAPXSRequestContext* context) {
        auto* self = static_cast<InlineAapxsReply*>(instance->host_context);
        if (self->replied || context == nullptr || context->serialization == nullptr)
            return;
        self->replied = true;
        self->size = static_cast<uint32_t>(context->serialization->data_size);
    }
};

// Runs one request inline on `data` (requestSize bytes in, room for `usable` bytes): `handle` gets the
// recipient whose send_aapxs_reply records the reply, and the request context, and calls the
// definition's process_incoming_*_aapxs_request. No reply is Unsupported; a reply larger than the
// block is CapacityExceeded; otherwise Ok with its size in *replySize.
template <typename Handle>
HostingStatus runInlineAapxsRequest(AAPXSDefinition* definition, uint8_t* data, uint32_t requestSize, uint32_t usable,
                                    uint32_t requestId, int32_t opcode, uint32_t* replySize, Handle&& handle) {
    AAPXSSerializationContext serialization{data, requestSize, usable};
    InlineAapxsReply reply;
    AAPXSRecipientInstance recipient = reply.recipient(definition->aapxs_context, &serialization);
    AAPXSRequestContext request{};
    request.serialization = &serialization;
    request.uri = definition->uri;
    request.request_id = requestId;
    request.opcode = opcode;
    handle(&recipient, &request);
    if (!reply.replied)
        return HostingStatus::Unsupported;
    if (reply.size > usable)
        return HostingStatus::CapacityExceeded;
    *replySize = reply.size;
    return HostingStatus::Ok;
}

} // namespace aap
