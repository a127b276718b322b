// The GUI <-> DSP path (aap::GuiPath) and GUI sessions (aap::GuiSessions) without a plugin: the
// merge of GUI events into the host's events (order, ties, budget, overflow), the automation
// record, the DSP -> GUI copy-out (coalescing, discrete events, resync with a full snapshot),
// tokens, the lifecycle with its deadlines, and malformed input. The threads: many GUI producers,
// an audio thread and the display thread at once (run under TSan in CI).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "aap/hosting/gui-path.h"
#include "aap/hosting/gui-sessions.h"
#include "aapxs/midi2-buffer.h"
#include "aapxs/parameter-sysex8.h"
#include "gui-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;

std::vector<GuiPathParameter> twoParameters() {
    return {GuiPathParameter{7, 0.0, 2.0, 1.0}, GuiPathParameter{9, -1.0, 1.0, 0.0}};
}

struct Written {
    int32_t frame;
    std::vector<uint32_t> words;
};

// Writes the queue into a MIDI2 buffer the way a cycle does and reads it back (frames from the
// JR Timestamps).
std::vector<Written> writeCycle(EventQueue& queue) {
    std::vector<uint8_t> buffer(8192, 0);
    aapxs_midi2_buffer_clear(buffer.data(), buffer.size());
    EventQueue* queues[1] = {&queue};
    EventQueue::writeMerged(queues, 1, kFrames, kRate, buffer.data(), buffer.size());
    std::vector<Written> out;
    aapxs_ump_iterator_t it;
    EXPECT_EQ(aapxs_midi2_buffer_iterator_init(&it, buffer.data(), buffer.size()), AAPXS_CODEC_OK);
    aapxs_ump_t ump;
    int32_t frame = 0;
    while (aapxs_ump_iterator_next(&it, &ump)) {
        if ((ump.words[0] & 0xFFF00000u) == 0x00200000u) {
            frame = static_cast<int32_t>((ump.words[0] & 0xFFFFu) * static_cast<uint64_t>(kRate) / 31250u);
            continue;
        }
        out.push_back(Written{frame, std::vector<uint32_t>(ump.words, ump.words + ump.word_count)});
    }
    return out;
}

uint32_t noteOn(uint8_t note) { return 0x40900000u | (static_cast<uint32_t>(note) << 8); }

