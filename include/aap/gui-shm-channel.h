#pragma once
/*
 * The shared-memory GUI channel: how a GUI program (gui:program, docs/gui.md) speaks the GUI
 * message set of the host's GUI sessions (aap/hosting/gui-protocol.h on the host; docs/gui.md
 * section 3 gives every message field by field) without a socket. Header-only, C99, no other SDK
 * dependency: a GUI program needs nothing else.
 *
 * The host creates one memfd per GUI session, of aap_gui_shm_size(capacity) bytes, and hands it
 * to the program through the plugin service (SCM_RIGHTS on the control channel, then on the
 * program's protocol socket in a CHANNEL request, aap/gui-program-protocol.h). It holds two
 * bounded single-producer/single-consumer byte rings:
 *
 *   offset 0    u32 magic AAP_GUI_SHM_MAGIC, u32 version 1, u32 capacity, u32 reserved (0)
 *   offset 64   ring 0 (program -> host): u32 write index (the program's), padding
 *   offset 128  ring 0: u32 read index (the host's), padding
 *   offset 192  ring 1 (host -> program): u32 write index (the host's), padding
 *   offset 256  ring 1: u32 read index (the program's), padding
 *   offset 320  ring 0 data, capacity bytes
 *   offset 320 + capacity  ring 1 data, capacity bytes
 *
 * capacity is a power of two, AAP_GUI_SHM_MIN_CAPACITY..AAP_GUI_SHM_MAX_CAPACITY. Indices run
 * freely (mod 2^32); the byte at index i is data[i & (capacity - 1)]. A ring holds records: u32
 * size (1..AAP_GUI_SHM_MAX_MESSAGE), then `size` bytes of one whole GUI message, then zero
 * padding to a multiple of 4; records wrap around the end of the data. The producer writes a
 * whole record, then publishes it with a release store of its write index; the consumer reads
 * records up to an acquire load of that index, then releases the space with a release store of
 * its read index. Nothing ever waits: a full ring makes the write fail (the host then marks the
 * client for a resync), an empty one makes the read return nothing. Both sides poll, at display
 * rate; there is no wake-up across the boundary.
 *
 * Trust. Each side keeps its own copy of the index it owns and never reads it back from shared
 * memory; the other side's index and every record are checked before use: used bytes
 * (write - read) above capacity, a record size of 0 or above the limit, or a record longer than
 * what was published (torn) make the ring corrupt (AAP_GUI_SHM_CORRUPT), and the host then
 * drops that GUI session. A record is copied out before its message is decoded, so the other
 * side cannot change it in between.
 *
 * Threads: a ring has one producer thread and one consumer thread at a time; nothing here
 * allocates, locks or makes a system call.
 */

#include "private/std.h"
#include "private/macros.h"

#if !defined(__GNUC__) && !defined(__clang__)
#error "aap/gui-shm-channel.h needs the GCC/Clang __atomic builtins"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_GUI_SHM_MAGIC 0x53504141u /* "AAPS" in memory */
#define AAP_GUI_SHM_VERSION 1u
#define AAP_GUI_SHM_HEADER_SIZE 320u
#define AAP_GUI_SHM_MIN_CAPACITY 4096u
#define AAP_GUI_SHM_MAX_CAPACITY (16u * 1024u * 1024u)
/* The host's default: a whole largest GUI message (24 + 256 KiB) fits an empty ring. */
#define AAP_GUI_SHM_DEFAULT_CAPACITY (512u * 1024u)
/* The largest record: the GUI message set's header plus its largest payload. */
#define AAP_GUI_SHM_MAX_MESSAGE (24u + 256u * 1024u)

#define AAP_GUI_SHM_RING_TO_HOST 0
#define AAP_GUI_SHM_RING_TO_PROGRAM 1

