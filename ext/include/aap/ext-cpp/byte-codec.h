#pragma once
// Moved to include/ (plugins that ship an extension need it, and plugins see only include/):
// include "aapxs/byte-codec.hpp". This forwarding header keeps older includes compiling.
#include "aapxs/byte-codec.hpp"
