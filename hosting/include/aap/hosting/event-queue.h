#pragma once
// aap::EventQueue: the events one source (the host's sequencer, later a GUI) gives a plugin for
// the next cycle, as whole UMP messages at frame offsets. PluginInstance::events() is the host's
// queue; docs/hosting.md section "The cycle contract for events" says how queues reach a plugin.
//
// - add() keeps the queue in frame order; events at the same frame stay in the order they were
//   added. It never allocates, locks or blocks ([audio-thread]); a full queue fails at once with
//   CapacityExceeded (the space the runtime needs for AAPXS traffic is never given to events).
// - writeMerged() writes several queues into one MIDI2 buffer in frame order (at equal frames the
//   earlier queue in the list wins, then add order), each event preceded by a UMP JR Timestamp
//   when its frame differs from the previous event's, and empties the queues: an event is written
//   exactly once.
//
// JR Timestamps (UMP message type 0, status 2, group 0) carry the event's offset from the start
// of the cycle in MIDI 2.0 ticks of 1/31250 s (frame * 31250 / sampleRate, rounded down). Events
// at frame 0 carry none. Plugins that ignore timestamps see every event at the start of the cycle.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "aap/hosting/status.h"
#include "aapxs/ump.h"

namespace aap {

class EventQueue {
public:
    struct Event {
        int32_t frame = 0;
        uint32_t wordCount = 0;
        uint32_t words[4] = {};
    };

    EventQueue() = default;
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    // [main-thread] Allocates room for up to maxEvents events that, written out with their
    // timestamps, take at most capacityBytes bytes of UMP. Empties the queue. InvalidArgument when
    // either is 0; ResourceFailed when memory is short.
    HostingStatus reserve(size_t maxEvents, size_t capacityBytes);

    // [audio-thread] Adds one whole UMP message (wordCount must be its type's size: 1, 2 or 4
    // words) at `frame` (0 <= frame < maxFrame, where maxFrame is set by setMaxFrame; the owner
    // sets it to the prepared frames). Errors: InvalidArgument (null words, wrong size, frame out
    // of range), CapacityExceeded (no room left: nothing was added), InvalidState (not reserved).
    HostingStatus add(int32_t frame, const uint32_t* words, size_t wordCount) noexcept;
    // [audio-thread] add() for a message held in four words, the unused ones zero (as
    // EventQueue::Event and GuiInboundEvent hold them): the same checks and errors, the four
    // words copied without looking at wordCount.
    HostingStatus addPadded(int32_t frame, const uint32_t (&words)[4], size_t wordCount) noexcept;

    // [audio-thread] A run of addPadded() calls with the queue's counters held in locals (a loop
    // keeps them in registers instead of reading back what the previous add stored): the same
    // checks, errors and order as add(). The queue is updated by finish() (or the destructor);
    // use no other member of the queue while an Appender is alive.
    class Appender {
    public:
        explicit Appender(EventQueue& queue) noexcept
            : queue_(queue), events_(queue.events_.get()), count_(queue.count_), bytes_(queue.bytes_),
              lastFrame_(queue.count_ > 0 ? queue.events_[queue.count_ - 1].frame : INT32_MIN) {}
        Appender(const Appender&) = delete;
        Appender& operator=(const Appender&) = delete;
        ~Appender() { finish(); }
        HostingStatus addPadded(int32_t frame, const uint32_t (&words)[4], size_t wordCount) noexcept {
            if (events_ == nullptr)
                return HostingStatus::InvalidState;
            if (wordCount == 0 || wordCount != aapxs_ump_message_words(words[0]) || frame < 0 ||
                frame >= queue_.maxFrame_)
                return HostingStatus::InvalidArgument;
            const size_t cost = (wordCount + 1) * 4;  // the event and, at most, its timestamp
            if (count_ == queue_.maxEvents_ || bytes_ + cost > queue_.capacityBytes_)
                return HostingStatus::CapacityExceeded;
            size_t position = count_;
            if (frame < lastFrame_) {
                // Stable insertion: after every queued event at the same or an earlier frame.
                while (position > 0 && events_[position - 1].frame > frame) {
                    events_[position] = events_[position - 1];
                    position--;
                }
            } else {
                lastFrame_ = frame;
            }
            Event& event = events_[position];
            event.frame = frame;
            event.wordCount = static_cast<uint32_t>(wordCount);
            for (size_t i = 0; i < 4; i++)
                event.words[i] = words[i];
            count_++;
            bytes_ += cost;
            return HostingStatus::Ok;
        }
        void finish() noexcept {
            queue_.count_ = count_;
            queue_.bytes_ = bytes_;
        }

    private:
        EventQueue& queue_;
        Event* const events_;
        size_t count_;
        size_t bytes_;
        int32_t lastFrame_;  // the frame of the last queued event (the latest), INT32_MIN when empty
    };

    // [audio-thread] Frames allowed by add() are 0..maxFrame-1.
    void setMaxFrame(int32_t maxFrame) noexcept { maxFrame_ = maxFrame; }

    size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    // Bytes the queued events take written out, timestamps included (an upper bound).
    size_t bytes() const noexcept { return bytes_; }
    size_t capacityBytes() const noexcept { return capacityBytes_; }
    const Event& at(size_t index) const noexcept { return events_[index]; }
    void clear() noexcept {
        count_ = 0;
        bytes_ = 0;
    }

    // [audio-thread] Appends the events of queues[0..count) to the MIDI2 buffer (header + UMP,
    // `capacity` bytes in all) after what it holds, merged as described at the top, and empties
    // every queue. Events at or after `frames` are written at the last frame of the cycle. Events
    // that do not fit the buffer stay queued (for the next cycle); returns the number written.
    static size_t writeMerged(EventQueue* const* queues, size_t count, int32_t frames, int32_t sampleRate,
                              void* buffer, size_t capacity) noexcept;

    // The JR Timestamp word for `frame` at `sampleRate`.
    static uint32_t timestampWord(int32_t frame, int32_t sampleRate) noexcept;

private:
    std::unique_ptr<Event[]> events_;
    size_t maxEvents_ = 0;
    size_t capacityBytes_ = 0;
    size_t count_ = 0;
    size_t bytes_ = 0;
    int32_t maxFrame_ = INT32_MAX;
};

// Inline: they run once per event on the audio thread (the GUI path's drain calls addPadded in a loop).
inline HostingStatus EventQueue::addPadded(int32_t frame, const uint32_t (&words)[4], size_t wordCount) noexcept {
    Appender appender(*this);
    return appender.addPadded(frame, words, wordCount);
}

inline HostingStatus EventQueue::add(int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    if (words == nullptr || wordCount == 0 || wordCount > 4)
        return events_ ? HostingStatus::InvalidArgument : HostingStatus::InvalidState;
    uint32_t padded[4] = {};
    for (size_t i = 0; i < wordCount; i++)
        padded[i] = words[i];
    return addPadded(frame, padded, wordCount);
}

} // namespace aap
