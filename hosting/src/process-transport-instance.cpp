#include "process-transport-instance.h"

#include <fcntl.h>

#include <cstring>

#include "aap/plugin-meta-info.h"
#include "aap/runtime/log.h"
#include "control-socket.h"
#include "futex.h"

namespace aap {

ProcessTransportInstance::ProcessTransportInstance(std::shared_ptr<ProcessTransport> transport, uint32_t id,
                                                   TransportHostCallbacks* callbacks)
    : transport_(std::move(transport)), id_(id), callbacks_(callbacks) {
    transport_->registerInstance(id_, this);
}

ProcessTransportInstance::~ProcessTransportInstance() { destroy(); }

void ProcessTransportInstance::markOffline() noexcept {
    offline_.store(true, std::memory_order_release);
    if (wire::ProcessBlock* block = block_.load(std::memory_order_acquire)) {
        // Wake a process() sleeping on reply_sequence; it re-checks offline_ and returns.
        futex::wake(&block->reply_sequence, 1);
    }
    if (uint32_t* hostWord = graphHostWord_.load(std::memory_order_acquire)) {
        // A graph's host sleeping on its activation block: it finds this node dead and goes on.
        __atomic_fetch_add(hostWord, 1, __ATOMIC_SEQ_CST);
        futex::wake(hostWord, 1);
    }
}

HostingStatus ProcessTransportInstance::simpleCall(uint32_t opcode) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    ControlMessage reply;
    HostingStatus status = transport_->call(opcode, id_, nullptr, 0, nullptr, 0, &reply);
    if (status != HostingStatus::Ok)
        return status;
    return hostingStatusFromWire(reply.header.status);
}

HostingStatus ProcessTransportInstance::addExtension(const std::string& uri, uint32_t dataCapacity, uint8_t** block) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    if (uri.empty() || uri.size() > wire::kMaxUriLength || dataCapacity == 0 ||
        dataCapacity > wire::kMaxExtensionCapacity || block == nullptr)
        return HostingStatus::InvalidArgument;
    if (extensions_.size() >= wire::kMaxExtensionsPerInstance)
        return HostingStatus::CapacityExceeded;
    for (const Extension& e : extensions_)
        if (e.uri == uri)
            return HostingStatus::InvalidArgument;
    SharedMemory memory;
    HostingStatus status = SharedMemory::create(dataCapacity, "aap-extension", &memory);
    if (status != HostingStatus::Ok)
        return status;
    std::vector<uint8_t> payload(sizeof(wire::AddExtensionPayload) + uri.size());
    wire::AddExtensionPayload head{dataCapacity, static_cast<uint32_t>(uri.size())};
    std::memcpy(payload.data(), &head, sizeof(head));
    std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
    int fd = memory.fd();
    ControlMessage reply;
    status = transport_->call(wire::kOpAddExtension, id_, payload.data(), static_cast<uint32_t>(payload.size()),
                              &fd, 1, &reply);
    if (status == HostingStatus::Ok)
        status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok)
        return status;
    *block = static_cast<uint8_t*>(memory.data());
    extensions_.push_back(Extension{uri, dataCapacity, std::move(memory)});
    return HostingStatus::Ok;
}

HostingStatus ProcessTransportInstance::mapUrid(const std::string& uri, uint8_t urid) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    if (uri.empty() || uri.size() > wire::kMaxUriLength || urid == 0)
        return HostingStatus::InvalidArgument;
    std::vector<uint8_t> payload(sizeof(wire::MapUridPayload) + uri.size());
    wire::MapUridPayload head{urid, static_cast<uint32_t>(uri.size())};
    std::memcpy(payload.data(), &head, sizeof(head));
    std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
    ControlMessage reply;
    HostingStatus status =
        transport_->call(wire::kOpMapUrid, id_, payload.data(), static_cast<uint32_t>(payload.size()), nullptr, 0, &reply);
    return status == HostingStatus::Ok ? hostingStatusFromWire(reply.header.status) : status;
}

HostingStatus ProcessTransportInstance::attachGuiChannel(int32_t gui, uint32_t ringCapacity, const uint8_t* token,
                                                        size_t tokenSize, int fd) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    wire::GuiChannelPayload payload{};
    if (token == nullptr || tokenSize != sizeof(payload.token) || fd < 0)
        return HostingStatus::InvalidArgument;
    payload.gui = gui;
    payload.ring_capacity = ringCapacity;
    payload.token_size = static_cast<uint32_t>(tokenSize);
    std::memcpy(payload.token, token, tokenSize);
    ControlMessage reply;
    const HostingStatus status =
        transport_->call(wire::kOpGuiChannel, id_, &payload, sizeof(payload), &fd, 1, &reply);
    if (status != HostingStatus::Ok)
        return status;
    return hostingStatusFromWire(reply.header.status);
}

