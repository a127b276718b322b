#pragma once
// The plugin side of AAPXS for one instance running in this process (the plugin service, or the
// in-process transport): the definitions its library exports (plugin-aapxs-definitions.h), the
// control-channel dispatch while inactive, and, while active, a RecipientSession with its
// non-realtime worker that strips requests out of the MIDI2 input before the plugin runs and
// frames replies into the MIDI2 output after it (spec/abi.md section 4).

#include <cstdint>
#include <memory>
#include <string>

#include "aap/android-audio-plugin.h"
#include "aap/hosting/status.h"
#include "aap/runtime/definition-registry.h"
#include "aap/runtime/non-realtime-worker.h"
#include "aap/runtime/recipient-session.h"

namespace aap {

class PluginSideAapxs {
public:
    PluginSideAapxs() = default;
    ~PluginSideAapxs() { stopSession(); }
    PluginSideAapxs(const PluginSideAapxs&) = delete;
    PluginSideAapxs& operator=(const PluginSideAapxs&) = delete;

    // [main-thread] Registers the definitions `library` (a dlopen handle) exports, if any.
    void loadDefinitions(void* library, const std::string& libraryPath);
    bool hasDefinitions() const noexcept { return registry_.size() > 0; }

    // [main-thread] Inactive path: runs the definition's handler for one request whose payload is
    // in `block` (requestSize bytes of `capacity`). NotFound for an unknown URI, Unsupported when
    // the definition has no plugin side or its handler did not reply.
    HostingStatus dispatch(AndroidAudioPlugin* plugin, const std::string& uri, int32_t opcode, uint32_t requestId,
                           uint8_t* block, uint32_t capacity, uint32_t requestSize, uint32_t* replySize);

    // [main-thread] At activate / deactivate. No-op without definitions.
    HostingStatus startSession(AndroidAudioPlugin* plugin);
    void stopSession();

    // [audio-thread] Around the plugin's process(). Null buffers are ignored.
    void beforeProcess(uint8_t* midiIn, size_t capacity) noexcept {
        if (recipient_ && midiIn != nullptr)
            recipient_->readRequests(midiIn, capacity);
    }
    void afterProcess(uint8_t* midiOut, size_t capacity) noexcept {
        if (recipient_ && midiOut != nullptr) {
            recipient_->writeReplies(midiOut, capacity);
            worker_->wakeIfPending();
        }
    }

private:
    AAPXSDefinitionRegistry registry_;
    UridTable urids_;
    std::unique_ptr<NonRealtimeWorker> worker_;
    std::unique_ptr<RecipientSession> recipient_;
};

} // namespace aap
