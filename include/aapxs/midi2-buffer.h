#pragma once
/*
 * MIDI2 port buffer operations (docs/spec/wire.md section 1): header validation, a bounded UMP
 * iterator, all-or-nothing appends (a UMP, an AAPXS message, a parameter change), and extraction
 * of AAPXS messages that REMOVES them in place so the plugin never sees AAPXS traffic.
 *
 * Buffer layout: 32-byte header (int32 time_options at 0, uint32 length in BYTES at 4, 24
 * reserved bytes), then `length` bytes of host-order uint32 UMP words. The memory is untrusted:
 * functions take `void* buffer, size_t capacity_bytes` (capacity includes the header), read and
 * write the length field with memcpy at offset 4, and reject a header whose length exceeds
 * capacity - 32 or is not a multiple of 4. The buffer needs no particular alignment.
 *
 * What extraction removes (decisions where docs/spec/wire.md leaves room, see docs/wire-codec.md):
 * - An AAPXS message starts with a SysEx8 start or complete packet on stream id 0 whose payload
 *   starts 7E 7F 00 01 (aapxs_sysex8_packet_starts_aapxs). All packets of that (group, stream 0)
 *   message are removed, valid or not; valid ones are reported with AAPXS_CODEC_OK, broken ones
 *   with the reason, then dropped.
 * - Everything else stays, in order: all non-SysEx8 UMPs, SysEx8 on other stream ids, non-AAPXS
 *   SysEx8 on stream 0 (manufacturer SysEx8, the parameter-change SysEx8 7E 7F 00 00), and
 *   continue/end packets with no start in this buffer (they may continue a foreign message from
 *   an earlier cycle; an AAPXS message never spans buffers because appends are all or nothing).
 * - An AAPXS message still unfinished at the end of the buffer is reported SYSEX8_TRUNCATED; one
 *   cut off by another start packet on its (group, stream) is reported SYSEX8_START_BEFORE_END.
 *   A non-AAPXS complete-in-one packet (e.g. a parameter change) between the packets of an
 *   AAPXS message is kept and does not disturb the message: it is self-contained.
 *
 * Header-only, valid C99 and C++11. Every function is [audio-thread] safe: no allocation, no
 * locking, work bounded by the buffer capacity. Not thread-safe on the same buffer.
 */

#include "codec-base.h"
#include "ump.h"
#include "sysex8.h"
#include "aapxs-message.h"
#include "parameter-sysex8.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAPXS_MIDI2_BUFFER_HEADER_SIZE 32u
#define AAPXS_MIDI2_BUFFER_LENGTH_OFFSET 4u

/* Pointer arithmetic on the untyped buffer without casts spread over the code. */
static inline uint8_t* aapxs_midi2_buffer_bytes(void* buffer) {
    return AAPXS_CODEC_CAST(uint8_t*, buffer);
}
static inline const uint8_t* aapxs_midi2_buffer_const_bytes(const void* buffer) {
    return AAPXS_CODEC_CAST(const uint8_t*, buffer);
}

/* Reads and validates the header's length: INVALID_ARGUMENT (null), BUFFER_TOO_SMALL (capacity
 * < 32), BUFFER_LENGTH_EXCEEDS_CAPACITY, BUFFER_LENGTH_NOT_WORD_ALIGNED. On OK *length is the
 * number of UMP bytes. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_get_length(const void* buffer, size_t capacity_bytes,
                                                                size_t* length) {
    uint32_t value;
    if (!buffer || !length)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (capacity_bytes < AAPXS_MIDI2_BUFFER_HEADER_SIZE)
        return AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL;
    value = aapxs_codec_load_word(aapxs_midi2_buffer_const_bytes(buffer) + AAPXS_MIDI2_BUFFER_LENGTH_OFFSET);
    if (value > capacity_bytes - AAPXS_MIDI2_BUFFER_HEADER_SIZE)
        return AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY;
    if (value % 4u != 0u)
        return AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED;
    *length = value;
    return AAPXS_CODEC_OK;
}

/* Writes the header's length after the same checks (length <= capacity - 32, <= UINT32_MAX,
 * multiple of 4). */
