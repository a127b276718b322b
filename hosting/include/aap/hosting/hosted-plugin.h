#pragma once
// aap::HostedPlugin: one hosted plugin instance and everything that talks to it, owned together.
//
//     aap::PluginHost host{aap::PluginCatalog::scan(searchPath)};
//     std::unique_ptr<aap::HostedPlugin> plugin;
//     std::string error;
//     if (aap::HostedPlugin::open(host, "urn:example:synth", {}, &plugin, &error) != aap::HostingStatus::Ok)
//         ... error says which step failed ...
//     auto presets = plugin->presets();          // std::shared_ptr<aap::PresetsProxy>
//     auto count = presets->getPresetCount();    // control channel (inactive)
//     plugin->activate();
//     // audio thread, per period:
//     plugin->process(256, deadlineNs);
//
// It owns the PluginInstance, its PluginInstanceEndpoint and ExtensionClient, and the typed proxy
// of every standard extension (parameters, presets, state, midi, gui, urid, port-config). Whatever
// order the caller declares or drops things in, teardown is the one safe order: the instance is
// destroyed first (pending extension requests complete exactly once, with Cancelled, while the
// client still exists), then the proxies, the client and the endpoint.
//
// Proxies are handed out as std::shared_ptr. One that outlives the HostedPlugin (kept by the
// caller, or held by an async request's user data) never touches freed memory: it keeps the
// client and endpoint alive, and every call on it fails at once with ExtensionError::Closed.
//
// Live use (docs/hosting.md): process() keeps the cycle contract for events and turns a missed
// deadline into an xrun (xruns() counts them); when the instance is really lost (Error),
// reinstantiate() starts it again and restores the state last taken by snapshotState().
// Parameter values are set and read by stable id (setParameter / parameterValue).
//
// Threads: open(), close(), reinstantiate(), snapshotState(), the destructor and the lifecycle
// calls are [main-thread]; process(), addEvent() and setParameter() are [audio-thread];
// xruns() and parameterValue() are [thread-safe]; the proxies follow ExtensionClient's rules. The
// caller must stop calling process() before the HostedPlugin is closed, re-instantiated or
// destroyed (as with any instance).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/gui-v5.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/state.h"
#include "aap/ext-cpp/urid.h"
#include "aap/hosting/gui-path.h"
#include "aap/hosting/plugin-host.h"
#include "aap/hosting/plugin-instance-endpoint.h"

namespace aap {

class GuiSessions;

struct HostedPluginOptions {
    // prepare() is called by open() with these unless `prepare` is false (the instance is then
    // left unprepared, e.g. to register more extension blocks through the endpoint first).
    int32_t frames = 256;
    int32_t sampleRate = 48000;
    bool prepare = true;
    // Third-party extensions to give a serialization block (besides every standard one).
    std::vector<PluginInstanceEndpoint::ExtensionBlock> extraExtensions;
    ExtensionClient::Options client;

    // The defaults, prepared for `frames` per cycle at `sampleRate`.
    static HostedPluginOptions at(int32_t frames, int32_t sampleRate) {
        HostedPluginOptions options;
        options.frames = frames;
        options.sampleRate = sampleRate;
        return options;
    }
};

class HostedPlugin {
public:
    // [main-thread] Instantiates `pluginId` through `host` (which need not outlive the result),
    // sets up the extension endpoint, client and proxies, and prepares the instance (inactive
    // afterwards) unless options.prepare is false. On failure returns the status and *error (when
    // not null) says which step failed and why. When the transport cannot add extension blocks
    // the instance still runs: the proxies are null and extensionStatus() says why.
    static HostingStatus open(PluginHost& host, const std::string& pluginId, const HostedPluginOptions& options,
                              std::unique_ptr<HostedPlugin>* out, std::string* error = nullptr);

    // Closes (see close()).
    ~HostedPlugin();
    HostedPlugin(const HostedPlugin&) = delete;
    HostedPlugin& operator=(const HostedPlugin&) = delete;

