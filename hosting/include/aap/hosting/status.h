#pragma once
// Result values of every hosting operation. The numeric values travel in the `status` field of
// control-protocol replies (docs/hosting.md), so they are stable: never renumber, only append.

#include <cstdint>

namespace aap {

enum class HostingStatus : int32_t {
    Ok = 0,
    // The call is not allowed in the instance's current lifecycle state (docs/spec/abi.md section 3).
    InvalidState = -1,
    // An argument is out of range (frames > prepared frames, unknown port index, empty URI, ...).
    InvalidArgument = -2,
    // A plugin id, instance id or extension URI is unknown.
    NotFound = -3,
    // dlopen() failed or the library does not export the entry point.
    LoadFailed = -4,
    // The factory returned no plugin, or prepare/activate could not be carried out by the plugin.
    InstantiateFailed = -5,
    // The peer did not answer before the deadline. The instance (process()) or the whole
    // connection (control calls) is offline afterwards.
    Timeout = -6,
    // The instance or its peer is gone: crashed, killed, timed out before, or destroyed.
    Offline = -7,
    // The peer sent something malformed: bad magic, bad sizes, unknown opcode, garbage in a
    // shared-memory header. The connection or instance is offline afterwards.
    ProtocolError = -8,
    // The peer speaks another control-protocol version.
    VersionMismatch = -9,
    // memfd/mmap/socket/spawn or another operating-system resource failed.
    ResourceFailed = -10,
    // The operation is valid but this transport or peer does not implement it.
    Unsupported = -11,
    // A fixed-capacity resource is full (extension block, port count, pending requests).
    CapacityExceeded = -12,
    // The plugin was built against an AAP ABI this host cannot run (aap/abi.h): its ABI record has
    // another major version or is malformed. The instance was released right after instantiate;
    // the error string carries the aap_abi_describe line. A legacy plugin (no record) is accepted.
    AbiMismatch = -13,
    // process() only: the cycle missed its deadline but the peer is alive (docs/hosting.md,
    // "Xruns"). The outputs are silent for this cycle, PluginInstance::xruns() counted it, and the
    // instance stays Active: the next cycle runs normally once the late reply is in. Never sent on
    // the wire.
    Xrun = -14,
};

// A short, static, human-readable name ("invalid state", "timeout", ...). Never null.
// [thread-safe] [audio-thread] (returns a string literal).
const char* hostingStatusMessage(HostingStatus status) noexcept;

// The same, under the one name every status type of the SDK's C++ API shares (describe(ExtensionError)
// in aap/ext-cpp/extension-error.h): `describe(status)` works whatever the status is.
inline const char* describe(HostingStatus status) noexcept { return hostingStatusMessage(status); }

// Converts a value read from the other process; anything unknown becomes ProtocolError.
HostingStatus hostingStatusFromWire(int32_t value) noexcept;

} // namespace aap
