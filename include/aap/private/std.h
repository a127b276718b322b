#pragma once
/*
 * The only standard headers the public AAP headers depend on. Every public header includes this
 * first, so each one compiles alone, as C99 and later and as C++11 and later.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef __cplusplus
/* C99 needs <stdbool.h> for `bool`; C++ has it built in (and <stdbool.h> is deprecated there). */
#include <stdbool.h>
#endif
