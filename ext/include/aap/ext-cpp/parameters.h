#pragma once
// Parameters extension (aap/ext/parameters.h) over AAPXS: wire codec and the host's typed proxy.
//
// Wire (little-endian, docs/spec/abi.md section 5):
//   1 get count      request -                 reply i32 (-1 = not listed here)    RT-safe
//   2 get parameter  request i32 index         reply aap_parameter_info_t (184 bytes,
//                                              AAP_PARAMETER_INFO_WIRE_* offsets, padding zero)
//   3 get property   request i32 id, i32 prop  reply f64
//   4 enum count     request i32 id            reply i32
//   5 get enum       request i32 id, i32 index reply aap_parameter_enum_t (72 bytes)
//  -1 notify parameters changed (host extension), no data either way, RT-safe.
// A plugin without the extension (or the function) does not reply: the caller gets
// ExtensionError::NotImplemented.

#include <cstdint>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/parameters.h"

namespace aap {

inline constexpr std::int32_t kParametersDataCapacity = 256;

// Field-by-field codecs. write* returns writer.ok(); read* returns false on a short payload (the
// strings are always NUL-terminated afterwards).
bool writeParameterInfo(ByteWriter& writer, const aap_parameter_info_t& info) noexcept;
bool readParameterInfo(ByteReader& reader, aap_parameter_info_t* info) noexcept;
bool writeParameterEnum(ByteWriter& writer, const aap_parameter_enum_t& entry) noexcept;
bool readParameterEnum(ByteReader& reader, aap_parameter_enum_t* entry) noexcept;

// The host's typed view of a plugin's parameters extension. Thin: every call is one request
// through the ExtensionClient (see extension-client.h for threads and routing). timeoutNs 0 = the
// client's default.
class ParametersProxy {
public:
    explicit ParametersProxy(ExtensionClient& client) noexcept;

    ExtensionResult<std::int32_t> getParameterCount(std::int64_t timeoutNs = 0);
    ExtensionResult<aap_parameter_info_t> getParameter(std::int32_t index, std::int64_t timeoutNs = 0);
    ExtensionResult<double> getParameterProperty(std::int32_t parameterId, std::int32_t propertyId,
                                                 std::int64_t timeoutNs = 0);
    ExtensionResult<std::int32_t> getEnumerationCount(std::int32_t parameterId, std::int64_t timeoutNs = 0);
    ExtensionResult<aap_parameter_enum_t> getEnumeration(std::int32_t parameterId, std::int32_t enumIndex,
                                                         std::int64_t timeoutNs = 0);

    // Async variants: `callback` fires exactly once (see ExtensionClient::callAsync for the thread).
    using CountCallback = void (*)(void* user, const ExtensionResult<std::int32_t>& result) noexcept;
    using ParameterCallback = void (*)(void* user, const ExtensionResult<aap_parameter_info_t>& result) noexcept;
    void getParameterCountAsync(CountCallback callback, void* user, std::int64_t timeoutNs = 0);
    void getParameterAsync(std::int32_t index, ParameterCallback callback, void* user, std::int64_t timeoutNs = 0);

    // The C struct for C host code; its functions make sync calls ([main-thread], never on the
    // process() thread) and map errors to the ABI's "not found" values (count -1, stable_id -1,
    // property 0, empty enumeration). Valid as long as this proxy.
    aap_parameters_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    ExtensionClient& client_;
    aap_parameters_extension_t extension_;
};

} // namespace aap
