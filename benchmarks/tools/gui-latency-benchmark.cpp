// GUI -> DSP latency: from the server receiving a GUI message to the event being in the plugin's
// input, against a bound measured in the same run ("at most one cycle plus the server's wake-up").
//
// The program assembles what `aap-host gui` is made of, in one process so that every moment is
// read from the same clock: the web server (aap::web_gui::WebGuiServer, civetweb), GUI sessions
// (aap::GuiSessions) on the example synth's GuiPath (aap::HostedPlugin, in process), and an audio
// thread paced like the null backend (256 frames at 48 kHz, a 5.33 ms period, absolute sleeps).
// A WebSocket client (civetweb's) opens a session (Hello, InitializeAck) and sends parameter
// changes at random phases of the period (3..9 ms apart), with TCP_NODELAY as browsers send.
// Moments, all CLOCK_MONOTONIC:
//   send     the client writes the message;
//   receipt  the server's data handler starts (civetweb's worker woke up and read it);
//   input    the audio thread wakes for the cycle whose drain moved the event into the plugin's
//            input (the drain is the first thing the cycle does, well under a microsecond).
// Blocks of 16 messages alternate:
//   baseline  the server's wake-up alone: the same message, which the handler times and then
//             drops (no session, no DSP): receipt - send;
//   ours      the whole path: input - receipt (the latency; input - send is reported too).
// The bound of each event of an `ours` block, from measured numbers only: the measured length of
// the cycle it landed in (its wake-up minus the previous cycle's, so the audio thread's own
// wake-up lateness is in it) plus the median server wake-up of the baseline block before it. Per
// block: the largest latency / bound; an event over its bound is counted in over_bound.
// Counters: latency median/p99/max (ms), server wake-up median (us), measured cycle median and
// max (ms), per-block ratio median and max, over_bound, cycles_late (events that landed later
// than the first cycle that started after their receipt).

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext/midi.h"
#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/hosted-plugin.h"
#include "web-gui-server.h"

