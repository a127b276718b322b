#pragma once
/*
 * AAPXS messages (docs/spec/wire.md section 3): exact sizes, generation into SysEx8 words, and
 * parsing into a zero-copy view or into caller buffers with capacities.
 *
 * Payload layout (all integers little-endian regardless of host byte order):
 *   0: 7E 7F 00 01 | 4: urid (u8) | 5: request id (u32) | 9: L (u32) | 13: URI (L bytes, no NUL)
 *   13+L: opcode (i32) | 17+L: D (u32) | 21+L: data (D bytes).   N = 21 + L + D.
 * A message that does not fit is an error, never a truncated success. A message must name its
 * extension: urid != 0 or L != 0 (writers refuse, readers report MISSING_EXTENSION otherwise).
 *
 * Header-only, valid C99 and C++11. Every function is [thread-safe] on distinct objects and
 * [audio-thread] safe: no allocation, no locking, work bounded by the sizes passed in.
 */

#include "codec-base.h"
#include "sysex8.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAPXS_MESSAGE_HEADER_SIZE 13u  /* bytes before the URI */
#define AAPXS_MESSAGE_FIXED_SIZE 21u   /* N for L = 0 and D = 0: the minimum message */
#define AAPXS_MESSAGE_STREAM_ID 0u     /* AAPXS writers always use SysEx8 stream id 0 */

/* One AAPXS message. As writer input, the pointers are read; as a parse result, they point into
 * the parsed payload (aapxs_message_parse) or into the caller's buffers (aapxs_message_parse_copy).
 * `uri` is NOT NUL-terminated on the wire (parse_copy adds a NUL after uri_size bytes). */
typedef struct aapxs_message {
    uint8_t urid;          /* 0 = not mapped, 1..255 = mapped extension */
    uint32_t request_id;
    const char* uri;       /* uri_size bytes; may be null when uri_size is 0 (URID-only) */
    size_t uri_size;       /* L, must fit uint32 */
    int32_t opcode;        /* >= 0 plugin extension, < 0 host extension */
    const uint8_t* data;   /* data_size bytes; may be null when data_size is 0 */
    size_t data_size;      /* D, must fit uint32 */
} aapxs_message_t;

/* Caller buffers for aapxs_message_parse_copy. uri needs L + 1 bytes (a NUL is appended);
 * either pointer may be null when its capacity is 0. */
typedef struct aapxs_message_storage {
    char* uri;
    size_t uri_capacity;
    uint8_t* data;
    size_t data_capacity;
} aapxs_message_storage_t;

/* N = 21 + uri_size + data_size into *payload_size. SIZE_OVERFLOW when a length does not fit
 * uint32 or N does not fit size_t. */
static inline aapxs_codec_error_t aapxs_message_payload_size(size_t uri_size, size_t data_size,
                                                             size_t* payload_size) {
    if (!payload_size)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (uri_size > UINT32_MAX || data_size > UINT32_MAX)
        return AAPXS_CODEC_ERROR_SIZE_OVERFLOW;
    if (uri_size > SIZE_MAX - AAPXS_MESSAGE_FIXED_SIZE
        || data_size > SIZE_MAX - AAPXS_MESSAGE_FIXED_SIZE - uri_size)
        return AAPXS_CODEC_ERROR_SIZE_OVERFLOW;
    *payload_size = AAPXS_MESSAGE_FIXED_SIZE + uri_size + data_size;
    return AAPXS_CODEC_OK;
}

/* Checks a message for writing: INVALID_ARGUMENT (null message, null uri/data with a non-zero
 * size), MISSING_EXTENSION (urid 0 and no URI), SIZE_OVERFLOW. On OK, *payload_size (if non-null)
 * is N. */
static inline aapxs_codec_error_t aapxs_message_validate(const aapxs_message_t* message, size_t* payload_size) {
    size_t size = 0;
    aapxs_codec_error_t error;
    if (!message || (!message->uri && message->uri_size != 0u) || (!message->data && message->data_size != 0u))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (message->urid == 0u && message->uri_size == 0u)
        return AAPXS_CODEC_ERROR_MISSING_EXTENSION;
    error = aapxs_message_payload_size(message->uri_size, message->data_size, &size);
    if (error == AAPXS_CODEC_OK && payload_size)
        *payload_size = size;
    return error;
}

