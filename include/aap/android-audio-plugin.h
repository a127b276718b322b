#pragma once
/*
 * The core plugin ABI: buffers, the plugin, the host as the plugin sees it, and the factory.
 *
 * A plugin is a shared library that exports exactly one symbol, GetAndroidAudioPluginFactory. The
 * host calls it, instantiates plugins through the factory and drives each instance through its
 * lifecycle (docs/spec/abi.md section 3):
 *
 *   instantiate -> prepare -> activate <-> (process ...) <-> deactivate -> release
 *
 * Threads (CLAP-style tags on every function pointer):
 *   [main-thread]  the host's control thread for this instance; never the audio thread. Calls
 *                  for one instance never overlap.
 *   [audio-thread] the realtime thread: the implementation must not allocate, lock, block,
 *                  perform I/O or loop unboundedly.
 *   [thread-safe]  any thread, concurrently; also realtime-safe unless stated otherwise.
 *
 * Ownership: every pointer handed to a function is borrowed for the duration of the call unless
 * the comment next to it says otherwise. Structs returned by pointer (AndroidAudioPlugin,
 * extension structs) are owned by whoever returned them and stay valid as stated.
 *
 * ABI version: see aap/abi.h (included at the end of this header): the host and the plugin learn
 * which ABI the other side was built against through the AAP_ABI_EXTENSION_URI extension.
 *
 * Source compatibility: names, member orders and function-pointer types are those of Android
 * Audio Plugin's current API (aap-core main; docs/spec/abi.md section 1, docs/compatibility.md for
 * what differs from the 0.8 release), so positional aggregate initializers in existing plugin
 * sources keep compiling. This header is valid C99 and C++11.
 */

#include "private/std.h"
#include "private/macros.h"
#include "plugin-meta-info.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default capacity, in bytes, of a MIDI2 (control) port buffer including its 32-byte header. */
#define DEFAULT_CONTROL_BUFFER_SIZE 8192

/* Longest plugin id and extension URI, in bytes, excluding the terminating NUL. */
#define AAP_MAX_PLUGIN_ID_SIZE 1024
#define AAP_MAX_EXTENSION_URI_SIZE 1024
/* Default largest serialized extension payload; an AAPXSDefinition may ask for more. */
#define AAP_MAX_EXTENSION_DATA_SIZE 1024

/*
 * The port buffers of one plugin instance, created by the host.
 *
 * Ownership: the host owns the struct and every buffer; they stay valid from prepare() until the
 * next prepare() or release. All functions take the struct itself (never null) and are
 * [thread-safe] and realtime-safe.
 */
typedef struct aap_buffer_t {
    /* Owned by the creator of this struct; nobody else touches it. */
    void* impl;

    /* [thread-safe] Capacity in frames of every audio port buffer. Not meaningful for MIDI ports. */
    int32_t (*num_frames)(struct aap_buffer_t* self);

    /* [thread-safe] Number of port buffers (equals the plugin's port count). */
    int32_t (*num_ports)(struct aap_buffer_t* self);

    /* [thread-safe] The buffer of port `index` (0 <= index < num_ports): float samples for audio
     * ports, an AAPMidiBufferHeader followed by UMP words for MIDI2 ports (aap/ext/midi.h).
     * Returns null for an out-of-range index. Owned by the host. */
    void* (*get_buffer)(struct aap_buffer_t* self, int32_t index);

    /* [thread-safe] Size in bytes of port `index`'s buffer; 0 for an out-of-range index. */
    int32_t (*get_buffer_size)(struct aap_buffer_t* self, int32_t index);
} aap_buffer_t;

/* Completion callback of asynchronous extension calls (e.g. presets get_preset): invoked once
 * with the callbackData that was passed to the call and the plugin or host the call targeted.
 * [thread-safe]: it may run on any non-realtime thread. */
typedef void (*aapxs_completion_callback)(void* context, void* pluginOrHost);

struct AndroidAudioPluginFactory;
struct AndroidAudioPlugin;
struct AndroidAudioPluginHost;

typedef void* (*aap_host_get_extension_func_t)(struct AndroidAudioPluginHost* host, const char* uri);
typedef void (*aap_host_request_process_func_t)(struct AndroidAudioPluginHost* host);

/*
 * The host as a plugin instance sees it. Owned by the host; valid from instantiate until the
 * instance is released. `context` identifies the plugin instance within the host, so host
 * extension functions need no instance argument.
 */
