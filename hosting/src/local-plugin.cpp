#include "local-plugin.h"

#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
#include "aap/ext-cpp/state.h"
#endif

#include <dlfcn.h>
#include <link.h>

#include <cstring>

#include <utility>
#include <vector>

namespace aap {

HostingStatus LocalPlugin::instantiate(const std::string& libraryPath, const std::string& entrypoint,
                                       const std::string& pluginId, LocalPluginHostHooks* hooks,
                                       std::unique_ptr<LocalPlugin>* out, std::string* error) {
    auto fail = [error](HostingStatus status, std::string message) {
        if (error != nullptr)
            *error = std::move(message);
        return status;
    };
    if (libraryPath.empty() || pluginId.empty() || out == nullptr)
        return fail(HostingStatus::InvalidArgument, "library path and plugin id must not be empty");
    std::unique_ptr<LocalPlugin> local{new LocalPlugin()};
    local->library_ = ::dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (local->library_ == nullptr) {
        const char* reason = ::dlerror();
        return fail(HostingStatus::LoadFailed, "dlopen(" + libraryPath + ") failed: " + (reason ? reason : "?"));
    }
    const std::string symbol = entrypoint.empty() ? "GetAndroidAudioPluginFactory" : entrypoint;
    void* entry = ::dlsym(local->library_, symbol.c_str());
    if (entry == nullptr)
        return fail(HostingStatus::LoadFailed, libraryPath + " does not export " + symbol);
    // dlsym also finds what the library's dependencies define (libc's `system`, ...): the factory
    // must be defined by the plugin's own library (docs/hosting.md, fault model).
    Dl_info where{};
    struct link_map* map = nullptr;
    if (::dladdr(entry, &where) == 0 || where.dli_fname == nullptr ||
        ::dlinfo(local->library_, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr || map->l_name == nullptr ||
        std::strcmp(where.dli_fname, map->l_name) != 0 || where.dli_fbase == nullptr)
        return fail(HostingStatus::LoadFailed,
                    "entrypoint " + symbol + " is not defined by " + libraryPath + " (it is defined in " +
                        (where.dli_fname != nullptr ? where.dli_fname : "an unknown object") + ")");
    local->hooks_ = hooks;
    local->host_.context = local.get();
    local->host_.get_extension = &LocalPlugin::hostGetExtension;
    local->host_.request_process = &LocalPlugin::hostRequestProcess;
    if (hooks != nullptr)
        hooks->libraryLoaded(local->library_, &local->host_);
    auto getFactory = reinterpret_cast<aap_factory_t>(entry);
    local->factory_ = getFactory();
    if (local->factory_ == nullptr || local->factory_->instantiate == nullptr || local->factory_->release == nullptr)
        return fail(HostingStatus::LoadFailed, symbol + " returned no usable factory");

    local->plugin_ = local->factory_->instantiate(local->factory_, pluginId.c_str(), &local->host_);
    if (local->plugin_ == nullptr)
        return fail(HostingStatus::InstantiateFailed, "the factory returned no instance for " + pluginId);
    AndroidAudioPlugin* p = local->plugin_;
    // The ABI check comes first, right after instantiate (docs/abi.md): on a refused record
    // nothing else of the instance is trusted, not even which function pointers it filled in.
    // Returning destroys `local`, which releases the instance (never prepared or activated)
    // through the factory and unloads the library. No get_extension, or a null answer, is a
    // legacy AAP 0.8 plugin (ABI 1.0) and accepted.
    const void* abiRecord = p->get_extension != nullptr ? p->get_extension(p, AAP_ABI_EXTENSION_URI) : nullptr;
    if (aap_abi_check(abiRecord) < 0) {
        const std::string peer = "plugin " + pluginId;
        std::vector<char> line(peer.size() + 256);
        aap_abi_describe(line.data(), line.size(), peer.c_str(), abiRecord);
        return fail(HostingStatus::AbiMismatch, line.data());
    }
    if (p->prepare == nullptr || p->activate == nullptr || p->process == nullptr || p->deactivate == nullptr)
        return fail(HostingStatus::InstantiateFailed, pluginId + " leaves a required function null");
    local->buffer_.impl = local.get();
    local->buffer_.num_frames = &LocalPlugin::bufferNumFrames;
    local->buffer_.num_ports = &LocalPlugin::bufferNumPorts;
    local->buffer_.get_buffer = &LocalPlugin::bufferGet;
    local->buffer_.get_buffer_size = &LocalPlugin::bufferGetSize;
    *out = std::move(local);
    return HostingStatus::Ok;
}

LocalPlugin::~LocalPlugin() {
    if (plugin_ != nullptr) {
        if (active_)
            plugin_->deactivate(plugin_);
#if AAP_HOSTING_WITH_STANDARD_EXTENSIONS
        // Chunked state transfers staged for this instance die with it (docs/extensions.md), before
        // its address can be reused by another instance.
        releaseStateTransfers(plugin_);
#endif
        factory_->release(factory_, plugin_);
    }
    if (library_ != nullptr)
        ::dlclose(library_);
}

void LocalPlugin::prepare(int32_t frames, int32_t sampleRate, std::vector<void*> buffers, std::vector<int32_t> sizes) {
    frames_ = frames;
    buffers_ = std::move(buffers);
    sizes_ = std::move(sizes);
    plugin_->prepare(plugin_, sampleRate, &buffer_);
}

void LocalPlugin::activate() {
    plugin_->activate(plugin_);
    active_ = true;
}

void LocalPlugin::deactivate() {
    plugin_->deactivate(plugin_);
    active_ = false;
}

void LocalPlugin::process(int32_t frames, int64_t timeoutNs) noexcept {
    plugin_->process(plugin_, &buffer_, frames, timeoutNs);
}

void* LocalPlugin::pluginExtension(const char* uri) {
    return plugin_->get_extension != nullptr ? plugin_->get_extension(plugin_, uri) : nullptr;
}

void* LocalPlugin::hostGetExtension(AndroidAudioPluginHost* host, const char* uri) {
    if (host == nullptr || uri == nullptr)
        return nullptr;
    if (void* abi = aap_abi_get_extension(uri))
        return abi;
    auto* self = static_cast<LocalPlugin*>(host->context);
    return self->hooks_ != nullptr ? self->hooks_->hostExtension(host, uri) : nullptr;
}

void LocalPlugin::hostRequestProcess(AndroidAudioPluginHost* host) {
    if (host == nullptr)
        return;
    auto* self = static_cast<LocalPlugin*>(host->context);
    if (self->hooks_ != nullptr)
        self->hooks_->requestProcess();
}

int32_t LocalPlugin::bufferNumFrames(aap_buffer_t* self) {
    return static_cast<LocalPlugin*>(self->impl)->frames_;
}

int32_t LocalPlugin::bufferNumPorts(aap_buffer_t* self) {
    return static_cast<int32_t>(static_cast<LocalPlugin*>(self->impl)->buffers_.size());
}

void* LocalPlugin::bufferGet(aap_buffer_t* self, int32_t index) {
    auto* p = static_cast<LocalPlugin*>(self->impl);
    if (index < 0 || static_cast<size_t>(index) >= p->buffers_.size())
        return nullptr;
    return p->buffers_[static_cast<size_t>(index)];
}

int32_t LocalPlugin::bufferGetSize(aap_buffer_t* self, int32_t index) {
    auto* p = static_cast<LocalPlugin*>(self->impl);
    if (index < 0 || static_cast<size_t>(index) >= p->sizes_.size())
        return 0;
    return p->sizes_[static_cast<size_t>(index)];
}

} // namespace aap
