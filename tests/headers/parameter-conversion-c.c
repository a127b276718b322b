/* The parameter conversion helpers called from C99 the way AAP's C sources call them:
 * (minValue, maxValue, value). */

#include <aap/aap.h>

#include "parameter-conversion-c.h"

void aap_test_conversions_in_c(aap_test_conversion_results* out) {
    out->plain_to_transport_end = aapParameterPlainToTransportUint32(0, 14, 14);
    out->plain_to_transport_start = aapParameterPlainToTransportUint32(0, 14, 0);
    out->plain_to_transport_mid = aapParameterPlainToTransportUint32(0, 14, 7);
    out->transport_to_plain_end = aapParameterTransportUint32ToPlain(20.0, 20000.0, 0xFFFFFFFFu);
    out->transport_to_plain_start = aapParameterTransportUint32ToPlain(20.0, 20000.0, 0u);
    out->plain_to_normalized = aapParameterPlainToNormalized(-24.0, 0.0, -12.0);
    out->normalized_to_plain = aapParameterNormalizedToPlain(-24.0, 0.0, 0.5);
}
