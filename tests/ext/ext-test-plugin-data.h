#pragma once
// What the ext test plugin (ext-test-plugins.cpp) answers, shared with the tests that check it.

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "aap/ext/gui-v5.h"
#include "aap/ext/parameters.h"
#include "aap/ext/presets.h"

namespace aap_ext_test {

constexpr int32_t kParameterCount = 3;
constexpr int32_t kPresetCount = 3;
constexpr int32_t kMappingPolicy = 1 | 8;  // ACC | PROGRAM
constexpr int32_t kNotifyingProperty = 99;
constexpr uint32_t kNotifyFromProcessWord = 0x20B07700u;
constexpr int32_t kGuiId = 7;
// gui/v5 of the full plugin: ids start here and grow by one per create (never reused); X11 both
// ways, Wayland floating only; preferred X11 embedded; initial size 640 x 480; adjust_size clamps
// into [kGuiMin, kGuiMax]; get_resize_hints answers kGuiHints. show(id) echoes what the GUI holds
// to the host extension, in this order: request_resize(id, low, high 32 bits of the parent
// handle), request_resize(id, low, high of the transient handle), request_resize(id, low, high of
// the bits of the scale), request_resize(id, width, height), request_resize(id, title length,
// FNV-1a 32 of the title), request_show(id), request_hide(id), resize_hints_changed(id),
// closed(id, floating).
constexpr int32_t kGuiV5FirstId = 100;
constexpr uint32_t kGuiMin = 200;
constexpr uint32_t kGuiMax = 4000;
constexpr aap_gui_resize_hints_t kGuiHints{1, 0, 1, 16, 9, kGuiMin, kGuiMin + 1, kGuiMax, 0xFFFFFFFFu};
inline uint32_t fnv1a(const char* text, uint32_t length) {
    uint32_t hash = 2166136261u;
    for (uint32_t i = 0; i < length; i++)
        hash = (hash ^ static_cast<uint8_t>(text[i])) * 16777619u;
    return hash;
}
// get_parameter_property(kUridProbeBase + urid, any) = length of the URI mapped to urid.
constexpr int32_t kUridProbeBase = 1000;

inline aap_parameter_info_t parameter(int32_t index) {
    aap_parameter_info_t info{};
    info.stable_id = -1;
    switch (index) {
    case 0:
        info.stable_id = 10;
        std::strcpy(info.display_name, "Gain");
        std::strcpy(info.path, "/Main");
        info.min_value = 0.0;
        info.max_value = 2.0;
        info.default_value = 1.0;
        break;
    case 1:
        info.stable_id = 11;
        std::strcpy(info.display_name, "Mode");
        std::strcpy(info.path, "/Main/Shape");
        info.min_value = 0.0;
        info.max_value = 2.0;
        info.default_value = 0.0;
        info.per_note_enabled = true;
        break;
    case 2:
        // Names that fill their arrays completely: the codec must keep every byte but the NUL.
        info.stable_id = 16383;
        std::memset(info.display_name, 'N', sizeof(info.display_name) - 1);
        std::memset(info.path, 'p', sizeof(info.path) - 1);
        info.min_value = -1e300;
        info.max_value = 1e300;
        info.default_value = -0.0;
        break;
    default:
        break;
    }
    return info;
}

inline double property(int32_t id, int32_t property) {
    for (int32_t i = 0; i < kParameterCount; i++) {
        aap_parameter_info_t info = parameter(i);
        if (info.stable_id != id)
            continue;
        switch (property) {
        case AAP_PARAMETER_PROPERTY_MIN_VALUE: return info.min_value;
        case AAP_PARAMETER_PROPERTY_MAX_VALUE: return info.max_value;
        case AAP_PARAMETER_PROPERTY_DEFAULT_VALUE: return info.default_value;
        case AAP_PARAMETER_PROPERTY_IS_DISCRETE: return id == 11 ? 1.0 : 0.0;
        case AAP_PARAMETER_PROPERTY_PRIORITY: return 5.0 + id;
        default: return 0.0;
        }
    }
    return 0.0;
}

inline int32_t enumerationCount(int32_t id) { return id == 11 ? 3 : 0; }

inline aap_parameter_enum_t enumeration(int32_t id, int32_t index) {
    aap_parameter_enum_t entry{};
    static const char* const names[] = {"Soft", "Hard", "Fold"};
    if (id == 11 && index >= 0 && index < 3) {
        std::strcpy(entry.name, names[index]);
        entry.value = index;
    }
    return entry;
}

inline aap_preset_t preset(int32_t index) {
    aap_preset_t result{};
    result.id = -1;
    if (index >= 0 && index < kPresetCount) {
        result.id = 100 + 105 * index;
        std::snprintf(result.name, sizeof(result.name), "Preset %d", static_cast<int>(index));
        if (index == 2)
            std::memset(result.name, 'x', sizeof(result.name) - 1);  // a full 255-byte name
    }
    return result;
}

} // namespace aap_ext_test
