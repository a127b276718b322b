#include "hosting-test-support.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "aap/ext/midi.h"

namespace aap::test {

PluginCatalog testCatalog() { return PluginCatalog::scan({AAP_TEST_BUNDLE_DIR}); }

PluginHostOptions testOptions(PluginIsolation isolation) {
    PluginHostOptions options;
    options.isolation = isolation;
    options.process.servicePath = AAP_TEST_SERVICE_PATH;
    options.process.controlTimeoutNs = 2000000000;
    return options;
}

std::vector<pid_t> childProcesses() {
    std::vector<pid_t> children;
    const pid_t self = ::getpid();
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr)
        return children;
    while (struct dirent* entry = ::readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0')
            continue;
        std::ifstream stat(std::string{"/proc/"} + entry->d_name + "/stat");
        std::string line;
        if (!std::getline(stat, line))
            continue;
        // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
        size_t close = line.rfind(')');
        if (close == std::string::npos)
            continue;
        std::istringstream rest(line.substr(close + 1));
        char state = 0;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid == self)
            children.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(proc);
    return children;
}

bool noChildProcessesRemain() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
        if (childProcesses().empty())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return childProcesses().empty();
}

void fillInputs(PluginInstance& instance, int32_t frames, uint32_t seed) {
    uint32_t state = seed * 2654435761u + 1u;
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state;
    };
    for (int32_t port = 0; port < 2; port++) {
        float* in = instance.audioBuffer(port);
        for (int32_t i = 0; i < frames; i++)
            in[i] = static_cast<float>(static_cast<int32_t>(next() >> 8) - (1 << 23)) / static_cast<float>(1 << 23);
    }
    auto* midi = static_cast<uint8_t*>(instance.portBuffer(4));
    const uint32_t events = next() % 8;
    AAPMidiBufferHeader header{};
    header.length = events * 8;  // MIDI 2.0 channel voice messages: 2 words each
    std::memcpy(midi, &header, sizeof(header));
    for (uint32_t e = 0; e < events; e++) {
        uint32_t words[2] = {0x40900000u | ((next() & 0x7Fu) << 8), next()};
        std::memcpy(midi + 32 + e * 8, words, sizeof(words));
    }
}

void poisonOutputs(PluginInstance& instance) {
    for (const PortInformation& port : instance.information().ports) {
        if (port.direction != PortDirection::Output)
            continue;
        auto* buffer = static_cast<uint8_t*>(instance.portBuffer(port.index));
        if (port.contentType == PortContentType::Audio) {
            for (uint32_t i = 0; i < instance.portBufferSize(port.index) / 4; i++)
                reinterpret_cast<float*>(buffer)[i] = 7.0f;
        } else {
            AAPMidiBufferHeader header{};
            header.length = 8;
            std::memcpy(buffer, &header, sizeof(header));
        }
    }
}

bool outputsSilent(PluginInstance& instance) {
    for (const PortInformation& port : instance.information().ports) {
        if (port.direction != PortDirection::Output)
            continue;
        auto* buffer = static_cast<const uint8_t*>(instance.portBuffer(port.index));
        if (buffer == nullptr)
            return false;
        if (port.contentType == PortContentType::Audio) {
            for (uint32_t i = 0; i < instance.portBufferSize(port.index); i++)
                if (buffer[i] != 0)
                    return false;
        } else {
            AAPMidiBufferHeader header;
            std::memcpy(&header, buffer, sizeof(header));
            if (header.length != 0)
                return false;
        }
    }
    return true;
}

} // namespace aap::test
