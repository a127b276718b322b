// Fake peers on a socketpair: a fake service talking to the real host side (ProcessTransport)
// and a fake host talking to the real service (runPluginService). Malformed messages, unknown
// opcodes, wrong versions and garbage in shared memory give clear errors; nothing crashes or hangs.

#include <gtest/gtest.h>

#include <errno.h>
#include <sched.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "aap/gui-shm-channel.h"
#include "aap/hosting/control-protocol.h"
#include "aap/hosting/plugin-service.h"
#include "aap/hosting/process-transport.h"
#include "aap/hosting/shared-memory.h"
#include "aap/plugin-meta-info.h"
#include "control-socket.h"
#include "hosting-test-support.h"
#include "test-host-counter-extension.h"
#include "test-transform-extension.h"

namespace aap {
namespace {

constexpr int64_t kReceiveTimeout = 2000000000;

wire::ControlHeader header(uint32_t kind, uint32_t opcode, uint32_t sequence, uint32_t instance = 0, int32_t status = 0) {
    wire::ControlHeader h{};
    h.magic = wire::kControlMagic;
    h.kind = kind;
    h.opcode = opcode;
    h.sequence = sequence;
    h.instance_id = instance;
    h.status = status;
    return h;
}

HostingStatus sendHello(int fd, uint32_t kind, uint32_t sequence, uint32_t version, int32_t status = 0) {
    wire::HelloPayload hello{version, 1, 0, 0};
    return sendControlMessage(fd, header(kind, wire::kOpHello, sequence, 0, status), &hello, sizeof(hello), nullptr, 0);
}

// ---------------------------------------------------------------- fake service, real host side

struct FakeService {
    UniqueFd host, service;
    FakeService() { EXPECT_EQ(createControlSocketPair(&host, &service), HostingStatus::Ok); }

    // Receives the host's hello and returns its sequence.
    uint32_t expectHello() {
        ControlMessage message;
        EXPECT_EQ(receiveControlMessage(service.get(), kReceiveTimeout, &message), HostingStatus::Ok);
        EXPECT_EQ(message.header.opcode, wire::kOpHello);
        return message.header.sequence;
    }
};

ProcessTransportOptions fastOptions() {
    ProcessTransportOptions options;
    options.startupTimeoutNs = 300000000;
    options.controlTimeoutNs = 300000000;
    return options;
}

TEST(FakeService, AVersionMismatchIsAClearError) {
    FakeService fake;
    std::thread peer([&] {
        uint32_t sequence = fake.expectHello();
        sendHello(fake.service.get(), wire::kKindReply, sequence, 99, static_cast<int32_t>(HostingStatus::VersionMismatch));
    });
    std::shared_ptr<ProcessTransport> transport;
    std::string error;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport, &error),
              HostingStatus::VersionMismatch);
    EXPECT_NE(error.find("version"), std::string::npos) << error;
    EXPECT_NE(error.find("99"), std::string::npos) << error;
    peer.join();
}

TEST(FakeService, AReplyWithBadMagicIsAProtocolError) {
    FakeService fake;
    std::thread peer([&] {
        uint32_t sequence = fake.expectHello();
        wire::ControlHeader h = header(wire::kKindReply, wire::kOpHello, sequence);
        h.magic = 0xDEADBEEF;
        wire::HelloPayload hello{wire::kControlProtocolVersion, 1, 0, 0};
        h.payload_size = sizeof(hello);
        uint8_t frame[sizeof(h) + sizeof(hello)];
        std::memcpy(frame, &h, sizeof(h));
        std::memcpy(frame + sizeof(h), &hello, sizeof(hello));
        ::send(fake.service.get(), frame, sizeof(frame), 0);
    });
    std::shared_ptr<ProcessTransport> transport;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport), HostingStatus::ProtocolError);
    peer.join();
}

TEST(FakeService, APayloadSizeThatDisagreesWithTheFrameIsAProtocolError) {
    FakeService fake;
    std::thread peer([&] {
        uint32_t sequence = fake.expectHello();
        wire::ControlHeader h = header(wire::kKindReply, wire::kOpHello, sequence);
        h.payload_size = 4000;  // claims more than is sent
        ::send(fake.service.get(), &h, sizeof(h), 0);
    });
    std::shared_ptr<ProcessTransport> transport;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport), HostingStatus::ProtocolError);
    peer.join();
}

TEST(FakeService, ATruncatedFrameIsAProtocolError) {
    FakeService fake;
    std::thread peer([&] {
        fake.expectHello();
        uint8_t shortFrame[10] = {0x41, 0x41, 0x50, 0x43};
        ::send(fake.service.get(), shortFrame, sizeof(shortFrame), 0);
    });
    std::shared_ptr<ProcessTransport> transport;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport), HostingStatus::ProtocolError);
    peer.join();
}

TEST(FakeService, ASilentPeerTimesOutTheHandshake) {
    FakeService fake;
    std::shared_ptr<ProcessTransport> transport;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport), HostingStatus::Timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(FakeService, APeerThatClosesDuringTheHandshakeIsOffline) {
    FakeService fake;
    fake.service.reset();
    std::shared_ptr<ProcessTransport> transport;
    std::string error;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport, &error), HostingStatus::Offline);
    EXPECT_FALSE(error.empty());
}

