#pragma once
// State extension (aap/ext/state.h) over AAPXS, for states of any size.
//
// Wire (little-endian, docs/spec/abi.md section 5). Opcodes 1..3 are AAP's; 4..8 are this SDK's chunked
// transfer for states that do not fit the serialization block (an AAP 0.8 plugin side answers
// them with silence / an error reply, and the proxy then reports NotImplemented):
//   1 get state size   request -                       reply i32 (upper bound, bytes)
//   2 get state        request -                       reply i32 size, then `size` bytes; when the
//                                                      state does not fit the block: i32 size only
//   3 set state        request i32 size, bytes         reply -
//   4 get begin        request -                       reply i32 status; when 0: u32 token, u32
//                                                      total. The plugin side takes a snapshot
//                                                      (get_state) and keeps it for 5.
//   5 get chunk        request u32 token, u32 offset,  reply i32 status; when 0: min(max, total -
//                              u32 max                 offset, block - 4) bytes of the snapshot.
//                                                      The last chunk drops the snapshot.
//   6 set begin        request u32 total               reply i32 status; when 0: u32 token
//   7 set chunk        request u32 token, u32 offset,  reply i32 status (offset must equal the
//                              bytes                   bytes received so far)
//   8 set commit       request u32 token               reply i32 status; 0 after set_state(all
//                                                      bytes). The transfer ends either way.
// Statuses are the kStateTransfer* values below. A token names one transfer of one plugin
// instance in one direction: it is returned by a begin and required by every chunk and commit;
// tokens are never reused while the process lives (up to 2^32 begins). The plugin side keeps at
// most one get and one set transfer per instance (a new begin ends the unfinished one) and drops a
// transfer when it completes, when it has been idle for StateTransferLimits::idleTimeoutNs, when
// releaseStateTransfers(plugin) is called, or when a later registration of the state definition
// (a later instance, see registerStandardExtensions) begins a transfer at the same plugin address.
// All staged bytes of the process together are bounded by StateTransferLimits::maxStagedBytes.

#include <cstdint>
#include <vector>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/state.h"

namespace aap {

inline constexpr std::int32_t kStateDataCapacity = 64 * 1024;
inline constexpr std::uint32_t kMaxStateSize = 256u * 1024u * 1024u;

inline constexpr std::int32_t kStateOpcodeGetBegin = 4;
inline constexpr std::int32_t kStateOpcodeGetChunk = 5;
inline constexpr std::int32_t kStateOpcodeSetBegin = 6;
inline constexpr std::int32_t kStateOpcodeSetChunk = 7;
inline constexpr std::int32_t kStateOpcodeSetCommit = 8;

// Statuses of the chunked transfer (the i32 that starts every reply of opcodes 4..8).
inline constexpr std::int32_t kStateTransferOk = 0;
inline constexpr std::int32_t kStateTransferTooLarge = -1;      // total (or the plugin's state) > kMaxStateSize
inline constexpr std::int32_t kStateTransferOutOfMemory = -2;   // staging could not be allocated
inline constexpr std::int32_t kStateTransferUnknownToken = -3;  // no begin, wrong or stale token (ended,
                                                                // expired, released, another instance's)
inline constexpr std::int32_t kStateTransferOutOfRange = -4;    // offset beyond the snapshot, a gap, or
                                                                // more bytes than announced
inline constexpr std::int32_t kStateTransferIncomplete = -5;    // commit before all bytes arrived
inline constexpr std::int32_t kStateTransferOverBudget = -6;    // would exceed maxStagedBytes of the process

// The plugin side's bounds on staged transfers, for the whole process. [thread-safe]
struct StateTransferLimits {
    // Sum of all snapshots and incoming buffers (the set total is charged at its begin).
    std::uint64_t maxStagedBytes = 1024ull * 1024ull * 1024ull;
    // A transfer without a request for this long is dropped at the next transfer request.
    std::int64_t idleTimeoutNs = 60'000'000'000;
};
StateTransferLimits stateTransferLimits() noexcept;
void setStateTransferLimits(const StateTransferLimits& limits) noexcept;
// Bytes staged right now in this process (what maxStagedBytes bounds).
std::uint64_t stagedStateBytes() noexcept;
// [thread-safe] Drops every transfer of `plugin` and its bytes. A plugin process calls it when
// the instance is released (before the factory's release), so no memory outlives the instance
// and no token of it stays valid. Safe to call for a plugin without transfers.
void releaseStateTransfers(AndroidAudioPlugin* plugin) noexcept;

class StateProxy {
public:
    explicit StateProxy(ExtensionClient& client) noexcept;

    // [non-realtime] Each is one request (see extension-client.h). getStateSize is the plugin's
    // upper bound.
    ExtensionResult<std::int32_t> getStateSize(std::int64_t timeoutNs = 0);

    // [non-realtime] The whole state, byte for byte: in one request when it fits the current
    // route's capacity, in chunks otherwise. timeoutNs bounds each request.
    ExtensionResult<std::vector<std::uint8_t>> getState(std::int64_t timeoutNs = 0);
    ExtensionStatus setState(const std::uint8_t* data, std::size_t size, std::int64_t timeoutNs = 0);
    ExtensionStatus setState(const std::vector<std::uint8_t>& data, std::int64_t timeoutNs = 0) {
        return setState(data.data(), data.size(), timeoutNs);
    }

    // The C struct for C host code ([main-thread]). get_state fills destination->data up to its
    // data_size and sets data_size to what was written (0 when it does not fit or on error);
    // set_state ignores errors (there is no way to report them in the ABI).
    aap_state_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    ExtensionResult<std::vector<std::uint8_t>> getStateUnguarded(std::int64_t timeoutNs);
    ExtensionStatus setStateUnguarded(const std::uint8_t* data, std::size_t size, std::int64_t timeoutNs);
    ExtensionResult<std::vector<std::uint8_t>> getStateInChunks(std::size_t chunk, std::int64_t timeoutNs);
    ExtensionStatus setStateInChunks(const std::uint8_t* data, std::size_t size, std::size_t chunk,
                                     std::int64_t timeoutNs);

    ExtensionClient& client_;
    aap_state_extension_t extension_;
};

} // namespace aap