TEST(GuiPath, GuiEventsMergeInFrameOrderAndTheHostWinsTies) {
    GuiPath path{twoParameters(), {}};
    EventQueue host;
    ASSERT_EQ(host.reserve(64, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    // GUI pushes first (before the cycle), the host adds its events for the cycle, then the cycle
    // drains: GUI events at the same frame as the host's still come after them.
    const uint32_t gui100[2] = {noteOn(1), 0};
    const uint32_t gui0[2] = {noteOn(2), 0};
    const uint32_t gui50[2] = {noteOn(3), 0};
    ASSERT_EQ(path.push(1, 100, gui100, 2), HostingStatus::Ok);
    ASSERT_EQ(path.push(2, 0, gui0, 2), HostingStatus::Ok);
    ASSERT_EQ(path.push(1, 50, gui50, 2), HostingStatus::Ok);
    const uint32_t host50[2] = {noteOn(10), 0};
    const uint32_t host0[2] = {noteOn(11), 0};
    ASSERT_EQ(host.add(50, host50, 2), HostingStatus::Ok);
    ASSERT_EQ(host.add(0, host0, 2), HostingStatus::Ok);
    EXPECT_EQ(path.drainInto(host, kFrames), 3u);
    const auto written = writeCycle(host);
    ASSERT_EQ(written.size(), 5u);
    const uint32_t expected[5] = {noteOn(11), noteOn(2), noteOn(10), noteOn(3), noteOn(1)};
    const int32_t expectedFrames[5] = {0, 0, 50, 50, 100};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_EQ(written[i].words[0], expected[i]) << "event " << i;
        // Frames survive the JR Timestamp round trip within one tick of 1/31250 s.
        EXPECT_NEAR(written[i].frame, expectedFrames[i], 2) << "event " << i;
    }
    EXPECT_EQ(path.delivered(), 3u);
}

TEST(GuiPath, AFrameBeyondTheCycleLandsAtItsLastFrame) {
    GuiPath path{{}, {}};
    EventQueue host;
    ASSERT_EQ(host.reserve(8, 1024), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    const uint32_t event[2] = {noteOn(1), 0};
    ASSERT_EQ(path.push(1, 100000, event, 2), HostingStatus::Ok);
    EXPECT_EQ(path.drainInto(host, 64), 1u);
    ASSERT_EQ(host.size(), 1u);
    EXPECT_EQ(host.at(0).frame, 63);
}

TEST(GuiPath, TheBudgetBoundsEachCycleAndTheRestFollowsInOrder) {
    GuiPathOptions options;
    options.budgetPerCycle = 4;
    GuiPath path{{}, {}, options};
    EventQueue host;
    ASSERT_EQ(host.reserve(64, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    for (uint8_t i = 0; i < 10; i++) {
        const uint32_t event[2] = {noteOn(i), 0};
        ASSERT_EQ(path.push(1, 0, event, 2), HostingStatus::Ok);
    }
    std::vector<uint32_t> seen;
    for (int cycle = 0; cycle < 3; cycle++) {
        const uint32_t hostEvent[2] = {noteOn(100), 0};
        ASSERT_EQ(host.add(0, hostEvent, 2), HostingStatus::Ok);  // the host always gets its event in
        const size_t moved = path.drainInto(host, kFrames);
        EXPECT_EQ(moved, cycle < 2 ? 4u : 2u) << "cycle " << cycle;
        const auto written = writeCycle(host);
        ASSERT_EQ(written.size(), moved + 1);
        EXPECT_EQ(written[0].words[0], noteOn(100));
        for (size_t i = 1; i < written.size(); i++)
            seen.push_back(written[i].words[0]);
    }
    ASSERT_EQ(seen.size(), 10u);
    for (uint8_t i = 0; i < 10; i++)
        EXPECT_EQ(seen[i], noteOn(i));
    EXPECT_EQ(path.deferredCycles(), 2u);
}

TEST(GuiPath, AFullHostQueueKeepsTheGuiEventForTheNextCycle) {
    GuiPath path{{}, {}};
    EventQueue host;
    ASSERT_EQ(host.reserve(2, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    const uint32_t a[2] = {noteOn(1), 0};
    const uint32_t b[2] = {noteOn(2), 0};
    ASSERT_EQ(path.push(1, 0, a, 2), HostingStatus::Ok);
    ASSERT_EQ(path.push(1, 0, b, 2), HostingStatus::Ok);
    ASSERT_EQ(host.add(0, a, 2), HostingStatus::Ok);
    EXPECT_EQ(path.drainInto(host, kFrames), 1u);  // one slot left
    EXPECT_EQ(writeCycle(host).size(), 2u);
    EXPECT_EQ(path.drainInto(host, kFrames), 1u);  // the held-back event, first
    const auto next = writeCycle(host);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].words[0], noteOn(2));
    EXPECT_EQ(path.deferredCycles(), 1u);
}

// With appliedCapacity, every GUI event that reaches the host's queue is recorded with the cycle
// it was drained in and its frame, in order; a full record ring loses records (counted), never
// events; without it nothing is recorded.
TEST(GuiPath, AppliedEventsAreRecordedWithTheirCycleAndFrame) {
    GuiPathOptions options;
    options.appliedCapacity = 4;
    options.budgetPerCycle = 3;
    GuiPath path{twoParameters(), {}, options};
    EventQueue host;
    ASSERT_EQ(host.reserve(64, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    for (uint8_t i = 0; i < 4; i++) {
        const uint32_t event[2] = {noteOn(i), 0};
        ASSERT_EQ(path.push(10u + i, i * 100, event, 2), HostingStatus::Ok);  // frame 300 is clamped
    }
    EXPECT_EQ(path.drainInto(host, kFrames), 3u);
    writeCycle(host);
    path.endCycle();
    EXPECT_EQ(path.drainInto(host, kFrames), 1u);
    writeCycle(host);
    path.endCycle();
    GuiAppliedEvent applied;
    for (uint8_t i = 0; i < 4; i++) {
        ASSERT_TRUE(path.popApplied(&applied)) << int{i};
        EXPECT_EQ(applied.cycle, i < 3 ? 0u : 1u);
        EXPECT_EQ(applied.frame, std::min<int32_t>(i * 100, kFrames - 1));
        EXPECT_EQ(applied.client, 10u + i);
        EXPECT_EQ(applied.wordCount, 2u);
        EXPECT_EQ(applied.words[0], noteOn(i));
    }
    EXPECT_FALSE(path.popApplied(&applied));
    EXPECT_FALSE(path.popApplied(nullptr));
    // Nobody reads: the ring (4) fills, the events still reach the host.
    for (uint8_t i = 0; i < 6; i++) {
        const uint32_t event[2] = {noteOn(i), 0};
        ASSERT_EQ(path.push(1, 0, event, 2), HostingStatus::Ok);
    }
    EXPECT_EQ(path.drainInto(host, kFrames), 3u);
    EXPECT_EQ(path.drainInto(host, kFrames), 3u);
    EXPECT_EQ(writeCycle(host).size(), 6u);
    EXPECT_EQ(path.appliedOverflows(), 2u);
    EXPECT_EQ(path.delivered(), 10u);
    // Without appliedCapacity: nothing recorded.
    GuiPath plain{{}, {}};
    const uint32_t event[2] = {noteOn(1), 0};
    ASSERT_EQ(plain.push(1, 0, event, 2), HostingStatus::Ok);
    EXPECT_EQ(plain.drainInto(host, kFrames), 1u);
    EXPECT_FALSE(plain.popApplied(&applied));
    EXPECT_EQ(plain.appliedOverflows(), 0u);
}

TEST(GuiPath, OverflowIsCountedAndNeverBlocks) {
    GuiPathOptions options;
    options.inboxCapacity = 8;
    GuiPath path{{}, {}, options};
    const uint32_t event[2] = {noteOn(1), 0};
    size_t accepted = 0;
    for (int i = 0; i < 20; i++)
        accepted += path.push(1, 0, event, 2) == HostingStatus::Ok;
    EXPECT_EQ(accepted, 8u);
    EXPECT_EQ(path.inboxOverflows(), 12u);
}

TEST(GuiPath, ForbiddenUmpAndBadFramesAreRefused) {
    GuiPath path{{}, {}};
    const uint32_t aapxs[4] = {0x501E007Eu, 0x7F000105u, 0x01000000u, 0x30000000u};
    EXPECT_EQ(path.push(1, 0, aapxs, 4), HostingStatus::InvalidArgument);
    const uint32_t event[2] = {noteOn(1), 0};
    EXPECT_EQ(path.push(1, -1, event, 2), HostingStatus::InvalidArgument);
    EXPECT_EQ(path.push(1, 0, event, 1), HostingStatus::InvalidArgument);
    EXPECT_EQ(path.push(1, 0, nullptr, 2), HostingStatus::InvalidArgument);
    EXPECT_EQ(path.inboxOverflows(), 0u);
}

TEST(GuiPath, GuiParameterChangesAndGesturesReachTheAutomationRecord) {
    GuiPath path{twoParameters(), {}};
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    uint32_t begin[4], change[4], end[4];
    writeParameterGesture(begin, true, 7);
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 7, GuiPath::toTransport(twoParameters()[0], 1.5));
    writeParameterGesture(end, false, 7);
    ASSERT_EQ(path.push(3, 0, begin, 4), HostingStatus::Ok);
    ASSERT_EQ(path.push(3, 10, change, 4), HostingStatus::Ok);
    ASSERT_EQ(path.push(3, 20, end, 4), HostingStatus::Ok);
    path.endCycle();
    path.endCycle();
    std::vector<std::pair<int32_t, double>> listened;
    auto listener = [](void* context, int32_t id, double value) {
        static_cast<std::vector<std::pair<int32_t, double>>*>(context)->emplace_back(id, value);
    };
    EXPECT_EQ(path.drainInto(host, kFrames, listener, &listened), 3u);
    GuiAutomationRecord record;
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.kind, GuiAutomationRecord::Kind::GestureBegin);
    EXPECT_EQ(record.parameterId, 7);
    EXPECT_EQ(record.client, 3u);
    EXPECT_EQ(record.cycle, 2u);
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.kind, GuiAutomationRecord::Kind::Change);
    EXPECT_EQ(record.frame, 10);
    EXPECT_NEAR(record.value, 1.5, 1e-6);
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.kind, GuiAutomationRecord::Kind::GestureEnd);
    EXPECT_FALSE(path.popAutomation(&record));
    ASSERT_EQ(listened.size(), 1u);
    EXPECT_EQ(listened[0].first, 7);
    EXPECT_NEAR(path.parameterValue(0), 1.5, 1e-6);
    // The gestures reach the plugin too (it may ignore them), in order.
    const auto written = writeCycle(host);
    ASSERT_EQ(written.size(), 3u);
    EXPECT_EQ(written[0].words[1], begin[1]);
    EXPECT_EQ(written[2].words[1], end[1]);
}

TEST(GuiPath, ParameterValuesAndLevelsCoalesceToTheLatest) {
    GuiPath path{twoParameters(), {0, 1}};
    uint64_t generation0 = 0, generation1 = 0;
    EXPECT_EQ(path.parameterValue(0, &generation0), 1.0);  // the default
    path.publishParameter(7, 0.25);
    path.publishParameter(7, 0.5);
    path.publishParameter(7, 0.5);  // same value: no new generation
    path.publishParameter(99, 3.0);  // unknown: ignored
    EXPECT_EQ(path.parameterValue(0, &generation1), 0.5);
    EXPECT_EQ(generation1, generation0 + 2);
    const float quiet[4] = {0.1f, -0.2f, 0.0f, 0.05f};
    const float loud[4] = {0.0f, -0.9f, 0.3f, 0.0f};
    path.publishLevel(1, quiet, 4);
    path.publishLevel(1, loud, 4);
    path.publishLevel(1, quiet, 4);
    path.publishLevel(5, loud, 4);  // no such slot
    EXPECT_FLOAT_EQ(path.takePeak(1), 0.9f);
    EXPECT_EQ(path.takePeak(1), 0.0f);
    EXPECT_EQ(path.takePeak(0), 0.0f);
}

// A MIDI2 output buffer holding `events` 2-word events and one parameter change.
std::vector<uint8_t> outputBuffer(int events, uint16_t parameterId, uint32_t transport) {
    std::vector<uint8_t> buffer(32 + 16 + 8 * static_cast<size_t>(events) + 64, 0);
    aapxs_midi2_buffer_clear(buffer.data(), buffer.size());
    for (int i = 0; i < events; i++) {
        const uint32_t words[2] = {noteOn(static_cast<uint8_t>(i)), 0x80000000u};
        EXPECT_EQ(aapxs_midi2_buffer_append_ump(buffer.data(), buffer.size(), words, 2), AAPXS_CODEC_OK);
    }
    uint32_t change[4];
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, parameterId, transport);
    EXPECT_EQ(aapxs_midi2_buffer_append_ump(buffer.data(), buffer.size(), change, 4), AAPXS_CODEC_OK);
    return buffer;
}

TEST(GuiPath, ThePluginOutputIsCopiedOutAndParameterReportsBecomeValues) {
    GuiPath path{twoParameters(), {}};
    const auto buffer = outputBuffer(3, 9, 0xFFFFFFFFu);
    path.publishMidiOutput(buffer.data(), buffer.size());
    EXPECT_EQ(path.parameterValue(1), 1.0);  // parameter 9's maximum
    GuiOutboundEvent event;
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(path.popOutput(&event));
        EXPECT_EQ(event.wordCount, 2u);
        EXPECT_EQ(event.words[0], noteOn(static_cast<uint8_t>(i)));
    }
    EXPECT_FALSE(path.popOutput(&event));  // the parameter change is a value, not an event
    EXPECT_FALSE(path.takeResync());
    // Garbage in the header is read as nothing.
    std::vector<uint8_t> garbage(64, 0xFF);
    path.publishMidiOutput(garbage.data(), garbage.size());
    EXPECT_FALSE(path.popOutput(&event));
}

