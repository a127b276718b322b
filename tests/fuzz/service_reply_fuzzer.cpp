// libFuzzer target: the host's handling of what a hostile plugin service sends
// (hosting/src/process-transport.cpp, process-transport-instance.cpp, control-socket.cpp), in
// process: ProcessTransport::connect() talks over a SOCK_SEQPACKET socketpair to a fake service
// thread that answers each host request as the input says, and scribbles the shared memory the
// host gave it at prepare (the process block's sequence/status/flags words, the MIDI2 output
// header and data). The host runs a whole lifecycle: handshake, create, add an extension, map a
// URID, prepare, activate, two process() cycles, an extension call, deactivate, destroy. Beyond
// "no crash, no sanitizer report, no hang past the deadlines", it checks that a process() that
// returns Ok leaves a MIDI2 output whose header length fits its buffer in whole UMP words.
//
// Input: records [mode][length: 2 bytes LE][length bytes], one consumed per host request.
// mode 0: a reply with the request's opcode and sequence, status = (int8) first byte, payload = the
//         rest (a well-formed default payload when both are empty);
// mode 1: the bytes as one raw datagram instead of a reply;
// mode 2: first an unsolicited request (opcode = first byte, e.g. 64 host extension, 65 request
//         process; payload = the rest), then a well-formed reply;
// mode 3: write the bytes after a 2-byte offset into the shared memory (the 4096-byte process
//         block followed by the port buffers), then a well-formed reply.
// When the records run out, every request gets a well-formed reply.
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/process-transport.h"
#include "aap/plugin-meta-info.h"
#include "control-socket.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

namespace wire = aap::wire;

struct Record {
    uint8_t mode = 0;
    std::vector<uint8_t> body;
};

class FakeService {
public:
    FakeService(aap::UniqueFd socket, std::vector<Record> records)
        : socket_(std::move(socket)), records_(std::move(records)) {}
    ~FakeService() {
        for (auto& [memory, size] : mappings_)
            ::munmap(memory, size);
    }

    void run() {
        for (;;) {
            aap::ControlMessage message;
            aap::HostingStatus status = aap::receiveControlMessage(socket_.get(), 2'000'000'000, &message);
            if (status != aap::HostingStatus::Ok)
                return;  // the host closed (or sent garbage, which a real service also refuses)
            if (message.header.kind != wire::kKindRequest)
                continue;  // the host's replies to our unsolicited requests
            if (message.header.opcode == wire::kOpPrepare)
                map(message);
            Record record;
            if (next_ < records_.size())
                record = records_[next_++];
            else
                record.mode = 0;
            switch (record.mode & 3u) {
            case 0:
                if (record.body.empty())
                    replyWell(message.header);
                else
                    reply(message.header, static_cast<int8_t>(record.body[0]), record.body.data() + 1,
                          record.body.size() - 1);
                break;
            case 1:
                ::send(socket_.get(), record.body.data(), record.body.size(), MSG_NOSIGNAL);
                break;
            case 2: {
                wire::ControlHeader header{};
                header.kind = wire::kKindRequest;
                header.opcode = record.body.empty() ? wire::kOpRequestProcess : record.body[0];
                header.sequence = 1000 + static_cast<uint32_t>(next_);
                header.instance_id = 1;
                const size_t size = record.body.empty() ? 0 : record.body.size() - 1;
                aap::sendControlMessage(socket_.get(), header, size ? record.body.data() + 1 : nullptr,
                                        static_cast<uint32_t>(size), nullptr, 0);
                replyWell(message.header);
                break;
            }
            case 3:
                scribble(record.body);
                replyWell(message.header);
                break;
            }
        }
    }

private:
    void reply(const wire::ControlHeader& request, int32_t status, const void* payload, size_t size) {
        wire::ControlHeader header{};
        header.kind = wire::kKindReply;
        header.opcode = request.opcode;
        header.sequence = request.sequence;
        header.instance_id = request.opcode == wire::kOpCreateInstance ? 1 : request.instance_id;
        header.status = status;
        aap::sendControlMessage(socket_.get(), header, size ? payload : nullptr, static_cast<uint32_t>(size), nullptr, 0);
    }

    void replyWell(const wire::ControlHeader& request) {
        if (request.opcode == wire::kOpHello) {
            wire::HelloPayload hello{wire::kControlProtocolVersion, 1, 0, 0};
            reply(request, 0, &hello, sizeof(hello));
        } else if (request.opcode == wire::kOpExtension) {
            wire::ExtensionReplyPayload payload{0, 0};
            reply(request, 0, &payload, sizeof(payload));
        } else {
            reply(request, 0, nullptr, 0);
        }
    }

    // Maps the process block and port buffers the host sent with prepare, as one logical region.
    void map(const aap::ControlMessage& message) {
        for (size_t i = 0; i < message.fds.size(); i++) {
            const size_t size = i == 0 ? wire::kProcessBlockSize : portSize(message, i - 1);
            if (size == 0)
                continue;
            void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, message.fds[i].get(), 0);
            if (memory != MAP_FAILED)
                mappings_.emplace_back(static_cast<uint8_t*>(memory), size);
        }
    }

