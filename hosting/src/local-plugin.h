#pragma once
// Drives one AndroidAudioPlugin inside the current process: loads its library, instantiates it
// with an AndroidAudioPluginHost, gives it an aap_buffer_t over buffers owned by the caller and
// forwards the lifecycle calls. Used by InProcessTransport (host side) and by the plugin
// service (the process that hosts plugins for ProcessTransport). [main-thread] except process().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/android-audio-plugin.h"
#include "aap/hosting/status.h"

namespace aap {

// What the plugin reaches through its AndroidAudioPluginHost.
class LocalPluginHostHooks {
public:
    virtual ~LocalPluginHostHooks() = default;
    // [main-thread] The plugin library is loaded (dlopen handle); the factory has not run yet.
    // `host` is what the plugin will get (stable until the plugin is released). Everything
    // hostExtension() can return must be built here.
    virtual void libraryLoaded(void* library, AndroidAudioPluginHost* host) {
        (void)library;
        (void)host;
    }
    // A host extension other than the ABI record (answered by LocalPlugin), or null. May be called
    // from inside the factory's instantiate, and, although aapxs.h tags get_extension
    // [main-thread], from the plugin's process() (AAP 0.8 plugins do): so it must be a read-only
    // lookup, [thread-safe] and realtime-safe (no allocation, no lock).
    virtual void* hostExtension(AndroidAudioPluginHost* host, const char* uri) noexcept = 0;
    // [thread-safe] The plugin asked to be processed; must not block.
    virtual void requestProcess() noexcept = 0;
};

class LocalPlugin {
public:
    // Loads `libraryPath`, resolves `entrypoint` (empty = GetAndroidAudioPluginFactory),
    // instantiates `pluginId` and checks the plugin's ABI record (aap/abi.h). `hooks` must
    // outlive the plugin. On failure *error says why.
    static HostingStatus instantiate(const std::string& libraryPath, const std::string& entrypoint,
                                     const std::string& pluginId, LocalPluginHostHooks* hooks,
                                     std::unique_ptr<LocalPlugin>* out, std::string* error);

    LocalPlugin(const LocalPlugin&) = delete;
    LocalPlugin& operator=(const LocalPlugin&) = delete;
    // Deactivates if active, releases the instance through the factory, unloads the library.
    ~LocalPlugin();

    // Hands the plugin `buffers` (borrowed, one per port, valid until the next prepare or
    // destruction) of `sizes` bytes each.
    void prepare(int32_t frames, int32_t sampleRate, std::vector<void*> buffers, std::vector<int32_t> sizes);
    void activate();
    void deactivate();
    // [audio-thread]
    void process(int32_t frames, int64_t timeoutNs) noexcept;
    // [audio-thread] The plugin reads port `index` from `buffer` from now on (a graph's zero copy).
    void setBuffer(int32_t index, void* buffer) noexcept {
        if (index >= 0 && static_cast<size_t>(index) < buffers_.size())
            buffers_[static_cast<size_t>(index)] = buffer;
    }
    // [main-thread] The plugin's extension for `uri`, or null.
    void* pluginExtension(const char* uri);
    AndroidAudioPlugin* plugin() const noexcept { return plugin_; }
    // The dlopen handle of the plugin library (for optional exports such as AAPXS definitions).
    void* library() const noexcept { return library_; }

private:
    LocalPlugin() = default;

    static void* hostGetExtension(AndroidAudioPluginHost* host, const char* uri);
    static void hostRequestProcess(AndroidAudioPluginHost* host);
    static int32_t bufferNumFrames(aap_buffer_t* self);
    static int32_t bufferNumPorts(aap_buffer_t* self);
    static void* bufferGet(aap_buffer_t* self, int32_t index);
    static int32_t bufferGetSize(aap_buffer_t* self, int32_t index);

    void* library_ = nullptr;
    AndroidAudioPluginFactory* factory_ = nullptr;
    AndroidAudioPlugin* plugin_ = nullptr;
    LocalPluginHostHooks* hooks_ = nullptr;
    AndroidAudioPluginHost host_{};
    aap_buffer_t buffer_{};
    int32_t frames_ = 0;
    std::vector<void*> buffers_;
    std::vector<int32_t> sizes_;
    bool active_ = false;
};

} // namespace aap