// A fake service that completes the handshake, then runs `script` on its end of the socket.
template <typename Script>
std::shared_ptr<ProcessTransport> connectTo(FakeService& fake, std::thread* peer, Script script) {
    *peer = std::thread([&fake, script] {
        uint32_t sequence = fake.expectHello();
        sendHello(fake.service.get(), wire::kKindReply, sequence, wire::kControlProtocolVersion);
        script(fake.service.get());
    });
    std::shared_ptr<ProcessTransport> transport;
    EXPECT_EQ(ProcessTransport::connect(std::move(fake.host), fastOptions(), &transport), HostingStatus::Ok);
    return transport;
}

TEST(FakeService, AReplyToARequestNobodyMadeTakesTheConnectionOffline) {
    FakeService fake;
    std::thread peer;
    auto transport = connectTo(fake, &peer, [](int fd) {
        ControlMessage create;
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &create), HostingStatus::Ok);
        // Reply with the wrong sequence number.
        sendControlMessage(fd, header(wire::kKindReply, create.header.opcode, create.header.sequence + 7, 1), nullptr, 0,
                           nullptr, 0);
    });
    std::unique_ptr<TransportInstance> instance;
    PluginLoadSpec spec{"/lib/x.so", "", "urn:x", ""};
    EXPECT_EQ(transport->createInstance(spec, nullptr, &instance), HostingStatus::ProtocolError);
    EXPECT_FALSE(transport->isAlive());
    EXPECT_NE(transport->failureReason().find("unexpected reply"), std::string::npos) << transport->failureReason();
    peer.join();
}

// A failed create reply carries the service's reason as printable text (control-protocol.h,
// kMaxCreateErrorLength); the host hands it to the caller.
TEST(FakeService, TheReasonOfAFailedCreateReachesTheCaller) {
    FakeService fake;
    std::thread peer;
    const std::string reason = "plugin urn:x: built against AAP ABI 2.0; this side supports AAP ABI 1.x: because";
    auto transport = connectTo(fake, &peer, [&reason](int fd) {
        for (int i = 0; i < 2; i++) {
            ControlMessage create;
            ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &create), HostingStatus::Ok);
            const bool withText = i == 0;
            sendControlMessage(fd,
                               header(wire::kKindReply, create.header.opcode, create.header.sequence, 0,
                                      static_cast<int32_t>(HostingStatus::AbiMismatch)),
                               withText ? reason.data() : nullptr, withText ? static_cast<uint32_t>(reason.size()) : 0,
                               nullptr, 0);
        }
    });
    std::unique_ptr<TransportInstance> instance;
    PluginLoadSpec spec{"/lib/x.so", "", "urn:x", ""};
    std::string error;
    EXPECT_EQ(transport->createInstance(spec, nullptr, &instance, &error), HostingStatus::AbiMismatch);
    EXPECT_EQ(error, reason);
    // Without text the caller's string is left alone (PluginHost then writes its generic line).
    error = "untouched";
    EXPECT_EQ(transport->createInstance(spec, nullptr, &instance, &error), HostingStatus::AbiMismatch);
    EXPECT_EQ(error, "untouched");
    EXPECT_TRUE(transport->isAlive());
    peer.join();
}

// What the host refuses in a create reply, each taking the connection offline: error text with a
// control byte, error text longer than kMaxCreateErrorLength, a payload on a successful reply.
class FakeServiceCreateReply : public ::testing::TestWithParam<int> {};

TEST_P(FakeServiceCreateReply, IsAProtocolError) {
    FakeService fake;
    std::thread peer;
    const int variant = GetParam();
    auto transport = connectTo(fake, &peer, [variant](int fd) {
        ControlMessage create;
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &create), HostingStatus::Ok);
        std::string text = variant == 0 ? std::string{"bad\nline"} : std::string(wire::kMaxCreateErrorLength + 1, 'x');
        if (variant == 2)
            text = "x";
        const int32_t status = variant == 2 ? 0 : static_cast<int32_t>(HostingStatus::LoadFailed);
        sendControlMessage(fd, header(wire::kKindReply, create.header.opcode, create.header.sequence, 3, status),
                           text.data(), static_cast<uint32_t>(text.size()), nullptr, 0);
    });
    std::unique_ptr<TransportInstance> instance;
    PluginLoadSpec spec{"/lib/x.so", "", "urn:x", ""};
    std::string error = "untouched";
    EXPECT_EQ(transport->createInstance(spec, nullptr, &instance, &error), HostingStatus::ProtocolError);
    EXPECT_EQ(instance, nullptr);
    EXPECT_EQ(error, "untouched");
    EXPECT_FALSE(transport->isAlive());
    EXPECT_NE(transport->failureReason().find("create-instance"), std::string::npos) << transport->failureReason();
    peer.join();
}

INSTANTIATE_TEST_SUITE_P(Variants, FakeServiceCreateReply, ::testing::Values(0, 1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                             switch (info.param) {
                             case 0: return "ControlByteInTheErrorText";
                             case 1: return "ErrorTextTooLong";
                             default: return "PayloadOnSuccess";
                             }
                         });

