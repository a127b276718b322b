// AAP example effect with a native editor in the plugin's own process: a stereo gain, balance and
// width whose three parameters are also sliders of an X11 window drawn with plain Xlib
// (../common/x11-slider-editor.h). The host embeds the window into one of its own by X11 window
// id (valid in every process on the display) or lets it float (docs/gui.md).
//
// Ports: the default effect ports (0 Audio In L, 1 Audio In R, 2 Audio Out L, 3 Audio Out R,
// 4 System MIDI In, 5 System MIDI Out). Control: parameter-change SysEx8 on the MIDI2 input,
// and the editor.
//
// The editor's path to the DSP is the plugin's own: a slider edit stores the new plain value into
// the same lock-free atomic that a parameter-change SysEx8 writes, and process() reads it on the
// next cycle. The state extension saves those atomics, so a host sees the edit in the state.
//
// Threads: process() on the audio thread (no allocation, no lock); the GUI extension's functions
// on the plugin service's GUI thread; the X11 connection on the editor's own thread
// (../common/x11-editor-thread.h), where slider edits happen.

#include <aap/android-audio-plugin.h>
#include <aap/ext/gui-v5.h>
#include <aap/ext/parameters.h>
#include <aap/ext/state.h>
#include <aap/helpers/plugin.hpp>
#include <aapxs/midi2-buffer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "../common/example-parameters.h"
#include "../common/x11-editor-thread.h"

namespace {

constexpr uint32_t kStateTag = 0x31315847;  // "GX11"

enum PortIndex : int32_t { kInL = 0, kInR = 1, kOutL = 2, kOutR = 3, kMidiIn = 4, kMidiOut = 5, kPortCount = 6 };
enum ParameterIndex : size_t { kGain = 0, kBalance = 1, kWidth = 2, kParameterCount = 3 };

const aap_examples::ParameterSpec kParameters[] = {
    {0, "Gain (dB)", "/Output", -60.0, 12.0, 0.0, nullptr, 0},
    {1, "Balance", "/Output", -1.0, 1.0, 0.0, nullptr, 0},
    {2, "Width", "/Output", 0.0, 2.0, 1.0, nullptr, 0},
};
const aap_examples::SliderSpec kSliders[] = {
    {"Gain (dB)", -60.0, 12.0},
    {"Balance", -1.0, 1.0},
    {"Width", 0.0, 2.0},
};
using Values = aap_examples::ParameterValues<kParameterCount>;
// Below this the labels no longer fit.
constexpr uint32_t kMinWidth = 120;
constexpr uint32_t kMinHeight = 3 * 24 + 2 * aap_examples::X11SliderEditor::kMargin;

class X11EditorGain : public aap::helpers::Plugin<X11EditorGain, aap::helpers::Parameters, aap::helpers::State> {
public:
    static constexpr const char* kPluginId = "urn:aap-examples:x11-editor";

    explicit X11EditorGain(AndroidAudioPluginHost* host) noexcept : host_(host), values_(kParameters) {
        if (host_ != nullptr && host_->get_extension != nullptr)
            hostGui_ = static_cast<aap_gui_v5_host_extension_t*>(host_->get_extension(host_, AAP_GUI_V5_EXTENSION_URI));
    }
    ~X11EditorGain() { editor_.reset(); }

    // The gui/v5 extension; the helper's get_extension asks here for URIs it does not cover.
    void* extension(const char* uri) noexcept {
        return std::strcmp(uri, AAP_GUI_V5_EXTENSION_URI) == 0 ? const_cast<aap_gui_v5_extension_t*>(&kGuiExtension)
                                                                : nullptr;
    }

    void prepare(int, aap_buffer_t*) {}

