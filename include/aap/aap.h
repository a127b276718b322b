#pragma once
/* Umbrella header: the whole stable AAP plugin ABI - version, ABI record, core plugin ABI, plugin
 * metadata and every standard extension. (aap/unstable/ and the AAPXS foundation in aapxs/ are
 * separate on purpose.) */

#include "version.h"
#include "abi.h"
#include "plugin-meta-info.h"
#include "android-audio-plugin.h"
#include "ext/all.h"
