// Plugins for the hosting tests, all in one library (see aap_metadata.xml.in). Each behaves
// deterministically so the same input gives byte-identical output in and out of process; the
// fault plugins misbehave in one precise way each.
//
// Ports (default rules, effect): 0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R,
// 4 System MIDI In, 5 System MIDI Out.

#include <atomic>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "aap/android-audio-plugin.h"
#include "aap/ext/midi.h"
#include "aap/ext/plugin-info.h"
#include "aapxs/plugin-aapxs-definitions.h"
#include "test-host-counter-extension.h"
#include "test-transform-extension.h"

namespace {

enum class Behaviour {
    GainEcho,           // out = in * 0.5, MIDI out = MIDI in
    CrashInProcess,     // killed by a signal on the third process() call
    CrashInActivate,    // killed by a signal in activate()
    HangInProcess,      // spins forever in the second process() call
    SlowProcess,        // sleeps 300 ms in every process() call after the first
    LateEvery50,        // gain-echo that sleeps 400 ms in every 50th process() call (xrun tests)
    HangInPrepare,      // sleeps forever in prepare()
    GarbageMidiHeader,  // writes an impossible length into its MIDI2 output header
    RequestProcess,     // calls host->request_process in activate()
    HostCounterUser,    // gain-echo that calls the host-counter host extension: +1 in activate(),
                        // +10 in the third process(); reports its latest known total as the
                        // first MIDI2 output message (type 4 CC #1 on group 0, value = total)
    PluginInfoUser,     // gain-echo that checks the plugin-info host extension in instantiate and
                        // reports the verdict (1 = everything as in its metadata) like HostCounterUser
    AbiMajor2,          // gain-echo whose ABI record (aap/abi.h) says major 2: the host must refuse it
    AbiMalformed,       // gain-echo answering the ABI URI with a record without AAP_ABI_MAGIC
    AbiLegacy,          // gain-echo answering null for the ABI URI, like an AAP 0.8 plugin
    GetExtensionInProcess,  // an AAP 0.8 habit: calls host->get_extension only from process()
                        // (every cycle, several URIs, the first calls ever in process), and again
                        // from the counter's completion on the service worker, concurrently; adds
                        // 10 in the third cycle through the proxy it got there. Reports like
                        // HostCounterUser: the counter total, or -2 once any answer was wrong.
    OtherPorts,         // gain-echo whose metadata is written the way AAP plugins ship it (content
                        // "midi" and "other" ports, pp:minimumSize); port 6 is an "other" input,
                        // port 7 an "other" output. Writes into port 7: the sizes of ports 6 and 7
                        // (uint32 each), then the last 4 bytes of port 6, then fills the rest of
                        // port 7 with 0xA5 up to its last byte.
    GraphRecorder,      // graph tests: out = in + (its process() count, 1 in the first cycle) on both
                        // audio channels, so a chain's output tells whether every node ran exactly
                        // once per cycle after its predecessors; MIDI out = MIDI in
    BlocksInProcess,    // the realtime guard's bad example: in every process() it locks a mutex
                        // (once), sleeps (usleep, once) and writes one byte to a pipe it opened
                        // in activate() (once); otherwise gain-echo. No heap operation. The pipe
                        // is never read: at most 65536 cycles per activation.
};

// Live instances of this library in this process: the ABI tests check that a refused instance
// was released (exported for the in-process tests; the service process has its own copy).
std::atomic<int32_t> liveInstances{0};

struct TestPlugin {
    Behaviour behaviour;
    AndroidAudioPluginHost* host;
    aap_buffer_t* buffer = nullptr;
    int cycles = 0;
    aap_test_host_counter_extension_t* counter = nullptr;
    // Written by the counter's completion, which runs on the service's worker (aapxs.h tags
    // completions [main-thread]), and read by process(): hence atomic.
    std::atomic<int32_t> counterTotal{-1};
    // GetExtensionInProcess: what the first process() got; any later different answer sets wrong.
    void* firstCounter = nullptr;
    void* firstPluginInfo = nullptr;
    std::atomic<bool> wrong{false};
    // BlocksInProcess
    std::mutex mutex;
    int pipe[2] = {-1, -1};
};

bool same(const char* a, const char* b) { return a != nullptr && std::strcmp(a, b) == 0; }

// What the plugin-info extension must say about urn:aap-test:plugin-info-user (aap_metadata.xml.in).
int32_t checkPluginInfo(AndroidAudioPluginHost* host) {
    auto* ext = static_cast<aap_host_plugin_info_extension_t*>(host->get_extension(host, AAP_PLUGIN_INFO_EXTENSION_URI));
    if (ext == nullptr || ext->get == nullptr)
        return 0;
    aap_plugin_info_t info = ext->get(ext, host, "urn:aap-test:plugin-info-user");
    if (info.display_name == nullptr || !same(info.display_name(&info), "Test Plugin Info User") ||
        !same(info.developer_name(&info), "AAP SDK tests") || !same(info.primary_category(&info), "Effect") ||
        !same(info.plugin_id(&info), "urn:aap-test:plugin-info-user") || info.get_port_count(&info) != 6 ||
        info.get_parameter_count(&info) != 1)
        return 0;
    aap_plugin_info_port_t midiIn = info.get_port(&info, 4);
    if (midiIn.name == nullptr || !same(midiIn.name(&midiIn), "System MIDI In") ||
        midiIn.content_type(&midiIn) != AAP_CONTENT_TYPE_MIDI2 || midiIn.direction(&midiIn) != AAP_PORT_DIRECTION_INPUT ||
        midiIn.index(&midiIn) != 4)
        return 0;
    aap_plugin_info_port_t outOfRange = info.get_port(&info, 6);
    if (outOfRange.name != nullptr)
        return 0;
    aap_plugin_info_parameter_t gain = info.get_parameter(&info, 0);
    if (gain.id == nullptr || gain.id(&gain) != 7 || !same(gain.name(&gain), "Gain") || gain.max_value(&gain) != 2.0f)
        return 0;
    aap_plugin_info_t unknown = ext->get(ext, host, "urn:aap-test:nobody");
    return unknown.display_name == nullptr ? 1 : 0;
}

void counterDone(void* user, int32_t total) { static_cast<TestPlugin*>(user)->counterTotal.store(total, std::memory_order_release); }

// GetExtensionInProcess, on the audio thread: every answer must be what a host gives and the same
// every time. Returns the counter proxy.
aap_test_host_counter_extension_t* askEverythingInProcess(TestPlugin* p) {
    AndroidAudioPluginHost* host = p->host;
    void* counter = host->get_extension(host, AAP_TEST_HOST_COUNTER_URI);
    void* pluginInfo = host->get_extension(host, AAP_PLUGIN_INFO_EXTENSION_URI);
    const void* abi = host->get_extension(host, AAP_ABI_EXTENSION_URI);
    if (p->firstCounter == nullptr) {
        p->firstCounter = counter;
        p->firstPluginInfo = pluginInfo;
    }
    if (counter == nullptr || counter != p->firstCounter || pluginInfo == nullptr || pluginInfo != p->firstPluginInfo ||
        aap_abi_check(abi) != AAP_ABI_CHECK_COMPATIBLE ||
        host->get_extension(host, "urn:aap-test:no-such-extension") != nullptr || host->get_extension(host, nullptr) != nullptr)
        p->wrong.store(true);
    return static_cast<aap_test_host_counter_extension_t*>(counter);
}

// GetExtensionInProcess, on the service worker (completions are [main-thread]) while process()
// may run: asks again concurrently with the audio thread.
void counterDoneAskingAgain(void* user, int32_t total) {
    auto* p = static_cast<TestPlugin*>(user);
    for (int i = 0; i < 100; i++)
        if (p->host->get_extension(p->host, AAP_TEST_HOST_COUNTER_URI) == nullptr ||
            p->host->get_extension(p->host, AAP_PLUGIN_INFO_EXTENSION_URI) == nullptr)
            p->wrong.store(true);
    counterDone(user, total);
}

TestPlugin* self(AndroidAudioPlugin* plugin) { return static_cast<TestPlugin*>(plugin->plugin_specific); }

void crash() { ::raise(SIGKILL); }

void pluginPrepare(AndroidAudioPlugin* plugin, int, aap_buffer_t* buffer) {
    TestPlugin* p = self(plugin);
    p->buffer = buffer;
    if (p->behaviour == Behaviour::HangInPrepare)
        for (;;)
            ::pause();
}

void pluginActivate(AndroidAudioPlugin* plugin) {
    TestPlugin* p = self(plugin);
    if (p->behaviour == Behaviour::CrashInActivate)
        crash();
    if (p->behaviour == Behaviour::RequestProcess && p->host->request_process != nullptr)
        p->host->request_process(p->host);
    if (p->behaviour == Behaviour::BlocksInProcess && p->pipe[0] < 0 && ::pipe2(p->pipe, O_CLOEXEC) != 0)
        p->pipe[0] = p->pipe[1] = -1;
    if (p->behaviour == Behaviour::HostCounterUser) {
        p->counter = static_cast<aap_test_host_counter_extension_t*>(
            p->host->get_extension(p->host, AAP_TEST_HOST_COUNTER_URI));
        if (p->counter != nullptr)
            p->counter->add(p->counter, p->host, 1, counterDone, p);  // not active yet: control channel
    }
}

void closePipe(TestPlugin* p) {
    for (int& fd : p->pipe) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void pluginDeactivate(AndroidAudioPlugin* plugin) { closePipe(self(plugin)); }

void gainEcho(aap_buffer_t* buffer, int32_t frames) {
    for (int32_t channel = 0; channel < 2; channel++) {
        auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
        auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
        for (int32_t i = 0; i < frames; i++)
            out[i] = in[i] * 0.5f;
    }
    auto* midiIn = static_cast<const uint8_t*>(buffer->get_buffer(buffer, 4));
    auto* midiOut = static_cast<uint8_t*>(buffer->get_buffer(buffer, 5));
    AAPMidiBufferHeader header;
    std::memcpy(&header, midiIn, sizeof(header));
    const uint32_t inCapacity = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 4)) - 32;
    const uint32_t outCapacity = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 5)) - 32;
    uint32_t length = header.length;
    if (length > inCapacity)
        length = 0;
    if (length > outCapacity)
        length = outCapacity;
    length -= length % 4;
    AAPMidiBufferHeader outHeader{};
    outHeader.length = length;
    std::memcpy(midiOut, &outHeader, sizeof(outHeader));
    std::memcpy(midiOut + 32, midiIn + 32, length);
}