HostingStatus ProcessTransportInstance::prepare(int32_t frames, int32_t sampleRate,
                                                const std::vector<PortBufferSpec>& ports) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    if (frames <= 0 || static_cast<uint32_t>(frames) > wire::kMaxFrames || sampleRate <= 0 ||
        sampleRate > wire::kMaxSampleRate)
        return HostingStatus::InvalidArgument;
    if (ports.size() > wire::kMaxPorts)
        return HostingStatus::CapacityExceeded;

    SharedMemory processMemory;
    HostingStatus status = SharedMemory::create(wire::kProcessBlockSize, "aap-process-block", &processMemory);
    if (status != HostingStatus::Ok)
        return status;
    auto* block = static_cast<wire::ProcessBlock*>(processMemory.data());
    block->magic = wire::kProcessBlockMagic;
    block->layout_version = wire::kControlProtocolVersion;

    std::vector<SharedMemory> buffers;
    std::vector<uint8_t> payload(sizeof(wire::PreparePayload) + ports.size() * sizeof(wire::PortEntry));
    std::vector<int> fds{processMemory.fd()};
    wire::PreparePayload head{frames, sampleRate, static_cast<uint32_t>(ports.size()), 0};
    std::memcpy(payload.data(), &head, sizeof(head));
    for (size_t i = 0; i < ports.size(); i++) {
        const PortBufferSpec& port = ports[i];
        if (port.sizeInBytes == 0 || port.sizeInBytes > wire::kMaxPortBufferSize ||
            (port.contentType == AAP_CONTENT_TYPE_MIDI2 && port.sizeInBytes < 32))
            return HostingStatus::InvalidArgument;
        SharedMemory memory;
        status = SharedMemory::create(port.sizeInBytes, "aap-port", &memory);
        if (status != HostingStatus::Ok)
            return status;
        wire::PortEntry entry{port.contentType, port.direction, port.sizeInBytes, 0};
        std::memcpy(payload.data() + sizeof(head) + i * sizeof(entry), &entry, sizeof(entry));
        fds.push_back(memory.fd());
        buffers.push_back(std::move(memory));
    }
    ControlMessage reply;
    status = transport_->call(wire::kOpPrepare, id_, payload.data(), static_cast<uint32_t>(payload.size()),
                              fds.data(), static_cast<uint32_t>(fds.size()), &reply);
    if (status == HostingStatus::Ok)
        status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok)
        return status;
    // The service reports how locking its mapping went; it is the peer's word, so checked.
    wire::PrepareReplyPayload locked{};
    if (reply.payload.size() != sizeof(locked))
        return HostingStatus::ProtocolError;
    std::memcpy(&locked, reply.payload.data(), sizeof(locked));
    if (locked.lock_state != static_cast<int32_t>(MemoryLock::Locked) &&
        locked.lock_state != static_cast<int32_t>(MemoryLock::Failed))
        return HostingStatus::ProtocolError;
    report_.serviceMemory = MemoryLocking{static_cast<MemoryLock>(locked.lock_state), locked.bytes,
                                          locked.error_number, locked.memlock_limit};
    report_.hostMemory = MemoryLocking{};
    lockAndPrefault(processMemory.data(), processMemory.size(), &report_.hostMemory);
    for (SharedMemory& buffer : buffers)
        lockAndPrefault(buffer.data(), buffer.size(), &report_.hostMemory);
    for (Extension& extension : extensions_)
        lockAndPrefault(extension.memory.data(), extension.memory.size(), &report_.hostMemory);
    if (report_.hostMemory.state == MemoryLock::Failed)
        log(LogLevel::Warning, "shared memory of the plugin instance " + describeMemoryLocking(report_.hostMemory));
    processMemory_ = std::move(processMemory);
    block_.store(block, std::memory_order_release);
    ports_ = std::move(buffers);
    portSpecs_ = ports;
    preparedFrames_ = frames;
    sequence_ = 0;
    return HostingStatus::Ok;
}

