#pragma once
/*
 * SysEx8 (UMP message type 5) framing, docs/spec/wire.md section 2: a packetizer that turns payload
 * bytes into 16-byte packets, a reader for one message in consecutive packets, and a streaming
 * reassembler for interleaved streams.
 *
 * Packet bytes b0..b15 (b0 = most significant byte of word 0):
 *   b0 = 0x50 | group, b1 = status | (n + 1), b2 = stream id, b3..b(2+n) = payload, rest zero.
 *   status: 0x00 complete-in-one, 0x10 start, 0x20 continue, 0x30 end; n <= 13.
 * Words are host-order uint32 values; bytes are taken from and put into them with shifts, so the
 * codec behaves the same on any host byte order.
 *
 * Header-only, valid C99 and C++11. Every function is [thread-safe] on distinct objects and
 * [audio-thread] safe: no allocation, no locking, work bounded by the sizes passed in.
 */

#include "codec-base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAPXS_SYSEX8_PACKET_PAYLOAD_MAX 13u /* payload bytes per 16-byte packet */
#define AAPXS_SYSEX8_PACKET_WORDS 4u
#define AAPXS_SYSEX8_STATUS_COMPLETE 0x0u   /* status nibble values (b1 >> 4) */
#define AAPXS_SYSEX8_STATUS_START 0x1u
#define AAPXS_SYSEX8_STATUS_CONTINUE 0x2u
#define AAPXS_SYSEX8_STATUS_END 0x3u

/* Number of packets for `payload_size` bytes: ceil(size / 13), and 1 for sizes 0..13. */
static inline size_t aapxs_sysex8_packet_count(size_t payload_size) {
    return payload_size <= AAPXS_SYSEX8_PACKET_PAYLOAD_MAX
        ? 1u
        : payload_size / AAPXS_SYSEX8_PACKET_PAYLOAD_MAX
            + (payload_size % AAPXS_SYSEX8_PACKET_PAYLOAD_MAX != 0u ? 1u : 0u);
}

/* Words needed for `payload_size` bytes (4 per packet). SIZE_OVERFLOW when that overflows size_t. */
static inline aapxs_codec_error_t aapxs_sysex8_word_count(size_t payload_size, size_t* word_count) {
    size_t packets = aapxs_sysex8_packet_count(payload_size);
    if (!word_count)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (packets > SIZE_MAX / AAPXS_SYSEX8_PACKET_WORDS)
        return AAPXS_CODEC_ERROR_SIZE_OVERFLOW;
    *word_count = packets * AAPXS_SYSEX8_PACKET_WORDS;
    return AAPXS_CODEC_OK;
}

/* A read-only run of bytes. `data` may be null only when size is 0. */
typedef struct aapxs_byte_span {
    const uint8_t* data;
    size_t size;
} aapxs_byte_span_t;

/* Writes the packets for the concatenation of `spans` (total `total` bytes, which the caller has
 * computed as the sum of the span sizes) to dst as host-order words. dst must have room for
 * aapxs_sysex8_word_count(total) words; group <= 15. Internal building block of the checked
 * writers below and of aapxs-message.h; call those instead. */