void pluginProcess(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t) {
    TestPlugin* p = self(plugin);
    p->cycles++;
    switch (p->behaviour) {
    case Behaviour::CrashInProcess:
        if (p->cycles == 3)
            crash();
        break;
    case Behaviour::HangInProcess:
        if (p->cycles == 2) {
            volatile bool forever = true;
            while (forever) {
            }
        }
        break;
    case Behaviour::SlowProcess:
        if (p->cycles > 1)
            ::usleep(300000);
        break;
    case Behaviour::BlocksInProcess: {
        { std::lock_guard<std::mutex> lock(p->mutex); }
        ::usleep(1);
        const char byte = 'x';
        (void)!::write(p->pipe[1], &byte, 1);
        break;
    }
    case Behaviour::LateEvery50:
        if (p->cycles % 50 == 0)
            ::usleep(400000);
        break;
    case Behaviour::GetExtensionInProcess:
    case Behaviour::PluginInfoUser:
    case Behaviour::HostCounterUser: {
        if (p->behaviour == Behaviour::GetExtensionInProcess) {
            aap_test_host_counter_extension_t* counter = askEverythingInProcess(p);
            if (p->cycles == 3 && counter != nullptr)
                counter->add(counter, p->host, 10, counterDoneAskingAgain, p);
        }
        if (p->cycles == 3 && p->counter != nullptr)
            p->counter->add(p->counter, p->host, 10, counterDone, p);  // active: the MIDI2 stream
        gainEcho(buffer, frames);
        // Report the total in front of the echoed events.
        auto* midiOut = static_cast<uint8_t*>(buffer->get_buffer(buffer, 5));
        AAPMidiBufferHeader header;
        std::memcpy(&header, midiOut, sizeof(header));
        const uint32_t capacity = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 5)) - 32;
        if (header.length + 8 <= capacity) {
            std::memmove(midiOut + 32 + 8, midiOut + 32, header.length);
            const int32_t report = p->wrong.load() ? -2 : p->counterTotal.load(std::memory_order_acquire);
            uint32_t words[2] = {0x40B00100u, static_cast<uint32_t>(report)};
            std::memcpy(midiOut + 32, words, sizeof(words));
            header.length += 8;
            std::memcpy(midiOut, &header, sizeof(header));
        }
        return;
    }
    case Behaviour::OtherPorts: {
        gainEcho(buffer, frames);
        const uint32_t inSize = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 6));
        const uint32_t outSize = static_cast<uint32_t>(buffer->get_buffer_size(buffer, 7));
        auto* in = static_cast<const uint8_t*>(buffer->get_buffer(buffer, 6));
        auto* out = static_cast<uint8_t*>(buffer->get_buffer(buffer, 7));
        if (in == nullptr || out == nullptr || inSize < 4 || outSize < 12)
            return;
        std::memcpy(out, &inSize, 4);
        std::memcpy(out + 4, &outSize, 4);
        std::memcpy(out + 8, in + inSize - 4, 4);
        std::memset(out + 12, 0xA5, outSize - 12);
        return;
    }
    case Behaviour::GraphRecorder: {
        gainEcho(buffer, frames);
        for (int32_t channel = 0; channel < 2; channel++) {
            auto* in = static_cast<const float*>(buffer->get_buffer(buffer, channel));
            auto* out = static_cast<float*>(buffer->get_buffer(buffer, channel + 2));
            for (int32_t i = 0; i < frames; i++)
                out[i] = in[i] + static_cast<float>(p->cycles);
        }
        return;
    }
    case Behaviour::GarbageMidiHeader: {
        gainEcho(buffer, frames);
        uint32_t garbage = 0xFFFFFFF0u;
        std::memcpy(static_cast<uint8_t*>(buffer->get_buffer(buffer, 5)) + 4, &garbage, sizeof(garbage));
        return;
    }
    default:
        break;
    }
    gainEcho(buffer, frames);
}

