#pragma once
/*
 * GUI extension v5 (urn://androidaudioplugin.org/extensions/gui/v5): native desktop GUIs.
 *
 * v4 (aap/ext/gui.h) stays as it is for existing sources. v5 adds what a desktop host needs to
 * show a plugin's own editor, either embedded into a host window or floating:
 *   - the window APIs a GUI supports (AAP_GUI_API_X11; AAP_GUI_API_WAYLAND floating only),
 *   - floating vs embedded, chosen at create,
 *   - the parent (embedded) or transient-for (floating) window as a 64-bit handle that IS
 *     serialized: an X11 window id names the same window in every process on the display,
 *   - scale, size, resize hints, set_size, show, hide, destroy,
 *   - a host extension (same URI) for the plugin's requests: request_resize, request_show,
 *     request_hide, resize_hints_changed, and closed(was_destroyed) for a GUI that was closed by
 *     the user or lost (crashed, hung, killed),
 *   - an event loop the plugin process offers the GUI (register_fd / register_timer on the host
 *     extension, on_fd / on_timer on the plugin's), so an X11 editor needs no thread of its own.
 *
 * Where the GUI runs (docs/gui.md, "Native GUIs"): in the plugin's process, on a GUI thread the
 * plugin service runs for it (never the audio thread, never the control channel's thread), or in
 * a separate GUI program the service launches and supervises. A host sees the same extension
 * either way.
 *
 * Threads. In the plugin's process every function of aap_gui_v5_extension_t is called on that
 * process's GUI thread, tagged [gui-thread] below; a plugin never gets two calls at once. On the
 * host, the proxy's calls are [main-thread] of the host (any one non-audio thread at a time); they
 * wait for the answer, bounded by a deadline. The host extension's requests are [thread-safe] on
 * the plugin side and arrive on a host non-realtime thread ([host-thread]). register_fd,
 * unregister_fd, register_timer and unregister_timer are local: the plugin's own process answers
 * them and they never cross the process boundary.
 *
 * GUI ids. create returns an aap_gui_instance_id (>= 0) that names one GUI session; every other
 * call and every host request carries it. Ids are not reused within a plugin instance's lifetime,
 * so a late message of a destroyed or lost session names no live GUI and is ignored (calls answer
 * AAP_GUI_ERROR_UNKNOWN_GUI).
 *
 * All sizes are physical pixels; scale is the host's content scale (1.0 = 96 dpi) and only a hint.
 */

#include "../android-audio-plugin.h"
#include "gui.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_GUI_V5_EXTENSION_URI "urn://androidaudioplugin.org/extensions/gui/v5"

/* Window APIs. Values on the wire: i32. */
#define AAP_GUI_API_X11 1     /* embedded (parent = Window XID) or floating (transient-for XID) */
#define AAP_GUI_API_WAYLAND 2 /* floating only; no handle crosses processes (handle = 0) */

/* Result codes beyond gui.h's (AAP_GUI_RESULT_OK, AAP_GUI_ERROR_NO_DETAILS,
 * AAP_GUI_ERROR_NO_GUI_DEFINED, AAP_GUI_ERROR_ALREADY_INSTANTIATED). */
