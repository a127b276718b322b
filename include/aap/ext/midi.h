#pragma once
/*
 * MIDI2 extension (urn://androidaudioplugin.org/extensions/midi2/v3): the MIDI2 port buffer
 * layout, the parameter-change SysEx8 helpers and the plugin's MIDI mapping policy.
 *
 * MIDI2 port buffers. Every MIDI2 port buffer (aap_buffer_t.get_buffer of a MIDI2 port) starts
 * with an AAPMidiBufferHeader (exactly 32 bytes) followed by `length` bytes of UMP words, each a
 * host-order uint32_t (docs/spec/wire.md section 1). The host fills the input before process(); the
 * plugin writes its output and sets `length`. Readers must validate `length` against the buffer
 * size (aap_buffer_t.get_buffer_size) before reading: it arrives from another process.
 *
 * Parameter changes travel on the MIDI2 ports as one-packet SysEx8 messages (docs/spec/wire.md
 * section 5): aapMidi2ParameterSysex8 writes one, aapReadMidi2ParameterSysex8 reads one. Values on
 * the wire are normalized to 0..0xFFFFFFFF; the aapParameter* helpers convert between plain
 * values, normalized doubles and that transport form. AAPXS extension requests travel on the same
 * ports as multi-packet SysEx8 (docs/spec/wire.md; codec in aapxs/), and the runtime strips those before
 * the plugin sees them.
 *
 * Mapping policy. get_mapping_policy tells the host which MIDI messages the plugin consumes
 * itself, so the host does not turn them into parameter or preset changes: a set of
 * AAP_PARAMETERS_MAPPING_POLICY_* flags. A plugin that does not implement this extension gets
 * AAP_PARAMETERS_MAPPING_POLICY_SYSEX8 (hosts send only SysEx8 parameter changes).
 */

#include "../android-audio-plugin.h"
#include "../../aapxs/parameter-sysex8.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_MIDI_EXTENSION_URI "urn://androidaudioplugin.org/extensions/midi2/v3"

/* Opcodes of this extension on the AAPXS wire (docs/spec/abi.md section 5). */
#define AAP_MIDI_OPCODE_GET_MAPPING_POLICY 1

/* UMP protocol identifiers, kept from 0.8. */
#define AAP_PROTOCOL_MIDI1_0 1
#define AAP_PROTOCOL_MIDI2_0 2

/*
 * The header of a MIDI2 port buffer. Exactly 32 bytes; `length` at offset 4 (docs/spec/wire.md).
 * Shared-memory layout: fixed-width members only.
 */
typedef struct AAPMidiBufferHeader {
    /* 0 = "MIDI2 mode", the only value in use. */
    int32_t time_options;
    /* Number of UMP bytes that follow the header; a multiple of 4, at most the buffer size - 32. */
    uint32_t length;
    /* Zero. */
    uint32_t reserved[6];
} AAPMidiBufferHeader;

/* MIDI mapping policy flags (bitwise OR of these). The values are part of the ABI. */
enum aap_midi_mapping_policy {
    AAP_PARAMETERS_MAPPING_POLICY_NONE = 0,
    /* The plugin consumes (per-note) Assignable Controllers itself. */
    AAP_PARAMETERS_MAPPING_POLICY_ACC = 1,
    /* The plugin consumes Control Changes itself. */
    AAP_PARAMETERS_MAPPING_POLICY_CC = 2,
    /* The plugin consumes parameter-change SysEx8 itself (almost never wanted). */
    AAP_PARAMETERS_MAPPING_POLICY_SYSEX8 = 4,
    /* The plugin consumes Program Change (and bank select) itself. */
    AAP_PARAMETERS_MAPPING_POLICY_PROGRAM = 8
};
typedef enum aap_midi_mapping_policy aap_midi_mapping_policy;

/* ---- Parameter value conversions. All [thread-safe] and realtime-safe. ----
 *
 * Every helper that takes a range takes it FIRST, then the value: (minValue, maxValue, value), the
 * order AAP's own headers and every AAP plugin source use (aap-core's include/aap/ext/midi.h and its
 * samples, aap-juce). There are no overloads: C and C++ see the same four functions. */

/* Plain value in [minValue, maxValue] -> normalized [0, 1], clamped. Returns 0 when the range is
 * empty or inverted (maxValue <= minValue) or any argument is NaN. */
static inline double aapParameterPlainToNormalized(double minValue, double maxValue, double plainValue) {
    double normalized;
    if (!(maxValue > minValue))
        return 0.0;
    normalized = (plainValue - minValue) / (maxValue - minValue);
    if (!(normalized > 0.0)) /* also catches NaN */
        return 0.0;
    return normalized < 1.0 ? normalized : 1.0;
}

