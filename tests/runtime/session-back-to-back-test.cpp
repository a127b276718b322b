// Host and plugin sides of AAPXS wired back to back in one process through one MIDI2 buffer pair
// (input: host -> plugin, output: plugin -> host), exactly as a host and a plugin service wire them
// around process(). Also runs under ThreadSanitizer (label tsan).
#include "aap/runtime/initiator-session.h"
#include "aap/runtime/realtime-guard.h"
#include "aap/runtime/recipient-session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// ---- the test extension ---------------------------------------------------------------------
constexpr const char* kEchoUri = "urn://aap-test/echo/v1";
constexpr const char* kEmptyUri = "urn://aap-test/no-handlers/v1";
constexpr std::uint8_t kEchoUrid = 1;
constexpr std::uint8_t kEmptyUrid = 2;
constexpr std::int32_t kOpReverse = 1;      // RT-safe: reply = request bytes reversed
constexpr std::int32_t kOpSum = 2;          // not RT-safe: reply = u32 LE sum of the bytes
constexpr std::int32_t kOpSleep = 3;        // not RT-safe: sleeps u32 LE milliseconds, empty reply
constexpr std::int32_t kOpRtUnknown = 8;    // declared RT-safe, but the handler does not know it
constexpr std::int32_t kOpUnknown = 9;      // the handler does not know it
constexpr std::int32_t kOpHostCount = -1;   // host extension: reply = i32 number of calls so far
constexpr std::int32_t kCapacity = 256;

struct PluginState {
    AndroidAudioPlugin* expectedPlugin = nullptr;
    std::atomic<int> wrongPlugin{0};
};
struct HostState {
    std::atomic<int> calls{0};
};

void putLe32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t getLe32(const std::uint8_t* p) {
    return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

void echoPluginRequest(AAPXSDefinition* definition, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                       AAPXSRequestContext* request) {
    auto* state = static_cast<PluginState*>(definition->aapxs_context);
    if (plugin != state->expectedPlugin)
        state->wrongPlugin.fetch_add(1);
    AAPXSSerializationContext* s = request->serialization;
    auto* d = static_cast<std::uint8_t*>(s->data);
    switch (request->opcode) {
    case kOpReverse:
        for (std::size_t i = 0; i < s->data_size / 2; ++i)
            std::swap(d[i], d[s->data_size - 1 - i]);
        break;
    case kOpSum: {
        std::uint32_t sum = 0;
        for (std::size_t i = 0; i < s->data_size; ++i)
            sum += d[i];
        putLe32(d, sum);
        s->data_size = 4;
        break;
    }
    case kOpSleep:
        std::this_thread::sleep_for(std::chrono::milliseconds(getLe32(d)));
        s->data_size = 0;
        break;
    default:
        return; // unknown opcode: no reply
    }
    instance->send_aapxs_reply(instance, request);
}

void echoHostRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPluginHost* host,
                     AAPXSRequestContext* request) {
    auto* state = static_cast<HostState*>(host->context);
    if (request->opcode != kOpHostCount)
        return;
    const int calls = state->calls.fetch_add(1) + 1;
    putLe32(static_cast<std::uint8_t*>(request->serialization->data), static_cast<std::uint32_t>(calls));
    request->serialization->data_size = 4;
    instance->send_aapxs_reply(instance, request);
}

bool echoIsRtSafe(AAPXSDefinition*, bool isHostExtension, std::int32_t opcode) {
    return !isHostExtension && (opcode == kOpReverse || opcode == kOpRtUnknown);
}

// ---- MIDI2 port buffers -----------------------------------------------------------------------
struct PortBuffer {
    std::vector<std::uint8_t> bytes;
    explicit PortBuffer(std::size_t capacity) : bytes(capacity, 0) {}
    std::uint8_t* data() { return bytes.data(); }
    std::size_t capacity() const { return bytes.size(); }
    std::uint32_t length() const {
        std::uint32_t l;
        std::memcpy(&l, bytes.data() + 4, 4);
        return l;
    }
    void clear() { std::memset(bytes.data(), 0, 32); }
    void append(const std::uint32_t* words, std::size_t count) {
        const std::uint32_t l = length();
        std::memcpy(bytes.data() + 32 + l, words, count * 4);
        const std::uint32_t n = l + static_cast<std::uint32_t>(count * 4);
        std::memcpy(bytes.data() + 4, &n, 4);
    }
    bool equals(const std::uint32_t* words, std::size_t count) const {
        return length() == count * 4 && std::memcmp(bytes.data() + 32, words, count * 4) == 0;
    }
};

// Real MIDI the plugin must receive unchanged: a MIDI2 note on, a non-AAPXS SysEx8 (two packets
// of stream 0), a SysEx8 on another stream, a parameter change, a type-F stream message.
const std::uint32_t kRealMidi[] = {0x40903C00, 0x80000000,                         // note on
                                   0x50160000, 0x01020304, 0x05000000, 0x00000000, // SysEx8 start, stream 0
                                   0x50330000, 0x0A0B0000, 0x00000000, 0x00000000, // SysEx8 end, stream 0
                                   0x50150700, 0x11223344, 0x00000000, 0x00000000, // SysEx8 stream 7
                                   0x500E007E, 0x7F000003, 0x00000009, 0x40000000, // parameter change
                                   0xF0000000, 0x1, 0x2, 0x3};
