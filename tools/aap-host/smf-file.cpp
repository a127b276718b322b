#include "smf-file.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace aap::host_tool {
namespace {

uint16_t be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) noexcept {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
bool fail(std::string* error, std::string message) {
    if (error)
        *error = std::move(message);
    return false;
}
// Data bytes per channel status (high nibble 8..E).
int dataBytesOf(uint8_t status) noexcept { return (status & 0xF0) == 0xC0 || (status & 0xF0) == 0xD0 ? 1 : 2; }

struct RawEvent {
    uint64_t tick;
    int32_t track;
    size_t order;
    bool isTempo;
    uint32_t tempo;  // microseconds per quarter note
    uint8_t status, data1, data2;
};

// Reads a variable-length quantity (at most 4 bytes, as the SMF spec allows).
bool readVlq(const uint8_t* data, size_t end, size_t* offset, uint32_t* value) noexcept {
    uint32_t result = 0;
    for (int i = 0; i < 4; i++) {
        if (*offset >= end)
            return false;
        const uint8_t byte = data[(*offset)++];
        result = (result << 7) | (byte & 0x7Fu);
        if ((byte & 0x80) == 0) {
            *value = result;
            return true;
        }
    }
    return false;
}

bool parseTrack(const uint8_t* data, size_t begin, size_t end, int32_t track, std::vector<RawEvent>* events,
                uint64_t* lastTick, std::string* error) {
    const std::string where = "track " + std::to_string(track) + ": ";
    size_t offset = begin;
    uint64_t tick = 0;
    uint8_t runningStatus = 0;
    bool ended = false;
    while (offset < end) {
        if (ended)
            return fail(error, where + "data after the end-of-track event at byte " + std::to_string(offset));
        uint32_t delta = 0;
        const size_t eventStart = offset;
        if (!readVlq(data, end, &offset, &delta))
            return fail(error, where + "bad or truncated delta time at byte " + std::to_string(eventStart));
        tick += delta;
        if (offset >= end)
            return fail(error, where + "truncated event at byte " + std::to_string(offset));
        uint8_t status = data[offset];
        if (status < 0x80) {
            if (runningStatus == 0)
                return fail(error, where + "running status without a previous status byte at byte " +
                                       std::to_string(offset));
            status = runningStatus;
        } else {
            offset++;
        }
        if (status == 0xFF) {
            if (offset >= end)
                return fail(error, where + "truncated meta event at byte " + std::to_string(offset));
            const uint8_t type = data[offset++];
            uint32_t length = 0;
            const size_t lengthAt = offset;
            if (!readVlq(data, end, &offset, &length))
                return fail(error, where + "bad meta event length at byte " + std::to_string(lengthAt));
            if (length > end - offset)
                return fail(error, where + "meta event at byte " + std::to_string(eventStart) + " claims " +
                                       std::to_string(length) + " bytes past the end of the track");
            if (type == 0x51) {
                if (length != 3)
                    return fail(error, where + "tempo event with length " + std::to_string(length) + " (3 expected)");
                const uint32_t tempo = uint32_t{data[offset]} << 16 | uint32_t{data[offset + 1]} << 8 | data[offset + 2];
                if (tempo == 0)
                    return fail(error, where + "tempo of 0 microseconds per quarter note at byte " +
                                           std::to_string(eventStart));
                events->push_back({tick, track, events->size(), true, tempo, 0, 0, 0});
            } else if (type == 0x2F) {
                ended = true;
            }
            offset += length;
            runningStatus = 0;  // meta and SysEx events cancel running status
        } else if (status == 0xF0 || status == 0xF7) {
            uint32_t length = 0;
            const size_t lengthAt = offset;
            if (!readVlq(data, end, &offset, &length))
                return fail(error, where + "bad SysEx length at byte " + std::to_string(lengthAt));
            if (length > end - offset)
                return fail(error, where + "SysEx at byte " + std::to_string(eventStart) + " claims " +
                                       std::to_string(length) + " bytes past the end of the track");
            offset += length;
            runningStatus = 0;
        } else if (status >= 0xF0) {
            return fail(error, where + "status byte 0x" + [&] {
                const char* hex = "0123456789ABCDEF";
                return std::string{hex[status >> 4], hex[status & 0xF]};
            }() + " is not allowed in a MIDI file (byte " + std::to_string(offset - 1) + ")");
        } else {
            const int count = dataBytesOf(status);
            if (end - offset < static_cast<size_t>(count))
                return fail(error, where + "truncated channel message at byte " + std::to_string(eventStart));
            const uint8_t d1 = data[offset];
            const uint8_t d2 = count == 2 ? data[offset + 1] : 0;
            if (d1 >= 0x80 || d2 >= 0x80)
                return fail(error, where + "status byte where a data byte was expected at byte " +
                                       std::to_string(d1 >= 0x80 ? offset : offset + 1));
            offset += static_cast<size_t>(count);
            runningStatus = status;
            events->push_back({tick, track, events->size(), false, 0, status, d1, d2});
        }
    }
    if (!ended)
        return fail(error, where + "no end-of-track event (truncated track?)");
    *lastTick = std::max(*lastTick, tick);
    return true;
}

} // namespace

