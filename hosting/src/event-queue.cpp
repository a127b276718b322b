#include "aap/hosting/event-queue.h"

#include <cstring>
#include <new>

#include "aapxs/midi2-buffer.h"

namespace aap {

HostingStatus EventQueue::reserve(size_t maxEvents, size_t capacityBytes) {
    if (maxEvents == 0 || capacityBytes == 0)
        return HostingStatus::InvalidArgument;
    std::unique_ptr<Event[]> events{new (std::nothrow) Event[maxEvents]};
    if (!events)
        return HostingStatus::ResourceFailed;
    events_ = std::move(events);
    maxEvents_ = maxEvents;
    capacityBytes_ = capacityBytes;
    clear();
    return HostingStatus::Ok;
}

uint32_t EventQueue::timestampWord(int32_t frame, int32_t sampleRate) noexcept {
    if (frame <= 0 || sampleRate <= 0)
        return 0x00200000u;
    uint64_t ticks = static_cast<uint64_t>(frame) * 31250u / static_cast<uint64_t>(sampleRate);
    if (ticks > 0xFFFFu)
        ticks = 0xFFFFu;
    return 0x00200000u | static_cast<uint32_t>(ticks);
}

namespace {

// frame * 31250 / sampleRate rounded down (the JR Timestamp's ticks), exactly, with a multiply and
// a shift instead of a division: multiplier = ceil(2^37 * 31250 / rate). For frame < 2^17 the
// product overshoots the true quotient by less than frame / 2^37 < 2^-20 <= 1 / rate, while a
// quotient that is not whole is at least 1 / rate below the next integer: the floor is exact.
// Rates outside [1024, 2^20] and longer offsets take the division.
class TickScale {
public:
    explicit TickScale(int32_t sampleRate) noexcept
        : rate_(sampleRate),
          multiplier_(sampleRate >= kMinRate && sampleRate <= kMaxRate
                          ? ((uint64_t{31250} << kShift) + static_cast<uint64_t>(sampleRate) - 1) /
                                static_cast<uint64_t>(sampleRate)
                          : 0) {}
    uint32_t word(int32_t frame) const noexcept {
        if (frame <= 0 || rate_ <= 0)
            return 0x00200000u;
        uint64_t ticks = multiplier_ != 0 && frame < kMaxFastFrame
            ? (static_cast<uint64_t>(frame) * multiplier_) >> kShift
            : static_cast<uint64_t>(frame) * 31250u / static_cast<uint64_t>(rate_);
        if (ticks > 0xFFFFu)
            ticks = 0xFFFFu;
        return 0x00200000u | static_cast<uint32_t>(ticks);
    }

private:
    static constexpr unsigned kShift = 37;
    static constexpr int32_t kMinRate = 1024;
    static constexpr int32_t kMaxRate = 1 << 20;
    static constexpr int32_t kMaxFastFrame = 1 << 17;
    int32_t rate_;
    uint64_t multiplier_;
};

} // namespace

size_t EventQueue::writeMerged(EventQueue* const* queues, size_t count, int32_t frames, int32_t sampleRate,
                               void* buffer, size_t capacity) noexcept {
    constexpr size_t kMaxQueues = 8;
    if (queues == nullptr || count == 0 || count > kMaxQueues || buffer == nullptr)
        return 0;
    // The header is read and checked once; the words go straight after the buffer's data and the
    // length is written once at the end.
    size_t length = 0;
    if (aapxs_midi2_buffer_get_length(buffer, capacity, &length) != AAPXS_CODEC_OK)
        return 0;
    uint8_t* const data = aapxs_midi2_buffer_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE;
    const size_t limit = capacity - AAPXS_MIDI2_BUFFER_HEADER_SIZE;
    size_t end = length;
    const TickScale scale(sampleRate);
    size_t next[kMaxQueues] = {};
    size_t written = 0;
    int32_t previousFrame = 0;
    const int32_t lastFrame = frames > 0 ? frames - 1 : 0;
    if (count == 1 && queues[0] != nullptr) {
        // One queue (the host's, the GUI's events merged into it): nothing to choose between, the
        // position and the frame stay in registers.
        const Event* const events = queues[0]->events_.get();
        const size_t queued = queues[0]->count_;
        size_t i = 0;
        for (; i < queued; i++) {
            const Event& event = events[i];
            const int32_t frame = event.frame > lastFrame ? lastFrame : event.frame;
            const bool stamp = frame != previousFrame;
            const size_t bytes = (event.wordCount + (stamp ? 1u : 0u)) * 4u;
            if (bytes > limit - end)
                break;  // what is left stays queued for the next cycle
            if (stamp) {
                aapxs_codec_store_word(data + end, scale.word(frame));
                end += 4;
                previousFrame = frame;
            }
            if (limit - end >= 16) {
                std::memcpy(data + end, event.words, 16);  // the unused words are zero, past the data
            } else {
                for (uint32_t w = 0; w < event.wordCount; w++)
                    aapxs_codec_store_word(data + end + w * 4u, event.words[w]);
            }
            end += event.wordCount * 4u;
        }
        next[0] = i;
        written = i;
    }
    while (count > 1) {
        // The earliest pending event; ties go to the earlier queue (strict < below).
        size_t chosen = count;
        int32_t chosenFrame = 0;
        for (size_t q = 0; q < count; q++) {
            EventQueue* queue = queues[q];
            if (queue == nullptr || next[q] >= queue->count_)
                continue;
            int32_t frame = queue->events_[next[q]].frame;
            if (frame > lastFrame)
                frame = lastFrame;
            if (chosen == count || frame < chosenFrame) {
                chosen = q;
                chosenFrame = frame;
            }
        }
        if (chosen == count)
            break;
        const Event& event = queues[chosen]->events_[next[chosen]];
        const bool stamp = chosenFrame != previousFrame;
        const size_t bytes = (event.wordCount + (stamp ? 1u : 0u)) * 4u;
        if (bytes > limit - end)
            break;  // what is left stays queued for the next cycle
        if (stamp) {
            aapxs_codec_store_word(data + end, scale.word(chosenFrame));
            end += 4;
            previousFrame = chosenFrame;
        }
        for (uint32_t i = 0; i < event.wordCount; i++)
            aapxs_codec_store_word(data + end + i * 4u, event.words[i]);
        end += event.wordCount * 4u;
        next[chosen]++;
        written++;
    }
    if (end != length)
        aapxs_midi2_buffer_set_length(buffer, capacity, end);
    // Drop what was written; keep the rest, in order, at the front of each queue.
    for (size_t q = 0; q < count; q++) {
        EventQueue* queue = queues[q];
        if (queue == nullptr || next[q] == 0)
            continue;
        const size_t left = queue->count_ - next[q];
        size_t bytes = 0;
        for (size_t i = 0; i < left; i++) {
            queue->events_[i] = queue->events_[next[q] + i];
            bytes += (queue->events_[i].wordCount + 1) * 4;
        }
        queue->count_ = left;
        queue->bytes_ = bytes;
    }
    return written;
}

} // namespace aap
