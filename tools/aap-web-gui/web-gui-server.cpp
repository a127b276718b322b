// The web GUI server on civetweb. See web-gui-server.h for what it enforces.

#include "web-gui-server.h"

#include <civetweb.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace aap::web_gui {

namespace {

int64_t nowNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool isHex(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool equalsIgnoringCase(const char* a, const char* b) {
    if (a == nullptr || b == nullptr)
        return false;
    for (; *a != 0 && *b != 0; a++, b++)
        if (std::tolower(static_cast<unsigned char>(*a)) != std::tolower(static_cast<unsigned char>(*b)))
            return false;
    return *a == 0 && *b == 0;
}

WebGuiServer* serverOf(const mg_connection* connection) {
    return static_cast<WebGuiServer*>(mg_get_user_data(mg_get_context(connection)));
}

extern "C" int beginRequestTrampoline(mg_connection* connection) {
    return serverOf(connection)->onBeginRequest(connection);
}
extern "C" int logMessageTrampoline(const mg_connection*, const char*) {
    return 1;  // civetweb's own log lines stay quiet; refusals are reported through the Handler
}
extern "C" int connectTrampoline(const mg_connection* connection, void* user) {
    return static_cast<WebGuiServer*>(user)->onWebSocketConnect(connection);
}
extern "C" void readyTrampoline(mg_connection* connection, void* user) {
    static_cast<WebGuiServer*>(user)->onWebSocketReady(connection);
}
extern "C" int dataTrampoline(mg_connection* connection, int flags, char* data, size_t size, void* user) {
    return static_cast<WebGuiServer*>(user)->onWebSocketData(connection, flags, data, size);
}
extern "C" void closeTrampoline(const mg_connection* connection, void* user) {
    static_cast<WebGuiServer*>(user)->onWebSocketClose(connection);
}

} // namespace

WebGuiServer::~WebGuiServer() { stop(); }

bool WebGuiServer::start(const WebGuiServerOptions& options, Handler* handler, std::string* error) {
    if (context_ != nullptr) {
        *error = "the server is already running";
        return false;
    }
    if (options.token.size() < 32 || options.token.size() > 128 || !isHex(options.token)) {
        *error = "the token must be 32..128 hexadecimal characters";
        return false;
    }
    if (handler == nullptr) {
        *error = "no handler";
        return false;
    }
    root_.clear();
    if (!options.webRoot.empty()) {
        char resolved[PATH_MAX];
        struct stat status {};
        if (::realpath(options.webRoot.c_str(), resolved) == nullptr || ::stat(resolved, &status) != 0 ||
            !S_ISDIR(status.st_mode)) {
            *error = "the web UI folder " + options.webRoot + " is not a readable folder";
            return false;
        }
        root_ = resolved;
    }
    options_ = options;
    handler_ = handler;
    static const unsigned features = mg_init_library(MG_FEATURES_WEBSOCKET);
    if ((features & MG_FEATURES_WEBSOCKET) == 0) {
        *error = "this civetweb was built without WebSocket support";
        return false;
    }
    const std::string ports = options.bindAddress + ":" + std::to_string(options.port);
    const std::string threads = std::to_string(std::max(2, options.threads));
    const char* civetOptions[] = {"listening_ports", ports.c_str(),
                                  "num_threads", threads.c_str(),
                                  "request_timeout_ms", "10000",
                                  "websocket_timeout_ms", "30000",
                                  "enable_websocket_ping_pong", "yes",
                                  "enable_directory_listing", "no",
                                  nullptr};
    mg_callbacks callbacks{};
    callbacks.begin_request = beginRequestTrampoline;
    callbacks.log_message = logMessageTrampoline;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = this;
    init.configuration_options = civetOptions;
    mg_error_data startError{};
    char errorText[256] = {};
    startError.text = errorText;
    startError.text_buffer_size = sizeof(errorText);
    context_ = mg_start2(&init, &startError);
    if (context_ == nullptr) {
        *error = std::string("cannot listen on ") + ports + ": " + (errorText[0] ? errorText : "civetweb failed to start");
        return false;
    }
    mg_server_port listening[4] = {};
    const int count = mg_get_server_ports(context_, 4, listening);
    port_ = count > 0 ? listening[0].port : 0;
    if (port_ <= 0) {
        stop();
        *error = "civetweb did not report its port";
        return false;
    }
    const std::string self = std::to_string(port_);
    securityHeaders_ = "X-Content-Type-Options: nosniff\r\n"
                       "X-Frame-Options: DENY\r\n"
                       "Referrer-Policy: no-referrer\r\n"
                       "Cache-Control: no-store\r\n"
                       "Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline'; "
                       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:" +
                       self + " ws://localhost:" + self + "\r\n";
    const std::string inPath = "/t/" + options_.token + "/ws";
    mg_set_websocket_handler(context_, inPath.c_str(), connectTrampoline, readyTrampoline, dataTrampoline,
                             closeTrampoline, this);
    mg_set_websocket_handler(context_, "/ws", connectTrampoline, readyTrampoline, dataTrampoline, closeTrampoline,
                             this);
    return true;
}

void WebGuiServer::stop() noexcept {
    if (context_ != nullptr) {
        mg_stop(context_);  // closes every connection (close handlers run) and joins the workers
        context_ = nullptr;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    clients_.clear();
}

std::string WebGuiServer::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/?token=" + options_.token;
}

bool WebGuiServer::tokenMatches(const char* candidate, size_t length) const noexcept {
    const std::string& token = options_.token;
    if (length != token.size())
        return false;
    unsigned char difference = 0;
    for (size_t i = 0; i < length; i++)
        difference |= static_cast<unsigned char>(candidate[i] ^ token[i]);
    return difference == 0;
}

bool WebGuiServer::authorize(const mg_connection* connection, std::string* rest, bool* tokenInPath) const {
    const mg_request_info* request = mg_get_request_info(connection);
    const char* path = request->local_uri_raw != nullptr ? request->local_uri_raw : request->local_uri;
    if (path == nullptr || path[0] != '/')
        return false;
    const std::string uri(path);
    *tokenInPath = false;
    if (uri.compare(0, 3, "/t/") == 0) {
        const size_t end = uri.find('/', 3);
        const std::string candidate = uri.substr(3, end == std::string::npos ? std::string::npos : end - 3);
        if (!tokenMatches(candidate.data(), candidate.size()))
            return false;
        *tokenInPath = true;
        *rest = end == std::string::npos ? std::string() : uri.substr(end + 1);
        return true;
    }
    const char* query = request->query_string;
    if (query == nullptr)
        return false;
    char candidate[160] = {};
    const int length = mg_get_var(query, std::strlen(query), "token", candidate, sizeof(candidate));
    if (length <= 0 || !tokenMatches(candidate, static_cast<size_t>(length)))
        return false;
    *rest = uri.substr(1);
    return true;
}

bool WebGuiServer::hostAllowed(const char* host) const {
    if (host == nullptr)
        return false;
    const std::string port = std::to_string(port_);
    const std::string value(host);
    // Without a port too: some clients (civetweb's own) leave it out. A rebinding page's requests
    // carry its own host name, never these.
    return value == "127.0.0.1:" + port || value == "localhost:" + port || value == "127.0.0.1" || value == "localhost" ||
           (options_.bindAddress != "127.0.0.1" && value == options_.bindAddress + ":" + port);
}

bool WebGuiServer::originAllowed(const char* origin) const {
    const std::string port = std::to_string(port_);
    const std::string value(origin);
    return value == "http://127.0.0.1:" + port || value == "http://localhost:" + port ||
           (options_.bindAddress != "127.0.0.1" && value == "http://" + options_.bindAddress + ":" + port);
}

void WebGuiServer::refuse(mg_connection* connection, int status, const std::string& why) {
    const mg_request_info* request = mg_get_request_info(connection);
    const std::string body = why + "\n";
    if (equalsIgnoringCase(mg_get_header(connection, "Upgrade"), "websocket")) {
        // civetweb 1.15 sends no status line for a request that asked for a WebSocket upgrade
        // (its response functions treat the connection as a WebSocket already), so the refusal
        // is the one response written here: a status line, two headers, the reason.
        mg_printf(connection, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", status,
                  mg_get_response_code_text(connection, status), body.size(), body.c_str());
        handler_->refused(std::to_string(status) + " WebSocket " + (request->local_uri_raw ? request->local_uri_raw : "?") +
                          ": " + why);
        return;
    }
    mg_response_header_start(connection, status);
    mg_response_header_add(connection, "Content-Type", "text/plain; charset=utf-8", -1);
    mg_response_header_add(connection, "Content-Length", std::to_string(body.size()).c_str(), -1);
    mg_response_header_add(connection, "Connection", "close", -1);
    mg_response_header_add_lines(connection, securityHeaders_.c_str());
    mg_response_header_send(connection);
    if (!equalsIgnoringCase(request->request_method, "HEAD"))
        mg_write(connection, body.data(), body.size());
    handler_->refused(std::to_string(status) + " " + (request->request_method ? request->request_method : "?") + " " +
                      (request->local_uri_raw ? request->local_uri_raw : "?") + ": " + why);
}

int WebGuiServer::onBeginRequest(mg_connection* connection) {
    const mg_request_info* request = mg_get_request_info(connection);
    if (!hostAllowed(mg_get_header(connection, "Host"))) {
        refuse(connection, 403, "the Host header does not name this server");
        return 403;
    }
    const char* origin = mg_get_header(connection, "Origin");
    if (origin != nullptr && !originAllowed(origin)) {
        refuse(connection, 403, "requests from another origin are refused");
        return 403;
    }
    const bool head = equalsIgnoringCase(request->request_method, "HEAD");
    if (!head && !equalsIgnoringCase(request->request_method, "GET")) {
        refuse(connection, 405, "only GET and HEAD");
        return 405;
    }
    std::string rest;
    bool tokenInPath = false;
    if (!authorize(connection, &rest, &tokenInPath)) {
        refuse(connection, 403, "a valid token is required");
        return 403;
    }
    if (equalsIgnoringCase(mg_get_header(connection, "Upgrade"), "websocket")) {
        if (rest == "ws")
            return 0;  // civetweb upgrades it and calls the WebSocket handlers
        refuse(connection, 404, "no WebSocket here");
        return 404;
    }
    if (rest.empty() && !tokenInPath) {
        // The page's relative URLs (assets, the WebSocket) then carry the token in their path.
        const std::string target = "/t/" + options_.token + "/";
        mg_send_http_redirect(connection, target.c_str(), 302);
        return 302;
    }
    if (rest.empty() || rest == "index.html") {
        if (root_.empty()) {
            serveText(connection, options_.generatedPage, "text/html; charset=utf-8");
            return 200;
        }
        serveFile(connection, "index.html");
        return 200;
    }
    if (rest == "aap-interop.js") {
        serveText(connection, options_.interopScript, "text/javascript; charset=utf-8");
        return 200;
    }
    if (root_.empty()) {
        refuse(connection, 404, "not found");
        return 404;
    }
    serveFile(connection, rest);
    return 200;
}

void WebGuiServer::serveText(mg_connection* connection, const std::string& text, const char* mime) {
    const mg_request_info* request = mg_get_request_info(connection);
    mg_response_header_start(connection, 200);
    mg_response_header_add(connection, "Content-Type", mime, -1);
    mg_response_header_add(connection, "Content-Length", std::to_string(text.size()).c_str(), -1);
    mg_response_header_add_lines(connection, securityHeaders_.c_str());
    mg_response_header_send(connection);
    if (!equalsIgnoringCase(request->request_method, "HEAD"))
        mg_write(connection, text.data(), text.size());
}

void WebGuiServer::serveFile(mg_connection* connection, const std::string& relative) {
    // Segment by segment: no '.', '..', empty segment, backslash or NUL.
    bool bad = relative.empty() || relative.find('\\') != std::string::npos || relative.find('\0') != std::string::npos;
    for (size_t start = 0; !bad && start <= relative.size();) {
        const size_t end = std::min(relative.find('/', start), relative.size());
        const std::string segment = relative.substr(start, end - start);
        bad = segment.empty() || segment == "." || segment == "..";
        start = end + 1;
    }
    char resolved[PATH_MAX];
    struct stat status {};
    if (bad || ::realpath((root_ + "/" + relative).c_str(), resolved) == nullptr ||
        std::strncmp(resolved, (root_ + "/").c_str(), root_.size() + 1) != 0 || ::stat(resolved, &status) != 0 ||
        !S_ISREG(status.st_mode)) {
        refuse(connection, 404, "not found");
        return;
    }
    mg_send_mime_file2(connection, resolved, nullptr, securityHeaders_.c_str());
}

int WebGuiServer::onWebSocketConnect(const mg_connection* connection) {
    std::string rest;
    bool inPath = false;
    if (!authorize(connection, &rest, &inPath))
        return 1;  // begin_request refused it already; never upgrade without the token
    std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int>(clients_.size()) + pendingUpgrades_.load() >= options_.maxClients) {
        handler_->refused("WebSocket refused: already " + std::to_string(options_.maxClients) + " clients");
        return 1;
    }
    pendingUpgrades_++;
    return 0;
}

