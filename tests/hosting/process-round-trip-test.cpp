// Audio and MIDI through the process transport, byte-exact against the same plugin in process.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <fstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "aap/ext/midi.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 256;
constexpr int64_t kDeadline = 2000000000;

// Runs `cycles` cycles with varying frame counts and returns every output byte the plugin wrote.
std::vector<uint8_t> renderCycles(PluginIsolation isolation, int cycles) {
    PluginHost host{test::testCatalog(), test::testOptions(isolation)};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    EXPECT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance, &error), HostingStatus::Ok) << error;
    if (!instance)
        return {};
    EXPECT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    EXPECT_EQ(instance->activate(), HostingStatus::Ok);
    std::vector<uint8_t> rendered;
    for (int cycle = 0; cycle < cycles; cycle++) {
        const int32_t frames = cycle % 7 == 3 ? 97 : kFrames;
        test::fillInputs(*instance, frames, static_cast<uint32_t>(cycle));
        EXPECT_EQ(instance->process(frames, kDeadline), HostingStatus::Ok) << "cycle " << cycle;
        for (int32_t port : {2, 3}) {
            auto* out = static_cast<const uint8_t*>(instance->portBuffer(port));
            rendered.insert(rendered.end(), out, out + frames * sizeof(float));
            // The gain is exact in binary floating point, so the expectation is exact too.
            const float* in = instance->audioBuffer(port - 2);
            const float* outSamples = instance->audioBuffer(port);
            for (int32_t i = 0; i < frames; i++)
                EXPECT_EQ(outSamples[i], in[i] * 0.5f);
        }
        auto* midiOut = static_cast<const uint8_t*>(instance->portBuffer(5));
        AAPMidiBufferHeader header;
        std::memcpy(&header, midiOut, sizeof(header));
        EXPECT_LE(header.length, instance->portBufferSize(5) - 32);
        EXPECT_EQ(std::memcmp(midiOut + 32, static_cast<const uint8_t*>(instance->portBuffer(4)) + 32, header.length), 0);
        rendered.insert(rendered.end(), midiOut, midiOut + 32 + header.length);
    }
    EXPECT_EQ(instance->deactivate(), HostingStatus::Ok);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    return rendered;
}

TEST(ProcessTransport, ManyCyclesOfAudioAndMidiMatchTheInProcessPluginByteForByte) {
    std::vector<uint8_t> inProcess = renderCycles(PluginIsolation::InProcess, 500);
    std::vector<uint8_t> outOfProcess = renderCycles(PluginIsolation::ProcessPerInstance, 500);
    ASSERT_FALSE(inProcess.empty());
    ASSERT_EQ(inProcess.size(), outOfProcess.size());
    EXPECT_EQ(std::memcmp(inProcess.data(), outOfProcess.data(), inProcess.size()), 0);
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST(ProcessTransport, ThePluginRunsInAChildProcessThatDestroyReaps) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    EXPECT_EQ(test::childProcesses().size(), 1u);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    EXPECT_TRUE(test::childProcesses().empty());  // reaped synchronously by destroy
}

TEST(ProcessTransport, OneSharedServiceHostsSeveralInstances) {
    {
        PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::SharedProcess)};
        std::vector<std::unique_ptr<PluginInstance>> instances(4);
        for (auto& instance : instances) {
            ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
            ASSERT_EQ(instance->prepare(kFrames, 44100), HostingStatus::Ok);
            ASSERT_EQ(instance->activate(), HostingStatus::Ok);
        }
        EXPECT_EQ(test::childProcesses().size(), 1u);
        for (int cycle = 0; cycle < 50; cycle++) {
            for (size_t i = 0; i < instances.size(); i++) {
                test::fillInputs(*instances[i], kFrames, static_cast<uint32_t>(cycle * 10 + i));
                ASSERT_EQ(instances[i]->process(kFrames, kDeadline), HostingStatus::Ok);
                EXPECT_EQ(instances[i]->audioBuffer(2)[5], instances[i]->audioBuffer(0)[5] * 0.5f);
            }
        }
        // Destroying one instance leaves the others running in the same service.
        EXPECT_EQ(instances[0]->destroy(), HostingStatus::Ok);
        EXPECT_EQ(instances[1]->process(kFrames, kDeadline), HostingStatus::Ok);
        EXPECT_EQ(test::childProcesses().size(), 1u);
    }
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST(ProcessTransport, RequestProcessFromThePluginReachesTheHost) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:request-process", &instance), HostingStatus::Ok);
    std::mutex mutex;
    std::condition_variable called;
    int calls = 0;
    instance->setRequestProcessHandler([&] {
        std::lock_guard<std::mutex> lock(mutex);
        calls++;
        called.notify_all();
    });
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);  // the plugin calls request_process here
    std::unique_lock<std::mutex> lock(mutex);
    EXPECT_TRUE(called.wait_for(lock, std::chrono::seconds(2), [&] { return calls > 0; }));
    EXPECT_EQ(calls, 1);
}

// In process the handler runs on the thread that called request_process (here activate's; it
// may be the audio thread), without a lock; replacing and clearing it is safe afterwards.
TEST(InProcessTransport, RequestProcessFromThePluginReachesTheHostOnTheCallingThread) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::InProcess)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:request-process", &instance), HostingStatus::Ok);
    int calls = 0;
    std::thread::id caller;
    instance->setRequestProcessHandler([&] {
        calls++;
        caller = std::this_thread::get_id();
    });
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);  // the plugin calls request_process here
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(caller, std::this_thread::get_id());
    int replaced = 0;
    instance->setRequestProcessHandler([&] { replaced++; });
    ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(replaced, 1);
    instance->setRequestProcessHandler(nullptr);
    ASSERT_EQ(instance->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);  // no handler: nothing to call
    EXPECT_EQ(replaced, 1);
}

