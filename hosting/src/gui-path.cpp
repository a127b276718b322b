#include "aap/hosting/gui-path.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>

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
      applied_(options.appliedCapacity > 0 ? std::make_unique<BoundedSpscQueue<GuiAppliedEvent>>(options.appliedCapacity)
                                            : nullptr),
      values_(new Slot[parameters_.size() + 1]),
      peaks_(new std::atomic<float>[levelPorts_.size() + 1]) {
    for (size_t i = 0; i < parameters_.size(); i++)
        values_[i].value.store(parameters_[i].defaultValue, std::memory_order_relaxed);
    for (size_t i = 0; i <= levelPorts_.size(); i++)
        peaks_[i].store(0.0f, std::memory_order_relaxed);
    // The id lookup: a direct table when the ids are non-negative and at most a few times more
    // than the parameters (as plugins number them), else a sorted list. The first of duplicate
    // ids wins, as a linear search would have it.
    int32_t maxId = -1;
    bool nonNegative = true;
    for (const GuiPathParameter& parameter : parameters_) {
        nonNegative = nonNegative && parameter.id >= 0;
        maxId = parameter.id > maxId ? parameter.id : maxId;
    }
    if (nonNegative && static_cast<size_t>(maxId + 1) <= 4 * parameters_.size() + 256) {
        indexById_.assign(static_cast<size_t>(maxId + 1), -1);
        for (size_t i = parameters_.size(); i-- > 0;)
            indexById_[static_cast<size_t>(parameters_[i].id)] = static_cast<int32_t>(i);
    } else {
        for (size_t i = 0; i < parameters_.size(); i++)
            sortedIds_.emplace_back(parameters_[i].id, static_cast<int32_t>(i));
        std::stable_sort(sortedIds_.begin(), sortedIds_.end(),
                         [](const std::pair<int32_t, int32_t>& a, const std::pair<int32_t, int32_t>& b) {
                             return a.first < b.first;
                         });
    }
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
    if (!sortedIds_.empty()) {
        auto it = std::lower_bound(sortedIds_.begin(), sortedIds_.end(), id,
                                   [](const std::pair<int32_t, int32_t>& entry, int32_t key) { return entry.first < key; });
        return it != sortedIds_.end() && it->first == id ? it->second : -1;
    }
    return id >= 0 && static_cast<size_t>(id) < indexById_.size() ? indexById_[static_cast<size_t>(id)] : -1;
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
    // Decoded here, on the GUI thread, once: the audio thread only copies.
    if (wordCount == 4) {
        uint16_t id = 0;
        uint32_t transport = 0;
        bool begin = false;
        if (aapxs_parameter_sysex8_read(words, nullptr, nullptr, nullptr, nullptr, &id, &transport)) {
            event.kind = GuiInboundEvent::Kind::Change;
            event.parameterId = id;
            event.parameterIndex = indexOf(id);
            event.value = event.parameterIndex >= 0
                ? fromTransport(parameters_[static_cast<size_t>(event.parameterIndex)], transport)
                : static_cast<double>(transport) / 4294967295.0;
        } else if (readParameterGesture(words, &begin, &id)) {
            event.kind = begin ? GuiInboundEvent::Kind::GestureBegin : GuiInboundEvent::Kind::GestureEnd;
            event.parameterId = id;
            event.parameterIndex = indexOf(id);
        }
    }
    if (!inbox_.tryPush(event)) {
        inboxOverflows_.fetch_add(1, std::memory_order_relaxed);
        return HostingStatus::CapacityExceeded;
    }
    return HostingStatus::Ok;
}