HostingStatus ProcessTransportInstance::activate() {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    const int32_t priority = transport_->options().realtimePriority;
    if (priority < 0 || priority > 99)
        return HostingStatus::InvalidArgument;
    wire::ActivatePayload request{priority, 0};
    ControlMessage reply;
    HostingStatus status = transport_->call(wire::kOpActivate, id_, &request, sizeof(request), nullptr, 0, &reply);
    if (status == HostingStatus::Ok)
        status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok)
        return status;
    wire::ActivateReplyPayload granted{};
    if (reply.payload.size() != sizeof(granted))
        return HostingStatus::ProtocolError;
    std::memcpy(&granted, reply.payload.data(), sizeof(granted));
    if (granted.grant < static_cast<int32_t>(RealtimeGrant::NotRequested) ||
        granted.grant > static_cast<int32_t>(RealtimeGrant::Refused) || granted.requested_priority != priority ||
        granted.priority < 0 || granted.priority > 99)
        return HostingStatus::ProtocolError;
    RealtimeScheduling& s = report_.scheduling;
    s.grant = static_cast<RealtimeGrant>(granted.grant);
    s.requestedPriority = granted.requested_priority;
    s.policy = granted.policy;
    s.priority = granted.priority;
    s.errorNumber = granted.error_number;
    s.capSysNice = (granted.flags & wire::kActivateCapSysNice) != 0;
    s.rtprioLimit = granted.rtprio_limit;
    return HostingStatus::Ok;
}
HostingStatus ProcessTransportInstance::deactivate() { return simpleCall(wire::kOpDeactivate); }

HostingStatus ProcessTransportInstance::destroy() {
    if (destroyed_)
        return HostingStatus::Ok;
    HostingStatus status = HostingStatus::Ok;
    if (isAlive() && transport_->isAlive())
        status = simpleCall(wire::kOpDestroy);
    destroyed_ = true;
    offline_.store(true, std::memory_order_release);
    transport_->unregisterInstance(id_);
    // Buffers are unmapped here; the service unmaps its side when it destroys the instance or exits.
    return status == HostingStatus::Offline ? HostingStatus::Ok : status;
}

void ProcessTransportInstance::silenceOutputs() noexcept {
    for (size_t i = 0; i < ports_.size(); i++) {
        if (portSpecs_[i].direction != AAP_PORT_DIRECTION_OUTPUT)
            continue;
        if (portSpecs_[i].contentType == AAP_CONTENT_TYPE_MIDI2)
            std::memset(ports_[i].data(), 0, 32);  // AAPMidiBufferHeader: length 0 = no events
        else
            std::memset(ports_[i].data(), 0, ports_[i].size());
    }
}

bool ProcessTransportInstance::outputsValid() const noexcept {
    // A MIDI2 output header is written by the other process: its length must fit the buffer and
    // be whole UMP words, or a host reading it would run off the end.
    for (size_t i = 0; i < ports_.size(); i++) {
        if (portSpecs_[i].direction != AAP_PORT_DIRECTION_OUTPUT || portSpecs_[i].contentType != AAP_CONTENT_TYPE_MIDI2)
            continue;
        uint32_t length;
        std::memcpy(&length, static_cast<const uint8_t*>(ports_[i].data()) + 4, sizeof(length));
        if (length > ports_[i].size() - 32 || length % 4 != 0)
            return false;
    }
    return true;
}

HostingStatus ProcessTransportInstance::failProcess(HostingStatus status) noexcept {
    offline_.store(true, std::memory_order_release);
    silenceOutputs();
    return status;
}

TransportInstance::Readiness ProcessTransportInstance::cycleReadiness() noexcept {
    if (outstanding_ == 0)
        return Readiness::Ready;
    wire::ProcessBlock* const block = block_.load(std::memory_order_acquire);
    if (block == nullptr || offline_.load(std::memory_order_acquire))
        return Readiness::Ready;  // process() reports why
    if (loadAcquire(&block->reply_sequence) != outstanding_)
        return Readiness::Busy;
    // The late cycle finished: its reply is discarded (the host already played silence for it);
    // only AAPXS replies in its MIDI2 output still matter, and only if the output is sane.
    outstanding_ = 0;
    missed_ = 0;
    if (!outputsValid()) {
        silenceOutputs();
        return Readiness::Ready;
    }
    aapxsInOutput_ = (__atomic_load_n(&block->aapxs_flags, __ATOMIC_ACQUIRE) & wire::kAapxsInOutput) != 0;
    return Readiness::LateReplyArrived;
}