TEST(FakeService, UnknownRequestsAndMalformedHostExtensionRequestsGetErrorReplies) {
    FakeService fake;
    std::thread peer;
    std::promise<void> done;
    auto transport = connectTo(fake, &peer, [&done](int fd) {
        ControlMessage reply;
        // An opcode the host does not know.
        sendControlMessage(fd, header(wire::kKindRequest, 777, 1), nullptr, 0, nullptr, 0);
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &reply), HostingStatus::Ok);
        EXPECT_EQ(reply.header.kind, wire::kKindReply);
        EXPECT_EQ(reply.header.sequence, 1u);
        EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::Unsupported));
        // A host-extension request whose URI length runs past the payload.
        wire::ExtensionPayload bad{-1, 5, 0, 5000};
        sendControlMessage(fd, header(wire::kKindRequest, wire::kOpHostExtension, 2, 1), &bad, sizeof(bad), nullptr, 0);
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &reply), HostingStatus::Ok);
        EXPECT_EQ(reply.header.sequence, 2u);
        EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
        // A well-formed one for an instance that does not exist.
        std::vector<uint8_t> payload(sizeof(wire::ExtensionPayload) + 8);
        wire::ExtensionPayload good{-1, 6, 0, 8};
        std::memcpy(payload.data(), &good, sizeof(good));
        std::memcpy(payload.data() + sizeof(good), "urn:x/v1", 8);
        sendControlMessage(fd, header(wire::kKindRequest, wire::kOpHostExtension, 3, 42), payload.data(),
                           static_cast<uint32_t>(payload.size()), nullptr, 0);
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &reply), HostingStatus::Ok);
        EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::NotFound));
        done.set_value();
    });
    EXPECT_EQ(done.get_future().wait_for(std::chrono::seconds(3)), std::future_status::ready);
    EXPECT_TRUE(transport->isAlive());  // error replies, not a dropped connection
    peer.join();
}

TEST(FakeService, GarbageInTheProcessBlockIsAProtocolErrorReturnedImmediately) {
    FakeService fake;
    std::thread peer;
    std::promise<void> prepared;
    auto transport = connectTo(fake, &peer, [&prepared](int fd) {
        ControlMessage message;
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &message), HostingStatus::Ok);  // create
        sendControlMessage(fd, header(wire::kKindReply, message.header.opcode, message.header.sequence, 5), nullptr, 0,
                           nullptr, 0);
        ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &message), HostingStatus::Ok);  // prepare
        ASSERT_EQ(message.header.opcode, wire::kOpPrepare);
        ASSERT_GE(message.fds.size(), 1u);
        SharedMemory block;
        ASSERT_EQ(SharedMemory::adopt(std::move(message.fds[0]), wire::kProcessBlockSize, &block), HostingStatus::Ok);
        wire::PrepareReplyPayload locked{1, 0, wire::kProcessBlockSize + 64 * 4, 0};
        sendControlMessage(fd, header(wire::kKindReply, message.header.opcode, message.header.sequence, 5), &locked,
                           sizeof(locked), nullptr, 0);
        // Scribble over the reply sequence: neither the previous nor the current cycle.
        auto* processBlock = static_cast<wire::ProcessBlock*>(block.data());
        __atomic_store_n(&processBlock->reply_sequence, 0xABCDEF01u, __ATOMIC_SEQ_CST);
        prepared.set_value();
        // Keep the mapping alive until the host hangs up.
        ControlMessage ignored;
        receiveControlMessage(fd, kReceiveTimeout, &ignored);
    });
    std::unique_ptr<TransportInstance> instance;
    PluginLoadSpec spec{"/lib/x.so", "", "urn:x", ""};
    ASSERT_EQ(transport->createInstance(spec, nullptr, &instance), HostingStatus::Ok);
    std::vector<PortBufferSpec> ports{{AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_OUTPUT, 64 * 4}};
    ASSERT_EQ(instance->prepare(64, 48000, ports), HostingStatus::Ok);
    ASSERT_EQ(prepared.get_future().wait_for(std::chrono::seconds(3)), std::future_status::ready);
    static_cast<float*>(instance->portBuffer(0))[0] = 3.0f;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(instance->process(64, 1000000000), HostingStatus::ProtocolError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
    EXPECT_EQ(static_cast<float*>(instance->portBuffer(0))[0], 0.0f);
    EXPECT_FALSE(instance->isAlive());
    EXPECT_EQ(instance->process(64, 1000000000), HostingStatus::Offline);
    instance.reset();
    transport.reset();
    peer.join();
}

// ---------------------------------------------------------------- fake host, real service

struct FakeHost {
    UniqueFd host;
    std::future<int> exitCode;
    FakeHost() {
        UniqueFd service;
        EXPECT_EQ(createControlSocketPair(&host, &service), HostingStatus::Ok);
        int fd = service.release();
        exitCode = std::async(std::launch::async, [fd] { return runPluginService(fd); });
    }
    ~FakeHost() {
        host.reset();
        if (exitCode.valid())
            exitCode.wait_for(std::chrono::seconds(3));
    }
    ControlMessage request(const wire::ControlHeader& h, const void* payload, uint32_t size, const int* fds = nullptr,
                           uint32_t fdCount = 0) {
        EXPECT_EQ(sendControlMessage(host.get(), h, payload, size, fds, fdCount), HostingStatus::Ok);
        ControlMessage reply;
        EXPECT_EQ(receiveControlMessage(host.get(), kReceiveTimeout, &reply), HostingStatus::Ok);
        EXPECT_EQ(reply.header.kind, wire::kKindReply);
        EXPECT_EQ(reply.header.sequence, h.sequence);
        return reply;
    }
    void handshake() {
        wire::HelloPayload hello{wire::kControlProtocolVersion, 1, 0, 0};
        ControlMessage reply = request(header(wire::kKindRequest, wire::kOpHello, 1), &hello, sizeof(hello));
        ASSERT_EQ(reply.header.status, 0);
    }
    int exit() {
        if (exitCode.wait_for(std::chrono::seconds(3)) != std::future_status::ready)
            return -1;
        return exitCode.get();
    }
};