/* Exact SysEx8 packets and words of a message (after aapxs_message_validate's checks). */
static inline aapxs_codec_error_t aapxs_message_packet_count(const aapxs_message_t* message, size_t* packets) {
    size_t size = 0;
    aapxs_codec_error_t error = aapxs_message_validate(message, &size);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (!packets)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    *packets = aapxs_sysex8_packet_count(size);
    return AAPXS_CODEC_OK;
}

static inline aapxs_codec_error_t aapxs_message_word_count(const aapxs_message_t* message, size_t* words) {
    size_t size = 0;
    aapxs_codec_error_t error = aapxs_message_validate(message, &size);
    if (error != AAPXS_CODEC_OK)
        return error;
    return aapxs_sysex8_word_count(size, words);
}

/* Builds the 13-byte header and the 8-byte opcode/length block around the URI. */
static inline void aapxs_message_fixed_fields(const aapxs_message_t* message, uint8_t* header13, uint8_t* middle8) {
    header13[0] = 0x7Eu;
    header13[1] = 0x7Fu;
    header13[2] = 0x00u;
    header13[3] = 0x01u;
    header13[4] = message->urid;
    aapxs_codec_write_le32(header13 + 5, message->request_id);
    aapxs_codec_write_le32(header13 + 9, AAPXS_CODEC_CAST(uint32_t, message->uri_size));
    /* int32 -> uint32 is defined (modulo 2^32) in C and C++. */
    aapxs_codec_write_le32(middle8, AAPXS_CODEC_CAST(uint32_t, message->opcode));
    aapxs_codec_write_le32(middle8 + 4, AAPXS_CODEC_CAST(uint32_t, message->data_size));
}

/* Packetizes a validated message of payload size `size` into dst (room checked by the caller). */
static inline void aapxs_message_pack_unchecked(const aapxs_message_t* message, uint8_t group,
                                                uint8_t* dst, size_t size) {
    uint8_t header[AAPXS_MESSAGE_HEADER_SIZE];
    uint8_t middle[8];
    aapxs_byte_span_t spans[4];
    aapxs_message_fixed_fields(message, header, middle);
    spans[0].data = header;
    spans[0].size = sizeof(header);
    spans[1].data = AAPXS_CODEC_CAST(const uint8_t*, AAPXS_CODEC_CAST(const void*, message->uri));
    spans[1].size = message->uri_size;
    spans[2].data = middle;
    spans[2].size = sizeof(middle);
    spans[3].data = message->data;
    spans[3].size = message->data_size;
    aapxs_sysex8_pack_spans_unchecked(dst, group, AAPXS_MESSAGE_STREAM_ID, spans, size);
}

/* [audio-thread] Generates the SysEx8 packets of `message` in `group` (0..15) into words[0..n).
 * With uri_size 0 (and urid != 0) this is a URID-only message. All or nothing: on any error
 * nothing is written. On OK, *words_written (if non-null) = the word count.
 * Errors: those of aapxs_message_validate, INVALID_ARGUMENT (null words, group > 15), NO_SPACE. */