    // [main-thread] Destroys the instance (bounded in time; pending requests complete with
    // Cancelled) and closes the endpoint: proxies still held elsewhere fail with Closed from now
    // on. Idempotent. The caller must no longer call process().
    void close() noexcept;
    bool closed() const noexcept;

    const std::string& pluginId() const noexcept { return pluginId_; }
    PluginInstance& instance() noexcept;
    InstanceState instanceState() const noexcept;

    // Lifecycle shortcuts for instance().prepare/activate/deactivate.
    HostingStatus prepare(int32_t frames, int32_t sampleRate);
    HostingStatus activate();
    HostingStatus deactivate();
    // [audio-thread] One cycle: instance().process(frames, timeoutNs) (its cycle contract and
    // xruns), plus parameter values set while inactive (sent at frame 0 of the first cycle) and
    // parameter changes the plugin reports on its MIDI2 output (parameterValue() follows them).
    HostingStatus process(int32_t frames, int64_t timeoutNs) noexcept;
    // [audio-thread] process() split around a cycle that aap::PluginGraph runs (plugin-graph.h):
    // the parameter values still to send and PluginInstance::beginGraphCycle; then
    // PluginInstance::endGraphCycle and the parameter changes the plugin reported (the AAPXS
    // arguments as there).
    HostingStatus beginGraphCycle(int32_t frames, bool* aapxsFramed = nullptr) noexcept;
    HostingStatus endGraphCycle(HostingStatus status, bool started, bool outputMayHoldAapxs = true) noexcept;
    // [audio-thread] instance().addEvent. A parameter-change SysEx8 the host adds this way is
    // followed like setParameter(): parameterValue() and the GUI path get its value.
    HostingStatus addEvent(int32_t frame, const uint32_t* words, size_t wordCount) noexcept;

    // [thread-safe] Xruns of this plugin, across re-instantiations.
    uint64_t xruns() const noexcept;

    // ---- Parameters by stable id ----
    struct Parameter {
        int32_t id = 0;
        double minimumValue = 0.0;
        double maximumValue = 1.0;
        double defaultValue = 0.0;
    };
    // The plugin's parameters as open() read them: from its parameters extension (control
    // channel), or from the metadata when the plugin does not list them there.
    const std::vector<Parameter>& parameterList() const noexcept { return parameters_; }
    // [audio-thread] Sets parameter `id` to the plain `value` (within its range). Active: a
    // parameter-change SysEx8 at `frame` of the next cycle (addEvent). Not active: kept, and sent
    // at frame 0 of the first cycle after activation. Errors: NotFound (unknown id),
    // InvalidArgument (value out of range or NaN, bad frame), CapacityExceeded, InvalidState
    // (closed).
    HostingStatus setParameter(int32_t id, double value, int32_t frame = 0) noexcept;
    // [thread-safe] The value the host last set, or the plugin last reported on its MIDI2 output,
    // else the default. NotFound for an unknown id.
    HostingStatus parameterValue(int32_t id, double* value) const noexcept;

    // ---- The GUI <-> DSP path (docs/gui.md) ----
    // [main-thread] Creates this plugin's GuiPath (once; later calls return the same one and
    // ignore `options`): from the next cycle on, process() drains GUI events into the cycle's
    // events (after the host's: host events win ties), reports GUI parameter changes to
    // parameterValue(), and after each cycle publishes parameter values, the plugin's MIDI2
    // output and the peak level of every audio port for GUIs. The path survives
    // reinstantiate(). Null when out of memory or no parameters were read (closed).
    std::shared_ptr<GuiPath> enableGuiPath(const GuiPathOptions& options = {});
    // [thread-safe] The path enableGuiPath() made, or null.
    std::shared_ptr<GuiPath> guiPath() const noexcept { return guiPath_; }
    // [main-thread] Makes the GUI program of gui/v5 session `gui` (guiV5()->create of a plugin
    // with gui:program) one more client of `sessions` (built on enableGuiPath()): a shared-memory
    // channel (GuiShmConnection, aap/gui-shm-channel.h) is attached to `sessions` and handed,
    // with the sessions' token, to the program through the plugin service; the program then says
    // Hello on it like any GUI client and its parameter edits reach process() through the GUI
    // path (docs/gui.md, "Parameters of a GUI program"). *client gets the session's client id.
    // Errors: InvalidState (no instance), Unsupported (in-process transport, an in-process GUI,
    // or a program without CHANNEL), NotFound (no live program of that id), Timeout (it did not
    // acknowledge: killed, closed(was_destroyed) follows), CapacityExceeded (sessions full).
    HostingStatus connectGuiProgram(int32_t gui, GuiSessions& sessions, uint32_t* client = nullptr,
                                    std::string* error = nullptr);

