#pragma once
// State extension (aap/ext/state.h) over AAPXS, for states of any size.
//
// Wire (little-endian). Opcodes 1..3 are spec/abi.md section 5; 4..8 are this SDK's chunked
// transfer for states that do not fit the serialization block (an AAP 0.8 plugin side answers
// them with silence / an error reply, and the proxy then reports NotImplemented):
//   1 get state size   request -                     reply i32 (upper bound, bytes)
//   2 get state        request -                     reply i32 size, then `size` bytes; when the
//                                                    state does not fit the block: i32 size only
//   3 set state        request i32 size, bytes       reply -
//   4 get begin        request -                     reply u32 total: the plugin side takes a
//                                                    snapshot (get_state) and keeps it for 5
//   5 get chunk        request u32 offset, u32 max   reply min(max, total - offset) bytes of the
//                                                    snapshot; the last chunk drops the snapshot
//   6 set begin        request u32 total             reply i32 0, or < 0 (too large)
//   7 set chunk        request u32 offset, bytes     reply i32 0, or < 0 (offset not contiguous,
//                                                    beyond total, no transfer begun)
//   8 set commit       request -                     reply i32 0 after set_state(all bytes), or < 0
//                                                    (incomplete transfer)
// The plugin side keeps at most one get snapshot and one set transfer per plugin instance; a new
// begin replaces an unfinished one. Snapshots and transfers are limited to kMaxStateSize bytes.

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