bool decodeMidiFile(const uint8_t* data, size_t size, MidiFile* file, std::string* error) {
    if (size < 14 || std::memcmp(data, "MThd", 4) != 0)
        return fail(error, "not a Standard MIDI File: no MThd header");
    const uint32_t headerLength = be32(data + 4);
    if (headerLength < 6)
        return fail(error, "bad MThd header: length " + std::to_string(headerLength) + " (at least 6 expected)");
    if (headerLength > size - 8)
        return fail(error, "bad MThd header: length " + std::to_string(headerLength) + " runs past the end of the file");
    const uint16_t format = be16(data + 8);
    const uint16_t trackCount = be16(data + 10);
    const uint16_t division = be16(data + 12);
    if (format > 1)
        return fail(error, "unsupported MIDI file format " + std::to_string(format) + " (0 and 1 are supported)");
    if (trackCount == 0)
        return fail(error, "bad MThd header: 0 tracks");
    if (format == 0 && trackCount != 1)
        return fail(error, "bad MThd header: format 0 with " + std::to_string(trackCount) + " tracks");
    if (division == 0)
        return fail(error, "bad MThd header: division 0");
    // Seconds per tick for SMPTE divisions (negative frame rate in the high byte); 0 for PPQN.
    double smpteSecondsPerTick = 0.0;
    if (division & 0x8000) {
        const int framesPerSecond = -static_cast<int8_t>(division >> 8);
        const int ticksPerFrame = division & 0xFF;
        if ((framesPerSecond != 24 && framesPerSecond != 25 && framesPerSecond != 29 && framesPerSecond != 30) ||
            ticksPerFrame == 0)
            return fail(error, "bad MThd header: SMPTE division with " + std::to_string(framesPerSecond) + " fps and " +
                                   std::to_string(ticksPerFrame) + " ticks per frame");
        smpteSecondsPerTick = 1.0 / ((framesPerSecond == 29 ? 29.97 : framesPerSecond) * ticksPerFrame);
    }

    std::vector<RawEvent> events;
    uint64_t lastTick = 0;
    size_t offset = 8 + size_t{headerLength};
    int32_t tracksFound = 0;
    while (tracksFound < trackCount) {
        if (size - offset < 8)
            return fail(error, "truncated file: " + std::to_string(tracksFound) + " of " + std::to_string(trackCount) +
                                   " tracks found");
        const uint32_t length = be32(data + offset + 4);
        if (length > size - offset - 8)
            return fail(error, "chunk at byte " + std::to_string(offset) + " claims " + std::to_string(length) +
                                   " bytes past the end of the file");
        if (std::memcmp(data + offset, "MTrk", 4) == 0) {
            if (!parseTrack(data, offset + 8, offset + 8 + length, tracksFound, &events, &lastTick, error))
                return false;
            tracksFound++;
        }  // other chunk types are skipped, as the SMF specification requires
        offset += 8 + size_t{length};
    }

    std::stable_sort(events.begin(), events.end(), [](const RawEvent& a, const RawEvent& b) {
        return a.tick != b.tick ? a.tick < b.tick : (a.track != b.track ? a.track < b.track : a.order < b.order);
    });
    MidiFile result;
    result.format = format;
    result.trackCount = trackCount;
    result.division = division;
    double seconds = 0.0;
    uint64_t tick = 0;
    double secondsPerTick = smpteSecondsPerTick > 0 ? smpteSecondsPerTick : 0.5 / division;  // 120 bpm default
    for (const RawEvent& event : events) {
        seconds += static_cast<double>(event.tick - tick) * secondsPerTick;
        tick = event.tick;
        if (event.isTempo) {
            if (smpteSecondsPerTick == 0.0)
                secondsPerTick = event.tempo / 1e6 / division;
            continue;
        }
        result.events.push_back({seconds, event.tick, event.status, event.data1, event.data2, event.track});
    }
    result.durationSeconds = seconds + static_cast<double>(lastTick - tick) * secondsPerTick;
    *file = std::move(result);
    return true;
}