static inline void aapxs_sysex8_pack_spans_unchecked(uint8_t* dst, uint8_t group, uint8_t stream_id,
                                                     const aapxs_byte_span_t* spans, size_t total) {
    size_t packets = aapxs_sysex8_packet_count(total);
    size_t remaining = total;
    size_t span_index = 0, span_offset = 0;
    size_t p;
    for (p = 0; p < packets; p++) {
        uint8_t b[16];
        size_t n = remaining < AAPXS_SYSEX8_PACKET_PAYLOAD_MAX ? remaining : AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
        size_t filled = 0;
        uint32_t status = packets == 1u ? AAPXS_SYSEX8_STATUS_COMPLETE
            : p == 0u ? AAPXS_SYSEX8_STATUS_START
            : p + 1u == packets ? AAPXS_SYSEX8_STATUS_END : AAPXS_SYSEX8_STATUS_CONTINUE;
        if (n == AAPXS_SYSEX8_PACKET_PAYLOAD_MAX) {
            /* Fast path: a full packet whose 13 bytes sit in one span becomes four words straight
             * from the source, without staging. */
            while (spans[span_index].size == span_offset) {
                span_index++;
                span_offset = 0;
            }
            if (spans[span_index].size - span_offset >= AAPXS_SYSEX8_PACKET_PAYLOAD_MAX) {
                const uint8_t* src = spans[span_index].data + span_offset;
                aapxs_codec_store_word(dst, ((0x50u | (group & 0x0Fu)) << 24) | ((status << 4 | 0x0Eu) << 16)
                                            | (AAPXS_CODEC_CAST(uint32_t, stream_id) << 8) | src[0]);
                aapxs_codec_store_word(dst + 4, aapxs_codec_load_be32(src + 1));
                aapxs_codec_store_word(dst + 8, aapxs_codec_load_be32(src + 5));
                aapxs_codec_store_word(dst + 12, aapxs_codec_load_be32(src + 9));
                span_offset += AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                remaining -= AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                dst += 16;
                /* Then the following continue packets (p + 1 .. packets - 2, all full) that this
                 * span still covers, in a tight loop with a constant header. */
                if (p + 2u < packets) {
                    const uint32_t continue_header = ((0x50u | (group & 0x0Fu)) << 24) | (0x2Eu << 16)
                        | (AAPXS_CODEC_CAST(uint32_t, stream_id) << 8);
                    size_t run = (spans[span_index].size - span_offset) / AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                    size_t r;
                    if (run > packets - p - 2u)
                        run = packets - p - 2u;
                    src = spans[span_index].data + span_offset;
                    for (r = 0; r < run; r++) {
                        uint32_t w1 = aapxs_codec_load_be32(src + 1), w2 = aapxs_codec_load_be32(src + 5),
                                 w3 = aapxs_codec_load_be32(src + 9);
                        aapxs_codec_store_word(dst, continue_header | src[0]);
                        aapxs_codec_store_word(dst + 4, w1);
                        aapxs_codec_store_word(dst + 8, w2);
                        aapxs_codec_store_word(dst + 12, w3);
                        src += AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                        dst += 16;
                    }
                    p += run;
                    span_offset += run * AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                    remaining -= run * AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
                }
                continue;
            }
        }
        memset(b, 0, sizeof(b));
        b[0] = AAPXS_CODEC_CAST(uint8_t, 0x50u | (group & 0x0Fu));
        b[1] = AAPXS_CODEC_CAST(uint8_t, (status << 4) | (n + 1u));
        b[2] = stream_id;
        while (filled < n) {
            size_t available = spans[span_index].size - span_offset;
            size_t take;
            if (available == 0u) {
                span_index++;
                span_offset = 0;
                continue;
            }
            take = n - filled < available ? n - filled : available;
            if (take == AAPXS_SYSEX8_PACKET_PAYLOAD_MAX) /* the common full packet: a fixed-size copy */
                memcpy(b + 3, spans[span_index].data + span_offset, AAPXS_SYSEX8_PACKET_PAYLOAD_MAX);
            else
                memcpy(b + 3 + filled, spans[span_index].data + span_offset, take);
            filled += take;
            span_offset += take;
        }
        remaining -= n;
        aapxs_codec_store_word(dst, aapxs_codec_load_be32(b));
        aapxs_codec_store_word(dst + 4, aapxs_codec_load_be32(b + 4));
        aapxs_codec_store_word(dst + 8, aapxs_codec_load_be32(b + 8));
        aapxs_codec_store_word(dst + 12, aapxs_codec_load_be32(b + 12));
        dst += 16;
    }
}

/* [audio-thread] Packetizes `size` payload bytes into `words` (capacity `capacity_words`).
 * All or nothing: on any error nothing is written. On success *words_written (if non-null) is
 * the number of words written, 4 * aapxs_sysex8_packet_count(size). An empty payload becomes one
 * complete-in-one packet with n = 0.
 * Errors: INVALID_ARGUMENT (null words, null payload with size > 0, group > 15), SIZE_OVERFLOW,
 * NO_SPACE. */