TEST(FakeHost, TheServiceRefusesAnotherProtocolVersion) {
    FakeHost fake;
    wire::HelloPayload hello{wire::kControlProtocolVersion + 1, 1, 0, 0};
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpHello, 1), &hello, sizeof(hello));
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::VersionMismatch));
    ASSERT_EQ(reply.payload.size(), sizeof(wire::HelloPayload));
    wire::HelloPayload theirs;
    std::memcpy(&theirs, reply.payload.data(), sizeof(theirs));
    EXPECT_EQ(theirs.protocol_version, wire::kControlProtocolVersion);
    EXPECT_EQ(fake.exit(), 2);
}

TEST(FakeHost, TheFirstMessageMustBeAHello) {
    FakeHost fake;
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpPing, 1), nullptr, 0);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    EXPECT_EQ(fake.exit(), 2);
}

TEST(FakeHost, AFrameWithBadMagicEndsTheConnectionWithAnError) {
    FakeHost fake;
    fake.handshake();
    wire::ControlHeader h = header(wire::kKindRequest, wire::kOpPing, 2);
    h.magic = 0x12345678;
    ::send(fake.host.get(), &h, sizeof(h), 0);
    ControlMessage reply;
    // The service answers ProtocolError (with a header it builds itself) and hangs up.
    EXPECT_EQ(receiveControlMessage(fake.host.get(), kReceiveTimeout, &reply), HostingStatus::Ok);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    EXPECT_EQ(fake.exit(), 2);
}

TEST(FakeHost, UnknownOpcodesAreUnsupportedAndTheConnectionSurvives) {
    FakeHost fake;
    fake.handshake();
    ControlMessage reply = fake.request(header(wire::kKindRequest, 4242, 2, 1), nullptr, 0);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::Unsupported));
    reply = fake.request(header(wire::kKindRequest, wire::kOpPing, 3), nullptr, 0);
    EXPECT_EQ(reply.header.status, 0);
    fake.host.reset();
    EXPECT_EQ(fake.exit(), 0);  // EOF is a clean exit
}

TEST(FakeHost, MalformedCreateRequestsAreRejected) {
    FakeHost fake;
    fake.handshake();
    // String lengths that run past the payload.
    wire::CreateInstancePayload lying{100, 0, 5, 0};
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 2), &lying, sizeof(lying));
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // Lengths that would overflow 32-bit sums.
    wire::CreateInstancePayload huge{0xFFFFFFF0u, 0, 0x20u, 0};
    reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 3), &huge, sizeof(huge));
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // A payload shorter than its fixed part.
    uint8_t tiny[3] = {1, 2, 3};
    reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 4), tiny, sizeof(tiny));
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // Well-formed, but the library does not exist.
    const std::string library = "/nonexistent/plugin.so", id = "urn:x";
    std::vector<uint8_t> payload(sizeof(wire::CreateInstancePayload));
    wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    payload.insert(payload.end(), library.begin(), library.end());
    payload.insert(payload.end(), id.begin(), id.end());
    reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 5), payload.data(),
                         static_cast<uint32_t>(payload.size()));
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::LoadFailed));
    // ... and the reply says why, as printable text.
    const std::string text(reply.payload.begin(), reply.payload.end());
    EXPECT_NE(text.find("dlopen(/nonexistent/plugin.so) failed"), std::string::npos) << text;
    EXPECT_LE(text.size(), wire::kMaxCreateErrorLength);
    // Requests for an instance that does not exist.
    reply = fake.request(header(wire::kKindRequest, wire::kOpActivate, 6, 99), nullptr, 0);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::NotFound));
}

