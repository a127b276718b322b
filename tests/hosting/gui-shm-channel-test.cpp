// The shared-memory GUI channel (aap/gui-shm-channel.h) and its host side, GuiShmConnection, a
// GUI client of GuiSessions: records round-trip across the end of the ring, full/empty/too
// large, every kind of corrupt index or record is detected (never read past the ring), one
// producer and one consumer thread at once (TSan in CI), and a "program" speaking the GUI
// message set over the mapping: Hello/Initialize, a parameter change reaching the GUI path, a
// host value reaching the program, garbage and corrupt indices dropping it with a clear reason.

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "aap/gui-shm-channel.h"
#include "aap/hosting/event-queue.h"
#include "aap/hosting/gui-path.h"
#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/gui-shm-transport.h"
#include "aapxs/parameter-sysex8.h"

namespace aap {
namespace {

constexpr uint32_t kCapacity = AAP_GUI_SHM_MIN_CAPACITY;

struct Channel {
    std::vector<uint8_t> bytes;
    aap_gui_shm_ring_t producer;
    aap_gui_shm_ring_t consumer;
    explicit Channel(uint32_t capacity = kCapacity) : bytes(aap_gui_shm_size(capacity), 0) {
        aap_gui_shm_init(bytes.data(), capacity);
        producer = aap_gui_shm_ring(bytes.data(), capacity, AAP_GUI_SHM_RING_TO_HOST);
        consumer = aap_gui_shm_ring(bytes.data(), capacity, AAP_GUI_SHM_RING_TO_HOST);
    }
    uint32_t& writeIndex() { return *producer.write_index; }
    uint32_t& readIndex() { return *producer.read_index; }
};

std::vector<uint8_t> pattern(uint32_t size, uint32_t seed) {
    std::vector<uint8_t> out(size);
    for (uint32_t i = 0; i < size; i++)
        out[i] = static_cast<uint8_t>(seed * 31u + i * 7u);
    return out;
}

TEST(GuiShmRing, RecordsRoundTripAcrossTheEndOfTheRing) {
    Channel channel;
    ASSERT_EQ(aap_gui_shm_check(channel.bytes.data(), channel.bytes.size(), kCapacity), 0);
    std::vector<uint8_t> out(AAP_GUI_SHM_MAX_MESSAGE);
    uint32_t size = 0;
    EXPECT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), static_cast<uint32_t>(out.size()), &size), AAP_GUI_SHM_EMPTY);
    // Odd sizes walk the records over the end of the data many times.
    for (uint32_t round = 0; round < 500; round++) {
        const uint32_t length = 1 + (round * 37u) % 1500u;
        const auto message = pattern(length, round);
        ASSERT_EQ(aap_gui_shm_write(&channel.producer, message.data(), length), AAP_GUI_SHM_OK) << round;
        ASSERT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), static_cast<uint32_t>(out.size()), &size), AAP_GUI_SHM_OK);
        ASSERT_EQ(size, length);
        ASSERT_EQ(0, std::memcmp(out.data(), message.data(), length)) << round;
    }
    EXPECT_GT(channel.writeIndex(), 4 * kCapacity);  // it wrapped several times
    EXPECT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), static_cast<uint32_t>(out.size()), &size), AAP_GUI_SHM_EMPTY);
}

TEST(GuiShmRing, AFullRingRefusesWithoutWritingAndTooLargeIsRefused) {
    Channel channel;
    const auto message = pattern(1000, 1);
    int written = 0;
    while (aap_gui_shm_write(&channel.producer, message.data(), 1000) == AAP_GUI_SHM_OK)
        written++;
    EXPECT_EQ(written, 4);  // 4 x 1004 bytes in 4096
    const uint32_t before = channel.writeIndex();
    EXPECT_EQ(aap_gui_shm_write(&channel.producer, message.data(), 1000), AAP_GUI_SHM_FULL);
    EXPECT_EQ(channel.writeIndex(), before);
    std::vector<uint8_t> out(2000);
    uint32_t size = 0;
    ASSERT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), 2000, &size), AAP_GUI_SHM_OK);
    EXPECT_EQ(aap_gui_shm_write(&channel.producer, message.data(), 1000), AAP_GUI_SHM_OK);  // room again
    // Sizes 0, above the message limit or above the ring are refused.
    EXPECT_EQ(aap_gui_shm_write(&channel.producer, message.data(), 0), AAP_GUI_SHM_TOO_LARGE);
    std::vector<uint8_t> big(kCapacity);
    EXPECT_EQ(aap_gui_shm_write(&channel.producer, big.data(), kCapacity), AAP_GUI_SHM_TOO_LARGE);
    // An out buffer smaller than the record takes nothing.
    EXPECT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), 10, &size), AAP_GUI_SHM_TOO_LARGE);
    EXPECT_EQ(aap_gui_shm_read(&channel.consumer, out.data(), 2000, &size), AAP_GUI_SHM_OK);
    EXPECT_EQ(size, 1000u);
}

