#pragma once
/*
 * The AAPXS wire codec (docs/spec/wire.md, docs/wire-codec.md) in one include:
 *   codec-base.h        error reasons (aapxs_codec_error_t) and their strings
 *   ump.h               UMP message sizes and a bounded UMP iterator
 *   sysex8.h            SysEx8 packetizer, consecutive-packet reader and streaming reassembler
 *   aapxs-message.h     AAPXS message sizes, generation and parsing (view or copy)
 *   midi2-buffer.h      MIDI2 port buffer validation, appends and AAPXS extraction (stripping)
 *   parameter-sysex8.h  the parameter-change SysEx8 (not AAPXS; left for the plugin)
 * Header-only, valid C99 and C++11, no allocation, [audio-thread] safe.
 */

#include "codec-base.h"
#include "ump.h"
#include "sysex8.h"
#include "aapxs-message.h"
#include "midi2-buffer.h"
#include "parameter-sysex8.h"
