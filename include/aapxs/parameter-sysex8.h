#pragma once
/*
 * Parameter-change SysEx8 (docs/spec/wire.md section 5): one 16-byte UMP packet that carries a
 * parameter change on a MIDI2 port.
 *
 *   w0 = (0x50 | group) << 24 | 0x0E << 16 | 0x00 << 8 | 0x7E   (complete-in-one, 13 bytes + stream id 0)
 *   w1 = 0x7F000000 | channel                                   (7F, code 00 00, channel)
 *   w2 = key << 24 | extra << 16 | index                        (16-bit parameter index)
 *   w3 = normalized value as uint32 (0 -> 0.0, 0xFFFFFFFF -> 1.0)
 *
 * Writers write size nibble 0xE. Readers accept 0xE and 0xF (the older AAP implementation
 * writes 0xF, which claims one byte more than fits). Group and channel are masked to 4 bits,
 * key and extra to 8 bits.
 *
 * Header-only, valid C99 and C++11, depends on nothing but <stdint.h>. All functions are
 * [thread-safe] and [audio-thread] safe: no allocation, no locking, bounded work.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns non-zero when the four words are a parameter-change SysEx8 packet. */
static inline int aapxs_parameter_sysex8_is(uint32_t w0, uint32_t w1) {
    uint32_t status_size = (w0 >> 16) & 0xFFu;
    return (w0 >> 28) == 0x5u
        && (status_size == 0x0Eu || status_size == 0x0Fu)
        && ((w0 >> 8) & 0xFFu) == 0x00u /* stream id */
        && (w0 & 0xFFu) == 0x7Eu
        && (w1 & 0xFFFFFFF0u) == 0x7F000000u;
}

/* [audio-thread] Writes one parameter-change packet into w[0..3]. w must not be null. */
static inline void aapxs_parameter_sysex8_write(uint32_t* w, uint8_t group, uint8_t channel,
                                                uint8_t key, uint8_t extra, uint16_t index,
                                                uint32_t normalized_value) {
    /* Masks with unsigned constants promote to unsigned int, so no shift is done on a signed int
     * and no cast is needed (the header stays clean under -Wold-style-cast). */
    w[0] = ((0x50u | (group & 0x0Fu)) << 24) | (0x0Eu << 16) | 0x7Eu;
    w[1] = 0x7F000000u | (channel & 0x0Fu);
    w[2] = ((key & 0xFFu) << 24) | ((extra & 0xFFu) << 16) | (index & 0xFFFFu);
    w[3] = normalized_value;
}

/* [audio-thread] Reads one parameter-change packet from w[0..3]. Returns 1 and fills every
 * non-null out pointer when the packet is a parameter change; returns 0 and writes nothing
 * otherwise. w must not be null. */
static inline int aapxs_parameter_sysex8_read(const uint32_t* w, uint8_t* group, uint8_t* channel,
                                              uint8_t* key, uint8_t* extra, uint16_t* index,
                                              uint32_t* normalized_value) {
    if (!aapxs_parameter_sysex8_is(w[0], w[1]))
        return 0;
    if (group) *group = (w[0] >> 24) & 0x0Fu;
    if (channel) *channel = w[1] & 0x0Fu;
    if (key) *key = (w[2] >> 24) & 0xFFu;
    if (extra) *extra = (w[2] >> 16) & 0xFFu;
    if (index) *index = w[2] & 0xFFFFu;
    if (normalized_value) *normalized_value = w[3];
    return 1;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
