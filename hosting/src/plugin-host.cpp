#include "aap/hosting/plugin-host.h"

#include <utility>

#include <algorithm>
#include <cstring>
#include <thread>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/in-process-transport.h"
#include "aap/hosting/metadata-parser.h"
#include "aap/plugin-meta-info.h"
#include "aapxs/midi2-buffer.h"
#include "inline-aapxs-reply.h"

namespace aap {

const char* instanceStateName(InstanceState state) noexcept {
    switch (state) {
    case InstanceState::Unprepared: return "unprepared";
    case InstanceState::Inactive: return "inactive";
    case InstanceState::Active: return "active";
    case InstanceState::Error: return "error";
    case InstanceState::Terminated: return "terminated";
    }
    return "unknown";
}

PluginInstance::PluginInstance(PluginInformation information, std::shared_ptr<PluginTransport> transport,
                               const PluginHostOptions& options)
    : information_(std::move(information)), transport_(std::move(transport)), midiBufferSize_(options.midiBufferSize),
      maxExtensionDataSize_(options.maxExtensionDataSize),
      maxExtensionRequestsInFlight_(options.maxExtensionRequestsInFlight), maxEventsPerCycle_(options.maxEventsPerCycle),
      hostDefinitions_(options.hostExtensionDefinitions), hostImplementation_(options.hostExtensionImplementation) {
    hostView_.context = this;
    hostView_.get_extension = &PluginInstance::hostGetExtension;
    hostView_.request_process = &PluginInstance::hostRequestProcess;
}

void* PluginInstance::hostGetExtension(AndroidAudioPluginHost* host, const char* uri) {
    if (host == nullptr || uri == nullptr)
        return nullptr;
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    auto* self = static_cast<PluginInstance*>(host->context);
    return self->hostImplementation_ ? self->hostImplementation_(uri) : nullptr;
}

void PluginInstance::hostRequestProcess(AndroidAudioPluginHost* host) {
    if (host != nullptr)
        static_cast<PluginInstance*>(host->context)->requestProcess();
}

HostingStatus PluginInstance::startHostExtensionSession() {
    if (!hostDefinitions_ || hostDefinitions_->size() == 0 || midiIn_ < 0 || midiOut_ < 0 || hostRecipient_)
        return HostingStatus::Ok;
    auto worker = std::make_unique<NonRealtimeWorker>();
    if (!worker->start())
        return HostingStatus::ResourceFailed;
    RecipientSession::Options options;
    options.side = SessionSide::Host;
    options.registry = hostDefinitions_.get();
    options.urids = &hostUrids_;
    options.worker = worker.get();
    options.pluginOrHost = &hostView_;
    SessionError error = SessionError::None;
    hostRecipient_ = RecipientSession::create(options, &error);
    if (!hostRecipient_) {
        worker->stop();
        return HostingStatus::ResourceFailed;
    }
    hostWorker_ = std::move(worker);
    return HostingStatus::Ok;
}

void PluginInstance::stopHostExtensionSession() noexcept {
    if (hostWorker_)
        hostWorker_->stop();
    hostRecipient_.reset();
    hostWorker_.reset();
}

PluginInstance::~PluginInstance() {
    destroy();
    setRequestProcessHandler(nullptr);  // deletes the handler once no call of it runs
}

HostingStatus PluginInstance::track(HostingStatus status) noexcept {
    if (status == HostingStatus::Timeout || status == HostingStatus::Offline || status == HostingStatus::ProtocolError)
        state_.store(InstanceState::Error, std::memory_order_release);
    return status;
}

namespace {
// The error a call gets when the instance is in `state` and the call is not allowed there.
HostingStatus wrongState(InstanceState state) noexcept {
    return state == InstanceState::Error ? HostingStatus::Offline : HostingStatus::InvalidState;
}
} // namespace

HostingStatus PluginInstance::addExtension(const std::string& uri, uint32_t dataCapacity, uint8_t** block) {
    if (state() != InstanceState::Unprepared)
        return wrongState(state());
    if (uri.empty() || dataCapacity == 0 || block == nullptr)
        return HostingStatus::InvalidArgument;
    HostingStatus status = track(instance_->addExtension(uri, dataCapacity, block));
    if (status != HostingStatus::Ok || mappedUris_.size() >= 255)
        return status;
    const uint8_t urid = static_cast<uint8_t>(mappedUris_.size() + 1);
    status = track(instance_->mapUrid(uri, urid));
    if (status == HostingStatus::Ok)
        mappedUris_.push_back(uri);
    else if (status == HostingStatus::NotFound || status == HostingStatus::Unsupported)
        status = HostingStatus::Ok;  // stays addressed by URI (see plugin-host.h)
    return status;
}

uint8_t PluginInstance::uridOf(const char* uri, size_t uriSize) const noexcept {
    if (uri == nullptr)
        return 0;
    for (size_t i = 0; i < mappedUris_.size(); i++)
        if (mappedUris_[i].size() == uriSize && std::memcmp(mappedUris_[i].data(), uri, uriSize) == 0)
            return static_cast<uint8_t>(i + 1);
    return 0;
}

static_assert(kMaxPortMinimumSize <= wire::kMaxPortBufferSize,
              "every minimumSize the catalog accepts must be a buffer size the transports allocate");

HostingStatus PluginInstance::prepare(int32_t frames, int32_t sampleRate) {
    if (state() != InstanceState::Unprepared)
        return wrongState(state());
    if (frames <= 0 || frames > 65536 || sampleRate <= 0 || sampleRate > 1536000)
        return HostingStatus::InvalidArgument;
    midiIn_ = midiOut_ = -1;
    for (const PortInformation& port : information_.ports) {
        if (port.contentType != PortContentType::Midi2)
            continue;
        if (port.direction == PortDirection::Input && midiIn_ < 0)
            midiIn_ = port.index;
        if (port.direction == PortDirection::Output && midiOut_ < 0)
            midiOut_ = port.index;
    }
    // The AAPXS reserve of the first MIDI2 input: one largest request and one largest
    // host-extension reply as SysEx8 (message header 21 bytes + URI + data).
    size_t messageWords = 0;
    aapxs_sysex8_word_count(21u + AAP_MAX_EXTENSION_URI_SIZE + maxExtensionDataSize_, &messageWords);
    const uint32_t reserve = static_cast<uint32_t>(2 * messageWords * 4);
    std::vector<PortBufferSpec> ports;
    std::vector<uint32_t> sizes;
    std::vector<std::unique_ptr<uint8_t[]>> midiInputs;
    for (const PortInformation& port : information_.ports) {
        PortBufferSpec spec;
        spec.contentType = static_cast<int32_t>(port.contentType);
        spec.direction = static_cast<int32_t>(port.direction);
        // Audio: one block of floats; MIDI2 and "other": the MIDI buffer size. A port's declared
        // minimumSize raises that (never lowers it: the plugin may rely on both).
        spec.sizeInBytes = port.contentType == PortContentType::Audio
                               ? static_cast<uint32_t>(frames) * static_cast<uint32_t>(sizeof(float))
                               : midiBufferSize_;
        if (port.minimumSize > spec.sizeInBytes)
            spec.sizeInBytes = port.minimumSize;
        sizes.push_back(spec.sizeInBytes);
        if (port.contentType == PortContentType::Midi2 && port.direction == PortDirection::Input) {
            midiInputs.emplace_back(new (std::nothrow) uint8_t[spec.sizeInBytes]());
            if (!midiInputs.back())
                return HostingStatus::ResourceFailed;
            if (port.index == midiIn_) {
                spec.sizeInBytes += reserve;
                midiInSharedSize_ = spec.sizeInBytes;
            }
        } else {
            midiInputs.emplace_back();
        }
        ports.push_back(spec);
    }
    if (midiIn_ >= 0) {
        HostingStatus reserved = events_.reserve(maxEventsPerCycle_, sizes[static_cast<size_t>(midiIn_)] - 32);
        if (reserved != HostingStatus::Ok)
            return reserved == HostingStatus::InvalidArgument ? HostingStatus::InvalidArgument : reserved;
        events_.setMaxFrame(frames);
    }
    HostingStatus status = track(instance_->prepare(frames, sampleRate, ports));
    if (status != HostingStatus::Ok)
        return status;
    preparedFrames_ = frames;
    sampleRate_ = sampleRate;
    portSizes_ = std::move(sizes);
    midiInputs_ = std::move(midiInputs);
    if (midiIn_ >= 0 && midiOut_ >= 0) {
        InitiatorSession::Options sessionOptions;
        sessionOptions.side = SessionSide::Host;
        sessionOptions.maxInFlight = maxExtensionRequestsInFlight_;
        sessionOptions.maxDataSize = maxExtensionDataSize_;
        SessionError sessionError = SessionError::None;
        initiator_ = InitiatorSession::create(sessionOptions, &sessionError);
        if (!initiator_) {
            // Bad options are the host's mistake: report it instead of running without AAPXS.
            instance_->destroy();
            state_.store(InstanceState::Terminated, std::memory_order_release);
            return HostingStatus::InvalidArgument;
        }
    }
    state_.store(InstanceState::Inactive, std::memory_order_release);
    return HostingStatus::Ok;
}

HostingStatus PluginInstance::activate() {
    if (state() != InstanceState::Inactive)
        return wrongState(state());
    HostingStatus status = startHostExtensionSession();
    if (status != HostingStatus::Ok)
        return status;
    status = track(instance_->activate());
    if (status == HostingStatus::Ok)
        state_.store(InstanceState::Active, std::memory_order_release);
    else
        stopHostExtensionSession();
    return status;
}

HostingStatus PluginInstance::deactivate() {
    if (state() != InstanceState::Active)
        return wrongState(state());
    HostingStatus status = track(instance_->deactivate());
    if (status == HostingStatus::Ok)
        state_.store(InstanceState::Inactive, std::memory_order_release);
    stopHostExtensionSession();
    return status;
}

HostingStatus PluginInstance::destroy() {
    InstanceState current = state();
    if (current == InstanceState::Terminated)
        return HostingStatus::Ok;
    HostingStatus status = HostingStatus::Ok;
    if (current == InstanceState::Active)
        status = track(instance_->deactivate());
    if (instance_) {
        HostingStatus destroyed = instance_->destroy();
        if (status == HostingStatus::Ok)
            status = destroyed;
        instance_.reset();
    }
    transport_.reset();  // the last reference stops a per-instance service (and reaps it)
    servicePid_ = 0;
    if (initiator_)
        initiator_->cancelAll(RequestStatus::Cancelled);  // processing has stopped: fail what is left
    stopHostExtensionSession();
    state_.store(InstanceState::Terminated, std::memory_order_release);
    // Destroying an instance whose peer is already gone is not an error: it is what the host does
    // to recover.
    return (status == HostingStatus::Offline || current == InstanceState::Error) ? HostingStatus::Ok : status;
}

void PluginInstance::writeInputs(int32_t frames) noexcept {
    for (size_t index = 0; index < midiInputs_.size(); index++) {
        uint8_t* staged = midiInputs_[index].get();
        if (staged == nullptr)
            continue;
        auto* shared = static_cast<uint8_t*>(instance_->portBuffer(static_cast<int32_t>(index)));
        if (shared == nullptr)
            continue;
        const uint32_t capacity = portSizes_[index];  // the host's share
        size_t length = 0;
        if (aapxs_midi2_buffer_get_length(staged, capacity, &length) != AAPXS_CODEC_OK)
            length = 0;  // a header the host broke carries nothing
        std::memcpy(shared, staged, 32);  // time_options and reserved words as the host set them
        const uint32_t length32 = static_cast<uint32_t>(length);
        std::memcpy(shared + 4, &length32, sizeof(length32));
        if (length > 0)
            std::memcpy(shared + 32, staged + 32, length);
        aapxs_midi2_buffer_clear(staged, capacity);
        if (static_cast<int32_t>(index) == midiIn_) {
            if (!events_.empty()) {
                EventQueue* queues[1] = {&events_};
                // The host's share only: the reserve above it stays for AAPXS.
                EventQueue::writeMerged(queues, 1, frames, sampleRate_, shared, capacity);
            }
        }
    }
}

HostingStatus PluginInstance::addEvent(int32_t frame, const uint32_t* words, size_t wordCount) noexcept {
    const InstanceState current = state();
    if (current != InstanceState::Inactive && current != InstanceState::Active)
        return wrongState(current);
    if (midiIn_ < 0)
        return HostingStatus::InvalidState;
    return events_.add(frame, words, wordCount);
}

HostingStatus PluginInstance::process(int32_t frames, int64_t timeoutNs) noexcept {
    InstanceState current = state();
    if (current != InstanceState::Active) {
        if (current == InstanceState::Error && instance_)
            instance_->process(0, 1);  // silences outputs; the instance is already offline
        return wrongState(current);
    }
    if (frames < 0 || frames > preparedFrames_ || timeoutNs <= 0)
        return HostingStatus::InvalidArgument;
    const TransportInstance::Readiness readiness = instance_->cycleReadiness();
    if (readiness == TransportInstance::Readiness::LateReplyArrived && initiator_ && instance_->outputMayHoldAapxs()) {
        // The late cycle's output may hold replies to our requests: take them before it is reused.
        routeIncomingAapxs(SessionSide::Host, static_cast<uint8_t*>(instance_->portBuffer(midiOut_)),
                           portSizes_[static_cast<size_t>(midiOut_)], initiator_.get(), hostRecipient_.get());
    }
    if (readiness != TransportInstance::Readiness::Busy)
        stageInputs(frames);
    const HostingStatus status = instance_->process(frames, timeoutNs);
    return finishCycle(status, readiness != TransportInstance::Readiness::Busy, instance_->outputMayHoldAapxs());
}

bool PluginInstance::stageInputs(int32_t frames) noexcept {
    writeInputs(frames);
    if (!initiator_)
        return false;
    // Write passes only when something may be waiting: a request in flight (also one not sent
    // yet), a host-extension request being handled or its reply waiting for space.
    const bool requests = initiator_->pendingCount() != 0;
    const bool replies = hostRecipient_ && !hostRecipient_->idle();
    if (!requests && !replies)
        return false;
    auto* midiIn = static_cast<uint8_t*>(instance_->portBuffer(midiIn_));
    size_t framed = requests ? initiator_->writeRequests(midiIn, midiInSharedSize_) : 0;
    if (replies)
        framed += hostRecipient_->writeReplies(midiIn, midiInSharedSize_);
    if (framed > 0)
        instance_->markAapxsInput();
    return framed > 0;
}

HostingStatus PluginInstance::finishCycle(HostingStatus status, bool started, bool scanOutput) noexcept {
    if (status == HostingStatus::Xrun) {
        // Not a failure: requests stay pending (their own timeouts still apply), the inputs of a
        // cycle that could not start stay with the host for the next one.
        xruns_.fetch_add(1, std::memory_order_relaxed);
        if (started)
            lateCycles_.fetch_add(1, std::memory_order_relaxed);
        if (initiator_ && initiator_->pendingCount() != 0)
            initiator_->expire(monotonicNowNs());
        return status;
    }
    status = track(status);
    if (initiator_) {
        if (status == HostingStatus::Ok) {
            // Replies to our requests and requests for our host extensions are stripped out of the
            // output, so the host's own MIDI processing never sees AAPXS traffic.
            if (scanOutput)
                routeIncomingAapxs(SessionSide::Host, static_cast<uint8_t*>(instance_->portBuffer(midiOut_)),
                                   portSizes_[static_cast<size_t>(midiOut_)], initiator_.get(), hostRecipient_.get());
            if (initiator_->pendingCount() != 0)
                initiator_->expire(monotonicNowNs());  // the clock only while requests are in flight
            if (hostWorker_)
                hostWorker_->wakeIfPending();
        } else {
            initiator_->cancelAll(RequestStatus::Cancelled);  // the peer is gone: fail each once, now
        }
    }
    return status;
}

HostingStatus PluginInstance::beginGraphCycle(int32_t frames, bool* aapxsFramed) noexcept {
    InstanceState current = state();
    if (current != InstanceState::Active)
        return wrongState(current);
    if (frames < 0 || frames > preparedFrames_)
        return HostingStatus::InvalidArgument;
    const bool framed = stageInputs(frames);
    if (aapxsFramed != nullptr)
        *aapxsFramed = framed;
    return HostingStatus::Ok;
}

HostingStatus PluginInstance::endGraphCycle(HostingStatus status, bool started, bool outputMayHoldAapxs) noexcept {
    if (state() != InstanceState::Active)
        return wrongState(state());
    // A graph ran the cycle, not the transport's process(): the transport's AAPXS hint is stale;
    // the graph's (from the node's activation block entry) is the caller's.
    return finishCycle(status, started, outputMayHoldAapxs);
}

HostingStatus PluginInstance::extension(const std::string& uri, int32_t opcode, uint32_t requestId,
                                        uint32_t requestSize, uint32_t* replySize, int64_t timeoutNs) {
    InstanceState current = state();
    if (current != InstanceState::Unprepared && current != InstanceState::Inactive)
        return wrongState(current);
    if (uri.empty() || replySize == nullptr)
        return HostingStatus::InvalidArgument;
    return track(instance_->extension(uri, opcode, requestId, requestSize, replySize, timeoutNs));
}

HostingStatus PluginInstance::submitExtensionRequest(const InitiatorSession::Request& request,
                                                     uint32_t* requestId) noexcept {
    InstanceState current = state();
    if (current != InstanceState::Active)
        return wrongState(current);
    if (!initiator_)
        return HostingStatus::Unsupported;
    InitiatorSession::Request addressed = request;
    if (addressed.urid == 0)
        addressed.urid = uridOf(addressed.uri, addressed.uriSize);  // URI-less on the wire
    SubmitResult result = initiator_->submit(addressed);
    switch (result.error) {
    case SubmitError::None:
        if (requestId != nullptr)
            *requestId = result.requestId;
        return HostingStatus::Ok;
    case SubmitError::TableFull:
    case SubmitError::DataTooLarge:
        return HostingStatus::CapacityExceeded;
    default:
        return HostingStatus::InvalidArgument;
    }
}

void* PluginInstance::portBuffer(int32_t index) noexcept {
    InstanceState current = state();
    if (current == InstanceState::Unprepared || current == InstanceState::Terminated || !instance_)
        return nullptr;
    if (index >= 0 && static_cast<size_t>(index) < midiInputs_.size() && midiInputs_[static_cast<size_t>(index)])
        return midiInputs_[static_cast<size_t>(index)].get();
    return instance_->portBuffer(index);
}

uint32_t PluginInstance::portBufferSize(int32_t index) const noexcept {
    if (index < 0 || static_cast<size_t>(index) >= portSizes_.size())
        return 0;
    return portSizes_[static_cast<size_t>(index)];
}

void PluginInstance::setRequestProcessHandler(std::function<void()> handler) {
    auto* fresh = handler ? new std::function<void()>(std::move(handler)) : nullptr;
    std::function<void()>* previous = requestProcessHandler_.exchange(fresh, std::memory_order_seq_cst);
    // A caller that counted itself after the exchange loads `fresh`; wait out those that may still
    // run `previous` (each runs one handler call; this is the main thread, not the audio thread).
    while (handlerCallers_.load(std::memory_order_seq_cst) != 0)
        std::this_thread::yield();
    delete previous;
}

void PluginInstance::requestProcess() noexcept {
    // [thread-safe] may be the audio thread (in process): no lock, no allocation.
    handlerCallers_.fetch_add(1, std::memory_order_seq_cst);
    if (std::function<void()>* handler = requestProcessHandler_.load(std::memory_order_seq_cst))
        (*handler)();
    handlerCallers_.fetch_sub(1, std::memory_order_release);
}

HostingStatus PluginInstance::hostExtension(const std::string& uri, int32_t opcode, uint32_t requestId, uint8_t* data,
                                            uint32_t requestSize, uint32_t capacity, uint32_t* replySize) {
    // [transport-thread] A host-extension request while the instance is not active.
    if (!hostDefinitions_)
        return HostingStatus::NotFound;
    AAPXSDefinition* definition = hostDefinitions_->findByUri(uri);
    if (definition == nullptr)
        return HostingStatus::NotFound;
    if (opcode >= 0 || definition->process_incoming_host_aapxs_request == nullptr)
        return HostingStatus::Unsupported;
    const uint32_t usable = std::min(capacity, static_cast<uint32_t>(definition->data_capacity));
    if (requestSize > usable)
        return HostingStatus::CapacityExceeded;
    return runInlineAapxsRequest(definition, data, requestSize, usable, requestId, opcode, replySize,
                                 [&](AAPXSRecipientInstance* recipient, AAPXSRequestContext* request) {
                                     definition->process_incoming_host_aapxs_request(definition, recipient, &hostView_,
                                                                                     request);
                                 });
}

struct PluginHost::SharedService {
    std::mutex mutex;
    std::shared_ptr<PluginTransport> transport;
};

PluginHost::PluginHost(PluginCatalog catalog, PluginHostOptions options)
    : catalog_(std::move(catalog)), options_(std::move(options)), shared_(std::make_shared<SharedService>()) {}

HostingStatus PluginHost::transportFor(const PluginInformation& information, std::shared_ptr<PluginTransport>* out,
                                       std::string* error) {
    if (options_.transport) {
        *out = options_.transport;
        return HostingStatus::Ok;
    }
    switch (options_.isolation) {
    case PluginIsolation::InProcess:
        if (options_.process.sandbox.enabled) {
            if (error != nullptr)
                *error = "sandbox unavailable: a plugin loaded in process cannot be sandboxed (use out-of-process isolation)";
            return HostingStatus::Unsupported;
        }
        *out = std::make_shared<InProcessTransport>();
        return HostingStatus::Ok;
    case PluginIsolation::SharedProcess: {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        if (shared_->transport && shared_->transport->isAlive()) {
            *out = shared_->transport;
            return HostingStatus::Ok;
        }
        std::shared_ptr<ProcessTransport> started;
        HostingStatus status = ProcessTransport::start(options_.process, &started, error);
        if (status != HostingStatus::Ok)
            return status;
        shared_->transport = started;
        *out = std::move(started);
        return HostingStatus::Ok;
    }
    case PluginIsolation::ProcessPerInstance: {
        std::shared_ptr<ProcessTransport> started;
        ProcessTransportOptions processOptions = options_.process;
        if (processOptions.sandbox.enabled && options_.isolation == PluginIsolation::ProcessPerInstance) {
            // The service of one plugin may write its bundle (a shared service: only what was given).
            const std::string& library = information.libraryPath;
            const size_t slash = library.rfind('/');
            if (slash != std::string::npos && slash > 0)
                processOptions.sandbox.writablePaths.push_back(library.substr(0, slash));
        }
        HostingStatus status = ProcessTransport::start(processOptions, &started, error);
        if (status != HostingStatus::Ok)
            return status;
        *out = std::move(started);
        return HostingStatus::Ok;
    }
    }
    return HostingStatus::InvalidArgument;
}

HostingStatus PluginHost::instantiate(const std::string& pluginId, std::unique_ptr<PluginInstance>* out,
                                      std::string* error) {
    if (out == nullptr)
        return HostingStatus::InvalidArgument;
    if (error != nullptr)
        error->clear();  // only this call's reason, never a stale one
    const PluginInformation* information = catalog_.findByUniqueId(pluginId);
    if (information == nullptr) {
        if (error != nullptr)
            *error = "no plugin with unique-id '" + pluginId + "' in the catalog";
        return HostingStatus::NotFound;
    }
    if (options_.midiBufferSize < 32 || options_.midiBufferSize % 4 != 0) {
        if (error != nullptr)
            *error = "midiBufferSize must be a multiple of 4 and at least 32 bytes";
        return HostingStatus::InvalidArgument;
    }
    std::shared_ptr<PluginTransport> transport;
    HostingStatus status = transportFor(*information, &transport, error);
    if (status != HostingStatus::Ok)
        return status;
    std::unique_ptr<PluginInstance> instance{new PluginInstance(*information, transport, options_)};
    PluginLoadSpec spec{information->libraryPath, information->entrypoint, information->uniqueId,
                        information->metadataFilePath};
    status = transport->createInstance(spec, instance.get(), &instance->instance_, error);
    if (status == HostingStatus::Ok)
        instance->servicePid_ = instance->instance_->peerProcessId();
    if (status != HostingStatus::Ok) {
        if (error != nullptr && error->empty())
            *error = std::string{"could not instantiate '"} + pluginId + "': " + hostingStatusMessage(status);
        instance->state_.store(InstanceState::Terminated);
        return status;
    }
    *out = std::move(instance);
    return HostingStatus::Ok;
}

} // namespace aap
