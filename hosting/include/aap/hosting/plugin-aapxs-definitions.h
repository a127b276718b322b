#pragma once
/* Moved to include/ (a plugin needs it, and plugins see only include/): include
 * "aapxs/plugin-aapxs-definitions.h". This forwarding header keeps older includes compiling. */
#include "aapxs/plugin-aapxs-definitions.h"
