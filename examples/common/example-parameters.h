#pragma once
// Shared by the C++ example plugins: a fixed parameter table whose current values live in
// atomics, and the plugins' versioned state blob.
//
// Why atomics: while an instance is active, the audio thread applies parameter-change SysEx8 and
// Program Change from the MIDI2 input, while presets set_preset_index and state set_state run on
// the plugin service's non-realtime worker (docs/spec/abi.md section 4). Lock-free atomic doubles let
// both write without a lock and without the audio thread ever waiting.
//
// State blob (little-endian): "AAPS" magic, u32 format version (1), u32 tag (identifies the
// plugin), u32 count, then count entries of (u32 stable id, f64 plain value). Unknown ids are
// skipped, out-of-range values are clamped, NaN and malformed blobs are rejected as a whole.

#include <aap/ext/parameters.h>
#include <aapxs/midi2-buffer.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace aap_examples {

struct ParameterSpec {
    int16_t id;                // stable id: also the index of the parameter-change SysEx8
    const char* name;
    const char* path;          // "/Group" for generic UIs
    double minimum;
    double maximum;
    double defaultValue;
    const aap_parameter_enum_t* enumerations;  // null when not an enumeration
    int32_t enumerationCount;
};

inline void copyName(char* destination, size_t capacity, const char* source) noexcept {
    std::strncpy(destination, source, capacity - 1);
    destination[capacity - 1] = '\0';
}

// The values of the N parameters of `specs` (which must have static storage).
template <size_t N>
class ParameterValues {
    static_assert(std::atomic<double>::is_always_lock_free, "parameter values must be lock-free atomics");

public:
    explicit ParameterValues(const ParameterSpec (&specs)[N]) noexcept : specs_(specs) {
        for (size_t i = 0; i < N; i++)
            values_[i].store(specs[i].defaultValue, std::memory_order_relaxed);
    }

    static constexpr int32_t count() noexcept { return static_cast<int32_t>(N); }
    const ParameterSpec& spec(size_t index) const noexcept { return specs_[index]; }

    // Index of stable id `id`, or -1. [thread-safe]
    int32_t indexOf(int32_t id) const noexcept {
        for (size_t i = 0; i < N; i++)
            if (specs_[i].id == id)
                return static_cast<int32_t>(i);
        return -1;
    }

    // [thread-safe] [audio-thread]
    double get(size_t index) const noexcept { return values_[index].load(std::memory_order_relaxed); }

    // Clamps into the parameter's range; NaN is ignored. [thread-safe] [audio-thread]
    void set(size_t index, double plain) noexcept {
        const ParameterSpec& s = specs_[index];
        if (std::isnan(plain))
            return;
        if (plain < s.minimum)
            plain = s.minimum;
        if (plain > s.maximum)
            plain = s.maximum;
        values_[index].store(plain, std::memory_order_relaxed);
    }

    // A parameter-change SysEx8 value (0..0xFFFFFFFF normalized) for stable id `id`. Unknown ids
    // are ignored. [audio-thread]
    void setFromTransport(int32_t id, uint32_t transportValue) noexcept {
        int32_t index = indexOf(id);
        if (index < 0)
            return;
        const ParameterSpec& s = specs_[index];
        set(static_cast<size_t>(index), aapParameterTransportUint32ToPlain(s.minimum, s.maximum, transportValue));
    }

    // ---- telling the host about values the plugin changed itself ----
    // A plugin that changes its own values (a preset, a Program Change) reports them on its MIDI2
    // output as parameter-change SysEx8, so its host and the host's GUIs follow (they cannot ask:
    // the parameters extension has no "current value" call). markForReport() from any thread;
    // reportIfMarked() in process(), after the MIDI2 output buffer was initialized for the cycle,
    // appends one parameter change per parameter (those that do not fit are left out).
    // [thread-safe] / [audio-thread]
    void markForReport() noexcept { reportPending_.store(true, std::memory_order_release); }
    void reportIfMarked(void* midiOut, size_t capacity) noexcept {
        if (midiOut == nullptr || !reportPending_.exchange(false, std::memory_order_acquire))
            return;
        for (size_t i = 0; i < N; i++) {
            const ParameterSpec& s = specs_[i];
            const double normalized = (get(i) - s.minimum) / (s.maximum - s.minimum);
            const uint32_t transport = !(normalized > 0) ? 0u
                                       : normalized >= 1 ? 0xFFFFFFFFu
                                                         : static_cast<uint32_t>(normalized * 4294967295.0 + 0.5);
            aapxs_midi2_buffer_append_parameter_change(midiOut, capacity, 0, 0, 0, 0, static_cast<uint16_t>(s.id),
                                                       transport);
        }
    }

    // ---- parameters extension answers ----
    aap_parameter_info_t info(int32_t index) const noexcept {
        aap_parameter_info_t info;
        std::memset(&info, 0, sizeof(info));
        if (index < 0 || index >= count()) {
            info.stable_id = -1;
            return info;
        }
        const ParameterSpec& s = specs_[index];
        info.stable_id = s.id;
        copyName(info.display_name, sizeof(info.display_name), s.name);
        copyName(info.path, sizeof(info.path), s.path);
        info.min_value = s.minimum;
        info.max_value = s.maximum;
        info.default_value = s.defaultValue;
        info.per_note_enabled = false;
        return info;
    }