constexpr std::size_t kRealMidiWords = sizeof(kRealMidi) / sizeof(kRealMidi[0]);

// ---- the two sides ------------------------------------------------------------------------------
struct Harness {
    struct Config {
        std::size_t bufferCapacity = 8192;
        std::size_t hostInFlight = 1024;
        std::size_t pluginInFlight = 256;
        std::size_t pluginInitiatorInFlight = 256;
        bool startPluginWorker = true;
        aap::WakePolicy wakePolicy = aap::WakePolicy::WakeOncePerCycle;
        std::size_t maxInitiatorData = 1024;
    };

    PluginState pluginState;
    HostState hostState;
    AndroidAudioPlugin plugin{};
    AndroidAudioPluginHost host{};
    aap::AAPXSDefinitionRegistry registry;
    aap::UridTable hostUrids, pluginUrids;
    std::unique_ptr<aap::NonRealtimeWorker> hostWorker, pluginWorker;
    std::unique_ptr<aap::InitiatorSession> hostInitiator, pluginInitiator;
    std::unique_ptr<aap::RecipientSession> pluginRecipient, hostRecipient;
    PortBuffer midiIn, midiOut;
    bool midiUnchanged = true;
    std::size_t malformedSeen = 0;
    bool injectGarbage = false;

    explicit Harness(const Config& config) : midiIn(config.bufferCapacity), midiOut(config.bufferCapacity) {
        pluginState.expectedPlugin = &plugin;
        host.context = &hostState;
        AAPXSDefinition echo{};
        echo.aapxs_context = &pluginState;
        echo.uri = kEchoUri;
        echo.data_capacity = kCapacity;
        echo.process_incoming_plugin_aapxs_request = echoPluginRequest;
        echo.process_incoming_host_aapxs_request = echoHostRequest;
        echo.is_command_rt_safe = echoIsRtSafe;
        EXPECT_EQ(registry.add(echo), aap::RegistryError::None);
        AAPXSDefinition empty{};
        empty.uri = kEmptyUri;
        empty.data_capacity = 16;
        EXPECT_EQ(registry.add(empty), aap::RegistryError::None);
        // The host assigns the URIDs and tells the plugin side (here: the same table contents).
        for (aap::UridTable* urids : {&hostUrids, &pluginUrids}) {
            EXPECT_EQ(urids->assign(kEchoUrid, registry.findByUri(kEchoUri)), aap::UridError::None);
            EXPECT_EQ(urids->assign(kEmptyUrid, registry.findByUri(kEmptyUri)), aap::UridError::None);
        }
        aap::NonRealtimeWorker::Options workerOptions;
        workerOptions.wakePolicy = config.wakePolicy;
        hostWorker = std::make_unique<aap::NonRealtimeWorker>(workerOptions);
        pluginWorker = std::make_unique<aap::NonRealtimeWorker>(workerOptions);
        EXPECT_TRUE(hostWorker->start());
        if (config.startPluginWorker)
            EXPECT_TRUE(pluginWorker->start());

        aap::SessionError error;
        aap::InitiatorSession::Options initiator;
        initiator.side = aap::SessionSide::Host;
        initiator.maxInFlight = config.hostInFlight;
        initiator.maxDataSize = config.maxInitiatorData;
        initiator.callbackWorker = hostWorker.get(); // C ABI callbacks run off the audio thread
        hostInitiator = aap::InitiatorSession::create(initiator, &error);
        EXPECT_EQ(error, aap::SessionError::None);
        initiator.side = aap::SessionSide::Plugin;
        initiator.callbackWorker = pluginWorker.get();
        initiator.maxInFlight = config.pluginInitiatorInFlight;
        initiator.group = 1;
        pluginInitiator = aap::InitiatorSession::create(initiator, &error);
        EXPECT_EQ(error, aap::SessionError::None);

        aap::RecipientSession::Options recipient;
        recipient.side = aap::SessionSide::Plugin;
        recipient.registry = &registry;
        recipient.urids = &pluginUrids;
        recipient.worker = pluginWorker.get();
        recipient.pluginOrHost = &plugin;
        recipient.maxInFlight = config.pluginInFlight;
        pluginRecipient = aap::RecipientSession::create(recipient, &error);
        EXPECT_EQ(error, aap::SessionError::None);
        recipient.side = aap::SessionSide::Host;
        recipient.urids = &hostUrids;
        recipient.worker = hostWorker.get();
        recipient.pluginOrHost = &host;
        hostRecipient = aap::RecipientSession::create(recipient, &error);
        EXPECT_EQ(error, aap::SessionError::None);
    }

    ~Harness() {
        // Workers first: queued tasks are cancelled into error replies while the sessions exist.
        hostWorker->stop();
        pluginWorker->stop();
    }

