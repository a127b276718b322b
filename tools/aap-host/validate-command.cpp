// aap-host validate: a battery of checks that anyone testing a plugin can run (docs/architecture.md). Every
// check prints one line "PASS|WARN|FAIL <check>: <detail>"; the exit code is kExitValidationFailed
// when any check FAILs. The plugin runs out of process by default, so a plugin that crashes, hangs
// or writes garbage becomes a FAIL line instead of taking aap-host down.
//
// A plugin fault (its process died, a process() call timed out, a protocol error, a process() call
// over the deadline) ends the run: every later check needs a working plugin, and repeating a hang
// per check would only multiply the wait. The report then says it stopped ("stopped": true in JSON).

#include <algorithm>
#include <chrono>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "aap/abi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"
#include "aap/hosting/plugin-json.h"
#include "aapxs/midi2-buffer.h"
#include "commands.h"
#include "exit-codes.h"
#include "aap/hosting/hosted-plugin.h"
#include "midi1-to-ump.h"
#include "plugin-resolution.h"
#include "validate-gui.h"

namespace aap::host_tool {
namespace {

// A process() call slower than this is a FAIL: at 48 kHz it is 19 periods of 256 frames.
constexpr int64_t kDeadlineNs = 100'000'000;
// How long process() may take before the instance is declared hung (and goes offline).
constexpr int64_t kHangTimeoutNs = 1'000'000'000;
// How long a preset selection may take to be answered while active.
constexpr auto kRealtimeRequestWait = std::chrono::seconds(2);
// "Silence" for the tail check: -100 dBFS.
constexpr float kSilencePeak = 1e-5f;
// More subnormal output samples than this share is "denormal-heavy" (a CPU-time hazard on x86).
constexpr double kDenormalShare = 0.01;
constexpr int32_t kMainFrames = 256;
constexpr int32_t kMainRate = 48000;

enum class Verdict { Pass, Warn, Fail };

const char* verdictName(Verdict verdict) {
    switch (verdict) {
    case Verdict::Pass: return "PASS";
    case Verdict::Warn: return "WARN";
    default: return "FAIL";
    }
}

struct CheckLine {
    Verdict verdict;
    std::string name;
    std::string detail;
};

enum class Signal { Silence, Impulse, Noise };

const char* signalName(Signal signal) {
    switch (signal) {
    case Signal::Silence: return "silence";
    case Signal::Impulse: return "impulse";
    default: return "white noise";
    }
}

// What the audio outputs contained over a run of cycles.
struct OutputScan {
    int64_t samples = 0;
    int64_t nans = 0;
    int64_t infinities = 0;
    int64_t subnormals = 0;
    float lastCyclePeak = 0.0f;
    std::string firstBadPort;
};

std::string milliseconds(int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f ms", static_cast<double>(ns) / 1e6);
    return text;
}

class Validator {
public:
    Validator(const PluginInformation& plugin, std::vector<CatalogDiagnostic> metadataWarnings, PluginHost& host,
              bool printLines)
        : plugin_(plugin), metadataWarnings_(std::move(metadataWarnings)), host_(host), printLines_(printLines) {}

    void run();
    // A check run outside the battery (validate --gui's GUI checks).
    void add(Verdict verdict, const std::string& name, const std::string& detail) { report(verdict, name, detail); }
    const std::vector<CheckLine>& lines() const noexcept { return lines_; }
    bool stopped() const noexcept { return stopped_; }
    bool anyFailed() const {
        for (const CheckLine& line : lines_)
            if (line.verdict == Verdict::Fail)
                return true;
        return false;
    }

private:
    void report(Verdict verdict, const std::string& name, const std::string& detail) {
        lines_.push_back({verdict, name, detail});
        if (printLines_) {
            std::printf("%s %s: %s\n", verdictName(verdict), name.c_str(), detail.c_str());
            std::fflush(stdout);
        }
    }
    // A plugin fault during `check`: a deadline overrun or hang is reported as the deadline
    // check, anything else under the check's own name; either way the run stops.
    void fault(const std::string& check, const std::string& why) {
        report(Verdict::Fail, overDeadline_ ? "deadline" : check,
               overDeadline_ ? why + " (during the " + check + " check)" : why);
        stopped_ = true;
    }
    bool declares(const char* uri) const {
        for (const ExtensionInformation& extension : plugin_.extensions)
            if (extension.uri == uri)
                return true;
        return false;
    }

