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
                       uint32_t outputChannels, int64_t deadlineNs)
    : chain_(std::move(chain)), maxFrames_(maxFrames), inputChannels_(inputChannels),
      outputChannels_(outputChannels), deadlineNs_(deadlineNs), presetRecords_(new PresetRecord[kPresetRecords]) {
    maxChannels_ = std::max<uint32_t>(1, std::max(inputChannels, outputChannels));
    for (size_t p = 0; p < chain_.size(); p++) {
        maxChannels_ = std::max<uint32_t>(maxChannels_, static_cast<uint32_t>(chain_[p]->audioOut.size()));
        maxChannels_ = std::max<uint32_t>(maxChannels_, static_cast<uint32_t>(chain_[p]->audioIn.size()));
        if (midiTarget_ < 0 && chain_[p]->midiIn >= 0)
            midiTarget_ = static_cast<int32_t>(p);
    }
    const size_t frames = static_cast<size_t>(maxFrames_);
    for (int b = 0; b < 2; b++) {
        scratch_[b].assign(maxChannels_ * frames, 0.0f);
        for (uint32_t c = 0; c < maxChannels_; c++)
            bank_[b].push_back(scratch_[b].data() + c * frames);
    }
    zeros_.assign(frames, 0.0f);
    zeroChannels_.assign(maxChannels_, zeros_.data());
    pending_.assign(chain_.size(), std::vector<PendingUmp>(kMaxPendingUmps));
    pendingCount_.assign(chain_.size(), 0);
    pendingSequence_.assign(chain_.size(), 0);
    midi_.resize(AudioCycle::kMaxMidiEvents);
    for (int i = 0; i < kPresetRecords; i++)
        presetRecords_[i].engine = this;
    enabled_.store(true, std::memory_order_seq_cst);
}

PlayEngine::~PlayEngine() = default;

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
}

void PlayEngine::resume() noexcept { enabled_.store(true, std::memory_order_seq_cst); }

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

bool PlayEngine::runPlugin(size_t p, const AudioCycle& cycle, const float* const* signal, uint32_t signalChannels,
                           float* const* output, int64_t deadlineNs) noexcept {
    PlayPlugin& plugin = *chain_[p];
    PluginInstance& instance = plugin.hosted->instance();
    const uint32_t frames = cycle.frames;
    // Sub-cycle boundaries: the frames of this plugin's MIDI events (the MIDI target only).
    uint32_t splits[kMaxSplits + 1];
    int splitCount = 0;
    splits[splitCount++] = 0;
    const bool target = static_cast<int32_t>(p) == midiTarget_;
    if (target)
        for (uint32_t e = 0; e < cycle.midiCount; e++) {
            const uint32_t frame = midi_[e].frame;
            if (frame > splits[splitCount - 1] && frame < frames && splitCount < kMaxSplits)
                splits[splitCount++] = frame;
        }
    splits[splitCount] = frames;
    uint32_t nextEvent = 0;
    for (int s = 0; s < splitCount; s++) {
        const uint32_t begin = splits[s];
        const uint32_t length = splits[s + 1] - begin;
        if (plugin.midiIn >= 0) {
            void* midi = instance.portBuffer(plugin.midiIn);
            const size_t capacity = instance.portBufferSize(plugin.midiIn);
            aapxs_midi2_buffer_init(midi, capacity);
            if (s == 0)
                for (int u = 0; u < pendingCount_[p]; u++) {
                    const PendingUmp& ump = pending_[p][static_cast<size_t>(u)];
                    aapxs_midi2_buffer_append_ump(midi, capacity, ump.words, ump.wordCount);
                }
            if (target)
                // Events before the next split start here (the last sub-cycle takes the rest).
                while (nextEvent < cycle.midiCount && (s + 1 == splitCount || midi_[nextEvent].frame < splits[s + 1])) {
                    const PendingUmp& event = midi_[nextEvent++];
                    if (aapxs_midi2_buffer_append_ump(midi, capacity, event.words, event.wordCount) != AAPXS_CODEC_OK)
                        midiDropped_.fetch_add(1, std::memory_order_relaxed);
                }
        }
        for (size_t i = 0; i < plugin.audioIn.size(); i++) {
            float* buffer = instance.audioBuffer(plugin.audioIn[i]);
            if (signalChannels == 0)
                std::memset(buffer, 0, sizeof(float) * length);
            else
                std::memcpy(buffer, signal[std::min<size_t>(i, signalChannels - 1)] + begin, sizeof(float) * length);
        }
        const int64_t remaining = deadlineNs - monotonicNs();
        const HostingStatus status =
            instance.process(static_cast<int32_t>(length), std::max(remaining, kMinimumTimeoutNs));
        if (status == HostingStatus::Xrun) {
            // Missed the deadline: the hosting layer silenced this plugin's outputs for the cycle
            // and the instance stays active. An xrun, not a fault: the chain goes on.
            xruns_.fetch_add(1, std::memory_order_relaxed);
            cycleXrun_ = true;
            for (size_t o = 0; o < plugin.audioOut.size(); o++)
                std::memset(output[o] + begin, 0, sizeof(float) * length);
            continue;
        }
        if (status != HostingStatus::Ok) {
            if (status == HostingStatus::Timeout)
                xruns_.fetch_add(1, std::memory_order_relaxed);
            plugin.fault.store(static_cast<int32_t>(status), std::memory_order_release);
            faults_.fetch_add(1, std::memory_order_relaxed);
            PlayNotice notice;
            notice.kind = PlayNotice::Kind::Fault;
            notice.plugin = static_cast<int32_t>(p);
            notice.value = static_cast<int32_t>(status);
            notify(notice);
            return false;
        }
        for (size_t o = 0; o < plugin.audioOut.size(); o++)
            std::memcpy(output[o] + begin, instance.audioBuffer(plugin.audioOut[o]), sizeof(float) * length);
    }
    if (pendingCount_[p] > 0) {
        pendingCount_[p] = 0;
        delivered_.store(pendingSequence_[p], std::memory_order_release);
    }
    return true;
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

            const float* const* signal = cycle.inputs;
            uint32_t channels = cycle.inputCount;
            int bank = 0;
            ran = true;
            for (size_t p = 0; p < chain_.size(); p++) {
                float* const* output = bank_[bank].data();
                if (!runPlugin(p, converted, signal, channels, output, deadline)) {
                    ran = false;
                    break;
                }
                signal = output;
                channels = static_cast<uint32_t>(chain_[p]->audioOut.size());
                bank ^= 1;
            }
            if (ran)
                for (uint32_t o = 0; o < cycle.outputCount; o++) {
                    const float* source = channels == 0 ? zeros_.data() : signal[std::min(o, channels - 1)];
                    std::memcpy(cycle.outputs[o], source, sizeof(float) * cycle.frames);
                }
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

} // namespace aap::host_tool
