#pragma once
// The in-process transport: the plugin library is dlopen()ed into the host process and called
// directly. For trusted plugins and debugging only: a plugin that crashes takes the host with it,
// and process() cannot enforce its deadline (the call simply runs to completion).

#include <memory>
#include <string>

#include "aap/hosting/transport.h"

namespace aap {

class InProcessTransport final : public PluginTransport {
public:
    const char* name() const noexcept override { return "in-process"; }
    HostingStatus createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                 std::unique_ptr<TransportInstance>* instance, std::string* error = nullptr) override;
    bool isAlive() const noexcept override { return true; }
};

} // namespace aap