TEST(GuiPath, DiscreteEventsAreNeverOverwrittenOverflowSetsResync) {
    GuiPathOptions options;
    options.outputCapacity = 4;
    GuiPath path{twoParameters(), {}, options};
    const auto buffer = outputBuffer(6, 7, 0);
    path.publishMidiOutput(buffer.data(), buffer.size());
    GuiOutboundEvent event;
    for (int i = 0; i < 4; i++) {
        ASSERT_TRUE(path.popOutput(&event));
        EXPECT_EQ(event.words[0], noteOn(static_cast<uint8_t>(i)));  // the oldest kept, not the newest
    }
    EXPECT_FALSE(path.popOutput(&event));
    uint64_t lost = 0;
    EXPECT_TRUE(path.takeResync(&lost));
    EXPECT_EQ(lost, 2u);
    EXPECT_EQ(path.outputOverflows(), 2u);
    EXPECT_FALSE(path.takeResync());
}

// ---- The audio thread's fast paths: each gives what the plain code gives ----

// Through writeMerged, the JR Timestamp of an event at `frame` (the first word written).
uint32_t writtenTimestamp(EventQueue& queue, int32_t frame, int32_t rate) {
    uint8_t buffer[32 + 64] = {};
    aapxs_midi2_buffer_clear(buffer, sizeof(buffer));
    const uint32_t event[2] = {noteOn(60), 0x80000000u};
    EXPECT_EQ(queue.add(frame, event, 2), HostingStatus::Ok);
    EventQueue* queues[1] = {&queue};
    EXPECT_EQ(EventQueue::writeMerged(queues, 1, frame + 1, rate, buffer, sizeof(buffer)), 1u);
    uint32_t word = 0;
    std::memcpy(&word, buffer + 32, 4);
    return word;
}

TEST(EventQueue, EveryFramesTimestampIsTheExactQuotient) {
    // writeMerged multiplies by a reciprocal; timestampWord divides. Every frame of the fast
    // range (2^17) at the common rates, a sample of frames at the others, both edges of the fast
    // range of rates and rates outside it.
    EventQueue queue;
    ASSERT_EQ(queue.reserve(1, 64), HostingStatus::Ok);
    size_t checked = 0;
    for (int32_t rate : {44100, 48000}) {
        for (int32_t frame = 1; frame < (1 << 17) + 64; frame++) {
            ASSERT_EQ(writtenTimestamp(queue, frame, rate), EventQueue::timestampWord(frame, rate))
                << "frame " << frame << " at " << rate << " Hz";
            checked++;
        }
    }
    for (int32_t rate : {1000, 1023, 1024, 8000, 11025, 22050, 32000, 88200, 96000, 176400, 192000, 352800, 384000,
                         768000, 1048575, 1048576, 1048577, 4000000}) {
        for (int32_t frame = 1; frame < 300000; frame += frame < 4096 ? 1 : 61) {
            ASSERT_EQ(writtenTimestamp(queue, frame, rate), EventQueue::timestampWord(frame, rate))
                << "frame " << frame << " at " << rate << " Hz";
            checked++;
        }
    }
    EXPECT_GT(checked, 300000u);
}

// A reproducible stream of events: frames with ties and going back, every message size.
struct RandomEvents {
    uint32_t state = 12345;
    uint32_t next() {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    }
    int32_t frame(int32_t frames) { return static_cast<int32_t>(next() % static_cast<uint32_t>(frames)); }
    // 1, 2 or 4 words (a MIDI 1.0 channel voice, a MIDI 2.0 channel voice, a SysEx8).
    size_t message(uint32_t* words) {
        const uint32_t kind = next() % 3;
        words[0] = kind == 0 ? 0x20903C40u : kind == 1 ? 0x40903C00u : 0x500E007Eu;
        words[0] |= next() & 0x7Fu;
        for (int i = 1; i < 4; i++)
            words[i] = 0;
        const size_t count = kind == 0 ? 1 : kind == 1 ? 2 : 4;
        for (size_t i = 1; i < count; i++)
            words[i] = next();
        return count;
    }
};

TEST(EventQueue, AnAppenderQueuesExactlyAsAddDoes) {
    for (int round = 0; round < 50; round++) {
        EventQueue plain, batched;
        ASSERT_EQ(plain.reserve(40, 4096), HostingStatus::Ok);
        ASSERT_EQ(batched.reserve(40, 4096), HostingStatus::Ok);
        plain.setMaxFrame(64);
        batched.setMaxFrame(64);
        RandomEvents random;
        random.state = static_cast<uint32_t>(round) * 7919u + 1u;
        // Some events before the appender, some through it (past the capacity, and bad frames).
        uint32_t words[4];
        for (int i = 0; i < 5; i++) {
            const int32_t frame = random.frame(64);
            const size_t count = random.message(words);
            ASSERT_EQ(plain.add(frame, words, count), batched.add(frame, words, count));
        }
        {
            EventQueue::Appender appender(batched);
            for (int i = 0; i < 45; i++) {
                int32_t frame = random.frame(70) - 2;  // a few out of range
                const size_t count = random.message(words);
                ASSERT_EQ(plain.add(frame, words, count), appender.addPadded(frame, words, count))
                    << "round " << round << " event " << i << " frame " << frame;
            }
            EXPECT_EQ(appender.addPadded(0, words, 3), HostingStatus::InvalidArgument) << "a wrong size";
        }
        ASSERT_EQ(plain.size(), batched.size());
        ASSERT_EQ(plain.bytes(), batched.bytes());
        for (size_t i = 0; i < plain.size(); i++) {
            EXPECT_EQ(plain.at(i).frame, batched.at(i).frame) << i;
            EXPECT_EQ(plain.at(i).wordCount, batched.at(i).wordCount) << i;
            for (int w = 0; w < 4; w++)
                EXPECT_EQ(plain.at(i).words[w], batched.at(i).words[w]) << i;
        }
    }
    EventQueue unreserved;
    EventQueue::Appender appender(unreserved);
    const uint32_t words[4] = {noteOn(1), 0, 0, 0};
    EXPECT_EQ(appender.addPadded(0, words, 2), HostingStatus::InvalidState);
}

