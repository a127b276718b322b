// Plugins with one GUI defect each (aap_metadata.xml), for `aap-host validate --gui`. Their audio
// is a plain pass-through; their gui/v5 extension claims an embeddable X11 GUI and answers every
// call, but:
//   no-window  never creates any window (set_parent and show answer OK all the same);
//   slow-answer  answers set_parent only after 800 ms (the deadline is 500 ms).
// Neither needs X11: what they get wrong is exactly that nothing (or nothing in time) happens.

#include <aap/android-audio-plugin.h>
#include <aap/ext/gui-v5.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace {

struct GuiTestPlugin {
    AndroidAudioPlugin plugin{};
    bool slowAnswer = false;
    aap_gui_instance_id live = -1;
    aap_gui_instance_id next = 1;
    uint32_t width = 300;
    uint32_t height = 200;
};

GuiTestPlugin* self(AndroidAudioPlugin* plugin) { return static_cast<GuiTestPlugin*>(plugin->plugin_specific); }
bool knows(AndroidAudioPlugin* p, aap_gui_instance_id gui) { return gui >= 0 && self(p)->live == gui; }

const aap_gui_v5_extension_t kGui = {
    nullptr,
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t api, bool floating) {
        return api == AAP_GUI_API_X11 && !floating;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t* api, bool* floating) {
        *api = AAP_GUI_API_X11;
        *floating = false;
        return true;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, int32_t api, bool floating) -> aap_gui_instance_id {
        if (api != AAP_GUI_API_X11 || floating)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        if (self(p)->live >= 0)
            return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
        self(p)->live = self(p)->next++;
        return self(p)->live;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) {
        if (knows(p, gui))
            self(p)->live = -1;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, double) {
        return knows(p, gui) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_UNKNOWN_GUI;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, uint32_t* width, uint32_t* height) {
        if (!knows(p, gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        *width = self(p)->width;
        *height = self(p)->height;
        return AAP_GUI_RESULT_OK;
    },
    nullptr,  // get_resize_hints: fixed size
    nullptr,  // adjust_size
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, uint32_t width, uint32_t height) {
        if (!knows(p, gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        self(p)->width = width;
        self(p)->height = height;
        return AAP_GUI_RESULT_OK;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, const aap_gui_window_t*) {
        if (!knows(p, gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        if (self(p)->slowAnswer)
            std::this_thread::sleep_for(std::chrono::milliseconds(800));
        return AAP_GUI_RESULT_OK;  // and makes no window
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin*, aap_gui_instance_id, const aap_gui_window_t*) {
        return AAP_GUI_ERROR_WRONG_STATE;
    },
    nullptr,  // suggest_title
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) {
        return knows(p, gui) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_UNKNOWN_GUI;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) {
        return knows(p, gui) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_UNKNOWN_GUI;
    },
    nullptr,  // on_fd
    nullptr,  // on_timer
};

void prepare(AndroidAudioPlugin*, int, aap_buffer_t*) {}
void activate(AndroidAudioPlugin*) {}
void deactivate(AndroidAudioPlugin*) {}
void process(AndroidAudioPlugin*, aap_buffer_t* buffer, int32_t frames, int64_t) {
    // Default effect ports: 0, 1 audio in; 2, 3 audio out.
    if (buffer == nullptr || buffer->num_ports(buffer) < 4)
        return;
    for (int32_t c = 0; c < 2; c++) {
        const void* in = buffer->get_buffer(buffer, c);
        void* out = buffer->get_buffer(buffer, c + 2);
        if (in != nullptr && out != nullptr)
            std::memcpy(out, in, sizeof(float) * static_cast<size_t>(frames));
    }
}
void* getExtension(AndroidAudioPlugin*, const char* uri) {
    return uri != nullptr && std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0 ? const_cast<aap_gui_v5_extension_t*>(&kGui)
                                                                            : nullptr;
}

AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* id, AndroidAudioPluginHost*) {
    const bool noWindow = id != nullptr && std::strcmp(id, "urn:aap-gui-test:no-window") == 0;
    const bool slowAnswer = id != nullptr && std::strcmp(id, "urn:aap-gui-test:slow-answer") == 0;
    if (!noWindow && !slowAnswer)
        return nullptr;
    auto* object = new GuiTestPlugin();
    object->slowAnswer = slowAnswer;
    object->plugin.plugin_specific = object;
    object->plugin.prepare = prepare;
    object->plugin.activate = activate;
    object->plugin.process = process;
    object->plugin.deactivate = deactivate;
    object->plugin.get_extension = getExtension;
    return &object->plugin;
}
void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) { delete self(plugin); }
AndroidAudioPluginFactory factory{instantiate, release, nullptr};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