TEST(GuiShmRing, CorruptIndicesAndRecordsAreDetected) {
    std::vector<uint8_t> out(AAP_GUI_SHM_MAX_MESSAGE);
    uint32_t size = 0;
    auto read = [&](Channel& c) {
        return aap_gui_shm_read(&c.consumer, out.data(), static_cast<uint32_t>(out.size()), &size);
    };
    {   // the producer's write index more than a ring ahead
        Channel c;
        c.writeIndex() = kCapacity + 4;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // behind the consumer (wraps to a huge distance)
        Channel c;
        c.writeIndex() = 0xFFFFFFF0u;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // not on a record boundary
        Channel c;
        c.writeIndex() = 6;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // a record of size 0
        Channel c;
        c.writeIndex() = 8;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // a record above the message limit
        Channel c;
        const uint32_t huge = AAP_GUI_SHM_MAX_MESSAGE + 1;
        std::memcpy(c.consumer.data, &huge, 4);
        c.writeIndex() = 8;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // torn: the record says 100 bytes, the index publishes 40
        Channel c;
        const uint32_t hundred = 100;
        std::memcpy(c.consumer.data, &hundred, 4);
        c.writeIndex() = 40;
        EXPECT_EQ(read(c), AAP_GUI_SHM_CORRUPT);
    }
    {   // the consumer's read index out of range makes the producer's write fail as corrupt
        Channel c;
        const auto message = pattern(16, 2);
        ASSERT_EQ(aap_gui_shm_write(&c.producer, message.data(), 16), AAP_GUI_SHM_OK);
        c.readIndex() = 0x80000000u;
        EXPECT_EQ(aap_gui_shm_write(&c.producer, message.data(), 16), AAP_GUI_SHM_CORRUPT);
        c.readIndex() = 40;  // ahead of what was written
        EXPECT_EQ(aap_gui_shm_write(&c.producer, message.data(), 16), AAP_GUI_SHM_CORRUPT);
    }
    {   // the program checks the header against what it was told
        Channel c;
        EXPECT_EQ(aap_gui_shm_check(c.bytes.data(), c.bytes.size(), kCapacity * 2), -1);
        EXPECT_EQ(aap_gui_shm_check(c.bytes.data(), c.bytes.size() - 1, kCapacity), -1);
        c.bytes[0] ^= 1;
        EXPECT_EQ(aap_gui_shm_check(c.bytes.data(), c.bytes.size(), kCapacity), -1);
    }
    EXPECT_FALSE(aap_gui_shm_capacity_valid(AAP_GUI_SHM_MIN_CAPACITY + 4));
    EXPECT_FALSE(aap_gui_shm_capacity_valid(AAP_GUI_SHM_MAX_CAPACITY * 2));
    EXPECT_TRUE(aap_gui_shm_capacity_valid(AAP_GUI_SHM_DEFAULT_CAPACITY));
}