namespace {
void putVlq(std::vector<uint8_t>& out, uint32_t value) {
    uint8_t bytes[5];
    int count = 0;
    do {
        bytes[count++] = static_cast<uint8_t>(value & 0x7F);
        value >>= 7;
    } while (value != 0 && count < 5);
    while (count > 0) {
        uint8_t byte = bytes[--count];
        out.push_back(count > 0 ? static_cast<uint8_t>(byte | 0x80) : byte);
    }
}
void putBe32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(v >> shift));
}
} // namespace

bool encodeMidiFile(int32_t format, uint16_t ticksPerQuarter, const std::vector<MidiTrack>& tracks,
                    std::vector<uint8_t>* bytes, std::string* error) {
    if (format != 0 && format != 1)
        return fail(error, "format must be 0 or 1");
    if (tracks.empty() || (format == 0 && tracks.size() != 1) || tracks.size() > 0xFFFF)
        return fail(error, "bad track count for the format");
    if (ticksPerQuarter == 0 || ticksPerQuarter > 0x7FFF)
        return fail(error, "ticks per quarter note must be 1..32767");
    std::vector<uint8_t> out{'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, static_cast<uint8_t>(format)};
    out.push_back(static_cast<uint8_t>(tracks.size() >> 8));
    out.push_back(static_cast<uint8_t>(tracks.size()));
    out.push_back(static_cast<uint8_t>(ticksPerQuarter >> 8));
    out.push_back(static_cast<uint8_t>(ticksPerQuarter));
    for (const MidiTrack& track : tracks) {
        std::vector<uint8_t> body;
        if (track.tempoMicrosecondsPerQuarter > 0) {
            const uint32_t t = track.tempoMicrosecondsPerQuarter;
            if (t > 0xFFFFFF)
                return fail(error, "tempo does not fit 24 bits");
            body.insert(body.end(), {0x00, 0xFF, 0x51, 0x03, static_cast<uint8_t>(t >> 16), static_cast<uint8_t>(t >> 8),
                                     static_cast<uint8_t>(t)});
        }
        uint64_t tick = 0;
        uint8_t running = 0;
        for (const MidiTrackEvent& event : track.events) {
            if (event.tick < tick || event.tick - tick > 0x0FFFFFFF)
                return fail(error, "events out of order or too far apart");
            if (event.status < 0x80 || event.status >= 0xF0 || event.data1 >= 0x80 || event.data2 >= 0x80)
                return fail(error, "only channel messages with 7-bit data can be written");
            putVlq(body, static_cast<uint32_t>(event.tick - tick));
            tick = event.tick;
            if (event.status != running)
                body.push_back(event.status);
            running = event.status;
            body.push_back(event.data1);
            if (dataBytesOf(event.status) == 2)
                body.push_back(event.data2);
        }
        body.insert(body.end(), {0x00, 0xFF, 0x2F, 0x00});
        out.insert(out.end(), {'M', 'T', 'r', 'k'});
        putBe32(out, static_cast<uint32_t>(body.size()));
        out.insert(out.end(), body.begin(), body.end());
    }
    *bytes = std::move(out);
    return true;
}

} // namespace aap::host_tool