    // One process() cycle, both sides. Realtime-safe: this is what the guard measures.
    void cycle() noexcept {
        // host audio thread, before process()
        midiIn.clear();
        midiIn.append(kRealMidi, kRealMidiWords);
        if (injectGarbage) {
            // An AAPXS-looking start packet that never ends (group 5), and an AAPXS-prefixed
            // complete packet (too short): both malformed, both must be stripped.
            const std::uint32_t garbage[] = {0x551E007E, 0x7F000101, 0, 0, 0x500E007E, 0x7F000101, 0, 0};
            midiIn.append(garbage, 8);
        }
        hostInitiator->writeRequests(midiIn.data(), midiIn.capacity());
        hostRecipient->writeReplies(midiIn.data(), midiIn.capacity());

        // plugin audio thread: strip AAPXS before the plugin sees the buffer
        const auto routed = aap::routeIncomingAapxs(aap::SessionSide::Plugin, midiIn.data(), midiIn.capacity(),
                                                    pluginInitiator.get(), pluginRecipient.get());
        malformedSeen += routed.malformed;
        if (!midiIn.equals(kRealMidi, kRealMidiWords))
            midiUnchanged = false;
        midiOut.clear();
        pluginRecipient->writeReplies(midiOut.data(), midiOut.capacity());
        pluginInitiator->writeRequests(midiOut.data(), midiOut.capacity());
        pluginWorker->wakeIfPending();

        // host audio thread, after process()
        aap::routeIncomingAapxs(aap::SessionSide::Host, midiOut.data(), midiOut.capacity(), hostInitiator.get(),
                                hostRecipient.get());
        const std::int64_t now = aap::monotonicNowNs();
        hostInitiator->expire(now);
        pluginInitiator->expire(now);
        // Once per cycle, after everything that may post (recipient requests, C ABI completions).
        hostWorker->wakeIfPending();
    }

    template <typename Done> bool cycleUntil(Done done, std::chrono::milliseconds limit = 5000ms) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until)
                return false;
            cycle();
            std::this_thread::sleep_for(20us);
        }
        return true;
    }
};

// One completion record per request; the callback writes into it (no allocation).
struct Outcome {
    int calls = 0;
    aap::RequestStatus status = aap::RequestStatus::Cancelled;
    std::int32_t errorCode = 0;
    std::uint8_t data[kCapacity] = {};
    std::size_t dataSize = 0;
    std::uint64_t order = 0;
    static std::uint64_t s_sequence;
    static void record(void* user, const aap::RequestCompletion& c) noexcept {
        auto* self = static_cast<Outcome*>(user);
        ++self->calls;
        self->status = c.status;
        self->errorCode = c.errorCode;
        self->dataSize = c.dataSize <= sizeof(self->data) ? c.dataSize : sizeof(self->data);
        if (self->dataSize)
            std::memcpy(self->data, c.data, self->dataSize);
        self->order = ++s_sequence;
    }
};
std::uint64_t Outcome::s_sequence = 0;

aap::InitiatorSession::Request echoRequest(std::int32_t opcode, const std::uint8_t* data, std::size_t size,
                                           Outcome* outcome) {
    aap::InitiatorSession::Request request;
    request.urid = kEchoUrid;
    request.uri = kEchoUri;
    request.uriSize = std::strlen(kEchoUri);
    request.opcode = opcode;
    request.data = data;
    request.dataSize = size;
    request.onComplete = Outcome::record;
    request.user = outcome;
    return request;
}