    static size_t portSize(const aap::ControlMessage& message, size_t port) {
        const size_t offset = sizeof(wire::PreparePayload) + port * sizeof(wire::PortEntry);
        if (message.payload.size() < offset + sizeof(wire::PortEntry))
            return 0;
        wire::PortEntry entry{};
        std::memcpy(&entry, message.payload.data() + offset, sizeof(entry));
        return entry.buffer_size;
    }

    void scribble(const std::vector<uint8_t>& body) {
        if (body.size() < 2)
            return;
        size_t offset = body[0] | (size_t{body[1]} << 8);
        for (size_t i = 2; i < body.size(); i++, offset++) {
            size_t at = offset;
            for (auto& [memory, size] : mappings_) {
                if (at < size) {
                    __atomic_store_n(memory + at, body[i], __ATOMIC_RELEASE);
                    break;
                }
                at -= size;
            }
        }
    }

    aap::UniqueFd socket_;
    std::vector<Record> records_;
    size_t next_ = 0;
    std::vector<std::pair<uint8_t*, size_t>> mappings_;
};

class Callbacks final : public aap::TransportHostCallbacks {
public:
    void requestProcess() noexcept override {}
    aap::HostingStatus hostExtension(const std::string& uri, int32_t, uint32_t, uint8_t* data, uint32_t requestSize,
                                     uint32_t capacity, uint32_t* replySize) override {
        check(requestSize <= capacity);
        uint32_t sum = 0;
        for (uint32_t i = 0; i < requestSize; i++)
            sum += data[i];  // ASan sees a bad request view here
        for (char c : uri)
            sum += static_cast<uint8_t>(c);
        *replySize = capacity < 4 ? 0 : 4;
        if (*replySize)
            std::memcpy(data, &sum, 4);
        return aap::HostingStatus::Ok;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<Record> records;
    for (size_t offset = 0; offset + 3 <= size && records.size() < 32;) {
        Record record;
        record.mode = data[offset];
        size_t length = static_cast<size_t>(data[offset + 1]) | (static_cast<size_t>(data[offset + 2]) << 8);
        offset += 3;
        length = std::min(length, size - offset);
        record.body.assign(data + offset, data + offset + length);
        offset += length;
        records.push_back(std::move(record));
    }
    aap::UniqueFd hostEnd, serviceEnd;
    check(aap::createControlSocketPair(&hostEnd, &serviceEnd) == aap::HostingStatus::Ok);
    FakeService fake(std::move(serviceEnd), std::move(records));
    std::thread service([&fake] { fake.run(); });
    {
        aap::ProcessTransportOptions options;
        options.controlTimeoutNs = 100'000'000;
        options.startupTimeoutNs = 100'000'000;
        std::shared_ptr<aap::ProcessTransport> transport;
        Callbacks callbacks;
        if (aap::ProcessTransport::connect(std::move(hostEnd), options, &transport) == aap::HostingStatus::Ok) {
            std::unique_ptr<aap::TransportInstance> instance;
            aap::PluginLoadSpec spec{"/fuzz/libplugin.so", "", "urn:aap-fuzz:plugin", ""};
            if (transport->createInstance(spec, &callbacks, &instance) == aap::HostingStatus::Ok && instance) {
                uint8_t* block = nullptr;
                instance->addExtension("urn:aap-fuzz:extension", 256, &block);
                instance->mapUrid("urn:aap-fuzz:extension", 3);
                const uint32_t midiSize = 1024;
                std::vector<aap::PortBufferSpec> ports = {{AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_INPUT, 256},
                                                          {AAP_CONTENT_TYPE_AUDIO, AAP_PORT_DIRECTION_OUTPUT, 256},
                                                          {AAP_CONTENT_TYPE_MIDI2, AAP_PORT_DIRECTION_INPUT, midiSize},
                                                          {AAP_CONTENT_TYPE_MIDI2, AAP_PORT_DIRECTION_OUTPUT, midiSize}};
                if (instance->prepare(64, 48000, ports) == aap::HostingStatus::Ok) {
                    instance->activate();
                    for (int cycle = 0; cycle < 2; cycle++) {
                        const aap::HostingStatus processed = instance->process(64, 2'000'000);
                        if (std::getenv("AAP_FUZZ_VERBOSE") != nullptr)  // to see what a seed reaches
                            std::fprintf(stderr, "process: %s\n", aap::hostingStatusMessage(processed));
                        if (processed != aap::HostingStatus::Ok)
                            continue;
                        // What outputsValid() promises the caller: a MIDI2 output it can walk.
                        uint32_t length;
                        std::memcpy(&length, static_cast<const uint8_t*>(instance->portBuffer(3)) + 4, 4);
                        check(length <= midiSize - 32 && length % 4 == 0);
                    }
                    uint32_t replySize = 0;
                    instance->extension("urn:aap-fuzz:extension", 0, 1, 0, &replySize, 100'000'000);
                    check(replySize <= 256);
                    instance->deactivate();
                }
                instance->destroy();
            }
        }
        // The transport and its reader thread end here; the fake service then sees the socket close.
    }
    service.join();
    return 0;
}