namespace {

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;
constexpr int64_t kPeriodNs = int64_t{kFrames} * 1000000000 / kRate;
constexpr int kBlock = 16;

int64_t nowNs() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double percentile99(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

// The server side: civetweb's handler -> GuiSessions -> the plugin's GuiPath, as aap-host gui
// wires them, with the receipt time of the last message kept for the benchmark.
class Server : public aap::web_gui::WebGuiServer::Handler {
public:
    aap::web_gui::WebGuiServer web;
    std::unique_ptr<aap::GuiSessions> sessions;
    std::atomic<bool> dropEvents{false};     // baseline blocks: time the message, then drop it
    std::atomic<int64_t> lastReceipt{0};
    std::atomic<uint64_t> receipts{0};

    void clientOpened(uint32_t client) override {
        auto connection = std::make_shared<Connection>(web, client);
        const uint32_t session = sessions->attach(connection);
        std::lock_guard<std::mutex> guard{lock_};
        sessionOf_[client] = session;
    }
    bool clientMessage(uint32_t client, bool binary, const uint8_t* data, size_t size, std::string* reason) override {
        const int64_t receipt = nowNs();
        aap::GuiMessageHeader header;
        const bool events = binary && aap::decodeGuiHeader(data, size, &header) == aap::GuiDecodeError::Ok &&
                            header.type == aap::GuiMessageType::Events;
        if (events) {
            lastReceipt.store(receipt, std::memory_order_relaxed);
            receipts.fetch_add(1, std::memory_order_release);
            if (dropEvents.load(std::memory_order_relaxed))
                return true;
        }
        uint32_t session = 0;
        {
            std::lock_guard<std::mutex> guard{lock_};
            auto it = sessionOf_.find(client);
            if (it == sessionOf_.end())
                return false;
            session = it->second;
        }
        return sessions->receive(session, data, size, reason) == aap::HostingStatus::Ok;
    }
    void clientClosed(uint32_t client) override {
        std::lock_guard<std::mutex> guard{lock_};
        auto it = sessionOf_.find(client);
        if (it != sessionOf_.end()) {
            sessions->detach(it->second);
            sessionOf_.erase(it);
        }
    }
    void refused(const std::string&) override {}

private:
    class Connection : public aap::GuiConnection {
    public:
        Connection(aap::web_gui::WebGuiServer& web, uint32_t client) : web_(web), client_(client) {}
        bool send(const uint8_t* data, size_t size) override { return web_.send(client_, true, data, size); }
        void close(const std::string& reason) override { web_.drop(client_, 1000, reason); }

    private:
        aap::web_gui::WebGuiServer& web_;
        uint32_t client_;
    };
    std::mutex lock_;
    std::map<uint32_t, uint32_t> sessionOf_;
};

// The client: civetweb's WebSocket client answering the lifecycle and pings.
struct Client {
    std::atomic<uint32_t> session{0};
    std::atomic<bool> ready{false};
};

int onClientData(mg_connection* connection, int flags, char* data, size_t size, void* user) {
    auto* state = static_cast<Client*>(user);
    if ((flags & 0x0F) != MG_WEBSOCKET_OPCODE_BINARY)
        return 1;
    aap::GuiMessage message;
    if (aap::decodeGuiMessage(reinterpret_cast<const uint8_t*>(data), size, aap::GuiDirection::HostToClient, &message) !=
        aap::GuiDecodeError::Ok)
        return 1;
    auto reply = [&](aap::GuiMessageType type) {
        const std::vector<uint8_t> bytes = aap::encodeGuiEmpty(type, state->session.load(), message.header.sequence);
        mg_websocket_client_write(connection, MG_WEBSOCKET_OPCODE_BINARY, reinterpret_cast<const char*>(bytes.data()),
                                  bytes.size());
    };
    switch (message.header.type) {
    case aap::GuiMessageType::Welcome: state->session = message.welcomeSession; break;
    case aap::GuiMessageType::Initialize:
        reply(aap::GuiMessageType::InitializeAck);
        state->ready = true;
        break;
    case aap::GuiMessageType::Ping: reply(aap::GuiMessageType::Pong); break;
    default: break;
    }
    return 1;
}

// The audio thread's record of the cycle in which GUI events reached the plugin.
struct Landing {
    std::atomic<uint64_t> count{0};  // increments once a landing below is complete
    std::atomic<int64_t> wake{0};          // that cycle's wake-up
    std::atomic<int64_t> previousWake{0};  // the previous cycle's wake-up
};

void BM_GuiToDspLatency(benchmark::State& state) {
    mg_init_library(MG_FEATURES_WEBSOCKET);
    aap::PluginHostOptions hostOptions;
    hostOptions.isolation = aap::PluginIsolation::InProcess;
    aap::PluginHost host{aap::PluginCatalog::scan({AAP_EXAMPLES_PLUGIN_DIR}), hostOptions};
    std::unique_ptr<aap::HostedPlugin> plugin;
    std::string error;
    if (aap::HostedPlugin::open(host, "urn:aap-examples:poly-synth", aap::HostedPluginOptions::at(kFrames, kRate),
                                &plugin, &error) != aap::HostingStatus::Ok) {
        state.SkipWithError(("the example synth did not open: " + error).c_str());
        return;
    }
    std::shared_ptr<aap::GuiPath> path = plugin->enableGuiPath();
    Server server;
    aap::GuiSessionOptions sessionOptions;
    if (!path || plugin->activate() != aap::HostingStatus::Ok ||
        aap::GuiSessions::create(path, aap::GuiInstanceInfo{kRate, kFrames, plugin->instance().portCount()},
                                 sessionOptions, &server.sessions, &error) != aap::HostingStatus::Ok ||
        server.sessions->start() != aap::HostingStatus::Ok) {
        state.SkipWithError(("the GUI path did not start: " + error).c_str());
        return;
    }
    aap::web_gui::WebGuiServerOptions webOptions;
    webOptions.token = server.sessions->tokenHex();
    webOptions.generatedPage = "<!doctype html><title>bench</title>";
    webOptions.threads = 4;
    if (!server.web.start(webOptions, &server, &error)) {
        state.SkipWithError(("the web server did not start: " + error).c_str());
        return;
    }

    // The audio thread: the null backend's pacing (absolute sleeps one period apart).
    Landing landing;
    std::atomic<bool> running{true};
    std::atomic<uint64_t> cycles{0};
    std::thread audio([&] {
        int64_t next = nowNs() + kPeriodNs;
        int64_t previousWake = nowNs();
        while (running.load(std::memory_order_relaxed)) {
            struct timespec until {};
            until.tv_sec = static_cast<time_t>(next / 1000000000);
            until.tv_nsec = static_cast<long>(next % 1000000000);
            while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
            }
            const int64_t wake = nowNs();
            const uint64_t before = path->delivered();
            plugin->process(kFrames, 1000000000);  // drains the GUI events first, then the synth runs
            if (path->delivered() != before) {
                landing.wake.store(wake, std::memory_order_relaxed);
                landing.previousWake.store(previousWake, std::memory_order_relaxed);
                landing.count.fetch_add(1, std::memory_order_release);
            }
            cycles.fetch_add(1, std::memory_order_relaxed);
            previousWake = wake;
            next += kPeriodNs;
            if (next < wake)
                next = wake;  // an overrun: start the next cycle now, as the null backend does
        }
    });
    auto stopAudio = [&] {
        running = false;
        audio.join();
    };

    Client client;
    char message[256] = {};
    const std::string wsPath = "/t/" + webOptions.token + "/ws";
    mg_connection* connection = mg_connect_websocket_client("127.0.0.1", server.web.port(), 0, message,
                                                            sizeof(message), wsPath.c_str(), nullptr, onClientData,
                                                            nullptr, &client);
    if (connection == nullptr) {
        stopAudio();
        state.SkipWithError(message);
        return;
    }
    // Browsers send WebSocket frames with TCP_NODELAY; civetweb's client does not set it, and with
    // Nagle's algorithm waiting for the server's delayed ACK a message would sit in the client's
    // kernel for milliseconds before the server could wake up for it. Find the client's socket
    // (the one whose peer is the server's port) and set it.
    bool nodelay = false;
    for (int fd = 0; fd < 1024 && !nodelay; fd++) {
        struct sockaddr_in peer {};
        socklen_t length = sizeof(peer);
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 && peer.sin_family == AF_INET &&
            ntohs(peer.sin_port) == server.web.port()) {
            const int one = 1;
            nodelay = ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
        }
    }
    if (!nodelay) {
        mg_close_connection(connection);
        stopAudio();
        state.SkipWithError("could not set TCP_NODELAY on the client's socket");
        return;
    }
    std::vector<uint8_t> token;
    aap::guiUnhex(webOptions.token, &token);
    const std::vector<uint8_t> hello = aap::encodeGuiHello(1, token.data(), token.size());
    mg_websocket_client_write(connection, MG_WEBSOCKET_OPCODE_BINARY, reinterpret_cast<const char*>(hello.data()),
                              hello.size());
    for (int i = 0; i < 500 && !client.ready; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!client.ready) {
        mg_close_connection(connection);
        stopAudio();
        state.SkipWithError("the GUI session did not start");
        return;
    }

