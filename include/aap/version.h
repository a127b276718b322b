#pragma once
/* The SDK version, in one place. CMake reads AAP_VERSION_MAJOR/MINOR/PATCH from this file
 * (keep each on its own line in the form `#define AAP_VERSION_X <number>`). */

#define AAP_VERSION_MAJOR 0
#define AAP_VERSION_MINOR 1
#define AAP_VERSION_PATCH 0

#define AAP_VERSION_STRINGIFY_(x) #x
#define AAP_VERSION_STRINGIFY(x) AAP_VERSION_STRINGIFY_(x)
#define AAP_VERSION_STRING                       \
    AAP_VERSION_STRINGIFY(AAP_VERSION_MAJOR) "." \
    AAP_VERSION_STRINGIFY(AAP_VERSION_MINOR) "." \
    AAP_VERSION_STRINGIFY(AAP_VERSION_PATCH)

/* The plugin ABI version (see aap/abi.h for how peers exchange and check it). Independent of the
 * SDK version: the major changes only when a struct layout or a calling contract breaks; the minor
 * when something is added that peers discover at runtime. ABI 1.0 is the AAP 0.8 layout. */
#define AAP_ABI_VERSION_MAJOR 1
#define AAP_ABI_VERSION_MINOR 0