typedef struct AndroidAudioPluginHost {
    /* Owned by the host; opaque to the plugin. */
    void* context;

    /* [main-thread] Returns the host extension for `uri` (never null), or null when the host does
     * not provide it. The returned struct is owned by the host and stays valid as long as this
     * AndroidAudioPluginHost. Hosts built on this SDK answer AAP_ABI_EXTENSION_URI. */
    aap_host_get_extension_func_t get_extension;

    /* [thread-safe] Asks the host to call process() soon even though the instance is not active,
     * e.g. to deliver queued host-extension replies. Never blocks. May be null in 0.8 hosts. */
    aap_host_request_process_func_t request_process;
} AndroidAudioPluginHost;

typedef struct AndroidAudioPlugin* (*aap_instantiate_func_t)(
        struct AndroidAudioPluginFactory* pluginFactory,
        const char* pluginUniqueId,
        AndroidAudioPluginHost* host);

typedef void (*aap_release_func_t)(
        struct AndroidAudioPluginFactory* pluginFactory,
        struct AndroidAudioPlugin* instance);

typedef void (*aap_prepare_func_t)(
        struct AndroidAudioPlugin* plugin,
        int sampleRate,
        aap_buffer_t* audioBuffer);

typedef void (*aap_control_func_t)(struct AndroidAudioPlugin* plugin);

typedef void (*aap_process_func_t)(
        struct AndroidAudioPlugin* plugin,
        aap_buffer_t* audioBuffer,
        int32_t frameCount,
        int64_t timeoutInNanoseconds);

typedef void* (*aap_get_extension_func_t)(
        struct AndroidAudioPlugin* plugin,
        const char* uri);

typedef aap_plugin_info_t (*aap_get_plugin_info_func_t)(struct AndroidAudioPlugin* plugin);

/*
 * One plugin instance, created by the factory and owned by the plugin until the factory's release.
 * Every function takes the instance itself (never null) and must be non-null unless noted.
 */
typedef struct AndroidAudioPlugin {
    /* Owned by the plugin; the host never reads or writes it. */
    void* plugin_specific;

    /* [main-thread] Instance is INACTIVE afterwards. Called once after instantiate and again
     * whenever the buffers change (only while inactive). sampleRate in Hz (> 0); audioBuffer is
     * owned by the host and valid until the next prepare or release. Allocate everything the audio
     * thread will need here. */
    aap_prepare_func_t prepare;

    /* [main-thread] INACTIVE -> ACTIVE. Must return quickly; process() calls may follow at once. */
    aap_control_func_t activate;

    /* [audio-thread] Reads inputs and writes outputs of frameCount frames
     * (0 <= frameCount <= audioBuffer->num_frames). audioBuffer is the one passed to prepare.
     * timeoutInNanoseconds is the time the host will wait for the call; 0 means "no stated limit". */
    aap_process_func_t process;

    /* [main-thread] ACTIVE -> INACTIVE. No process() call overlaps or follows until activate. */
    aap_control_func_t deactivate;

    /* [main-thread] Returns the plugin extension for `uri` (never null), or null when the plugin
     * does not implement it. The returned struct is owned by the plugin and stays valid until the
     * instance is released. Plugins built with this SDK answer AAP_ABI_EXTENSION_URI (one line:
     * see aap_abi_get_extension in aap/abi.h). */
    aap_get_extension_func_t get_extension;

    /* [main-thread] May be null. Returns the plugin's own view of its metadata, valid until the
     * instance is released; when null (or all members null), hosts use the metadata they parsed. */
    aap_get_plugin_info_func_t get_plugin_info;
} AndroidAudioPlugin;

/*
 * The entry point of a plugin library. Owned by the library; valid while it is loaded.
 */
typedef struct AndroidAudioPluginFactory {
    /* [main-thread] Creates an instance of the plugin identified by pluginUniqueId (never null;
     * the `unique-id` of aap_metadata.xml). host (never null) stays valid until release. Returns
     * null for an unknown id, an incompatible host (see aap/abi.h) or on failure. */
    aap_instantiate_func_t instantiate;

    /* [main-thread] Destroys an instance returned by instantiate (never null), in any state; the
     * host deactivates an active instance first. */
    aap_release_func_t release;

    /* Owned by the library; opaque to the host. */
    void* factory_context;
} AndroidAudioPluginFactory;

/* All a plugin library exports. Plugins may define it without `extern "C"`: this declaration gives
 * it C linkage and default visibility. Returns a factory that stays valid while the library is
 * loaded; null means the library cannot serve any plugin. [main-thread] */
AAP_EXPORT AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void);

typedef AndroidAudioPluginFactory* (*aap_factory_t)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#include "abi.h"