    std::mt19937 random(12345);
    std::uniform_int_distribution<int> gapUs(3000, 9000);
    uint32_t sequence = 100;
    double value = 0.1;
    std::vector<double> latencyMs, inputFromSendMs, wakeUs, cycleMs, blockRatios;
    std::vector<double> blockWake, blockRatio;
    size_t overBound = 0, late = 0;
    bool baseline = true;
    double lastBaselineWakeNs = 0;
    int inBlock = 0;
    auto waitFor = [](const std::atomic<uint64_t>& counter, uint64_t past) {
        for (int i = 0; i < 40000; i++) {  // 2 s
            if (counter.load(std::memory_order_acquire) != past)
                return true;
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
        return false;
    };
    for (auto _ : state) {
        server.dropEvents.store(baseline, std::memory_order_relaxed);
        uint32_t words[4];
        value = value > 0.5 ? 0.1 + 0.001 * (sequence % 100) : 0.6 + 0.001 * (sequence % 100);
        aapMidi2ParameterSysex8(&words[0], &words[1], &words[2], &words[3], 0, 0, 0, 0, 0,
                                aapParameterPlainToTransportUint32(0.0, 1.0, value));
        const std::vector<uint8_t> events = aap::encodeGuiEvents(client.session, ++sequence, words, 4);
        const uint64_t receiptsBefore = server.receipts.load(std::memory_order_acquire);
        const uint64_t landingsBefore = landing.count.load(std::memory_order_acquire);
        const int64_t send = nowNs();
        mg_websocket_client_write(connection, MG_WEBSOCKET_OPCODE_BINARY, reinterpret_cast<const char*>(events.data()),
                                  events.size());
        if (!waitFor(server.receipts, receiptsBefore)) {
            state.SkipWithError("the server never received a message");
            break;
        }
        const int64_t receipt = server.lastReceipt.load(std::memory_order_relaxed);
        if (baseline) {
            blockWake.push_back(static_cast<double>(receipt - send));
            wakeUs.push_back(static_cast<double>(receipt - send) / 1e3);
        } else {
            if (!waitFor(landing.count, landingsBefore)) {
                state.SkipWithError("an event never reached the plugin");
                break;
            }
            const int64_t input = landing.wake.load(std::memory_order_relaxed);
            const int64_t previous = landing.previousWake.load(std::memory_order_relaxed);
            const double cycle = static_cast<double>(input - previous);
            const double bound = cycle + lastBaselineWakeNs;
            latencyMs.push_back(static_cast<double>(input - receipt) / 1e6);
            inputFromSendMs.push_back(static_cast<double>(input - send) / 1e6);
            cycleMs.push_back(cycle / 1e6);
            const double ratio = static_cast<double>(input - receipt) / bound;
            blockRatio.push_back(ratio);
            overBound += ratio > 1.0 ? 1 : 0;
            late += previous > receipt ? 1 : 0;  // a cycle started after the receipt and did not take it
            state.SetIterationTime(static_cast<double>(input - receipt) / 1e9);
        }
        if (baseline)
            state.SetIterationTime(static_cast<double>(receipt - send) / 1e9);
        if (++inBlock == kBlock) {
            inBlock = 0;
            if (baseline) {
                lastBaselineWakeNs = median(blockWake);
                blockWake.clear();
            } else {
                blockRatios.push_back(*std::max_element(blockRatio.begin(), blockRatio.end()));
                blockRatio.clear();
            }
            baseline = !baseline;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(gapUs(random)));
    }
    mg_close_connection(connection);
    stopAudio();
    server.web.stop();
    server.sessions->stop();
    if (latencyMs.empty())
        return;
    std::vector<double> sorted = latencyMs;
    std::sort(sorted.begin(), sorted.end());
    state.counters["latency_median_ms"] = median(latencyMs);
    state.counters["latency_p99_ms"] = percentile99(latencyMs);
    state.counters["latency_max_ms"] = sorted.back();
    state.counters["input_from_send_median_ms"] = median(inputFromSendMs);
    state.counters["input_from_send_max_ms"] = *std::max_element(inputFromSendMs.begin(), inputFromSendMs.end());
    state.counters["server_wakeup_median_us"] = median(wakeUs);
    state.counters["server_wakeup_p99_us"] = percentile99(wakeUs);
    state.counters["cycle_median_ms"] = median(cycleMs);
    state.counters["cycle_max_ms"] = *std::max_element(cycleMs.begin(), cycleMs.end());
    state.counters["block_ratio_median"] = median(blockRatios);
    state.counters["block_ratio_max"] =
        blockRatios.empty() ? 0 : *std::max_element(blockRatios.begin(), blockRatios.end());
    state.counters["blocks"] = static_cast<double>(blockRatios.size());
    state.counters["events"] = static_cast<double>(latencyMs.size());
    state.counters["over_bound"] = static_cast<double>(overBound);
    state.counters["cycles_late"] = static_cast<double>(late);
}

// 25 baseline and 25 `ours` blocks of 16 messages.
BENCHMARK(BM_GuiToDspLatency)->UseManualTime()->Iterations(50 * kBlock)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
