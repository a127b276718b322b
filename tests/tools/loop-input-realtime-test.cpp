// `aap-host gui --input/--midi`'s loop (LoopInputProcessor, tools/aap-host/loop-input.h): the
// events reach the engine at the right frames across period boundaries and loop wraps, in file
// order within a frame; the audio wraps per channel; and the loop body makes no heap operation
// and no blocking call (aap::rt-guard) on its audio thread.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aap/runtime/realtime-guard.h"
#include "audio-backend.h"
#include "loop-input.h"

namespace aap::host_tool {
namespace {

// What the engine would get: every fed event and input sample by absolute frame, in preallocated
// storage (so the recorder itself is realtime-safe).
class Recorder final : public AudioProcessor {
public:
    explicit Recorder(size_t capacity) : events(capacity), samples(capacity) {}
    void process(const AudioCycle& cycle) noexcept override {
        for (uint32_t e = 0; e < cycle.midiCount && eventCount < events.size(); e++)
            events[eventCount++] = {periodStart + cycle.midi[e].frame, cycle.midi[e].data[1]};
        dropped += cycle.midiDropped;
        for (uint32_t f = 0; f < cycle.frames && periodStart + f < samples.size(); f++)
            samples[periodStart + f] = cycle.inputCount > 0 ? cycle.inputs[0][f] : -1.0f;
        periodStart += cycle.frames;
        periods++;
    }
    struct Event {
        uint64_t frame;
        uint8_t note;
    };
    std::vector<Event> events;
    size_t eventCount = 0;
    std::vector<float> samples;
    uint64_t periodStart = 0;
    uint64_t periods = 0;
    uint64_t dropped = 0;
};

LoopMidiEvent noteAt(uint64_t frame, uint8_t note) {
    LoopMidiEvent event;
    event.frame = frame;
    event.event.size = 3;
    event.event.data[0] = 0x90;
    event.event.data[1] = note;
    event.event.data[2] = 100;
    return event;
}

void runPeriods(LoopInputProcessor& loop, uint32_t frames, int periods) {
    std::vector<float> out(frames);
    float* outputs[1] = {out.data()};
    AudioCycle cycle;
    cycle.frames = frames;
    cycle.outputs = outputs;
    cycle.outputCount = 1;
    for (int p = 0; p < periods; p++)
        loop.process(cycle);
}

// Events given out of order land at loop * 1000 + frame, in every loop, in file order within one
// frame; a period that spans the wrap gets the end of one loop and the start of the next.
TEST(LoopInput, EventsLandAtTheirFramesAcrossPeriodsAndWraps) {
    Recorder recorder{4096};
    LoopInputProcessor loop{recorder};
    std::vector<std::vector<float>> audio(1, std::vector<float>(300));
    for (size_t i = 0; i < 300; i++)
        audio[0][i] = static_cast<float>(i);
    std::string error;
    ASSERT_TRUE(loop.setInputs(audio, {noteAt(999, 5), noteAt(10, 2), noteAt(0, 1), noteAt(10, 3), noteAt(500, 4)},
                               1000, 256, &error))
        << error;
    runPeriods(loop, 256, 12);  // 3072 frames: three loops and a bit
    const uint8_t notes[5] = {1, 2, 3, 4, 5};
    const uint64_t frames[5] = {0, 10, 10, 500, 999};
    ASSERT_EQ(recorder.eventCount, 18u);  // 5 per loop, and frames 0, 10, 10 of the fourth
    for (size_t i = 0; i < recorder.eventCount; i++) {
        EXPECT_EQ(recorder.events[i].frame, (i / 5) * 1000 + frames[i % 5]) << i;
        EXPECT_EQ(recorder.events[i].note, notes[i % 5]) << i;
    }
    for (uint64_t t = 0; t < 3072; t++)
        ASSERT_EQ(recorder.samples[t], static_cast<float>((t % 1000) % 300)) << t;
    EXPECT_EQ(loop.position(), 72u);
    EXPECT_EQ(loop.cursor(), 3u);
    EXPECT_EQ(recorder.dropped, 0u);
}

// A loop shorter than a period wraps several times within it; more events than a period can
// carry are counted as dropped.
TEST(LoopInput, ShortLoopsWrapWithinAPeriodAndExcessEventsAreCounted) {
    Recorder recorder{8192};
    LoopInputProcessor loop{recorder};
    std::string error;
    ASSERT_TRUE(loop.setInputs({}, {noteAt(0, 7), noteAt(2, 8)}, 3, 64, &error)) << error;
    runPeriods(loop, 8, 1);
    ASSERT_EQ(recorder.eventCount, 5u);  // frames 0..7 of a 3-frame loop with events at 0 and 2
    const uint64_t expected[5] = {0, 2, 3, 5, 6};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_EQ(recorder.events[i].frame, expected[i]);
        EXPECT_EQ(recorder.events[i].note, i % 2 == 0 ? 7 : 8);
    }
    Recorder many{8192};
    LoopInputProcessor dense{many};
    std::vector<LoopMidiEvent> events;
    for (int i = 0; i < 600; i++)
        events.push_back(noteAt(0, static_cast<uint8_t>(i & 0x7F)));
    ASSERT_TRUE(dense.setInputs({}, events, 1000, 256, &error)) << error;
    runPeriods(dense, 256, 1);
    EXPECT_EQ(many.eventCount, AudioCycle::kMaxMidiEvents);
    EXPECT_EQ(many.dropped, 600u - AudioCycle::kMaxMidiEvents);
}

// A period longer than the prepared one is passed through unfed; the loop does not move.
TEST(LoopInput, APeriodLongerThanPreparedIsNotFed) {
    Recorder recorder{4096};
    LoopInputProcessor loop{recorder};
    std::string error;
    ASSERT_TRUE(loop.setInputs({std::vector<float>(10, 0.5f)}, {noteAt(0, 1)}, 100, 64, &error)) << error;
    runPeriods(loop, 128, 1);
    EXPECT_EQ(recorder.eventCount, 0u);
    EXPECT_EQ(recorder.samples[0], -1.0f);  // the backend's (absent) inputs, not the loop's
    EXPECT_EQ(loop.position(), 0u);
}

TEST(LoopInput, BadInputsAreRefusedWithAReason) {
    Recorder recorder{16};
    LoopInputProcessor loop{recorder};
    std::string error;
    EXPECT_FALSE(loop.setInputs({}, {noteAt(100, 1)}, 100, 64, &error));
    EXPECT_NE(error.find("past the loop's 100 frames"), std::string::npos) << error;
    EXPECT_FALSE(loop.setInputs({std::vector<float>()}, {}, 100, 64, &error));
    EXPECT_NE(error.find("no samples"), std::string::npos) << error;
    EXPECT_FALSE(loop.setInputs({}, {noteAt(0, 1)}, 0, 64, &error));
    EXPECT_NE(error.find("at least one frame long"), std::string::npos) << error;
    EXPECT_FALSE(loop.setInputs({}, {}, 100, 0, &error));
    EXPECT_NE(error.find("longest period"), std::string::npos) << error;
}

// The loop body under aap::rt-guard: thousands of periods over a file of many events, audio
// and MIDI, wrapping many times: no heap operation, no blocking call.
TEST(LoopInput, TheLoopBodyAllocatesNothingAndNeverBlocks) {
    Recorder recorder{1u << 20};
    LoopInputProcessor loop{recorder};
    std::vector<LoopMidiEvent> events;
    for (uint64_t i = 0; i < 20000; i++)
        events.push_back(noteAt((i * 7919) % 48000, static_cast<uint8_t>(i & 0x7F)));
    std::vector<std::vector<float>> audio(2, std::vector<float>(12345, 0.25f));
    std::string error;
    ASSERT_TRUE(loop.setInputs(audio, events, 48000, 256, &error)) << error;
    std::vector<float> out(256);
    float* outputs[1] = {out.data()};
    AudioCycle cycle;
    cycle.frames = 256;
    cycle.outputs = outputs;
    cycle.outputCount = 1;
    RealtimeTotals totals;
    for (int p = 0; p < 4000; p++) {  // 1 024 000 frames: over 21 loops
        RealtimeGuard guard;
        loop.process(cycle);
        totals.add(guard);
    }
    EXPECT_GT(recorder.eventCount, 400000u) << "the events did not reach the engine";
    EXPECT_EQ(totals.heapOperations, 0u) << "mechanism: " << RealtimeGuard::mechanism();
    EXPECT_EQ(totals.blockingCalls, 0u) << "first violation: " << totals.firstViolation;
}

} // namespace
} // namespace aap::host_tool
