#pragma once
// aap::ServiceGui: the plugin service's side of gui/v5 for one plugin instance (docs/gui.md,
// "Native GUIs"). It registers its own AAPXS definition for the gui/v5 URI, so every gui/v5
// request of the host lands here instead of calling the plugin on the thread that received it:
//   - a plugin without gui:program in its metadata: the call runs on the service's GuiThread
//     against the plugin's own aap_gui_v5_extension_t, bounded by the deadlines;
//   - a plugin with gui:program: the GUI is a separate process (GuiProgram) launched at create,
//     one process per GUI session, supervised with the deadlines.
// The plugin's host extension for gui/v5 comes from here too: its requests travel to the host as
// one-way control messages (HostNotify), and register_fd / register_timer join the GuiThread.
//
// Threads: the AAPXS handler runs on the control thread (inactive) or the AAPXS worker (active)
// and waits for the GUI thread at most the deadline; HostNotify is called from the GUI thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "aap/android-audio-plugin.h"
#include "aap/ext/gui-v5.h"
#include "aap/hosting/status.h"
#include "aap/hosting/unique-fd.h"
#include "aapxs/aapxs.h"
#include "gui-program.h"
#include "gui-thread.h"

namespace aap {

class ServiceGui {
public:
    // [thread-safe] Queues a gui/v5 host-extension request (opcode < 0) for the host.
    using HostNotify = std::function<void(int32_t opcode, int32_t gui, uint32_t a, uint32_t b)>;

    // programPath: absolute path of the GUI program, or "" for an in-process GUI.
    ServiceGui(GuiThread& thread, std::string programPath, GuiDeadlines deadlines, HostNotify notify);
    ServiceGui(const ServiceGui&) = delete;
    ServiceGui& operator=(const ServiceGui&) = delete;
    ~ServiceGui();

    // The definition to register for AAP_GUI_V5_EXTENSION_URI (before the standard ones).
    AAPXSDefinition definition() noexcept;
    // What the plugin gets from host->get_extension(AAP_GUI_V5_EXTENSION_URI).
    aap_gui_v5_host_extension_t* hostExtension() noexcept { return &hostExtension_; }
    // [main-thread] The plugin, once instantiated (its own gui/v5 struct is looked up lazily).
    void setPlugin(AndroidAudioPlugin* plugin) noexcept;
    // [main-thread] Ends the live GUI (in-process: the plugin's destroy; program: killed) and
    // drops the plugin's fds and timers. Before the plugin is released. Idempotent.
    void shutdown();

    // [control-thread] Hands GUI program session `session` the host's shared-memory GUI channel
    // (a CHANNEL request with `fd` attached; docs/gui.md, "Parameters of a GUI program") and waits
    // for its ack within the call deadline. Ok; NotFound (no live program of that session);
    // Unsupported (an in-process GUI, or a program that does not implement CHANNEL); InvalidArgument
    // (the program refused it); Timeout (it did not answer in time: it was killed and the host told
    // closed(was_destroyed)).
    HostingStatus attachChannel(int32_t session, uint32_t capacity, const uint8_t* token, size_t tokenSize,
                                UniqueFd fd, std::string* why);

    struct State;  // shared with tasks that may outlive a timed-out call (service-gui.cpp)
    const std::shared_ptr<State>& state() const noexcept { return state_; }

private:
    static void handleRequest(AAPXSDefinition* definition, AAPXSRecipientInstance* instance,
                              AndroidAudioPlugin* plugin, AAPXSRequestContext* request);
    void buildFront();
    void buildHostExtension();

    GuiThread& thread_;
    std::shared_ptr<State> state_;
    aap_gui_v5_extension_t front_{};
    aap_gui_v5_host_extension_t hostExtension_{};
};

} // namespace aap