static inline aapxs_codec_error_t aapxs_midi2_buffer_set_length(void* buffer, size_t capacity_bytes, size_t length) {
    if (!buffer)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (capacity_bytes < AAPXS_MIDI2_BUFFER_HEADER_SIZE)
        return AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL;
    if (length > capacity_bytes - AAPXS_MIDI2_BUFFER_HEADER_SIZE || length > UINT32_MAX)
        return AAPXS_CODEC_ERROR_BUFFER_LENGTH_EXCEEDS_CAPACITY;
    if (length % 4u != 0u)
        return AAPXS_CODEC_ERROR_BUFFER_LENGTH_NOT_WORD_ALIGNED;
    aapxs_codec_store_word(aapxs_midi2_buffer_bytes(buffer) + AAPXS_MIDI2_BUFFER_LENGTH_OFFSET,
                           AAPXS_CODEC_CAST(uint32_t, length));
    return AAPXS_CODEC_OK;
}

/* Free UMP bytes after the current data (capacity - 32 - length), after header validation. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_available_bytes(const void* buffer, size_t capacity_bytes,
                                                                     size_t* available) {
    size_t length = 0;
    aapxs_codec_error_t error = aapxs_midi2_buffer_get_length(buffer, capacity_bytes, &length);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (!available)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    *available = capacity_bytes - AAPXS_MIDI2_BUFFER_HEADER_SIZE - length;
    return AAPXS_CODEC_OK;
}

/* Zeroes the whole 32-byte header (time_options 0 = MIDI2 mode, length 0, reserved 0). */
static inline aapxs_codec_error_t aapxs_midi2_buffer_init(void* buffer, size_t capacity_bytes) {
    if (!buffer)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (capacity_bytes < AAPXS_MIDI2_BUFFER_HEADER_SIZE)
        return AAPXS_CODEC_ERROR_BUFFER_TOO_SMALL;
    memset(buffer, 0, AAPXS_MIDI2_BUFFER_HEADER_SIZE);
    return AAPXS_CODEC_OK;
}