TEST(FakeHost, MalformedGuiChannelRequestsAreRejected) {
    FakeHost fake;
    fake.handshake();
    const std::string library = std::string{AAP_TEST_BUNDLE_DIR} + "/aap-hosting-test-plugins.so";
    const std::string id = "urn:aap-test:gain-echo";
    std::vector<uint8_t> payload(sizeof(wire::CreateInstancePayload));
    wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    payload.insert(payload.end(), library.begin(), library.end());
    payload.insert(payload.end(), id.begin(), id.end());
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 2), payload.data(),
                                        static_cast<uint32_t>(payload.size()));
    ASSERT_EQ(reply.header.status, 0);
    const uint32_t instance = reply.header.instance_id;
    const uint32_t capacity = AAP_GUI_SHM_MIN_CAPACITY;
    SharedMemory channel, wrongSize;
    ASSERT_EQ(SharedMemory::create(aap_gui_shm_size(capacity), "test", &channel), HostingStatus::Ok);
    ASSERT_EQ(SharedMemory::create(aap_gui_shm_size(capacity) + 4096, "test", &wrongSize), HostingStatus::Ok);
    wire::GuiChannelPayload good{};
    good.gui = 1;
    good.ring_capacity = capacity;
    good.token_size = 32;
    const int fd = channel.fd();
    uint32_t sequence = 3;
    auto status = [&](const void* p, uint32_t size, const int* fds, uint32_t count, uint32_t target) {
        return static_cast<HostingStatus>(
            fake.request(header(wire::kKindRequest, wire::kOpGuiChannel, sequence++, target), p, size, fds, count)
                .header.status);
    };
    // No descriptor, or a payload of another size.
    EXPECT_EQ(status(&good, sizeof(good), nullptr, 0, instance), HostingStatus::ProtocolError);
    EXPECT_EQ(status(&good, sizeof(good) - 1, &fd, 1, instance), HostingStatus::ProtocolError);
    // A capacity that is not a power of two in range, another token size, a reserved field set.
    wire::GuiChannelPayload bad = good;
    bad.ring_capacity = 5000;
    EXPECT_EQ(status(&bad, sizeof(bad), &fd, 1, instance), HostingStatus::InvalidArgument);
    bad = good;
    bad.token_size = 16;
    EXPECT_EQ(status(&bad, sizeof(bad), &fd, 1, instance), HostingStatus::InvalidArgument);
    bad = good;
    bad.reserved = 1;
    EXPECT_EQ(status(&bad, sizeof(bad), &fd, 1, instance), HostingStatus::InvalidArgument);
    // A memfd whose size is not the channel's.
    const int wrongFd = wrongSize.fd();
    EXPECT_EQ(status(&good, sizeof(good), &wrongFd, 1, instance), HostingStatus::InvalidArgument);
    // Well-formed, but this plugin has no GUI program; and an instance that does not exist.
    EXPECT_EQ(status(&good, sizeof(good), &fd, 1, instance), HostingStatus::Unsupported);
    EXPECT_EQ(status(&good, sizeof(good), &fd, 1, instance + 100), HostingStatus::NotFound);
    // The connection survived all of it.
    EXPECT_EQ(fake.request(header(wire::kKindRequest, wire::kOpPing, sequence++), nullptr, 0).header.status, 0);
}

TEST(FakeHost, MalformedPrepareRequestsAreRejected) {
    FakeHost fake;
    fake.handshake();
    const std::string library = std::string{AAP_TEST_BUNDLE_DIR} + "/aap-hosting-test-plugins.so";
    const std::string id = "urn:aap-test:gain-echo";
    std::vector<uint8_t> payload(sizeof(wire::CreateInstancePayload));
    wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    payload.insert(payload.end(), library.begin(), library.end());
    payload.insert(payload.end(), id.begin(), id.end());
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 2), payload.data(),
                                        static_cast<uint32_t>(payload.size()));
    ASSERT_EQ(reply.header.status, 0);
    const uint32_t instance = reply.header.instance_id;
    ASSERT_NE(instance, 0u);

    SharedMemory block, port;
    ASSERT_EQ(SharedMemory::create(wire::kProcessBlockSize, "test", &block), HostingStatus::Ok);
    ASSERT_EQ(SharedMemory::create(64, "test", &port), HostingStatus::Ok);
    struct {
        wire::PreparePayload head;
        wire::PortEntry port;
    } prepare{{16, 48000, 1, 0}, {AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_INPUT, 64, 0}};
    int fds[2] = {block.fd(), port.fd()};
    // Missing descriptors.
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 3, instance), &prepare, sizeof(prepare), fds, 1);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // The process block lacks its magic (the host never initialized it).
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 4, instance), &prepare, sizeof(prepare), fds, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    auto* processBlock = static_cast<wire::ProcessBlock*>(block.data());
    processBlock->magic = wire::kProcessBlockMagic;
    processBlock->layout_version = wire::kControlProtocolVersion;
    // A port buffer claimed larger than the memory object behind it (would SIGBUS the service).
    prepare.port.buffer_size = 1 << 20;
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 5, instance), &prepare, sizeof(prepare), fds, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // An audio buffer too small for the frame count.
    prepare.port.buffer_size = 32;
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 6, instance), &prepare, sizeof(prepare), fds, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // An unknown content type.
    prepare.port.buffer_size = 64;
    prepare.port.content_type = 9;
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 7, instance), &prepare, sizeof(prepare), fds, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // Activate before a successful prepare is a state error, not a crash.
    reply = fake.request(header(wire::kKindRequest, wire::kOpActivate, 8, instance), nullptr, 0);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::InvalidState));
    // A memfd that is not sealed against shrinking and growing (the other side could truncate it
    // under the service's mapping: SIGBUS) is refused, for the process block and for a port.
    prepare.port.content_type = AAP_CONTENT_TYPE_AUDIO;
    UniqueFd unsealed{::memfd_create("unsealed", MFD_CLOEXEC)};
    ASSERT_TRUE(unsealed.valid());
    ASSERT_EQ(::ftruncate(unsealed.get(), wire::kProcessBlockSize), 0);
    {
        void* map = ::mmap(nullptr, wire::kProcessBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED, unsealed.get(), 0);
        ASSERT_NE(map, MAP_FAILED);
        std::memcpy(map, block.data(), sizeof(wire::ProcessBlock));
        ::munmap(map, wire::kProcessBlockSize);
    }
    int unsealedBlock[2] = {unsealed.get(), port.fd()};
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 20, instance), &prepare, sizeof(prepare),
                         unsealedBlock, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    ASSERT_EQ(::ftruncate(unsealed.get(), 64), 0);
    int unsealedPort[2] = {block.fd(), unsealed.get()};
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 21, instance), &prepare, sizeof(prepare),
                         unsealedPort, 2);
    EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    // Finally a valid prepare works.
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, 9, instance), &prepare, sizeof(prepare), fds, 2);
    EXPECT_EQ(reply.header.status, 0);
    reply = fake.request(header(wire::kKindRequest, wire::kOpDestroy, 10, instance), nullptr, 0);
    EXPECT_EQ(reply.header.status, 0);
}

