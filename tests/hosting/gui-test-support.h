#pragma once
// A GUI client for tests: a GuiConnection that keeps every message the host sent it (decoded as
// host -> client, so a malformed one fails the test), can refuse sends, and records its close.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/gui-sessions.h"

namespace aap::test {

class FakeGuiClient : public GuiConnection {
public:
    bool send(const uint8_t* data, size_t size) override {
        if (refuseSends.load())
            return false;
        GuiMessage message;
        std::string detail;
        const GuiDecodeError error = decodeGuiMessage(data, size, GuiDirection::HostToClient, &message, &detail);
        std::lock_guard<std::mutex> guard{lock};
        if (error != GuiDecodeError::Ok) {
            malformed.push_back(detail);
            return true;
        }
        messages.emplace_back(data, data + size);
        return true;
    }
    void close(const std::string& why) override {
        std::lock_guard<std::mutex> guard{lock};
        closes++;
        reason = why;
    }

    // Decoded copies (the bytes stay in `messages`).
    std::vector<GuiMessage> received(GuiMessageType type) {
        std::lock_guard<std::mutex> guard{lock};
        std::vector<GuiMessage> out;
        for (const auto& bytes : messages) {
            GuiMessage message;
            if (decodeGuiMessage(bytes.data(), bytes.size(), GuiDirection::HostToClient, &message) == GuiDecodeError::Ok &&
                message.header.type == type)
                out.push_back(message);
        }
        return out;
    }
    std::vector<GuiMessageType> types() {
        std::lock_guard<std::mutex> guard{lock};
        std::vector<GuiMessageType> out;
        for (const auto& bytes : messages) {
            GuiMessageHeader header;
            if (decodeGuiHeader(bytes.data(), bytes.size(), &header) == GuiDecodeError::Ok)
                out.push_back(header.type);
        }
        return out;
    }
    int closeCount() {
        std::lock_guard<std::mutex> guard{lock};
        return closes;
    }
    std::string closeReason() {
        std::lock_guard<std::mutex> guard{lock};
        return reason;
    }
    void clear() {
        std::lock_guard<std::mutex> guard{lock};
        messages.clear();
    }

    std::atomic<bool> refuseSends{false};
    std::mutex lock;
    std::vector<std::vector<uint8_t>> messages;  // kept alive: GuiMessage views point into them
    std::vector<std::string> malformed;
    int closes = 0;
    std::string reason;
};

// Hello with the right token, then InitializeAck: the client is ready. Returns its session id.
inline uint32_t attachReadyClient(GuiSessions& sessions, const std::shared_ptr<FakeGuiClient>& client) {
    const uint32_t id = sessions.attach(client);
    EXPECT_NE(id, 0u);
    const auto hello = encodeGuiHello(1, sessions.token().data(), sessions.token().size());
    std::string error;
    EXPECT_EQ(sessions.receive(id, hello.data(), hello.size(), &error), HostingStatus::Ok) << error;
    auto initialize = client->received(GuiMessageType::Initialize);
    EXPECT_EQ(initialize.size(), 1u);
    if (initialize.empty())
        return id;
    const auto ack = encodeGuiEmpty(GuiMessageType::InitializeAck, id, initialize[0].header.sequence);
    EXPECT_EQ(sessions.receive(id, ack.data(), ack.size(), &error), HostingStatus::Ok) << error;
    return id;
}

} // namespace aap::test