static inline aapxs_codec_error_t aapxs_sysex8_write_packets(uint32_t* words, size_t capacity_words,
                                                             uint8_t group, uint8_t stream_id,
                                                             const uint8_t* payload, size_t size,
                                                             size_t* words_written) {
    aapxs_byte_span_t span;
    size_t needed = 0;
    aapxs_codec_error_t error;
    if (!words || (!payload && size != 0u) || group > 15u)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    error = aapxs_sysex8_word_count(size, &needed);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (needed > capacity_words)
        return AAPXS_CODEC_ERROR_NO_SPACE;
    span.data = payload;
    span.size = size;
    aapxs_sysex8_pack_spans_unchecked(AAPXS_CODEC_CAST(uint8_t*, AAPXS_CODEC_CAST(void*, words)),
                                      group, stream_id, &span, size);
    if (words_written)
        *words_written = needed;
    return AAPXS_CODEC_OK;
}

/* Unpacks the payload bytes b3..b15 of a packet into out[0..12] (always 13 bytes). */
static inline void aapxs_sysex8_unpack_payload13(const uint32_t* packet, uint8_t* out) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Little-endian GCC/clang: two 8-byte loads, two byte swaps, two overlapping 8-byte stores
     * (this loop is bound by instruction count). low = w0 | w1 << 32, high = w2 | w3 << 32.
     * out[0..7] = b3, BE(w1), 3 bytes of junk that the second store then overwrites with
     * out[5..12] = BE(w2), BE(w3). Loads come first: `out` may alias `packet` as far as the
     * compiler knows. */
    uint64_t low, high, head, tail;
    memcpy(&low, packet, 8);
    memcpy(&high, packet + 2, 8);
    head = (__builtin_bswap64(low) << 8) | (low & 0xFFu);
    tail = __builtin_bswap64(high);
    tail = (tail >> 32) | (tail << 32);
    memcpy(out, &head, 8);
    memcpy(out + 5, &tail, 8);
#else
    uint32_t w0 = packet[0], w1 = packet[1], w2 = packet[2], w3 = packet[3];
    out[0] = AAPXS_CODEC_CAST(uint8_t, w0);
    aapxs_codec_store_be32(out + 1, w1);
    aapxs_codec_store_be32(out + 5, w2);
    aapxs_codec_store_be32(out + 9, w3);
#endif
}

/* Field accessors of a packet's first word. */
static inline uint8_t aapxs_sysex8_group(uint32_t w0) { return AAPXS_CODEC_CAST(uint8_t, (w0 >> 24) & 0x0Fu); }
static inline uint8_t aapxs_sysex8_status(uint32_t w0) { return AAPXS_CODEC_CAST(uint8_t, (w0 >> 20) & 0x0Fu); }
static inline uint8_t aapxs_sysex8_size_nibble(uint32_t w0) { return AAPXS_CODEC_CAST(uint8_t, (w0 >> 16) & 0x0Fu); }
static inline uint8_t aapxs_sysex8_stream_id(uint32_t w0) { return AAPXS_CODEC_CAST(uint8_t, (w0 >> 8) & 0xFFu); }

/* Checks type, size nibble (1..14) and status (0..3) of a packet's first word. */
static inline aapxs_codec_error_t aapxs_sysex8_check_packet(uint32_t w0) {
    uint32_t size_nibble = (w0 >> 16) & 0x0Fu;
    if ((w0 >> 28) != 0x5u)
        return AAPXS_CODEC_ERROR_NOT_SYSEX8;
    if (size_nibble == 0u || size_nibble > 14u)
        return AAPXS_CODEC_ERROR_SYSEX8_BAD_SIZE;
    if (((w0 >> 20) & 0x0Fu) > AAPXS_SYSEX8_STATUS_END)
        return AAPXS_CODEC_ERROR_SYSEX8_BAD_STATUS;
    return AAPXS_CODEC_OK;
}