TEST(SessionBackToBack, ThousandsOfRequestsBothDirectionsInAndOutOfOrder) {
    Harness h({});
    const int pluginRequests = 3000;
    const int hostRequests = 500;
    std::vector<Outcome> outcomes(pluginRequests);
    std::vector<Outcome> hostOutcomes(hostRequests);
    std::vector<std::vector<std::uint8_t>> payloads(pluginRequests);
    int submitted = 0, hostSubmitted = 0;
    std::srand(7);
    const auto allDone = [&] {
        for (auto& o : outcomes)
            if (o.calls == 0)
                return false;
        for (auto& o : hostOutcomes)
            if (o.calls == 0)
                return false;
        return true;
    };
    const auto until = std::chrono::steady_clock::now() + 8s;
    while (!(submitted == pluginRequests && hostSubmitted == hostRequests && allDone()) &&
           std::chrono::steady_clock::now() < until) {
        // Keep what is in flight below the recipients' 256 slots so that no request is answered
        // Busy however slowly the workers get scheduled.
        for (int k = 0; k < 15 && submitted < pluginRequests && h.hostInitiator->pendingCount() < 200; ++k, ++submitted) {
            auto& payload = payloads[submitted];
            payload.resize(static_cast<std::size_t>(std::rand() % 40));
            for (auto& b : payload)
                b = static_cast<std::uint8_t>(std::rand());
            const std::int32_t opcode = (submitted % 3 == 0) ? kOpSum : kOpReverse;
            ASSERT_TRUE(h.hostInitiator->submit(echoRequest(opcode, payload.data(), payload.size(), &outcomes[submitted])).ok());
        }
        for (int k = 0; k < 3 && hostSubmitted < hostRequests && h.pluginInitiator->pendingCount() < 200;
             ++k, ++hostSubmitted) {
            aap::InitiatorSession::Request request = echoRequest(kOpHostCount, nullptr, 0, &hostOutcomes[hostSubmitted]);
            ASSERT_TRUE(h.pluginInitiator->submit(request).ok());
        }
        h.cycle();
        std::this_thread::sleep_for(10us);
    }
    ASSERT_TRUE(allDone());
    bool outOfOrder = false;
    for (int i = 0; i < pluginRequests; ++i) {
        const Outcome& o = outcomes[i];
        ASSERT_EQ(o.calls, 1) << i;
        ASSERT_EQ(o.status, aap::RequestStatus::Completed) << i;
        const auto& p = payloads[i];
        if (i % 3 == 0) {
            std::uint32_t sum = 0;
            for (auto b : p)
                sum += b;
            ASSERT_EQ(o.dataSize, 4u);
            EXPECT_EQ(getLe32(o.data), sum) << i;
        } else {
            ASSERT_EQ(o.dataSize, p.size());
            EXPECT_TRUE(std::equal(p.rbegin(), p.rend(), o.data)) << i;
        }
        if (i > 0 && o.order < outcomes[i - 1].order)
            outOfOrder = true;
    }
    EXPECT_TRUE(outOfOrder) << "RT-safe replies should overtake worker replies";
    std::vector<bool> seen(hostRequests + 1, false);
    for (auto& o : hostOutcomes) {
        ASSERT_EQ(o.calls, 1);
        ASSERT_EQ(o.status, aap::RequestStatus::Completed);
        const std::uint32_t count = getLe32(o.data);
        ASSERT_GE(count, 1u);
        ASSERT_LE(count, static_cast<std::uint32_t>(hostRequests));
        EXPECT_FALSE(seen[count]);
        seen[count] = true;
    }
    EXPECT_TRUE(h.midiUnchanged);
    EXPECT_EQ(h.pluginState.wrongPlugin.load(), 0);
    const auto stats = h.pluginRecipient->statistics();
    EXPECT_EQ(stats.handledInline, static_cast<std::uint64_t>(pluginRequests - (pluginRequests + 2) / 3));
    EXPECT_EQ(stats.handledByWorker, static_cast<std::uint64_t>((pluginRequests + 2) / 3));
    EXPECT_EQ(h.hostInitiator->pendingCount(), 0u);
    EXPECT_EQ(h.pluginRecipient->busySlots(), 0u);
}

TEST(SessionBackToBack, MalformedSysEx8IsStrippedAndRealMidiReachesThePluginUnchanged) {
    Harness h({});
    h.injectGarbage = true;
    std::vector<Outcome> outcomes(50);
    const std::uint8_t payload[] = {1, 2, 3, 4, 5};
    for (auto& o : outcomes)
        ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, payload, sizeof(payload), &o)).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return outcomes.back().calls == 1; }));
    for (auto& o : outcomes) {
        EXPECT_EQ(o.calls, 1);
        EXPECT_EQ(o.status, aap::RequestStatus::Completed);
    }
    EXPECT_TRUE(h.midiUnchanged);
    EXPECT_GE(h.malformedSeen, 2u);
}

TEST(SessionBackToBack, RequestsThatDoNotFitWaitForLaterCyclesAndNeverDrop) {
    Harness::Config config;
    config.bufferCapacity = 32 + kRealMidiWords * 4 + 256; // room for 3 small requests per cycle
    Harness h(config);
    std::vector<Outcome> outcomes(60);
    std::vector<std::uint8_t> payload(40, 0x5A);
    for (auto& o : outcomes)
        ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, payload.data(), payload.size(), &o)).ok());
    h.cycle();
    EXPECT_GT(h.hostInitiator->statistics().deferredWrites, 0u);
    ASSERT_TRUE(h.cycleUntil([&] {
        for (auto& o : outcomes)
            if (o.calls == 0)
                return false;
        return true;
    }));
    for (auto& o : outcomes) {
        EXPECT_EQ(o.calls, 1);
        EXPECT_EQ(o.status, aap::RequestStatus::Completed);
        EXPECT_EQ(o.dataSize, payload.size());
    }
    EXPECT_TRUE(h.midiUnchanged);
}

TEST(SessionBackToBack, RequestThatCanNeverFitFailsWithSendFailed) {
    Harness::Config config;
    config.bufferCapacity = 32 + kRealMidiWords * 4 + 256;
    Harness h(config);
    Outcome big, small;
    std::vector<std::uint8_t> payload(300, 1); // 321 bytes -> 25 packets = 400 bytes > 344 (whole buffer)
    ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, payload.data(), payload.size(), &big)).ok());
    ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, payload.data(), 3, &small)).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return big.calls && small.calls; }));
    EXPECT_EQ(big.calls, 1);
    EXPECT_EQ(big.status, aap::RequestStatus::SendFailed);
    EXPECT_EQ(small.status, aap::RequestStatus::Completed);
}