#define AAP_GUI_ERROR_UNSUPPORTED_API (-4)    /* api/floating combination not supported */
#define AAP_GUI_ERROR_INVALID_ARGUMENT (-5)   /* a size of 0, a scale <= 0 or not finite, a null window */
#define AAP_GUI_ERROR_UNKNOWN_GUI (-6)        /* the id names no live GUI (destroyed, lost, never created) */
#define AAP_GUI_ERROR_TIMEOUT (-7)            /* the GUI did not answer within its deadline; it is closed */
#define AAP_GUI_ERROR_NOT_IMPLEMENTED (-8)    /* the plugin's struct has no such function */
#define AAP_GUI_ERROR_WRONG_STATE (-9)        /* e.g. set_parent on a floating GUI, set_transient on an embedded one */

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5, docs/extensions.md). All integers are
 * little-endian; "bool" is an i32 0 or 1 (anything else is refused as malformed); f64 is IEEE-754.
 * Plugin extension (host -> plugin); every reply starts with i32 result. A plugin without the
 * extension answers AAP_GUI_ERROR_NO_GUI_DEFINED (is_api_supported and get_preferred_api: 0):
 *   1 is_api_supported   i32 api, bool floating            -> i32 result (1 supported, 0 not)
 *   2 get_preferred_api  -                                 -> i32 result (1 has one, 0 not), i32 api, bool floating
 *   3 create             i32 api, bool floating            -> i32 id (>= 0) or error
 *   4 destroy            i32 id                            -> i32 result
 *   5 set_scale          i32 id, f64 scale                 -> i32 result
 *   6 get_size           i32 id                            -> i32 result, u32 width, u32 height
 *   7 get_resize_hints   i32 id                            -> i32 result, aap_gui_resize_hints_t (9 x 32 bits, in order)
 *   8 adjust_size        i32 id, u32 width, u32 height     -> i32 result, u32 width, u32 height
 *   9 set_size           i32 id, u32 width, u32 height     -> i32 result
 *  10 set_parent         i32 id, i32 api, u32 0, u64 handle -> i32 result
 *  11 set_transient      i32 id, i32 api, u32 0, u64 handle -> i32 result
 *  12 suggest_title      i32 id, u32 L (<= 256), L bytes UTF-8 (no NUL) -> i32 result
 *  13 show               i32 id                            -> i32 result
 *  14 hide               i32 id                            -> i32 result
 * Host extension (plugin -> host), no reply data:
 *  -1 request_resize       i32 id, u32 width, u32 height
 *  -2 request_show         i32 id
 *  -3 request_hide         i32 id
 *  -4 closed               i32 id, bool was_destroyed
 *  -5 resize_hints_changed i32 id
 */
#define AAP_GUI_V5_OPCODE_IS_API_SUPPORTED 1
#define AAP_GUI_V5_OPCODE_GET_PREFERRED_API 2
#define AAP_GUI_V5_OPCODE_CREATE 3
#define AAP_GUI_V5_OPCODE_DESTROY 4
#define AAP_GUI_V5_OPCODE_SET_SCALE 5
#define AAP_GUI_V5_OPCODE_GET_SIZE 6
#define AAP_GUI_V5_OPCODE_GET_RESIZE_HINTS 7
#define AAP_GUI_V5_OPCODE_ADJUST_SIZE 8
#define AAP_GUI_V5_OPCODE_SET_SIZE 9
#define AAP_GUI_V5_OPCODE_SET_PARENT 10
#define AAP_GUI_V5_OPCODE_SET_TRANSIENT 11
#define AAP_GUI_V5_OPCODE_SUGGEST_TITLE 12
#define AAP_GUI_V5_OPCODE_SHOW 13
#define AAP_GUI_V5_OPCODE_HIDE 14
#define AAP_GUI_V5_OPCODE_REQUEST_RESIZE (-1)
#define AAP_GUI_V5_OPCODE_REQUEST_SHOW (-2)
#define AAP_GUI_V5_OPCODE_REQUEST_HIDE (-3)
#define AAP_GUI_V5_OPCODE_CLOSED (-4)
#define AAP_GUI_V5_OPCODE_RESIZE_HINTS_CHANGED (-5)

/* Longest title suggest_title carries, in bytes (longer ones are cut by the host-side proxy at a
 * UTF-8 character boundary). */
#define AAP_GUI_MAX_TITLE_BYTES 256

/* A window of the host: the parent of an embedded GUI, or the window a floating GUI stays
 * transient for. 16 bytes, no padding. */
typedef struct aap_gui_window_t {
    int32_t api;      /* AAP_GUI_API_* */
    uint32_t reserved; /* 0 */
    /* X11: the Window XID (fits 32 bits today; carried as 64). Wayland: 0 (nothing crosses
     * processes). */
    uint64_t handle;
} aap_gui_window_t;