int32_t transform(aap_test_transform_extension_t*, AndroidAudioPlugin*, int32_t opcode, uint8_t* data, int32_t size,
                  int32_t capacity) {
    switch (opcode) {
    case AAP_TEST_TRANSFORM_REVERSE:
        for (int32_t i = 0; i < size / 2; i++) {
            uint8_t b = data[i];
            data[i] = data[size - 1 - i];
            data[size - 1 - i] = b;
        }
        return size;
    case AAP_TEST_TRANSFORM_SHOUT:
        ::usleep(3000);
        if (size >= capacity)
            return -1;
        data[size] = '!';
        return size + 1;
    default:
        return -1;
    }
}

aap_test_transform_extension_t transformExtension{nullptr, transform};

// Records a plugin built against another ABI would answer with (static: they must outlive the
// library's use of them, as aap/abi.h requires).
const aap_abi_version_t abiMajor2Record{AAP_ABI_MAGIC, 2, 0, 20000};
const aap_abi_version_t abiMalformedRecord{0x12345678u, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR, 0};

void* pluginGetExtension(AndroidAudioPlugin* plugin, const char* uri) {
    if (uri != nullptr && std::strcmp(uri, AAP_TEST_TRANSFORM_URI) == 0)
        return &transformExtension;
    if (uri != nullptr && std::strcmp(uri, AAP_ABI_EXTENSION_URI) == 0) {
        switch (self(plugin)->behaviour) {
        case Behaviour::AbiMajor2: return const_cast<aap_abi_version_t*>(&abiMajor2Record);
        case Behaviour::AbiMalformed: return const_cast<aap_abi_version_t*>(&abiMalformedRecord);
        case Behaviour::AbiLegacy: return nullptr;
        default: break;
        }
    }
    return aap_abi_get_extension(uri);
}