size_t GuiPath::drainInto(EventQueue& queue, int32_t frames, ParameterListener onParameter, void* context) noexcept {
    const int32_t lastFrame = frames > 0 ? frames - 1 : 0;
    const uint64_t cycle = cycle_.load(std::memory_order_relaxed);
    bool full = false;
    uint64_t automationLost = 0;
    BoundedSpscQueue<GuiAutomationRecord>::Writer automation(automation_);
    EventQueue::Appender appender(queue);
    uint64_t appliedLost = 0;
    std::optional<BoundedSpscQueue<GuiAppliedEvent>::Writer> appliedWriter;
    if (applied_)
        appliedWriter.emplace(*applied_);
    // The events are read in their queue cells; one that finds no room in the host's queue stays
    // there, first in line for the next cycle.
    const size_t moved = inbox_.consume(options_.budgetPerCycle, [&](const GuiInboundEvent& event) noexcept {
        const int32_t frame = event.frame > lastFrame ? lastFrame : event.frame;
        if (appender.addPadded(frame, event.words, event.wordCount) != HostingStatus::Ok) {
            full = true;
            return false;
        }
        if (appliedWriter) {
            if (GuiAppliedEvent* applied = appliedWriter->next()) {
                applied->cycle = cycle;
                applied->frame = frame;
                applied->client = event.client;
                applied->wordCount = event.wordCount;
                for (uint32_t i = 0; i < 4; i++)
                    applied->words[i] = event.words[i];
            } else {
                appliedLost++;
            }
        }
        if (event.kind != GuiInboundEvent::Kind::Other) {
            if (GuiAutomationRecord* r = automation.next()) {
                r->kind = event.kind == GuiInboundEvent::Kind::Change         ? GuiAutomationRecord::Kind::Change
                          : event.kind == GuiInboundEvent::Kind::GestureBegin ? GuiAutomationRecord::Kind::GestureBegin
                                                                              : GuiAutomationRecord::Kind::GestureEnd;
                r->client = event.client;
                r->cycle = cycle;
                r->frame = frame;
                r->parameterId = event.parameterId;
                r->value = event.kind == GuiInboundEvent::Kind::Change ? event.value : 0.0;
            } else {
                automationLost++;
            }
            if (event.kind == GuiInboundEvent::Kind::Change && event.parameterIndex >= 0) {
                publishAt(static_cast<size_t>(event.parameterIndex), event.value);
                if (onParameter != nullptr)
                    onParameter(context, event.parameterId, event.value);
            }
        }
        return true;
    });
    automation.publish();
    if (appliedWriter)
        appliedWriter->publish();
    appender.finish();
    if (appliedLost != 0)
        appliedOverflows_.fetch_add(appliedLost, std::memory_order_relaxed);
    if (automationLost != 0)
        automationOverflows_.fetch_add(automationLost, std::memory_order_relaxed);
    if (moved > 0)
        delivered_.fetch_add(moved, std::memory_order_relaxed);
    // Deferred: the host queue was full, or the budget was used up with events still waiting.
    if (full || (moved == options_.budgetPerCycle && !inbox_.empty()))
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
    size_t length = 0;
    if (buffer == nullptr || aapxs_midi2_buffer_get_length(buffer, capacity, &length) != AAPXS_CODEC_OK)
        return;
    const uint8_t* data = aapxs_midi2_buffer_const_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE;
    const uint64_t cycle = cycle_.load(std::memory_order_relaxed);
    uint64_t lost = 0;
    {
        // The cycle's discrete events are written in place and published at once.
        BoundedSpscQueue<GuiOutboundEvent>::Writer writer(output_);
        // One message of `Count` words at p (Count a constant, so each size has its own code).
        auto take = [&](const uint8_t* p, auto countConstant) noexcept {
            constexpr uint32_t kCount = decltype(countConstant)::value;
            const uint32_t first = aapxs_codec_load_word(p);
            if ((first >> 28) == 0x0u)
                return;  // utility (NOOP, timestamps): meaningless at display rate
            if (kCount == 4 && (first >> 28) == 0x5u) {
                const uint32_t second = aapxs_codec_load_word(p + 4);
                if (aapxs_parameter_sysex8_is(first, second)) {
                    const int32_t index = indexOf(static_cast<int32_t>(aapxs_codec_load_word(p + 8) & 0xFFFFu));
                    if (index >= 0)
                        publishAt(static_cast<size_t>(index), fromTransport(parameters_[static_cast<size_t>(index)],
                                                                            aapxs_codec_load_word(p + 12)));
                    return;
                }
            }
            GuiOutboundEvent* event = writer.next();
            if (event == nullptr) {
                lost++;
                return;
            }
            event->cycle = cycle;
            event->wordCount = kCount;
            uint32_t words[4] = {};
            std::memcpy(words, p, kCount * 4u);
            std::memcpy(event->words, words, sizeof(words));
        };
        // The offset advances by a constant in each branch: the next message's load does not wait
        // for this one's size to be decoded (the branch is predicted), so messages overlap.
        for (size_t offset = 0; offset + 4 <= length;) {
            const uint8_t* p = data + offset;
            const uint32_t count = aapxs_ump_message_words(aapxs_codec_load_word(p));
            if (offset + count * 4u > length)
                break;  // a message cut off by the end of the data ends it
            if (count == 2) {
                take(p, std::integral_constant<uint32_t, 2>{});
                offset += 8;
            } else if (count == 1) {
                take(p, std::integral_constant<uint32_t, 1>{});
                offset += 4;
            } else if (count == 4) {
                take(p, std::integral_constant<uint32_t, 4>{});
                offset += 16;
            } else {
                take(p, std::integral_constant<uint32_t, 3>{});
                offset += 12;
            }
        }
    }
    if (lost != 0) {
        outputOverflows_.fetch_add(lost, std::memory_order_relaxed);
        lostSinceResync_.fetch_add(lost, std::memory_order_relaxed);
        resync_.store(true, std::memory_order_release);
    }
}

namespace {

// Eight running maxima of |sample| (the compiler keeps them in two vector registers); NaN never wins.
inline void peakStep8(float* lanes, const float* samples) noexcept {
    for (int lane = 0; lane < 8; lane++) {
        const float a = std::fabs(samples[lane]);
        lanes[lane] = a > lanes[lane] ? a : lanes[lane];
    }
}

} // namespace

void GuiPath::publishLevel(size_t slot, const float* samples, int32_t frames) noexcept {
    if (slot >= levelPorts_.size() || samples == nullptr || frames <= 0)
        return;
    // Four independent sets of eight maxima (eight vector registers), so that each maximum's
    // latency overlaps the others' instead of every step waiting for the previous one.
    float a[8] = {}, b[8] = {}, c[8] = {}, d[8] = {};
    int32_t i = 0;
    for (; i + 32 <= frames; i += 32) {
        peakStep8(a, samples + i);
        peakStep8(b, samples + i + 8);
        peakStep8(c, samples + i + 16);
        peakStep8(d, samples + i + 24);
    }
    for (; i < frames; i++) {
        const float x = std::fabs(samples[i]);
        a[0] = x > a[0] ? x : a[0];
    }
    // A tree, not a chain: 32 maxima one after the other would cost more than the loop.
    for (int lane = 0; lane < 8; lane++) {
        a[lane] = b[lane] > a[lane] ? b[lane] : a[lane];
        c[lane] = d[lane] > c[lane] ? d[lane] : c[lane];
        a[lane] = c[lane] > a[lane] ? c[lane] : a[lane];
    }
    for (int lane = 0; lane < 4; lane++)
        a[lane] = a[lane + 4] > a[lane] ? a[lane + 4] : a[lane];
    a[0] = a[2] > a[0] ? a[2] : a[0];
    a[1] = a[3] > a[1] ? a[3] : a[1];
    const float peak = a[1] > a[0] ? a[1] : a[0];
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
