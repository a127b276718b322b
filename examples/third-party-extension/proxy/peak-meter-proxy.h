#pragma once
// The host's typed proxy of the peak-meter extension, on top of aap::ExtensionClient (which
// routes each call by instance state: control channel while inactive, the MIDI2 stream while
// active). Threads and timeouts as in aap/ext-cpp/extension-client.h.

#include <cstdint>

#include "aap/ext-cpp/extension-client.h"
#include "peak-meter/peak-meter.h"

namespace aap_example {

class PeakMeterProxy {
public:
    explicit PeakMeterProxy(aap::ExtensionClient& client) noexcept : client_(client) {}

    aap::ExtensionResult<double> getPeak(std::int64_t timeoutNs = 0);
    aap::ExtensionStatus reset(std::int64_t timeoutNs = 0);

    // Async: `callback` fires exactly once; while active on the thread that calls process().
    using PeakCallback = void (*)(void* user, const aap::ExtensionResult<double>& result) noexcept;
    void getPeakAsync(PeakCallback callback, void* user, std::int64_t timeoutNs = 0);

private:
    aap::ExtensionClient& client_;
};

} // namespace aap_example