TEST(EventQueue, OneQueueIsWrittenAsTheGeneralMergeWritesIt) {
    // count == 1 takes its own loop; with a second, empty queue the general one runs. Same bytes,
    // same count, same events left over when the buffer is too small.
    for (size_t capacity : {size_t{32 + 4096}, size_t{32 + 100}, size_t{32 + 7}, size_t{32}}) {
        for (int round = 0; round < 20; round++) {
            EventQueue one, two, empty;
            ASSERT_EQ(one.reserve(64, 8192), HostingStatus::Ok);
            ASSERT_EQ(two.reserve(64, 8192), HostingStatus::Ok);
            ASSERT_EQ(empty.reserve(1, 64), HostingStatus::Ok);
            RandomEvents random;
            random.state = static_cast<uint32_t>(round) + 99u;
            uint32_t words[4];
            for (int i = 0; i < 40; i++) {
                const int32_t frame = random.frame(300);  // past the cycle's 256 frames too
                const size_t count = random.message(words);
                ASSERT_EQ(one.add(frame, words, count), HostingStatus::Ok);
                ASSERT_EQ(two.add(frame, words, count), HostingStatus::Ok);
            }
            std::vector<uint8_t> a(capacity, 0xAB), b(capacity, 0xAB);
            // Both buffers already hold one word.
            const uint32_t held = noteOn(1) & 0x2FFFFFFFu;
            aapxs_midi2_buffer_clear(a.data(), a.size());
            aapxs_midi2_buffer_clear(b.data(), b.size());
            aapxs_midi2_buffer_append_ump(a.data(), a.size(), &held, 1);
            aapxs_midi2_buffer_append_ump(b.data(), b.size(), &held, 1);
            EventQueue* single[1] = {&one};
            EventQueue* pair[2] = {&two, &empty};
            const size_t writtenOne = EventQueue::writeMerged(single, 1, kFrames, kRate, a.data(), a.size());
            const size_t writtenTwo = EventQueue::writeMerged(pair, 2, kFrames, kRate, b.data(), b.size());
            ASSERT_EQ(writtenOne, writtenTwo) << "capacity " << capacity;
            size_t lengthA = 0, lengthB = 0;
            ASSERT_EQ(aapxs_midi2_buffer_get_length(a.data(), a.size(), &lengthA), AAPXS_CODEC_OK);
            ASSERT_EQ(aapxs_midi2_buffer_get_length(b.data(), b.size(), &lengthB), AAPXS_CODEC_OK);
            ASSERT_EQ(lengthA, lengthB);
            EXPECT_EQ(std::memcmp(a.data(), b.data(), 32 + lengthA), 0) << "capacity " << capacity;
            ASSERT_EQ(one.size(), two.size());
            EXPECT_EQ(one.bytes(), two.bytes());
            for (size_t i = 0; i < one.size(); i++)
                EXPECT_EQ(std::memcmp(&one.at(i), &two.at(i), sizeof(EventQueue::Event)), 0) << i;
        }
    }
}

TEST(GuiPath, ParameterIdsAreFoundWhateverTheirNumbering) {
    // Dense ids (a table), sparse and negative ids (a sorted list), a duplicate (the first wins).
    GuiPath dense{{GuiPathParameter{0}, GuiPathParameter{1}, GuiPathParameter{5}, GuiPathParameter{5}}, {}};
    EXPECT_EQ(dense.indexOf(0), 0);
    EXPECT_EQ(dense.indexOf(1), 1);
    EXPECT_EQ(dense.indexOf(5), 2);
    EXPECT_EQ(dense.indexOf(2), -1);
    EXPECT_EQ(dense.indexOf(6), -1);
    EXPECT_EQ(dense.indexOf(-1), -1);
    EXPECT_EQ(dense.indexOf(1 << 30), -1);
    GuiPath sparse{{GuiPathParameter{60000, 0.0, 10.0, 1.0}, GuiPathParameter{-3}, GuiPathParameter{5},
                    GuiPathParameter{60000}, GuiPathParameter{70000}},
                   {}};
    EXPECT_EQ(sparse.indexOf(60000), 0);
    EXPECT_EQ(sparse.indexOf(-3), 1);
    EXPECT_EQ(sparse.indexOf(5), 2);
    EXPECT_EQ(sparse.indexOf(70000), 4);
    EXPECT_EQ(sparse.indexOf(4), -1);
    EXPECT_EQ(sparse.indexOf(60001), -1);
    EXPECT_EQ(sparse.indexOf(-4), -1);
    GuiPath none{{}, {}};
    EXPECT_EQ(none.indexOf(0), -1);
    // A GUI change of 60000 and a plugin report of 5 land where they belong.
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    uint32_t change[4];
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 60000, 0x80000000u);
    ASSERT_EQ(sparse.push(1, 0, change, 4), HostingStatus::Ok);
    EXPECT_EQ(sparse.drainInto(host, kFrames), 1u);
    EXPECT_NEAR(sparse.parameterValue(0), 5.0, 1e-6);
    GuiAutomationRecord record;
    ASSERT_TRUE(sparse.popAutomation(&record));
    EXPECT_EQ(record.parameterId, 60000);
    EXPECT_NEAR(record.value, 5.0, 1e-6);
    const auto report = outputBuffer(0, 5, 0xFFFFFFFFu);
    sparse.publishMidiOutput(report.data(), report.size());
    EXPECT_EQ(sparse.parameterValue(2), 1.0);
}

TEST(GuiPath, AGuiEventForAnUnknownParameterIsRecordedButChangesNothing) {
    GuiPath path{twoParameters(), {}};
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    uint32_t change[4], begin[4];
    aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 8, 0x40000000u);
    writeParameterGesture(begin, true, 8);
    ASSERT_EQ(path.push(2, 0, begin, 4), HostingStatus::Ok);
    ASSERT_EQ(path.push(2, 0, change, 4), HostingStatus::Ok);
    int calls = 0;
    auto listener = [](void* context, int32_t, double) { ++*static_cast<int*>(context); };
    EXPECT_EQ(path.drainInto(host, kFrames, listener, &calls), 2u);
    EXPECT_EQ(calls, 0);
    GuiAutomationRecord record;
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.kind, GuiAutomationRecord::Kind::GestureBegin);
    EXPECT_EQ(record.parameterId, 8);
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.kind, GuiAutomationRecord::Kind::Change);
    EXPECT_NEAR(record.value, 0x40000000u / 4294967295.0, 1e-9);  // normalized: no range to map to
    EXPECT_EQ(path.parameterValue(0), 1.0);
    EXPECT_EQ(path.parameterValue(1), 0.0);
}

