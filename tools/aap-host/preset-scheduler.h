#pragma once
// Preset changes at given frames while the instance is active, through the presets extension's
// realtime AAPXS path (PresetsProxy::setPresetIndexAsync). Plug it into a RenderJob:
//   job.beforeCycle = [&](int64_t frame) { scheduler.submitDue(frame); };
//   job.hasPendingRequests = [&] { return scheduler.pending(); };
//   job.splitFrames = scheduler.frames();
// Completions arrive on the thread calling process() (the rendering thread), so plain fields
// suffice; the callback only records the outcome (no allocation on that path).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/ext-cpp/presets.h"

namespace aap::host_tool {

class PresetScheduler {
public:
    struct Change {
        int64_t frame = 0;
        int32_t index = 0;
        ExtensionError result = ExtensionError::None;
        bool submitted = false;
        bool completed = false;
    };

    PresetScheduler(std::shared_ptr<PresetsProxy> presets, std::vector<Change> changes);

    std::vector<int64_t> frames() const;
    // Submits every change due at `frame` that has not been submitted.
    void submitDue(int64_t frame);
    // Submitted changes whose completion has not fired yet.
    bool pending() const noexcept;
    // First failure as a message ("" when every change completed without error).
    std::string firstError() const;
    const std::vector<Change>& changes() const noexcept { return changes_; }

private:
    static void completed(void* user, const ExtensionStatus& result) noexcept;

    std::shared_ptr<PresetsProxy> presets_;
    std::vector<Change> changes_;
};

} // namespace aap::host_tool