/* Appends the n payload bytes of `packet` at out + *size if they fit in `capacity`. */
static inline int aapxs_sysex8_append_payload(const uint32_t* packet, uint32_t n, uint8_t* out,
                                              size_t capacity, size_t* size) {
    uint8_t payload[AAPXS_SYSEX8_PACKET_PAYLOAD_MAX];
    if (n > capacity - *size)
        return 0;
    if (n == 0u)
        return 1;
    if (n == AAPXS_SYSEX8_PACKET_PAYLOAD_MAX) {
        aapxs_sysex8_unpack_payload13(packet, out + *size); /* straight into place */
    } else {
        aapxs_sysex8_unpack_payload13(packet, payload);
        memcpy(out + *size, payload, n);
    }
    *size += n;
    return 1;
}

/* [audio-thread] Reads ONE SysEx8 message whose packets are consecutive at words[0..word_count)
 * (the layout every AAPXS writer produces) into storage[0..capacity). On success returns OK and
 * sets *payload_size, *words_consumed (the words up to and including the end packet), and, when
 * non-null, *group and *stream_id. Packets of another group or stream, or any non-SysEx8 word,
 * before the end packet make it SYSEX8_TRUNCATED; to read interleaved streams use the reassembler.
 * Errors: INVALID_ARGUMENT, NOT_SYSEX8 (words[0] is not type 5), SYSEX8_BAD_SIZE,
 * SYSEX8_BAD_STATUS, SYSEX8_CONTINUATION_WITHOUT_START (first packet is continue/end),
 * SYSEX8_START_BEFORE_END, SYSEX8_TRUNCATED, SYSEX8_PAYLOAD_TOO_LARGE. On error the contents of
 * storage are unspecified and the out values are untouched. */
static inline aapxs_codec_error_t aapxs_sysex8_read_message(const uint32_t* words, size_t word_count,
                                                            uint8_t* storage, size_t capacity,
                                                            size_t* payload_size, size_t* words_consumed,
                                                            uint8_t* group, uint8_t* stream_id) {
    size_t position = 0, size = 0;
    uint32_t key;
    aapxs_codec_error_t error;
    if (!words || (!storage && capacity != 0u) || !payload_size || !words_consumed)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (word_count < AAPXS_SYSEX8_PACKET_WORDS)
        return word_count == 0u || (words[0] >> 28) == 0x5u ? AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED
                                                              : AAPXS_CODEC_ERROR_NOT_SYSEX8;
    /* group and stream id identify the message: every later packet must carry the same ones. */
    key = words[0] & 0x0F00FF00u;
    for (;;) {
        const uint32_t* packet;
        uint32_t status, n;
        if (position != 0u) {
            /* Fast path: full continue packets of this message; one compare checks type, group,
             * status, size and stream id. */
            const uint32_t full_continue = 0x502E0000u | key;
            size_t limit = (word_count - position) / AAPXS_SYSEX8_PACKET_WORDS;
            size_t room = (capacity - size) / AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
            const uint32_t* in = words + position;
            uint8_t* out = storage + size;
            size_t k;
            if (room < limit)
                limit = room;
            for (k = 0; k < limit && (in[0] & 0xFFFFFF00u) == full_continue; k++) {
                aapxs_sysex8_unpack_payload13(in, out);
                in += AAPXS_SYSEX8_PACKET_WORDS;
                out += AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
            }
            size += k * AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
            position += k * AAPXS_SYSEX8_PACKET_WORDS;
        }
        packet = words + position;
        if (word_count - position < AAPXS_SYSEX8_PACKET_WORDS)
            return AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED;
        if (position != 0u && ((packet[0] >> 28) != 0x5u || (packet[0] & 0x0F00FF00u) != key))
            return AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED;
        error = aapxs_sysex8_check_packet(packet[0]);
        if (error != AAPXS_CODEC_OK)
            return error;
        status = (packet[0] >> 20) & 0x0Fu;
        n = ((packet[0] >> 16) & 0x0Fu) - 1u;
        if (position == 0u) {
            if (status == AAPXS_SYSEX8_STATUS_CONTINUE || status == AAPXS_SYSEX8_STATUS_END)
                return AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START;
        } else if (status == AAPXS_SYSEX8_STATUS_START || status == AAPXS_SYSEX8_STATUS_COMPLETE) {
            return AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END;
        }
        if (!aapxs_sysex8_append_payload(packet, n, storage, capacity, &size))
            return AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE;
        position += AAPXS_SYSEX8_PACKET_WORDS;
        if (status == AAPXS_SYSEX8_STATUS_COMPLETE || status == AAPXS_SYSEX8_STATUS_END)
            break;
    }
    *payload_size = size;
    *words_consumed = position;
    if (group)
        *group = aapxs_sysex8_group(words[0]);
    if (stream_id)
        *stream_id = aapxs_sysex8_stream_id(words[0]);
    return AAPXS_CODEC_OK;
}