// The AAPXS definition of the transform extension, plugin side: deserialize, call the plugin's
// extension, serialize the reply. An opcode the plugin rejects gets no reply (the runtime then
// sends an error reply).
void transformRequest(AAPXSDefinition*, AAPXSRecipientInstance* aapxsInstance, AndroidAudioPlugin* plugin,
                      AAPXSRequestContext* request) {
    auto* ext = static_cast<aap_test_transform_extension_t*>(plugin->get_extension(plugin, AAP_TEST_TRANSFORM_URI));
    if (ext == nullptr)
        return;
    AAPXSSerializationContext* s = request->serialization;
    int32_t size = ext->transform(ext, plugin, request->opcode, static_cast<uint8_t*>(s->data),
                                  static_cast<int32_t>(s->data_size), static_cast<int32_t>(s->data_capacity));
    if (size < 0)
        return;
    s->data_size = static_cast<size_t>(size);
    aapxsInstance->send_aapxs_reply(aapxsInstance, request);
}

bool transformIsRealtimeSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return !isHostExtension && opcode == AAP_TEST_TRANSFORM_REVERSE;
}

AAPXSDefinition makeTransformDefinition() {
    AAPXSDefinition d;
    std::memset(&d, 0, sizeof(d));
    d.uri = AAP_TEST_TRANSFORM_URI;
    d.data_capacity = AAP_TEST_TRANSFORM_CAPACITY;
    d.process_incoming_plugin_aapxs_request = transformRequest;
    d.is_command_rt_safe = transformIsRealtimeSafe;
    return d;
}



