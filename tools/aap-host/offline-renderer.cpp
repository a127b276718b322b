#include "offline-renderer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "aapxs/midi2-buffer.h"

namespace aap::host_tool {

namespace {

struct ChainPorts {
    std::vector<int32_t> audioIn, audioOut;
    int32_t midiIn = -1;
};

} // namespace

bool renderOffline(PluginInstance& instance, const RenderJob& job, RenderResult* result, HostingStatus* status,
                   std::string* error) {
    return renderOffline(std::vector<PluginInstance*>{&instance}, job, result, status, error);
}

bool renderOffline(const std::vector<PluginInstance*>& chain, const RenderJob& job, RenderResult* result,
                   HostingStatus* status, std::string* error) {
    *status = HostingStatus::Ok;
    if (chain.empty()) {
        *error = "nothing to render: the chain is empty";
        return false;
    }
    const bool single = chain.size() == 1;
    auto name = [&](size_t p) { return single ? std::string() : "plugin " + std::to_string(p + 1) + ": "; };
    std::vector<ChainPorts> ports(chain.size());
    int32_t midiTarget = -1;
    for (size_t p = 0; p < chain.size(); p++) {
        for (const PortInformation& port : chain[p]->information().ports) {
            const bool input = port.direction == PortDirection::Input;
            if (port.contentType == PortContentType::Audio)
                (input ? ports[p].audioIn : ports[p].audioOut).push_back(port.index);
            else if (port.contentType == PortContentType::Midi2 && input && ports[p].midiIn < 0)
                ports[p].midiIn = port.index;
        }
        if (midiTarget < 0 && ports[p].midiIn >= 0)
            midiTarget = static_cast<int32_t>(p);
        if (job.blockSize <= 0 || job.blockSize > chain[p]->preparedFrames()) {
            *error = name(p) + "block size " + std::to_string(job.blockSize) + " exceeds the prepared " +
                     std::to_string(chain[p]->preparedFrames()) + " frames";
            return false;
        }
    }
    const std::vector<int32_t>& audioOut = ports.back().audioOut;
    if (audioOut.empty()) {
        *error = single ? "the plugin has no audio output port" : "the last plugin has no audio output port";
        return false;
    }
    std::vector<TimedUmp> events = job.events;
    for (TimedUmp& event : events) {
        if (event.target < 0)
            event.target = midiTarget;
        if (event.target < 0 || static_cast<size_t>(event.target) >= chain.size() ||
            ports[static_cast<size_t>(event.target)].midiIn < 0) {
            *error = single ? "MIDI events were given but the plugin has no MIDI2 input port"
                            : event.target < 0 ? "MIDI events were given but no plugin of the chain has a MIDI2 input port"
                                               : name(static_cast<size_t>(event.target)) + "events were given for it but it has no MIDI2 input port";
            return false;
        }
    }
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
    auto clearMidi = [&] {
        for (size_t p = 0; p < chain.size(); p++)
            if (ports[p].midiIn >= 0)
                aapxs_midi2_buffer_init(chain[p]->portBuffer(ports[p].midiIn), chain[p]->portBufferSize(ports[p].midiIn));
    };
    // A late cycle is an xrun, not a lost instance: only a lost one ends the render.
    auto failed = [&](size_t p, HostingStatus processed) {
        *status = processed;
        *error = name(p) + "process() failed at frame " + std::to_string(position) + ": " + hostingStatusMessage(processed);
        return false;
    };
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
                clearMidi();
                for (size_t p = 0; p < chain.size(); p++) {
                    const HostingStatus processed = chain[p]->process(0, job.processTimeoutNs);
                    if (processed != HostingStatus::Ok && processed != HostingStatus::Xrun)
                        return failed(p, processed);
                }
                out.zeroFrameCycles++;
                if (std::chrono::steady_clock::now() > deadline) {
                    *status = HostingStatus::Timeout;
                    *error = "an extension request at frame " + std::to_string(position) + " did not complete in time";
                    return false;
                }
                if (job.hasPendingRequests())
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
        clearMidi();
        while (nextEvent < events.size() && events[nextEvent].frame <= position) {
            const TimedUmp& event = events[nextEvent++];
            PluginInstance& target = *chain[static_cast<size_t>(event.target)];
            const int32_t port = ports[static_cast<size_t>(event.target)].midiIn;
            if (aapxs_midi2_buffer_append_ump(target.portBuffer(port), target.portBufferSize(port), event.words,
                                              event.wordCount) == AAPXS_CODEC_OK)
                out.eventsDelivered++;
            else
                out.eventsDropped++;
        }
        if (nextEvent < events.size())
            end = std::min(end, events[nextEvent].frame);
        if (nextSplit < splits.size())
            end = std::min(end, splits[nextSplit]);
        const int32_t frames = static_cast<int32_t>(end - position);

        const std::vector<int32_t>& firstIn = ports.front().audioIn;
        for (size_t i = 0; i < firstIn.size(); i++) {
            float* buffer = chain.front()->audioBuffer(firstIn[i]);
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
        for (size_t p = 0; p < chain.size(); p++) {
            if (p > 0) {
                // The previous instance's outputs are this one's inputs.
                const std::vector<int32_t>& from = ports[p - 1].audioOut;
                for (size_t i = 0; i < ports[p].audioIn.size(); i++) {
                    float* buffer = chain[p]->audioBuffer(ports[p].audioIn[i]);
                    if (from.empty())
                        std::fill(buffer, buffer + frames, 0.0f);
                    else
                        std::memcpy(buffer, chain[p - 1]->audioBuffer(from[std::min(i, from.size() - 1)]),
                                    sizeof(float) * static_cast<size_t>(frames));
                }
            }
            const HostingStatus processed = chain[p]->process(frames, job.processTimeoutNs);
            if (processed != HostingStatus::Ok && processed != HostingStatus::Xrun)  // an xrun renders silence
                return failed(p, processed);
        }
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
        float* destination = job.sink ? interleaved.data() : out.output.samples.data() + position * static_cast<int64_t>(outChannels);
        for (size_t c = 0; c < outChannels; c++) {
            const float* buffer = chain.back()->audioBuffer(audioOut[c]);
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
    *result = std::move(out);
    return true;
}

} // namespace aap::host_tool