// True when `pid` no longer runs (gone, or a zombie waiting for whoever adopted it).
bool processGone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return true;
    size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(ProcessTransport, TheServiceDoesNotOutliveAHostThatDiesWithoutCleaningUp) {
    int pipeFds[2];
    ASSERT_EQ(::pipe(pipeFds), 0);
    pid_t host = ::fork();
    ASSERT_GE(host, 0);
    if (host == 0) {
        // A host that starts a service, reports its pid and dies abruptly (no destructors).
        ::close(pipeFds[0]);
        std::shared_ptr<ProcessTransport> transport;
        ProcessTransportOptions options;
        options.servicePath = AAP_TEST_SERVICE_PATH;
        int32_t pid = ProcessTransport::start(options, &transport) == HostingStatus::Ok ? transport->servicePid() : -1;
        (void)!::write(pipeFds[1], &pid, sizeof(pid));
        ::_exit(0);
    }
    ::close(pipeFds[1]);
    int32_t service = -1;
    ASSERT_EQ(::read(pipeFds[0], &service, sizeof(service)), static_cast<ssize_t>(sizeof(service)));
    ::close(pipeFds[0]);
    ASSERT_GT(service, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(host, &status, 0), host);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!processGone(service) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(processGone(service)) << "aap-plugin-service " << service << " outlived its host";
}

TEST(ProcessTransport, ServiceIsFoundThroughTheEnvironmentVariable) {
    ::setenv("AAP_PLUGIN_SERVICE", AAP_TEST_SERVICE_PATH, 1);
    EXPECT_EQ(ProcessTransport::findServiceExecutable(), AAP_TEST_SERVICE_PATH);
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.servicePath.clear();
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    EXPECT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    ::unsetenv("AAP_PLUGIN_SERVICE");
}

TEST(ProcessTransport, AMissingServiceExecutableIsAClearError) {
    PluginHostOptions options = test::testOptions(PluginIsolation::ProcessPerInstance);
    options.process.servicePath = "/nonexistent/aap-plugin-service";
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    EXPECT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance, &error), HostingStatus::NotFound);
    EXPECT_NE(error.find("/nonexistent/aap-plugin-service"), std::string::npos) << error;
}

// A plugin whose metadata is written as AAP plugins ship it (content "midi" and "other" ports,
// pp:minimumSize): the "other" ports get buffers of the declared size (input, 20000 bytes) or the
// default size (output, the MIDI buffer size), allocated and passed like any other port buffer, in
// process and out of process; content "midi" ports are MIDI2 ports the plugin echoes UMP through.
void checkOtherPorts(PluginIsolation isolation) {
    PluginHostOptions options = test::testOptions(isolation);
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    ASSERT_EQ(host.instantiate("urn:aap-test:other-ports", &instance, &error), HostingStatus::Ok) << error;
    const PluginInformation& information = instance->information();
    ASSERT_EQ(information.ports.size(), 8u) << "no default MIDI ports added: the midi ports are MIDI2";
    EXPECT_EQ(information.ports[4].contentType, PortContentType::Midi2);
    EXPECT_EQ(information.ports[6].contentType, PortContentType::Other);
    EXPECT_EQ(information.ports[6].minimumSize, 20000u);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    ASSERT_EQ(instance->portBufferSize(6), 20000u);
    ASSERT_EQ(instance->portBufferSize(7), options.midiBufferSize);
    auto* in = static_cast<uint8_t*>(instance->portBuffer(6));
    const uint8_t marker[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    std::memcpy(in + 20000 - 4, marker, 4);  // the last bytes of the declared size reach the plugin
    test::fillInputs(*instance, kFrames, 7);
    // What the host gave for this cycle (the input is empty again after it: the cycle contract).
    AAPMidiBufferHeader inHeader;
    std::memcpy(&inHeader, instance->portBuffer(4), sizeof(inHeader));
    ASSERT_EQ(instance->process(kFrames, kDeadline), HostingStatus::Ok);
    auto* out = static_cast<const uint8_t*>(instance->portBuffer(7));
    uint32_t sizes[2];
    std::memcpy(sizes, out, sizeof(sizes));
    EXPECT_EQ(sizes[0], 20000u) << "the plugin sees the declared size";
    EXPECT_EQ(sizes[1], options.midiBufferSize) << "and the default size";
    EXPECT_EQ(std::memcmp(out + 8, marker, 4), 0);
    EXPECT_EQ(out[options.midiBufferSize - 1], 0xA5) << "the plugin wrote up to the last byte of its output";
    const float* audioIn = instance->audioBuffer(0);
    EXPECT_EQ(instance->audioBuffer(2)[10], audioIn[10] * 0.5f);
    auto* midiOut = static_cast<const uint8_t*>(instance->portBuffer(5));
    AAPMidiBufferHeader header;
    std::memcpy(&header, midiOut, sizeof(header));
    EXPECT_EQ(header.length, inHeader.length);
    EXPECT_EQ(instance->deactivate(), HostingStatus::Ok);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
}

TEST(ProcessTransport, OtherPortsGetTheirDeclaredOrDefaultSize) {
    checkOtherPorts(PluginIsolation::ProcessPerInstance);
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST(InProcessTransport, OtherPortsGetTheirDeclaredOrDefaultSize) { checkOtherPorts(PluginIsolation::InProcess); }

} // namespace
} // namespace aap
