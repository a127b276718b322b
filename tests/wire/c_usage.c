/* The codec used from strict C99: generate, append, extract/strip and parse, as a C host or
 * plugin would. Returns 0 on success or the number of the first failed check. */
#include <aapxs/codec.h>

#include <string.h>

typedef struct c_usage_seen {
    int count;
    uint32_t request_ids[4];
    char uri[64];
} c_usage_seen;

static void c_usage_on_message(void* context, const aapxs_extracted_message_t* extracted) {
    c_usage_seen* seen = (c_usage_seen*) context;
    if (extracted->error != AAPXS_CODEC_OK || seen->count >= 4)
        return;
    seen->request_ids[seen->count++] = extracted->message.request_id;
    if (extracted->message.uri_size < sizeof(seen->uri)) {
        if (extracted->message.uri_size != 0)
            memcpy(seen->uri, extracted->message.uri, extracted->message.uri_size);
        seen->uri[extracted->message.uri_size] = '\0';
    }
}

int aapxs_test_c_usage(void) {
    static const char uri[] = "urn://androidaudioplugin.org/extensions/presets/v4";
    uint8_t buffer[32 + 512];
    aapxs_sysex8_slot_t slots[1];
    uint8_t storage[256];
    aapxs_sysex8_reassembler_t reassembler;
    aapxs_message_t message;
    aapxs_extract_summary_t summary;
    c_usage_seen seen;
    uint32_t note_on[2] = { 0x40903C00u, 0x80000000u };
    uint8_t data[4] = { 1, 0, 0, 0 };
    size_t length = 0;

    memset(&seen, 0, sizeof(seen));
    if (aapxs_midi2_buffer_init(buffer, sizeof(buffer)) != AAPXS_CODEC_OK) return 1;
    if (aapxs_sysex8_reassembler_init(&reassembler, slots, 1, storage, sizeof(storage)) != AAPXS_CODEC_OK) return 2;

    message.urid = 0;
    message.request_id = 41;
    message.uri = uri;
    message.uri_size = sizeof(uri) - 1;
    message.opcode = 2;
    message.data = data;
    message.data_size = sizeof(data);
    if (aapxs_midi2_buffer_append_ump(buffer, sizeof(buffer), note_on, 2) != AAPXS_CODEC_OK) return 3;
    if (aapxs_midi2_buffer_append_aapxs(buffer, sizeof(buffer), 0, &message, NULL) != AAPXS_CODEC_OK) return 4;
    message.request_id = 42;
    message.urid = 3;
    message.uri = NULL; /* URID-only */
    message.uri_size = 0;
    if (aapxs_midi2_buffer_append_aapxs(buffer, sizeof(buffer), 0, &message, NULL) != AAPXS_CODEC_OK) return 5;
    if (aapxs_midi2_buffer_append_parameter_change(buffer, sizeof(buffer), 0, 0, 0, 0, 7, 0xFFFFFFFFu) != AAPXS_CODEC_OK) return 6;

    if (aapxs_midi2_buffer_extract_aapxs(buffer, sizeof(buffer), &reassembler, c_usage_on_message, &seen, &summary) != AAPXS_CODEC_OK) return 7;
    if (seen.count != 2 || seen.request_ids[0] != 41 || seen.request_ids[1] != 42) return 8;
    if (strcmp(seen.uri, "") != 0) return 9; /* the second (URID-only) message has no URI */
    if (aapxs_midi2_buffer_get_length(buffer, sizeof(buffer), &length) != AAPXS_CODEC_OK) return 10;
    if (length != 6 * 4) return 11; /* the note on and the parameter change are left */
    if (strcmp(aapxs_codec_error_string(AAPXS_CODEC_ERROR_SYSEX8_TRUNCATED), "SysEx8 message has no end packet") != 0) return 12;
    return 0;
}