/* Normalized [0, 1] -> plain value in [minValue, maxValue]; the input is clamped to [0, 1] (NaN
 * counts as 0). Returns minValue when the range is empty or inverted. */
static inline double aapParameterNormalizedToPlain(double minValue, double maxValue, double normalizedValue) {
    if (!(maxValue > minValue))
        return minValue;
    if (!(normalizedValue > 0.0))
        return minValue;
    if (normalizedValue >= 1.0)
        return maxValue;
    return minValue + normalizedValue * (maxValue - minValue);
}

/* Normalized [0, 1] -> transport form 0..0xFFFFFFFF (rounded to nearest; clamped; NaN -> 0). */
static inline uint32_t aapParameterNormalizedToUint32(double normalizedValue) {
    if (!(normalizedValue > 0.0))
        return 0u;
    if (normalizedValue >= 1.0)
        return 0xFFFFFFFFu;
    /* In range, so the conversion to an integer is exact-or-truncating and never overflows. */
    return AAP_CAST(uint32_t, normalizedValue * 4294967295.0 + 0.5);
}

/* Transport form -> normalized [0, 1] (0 -> 0.0, 0xFFFFFFFF -> 1.0). */
static inline double aapParameterUint32ToNormalized(uint32_t transportValue) {
    return transportValue / 4294967295.0;
}

/* Plain value -> transport form, through aapParameterPlainToNormalized's clamping rules:
 * aapParameterPlainToTransportUint32(0, 14, 14) == 0xFFFFFFFF. */
static inline uint32_t aapParameterPlainToTransportUint32(double minValue, double maxValue, double plainValue) {
    return aapParameterNormalizedToUint32(aapParameterPlainToNormalized(minValue, maxValue, plainValue));
}

/* Transport form -> plain value in [minValue, maxValue]. */
static inline double aapParameterTransportUint32ToPlain(double minValue, double maxValue, uint32_t transportValue) {
    return aapParameterNormalizedToPlain(minValue, maxValue, aapParameterUint32ToNormalized(transportValue));
}

/* ---- Parameter-change SysEx8 (docs/spec/wire.md section 5). ---- */

/* [thread-safe] Writes one parameter-change packet into *dst1..*dst4 (none may be null). group and
 * channel are masked to 4 bits, key and extra to 8 bits; value is the transport form
 * (aapParameterNormalizedToUint32 / aapParameterPlainToTransportUint32). */
static inline void aapMidi2ParameterSysex8(uint32_t* dst1, uint32_t* dst2, uint32_t* dst3, uint32_t* dst4,
                                           uint8_t group, uint8_t channel, uint8_t key, uint16_t extra,
                                           uint16_t index, uint32_t value) {
    uint32_t words[4];
    aapxs_parameter_sysex8_write(words, group, channel, key, AAP_CAST(uint8_t, extra & 0xFFu), index, value);
    *dst1 = words[0];
    *dst2 = words[1];
    *dst3 = words[2];
    *dst4 = words[3];
}

/* [thread-safe] Reads one parameter-change packet from src1..src4. Returns true and fills every
 * non-null out pointer when the words are a parameter change (size nibble 0xE, or 0xF as the 0.8
 * implementation writes); returns false and writes nothing otherwise. value is the transport form. */
static inline bool aapReadMidi2ParameterSysex8(uint8_t* group, uint8_t* channel, uint8_t* key, uint8_t* extra,
                                               uint16_t* index, uint32_t* value,
                                               uint32_t src1, uint32_t src2, uint32_t src3, uint32_t src4) {
    uint32_t words[4];
    words[0] = src1;
    words[1] = src2;
    words[2] = src3;
    words[3] = src4;
    return aapxs_parameter_sysex8_read(words, group, channel, key, extra, index, value) != 0;
}

/* ---- The extension ---- */

typedef struct aap_midi_extension_t aap_midi_extension_t;

/* Plugin extension, returned by AndroidAudioPlugin.get_extension(AAP_MIDI_EXTENSION_URI); owned by
 * the plugin (or, in a host, by the AAPXS proxy) and valid until the instance is released. */
struct aap_midi_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null and never read it. */
    void* aapxs_context;

    /* [main-thread] The AAP_PARAMETERS_MAPPING_POLICY_* flags the plugin consumes itself. The
     * result must not change while the instance lives. ext and plugin are never null. */
    RT_UNSAFE enum aap_midi_mapping_policy (*get_mapping_policy)(struct aap_midi_extension_t* ext,
                                                                 AndroidAudioPlugin* plugin);
};

#ifdef __cplusplus
} /* extern "C" */
#endif
