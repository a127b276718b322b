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
