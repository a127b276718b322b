#pragma once
/* Parameter conversions computed by the C compiler (parameter-conversion-c.c) with the argument
 * order AAP sources use, compared against C++ in header-helpers-test. */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aap_test_conversion_results {
    uint32_t plain_to_transport_end;   /* aapParameterPlainToTransportUint32(0, 14, 14) */
    uint32_t plain_to_transport_start; /* aapParameterPlainToTransportUint32(0, 14, 0) */
    uint32_t plain_to_transport_mid;   /* aapParameterPlainToTransportUint32(0, 14, 7) */
    double transport_to_plain_end;     /* aapParameterTransportUint32ToPlain(20, 20000, 0xFFFFFFFF) */
    double transport_to_plain_start;   /* aapParameterTransportUint32ToPlain(20, 20000, 0) */
    double plain_to_normalized;        /* aapParameterPlainToNormalized(-24, 0, -12) */
    double normalized_to_plain;        /* aapParameterNormalizedToPlain(-24, 0, 0.5) */
} aap_test_conversion_results;

void aap_test_conversions_in_c(aap_test_conversion_results* out);

#ifdef __cplusplus
}
#endif
