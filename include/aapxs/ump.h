#pragma once
/*
 * UMP (MIDI 2.0 Universal MIDI Packet) helpers: message sizes for every message type and a
 * bounded iterator over a sequence of host-order UMP words (docs/spec/wire.md section 1).
 *
 * The iterator can never loop forever or read past the bytes it was given: every step advances
 * by 1..4 words, and a message whose size runs past the end is reported, not read.
 * To iterate a MIDI2 port buffer, use aapxs_midi2_buffer_iterator_init() (midi2-buffer.h), which
 * validates the untrusted header first.
 *
 * Header-only, valid C99 and C++11. Every function is [thread-safe] and [audio-thread] safe.
 */

#include "codec-base.h"
#include "parameter-sysex8.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAPXS_UMP_MAX_WORDS 4

/* UMP message types (high nibble of the first word) that the codec cares about by name. */
#define AAPXS_UMP_TYPE_SYSEX8 0x5u

/* Message size in words (1..4) of the UMP whose first word is `first_word`, for all 16 types:
 * 0x0,0x1,0x2,0x6,0x7 -> 1; 0x3,0x4,0x8,0x9,0xA -> 2; 0xB,0xC -> 3; 0x5,0xD,0xE,0xF -> 4. */
static inline uint32_t aapxs_ump_message_words(uint32_t first_word) {
    /* Two bits per type, indexed by the type nibble: (size - 1). Table-free and branch-free. */
    const uint32_t sizes_minus_one =
          (0u << 0) | (0u << 2) | (0u << 4) | (1u << 6)     /* 0 1 2 3 */
        | (1u << 8) | (3u << 10) | (0u << 12) | (0u << 14)  /* 4 5 6 7 */
        | (1u << 16) | (1u << 18) | (1u << 20) | (2u << 22) /* 8 9 A B */
        | (2u << 24) | (3u << 26) | (3u << 28) | (3u << 30);/* C D E F */
    return ((sizes_minus_one >> ((first_word >> 28) * 2u)) & 3u) + 1u;
}

/* One UMP message copied out of the stream. words[word_count..3] are zero. */
typedef struct aapxs_ump {
    uint32_t words[AAPXS_UMP_MAX_WORDS];
    uint32_t word_count;   /* 1..4 */
    size_t offset;         /* byte offset of the message from the first UMP byte */
} aapxs_ump_t;

/* Non-zero when `ump` is a SysEx8 packet (type 5, 4 words). */
static inline int aapxs_ump_is_sysex8(const aapxs_ump_t* ump) {
    return (ump->words[0] >> 28) == AAPXS_UMP_TYPE_SYSEX8;
}

/* Non-zero when `ump` is a parameter-change SysEx8 (docs/spec/wire.md section 5; see
 * parameter-sysex8.h to read it). Such a packet is not AAPXS and is always left for the plugin. */
static inline int aapxs_ump_is_parameter_change(const aapxs_ump_t* ump) {
    return ump->word_count == 4 && aapxs_parameter_sysex8_is(ump->words[0], ump->words[1]);
}

/* A bounded cursor over `length` bytes of host-order UMP words starting at `ump`.
 * Plain data: copying it copies the position. The memory must stay valid while iterating. */
typedef struct aapxs_ump_iterator {
    const uint8_t* ump;  /* first UMP byte; may be null only when length == 0 */
    size_t length;       /* bytes, a multiple of 4 */
    size_t offset;       /* bytes consumed so far, always <= length */
    int truncated;       /* set by _next when the last message's size runs past length */
} aapxs_ump_iterator_t;

/* Iterates `word_count` words of a caller's word array. `words` may be null when word_count is 0.
 * Returns AAPXS_CODEC_ERROR_INVALID_ARGUMENT (and an empty iterator) when `it` is null, `words`
 * is null with a non-zero count, or word_count * 4 overflows size_t. */
static inline aapxs_codec_error_t aapxs_ump_iterator_init_words(aapxs_ump_iterator_t* it,
                                                               const uint32_t* words,
                                                               size_t word_count) {
    if (!it)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    it->ump = AAPXS_CODEC_NULL;
    it->length = 0;
    it->offset = 0;
    it->truncated = 0;
    if ((!words && word_count != 0) || word_count > SIZE_MAX / 4u)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    /* uint32_t* to const uint8_t* through const void*: C converts implicitly; C++ needs the cast. */
    it->ump = AAPXS_CODEC_CAST(const uint8_t*, AAPXS_CODEC_CAST(const void*, words));
    it->length = word_count * 4u;
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Copies the next message into *out and returns 1, or returns 0 at the end.
 * When the remaining bytes are fewer than the next message's size, returns 0, sets
 * it->truncated and leaves it->offset at that message (the caller decides what to do with the
 * remaining it->length - it->offset bytes). Never reads outside [ump, ump + length). */
static inline int aapxs_ump_iterator_next(aapxs_ump_iterator_t* it, aapxs_ump_t* out) {
    size_t remaining;
    uint32_t first, count, i;
    if (it->offset >= it->length)
        return 0;
    remaining = it->length - it->offset;
    if (remaining < 4u) {
        it->truncated = 1;
        return 0;
    }
    first = aapxs_codec_load_word(it->ump + it->offset);
    count = aapxs_ump_message_words(first);
    if (remaining < count * 4u) {
        it->truncated = 1;
        return 0;
    }
    out->words[0] = first;
    for (i = 1; i < AAPXS_UMP_MAX_WORDS; i++)
        out->words[i] = i < count ? aapxs_codec_load_word(it->ump + it->offset + i * 4u) : 0u;
    out->word_count = count;
    out->offset = it->offset;
    it->offset += count * 4u;
    return 1;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
