#pragma once
// Runs an AAPXS request handler synchronously (the control-channel path of spec/abi.md section 4)
// and captures the reply it sends through AAPXSRecipientInstance::send_aapxs_reply.

#include <cstdint>

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

} // namespace aap