// One producer and one consumer thread at once: every message arrives whole and in order (TSan
// checks the acquire/release pairs).
TEST(GuiShmRing, OneProducerAndOneConsumerThreadAtOnce) {
    Channel channel;
    constexpr uint32_t kMessages = 20000;
    std::atomic<bool> failed{false};
    std::thread producer([&] {
        for (uint32_t i = 0; i < kMessages;) {
            const uint32_t length = 4 + i % 300u;
            auto message = pattern(length, i);
            std::memcpy(message.data(), &i, 4);
            const int result = aap_gui_shm_write(&channel.producer, message.data(), length);
            if (result == AAP_GUI_SHM_OK)
                i++;
            else if (result == AAP_GUI_SHM_FULL)
                std::this_thread::yield();
            else {
                failed = true;
                return;
            }
        }
    });
    std::vector<uint8_t> out(AAP_GUI_SHM_MAX_MESSAGE);
    for (uint32_t expected = 0; expected < kMessages && !failed;) {
        uint32_t size = 0;
        const int result = aap_gui_shm_read(&channel.consumer, out.data(), static_cast<uint32_t>(out.size()), &size);
        if (result == AAP_GUI_SHM_EMPTY) {
            std::this_thread::yield();
            continue;
        }
        ASSERT_EQ(result, AAP_GUI_SHM_OK);
        uint32_t index = 0;
        std::memcpy(&index, out.data(), 4);
        ASSERT_EQ(index, expected);
        ASSERT_EQ(size, 4 + expected % 300u);
        auto message = pattern(size, expected);
        ASSERT_EQ(0, std::memcmp(out.data() + 4, message.data() + 4, size - 4));
        expected++;
    }
    producer.join();
    EXPECT_FALSE(failed);
}

// ---- GuiShmConnection: a program on the other end of the mapping ----

constexpr int32_t kRate = 48000;
constexpr int32_t kFrames = 256;

uint32_t transportForm(double normalized) { return static_cast<uint32_t>(std::llround(normalized * 4294967295.0)); }

// The program's side, as a GUI program would do it: its own mapping of the memfd.
struct Program {
    uint8_t* base = nullptr;
    size_t size = 0;
    aap_gui_shm_ring_t out{};  // program -> host
    aap_gui_shm_ring_t in{};   // host -> program
    uint32_t session = 0;
    uint32_t sequence = 1;
    explicit Program(const GuiShmConnection& channel) {
        size = aap_gui_shm_size(channel.ringCapacity());
        base = static_cast<uint8_t*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, channel.fd(), 0));
        EXPECT_NE(base, MAP_FAILED);
        EXPECT_EQ(aap_gui_shm_check(base, size, channel.ringCapacity()), 0);
        out = aap_gui_shm_ring(base, channel.ringCapacity(), AAP_GUI_SHM_RING_TO_HOST);
        in = aap_gui_shm_ring(base, channel.ringCapacity(), AAP_GUI_SHM_RING_TO_PROGRAM);
    }
    ~Program() { ::munmap(base, size); }
    int write(const std::vector<uint8_t>& message) {
        return aap_gui_shm_write(&out, message.data(), static_cast<uint32_t>(message.size()));
    }
    // Every message the host wrote since, decoded.
    std::vector<std::vector<uint8_t>> readAll() {
        std::vector<std::vector<uint8_t>> messages;
        std::vector<uint8_t> buffer(AAP_GUI_SHM_MAX_MESSAGE);
        uint32_t got = 0;
        while (aap_gui_shm_read(&in, buffer.data(), static_cast<uint32_t>(buffer.size()), &got) == AAP_GUI_SHM_OK)
            messages.emplace_back(buffer.begin(), buffer.begin() + got);
        return messages;
    }
    static bool decode(const std::vector<uint8_t>& bytes, GuiMessage* message) {
        return decodeGuiMessage(bytes.data(), bytes.size(), GuiDirection::HostToClient, message) == GuiDecodeError::Ok;
    }
};