    // [audio-thread]
    void process(aap_buffer_t* buffer, int32_t frames, int64_t) noexcept {
        if (buffer == nullptr || buffer->num_ports(buffer) < kPortCount)
            return;
        if (frames > buffer->num_frames(buffer))
            frames = buffer->num_frames(buffer);
        readMidi(buffer);
        void* midiOut = buffer->get_buffer(buffer, kMidiOut);
        const int32_t midiOutSize = buffer->get_buffer_size(buffer, kMidiOut);
        if (midiOut != nullptr && midiOutSize >= static_cast<int32_t>(AAPXS_MIDI2_BUFFER_HEADER_SIZE))
            aapxs_midi2_buffer_init(midiOut, static_cast<size_t>(midiOutSize));
        const float* inL = static_cast<const float*>(buffer->get_buffer(buffer, kInL));
        const float* inR = static_cast<const float*>(buffer->get_buffer(buffer, kInR));
        float* outL = static_cast<float*>(buffer->get_buffer(buffer, kOutL));
        float* outR = static_cast<float*>(buffer->get_buffer(buffer, kOutR));
        if (!inL || !inR || !outL || !outR)
            return;
        const double db = values_.get(kGain);
        const double gain = db <= -60.0 ? 0.0 : std::pow(10.0, db / 20.0);
        const double balance = values_.get(kBalance);
        const double leftGain = gain * (balance > 0 ? 1.0 - balance : 1.0);
        const double rightGain = gain * (balance < 0 ? 1.0 + balance : 1.0);
        const double width = values_.get(kWidth);
        for (int32_t i = 0; i < frames; i++) {
            const double mid = 0.5 * (inL[i] + inR[i]);
            const double side = 0.5 * (inL[i] - inR[i]) * width;
            outL[i] = static_cast<float>((mid + side) * leftGain);
            outR[i] = static_cast<float>((mid - side) * rightGain);
        }
    }

    // ---- parameters ----
    int32_t parameterCount() noexcept { return Values::count(); }
    aap_parameter_info_t parameterInfo(int32_t index) noexcept { return values_.info(index); }
    double parameterProperty(int32_t id, int32_t property) noexcept { return values_.property(id, property); }
    int32_t enumerationCount(int32_t id) noexcept { return values_.enumerationCount(id); }
    aap_parameter_enum_t enumeration(int32_t id, int32_t index) noexcept { return values_.enumeration(id, index); }
    // ---- state ----
    size_t stateSize() noexcept { return Values::stateSize(); }
    void saveState(aap_state_t* destination) noexcept { values_.saveState(kStateTag, destination); }
    void loadState(aap_state_t* source) noexcept {
        if (!values_.loadState(kStateTag, source))
            std::fprintf(stderr, "%s: set_state: not a state of this plugin (%zu bytes); state unchanged\n",
                         kPluginId, source->data_size);
        syncEditor();
    }

private:
    // [audio-thread]
    void readMidi(aap_buffer_t* buffer) noexcept {
        void* midi = buffer->get_buffer(buffer, kMidiIn);
        const int32_t size = buffer->get_buffer_size(buffer, kMidiIn);
        aapxs_ump_iterator_t it;
        if (midi == nullptr || size <= 0 ||
            aapxs_midi2_buffer_iterator_init(&it, midi, static_cast<size_t>(size)) != AAPXS_CODEC_OK)
            return;
        aapxs_ump_t ump;
        while (aapxs_ump_iterator_next(&it, &ump)) {
            uint16_t id = 0;
            uint32_t value = 0;
            if (aapxs_ump_is_parameter_change(&ump) &&
                aapxs_parameter_sysex8_read(ump.words, nullptr, nullptr, nullptr, nullptr, &id, &value))
                values_.setFromTransport(id, value);
        }
    }

    // [editor thread] A slider moved: the same store a parameter change makes. The trace line
    // lets a test (and a curious user) see where the press arrived.
    static void onEdited(void* user, size_t index, double plain) {
        auto* self = static_cast<X11EditorGain*>(user);
        self->values_.set(index, plain);
        std::fprintf(stderr, "%s: editor: %s = %.6g\n", kPluginId, kSliders[index].name, self->values_.get(index));
    }

