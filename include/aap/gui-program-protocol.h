#pragma once
/*
 * The GUI-program protocol: how a plugin's separate GUI executable (declared with gui:program in
 * aap_metadata.xml, docs/metadata.md) talks to the plugin service that launched it. docs/gui.md,
 * "Native GUIs", describes it field by field; this header is the protocol in code, header-only
 * and C99 (a GUI program may be C or C++ and needs nothing else from the SDK).
 *
 * Transport. The service starts the program with one inherited descriptor: a SOCK_SEQPACKET
 * UNIX socket whose number is in the environment variable AAP_GUI_PROGRAM_FD (decimal). Every
 * other descriptor of the service is close-on-exec. One datagram = one message. The program
 * should set FD_CLOEXEC on it and unset the variable before starting anything else. The program
 * dies with the service (it is killed when the service ends, however it ends).
 *
 * Identity. The token is never on the command line or in the environment: the service's first
 * message, OFFER, carries it (AAP_GUI_PROGRAM_TOKEN_SIZE random bytes from getrandom, new for
 * every launch) together with the session id; the program must answer HELLO with the protocol
 * version, the same session id and the same token, within the hello deadline (default 2 s).
 *
 * Messages. A 20-byte header, then payload_size bytes; little-endian, fixed width:
 *   u32 magic         AAP_GUI_PROGRAM_MAGIC
 *   u32 type          AAP_GUI_PROGRAM_MSG_*
 *   u32 session       the GUI session (the gui/v5 id the host sees); a message whose session is
 *                     not the live one is ignored
 *   u32 sequence      service requests: increasing from 1; ACK echoes the request's
 *   u32 payload_size  <= AAP_GUI_PROGRAM_MAX_PAYLOAD
 *
 * Parameters. CHANNEL hands the program a shared-memory channel to the host's GUI sessions
 * (aap/gui-shm-channel.h): parameter edits, gestures and values travel there as the GUI message
 * set, never on this socket. The program must receive with recvmsg() to get its descriptor.
 *
 * Lifecycle requests (service -> program) are each answered by exactly one ACK within the
 * deadline (create: 2 s, others: 500 ms by default; the host configures them). A missing, late,
 * malformed or unexpected answer ends the session: the service kills the program (SIGTERM, then
 * SIGKILL) and tells the host closed(was_destroyed = true). Notifications (program -> service)
 * need no answer.
 */

#include "private/std.h"
#include "private/macros.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_GUI_PROGRAM_FD_ENV "AAP_GUI_PROGRAM_FD"
#define AAP_GUI_PROGRAM_MAGIC 0x4E504141u /* "AAPN" in memory */
#define AAP_GUI_PROGRAM_PROTOCOL_VERSION 1u
#define AAP_GUI_PROGRAM_HEADER_SIZE 20u
#define AAP_GUI_PROGRAM_MAX_PAYLOAD 512u
#define AAP_GUI_PROGRAM_TOKEN_SIZE 32u

/* Message types and payloads. */
/* service -> program */
#define AAP_GUI_PROGRAM_MSG_OFFER 1       /* u32 protocol version, token[32] (session in the header) */
#define AAP_GUI_PROGRAM_MSG_CREATE 3      /* i32 api (AAP_GUI_API_*), i32 floating (0/1) */
#define AAP_GUI_PROGRAM_MSG_SET_PARENT 4  /* i32 api, u32 0, u64 handle */
#define AAP_GUI_PROGRAM_MSG_SET_TRANSIENT 5 /* i32 api, u32 0, u64 handle */
#define AAP_GUI_PROGRAM_MSG_SHOW 6        /* - */
#define AAP_GUI_PROGRAM_MSG_HIDE 7        /* - */
#define AAP_GUI_PROGRAM_MSG_SET_SIZE 8    /* u32 width, u32 height */
#define AAP_GUI_PROGRAM_MSG_SET_SCALE 9   /* f64 scale */
#define AAP_GUI_PROGRAM_MSG_DESTROY 10    /* - ; after its ACK the program exits */
#define AAP_GUI_PROGRAM_MSG_SUGGEST_TITLE 11 /* u32 L (<= 256), L bytes UTF-8 */
#define AAP_GUI_PROGRAM_MSG_CHANNEL 12    /* u32 ring capacity, token[32]; one descriptor attached (SCM_RIGHTS):
                                             the host's shared-memory GUI channel (aap/gui-shm-channel.h). The
                                             program maps it, ACKs, then speaks the GUI message set on it as a
                                             client of the host's GUI sessions (Hello with this token first).
                                             A program without it answers AAP_GUI_ERROR_NOT_IMPLEMENTED. */