TEST(GuiPath, AFullAutomationRecordCountsWhatItLosesAndTheEventsStillReachThePlugin) {
    GuiPathOptions options;
    options.automationCapacity = 2;
    GuiPath path{twoParameters(), {}, options};
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    for (uint32_t i = 0; i < 5; i++) {
        uint32_t change[4];
        aapxs_parameter_sysex8_write(change, 0, 0, 0, 0, 7, i * 1000u);
        ASSERT_EQ(path.push(1, static_cast<int32_t>(i), change, 4), HostingStatus::Ok);
    }
    EXPECT_EQ(path.drainInto(host, kFrames), 5u);
    EXPECT_EQ(host.size(), 5u);
    EXPECT_EQ(path.automationOverflows(), 3u);
    GuiAutomationRecord record;
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.frame, 0);
    ASSERT_TRUE(path.popAutomation(&record));
    EXPECT_EQ(record.frame, 1);
    EXPECT_FALSE(path.popAutomation(&record));
    EXPECT_NEAR(path.parameterValue(0), GuiPath::fromTransport(twoParameters()[0], 4000u), 1e-12)
        << "the value follows the last change even when its record was lost";
}

TEST(GuiPath, TheCopyOutReadsEveryMessageSizeAndStopsAtACutOffMessage) {
    GuiPath path{twoParameters(), {}};
    const uint32_t midi1[1] = {0x20903C40u};
    const uint32_t midi2[2] = {0x40903C00u, 0x80000000u};
    const uint32_t three[3] = {0xB0000001u, 0x11111111u, 0x22222222u};  // a 96-bit type
    const uint32_t sysex8[4] = {0x50050102u, 0x03040506u, 0x0708090Au, 0x0B0C0D0Eu};  // not a parameter change
    const uint32_t noop[1] = {0x00000000u};
    uint32_t report[4];
    aapxs_parameter_sysex8_write(report, 0, 0, 0, 0, 9, 0xFFFFFFFFu);
    std::vector<uint32_t> stream;
    for (const auto& message : {std::vector<uint32_t>(midi1, midi1 + 1), std::vector<uint32_t>(noop, noop + 1),
                                std::vector<uint32_t>(sysex8, sysex8 + 4), std::vector<uint32_t>(report, report + 4),
                                std::vector<uint32_t>(three, three + 3), std::vector<uint32_t>(midi2, midi2 + 2)})
        stream.insert(stream.end(), message.begin(), message.end());
    // Exactly sized (no byte after the data to read) and then with a SysEx8 cut off after two words.
    for (bool cut : {false, true}) {
        std::vector<uint32_t> words = stream;
        if (cut) {
            words.push_back(sysex8[0]);
            words.push_back(sysex8[1]);
        }
        std::vector<uint8_t> buffer(32 + 4 * words.size());
        aapxs_midi2_buffer_init(buffer.data(), buffer.size());
        aapxs_midi2_buffer_set_length(buffer.data(), buffer.size(), 4 * words.size());
        std::memcpy(buffer.data() + 32, words.data(), 4 * words.size());
        path.publishMidiOutput(buffer.data(), buffer.size());
        path.endCycle();
        GuiOutboundEvent event;
        const std::vector<std::vector<uint32_t>> expected = {{midi1[0]}, {sysex8[0], sysex8[1], sysex8[2], sysex8[3]},
                                                             {three[0], three[1], three[2]}, {midi2[0], midi2[1]}};
        for (const auto& message : expected) {
            ASSERT_TRUE(path.popOutput(&event));
            ASSERT_EQ(event.wordCount, message.size());
            for (uint32_t i = 0; i < 4; i++)
                EXPECT_EQ(event.words[i], i < message.size() ? message[i] : 0u) << "word " << i;
        }
        EXPECT_FALSE(path.popOutput(&event)) << (cut ? "the cut-off SysEx8 was copied" : "an extra event");
        EXPECT_EQ(path.parameterValue(1), 1.0);
        path.publishParameter(9, 0.0);
    }
}

// ---- Sessions ----

std::unique_ptr<GuiSessions> makeSessions(const std::shared_ptr<GuiPath>& path, GuiSessionOptions options = {}) {
    std::unique_ptr<GuiSessions> sessions;
    std::string error;
    EXPECT_EQ(GuiSessions::create(path, GuiInstanceInfo{kRate, kFrames, 2}, options, &sessions, &error), HostingStatus::Ok)
        << error;
    return sessions;
}

TEST(GuiSessions, TokensAreRandomPerInstanceAndLongEnough) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    std::set<std::string> tokens;
    size_t ones = 0;
    constexpr int kInstances = 200;
    for (int i = 0; i < kInstances; i++) {
        auto sessions = makeSessions(path);
        ASSERT_EQ(sessions->token().size(), 32u);  // 256 bits, at least the 128 asked for
        const std::string hex = sessions->tokenHex();
        EXPECT_EQ(hex.size(), 64u);
        tokens.insert(hex);
        for (uint8_t byte : sessions->token())
            ones += static_cast<size_t>(__builtin_popcount(byte));
        // Never an address: no token is this object's pointer in either byte order.
        const auto address = reinterpret_cast<uintptr_t>(sessions.get());
        uint8_t pointer[sizeof address];
        std::memcpy(pointer, &address, sizeof address);
        EXPECT_NE(std::memcmp(sessions->token().data(), pointer, sizeof pointer), 0);
        EXPECT_TRUE(sessions->checkTokenHex(hex));
        EXPECT_TRUE(sessions->checkToken(sessions->token().data(), 32));
        EXPECT_FALSE(sessions->checkToken(sessions->token().data(), 16));
    }
    EXPECT_EQ(tokens.size(), static_cast<size_t>(kInstances));
    // 51,200 random bits: the share of ones is within 0.5 +- 0.02 (about 9 standard deviations).
    const double share = static_cast<double>(ones) / (kInstances * 256.0);
    EXPECT_NEAR(share, 0.5, 0.02);
}

TEST(GuiSessions, CreateRefusesBadOptions) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    std::unique_ptr<GuiSessions> sessions;
    std::string error;
    EXPECT_EQ(GuiSessions::create(nullptr, {}, {}, &sessions, &error), HostingStatus::InvalidArgument);
    GuiSessionOptions options;
    options.displayRateHz = 0;
    EXPECT_EQ(GuiSessions::create(path, {}, options, &sessions, &error), HostingStatus::InvalidArgument);
    EXPECT_NE(error.find("display rate"), std::string::npos) << error;
    options = {};
    options.ackDeadline = std::chrono::milliseconds{0};
    EXPECT_EQ(GuiSessions::create(path, {}, options, &sessions, &error), HostingStatus::InvalidArgument);
    EXPECT_EQ(GuiSessions::create(path, GuiInstanceInfo{0, 256, 0}, {}, &sessions, &error), HostingStatus::InvalidArgument);
}

