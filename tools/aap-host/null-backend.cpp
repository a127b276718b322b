// The null audio backend: the same cycle as JACK's, driven by a timer at the real period. Its
// thread sleeps to absolute CLOCK_MONOTONIC deadlines (clock_nanosleep TIMER_ABSTIME), so the
// period does not drift with the processing time; it asks for SCHED_FIFO as JACK does for its
// clients and silently keeps the default policy when that is not permitted. A wake-up that comes
// a whole period late is a backend xrun (its missed periods are skipped, not caught up on).

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <thread>

#include "audio-backend.h"

namespace aap::host_tool {

int64_t monotonicNs() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

namespace {

class NullBackend final : public AudioBackend {
public:
    ~NullBackend() override { stop(); }
    const char* name() const noexcept override { return "null"; }

    bool open(const AudioBackendConfig& config, std::string* error) override {
        if (config.sampleRate < 8000 || config.sampleRate > 384000 || config.periodFrames < 16 ||
            config.periodFrames > 8192) {
            *error = "the null backend needs a rate of 8000..384000 Hz and a period of 16..8192 frames";
            return false;
        }
        config_ = config;
        preparePlacement(config.audioCpu);
        const size_t frames = static_cast<size_t>(config.periodFrames);
        inputs_.assign(config.audioInputs * frames, 0.0f);
        outputs_.assign(config.audioOutputs * frames, 0.0f);
        for (uint32_t i = 0; i < config.audioInputs; i++)
            inputPointers_.push_back(inputs_.data() + i * frames);
        for (uint32_t o = 0; o < config.audioOutputs; o++)
            outputPointers_.push_back(outputs_.data() + o * frames);
        return true;
    }
    int32_t sampleRate() const noexcept override { return config_.sampleRate; }
    int32_t periodFrames() const noexcept override { return config_.periodFrames; }

    bool start(AudioProcessor* processor, std::string* error) override {
        if (thread_.joinable()) {
            *error = "already started";
            return false;
        }
        processor_ = processor;
        running_.store(true, std::memory_order_release);
        thread_ = std::thread([this] { run(); });
        return true;
    }

    void stop() noexcept override {
        running_.store(false, std::memory_order_release);
        if (thread_.joinable())
            thread_.join();
    }

    uint64_t backendXruns() const noexcept override { return xruns_.load(std::memory_order_relaxed); }
    int eventFd() const noexcept override { return -1; }
    Event takeEvent(std::string*) override { return Event::None; }
    std::vector<std::string> portNames() const override { return {}; }
    bool connectPhysical(std::string* error) override {
        *error = "the null backend has no ports to connect";
        return false;
    }
    bool connectNamed(const std::vector<std::string>&, const std::vector<std::string>&,
                      const std::vector<std::string>&, std::string* error) override {
        *error = "the null backend has no ports to connect";
        return false;
    }
    float backendLoad() const noexcept override { return -1.0f; }

private:
    void run() noexcept {
        sched_param parameter{};
        parameter.sched_priority = 70;
        (void) ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &parameter);
        placeAudioThread();
        const int64_t period =
            static_cast<int64_t>(config_.periodFrames) * 1'000'000'000 / static_cast<int64_t>(config_.sampleRate);
        AudioCycle cycle;
        cycle.frames = static_cast<uint32_t>(config_.periodFrames);
        cycle.inputs = inputPointers_.data();
        cycle.outputs = outputPointers_.data();
        cycle.inputCount = config_.audioInputs;
        cycle.outputCount = config_.audioOutputs;
        int64_t next = monotonicNs() + period;
        while (running_.load(std::memory_order_acquire)) {
            timespec when{static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
            while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr) != 0) {
            }
            const int64_t now = monotonicNs();
            if (now >= next + period) {
                // Woke a whole period (or more) late: those periods are lost.
                const int64_t missed = (now - next) / period;
                xruns_.fetch_add(static_cast<uint64_t>(missed), std::memory_order_relaxed);
                next += missed * period;
            }
            cycle.startNs = next;
            cycle.deadlineNs = next + period;
            processor_->process(cycle);
            next += period;
        }
    }

    AudioBackendConfig config_;
    std::vector<float> inputs_, outputs_;
    std::vector<const float*> inputPointers_;
    std::vector<float*> outputPointers_;
    AudioProcessor* processor_ = nullptr;
    std::thread thread_;
    std::atomic<bool> running_{false};
    std::atomic<uint64_t> xruns_{0};
};

} // namespace

std::unique_ptr<AudioBackend> createNullBackend() { return std::make_unique<NullBackend>(); }

} // namespace aap::host_tool