/* Results. */
#define AAP_GUI_SHM_OK 0
#define AAP_GUI_SHM_EMPTY 1   /* read: nothing published */
#define AAP_GUI_SHM_FULL 2    /* write: no room now (nothing was written) */
#define AAP_GUI_SHM_CORRUPT -1 /* the other side broke the ring: stop using it */
#define AAP_GUI_SHM_TOO_LARGE -2 /* write: size 0 or above the limit; read: out buffer too small */

/* One side's view of one ring. `own` is the index this side owns (write index for a producer,
 * read index for a consumer), kept here and never read back from shared memory. */
typedef struct aap_gui_shm_ring_t {
    uint8_t* data;
    uint32_t* write_index;
    uint32_t* read_index;
    uint32_t capacity;
    uint32_t own;
} aap_gui_shm_ring_t;

static inline size_t aap_gui_shm_size(uint32_t capacity) {
    return AAP_GUI_SHM_HEADER_SIZE + 2u * AAP_CAST(size_t, capacity);
}

static inline bool aap_gui_shm_capacity_valid(uint32_t capacity) {
    return capacity >= AAP_GUI_SHM_MIN_CAPACITY && capacity <= AAP_GUI_SHM_MAX_CAPACITY &&
           (capacity & (capacity - 1u)) == 0u;
}

/* Host: writes the header of a freshly created (zeroed) channel of `capacity` bytes per ring. */
static inline void aap_gui_shm_init(uint8_t* base, uint32_t capacity) {
    uint32_t header[4];
    header[0] = AAP_GUI_SHM_MAGIC;
    header[1] = AAP_GUI_SHM_VERSION;
    header[2] = capacity;
    header[3] = 0u;
    memcpy(base, header, sizeof(header));
}

/* Program: checks the header of a channel of `size` mapped bytes against the capacity it was told
 * (CHANNEL request). 0 when they agree, -1 otherwise. */
static inline int aap_gui_shm_check(const uint8_t* base, size_t size, uint32_t capacity) {
    uint32_t header[4];
    if (base == AAP_NULL || !aap_gui_shm_capacity_valid(capacity) || size != aap_gui_shm_size(capacity))
        return -1;
    memcpy(header, base, sizeof(header));
    return header[0] == AAP_GUI_SHM_MAGIC && header[1] == AAP_GUI_SHM_VERSION && header[2] == capacity ? 0 : -1;
}

/* One side's view of ring `which` (AAP_GUI_SHM_RING_*) of a mapped channel. `capacity` is the one
 * this side knows (the host: the one it created; the program: the one it checked), never re-read. */
static inline aap_gui_shm_ring_t aap_gui_shm_ring(uint8_t* base, uint32_t capacity, int which) {
    aap_gui_shm_ring_t ring;
    const size_t control = which == AAP_GUI_SHM_RING_TO_HOST ? 64u : 192u;
    ring.write_index = AAP_CAST(uint32_t*, AAP_CAST(void*, base + control));
    ring.read_index = AAP_CAST(uint32_t*, AAP_CAST(void*, base + control + 64u));
    ring.data = base + AAP_GUI_SHM_HEADER_SIZE + (which == AAP_GUI_SHM_RING_TO_HOST ? 0u : AAP_CAST(size_t, capacity));
    ring.capacity = capacity;
    ring.own = 0u;
    return ring;
}

static inline void aap_gui_shm_copy_in(aap_gui_shm_ring_t* ring, uint32_t at, const uint8_t* from, uint32_t size) {
    const uint32_t offset = at & (ring->capacity - 1u);
    const uint32_t first = size < ring->capacity - offset ? size : ring->capacity - offset;
    memcpy(ring->data + offset, from, first);
    if (first < size)
        memcpy(ring->data, from + first, size - first);
}

static inline void aap_gui_shm_copy_out(const aap_gui_shm_ring_t* ring, uint32_t at, uint8_t* to, uint32_t size) {
    const uint32_t offset = at & (ring->capacity - 1u);
    const uint32_t first = size < ring->capacity - offset ? size : ring->capacity - offset;
    memcpy(to, ring->data + offset, first);
    if (first < size)
        memcpy(to + first, ring->data, size - first);
}