TEST(GuiSessions, HelloInitializeAndTheStream) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{0, 1});
    auto sessions = makeSessions(path);
    auto client = std::make_shared<test::FakeGuiClient>();
    const uint32_t id = test::attachReadyClient(*sessions, client);
    auto welcome = client->received(GuiMessageType::Welcome);
    ASSERT_EQ(welcome.size(), 1u);
    EXPECT_EQ(welcome[0].welcomeSession, id);
    EXPECT_EQ(welcome[0].sampleRate, static_cast<uint32_t>(kRate));
    EXPECT_EQ(welcome[0].frames, static_cast<uint32_t>(kFrames));
    EXPECT_EQ(welcome[0].parameterCount, 2u);
    EXPECT_EQ(welcome[0].displayRateMilliHz, 60000u);
    // Ready: a full snapshot first.
    auto snapshots = client->received(GuiMessageType::ParameterValues);
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_TRUE(snapshots[0].snapshot);
    ASSERT_EQ(snapshots[0].valueCount, 2u);
    EXPECT_EQ(snapshots[0].value(0).id, 7);
    EXPECT_EQ(snapshots[0].value(0).value, 1.0);
    // The audio thread publishes; a tick serves it, coalesced.
    path->publishParameter(9, 0.25);
    path->publishParameter(9, 0.75);
    const float samples[2] = {0.5f, -0.25f};
    path->publishLevel(1, samples, 2);
    const auto buffer = outputBuffer(2, 7, 0);
    path->publishMidiOutput(buffer.data(), buffer.size());
    client->clear();
    sessions->tick();
    auto values = client->received(GuiMessageType::ParameterValues);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_FALSE(values[0].snapshot);
    // Parameter 9 changed to 0.75 (the 0.25 coalesced away) and 7 to 0 (the plugin's report).
    std::map<int32_t, double> changed;
    for (size_t i = 0; i < values[0].valueCount; i++)
        changed[values[0].value(i).id] = values[0].value(i).value;
    EXPECT_EQ(changed.size(), 2u);
    EXPECT_EQ(changed[9], 0.75);
    EXPECT_EQ(changed[7], 0.0);
    auto levels = client->received(GuiMessageType::Levels);
    ASSERT_EQ(levels.size(), 1u);
    ASSERT_EQ(levels[0].levelCount, 2u);
    EXPECT_EQ(levels[0].level(1).port, 1);
    EXPECT_EQ(levels[0].level(1).peak, 0.5f);
    auto events = client->received(GuiMessageType::Events);
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0].umpWordCount, 4u);
    EXPECT_EQ(events[0].umpWord(0), noteOn(0));
    EXPECT_EQ(events[0].umpWord(2), noteOn(1));
    // Nothing new: the next tick sends no values and no events (levels: silence).
    client->clear();
    sessions->tick();
    EXPECT_TRUE(client->received(GuiMessageType::ParameterValues).empty());
    EXPECT_TRUE(client->received(GuiMessageType::Events).empty());
    // Every message carried the client's session id.
    for (const auto& message : client->received(GuiMessageType::Levels))
        EXPECT_EQ(message.header.session, id);
}

TEST(GuiSessions, ClientEventsReachTheQueueAtTheirTimestamps) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    auto sessions = makeSessions(path);
    auto client = std::make_shared<test::FakeGuiClient>();
    const uint32_t id = test::attachReadyClient(*sessions, client);
    // JR Timestamp of 100 ticks (= 153 frames at 48 kHz) before the second note.
    const uint32_t words[5] = {noteOn(1), 0, 0x00200064u, noteOn(2), 0};
    const auto message = encodeGuiEvents(id, 10, words, 5);
    std::string error;
    ASSERT_EQ(sessions->receive(id, message.data(), message.size(), &error), HostingStatus::Ok) << error;
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    EXPECT_EQ(path->drainInto(host, kFrames), 2u);
    ASSERT_EQ(host.size(), 2u);
    EXPECT_EQ(host.at(0).frame, 0);
    EXPECT_EQ(host.at(1).frame, 153);
    EXPECT_EQ(sessions->clients()[0].eventsReceived, 2u);
}

TEST(GuiSessions, AWrongTokenIsRefusedAndTheClientDropped) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    auto sessions = makeSessions(path);
    auto client = std::make_shared<test::FakeGuiClient>();
    const uint32_t id = sessions->attach(client);
    std::array<uint8_t, kGuiTokenSize> wrong = sessions->token();
    wrong[31] ^= 1;  // one bit off
    const auto hello = encodeGuiHello(1, wrong.data(), wrong.size());
    std::string error;
    EXPECT_EQ(sessions->receive(id, hello.data(), hello.size(), &error), HostingStatus::InvalidArgument);
    EXPECT_NE(error.find("wrong token"), std::string::npos) << error;
    auto errors = client->received(GuiMessageType::Error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].errorCode, GuiErrorCode::WrongToken);
    EXPECT_TRUE(client->received(GuiMessageType::Welcome).empty());
    EXPECT_EQ(client->closeCount(), 1);
    EXPECT_EQ(sessions->clientCount(), 0u);
    // A token of the right value but another length is wrong too (16 bytes of the 32).
    auto second = std::make_shared<test::FakeGuiClient>();
    const uint32_t id2 = sessions->attach(second);
    const auto shortHello = encodeGuiHello(1, sessions->token().data(), 16);
    EXPECT_EQ(sessions->receive(id2, shortHello.data(), shortHello.size(), &error), HostingStatus::InvalidArgument);
    EXPECT_EQ(second->closeCount(), 1);
    // Another protocol version is refused as such.
    auto third = std::make_shared<test::FakeGuiClient>();
    const uint32_t id3 = sessions->attach(third);
    const auto v2 = encodeGuiHello(1, sessions->token().data(), 32, 2);
    EXPECT_EQ(sessions->receive(id3, v2.data(), v2.size(), &error), HostingStatus::VersionMismatch);
    ASSERT_EQ(third->received(GuiMessageType::Error).size(), 1u);
    EXPECT_EQ(third->received(GuiMessageType::Error)[0].errorCode, GuiErrorCode::UnsupportedVersion);
    // A message for an unknown session.
    EXPECT_EQ(sessions->receive(999, hello.data(), hello.size(), &error), HostingStatus::NotFound);
}

TEST(GuiSessions, MalformedAndOutOfOrderMessagesDropTheClientWithAClearError) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    auto sessions = makeSessions(path);
    std::string error;
    struct Case {
        const char* name;
        bool ready;
        std::function<std::vector<uint8_t>(uint32_t id)> message;
        const char* expected;
    };
    const uint32_t note[2] = {noteOn(1), 0};
    const uint32_t aapxs[4] = {0x501E007Eu, 0x7F000105u, 0x01000000u, 0x30000000u};
    const std::vector<Case> cases = {
        {"garbage", false, [](uint32_t) { return std::vector<uint8_t>(10, 0xFF); }, "malformed message: too short"},
        {"events before hello", false, [&](uint32_t id) { return encodeGuiEvents(id, 1, note, 2); },
         "events before initialize"},
        {"ack answering nothing", false,
         [](uint32_t id) { return encodeGuiEmpty(GuiMessageType::InitializeAck, id, 77); }, "answers nothing"},
        {"aapxs from a gui", true, [&](uint32_t id) { return encodeGuiEvents(id, 1, aapxs, 4); },
         "malformed message: bad or forbidden UMP"},
        {"another session's id", true, [&](uint32_t id) { return encodeGuiEvents(id + 100, 1, note, 2); },
         "message for session"},
        {"second hello", true,
         [&](uint32_t) { return encodeGuiHello(1, sessions->token().data(), 32); }, "a second hello"},
        {"unanswered pong", true, [](uint32_t id) { return encodeGuiEmpty(GuiMessageType::Pong, id, 5); },
         "answers no ping"},
        {"trailing byte", true,
         [](uint32_t id) {
             auto bytes = encodeGuiEmpty(GuiMessageType::Pong, id, 5);
             bytes.push_back(0);
             return bytes;
         },
         "trailing bytes"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        auto client = std::make_shared<test::FakeGuiClient>();
        const uint32_t id = c.ready ? test::attachReadyClient(*sessions, client) : sessions->attach(client);
        const auto bytes = c.message(id);
        EXPECT_NE(sessions->receive(id, bytes.data(), bytes.size(), &error), HostingStatus::Ok);
        EXPECT_NE(error.find(c.expected), std::string::npos) << error;
        EXPECT_EQ(client->closeCount(), 1);
        ASSERT_FALSE(client->received(GuiMessageType::Error).empty());
        EXPECT_NE(std::string(client->received(GuiMessageType::Error).back().errorText).find(c.expected),
                  std::string::npos);
        EXPECT_TRUE(client->malformed.empty());
    }
    EXPECT_EQ(sessions->clientCount(), 0u);
    EXPECT_EQ(sessions->dropped(), cases.size());
}