TEST(SessionBackToBack, TimeoutsFireOnceAndLateRepliesAreRejected) {
    Harness h({});
    Outcome slow, fast;
    std::uint8_t sleepMs[4];
    putLe32(sleepMs, 40);
    auto request = echoRequest(kOpSleep, sleepMs, 4, &slow);
    request.timeoutNs = 5'000'000;
    ASSERT_TRUE(h.hostInitiator->submit(request).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return slow.calls == 1; }));
    EXPECT_EQ(slow.status, aap::RequestStatus::TimedOut);
    // The late reply arrives after ~40 ms and must be rejected, not delivered.
    ASSERT_TRUE(h.cycleUntil([&] { return h.hostInitiator->statistics().repliesRejected >= 1; }));
    EXPECT_EQ(slow.calls, 1);
    const std::uint8_t one = 1;
    ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, &one, 1, &fast)).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return fast.calls == 1; }));
    EXPECT_EQ(fast.status, aap::RequestStatus::Completed);
}

TEST(SessionBackToBack, FullRequestTableIsAnImmediateErrorAndRecovers) {
    Harness::Config config;
    config.hostInFlight = 4;
    Harness h(config);
    Outcome outcomes[5];
    const std::uint8_t b = 1;
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, &b, 1, &outcomes[i])).ok());
    const auto overflow = h.hostInitiator->submit(echoRequest(kOpReverse, &b, 1, &outcomes[4]));
    EXPECT_EQ(overflow.error, aap::SubmitError::TableFull);
    EXPECT_EQ(overflow.requestId, 0u);
    ASSERT_TRUE(h.cycleUntil([&] { return outcomes[3].calls == 1; }));
    EXPECT_EQ(outcomes[4].calls, 0); // refused requests never complete
    EXPECT_TRUE(h.hostInitiator->submit(echoRequest(kOpReverse, &b, 1, &outcomes[4])).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return outcomes[4].calls == 1; }));
}

TEST(SessionBackToBack, UnknownExtensionsAndOpcodesGetErrorReplies) {
    Harness h({});
    Outcome unknownUri, unknownUrid, unknownOpcode, unknownRtOpcode, noHandler, byUri;
    const std::uint8_t data[] = {1, 2, 3};

    aap::InitiatorSession::Request r = echoRequest(kOpReverse, data, 3, &unknownUri);
    r.urid = 0;
    r.uri = "urn://aap-test/nobody/v1";
    r.uriSize = std::strlen(r.uri);
    ASSERT_TRUE(h.hostInitiator->submit(r).ok());

    r = echoRequest(kOpReverse, data, 3, &unknownUrid);
    r.urid = 200;
    ASSERT_TRUE(h.hostInitiator->submit(r).ok());

    ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpUnknown, data, 3, &unknownOpcode)).ok());
    ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpRtUnknown, data, 3, &unknownRtOpcode)).ok());

    r = echoRequest(kOpReverse, data, 3, &noHandler);
    r.urid = kEmptyUrid;
    r.uri = kEmptyUri;
    r.uriSize = std::strlen(kEmptyUri);
    ASSERT_TRUE(h.hostInitiator->submit(r).ok());

    r = echoRequest(kOpReverse, data, 3, &byUri); // URI-only message of a known extension
    r.urid = 0;
    ASSERT_TRUE(h.hostInitiator->submit(r).ok());

    ASSERT_TRUE(h.cycleUntil([&] {
        return unknownUri.calls && unknownUrid.calls && unknownOpcode.calls && unknownRtOpcode.calls &&
               noHandler.calls && byUri.calls;
    }));
    const auto code = [](aap::AapxsReplyError e) { return static_cast<std::int32_t>(e); };
    EXPECT_EQ(unknownUri.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(unknownUri.errorCode, code(aap::AapxsReplyError::UnknownExtension));
    EXPECT_EQ(unknownUrid.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(unknownUrid.errorCode, code(aap::AapxsReplyError::UnknownExtension));
    EXPECT_EQ(unknownOpcode.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(unknownOpcode.errorCode, code(aap::AapxsReplyError::NotHandled));
    EXPECT_EQ(unknownRtOpcode.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(unknownRtOpcode.errorCode, code(aap::AapxsReplyError::NotHandled));
    EXPECT_EQ(noHandler.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(noHandler.errorCode, code(aap::AapxsReplyError::NotHandled));
    EXPECT_EQ(byUri.status, aap::RequestStatus::Completed);
    ASSERT_EQ(byUri.dataSize, 3u);
    EXPECT_EQ(byUri.data[0], 3);
    for (Outcome* o : {&unknownUri, &unknownUrid, &unknownOpcode, &unknownRtOpcode, &noHandler, &byUri})
        EXPECT_EQ(o->calls, 1);
}

TEST(SessionBackToBack, RequestLargerThanTheDefinitionCapacityGetsAnErrorReply) {
    Harness h({});
    Outcome tooLarge;
    std::vector<std::uint8_t> payload(20, 1); // the no-handlers extension has data_capacity 16
    auto r = echoRequest(kOpReverse, payload.data(), payload.size(), &tooLarge);
    r.urid = kEmptyUrid;
    ASSERT_TRUE(h.hostInitiator->submit(r).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return tooLarge.calls == 1; }));
    EXPECT_EQ(tooLarge.status, aap::RequestStatus::ErrorReply);
    EXPECT_EQ(tooLarge.errorCode, static_cast<std::int32_t>(aap::AapxsReplyError::RequestTooLarge));
}

TEST(SessionBackToBack, RecipientOutOfSlotsRepliesBusy) {
    Harness::Config config;
    config.pluginInFlight = 2;
    config.startPluginWorker = false; // requests stay in their slots
    Harness h(config);
    Outcome outcomes[5];
    const std::uint8_t b = 1;
    for (auto& o : outcomes)
        ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpSum, &b, 1, &o)).ok());
    ASSERT_TRUE(h.cycleUntil([&] { return outcomes[2].calls && outcomes[3].calls && outcomes[4].calls; }));
    for (int i = 2; i < 5; ++i) {
        EXPECT_EQ(outcomes[i].status, aap::RequestStatus::ErrorReply);
        EXPECT_EQ(outcomes[i].errorCode, static_cast<std::int32_t>(aap::AapxsReplyError::Busy));
    }
    EXPECT_EQ(outcomes[0].calls + outcomes[1].calls, 0);
    // Stopping the worker cancels the two queued requests into ShuttingDown error replies.
    h.pluginWorker->stop();
    ASSERT_TRUE(h.cycleUntil([&] { return outcomes[0].calls && outcomes[1].calls; }));
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(outcomes[i].calls, 1);
        EXPECT_EQ(outcomes[i].errorCode, static_cast<std::int32_t>(aap::AapxsReplyError::ShuttingDown));
    }
    EXPECT_EQ(h.pluginRecipient->busySlots(), 0u);
}

