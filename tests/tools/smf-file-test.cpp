// The Standard MIDI File codec: round trips, timing, and one test per corruption case.

#include <gtest/gtest.h>

#include "smf-file.h"

namespace aap::host_tool {
namespace {

std::vector<uint8_t> header(uint16_t format, uint16_t tracks, uint16_t division) {
    return {'M', 'T', 'h', 'd', 0, 0, 0, 6, static_cast<uint8_t>(format >> 8), static_cast<uint8_t>(format),
            static_cast<uint8_t>(tracks >> 8), static_cast<uint8_t>(tracks), static_cast<uint8_t>(division >> 8),
            static_cast<uint8_t>(division)};
}

void appendTrack(std::vector<uint8_t>& file, const std::vector<uint8_t>& body) {
    file.insert(file.end(), {'M', 'T', 'r', 'k', static_cast<uint8_t>(body.size() >> 24),
                             static_cast<uint8_t>(body.size() >> 16), static_cast<uint8_t>(body.size() >> 8),
                             static_cast<uint8_t>(body.size())});
    file.insert(file.end(), body.begin(), body.end());
}

std::vector<uint8_t> fileWithTrack(const std::vector<uint8_t>& body, uint16_t division = 480) {
    std::vector<uint8_t> file = header(0, 1, division);
    appendTrack(file, body);
    return file;
}

std::string decodeError(const std::vector<uint8_t>& bytes) {
    MidiFile file;
    std::string error;
    EXPECT_FALSE(decodeMidiFile(bytes.data(), bytes.size(), &file, &error));
    EXPECT_FALSE(error.empty());
    return error;
}

MidiFile decode(const std::vector<uint8_t>& bytes) {
    MidiFile file;
    std::string error;
    EXPECT_TRUE(decodeMidiFile(bytes.data(), bytes.size(), &file, &error)) << error;
    return file;
}

TEST(SmfFile, EncodedTracksDecodeWithTheirTimes) {
    MidiTrack melody, bass;
    melody.tempoMicrosecondsPerQuarter = 500000;  // 120 bpm: a quarter note is 0.5 s
    melody.events = {{0, 0x90, 60, 100}, {480, 0x80, 60, 0}, {480, 0x90, 62, 90}, {960, 0x80, 62, 0}};
    bass.events = {{240, 0xC1, 5, 0}, {720, 0xE1, 0x00, 0x40}};
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(encodeMidiFile(1, 480, {melody, bass}, &bytes, &error)) << error;
    MidiFile file = decode(bytes);
    EXPECT_EQ(file.format, 1);
    EXPECT_EQ(file.trackCount, 2);
    ASSERT_EQ(file.events.size(), 6u);
    EXPECT_EQ(file.events[0].status, 0x90);
    EXPECT_DOUBLE_EQ(file.events[0].seconds, 0.0);
    EXPECT_EQ(file.events[1].status, 0xC1);  // tick 240 from track 1
    EXPECT_EQ(file.events[1].data1, 5);
    EXPECT_DOUBLE_EQ(file.events[1].seconds, 0.25);
    EXPECT_EQ(file.events[2].status, 0x80);  // tick 480: track 0 events keep file order
    EXPECT_EQ(file.events[3].status, 0x90);
    EXPECT_DOUBLE_EQ(file.events[3].seconds, 0.5);
    EXPECT_EQ(file.events[4].status, 0xE1);
    EXPECT_EQ(file.events[4].data2, 0x40);
    EXPECT_DOUBLE_EQ(file.durationSeconds, 1.0);
}

TEST(SmfFile, TempoChangesApplyFromTheirTick) {
    // 480 ticks at 120 bpm (0.5 s), then tempo 60 bpm: the next 480 ticks take 1 s.
    std::vector<uint8_t> body = {0x00, 0x90, 60, 100, 0x83, 0x60, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40,
                                 0x83, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00};
    MidiFile file = decode(fileWithTrack(body));
    ASSERT_EQ(file.events.size(), 2u);
    EXPECT_DOUBLE_EQ(file.events[1].seconds, 1.5);
}

TEST(SmfFile, RunningStatusIsFollowed) {
    std::vector<uint8_t> body = {0x00, 0x90, 60, 100, 0x10, 62, 100, 0x10, 64, 0, 0x00, 0xFF, 0x2F, 0x00};
    MidiFile file = decode(fileWithTrack(body));
    ASSERT_EQ(file.events.size(), 3u);
    EXPECT_EQ(file.events[2].status, 0x90);
    EXPECT_EQ(file.events[2].data1, 64);
    EXPECT_EQ(file.events[2].tick, 32u);
}

TEST(SmfFile, SmpteDivisionUsesFramesAndTicks) {
    // 25 fps, 40 ticks per frame: 1000 ticks per second.
    std::vector<uint8_t> body = {0x00, 0x90, 60, 100, 0x87, 0x68, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00};
    MidiFile file = decode(fileWithTrack(body, static_cast<uint16_t>(0xE728)));
    ASSERT_EQ(file.events.size(), 2u);
    EXPECT_DOUBLE_EQ(file.events[1].seconds, 1.0);
}

TEST(SmfFile, SysExAndOtherMetaEventsAreSkipped) {
    std::vector<uint8_t> body = {0x00, 0xF0, 0x03, 0x7E, 0x01, 0xF7, 0x00, 0xFF, 0x03, 0x02, 'h', 'i',
                                 0x00, 0xB0, 7, 100, 0x00, 0xFF, 0x2F, 0x00};
    MidiFile file = decode(fileWithTrack(body));
    ASSERT_EQ(file.events.size(), 1u);
    EXPECT_EQ(file.events[0].status, 0xB0);
}

TEST(SmfFile, UnknownChunksAreSkipped) {
    std::vector<uint8_t> file = header(0, 1, 96);
    file.insert(file.end(), {'X', 'Y', 'Z', 'W', 0, 0, 0, 2, 1, 2});
    appendTrack(file, {0x00, 0xFF, 0x2F, 0x00});
    decode(file);
}

TEST(SmfFile, RejectsMissingMThd) { EXPECT_NE(decodeError({'R', 'I', 'F', 'F', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96}).find("no MThd"), std::string::npos); }

TEST(SmfFile, RejectsShortMThd) {
    std::vector<uint8_t> file = header(0, 1, 96);
    file[7] = 4;
    EXPECT_NE(decodeError(file).find("bad MThd header: length 4"), std::string::npos);
}

TEST(SmfFile, RejectsMThdLengthPastTheEnd) {
    std::vector<uint8_t> file = header(0, 1, 96);
    file[6] = 1;
    EXPECT_NE(decodeError(file).find("runs past the end"), std::string::npos);
}

TEST(SmfFile, RejectsFormat2) {
    std::vector<uint8_t> file = header(2, 1, 96);
    appendTrack(file, {0x00, 0xFF, 0x2F, 0x00});
    EXPECT_NE(decodeError(file).find("unsupported MIDI file format 2"), std::string::npos);
}

TEST(SmfFile, RejectsFormat0WithSeveralTracksAndZeroTracksAndZeroDivision) {
    EXPECT_NE(decodeError(header(0, 2, 96)).find("format 0 with 2 tracks"), std::string::npos);
    EXPECT_NE(decodeError(header(1, 0, 96)).find("0 tracks"), std::string::npos);
    EXPECT_NE(decodeError(header(0, 1, 0)).find("division 0"), std::string::npos);
}

TEST(SmfFile, RejectsBadSmpteRate) {
    std::vector<uint8_t> file = header(0, 1, static_cast<uint16_t>(0xE428));  // -28 fps
    appendTrack(file, {0x00, 0xFF, 0x2F, 0x00});
    EXPECT_NE(decodeError(file).find("SMPTE"), std::string::npos);
}

TEST(SmfFile, RejectsMissingTracks) {
    std::vector<uint8_t> file = header(1, 2, 96);
    appendTrack(file, {0x00, 0xFF, 0x2F, 0x00});
    EXPECT_NE(decodeError(file).find("1 of 2 tracks"), std::string::npos);
}

TEST(SmfFile, RejectsTrackLengthPastTheEnd) {
    std::vector<uint8_t> file = fileWithTrack({0x00, 0xFF, 0x2F, 0x00});
    file[14 + 7] = 40;
    EXPECT_NE(decodeError(file).find("past the end of the file"), std::string::npos);
}

TEST(SmfFile, RejectsRunningStatusWithoutStatus) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 60, 100, 0x00, 0xFF, 0x2F, 0x00})).find("running status without"),
              std::string::npos);
}