/* ---- Streaming reassembler: several (group, stream id) streams at once, caller storage ---- */

#define AAPXS_SYSEX8_SLOT_FREE 0u
#define AAPXS_SYSEX8_SLOT_COLLECTING 1u
#define AAPXS_SYSEX8_SLOT_DISCARDING 2u /* message already reported malformed; swallow until its end */

/* One stream being reassembled. Storage is owned by the caller; the reassembler only writes
 * storage[0..capacity). */
typedef struct aapxs_sysex8_slot {
    uint8_t* storage;
    size_t capacity;
    size_t size;        /* payload bytes collected so far */
    uint8_t group;      /* 0..15 */
    uint8_t stream_id;
    uint8_t state;      /* AAPXS_SYSEX8_SLOT_* */
} aapxs_sysex8_slot_t;

/* A fixed set of slots (a handful: lookup is a linear scan). Not thread-safe: one thread at a time. */
typedef struct aapxs_sysex8_reassembler {
    aapxs_sysex8_slot_t* slots;
    size_t slot_count;
} aapxs_sysex8_reassembler_t;

typedef enum aapxs_sysex8_status {
    AAPXS_SYSEX8_NEED_MORE = 0,  /* packet accepted; the message is not finished */
    AAPXS_SYSEX8_COMPLETE = 1,   /* a message finished: event.payload/size hold it */
    AAPXS_SYSEX8_MALFORMED = 2,  /* event.reason says why; the message is dropped */
    AAPXS_SYSEX8_DISCARDED = 3   /* packet of a message already reported MALFORMED; swallowed */
} aapxs_sysex8_status_t;

/* What one packet did. */
typedef struct aapxs_sysex8_event {
    aapxs_sysex8_status_t status;
    aapxs_codec_error_t reason;  /* AAPXS_CODEC_OK unless status is MALFORMED */
    uint8_t group;
    uint8_t stream_id;
    /* COMPLETE only (else null/0): the reassembled payload, in the slot's storage. Valid until the
     * next feed, reset or drop on this reassembler. */
    const uint8_t* payload;
    size_t size;
    /* Non-zero when this start/complete packet cut off an unfinished message on the same stream.
     * That message is dropped; callers report it as AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END.
     * The new packet is then handled normally (status describes it). */
    int aborted_unfinished;
} aapxs_sysex8_event_t;

/* [any thread, before use] Splits `storage` (slot_count * bytes_per_slot bytes) evenly over
 * `slots` and frees them all. storage may be null when bytes_per_slot is 0. */
