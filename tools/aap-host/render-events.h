#pragma once
// Turns what the user asked for into timed UMPs for the offline renderer:
//   - MIDI file channel messages -> MIDI 2.0 channel voice UMPs (group 0, their own channel);
//   - --param ID=VALUE[@SECONDS] -> parameter-change SysEx8 (docs/spec/wire.md 5; index = stable id,
//     value normalized over the parameter's range as resolveParameters() found it: the running
//     plugin's, or the metadata's when the plugin has no parameters extension);
// (--preset changes go through the presets extension instead: preset-scheduler.h.)

#include <cstdint>
#include <string>
#include <vector>

#include "aap/hosting/plugin-information.h"
#include "offline-renderer.h"
#include "parameter-resolution.h"
#include "smf-file.h"

namespace aap::host_tool {

struct ControlChange {
    enum class Kind { Preset, Parameter } kind = Kind::Parameter;
    double seconds = 0.0;
    int32_t presetIndex = 0;
    int32_t parameterId = 0;
    double value = 0.0;  // plain units
};

// "3" or "3@1.5" (index 0..127, seconds 0..3600).
bool parsePresetChange(const std::string& text, ControlChange* change, std::string* error);
// "4=1200" or "4=1200@2.5" (id 0..16383, finite value, seconds 0..3600).
bool parseParameterChange(const std::string& text, ControlChange* change, std::string* error);
// Every parameter id must be one of `parameters` (resolveParameters) and its value lie in its range.
// `pluginId` names the plugin in the message.
bool checkParameterChanges(const std::string& pluginId, const ResolvedParameters& parameters,
                           const std::vector<ControlChange>& changes, std::string* error);

void appendMidiFileEvents(const MidiFile& file, int32_t sampleRate, std::vector<TimedUmp>* events);
// Parameter changes only; preset changes are skipped.
void appendParameterChanges(const ResolvedParameters& parameters, const std::vector<ControlChange>& changes,
                            int32_t sampleRate, std::vector<TimedUmp>* events);

// One parameter-change SysEx8 at `frame`.
TimedUmp parameterChangeUmp(int64_t frame, const ParameterInformation& parameter, double plainValue);

} // namespace aap::host_tool