/* How a GUI may be resized. 36 bytes, all 32-bit fields; booleans are 0 or 1. A min or max of 0
 * means "no bound". */
typedef struct aap_gui_resize_hints_t {
    uint32_t can_resize_horizontally;
    uint32_t can_resize_vertically;
    uint32_t preserve_aspect_ratio;
    uint32_t aspect_ratio_width;  /* meaningful when preserve_aspect_ratio */
    uint32_t aspect_ratio_height;
    uint32_t min_width;
    uint32_t min_height;
    uint32_t max_width;
    uint32_t max_height;
} aap_gui_resize_hints_t;

/* Flags of register_fd / on_fd. */
#define AAP_GUI_FD_READ 1u
#define AAP_GUI_FD_WRITE 2u
#define AAP_GUI_FD_ERROR 4u

typedef struct aap_gui_v5_extension_t aap_gui_v5_extension_t;
typedef struct aap_gui_v5_host_extension_t aap_gui_v5_host_extension_t;

/* Plugin extension: get_extension(AAP_GUI_V5_EXTENSION_URI). Owned by the plugin; valid until the
 * instance is released. ext and plugin are never null. Every function is RT_UNSAFE. Functions a
 * plugin leaves null answer AAP_GUI_ERROR_NOT_IMPLEMENTED (bool ones: false), except those noted. */
struct aap_gui_v5_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [gui-thread] True when a GUI of window API `api` can be created floating (is_floating) or
     * embedded (!is_floating). */
    RT_UNSAFE bool (*is_api_supported)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, int32_t api,
                                       bool is_floating);

    /* [gui-thread] The API and mode the plugin prefers; false when it has no preference. api and
     * is_floating are never null. */
    RT_UNSAFE bool (*get_preferred_api)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, int32_t* api,
                                        bool* is_floating);

    /* [gui-thread] Creates the GUI's resources (nothing is visible yet). Embedded: the host calls
     * set_parent before show. Floating: set_transient and suggest_title are optional. Returns a
     * new id (>= 0) or AAP_GUI_ERROR_UNSUPPORTED_API / AAP_GUI_ERROR_ALREADY_INSTANTIATED / another
     * negative code. */
    RT_UNSAFE aap_gui_instance_id (*create)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, int32_t api,
                                            bool is_floating);

    /* [gui-thread] Frees everything create made; the id is dead afterwards (never reused). Must not
     * be null. */
    RT_UNSAFE void (*destroy)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui);

    /* [gui-thread] The host's content scale (> 0, finite). The plugin may ignore it (return
     * AAP_GUI_RESULT_OK anyway) when it follows the display itself. */
    RT_UNSAFE int32_t (*set_scale)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui,
                                   double scale);

    /* [gui-thread] The GUI's current size in pixels; width and height are never null. */
    RT_UNSAFE int32_t (*get_size)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui,
                                  uint32_t* width, uint32_t* height);

    /* [gui-thread] Fills *hints (never null). May be null: the host then assumes a fixed size. */
    RT_UNSAFE int32_t (*get_resize_hints)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin,
                                          aap_gui_instance_id gui, aap_gui_resize_hints_t* hints);

    /* [gui-thread] Turns *width x *height into the nearest size the GUI accepts (in place). */
    RT_UNSAFE int32_t (*adjust_size)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin,
                                     aap_gui_instance_id gui, uint32_t* width, uint32_t* height);

    /* [gui-thread] Resizes the GUI (width, height > 0); the host's answer to a request_resize, or
     * its own window being resized. */
    RT_UNSAFE int32_t (*set_size)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui,
                                  uint32_t width, uint32_t height);

    /* [gui-thread] Embedded GUIs: reparents the GUI into *window (borrowed, never null) of the
     * matching api. Floating GUIs answer AAP_GUI_ERROR_WRONG_STATE. */
    RT_UNSAFE int32_t (*set_parent)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui,
                                    const aap_gui_window_t* window);

    /* [gui-thread] Floating GUIs: keeps the GUI above *window (borrowed, never null). Embedded GUIs
     * answer AAP_GUI_ERROR_WRONG_STATE. */
    RT_UNSAFE int32_t (*set_transient)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin,
                                       aap_gui_instance_id gui, const aap_gui_window_t* window);

    /* [gui-thread] Floating GUIs: a title for the window. title: NUL-terminated UTF-8, borrowed,
     * never null. May be null (then ignored, answering OK). */
    RT_UNSAFE void (*suggest_title)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui,
                                    const char* title);

    /* [gui-thread] Shows / hides the GUI. */
    RT_UNSAFE int32_t (*show)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui);
    RT_UNSAFE int32_t (*hide)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, aap_gui_instance_id gui);

    /* [gui-thread] Local (never crosses processes): an fd the plugin registered with the host
     * extension's register_fd is ready; flags: AAP_GUI_FD_*. May be null when the plugin never
     * registers an fd. */
    RT_UNSAFE void (*on_fd)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, int32_t fd, uint32_t flags);

    /* [gui-thread] Local: a timer registered with register_timer fired. May be null when the
     * plugin never registers a timer. */
    RT_UNSAFE void (*on_timer)(aap_gui_v5_extension_t* ext, AndroidAudioPlugin* plugin, uint32_t timer_id);
};

