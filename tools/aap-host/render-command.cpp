// aap-host render: runs a plugin out of process over a WAV and/or a Standard MIDI File and
// writes a WAV.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "aap/ext/midi.h"
#include "commands.h"
#include "cycle-statistics.h"
#include "exit-codes.h"
#include "file-io.h"
#include "midi1-to-ump.h"
#include "offline-renderer.h"
#include "aap/hosting/hosted-plugin.h"
#include "aap/hosting/plugin-graph.h"
#include "plugin-resolution.h"
#include "preset-scheduler.h"
#include "render-events.h"
#include "smf-file.h"

namespace aap::host_tool {

namespace {

// The longest render, whether --length, the input or the MIDI file sets the length.
constexpr double kMaxRenderSeconds = 3600;
// No real Standard MIDI File comes near this; it bounds the events kept in memory.
constexpr uint64_t kMaxMidiFileBytes = 16u << 20;
// process() durations kept for the summary line (a uniform sample beyond it).
constexpr size_t kMaxCycleSamples = 1u << 18;
// The output is written in chunks of about this size.
constexpr size_t kOutputChunkBytes = 1u << 20;

std::vector<OptionSpec> renderOptions() {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back(sandboxOption());
    std::vector<OptionSpec> own = {
        {"input", "WAV", "audio input (16/24/32-bit PCM or 32-bit float WAV)"},
        {"midi", "SMF", "Standard MIDI File (format 0 or 1) sent as MIDI 2.0 UMPs"},
        {"output", "WAV", "where to write the result (required)"},
        {"format", "FMT", "output sample format: pcm16, pcm24, pcm32 or float32 (default float32)"},
        {"rate", "HZ", "sample rate, 8000..384000 (default: the input's, else 48000)"},
        {"block", "FRAMES", "frames per process() cycle, 16..8192 (default 256)"},
        {"length", "SECONDS", "length to render, up to 3600 (default: the input's, or the MIDI file + --tail)"},
        {"tail", "SECONDS", "extra time after the MIDI file ends, 0..60 (default 1)"},
        {"preset", "[K:]INDEX[@SECONDS]", "select preset INDEX of plugin K (default 1) at SECONDS (default 0) via the presets extension", true},
        {"param", "[K:]ID=VALUE[@SECONDS]", "set parameter ID of plugin K to plain VALUE (at SECONDS) by parameter-change SysEx8", true},
        {"state-in", "[K:]FILE", "load plugin K's state saved by --state-out (state extension) before rendering", true},
        {"state-out", "[K:]FILE", "save plugin K's state after rendering", true},
        {"help", nullptr, "show this help"},
    };
    specs.insert(specs.end(), own.begin(), own.end());
    return specs;
}

void printProgress(int64_t done, int64_t total) {
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(done * width / total) : width;
    std::fprintf(stderr, "\rrendering [%.*s%*s] %3d%%", filled, "##############################", width - filled, "",
                 total > 0 ? static_cast<int>(done * 100 / total) : 100);
    if (done >= total)
        std::fputc('\n', stderr);
}

// The chain as a PluginGraph over plugins the caller keeps owning: host input i -> plugin 1's audio
// input i; plugin k's audio output i -> plugin k+1's input i (its last output feeds the remaining
// inputs); the last plugin's outputs -> host outputs. Activated (which activates every plugin).
bool buildChainGraph(const std::vector<std::unique_ptr<HostedPlugin>>& hosted, int32_t frames, int32_t rate,
                     std::unique_ptr<PluginGraph>* graph, std::string* error) {
    auto ports = [](HostedPlugin& plugin, PortDirection direction) {
        std::vector<int32_t> out;
        for (const PortInformation& port : plugin.instance().information().ports)
            if (port.contentType == PortContentType::Audio && port.direction == direction)
                out.push_back(port.index);
        return out;
    };
    PluginGraphOptions options;
    options.frames = frames;
    options.sampleRate = rate;
    options.hostInputs = static_cast<int32_t>(ports(*hosted.front(), PortDirection::Input).size());
    options.hostOutputs = static_cast<int32_t>(ports(*hosted.back(), PortDirection::Output).size());
    *graph = std::make_unique<PluginGraph>(options);
    std::string detail;
    auto check = [&](GraphStatus status, const std::string& what) {
        if (status != GraphStatus::Ok)
            *error = what + ": " + describe(status) + (detail.empty() ? "" : " (" + detail + ")");
        return status == GraphStatus::Ok;
    };
    std::vector<int32_t> nodes(hosted.size());
    for (size_t p = 0; p < hosted.size(); p++)
        if (!check((*graph)->addNode(*hosted[p], &nodes[p], &detail), "plugin " + std::to_string(p + 1)))
            return false;
    const std::vector<int32_t> firstIn = ports(*hosted.front(), PortDirection::Input);
    for (size_t i = 0; i < firstIn.size(); i++)
        if (!check((*graph)->connect(GraphPort::hostInput(static_cast<int32_t>(i)), {nodes[0], firstIn[i]}, &detail),
                   "connecting the input to plugin 1"))
            return false;
    for (size_t p = 0; p + 1 < hosted.size(); p++) {
        const std::vector<int32_t> from = ports(*hosted[p], PortDirection::Output);
        const std::vector<int32_t> to = ports(*hosted[p + 1], PortDirection::Input);
        for (size_t i = 0; i < to.size() && !from.empty(); i++)
            if (!check((*graph)->connect({nodes[p], from[std::min(i, from.size() - 1)]}, {nodes[p + 1], to[i]}, &detail),
                       "connecting plugin " + std::to_string(p + 1) + " to plugin " + std::to_string(p + 2)))
                return false;
    }
    const std::vector<int32_t> lastOut = ports(*hosted.back(), PortDirection::Output);
    for (size_t o = 0; o < lastOut.size(); o++)
        if (!check((*graph)->connect({nodes.back(), lastOut[o]}, GraphPort::hostOutput(static_cast<int32_t>(o)), &detail),
                   "connecting the last plugin to the output"))
            return false;
    return check((*graph)->activate(&detail), "activate");
}

} // namespace

int runRenderCommand(const std::vector<std::string>& arguments) {
    const std::vector<OptionSpec> specs = renderOptions();
    ParsedArguments parsed;
    std::string error;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr, "aap-host render: %s\n", message.c_str());
        return kExitUsage;
    };
    if (!parseArguments(arguments, specs, &parsed, &error))
        return usage(error);
    if (parsed.has("help")) {
        std::printf("usage: aap-host render <plugin> [<plugin> ...] --output OUT.wav [--input IN.wav] [--midi IN.mid] [options]\n"
                    "Runs <plugin> (unique id or name, or a prefix of either) out of process and writes a WAV.\n"
                    "Several plugins run as a chain: the input feeds the first, each one's audio outputs feed the\n"
                    "next one's inputs, the last one's outputs are written; MIDI goes to the first plugin with a\n"
                    "MIDI input. K: (1-based) picks the plugin a per-plugin option applies to (default 1).\n"
                    "MIDI events and --preset/--param changes are sample accurate: cycles are split at them.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().empty())
        return usage("expected at least one plugin (see aap-host render --help)");
    const size_t count = parsed.positional().size();
    if (!parsed.has("output"))
        return usage("--output is required");

    WavSampleFormat format = WavSampleFormat::Float32;
    if (parsed.has("format") && !parseWavSampleFormat(parsed.value("format"), &format))
        return usage("bad --format '" + parsed.value("format") + "' (pcm16, pcm24, pcm32 or float32)");
    int64_t rate = 0, block = 256;
    if (parsed.has("rate") && !parseInteger(parsed.value("rate"), 8000, 384000, &rate))
        return usage("bad --rate '" + parsed.value("rate") + "' (an integer 8000..384000)");
    if (parsed.has("block") && !parseInteger(parsed.value("block"), 16, 8192, &block))
        return usage("bad --block '" + parsed.value("block") + "' (an integer 16..8192)");
    double length = 0, tail = 1.0;
    if (parsed.has("length") && !parseReal(parsed.value("length"), 1e-6, kMaxRenderSeconds, &length))
        return usage("bad --length '" + parsed.value("length") + "' (seconds, more than 0 and at most 3600)");
    if (parsed.has("tail") && !parseReal(parsed.value("tail"), 0, 60, &tail))
        return usage("bad --tail '" + parsed.value("tail") + "' (seconds, 0..60)");
    // Per plugin of the chain: its controls, its state files.
    std::vector<std::vector<ControlChange>> controls(count);
    std::vector<std::string> stateInPaths(count), stateOutPaths(count);
    for (const char* option : {"preset", "param"})
        for (const std::string& text : parsed.values(option)) {
            size_t p = 0;
            std::string rest;
            ControlChange change;
            if (!splitPluginPrefix(text, count, &p, &rest, &error) ||
                !(option[1] == 'r' ? parsePresetChange(rest, &change, &error) : parseParameterChange(rest, &change, &error)))
                return usage("bad --" + std::string(option) + " '" + text + "': " + error);
            controls[p].push_back(change);
        }
    for (const char* option : {"state-in", "state-out"})
        for (const std::string& text : parsed.values(option)) {
            size_t p = 0;
            std::string file;
            if (!splitPluginPrefix(text, count, &p, &file, &error))
                return usage("bad --" + std::string(option) + " '" + text + "': " + error);
            std::string& slot = (option[6] == 'i' ? stateInPaths : stateOutPaths)[p];
            if (!slot.empty())
                return usage("--" + std::string(option) + " is given twice for plugin " + std::to_string(p + 1));
            if (file.empty())
                return usage("bad --" + std::string(option) + " '" + text + "': no file");
            slot = file;
        }

    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet"));
    std::vector<const PluginInformation*> plugins;
    for (const std::string& query : parsed.positional()) {
        const PluginInformation* plugin = resolvePlugin(catalog, query);
        if (plugin == nullptr)
            return kExitPluginNotFound;
        plugins.push_back(plugin);
    }

    WavAudio input;
    const bool haveInput = parsed.has("input");
    if (haveInput) {
        std::vector<uint8_t> bytes;
        if (!readWholeFile(parsed.value("input"), &bytes, &error) ||
            !decodeWav(bytes.data(), bytes.size(), &input, &error)) {
            std::fprintf(stderr, "aap-host render: %s: %s\n", parsed.value("input").c_str(), error.c_str());
            return kExitBadInput;
        }
        if (rate != 0 && rate != input.sampleRate)
            return usage("the input is " + std::to_string(input.sampleRate) + " Hz but --rate is " + std::to_string(rate) +
                         "; aap-host does not resample");
        rate = input.sampleRate;
    }
    if (rate == 0)
        rate = 48000;
    MidiFile midi;
    const bool haveMidi = parsed.has("midi");
    if (haveMidi) {
        std::vector<uint8_t> bytes;
        if (!readWholeFile(parsed.value("midi"), &bytes, &error, kMaxMidiFileBytes) ||
            !decodeMidiFile(bytes.data(), bytes.size(), &midi, &error)) {
            std::fprintf(stderr, "aap-host render: %s: %s\n", parsed.value("midi").c_str(), error.c_str());
            return kExitBadInput;
        }
    }
    // The length, from --length, else the input, else the MIDI file: whichever gives it, at most
    // kMaxRenderSeconds. A longer input or MIDI file is a bad input (exit code 4), never truncated
    // silently and never an allocation the size of its claim.
    int64_t totalFrames = 0;
    auto tooLong = [&](const std::string& file, const char* what, double seconds) {
        std::fprintf(stderr,
                     "aap-host render: %s: the %s lasts %.0f s, longer than the %.0f s a render may last; give --length "
                     "(at most %.0f) to render its beginning\n",
                     file.c_str(), what, seconds, kMaxRenderSeconds, kMaxRenderSeconds);
        return kExitBadInput;
    };
    if (length > 0) {
        totalFrames = static_cast<int64_t>(std::llround(length * static_cast<double>(rate)));
    } else if (haveInput) {
        const double seconds = static_cast<double>(input.frames()) / static_cast<double>(rate);
        if (seconds > kMaxRenderSeconds)
            return tooLong(parsed.value("input"), "input", seconds);
        totalFrames = static_cast<int64_t>(input.frames());
    } else if (haveMidi) {
        const double seconds = midi.durationSeconds + tail;
        if (!(seconds <= kMaxRenderSeconds))
            return tooLong(parsed.value("midi"), "MIDI file (with --tail)", seconds);
        totalFrames = static_cast<int64_t>(std::llround(seconds * static_cast<double>(rate)));
    } else {
        return usage("nothing determines the length: give --input, --midi or --length");
    }
    if (totalFrames <= 0)
        return usage("the input is empty; give --length");

    const std::string output = parsed.value("output");
    if (!checkOutputWritable(output, &error)) {
        std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
        return kExitOutputError;
    }

    std::vector<std::vector<uint8_t>> stateIn(count);
    for (size_t p = 0; p < count; p++) {
        if (!stateInPaths[p].empty() && !readWholeFile(stateInPaths[p], &stateIn[p], &error, 64u << 20)) {
            std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
            return kExitBadInput;
        }
        if (!stateOutPaths[p].empty() && !checkOutputWritable(stateOutPaths[p], &error)) {
            std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
            return kExitOutputError;
        }
    }

    RenderJob job;
    job.input = haveInput ? &input : nullptr;
    job.totalFrames = totalFrames;
    job.blockSize = static_cast<int32_t>(block);
    job.sampleRate = static_cast<int32_t>(rate);
    if (haveMidi)
        appendMidiFileEvents(midi, job.sampleRate, &job.events);
    if (isatty(STDERR_FILENO) && !parsed.has("quiet"))
        job.progress = printProgress;
    job.maxCycleSamples = kMaxCycleSamples;

    PluginHost host{catalog, hostOptionsFrom(parsed)};
    std::vector<std::unique_ptr<HostedPlugin>> hosted(count);
    std::vector<std::unique_ptr<PresetScheduler>> schedulers(count);
    for (size_t p = 0; p < count; p++) {
        const PluginInformation& plugin = *plugins[p];
        // In a chain every message names the plugin's position too.
        const std::string label = count == 1 ? plugin.uniqueId : "plugin " + std::to_string(p + 1) + " (" + plugin.uniqueId + ")";
        HostingStatus status =
            HostedPlugin::open(host, plugin.uniqueId, HostedPluginOptions::at(job.blockSize, job.sampleRate), &hosted[p], &error);
        if (status != HostingStatus::Ok) {
            std::fprintf(stderr, "aap-host render: %s%s\n", count == 1 ? "" : (label + ": ").c_str(), error.c_str());
            return kExitRuntimeFailure;
        }
        // Parameter ids and ranges: the running plugin's, the metadata's only without a parameters
        // extension. Checked before anything is rendered.
        ResolvedParameters parameters;
        if (!resolveParameters(*hosted[p], plugin, &parameters, &error)) {
            std::fprintf(stderr, "aap-host render: %s: %s\n", label.c_str(), error.c_str());
            return kExitRuntimeFailure;
        }
        if (!checkParameterChanges(plugin.uniqueId, parameters, controls[p], &error))
            return usage("bad --param: " + error);
        const size_t first = job.events.size();
        appendParameterChanges(parameters, controls[p], job.sampleRate, &job.events);
        for (size_t e = first; e < job.events.size(); e++)
            job.events[e].target = static_cast<int32_t>(p);
        // Presets: validated against the plugin's own count, then applied while active at their frame.
        std::vector<PresetScheduler::Change> presetChanges;
        for (const ControlChange& change : controls[p])
            if (change.kind == ControlChange::Kind::Preset) {
                PresetScheduler::Change scheduled;
                scheduled.frame = static_cast<int64_t>(std::llround(change.seconds * job.sampleRate));
                scheduled.index = change.presetIndex;
                presetChanges.push_back(scheduled);
            }
        if (!presetChanges.empty()) {
            if (hosted[p]->presets() == nullptr) {
                std::fprintf(stderr, "aap-host render: %s: --preset needs the presets extension, which is unavailable\n",
                             label.c_str());
                return kExitRuntimeFailure;
            }
            ExtensionResult<int32_t> presetCount = hosted[p]->presets()->getPresetCount();
            if (!presetCount.ok()) {
                std::fprintf(stderr, "aap-host render: %s: cannot read the preset count: %s\n", label.c_str(),
                             describeExtensionError(presetCount.error()).c_str());
                return kExitRuntimeFailure;
            }
            for (const PresetScheduler::Change& change : presetChanges)
                if (change.index >= presetCount.value())
                    return usage("bad --preset " + std::to_string(change.index) + ": " + plugin.uniqueId +
                                 (presetCount.value() == 0 ? std::string(" has no presets")
                                                           : " has " + std::to_string(presetCount.value()) + " presets (0.." +
                                                                 std::to_string(presetCount.value() - 1) + ")"));
        }
        if (!stateInPaths[p].empty()) {
            ExtensionStatus loaded = hosted[p]->state() != nullptr ? hosted[p]->state()->setState(stateIn[p])
                                                                   : ExtensionStatus{ExtensionError::NotAvailable};
            if (!loaded.ok()) {
                std::fprintf(stderr, "aap-host render: %s: cannot load state %s: %s\n", label.c_str(),
                             stateInPaths[p].c_str(), describeExtensionError(loaded.error()).c_str());
                return kExitRuntimeFailure;
            }
        }
        if (!presetChanges.empty()) {
            schedulers[p] = std::make_unique<PresetScheduler>(hosted[p]->presets(), presetChanges);
            const std::vector<int64_t> frames = schedulers[p]->frames();
            job.splitFrames.insert(job.splitFrames.end(), frames.begin(), frames.end());
        }
    }
    const bool anyPresets = std::any_of(schedulers.begin(), schedulers.end(), [](const auto& s) { return s != nullptr; });
    if (anyPresets) {
        job.beforeCycle = [&schedulers](int64_t frame) {
            for (auto& scheduler : schedulers)
                if (scheduler)
                    scheduler->submitDue(frame);
        };
        job.hasPendingRequests = [&schedulers] {
            for (auto& scheduler : schedulers)
                if (scheduler && scheduler->pending())
                    return true;
            return false;
        };
    }
    const PluginInformation* plugin = plugins.back();

    // The output is streamed: its header (the length is known) now, then each cycle's frames as
    // they come, so memory does not grow with the length.
    int32_t channels = 0;
    for (const PortInformation& port : hosted.back()->instance().information().ports)
        if (port.contentType == PortContentType::Audio && port.direction == PortDirection::Output)
            channels++;
    if (channels == 0) {
        std::fprintf(stderr, "aap-host render: %s: the %s has no audio output port\n", plugin->uniqueId.c_str(),
                     count == 1 ? "plugin" : "last plugin of the chain");
        return kExitRuntimeFailure;
    }
    OutputFile outputFile;
    std::vector<uint8_t> pending;
    if (!encodeWavHeader(job.sampleRate, channels, format, static_cast<uint64_t>(totalFrames), &pending, &error)) {
        std::fprintf(stderr, "aap-host render: cannot write %s: %s\n", output.c_str(), error.c_str());
        return kExitOutputError;
    }
    if (!OutputFile::open(output, &outputFile, &error)) {
        std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
        return kExitOutputError;
    }
    bool outputFailed = false;
    job.sink = [&](const float* interleaved, int32_t frames, int32_t sinkChannels, std::string* sinkError) {
        encodeWavSamples(interleaved, static_cast<size_t>(frames) * static_cast<size_t>(sinkChannels), format, &pending);
        if (pending.size() < kOutputChunkBytes)
            return true;
        const bool written = outputFile.write(pending.data(), pending.size(), sinkError);
        pending.clear();
        outputFailed = !written;
        return written;
    };

    // A chain runs as a PluginGraph (each plugin woken by its predecessor), except when --preset
    // changes are scheduled: they complete in zero-frame cycles, which only sequential process()
    // calls have (see docs/aap-host.md). A single plugin runs on its own.
    const bool useGraph = count > 1 && !anyPresets;
    std::unique_ptr<PluginGraph> graph;
    std::vector<PluginInstance*> chain;
    RenderResult result;
    HostingStatus status = HostingStatus::Ok;
    if (useGraph) {
        if (!buildChainGraph(hosted, job.blockSize, job.sampleRate, &graph, &error)) {
            std::fprintf(stderr, "aap-host render: chain: %s\n", error.c_str());
            return kExitRuntimeFailure;
        }
    } else {
        for (size_t p = 0; p < count; p++) {
            status = hosted[p]->instance().activate();
            if (status != HostingStatus::Ok) {
                std::fprintf(stderr, "aap-host render: %s: activate failed: %s\n", plugins[p]->uniqueId.c_str(),
                             hostingStatusMessage(status));
                return kExitRuntimeFailure;
            }
            chain.push_back(&hosted[p]->instance());
        }
    }
    const bool rendered = useGraph ? renderOffline(*graph, -1, job, &result, &status, &error)
                                   : renderOffline(chain, job, &result, &status, &error);
    if (!rendered) {
        if (outputFailed) {
            std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
            return kExitOutputError;
        }
        std::fprintf(stderr, "aap-host render: %s: %s\n", count == 1 ? plugin->uniqueId.c_str() : "chain", error.c_str());
        return kExitRuntimeFailure;
    }
    for (size_t p = 0; p < count; p++)
        if (schedulers[p])
            if (std::string presetError = schedulers[p]->firstError(); !presetError.empty()) {
                std::fprintf(stderr, "aap-host render: %s: %s\n", plugins[p]->uniqueId.c_str(), presetError.c_str());
                return kExitRuntimeFailure;
            }
    // A plugin that fails or hangs in deactivate() (out of process: the control call's deadline)
    // is a runtime failure, and its output is not kept.
    if (useGraph) {
        const GraphStatus deactivated = graph->deactivate();
        if (deactivated != GraphStatus::Ok) {
            std::fprintf(stderr, "aap-host render: chain: deactivate failed: %s\n", describe(deactivated));
            return kExitRuntimeFailure;
        }
    } else {
        for (size_t p = 0; p < count; p++)
            if ((status = hosted[p]->instance().deactivate()) != HostingStatus::Ok) {
                std::fprintf(stderr, "aap-host render: %s: deactivate failed: %s\n", plugins[p]->uniqueId.c_str(),
                             hostingStatusMessage(status));
                return kExitRuntimeFailure;
            }
    }
    std::vector<std::vector<uint8_t>> stateBytes(count);
    for (size_t p = 0; p < count; p++) {
        if (stateOutPaths[p].empty())
            continue;
        ExtensionResult<std::vector<uint8_t>> saved =
            hosted[p]->state() != nullptr ? hosted[p]->state()->getState()
                                          : ExtensionResult<std::vector<uint8_t>>{ExtensionError::NotAvailable};
        if (!saved.ok()) {
            std::fprintf(stderr, "aap-host render: %s: cannot save state: %s\n", plugins[p]->uniqueId.c_str(),
                         describeExtensionError(saved.error()).c_str());
            return kExitRuntimeFailure;
        }
        stateBytes[p] = std::move(saved.value());
    }
    chain.clear();
    graph.reset();  // before the plugins it does not own
    hosted.clear();

    encodeWavTrailer(channels, format, static_cast<uint64_t>(totalFrames), &pending);
    if (!outputFile.write(pending.data(), pending.size(), &error) || !outputFile.commit(&error)) {
        std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
        return kExitOutputError;
    }
    for (size_t p = 0; p < count; p++)
        if (!stateOutPaths[p].empty() && !writeFileAtomically(stateOutPaths[p], stateBytes[p], &error)) {
            std::fprintf(stderr, "aap-host render: %s\n", error.c_str());
            return kExitOutputError;
        }
    CycleSummary summary = summarizeCycles(result.cycleNs);
    // Exact over every cycle even when cycleNs holds a sample of them.
    summary.cycles = result.cycles;
    summary.maxUs = static_cast<double>(result.maxCycleNs) / 1000.0;
    summary.meanUs = result.cycles > 0 ? static_cast<double>(result.totalCycleNs) / static_cast<double>(result.cycles) / 1000.0 : 0;
    std::fprintf(stderr, "aap-host render: wrote %s (%lld frames, %d channels, %d Hz, %s); %zu MIDI events; %s\n",
                 output.c_str(), static_cast<long long>(totalFrames), channels, job.sampleRate,
                 toString(format), result.eventsDelivered, describe(summary).c_str());
    if (result.eventsDropped > 0)
        std::fprintf(stderr, "aap-host render: warning: %zu MIDI events did not fit their cycle's MIDI buffer\n",
                     result.eventsDropped);
    return kExitOk;
}

} // namespace aap::host_tool