TEST(SmfFile, RejectsRunningStatusAfterAMetaEvent) {
    // Meta events cancel running status, so the data bytes after one are an error.
    std::vector<uint8_t> body = {0x00, 0x90, 60, 100, 0x00, 0xFF, 0x01, 0x00, 0x00, 62, 100, 0x00, 0xFF, 0x2F, 0x00};
    EXPECT_NE(decodeError(fileWithTrack(body)).find("running status without"), std::string::npos);
}

TEST(SmfFile, RejectsMissingEndOfTrack) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0x90, 60, 100})).find("no end-of-track"), std::string::npos);
}

TEST(SmfFile, RejectsDataAfterEndOfTrack) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xFF, 0x2F, 0x00, 0x00, 0x90, 60, 100})).find("after the end-of-track"),
              std::string::npos);
}

TEST(SmfFile, RejectsTruncatedChannelMessage) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0x90, 60})).find("truncated channel message"), std::string::npos);
}

TEST(SmfFile, RejectsStatusByteWhereDataWasExpected) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0x90, 60, 0x90, 0x00, 0xFF, 0x2F, 0x00})).find("where a data byte"),
              std::string::npos);
}

TEST(SmfFile, RejectsMetaAndSysExLengthsPastTheTrack) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xFF, 0x01, 0x20, 'a'})).find("past the end of the track"),
              std::string::npos);
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xF0, 0x20, 0x01})).find("past the end of the track"), std::string::npos);
}

