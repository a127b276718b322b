// libFuzzer target: aap-host's Standard MIDI File reader (tools/aap-host/smf-file.cpp) on an
// arbitrary file image, as `aap-host render --midi` reads one, followed by what render does with
// the result: every channel event converted to a MIDI 2.0 UMP. Beyond "no crash, no sanitizer
// report", it checks: a decoded file is format 0 or 1, its events are in time order with finite,
// non-negative times no later than its duration, and every event is a channel message that
// converts to a type-4 UMP.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "midi1-to-ump.h"
#include "smf-file.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace aap::host_tool;
    MidiFile file;
    std::string error;
    if (!decodeMidiFile(data, size, &file, &error)) {
        check(!error.empty());
        return 0;
    }
    check(file.format == 0 || file.format == 1);
    check(std::isfinite(file.durationSeconds) && file.durationSeconds >= 0);
    // Each channel event takes at least 2 bytes of the file (a running-status data byte and a delta).
    check(file.events.size() <= size / 2);
    double previous = 0;
    for (const MidiChannelEvent& event : file.events) {
        check(std::isfinite(event.seconds) && event.seconds >= previous && event.seconds <= file.durationSeconds);
        previous = event.seconds;
        check(event.status >= 0x80 && event.status <= 0xEF && event.data1 < 0x80 && event.data2 < 0x80);
        Ump64 ump{};
        check(midi1ToUmp(0, event.status, event.data1, event.data2, &ump));
        check((ump.words[0] >> 28) == 4);
    }
    return 0;
}
