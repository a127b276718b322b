#include "aap/hosting/gui-path.h"

#include <cmath>

#include "aap/hosting/gui-protocol.h"
#include "aapxs/midi2-buffer.h"
#include "aapxs/parameter-sysex8.h"

namespace aap {

GuiPath::GuiPath(std::vector<GuiPathParameter> parameters, std::vector<int32_t> levelPorts, GuiPathOptions options)
    : parameters_(std::move(parameters)),
      levelPorts_(std::move(levelPorts)),
      options_(options),
      inbox_(options.inboxCapacity),
      output_(options.outputCapacity),
      automation_(options.automationCapacity),
      applied_(options.appliedCapacity > 0 ? std::make_unique<BoundedMpscQueue<GuiAppliedEvent>>(options.appliedCapacity)
                                            : nullptr),
      values_(new Slot[parameters_.size() + 1]),
      peaks_(new std::atomic<float>[levelPorts_.size() + 1]) {
    for (size_t i = 0; i < parameters_.size(); i++)
        values_[i].value.store(parameters_[i].defaultValue, std::memory_order_relaxed);
    for (size_t i = 0; i <= levelPorts_.size(); i++)
        peaks_[i].store(0.0f, std::memory_order_relaxed);
}

uint32_t GuiPath::toTransport(const GuiPathParameter& parameter, double value) noexcept {
    const double range = parameter.maximumValue - parameter.minimumValue;
    double normalized = range > 0 ? (value - parameter.minimumValue) / range : 0.0;
    if (!(normalized > 0))
        return 0u;
    if (normalized >= 1)
        return 0xFFFFFFFFu;
    return static_cast<uint32_t>(normalized * 4294967295.0 + 0.5);
}

double GuiPath::fromTransport(const GuiPathParameter& parameter, uint32_t transport) noexcept {
    return parameter.minimumValue +
           (parameter.maximumValue - parameter.minimumValue) * (static_cast<double>(transport) / 4294967295.0);
}

int32_t GuiPath::indexOf(int32_t id) const noexcept {
    for (size_t i = 0; i < parameters_.size(); i++)
        if (parameters_[i].id == id)
            return static_cast<int32_t>(i);
    return -1;
}

HostingStatus GuiPath::push(uint32_t client, int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    if (frame < 0 || !guiUmpAllowedFromClient(words, wordCount))
        return HostingStatus::InvalidArgument;
    GuiInboundEvent event;
    event.frame = frame;
    event.client = client;
    event.wordCount = static_cast<uint32_t>(wordCount);
    for (size_t i = 0; i < wordCount; i++)
        event.words[i] = words[i];
    if (!inbox_.tryPush(event)) {
        inboxOverflows_.fetch_add(1, std::memory_order_relaxed);
        return HostingStatus::CapacityExceeded;
    }
    return HostingStatus::Ok;
}

void GuiPath::record(const GuiAutomationRecord& record) noexcept {
    GuiAutomationRecord copy = record;
    if (!automation_.tryPush(copy))
        automationOverflows_.fetch_add(1, std::memory_order_relaxed);
}

size_t GuiPath::drainInto(EventQueue& queue, int32_t frames, ParameterListener onParameter, void* context) noexcept {
    const int32_t lastFrame = frames > 0 ? frames - 1 : 0;
    const uint64_t cycle = cycle_.load(std::memory_order_relaxed);
    size_t moved = 0;
    bool deferred = false;
    while (true) {
        if (moved == options_.budgetPerCycle) {
            deferred = hasCarry_ || !inbox_.empty();
            break;
        }
        GuiInboundEvent event;
        if (hasCarry_) {
            event = carry_;
        } else if (!inbox_.tryPop(event)) {
            break;
        }
        const int32_t frame = event.frame > lastFrame ? lastFrame : event.frame;
        if (queue.add(frame, event.words, event.wordCount) != HostingStatus::Ok) {
            // No room in this cycle: the event stays first in line.
            carry_ = event;
            hasCarry_ = true;
            deferred = true;
            break;
        }
        hasCarry_ = false;
        moved++;
        if (applied_) {
            GuiAppliedEvent applied;
            applied.cycle = cycle;
            applied.frame = frame;
            applied.client = event.client;
            applied.wordCount = event.wordCount;
            for (uint32_t i = 0; i < 4; i++)
                applied.words[i] = event.words[i];
            if (!applied_->tryPush(applied))
                appliedOverflows_.fetch_add(1, std::memory_order_relaxed);
        }
        if (event.wordCount == 4) {
            uint16_t id = 0;
            uint32_t transport = 0;
            bool begin = false;
            if (aapxs_parameter_sysex8_read(event.words, nullptr, nullptr, nullptr, nullptr, &id, &transport)) {
                const int32_t index = indexOf(id);
                GuiAutomationRecord r;
                r.kind = GuiAutomationRecord::Kind::Change;
                r.client = event.client;
                r.cycle = cycle;
                r.frame = frame;
                r.parameterId = id;
                r.value = index >= 0 ? fromTransport(parameters_[static_cast<size_t>(index)], transport)
                                     : static_cast<double>(transport) / 4294967295.0;
                record(r);
                if (index >= 0) {
                    publishAt(static_cast<size_t>(index), r.value);
                    if (onParameter != nullptr)
                        onParameter(context, id, r.value);
                }
            } else if (readParameterGesture(event.words, &begin, &id)) {
                GuiAutomationRecord r;
                r.kind = begin ? GuiAutomationRecord::Kind::GestureBegin : GuiAutomationRecord::Kind::GestureEnd;
                r.client = event.client;
                r.cycle = cycle;
                r.frame = frame;
                r.parameterId = id;
                record(r);
            }
        }
    }
    if (moved > 0)
        delivered_.fetch_add(moved, std::memory_order_relaxed);
    if (deferred)
        deferredCycles_.fetch_add(1, std::memory_order_relaxed);
    return moved;
}

void GuiPath::publishParameter(int32_t id, double value) noexcept {
    const int32_t index = indexOf(id);
    if (index >= 0)
        publishAt(static_cast<size_t>(index), value);
}

void GuiPath::publishAt(size_t index, double value) noexcept {
    Slot& slot = values_[index];
    if (slot.value.load(std::memory_order_relaxed) == value)
        return;
    slot.value.store(value, std::memory_order_relaxed);
    // One writer (the audio thread; before the path is handed to it, the thread creating it):
    // a plain increment, no read-modify-write.
    slot.generation.store(slot.generation.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void GuiPath::publishMidiOutput(const void* buffer, size_t capacity) noexcept {
    aapxs_ump_iterator_t it;
    if (buffer == nullptr || aapxs_midi2_buffer_iterator_init(&it, buffer, capacity) != AAPXS_CODEC_OK)
        return;
    aapxs_ump_t ump;
    const uint64_t cycle = cycle_.load(std::memory_order_relaxed);
    while (aapxs_ump_iterator_next(&it, &ump)) {
        if (ump.word_count == 4) {
            uint16_t id = 0;
            uint32_t transport = 0;
            if (aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &transport)) {
                const int32_t index = indexOf(id);
                if (index >= 0)
                    publishAt(static_cast<size_t>(index), fromTransport(parameters_[static_cast<size_t>(index)], transport));
                continue;
            }
        }
        if ((ump.words[0] >> 28) == 0x0u)
            continue;  // utility (NOOP, timestamps): meaningless at display rate
        GuiOutboundEvent event;
        event.cycle = cycle;
        event.wordCount = ump.word_count;
        for (uint32_t i = 0; i < 4; i++)
            event.words[i] = ump.words[i];
        if (!output_.tryPush(event)) {
            outputOverflows_.fetch_add(1, std::memory_order_relaxed);
            lostSinceResync_.fetch_add(1, std::memory_order_relaxed);
            resync_.store(true, std::memory_order_release);
        }
    }
}

void GuiPath::publishLevel(size_t slot, const float* samples, int32_t frames) noexcept {
    if (slot >= levelPorts_.size() || samples == nullptr || frames <= 0)
        return;
    // Eight independent maxima (the compiler keeps them in one vector register); NaN never wins.
    float lanes[8] = {};
    int32_t i = 0;
    for (; i + 8 <= frames; i += 8)
        for (int lane = 0; lane < 8; lane++) {
            const float a = std::fabs(samples[i + lane]);
            lanes[lane] = a > lanes[lane] ? a : lanes[lane];
        }
    for (; i < frames; i++) {
        const float a = std::fabs(samples[i]);
        lanes[0] = a > lanes[0] ? a : lanes[0];
    }
    float peak = 0.0f;
    for (float lane : lanes)
        peak = lane > peak ? lane : peak;
    std::atomic<float>& peakSlot = peaks_[slot];
    float current = peakSlot.load(std::memory_order_relaxed);
    while (peak > current && !peakSlot.compare_exchange_weak(current, peak, std::memory_order_relaxed)) {
    }
}

bool GuiPath::popOutput(GuiOutboundEvent* out) noexcept { return out != nullptr && output_.tryPop(*out); }

bool GuiPath::takeResync(uint64_t* lost) noexcept {
    if (!resync_.exchange(false, std::memory_order_acquire))
        return false;
    const uint64_t n = lostSinceResync_.exchange(0, std::memory_order_relaxed);
    if (lost != nullptr)
        *lost = n;
    return true;
}

float GuiPath::takePeak(size_t slot) noexcept {
    return slot < levelPorts_.size() ? peaks_[slot].exchange(0.0f, std::memory_order_relaxed) : 0.0f;
}

double GuiPath::parameterValue(size_t index, uint64_t* generation) const noexcept {
    if (index >= parameters_.size())
        return 0.0;
    if (generation != nullptr)
        *generation = values_[index].generation.load(std::memory_order_acquire);
    return values_[index].value.load(std::memory_order_relaxed);
}

bool GuiPath::popAutomation(GuiAutomationRecord* out) noexcept { return out != nullptr && automation_.tryPop(*out); }

bool GuiPath::popApplied(GuiAppliedEvent* out) noexcept { return out != nullptr && applied_ && applied_->tryPop(*out); }

} // namespace aap
