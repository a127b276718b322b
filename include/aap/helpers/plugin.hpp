#pragma once
/*
 * C++ only (C++17), header-only: a thin layer that turns a C++ class into an AAP plugin, in the
 * spirit of clap-helpers. It writes the C trampolines (AndroidAudioPlugin's function pointers and
 * one static const table per extension) that every C++ plugin would otherwise write by hand, and
 * nothing else: no allocation, no locks, no virtual calls, no state of its own. The plugin class
 * keeps full control of its processing and its data.
 *
 *     class MyPlugin : public aap::helpers::Plugin<MyPlugin, aap::helpers::Parameters, aap::helpers::State> {
 *     public:
 *         static constexpr const char* kPluginId = "urn:me:my-plugin";  // checked by the factory
 *         explicit MyPlugin(AndroidAudioPluginHost* host) noexcept;    // or a default constructor
 *         void prepare(int sampleRate, aap_buffer_t* buffer);            // [main-thread]
 *         void process(aap_buffer_t* buffer, int32_t frames, int64_t timeoutNs) noexcept; // [audio-thread]
 *         // optional: void activate() noexcept; void deactivate() noexcept;
 *         //           void* extension(const char* uri) noexcept;  (extensions the helper does not cover)
 *         // what each listed extension needs: see Parameters, Presets, State, Midi below.
 *     };
 *     AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) {
 *         return aap::helpers::Factory<MyPlugin>::get();
 *     }
 *
 * get_extension answers, in this order: the ABI record (aap_abi_get_extension), the extensions
 * listed as template arguments (each with one static const table shared by all instances; the
 * table's functions find the instance through AndroidAudioPlugin::plugin_specific), then the
 * class's own extension(uri) when it has one. Each table member calls the plugin class directly
 * (static dispatch), so a plugin method that is realtime-safe stays realtime-safe through it.
 *
 * Thread tags of the hooks are those of the C functions they implement (aap/android-audio-plugin.h
 * and the headers under aap/ext/).
 */

#ifndef __cplusplus
#error "aap/helpers/plugin.hpp is a C++17 header; C plugins use the C structs of aap/android-audio-plugin.h directly"
#endif
#if __cplusplus < 201703L
#error "aap/helpers/plugin.hpp needs C++17 (if constexpr, fold expressions)"
#endif

#include <cstdio>
#include <cstring>
#include <new>
#include <type_traits>

#include "../abi.h"
#include "../android-audio-plugin.h"
#include "../ext/midi.h"
#include "../ext/parameters.h"
#include "../ext/presets.h"
#include "../ext/state.h"

