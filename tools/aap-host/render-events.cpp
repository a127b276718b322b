#include "render-events.h"

#include <cmath>

#include "aap/ext/midi.h"
#include "command-line.h"
#include "midi1-to-ump.h"

namespace aap::host_tool {
namespace {

// Splits "BODY@SECONDS"; seconds default to 0.
bool splitTime(const std::string& text, std::string* body, double* seconds, std::string* error) {
    auto at = text.find('@');
    *body = text.substr(0, at);
    *seconds = 0.0;
    if (at != std::string::npos && !parseReal(text.substr(at + 1), 0.0, 3600.0, seconds)) {
        *error = "the time after '@' must be seconds in 0..3600";
        return false;
    }
    return true;
}

int64_t frameOf(double seconds, int32_t sampleRate) {
    return static_cast<int64_t>(std::llround(seconds * sampleRate));
}

} // namespace

bool parsePresetChange(const std::string& text, ControlChange* change, std::string* error) {
    std::string body;
    if (!splitTime(text, &body, &change->seconds, error))
        return false;
    int64_t index = 0;
    if (!parseInteger(body, 0, 127, &index)) {
        *error = "the preset index must be an integer 0..127";
        return false;
    }
    change->kind = ControlChange::Kind::Preset;
    change->presetIndex = static_cast<int32_t>(index);
    return true;
}

bool parseParameterChange(const std::string& text, ControlChange* change, std::string* error) {
    std::string body;
    if (!splitTime(text, &body, &change->seconds, error))
        return false;
    auto equals = body.find('=');
    int64_t id = 0;
    if (equals == std::string::npos || !parseInteger(body.substr(0, equals), 0, 16383, &id)) {
        *error = "expected ID=VALUE with an integer parameter id 0..16383";
        return false;
    }
    if (!parseReal(body.substr(equals + 1), -1e300, 1e300, &change->value)) {
        *error = "the value must be a finite number";
        return false;
    }
    change->kind = ControlChange::Kind::Parameter;
    change->parameterId = static_cast<int32_t>(id);
    return true;
}

bool checkParameterChanges(const std::string& pluginId, const ResolvedParameters& parameters,
                           const std::vector<ControlChange>& changes, std::string* error) {
    for (const ControlChange& change : changes) {
        if (change.kind != ControlChange::Kind::Parameter)
            continue;
        const ParameterInformation* found = parameters.find(change.parameterId);
        if (found == nullptr) {
            *error = pluginId + " has no parameter with id " + std::to_string(change.parameterId) +
                     " (parameters from " + describeSource(parameters) + ")";
            return false;
        }
        if (change.value < found->minimumValue || change.value > found->maximumValue) {
            *error = "value " + std::to_string(change.value) + " of parameter " +
                     std::to_string(change.parameterId) + " (" + found->name + ") is outside " +
                     std::to_string(found->minimumValue) + ".." + std::to_string(found->maximumValue);
            return false;
        }
    }
    return true;
}

void appendMidiFileEvents(const MidiFile& file, int32_t sampleRate, std::vector<TimedUmp>* events) {
    for (const MidiChannelEvent& event : file.events) {
        Ump64 ump;
        if (!midi1ToUmp(0, event.status, event.data1, event.data2, &ump))
            continue;
        TimedUmp timed;
        timed.frame = frameOf(event.seconds, sampleRate);
        timed.words[0] = ump.words[0];
        timed.words[1] = ump.words[1];
        timed.wordCount = 2;
        events->push_back(timed);
    }
}

TimedUmp parameterChangeUmp(int64_t frame, const ParameterInformation& parameter, double plainValue) {
    TimedUmp timed;
    timed.frame = frame;
    aapMidi2ParameterSysex8(&timed.words[0], &timed.words[1], &timed.words[2], &timed.words[3], 0, 0, 0, 0,
                            static_cast<uint16_t>(parameter.id),
                            aapParameterPlainToTransportUint32(parameter.minimumValue, parameter.maximumValue, plainValue));
    timed.wordCount = 4;
    return timed;
}

void appendParameterChanges(const ResolvedParameters& parameters, const std::vector<ControlChange>& changes,
                            int32_t sampleRate, std::vector<TimedUmp>* events) {
    for (const ControlChange& change : changes) {
        const int64_t frame = frameOf(change.seconds, sampleRate);
        if (change.kind != ControlChange::Kind::Parameter)
            continue;
        if (const ParameterInformation* parameter = parameters.find(change.parameterId))
            events->push_back(parameterChangeUmp(frame, *parameter, change.value));
    }
}

} // namespace aap::host_tool