TEST(SessionBackToBack, CancelAllFailsPendingRequestsExactlyOnce) {
    Harness::Config config;
    config.startPluginWorker = false;
    Harness h(config);
    Outcome outcomes[3];
    const std::uint8_t b = 1;
    for (auto& o : outcomes)
        ASSERT_TRUE(h.hostInitiator->submit(echoRequest(kOpSum, &b, 1, &o)).ok());
    h.cycle();
    EXPECT_EQ(h.hostInitiator->cancelAll(aap::RequestStatus::Cancelled), 3u);
    h.pluginWorker->stop(); // produces ShuttingDown replies for the cancelled requests
    for (int i = 0; i < 5; ++i)
        h.cycle();
    for (auto& o : outcomes) {
        EXPECT_EQ(o.calls, 1);
        EXPECT_EQ(o.status, aap::RequestStatus::Cancelled);
    }
    EXPECT_GE(h.hostInitiator->statistics().repliesRejected, 3u);
}

TEST(SessionBackToBack, ZeroAllocationsOnTheAudioThreadsWithTrafficInFlight) {
    // >= 100k cycles in the default build; fewer under sanitizers (or AAP_RUNTIME_TEST_CYCLES).
    long cycles = kSanitized ? 10000 : 100000;
    if (const char* env = std::getenv("AAP_RUNTIME_TEST_CYCLES"))
        cycles = std::strtol(env, nullptr, 10);
    Harness h({});
    constexpr int kRing = 64;
    Outcome ring[kRing];
    Outcome hostRing[kRing];
    std::uint8_t payload[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    long submitted = 0, hostSubmitted = 0, rejected = 0;
    // Warm up once outside the guard (first-touch of thread-locals, lazily bound symbols).
    for (int i = 0; i < 100; ++i)
        h.cycle();
    {
        // The guard is live in this binary: it sees a deliberate allocation.
        aap::RealtimeGuard probe;
        auto p = std::make_unique<int>(1);
        ASSERT_EQ(probe.allocations(), 1u) << p.get();
    }
    aap::RealtimeGuard guard;
    for (long cycle = 0; cycle < cycles; ++cycle) {
        // host audio thread submits: one RT-safe request per cycle, a worker one every 8 cycles
        Outcome& o = ring[submitted % kRing];
        o.calls = 0;
        if (h.hostInitiator->submit(echoRequest(kOpReverse, payload, sizeof(payload), &o)).ok())
            ++submitted;
        else
            ++rejected;
        if (cycle % 8 == 0) {
            Outcome& s = ring[submitted % kRing];
            s.calls = 0;
            if (h.hostInitiator->submit(echoRequest(kOpSum, payload, sizeof(payload), &s)).ok())
                ++submitted;
        }
        // plugin audio thread submits a host-extension request every 16 cycles
        if (cycle % 16 == 0) {
            Outcome& p = hostRing[hostSubmitted % kRing];
            if (h.pluginInitiator->submit(echoRequest(kOpHostCount, nullptr, 0, &p)).ok())
                ++hostSubmitted;
        }
        h.cycle();
    }
    const std::uint64_t allocations = guard.allocations();
    const std::uint64_t frees = guard.deallocations();
    const std::uint64_t blocking = guard.blockingCalls();
    const std::uint64_t wakes = guard.allowedCalls(aap::AllowedCall::FutexWake);
    const std::uint64_t waits = guard.allowedCalls(aap::AllowedCall::BoundedFutexWait);
    EXPECT_EQ(allocations, 0u) << "over " << cycles << " cycles";
    EXPECT_EQ(blocking, 0u) << "first violation: " << aap::RealtimeGuard::firstViolation();
    EXPECT_EQ(waits, 0u);
    // Each cycle calls wakeIfPending on the plugin's worker and on the host's: one wake each at most.
    EXPECT_LE(wakes, 2 * static_cast<std::uint64_t>(cycles));
    EXPECT_EQ(frees, 0u);
    EXPECT_EQ(rejected, 0);
    EXPECT_GT(h.pluginRecipient->statistics().handledInline, static_cast<std::uint64_t>(cycles / 2));
    EXPECT_GT(h.pluginRecipient->statistics().handledByWorker, 0u);
    EXPECT_GT(h.hostState.calls.load(), 0);
    EXPECT_TRUE(h.midiUnchanged);
}

// ---- the AAPXS C ABI bridge ------------------------------------------------------------------------
// Written on the callback worker's thread, read by the test thread after `done` (release/acquire).
struct AbiWaiter {
    std::atomic<int> successes{0};
    std::atomic<int> errors{0};
    std::string error;
    std::vector<std::uint8_t> reply;
    void* pluginOrHost = nullptr;
    std::thread::id thread;
    int done() const { return successes.load(std::memory_order_acquire) + errors.load(std::memory_order_acquire); }
};

void abiPluginReply(AAPXSDefinition*, AAPXSInitiatorInstance*, AndroidAudioPlugin* plugin, AAPXSRequestContext* request) {
    auto* waiter = static_cast<AbiWaiter*>(request->callback_user_data);
    const auto* bytes = static_cast<const std::uint8_t*>(request->serialization->data);
    waiter->reply.assign(bytes, bytes + request->serialization->data_size);
    if (request->callback)
        request->callback(request->callback_user_data, plugin);
}

AAPXSRequestContext abiRequest(AAPXSSerializationContext* serialization, AbiWaiter* waiter, std::int32_t opcode) {
    AAPXSRequestContext request{};
    request.callback = [](void* context, void* pluginOrHost) {
        auto* w = static_cast<AbiWaiter*>(context);
        w->pluginOrHost = pluginOrHost;
        w->thread = std::this_thread::get_id();
        w->successes.fetch_add(1, std::memory_order_release);
    };
    request.error_callback = [](void* context, void*, const char* error) {
        auto* w = static_cast<AbiWaiter*>(context);
        w->error = error;
        w->thread = std::this_thread::get_id();
        w->errors.fetch_add(1, std::memory_order_release);
    };
    request.callback_user_data = waiter;
    request.serialization = serialization;
    request.opcode = opcode;
    return request;
}

TEST(SessionBackToBack, AapxsInitiatorInstanceSendsThroughTheSessionAndCallsBackOffTheAudioThread) {
    // Declared before the harness: its workers may still deliver callbacks while it is destroyed.
    AbiWaiter waiter, failing;
    Harness h({});
    AAPXSDefinition* echo = h.registry.findByUri(kEchoUri);
    echo->process_incoming_plugin_aapxs_reply = abiPluginReply;
    AAPXSInitiatorInstance instance{};
    std::uint8_t block[kCapacity] = {};
    AAPXSSerializationContext serialization{block, 0, sizeof(block)};
    instance.serialization = &serialization;
    EXPECT_FALSE(h.hostInitiator->bindInitiatorInstance(nullptr, echo, &h.plugin, kEchoUrid));
    EXPECT_FALSE(h.hostInitiator->bindInitiatorInstance(&instance, nullptr, &h.plugin, kEchoUrid));
    AAPXSDefinition nameless{};
    nameless.data_capacity = 8;
    EXPECT_FALSE(h.hostInitiator->bindInitiatorInstance(&instance, &nameless, &h.plugin, kEchoUrid));
    ASSERT_TRUE(h.hostInitiator->bindInitiatorInstance(&instance, echo, &h.plugin, kEchoUrid));
    EXPECT_NE(instance.get_new_request_id(&instance), 0u);

    block[0] = 10;
    block[1] = 20;
    serialization.data_size = 2;
    AAPXSRequestContext request = abiRequest(&serialization, &waiter, kOpReverse);
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &request));
    EXPECT_NE(request.request_id, 0u);
    ASSERT_TRUE(h.cycleUntil([&] { return waiter.done() > 0; }));
    EXPECT_EQ(waiter.successes.load(), 1);
    EXPECT_EQ(waiter.errors.load(), 0);
    EXPECT_EQ(waiter.pluginOrHost, &h.plugin);
    EXPECT_EQ(waiter.reply, (std::vector<std::uint8_t>{20, 10}));
    EXPECT_NE(waiter.thread, std::this_thread::get_id()); // the callback worker, not the audio thread

    request = abiRequest(&serialization, &failing, kOpUnknown);
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &request));
    ASSERT_TRUE(h.cycleUntil([&] { return failing.done() > 0; }));
    EXPECT_EQ(failing.successes.load(), 0);
    EXPECT_EQ(failing.errors.load(), 1);
    EXPECT_EQ(failing.error, aap::toString(aap::AapxsReplyError::NotHandled));
    EXPECT_EQ(h.hostInitiator->statistics().abiInlineDeliveries, 0u);

    serialization.data_size = kCapacity + 1; // larger than the definition allows: refused at once
    EXPECT_FALSE(instance.send_aapxs_request(&instance, &request));
    EXPECT_FALSE(instance.send_aapxs_request(&instance, nullptr));
}

