#pragma once
// aap::ExtensionEndpoint: what a typed extension proxy talks to. It hides how an instance is
// reached and only exposes the two paths of docs/spec/abi.md section 4:
//   - the control path (instance not active): a synchronous request/reply through the extension's
//     serialization block;
//   - the realtime path (instance active): a request queued into the next process() cycles, whose
//     completion fires on the thread that calls process().
// aap::PluginInstanceEndpoint (aap/hosting/plugin-instance-endpoint.h) implements it over
// aap::PluginInstance;
// tests and other hosts may implement it over anything else. aap::ext itself knows nothing about
// processes, sockets or hosting.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aap/ext-cpp/extension-error.h"
#include "aap/runtime/initiator-session.h"

namespace aap {

enum class ExtensionRoute : std::uint8_t {
    Control,     // not active: callControl()
    Realtime,    // active: submitRealtime(), completed by process() on another thread
    Unavailable, // error / terminated / not set up: every call fails with NotAvailable
    Closed,      // the owner of the instance (aap::HostedPlugin) is gone: every call fails with Closed
};

class ExtensionEndpoint {
public:
    virtual ~ExtensionEndpoint() = default;

    // [thread-safe] Which path a call started now takes.
    virtual ExtensionRoute route() const noexcept = 0;

    // [non-realtime, one caller at a time per endpoint] Control path. The request (requestSize
    // bytes) is copied into the extension's block, sent, and the reply copied into
    // reply[0..replyCapacity); *replySize receives its size. Bounded by timeoutNs.
    virtual ExtensionError callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                                       std::size_t requestSize, std::uint8_t* reply, std::size_t replyCapacity,
                                       std::size_t* replySize, std::int64_t timeoutNs) = 0;

    // Bytes a control-path request or reply of `uri` may have (the serialization block), 0 when
    // the extension was not set up.
    virtual std::size_t controlCapacity(std::string_view uri) const noexcept = 0;

    // [thread-safe] Realtime path: queues `request` (see InitiatorSession::Request; its data is
    // copied). On None, request.onComplete fires exactly once later, on the process() thread.
    virtual ExtensionError submitRealtime(const InitiatorSession::Request& request) noexcept = 0;

    // Largest request or reply payload of the realtime path, bytes.
    virtual std::size_t realtimeCapacity() const noexcept = 0;
};

} // namespace aap