void WebGuiServer::onWebSocketReady(mg_connection* connection) {
    uint32_t id = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pendingUpgrades_--;
        Client client;
        client.id = id = nextClient_++;
        client.connection = connection;
        client.tokens = options_.messageBurst;
        client.lastRefillNs = nowNs();
        clients_[connection] = client;
    }
    handler_->clientOpened(id);
}

void WebGuiServer::closeWith(mg_connection* connection, uint16_t code, const std::string& reason) noexcept {
    char payload[125];
    payload[0] = static_cast<char>(code >> 8);
    payload[1] = static_cast<char>(code & 0xFF);
    const size_t length = std::min<size_t>(reason.size(), sizeof(payload) - 2);
    std::memcpy(payload + 2, reason.data(), length);
    mg_lock_connection(connection);
    mg_websocket_write(connection, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, payload, length + 2);
    mg_unlock_connection(connection);
}

int WebGuiServer::onWebSocketData(mg_connection* connection, int flags, char* data, size_t size) {
    const int opcode = flags & 0x0F;
    if (opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE)
        return 0;
    if (opcode == MG_WEBSOCKET_OPCODE_PING || opcode == MG_WEBSOCKET_OPCODE_PONG)
        return 1;
    uint32_t id = 0;
    uint16_t code = 0;
    std::string reason;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = clients_.find(connection);
        if (found == clients_.end())
            return 0;
        Client& client = found->second;
        id = client.id;
        const int64_t now = nowNs();
        client.tokens = std::min<double>(options_.messageBurst,
                                         client.tokens + 1e-9 * static_cast<double>(now - client.lastRefillNs) *
                                                             options_.maxMessagesPerSecond);
        client.lastRefillNs = now;
        if ((flags & 0x80) == 0 || opcode == MG_WEBSOCKET_OPCODE_CONTINUATION) {
            code = 1003;
            reason = "fragmented messages are not accepted";
        } else if (size > options_.maxMessageBytes) {
            code = 1009;
            reason = "message of " + std::to_string(size) + " bytes (at most " +
                     std::to_string(options_.maxMessageBytes) + ")";
        } else if (client.tokens < 1.0) {
            code = 1008;
            reason = "more than " + std::to_string(options_.maxMessagesPerSecond) + " messages per second";
        } else {
            client.tokens -= 1.0;
        }
    }
    if (code == 0 && opcode != MG_WEBSOCKET_OPCODE_BINARY && opcode != MG_WEBSOCKET_OPCODE_TEXT) {
        code = 1003;
        reason = "unknown WebSocket opcode " + std::to_string(opcode);
    }
    if (code == 0 && !handler_->clientMessage(id, opcode == MG_WEBSOCKET_OPCODE_BINARY,
                                              reinterpret_cast<const uint8_t*>(data), size, &reason))
        code = 1008;
    if (code == 0)
        return 1;
    handler_->refused("client " + std::to_string(id) + " dropped: " + reason);
    closeWith(connection, code, reason);
    return 0;
}