HostingStatus ProcessTransportInstance::missed(int64_t now) noexcept {
    if (missed_++ == 0)
        firstMissNs_ = now;  // unresponsive since the first missed deadline
    const ProcessTransportOptions& options = transport_->options();
    const int32_t cycles = options.unresponsiveCycles > 0 ? options.unresponsiveCycles : 1;
    if (missed_ >= cycles && monotonicNanoseconds() - firstMissNs_ >= options.unresponsiveNs) {
        transport_->killUnresponsive();
        return failProcess(HostingStatus::Timeout);
    }
    silenceOutputs();
    return HostingStatus::Xrun;
}

HostingStatus ProcessTransportInstance::process(int32_t frames, int64_t timeoutNs) noexcept {
    wire::ProcessBlock* const block = block_.load(std::memory_order_acquire);
    if (block == nullptr)
        return HostingStatus::InvalidState;
    if (offline_.load(std::memory_order_acquire)) {
        silenceOutputs();
        return HostingStatus::Offline;
    }
    if (frames < 0 || frames > preparedFrames_ || timeoutNs <= 0) {
        silenceOutputs();
        return HostingStatus::InvalidArgument;
    }
    const int64_t start = monotonicNanoseconds();
    if (outstanding_ != 0) {
        // A late cycle may still be running in the service: it owns the buffers until it replies.
        const uint32_t reply = loadAcquire(&block->reply_sequence);
        if (reply == outstanding_) {
            outstanding_ = 0;  // arrived after cycleReadiness() looked: discard it, run this cycle
            missed_ = 0;
        } else if (reply != outstanding_ - 1) {
            return failProcess(HostingStatus::ProtocolError);
        } else {
            return missed(start);
        }
    }
    const int64_t deadline = start + timeoutNs;
    block->frames = frames;
    block->timeout_ns = timeoutNs;
    block->status = 0;
    block->aapxs_flags = aapxsInInput_ ? wire::kAapxsInInput : 0u;
    aapxsInInput_ = false;
    aapxsInOutput_ = false;
    const uint32_t sequence = ++sequence_;
    const uint32_t previous = sequence - 1;
    storeSeqCst(&block->request_sequence, sequence);
    if (loadSeqCst(&block->service_waiting) != 0)
        futex::wake(&block->request_sequence, 1);

    const int64_t spinEnd = start + transport_->options().processSpinNs;
    for (;;) {
        uint32_t reply = loadAcquire(&block->reply_sequence);
        if (reply == sequence)
            break;
        // Only the previous cycle's value may be there; anything else is garbage from the peer.
        if (reply != previous)
            return failProcess(HostingStatus::ProtocolError);
        if (offline_.load(std::memory_order_acquire))
            return failProcess(HostingStatus::Offline);
        const int64_t now = monotonicNanoseconds();
        if (now >= deadline) {
            // An xrun, not (yet) a lost instance: the reply of this cycle is discarded when it
            // comes (its sequence number tells it apart), and no cycle starts before it does.
            outstanding_ = sequence;
            return missed(now);
        }
        if (now < spinEnd) {
            cpuRelax();
            continue;
        }
        storeSeqCst(&block->host_waiting, 1);
        if (loadSeqCst(&block->reply_sequence) == reply && !offline_.load(std::memory_order_acquire))
            futex::wait(&block->reply_sequence, reply, deadline - now);
        storeSeqCst(&block->host_waiting, 0);
    }
    missed_ = 0;
    HostingStatus status = hostingStatusFromWire(__atomic_load_n(&block->status, __ATOMIC_ACQUIRE));
    if (status != HostingStatus::Ok)
        return failProcess(status);
    if (!outputsValid())
        return failProcess(HostingStatus::ProtocolError);
    aapxsInOutput_ = (__atomic_load_n(&block->aapxs_flags, __ATOMIC_ACQUIRE) & wire::kAapxsInOutput) != 0;
    return HostingStatus::Ok;
}

int ProcessTransportInstance::portBufferFd(int32_t index) const noexcept {
    if (index < 0 || static_cast<size_t>(index) >= ports_.size())
        return -1;
    return ports_[static_cast<size_t>(index)].fd();
}