static inline uint32_t aap_gui_shm_record_size(uint32_t size) { return 4u + ((size + 3u) & ~3u); }

/* Producer: appends one whole message. AAP_GUI_SHM_OK, _FULL (try again later), _TOO_LARGE, or
 * _CORRUPT (the consumer's read index is out of range). */
static inline int aap_gui_shm_write(aap_gui_shm_ring_t* ring, const uint8_t* message, uint32_t size) {
    const uint32_t read = __atomic_load_n(ring->read_index, __ATOMIC_ACQUIRE);
    const uint32_t used = ring->own - read;
    uint32_t record;
    uint8_t size_bytes[4];
    const uint8_t zeros[4] = {0, 0, 0, 0};
    if (used > ring->capacity)
        return AAP_GUI_SHM_CORRUPT;
    if (size == 0u || size > AAP_GUI_SHM_MAX_MESSAGE || aap_gui_shm_record_size(size) > ring->capacity)
        return AAP_GUI_SHM_TOO_LARGE;
    record = aap_gui_shm_record_size(size);
    if (record > ring->capacity - used)
        return AAP_GUI_SHM_FULL;
    memcpy(size_bytes, &size, 4);
    aap_gui_shm_copy_in(ring, ring->own, size_bytes, 4u);
    aap_gui_shm_copy_in(ring, ring->own + 4u, message, size);
    if (record - 4u > size)
        aap_gui_shm_copy_in(ring, ring->own + 4u + size, zeros, record - 4u - size);
    ring->own += record;
    __atomic_store_n(ring->write_index, ring->own, __ATOMIC_RELEASE);
    return AAP_GUI_SHM_OK;
}

/* Consumer: takes the next message into out[0..out_capacity) and sets *size. AAP_GUI_SHM_OK,
 * _EMPTY, _TOO_LARGE (out_capacity is below the record's size; nothing is taken), or _CORRUPT
 * (the producer's index or the record is out of range, or the record is torn). */
static inline int aap_gui_shm_read(aap_gui_shm_ring_t* ring, uint8_t* out, uint32_t out_capacity, uint32_t* size) {
    const uint32_t write = __atomic_load_n(ring->write_index, __ATOMIC_ACQUIRE);
    const uint32_t used = write - ring->own;
    uint8_t size_bytes[4];
    uint32_t message_size;
    if (used > ring->capacity || (used & 3u) != 0u)
        return AAP_GUI_SHM_CORRUPT;
    if (used == 0u)
        return AAP_GUI_SHM_EMPTY;
    if (used < 4u)
        return AAP_GUI_SHM_CORRUPT;
    aap_gui_shm_copy_out(ring, ring->own, size_bytes, 4u);
    memcpy(&message_size, size_bytes, 4);
    if (message_size == 0u || message_size > AAP_GUI_SHM_MAX_MESSAGE || aap_gui_shm_record_size(message_size) > used)
        return AAP_GUI_SHM_CORRUPT;
    if (message_size > out_capacity)
        return AAP_GUI_SHM_TOO_LARGE;
    aap_gui_shm_copy_out(ring, ring->own + 4u, out, message_size);
    ring->own += aap_gui_shm_record_size(message_size);
    __atomic_store_n(ring->read_index, ring->own, __ATOMIC_RELEASE);
    *size = message_size;
    return AAP_GUI_SHM_OK;
}

/* ---- The GUI message set's header, for programs that link nothing of the SDK ----
 * Every record is one message: a 24-byte header (u32 magic AAP_GUI_MESSAGE_MAGIC, u16 version 1,
 * u16 type, u32 session, u32 sequence, u32 payload size, u32 reserved 0; little-endian) and its
 * payload; docs/gui.md section 3 gives every payload. The host decodes whatever arrives strictly. */
