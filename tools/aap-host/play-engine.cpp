#include "play-engine.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "aapxs/midi2-buffer.h"
#include "midi1-to-ump.h"

namespace aap::host_tool {

void PlayPlugin::describePorts() {
    audioIn.clear();
    audioOut.clear();
    midiIn = -1;
    presets = hosted->presets().get();
    for (const PortInformation& port : hosted->instance().information().ports) {
        const bool input = port.direction == PortDirection::Input;
        if (port.contentType == PortContentType::Audio)
            (input ? audioIn : audioOut).push_back(port.index);
        else if (port.contentType == PortContentType::Midi2 && input && midiIn < 0)
            midiIn = port.index;
    }
}

PlayEngine::PlayEngine(std::vector<PlayPlugin*> chain, int32_t maxFrames, uint32_t inputChannels,
                       uint32_t outputChannels, int64_t deadlineNs, int32_t sampleRate)
    : chain_(std::move(chain)), maxFrames_(maxFrames), sampleRate_(sampleRate), inputChannels_(inputChannels),
      outputChannels_(outputChannels), deadlineNs_(deadlineNs), presetRecords_(new PresetRecord[kPresetRecords]) {
    for (size_t p = 0; p < chain_.size(); p++)
        if (midiTarget_ < 0 && chain_[p]->midiIn >= 0)
            midiTarget_ = static_cast<int32_t>(p);
    pending_.assign(chain_.size(), std::vector<PendingUmp>(kMaxPendingUmps));
    pendingCount_.assign(chain_.size(), 0);
    pendingSequence_.assign(chain_.size(), 0);
    midi_.resize(AudioCycle::kMaxMidiEvents);
    for (int i = 0; i < kPresetRecords; i++)
        presetRecords_[i].engine = this;
    buildGraph();
    enabled_.store(true, std::memory_order_seq_cst);
}

PlayEngine::~PlayEngine() { teardownGraph(); }

void PlayEngine::buildGraph() noexcept {
    error_.clear();
    if (chain_.empty()) {
        error_ = "no plugin to play";
        return;
    }
    PluginGraphOptions options;
    options.frames = maxFrames_;
    options.sampleRate = sampleRate_;
    options.hostInputs = static_cast<int32_t>(inputChannels_);
    options.hostOutputs = static_cast<int32_t>(outputChannels_);
    auto graph = std::make_unique<PluginGraph>(options);
    std::string detail;
    auto check = [&](GraphStatus status, const std::string& what) {
        if (status != GraphStatus::Ok)
            error_ = what + ": " + describe(status) + (detail.empty() ? "" : " (" + detail + ")");
        return status == GraphStatus::Ok;
    };
    for (size_t p = 0; p < chain_.size(); p++) {
        // The graph activates its nodes: a plugin the caller activated is deactivated first.
        HostedPlugin& hosted = *chain_[p]->hosted;
        if (hosted.instance().state() == InstanceState::Active)
            hosted.instance().deactivate();
        int32_t node = 0;
        if (!check(graph->addNode(hosted, &node, &detail), "plugin " + std::to_string(p + 1)))
            return;
    }
    // Host input i -> plugin 1's input i (the last host input feeds the remaining ones); plugin
    // p's output i -> plugin p+1's input i (its last output feeds the remaining inputs); the last
    // plugin's output o -> host output o (its last output feeds the remaining host outputs).
    const PlayPlugin& first = *chain_.front();
    for (size_t i = 0; i < first.audioIn.size() && inputChannels_ > 0; i++)
        if (!check(graph->connect(GraphPort::hostInput(static_cast<int32_t>(std::min<size_t>(i, inputChannels_ - 1))),
                                  {0, first.audioIn[i]}, &detail),
                   "connecting the input to plugin 1"))
            return;
    for (size_t p = 0; p + 1 < chain_.size(); p++) {
        const PlayPlugin& from = *chain_[p];
        const PlayPlugin& to = *chain_[p + 1];
        for (size_t i = 0; i < to.audioIn.size() && !from.audioOut.empty(); i++)
            if (!check(graph->connect({static_cast<int32_t>(p), from.audioOut[std::min(i, from.audioOut.size() - 1)]},
                                      {static_cast<int32_t>(p + 1), to.audioIn[i]}, &detail),
                       "connecting plugin " + std::to_string(p + 1) + " to plugin " + std::to_string(p + 2)))
                return;
    }
    const PlayPlugin& last = *chain_.back();
    for (uint32_t o = 0; o < outputChannels_ && !last.audioOut.empty(); o++)
        if (!check(graph->connect({static_cast<int32_t>(chain_.size() - 1), last.audioOut[std::min<size_t>(o, last.audioOut.size() - 1)]},
                                  GraphPort::hostOutput(static_cast<int32_t>(o)), &detail),
                   "connecting the last plugin to the output"))
            return;
    if (!check(graph->activate(&detail), "activate"))
        return;
    graph_ = std::move(graph);
    liveGraph_.store(graph_.get(), std::memory_order_release);
}

void PlayEngine::teardownGraph() noexcept {
    liveGraph_.store(nullptr, std::memory_order_release);
    if (graph_)
        graph_->deactivate();
    graph_.reset();
}

uint64_t PlayEngine::graphWakes() const noexcept {
    const PluginGraph* graph = liveGraph_.load(std::memory_order_acquire);
    return graph != nullptr ? graph->totalWakes() : 0;
}

bool PlayEngine::post(const PlayCommand& command) noexcept {
    PlayCommand copy = command;
    return commands_.tryPush(copy);
}

void PlayEngine::notify(const PlayNotice& notice) noexcept {
    PlayNotice copy = notice;
    notices_.tryPush(copy);  // a full queue drops the notice; the counters still tell
}

void PlayEngine::suspend() noexcept {
    enabled_.store(false, std::memory_order_seq_cst);
    while (inside_.load(std::memory_order_seq_cst))
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    teardownGraph();
}

void PlayEngine::resume() noexcept {
    if (!graph_)
        buildGraph();
    enabled_.store(true, std::memory_order_seq_cst);
}

void PlayEngine::presetCompleted(void* user, const ExtensionStatus& result) noexcept {
    auto* record = static_cast<PresetRecord*>(user);
    PlayNotice notice;
    notice.kind = PlayNotice::Kind::PresetDone;
    notice.plugin = record->plugin;
    notice.value = record->index;
    notice.error = static_cast<int32_t>(result.error());
    notice.sequence = record->sequence;
    PlayEngine* engine = record->engine;
    record->busy.store(false, std::memory_order_release);
    engine->notify(notice);
}

void PlayEngine::silence(const AudioCycle& cycle) noexcept {
    for (uint32_t o = 0; o < cycle.outputCount; o++)
        std::memset(cycle.outputs[o], 0, sizeof(float) * cycle.frames);
}

void PlayEngine::applyCommands() noexcept {
    PlayCommand command;
    while (commands_.tryPop(command)) {
        if (command.plugin < 0 || static_cast<size_t>(command.plugin) >= chain_.size())
            continue;
        PlayPlugin& plugin = *chain_[static_cast<size_t>(command.plugin)];
        PlayNotice dropped;
        dropped.kind = PlayNotice::Kind::CommandDropped;
        dropped.plugin = command.plugin;
        dropped.sequence = command.sequence;
        if (command.kind == PlayCommand::Kind::Ump) {
            int& count = pendingCount_[static_cast<size_t>(command.plugin)];
            if (count >= kMaxPendingUmps) {
                notify(dropped);
                continue;
            }
            PendingUmp& ump = pending_[static_cast<size_t>(command.plugin)][static_cast<size_t>(count++)];
            std::memcpy(ump.words, command.words, sizeof(ump.words));
            ump.wordCount = command.wordCount;
            ump.frame = 0;
            pendingSequence_[static_cast<size_t>(command.plugin)] = command.sequence;
            continue;
        }
        // Preset: one AAPXS request; its completion fires in a later process() on this thread.
        PresetRecord* record = nullptr;
        for (int i = 0; i < kPresetRecords && record == nullptr; i++) {
            PresetRecord& candidate = presetRecords_[(nextPresetRecord_ + static_cast<uint32_t>(i)) % kPresetRecords];
            if (!candidate.busy.load(std::memory_order_acquire))
                record = &candidate;
        }
        if (record == nullptr || plugin.presets == nullptr) {
            notify(dropped);
            continue;
        }
        nextPresetRecord_++;
        record->busy.store(true, std::memory_order_relaxed);
        record->plugin = command.plugin;
        record->index = command.preset;
        record->sequence = command.sequence;
        plugin.presets->setPresetIndexAsync(command.preset, &PlayEngine::presetCompleted, record);
    }
}

bool PlayEngine::runGraph(const AudioCycle& cycle, int64_t deadlineNs) noexcept {
    PluginGraph& graph = *graph_;
    const uint32_t frames = cycle.frames;
    // Parameter changes from the control thread: at the start of the period.
    for (size_t p = 0; p < chain_.size(); p++)
        for (int u = 0; u < pendingCount_[p]; u++) {
            const PendingUmp& ump = pending_[p][static_cast<size_t>(u)];
            graph.addEvent(static_cast<int32_t>(p), 0, ump.words, ump.wordCount);
        }
    // Part boundaries: the frames of the MIDI events.
    uint32_t splits[kMaxSplits + 1];
    int splitCount = 0;
    splits[splitCount++] = 0;
    for (uint32_t e = 0; e < cycle.midiCount && midiTarget_ >= 0; e++) {
        const uint32_t frame = midi_[e].frame;
        if (frame > splits[splitCount - 1] && frame < frames && splitCount < kMaxSplits)
            splits[splitCount++] = frame;
    }
    splits[splitCount] = frames;
    uint32_t nextEvent = 0;
    bool healthy = true;
    for (int s = 0; s < splitCount; s++) {
        const uint32_t begin = splits[s];
        const uint32_t length = splits[s + 1] - begin;
        // Events before the next split start here (the last part takes the rest).
        while (midiTarget_ >= 0 && nextEvent < cycle.midiCount &&
               (s + 1 == splitCount || midi_[nextEvent].frame < splits[s + 1])) {
            const PendingUmp& event = midi_[nextEvent++];
            if (graph.addEvent(midiTarget_, 0, event.words, event.wordCount) != HostingStatus::Ok)
                midiDropped_.fetch_add(1, std::memory_order_relaxed);
        }
        for (uint32_t c = 0; c < inputChannels_; c++) {
            float* input = graph.hostInput(static_cast<int32_t>(c));
            if (c < cycle.inputCount)
                std::memcpy(input, cycle.inputs[c] + begin, sizeof(float) * length);
            else
                std::memset(input, 0, sizeof(float) * length);
        }
        const int64_t remaining = deadlineNs - monotonicNs();
        const GraphStatus status = graph.process(static_cast<int32_t>(length), std::max(remaining, kMinimumTimeoutNs));
        if (status == GraphStatus::Xrun && !cycleXrun_) {
            // A plugin missed the deadline: silent for its part, the rest ran. An xrun, counted
            // once per period.
            xruns_.fetch_add(1, std::memory_order_relaxed);
            cycleXrun_ = true;
        }
        for (uint32_t o = 0; o < cycle.outputCount; o++) {
            const float* output = status == GraphStatus::Ok || status == GraphStatus::Xrun
                                      ? graph.hostOutput(static_cast<int32_t>(std::min(o, outputChannels_ - 1)))
                                      : nullptr;
            if (output != nullptr && outputChannels_ > 0)
                std::memcpy(cycle.outputs[o] + begin, output, sizeof(float) * length);
            else
                std::memset(cycle.outputs[o] + begin, 0, sizeof(float) * length);
        }
    }
    // A plugin the graph bypassed (lost, or late too often) is a fault: reported once, and the
    // chain is silent until it is restarted.
    for (size_t p = 0; p < chain_.size(); p++) {
        const GraphNodeStatus node = graph.nodeStatus(static_cast<int32_t>(p));
        if (!node.bypassed)
            continue;
        healthy = false;
        PlayPlugin& plugin = *chain_[p];
        if (plugin.fault.load(std::memory_order_acquire) != 0)
            continue;
        const HostingStatus reason = node.bypassReason == HostingStatus::Ok ? HostingStatus::Offline : node.bypassReason;
        plugin.fault.store(static_cast<int32_t>(reason), std::memory_order_release);
        faults_.fetch_add(1, std::memory_order_relaxed);
        PlayNotice notice;
        notice.kind = PlayNotice::Kind::Fault;
        notice.plugin = static_cast<int32_t>(p);
        notice.value = static_cast<int32_t>(reason);
        notify(notice);
    }
    for (size_t p = 0; p < chain_.size(); p++)
        if (pendingCount_[p] > 0) {
            pendingCount_[p] = 0;
            delivered_.store(pendingSequence_[p], std::memory_order_release);
        }
    return healthy;
}

void PlayEngine::process(const AudioCycle& cycle) noexcept {
    const int64_t started = monotonicNs();
    const int64_t deadline = deadlineNs_ > 0 ? cycle.startNs + deadlineNs_ : cycle.deadlineNs;
    inside_.store(true, std::memory_order_seq_cst);
    bool ran = false;
    if (enabled_.load(std::memory_order_seq_cst)) {
        bool healthy = true;
        for (PlayPlugin* plugin : chain_)
            healthy &= plugin->fault.load(std::memory_order_acquire) == 0;
        healthy &= graph_ != nullptr;
        if (cycle.frames > static_cast<uint32_t>(maxFrames_)) {
            healthy = false;
            if (!reportedPeriod_) {
                reportedPeriod_ = true;
                PlayNotice notice;
                notice.kind = PlayNotice::Kind::PeriodTooLong;
                notice.value = static_cast<int32_t>(cycle.frames);
                notify(notice);
            }
        }
        if (healthy) {
            applyCommands();
            // This period's MIDI as UMPs for the MIDI target.
            uint32_t count = 0;
            for (uint32_t e = 0; e < cycle.midiCount && midiTarget_ >= 0; e++) {
                const MidiInputEvent& event = cycle.midi[e];
                Ump64 ump;
                if (event.size < 1 || !midi1ToUmp(0, event.data[0], event.size > 1 ? event.data[1] : 0,
                                                  event.size > 2 ? event.data[2] : 0, &ump))
                    continue;  // not a channel message (SysEx, realtime, ...)
                PendingUmp& slot = midi_[count++];
                slot.frame = event.frame;
                slot.words[0] = ump.words[0];
                slot.words[1] = ump.words[1];
                slot.wordCount = 2;
            }
            midiEvents_.fetch_add(count, std::memory_order_relaxed);
            midiDropped_.fetch_add(cycle.midiDropped, std::memory_order_relaxed);
            AudioCycle converted = cycle;
            converted.midiCount = count;
            ran = runGraph(converted, deadline);
        }
    }
    inside_.store(false, std::memory_order_seq_cst);
    if (!ran) {
        silence(cycle);
        silentCycles_.fetch_add(1, std::memory_order_relaxed);
    }
    const int64_t finished = monotonicNs();
    if (ran && finished > deadline && !cycleXrun_)
        xruns_.fetch_add(1, std::memory_order_relaxed);
    cycleXrun_ = false;
    int64_t elapsed = finished - started;
    cycleTimes_.tryPush(elapsed);
    cycles_.fetch_add(1, std::memory_order_relaxed);
}

AudioBackendConfig backendConfigFor(const std::vector<const PluginInformation*>& chain, const std::string& clientName,
                                    int64_t sampleRate, int64_t periodFrames) {
    auto count = [](const PluginInformation& information, PortDirection direction, PortContentType type) {
        uint32_t n = 0;
        for (const PortInformation& port : information.ports)
            n += port.direction == direction && port.contentType == type;
        return n;
    };
    AudioBackendConfig config;
    config.clientName = clientName;
    if (!chain.empty()) {
        config.audioInputs = count(*chain.front(), PortDirection::Input, PortContentType::Audio);
        config.audioOutputs = count(*chain.back(), PortDirection::Output, PortContentType::Audio);
    }
    for (const PluginInformation* information : chain)
        config.midiInput |= count(*information, PortDirection::Input, PortContentType::Midi2) > 0;
    config.sampleRate = static_cast<int32_t>(sampleRate);
    config.periodFrames = static_cast<int32_t>(periodFrames);
    return config;
}

} // namespace aap::host_tool