// kOpMapUrid (the URID handshake): every malformed or invalid request gets its own error value,
// the connection survives, and a valid one works only while the instance is not active.
TEST(FakeHost, MapUridRequestsAreValidated) {
    FakeHost fake;
    fake.handshake();
    const std::string library = std::string{AAP_TEST_BUNDLE_DIR} + "/aap-hosting-test-plugins.so";
    const std::string id = "urn:aap-test:gain-echo";
    std::vector<uint8_t> payload(sizeof(wire::CreateInstancePayload));
    wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    payload.insert(payload.end(), library.begin(), library.end());
    payload.insert(payload.end(), id.begin(), id.end());
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 2), payload.data(),
                                        static_cast<uint32_t>(payload.size()));
    ASSERT_EQ(reply.header.status, 0);
    const uint32_t instance = reply.header.instance_id;
    uint32_t sequence = 3;
    auto map = [&](uint32_t urid, const std::string& uri, int32_t lengthDelta = 0, uint32_t target = 0) {
        std::vector<uint8_t> bytes(sizeof(wire::MapUridPayload));
        wire::MapUridPayload m{urid, static_cast<uint32_t>(static_cast<int32_t>(uri.size()) + lengthDelta)};
        std::memcpy(bytes.data(), &m, sizeof(m));
        bytes.insert(bytes.end(), uri.begin(), uri.end());
        return fake
            .request(header(wire::kKindRequest, wire::kOpMapUrid, sequence++, target ? target : instance), bytes.data(),
                     static_cast<uint32_t>(bytes.size()))
            .header.status;
    };
    const std::string transform = AAP_TEST_TRANSFORM_URI;
    EXPECT_EQ(map(0, transform), static_cast<int32_t>(HostingStatus::InvalidArgument));    // 0 = unmapped
    EXPECT_EQ(map(256, transform), static_cast<int32_t>(HostingStatus::InvalidArgument));  // not a urid
    EXPECT_EQ(map(1, transform, 5), static_cast<int32_t>(HostingStatus::ProtocolError));   // length past the payload
    EXPECT_EQ(map(1, transform, -1), static_cast<int32_t>(HostingStatus::ProtocolError));  // trailing bytes
    EXPECT_EQ(map(1, ""), static_cast<int32_t>(HostingStatus::ProtocolError));             // empty URI
    EXPECT_EQ(map(1, "urn:aap-test:nothing-defines-this"), static_cast<int32_t>(HostingStatus::NotFound));
    EXPECT_EQ(map(1, transform, 0, 99), static_cast<int32_t>(HostingStatus::NotFound));   // no such instance
    uint8_t tiny[3] = {1, 2, 3};
    EXPECT_EQ(fake.request(header(wire::kKindRequest, wire::kOpMapUrid, sequence++, instance), tiny, sizeof(tiny))
                  .header.status,
              static_cast<int32_t>(HostingStatus::ProtocolError));
    EXPECT_EQ(map(1, transform), 0);
    EXPECT_EQ(map(1, transform), 0);  // the same pair again is fine
    EXPECT_EQ(map(2, transform), static_cast<int32_t>(HostingStatus::InvalidArgument));  // already mapped to 1

    // Active: the service's audio thread reads the table, so no mapping then.
    SharedMemory block, port;
    ASSERT_EQ(SharedMemory::create(wire::kProcessBlockSize, "test", &block), HostingStatus::Ok);
    ASSERT_EQ(SharedMemory::create(64, "test", &port), HostingStatus::Ok);
    auto* processBlock = static_cast<wire::ProcessBlock*>(block.data());
    processBlock->magic = wire::kProcessBlockMagic;
    processBlock->layout_version = wire::kControlProtocolVersion;
    struct {
        wire::PreparePayload head;
        wire::PortEntry port;
    } prepare{{16, 48000, 1, 0}, {AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_INPUT, 64, 0}};
    int fds[2] = {block.fd(), port.fd()};
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, sequence++, instance), &prepare, sizeof(prepare),
                         fds, 2);
    ASSERT_EQ(reply.header.status, 0);
    ASSERT_EQ(fake.request(header(wire::kKindRequest, wire::kOpActivate, sequence++, instance), nullptr, 0).header.status, 0);
    EXPECT_EQ(map(3, AAP_TEST_HOST_COUNTER_URI), static_cast<int32_t>(HostingStatus::InvalidState));
    ASSERT_EQ(fake.request(header(wire::kKindRequest, wire::kOpDeactivate, sequence++, instance), nullptr, 0).header.status, 0);
    EXPECT_EQ(map(3, AAP_TEST_HOST_COUNTER_URI), 0);
    EXPECT_EQ(fake.request(header(wire::kKindRequest, wire::kOpDestroy, sequence++, instance), nullptr, 0).header.status, 0);
}