#define AAP_GUI_MESSAGE_MAGIC 0x47504141u /* "AAPG" in memory */
#define AAP_GUI_MESSAGE_VERSION 1u
#define AAP_GUI_MESSAGE_HEADER_SIZE 24u
#define AAP_GUI_MESSAGE_HELLO 1
#define AAP_GUI_MESSAGE_WELCOME 2
#define AAP_GUI_MESSAGE_INITIALIZE 3
#define AAP_GUI_MESSAGE_INITIALIZE_ACK 4
#define AAP_GUI_MESSAGE_CLEANUP 5
#define AAP_GUI_MESSAGE_CLEANUP_ACK 6
#define AAP_GUI_MESSAGE_PING 7
#define AAP_GUI_MESSAGE_PONG 8
#define AAP_GUI_MESSAGE_EVENTS 9
#define AAP_GUI_MESSAGE_PARAMETER_VALUES 10
#define AAP_GUI_MESSAGE_LEVELS 11
#define AAP_GUI_MESSAGE_RESYNC 12
#define AAP_GUI_MESSAGE_ERROR 13

typedef struct aap_gui_message_header_t {
    uint32_t magic;
    uint16_t version;
    uint16_t type;
    uint32_t session;
    uint32_t sequence;
    uint32_t payload_size;
    uint32_t reserved;
} aap_gui_message_header_t;

static inline void aap_gui_message_put_u32(uint8_t* at, uint32_t v) {
    at[0] = AAP_CAST(uint8_t, v);
    at[1] = AAP_CAST(uint8_t, v >> 8);
    at[2] = AAP_CAST(uint8_t, v >> 16);
    at[3] = AAP_CAST(uint8_t, v >> 24);
}
static inline uint32_t aap_gui_message_get_u32(const uint8_t* at) {
    return AAP_CAST(uint32_t, at[0]) | (AAP_CAST(uint32_t, at[1]) << 8) | (AAP_CAST(uint32_t, at[2]) << 16) |
           (AAP_CAST(uint32_t, at[3]) << 24);
}

/* Writes a header for `payload_size` bytes of payload into out[0..24). */
static inline void aap_gui_message_write_header(uint8_t* out, uint16_t type, uint32_t session, uint32_t sequence,
                                                uint32_t payload_size) {
    aap_gui_message_put_u32(out, AAP_GUI_MESSAGE_MAGIC);
    out[4] = AAP_CAST(uint8_t, AAP_GUI_MESSAGE_VERSION);
    out[5] = 0;
    out[6] = AAP_CAST(uint8_t, type);
    out[7] = AAP_CAST(uint8_t, type >> 8);
    aap_gui_message_put_u32(out + 8, session);
    aap_gui_message_put_u32(out + 12, sequence);
    aap_gui_message_put_u32(out + 16, payload_size);
    aap_gui_message_put_u32(out + 20, 0u);
}

/* Reads the header of a message of `size` bytes: 0 when magic, version and reserved are right and
 * the payload size agrees with `size` exactly; -1 otherwise. */
static inline int aap_gui_message_read_header(const uint8_t* data, size_t size, aap_gui_message_header_t* header) {
    if (data == AAP_NULL || header == AAP_NULL || size < AAP_GUI_MESSAGE_HEADER_SIZE)
        return -1;
    header->magic = aap_gui_message_get_u32(data);
    header->version = AAP_CAST(uint16_t, data[4] | (data[5] << 8));
    header->type = AAP_CAST(uint16_t, data[6] | (data[7] << 8));
    header->session = aap_gui_message_get_u32(data + 8);
    header->sequence = aap_gui_message_get_u32(data + 12);
    header->payload_size = aap_gui_message_get_u32(data + 16);
    header->reserved = aap_gui_message_get_u32(data + 20);
    return header->magic == AAP_GUI_MESSAGE_MAGIC && header->version == AAP_GUI_MESSAGE_VERSION &&
                   header->reserved == 0u && AAP_CAST(size_t, header->payload_size) == size - AAP_GUI_MESSAGE_HEADER_SIZE
               ? 0
               : -1;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