namespace aap {
namespace helpers {

namespace detail {

template <typename T, typename = void>
struct HasActivate : std::false_type {};
template <typename T>
struct HasActivate<T, std::void_t<decltype(std::declval<T&>().activate())>> : std::true_type {};

template <typename T, typename = void>
struct HasDeactivate : std::false_type {};
template <typename T>
struct HasDeactivate<T, std::void_t<decltype(std::declval<T&>().deactivate())>> : std::true_type {};

template <typename T, typename = void>
struct HasOwnExtension : std::false_type {};
template <typename T>
struct HasOwnExtension<T, std::void_t<decltype(std::declval<T&>().extension(static_cast<const char*>(nullptr)))>>
    : std::true_type {};

template <typename T>
T* self(AndroidAudioPlugin* plugin) noexcept {
    return static_cast<T*>(plugin->plugin_specific);
}

inline bool sameUri(const char* a, const char* b) noexcept { return std::strcmp(a, b) == 0; }

} // namespace detail

/* ---- Extension tables. Each names its URI and builds one static const table for a class. ---- */

// The parameters extension (aap/ext/parameters.h). The class provides:
//   int32_t parameterCount() noexcept;                                  [thread-safe], realtime-safe
//   aap_parameter_info_t parameterInfo(int32_t index) noexcept;          [main-thread]
//   double parameterProperty(int32_t id, int32_t property) noexcept;    [main-thread]
//   int32_t enumerationCount(int32_t id) noexcept;                      [main-thread]
//   aap_parameter_enum_t enumeration(int32_t id, int32_t index) noexcept; [main-thread]
struct Parameters {
    static constexpr const char* uri = AAP_PARAMETERS_EXTENSION_URI;
    template <typename T>
    static const aap_parameters_extension_t* table() noexcept {
        static const aap_parameters_extension_t instance = {
            nullptr,
            [](aap_parameters_extension_t*, AndroidAudioPlugin* p) { return detail::self<T>(p)->parameterCount(); },
            [](aap_parameters_extension_t*, AndroidAudioPlugin* p, int32_t index) {
                return detail::self<T>(p)->parameterInfo(index);
            },
            [](aap_parameters_extension_t*, AndroidAudioPlugin* p, int32_t id, int32_t property) {
                return detail::self<T>(p)->parameterProperty(id, property);
            },
            [](aap_parameters_extension_t*, AndroidAudioPlugin* p, int32_t id) {
                return detail::self<T>(p)->enumerationCount(id);
            },
            [](aap_parameters_extension_t*, AndroidAudioPlugin* p, int32_t id, int32_t index) {
                return detail::self<T>(p)->enumeration(id, index);
            },
        };
        return &instance;
    }
};

// The presets extension (aap/ext/presets.h). The class provides:
//   int32_t presetCount() noexcept;                           [thread-safe], realtime-safe
//   bool presetAt(int32_t index, aap_preset_t* out) noexcept; [main-thread] fills id and name;
//                                                             false for an index out of range
//   void selectPreset(int32_t index) noexcept;                [main-thread]
// get_preset: *out is zeroed first and gets id -1 when presetAt returns false; the completion
// callback (when given) is called before returning, as the extension requires.
struct Presets {
    static constexpr const char* uri = AAP_PRESETS_EXTENSION_URI;
    template <typename T>
    static const aap_presets_extension_t* table() noexcept {
        static const aap_presets_extension_t instance = {
            nullptr,
            [](aap_presets_extension_t*, AndroidAudioPlugin* p) { return detail::self<T>(p)->presetCount(); },
            [](aap_presets_extension_t*, AndroidAudioPlugin* p, int32_t index, aap_preset_t* preset,
               aapxs_completion_callback callback, void* data) {
                if (preset != nullptr) {
                    std::memset(preset, 0, sizeof(*preset));
                    if (!detail::self<T>(p)->presetAt(index, preset))
                        preset->id = -1;
                }
                if (callback != nullptr)
                    callback(data, p);
            },
            [](aap_presets_extension_t*, AndroidAudioPlugin* p, int32_t index) {
                detail::self<T>(p)->selectPreset(index);
            },
        };
        return &instance;
    }
};

// The state extension (aap/ext/state.h). The class provides:
//   size_t stateSize() noexcept;                       [main-thread]
//   void saveState(aap_state_t* destination) noexcept; [main-thread] destination never null
//   void loadState(aap_state_t* source) noexcept;      [main-thread] source never null
struct State {
    static constexpr const char* uri = AAP_STATE_EXTENSION_URI;
    template <typename T>
    static const aap_state_extension_t* table() noexcept {
        static const aap_state_extension_t instance = {
            nullptr,
            [](aap_state_extension_t*, AndroidAudioPlugin* p) { return detail::self<T>(p)->stateSize(); },
            [](aap_state_extension_t*, AndroidAudioPlugin* p, aap_state_t* destination) {
                if (destination != nullptr)
                    detail::self<T>(p)->saveState(destination);
            },
            [](aap_state_extension_t*, AndroidAudioPlugin* p, aap_state_t* source) {
                if (source != nullptr)
                    detail::self<T>(p)->loadState(source);
            },
        };
        return &instance;
    }
};

// The midi2 extension (aap/ext/midi.h). The class provides:
//   aap_midi_mapping_policy mappingPolicy() noexcept;  [main-thread]
struct Midi {
    static constexpr const char* uri = AAP_MIDI_EXTENSION_URI;
    template <typename T>
    static const aap_midi_extension_t* table() noexcept {
        static const aap_midi_extension_t instance = {
            nullptr,
            [](aap_midi_extension_t*, AndroidAudioPlugin* p) { return detail::self<T>(p)->mappingPolicy(); },
        };
        return &instance;
    }
};

/* ---- The plugin base ---- */

// Derive `Self` from Plugin<Self, Extensions...> (CRTP). Owns the AndroidAudioPlugin struct whose
// plugin_specific points at the object; the object must not move (the factory creates it with
// new and never copies it).
template <typename Self, typename... Extensions>
class Plugin {
public:
    Plugin() noexcept {
        plugin_.plugin_specific = this;
        plugin_.prepare = [](AndroidAudioPlugin* p, int sampleRate, aap_buffer_t* buffer) {
            of(p)->prepare(sampleRate, buffer);
        };
        plugin_.activate = [](AndroidAudioPlugin* p) {
            if constexpr (detail::HasActivate<Self>::value)
                of(p)->activate();
            else
                (void) p;
        };
        plugin_.process = [](AndroidAudioPlugin* p, aap_buffer_t* buffer, int32_t frames, int64_t timeoutNs) {
            of(p)->process(buffer, frames, timeoutNs);
        };
        plugin_.deactivate = [](AndroidAudioPlugin* p) {
            if constexpr (detail::HasDeactivate<Self>::value)
                of(p)->deactivate();
            else
                (void) p;
        };
        plugin_.get_extension = &getExtension;
        plugin_.get_plugin_info = nullptr;  // the host's metadata describes the plugin
    }
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    AndroidAudioPlugin* plugin() noexcept { return &plugin_; }
    // The object behind an AndroidAudioPlugin this base created.
    static Self* of(AndroidAudioPlugin* plugin) noexcept {
        return static_cast<Self*>(static_cast<Plugin*>(plugin->plugin_specific));
    }

private:
    template <typename Extension>
    static void* tableIf(const char* uri) noexcept {
        if (!detail::sameUri(uri, Extension::uri))
            return nullptr;
        // The tables are never written through this pointer: the host only reads them (the C
        // ABI's get_extension returns a non-const pointer).
        using Table = std::remove_const_t<std::remove_pointer_t<decltype(Extension::template table<Self>())>>;
        return const_cast<Table*>(Extension::template table<Self>());
    }

