// The AAPXS definition of the state extension: whole-state opcodes and the chunked transfer
// (aap/ext-cpp/state.h), with per-instance staging on the plugin side.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <mutex>
#include <new>
#include <random>
#include <unordered_map>
#include <vector>

#include "aap/ext-cpp/standard-extensions.h"
#include "aap/ext-cpp/state.h"
#include "../common/client-extension-proxy.h"
#include "../common/plugin-side.h"

namespace aap {

namespace {

using namespace ext_detail;

// Chunked transfers in progress. Handlers of this extension are never RT-safe, so they run on the
// non-realtime worker (or the control-channel thread) and may lock and allocate.
//
// A transfer belongs to (plugin address, registration generation, direction). The generation is
// the aapxs_context of the definition copy the runtime hands the handler: registerStandardExtensions
// gives every registration its own, so a later instance that reuses a released instance's address
// (and registry) never sees its transfers. 0 = registered without one (then the address alone).
struct Transfer {
    AndroidAudioPlugin* plugin = nullptr;
    std::uintptr_t generation = 0;
    bool incoming = false;              // set (host -> plugin) or get (plugin -> host)
    std::vector<std::uint8_t> bytes;    // get: the snapshot; set: bytes received so far
    std::uint32_t total = 0;            // get: snapshot size; set: announced size
    std::uint64_t charged = 0;          // bytes counted against the process budget
    std::chrono::steady_clock::time_point lastUse;
};

class StagingTable {
public:
    // Starts a transfer of `charge` bytes for (plugin, generation, incoming): ends that key's
    // unfinished one and any transfer of the same plugin address under another generation
    // (a released instance's), drops idle ones, then checks the budget. On success *token is set.
    std::int32_t begin(AndroidAudioPlugin* plugin, std::uintptr_t generation, bool incoming, std::uint64_t charge,
                       std::uint32_t* token) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        for (auto it = table_.begin(); it != table_.end();) {
            const Transfer& t = it->second;
            const bool replaced = t.plugin == plugin && (t.generation != generation || t.incoming == incoming);
            if (replaced || idle(t, now))
                it = eraseLocked(it);
            else
                ++it;
        }
        if (charge > limits_.maxStagedBytes || staged_ > limits_.maxStagedBytes - charge)
            return kStateTransferOverBudget;
        std::uint32_t candidate = nextToken_++;
        while (candidate == 0 || table_.count(candidate) != 0)
            candidate = nextToken_++;
        Transfer& t = table_[candidate];
        t.plugin = plugin;
        t.generation = generation;
        t.incoming = incoming;
        t.charged = charge;
        t.lastUse = now;
        staged_ += charge;
        *token = candidate;
        return kStateTransferOk;
    }

    // Runs function(transfer) for a live transfer of exactly this key, or returns UnknownToken.
    // function returns a status and may set *finished to end the transfer.
    template <typename Function>
    std::int32_t with(std::uint32_t token, AndroidAudioPlugin* plugin, std::uintptr_t generation, bool incoming,
                      Function function) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = table_.find(token);
        if (it == table_.end() || it->second.plugin != plugin || it->second.generation != generation ||
            it->second.incoming != incoming)
            return kStateTransferUnknownToken;
        const auto now = std::chrono::steady_clock::now();
        if (idle(it->second, now)) {
            eraseLocked(it);
            return kStateTransferUnknownToken;
        }
        it->second.lastUse = now;
        bool finished = false;
        const std::int32_t status = function(it->second, &finished);
        if (finished)
            eraseLocked(it);
        return status;
    }

    void release(AndroidAudioPlugin* plugin) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = table_.begin(); it != table_.end();)
            it = it->second.plugin == plugin ? eraseLocked(it) : std::next(it);
    }

    StateTransferLimits limits() {
        std::lock_guard<std::mutex> lock(mutex_);
        return limits_;
    }
    void setLimits(const StateTransferLimits& limits) {
        std::lock_guard<std::mutex> lock(mutex_);
        limits_ = limits;
    }
    std::uint64_t staged() {
        std::lock_guard<std::mutex> lock(mutex_);
        return staged_;
    }

