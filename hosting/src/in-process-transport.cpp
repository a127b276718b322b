#include "aap/hosting/in-process-transport.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "aap/hosting/shared-memory.h"
#include "aap/plugin-meta-info.h"
#include "local-plugin.h"
#include "plugin-info-provider.h"
#include "plugin-side-aapxs.h"

namespace aap {

namespace {

class InProcessInstance final : public TransportInstance, private LocalPluginHostHooks {
public:
    explicit InProcessInstance(TransportHostCallbacks* callbacks) : callbacks_(callbacks) {}
    ~InProcessInstance() override { destroy(); }

    HostingStatus load(const PluginLoadSpec& spec, std::string* error) {
        libraryPath_ = spec.libraryPath;
        metadataPath_ = spec.metadataPath;
        aapxs_.setControlChannelSender([this](const std::string& uri, int32_t opcode, uint32_t requestId, uint8_t* data,
                                              uint32_t requestSize, uint32_t capacity, uint32_t* replySize) {
            // In process the "control channel" is a direct call into the host's handler.
            if (callbacks_ == nullptr)
                return HostingStatus::NotFound;
            return callbacks_->hostExtension(uri, opcode, requestId, data, requestSize, capacity, replySize);
        });
        return LocalPlugin::instantiate(spec.libraryPath, spec.entrypoint, spec.pluginId, this, &plugin_, error);
    }

    HostingStatus addExtension(const std::string& uri, uint32_t dataCapacity, uint8_t** block) override {
        if (!plugin_)
            return HostingStatus::Offline;
        if (uri.empty() || dataCapacity == 0 || block == nullptr)
            return HostingStatus::InvalidArgument;
        extensions_.push_back(Extension{uri, std::vector<uint8_t>(dataCapacity)});
        *block = extensions_.back().block.data();
        return HostingStatus::Ok;
    }

    HostingStatus mapUrid(const std::string& uri, uint8_t urid) override {
        if (!plugin_)
            return HostingStatus::Offline;
        return aapxs_.mapUrid(uri, urid);  // InvalidState while a session (active) runs
    }

    HostingStatus prepare(int32_t frames, int32_t sampleRate, const std::vector<PortBufferSpec>& ports) override {
        if (!plugin_)
            return HostingStatus::Offline;
        if (frames <= 0 || sampleRate <= 0)
            return HostingStatus::InvalidArgument;
        // One sealed memfd per port (zero-filled: silence, empty MIDI2 header), mapped at a page
        // boundary (so at least 64-byte aligned) and exactly the port's size, as the process
        // transport's: an out-of-process node of a graph maps an in-process node's output where it
        // is (portBufferFd) instead of reading a copy. Built aside: a failure keeps the old ones.
        std::vector<SharedMemory> buffers;
        std::vector<void*> pointers;
        std::vector<int32_t> sizes;
        int32_t midiIn = -1, midiOut = -1;
        for (const PortBufferSpec& port : ports) {
            if (port.sizeInBytes == 0 || port.sizeInBytes > static_cast<uint32_t>(INT32_MAX) ||
                (port.contentType == AAP_CONTENT_TYPE_MIDI2 && port.sizeInBytes < 32))
                return HostingStatus::InvalidArgument;
            const int32_t index = static_cast<int32_t>(buffers.size());
            if (port.contentType == AAP_CONTENT_TYPE_MIDI2 && port.direction == AAP_PORT_DIRECTION_INPUT && midiIn < 0)
                midiIn = index;
            if (port.contentType == AAP_CONTENT_TYPE_MIDI2 && port.direction == AAP_PORT_DIRECTION_OUTPUT && midiOut < 0)
                midiOut = index;
            SharedMemory memory;
            const HostingStatus status = SharedMemory::create(port.sizeInBytes, "aap-in-process-port", &memory);
            if (status != HostingStatus::Ok)
                return status;
            pointers.push_back(memory.data());
            sizes.push_back(static_cast<int32_t>(port.sizeInBytes));
            buffers.push_back(std::move(memory));
        }
        ports_ = ports;
        buffers_ = std::move(buffers);
        midiIn_ = midiIn;
        midiOut_ = midiOut;
        plugin_->prepare(frames, sampleRate, std::move(pointers), std::move(sizes));
        return HostingStatus::Ok;
    }

    HostingStatus activate() override {
        if (!plugin_)
            return HostingStatus::Offline;
        HostingStatus status = aapxs_.startSession(plugin_->plugin());
        if (status != HostingStatus::Ok)
            return status;
        plugin_->activate();
        aapxs_.setActive(true);
        return HostingStatus::Ok;
    }