TEST(SessionBackToBack, AapxsRequestsBeyondMaxInFlightAreRefusedAndCancelledOnesStillCallBackOnce) {
    AbiWaiter waiters[3]; // before the harness, see above
    Harness::Config config;
    config.hostInFlight = 2;
    config.startPluginWorker = false; // nothing gets answered
    Harness h(config);
    AAPXSDefinition* echo = h.registry.findByUri(kEchoUri);
    AAPXSInitiatorInstance instance{};
    std::uint8_t block[kCapacity] = {};
    AAPXSSerializationContext serialization{block, 1, sizeof(block)};
    instance.serialization = &serialization;
    ASSERT_TRUE(h.hostInitiator->bindInitiatorInstance(&instance, echo, &h.plugin, kEchoUrid));
    AAPXSRequestContext requests[3];
    for (int i = 0; i < 3; ++i)
        requests[i] = abiRequest(&serialization, &waiters[i], kOpSum);
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &requests[0]));
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &requests[1]));
    EXPECT_FALSE(instance.send_aapxs_request(&instance, &requests[2])); // no slot, no record: refused
    h.cycle();
    EXPECT_EQ(h.hostInitiator->cancelAll(aap::RequestStatus::Cancelled), 2u);
    const auto until = std::chrono::steady_clock::now() + 5s;
    while ((waiters[0].done() == 0 || waiters[1].done() == 0) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(100us);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(waiters[i].errors.load(), 1);
        EXPECT_EQ(waiters[i].successes.load(), 0);
        EXPECT_EQ(waiters[i].error, aap::toString(aap::RequestStatus::Cancelled));
    }
    EXPECT_EQ(waiters[2].done(), 0);
    // Both records came back: two more requests are accepted.
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &requests[0]));
    ASSERT_TRUE(instance.send_aapxs_request(&instance, &requests[1]));
}

