#include "offline-renderer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "aapxs/midi2-buffer.h"

namespace aap::host_tool {

namespace {

// A chain of instances run one after another (sequential process() calls).
class SequentialEngine {
public:
    SequentialEngine(const std::vector<PluginInstance*>& chain) : chain_(chain), ports_(chain.size()) {}

    bool check(const RenderJob& job, std::string* error) {
        if (chain_.empty()) {
            *error = "nothing to render: the chain is empty";
            return false;
        }
        for (size_t p = 0; p < chain_.size(); p++) {
            for (const PortInformation& port : chain_[p]->information().ports) {
                const bool input = port.direction == PortDirection::Input;
                if (port.contentType == PortContentType::Audio)
                    (input ? ports_[p].audioIn : ports_[p].audioOut).push_back(port.index);
                else if (port.contentType == PortContentType::Midi2 && input && ports_[p].midiIn < 0)
                    ports_[p].midiIn = port.index;
            }
            if (midiTarget_ < 0 && ports_[p].midiIn >= 0)
                midiTarget_ = static_cast<int32_t>(p);
            if (job.blockSize <= 0 || job.blockSize > chain_[p]->preparedFrames()) {
                *error = name(p) + "block size " + std::to_string(job.blockSize) + " exceeds the prepared " +
                         std::to_string(chain_[p]->preparedFrames()) + " frames";
                return false;
            }
        }
        if (ports_.back().audioOut.empty()) {
            *error = single() ? "the plugin has no audio output port" : "the last plugin has no audio output port";
            return false;
        }
        return true;
    }
    bool single() const { return chain_.size() == 1; }
    std::string name(size_t p) const { return single() ? std::string() : "plugin " + std::to_string(p + 1) + ": "; }
    size_t nodes() const { return chain_.size(); }
    int32_t midiTarget() const { return midiTarget_; }
    bool acceptsEvents(size_t p) const { return ports_[p].midiIn >= 0; }
    size_t inputs() const { return ports_.front().audioIn.size(); }
    float* input(size_t i) { return chain_.front()->audioBuffer(ports_.front().audioIn[i]); }
    size_t outputs() const { return ports_.back().audioOut.size(); }
    const float* output(size_t o) { return chain_.back()->audioBuffer(ports_.back().audioOut[o]); }
    void clearEvents() {
        for (size_t p = 0; p < chain_.size(); p++)
            if (ports_[p].midiIn >= 0)
                aapxs_midi2_buffer_init(chain_[p]->portBuffer(ports_[p].midiIn),
                                        chain_[p]->portBufferSize(ports_[p].midiIn));
    }
    bool deliver(const TimedUmp& event) {
        PluginInstance& target = *chain_[static_cast<size_t>(event.target)];
        const int32_t port = ports_[static_cast<size_t>(event.target)].midiIn;
        return aapxs_midi2_buffer_append_ump(target.portBuffer(port), target.portBufferSize(port), event.words,
                                             event.wordCount) == AAPXS_CODEC_OK;
    }
    // frames 0: a cycle that only carries extension traffic. Returns the position of a lost
    // instance in *failedNode with its status; an xrun is not a failure (it renders silence).
    HostingStatus run(int32_t frames, int64_t timeoutNs, size_t* failedNode) {
        for (size_t p = 0; p < chain_.size(); p++) {
            if (p > 0 && frames > 0) {
                // The previous instance's outputs are this one's inputs.
                const std::vector<int32_t>& from = ports_[p - 1].audioOut;
                for (size_t i = 0; i < ports_[p].audioIn.size(); i++) {
                    float* buffer = chain_[p]->audioBuffer(ports_[p].audioIn[i]);
                    if (from.empty())
                        std::fill(buffer, buffer + frames, 0.0f);
                    else
                        std::memcpy(buffer, chain_[p - 1]->audioBuffer(from[std::min(i, from.size() - 1)]),
                                    sizeof(float) * static_cast<size_t>(frames));
                }
            }
            const HostingStatus processed = chain_[p]->process(frames, timeoutNs);
            if (processed != HostingStatus::Ok && processed != HostingStatus::Xrun) {
                *failedNode = p;
                return processed;
            }
        }
        return HostingStatus::Ok;
    }
    bool supportsEmptyCycles() const { return true; }

private:
    struct Ports {
        std::vector<int32_t> audioIn, audioOut;
        int32_t midiIn = -1;
    };
    std::vector<PluginInstance*> chain_;
    std::vector<Ports> ports_;
    int32_t midiTarget_ = -1;
};

// An active PluginGraph: its host inputs and outputs, events through addEvent (midiTarget -1: the
// first node with a MIDI2 input).
class GraphEngine {
public:
    GraphEngine(PluginGraph& graph, int32_t midiTarget) : graph_(graph), midiTarget_(midiTarget) {}

