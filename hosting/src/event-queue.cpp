#include "aap/hosting/event-queue.h"

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

HostingStatus EventQueue::add(int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    if (!events_)
        return HostingStatus::InvalidState;
    if (words == nullptr || wordCount == 0 || wordCount != aapxs_ump_message_words(words[0]) || frame < 0 ||
        frame >= maxFrame_)
        return HostingStatus::InvalidArgument;
    const size_t cost = (wordCount + 1) * 4;  // the event and, at most, its timestamp
    if (count_ == maxEvents_ || bytes_ + cost > capacityBytes_)
        return HostingStatus::CapacityExceeded;
    // Stable insertion: after every queued event at the same or an earlier frame.
    size_t position = count_;
    while (position > 0 && events_[position - 1].frame > frame) {
        events_[position] = events_[position - 1];
        position--;
    }
    Event& event = events_[position];
    event.frame = frame;
    event.wordCount = static_cast<uint32_t>(wordCount);
    for (size_t i = 0; i < 4; i++)
        event.words[i] = i < wordCount ? words[i] : 0u;
    count_++;
    bytes_ += cost;
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

size_t EventQueue::writeMerged(EventQueue* const* queues, size_t count, int32_t frames, int32_t sampleRate,
                               void* buffer, size_t capacity) noexcept {
    constexpr size_t kMaxQueues = 8;
    if (queues == nullptr || count == 0 || count > kMaxQueues || buffer == nullptr)
        return 0;
    size_t next[kMaxQueues] = {};
    size_t written = 0;
    int32_t previousFrame = 0;
    const int32_t lastFrame = frames > 0 ? frames - 1 : 0;
    bool full = false;
    for (;;) {
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
        if (chosen == count || full)
            break;
        const Event& event = queues[chosen]->events_[next[chosen]];
        size_t available = 0;
        if (aapxs_midi2_buffer_available_bytes(buffer, capacity, &available) != AAPXS_CODEC_OK)
            break;
        const bool stamp = chosenFrame != previousFrame;
        if ((event.wordCount + (stamp ? 1u : 0u)) * 4u > available) {
            full = true;  // what is left stays queued for the next cycle
            break;
        }
        if (stamp) {
            const uint32_t word = timestampWord(chosenFrame, sampleRate);
            aapxs_midi2_buffer_append_ump(buffer, capacity, &word, 1);
            previousFrame = chosenFrame;
        }
        aapxs_midi2_buffer_append_ump(buffer, capacity, event.words, event.wordCount);
        next[chosen]++;
        written++;
    }
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