struct Fixture {
    std::shared_ptr<GuiPath> path =
        std::make_shared<GuiPath>(std::vector<GuiPathParameter>{{7, 0.0, 2.0, 1.0}, {9, -1.0, 1.0, 0.0}},
                                  std::vector<int32_t>{0});
    std::unique_ptr<GuiSessions> sessions;
    std::shared_ptr<GuiShmConnection> channel;
    uint32_t client = 0;
    explicit Fixture(GuiSessionOptions options = {}) {
        std::string error;
        EXPECT_EQ(GuiSessions::create(path, GuiInstanceInfo{kRate, kFrames, 1}, options, &sessions, &error),
                  HostingStatus::Ok)
            << error;
        EXPECT_EQ(GuiShmConnection::create(kCapacity * 4, &channel, &error), HostingStatus::Ok) << error;
        client = sessions->attach(channel);
        EXPECT_NE(client, 0u);
    }
    // Hello -> Welcome + Initialize -> InitializeAck -> snapshot, all through the rings.
    void handshake(Program& program) {
        ASSERT_EQ(program.write(encodeGuiHello(0, sessions->token().data(), sessions->token().size())), AAP_GUI_SHM_OK);
        sessions->tick();
        auto messages = program.readAll();
        ASSERT_EQ(messages.size(), 2u);
        GuiMessage welcome, initialize;
        ASSERT_TRUE(Program::decode(messages[0], &welcome));
        ASSERT_TRUE(Program::decode(messages[1], &initialize));
        ASSERT_EQ(welcome.header.type, GuiMessageType::Welcome);
        ASSERT_EQ(initialize.header.type, GuiMessageType::Initialize);
        program.session = welcome.welcomeSession;
        ASSERT_EQ(program.write(encodeGuiEmpty(GuiMessageType::InitializeAck, program.session, initialize.header.sequence)),
                  AAP_GUI_SHM_OK);
        sessions->tick();
        ASSERT_EQ(sessions->clients().size(), 1u);
        ASSERT_EQ(sessions->clients()[0].state, GuiSessions::ClientState::Ready);
    }
};

TEST(GuiShmConnection, RefusesBadCapacities) {
    std::shared_ptr<GuiShmConnection> channel;
    std::string error;
    EXPECT_EQ(GuiShmConnection::create(1000, &channel, &error), HostingStatus::InvalidArgument);
    EXPECT_NE(error.find("power of two"), std::string::npos) << error;
    EXPECT_EQ(GuiShmConnection::create(AAP_GUI_SHM_MAX_CAPACITY * 2, &channel, &error), HostingStatus::InvalidArgument);
}

TEST(GuiShmConnection, AProgramIsAGuiClientBothWays) {
    Fixture f;
    Program program(*f.channel);
    f.handshake(program);
    // The snapshot after InitializeAck.
    auto messages = program.readAll();
    GuiMessage message;
    bool sawSnapshot = false;
    for (auto& bytes : messages)
        if (Program::decode(bytes, &message) && message.header.type == GuiMessageType::ParameterValues && message.snapshot)
            sawSnapshot = message.valueCount == 2;
    EXPECT_TRUE(sawSnapshot);
    // Program -> DSP: gesture begin, a parameter change of 9 to 0.5, gesture end.
    uint32_t words[12];
    writeParameterGesture(words, true, 9);
    aapxs_parameter_sysex8_write(words + 4, 0, 0, 0, 0, 9, transportForm(0.75));  // 0.5 in -1..1
    writeParameterGesture(words + 8, false, 9);
    ASSERT_EQ(program.write(encodeGuiEvents(program.session, program.sequence++, words, 12)), AAP_GUI_SHM_OK);
    f.sessions->tick();
    EventQueue host;
    ASSERT_EQ(host.reserve(16, 4096), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    EXPECT_EQ(f.path->drainInto(host, kFrames), 3u);
    GuiAutomationRecord record;
    std::vector<GuiAutomationRecord> records;
    while (f.path->popAutomation(&record))
        records.push_back(record);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[1].parameterId, 9);
    EXPECT_NEAR(records[1].value, 0.5, 1e-6);
    EXPECT_EQ(records[1].client, f.client);
    // DSP -> program: a value the host (or the plugin) reports.
    f.path->publishParameter(7, 1.25);
    f.sessions->tick();
    bool sawValue = false;
    for (auto& bytes : program.readAll())
        if (Program::decode(bytes, &message) && message.header.type == GuiMessageType::ParameterValues)
            for (size_t i = 0; i < message.valueCount; i++)
                sawValue = sawValue || (message.value(i).id == 7 && message.value(i).value == 1.25);
    EXPECT_TRUE(sawValue);
    EXPECT_EQ(f.sessions->dropped(), 0u);
    EXPECT_GE(f.channel->messagesReceived(), 3u);
}

