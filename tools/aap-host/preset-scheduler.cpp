#include "preset-scheduler.h"

#include "aap/hosting/hosted-plugin.h"

namespace aap::host_tool {

PresetScheduler::PresetScheduler(std::shared_ptr<PresetsProxy> presets, std::vector<Change> changes)
    : presets_(std::move(presets)), changes_(std::move(changes)) {}

std::vector<int64_t> PresetScheduler::frames() const {
    std::vector<int64_t> frames;
    for (const Change& change : changes_)
        frames.push_back(change.frame);
    return frames;
}

void PresetScheduler::completed(void* user, const ExtensionStatus& result) noexcept {
    auto* change = static_cast<Change*>(user);
    change->result = result.error();
    change->completed = true;
}

void PresetScheduler::submitDue(int64_t frame) {
    for (Change& change : changes_) {
        if (change.submitted || change.frame > frame)
            continue;
        change.submitted = true;
        if (presets_ == nullptr) {
            change.result = ExtensionError::NotAvailable;
            change.completed = true;
            continue;
        }
        // The callback fires exactly once: inside this call (failure to start) or in a later
        // process() on this thread. `change` lives in changes_, which never reallocates.
        presets_->setPresetIndexAsync(change.index, &PresetScheduler::completed, &change);
    }
}

bool PresetScheduler::pending() const noexcept {
    for (const Change& change : changes_)
        if (change.submitted && !change.completed)
            return true;
    return false;
}

std::string PresetScheduler::firstError() const {
    for (const Change& change : changes_)
        if (change.completed && change.result != ExtensionError::None)
            return "preset " + std::to_string(change.index) + " at frame " + std::to_string(change.frame) + ": " +
                   describeExtensionError(change.result);
    return "";
}

} // namespace aap::host_tool
