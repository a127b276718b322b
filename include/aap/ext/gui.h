#pragma once
/*
 * GUI extension (urn://androidaudioplugin.org/extensions/gui/v4): an in-plugin-process GUI the
 * host can create, show, hide, resize and destroy.
 *
 * The GUI lives in the plugin's process. `view` in create is a platform handle meaningful only in
 * that process (on Android an AudioPluginView; on desktop a native window handle or null); it is
 * never serialized, so over AAPXS it arrives as null. Every call returns or takes an
 * aap_gui_instance_id produced by create. Results are AAP_GUI_RESULT_OK or a negative
 * AAP_GUI_ERROR_* code; hosts that reach a plugin without the extension or without one of the
 * functions report the matching AAP_GUI_ERROR_NO_*_DEFINED code.
 */

#include "../android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_GUI_EXTENSION_URI "urn://androidaudioplugin.org/extensions/gui/v4"

/* Opcodes on the AAPXS wire (docs/spec/abi.md section 5). Request payloads (little-endian):
 *   create:  i32 instance, u32 L, L bytes of pluginId (no NUL)   (view is not transferred)
 *   show / hide / destroy: i32 guiInstanceId
 *   resize:  i32 guiInstanceId, i32 width, i32 height
 * Every reply: i32 result (create: the new aap_gui_instance_id or an error code; hide and destroy:
 * AAP_GUI_RESULT_OK). */
#define AAP_GUI_OPCODE_CREATE 1
#define AAP_GUI_OPCODE_SHOW 2
#define AAP_GUI_OPCODE_HIDE 3
#define AAP_GUI_OPCODE_RESIZE 4
#define AAP_GUI_OPCODE_DESTROY 5

typedef int32_t aap_gui_instance_id;

#define AAP_GUI_RESULT_OK 0
#define AAP_GUI_ERROR_NO_DETAILS (-1)
#define AAP_GUI_ERROR_NO_GUI_DEFINED (-2)
#define AAP_GUI_ALREADY_INSTANTIATED (-3) /* the 0.8 name */
#define AAP_GUI_ERROR_ALREADY_INSTANTIATED AAP_GUI_ALREADY_INSTANTIATED
#define AAP_GUI_ERROR_NO_CREATE_DEFINED (-10)
#define AAP_GUI_ERROR_NO_SHOW_DEFINED (-11)
#define AAP_GUI_ERROR_NO_HIDE_DEFINED (-12)
#define AAP_GUI_ERROR_NO_RESIZE_DEFINED (-13)
#define AAP_GUI_ERROR_NO_DESTROY_DEFINED (-14)

typedef struct aap_gui_extension_t aap_gui_extension_t;

/* Plugin extension: get_extension(AAP_GUI_EXTENSION_URI). Owned by the plugin; valid until the
 * instance is released. ext and plugin are never null in any call. All functions are
 * [main-thread] and RT_UNSAFE. */
struct aap_gui_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [main-thread] Creates the GUI (not yet shown). pluginId: never null, borrowed. instance: the host's id for
     * this plugin instance. view: platform handle or null (see above), borrowed. Returns a new
     * id (>= 0) or a negative AAP_GUI_ERROR_* / AAP_GUI_ALREADY_INSTANTIATED. */
    RT_UNSAFE aap_gui_instance_id (*create)(struct aap_gui_extension_t* ext, AndroidAudioPlugin* plugin,
                                            const char* pluginId, int32_t instance, void* view);

    /* [main-thread] Shows the GUI. Returns AAP_GUI_RESULT_OK or a negative error code. */
    RT_UNSAFE int32_t (*show)(struct aap_gui_extension_t* ext, AndroidAudioPlugin* plugin,
                              aap_gui_instance_id guiInstanceId);

    /* [main-thread] Hides the GUI; unknown ids are ignored. */
    RT_UNSAFE void (*hide)(struct aap_gui_extension_t* ext, AndroidAudioPlugin* plugin,
                           aap_gui_instance_id guiInstanceId);

    /* [main-thread] Resizes the GUI to width x height pixels (> 0). Returns AAP_GUI_RESULT_OK or an error. */
    RT_UNSAFE int32_t (*resize)(struct aap_gui_extension_t* ext, AndroidAudioPlugin* plugin,
                                aap_gui_instance_id guiInstanceId, int32_t width, int32_t height);

    /* [main-thread] Destroys the GUI; the id is invalid afterwards. Unknown ids are ignored. */
    RT_UNSAFE void (*destroy)(struct aap_gui_extension_t* ext, AndroidAudioPlugin* plugin,
                              aap_gui_instance_id guiInstanceId);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