private:
    using Map = std::unordered_map<std::uint32_t, Transfer>;
    bool idle(const Transfer& t, std::chrono::steady_clock::time_point now) const {
        return now - t.lastUse > std::chrono::nanoseconds(limits_.idleTimeoutNs);
    }
    Map::iterator eraseLocked(Map::iterator it) {
        staged_ -= it->second.charged;
        return table_.erase(it);
    }

    std::mutex mutex_;
    Map table_;
    std::uint64_t staged_ = 0;
    StateTransferLimits limits_;
    // Tokens start at a random point so that two runs (or processes) do not hand out the same
    // sequence; uniqueness comes from the counter, not from the randomness.
    std::uint32_t nextToken_ = randomStart();

    static std::uint32_t randomStart() noexcept {
        try {
            return static_cast<std::uint32_t>(std::random_device{}());
        } catch (...) {
            return static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        }
    }
};

StagingTable& staging() {
    static StagingTable* table = new StagingTable();  // never destroyed: worker threads may outlive statics
    return *table;
}

std::uintptr_t generationOf(const AAPXSDefinition* definition) noexcept {
    return definition == nullptr ? 0 : reinterpret_cast<std::uintptr_t>(definition->aapxs_context);
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

// The state's upper bound as the plugin reports it; false when it has no get_state.
bool stateBound(aap_state_extension_t* ext, AndroidAudioPlugin* plugin, size_t* bound) {
    if (ext->get_state_size == nullptr || ext->get_state == nullptr)
        return false;
    *bound = ext->get_state_size(ext, plugin);
    return true;
}

void handleRequestUnguarded(AAPXSDefinition* definition, AAPXSRecipientInstance* instance,
                            AndroidAudioPlugin* plugin, AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_state_extension_t>(plugin, AAP_STATE_EXTENSION_URI);
    if (ext == nullptr)
        return;
    ByteReader in = requestReader(request);
    ByteWriter out = replyWriter(request);
    const std::size_t capacity = request->serialization->data_capacity;
    const std::uintptr_t generation = generationOf(definition);
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
        size_t bound = 0;
        if (!in.done() || !stateBound(ext, plugin, &bound))
            return;
        if (bound > kMaxStateSize) {
            out.i32(kStateTransferTooLarge);
            break;
        }
        // The bound is charged before anything is allocated, so an over-budget request costs nothing.
        std::uint32_t token = 0;
        std::int32_t status = staging().begin(plugin, generation, false, bound, &token);
        std::uint32_t total = 0;
        if (status == kStateTransferOk) {
            std::vector<std::uint8_t> state;
            if (!takeState(ext, plugin, &state)) {
                status = kStateTransferOutOfMemory;
            } else {
                total = static_cast<std::uint32_t>(state.size());
                status = staging().with(token, plugin, generation, false, [&](Transfer& t, bool* finished) {
                    t.bytes = std::move(state);
                    t.total = total;
                    *finished = total == 0;  // nothing to fetch: nothing to keep
                    return kStateTransferOk;
                });
            }
            if (status != kStateTransferOk)
                staging().with(token, plugin, generation, false, [](Transfer&, bool* finished) {
                    *finished = true;
                    return kStateTransferOk;
                });
        }
        out.i32(status);
        if (status == kStateTransferOk) {
            out.u32(token);
            out.u32(total);
        }
        break;
    }
    case kStateOpcodeGetChunk: {
        const std::uint32_t token = in.u32();
        const std::uint32_t offset = in.u32();
        const std::uint32_t max = in.u32();
        if (!in.done() || capacity < 4)
            return;
        bool wrote = false;  // the status, then the bytes, written while the snapshot is locked
        const std::int32_t status = staging().with(token, plugin, generation, false, [&](Transfer& t, bool* finished) {
            if (offset > t.bytes.size() || (offset == t.bytes.size() && offset != 0))
                return kStateTransferOutOfRange;
            std::size_t count = t.bytes.size() - offset;
            if (count > max)
                count = max;
            if (count > capacity - 4)
                count = capacity - 4;
            out.i32(kStateTransferOk);
            out.bytes(t.bytes.data() + offset, count);
            wrote = true;
            *finished = offset + count == t.bytes.size();
            return kStateTransferOk;
        });
        if (!wrote)
            out.i32(status);
        break;
    }
    case kStateOpcodeSetBegin: {
        const std::uint32_t total = in.u32();
        if (!in.done() || ext->set_state == nullptr)
            return;
        if (total > kMaxStateSize) {
            out.i32(kStateTransferTooLarge);
            break;
        }
        std::uint32_t token = 0;
        std::int32_t status = staging().begin(plugin, generation, true, total, &token);
        if (status == kStateTransferOk) {
            status = staging().with(token, plugin, generation, true, [&](Transfer& t, bool* finished) {
                try {
                    t.bytes.reserve(total);
                } catch (const std::bad_alloc&) {
                    *finished = true;
                    return kStateTransferOutOfMemory;
                }
                t.total = total;
                return kStateTransferOk;
            });
        }
        out.i32(status);
        if (status == kStateTransferOk)
            out.u32(token);
        break;
    }
    case kStateOpcodeSetChunk: {
        const std::uint32_t token = in.u32();
        const std::uint32_t offset = in.u32();
        const std::size_t count = in.remaining();
        const std::uint8_t* bytes = in.view(count);
        if (!in.ok())
            return;
        out.i32(staging().with(token, plugin, generation, true, [&](Transfer& t, bool*) {
            if (offset != t.bytes.size() || count > t.total - t.bytes.size())
                return kStateTransferOutOfRange;
            t.bytes.insert(t.bytes.end(), bytes, bytes + count);  // reserved at begin: no allocation
            return kStateTransferOk;
        }));
        break;
    }
    case kStateOpcodeSetCommit: {
        const std::uint32_t token = in.u32();
        if (!in.done() || ext->set_state == nullptr)
            return;
        std::vector<std::uint8_t> bytes;
        const std::int32_t status = staging().with(token, plugin, generation, true, [&](Transfer& t, bool* finished) {
            *finished = true;  // a commit ends the transfer, complete or not
            if (t.bytes.size() != t.total)
                return kStateTransferIncomplete;
            bytes.swap(t.bytes);
            return kStateTransferOk;
        });
        if (status == kStateTransferOk) {
            aap_state_t state{bytes.data(), bytes.size()};
            ext->set_state(ext, plugin, &state);
        }
        out.i32(status);
        break;
    }
    default:
        return;
    }
    sendReply(instance, request, out);
}