    HostingStatus deactivate() override {
        if (!plugin_)
            return HostingStatus::Offline;
        aapxs_.setActive(false);
        plugin_->deactivate();
        aapxs_.stopSession();
        return HostingStatus::Ok;
    }

    HostingStatus destroy() override {
        aapxs_.stopSession();
        plugin_.reset();
        return HostingStatus::Ok;
    }

    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept override {
        if (!plugin_)
            return HostingStatus::Offline;
        aapxs_.beforeProcess(portBytes(midiIn_), portSize(midiIn_));
        plugin_->process(frames, timeoutNs);
        aapxs_.afterProcess(portBytes(midiOut_), portSize(midiOut_));
        return HostingStatus::Ok;
    }

    bool redirectInputBuffer(int32_t index, void* buffer) noexcept override {
        if (!plugin_ || index < 0 || static_cast<size_t>(index) >= buffers_.size())
            return false;
        plugin_->setBuffer(index, buffer != nullptr ? buffer : buffers_[static_cast<size_t>(index)].data());
        return true;
    }

    void* portBuffer(int32_t index) noexcept override {
        if (index < 0 || static_cast<size_t>(index) >= buffers_.size())
            return nullptr;
        return buffers_[static_cast<size_t>(index)].data();
    }

    int portBufferFd(int32_t index) const noexcept override {
        if (index < 0 || static_cast<size_t>(index) >= buffers_.size())
            return -1;
        return buffers_[static_cast<size_t>(index)].fd();
    }

    HostingStatus extension(const std::string& uri, int32_t opcode, uint32_t requestId, uint32_t requestSize,
                            uint32_t* replySize, int64_t) override {
        if (!plugin_)
            return HostingStatus::Offline;
        for (Extension& e : extensions_)
            if (e.uri == uri)
                return aapxs_.dispatch(plugin_->plugin(), uri, opcode, requestId, e.block.data(),
                                       static_cast<uint32_t>(e.block.size()), requestSize, replySize);
        return HostingStatus::NotFound;
    }

    bool isAlive() const noexcept override { return plugin_ != nullptr; }

private:
    struct Extension {
        std::string uri;
        std::vector<uint8_t> block;
    };

    // Builds every host extension the plugin can get before it runs, so that hostExtension is a
    // read-only lookup that the plugin may call from process() (LocalPluginHostHooks).
    void libraryLoaded(void* library, AndroidAudioPluginHost* host) override {
        aapxs_.loadDefinitions(library, libraryPath_, host);
        pluginInfo_ = PluginInfoProvider::fromMetadataFile(metadataPath_);
    }
    void* hostExtension(AndroidAudioPluginHost* host, const char* uri) noexcept override {
        // plugin-info is served here from the metadata, everything else through AAPXS.
        if (std::strcmp(uri, AAP_PLUGIN_INFO_EXTENSION_URI) == 0)
            return pluginInfo_ ? pluginInfo_->extension() : nullptr;
        return aapxs_.hostExtension(uri, host);
    }
    void requestProcess() noexcept override {
        if (callbacks_ != nullptr)
            callbacks_->requestProcess();
    }

    uint8_t* portBytes(int32_t index) noexcept {
        return index < 0 ? nullptr : reinterpret_cast<uint8_t*>(buffers_[static_cast<size_t>(index)].data());
    }
    size_t portSize(int32_t index) const noexcept {
        return index < 0 ? 0 : ports_[static_cast<size_t>(index)].sizeInBytes;
    }

    TransportHostCallbacks* callbacks_;
    std::string libraryPath_;
    std::string metadataPath_;
    std::unique_ptr<PluginInfoProvider> pluginInfo_;  // before plugin_: outlives it
    std::unique_ptr<LocalPlugin> plugin_;
    PluginSideAapxs aapxs_;  // after plugin_: destroyed first
    int32_t midiIn_ = -1;
    int32_t midiOut_ = -1;
    std::vector<PortBufferSpec> ports_;
    std::vector<SharedMemory> buffers_;  // by port index, each exactly ports_[i].sizeInBytes
    std::vector<Extension> extensions_;
};

} // namespace

HostingStatus InProcessTransport::createInstance(const PluginLoadSpec& spec, TransportHostCallbacks* callbacks,
                                                 std::unique_ptr<TransportInstance>* instance, std::string* error) {
    if (instance == nullptr)
        return HostingStatus::InvalidArgument;
    auto created = std::make_unique<InProcessInstance>(callbacks);
    HostingStatus status = created->load(spec, error);
    if (status != HostingStatus::Ok)
        return status;
    *instance = std::move(created);
    return HostingStatus::Ok;
}

} // namespace aap