    static void* getExtension(AndroidAudioPlugin* p, const char* uri) {
        if (void* abi = aap_abi_get_extension(uri))
            return abi;
        if (uri == nullptr)
            return nullptr;
        void* found = nullptr;
        ((found = found != nullptr ? found : tableIf<Extensions>(uri)), ...);
        if (found != nullptr)
            return found;
        if constexpr (detail::HasOwnExtension<Self>::value)
            return of(p)->extension(uri);
        else
            return nullptr;
    }

    AndroidAudioPlugin plugin_{};
};

/* ---- The factory ---- */

// A factory for one plugin class: instantiate accepts Self::kPluginId only, refuses a host whose
// ABI record has another major version (aap/abi.h; the reason goes to stderr), and creates the
// object with new (std::nothrow): Self(AndroidAudioPluginHost*) when that constructor exists,
// else Self(). release deletes it.
template <typename Self>
class Factory {
public:
    static AndroidAudioPluginFactory* get() noexcept {
        static AndroidAudioPluginFactory factory{&instantiate, &release, nullptr};
        return &factory;
    }

private:
    static AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory*, const char* pluginId,
                                           AndroidAudioPluginHost* host) {
        if (pluginId == nullptr || std::strcmp(pluginId, Self::kPluginId) != 0 || host == nullptr)
            return nullptr;
        const void* hostAbi = host->get_extension != nullptr ? host->get_extension(host, AAP_ABI_EXTENSION_URI) : nullptr;
        if (aap_abi_check(hostAbi) < 0) {
            char reason[256];
            aap_abi_describe(reason, sizeof(reason), "host", hostAbi);
            std::fprintf(stderr, "%s: refusing %s\n", Self::kPluginId, reason);
            return nullptr;
        }
        Self* object;
        if constexpr (std::is_constructible<Self, AndroidAudioPluginHost*>::value)
            object = new (std::nothrow) Self(host);
        else
            object = new (std::nothrow) Self();
        return object != nullptr ? object->plugin() : nullptr;
    }

    static void release(AndroidAudioPluginFactory*, AndroidAudioPlugin* plugin) {
        if (plugin != nullptr)
            delete Self::of(plugin);
    }
};

} // namespace helpers
} // namespace aap