/* Sets length to 0 (the rest of the header is kept). Use it when a buffer failed validation. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_clear(void* buffer, size_t capacity_bytes) {
    return aapxs_midi2_buffer_set_length(buffer, capacity_bytes, 0);
}

/* Validates the header and sets `it` to iterate its UMP messages (ump.h). On error `it` is empty. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_iterator_init(aapxs_ump_iterator_t* it, const void* buffer,
                                                                   size_t capacity_bytes) {
    size_t length = 0;
    aapxs_codec_error_t error;
    if (!it)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    it->ump = AAPXS_CODEC_NULL;
    it->length = 0;
    it->offset = 0;
    it->truncated = 0;
    error = aapxs_midi2_buffer_get_length(buffer, capacity_bytes, &length);
    if (error != AAPXS_CODEC_OK)
        return error;
    it->ump = aapxs_midi2_buffer_const_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE;
    it->length = length;
    return AAPXS_CODEC_OK;
}

/* [audio-thread] Appends one whole UMP message (word_count must equal its type's size).
 * All or nothing. Errors: header errors, INVALID_ARGUMENT (null words, wrong word_count), NO_SPACE. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_append_ump(void* buffer, size_t capacity_bytes,
                                                                const uint32_t* words, size_t word_count) {
    size_t length = 0, i;
    uint8_t* end;
    aapxs_codec_error_t error = aapxs_midi2_buffer_get_length(buffer, capacity_bytes, &length);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (!words || word_count == 0u || word_count != aapxs_ump_message_words(words[0]))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    if (word_count * 4u > capacity_bytes - AAPXS_MIDI2_BUFFER_HEADER_SIZE - length)
        return AAPXS_CODEC_ERROR_NO_SPACE;
    end = aapxs_midi2_buffer_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE + length;
    for (i = 0; i < word_count; i++)
        aapxs_codec_store_word(end + i * 4u, words[i]);
    return aapxs_midi2_buffer_set_length(buffer, capacity_bytes, length + word_count * 4u);
}

/* [audio-thread] Appends the SysEx8 packets of an AAPXS message (aapxs_message_write_words
 * rules) in `group`. All or nothing: on NO_SPACE or any other error the buffer is unchanged.
 * *words_written (if non-null) = words appended. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_append_aapxs(void* buffer, size_t capacity_bytes, uint8_t group,
                                                                  const aapxs_message_t* message,
                                                                  size_t* words_written) {
    size_t length = 0, size = 0, needed = 0;
    aapxs_codec_error_t error = aapxs_midi2_buffer_get_length(buffer, capacity_bytes, &length);
    if (error != AAPXS_CODEC_OK)
        return error;
    error = aapxs_message_validate(message, &size);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (group > 15u)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    error = aapxs_sysex8_word_count(size, &needed);
    if (error != AAPXS_CODEC_OK)
        return error;
    if (needed > (capacity_bytes - AAPXS_MIDI2_BUFFER_HEADER_SIZE - length) / 4u)
        return AAPXS_CODEC_ERROR_NO_SPACE;
    aapxs_message_pack_unchecked(message, group,
                                 aapxs_midi2_buffer_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE + length, size);
    if (words_written)
        *words_written = needed;
    return aapxs_midi2_buffer_set_length(buffer, capacity_bytes, length + needed * 4u);
}

/* [audio-thread] Appends a parameter-change SysEx8 (parameter-sysex8.h; group and channel are
 * masked to 4 bits). All or nothing. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_append_parameter_change(void* buffer, size_t capacity_bytes,
                                                                             uint8_t group, uint8_t channel,
                                                                             uint8_t key, uint8_t extra,
                                                                             uint16_t index, uint32_t normalized_value) {
    uint32_t packet[4];
    aapxs_parameter_sysex8_write(packet, group, channel, key, extra, index, normalized_value);
    return aapxs_midi2_buffer_append_ump(buffer, capacity_bytes, packet, 4);
}

/* ---- Extraction ---- */

/* One AAPXS message taken out of a buffer. */
typedef struct aapxs_extracted_message {
    aapxs_codec_error_t error;  /* OK: `message` is valid. Otherwise why this AAPXS traffic was dropped. */
    uint8_t group;              /* UMP group it travelled in */
    aapxs_message_t message;    /* valid only when error is OK; see the lifetime notes below */
} aapxs_extracted_message_t;

/* [audio-thread] Called once per extracted (or dropped malformed) AAPXS message, in buffer order.
 * The pointers in extracted->message point into reassembly storage and are valid only during
 * the call; copy what must outlive it (aapxs_message_copy_to_storage). Must not touch the buffer. */
typedef void (*aapxs_extracted_message_callback)(void* context, const aapxs_extracted_message_t* extracted);

typedef struct aapxs_extract_summary {
    size_t messages;       /* well-formed AAPXS messages reported */
    size_t malformed;      /* broken AAPXS messages reported (and dropped) */
    size_t dropped;        /* _into only: reports that did not fit the caller's array or arena */
    size_t removed_words;  /* words removed from the buffer */
    int truncated_tail;    /* the data ended inside a UMP message; those bytes were kept as they were */
} aapxs_extract_summary_t;

#define AAPXS_EXTRACT_STREAM_NONE 0u       /* no message in progress on (group, stream 0) */
#define AAPXS_EXTRACT_STREAM_AAPXS 1u      /* collecting an AAPXS message */
#define AAPXS_EXTRACT_STREAM_DISCARDING 2u /* AAPXS message already reported malformed: remove up to its end */
#define AAPXS_EXTRACT_STREAM_FOREIGN 3u    /* non-AAPXS SysEx8 on stream 0: keep up to its end */