// Protocol version 2: the prepare and activate replies carry the realtime reports. The host
// checks them like everything else the service sends: a missing or inconsistent report is a
// ProtocolError, never trusted.
TEST(FakeService, RealtimeReportsInPrepareAndActivateRepliesAreValidated) {
    struct Case {
        const char* what;
        std::vector<uint8_t> prepareReply;
        std::vector<uint8_t> activateReply;  // empty vector: no payload
        HostingStatus prepare;
        HostingStatus activate;
    };
    auto bytes = [](const auto& value) {
        std::vector<uint8_t> out(sizeof(value));
        std::memcpy(out.data(), &value, sizeof(value));
        return out;
    };
    const wire::PrepareReplyPayload locked{1, 0, 4352, 0};
    const wire::PrepareReplyPayload badLock{7, 0, 0, 0};
    const wire::ActivateReplyPayload granted{1, 70, SCHED_FIFO, 70, 0, 0, 0};
    const wire::ActivateReplyPayload refused{2, 70, SCHED_OTHER, 0, EPERM, 0, 0};
    const wire::ActivateReplyPayload wrongEcho{1, 71, SCHED_FIFO, 71, 0, 0, 0};
    const wire::ActivateReplyPayload badGrant{5, 70, SCHED_FIFO, 70, 0, 0, 0};
    const wire::ActivateReplyPayload badPriority{1, 70, SCHED_FIFO, 1000, 0, 0, 0};
    std::vector<Case> cases{
        {"granted", bytes(locked), bytes(granted), HostingStatus::Ok, HostingStatus::Ok},
        {"refused", bytes(locked), bytes(refused), HostingStatus::Ok, HostingStatus::Ok},
        {"prepare reply without a report", {}, {}, HostingStatus::ProtocolError, HostingStatus::Ok},
        {"unknown lock state", bytes(badLock), {}, HostingStatus::ProtocolError, HostingStatus::Ok},
        {"activate reply without a report", bytes(locked), {}, HostingStatus::Ok, HostingStatus::ProtocolError},
        {"another priority echoed", bytes(locked), bytes(wrongEcho), HostingStatus::Ok, HostingStatus::ProtocolError},
        {"unknown grant", bytes(locked), bytes(badGrant), HostingStatus::Ok, HostingStatus::ProtocolError},
        {"priority out of range", bytes(locked), bytes(badPriority), HostingStatus::Ok, HostingStatus::ProtocolError},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        FakeService fake;
        std::thread peer;
        auto transport = connectTo(fake, &peer, [&c](int fd) {
            ControlMessage message;
            ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &message), HostingStatus::Ok);  // create
            sendControlMessage(fd, header(wire::kKindReply, message.header.opcode, message.header.sequence, 5), nullptr,
                               0, nullptr, 0);
            ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &message), HostingStatus::Ok);  // prepare
            ASSERT_EQ(message.header.opcode, wire::kOpPrepare);
            sendControlMessage(fd, header(wire::kKindReply, message.header.opcode, message.header.sequence, 5),
                               c.prepareReply.data(), static_cast<uint32_t>(c.prepareReply.size()), nullptr, 0);
            if (c.prepare != HostingStatus::Ok)
                return;
            ASSERT_EQ(receiveControlMessage(fd, kReceiveTimeout, &message), HostingStatus::Ok);  // activate
            ASSERT_EQ(message.header.opcode, wire::kOpActivate);
            wire::ActivatePayload request{};
            ASSERT_EQ(message.payload.size(), sizeof(request));
            std::memcpy(&request, message.payload.data(), sizeof(request));
            EXPECT_EQ(request.realtime_priority, 70);
            EXPECT_EQ(request.reserved, 0u);
            sendControlMessage(fd, header(wire::kKindReply, message.header.opcode, message.header.sequence, 5),
                               c.activateReply.data(), static_cast<uint32_t>(c.activateReply.size()), nullptr, 0);
            ControlMessage ignored;
            receiveControlMessage(fd, kReceiveTimeout, &ignored);  // until the host hangs up
        });
        std::unique_ptr<TransportInstance> instance;
        PluginLoadSpec spec{"/lib/x.so", "", "urn:x", ""};
        ASSERT_EQ(transport->createInstance(spec, nullptr, &instance), HostingStatus::Ok);
        std::vector<PortBufferSpec> ports{{AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_OUTPUT, 64 * 4}};
        EXPECT_EQ(instance->prepare(64, 48000, ports), c.prepare);
        if (c.prepare == HostingStatus::Ok) {
            EXPECT_EQ(instance->realtimeReport().serviceMemory.state, MemoryLock::Locked);
            EXPECT_EQ(instance->realtimeReport().serviceMemory.bytes, 4352u);
            EXPECT_EQ(instance->activate(), c.activate);
            if (c.activate == HostingStatus::Ok)
                EXPECT_EQ(describeRealtimeScheduling(instance->realtimeReport().scheduling),
                          c.activateReply == bytes(granted) ? "granted (SCHED_FIFO 70)" : "refused (RLIMIT_RTPRIO is 0)");
        }
        instance.reset();
        transport.reset();
        peer.join();
    }
}

