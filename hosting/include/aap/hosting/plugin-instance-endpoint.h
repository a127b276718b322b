#pragma once
// aap::PluginInstanceEndpoint: the ExtensionEndpoint (aap::ext) of an aap::PluginInstance, so the
// typed proxies of aap::ext reach a plugin in another process. It lives in aap::hosting because it
// needs both layers (ext must not include hosting; docs/architecture.md).
//
// Most hosts do not use it directly: aap::HostedPlugin (hosted-plugin.h) owns an instance, its
// endpoint, client and every standard proxy, and tears them down in the one safe order. Using the
// endpoint by hand:
//
//     std::unique_ptr<aap::PluginInstance> instance;            // from PluginHost::instantiate
//     std::unique_ptr<aap::PluginInstanceEndpoint> endpoint;
//     aap::PluginInstanceEndpoint::create(*instance, &endpoint); // while unprepared
//     auto client = aap::ExtensionClient::create(*endpoint);
//     aap::PresetsProxy presets{*client};
//     instance->prepare(256, 48000);
//     auto count = presets.getPresetCount();                     // control channel (inactive)
//     instance->activate();
//     // with an audio thread calling instance->process():
//     auto preset = presets.getPreset(0);                        // MIDI2 stream (active)
//
// Threads: create() [main-thread]; the rest as ExtensionEndpoint says. Lifetime (by hand): the
// instance must outlive the endpoint; destroy the instance before the ExtensionClient and the
// endpoint (destroying it cancels whatever is pending, exactly once). close() makes every later
// call fail with ExtensionError::Closed (HostedPlugin calls it when it goes away).

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aap/ext-cpp/extension-endpoint.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "aap/hosting/plugin-host.h"

namespace aap {

class PluginInstanceEndpoint final : public ExtensionEndpoint {
public:
    struct ExtensionBlock {
        std::string uri;        // static storage is not needed here; the client needs it for calls
        std::uint32_t capacity; // bytes of the serialization block (the definition's data_capacity)
    };

    // [main-thread] `instance` must be unprepared: a serialization block is added for every
    // standard extension (standard-extensions.h) and for each of `extra` (third-party
    // extensions). realtimeCapacity must not exceed the host's
    // PluginHostOptions::maxExtensionDataSize (the default is the same 4096).
    static HostingStatus create(PluginInstance& instance, std::unique_ptr<PluginInstanceEndpoint>* out,
                                const std::vector<ExtensionBlock>& extra = {}, std::uint32_t realtimeCapacity = 4096) {
        if (out == nullptr || realtimeCapacity < 64)
            return HostingStatus::InvalidArgument;
        std::unique_ptr<PluginInstanceEndpoint> endpoint{new PluginInstanceEndpoint(instance, realtimeCapacity)};
        std::size_t count = 0;
        const AAPXSDefinition* const* standard = standardExtensionDefinitions(&count);
        std::vector<ExtensionBlock> blocks;
        for (std::size_t i = 0; i < count; i++)
            blocks.push_back({standard[i]->uri, static_cast<std::uint32_t>(standard[i]->data_capacity)});
        blocks.insert(blocks.end(), extra.begin(), extra.end());
        for (const ExtensionBlock& block : blocks) {
            std::uint8_t* data = nullptr;
            const HostingStatus status = instance.addExtension(block.uri, block.capacity, &data);
            if (status != HostingStatus::Ok)
                return status;
            endpoint->blocks_.push_back(Block{block.uri, block.capacity, data});
        }
        *out = std::move(endpoint);
        return HostingStatus::Ok;
    }

    // [thread-safe] From now on route() is Closed and every call fails with ExtensionError::Closed.
    void close() noexcept { closed_.store(true, std::memory_order_release); }
    bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

    ExtensionRoute route() const noexcept override {
        if (closed())
            return ExtensionRoute::Closed;
        switch (instance_.state()) {
        case InstanceState::Unprepared:
        case InstanceState::Inactive: return ExtensionRoute::Control;
        case InstanceState::Active: return ExtensionRoute::Realtime;
        default: return ExtensionRoute::Unavailable;
        }
    }

    ExtensionError callControl(std::string_view uri, std::int32_t opcode, const std::uint8_t* request,
                               std::size_t requestSize, std::uint8_t* reply, std::size_t replyCapacity,
                               std::size_t* replySize, std::int64_t timeoutNs) override {
        if (closed())
            return ExtensionError::Closed;
        const Block* block = find(uri);
        if (block == nullptr)
            return ExtensionError::NotAvailable;
        if (requestSize > block->capacity)
            return ExtensionError::TooLarge;
        if (requestSize > 0)
            std::memcpy(block->data, request, requestSize);
        std::uint32_t size = 0;
        const HostingStatus status =
            instance_.extension(block->uri, opcode, nextRequestId_.fetch_add(1), static_cast<std::uint32_t>(requestSize),
                                &size, timeoutNs);
        if (status != HostingStatus::Ok)
            return errorOf(status);
        if (size > block->capacity || size > replyCapacity)
            return ExtensionError::TooLarge;
        if (size > 0)
            std::memcpy(reply, block->data, size);
        *replySize = size;
        return ExtensionError::None;
    }

    std::size_t controlCapacity(std::string_view uri) const noexcept override {
        const Block* block = find(uri);
        return block != nullptr ? block->capacity : 0;
    }

    ExtensionError submitRealtime(const InitiatorSession::Request& request) noexcept override {
        if (closed())
            return ExtensionError::Closed;
        const HostingStatus status = instance_.submitExtensionRequest(request, nullptr);
        switch (status) {
        case HostingStatus::Ok: return ExtensionError::None;
        case HostingStatus::CapacityExceeded: return ExtensionError::Busy;
        default: return errorOf(status);
        }
    }

    std::size_t realtimeCapacity() const noexcept override { return realtimeCapacity_; }

    // The HostingStatus of a failed control call, as an ExtensionError.
    static ExtensionError errorOf(HostingStatus status) noexcept {
        switch (status) {
        case HostingStatus::Ok: return ExtensionError::None;
        case HostingStatus::InvalidState: return ExtensionError::NotAvailable;
        case HostingStatus::NotFound: return ExtensionError::UnknownExtension;
        case HostingStatus::Unsupported: return ExtensionError::NotImplemented;
        case HostingStatus::CapacityExceeded: return ExtensionError::TooLarge;
        case HostingStatus::InvalidArgument: return ExtensionError::InvalidArgument;
        case HostingStatus::Timeout: return ExtensionError::Timeout;
        default: return ExtensionError::TransportFailed;
        }
    }

private:
    struct Block {
        std::string uri;
        std::uint32_t capacity;
        std::uint8_t* data;
    };

    PluginInstanceEndpoint(PluginInstance& instance, std::uint32_t realtimeCapacity)
        : instance_(instance), realtimeCapacity_(realtimeCapacity) {}

    const Block* find(std::string_view uri) const noexcept {
        for (const Block& block : blocks_)
            if (block.uri == uri)
                return &block;
        return nullptr;
    }

    PluginInstance& instance_;
    std::uint32_t realtimeCapacity_;
    std::vector<Block> blocks_;
    std::atomic<std::uint32_t> nextRequestId_{1};
    std::atomic<bool> closed_{false};
};

} // namespace aap