void WebGuiServer::onWebSocketClose(const mg_connection* connection) {
    uint32_t id = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = clients_.find(connection);
        if (found == clients_.end()) {
            return;
        }
        id = found->second.id;
        clients_.erase(found);
    }
    handler_->clientClosed(id);
}

bool WebGuiServer::send(uint32_t client, bool binary, const void* data, size_t size) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [connection, entry] : clients_)
        if (entry.id == client) {
            mg_lock_connection(entry.connection);
            const int written = mg_websocket_write(entry.connection,
                                                   binary ? MG_WEBSOCKET_OPCODE_BINARY : MG_WEBSOCKET_OPCODE_TEXT,
                                                   static_cast<const char*>(data), size);
            mg_unlock_connection(entry.connection);
            return written > 0;
        }
    return false;
}

void WebGuiServer::broadcast(bool binary, const void* data, size_t size) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [connection, entry] : clients_) {
        mg_lock_connection(entry.connection);
        mg_websocket_write(entry.connection, binary ? MG_WEBSOCKET_OPCODE_BINARY : MG_WEBSOCKET_OPCODE_TEXT,
                           static_cast<const char*>(data), size);
        mg_unlock_connection(entry.connection);
    }
}

void WebGuiServer::drop(uint32_t client, uint16_t code, const std::string& reason) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [connection, entry] : clients_)
        if (entry.id == client)
            closeWith(entry.connection, code, reason);
}

size_t WebGuiServer::clientCount() const noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return clients_.size();
}

} // namespace aap::web_gui
