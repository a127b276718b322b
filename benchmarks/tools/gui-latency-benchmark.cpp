// GUI -> DSP latency of `aap-host gui`: from the server receiving a message to the event being in
// the plugin's event input. aap-host gui runs the example synth on the null backend (256 frames
// at 48 kHz: a 5.33 ms period) with --trace, started and stopped by this program; a WebSocket
// client (civetweb's) opens a GUI session (Hello, InitializeAck) and sends parameter changes at
// random phases of the period (3..9 ms apart). For every change aap-host prints the latency it
// measured (civetweb's data handler -> the audio thread appending the event to the plugin's
// input) and the cycles involved; this program reads those lines.
//
// The reference in the same run is the period itself: the aim is latency <= one period plus the
// server's wake-up, so each block of 16 events reports median/p99/max latency over the period.
// Counters: median_ms, p99_ms, max_ms, period_ms, max_over_period, and cycles_late (events that
// landed more than one cycle after the one they arrived in).

#include <benchmark/benchmark.h>

#include <civetweb.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext/midi.h"
#include "aap/hosting/gui-protocol.h"
#include "play-test-support.h"

namespace {

using aap::play_test::Child;
using aap::play_test::slurp;
using aap::play_test::waitForText;

struct Session {
    std::atomic<uint32_t> session{0};
    std::atomic<bool> ready{false};
    std::atomic<bool> closed{false};
};

int onData(mg_connection* connection, int flags, char* data, size_t size, void* user) {
    auto* state = static_cast<Session*>(user);
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
    case aap::GuiMessageType::Welcome:
        state->session = message.welcomeSession;
        break;
    case aap::GuiMessageType::Initialize:
        reply(aap::GuiMessageType::InitializeAck);
        state->ready = true;
        break;
    case aap::GuiMessageType::Ping:
        reply(aap::GuiMessageType::Pong);
        break;
    default:
        break;
    }
    return 1;
}

void onClose(const mg_connection*, void* user) { static_cast<Session*>(user)->closed = true; }

void BM_GuiToDspLatency(benchmark::State& state) {
    mg_init_library(MG_FEATURES_WEBSOCKET);
    char pattern[] = "/tmp/aap-gui-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
        state.SkipWithError("mkdtemp failed");
        return;
    }
    const std::string dir = pattern;
    const std::string out = dir + "/gui.out", err = dir + "/gui.err";
    Child host;
    if (!host.spawn({AAP_HOST_EXECUTABLE, "gui", "poly-synth", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet",
                     "--backend", "null", "--trace", "--duration", "3600"},
                    {}, out, err) ||
        !waitForText(out, "gui: http://127.0.0.1:", 30000)) {
        state.SkipWithError(("aap-host gui did not start: " + slurp(err)).c_str());
        return;
    }
    std::smatch match;
    const std::string printed = slurp(out);
    std::regex_search(printed, match, std::regex("127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]+)"));
    const int port = std::stoi(match[1]);
    const std::string token = match[2];
    std::vector<uint8_t> tokenBytes;
    aap::guiUnhex(token, &tokenBytes);

    Session session;
    char error[256] = {};
    const std::string path = "/t/" + token + "/ws";
    mg_connection* connection = mg_connect_websocket_client("127.0.0.1", port, 0, error, sizeof(error), path.c_str(),
                                                            nullptr, onData, onClose, &session);
    if (connection == nullptr) {
        state.SkipWithError(error);
        return;
    }
    std::vector<uint8_t> hello = aap::encodeGuiHello(1, tokenBytes.data(), tokenBytes.size());
    mg_websocket_client_write(connection, MG_WEBSOCKET_OPCODE_BINARY, reinterpret_cast<const char*>(hello.data()),
                              hello.size());
    for (int i = 0; i < 500 && !session.ready; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!session.ready) {
        state.SkipWithError("the GUI session did not start");
        mg_close_connection(connection);
        return;
    }

    const std::regex line("gui->dsp parameter 0 \\(Volume\\) = [0-9.e-]+ from client [0-9]+: cycle ([0-9]+) "
                          "\\(received during cycle ([0-9]+), ([0-9.]+) ms\\)");
    std::mt19937 random(12345);
    std::uniform_int_distribution<int> gapUs(3000, 9000);
    std::vector<double> latencies;
    size_t seen = 0, late = 0;
    uint32_t sequence = 1;
    double value = 0.1;
    for (auto _ : state) {
        uint32_t words[4];
        value = value > 0.5 ? 0.1 + 0.001 * (sequence % 100) : 0.6 + 0.001 * (sequence % 100);
        aapMidi2ParameterSysex8(&words[0], &words[1], &words[2], &words[3], 0, 0, 0, 0, 0,
                                aapParameterPlainToTransportUint32(0.0, 1.0, value));
        const std::vector<uint8_t> events = aap::encodeGuiEvents(session.session, ++sequence, words, 4);
        mg_websocket_client_write(connection, MG_WEBSOCKET_OPCODE_BINARY, reinterpret_cast<const char*>(events.data()),
                                  events.size());
        // Wait for its trace line.
        double latencyMs = -1;
        for (int attempt = 0; attempt < 2000 && latencyMs < 0; attempt++) {
            const std::string text = slurp(err);
            size_t count = 0;
            for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it) {
                if (++count > seen) {
                    seen = count;
                    latencyMs = std::stod((*it)[3]);
                    late += std::stoull((*it)[1]) > std::stoull((*it)[2]) + 1;
                    break;
                }
            }
            if (latencyMs < 0)
                std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        if (latencyMs < 0) {
            state.SkipWithError("an event never reached the plugin");
            break;
        }
        latencies.push_back(latencyMs);
        state.SetIterationTime(latencyMs / 1e3);
        std::this_thread::sleep_for(std::chrono::microseconds(gapUs(random)));
    }
    mg_close_connection(connection);
    host.write("quit\n");
    host.wait(30000);
    std::string remove = "rm -rf '" + dir + "'";
    (void) std::system(remove.c_str());
    if (latencies.empty())
        return;
    std::sort(latencies.begin(), latencies.end());
    const double period = 256.0 / 48.0;  // ms
    state.counters["median_ms"] = latencies[latencies.size() / 2];
    state.counters["p99_ms"] = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    state.counters["max_ms"] = latencies.back();
    state.counters["period_ms"] = period;
    state.counters["max_over_period"] = latencies.back() / period;
    state.counters["cycles_late"] = static_cast<double>(late);
}

BENCHMARK(BM_GuiToDspLatency)->UseManualTime()->Iterations(400)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