static inline void aapxs_extract_report(aapxs_extracted_message_callback callback, void* context,
                                        aapxs_extract_summary_t* summary, uint8_t group,
                                        aapxs_codec_error_t error, const aapxs_message_t* message) {
    aapxs_extracted_message_t extracted;
    memset(&extracted, 0, sizeof(extracted));
    extracted.error = error;
    extracted.group = group;
    if (error == AAPXS_CODEC_OK) {
        extracted.message = *message;
        summary->messages++;
    } else {
        summary->malformed++;
    }
    if (callback)
        callback(context, &extracted);
}

/* Handles one reassembler event for an AAPXS stream; returns the stream's next state. */
static inline uint8_t aapxs_extract_handle_event(aapxs_sysex8_reassembler_t* reassembler,
                                                 const aapxs_sysex8_event_t* event, uint32_t packet_status,
                                                 aapxs_extracted_message_callback callback, void* context,
                                                 aapxs_extract_summary_t* summary) {
    uint8_t group = event->group;
    if (event->aborted_unfinished)
        aapxs_extract_report(callback, context, summary, group, AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END,
                             AAPXS_CODEC_NULL);
    switch (event->status) {
    case AAPXS_SYSEX8_COMPLETE: {
        aapxs_message_t view;
        aapxs_codec_error_t error = aapxs_message_parse(event->payload, event->size, &view);
        aapxs_extract_report(callback, context, summary, group, error, &view);
        return AAPXS_EXTRACT_STREAM_NONE;
    }
    case AAPXS_SYSEX8_NEED_MORE:
        return AAPXS_EXTRACT_STREAM_AAPXS;
    case AAPXS_SYSEX8_MALFORMED:
        aapxs_extract_report(callback, context, summary, group, event->reason, AAPXS_CODEC_NULL);
        aapxs_sysex8_reassembler_drop(reassembler, group, AAPXS_MESSAGE_STREAM_ID);
        break;
    case AAPXS_SYSEX8_DISCARDED:
        aapxs_sysex8_reassembler_drop(reassembler, group, AAPXS_MESSAGE_STREAM_ID);
        break;
    }
    return packet_status == AAPXS_SYSEX8_STATUS_END || packet_status == AAPXS_SYSEX8_STATUS_COMPLETE
        ? AAPXS_EXTRACT_STREAM_NONE : AAPXS_EXTRACT_STREAM_DISCARDING;
}

