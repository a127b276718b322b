#include "peak-meter-proxy.h"

#include <vector>

#include "aapxs/byte-codec.hpp"

namespace aap_example {

namespace {

bool parsePeak(const std::uint8_t* data, std::size_t size, double* peak) {
    aap::ByteReader reader{data, size};
    *peak = reader.f64();
    return reader.done() && *peak >= 0.0;
}

} // namespace

aap::ExtensionResult<double> PeakMeterProxy::getPeak(std::int64_t timeoutNs) {
    std::vector<std::uint8_t> reply;
    const aap::ExtensionError error =
        client_.call(AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_OPCODE_GET_PEAK, nullptr, 0, &reply, timeoutNs);
    if (error != aap::ExtensionError::None)
        return error;
    double peak = 0;
    if (!parsePeak(reply.data(), reply.size(), &peak))
        return aap::ExtensionError::MalformedReply;
    return peak;
}

aap::ExtensionStatus PeakMeterProxy::reset(std::int64_t timeoutNs) {
    std::vector<std::uint8_t> reply;
    const aap::ExtensionError error =
        client_.call(AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_OPCODE_RESET, nullptr, 0, &reply, timeoutNs);
    if (error != aap::ExtensionError::None)
        return error;
    return reply.empty() ? aap::ExtensionStatus{aap::NoValue{}} : aap::ExtensionStatus{aap::ExtensionError::MalformedReply};
}

void PeakMeterProxy::getPeakAsync(PeakCallback callback, void* user, std::int64_t timeoutNs) {
    if (callback == nullptr)
        return;
    aap::AsyncCompletion completion;
    completion.function = reinterpret_cast<void (*)()>(callback);
    completion.user = user;
    completion.decode = [](const aap::AsyncCompletion& self, aap::ExtensionError error, const std::uint8_t* data,
                           std::size_t size) noexcept {
        auto typed = reinterpret_cast<PeakCallback>(self.function);
        double peak = 0;
        if (error == aap::ExtensionError::None && !parsePeak(data, size, &peak))
            error = aap::ExtensionError::MalformedReply;
        typed(self.user, error == aap::ExtensionError::None ? aap::ExtensionResult<double>{peak}
                                                            : aap::ExtensionResult<double>{error});
    };
    client_.callAsync(AAP_EXAMPLE_PEAK_METER_URI, AAP_EXAMPLE_PEAK_METER_OPCODE_GET_PEAK, nullptr, 0, completion,
                      timeoutNs);
}

} // namespace aap_example
