#pragma once
// The host side of one plugin instance in a plugin service (ProcessTransport). Owns the
// instance's shared memory (process block, port buffers, extension blocks) and implements the
// realtime process() signal. Private to aap::hosting.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/control-protocol.h"
#include "aap/hosting/process-transport.h"
#include "aap/hosting/shared-memory.h"
#include "aap/hosting/transport.h"

namespace aap {

class ProcessTransportInstance final : public TransportInstance {
public:
    ProcessTransportInstance(std::shared_ptr<ProcessTransport> transport, uint32_t id,
                             TransportHostCallbacks* callbacks);
    ~ProcessTransportInstance() override;

    HostingStatus addExtension(const std::string& uri, uint32_t dataCapacity, uint8_t** block) override;
    HostingStatus mapUrid(const std::string& uri, uint8_t urid) override;
    HostingStatus attachGuiChannel(int32_t gui, uint32_t ringCapacity, const uint8_t* token, size_t tokenSize,
                                   int fd) override;
    HostingStatus prepare(int32_t frames, int32_t sampleRate, const std::vector<PortBufferSpec>& ports) override;
    HostingStatus activate() override;
    HostingStatus deactivate() override;
    HostingStatus destroy() override;
    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept override;
    Readiness cycleReadiness() noexcept override;
    int peerProcessId() const noexcept override { return transport_->servicePid(); }
    void* portBuffer(int32_t index) noexcept override;
    int portBufferFd(int32_t index) const noexcept override;
    HostingStatus attachGraph(const GraphAttachment& attachment) override;
    HostingStatus detachGraph() override;
    bool supportsGraphMode() const noexcept override { return true; }
    void markAapxsInput() noexcept override { aapxsInInput_ = true; }
    bool outputMayHoldAapxs() const noexcept override { return aapxsInOutput_; }
    HostingStatus extension(const std::string& uri, int32_t opcode, uint32_t requestId, uint32_t requestSize,
                            uint32_t* replySize, int64_t timeoutNs) override;
    bool isAlive() const noexcept override { return !offline_.load(std::memory_order_acquire); }
    RealtimeReport realtimeReport() const override { return report_; }

    // [transport-thread] The connection is gone: go offline and wake a waiting process().
    void markOffline() noexcept;
    TransportHostCallbacks* callbacks() const noexcept { return callbacks_; }

private:
    struct Extension {
        std::string uri;
        uint32_t capacity;
        SharedMemory memory;
    };

    HostingStatus simpleCall(uint32_t opcode);
    HostingStatus failProcess(HostingStatus status) noexcept;
    // A cycle produced nothing in time (now: when that was found): Xrun, or past the transport's
    // bound, kill the service and Timeout.
    HostingStatus missed(int64_t now) noexcept;
    void silenceOutputs() noexcept;
    bool outputsValid() const noexcept;

    std::shared_ptr<ProcessTransport> transport_;
    uint32_t id_;
    TransportHostCallbacks* callbacks_;
    std::atomic<bool> offline_{false};
    bool destroyed_ = false;
    std::vector<Extension> extensions_;
    SharedMemory processMemory_;
    // Written once by prepare(); read by process() and by the transport's reader thread.
    std::atomic<wire::ProcessBlock*> block_{nullptr};
    std::vector<SharedMemory> ports_;
    std::vector<PortBufferSpec> portSpecs_;
    int32_t preparedFrames_ = 0;
    uint32_t sequence_ = 0;
    // Xruns (audio thread only): the sequence of a cycle that missed its deadline and whose reply
    // has not come yet (0: none), consecutive cycles without a reply, and when the first missed
    // its deadline.
    uint32_t outstanding_ = 0;
    int32_t missed_ = 0;
    int64_t firstMissNs_ = 0;
    bool aapxsInInput_ = false;   // audio thread only
    bool aapxsInOutput_ = false;  // audio thread only
    RealtimeReport report_;       // main thread: written by prepare and activate
    // Graph mode: our own mapping of the graph's activation block, so that markOffline() can wake
    // a host sleeping on its host_word when the service dies (written while inactive).
    SharedMemory graphBlock_;
    std::atomic<uint32_t*> graphHostWord_{nullptr};
};

} // namespace aap