// The real service: the activate payload is validated, an empty one asks for nothing, and the
// reply always carries the report.
TEST(FakeHost, ActivatePayloadsAreValidatedAndAnswered) {
    FakeHost fake;
    fake.handshake();
    const std::string library = std::string{AAP_TEST_BUNDLE_DIR} + "/aap-hosting-test-plugins.so";
    const std::string id = "urn:aap-test:gain-echo";
    std::vector<uint8_t> payload(sizeof(wire::CreateInstancePayload));
    wire::CreateInstancePayload head{static_cast<uint32_t>(library.size()), 0, static_cast<uint32_t>(id.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    payload.insert(payload.end(), library.begin(), library.end());
    payload.insert(payload.end(), id.begin(), id.end());
    ControlMessage reply = fake.request(header(wire::kKindRequest, wire::kOpCreateInstance, 2), payload.data(),
                                        static_cast<uint32_t>(payload.size()));
    ASSERT_EQ(reply.header.status, 0);
    const uint32_t instance = reply.header.instance_id;
    SharedMemory block, port;
    ASSERT_EQ(SharedMemory::create(wire::kProcessBlockSize, "test", &block), HostingStatus::Ok);
    ASSERT_EQ(SharedMemory::create(64, "test", &port), HostingStatus::Ok);
    auto* processBlock = static_cast<wire::ProcessBlock*>(block.data());
    processBlock->magic = wire::kProcessBlockMagic;
    processBlock->layout_version = wire::kControlProtocolVersion;
    struct {
        wire::PreparePayload head;
        wire::PortEntry port;
    } prepare{{16, 48000, 1, 0}, {AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_INPUT, 64, 0}};
    int fds[2] = {block.fd(), port.fd()};
    uint32_t sequence = 3;
    reply = fake.request(header(wire::kKindRequest, wire::kOpPrepare, sequence++, instance), &prepare, sizeof(prepare),
                         fds, 2);
    ASSERT_EQ(reply.header.status, 0);
    ASSERT_EQ(reply.payload.size(), sizeof(wire::PrepareReplyPayload));
    wire::PrepareReplyPayload locked{};
    std::memcpy(&locked, reply.payload.data(), sizeof(locked));
    EXPECT_TRUE(locked.lock_state == 1 || locked.lock_state == 2) << locked.lock_state;
    EXPECT_EQ(locked.bytes, wire::kProcessBlockSize + 64u);

    auto activate = [&](const void* data, uint32_t size) {
        return fake.request(header(wire::kKindRequest, wire::kOpActivate, sequence++, instance), data, size);
    };
    auto deactivate = [&] {
        return fake.request(header(wire::kKindRequest, wire::kOpDeactivate, sequence++, instance), nullptr, 0).header.status;
    };
    const uint8_t odd[5] = {};
    EXPECT_EQ(activate(odd, sizeof(odd)).header.status, static_cast<int32_t>(HostingStatus::ProtocolError));
    for (int32_t bad : {-1, 100}) {
        wire::ActivatePayload request{bad, 0};
        reply = activate(&request, sizeof(request));
        EXPECT_EQ(reply.header.status, static_cast<int32_t>(HostingStatus::InvalidArgument));
        EXPECT_TRUE(reply.payload.empty());
    }
    // Empty: asks nothing.
    reply = activate(nullptr, 0);
    ASSERT_EQ(reply.header.status, 0);
    ASSERT_EQ(reply.payload.size(), sizeof(wire::ActivateReplyPayload));
    wire::ActivateReplyPayload answer{};
    std::memcpy(&answer, reply.payload.data(), sizeof(answer));
    EXPECT_EQ(answer.grant, 0);
    EXPECT_EQ(answer.requested_priority, 0);
    EXPECT_EQ(answer.policy, SCHED_OTHER);
    ASSERT_EQ(deactivate(), 0);
    // A priority: granted or refused, echoed, and consistent with what the thread reads back.
    wire::ActivatePayload request{12, 0};
    reply = activate(&request, sizeof(request));
    ASSERT_EQ(reply.header.status, 0);
    ASSERT_EQ(reply.payload.size(), sizeof(answer));
    std::memcpy(&answer, reply.payload.data(), sizeof(answer));
    EXPECT_EQ(answer.requested_priority, 12);
    if (answer.grant == 1) {
        EXPECT_EQ(answer.policy, SCHED_FIFO);
        EXPECT_EQ(answer.priority, 12);
    } else {
        EXPECT_EQ(answer.grant, 2);
        EXPECT_NE(answer.error_number, 0);
    }
    ASSERT_EQ(deactivate(), 0);
    EXPECT_EQ(fake.request(header(wire::kKindRequest, wire::kOpDestroy, sequence++, instance), nullptr, 0).header.status, 0);
}

} // namespace
} // namespace aap