static inline aapxs_codec_error_t aapxs_message_write_words(const aapxs_message_t* message, uint8_t group,
                                                            uint32_t* words, size_t capacity_words,
                                                            size_t* words_written) {
    size_t size = 0, needed = 0;
    aapxs_codec_error_t error = aapxs_message_validate(message, &size);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (!words || group > 15u)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    error = aapxs_sysex8_word_count(size, &needed);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (needed > capacity_words)
        return AAPXS_CODEC_ERROR_NO_SPACE;
    aapxs_message_pack_unchecked(message, group, AAPXS_CODEC_CAST(uint8_t*, AAPXS_CODEC_CAST(void*, words)), size);
    if (words_written)
        *words_written = needed;
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Writes the N-byte payload (not packetized) into out[0..capacity). All or
 * nothing. Errors: those of aapxs_message_validate, INVALID_ARGUMENT (null out), NO_SPACE. */
static inline aapxs_codec_error_t aapxs_message_write_payload(const aapxs_message_t* message, uint8_t* out,
                                                              size_t capacity, size_t* bytes_written) {
    size_t size = 0;
    aapxs_codec_error_t error = aapxs_message_validate(message, &size);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (!out)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (size > capacity)
        return AAPXS_CODEC_ERROR_NO_SPACE;
    aapxs_message_fixed_fields(message, out, out + AAPXS_MESSAGE_HEADER_SIZE + message->uri_size);
    if (message->uri_size)
        memcpy(out + AAPXS_MESSAGE_HEADER_SIZE, message->uri, message->uri_size);
    if (message->data_size)
        memcpy(out + AAPXS_MESSAGE_FIXED_SIZE + message->uri_size, message->data, message->data_size);
    if (bytes_written)
        *bytes_written = size;
    return AAPXS_CODEC_OK;
}

/* Non-zero when the first min(size, 4) payload bytes are the AAPXS prefix 7E 7F 00 01. */
static inline int aapxs_payload_has_aapxs_prefix(const uint8_t* payload, size_t size) {
    static const uint8_t prefix[4] = { 0x7Eu, 0x7Fu, 0x00u, 0x01u };
    size_t i;
    for (i = 0; i < size && i < 4u; i++)
        if (payload[i] != prefix[i])
            return 0;
    return 1;
}

/* Non-zero when `packet` (4 words) begins an AAPXS message on the wire: a SysEx8 start or
 * complete packet on stream id 0 whose bytes b3..b6 are 7E 7F 00 01. Packets whose size nibble
 * is 1..4 (declared payload too short to hold the prefix) do not qualify; invalid size nibbles
 * (0, 15) do, so a broken AAPXS packet is still recognised (and then reported malformed). A
 * parameter-change SysEx8 (7E 7F 00 00) never qualifies. */
static inline int aapxs_sysex8_packet_starts_aapxs(const uint32_t* packet) {
    uint32_t w0 = packet[0];
    uint32_t size_nibble = (w0 >> 16) & 0x0Fu;
    uint32_t status = (w0 >> 20) & 0x0Fu;
    return (w0 >> 28) == 0x5u
        && (status == AAPXS_SYSEX8_STATUS_COMPLETE || status == AAPXS_SYSEX8_STATUS_START)
        && ((w0 >> 8) & 0xFFu) == AAPXS_MESSAGE_STREAM_ID
        && (size_nibble == 0u || size_nibble >= 5u)
        && (w0 & 0xFFu) == 0x7Eu
        && (packet[1] >> 8) == 0x7F0001u;
}

/* int32 from its two's-complement bit pattern without implementation-defined conversion. */
static inline int32_t aapxs_codec_int32_from_bits(uint32_t bits) {
    return bits <= 0x7FFFFFFFu ? AAPXS_CODEC_CAST(int32_t, bits)
                               : -AAPXS_CODEC_CAST(int32_t, ~bits) - 1;
}

/* [audio-thread] Parses a reassembled payload into a zero-copy view: view->uri and view->data
 * point into payload (valid while payload is). Checks, in order: NOT_AAPXS (prefix),
 * MESSAGE_TOO_SHORT (< 21 bytes), URI_LENGTH_EXCEEDS_PAYLOAD, DATA_LENGTH_EXCEEDS_PAYLOAD,
 * TRAILING_BYTES (N != 21 + L + D), MISSING_EXTENSION; INVALID_ARGUMENT for null arguments.
 * Lengths are compared against what remains, so no arithmetic can overflow. On error *view is
 * untouched. */
static inline aapxs_codec_error_t aapxs_message_parse(const uint8_t* payload, size_t size, aapxs_message_t* view) {
    uint32_t uri_size, data_size;
    size_t rest;
    if (!view || (!payload && size != 0u))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (!aapxs_payload_has_aapxs_prefix(payload, size))
        return AAPXS_CODEC_ERROR_NOT_AAPXS;
    if (size < AAPXS_MESSAGE_FIXED_SIZE)
        return AAPXS_CODEC_ERROR_MESSAGE_TOO_SHORT;
    rest = size - AAPXS_MESSAGE_FIXED_SIZE; /* room for URI + data */
    uri_size = aapxs_codec_read_le32(payload + 9);
    if (uri_size > rest)
        return AAPXS_CODEC_ERROR_URI_LENGTH_EXCEEDS_PAYLOAD;
    rest -= uri_size;
    data_size = aapxs_codec_read_le32(payload + 17 + uri_size);
    if (data_size > rest)
        return AAPXS_CODEC_ERROR_DATA_LENGTH_EXCEEDS_PAYLOAD;
    if (data_size != rest)
        return AAPXS_CODEC_ERROR_TRAILING_BYTES;
    if (payload[4] == 0u && uri_size == 0u)
        return AAPXS_CODEC_ERROR_MISSING_EXTENSION;
    view->urid = payload[4];
    view->request_id = aapxs_codec_read_le32(payload + 5);
    view->uri_size = uri_size;
    view->uri = uri_size != 0u
        ? AAPXS_CODEC_CAST(const char*, AAPXS_CODEC_CAST(const void*, payload + AAPXS_MESSAGE_HEADER_SIZE))
        : AAPXS_CODEC_NULL;
    view->opcode = aapxs_codec_int32_from_bits(aapxs_codec_read_le32(payload + 13 + uri_size));
    view->data_size = data_size;
    view->data = data_size != 0u ? payload + AAPXS_MESSAGE_FIXED_SIZE + uri_size : AAPXS_CODEC_NULL;
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Copies a view's URI (plus a NUL) and data into caller storage and points *out
 * at the copies. All or nothing: URI_TOO_LARGE_FOR_BUFFER when uri_capacity < L + 1 (a URID-only
 * message needs no URI buffer at all), DATA_TOO_LARGE_FOR_BUFFER when data_capacity < D; nothing
 * is written then. `view` and `out` may be the same object. */
static inline aapxs_codec_error_t aapxs_message_copy_to_storage(const aapxs_message_t* view,
                                                                const aapxs_message_storage_t* storage,
                                                                aapxs_message_t* out) {
    aapxs_message_t copy;
    if (!view || !storage || !out)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (view->uri_size != 0u && (!storage->uri || storage->uri_capacity <= view->uri_size))
        return AAPXS_CODEC_ERROR_URI_TOO_LARGE_FOR_BUFFER;
    if (view->data_size != 0u && (!storage->data || storage->data_capacity < view->data_size))
        return AAPXS_CODEC_ERROR_DATA_TOO_LARGE_FOR_BUFFER;
    if ((!view->uri && view->uri_size != 0u) || (!view->data && view->data_size != 0u))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    copy = *view;
    if (storage->uri && storage->uri_capacity != 0u) {
        if (view->uri_size != 0u)
            memmove(storage->uri, view->uri, view->uri_size);
        storage->uri[view->uri_size] = '\0';
        copy.uri = storage->uri;
    } else {
        copy.uri = AAPXS_CODEC_NULL;
    }
    if (view->data_size != 0u) {
        memmove(storage->data, view->data, view->data_size);
        copy.data = storage->data;
    } else {
        copy.data = AAPXS_CODEC_NULL;
    }
    *out = copy;
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Parses a reassembled payload into caller storage (aapxs_message_parse, then
 * aapxs_message_copy_to_storage). out->uri is NUL-terminated (or null when L = 0 and there is
 * no URI buffer). All or nothing: on error nothing is written. */
static inline aapxs_codec_error_t aapxs_message_parse_copy(const uint8_t* payload, size_t size,
                                                           const aapxs_message_storage_t* storage,
                                                           aapxs_message_t* out) {
    aapxs_message_t view;
    aapxs_codec_error_t error = aapxs_message_parse(payload, size, &view);
    if (error != AAPXS_CODEC_OK)
        return error;
    return aapxs_message_copy_to_storage(&view, storage, out);
}

/* [audio-thread] Decodes ONE AAPXS message whose packets are consecutive at words[0..word_count):
 * reassembles into scratch[0..scratch_capacity) and parses a view pointing into scratch.
 * *words_consumed (if non-null) = words up to and including the end packet; *group (if non-null)
 * = its group. Errors: those of aapxs_sysex8_read_message (SYSEX8_PAYLOAD_TOO_LARGE when scratch
 * is too small) and of aapxs_message_parse; also NOT_AAPXS when the stream id is not 0. */
static inline aapxs_codec_error_t aapxs_message_read_words(const uint32_t* words, size_t word_count,
                                                           uint8_t* scratch, size_t scratch_capacity,
                                                           aapxs_message_t* view, size_t* words_consumed,
                                                           uint8_t* group) {
    size_t size = 0, consumed = 0;
    uint8_t message_group = 0, stream_id = 0;
    aapxs_codec_error_t error;
    if (!view)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    error = aapxs_sysex8_read_message(words, word_count, scratch, scratch_capacity, &size, &consumed,
                                      &message_group, &stream_id);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (stream_id != AAPXS_MESSAGE_STREAM_ID)
        return AAPXS_CODEC_ERROR_NOT_AAPXS;
    error = aapxs_message_parse(scratch, size, view);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (words_consumed)
        *words_consumed = consumed;
    if (group)
        *group = message_group;
    return AAPXS_CODEC_OK;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
