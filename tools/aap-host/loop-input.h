#pragma once
// LoopInputProcessor: `aap-host gui --input/--midi` - feeds a WAV's samples and a MIDI file's
// channel messages into another AudioProcessor (the PlayEngine) in a loop, as if they came from
// the backend's inputs.
//
// The MIDI events are sorted by frame once, in setInputs(); each period then only advances a
// cursor over the events of its own frames (wrapping with the loop), so a period's cost is its
// frames plus its events, however long the file. Audio wraps per channel at its own length
// within the loop (a WAV shorter than the MIDI file repeats).
//
// Threads: setInputs() is [main-thread], before the backend starts; process() is the backend's
// [audio-thread]: no allocation, lock or system call (tests/tools/loop-input-realtime-test.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "audio-backend.h"

namespace aap::host_tool {

struct LoopMidiEvent {
    uint64_t frame = 0;      // from the start of the loop
    MidiInputEvent event;    // its frame field is ignored (set per period)
};

class LoopInputProcessor final : public AudioProcessor {
public:
    explicit LoopInputProcessor(AudioProcessor& inner) noexcept : inner_(inner) {}

    // [main-thread] `audio`: one vector per channel (each at least one sample); `midi` in any
    // order (sorted here, stably: events of one frame keep their order); `loopFrames` >= 1 (events
    // at or after it are refused); `maxFrames`: the longest period the backend will ask for
    // (a longer one is passed through unfed). Nothing given: process() just passes through.
    // False with *error when an argument is out of range.
    bool setInputs(std::vector<std::vector<float>> audio, std::vector<LoopMidiEvent> midi, uint64_t loopFrames,
                   int32_t maxFrames, std::string* error);

    void process(const AudioCycle& cycle) noexcept override;

    // [thread-safe after stop] Where the loop is, for tests: the next frame and the cursor.
    uint64_t position() const noexcept { return position_; }
    size_t cursor() const noexcept { return cursor_; }

private:
    AudioProcessor& inner_;
    std::vector<std::vector<float>> audio_;
    std::vector<std::vector<float>> scratch_;
    std::vector<const float*> pointers_;
    std::vector<LoopMidiEvent> midiLoop_;    // sorted by frame
    std::vector<MidiInputEvent> midi_;       // this period's events (kMaxMidiEvents)
    uint32_t scratchFrames_ = 0;
    uint64_t loopFrames_ = 1;
    uint64_t position_ = 0;  // in [0, loopFrames_)
    size_t cursor_ = 0;      // the first event at or after position_
};

} // namespace aap::host_tool
