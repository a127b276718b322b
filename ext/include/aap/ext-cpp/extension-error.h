#pragma once
// Errors of typed extension calls, and the value-or-error type every typed proxy returns.
// Nothing in aap::ext throws; a call that cannot produce its value says why in one of these.

#include <cstdint>
#include <utility>

namespace aap {

enum class ExtensionError : std::uint8_t {
    None,
    NotAvailable,    // the instance is in a state where no extension call is possible (unprepared
                     // without a block, error, terminated) or the endpoint was never set up
    NotImplemented,  // the plugin does not implement the extension or the operation
    UnknownExtension,// the plugin side has no AAPXS definition for the URI
    Timeout,         // no reply before the deadline
    Cancelled,       // the instance went offline or was destroyed while the request was pending
    Busy,            // too many requests in flight (client pool, request table or recipient)
    TooLarge,        // the request or reply does not fit the serialization block or the stream
    MalformedReply,  // the reply does not decode (wrong size, bad field)
    InvalidArgument, // the caller passed something out of range
    TransportFailed, // the transport reported a failure (protocol error, peer gone)
    OutOfMemory,     // a buffer for the request or reply could not be allocated
    Closed,          // the object that owned the instance (aap::HostedPlugin) was destroyed; this
                     // proxy or request outlived it and no longer reaches any plugin
};

// A short static description ("timeout", ...). Never null. [thread-safe] [audio-thread]
const char* toString(ExtensionError error) noexcept;
// The same, under the name shared with describe(HostingStatus) (aap/hosting/status.h).
inline const char* describe(ExtensionError error) noexcept { return toString(error); }

// The result of a typed call: a value, or an error and a default-constructed value.
template <typename T>
class ExtensionResult {
public:
    ExtensionResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
    ExtensionResult(ExtensionError error) : error_(error) {}  // NOLINT
    bool ok() const noexcept { return error_ == ExtensionError::None; }
    ExtensionError error() const noexcept { return error_; }
    // describe(error()): "no error" when there is none. [thread-safe] [audio-thread]
    const char* message() const noexcept { return toString(error_); }
    const T& value() const noexcept { return value_; }
    T& value() noexcept { return value_; }
    // The value, or `fallback` on error.
    T valueOr(T fallback) const { return ok() ? value_ : fallback; }

private:
    T value_{};
    ExtensionError error_ = ExtensionError::None;
};

// For operations without a result value.
struct NoValue {};
using ExtensionStatus = ExtensionResult<NoValue>;

} // namespace aap
