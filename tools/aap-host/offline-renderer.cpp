#include "offline-renderer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "aapxs/midi2-buffer.h"

namespace aap::host_tool {

bool renderOffline(PluginInstance& instance, const RenderJob& job, RenderResult* result, HostingStatus* status,
                   std::string* error) {
    *status = HostingStatus::Ok;
    std::vector<int32_t> audioIn, audioOut;
    int32_t midiIn = -1, midiOut = -1;
    for (const PortInformation& port : instance.information().ports) {
        const bool input = port.direction == PortDirection::Input;
        if (port.contentType == PortContentType::Audio)
            (input ? audioIn : audioOut).push_back(port.index);
        else if (port.contentType == PortContentType::Midi2) {
            if (input && midiIn < 0)
                midiIn = port.index;
            if (!input && midiOut < 0)
                midiOut = port.index;
        }
    }
    if (audioOut.empty()) {
        *error = "the plugin has no audio output port";
        return false;
    }
    if (job.blockSize <= 0 || job.blockSize > instance.preparedFrames()) {
        *error = "block size " + std::to_string(job.blockSize) + " exceeds the prepared " +
                 std::to_string(instance.preparedFrames()) + " frames";
        return false;
    }
    if (!job.events.empty() && midiIn < 0) {
        *error = "MIDI events were given but the plugin has no MIDI2 input port";
        return false;
    }

    std::vector<TimedUmp> events = job.events;
    std::stable_sort(events.begin(), events.end(), [](const TimedUmp& a, const TimedUmp& b) { return a.frame < b.frame; });
    std::vector<int64_t> splits = job.splitFrames;
    std::sort(splits.begin(), splits.end());

    RenderResult out;
    out.output.sampleRate = job.sampleRate;
    out.output.channels = static_cast<int32_t>(audioOut.size());
    out.output.format = WavSampleFormat::Float32;
    const size_t outChannels = audioOut.size();
    size_t expectedCycles = static_cast<size_t>(job.totalFrames / job.blockSize + splits.size() + events.size() + 1);
    if (job.maxCycleSamples > 0)
        expectedCycles = std::min(expectedCycles, job.maxCycleSamples);
    out.cycleNs.reserve(expectedCycles);
    std::vector<float> interleaved;
    if (job.sink)
        interleaved.resize(static_cast<size_t>(job.blockSize) * outChannels);
    else
        out.output.samples.assign(static_cast<size_t>(job.totalFrames) * outChannels, 0.0f);
    std::minstd_rand reservoir{12345};
    size_t nextEvent = 0, nextSplit = 0;
    int64_t position = 0;
    int64_t lastProgress = -1;
    while (position < job.totalFrames) {
        while (nextSplit < splits.size() && splits[nextSplit] <= position)
            nextSplit++;
        int64_t end = std::min<int64_t>(position + job.blockSize, job.totalFrames);
        // Deliver every event due by now; the cycle stops before the next one.
        if (job.beforeCycle)
            job.beforeCycle(position);
        if (job.hasPendingRequests && job.hasPendingRequests()) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(job.extensionTimeoutNs);
            while (job.hasPendingRequests()) {
                if (midiIn >= 0)
                    aapxs_midi2_buffer_init(instance.portBuffer(midiIn), instance.portBufferSize(midiIn));
                HostingStatus processed = instance.process(0, job.processTimeoutNs);
                out.zeroFrameCycles++;
                // A late cycle is an xrun, not a lost instance: only a lost one ends the render.
                if (processed != HostingStatus::Ok && processed != HostingStatus::Xrun) {
                    *status = processed;
                    *error = "process() failed at frame " + std::to_string(position) + ": " +
                             hostingStatusMessage(processed);
                    return false;
                }
                if (std::chrono::steady_clock::now() > deadline) {
                    *status = HostingStatus::Timeout;
                    *error = "an extension request at frame " + std::to_string(position) + " did not complete in time";
                    return false;
                }
                if (job.hasPendingRequests())
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
        if (midiIn >= 0) {
            void* midi = instance.portBuffer(midiIn);
            const size_t capacity = instance.portBufferSize(midiIn);
            aapxs_midi2_buffer_init(midi, capacity);
            while (nextEvent < events.size() && events[nextEvent].frame <= position) {
                const TimedUmp& event = events[nextEvent++];
                if (aapxs_midi2_buffer_append_ump(midi, capacity, event.words, event.wordCount) == AAPXS_CODEC_OK)
                    out.eventsDelivered++;
                else
                    out.eventsDropped++;
            }
        }
        if (nextEvent < events.size())
            end = std::min(end, events[nextEvent].frame);
        if (nextSplit < splits.size())
            end = std::min(end, splits[nextSplit]);
        const int32_t frames = static_cast<int32_t>(end - position);

        for (size_t i = 0; i < audioIn.size(); i++) {
            float* buffer = instance.audioBuffer(audioIn[i]);
            if (job.input == nullptr || job.input->channels == 0) {
                std::fill(buffer, buffer + frames, 0.0f);
                continue;
            }
            const size_t channels = static_cast<size_t>(job.input->channels);
            const size_t channel = std::min(i, channels - 1);
            const int64_t available = static_cast<int64_t>(job.input->frames());
            for (int32_t f = 0; f < frames; f++) {
                const int64_t frame = position + f;
                buffer[f] = frame < available ? job.input->samples[static_cast<size_t>(frame) * channels + channel] : 0.0f;
            }
        }

        const auto started = std::chrono::steady_clock::now();
        HostingStatus processed = instance.process(frames, job.processTimeoutNs);
        const int64_t elapsed =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
        out.cycles++;
        out.maxCycleNs = std::max(out.maxCycleNs, elapsed);
        out.totalCycleNs += elapsed;
        if (job.maxCycleSamples == 0 || out.cycleNs.size() < job.maxCycleSamples) {
            out.cycleNs.push_back(elapsed);
        } else {
            const size_t slot = std::uniform_int_distribution<size_t>(0, out.cycles - 1)(reservoir);
            if (slot < out.cycleNs.size())
                out.cycleNs[slot] = elapsed;
        }
        if (processed != HostingStatus::Ok && processed != HostingStatus::Xrun) {  // an xrun renders silence
            *status = processed;
            *error = "process() failed at frame " + std::to_string(position) + ": " + hostingStatusMessage(processed);
            return false;
        }
        float* destination = job.sink ? interleaved.data() : out.output.samples.data() + position * static_cast<int64_t>(outChannels);
        for (size_t c = 0; c < outChannels; c++) {
            const float* buffer = instance.audioBuffer(audioOut[c]);
            for (int32_t f = 0; f < frames; f++)
                destination[static_cast<size_t>(f) * outChannels + c] = buffer[f];
        }
        if (job.sink && !job.sink(interleaved.data(), frames, static_cast<int32_t>(outChannels), error))
            return false;
        position = end;
        if (job.progress && position * 50 / std::max<int64_t>(job.totalFrames, 1) != lastProgress) {
            lastProgress = position * 50 / std::max<int64_t>(job.totalFrames, 1);
            job.progress(position, job.totalFrames);
        }
    }
    (void) midiOut;
    *result = std::move(out);
    return true;
}

} // namespace aap::host_tool