aap_plugin_info_t pluginGetInfo(AndroidAudioPlugin*) {
    aap_plugin_info_t info;
    std::memset(&info, 0, sizeof(info));
    return info;
}

bool behaviourFor(const std::string& id, Behaviour* out) {
    static const struct {
        const char* id;
        Behaviour behaviour;
    } table[] = {
        {"urn:aap-test:gain-echo", Behaviour::GainEcho},
        {"urn:aap-test:crash-in-process", Behaviour::CrashInProcess},
        {"urn:aap-test:crash-in-activate", Behaviour::CrashInActivate},
        {"urn:aap-test:hang-in-process", Behaviour::HangInProcess},
        {"urn:aap-test:slow-process", Behaviour::SlowProcess},
        {"urn:aap-test:late-every-50", Behaviour::LateEvery50},
        {"urn:aap-test:hang-in-prepare", Behaviour::HangInPrepare},
        {"urn:aap-test:garbage-midi-header", Behaviour::GarbageMidiHeader},
        {"urn:aap-test:request-process", Behaviour::RequestProcess},
        {"urn:aap-test:host-counter-user", Behaviour::HostCounterUser},
        {"urn:aap-test:plugin-info-user", Behaviour::PluginInfoUser},
        {"urn:aap-test:abi-major-2", Behaviour::AbiMajor2},
        {"urn:aap-test:abi-malformed", Behaviour::AbiMalformed},
        {"urn:aap-test:abi-legacy", Behaviour::AbiLegacy},
        {"urn:aap-test:get-extension-in-process", Behaviour::GetExtensionInProcess},
        {"urn:aap-test:other-ports", Behaviour::OtherPorts},
        {"urn:aap-test:blocks-in-process", Behaviour::BlocksInProcess},
        {"urn:aap-test:graph-recorder", Behaviour::GraphRecorder},
    };
    for (const auto& entry : table) {
        if (id == entry.id) {
            *out = entry.behaviour;
            return true;
        }
    }
    return false;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginUniqueId, AndroidAudioPluginHost* host) {
    Behaviour behaviour;
    if (pluginUniqueId == nullptr || host == nullptr || !behaviourFor(pluginUniqueId, &behaviour))
        return nullptr;
    // What docs/abi.md asks of a plugin: check the host's ABI record. A host built on this SDK
    // answers it (both transports), so anything but COMPATIBLE here is a hosting bug.
    const void* hostAbi = host->get_extension != nullptr ? host->get_extension(host, AAP_ABI_EXTENSION_URI) : nullptr;
    if (aap_abi_check(hostAbi) != AAP_ABI_CHECK_COMPATIBLE) {
        char line[256];
        aap_abi_describe(line, sizeof(line), "host", hostAbi);
        std::fprintf(stderr, "aap-hosting-test-plugins: %s\n", line);
        return nullptr;
    }
    auto* state = new TestPlugin{behaviour, host};
    liveInstances.fetch_add(1);
    if (behaviour == Behaviour::PluginInfoUser)
        state->counterTotal.store(checkPluginInfo(host), std::memory_order_relaxed);  // host extensions are available in instantiate
    auto* plugin = new AndroidAudioPlugin{state, pluginPrepare, pluginActivate,
                                          pluginProcess, pluginDeactivate, pluginGetExtension, pluginGetInfo};
    return plugin;
}

void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
    liveInstances.fetch_sub(1);
    closePipe(self(plugin));
    delete self(plugin);
    delete plugin;
}

AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }

// How many instances of this library are alive in the calling process (not instantiated ones
// minus released ones). The in-process ABI tests read it through dlsym.
extern "C" AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT int32_t aap_hosting_test_live_instances(void) {
    return liveInstances.load();
}

extern "C" AAP_PLUGIN_AAPXS_DEFINITIONS_EXPORT const AAPXSDefinition* aap_plugin_get_aapxs_definitions(int32_t* count) {
    // Function-local: built on first use, after the other translation unit's definition exists.
    static const AAPXSDefinition definitions[2] = {makeTransformDefinition(), *aap_test_host_counter_definition()};
    *count = 2;
    return definitions;
}