// Allocation failure means no reply: the runtime answers with an error instead of the process
// dying on an exception crossing the C ABI.
void handleRequest(AAPXSDefinition* definition, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    try {
        handleRequestUnguarded(definition, instance, plugin, request);
    } catch (...) {
    }
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_STATE_EXTENSION_URI;
    d.data_capacity = kStateDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.process_incoming_plugin_aapxs_reply = &forwardClientReply;
    d.get_plugin_extension_proxy = &clientExtensionProxy<StateProxy>;
    d.is_command_rt_safe = nullptr;  // nothing about state is realtime-safe
    return d;
}

} // namespace

const AAPXSDefinition& stateExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

namespace ext_detail {
AAPXSDefinition stateDefinitionForRegistration() noexcept {
    // Generations are only compared, never dereferenced; 0 is "none".
    static std::atomic<std::uintptr_t> next{1};
    AAPXSDefinition definition = makeDefinition();
    definition.aapxs_context = reinterpret_cast<void*>(next.fetch_add(1));
    return definition;
}
} // namespace ext_detail

StateTransferLimits stateTransferLimits() noexcept { return staging().limits(); }
void setStateTransferLimits(const StateTransferLimits& limits) noexcept { staging().setLimits(limits); }
std::uint64_t stagedStateBytes() noexcept { return staging().staged(); }
void releaseStateTransfers(AndroidAudioPlugin* plugin) noexcept { staging().release(plugin); }

} // namespace aap