TEST(GuiSessions, SilentClientsAreDroppedAtEachDeadline) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    GuiSessionOptions options;
    options.helloDeadline = std::chrono::milliseconds{40};
    options.ackDeadline = std::chrono::milliseconds{40};
    options.pingInterval = std::chrono::milliseconds{20};
    auto sessions = makeSessions(path, options);
    // 1. Never says hello.
    auto mute = std::make_shared<test::FakeGuiClient>();
    sessions->attach(mute);
    // 2. Says hello but never acknowledges Initialize.
    auto halfway = std::make_shared<test::FakeGuiClient>();
    const uint32_t halfwayId = sessions->attach(halfway);
    const auto hello = encodeGuiHello(1, sessions->token().data(), 32);
    ASSERT_EQ(sessions->receive(halfwayId, hello.data(), hello.size()), HostingStatus::Ok);
    // 3. Ready, but never answers a ping.
    auto deaf = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, deaf);
    // 4. Ready and answering every ping: stays.
    auto alive = std::make_shared<test::FakeGuiClient>();
    const uint32_t aliveId = test::attachReadyClient(*sessions, alive);
    sessions->tick();
    EXPECT_EQ(sessions->clientCount(), 4u);  // nobody is late yet
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds{400}) {
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
        sessions->tick();
        for (const auto& ping : alive->received(GuiMessageType::Ping)) {
            const auto pong = encodeGuiEmpty(GuiMessageType::Pong, aliveId, ping.header.sequence);
            sessions->receive(aliveId, pong.data(), pong.size());
        }
        alive->clear();
    }
    EXPECT_EQ(sessions->clientCount(), 1u);
    EXPECT_EQ(sessions->clients()[0].id, aliveId);
    EXPECT_EQ(mute->closeCount(), 1);
    EXPECT_NE(mute->closeReason().find("no hello within 40 ms"), std::string::npos) << mute->closeReason();
    EXPECT_EQ(halfway->closeCount(), 1);
    EXPECT_NE(halfway->closeReason().find("no initialize-ack within 40 ms"), std::string::npos);
    EXPECT_EQ(deaf->closeCount(), 1);
    EXPECT_NE(deaf->closeReason().find("no pong within 40 ms"), std::string::npos);
    EXPECT_EQ(alive->closeCount(), 0);
    for (auto* c : {mute.get(), halfway.get(), deaf.get()}) {
        auto errors = c->received(GuiMessageType::Error);
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0].errorCode, GuiErrorCode::DeadlineMissed);
    }
}

TEST(GuiSessions, CleanupIsAcknowledgedOrTheClientIsDroppedAtTheDeadline) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    GuiSessionOptions options;
    options.ackDeadline = std::chrono::milliseconds{50};
    auto sessions = makeSessions(path, options);
    auto polite = std::make_shared<test::FakeGuiClient>();
    const uint32_t politeId = test::attachReadyClient(*sessions, polite);
    auto rude = std::make_shared<test::FakeGuiClient>();
    const uint32_t rudeId = test::attachReadyClient(*sessions, rude);
    ASSERT_EQ(sessions->cleanup(politeId), HostingStatus::Ok);
    ASSERT_EQ(sessions->cleanup(rudeId), HostingStatus::Ok);
    EXPECT_EQ(sessions->cleanup(12345), HostingStatus::NotFound);
    auto cleanup = polite->received(GuiMessageType::Cleanup);
    ASSERT_EQ(cleanup.size(), 1u);
    const auto ack = encodeGuiEmpty(GuiMessageType::CleanupAck, politeId, cleanup[0].header.sequence);
    ASSERT_EQ(sessions->receive(politeId, ack.data(), ack.size()), HostingStatus::Ok);
    EXPECT_EQ(polite->closeCount(), 1);
    EXPECT_EQ(polite->closeReason(), "cleanup acknowledged");
    std::this_thread::sleep_for(std::chrono::milliseconds{80});
    sessions->tick();
    EXPECT_EQ(rude->closeCount(), 1);
    EXPECT_NE(rude->closeReason().find("no cleanup-ack"), std::string::npos);
    EXPECT_EQ(sessions->clientCount(), 0u);
}

TEST(GuiSessions, ASlowClientGetsAResyncWithAFullSnapshot) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    auto sessions = makeSessions(path);
    auto slow = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, slow);
    auto fast = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, fast);
    const auto buffer = outputBuffer(1, 99, 0);
    path->publishMidiOutput(buffer.data(), buffer.size());
    slow->refuseSends = true;  // its transport is full: the event is lost for it
    sessions->tick();
    slow->refuseSends = false;
    slow->clear();
    fast->clear();
    sessions->tick();
    auto types = slow->types();
    ASSERT_GE(types.size(), 2u);
    EXPECT_EQ(types[0], GuiMessageType::Resync);
    EXPECT_EQ(types[1], GuiMessageType::ParameterValues);
    auto snapshot = slow->received(GuiMessageType::ParameterValues);
    EXPECT_TRUE(snapshot[0].snapshot);
    EXPECT_EQ(snapshot[0].valueCount, 2u);
    EXPECT_TRUE(fast->received(GuiMessageType::Resync).empty());
    EXPECT_EQ(sessions->clients()[0].resyncs, 1u);
}

TEST(GuiSessions, LostDiscreteEventsResyncEveryClient) {
    GuiPathOptions options;
    options.outputCapacity = 2;
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{}, options);
    auto sessions = makeSessions(path);
    auto a = std::make_shared<test::FakeGuiClient>();
    auto b = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, a);
    test::attachReadyClient(*sessions, b);
    a->clear();
    b->clear();
    path->publishParameter(7, 0.5);
    const auto buffer = outputBuffer(5, 99, 0);
    path->publishMidiOutput(buffer.data(), buffer.size());
    sessions->tick();
    for (auto* client : {a.get(), b.get()}) {
        auto resync = client->received(GuiMessageType::Resync);
        ASSERT_EQ(resync.size(), 1u);
        EXPECT_EQ(resync[0].lostEvents, 3u);
        auto values = client->received(GuiMessageType::ParameterValues);
        ASSERT_GE(values.size(), 1u);
        EXPECT_TRUE(values[0].snapshot);
        EXPECT_EQ(values[0].value(0).value, 0.5);
        auto events = client->received(GuiMessageType::Events);
        ASSERT_EQ(events.size(), 1u);
        EXPECT_EQ(events[0].umpWordCount, 4u);  // the two kept, in order
        EXPECT_EQ(events[0].umpWord(0), noteOn(0));
    }
}