// ---- bad options and bad requests ------------------------------------------------------------------
TEST(SessionOptions, InvalidOptionsAreRejectedWithAReason) {
    aap::SessionError error = aap::SessionError::None;
    aap::InitiatorSession::Options o;
    o.maxInFlight = 0;
    EXPECT_EQ(aap::InitiatorSession::create(o, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadCapacity);
    o.maxInFlight = 70000;
    EXPECT_EQ(aap::InitiatorSession::create(o, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadCapacity);
    o.maxInFlight = 8;
    o.maxDataSize = 0;
    EXPECT_EQ(aap::InitiatorSession::create(o, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadDataSize);
    o.maxDataSize = 64;
    o.group = 16;
    EXPECT_EQ(aap::InitiatorSession::create(o, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadGroup);

    aap::RecipientSession::Options r;
    EXPECT_EQ(aap::RecipientSession::create(r, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::NullDependency);
    aap::AAPXSDefinitionRegistry empty;
    aap::UridTable urids;
    aap::NonRealtimeWorker worker;
    r.registry = &empty;
    r.urids = &urids;
    r.worker = &worker;
    EXPECT_EQ(aap::RecipientSession::create(r, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadDataSize); // no definitions: no data size to derive
    r.maxDataSize = 64;
    r.maxInFlight = 0;
    EXPECT_EQ(aap::RecipientSession::create(r, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::BadCapacity);
    r.maxInFlight = 4;
    EXPECT_NE(aap::RecipientSession::create(r, &error), nullptr);
    EXPECT_EQ(error, aap::SessionError::None);
}

TEST(SessionOptions, InvalidRequestsAreRejectedWithAReason) {
    aap::SessionError error;
    aap::InitiatorSession::Options o;
    o.maxDataSize = 8;
    auto host = aap::InitiatorSession::create(o, &error);
    ASSERT_NE(host, nullptr);
    Outcome outcome;
    std::uint8_t data[16] = {};
    EXPECT_EQ(host->submit(echoRequest(kOpHostCount, nullptr, 0, &outcome)).error, aap::SubmitError::WrongDirection);
    EXPECT_EQ(host->submit(echoRequest(kOpReverse, data, 9, &outcome)).error, aap::SubmitError::DataTooLarge);
    EXPECT_EQ(host->submit(echoRequest(kOpReverse, nullptr, 3, &outcome)).error, aap::SubmitError::InvalidRequest);
    auto noCallback = echoRequest(kOpReverse, data, 1, &outcome);
    noCallback.onComplete = nullptr;
    EXPECT_EQ(host->submit(noCallback).error, aap::SubmitError::InvalidRequest);
    auto nameless = echoRequest(kOpReverse, data, 1, &outcome);
    nameless.urid = 0;
    nameless.uri = nullptr;
    nameless.uriSize = 0;
    EXPECT_EQ(host->submit(nameless).error, aap::SubmitError::InvalidRequest);
    auto longUri = echoRequest(kOpReverse, data, 1, &outcome);
    std::string uri(AAP_MAX_EXTENSION_URI_SIZE + 1, 'x');
    longUri.uri = uri.c_str();
    longUri.uriSize = uri.size();
    EXPECT_EQ(host->submit(longUri).error, aap::SubmitError::UriTooLong);
    EXPECT_EQ(host->pendingCount(), 0u);
    EXPECT_EQ(outcome.calls, 0);
}

} // namespace
