#pragma once
/*
 * AAPXS wire codec: the error reasons every codec function reports, and the few portable
 * helpers the codec headers share (cast/null macros, host-order word load/store).
 *
 * Header-only, valid C99 and C++11, depends on nothing but the C standard library.
 * Every function here is [thread-safe] and [audio-thread] safe: no allocation, no locking,
 * bounded work, no undefined behaviour for any argument values.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* AAPXS_CODEC_CAST(T, v): static_cast in C++ (clean under -Wold-style-cast), a plain cast in C.
 * AAPXS_CODEC_NULL: nullptr in C++, a null pointer constant in C. Private to the codec headers,
 * kept here so the codec depends on nothing outside include/aapxs. */
#ifdef __cplusplus
#define AAPXS_CODEC_CAST(T, v) static_cast<T>(v)
#define AAPXS_CODEC_NULL nullptr
#else
#define AAPXS_CODEC_CAST(T, v) ((T)(v))
#define AAPXS_CODEC_NULL ((void*)0)
#endif

/* Every outcome of a codec operation. 0 is success; every other value is a reason a caller can
 * switch on, and aapxs_codec_error_string() names it. Values are stable (append only). */
typedef enum aapxs_codec_error {
    AAPXS_CODEC_OK = 0,
    /* A required pointer was null, a group was > 15, or a value is outside its documented range. */
    AAPXS_CODEC_ERROR_INVALID_ARGUMENT = 1,
    /* MIDI2 port buffer header (docs/spec/wire.md section 1) */
    AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL = 2,          /* capacity < 32 bytes (no room for the header) */
    AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY = 3, /* header length > capacity - 32 */
    AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED = 4, /* header length % 4 != 0 */
    AAPXS_CODEC_ERROR_UMP_TRUNCATED = 5,             /* a UMP message's size runs past the end of the data */
    /* Output space */
    AAPXS_CODEC_ERROR_NO_SPACE = 6,                  /* the output (words, port buffer, array) cannot hold it all */
    AAPXS_CODEC_ERROR_SIZE_OVERFLOW = 7,             /* a length does not fit uint32 or the size arithmetic overflows */
    /* SysEx8 framing (section 2) */
    AAPXS_CODEC_ERROR_NOT_SYSEX8 = 8,                /* the packet is not UMP message type 5 */
    AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE = 9,           /* size nibble 0 or > 14 */
    AAPXS_CODEC_ERROR_SYSEX8_BAD_STATUS = 10,        /* status nibble not 0 (complete), 1 (start), 2 (continue), 3 (end) */
    AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START = 11, /* continue or end packet with no message started */
    AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END = 12,  /* a start/complete packet arrived while a message was unfinished */
    AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED = 13,         /* the data ended before the end packet */
    AAPXS_CODEC_ERROR_SYSEX8_NO_FREE_SLOT = 14,      /* every reassembly slot is busy with another stream */
    AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE = 15, /* the message is larger than the reassembly storage */
    /* AAPXS payload (section 3) */
    AAPXS_CODEC_ERROR_NOT_AAPXS = 16,                /* the payload does not start with 7E 7F 00 01 */
    AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT = 17,        /* fewer than the 21 fixed bytes */
    AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD = 18,
    AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD = 19,
    AAPXS_CODEC_ERROR_TRAILING_BYTES = 20,           /* payload longer than 21 + L + D */
    AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER = 21, /* the caller's URI buffer cannot hold L + 1 bytes */
    AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER = 22,/* the caller's data buffer cannot hold D bytes */
    AAPXS_CODEC_ERROR_MISSING_EXTENSION = 23         /* urid 0 and no URI: nothing names the extension */
} aapxs_codec_error_t;

/* [thread-safe] A static, never-null, human-readable name for every reason (and for unknown
 * values). The strings live for the life of the program. */