    // ---- Losing an instance and getting it back ----
    // [main-thread] Takes the plugin's state (state extension) and keeps it for reinstantiate().
    ExtensionStatus snapshotState();
    bool hasStateSnapshot() const noexcept { return hasSnapshot_; }
    // [main-thread] Destroys the current instance (whatever its state: typically Error after the
    // service died or was killed as hung), instantiates the plugin again with the same options,
    // restores the snapshot (if any) and the parameter values set since, and activates it if it
    // was active. Proxies taken before fail with Closed: take them again. *error says which step
    // failed.
    HostingStatus reinstantiate(std::string* error = nullptr);

    // Ok when the extension endpoint was set up; otherwise why the proxies are null.
    HostingStatus extensionStatus() const noexcept { return extensionStatus_; }

    // Null when extensionStatus() is not Ok. See the header comment for lifetimes.
    std::shared_ptr<PluginInstanceEndpoint> endpoint() const noexcept;
    std::shared_ptr<ExtensionClient> client() const noexcept;
    std::shared_ptr<ParametersProxy> parameters() const noexcept;
    std::shared_ptr<PresetsProxy> presets() const noexcept;
    std::shared_ptr<StateProxy> state() const noexcept;
    std::shared_ptr<MidiProxy> midi() const noexcept;
    std::shared_ptr<GuiProxy> gui() const noexcept;
    std::shared_ptr<GuiV5Proxy> guiV5() const noexcept;  // gui/v5: native desktop GUIs (docs/gui.md)
    std::shared_ptr<UridProxy> urid() const noexcept;
    std::shared_ptr<PortConfigProxy> portConfig() const noexcept;

private:
    struct Core;
    HostedPlugin() = default;
    HostingStatus openCore(std::string* error);
    void readParameters();
    void followReportedParameters() noexcept;
    void flushPendingParameters() noexcept;
    void guiBeforeCycle(int32_t frames) noexcept;
    void guiAfterCycle(HostingStatus status) noexcept;
    int32_t parameterIndex(int32_t id) const noexcept;

    std::string pluginId_;
    std::unique_ptr<PluginHost> host_;  // a copy: the caller's host need not outlive us
    HostedPluginOptions options_;
    HostingStatus extensionStatus_ = HostingStatus::Ok;
    std::shared_ptr<Core> core_;
    bool wantActive_ = false;
    uint64_t xrunsBefore_ = 0;
    std::vector<uint8_t> snapshot_;
    bool hasSnapshot_ = false;
    std::vector<Parameter> parameters_;
    std::unique_ptr<std::atomic<double>[]> values_;
    std::unique_ptr<std::atomic<bool>[]> pending_;  // set while inactive, not sent yet
    std::atomic<bool> anyPending_{false};
    std::shared_ptr<GuiPath> guiPath_;
    std::atomic<GuiPath*> gui_{nullptr};  // what the audio thread reads
    int32_t guiFrames_ = 0;               // this cycle's frames (audio thread)
};

// "timeout", "unknown extension (the plugin process has no AAPXS definition for it)", ...
std::string describeExtensionError(ExtensionError error);

} // namespace aap