    // [editor thread] The window manager closed the floating window (the editor hid itself; the
    // host calls destroy when it is done), or the X connection broke (the window is gone: the
    // host must not expect it back). Either way the host hears it through closed().
    static void onClosed(void* user, bool lost) {
        auto* self = static_cast<X11EditorGain*>(user);
        const aap_gui_instance_id gui = self->guiId_.load();
        if (lost)
            self->guiId_.store(-1);  // the id is dead: later calls answer AAP_GUI_ERROR_UNKNOWN_GUI
        if (self->hostGui_ != nullptr && self->hostGui_->closed != nullptr)
            self->hostGui_->closed(self->hostGui_, self->host_, gui, lost);
    }

    // ---- gui/v5 (every function on the plugin service's GUI thread) ----
    static X11EditorGain* self(AndroidAudioPlugin* plugin) noexcept { return of(plugin); }
    bool knows(aap_gui_instance_id gui) const noexcept { return editor_ != nullptr && gui == guiId_.load(); }

    int32_t guiCreate(int32_t api, bool floating) {
        if (api != AAP_GUI_API_X11)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        if (editor_ != nullptr && guiId_.load() >= 0)
            return AAP_GUI_ERROR_ALREADY_INSTANTIATED;
        editor_.reset();  // the editor of a lost GUI
        auto editor = std::make_unique<aap_examples::X11EditorThread>(kSliders, kParameterCount);
        std::string error;
        if (!editor->start(&error)) {
            std::fprintf(stderr, "%s: gui create: %s\n", kPluginId, error.c_str());
            return AAP_GUI_ERROR_NO_DETAILS;
        }
        editor_ = std::move(editor);
        floating_ = floating;
        width_ = aap_examples::X11SliderEditor::preferredWidth();
        height_ = kParameterCount * aap_examples::X11SliderEditor::kRowHeight + 2 * aap_examples::X11SliderEditor::kMargin;
        // A floating editor opens its window now; an embedded one when set_parent names the parent.
        if (floating && !openWindow(0)) {
            editor_.reset();
            return AAP_GUI_ERROR_NO_DETAILS;
        }
        guiId_.store(nextGuiId_++);
        return guiId_.load();
    }

    bool openWindow(uint64_t parent) {
        std::string error;
        const bool opened = editor_->run([&](aap_examples::X11SliderEditor& editor) {
            editor.setCallbacks(&X11EditorGain::onEdited, &X11EditorGain::onClosed, this);
            if (!editor.open(nullptr, parent, width_, height_, "Example X11 Editor Gain", &error))
                return false;
            for (size_t i = 0; i < kParameterCount; i++)
                editor.setValue(i, values_.get(i));
            return true;
        });
        if (!opened)
            std::fprintf(stderr, "%s: gui: %s\n", kPluginId, error.c_str());
        return opened;
    }

    void guiDestroy(aap_gui_instance_id gui) {
        if (!knows(gui))
            return;
        editor_.reset();  // closes the window and joins the editor's thread
        guiId_.store(-1);
    }