/* program -> service */
#define AAP_GUI_PROGRAM_MSG_HELLO 2       /* u32 protocol version, token[32] (session in the header) */
#define AAP_GUI_PROGRAM_MSG_ACK 64        /* i32 result (AAP_GUI_RESULT_OK or AAP_GUI_ERROR_*), u32 width, u32 height
                                             (the GUI's size after the request) */
#define AAP_GUI_PROGRAM_MSG_REQUEST_RESIZE 65 /* u32 width, u32 height */
#define AAP_GUI_PROGRAM_MSG_REQUEST_SHOW 66   /* - */
#define AAP_GUI_PROGRAM_MSG_REQUEST_HIDE 67   /* - */
#define AAP_GUI_PROGRAM_MSG_CLOSED 68         /* - : the user closed the window (the host may destroy) */
#define AAP_GUI_PROGRAM_MSG_RESIZE_HINTS 69   /* 9 x u32: aap_gui_resize_hints_t in order */

typedef struct aap_gui_program_header_t {
    uint32_t magic;
    uint32_t type;
    uint32_t session;
    uint32_t sequence;
    uint32_t payload_size;
} aap_gui_program_header_t;

/* Little-endian helpers. [thread-safe], no allocation. */
static inline void aap_gui_program_put_u32(uint8_t* at, uint32_t v) {
    at[0] = AAP_CAST(uint8_t, v);
    at[1] = AAP_CAST(uint8_t, v >> 8);
    at[2] = AAP_CAST(uint8_t, v >> 16);
    at[3] = AAP_CAST(uint8_t, v >> 24);
}
static inline uint32_t aap_gui_program_get_u32(const uint8_t* at) {
    return AAP_CAST(uint32_t, at[0]) | (AAP_CAST(uint32_t, at[1]) << 8) | (AAP_CAST(uint32_t, at[2]) << 16) |
           (AAP_CAST(uint32_t, at[3]) << 24);
}
static inline void aap_gui_program_put_u64(uint8_t* at, uint64_t v) {
    aap_gui_program_put_u32(at, AAP_CAST(uint32_t, v));
    aap_gui_program_put_u32(at + 4, AAP_CAST(uint32_t, v >> 32));
}
static inline uint64_t aap_gui_program_get_u64(const uint8_t* at) {
    return AAP_CAST(uint64_t, aap_gui_program_get_u32(at)) | (AAP_CAST(uint64_t, aap_gui_program_get_u32(at + 4)) << 32);
}

/* Writes a header for `payload_size` bytes into out[0..20). */
static inline void aap_gui_program_write_header(uint8_t* out, uint32_t type, uint32_t session, uint32_t sequence,
                                                uint32_t payload_size) {
    aap_gui_program_put_u32(out, AAP_GUI_PROGRAM_MAGIC);
    aap_gui_program_put_u32(out + 4, type);
    aap_gui_program_put_u32(out + 8, session);
    aap_gui_program_put_u32(out + 12, sequence);
    aap_gui_program_put_u32(out + 16, payload_size);
}

/* Reads the header of a received datagram of `size` bytes. Returns 0 (and fills *header) when the
 * magic is right and the payload size agrees with `size` exactly; -1 otherwise. */
static inline int aap_gui_program_read_header(const uint8_t* data, size_t size, aap_gui_program_header_t* header) {
    if (data == AAP_NULL || header == AAP_NULL || size < AAP_GUI_PROGRAM_HEADER_SIZE)
        return -1;
    header->magic = aap_gui_program_get_u32(data);
    header->type = aap_gui_program_get_u32(data + 4);
    header->session = aap_gui_program_get_u32(data + 8);
    header->sequence = aap_gui_program_get_u32(data + 12);
    header->payload_size = aap_gui_program_get_u32(data + 16);
    if (header->magic != AAP_GUI_PROGRAM_MAGIC || header->payload_size > AAP_GUI_PROGRAM_MAX_PAYLOAD ||
        AAP_CAST(size_t, header->payload_size) != size - AAP_GUI_PROGRAM_HEADER_SIZE)
        return -1;
    return 0;
}

/* Builds HELLO into out (at least 20 + 36 bytes): the answer to OFFER. Returns its size. */
static inline size_t aap_gui_program_write_hello(uint8_t* out, uint32_t session,
                                                 const uint8_t token[AAP_GUI_PROGRAM_TOKEN_SIZE]) {
    aap_gui_program_write_header(out, AAP_GUI_PROGRAM_MSG_HELLO, session, 0, 4 + AAP_GUI_PROGRAM_TOKEN_SIZE);
    aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE, AAP_GUI_PROGRAM_PROTOCOL_VERSION);
    memcpy(out + AAP_GUI_PROGRAM_HEADER_SIZE + 4, token, AAP_GUI_PROGRAM_TOKEN_SIZE);
    return AAP_GUI_PROGRAM_HEADER_SIZE + 4 + AAP_GUI_PROGRAM_TOKEN_SIZE;
}

/* Builds ACK into out (at least 20 + 12 bytes) for the request with `sequence`. Returns its size. */
static inline size_t aap_gui_program_write_ack(uint8_t* out, uint32_t session, uint32_t sequence, int32_t result,
                                               uint32_t width, uint32_t height) {
    aap_gui_program_write_header(out, AAP_GUI_PROGRAM_MSG_ACK, session, sequence, 12);
    aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE, AAP_CAST(uint32_t, result));
    aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE + 4, width);
    aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE + 8, height);
    return AAP_GUI_PROGRAM_HEADER_SIZE + 12;
}

/* Builds a notification without payload (REQUEST_SHOW, REQUEST_HIDE, CLOSED), or REQUEST_RESIZE
 * with width and height (ignored for the others), into out (at least 28 bytes). Returns its size. */
static inline size_t aap_gui_program_write_notification(uint8_t* out, uint32_t type, uint32_t session,
                                                        uint32_t width, uint32_t height) {
    const uint32_t payload = type == AAP_GUI_PROGRAM_MSG_REQUEST_RESIZE ? 8u : 0u;
    aap_gui_program_write_header(out, type, session, 0, payload);
    if (payload != 0) {
        aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE, width);
        aap_gui_program_put_u32(out + AAP_GUI_PROGRAM_HEADER_SIZE + 4, height);
    }
    return AAP_GUI_PROGRAM_HEADER_SIZE + payload;
}

#ifdef __cplusplus
} /* extern "C" */
#endif