TEST(GuiShmConnection, GarbageFromTheProgramDropsItWithAClearReason) {
    Fixture f;
    Program program(*f.channel);
    f.handshake(program);
    ASSERT_EQ(program.write(std::vector<uint8_t>(40, 0xEE)), AAP_GUI_SHM_OK);
    f.sessions->tick();
    EXPECT_EQ(f.sessions->dropped(), 1u);
    EXPECT_EQ(f.sessions->clientCount(), 0u);
    EXPECT_NE(f.sessions->lastDropReason().find("malformed message: bad magic"), std::string::npos)
        << f.sessions->lastDropReason();
    EXPECT_TRUE(f.channel->closed());
    // The program was told why, on its ring.
    GuiMessage message;
    bool sawError = false;
    for (auto& bytes : program.readAll())
        sawError = sawError || (Program::decode(bytes, &message) && message.header.type == GuiMessageType::Error &&
                                message.errorCode == GuiErrorCode::Malformed);
    EXPECT_TRUE(sawError);
    // Nothing is read from a closed channel.
    const uint64_t before = f.channel->messagesReceived();
    ASSERT_EQ(program.write(encodeGuiHello(0, f.sessions->token().data(), 32)), AAP_GUI_SHM_OK);
    f.sessions->tick();
    EXPECT_EQ(f.channel->messagesReceived(), before);
}

TEST(GuiShmConnection, CorruptIndicesDropTheProgramWithAClearReason) {
    {   // its write index out of range
        Fixture f;
        Program program(*f.channel);
        f.handshake(program);
        __atomic_store_n(program.out.write_index, program.out.own + kCapacity * 16, __ATOMIC_RELEASE);
        f.sessions->tick();
        EXPECT_EQ(f.sessions->dropped(), 1u);
        EXPECT_NE(f.sessions->lastDropReason().find("program -> host ring is corrupt"), std::string::npos)
            << f.sessions->lastDropReason();
    }
    {   // a torn record: the index covers a record's size but not its bytes
        Fixture f;
        Program program(*f.channel);
        f.handshake(program);
        const uint32_t size = 200;
        aap_gui_shm_copy_in(&program.out, program.out.own, reinterpret_cast<const uint8_t*>(&size), 4);
        __atomic_store_n(program.out.write_index, program.out.own + 8, __ATOMIC_RELEASE);
        f.sessions->tick();
        EXPECT_EQ(f.sessions->dropped(), 1u);
        EXPECT_NE(f.sessions->lastDropReason().find("corrupt"), std::string::npos);
    }
    {   // its read index of the host -> program ring out of range: found at the next send, dropped
        // at the next poll
        Fixture f;
        Program program(*f.channel);
        f.handshake(program);
        __atomic_store_n(program.in.read_index, 0x80000000u, __ATOMIC_RELEASE);
        f.path->publishParameter(7, 0.5);
        f.sessions->tick();  // the send finds the ring corrupt
        f.sessions->tick();  // the poll drops the client
        EXPECT_EQ(f.sessions->dropped(), 1u);
        EXPECT_NE(f.sessions->lastDropReason().find("read index of the host -> program ring is out of range"),
                  std::string::npos)
            << f.sessions->lastDropReason();
    }
}

// The display thread polls while the program writes from its own thread (TSan): every event
// arrives, in order, and the program reads values at the same time.
TEST(GuiShmConnection, TheDisplayThreadAndAProgramThreadAtOnce) {
    GuiSessionOptions options;
    options.pingInterval = std::chrono::seconds(600);  // this program answers no ping
    Fixture f{options};
    Program program(*f.channel);
    f.handshake(program);
    ASSERT_EQ(f.sessions->start(), HostingStatus::Ok);
    constexpr int kEvents = 300;
    std::thread gui([&] {
        for (int i = 0; i < kEvents; i++) {
            uint32_t words[4];
            aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, 7, transportForm(static_cast<double>(i) / kEvents));
            auto message = encodeGuiEvents(program.session, program.sequence++, words, 4);
            while (program.write(message) == AAP_GUI_SHM_FULL)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            (void)program.readAll();  // values from the display thread, read meanwhile
        }
    });
    EventQueue host;
    ASSERT_EQ(host.reserve(1024, 65536), HostingStatus::Ok);
    host.setMaxFrame(kFrames);
    size_t drained = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (drained < static_cast<size_t>(kEvents) && std::chrono::steady_clock::now() < until) {
        host.clear();
        drained += f.path->drainInto(host, kFrames);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    gui.join();
    f.sessions->stop();
    EXPECT_EQ(drained, static_cast<size_t>(kEvents));
    EXPECT_GE(f.channel->messagesReceived(), static_cast<uint64_t>(kEvents));
}

} // namespace
} // namespace aap