    bool check(const RenderJob& job, std::string* error) {
        if (!graph_.active()) {
            *error = "the graph is not active";
            return false;
        }
        if (job.blockSize <= 0 || job.blockSize > graph_.options().frames) {
            *error = "block size " + std::to_string(job.blockSize) + " exceeds the graph's " +
                     std::to_string(graph_.options().frames) + " frames";
            return false;
        }
        if (graph_.options().hostOutputs <= 0) {
            *error = "the graph has no host output";
            return false;
        }
        if (job.hasPendingRequests) {
            *error = "a graph has no zero-frame cycles to wait for extension requests in";
            return false;
        }
        for (size_t p = 0; midiTarget_ < 0 && p < nodes(); p++)
            if (acceptsEvents(p))
                midiTarget_ = static_cast<int32_t>(p);
        return true;
    }
    std::string name(size_t p) const { return "plugin " + std::to_string(p + 1) + ": "; }
    size_t nodes() const { return static_cast<size_t>(graph_.nodeCount()); }
    int32_t midiTarget() const { return midiTarget_; }
    bool acceptsEvents(size_t p) const {
        HostedPlugin* plugin = graph_.plugin(static_cast<int32_t>(p));
        if (plugin == nullptr)
            return false;
        for (const PortInformation& port : plugin->instance().information().ports)
            if (port.contentType == PortContentType::Midi2 && port.direction == PortDirection::Input)
                return true;
        return false;
    }
    bool single() const { return false; }
    size_t inputs() const { return static_cast<size_t>(graph_.options().hostInputs); }
    float* input(size_t i) { return graph_.hostInput(static_cast<int32_t>(i)); }
    size_t outputs() const { return static_cast<size_t>(graph_.options().hostOutputs); }
    const float* output(size_t o) { return graph_.hostOutput(static_cast<int32_t>(o)); }
    void clearEvents() {}
    bool deliver(const TimedUmp& event) {
        return graph_.addEvent(event.target, 0, event.words, event.wordCount) == HostingStatus::Ok;
    }
    HostingStatus run(int32_t frames, int64_t timeoutNs, size_t* failedNode) {
        const GraphStatus status = graph_.process(frames, timeoutNs);
        // A late node is an xrun (silence for its part of the cycle); a lost one is bypassed by
        // the graph, which for an offline render is a failure.
        for (int32_t node = 0; node < graph_.nodeCount(); node++) {
            const GraphNodeStatus state = graph_.nodeStatus(node);
            if (state.bypassed) {
                *failedNode = static_cast<size_t>(node);
                return state.bypassReason == HostingStatus::Ok ? HostingStatus::Offline : state.bypassReason;
            }
        }
        if (status != GraphStatus::Ok && status != GraphStatus::Xrun) {
            *failedNode = 0;
            return HostingStatus::InvalidState;
        }
        return HostingStatus::Ok;
    }
    bool supportsEmptyCycles() const { return false; }

private:
    PluginGraph& graph_;
    int32_t midiTarget_;
};

template <class Engine>
bool render(Engine& engine, const RenderJob& job, RenderResult* result, HostingStatus* status, std::string* error) {
    *status = HostingStatus::Ok;
    if (!engine.check(job, error))
        return false;
    const bool single = engine.single();
    std::vector<TimedUmp> events = job.events;
    for (TimedUmp& event : events) {
        if (event.target < 0)
            event.target = engine.midiTarget();
        if (event.target < 0 || static_cast<size_t>(event.target) >= engine.nodes() ||
            !engine.acceptsEvents(static_cast<size_t>(event.target))) {
            *error = single ? "MIDI events were given but the plugin has no MIDI2 input port"
                            : event.target < 0 ? "MIDI events were given but no plugin of the chain has a MIDI2 input port"
                                               : engine.name(static_cast<size_t>(event.target)) +
                                                     "events were given for it but it has no MIDI2 input port";
            return false;
        }
    }
    std::stable_sort(events.begin(), events.end(), [](const TimedUmp& a, const TimedUmp& b) { return a.frame < b.frame; });
    std::vector<int64_t> splits = job.splitFrames;
    std::sort(splits.begin(), splits.end());

    RenderResult out;
    out.output.sampleRate = job.sampleRate;
    const size_t outChannels = engine.outputs();
    out.output.channels = static_cast<int32_t>(outChannels);
    out.output.format = WavSampleFormat::Float32;
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
    // A late cycle is an xrun, not a lost instance: only a lost one ends the render.
    auto failed = [&](size_t p, HostingStatus processed) {
        *status = processed;
        *error = engine.name(p) + "process() failed at frame " + std::to_string(position) + ": " +
                 hostingStatusMessage(processed);
        if (single)
            *error = "process() failed at frame " + std::to_string(position) + ": " + hostingStatusMessage(processed);
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
                engine.clearEvents();
                size_t failedNode = 0;
                const HostingStatus processed = engine.run(0, job.processTimeoutNs, &failedNode);
                if (processed != HostingStatus::Ok)
                    return failed(failedNode, processed);
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
        engine.clearEvents();
        while (nextEvent < events.size() && events[nextEvent].frame <= position) {
            if (engine.deliver(events[nextEvent++]))
                out.eventsDelivered++;
            else
                out.eventsDropped++;
        }
        if (nextEvent < events.size())
            end = std::min(end, events[nextEvent].frame);
        if (nextSplit < splits.size())
            end = std::min(end, splits[nextSplit]);
        const int32_t frames = static_cast<int32_t>(end - position);

        for (size_t i = 0; i < engine.inputs(); i++) {
            float* buffer = engine.input(i);
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
        size_t failedNode = 0;
        const HostingStatus processed = engine.run(frames, job.processTimeoutNs, &failedNode);
        const int64_t elapsed =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
        if (processed != HostingStatus::Ok)
            return failed(failedNode, processed);
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
            const float* buffer = engine.output(c);
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

} // namespace

bool renderOffline(PluginInstance& instance, const RenderJob& job, RenderResult* result, HostingStatus* status,
                   std::string* error) {
    return renderOffline(std::vector<PluginInstance*>{&instance}, job, result, status, error);
}

bool renderOffline(const std::vector<PluginInstance*>& chain, const RenderJob& job, RenderResult* result,
                   HostingStatus* status, std::string* error) {
    SequentialEngine engine{chain};
    return render(engine, job, result, status, error);
}

bool renderOffline(PluginGraph& graph, int32_t midiTarget, const RenderJob& job, RenderResult* result,
                   HostingStatus* status, std::string* error) {
    GraphEngine engine{graph, midiTarget};
    return render(engine, job, result, status, error);
}

} // namespace aap::host_tool
