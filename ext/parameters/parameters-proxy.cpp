// The host's typed proxy of the parameters extension, and its C struct.

#include "aap/ext-cpp/parameters.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;
constexpr std::string_view kUri = AAP_PARAMETERS_EXTENSION_URI;

bool parseInfo(const std::uint8_t* data, std::size_t size, aap_parameter_info_t* info) noexcept {
    ByteReader reader{data, size};
    return readParameterInfo(reader, info) && reader.done();
}
bool parseEnum(const std::uint8_t* data, std::size_t size, aap_parameter_enum_t* entry) noexcept {
    ByteReader reader{data, size};
    return readParameterEnum(reader, entry) && reader.done();
}

ParametersProxy* proxyOf(aap_parameters_extension_t* ext) { return static_cast<ParametersProxy*>(ext->aapxs_context); }

int32_t cGetCount(aap_parameters_extension_t* ext, AndroidAudioPlugin*) {
    return proxyOf(ext)->getParameterCount().valueOr(-1);
}
aap_parameter_info_t cGetParameter(aap_parameters_extension_t* ext, AndroidAudioPlugin*, int32_t index) {
    auto result = proxyOf(ext)->getParameter(index);
    if (result.ok())
        return result.value();
    aap_parameter_info_t missing{};
    missing.stable_id = -1;
    return missing;
}
double cGetProperty(aap_parameters_extension_t* ext, AndroidAudioPlugin*, int32_t id, int32_t property) {
    return proxyOf(ext)->getParameterProperty(id, property).valueOr(0.0);
}
int32_t cGetEnumerationCount(aap_parameters_extension_t* ext, AndroidAudioPlugin*, int32_t id) {
    return proxyOf(ext)->getEnumerationCount(id).valueOr(0);
}
aap_parameter_enum_t cGetEnumeration(aap_parameters_extension_t* ext, AndroidAudioPlugin*, int32_t id, int32_t index) {
    return proxyOf(ext)->getEnumeration(id, index).valueOr(aap_parameter_enum_t{});
}

} // namespace

ParametersProxy::ParametersProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.get_parameter_count = &cGetCount;
    extension_.get_parameter = &cGetParameter;
    extension_.get_parameter_property = &cGetProperty;
    extension_.get_enumeration_count = &cGetEnumerationCount;
    extension_.get_enumeration = &cGetEnumeration;
}

ExtensionResult<std::int32_t> ParametersProxy::getParameterCount(std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    return callTyped<std::int32_t>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT, request, nullptr,
                                   &parseI32, timeoutNs);
}

ExtensionResult<aap_parameter_info_t> ParametersProxy::getParameter(std::int32_t index, std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    return callTyped<aap_parameter_info_t>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_PARAMETER, request, bytes,
                                           &parseInfo, timeoutNs);
}

ExtensionResult<double> ParametersProxy::getParameterProperty(std::int32_t parameterId, std::int32_t propertyId,
                                                              std::int64_t timeoutNs) {
    std::uint8_t bytes[8];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(parameterId);
    request.i32(propertyId);
    return callTyped<double>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_PARAMETER_PROPERTY, request, bytes, &parseF64,
                             timeoutNs);
}

ExtensionResult<std::int32_t> ParametersProxy::getEnumerationCount(std::int32_t parameterId, std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(parameterId);
    return callTyped<std::int32_t>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_ENUMERATION_COUNT, request, bytes,
                                   &parseI32, timeoutNs);
}

ExtensionResult<aap_parameter_enum_t> ParametersProxy::getEnumeration(std::int32_t parameterId, std::int32_t enumIndex,
                                                                      std::int64_t timeoutNs) {
    std::uint8_t bytes[8];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(parameterId);
    request.i32(enumIndex);
    return callTyped<aap_parameter_enum_t>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_ENUMERATION, request, bytes,
                                           &parseEnum, timeoutNs);
}

void ParametersProxy::getParameterCountAsync(CountCallback callback, void* user, std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    callTypedAsync<std::int32_t, &parseI32>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT, request,
                                            nullptr, callback, user, timeoutNs);
}

void ParametersProxy::getParameterAsync(std::int32_t index, ParameterCallback callback, void* user,
                                        std::int64_t timeoutNs) {
    std::uint8_t bytes[4];
    ByteWriter request{bytes, sizeof(bytes)};
    request.i32(index);
    callTypedAsync<aap_parameter_info_t, &parseInfo>(client_, kUri, AAP_PARAMETERS_OPCODE_GET_PARAMETER, request,
                                                     bytes, callback, user, timeoutNs);
}

} // namespace aap
