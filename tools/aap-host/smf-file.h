#pragma once
// A small, strict Standard MIDI File codec (standard library only): formats 0 and 1, PPQN and
// SMPTE divisions, running status, tempo changes. Decoding yields channel messages with their
// time in seconds (the tempo map applied); meta events other than tempo, and SysEx, are skipped.
// Corrupt or unsupported files are an error value naming the problem and the byte offset
// ("track 2: running status without a previous status byte at byte 118"), never an exception.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aap::host_tool {

// One MIDI 1.0 channel message (status 0x80..0xEF) with its 1 or 2 data bytes.
struct MidiChannelEvent {
    double seconds = 0.0;
    uint64_t tick = 0;
    uint8_t status = 0;
    uint8_t data1 = 0;
    uint8_t data2 = 0;  // 0 for one-data-byte messages (program change, channel pressure)
    int32_t track = 0;
};

struct MidiFile {
    int32_t format = 0;       // 0 or 1
    int32_t trackCount = 0;
    int32_t division = 0;     // raw MThd division field (positive = ticks per quarter note)
    double durationSeconds = 0.0;  // time of the last event of any kind (incl. end of track)
    std::vector<MidiChannelEvent> events;  // by time; events at the same tick keep file order
};

bool decodeMidiFile(const uint8_t* data, size_t size, MidiFile* file, std::string* error);

// For generating files (aap-host demo, tests): one track of channel events at absolute ticks.
struct MidiTrackEvent {
    uint64_t tick = 0;
    uint8_t status = 0;
    uint8_t data1 = 0;
    uint8_t data2 = 0;
};
struct MidiTrack {
    std::vector<MidiTrackEvent> events;  // ascending ticks
    uint32_t tempoMicrosecondsPerQuarter = 0;  // > 0: a tempo event at tick 0
};

// Writes format 0 (one track) or 1. Uses running status. False for unusable input (events out of
// order, bad status bytes, division 0 or above 0x7FFF).
bool encodeMidiFile(int32_t format, uint16_t ticksPerQuarter, const std::vector<MidiTrack>& tracks,
                    std::vector<uint8_t>* bytes, std::string* error);

} // namespace aap::host_tool
