#include "aap/hosting/gui-sessions.h"

#include <sys/random.h>

#include <cerrno>
#include <cmath>

#include "aapxs/ump.h"

namespace aap {

bool guiRandomBytes(uint8_t* out, size_t size) noexcept {
    size_t done = 0;
    while (done < size) {
        const ssize_t n = getrandom(out + done, size - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

GuiSessions::GuiSessions(std::shared_ptr<GuiPath> path, GuiInstanceInfo info, GuiSessionOptions options)
    : path_(std::move(path)), info_(info), options_(options) {
    sentGenerations_.assign(path_->parameters().size(), 0);
}

HostingStatus GuiSessions::create(std::shared_ptr<GuiPath> path, GuiInstanceInfo info, GuiSessionOptions options,
                                  std::unique_ptr<GuiSessions>* out, std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    why.clear();
    if (out == nullptr || !path) {
        why = "GuiSessions::create: the path and out must not be null";
        return HostingStatus::InvalidArgument;
    }
    if (!(options.displayRateHz >= 1.0 && options.displayRateHz <= 1000.0)) {
        why = "GuiSessions::create: the display rate must be 1..1000 Hz";
        return HostingStatus::InvalidArgument;
    }
    if (options.helloDeadline.count() <= 0 || options.ackDeadline.count() <= 0 || options.pingInterval.count() <= 0) {
        why = "GuiSessions::create: deadlines and the ping interval must be positive";
        return HostingStatus::InvalidArgument;
    }
    if (options.maxClients == 0) {
        why = "GuiSessions::create: maxClients must be at least 1";
        return HostingStatus::InvalidArgument;
    }
    if (info.sampleRate <= 0 || info.frames <= 0 || info.portCount < 0) {
        why = "GuiSessions::create: the sample rate and frames must be positive";
        return HostingStatus::InvalidArgument;
    }
    std::unique_ptr<GuiSessions> sessions{new GuiSessions(std::move(path), info, options)};
    if (!guiRandomBytes(sessions->token_.data(), sessions->token_.size())) {
        why = "GuiSessions::create: getrandom() failed";
        return HostingStatus::ResourceFailed;
    }
    *out = std::move(sessions);
    return HostingStatus::Ok;
}

GuiSessions::~GuiSessions() { stop(); }

std::string GuiSessions::tokenHex() const { return guiHex(token_.data(), token_.size()); }

bool GuiSessions::checkToken(const uint8_t* token, size_t size) const noexcept {
    if (token == nullptr || size != token_.size())
        return false;
    uint8_t difference = 0;
    for (size_t i = 0; i < size; i++)
        difference = static_cast<uint8_t>(difference | (token[i] ^ token_[i]));
    return difference == 0;
}

bool GuiSessions::checkTokenHex(const std::string& hex) const noexcept {
    try {
        std::vector<uint8_t> bytes;
        return guiUnhex(hex, &bytes) && checkToken(bytes.data(), bytes.size());
    } catch (...) {
        return false;
    }
}

HostingStatus GuiSessions::start() {
    std::lock_guard<std::mutex> guard{runLock_};
    if (thread_.joinable())
        return HostingStatus::InvalidState;
    stopping_ = false;
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        return HostingStatus::ResourceFailed;
    }
    return HostingStatus::Ok;
}

void GuiSessions::run() {
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options_.displayRateHz));
    auto next = Clock::now() + period;
    for (;;) {
        {
            std::unique_lock<std::mutex> guard{runLock_};
            if (wake_.wait_until(guard, next, [this] { return stopping_; }))
                return;
        }
        tick();
        next += period;
        const auto now = Clock::now();
        if (next < now)
            next = now + period;  // late (a slow transport): no burst of catch-up ticks
    }
}

void GuiSessions::stop() {
    {
        std::lock_guard<std::mutex> guard{runLock_};
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
    // Cleanup for every client that got as far as Initialize; the others are simply closed.
    std::vector<Outgoing> sends;
    std::vector<Drop> drops;
    Clock::time_point until = Clock::now() + options_.ackDeadline;
    bool anyAwaiting = false;
    {
        std::lock_guard<std::mutex> sendGuard{sendLock_};
        {
            std::lock_guard<std::mutex> guard{lock_};
            for (auto it = clients_.begin(); it != clients_.end();) {
                Client& client = it->second;
                if (client.state == ClientState::Ready || client.state == ClientState::AwaitingInitializeAck) {
                    client.state = ClientState::AwaitingCleanupAck;
                    client.awaitedSequence = client.sequence++;
                    client.deadline = until;
                    sends.push_back({client.connection, client.id,
                                     encodeGuiEmpty(GuiMessageType::Cleanup, client.id, client.awaitedSequence)});
                    anyAwaiting = true;
                    ++it;
                } else if (client.state == ClientState::AwaitingCleanupAck) {
                    anyAwaiting = true;
                    ++it;
                } else {
                    dropLocked(it++, GuiErrorCode::Closing, "the host is closing the GUI sessions", &sends, &drops);
                }
            }
        }
        flush(sends, drops);
    }
    while (anyAwaiting && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard<std::mutex> guard{lock_};
        anyAwaiting = !clients_.empty();
    }
    std::lock_guard<std::mutex> sendGuard{sendLock_};
    {
        std::lock_guard<std::mutex> guard{lock_};
        for (auto it = clients_.begin(); it != clients_.end();)
            dropLocked(it++, GuiErrorCode::DeadlineMissed,
                       "no cleanup-ack within " + std::to_string(options_.ackDeadline.count()) + " ms", &sends, &drops);
    }
    flush(sends, drops);
}

uint32_t GuiSessions::attach(std::shared_ptr<GuiConnection> connection) {
    if (!connection)
        return 0;
    {
        std::lock_guard<std::mutex> guard{lock_};
        if (clients_.size() < options_.maxClients) {
            Client client;
            client.id = nextId_++;
            if (nextId_ == 0)
                nextId_ = 1;
            client.connection = std::move(connection);
            client.deadline = Clock::now() + options_.helloDeadline;
            const uint32_t id = client.id;
            clients_.emplace(id, std::move(client));
            return id;
        }
    }
    std::vector<uint8_t> error =
        encodeGuiError(0, 0, GuiErrorCode::TooManyClients,
                       "this instance already has " + std::to_string(options_.maxClients) + " GUI clients");
    connection->send(error.data(), error.size());
    connection->close("too many GUI clients");
    return 0;
}

void GuiSessions::detach(uint32_t client) {
    std::lock_guard<std::mutex> guard{lock_};
    clients_.erase(client);
}

HostingStatus GuiSessions::cleanup(uint32_t client) {
    std::lock_guard<std::mutex> sendGuard{sendLock_};
    std::vector<Outgoing> sends;
    std::vector<Drop> drops;
    {
        std::lock_guard<std::mutex> guard{lock_};
        auto it = clients_.find(client);
        if (it == clients_.end())
            return HostingStatus::NotFound;
        Client& c = it->second;
        if (c.state == ClientState::AwaitingCleanupAck)
            return HostingStatus::Ok;
        if (c.state == ClientState::AwaitingHello) {
            dropLocked(it, GuiErrorCode::Closing, "the host ended the session", &sends, &drops);
        } else {
            c.state = ClientState::AwaitingCleanupAck;
            c.awaitedSequence = c.sequence++;
            c.deadline = Clock::now() + options_.ackDeadline;
            sends.push_back({c.connection, c.id, encodeGuiEmpty(GuiMessageType::Cleanup, c.id, c.awaitedSequence)});
        }
    }
    flush(sends, drops);
    return HostingStatus::Ok;
}

HostingStatus GuiSessions::drop(uint32_t client, const std::string& reason) {
    std::lock_guard<std::mutex> sendGuard{sendLock_};
    std::vector<Outgoing> sends;
    std::vector<Drop> drops;
    {
        std::lock_guard<std::mutex> guard{lock_};
        auto it = clients_.find(client);
        if (it == clients_.end())
            return HostingStatus::NotFound;
        dropLocked(it, GuiErrorCode::Malformed, reason, &sends, &drops);
    }
    flush(sends, drops);
    return HostingStatus::Ok;
}

void GuiSessions::dropLocked(std::map<uint32_t, Client>::iterator it, GuiErrorCode code, const std::string& reason,
                             std::vector<Outgoing>* sends, std::vector<Drop>* drops) {
    Client& client = it->second;
    sends->push_back({client.connection, client.id, encodeGuiError(client.id, client.sequence++, code, reason)});
    drops->push_back({client.connection, reason});
    lastDropReason_ = reason;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    clients_.erase(it);
}

void GuiSessions::flush(std::vector<Outgoing>& sends, std::vector<Drop>& drops) {
    // Called with sendLock_ held (message order per connection) and lock_ not held.
    std::vector<uint32_t> failed;
    for (Outgoing& out : sends) {
        bool skip = false;
        for (uint32_t id : failed)
            skip = skip || id == out.client;
        if (skip)
            continue;  // after a failed send the rest of this batch would leave a gap: resync instead
        if (!out.connection->send(out.bytes.data(), out.bytes.size()))
            failed.push_back(out.client);
    }
    sends.clear();
    for (Drop& drop : drops)
        drop.connection->close(drop.reason);
    drops.clear();
    if (!failed.empty()) {
        std::lock_guard<std::mutex> guard{lock_};
        for (uint32_t id : failed) {
            auto it = clients_.find(id);
            if (it != clients_.end())
                it->second.needsResync = true;
        }
    }
}

std::vector<uint8_t> GuiSessions::snapshotLocked(Client& client) {
    const auto& parameters = path_->parameters();
    std::vector<GuiParameterValue> values(parameters.size());
    for (size_t i = 0; i < parameters.size(); i++)
        values[i] = GuiParameterValue{parameters[i].id, path_->parameterValue(i)};
    return encodeGuiParameterValues(client.id, client.sequence++, true, values.data(), values.size());
}

HostingStatus GuiSessions::handleEventsLocked(Client& client, const GuiMessage& message, std::string* why) {
    const auto now = Clock::now();
    size_t events = 0;
    for (size_t i = 0; i < message.umpWordCount;) {
        const uint32_t w0 = message.umpWord(i);
        const size_t count = aapxs_ump_message_words(w0);
        events += (w0 >> 28) != 0 ? 1 : 0;
        i += count;
    }
    if (options_.maxEventsPerSecond > 0) {
        if (now - client.rateWindow >= std::chrono::seconds(1)) {
            client.rateWindow = now;
            client.rateCount = 0;
        }
        if (client.rateCount + events > options_.maxEventsPerSecond) {
            *why = "more than " + std::to_string(options_.maxEventsPerSecond) +
                   " events per second from this client: message refused";
            return HostingStatus::CapacityExceeded;
        }
        client.rateCount += events;
    }
    int32_t frame = 0;
    size_t refused = 0;
    for (size_t i = 0; i < message.umpWordCount;) {
        uint32_t words[4] = {message.umpWord(i), 0, 0, 0};
        const size_t count = aapxs_ump_message_words(words[0]);
        for (size_t w = 1; w < count; w++)
            words[w] = message.umpWord(i + w);
        i += count;
        if ((words[0] >> 28) == 0) {
            if (((words[0] >> 20) & 0xFu) == 0x2u) {  // JR Timestamp: offset of what follows
                const uint64_t ticks = words[0] & 0xFFFFu;
                frame = static_cast<int32_t>(ticks * static_cast<uint64_t>(info_.sampleRate) / 31250u);
            }
            continue;
        }
        if (path_->push(client.id, frame, words, count) != HostingStatus::Ok)
            refused++;
        else
            client.eventsReceived++;
    }
    if (refused > 0) {
        *why = std::to_string(refused) + " events did not fit the instance's GUI queue (overflow counted)";
        return HostingStatus::CapacityExceeded;
    }
    return HostingStatus::Ok;
}

HostingStatus GuiSessions::receive(uint32_t clientId, const uint8_t* data, size_t size, std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    why.clear();
    std::lock_guard<std::mutex> sendGuard{sendLock_};
    std::vector<Outgoing> sends;
    std::vector<Drop> drops;
    HostingStatus result = HostingStatus::Ok;
    {
        std::lock_guard<std::mutex> guard{lock_};
        auto it = clients_.find(clientId);
        if (it == clients_.end()) {
            why = "no GUI session " + std::to_string(clientId);
            return HostingStatus::NotFound;
        }
        Client& client = it->second;
        GuiMessage message;
        std::string detail;
        const GuiDecodeError decoded = decodeGuiMessage(data, size, GuiDirection::ClientToHost, &message, &detail);
        auto drop = [&](GuiErrorCode code, const std::string& reason, HostingStatus status) {
            why = reason;
            dropLocked(it, code, reason, &sends, &drops);
            result = status;
        };
        const auto now = Clock::now();
        if (decoded != GuiDecodeError::Ok) {
            drop(decoded == GuiDecodeError::UnsupportedVersion ? GuiErrorCode::UnsupportedVersion
                                                                : GuiErrorCode::Malformed,
                 std::string("malformed message: ") + guiDecodeErrorName(decoded) + ": " + detail,
                 HostingStatus::ProtocolError);
        } else if (message.header.type == GuiMessageType::Hello) {
            if (client.state != ClientState::AwaitingHello)
                drop(GuiErrorCode::NotAllowedNow, "a second hello", HostingStatus::ProtocolError);
            else if (message.header.session != 0)
                drop(GuiErrorCode::Malformed, "a hello carries session 0", HostingStatus::ProtocolError);
            else if (message.protocolVersion != kGuiProtocolVersion)
                drop(GuiErrorCode::UnsupportedVersion,
                     "protocol version " + std::to_string(message.protocolVersion) + " (this host speaks " +
                         std::to_string(kGuiProtocolVersion) + ")",
                     HostingStatus::VersionMismatch);
            else if (!checkToken(message.token, message.tokenSize))
                drop(GuiErrorCode::WrongToken, "wrong token for this plugin instance", HostingStatus::InvalidArgument);
            else {
                GuiWelcome welcome;
                welcome.session = client.id;
                welcome.sampleRate = static_cast<uint32_t>(info_.sampleRate);
                welcome.frames = static_cast<uint32_t>(info_.frames);
                welcome.parameterCount = static_cast<uint32_t>(path_->parameters().size());
                welcome.portCount = static_cast<uint32_t>(info_.portCount);
                welcome.displayRateMilliHz = static_cast<uint32_t>(std::lround(options_.displayRateHz * 1000.0));
                sends.push_back({client.connection, client.id, encodeGuiWelcome(client.sequence++, welcome)});
                client.awaitedSequence = client.sequence++;
                sends.push_back({client.connection, client.id,
                                 encodeGuiEmpty(GuiMessageType::Initialize, client.id, client.awaitedSequence)});
                client.state = ClientState::AwaitingInitializeAck;
                client.deadline = now + options_.ackDeadline;
            }
        } else if (message.header.session != client.id) {
            drop(GuiErrorCode::Malformed,
                 "message for session " + std::to_string(message.header.session) + " on session " +
                     std::to_string(client.id),
                 HostingStatus::ProtocolError);
        } else {
            switch (message.header.type) {
            case GuiMessageType::InitializeAck:
                if (client.state != ClientState::AwaitingInitializeAck ||
                    message.header.sequence != client.awaitedSequence) {
                    drop(GuiErrorCode::NotAllowedNow, "an initialize-ack that answers nothing",
                         HostingStatus::ProtocolError);
                } else {
                    client.state = ClientState::Ready;
                    client.pingOutstanding = false;
                    client.nextPing = now + options_.pingInterval;
                    sends.push_back({client.connection, client.id, snapshotLocked(client)});
                }
                break;
            case GuiMessageType::Pong:
                if (client.state != ClientState::Ready || !client.pingOutstanding ||
                    message.header.sequence != client.awaitedSequence)
                    drop(GuiErrorCode::NotAllowedNow, "a pong that answers no ping", HostingStatus::ProtocolError);
                else
                    client.pingOutstanding = false;
                break;
            case GuiMessageType::CleanupAck:
                if (client.state != ClientState::AwaitingCleanupAck ||
                    message.header.sequence != client.awaitedSequence) {
                    drop(GuiErrorCode::NotAllowedNow, "a cleanup-ack that answers nothing",
                         HostingStatus::ProtocolError);
                } else {
                    drops.push_back({client.connection, "cleanup acknowledged"});
                    clients_.erase(it);
                }
                break;
            case GuiMessageType::Events:
                if (client.state != ClientState::Ready)
                    drop(GuiErrorCode::NotAllowedNow, "events before initialize was acknowledged",
                         HostingStatus::ProtocolError);
                else
                    result = handleEventsLocked(client, message, &why);
                break;
            case GuiMessageType::Error:
                drop(GuiErrorCode::Closing,
                     "the client reported an error: " + std::string(message.errorText.substr(0, 200)),
                     HostingStatus::ProtocolError);
                break;
            default:
                drop(GuiErrorCode::NotAllowedNow, std::string("unexpected ") + guiMessageTypeName(message.header.type),
                     HostingStatus::ProtocolError);
                break;
            }
        }
    }
    flush(sends, drops);
    return result;
}

void GuiSessions::tick() {
    // 0. Polled transports hand over what their clients wrote (no lock held: they call receive()).
    std::vector<std::pair<uint32_t, std::shared_ptr<GuiConnection>>> polled;
    {
        std::lock_guard<std::mutex> guard{lock_};
        polled.reserve(clients_.size());
        for (const auto& entry : clients_)
            polled.emplace_back(entry.first, entry.second.connection);
    }
    for (auto& entry : polled)
        entry.second->poll(*this, entry.first);
    polled.clear();

    std::lock_guard<std::mutex> sendGuard{sendLock_};
    std::vector<Outgoing> sends;
    std::vector<Drop> drops;
    {
        std::lock_guard<std::mutex> guard{lock_};
        const auto now = Clock::now();
        // 1. Deadlines and pings.
        for (auto it = clients_.begin(); it != clients_.end();) {
            Client& client = it->second;
            auto current = it++;
            const bool late = now > client.deadline;
            switch (client.state) {
            case ClientState::AwaitingHello:
                if (late)
                    dropLocked(current, GuiErrorCode::DeadlineMissed,
                               "no hello within " + std::to_string(options_.helloDeadline.count()) + " ms", &sends,
                               &drops);
                break;
            case ClientState::AwaitingInitializeAck:
                if (late)
                    dropLocked(current, GuiErrorCode::DeadlineMissed,
                               "no initialize-ack within " + std::to_string(options_.ackDeadline.count()) + " ms",
                               &sends, &drops);
                break;
            case ClientState::AwaitingCleanupAck:
                if (late)
                    dropLocked(current, GuiErrorCode::DeadlineMissed,
                               "no cleanup-ack within " + std::to_string(options_.ackDeadline.count()) + " ms", &sends,
                               &drops);
                break;
            case ClientState::Ready:
                if (client.pingOutstanding && late) {
                    dropLocked(current, GuiErrorCode::DeadlineMissed,
                               "no pong within " + std::to_string(options_.ackDeadline.count()) + " ms", &sends,
                               &drops);
                } else if (!client.pingOutstanding && now >= client.nextPing) {
                    client.pingOutstanding = true;
                    client.awaitedSequence = client.sequence++;
                    client.deadline = now + options_.ackDeadline;
                    client.nextPing = now + options_.pingInterval;
                    sends.push_back(
                        {client.connection, client.id, encodeGuiEmpty(GuiMessageType::Ping, client.id, client.awaitedSequence)});
                }
                break;
            }
        }
        // 2. What the audio thread published since the last tick.
        std::vector<uint32_t> words;
        GuiOutboundEvent event;
        while (words.size() < kGuiMaxPayloadSize / 4 - 4 && path_->popOutput(&event))
            words.insert(words.end(), event.words, event.words + event.wordCount);
        uint64_t lost = 0;
        const bool resync = path_->takeResync(&lost);
        std::vector<GuiParameterValue> changes;
        const auto& parameters = path_->parameters();
        for (size_t i = 0; i < parameters.size(); i++) {
            uint64_t generation = 0;
            const double value = path_->parameterValue(i, &generation);
            if (generation != sentGenerations_[i]) {
                sentGenerations_[i] = generation;
                changes.push_back(GuiParameterValue{parameters[i].id, value});
            }
        }
        std::vector<GuiLevel> levels;
        for (size_t slot = 0; slot < path_->levelPorts().size(); slot++)
            levels.push_back(GuiLevel{path_->levelPorts()[slot], path_->takePeak(slot)});
        // 3. Every ready client gets it.
        for (auto& entry : clients_) {
            Client& client = entry.second;
            if (client.state != ClientState::Ready)
                continue;
            if (resync || client.needsResync) {
                client.needsResync = false;
                client.resyncs++;
                sends.push_back({client.connection, client.id, encodeGuiResync(client.id, client.sequence++, lost)});
                sends.push_back({client.connection, client.id, snapshotLocked(client)});
            }
            if (!words.empty())
                sends.push_back(
                    {client.connection, client.id, encodeGuiEvents(client.id, client.sequence++, words.data(), words.size())});
            if (!changes.empty())
                sends.push_back({client.connection, client.id,
                                 encodeGuiParameterValues(client.id, client.sequence++, false, changes.data(),
                                                          changes.size())});
            if (!levels.empty())
                sends.push_back(
                    {client.connection, client.id, encodeGuiLevels(client.id, client.sequence++, levels.data(), levels.size())});
        }
        for (const Outgoing& out : sends) {
            auto it = clients_.find(out.client);
            if (it != clients_.end())
                it->second.messagesSent++;
        }
    }
    flush(sends, drops);
}

size_t GuiSessions::resync() {
    std::lock_guard<std::mutex> guard{lock_};
    size_t count = 0;
    for (auto& entry : clients_)
        if (entry.second.state == ClientState::Ready) {
            entry.second.needsResync = true;
            count++;
        }
    return count;
}

std::vector<GuiSessions::ClientInfo> GuiSessions::clients() const {
    std::lock_guard<std::mutex> guard{lock_};
    std::vector<ClientInfo> out;
    for (const auto& entry : clients_) {
        ClientInfo info;
        info.id = entry.second.id;
        info.state = entry.second.state;
        info.eventsReceived = entry.second.eventsReceived;
        info.messagesSent = entry.second.messagesSent;
        info.resyncs = entry.second.resyncs;
        out.push_back(info);
    }
    return out;
}

size_t GuiSessions::clientCount() const {
    std::lock_guard<std::mutex> guard{lock_};
    return clients_.size();
}

std::string GuiSessions::lastDropReason() const {
    std::lock_guard<std::mutex> guard{lock_};
    return lastDropReason_;
}

} // namespace aap