TEST(SmfFile, RejectsOverlongDeltaTime) {
    EXPECT_NE(decodeError(fileWithTrack({0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0x2F, 0x00})).find("delta time"),
              std::string::npos);
}

TEST(SmfFile, RejectsBadTempoEvents) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1, 0x00, 0xFF, 0x2F, 0x00})).find("tempo event with length 2"),
              std::string::npos);
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xFF, 0x51, 0x03, 0, 0, 0, 0x00, 0xFF, 0x2F, 0x00})).find("tempo of 0"),
              std::string::npos);
}

TEST(SmfFile, RejectsSystemRealtimeStatusBytes) {
    EXPECT_NE(decodeError(fileWithTrack({0x00, 0xF8, 0x00, 0xFF, 0x2F, 0x00})).find("not allowed"), std::string::npos);
}

TEST(SmfFile, EveryTruncationOfAValidFileIsAnErrorNotACrash) {
    MidiTrack track;
    track.tempoMicrosecondsPerQuarter = 400000;
    track.events = {{0, 0x90, 60, 100}, {100, 0x80, 60, 0}, {100, 0xB0, 1, 2}, {300, 0xE0, 1, 64}};
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(encodeMidiFile(0, 96, {track}, &bytes, &error));
    for (size_t size = 0; size < bytes.size(); size++) {
        MidiFile file;
        EXPECT_FALSE(decodeMidiFile(bytes.data(), size, &file, &error)) << size;
    }
}

TEST(SmfFile, EncoderRejectsBadInput) {
    std::vector<uint8_t> bytes;
    std::string error;
    MidiTrack outOfOrder;
    outOfOrder.events = {{10, 0x90, 60, 1}, {5, 0x80, 60, 0}};
    EXPECT_FALSE(encodeMidiFile(0, 96, {outOfOrder}, &bytes, &error));
    MidiTrack badStatus;
    badStatus.events = {{0, 0xF0, 1, 2}};
    EXPECT_FALSE(encodeMidiFile(0, 96, {badStatus}, &bytes, &error));
    EXPECT_FALSE(encodeMidiFile(0, 0, {MidiTrack{}}, &bytes, &error));
    EXPECT_FALSE(encodeMidiFile(0, 96, {MidiTrack{}, MidiTrack{}}, &bytes, &error));
    EXPECT_FALSE(encodeMidiFile(2, 96, {MidiTrack{}}, &bytes, &error));
}

} // namespace
} // namespace aap::host_tool