    double property(int32_t id, int32_t property) const noexcept {
        int32_t index = indexOf(id);
        if (index < 0)
            return 0.0;
        const ParameterSpec& s = specs_[index];
        switch (property) {
        case AAP_PARAMETER_PROPERTY_MIN_VALUE: return s.minimum;
        case AAP_PARAMETER_PROPERTY_MAX_VALUE: return s.maximum;
        case AAP_PARAMETER_PROPERTY_DEFAULT_VALUE: return s.defaultValue;
        case AAP_PARAMETER_PROPERTY_IS_DISCRETE: return s.enumerationCount > 0 ? 1.0 : 0.0;
        case AAP_PARAMETER_PROPERTY_QUANTIZED_TYPE:
            return s.enumerationCount > 0 ? AAP_PARAMETER_QUANTIZED_TYPE_INTEGER : 0.0;
        default: return 0.0;
        }
    }

    int32_t enumerationCount(int32_t id) const noexcept {
        int32_t index = indexOf(id);
        return index < 0 ? 0 : specs_[index].enumerationCount;
    }

    aap_parameter_enum_t enumeration(int32_t id, int32_t enumIndex) const noexcept {
        aap_parameter_enum_t entry;
        std::memset(&entry, 0, sizeof(entry));
        int32_t index = indexOf(id);
        if (index < 0 || enumIndex < 0 || enumIndex >= specs_[index].enumerationCount)
            return entry;
        return specs_[index].enumerations[enumIndex];
    }

    // ---- state ----
    static constexpr size_t kStateHeaderSize = 16;
    static constexpr size_t kStateEntrySize = 12;
    static constexpr size_t stateSize() noexcept { return kStateHeaderSize + N * kStateEntrySize; }

    // Writes the blob into destination (capacity destination->data_size); data_size becomes the
    // bytes written, or 0 when the capacity is too small. [main-thread]
    void saveState(uint32_t tag, aap_state_t* destination) const noexcept {
        if (destination->data == nullptr || destination->data_size < stateSize()) {
            destination->data_size = 0;
            return;
        }
        auto* out = static_cast<uint8_t*>(destination->data);
        std::memcpy(out, "AAPS", 4);
        storeU32(out + 4, kStateVersion);
        storeU32(out + 8, tag);
        storeU32(out + 12, static_cast<uint32_t>(N));
        for (size_t i = 0; i < N; i++) {
            uint8_t* entry = out + kStateHeaderSize + i * kStateEntrySize;
            storeU32(entry, static_cast<uint32_t>(specs_[i].id));
            double value = get(i);
            uint64_t bits;
            std::memcpy(&bits, &value, sizeof(bits));
            storeU32(entry + 4, static_cast<uint32_t>(bits));
            storeU32(entry + 8, static_cast<uint32_t>(bits >> 32));
        }
        destination->data_size = stateSize();
    }

    // Applies a blob written by saveState with the same tag; returns false (and changes nothing)
    // for anything else. [main-thread]
    bool loadState(uint32_t tag, const aap_state_t* source) noexcept {
        if (source->data == nullptr || source->data_size < kStateHeaderSize)
            return false;
        const auto* in = static_cast<const uint8_t*>(source->data);
        if (std::memcmp(in, "AAPS", 4) != 0 || loadU32(in + 4) != kStateVersion || loadU32(in + 8) != tag)
            return false;
        uint32_t entries = loadU32(in + 12);
        if (entries > 16384 || source->data_size != kStateHeaderSize + size_t{entries} * kStateEntrySize)
            return false;
        double decoded[N];
        for (size_t i = 0; i < N; i++)
            decoded[i] = get(i);
        for (uint32_t e = 0; e < entries; e++) {
            const uint8_t* entry = in + kStateHeaderSize + size_t{e} * kStateEntrySize;
            uint64_t bits = uint64_t{loadU32(entry + 4)} | (uint64_t{loadU32(entry + 8)} << 32);
            double value;
            std::memcpy(&value, &bits, sizeof(value));
            if (std::isnan(value))
                return false;
            int32_t index = indexOf(static_cast<int32_t>(loadU32(entry)));
            if (index >= 0)
                decoded[index] = value;
        }
        for (size_t i = 0; i < N; i++)
            set(i, decoded[i]);
        return true;
    }

private:
    static constexpr uint32_t kStateVersion = 1;
    static void storeU32(uint8_t* p, uint32_t v) noexcept {
        p[0] = static_cast<uint8_t>(v);
        p[1] = static_cast<uint8_t>(v >> 8);
        p[2] = static_cast<uint8_t>(v >> 16);
        p[3] = static_cast<uint8_t>(v >> 24);
    }
    static uint32_t loadU32(const uint8_t* p) noexcept {
        return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
    }

    const ParameterSpec (&specs_)[N];
    std::atomic<double> values_[N];
    std::atomic<bool> reportPending_{false};
};

} // namespace aap_examples