/* Host extension: host->get_extension(host, AAP_GUI_V5_EXTENSION_URI). Owned by the host side;
 * valid until the instance is released. */
struct aap_gui_v5_host_extension_t {
    /* Reserved for the AAPXS implementation. */
    void* aapxs_context;

    /* [thread-safe] The GUI wants width x height; the host answers by calling set_size (or not).
     * Asynchronous: returns before the host saw it. */
    RT_UNSAFE void (*request_resize)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                     aap_gui_instance_id gui, uint32_t width, uint32_t height);

    /* [thread-safe] The GUI wants to be shown / hidden (e.g. its own close button on a floating
     * window hides it); the host answers by calling show / hide. Asynchronous. */
    RT_UNSAFE void (*request_show)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                   aap_gui_instance_id gui);
    RT_UNSAFE void (*request_hide)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                   aap_gui_instance_id gui);

    /* [thread-safe] The GUI is gone. was_destroyed: its resources are gone too (it crashed, hung or
     * was killed; the host must not call destroy, and any call on the id answers
     * AAP_GUI_ERROR_UNKNOWN_GUI); false: only its window was closed (the host calls destroy when it
     * is done). Asynchronous. */
    RT_UNSAFE void (*closed)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, aap_gui_instance_id gui,
                             bool was_destroyed);

    /* [thread-safe] The resize hints changed; the host calls get_resize_hints again. */
    RT_UNSAFE void (*resize_hints_changed)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                           aap_gui_instance_id gui);

    /* [gui-thread] Local: watch fd (flags: AAP_GUI_FD_READ / WRITE) on the GUI thread's loop;
     * on_fd is called when it is ready. False when fd is negative or already registered or the
     * process offers no GUI loop. */
    RT_UNSAFE bool (*register_fd)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, int32_t fd,
                                  uint32_t flags);
    /* [gui-thread] Local: stop watching fd. False when it was not registered. */
    RT_UNSAFE bool (*unregister_fd)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host, int32_t fd);

    /* [gui-thread] Local: call on_timer every period_ms (>= 1) with *timer_id (never null; set on
     * success). */
    RT_UNSAFE bool (*register_timer)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                     uint32_t period_ms, uint32_t* timer_id);
    /* [gui-thread] Local: stop the timer. False when it was not registered. */
    RT_UNSAFE bool (*unregister_timer)(aap_gui_v5_host_extension_t* ext, AndroidAudioPluginHost* host,
                                       uint32_t timer_id);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
