#pragma once
/*
 * A third-party AAP extension, written the way any extension author would: the "peak meter"
 * extension lets a host read the highest absolute sample a plugin has seen on its audio inputs
 * and reset it. This header is the extension's C ABI: valid C99 and C++11, like the standard
 * extension headers in aap/ext/.
 *
 * AAPXS wire (little-endian; aapxs/peak-meter-aapxs.h implements it):
 *   1 get peak   request -   reply f64 (the peak, linear, >= 0)      RT-safe
 *   2 reset      request -   reply -                                 not RT-safe (runs on the
 *                                                                    plugin's non-realtime worker)
 */

#include "aap/android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AAP_EXAMPLE_PEAK_METER_URI "urn://example.org/aap-extensions/peak-meter/v1"
#define AAP_EXAMPLE_PEAK_METER_OPCODE_GET_PEAK 1
#define AAP_EXAMPLE_PEAK_METER_OPCODE_RESET 2
/* Bytes of the serialization block (the largest request or reply is 8 bytes). */
#define AAP_EXAMPLE_PEAK_METER_DATA_CAPACITY 64

typedef struct aap_example_peak_meter_extension_t {
    /* Reserved for the AAPXS implementation; plugins assign null. */
    void* aapxs_context;
    /* [thread-safe] The peak since the last reset. Realtime-safe: answer from memory. */
    RT_SAFE double (*get_peak)(struct aap_example_peak_meter_extension_t* ext, AndroidAudioPlugin* plugin);
    /* [main-thread] Starts measuring again from 0. */
    RT_UNSAFE void (*reset)(struct aap_example_peak_meter_extension_t* ext, AndroidAudioPlugin* plugin);
} aap_example_peak_meter_extension_t;

#ifdef __cplusplus
} /* extern "C" */
#endif
