// libFuzzer target: the GUI message set (hosting/include/aap/hosting/gui-protocol.h) and the GUI
// sessions (gui-sessions.h) fed with what a hostile GUI client sends.
//
// 1. The whole input is decoded as one message in both directions. A message that decodes is
//    encoded again from its decoded fields and must give back exactly the same bytes (no field is
//    lost or misread), and every view must lie inside the input.
// 2. The input is then cut into records [length: 2 bytes LE][length bytes] and each record is
//    given to GuiSessions::receive() for one attached client (when the first input byte is odd, a
//    valid Hello and InitializeAck come first, so the fuzzer reaches the ready state). Everything
//    the host sends back must decode as a host -> client message, close must come at most once,
//    and the GUI path's counters must stay consistent.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/gui-path.h"
#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/gui-sessions.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

std::vector<uint8_t> reencode(const aap::GuiMessage& m) {
    using aap::GuiMessageType;
    const auto& h = m.header;
    switch (h.type) {
    case GuiMessageType::Hello: {
        auto out = aap::encodeGuiHello(h.sequence, m.token, m.tokenSize, m.protocolVersion);
        std::memcpy(out.data() + 8, &h.session, 4);  // a Hello's session is carried as received
        return out;
    }
    case GuiMessageType::Welcome: {
        aap::GuiWelcome w{m.welcomeSession, m.sampleRate, m.frames, m.parameterCount, m.portCount, m.displayRateMilliHz};
        auto out = aap::encodeGuiWelcome(h.sequence, w);
        std::memcpy(out.data() + 8, &h.session, 4);
        std::memcpy(out.data() + 24, &m.protocolVersion, 4);
        return out;
    }
    case GuiMessageType::Events: {
        std::vector<uint32_t> words(m.umpWordCount);
        for (size_t i = 0; i < words.size(); i++)
            words[i] = m.umpWord(i);
        return aap::encodeGuiEvents(h.session, h.sequence, words.data(), words.size());
    }
    case GuiMessageType::ParameterValues: {
        std::vector<aap::GuiParameterValue> values(m.valueCount);
        for (size_t i = 0; i < values.size(); i++)
            values[i] = m.value(i);
        return aap::encodeGuiParameterValues(h.session, h.sequence, m.snapshot, values.data(), values.size());
    }
    case GuiMessageType::Levels: {
        std::vector<aap::GuiLevel> levels(m.levelCount);
        for (size_t i = 0; i < levels.size(); i++)
            levels[i] = m.level(i);
        return aap::encodeGuiLevels(h.session, h.sequence, levels.data(), levels.size());
    }
    case GuiMessageType::Resync: return aap::encodeGuiResync(h.session, h.sequence, m.lostEvents);
    case GuiMessageType::Error: return aap::encodeGuiError(h.session, h.sequence, m.errorCode, m.errorText);
    default: return aap::encodeGuiEmpty(h.type, h.session, h.sequence);
    }
}

void decodeBothWays(const uint8_t* data, size_t size) {
    for (aap::GuiDirection direction : {aap::GuiDirection::ClientToHost, aap::GuiDirection::HostToClient}) {
        aap::GuiMessage message;
        std::string detail;
        const aap::GuiDecodeError error = aap::decodeGuiMessage(data, size, direction, &message, &detail);
        if (error != aap::GuiDecodeError::Ok) {
            check(!detail.empty());
            continue;
        }
        check(message.payload == data + aap::kGuiHeaderSize);
        check(message.header.payloadSize == size - aap::kGuiHeaderSize);
        if (message.token != nullptr)
            check(message.token >= data && message.token + message.tokenSize <= data + size);
        const std::vector<uint8_t> again = reencode(message);
        check(again.size() == size && std::memcmp(again.data(), data, size) == 0);
    }
}

class Client : public aap::GuiConnection {
public:
    bool send(const uint8_t* data, size_t size) override {
        aap::GuiMessage message;
        check(aap::decodeGuiMessage(data, size, aap::GuiDirection::HostToClient, &message) == aap::GuiDecodeError::Ok);
        if (message.header.type == aap::GuiMessageType::Initialize)
            initializeSequence = message.header.sequence;
        return true;
    }
    void close(const std::string&) override { closes++; }
    uint32_t initializeSequence = 0;
    int closes = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    decodeBothWays(data, size);

    static std::shared_ptr<aap::GuiPath> path = [] {
        aap::GuiPathOptions options;
        options.inboxCapacity = 64;
        return std::make_shared<aap::GuiPath>(
            std::vector<aap::GuiPathParameter>{{7, 0.0, 2.0, 1.0}, {9, -1.0, 1.0, 0.0}}, std::vector<int32_t>{0, 1},
            options);
    }();
    std::unique_ptr<aap::GuiSessions> sessions;
    aap::GuiSessionOptions options;
    options.ackDeadline = std::chrono::milliseconds{1};  // stop() does not wait long for an answer
    if (aap::GuiSessions::create(path, aap::GuiInstanceInfo{48000, 256, 6}, options, &sessions) != aap::HostingStatus::Ok)
        return 0;
    auto client = std::make_shared<Client>();
    const uint32_t id = sessions->attach(client);
    check(id != 0);
    if (size > 0 && (data[0] & 1) != 0) {
        const auto hello = aap::encodeGuiHello(1, sessions->token().data(), sessions->token().size());
        check(sessions->receive(id, hello.data(), hello.size()) == aap::HostingStatus::Ok);
        const auto ack = aap::encodeGuiEmpty(aap::GuiMessageType::InitializeAck, id, client->initializeSequence);
        check(sessions->receive(id, ack.data(), ack.size()) == aap::HostingStatus::Ok);
    }
    size_t offset = size > 0 ? 1 : 0;
    while (offset + 2 <= size) {
        const size_t length = static_cast<size_t>(data[offset]) | (static_cast<size_t>(data[offset + 1]) << 8);
        offset += 2;
        const size_t take = length < size - offset ? length : size - offset;
        std::vector<uint8_t> record(data + offset, data + offset + take);  // exact size: ASan sees overreads
        offset += take;
        const aap::HostingStatus status = sessions->receive(id, record.data(), record.size());
        if (status == aap::HostingStatus::NotFound)
            break;  // dropped: a closed session takes nothing more
    }
    sessions->tick();
    // Drain what reached the path so the next input starts empty.
    aap::EventQueue queue;
    queue.reserve(128, 8192);
    queue.setMaxFrame(256);
    while (path->drainInto(queue, 256) > 0)
        queue.clear();
    aap::GuiAutomationRecord record;
    while (path->popAutomation(&record))
        check(record.parameterId >= 0 && record.parameterId <= 0xFFFF);
    sessions.reset();
    check(client->closes <= 1);
    return 0;
}
