#pragma once
/* Umbrella header: every standard AAP extension (all stable). */

#include "gui.h"
#include "gui-v5.h"
#include "midi.h"
#include "parameters.h"
#include "plugin-info.h"
#include "port-config.h"
#include "presets.h"
#include "state.h"
#include "urid.h"