    int32_t guiSetSize(aap_gui_instance_id gui, uint32_t width, uint32_t height) {
        if (!knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        if (width == 0 || height == 0 || width > 16384 || height > 16384)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        width_ = static_cast<int>(width);
        height_ = static_cast<int>(height);
        editor_->run([&](aap_examples::X11SliderEditor& editor) { return editor.isOpen() ? editor.resize(width_, height_) : true; });
        return AAP_GUI_RESULT_OK;
    }

    int32_t guiSetParent(aap_gui_instance_id gui, const aap_gui_window_t* window) {
        if (!knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        if (floating_)
            return AAP_GUI_ERROR_WRONG_STATE;
        if (window->api != AAP_GUI_API_X11)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        if (window->handle == 0)
            return AAP_GUI_ERROR_INVALID_ARGUMENT;
        return openWindow(window->handle) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_INVALID_ARGUMENT;
    }

    int32_t guiSetTransient(aap_gui_instance_id gui, const aap_gui_window_t* window) {
        if (!knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        if (!floating_)
            return AAP_GUI_ERROR_WRONG_STATE;
        if (window->api != AAP_GUI_API_X11)
            return AAP_GUI_ERROR_UNSUPPORTED_API;
        const uint64_t owner = window->handle;
        editor_->run([owner](aap_examples::X11SliderEditor& editor) {
            editor.setTransientFor(owner);
            return 0;
        });
        return AAP_GUI_RESULT_OK;
    }

    int32_t guiShowHide(aap_gui_instance_id gui, bool show) {
        if (!knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        const bool open = editor_->run([show](aap_examples::X11SliderEditor& editor) {
            if (!editor.isOpen())
                return false;
            if (show)
                editor.show();
            else
                editor.hide();
            return true;
        });
        // An embedded editor has no window before set_parent.
        return open ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_WRONG_STATE;
    }

    static const aap_gui_v5_extension_t kGuiExtension;

    // Shows the current values in the editor (after state, and when it is created).
    void syncEditor() {
        if (!editor_)
            return;
        editor_->run([this](aap_examples::X11SliderEditor& editor) {
            for (size_t i = 0; i < kParameterCount; i++)
                editor.setValue(i, values_.get(i));
            return 0;
        });
    }

    AndroidAudioPluginHost* host_;
    aap_gui_v5_host_extension_t* hostGui_ = nullptr;
    Values values_;
    std::unique_ptr<aap_examples::X11EditorThread> editor_;
    std::atomic<aap_gui_instance_id> guiId_{-1};
    aap_gui_instance_id nextGuiId_ = 1;  // ids are never reused within an instance
    bool floating_ = false;
    int width_ = 0;
    int height_ = 0;
};

// One editor per instance, X11 only, embedded or floating, freely resizable down to a minimum.
const aap_gui_v5_extension_t X11EditorGain::kGuiExtension = {
    nullptr,
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t api, bool) { return api == AAP_GUI_API_X11; },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin*, int32_t* api, bool* floating) {
        *api = AAP_GUI_API_X11;
        *floating = false;
        return true;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, int32_t api, bool floating) {
        return self(p)->guiCreate(api, floating);
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) { self(p)->guiDestroy(gui); },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, double scale) {
        if (!self(p)->knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        return scale > 0 && std::isfinite(scale) ? AAP_GUI_RESULT_OK : AAP_GUI_ERROR_INVALID_ARGUMENT;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, uint32_t* width, uint32_t* height) {
        if (!self(p)->knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        *width = static_cast<uint32_t>(self(p)->width_);
        *height = static_cast<uint32_t>(self(p)->height_);
        return AAP_GUI_RESULT_OK;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, aap_gui_resize_hints_t* hints) {
        if (!self(p)->knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        std::memset(hints, 0, sizeof(*hints));
        hints->can_resize_horizontally = 1;
        hints->can_resize_vertically = 1;
        hints->min_width = kMinWidth;
        hints->min_height = kMinHeight;
        return AAP_GUI_RESULT_OK;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, uint32_t* width, uint32_t* height) {
        if (!self(p)->knows(gui))
            return AAP_GUI_ERROR_UNKNOWN_GUI;
        *width = std::max(*width, kMinWidth);
        *height = std::max(*height, kMinHeight);
        return AAP_GUI_RESULT_OK;
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, uint32_t width, uint32_t height) {
        return self(p)->guiSetSize(gui, width, height);
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, const aap_gui_window_t* window) {
        return self(p)->guiSetParent(gui, window);
    },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui, const aap_gui_window_t* window) {
        return self(p)->guiSetTransient(gui, window);
    },
    nullptr,  // suggest_title: the window has its own title
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) { return self(p)->guiShowHide(gui, true); },
    [](aap_gui_v5_extension_t*, AndroidAudioPlugin* p, aap_gui_instance_id gui) { return self(p)->guiShowHide(gui, false); },
    nullptr,  // on_fd: the editor's X connection is watched by its own thread
    nullptr,  // on_timer
};

} // namespace

AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
    return aap::helpers::Factory<X11EditorGain>::get();
}
