#pragma once
// Typed sync and async calls on top of ExtensionClient (private to aap::ext): a request payload,
// and a parser that turns the reply bytes into the typed value.

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <vector>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/extension-client.h"

namespace aap::ext_detail {

// Parses a complete reply; false when it does not decode (wrong size or field).
template <typename T>
using ReplyParser = bool (*)(const std::uint8_t* data, std::size_t size, T* value) noexcept;

inline bool parseI32(const std::uint8_t* data, std::size_t size, std::int32_t* value) noexcept {
    ByteReader reader{data, size};
    *value = reader.i32();
    return reader.done();
}
inline bool parseF64(const std::uint8_t* data, std::size_t size, double* value) noexcept {
    ByteReader reader{data, size};
    *value = reader.f64();
    return reader.done();
}
inline bool parseNothing(const std::uint8_t*, std::size_t size, NoValue*) noexcept { return size == 0; }

template <typename T>
ExtensionResult<T> callTyped(ExtensionClient& client, std::string_view uri, std::int32_t opcode,
                             const ByteWriter& request, const std::uint8_t* requestBytes, ReplyParser<T> parse,
                             std::int64_t timeoutNs) {
    if (!request.ok())
        return ExtensionError::InvalidArgument;
    std::vector<std::uint8_t> reply;
    const ExtensionError error = client.call(uri, opcode, requestBytes, request.size(), &reply, timeoutNs);
    if (error != ExtensionError::None)
        return error;
    try {
        T value{};
        if (!parse(reply.data(), reply.size(), &value))
            return ExtensionError::MalformedReply;
        return value;
    } catch (const std::bad_alloc&) {
        return ExtensionError::OutOfMemory;
    }
}

template <typename T, ReplyParser<T> Parse>
void decodeTyped(const AsyncCompletion& self, ExtensionError error, const std::uint8_t* data,
                 std::size_t size) noexcept {
    using Callback = void (*)(void* user, const ExtensionResult<T>& result) noexcept;
    auto callback = reinterpret_cast<Callback>(self.function);
    if (error != ExtensionError::None) {
        callback(self.user, ExtensionResult<T>{error});
        return;
    }
    T value{};
    if (!Parse(data, size, &value)) {
        callback(self.user, ExtensionResult<T>{ExtensionError::MalformedReply});
        return;
    }
    callback(self.user, ExtensionResult<T>{value});
}

template <typename T, ReplyParser<T> Parse>
void callTypedAsync(ExtensionClient& client, std::string_view uri, std::int32_t opcode, const ByteWriter& request,
                    const std::uint8_t* requestBytes,
                    void (*callback)(void* user, const ExtensionResult<T>& result) noexcept, void* user,
                    std::int64_t timeoutNs) {
    if (callback == nullptr)
        return;
    if (!request.ok()) {
        callback(user, ExtensionResult<T>{ExtensionError::InvalidArgument});
        return;
    }
    AsyncCompletion completion;
    completion.decode = &decodeTyped<T, Parse>;
    completion.function = reinterpret_cast<void (*)()>(callback);
    completion.user = user;
    client.callAsync(uri, opcode, requestBytes, request.size(), completion, timeoutNs);
}

} // namespace aap::ext_detail
