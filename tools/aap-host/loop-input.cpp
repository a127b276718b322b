#include "loop-input.h"

#include <algorithm>

namespace aap::host_tool {

bool LoopInputProcessor::setInputs(std::vector<std::vector<float>> audio, std::vector<LoopMidiEvent> midi,
                                   uint64_t loopFrames, int32_t maxFrames, std::string* error) {
    if (loopFrames == 0 && (!audio.empty() || !midi.empty())) {
        *error = "the loop must be at least one frame long";
        return false;
    }
    if (maxFrames <= 0) {
        *error = "the longest period must be at least one frame";
        return false;
    }
    for (const auto& channel : audio)
        if (channel.empty()) {
            *error = "an audio channel of the loop has no samples";
            return false;
        }
    for (const LoopMidiEvent& event : midi)
        if (event.frame >= loopFrames) {
            *error = "a MIDI event at frame " + std::to_string(event.frame) + " is past the loop's " +
                     std::to_string(loopFrames) + " frames";
            return false;
        }
    std::stable_sort(midi.begin(), midi.end(),
                     [](const LoopMidiEvent& a, const LoopMidiEvent& b) { return a.frame < b.frame; });
    audio_ = std::move(audio);
    midiLoop_ = std::move(midi);
    loopFrames_ = std::max<uint64_t>(loopFrames, 1);
    scratchFrames_ = static_cast<uint32_t>(maxFrames);
    scratch_.assign(audio_.size(), std::vector<float>(scratchFrames_));
    pointers_.clear();
    for (auto& channel : scratch_)
        pointers_.push_back(channel.data());
    midi_.assign(AudioCycle::kMaxMidiEvents, MidiInputEvent{});
    position_ = 0;
    cursor_ = 0;
    return true;
}

void LoopInputProcessor::process(const AudioCycle& cycle) noexcept {
    // A period longer than the one prepared for (a JACK buffer-size change) would overrun the
    // scratch buffers: feed nothing then and let the engine report PeriodTooLong.
    if ((audio_.empty() && midiLoop_.empty()) || cycle.frames > scratchFrames_) {
        inner_.process(cycle);
        return;
    }
    AudioCycle fed = cycle;
    uint32_t count = 0, dropped = 0;
    uint32_t offset = 0;
    while (offset < cycle.frames) {
        // One span without a wrap: [position_, position_ + span) of the loop.
        const uint32_t span = static_cast<uint32_t>(std::min<uint64_t>(cycle.frames - offset, loopFrames_ - position_));
        for (size_t c = 0; c < audio_.size(); c++) {
            const std::vector<float>& source = audio_[c];
            const size_t size = source.size();
            size_t at = static_cast<size_t>(position_ % size);
            float* out = scratch_[c].data() + offset;
            for (uint32_t f = 0; f < span; f++) {
                out[f] = source[at];
                if (++at == size)
                    at = 0;
            }
        }
        const uint64_t end = position_ + span;
        while (cursor_ < midiLoop_.size() && midiLoop_[cursor_].frame < end) {
            const LoopMidiEvent& event = midiLoop_[cursor_++];
            if (count < midi_.size()) {
                midi_[count] = event.event;
                midi_[count++].frame = offset + static_cast<uint32_t>(event.frame - position_);
            } else {
                dropped++;
            }
        }
        offset += span;
        position_ = end;
        if (position_ == loopFrames_) {
            position_ = 0;
            cursor_ = 0;
        }
    }
    if (!audio_.empty()) {
        fed.inputs = pointers_.data();
        fed.inputCount = static_cast<uint32_t>(pointers_.size());
    }
    if (!midiLoop_.empty()) {
        fed.midi = midi_.data();
        fed.midiCount = count;
        fed.midiDropped = dropped;
    }
    inner_.process(fed);
}

} // namespace aap::host_tool