TEST(GuiSessions, TooManyClientsAreRefusedAtAttach) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    GuiSessionOptions options;
    options.maxClients = 2;
    auto sessions = makeSessions(path, options);
    auto a = std::make_shared<test::FakeGuiClient>();
    auto b = std::make_shared<test::FakeGuiClient>();
    auto c = std::make_shared<test::FakeGuiClient>();
    EXPECT_NE(sessions->attach(a), 0u);
    EXPECT_NE(sessions->attach(b), 0u);
    EXPECT_EQ(sessions->attach(c), 0u);
    EXPECT_EQ(c->closeCount(), 1);
    ASSERT_EQ(c->received(GuiMessageType::Error).size(), 1u);
    EXPECT_EQ(c->received(GuiMessageType::Error)[0].errorCode, GuiErrorCode::TooManyClients);
}

TEST(GuiSessions, AFloodingClientIsRateLimitedButStays) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    GuiSessionOptions options;
    options.maxEventsPerSecond = 10;
    auto sessions = makeSessions(path, options);
    auto client = std::make_shared<test::FakeGuiClient>();
    const uint32_t id = test::attachReadyClient(*sessions, client);
    std::vector<uint32_t> words;
    for (int i = 0; i < 8; i++) {
        words.push_back(noteOn(1));
        words.push_back(0);
    }
    const auto message = encodeGuiEvents(id, 1, words.data(), words.size());
    std::string error;
    EXPECT_EQ(sessions->receive(id, message.data(), message.size(), &error), HostingStatus::Ok);
    EXPECT_EQ(sessions->receive(id, message.data(), message.size(), &error), HostingStatus::CapacityExceeded);
    EXPECT_NE(error.find("events per second"), std::string::npos) << error;
    EXPECT_EQ(sessions->clientCount(), 1u);
    EXPECT_EQ(client->closeCount(), 0);
}

TEST(GuiSessions, StopCleansUpEveryClient) {
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{});
    GuiSessionOptions options;
    options.ackDeadline = std::chrono::milliseconds{100};
    auto sessions = makeSessions(path, options);
    ASSERT_EQ(sessions->start(), HostingStatus::Ok);
    EXPECT_EQ(sessions->start(), HostingStatus::InvalidState);
    auto client = std::make_shared<test::FakeGuiClient>();
    test::attachReadyClient(*sessions, client);
    auto waiting = std::make_shared<test::FakeGuiClient>();
    sessions->attach(waiting);
    sessions->stop();
    EXPECT_EQ(client->received(GuiMessageType::Cleanup).size(), 1u);
    EXPECT_EQ(client->closeCount(), 1);
    EXPECT_EQ(waiting->closeCount(), 1);
    EXPECT_EQ(sessions->clientCount(), 0u);
}

// Many GUI producer threads, one audio thread draining and publishing, the display thread
// serving two clients: every event is delivered exactly once, in each producer's order.
TEST(GuiPathThreads, ManyProducersAnAudioThreadAndTheDisplayThread) {
    constexpr int kProducers = 6;
    constexpr int kPerProducer = 3000;
    GuiPathOptions options;
    options.inboxCapacity = 256;
    options.budgetPerCycle = 64;
    auto path = std::make_shared<GuiPath>(twoParameters(), std::vector<int32_t>{0}, options);
    GuiSessionOptions sessionOptions;
    sessionOptions.displayRateHz = 500;
    sessionOptions.maxEventsPerSecond = 0;
    sessionOptions.pingInterval = std::chrono::hours{1};  // the fake clients do not answer pings
    auto sessions = makeSessions(path, sessionOptions);
    auto a = std::make_shared<test::FakeGuiClient>();
    auto b = std::make_shared<test::FakeGuiClient>();
    const uint32_t idA = test::attachReadyClient(*sessions, a);
    test::attachReadyClient(*sessions, b);
    ASSERT_EQ(sessions->start(), HostingStatus::Ok);

    std::atomic<bool> producing{true};
    std::atomic<int> producersDone{0};
    std::vector<int> received(kProducers, 0);
    bool ordered = true;
    std::thread audio([&] {
        EventQueue host;
        host.reserve(128, 8192);
        host.setMaxFrame(kFrames);
        std::vector<uint8_t> output(1024, 0);
        const float samples[4] = {0.1f, 0.2f, 0.3f, 0.4f};
        while (producersDone.load() < kProducers || path->delivered() < kProducers * kPerProducer) {
            path->drainInto(host, kFrames);
            for (size_t i = 0; i < host.size(); i++) {
                const auto& event = host.at(i);
                const int producer = static_cast<int>((event.words[0] >> 8) & 0xFF);
                const int sequence = static_cast<int>(event.words[1]);
                if (producer < kProducers) {
                    ordered = ordered && sequence == received[static_cast<size_t>(producer)];
                    received[static_cast<size_t>(producer)]++;
                }
            }
            host.clear();
            aapxs_midi2_buffer_clear(output.data(), output.size());
            const uint32_t out[2] = {noteOn(99), 0};
            aapxs_midi2_buffer_append_ump(output.data(), output.size(), out, 2);
            path->publishMidiOutput(output.data(), output.size());
            path->publishLevel(0, samples, 4);
            path->publishParameter(9, static_cast<double>(path->cycle() % 100) / 100.0);
            path->endCycle();
            std::this_thread::yield();
        }
    });
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
        producers.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; i++) {
                const uint32_t words[2] = {noteOn(static_cast<uint8_t>(p)), static_cast<uint32_t>(i)};
                if (p == 0) {
                    // One producer goes through the sessions, as a transport thread would.
                    auto message = encodeGuiEvents(idA, static_cast<uint32_t>(i), words, 2);
                    while (sessions->receive(idA, message.data(), message.size()) != HostingStatus::Ok)
                        std::this_thread::yield();
                } else {
                    while (path->push(static_cast<uint32_t>(p), 0, words, 2) != HostingStatus::Ok)
                        std::this_thread::yield();  // full: counted, retried by this producer
                }
            }
            producersDone++;
        });
    }
    for (auto& t : producers)
        t.join();
    audio.join();
    producing = false;
    // On an idle machine the whole run can end before the display thread's first tick: what the
    // audio thread published is still queued, and the next ticks serve it.
    const auto served = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((a->received(GuiMessageType::Events).empty() || b->received(GuiMessageType::Levels).empty()) &&
           std::chrono::steady_clock::now() < served)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    sessions->stop();
    EXPECT_TRUE(ordered);
    for (int p = 0; p < kProducers; p++)
        EXPECT_EQ(received[static_cast<size_t>(p)], kPerProducer) << "producer " << p;
    EXPECT_EQ(path->delivered(), static_cast<uint64_t>(kProducers * kPerProducer));
    EXPECT_FALSE(a->received(GuiMessageType::Events).empty());
    EXPECT_FALSE(b->received(GuiMessageType::Levels).empty());
    EXPECT_TRUE(a->malformed.empty());
}

} // namespace
} // namespace aap
