#pragma once
// aap::GuiSessions: the GUI clients of one plugin instance (docs/gui.md, "Sessions").
//
//     auto path = hostedPlugin->guiPath();                // the instance's GuiPath
//     std::unique_ptr<aap::GuiSessions> sessions;
//     aap::GuiSessions::create(path, {sampleRate, frames}, {}, &sessions, &error);
//     std::cout << "token " << sessions->tokenHex() << "\n";   // give it to the GUI out of band
//     sessions->start();                                  // the display-rate thread
//     // a transport (WebSocket server, socket, shared memory) per connection:
//     uint32_t id = sessions->attach(std::make_shared<MyConnection>(...));
//     sessions->receive(id, bytes, size);                  // every message the client sent
//     sessions->detach(id);                                // the connection closed
//
// Transport-neutral: a transport implements GuiConnection (send one whole message, close) and
// hands every message it receives to receive(); GuiSessions speaks the message set of
// aap/hosting/gui-protocol.h on it. A client's life:
//   attached  --Hello (right version + this instance's token) within helloDeadline--> Welcome,
//             Initialize sent  --InitializeAck within ackDeadline-->  ready
//   ready: receives the DSP -> GUI stream at display rate (Events, ParameterValues, Levels,
//          Resync + snapshot), may send Events (to the plugin), is pinged every pingInterval and
//          must Pong within ackDeadline
//   cleanup(id) or stop(): Cleanup sent, CleanupAck within ackDeadline, then closed.
// A wrong token, a malformed message, a message not allowed in the current state or a missed
// deadline drops the client: an Error message says why, then GuiConnection::close(reason).
// Dropping touches only GuiSessions' own state (never the audio thread).
//
// Tokens: kGuiTokenSize (32) random bytes from getrandom() per GuiSessions (per instance),
// compared in constant time; never derived from an address.
//
// Threads: every public function is [thread-safe] except create; none may be called on the
// audio thread. GuiConnection::send and close are called from receive() (the caller's thread)
// and from the display thread, one at a time (sends are serialized, so each connection gets its
// messages in order), never with the client table's lock held: close() may call detach() (and
// the read-only accessors), but send() and close() must not call receive(), cleanup(), tick() or
// stop().

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aap/hosting/gui-path.h"
#include "aap/hosting/gui-protocol.h"
#include "aap/hosting/status.h"

namespace aap {

class GuiSessions;

class GuiConnection {
public:
    virtual ~GuiConnection() = default;
    // Sends one whole message. Must not block for long; returns false when it cannot take the
    // message now (the client then gets a Resync and snapshot on a later tick).
    virtual bool send(const uint8_t* data, size_t size) = 0;
    // The session is over (`reason` says why); close the connection. Called once.
    virtual void close(const std::string& reason) = 0;
    // A transport that is polled rather than pushing (shared memory, aap/hosting/gui-shm-transport.h):
    // called at the start of every tick on the thread that ticks, with no lock of `sessions`
    // held, to hand what the client wrote since to sessions.receive(client, ...) (or drop it with
    // sessions.drop). Default: nothing (the transport calls receive() on its own threads).
    virtual void poll(GuiSessions& sessions, uint32_t client) {
        (void)sessions;
        (void)client;
    }
};

struct GuiSessionOptions {
    double displayRateHz = 60.0;                       // 1..1000
    std::chrono::milliseconds helloDeadline{2000};     // attach -> Hello
    std::chrono::milliseconds ackDeadline{500};        // Initialize/Cleanup/Ping -> their answer
    std::chrono::milliseconds pingInterval{1000};      // ready clients are pinged this often
    size_t maxClients = 64;
    // GUI -> DSP events accepted per client per second (0: unbounded); more are refused with an
    // Error (the client stays).
    size_t maxEventsPerSecond = 20000;
};

struct GuiInstanceInfo {
    int32_t sampleRate = 48000;
    int32_t frames = 256;
    int32_t portCount = 0;
};

class GuiSessions {
public:
    enum class ClientState { AwaitingHello, AwaitingInitializeAck, Ready, AwaitingCleanupAck };
    struct ClientInfo {
        uint32_t id = 0;
        ClientState state = ClientState::AwaitingHello;
        uint64_t eventsReceived = 0;
        uint64_t messagesSent = 0;
        uint64_t resyncs = 0;
    };

    // [main-thread] Errors: InvalidArgument (null path, options out of range; *error says which),
    // ResourceFailed (getrandom failed).
    static HostingStatus create(std::shared_ptr<GuiPath> path, GuiInstanceInfo info, GuiSessionOptions options,
                                std::unique_ptr<GuiSessions>* out, std::string* error = nullptr);
    ~GuiSessions();  // stop()
    GuiSessions(const GuiSessions&) = delete;
    GuiSessions& operator=(const GuiSessions&) = delete;