HostingStatus ProcessTransportInstance::attachGraph(const GraphAttachment& attachment) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    if (attachment.blockFd < 0 || attachment.inputs.size() > wire::kMaxPorts)
        return HostingStatus::InvalidArgument;
    std::vector<uint8_t> payload(sizeof(wire::GraphAttachPayload) + attachment.inputs.size() * sizeof(wire::GraphInputEntry));
    wire::GraphAttachPayload head{attachment.node, static_cast<uint32_t>(attachment.inputs.size()), attachment.graphId};
    std::memcpy(payload.data(), &head, sizeof(head));
    std::vector<int> fds{attachment.blockFd};
    size_t offset = sizeof(head);
    for (const GraphAttachment::Input& input : attachment.inputs) {
        if (input.sources.empty() || input.sources.size() > wire::kMaxGraphSources)
            return HostingStatus::InvalidArgument;
        wire::GraphInputEntry entry{static_cast<uint32_t>(input.port), static_cast<uint32_t>(input.sources.size()),
                                    input.zeroCopy ? wire::kGraphInputZeroCopy : 0u, 0};
        std::memcpy(payload.data() + offset, &entry, sizeof(entry));
        offset += sizeof(entry);
    }
    for (const GraphAttachment::Input& input : attachment.inputs)
        for (const GraphAttachment::Source& source : input.sources) {
            if (source.fd < 0)
                return HostingStatus::InvalidArgument;
            wire::GraphSourceEntry entry{source.producer, source.size};
            const size_t at = payload.size();
            payload.resize(at + sizeof(entry));
            std::memcpy(payload.data() + at, &entry, sizeof(entry));
            fds.push_back(source.fd);
        }
    if (fds.size() > wire::kMaxFdsPerMessage)
        return HostingStatus::CapacityExceeded;
    // Our own mapping of the block (see markOffline).
    SharedMemory block;
    const int copy = ::fcntl(attachment.blockFd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return HostingStatus::ResourceFailed;
    HostingStatus status = SharedMemory::adopt(UniqueFd{copy}, wire::kGraphBlockSize, &block);
    if (status != HostingStatus::Ok)
        return status;
    ControlMessage reply;
    status = transport_->call(wire::kOpGraphAttach, id_, payload.data(), static_cast<uint32_t>(payload.size()),
                              fds.data(), static_cast<uint32_t>(fds.size()), &reply);
    if (status == HostingStatus::Ok)
        status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok)
        return status;
    graphHostWord_.store(nullptr, std::memory_order_release);
    graphBlock_ = std::move(block);
    graphHostWord_.store(&static_cast<wire::GraphHeader*>(graphBlock_.data())->host_word, std::memory_order_release);
    return HostingStatus::Ok;
}

HostingStatus ProcessTransportInstance::detachGraph() {
    // The reader thread may be in markOffline with the old pointer: it only ever touches our own
    // mapping, which is released when this instance is.
    graphHostWord_.store(nullptr, std::memory_order_release);
    return simpleCall(wire::kOpGraphDetach);
}

void* ProcessTransportInstance::portBuffer(int32_t index) noexcept {
    if (index < 0 || static_cast<size_t>(index) >= ports_.size())
        return nullptr;
    return ports_[static_cast<size_t>(index)].data();
}

HostingStatus ProcessTransportInstance::extension(const std::string& uri, int32_t opcode, uint32_t requestId,
                                                  uint32_t requestSize, uint32_t* replySize, int64_t timeoutNs) {
    if (destroyed_ || !isAlive())
        return HostingStatus::Offline;
    const Extension* found = nullptr;
    for (const Extension& e : extensions_)
        if (e.uri == uri)
            found = &e;
    if (found == nullptr)
        return HostingStatus::NotFound;
    if (requestSize > found->capacity || replySize == nullptr)
        return HostingStatus::InvalidArgument;
    std::vector<uint8_t> payload(sizeof(wire::ExtensionPayload) + uri.size());
    wire::ExtensionPayload head{opcode, requestId, requestSize, static_cast<uint32_t>(uri.size())};
    std::memcpy(payload.data(), &head, sizeof(head));
    std::memcpy(payload.data() + sizeof(head), uri.data(), uri.size());
    ControlMessage reply;
    HostingStatus status = transport_->call(wire::kOpExtension, id_, payload.data(),
                                            static_cast<uint32_t>(payload.size()), nullptr, 0, &reply, timeoutNs);
    if (status != HostingStatus::Ok)
        return status;
    status = hostingStatusFromWire(reply.header.status);
    if (status != HostingStatus::Ok)
        return status;
    wire::ExtensionReplyPayload replyHead{};
    if (reply.payload.size() != sizeof(replyHead))
        return HostingStatus::ProtocolError;
    std::memcpy(&replyHead, reply.payload.data(), sizeof(replyHead));
    if (replyHead.data_size > found->capacity)
        return HostingStatus::ProtocolError;
    *replySize = replyHead.data_size;
    return HostingStatus::Ok;
}

} // namespace aap