/* [audio-thread] Removes every AAPXS message from the buffer in place (keeping every other UMP
 * intact and in order, see the rules at the top of this file), reports each to `callback`
 * (may be null to just strip) and updates the header length. `reassembler` supplies the
 * reassembly storage: one slot per group that may carry an AAPXS message at the same time (one
 * slot suffices for buffers written by aapxs_midi2_buffer_append_aapxs), each at least as large
 * as the largest payload to accept (21 + L + D); bigger messages are reported
 * SYSEX8_PAYLOAD_TOO_LARGE and removed. The reassembler is reset on entry and on return.
 * *summary (if non-null) is filled.
 * Errors (buffer left unchanged, nothing reported; do not hand such a buffer to a plugin, clear
 * it): INVALID_ARGUMENT (null buffer or reassembler), BUFFER_TOO_SMALL,
 * BUFFER_LENGTH_EXCEEDS_CAPACITY, BUFFER_LENGTH_NOT_WORD_ALIGNED. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_extract_aapxs(void* buffer, size_t capacity_bytes,
                                                                   aapxs_sysex8_reassembler_t* reassembler,
                                                                   aapxs_extracted_message_callback callback,
                                                                   void* context,
                                                                   aapxs_extract_summary_t* summary) {
    aapxs_extract_summary_t local_summary;
    uint8_t state[16];
    size_t length = 0, read = 0, write = 0;
    uint8_t* ump;
    uint8_t group;
    aapxs_codec_error_t error;
    if (!summary)
        summary = &local_summary;
    memset(summary, 0, sizeof(*summary));
    if (!reassembler)
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    error = aapxs_midi2_buffer_get_length(buffer, capacity_bytes, &length);
    if (error != AAPXS_CODEC_OK)
        return error;
    ump = aapxs_midi2_buffer_bytes(buffer) + AAPXS_MIDI2_BUFFER_HEADER_SIZE;
    memset(state, AAPXS_EXTRACT_STREAM_NONE, sizeof(state));
    aapxs_sysex8_reassembler_reset(reassembler);
    while (read < length) {
        uint32_t w0 = aapxs_codec_load_word(ump + read);
        size_t bytes = aapxs_ump_message_words(w0) * 4u;
        int remove = 0;
        if (length - read < bytes) {
            /* The last message is cut off: keep its bytes as they are; the plugin's reader decides. */
            bytes = length - read;
            summary->truncated_tail = 1;
        } else if ((w0 >> 28) == 0x5u && ((w0 >> 8) & 0xFFu) == AAPXS_MESSAGE_STREAM_ID) {
            uint32_t packet[4];
            uint32_t status = (w0 >> 20) & 0x0Fu;
            aapxs_sysex8_event_t event;
            group = AAPXS_CODEC_CAST(uint8_t, (w0 >> 24) & 0x0Fu);
            packet[0] = w0;
            packet[1] = aapxs_codec_load_word(ump + read + 4u);
            packet[2] = aapxs_codec_load_word(ump + read + 8u);
            packet[3] = aapxs_codec_load_word(ump + read + 12u);
            if (status == AAPXS_SYSEX8_STATUS_COMPLETE || status == AAPXS_SYSEX8_STATUS_START) {
                if (aapxs_sysex8_packet_starts_aapxs(packet)) {
                    remove = 1;
                    aapxs_sysex8_reassembler_feed(reassembler, packet, &event);
                    state[group] = aapxs_extract_handle_event(reassembler, &event, status, callback, context, summary);
                } else if (status == AAPXS_SYSEX8_STATUS_START) {
                    /* A foreign message starts on this stream: an unfinished AAPXS message there
                     * can no longer be told apart from it, so it is cut off. */
                    if (state[group] == AAPXS_EXTRACT_STREAM_AAPXS) {
                        aapxs_extract_report(callback, context, summary, group,
                                             AAPXS_CODEC_ERROR_SYSEX8_START_BEFORE_END, AAPXS_CODEC_NULL);
                        aapxs_sysex8_reassembler_drop(reassembler, group, AAPXS_MESSAGE_STREAM_ID);
                    }
                    state[group] = AAPXS_EXTRACT_STREAM_FOREIGN;
                }
                /* A foreign complete-in-one packet (e.g. a parameter change) is self-contained: it
                 * is kept and leaves the state of its stream as it was. */
            } else if (state[group] == AAPXS_EXTRACT_STREAM_AAPXS) {
                remove = 1;
                aapxs_sysex8_reassembler_feed(reassembler, packet, &event);
                state[group] = aapxs_extract_handle_event(reassembler, &event, status, callback, context, summary);
            } else if (state[group] == AAPXS_EXTRACT_STREAM_DISCARDING) {
                remove = 1;
                if (status == AAPXS_SYSEX8_STATUS_END)
                    state[group] = AAPXS_EXTRACT_STREAM_NONE;
            } else if (state[group] == AAPXS_EXTRACT_STREAM_FOREIGN && status == AAPXS_SYSEX8_STATUS_END) {
                state[group] = AAPXS_EXTRACT_STREAM_NONE;
            }
        }
        if (remove) {
            summary->removed_words += bytes / 4u;
        } else {
            if (write != read) {
                /* Compact: at most 4 words, copied forward (write < read, so no overlap hazard). */
                size_t i;
                for (i = 0; i < bytes; i += 4u)
                    aapxs_codec_store_word(ump + write + i, aapxs_codec_load_word(ump + read + i));
            }
            write += bytes;
        }
        read += bytes;
    }
    for (group = 0; group < 16u; group++)
        if (state[group] == AAPXS_EXTRACT_STREAM_AAPXS)
            aapxs_extract_report(callback, context, summary, group, AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED,
                                 AAPXS_CODEC_NULL);
    aapxs_sysex8_reassembler_reset(reassembler);
    return aapxs_midi2_buffer_set_length(buffer, capacity_bytes, write);
}