    bool checkMetadata();
    bool checkInstantiate();
    void checkParameters(HostedPlugin& hosted);
    void checkPresetListing(HostedPlugin& hosted);
    void checkStateRoundTrip(HostedPlugin& hosted);
    void checkLifecycle(PluginInstance& instance);
    void checkShortCycles(PluginInstance& instance);
    void checkOutputs(PluginInstance& instance, Signal signal);
    void checkTail(PluginInstance& instance);
    void checkPresetsWhileActive(HostedPlugin& hosted);
    void checkPrepare(int32_t frames, int32_t rate);

    // One process() cycle of `frames` with `signal` as input (position counts frames since the
    // signal started). False on a fault, with *why set and overDeadline_ telling which kind.
    bool cycle(PluginInstance& instance, int32_t frames, Signal signal, int64_t position, OutputScan* scan,
               std::string* why);
    // Runs cycles of the prepared size for `totalFrames`.
    bool run(PluginInstance& instance, Signal signal, int64_t totalFrames, OutputScan* scan, std::string* why);
    void fillInputs(PluginInstance& instance, int32_t frames, Signal signal, int64_t position);
    std::string lifecycleError(const char* step, HostingStatus status) const;

    const PluginInformation& plugin_;
    std::vector<CatalogDiagnostic> metadataWarnings_;
    PluginHost& host_;
    bool printLines_;
    std::vector<CheckLine> lines_;
    bool stopped_ = false;
    bool overDeadline_ = false;
    int32_t presetCount_ = -1;  // what the presets listing check found; -1 when it failed
    int64_t slowestNs_ = 0;
    int64_t processCalls_ = 0;
    uint32_t noiseState_ = 0x12345678u;
};

std::string Validator::lifecycleError(const char* step, HostingStatus status) const {
    // hostingStatusMessage says what happened: "offline (crashed, hung or destroyed)", ...
    return std::string(step) + " failed: " + hostingStatusMessage(status);
}

bool Validator::checkMetadata() {
    report(Verdict::Pass, "metadata",
           plugin_.uniqueId + " from " + plugin_.metadataFilePath + ": " + std::to_string(plugin_.ports.size()) +
               " ports, " + std::to_string(plugin_.parameters.size()) + " parameters, " +
               std::to_string(plugin_.extensions.size()) + " extensions declared");
    // What the catalog ignored in the file (unknown attributes, an unknown bom, ...): the plugin
    // loads, but its author may have meant something this host does not read.
    for (const CatalogDiagnostic& warning : metadataWarnings_)
        report(Verdict::Warn, "metadata", warning.toString());
    struct stat info {};
    if (::stat(plugin_.libraryPath.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        report(Verdict::Fail, "library", plugin_.libraryPath + " does not exist or is not a regular file");
        return false;
    }
    report(Verdict::Pass, "library", plugin_.libraryPath);

    int midiIn = 0, midiOut = 0, audioIn = 0, audioOut = 0;
    for (const PortInformation& port : plugin_.ports) {
        const bool input = port.direction == PortDirection::Input;
        if (port.contentType == PortContentType::Midi2)
            (input ? midiIn : midiOut)++;
        else if (port.contentType == PortContentType::Audio)
            (input ? audioIn : audioOut)++;
    }
    const std::string counts = std::to_string(audioIn) + " audio in, " + std::to_string(audioOut) +
                               " audio out, " + std::to_string(midiIn) + " MIDI2 in, " + std::to_string(midiOut) +
                               " MIDI2 out";
    if (midiIn == 0 || midiOut == 0)
        report(Verdict::Fail, "ports", counts + ": AAPXS needs a MIDI2 input and a MIDI2 output");
    else if (!plugin_.isInstrument() && audioIn == 0)
        report(Verdict::Warn, "ports", counts + ": an effect without audio input");
    else if (audioOut == 0)
        report(Verdict::Warn, "ports", counts + ": no audio output");
    else
        report(Verdict::Pass, "ports", counts);
    return true;
}

bool Validator::checkInstantiate() {
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    HostingStatus status = host_.instantiate(plugin_.uniqueId, &instance, &error);
    if (status != HostingStatus::Ok) {
        // The hosting runtime refuses an incompatible ABI record (include/aap/abi.h) here; its
        // verdict is in `error`.
        report(Verdict::Fail, "instantiate",
               std::string(hostingStatusMessage(status)) + (error.empty() ? "" : ": " + error));
        return false;
    }
    // Every declared extension needs an AAPXS definition on the plugin side (the SDK's standard
    // ones, or one the library exports through aap_plugin_get_aapxs_definitions), or no host can
    // call it out of process. addExtension maps a urid only when the plugin side has one.
    std::vector<std::string> undefined;
    for (const ExtensionInformation& extension : plugin_.extensions) {
        uint8_t* block = nullptr;
        status = instance->addExtension(extension.uri, 64, &block);
        if (status != HostingStatus::Ok) {
            report(Verdict::Fail, "extensions",
                   "registering " + extension.uri + " failed: " + hostingStatusMessage(status));
            instance->destroy();
            return false;
        }
        if (instance->uridOf(extension.uri.data(), extension.uri.size()) == 0)
            undefined.push_back(extension.uri);
    }
    instance->destroy();
    report(Verdict::Pass, "instantiate",
           "instance created and destroyed; its ABI record (if any) is compatible with AAP ABI " +
               std::to_string(AAP_ABI_VERSION_MAJOR) + ".x");
    for (const std::string& uri : undefined)
        report(Verdict::Warn, "extensions",
               uri + " is declared, but the plugin side has no AAPXS definition for it: hosts cannot call it out of "
                     "process (a third-party extension's definition is exported by the plugin library, "
                     "aap_plugin_get_aapxs_definitions in aapxs/plugin-aapxs-definitions.h)");
    if (undefined.empty() && !plugin_.extensions.empty())
        report(Verdict::Pass, "extensions",
               "every declared extension (" + std::to_string(plugin_.extensions.size()) +
                   ") has an AAPXS definition on the plugin side");
    return true;
}

void Validator::checkParameters(HostedPlugin& hosted) {
    auto sane = [](double minimum, double maximum, double fallback, std::string* why) {
        if (!std::isfinite(minimum) || !std::isfinite(maximum) || !std::isfinite(fallback))
            *why = "a bound or the default is not finite";
        else if (minimum > maximum)
            *why = "minimum above maximum";
        else if (fallback < minimum || fallback > maximum)
            *why = "default outside the range";
        else
            return true;
        return false;
    };
    std::string why;
    for (const ParameterInformation& p : plugin_.parameters)
        if (!sane(p.minimumValue, p.maximumValue, p.defaultValue, &why)) {
            report(Verdict::Fail, "parameters",
                   "metadata parameter " + std::to_string(p.id) + " (" + p.name + "): " + why);
            return;
        }
    if (!declares(AAP_PARAMETERS_EXTENSION_URI)) {
        if (!plugin_.parameters.empty())
            report(Verdict::Pass, "parameters",
                   std::to_string(plugin_.parameters.size()) +
                       " metadata parameters with sane ranges (the parameters extension is not declared)");
        return;
    }
    if (hosted.parameters() == nullptr) {
        report(Verdict::Fail, "parameters", "declared, but extensions are unavailable for this instance");
        return;
    }
    ExtensionResult<int32_t> count = hosted.parameters()->getParameterCount();
    if (!count.ok()) {
        report(Verdict::Fail, "parameters", "declared, but get count: " + describeExtensionError(count.error()));
        return;
    }
    if (count.value() < 0) {
        report(Verdict::Pass, "parameters",
               "the plugin defers to the metadata's " + std::to_string(plugin_.parameters.size()) + " parameters");
        return;
    }
    if (static_cast<size_t>(count.value()) != plugin_.parameters.size()) {
        report(Verdict::Fail, "parameters",
               "the plugin reports " + std::to_string(count.value()) + " parameters, the metadata declares " +
                   std::to_string(plugin_.parameters.size()));
        return;
    }
    for (int32_t i = 0; i < count.value(); i++) {
        ExtensionResult<aap_parameter_info_t> info = hosted.parameters()->getParameter(i);
        if (!info.ok()) {
            report(Verdict::Fail, "parameters",
                   "parameter #" + std::to_string(i) + ": " + describeExtensionError(info.error()));
            return;
        }
        const aap_parameter_info_t& p = info.value();
        if (!sane(p.min_value, p.max_value, p.default_value, &why)) {
            report(Verdict::Fail, "parameters",
                   "parameter #" + std::to_string(i) + " (id " + std::to_string(p.stable_id) + "): " + why);
            return;
        }
    }
    report(Verdict::Pass, "parameters",
           std::to_string(count.value()) + " parameters, as many as the metadata declares, every range sane");
}

void Validator::checkPresetListing(HostedPlugin& hosted) {
    if (!declares(AAP_PRESETS_EXTENSION_URI))
        return;
    if (hosted.presets() == nullptr) {
        report(Verdict::Fail, "presets", "declared, but extensions are unavailable for this instance");
        return;
    }
    ExtensionResult<int32_t> count = hosted.presets()->getPresetCount();
    if (!count.ok() || count.value() < 0) {
        report(Verdict::Fail, "presets",
               "declared, but get count: " +
                   (count.ok() ? "negative count " + std::to_string(count.value()) : describeExtensionError(count.error())));
        return;
    }
    presetCount_ = count.value();
    std::string names;
    for (int32_t i = 0; i < count.value(); i++) {
        ExtensionResult<aap_preset_t> preset = hosted.presets()->getPreset(i);
        if (!preset.ok()) {
            report(Verdict::Fail, "presets", "preset #" + std::to_string(i) + ": " + describeExtensionError(preset.error()));
            return;
        }
        names += (i == 0 ? "" : ", ") + std::string(preset.value().name);
    }
    report(Verdict::Pass, "presets", std::to_string(count.value()) + " listed" + (names.empty() ? "" : ": " + names));
}

void Validator::checkStateRoundTrip(HostedPlugin& hosted) {
    if (!declares(AAP_STATE_EXTENSION_URI))
        return;
    if (hosted.state() == nullptr) {
        report(Verdict::Fail, "state", "declared, but extensions are unavailable for this instance");
        return;
    }
    ExtensionResult<std::vector<uint8_t>> first = hosted.state()->getState();
    if (!first.ok()) {
        report(Verdict::Fail, "state", "get: " + describeExtensionError(first.error()));
        return;
    }
    ExtensionStatus set = hosted.state()->setState(first.value());
    if (!set.ok()) {
        report(Verdict::Fail, "state", "set: " + describeExtensionError(set.error()));
        return;
    }
    ExtensionResult<std::vector<uint8_t>> second = hosted.state()->getState();
    if (!second.ok()) {
        report(Verdict::Fail, "state", "get after set: " + describeExtensionError(second.error()));
        return;
    }
    if (second.value() != first.value()) {
        size_t at = 0;
        while (at < first.value().size() && at < second.value().size() && first.value()[at] == second.value()[at])
            at++;
        report(Verdict::Fail, "state",
               "get -> set -> get differs: " + std::to_string(first.value().size()) + " bytes, then " +
                   std::to_string(second.value().size()) + " bytes, first difference at byte " + std::to_string(at));
        return;
    }
    report(Verdict::Pass, "state", "get -> set -> get round trip of " + std::to_string(first.value().size()) + " bytes");
}

void Validator::fillInputs(PluginInstance& instance, int32_t frames, Signal signal, int64_t position) {
    for (const PortInformation& port : plugin_.ports) {
        if (port.direction != PortDirection::Input)
            continue;
        if (port.contentType == PortContentType::Audio) {
            float* buffer = instance.audioBuffer(port.index);
            for (int32_t i = 0; i < frames; i++) {
                float value = 0.0f;
                if (signal == Signal::Impulse)
                    value = position + i == 0 ? 1.0f : 0.0f;
                else if (signal == Signal::Noise) {
                    noiseState_ = noiseState_ * 1664525u + 1013904223u;  // deterministic, no allocation
                    value = static_cast<float>(noiseState_ >> 8) / 16777216.0f - 0.5f;
                }
                buffer[i] = value;
            }
        } else if (port.contentType == PortContentType::Midi2) {
            void* midi = instance.portBuffer(port.index);
            const size_t capacity = instance.portBufferSize(port.index);
            aapxs_midi2_buffer_init(midi, capacity);
            // An instrument sounds only when played: a chord with the impulse or the noise.
            if (plugin_.isInstrument() && signal != Signal::Silence && position == 0)
                for (uint8_t note : {60, 64, 67}) {
                    Ump64 ump;
                    midi1ToUmp(0, 0x90, note, signal == Signal::Impulse ? 127 : 90, &ump);
                    aapxs_midi2_buffer_append_ump(midi, capacity, ump.words, 2);
                }
        }
    }
}

bool Validator::cycle(PluginInstance& instance, int32_t frames, Signal signal, int64_t position, OutputScan* scan,
                      std::string* why) {
    fillInputs(instance, frames, signal, position);
    const auto started = std::chrono::steady_clock::now();
    const HostingStatus status = instance.process(frames, kHangTimeoutNs);
    const int64_t elapsed =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
    processCalls_++;
    if (elapsed > slowestNs_)
        slowestNs_ = elapsed;
    if (status == HostingStatus::Timeout || status == HostingStatus::Xrun) {
        overDeadline_ = true;
        *why = "process() of " + std::to_string(frames) + " frames did not return within " +
               milliseconds(kHangTimeoutNs) + " (the plugin hangs)";
        return false;
    }
    if (status != HostingStatus::Ok) {
        *why = lifecycleError(("process() of " + std::to_string(frames) + " frames").c_str(), status);
        return false;
    }
    if (elapsed > kDeadlineNs) {
        overDeadline_ = true;
        *why = "process() of " + std::to_string(frames) + " frames took " + milliseconds(elapsed) + ", over the " +
               milliseconds(kDeadlineNs) + " deadline";
        return false;
    }
    if (scan == nullptr)
        return true;
    scan->lastCyclePeak = 0.0f;
    for (const PortInformation& port : plugin_.ports) {
        if (port.direction != PortDirection::Output || port.contentType != PortContentType::Audio)
            continue;
        const float* buffer = instance.audioBuffer(port.index);
        for (int32_t i = 0; i < frames; i++) {
            const float value = buffer[i];
            scan->samples++;
            const int kind = std::fpclassify(value);
            if (kind == FP_NAN || kind == FP_INFINITE || kind == FP_SUBNORMAL) {
                (kind == FP_NAN ? scan->nans : kind == FP_INFINITE ? scan->infinities : scan->subnormals)++;
                if (scan->firstBadPort.empty() && kind != FP_SUBNORMAL)
                    scan->firstBadPort = port.name;
                continue;
            }
            scan->lastCyclePeak = std::max(scan->lastCyclePeak, std::fabs(value));
        }
    }
    return true;
}

bool Validator::run(PluginInstance& instance, Signal signal, int64_t totalFrames, OutputScan* scan, std::string* why) {
    const int32_t block = instance.preparedFrames();
    for (int64_t position = 0; position < totalFrames; position += block)
        if (!cycle(instance, block, signal, position, scan, why))
            return false;
    return true;
}

void Validator::checkLifecycle(PluginInstance& instance) {
    std::string why;
    for (int round = 1; round <= 3; round++) {
        HostingStatus status = instance.activate();
        if (status != HostingStatus::Ok) {
            fault("lifecycle", lifecycleError(round == 1 ? "activate()" : "re-activate()", status));
            return;
        }
        if (!run(instance, Signal::Noise, 4 * kMainFrames, nullptr, &why)) {
            fault("lifecycle", "round " + std::to_string(round) + ": " + why);
            return;
        }
        status = instance.deactivate();
        if (status != HostingStatus::Ok) {
            fault("lifecycle", lifecycleError("deactivate()", status));
            return;
        }
    }
    report(Verdict::Pass, "lifecycle", "3 rounds of activate, 4 process() cycles, deactivate");
}

void Validator::checkShortCycles(PluginInstance& instance) {
    std::string why;
    OutputScan scan;
    for (int i = 0; i < 3; i++)
        if (!cycle(instance, 0, Signal::Noise, 0, &scan, &why)) {
            fault("process 0 frames", why);
            return;
        }
    report(Verdict::Pass, "process 0 frames", "3 cycles");
    int64_t position = 0;
    for (int32_t frames : {1, 100, kMainFrames - 1, 17}) {
        if (!cycle(instance, frames, Signal::Noise, position, &scan, &why)) {
            fault("process fewer frames", why);
            return;
        }
        position += frames;
    }
    if (scan.nans + scan.infinities > 0) {
        report(Verdict::Fail, "process fewer frames",
               std::to_string(scan.nans) + " NaN and " + std::to_string(scan.infinities) + " infinite samples in " +
                   scan.firstBadPort);
        return;
    }
    report(Verdict::Pass, "process fewer frames", "1, 100, 255 and 17 frames of 256 prepared");
}

void Validator::checkOutputs(PluginInstance& instance, Signal signal) {
    OutputScan scan;
    std::string why;
    const std::string name = std::string("output (") + signalName(signal) + ")";
    if (!run(instance, signal, kMainRate / 2, &scan, &why)) {
        fault(name, why);
        return;
    }
    if (scan.nans + scan.infinities > 0) {
        report(Verdict::Fail, name,
               std::to_string(scan.nans) + " NaN and " + std::to_string(scan.infinities) + " infinite samples of " +
                   std::to_string(scan.samples) + " (first in " + scan.firstBadPort + ")");
        return;
    }
    const double share = scan.samples == 0 ? 0.0 : static_cast<double>(scan.subnormals) / scan.samples;
    if (share > kDenormalShare) {
        char text[160];
        std::snprintf(text, sizeof(text), "%lld of %lld samples are denormal (%.1f%%, limit %.0f%%)",
                      static_cast<long long>(scan.subnormals), static_cast<long long>(scan.samples), 100 * share,
                      100 * kDenormalShare);
        report(Verdict::Fail, name, text);
        return;
    }
    report(Verdict::Pass, name,
           std::to_string(scan.samples) + " samples over 0.5 s, all finite, " + std::to_string(scan.subnormals) +
               " denormal");
}

void Validator::checkTail(PluginInstance& instance) {
    // After the noise, silence in must become silence out once the effect's tail has decayed.
    constexpr int64_t kLongestTail = 10 * kMainRate;
    constexpr int64_t kQuietSpan = kMainRate / 2;
    OutputScan scan;
    std::string why;
    int64_t quietSince = -1;
    for (int64_t position = 0; position < kLongestTail; position += kMainFrames) {
        if (!cycle(instance, kMainFrames, Signal::Silence, position + 1, &scan, &why)) {
            fault("tail", why);
            return;
        }
        if (scan.lastCyclePeak > kSilencePeak || scan.nans + scan.infinities > 0)
            quietSince = -1;
        else if (quietSince < 0)
            quietSince = position;
        if (quietSince >= 0 && position + kMainFrames - quietSince >= kQuietSpan) {
            char text[128];
            std::snprintf(text, sizeof(text), "silent (below -100 dBFS) %.2f s after the input fell silent",
                          static_cast<double>(quietSince) / kMainRate);
            report(Verdict::Pass, "tail", text);
            return;
        }
    }
    char text[160];
    std::snprintf(text, sizeof(text), "still not silent 10 s after the input fell silent (last peak %.3g)",
                  static_cast<double>(scan.lastCyclePeak));
    report(Verdict::Warn, "tail", text);
}

struct PresetSelection {
    bool completed = false;
    ExtensionError error = ExtensionError::None;
};

void presetSelected(void* user, const ExtensionStatus& result) noexcept {
    auto* selection = static_cast<PresetSelection*>(user);
    selection->error = result.error();
    selection->completed = true;
}

void Validator::checkPresetsWhileActive(HostedPlugin& hosted) {
    if (!declares(AAP_PRESETS_EXTENSION_URI) || hosted.presets() == nullptr)
        return;
    // The count from the listing check: a synchronous call now, while active, would wait for a
    // process() on this very thread (extension-client.h).
    if (presetCount_ < 0)
        return;  // already a FAIL of the listing check
    std::string why;
    OutputScan scan;
    for (int32_t index = 0; index < presetCount_; index++) {
        // The request travels in the MIDI2 stream; the completion fires on this thread inside a
        // later process() (docs/spec/abi.md section 4), so zero-frame cycles pump it.
        PresetSelection selection;
        hosted.presets()->setPresetIndexAsync(index, &presetSelected, &selection);
        const auto giveUp = std::chrono::steady_clock::now() + kRealtimeRequestWait;
        while (!selection.completed) {
            if (!cycle(hosted.instance(), 0, Signal::Silence, 1, nullptr, &why)) {
                fault("presets while active", why);
                return;
            }
            if (selection.completed)
                break;
            if (std::chrono::steady_clock::now() > giveUp) {
                report(Verdict::Fail, "presets while active",
                       "selecting preset " + std::to_string(index) + " got no reply within 2 s");
                return;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        if (selection.error != ExtensionError::None) {
            report(Verdict::Fail, "presets while active",
                   "selecting preset " + std::to_string(index) + ": " + describeExtensionError(selection.error));
            return;
        }
        for (int i = 0; i < 4; i++)
            if (!cycle(hosted.instance(), kMainFrames, Signal::Noise, i * kMainFrames, &scan, &why)) {
                fault("presets while active", "after selecting preset " + std::to_string(index) + ": " + why);
                return;
            }
        if (scan.nans + scan.infinities > 0) {
            report(Verdict::Fail, "presets while active",
                   "after selecting preset " + std::to_string(index) + ": non-finite samples in " + scan.firstBadPort);
            return;
        }
    }
    report(Verdict::Pass, "presets while active",
           "each of " + std::to_string(presetCount_) + " presets selected over AAPXS while active, outputs finite");
}

void Validator::checkPrepare(int32_t frames, int32_t rate) {
    const std::string name = "prepare " + std::to_string(frames) + " frames at " + std::to_string(rate) + " Hz";
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    HostingStatus status = host_.instantiate(plugin_.uniqueId, &instance, &error);
    if (status == HostingStatus::Ok)
        status = instance->prepare(frames, rate);
    if (status == HostingStatus::Ok)
        status = instance->activate();
    if (status != HostingStatus::Ok) {
        fault(name, lifecycleError("instantiate, prepare and activate", status) + (error.empty() ? "" : ": " + error));
        return;
    }
    OutputScan scan;
    if (!run(*instance, Signal::Noise, 3 * static_cast<int64_t>(frames), &scan, &error)) {
        fault(name, error);
        return;
    }
    instance->deactivate();
    instance->destroy();
    if (scan.nans + scan.infinities > 0) {
        report(Verdict::Fail, name, "non-finite samples in " + scan.firstBadPort);
        return;
    }
    report(Verdict::Pass, name, "3 full cycles, outputs finite");
}

void Validator::run() {
    if (!checkMetadata() || !checkInstantiate()) {
        stopped_ = true;
        return;
    }
    std::unique_ptr<HostedPlugin> hosted;
    std::string error;
    HostingStatus status = HostedPlugin::open(host_, plugin_.uniqueId, HostedPluginOptions::at(kMainFrames, kMainRate), &hosted, &error);
    if (status != HostingStatus::Ok) {
        report(Verdict::Fail, "prepare", error);
        stopped_ = true;
        return;
    }
    using Step = std::function<void()>;
    PluginInstance& instance = hosted->instance();
    std::vector<Step> steps = {
        [&] { checkParameters(*hosted); },
        [&] { checkPresetListing(*hosted); },
        [&] { checkStateRoundTrip(*hosted); },
        [&] { checkLifecycle(instance); },
        [&] {
            status = instance.activate();
            if (status != HostingStatus::Ok)
                fault("activate", lifecycleError("activate()", status));
        },
        [&] { checkShortCycles(instance); },
        [&] { checkOutputs(instance, Signal::Silence); },
        [&] { checkOutputs(instance, Signal::Impulse); },
        [&] { checkOutputs(instance, Signal::Noise); },
        [&] {
            if (!plugin_.isInstrument())
                checkTail(instance);
        },
        [&] { checkPresetsWhileActive(*hosted); },
        [&] { instance.deactivate(); },
    };
    for (int32_t frames : {16, 256, 4096})
        for (int32_t rate : {44100, 48000, 96000})
            steps.push_back([this, frames, rate] { checkPrepare(frames, rate); });
    for (const Step& step : steps) {
        if (stopped_)
            return;
        step();
    }
    if (!stopped_)
        report(Verdict::Pass, "deadline",
               "slowest of " + std::to_string(processCalls_) + " process() calls took " + milliseconds(slowestNs_) +
                   " (limit " + milliseconds(kDeadlineNs) + ")");
}

std::string toJson(const PluginInformation& plugin, const Validator& validator) {
    std::string out = "{\"plugin\": ";
    appendJsonString(out, plugin.uniqueId);
    out += ", \"passed\": ";
    out += validator.anyFailed() ? "false" : "true";
    out += ", \"stopped\": ";
    out += validator.stopped() ? "true" : "false";
    out += ", \"checks\": [";
    bool first = true;
    for (const CheckLine& line : validator.lines()) {
        out += first ? "\n  " : ",\n  ";
        first = false;
        out += "{\"result\": \"";
        out += verdictName(line.verdict);
        out += "\", \"check\": ";
        appendJsonString(out, line.name);
        out += ", \"detail\": ";
        appendJsonString(out, line.detail);
        out += "}";
    }
    out += "\n]}";
    return out;
}

} // namespace

int runValidateCommand(const std::vector<std::string>& arguments) {
    std::vector<OptionSpec> specs = pluginOptions();
    specs.push_back({"json", nullptr, "print the results as one JSON document instead of lines"});
    specs.push_back(sandboxOption());
    specs.push_back({"gui", nullptr,
                     "also check the plugin's native GUI (gui/v5) lifecycle against an X11 window (needs $DISPLAY)"});
    specs.push_back({"help", nullptr, "show this help"});
    ParsedArguments parsed;
    std::string error;
    if (!parseArguments(arguments, specs, &parsed, &error)) {
        std::fprintf(stderr, "aap-host validate: %s\n", error.c_str());
        return kExitUsage;
    }
    if (parsed.has("help")) {
        std::printf("usage: aap-host validate <plugin> [options]\n"
                    "Runs a battery of checks on <plugin> (out of process unless --in-process) and prints one\n"
                    "'PASS|WARN|FAIL <check>: <detail>' line per check. Exit code 0 when nothing FAILs, 6 when\n"
                    "a check FAILs.\n\n%s",
                    describeOptions(specs).c_str());
        return kExitOk;
    }
    if (parsed.positional().size() != 1) {
        std::fprintf(stderr, "aap-host validate: expected exactly one plugin (see aap-host validate --help)\n");
        return kExitUsage;
    }
    PluginCatalog catalog = scanCatalog(searchPathFrom(parsed), parsed.has("quiet") || parsed.has("json"));
    const PluginInformation* plugin = resolvePlugin(catalog, parsed.positional()[0]);
    if (plugin == nullptr)
        return kExitPluginNotFound;
    if (parsed.has("gui") && !guiChecksAvailable(&error)) {
        std::fprintf(stderr, "aap-host validate: --gui: %s\n", error.c_str());
        return kExitRuntimeFailure;
    }
    PluginHost host{catalog, hostOptionsFrom(parsed)};
    Validator validator{*plugin, metadataWarningsOf(catalog, *plugin), host, !parsed.has("json")};
    validator.run();
    if (parsed.has("gui") && !validator.stopped())
        runGuiChecks(catalog, hostOptionsFrom(parsed), *plugin,
                     [&validator](GuiVerdict verdict, const std::string& check, const std::string& detail) {
                         validator.add(verdict == GuiVerdict::Pass ? Verdict::Pass
                                                                   : verdict == GuiVerdict::Warn ? Verdict::Warn : Verdict::Fail,
                                       check, detail);
                     });
    if (parsed.has("json"))
        std::printf("%s\n", toJson(*plugin, validator).c_str());
    if (std::fflush(stdout) != 0)
        return kExitOutputError;
    int failed = 0, warned = 0;
    for (const CheckLine& line : validator.lines()) {
        failed += line.verdict == Verdict::Fail;
        warned += line.verdict == Verdict::Warn;
    }
    if (!parsed.has("quiet"))
        std::fprintf(stderr, "aap-host validate: %s: %zu checks, %d failed, %d warnings%s\n", plugin->uniqueId.c_str(),
                     validator.lines().size(), failed, warned,
                     validator.stopped() ? "; stopped at the first plugin fault, later checks not run" : "");
    return failed > 0 ? kExitValidationFailed : kExitOk;
}

} // namespace aap::host_tool