    const std::array<uint8_t, kGuiTokenSize>& token() const noexcept { return token_; }
    std::string tokenHex() const;
    // Constant-time comparison with this instance's token (false for any other size).
    bool checkToken(const uint8_t* token, size_t size) const noexcept;
    bool checkTokenHex(const std::string& hex) const noexcept;

    // Starts / stops the display-rate thread. stop() first sends Cleanup to every ready client and
    // waits up to ackDeadline for their acknowledgements, then closes every connection.
    HostingStatus start();
    void stop();

    // A new connection: its session id (> 0), or 0 (the connection is closed with
    // TooManyClients) when maxClients are attached.
    uint32_t attach(std::shared_ptr<GuiConnection> connection);
    // One whole message the client sent. Ok when it was taken; otherwise the client was dropped
    // (or the message refused: rate limit) and *error says why.
    HostingStatus receive(uint32_t client, const uint8_t* data, size_t size, std::string* error = nullptr);
    // The transport lost the connection: forget the client (close() is not called).
    void detach(uint32_t client);
    // Host-initiated end of one client's session: Cleanup, then close on CleanupAck or deadline.
    HostingStatus cleanup(uint32_t client);
    // The transport found the client's input unusable (e.g. a corrupt shared-memory ring): drop
    // it as a malformed message would (Error, then close(reason)), counted in dropped(). NotFound
    // when it is not attached. Must not be called from send() or close().
    HostingStatus drop(uint32_t client, const std::string& reason);

    // Every ready client gets a Resync and a full parameter snapshot at the next tick: for a host
    // that changed many values at once behind the stream's back (a preset, a state load), once the
    // new values are in the path. Returns how many clients will get it.
    size_t resync();

    // One display tick now: poll the polled transports (GuiConnection::poll), then serve the
    // DSP -> GUI stream, pings, deadlines. The display thread calls it at displayRateHz; tools
    // driving their own loop (and tests) may call it instead.
    void tick();

    std::vector<ClientInfo> clients() const;
    size_t clientCount() const;
    // Clients dropped so far, and the reason of the last drop.
    uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
    std::string lastDropReason() const;

    GuiPath& path() noexcept { return *path_; }
    const GuiSessionOptions& options() const noexcept { return options_; }

private:
    using Clock = std::chrono::steady_clock;
    struct Client {
        uint32_t id = 0;
        std::shared_ptr<GuiConnection> connection;
        ClientState state = ClientState::AwaitingHello;
        Clock::time_point deadline;          // for the awaited answer
        uint32_t awaitedSequence = 0;
        bool pingOutstanding = false;
        Clock::time_point nextPing;
        uint32_t sequence = 0;               // our next outgoing sequence
        bool needsResync = false;
        bool needsSnapshot = false;
        uint64_t eventsReceived = 0;
        uint64_t messagesSent = 0;
        uint64_t resyncs = 0;
        Clock::time_point rateWindow;
        size_t rateCount = 0;
    };
    struct Outgoing {
        std::shared_ptr<GuiConnection> connection;
        uint32_t client = 0;
        std::vector<uint8_t> bytes;
    };
    struct Drop {
        std::shared_ptr<GuiConnection> connection;
        std::string reason;
    };

    GuiSessions(std::shared_ptr<GuiPath> path, GuiInstanceInfo info, GuiSessionOptions options);
    void run();
    // With lock_ held: forget `client`, queue its Error + close.
    void dropLocked(std::map<uint32_t, Client>::iterator it, GuiErrorCode code, const std::string& reason,
                    std::vector<Outgoing>* sends, std::vector<Drop>* drops);
    void flush(std::vector<Outgoing>& sends, std::vector<Drop>& drops);
    std::vector<uint8_t> snapshotLocked(Client& client);
    HostingStatus handleEventsLocked(Client& client, const GuiMessage& message, std::string* why);

    std::shared_ptr<GuiPath> path_;
    GuiInstanceInfo info_;
    GuiSessionOptions options_;
    std::array<uint8_t, kGuiTokenSize> token_{};

    std::mutex sendLock_;  // held while building and sending: keeps each connection's order
    mutable std::mutex lock_;
    std::map<uint32_t, Client> clients_;
    uint32_t nextId_ = 1;
    std::vector<uint64_t> sentGenerations_;  // per parameter: what the stream last carried
    std::string lastDropReason_;
    std::atomic<uint64_t> dropped_{0};

    std::mutex runLock_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// Fills `out` with `size` random bytes from getrandom() (retrying on EINTR). False on failure.
bool guiRandomBytes(uint8_t* out, size_t size) noexcept;

} // namespace aap
