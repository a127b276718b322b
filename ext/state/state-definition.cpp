// The AAPXS definition of the state extension: whole-state opcodes and the chunked transfer
// (aap/ext-cpp/state.h), with per-instance staging on the plugin side.

#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "aap/ext-cpp/standard-extensions.h"
#include "aap/ext-cpp/state.h"
#include "../common/plugin-side.h"

namespace aap {

namespace {

using namespace ext_detail;

// Transfers in progress, per plugin instance. Handlers of this extension are never RT-safe, so
// they run on the non-realtime worker (or the control-channel thread) and may lock and allocate.
struct Staging {
    std::vector<std::uint8_t> snapshot;  // get: the state taken at "get begin"
    std::vector<std::uint8_t> incoming;  // set: bytes received so far
    std::uint32_t incomingTotal = 0;
    bool setting = false;
};

class StagingTable {
public:
    template <typename Function>
    auto with(AndroidAudioPlugin* plugin, Function function) {
        std::lock_guard<std::mutex> lock(mutex_);
        return function(table_[plugin]);
    }
    void drop(AndroidAudioPlugin* plugin) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = table_.find(plugin);
        if (it != table_.end() && it->second.snapshot.empty() && !it->second.setting)
            table_.erase(it);
    }

private:
    std::mutex mutex_;
    std::unordered_map<AndroidAudioPlugin*, Staging> table_;
};

StagingTable& staging() {
    static StagingTable* table = new StagingTable();  // never destroyed: worker threads may outlive statics
    return *table;
}

// Calls the plugin's get_state into a fresh buffer. False on allocation failure or a plugin that
// reports more than kMaxStateSize.
bool takeState(aap_state_extension_t* ext, AndroidAudioPlugin* plugin, std::vector<std::uint8_t>* out) {
    if (ext->get_state_size == nullptr || ext->get_state == nullptr)
        return false;
    const size_t bound = ext->get_state_size(ext, plugin);
    if (bound > kMaxStateSize)
        return false;
    try {
        out->assign(bound, 0);
    } catch (const std::bad_alloc&) {
        return false;
    }
    aap_state_t state{out->data(), bound};
    ext->get_state(ext, plugin, &state);
    out->resize(state.data_size <= bound ? state.data_size : 0);
    return true;
}

void handleRequestUnguarded(AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                            AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_state_extension_t>(plugin, AAP_STATE_EXTENSION_URI);
    if (ext == nullptr)
        return;
    ByteReader in = requestReader(request);
    ByteWriter out = replyWriter(request);
    const std::size_t capacity = request->serialization->data_capacity;
    switch (request->opcode) {
    case AAP_STATE_OPCODE_GET_STATE_SIZE: {
        if (ext->get_state_size == nullptr || !in.done())
            return;
        const size_t size = ext->get_state_size(ext, plugin);
        out.i32(size > INT32_MAX ? INT32_MAX : static_cast<int32_t>(size));
        break;
    }
    case AAP_STATE_OPCODE_GET_STATE: {
        std::vector<std::uint8_t> state;
        if (!in.done() || !takeState(ext, plugin, &state))
            return;
        out.i32(static_cast<int32_t>(state.size()));
        if (state.size() <= capacity - 4)  // otherwise the size alone says "use the chunks"
            out.bytes(state.data(), state.size());
        break;
    }
    case AAP_STATE_OPCODE_SET_STATE: {
        const int32_t size = in.i32();
        if (ext->set_state == nullptr || size < 0 || in.remaining() != static_cast<std::size_t>(size))
            return;
        // The payload sits in the serialization block, which the reply reuses: copy it first.
        const std::uint8_t* payload = in.view(static_cast<std::size_t>(size));
        std::vector<std::uint8_t> bytes;
        if (size > 0)
            bytes.assign(payload, payload + size);
        aap_state_t state{bytes.data(), bytes.size()};
        ext->set_state(ext, plugin, &state);
        break;
    }
    case kStateOpcodeGetBegin: {
        std::vector<std::uint8_t> state;
        if (!in.done() || !takeState(ext, plugin, &state))
            return;
        const auto total = static_cast<std::uint32_t>(state.size());
        staging().with(plugin, [&](Staging& s) { s.snapshot = std::move(state); return 0; });
        out.u32(total);
        if (total == 0)
            staging().drop(plugin);
        break;
    }
    case kStateOpcodeGetChunk: {
        const std::uint32_t offset = in.u32();
        const std::uint32_t max = in.u32();
        if (!in.done())
            return;
        bool last = false;
        const bool valid = staging().with(plugin, [&](Staging& s) {
            if (offset > s.snapshot.size())
                return false;
            std::size_t count = s.snapshot.size() - offset;
            if (count > max)
                count = max;
            if (count > capacity)
                count = capacity;
            out.bytes(s.snapshot.data() + offset, count);
            last = offset + count == s.snapshot.size();
            if (last)
                std::vector<std::uint8_t>().swap(s.snapshot);
            return true;
        });
        if (!valid)
            return;
        if (last)
            staging().drop(plugin);
        break;
    }
    case kStateOpcodeSetBegin: {
        const std::uint32_t total = in.u32();
        if (!in.done())
            return;
        if (total > kMaxStateSize) {
            out.i32(-1);
            break;
        }
        const bool reserved = staging().with(plugin, [&](Staging& s) {
            s.incoming.clear();
            try {
                s.incoming.reserve(total);
            } catch (const std::bad_alloc&) {
                s.setting = false;
                return false;
            }
            s.incomingTotal = total;
            s.setting = true;
            return true;
        });
        out.i32(reserved ? 0 : -2);
        break;
    }
    case kStateOpcodeSetChunk: {
        const std::uint32_t offset = in.u32();
        const std::size_t count = in.remaining();
        const std::uint8_t* bytes = in.view(count);
        if (!in.ok())
            return;
        const int32_t result = staging().with(plugin, [&](Staging& s) {
            if (!s.setting || offset != s.incoming.size() || count > s.incomingTotal - s.incoming.size())
                return -1;
            s.incoming.insert(s.incoming.end(), bytes, bytes + count);
            return 0;
        });
        out.i32(result);
        break;
    }
    case kStateOpcodeSetCommit: {
        if (!in.done() || ext->set_state == nullptr)
            return;
        std::vector<std::uint8_t> bytes;
        const bool complete = staging().with(plugin, [&](Staging& s) {
            const bool ok = s.setting && s.incoming.size() == s.incomingTotal;
            if (ok)
                bytes.swap(s.incoming);
            s.setting = false;
            std::vector<std::uint8_t>().swap(s.incoming);
            return ok;
        });
        staging().drop(plugin);
        if (complete) {
            aap_state_t state{bytes.data(), bytes.size()};
            ext->set_state(ext, plugin, &state);
        }
        out.i32(complete ? 0 : -1);
        break;
    }
    default:
        return;
    }
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
    d.uri = AAP_STATE_EXTENSION_URI;
    d.data_capacity = kStateDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.is_command_rt_safe = nullptr;  // nothing about state is realtime-safe
    return d;
}

} // namespace

const AAPXSDefinition& stateExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

} // namespace aap