static inline aapxs_codec_error_t aapxs_sysex8_reassembler_init(aapxs_sysex8_reassembler_t* r,
                                                                aapxs_sysex8_slot_t* slots, size_t slot_count,
                                                                uint8_t* storage, size_t bytes_per_slot) {
    size_t i;
    if (!r || (!slots && slot_count != 0u) || (!storage && bytes_per_slot != 0u && slot_count != 0u))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (bytes_per_slot != 0u && slot_count > SIZE_MAX / bytes_per_slot)
        return AAPXS_CODEC_ERROR_SIZE_OVERFLOW;
    r->slots = slots;
    r->slot_count = slot_count;
    for (i = 0; i < slot_count; i++) {
        slots[i].storage = bytes_per_slot != 0u ? storage + i * bytes_per_slot : AAPXS_CODEC_NULL;
        slots[i].capacity = bytes_per_slot;
        slots[i].size = 0;
        slots[i].group = 0;
        slots[i].stream_id = 0;
        slots[i].state = AAPXS_SYSEX8_SLOT_FREE;
    }
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Forgets every unfinished message (e.g. at the end of a buffer). */
static inline void aapxs_sysex8_reassembler_reset(aapxs_sysex8_reassembler_t* r) {
    size_t i;
    for (i = 0; i < r->slot_count; i++) {
        r->slots[i].state = AAPXS_SYSEX8_SLOT_FREE;
        r->slots[i].size = 0;
    }
}

/* The busy (collecting or discarding) slot of (group, stream_id), or null. */
static inline aapxs_sysex8_slot_t* aapxs_sysex8_reassembler_find(aapxs_sysex8_reassembler_t* r,
                                                                 uint8_t group, uint8_t stream_id) {
    size_t i;
    for (i = 0; i < r->slot_count; i++) {
        aapxs_sysex8_slot_t* slot = r->slots + i;
        if (slot->state != AAPXS_SYSEX8_SLOT_FREE && slot->group == group && slot->stream_id == stream_id)
            return slot;
    }
    return AAPXS_CODEC_NULL;
}

/* [audio-thread] Forgets the unfinished message of (group, stream_id), if any. */
static inline void aapxs_sysex8_reassembler_drop(aapxs_sysex8_reassembler_t* r, uint8_t group, uint8_t stream_id) {
    aapxs_sysex8_slot_t* slot = aapxs_sysex8_reassembler_find(r, group, stream_id);
    if (slot) {
        slot->state = AAPXS_SYSEX8_SLOT_FREE;
        slot->size = 0;
    }
}

static inline aapxs_sysex8_status_t aapxs_sysex8_event_malformed(aapxs_sysex8_event_t* event,
                                                                 aapxs_codec_error_t reason) {
    event->status = AAPXS_SYSEX8_MALFORMED;
    event->reason = reason;
    return AAPXS_SYSEX8_MALFORMED;
}

/* [audio-thread] Feeds one 4-word packet (packet[0..3], host order) and reports what it did in
 * *event (also returned as the status). Rules:
 * - not type 5: MALFORMED NOT_SYSEX8, nothing changes.
 * - size nibble 0 or > 14, status > 3: MALFORMED BAD_SIZE / BAD_STATUS; an unfinished message on
 *   that stream is dropped with it (later packets of it are DISCARDED up to its end packet).
 * - start/complete: begins a message (cutting off an unfinished one, see aborted_unfinished);
 *   MALFORMED NO_FREE_SLOT when every slot is busy with other streams.
 * - continue/end with no message started: MALFORMED CONTINUATION_WITHOUT_START.
 * - more payload than the slot's capacity: MALFORMED PAYLOAD_TOO_LARGE (rest DISCARDED).
 * - complete or end packet: COMPLETE with the payload.
 * Bounded work: one slot scan and at most 13 bytes copied. */
static inline aapxs_sysex8_status_t aapxs_sysex8_reassembler_feed(aapxs_sysex8_reassembler_t* r,
                                                                  const uint32_t* packet,
                                                                  aapxs_sysex8_event_t* event) {
    uint32_t w0 = packet[0];
    uint8_t group = aapxs_sysex8_group(w0), stream_id = aapxs_sysex8_stream_id(w0);
    uint32_t status = (w0 >> 20) & 0x0Fu;
    aapxs_sysex8_slot_t* slot;
    aapxs_codec_error_t error;
    event->status = AAPXS_SYSEX8_NEED_MORE;
    event->reason = AAPXS_CODEC_OK;
    event->group = group;
    event->stream_id = stream_id;
    event->payload = AAPXS_CODEC_NULL;
    event->size = 0;
    event->aborted_unfinished = 0;
    if ((w0 >> 28) != 0x5u)
        return aapxs_sysex8_event_malformed(event, AAPXS_CODEC_ERROR_NOT_SYSEX8);
    slot = aapxs_sysex8_reassembler_find(r, group, stream_id);
    if ((w0 & 0xF0FF0000u) == 0x502E0000u && slot && slot->state == AAPXS_SYSEX8_SLOT_COLLECTING
        && slot->capacity - slot->size >= AAPXS_SYSEX8_PACKET_PAYLOAD_MAX) {
        /* Fast path: a full continue packet of a message being collected that still fits. */
        aapxs_sysex8_unpack_payload13(packet, slot->storage + slot->size);
        slot->size += AAPXS_SYSEX8_PACKET_PAYLOAD_MAX;
        return AAPXS_SYSEX8_NEED_MORE;
    }
    error = aapxs_sysex8_check_packet(w0);
    if (error != AAPXS_CODEC_OK) {
        if (slot && slot->state == AAPXS_SYSEX8_SLOT_DISCARDING) {
            event->status = AAPXS_SYSEX8_DISCARDED;
            return AAPXS_SYSEX8_DISCARDED;
        }
        if (slot)
            slot->state = AAPXS_SYSEX8_SLOT_DISCARDING;
        return aapxs_sysex8_event_malformed(event, error);
    }
    if (status == AAPXS_SYSEX8_STATUS_START || status == AAPXS_SYSEX8_STATUS_COMPLETE) {
        if (slot) {
            event->aborted_unfinished = slot->state == AAPXS_SYSEX8_SLOT_COLLECTING;
        } else {
            size_t i;
            for (i = 0; i < r->slot_count && !slot; i++)
                if (r->slots[i].state == AAPXS_SYSEX8_SLOT_FREE)
                    slot = r->slots + i;
            if (!slot)
                return aapxs_sysex8_event_malformed(event, AAPXS_CODEC_ERROR_SYSEX8_NO_FREE_SLOT);
        }
        slot->group = group;
        slot->stream_id = stream_id;
        slot->size = 0;
        slot->state = AAPXS_SYSEX8_SLOT_COLLECTING;
    } else {
        if (!slot)
            return aapxs_sysex8_event_malformed(event, AAPXS_CODEC_ERROR_SYSEX8_CONTINUATION_WITHOUT_START);
        if (slot->state == AAPXS_SYSEX8_SLOT_DISCARDING) {
            if (status == AAPXS_SYSEX8_STATUS_END)
                slot->state = AAPXS_SYSEX8_SLOT_FREE;
            event->status = AAPXS_SYSEX8_DISCARDED;
            return AAPXS_SYSEX8_DISCARDED;
        }
    }
    if (!aapxs_sysex8_append_payload(packet, ((w0 >> 16) & 0x0Fu) - 1u, slot->storage, slot->capacity, &slot->size)) {
        slot->size = 0;
        slot->state = status == AAPXS_SYSEX8_STATUS_START || status == AAPXS_SYSEX8_STATUS_CONTINUE
            ? AAPXS_SYSEX8_SLOT_DISCARDING : AAPXS_SYSEX8_SLOT_FREE;
        return aapxs_sysex8_event_malformed(event, AAPXS_CODEC_ERROR_SYSEX8_PAYLOAD_TOO_LARGE);
    }
    if (status == AAPXS_SYSEX8_STATUS_COMPLETE || status == AAPXS_SYSEX8_STATUS_END) {
        slot->state = AAPXS_SYSEX8_SLOT_FREE;
        event->status = AAPXS_SYSEX8_COMPLETE;
        event->payload = slot->storage;
        event->size = slot->size;
        return AAPXS_SYSEX8_COMPLETE;
    }
    return AAPXS_SYSEX8_NEED_MORE;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