/* State of aapxs_midi2_buffer_extract_aapxs_into's callback. */
typedef struct aapxs_extract_collector {
    aapxs_extracted_message_t* items;
    size_t item_capacity;
    size_t item_count;
    uint8_t* arena;
    size_t arena_capacity;
    size_t arena_used;
    size_t dropped;
} aapxs_extract_collector_t;

static inline void aapxs_extract_collect(void* context, const aapxs_extracted_message_t* extracted) {
    aapxs_extract_collector_t* collector = AAPXS_CODEC_CAST(aapxs_extract_collector_t*, context);
    aapxs_extracted_message_t item = *extracted;
    if (collector->item_count == collector->item_capacity) {
        collector->dropped++;
        return;
    }
    if (item.error == AAPXS_CODEC_OK) {
        /* URI (+ NUL when present) then data, packed in the arena. */
        aapxs_message_storage_t storage;
        size_t available = collector->arena_capacity - collector->arena_used;
        size_t uri_bytes = item.message.uri_size != 0u ? item.message.uri_size + 1u : 0u;
        if (uri_bytes > available || item.message.data_size > available - uri_bytes) {
            collector->dropped++;
            return;
        }
        storage.uri = uri_bytes != 0u
            ? AAPXS_CODEC_CAST(char*, AAPXS_CODEC_CAST(void*, collector->arena + collector->arena_used))
            : AAPXS_CODEC_NULL;
        storage.uri_capacity = uri_bytes;
        storage.data = item.message.data_size != 0u ? collector->arena + collector->arena_used + uri_bytes
                                                    : AAPXS_CODEC_NULL;
        storage.data_capacity = item.message.data_size;
        if (aapxs_message_copy_to_storage(&extracted->message, &storage, &item.message) != AAPXS_CODEC_OK) {
            collector->dropped++;
            return;
        }
        collector->arena_used += uri_bytes + item.message.data_size;
    }
    collector->items[collector->item_count++] = item;
}

/* [audio-thread] aapxs_midi2_buffer_extract_aapxs that fills a caller array instead of calling
 * back: items[0..*item_count) in buffer order (malformed ones too, with their error), each valid
 * message's URI (NUL-terminated) and data copied into arena[0..arena_capacity), so the views stay
 * valid as long as the arena. Reports that do not fit the array or the arena are still removed
 * from the buffer and counted in summary->dropped. Same errors as aapxs_midi2_buffer_extract_aapxs;
 * also INVALID_ARGUMENT for null items/item_count with capacity, or a null arena with capacity. */
static inline aapxs_codec_error_t aapxs_midi2_buffer_extract_aapxs_into(void* buffer, size_t capacity_bytes,
                                                                        aapxs_sysex8_reassembler_t* reassembler,
                                                                        aapxs_extracted_message_t* items,
                                                                        size_t item_capacity, size_t* item_count,
                                                                        uint8_t* arena, size_t arena_capacity,
                                                                        aapxs_extract_summary_t* summary) {
    aapxs_extract_collector_t collector;
    aapxs_extract_summary_t local_summary;
    aapxs_codec_error_t error;
    if (!item_count || (!items && item_capacity != 0u) || (!arena && arena_capacity != 0u))
        return AAPXS_CODEC_ERROR_INVALID_ARGUMENT;
    *item_count = 0;
    if (!summary)
        summary = &local_summary;
    collector.items = items;
    collector.item_capacity = item_capacity;
    collector.item_count = 0;
    collector.arena = arena;
    collector.arena_capacity = arena_capacity;
    collector.arena_used = 0;
    collector.dropped = 0;
    error = aapxs_midi2_buffer_extract_aapxs(buffer, capacity_bytes, reassembler, aapxs_extract_collect,
                                             &collector, summary);
    summary->dropped = collector.dropped;
    *item_count = collector.item_count;
    return error;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
