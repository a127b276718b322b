#pragma once
// aap::web_gui::WebGuiServer: the HTTP + WebSocket server of `aap-host gui` (docs/gui.md, "Web
// UIs"), on civetweb (Debian's libcivetweb-dev): no HTTP or WebSocket code of our own.
//
// What it enforces, for every request, before anything is served:
//   - it listens on 127.0.0.1 only (unless told otherwise), on an ephemeral port by default;
//   - Host must name this server (127.0.0.1 or localhost, with this port or none): no DNS rebinding;
//   - Origin, when present, must be this server's own origin;
//   - the token must be in the path (/t/TOKEN/...) or the query (?token=TOKEN), compared in
//     constant time: otherwise 403, for files and for the WebSocket alike (no upgrade happens);
//   - only GET and HEAD;
//   - files come only from the web UI folder: a path with a '..' or '.' segment, a backslash, a
//     NUL, or one whose real path (symbolic links resolved) leaves the folder, or that is not a
//     regular file, is 404.
// WebSocket clients: at most maxClients at once; a frame larger than maxMessageBytes, a
// fragmented frame, or more than maxMessagesPerSecond (a token bucket with burst) drops that
// client (close code 1009 or 1008). Binary and text frames go to the Handler, which may drop the
// client too (a malformed message).
//
// Threads: start()/stop() are [main-thread]; Handler calls come from civetweb's worker threads
// (one per connection, so several at once); send(), broadcast(), drop() and clientCount() are
// [thread-safe] (never from the audio thread: they take a mutex and write to sockets).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace aap::web_gui {

struct WebGuiServerOptions {
    std::string bindAddress = "127.0.0.1";
    int port = 0;                 // 0: an ephemeral port (port() tells which)
    std::string token;            // required, 32..128 hex characters
    std::string webRoot;          // the plugin's web UI folder; "" serves the generated UI
    std::string interopScript;    // served as aap-interop.js (the plugin information + AAPInterop)
    std::string generatedPage;    // served as index.html when webRoot is ""
    size_t maxMessageBytes = 64 * 1024;
    uint32_t maxMessagesPerSecond = 2000;
    uint32_t messageBurst = 500;
    int maxClients = 8;
    int threads = 12;             // civetweb workers: one per open WebSocket, plus files
};

class WebGuiServer {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        // A WebSocket client is connected (its id is new, never reused).
        virtual void clientOpened(uint32_t client) = 0;
        // One whole binary or text frame. Return false to drop the client (after `reason`, which
        // the server logs and puts in the close frame).
        virtual bool clientMessage(uint32_t client, bool binary, const uint8_t* data, size_t size,
                                   std::string* reason) = 0;
        virtual void clientClosed(uint32_t client) = 0;
        // A request was refused (403/404/405) or a client dropped: one line, for --trace.
        virtual void refused(const std::string& what) = 0;
    };

    WebGuiServer() = default;
    ~WebGuiServer();
    WebGuiServer(const WebGuiServer&) = delete;
    WebGuiServer& operator=(const WebGuiServer&) = delete;

    // Starts listening. False with *error saying why (bad token, folder, port in use...).
    bool start(const WebGuiServerOptions& options, Handler* handler, std::string* error);
    void stop() noexcept;
    int port() const noexcept { return port_; }
    // "http://127.0.0.1:PORT/?token=TOKEN"
    std::string url() const;

    bool send(uint32_t client, bool binary, const void* data, size_t size) noexcept;
    void broadcast(bool binary, const void* data, size_t size) noexcept;
    // Sends a close frame (code, reason); the connection ends when the client answers or times out.
    void drop(uint32_t client, uint16_t code, const std::string& reason) noexcept;
    size_t clientCount() const noexcept;

    // ---- civetweb callbacks (public for the C trampolines only) ----
    int onBeginRequest(mg_connection* connection);
    int onWebSocketConnect(const mg_connection* connection);
    void onWebSocketReady(mg_connection* connection);
    int onWebSocketData(mg_connection* connection, int flags, char* data, size_t size);
    void onWebSocketClose(const mg_connection* connection);

private:
    struct Client {
        uint32_t id = 0;
        mg_connection* connection = nullptr;
        double tokens = 0;
        int64_t lastRefillNs = 0;
    };
    bool tokenMatches(const char* candidate, size_t length) const noexcept;
    // The token of the request (path or query), and the path after /t/TOKEN/ ("" for the root).
    bool authorize(const mg_connection* connection, std::string* rest, bool* tokenInPath) const;
    bool hostAllowed(const char* host) const;
    bool originAllowed(const char* origin) const;
    void refuse(mg_connection* connection, int status, const std::string& why);
    void serveFile(mg_connection* connection, const std::string& relative);
    void serveText(mg_connection* connection, const std::string& text, const char* mime);
    void closeWith(mg_connection* connection, uint16_t code, const std::string& reason) noexcept;

    WebGuiServerOptions options_;
    Handler* handler_ = nullptr;
    mg_context* context_ = nullptr;
    int port_ = 0;
    std::string root_;  // canonical web root, "" for the generated UI
    std::string securityHeaders_;
    mutable std::mutex mutex_;
    std::map<const mg_connection*, Client> clients_;
    uint32_t nextClient_ = 1;
    std::atomic<int> pendingUpgrades_{0};
};

} // namespace aap::web_gui
