// aap-host demo: the scripted session of the README. It generates a short song as a Standard
// MIDI File, renders it through the example instrument out of process while changing presets
// (presets extension over AAPXS, while active) and parameters (parameter-change SysEx8), runs the
// result through the example effect the same way, writes a WAV and prints what it did and the
// process() round-trip statistics.

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "cycle-statistics.h"
#include "exit-codes.h"
#include "file-io.h"
#include "aap/hosting/hosted-plugin.h"
#include "offline-renderer.h"
#include "plugin-resolution.h"
#include "preset-scheduler.h"
#include "render-events.h"
#include "smf-file.h"

namespace aap::host_tool {
namespace {

constexpr const char* kSynthId = "urn:aap-examples:poly-synth";
constexpr const char* kEffectId = "urn:aap-examples:delay-effect";
constexpr int32_t kSampleRate = 48000;
constexpr int32_t kBlock = 256;
constexpr uint16_t kTicksPerQuarter = 480;
constexpr uint32_t kTempo = 375000;  // 160 bpm: 4 bars of 4/4 last 6 s
constexpr double kSongSeconds = 6.0;
constexpr double kTailSeconds = 1.5;

// Four bars (C, Am, F, G): an eighth-note arpeggio on channel 0 and whole-note bass on channel 1.
std::vector<MidiTrack> demoSong() {
    const uint8_t chords[4][4] = {{60, 64, 67, 72}, {57, 60, 64, 69}, {53, 57, 60, 65}, {55, 59, 62, 67}};
    const uint8_t pattern[8] = {0, 1, 2, 3, 2, 1, 2, 3};
    MidiTrack melody, bass;
    melody.tempoMicrosecondsPerQuarter = kTempo;
    const uint64_t eighth = kTicksPerQuarter / 2, bar = kTicksPerQuarter * 4;
    for (uint64_t b = 0; b < 4; b++) {
        for (uint64_t step = 0; step < 8; step++) {
            const uint64_t at = b * bar + step * eighth;
            const uint8_t note = chords[b][pattern[step]];
            melody.events.push_back({at, 0x90, note, static_cast<uint8_t>(step % 2 == 0 ? 100 : 76)});
            melody.events.push_back({at + eighth - 20, 0x80, note, 64});
        }
        bass.events.push_back({b * bar, 0x91, static_cast<uint8_t>(chords[b][0] - 24), 90});
        bass.events.push_back({b * bar + bar - 40, 0x81, static_cast<uint8_t>(chords[b][0] - 24), 64});
    }
    return {melody, bass};
}

struct Stage {
    const char* pluginId;
    std::vector<PresetScheduler::Change> presets;
    std::vector<ControlChange> parameters;
};

bool runStage(PluginHost& host, const PluginInformation& plugin, Stage& stage, RenderJob job, RenderResult* result,
              std::string* error) {
    std::unique_ptr<HostedPlugin> hosted;
    if (HostedPlugin::open(host, plugin.uniqueId, HostedPluginOptions::at(kBlock, kSampleRate), &hosted, error) != HostingStatus::Ok)
        return false;
    ResolvedParameters parameters;
    if (!resolveParameters(*hosted, plugin, &parameters, error))
        return false;
    if (!checkParameterChanges(plugin.uniqueId, parameters, stage.parameters, error)) {
        *error = "bad parameter change in the demo: " + *error;
        return false;
    }
    appendParameterChanges(parameters, stage.parameters, kSampleRate, &job.events);
    PresetScheduler presets{hosted->presets(), stage.presets};
    job.splitFrames = presets.frames();
    job.beforeCycle = [&presets](int64_t frame) { presets.submitDue(frame); };
    job.hasPendingRequests = [&presets] { return presets.pending(); };
    HostingStatus status = hosted->instance().activate();
    if (status != HostingStatus::Ok) {
        *error = std::string("activate failed: ") + hostingStatusMessage(status);
        return false;
    }
    if (!renderOffline(hosted->instance(), job, result, &status, error))
        return false;
    if (std::string failure = presets.firstError(); !failure.empty()) {
        *error = failure;
        return false;
    }
    hosted->instance().deactivate();
    return true;
}

void describeLevels(const WavAudio& audio) {
    double peak = 0, sum = 0;
    for (float s : audio.samples) {
        peak = std::fmax(peak, std::fabs(s));
        sum += double{s} * s;
    }
    const double rms = audio.samples.empty() ? 0 : std::sqrt(sum / static_cast<double>(audio.samples.size()));
    std::printf("  level: peak %.3f (%.1f dBFS), RMS %.1f dBFS\n", peak, 20 * std::log10(std::fmax(peak, 1e-9)),
                20 * std::log10(std::fmax(rms, 1e-9)));
}

} // namespace

int runDemoCommand(const std::vector<std::string>& arguments) {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back({"output-dir", "DIR", "where to write aap-demo.mid and aap-demo.wav (created if missing; default: .)"});
    specs.push_back({"help", nullptr, "show this help"});
    ParsedArguments parsed;
    std::string error;
    if (!parseArguments(arguments, specs, &parsed, &error) || !parsed.positional().empty()) {
        std::fprintf(stderr, "aap-host demo: %s\n", error.empty() ? "takes no positional arguments" : error.c_str());
        return kExitUsage;
    }
    if (parsed.has("help")) {
        std::printf("usage: aap-host demo [--output-dir DIR] [--plugin-path DIR]...\n"
                    "Generates a MIDI song, renders it through the example instrument and then the example effect,\n"
                    "both out of process, changing presets (AAPXS) and parameters (SysEx8) while active, and\n"
                    "writes DIR/aap-demo.wav.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    const std::string directory = parsed.value("output-dir", ".");
    // The directory itself is created when missing (its parent must exist).
    if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "aap-host demo: cannot create %s: %s\n", directory.c_str(), std::strerror(errno));
        return kExitOutputError;
    }
    const std::string midiPath = directory + "/aap-demo.mid";
    const std::string wavPath = directory + "/aap-demo.wav";

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    const PluginInformation* synth = resolvePlugin(catalog, kSynthId);
    const PluginInformation* effect = resolvePlugin(catalog, kEffectId);
    if (synth == nullptr || effect == nullptr)
        return kExitPluginNotFound;

    // 1. The song, written as a real SMF and read back through the same parser `render` uses.
    std::vector<uint8_t> smf;
    MidiFile song;
    if (!encodeMidiFile(1, kTicksPerQuarter, demoSong(), &smf, &error) || !writeFileAtomically(midiPath, smf, &error)) {
        std::fprintf(stderr, "aap-host demo: %s\n", error.c_str());
        return kExitOutputError;
    }
    if (!decodeMidiFile(smf.data(), smf.size(), &song, &error)) {
        std::fprintf(stderr, "aap-host demo: the generated MIDI file does not parse: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    std::printf("aap-host demo\n1. generated %s: %zu note events, %.1f s (format 1, 2 tracks, 160 bpm)\n",
                midiPath.c_str(), song.events.size(), song.durationSeconds);

    PluginHost host{catalog, hostOptionsFrom(parsed)};
    const int64_t totalFrames = static_cast<int64_t>((kSongSeconds + kTailSeconds) * kSampleRate);
    auto at = [](double seconds) { return static_cast<int64_t>(seconds * kSampleRate); };

    // 2. The instrument: presets switch every 1.5 s, then a filter sweep by parameter changes.
    Stage synthStage{kSynthId, {{at(0.0), 1}, {at(1.5), 2}, {at(3.0), 0}, {at(4.5), 1}}, {}};
    for (int step = 0; step <= 12; step++) {
        ControlChange sweep;
        sweep.seconds = 4.5 + step * 0.125;
        sweep.parameterId = 4;  // Cutoff (Hz)
        sweep.value = 600.0 * std::pow(20.0, step / 12.0);
        synthStage.parameters.push_back(sweep);
    }
    RenderJob synthJob;
    synthJob.totalFrames = totalFrames;
    synthJob.blockSize = kBlock;
    synthJob.sampleRate = kSampleRate;
    appendMidiFileEvents(song, kSampleRate, &synthJob.events);
    RenderResult synthResult;
    if (!runStage(host, *synth, synthStage, synthJob, &synthResult, &error)) {
        std::fprintf(stderr, "aap-host demo: %s: %s\n", kSynthId, error.c_str());
        return kExitRuntimeFailure;
    }
    std::printf("2. rendered %s out of process: %zu MIDI 2.0 UMPs, presets Bright Saw @0 s, Square Pluck @1.5 s,\n"
                "   Soft Sine @3 s, Bright Saw @4.5 s (presets extension over AAPXS while active), cutoff sweep\n"
                "   600 -> 12000 Hz from 4.5 s (%zu parameter-change SysEx8)\n",
                kSynthId, synthResult.eventsDelivered - synthStage.parameters.size(), synthStage.parameters.size());
    describeLevels(synthResult.output);

    // 3. The effect over the instrument's output: Slapback, then Long Echo with more mix.
    Stage effectStage{kEffectId, {{at(0.0), 1}, {at(3.0), 2}}, {}};
    ControlChange mix;
    mix.seconds = 4.5;
    mix.parameterId = 3;  // Mix
    mix.value = 0.6;
    effectStage.parameters.push_back(mix);
    RenderJob effectJob;
    effectJob.input = &synthResult.output;
    effectJob.totalFrames = totalFrames;
    effectJob.blockSize = kBlock;
    effectJob.sampleRate = kSampleRate;
    RenderResult effectResult;
    if (!runStage(host, *effect, effectStage, effectJob, &effectResult, &error)) {
        std::fprintf(stderr, "aap-host demo: %s: %s\n", kEffectId, error.c_str());
        return kExitRuntimeFailure;
    }
    std::printf("3. rendered %s out of process over it: presets Slapback @0 s, Long Echo @3 s (AAPXS),\n"
                "   Mix -> 0.6 @4.5 s (parameter-change SysEx8)\n",
                kEffectId);
    describeLevels(effectResult.output);

    // 4. The result.
    effectResult.output.format = WavSampleFormat::Pcm24;
    std::vector<uint8_t> wav;
    if (!encodeWav(effectResult.output, &wav, &error) || !writeFileAtomically(wavPath, wav, &error)) {
        std::fprintf(stderr, "aap-host demo: %s\n", error.c_str());
        return kExitOutputError;
    }
    std::printf("4. wrote %s (%.1f s, %d channels, %d Hz, 24-bit PCM)\n\n", wavPath.c_str(),
                static_cast<double>(totalFrames) / kSampleRate, effectResult.output.channels, kSampleRate);

    std::printf("process() round trips, %d frames per cycle (%.2f ms of audio):\n", kBlock, 1000.0 * kBlock / kSampleRate);
    std::vector<int64_t> synthCycles = synthResult.cycleNs, effectCycles = effectResult.cycleNs;
    std::string synthBars = histogram(synthResult.cycleNs);
    CycleSummary synthSummary = summarizeCycles(synthCycles);
    CycleSummary effectSummary = summarizeCycles(effectCycles);
    std::printf("  instrument: %s; +%zu zero-frame cycles for AAPXS replies\n", describe(synthSummary).c_str(),
                synthResult.zeroFrameCycles);
    std::printf("  effect:     %s; +%zu zero-frame cycles for AAPXS replies\n", describe(effectSummary).c_str(),
                effectResult.zeroFrameCycles);
    std::printf("instrument histogram:\n%s", synthBars.c_str());
    bool silent = true;
    for (float s : effectResult.output.samples)
        if (std::fabs(s) > 1e-4f)
            silent = false;
    if (silent) {
        std::fprintf(stderr, "aap-host demo: the rendered audio is silent; something is broken\n");
        return kExitRuntimeFailure;
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitOutputError;
}

} // namespace aap::host_tool