static inline const char* aapxs_codec_error_string(aapxs_codec_error_t error) {
    switch (error) {
    case AAPXS_CODEC_OK: return "ok";
    case AAPXS_CODEC_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL: return "MIDI2 buffer capacity is smaller than its 32-byte header";
    case AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY: return "MIDI2 buffer length exceeds its capacity";
    case AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED: return "MIDI2 buffer length is not a multiple of 4";
    case AAPXS_CODEC_ERROR_UMP_TRUNCATED: return "UMP message runs past the end of the data";
    case AAPXS_CODEC_ERROR_NO_SPACE: return "not enough space in the output";
    case AAPXS_CODEC_ERROR_SIZE_OVERFLOW: return "length does not fit 32 bits or size arithmetic overflows";
    case AAPXS_CODEC_ERROR_NOT_SYSEX8: return "not a SysEx8 (UMP type 5) packet";
    case AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE: return "SysEx8 packet size nibble is 0 or larger than 14";
    case AAPXS_CODEC_ERROR_SYSEX8_BAD_STATUS: return "SysEx8 packet status is not complete, start, continue or end";
    case AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START: return "SysEx8 continue or end packet without a start";
    case AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END: return "SysEx8 start packet before the end of the previous message";
    case AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED: return "SysEx8 message has no end packet";
    case AAPXS_CODEC_ERROR_SYSEX8_NO_FREE_SLOT: return "no free SysEx8 reassembly slot";
    case AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE: return "SysEx8 message is larger than the reassembly storage";
    case AAPXS_CODEC_ERROR_NOT_AAPXS: return "payload is not an AAPXS message";
    case AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT: return "AAPXS message is shorter than its 21 fixed bytes";
    case AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD: return "AAPXS URI length exceeds the payload";
    case AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD: return "AAPXS data length exceeds the payload";
    case AAPXS_CODEC_ERROR_TRAILING_BYTES: return "AAPXS payload has bytes after the data";
    case AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER: return "AAPXS URI does not fit the reader's URI buffer";
    case AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER: return "AAPXS data does not fit the reader's data buffer";
    case AAPXS_CODEC_ERROR_MISSING_EXTENSION: return "AAPXS message has neither a urid nor a URI";
    }
    return "unknown AAPXS codec error";
}

/* Host-order uint32 load/store at any byte address. memcpy keeps unaligned and type-punned
 * access out of the picture; compilers turn the fixed 4-byte copy into one load/store. */
static inline uint32_t aapxs_codec_load_word(const uint8_t* p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static inline void aapxs_codec_store_word(uint8_t* p, uint32_t w) {
    memcpy(p, &w, 4);
}

/* Big-endian byte order of a UMP word (b0 = most significant byte), independent of host byte
 * order. With GCC/clang this is one 4-byte memcpy plus a byte swap on little-endian hosts (a
 * plain move on big-endian ones); elsewhere it is portable byte shifts. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && defined(__ORDER_BIG_ENDIAN__) \
    && (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AAPXS_CODEC_HOST_TO_BE32(w) __builtin_bswap32(w)
#else
#define AAPXS_CODEC_HOST_TO_BE32(w) (w)
#endif
static inline uint32_t aapxs_codec_load_be32(const uint8_t* p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return AAPXS_CODEC_HOST_TO_BE32(w);
}

static inline void aapxs_codec_store_be32(uint8_t* p, uint32_t w) {
    w = AAPXS_CODEC_HOST_TO_BE32(w);
    memcpy(p, &w, 4);
}
#undef AAPXS_CODEC_HOST_TO_BE32
#else
static inline uint32_t aapxs_codec_load_be32(const uint8_t* p) {
    return (AAPXS_CODEC_CAST(uint32_t, p[0]) << 24) | (AAPXS_CODEC_CAST(uint32_t, p[1]) << 16)
        | (AAPXS_CODEC_CAST(uint32_t, p[2]) << 8) | AAPXS_CODEC_CAST(uint32_t, p[3]);
}

static inline void aapxs_codec_store_be32(uint8_t* p, uint32_t w) {
    p[0] = AAPXS_CODEC_CAST(uint8_t, w >> 24);
    p[1] = AAPXS_CODEC_CAST(uint8_t, w >> 16);
    p[2] = AAPXS_CODEC_CAST(uint8_t, w >> 8);
    p[3] = AAPXS_CODEC_CAST(uint8_t, w);
}
#endif

/* Little-endian uint32 fields of the AAPXS payload, independent of host byte order. */
static inline uint32_t aapxs_codec_read_le32(const uint8_t* p) {
    return AAPXS_CODEC_CAST(uint32_t, p[0]) | (AAPXS_CODEC_CAST(uint32_t, p[1]) << 8)
        | (AAPXS_CODEC_CAST(uint32_t, p[2]) << 16) | (AAPXS_CODEC_CAST(uint32_t, p[3]) << 24);
}

static inline void aapxs_codec_write_le32(uint8_t* p, uint32_t v) {
    p[0] = AAPXS_CODEC_CAST(uint8_t, v);
    p[1] = AAPXS_CODEC_CAST(uint8_t, v >> 8);
    p[2] = AAPXS_CODEC_CAST(uint8_t, v >> 16);
    p[3] = AAPXS_CODEC_CAST(uint8_t, v >> 24);
}

#ifdef __cplusplus
} /* extern "C" */
#endif
