#include "aap/hosting/status.h"

namespace aap {

const char* hostingStatusMessage(HostingStatus status) noexcept {
    switch (status) {
    case HostingStatus::Ok: return "ok";
    case HostingStatus::InvalidState: return "invalid state: the call is not allowed in the instance's current lifecycle state";
    case HostingStatus::InvalidArgument: return "invalid argument";
    case HostingStatus::NotFound: return "not found";
    case HostingStatus::LoadFailed: return "could not load the plugin library or its entry point";
    case HostingStatus::InstantiateFailed: return "the plugin failed to instantiate or prepare";
    case HostingStatus::Timeout: return "timed out waiting for the plugin";
    case HostingStatus::Offline: return "the plugin instance is offline (crashed, hung or destroyed)";
    case HostingStatus::ProtocolError: return "protocol error: the peer sent malformed data";
    case HostingStatus::VersionMismatch: return "control protocol version mismatch";
    case HostingStatus::ResourceFailed: return "an operating-system resource failed";
    case HostingStatus::Unsupported: return "unsupported operation";
    case HostingStatus::CapacityExceeded: return "capacity exceeded";
    case HostingStatus::AbiMismatch: return "the plugin was built against an incompatible AAP ABI";
    case HostingStatus::Xrun: return "xrun: the cycle missed its deadline (outputs silenced, the instance keeps running)";
    }
    return "unknown status";
}

HostingStatus hostingStatusFromWire(int32_t value) noexcept {
    if (value <= 0 && value >= static_cast<int32_t>(HostingStatus::AbiMismatch))
        return static_cast<HostingStatus>(value);
    return HostingStatus::ProtocolError;
}

} // namespace aap
