/* Prints the SDK and ABI versions the consumer was compiled against; the package tests compare
 * them with the project version. */
#include <aap/aap.h>

#include <stdio.h>

int main(void) {
    const aap_abi_version_t* abi = aap_abi_current_version();
    printf("aap-sdk %s abi %u.%u\n", AAP_VERSION_STRING, (unsigned) abi->abi_major, (unsigned) abi->abi_minor);
    return aap_abi_check(abi) == AAP_ABI_CHECK_COMPATIBLE ? 0 : 1;
}
