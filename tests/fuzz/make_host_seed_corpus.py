#!/usr/bin/env python3
"""Writes the small seed corpora in corpus/<target>/ for the fuzz targets of untrusted host and
service input: WAV and MIDI files, aap_metadata.xml, AAPXS replies, service control frames.

Run from anywhere: python3 tests/fuzz/make_host_seed_corpus.py. The frame layouts follow
hosting/include/aap/hosting/control-protocol.h; words are little-endian.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- WAV -------------------------------------------------------------------------------------
def wav(fmt_tag, channels, rate, bits, samples, extensible=False):
    block = channels * bits // 8
    if extensible:
        sub = struct.pack("<H", fmt_tag) + bytes([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71])
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * block, block, bits) + \
            struct.pack("<HHI", 22, bits, 3) + sub
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    data = samples + (b"\0" if len(samples) % 2 else b"")
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


pcm16 = b"".join(struct.pack("<hh", v, -v) for v in (0, 1000, 32767, -32767))
write("wav_reader_fuzzer", "pcm16-stereo", wav(1, 2, 48000, 16, pcm16))
write("wav_reader_fuzzer", "pcm24-mono-odd", wav(1, 1, 44100, 24, b"\x01\x02\x03\xff\xff\x7f\x00\x00\x80"))
write("wav_reader_fuzzer", "float32", wav(3, 1, 8000, 32, struct.pack("<ffff", 0.0, 0.5, -1.0, 2.0)))
write("wav_reader_fuzzer", "extensible-pcm32", wav(1, 2, 96000, 32, struct.pack("<iiii", 1, -1, 2**31 - 1, -2**31), True))
write("wav_reader_fuzzer", "truncated", wav(1, 2, 48000, 16, pcm16)[:50])


# --- Standard MIDI File ----------------------------------------------------------------------
def vlq(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out)


def track(events):
    body = b"".join(events) + vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + body


def smf(fmt, division, tracks):
    return b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division) + b"".join(tracks)


tempo = vlq(0) + b"\xff\x51\x03\x07\xa1\x20"
notes = [vlq(0) + b"\x90\x3c\x64", vlq(0) + b"\x40\x64", vlq(480) + b"\x80\x3c\x00", vlq(0) + b"\x40\x00",
         vlq(10) + b"\xb0\x07\x7f", vlq(10) + b"\xc0\x05", vlq(10) + b"\xe0\x00\x40", vlq(10) + b"\xd0\x22",
         vlq(10) + b"\xa0\x3c\x10", vlq(0) + b"\xf0\x03\x7e\x7f\xf7"]
write("smf_reader_fuzzer", "format0", smf(0, 480, [track([tempo] + notes)]))
write("smf_reader_fuzzer", "format1", smf(1, 96, [track([tempo]), track(notes[:4]), track(notes[4:])]))
write("smf_reader_fuzzer", "smpte", smf(0, 0xE728, [track(notes[:4])]))
write("smf_reader_fuzzer", "hours-apart", smf(0, 480, [track([tempo, vlq(0) + b"\x90\x3c\x64", vlq(0x0FFFFFFF) + b"\x80\x3c\x00"])]))

# --- aap_metadata.xml ------------------------------------------------------------------------
for name, path in [("delay-effect", "examples/delay-effect/aap_metadata.xml"),
                   ("poly-synth", "examples/poly-synth/aap_metadata.xml"),
                   ("validate-test-plugins", "tests/tools/validate-test-plugins/aap_metadata.xml")]:
    with open(os.path.join(ROOT, path), "rb") as f:
        write("metadata_parser_fuzzer", name, f.read())
write("metadata_parser_fuzzer", "entities-and-cdata",
      b'<?xml version="1.0"?>\n<!-- c --><plugins xmlns="urn://androidaudioplugin.org/schemas/metadata">'
      b'<plugin name="A &amp; B &#x41;&#66;" category="Effect" unique-id="urn:x:y" library="lib.so">'
      b'<ports><port direction="input" content="audio" name="L"/></ports></plugin></plugins>')
write("metadata_parser_fuzzer", "unclosed", b'<plugins><plugin name="x" unique-id="urn:a"')

# --- AAPXS replies (aapxs_reply_fuzzer.cpp input: config byte, then data) ---------------------
write("aapxs_reply_fuzzer", "genuine-replies", bytes([0x0B]) + bytes(range(32)))
write("aapxs_reply_fuzzer", "genuine-replies-plugin-side", bytes([0x0F]) + bytes(range(16)))
write("aapxs_reply_fuzzer", "bad-header-length", bytes([0x19]) + bytes(range(20)) + struct.pack("<I", 0xFFFFFFF0))
write("aapxs_reply_fuzzer", "raw-buffer",
      bytes([0x00]) + struct.pack("<8I", 0, 48, 0, 0, 0, 0, 0, 0) +
      struct.pack("<12I", 0x501E007E, 0x7F000100, 0x01000000, 0x00000000, 0x503E0000, 0x00000000, 0x00000000,
                  0x00000000, 0x20903C40, 0x40903C00, 0x80000000, 0x10F80000))

# --- service control frames (service_control_fuzzer.cpp input) --------------------------------
MAGIC, REQUEST, REPLY = 0x43504141, 1, 2


def record(kind, body):
    return bytes([kind]) + struct.pack("<H", len(body)) + body


def op(opcode, instance, payload=b"", fds=0):
    return record(1 | (fds << 2), bytes([opcode, instance]) + payload)


uri = b"urn://androidaudioplugin.org/extensions/state/v4"
prepare = struct.pack("<iiII", 256, 48000, 4, 0) + b"".join(
    struct.pack("<iiII", 1, direction, 1024, 0) for direction in (0, 0, 1, 1))
lifecycle = b"".join([
    op(10, 1, struct.pack("<II", 5, len(uri)) + uri),
    op(3, 1, struct.pack("<II", 64, len(uri)) + uri, fds=1),
    op(4, 1, prepare, fds=5),
    op(5, 1), op(9, 0), op(8, 1, struct.pack("<iIII", 0, 1, 0, len(uri)) + uri), op(6, 1), op(7, 1),
])
write("service_control_fuzzer", "lifecycle", bytes([0x03]) + lifecycle)
write("service_control_fuzzer", "no-instance", bytes([0x01]) + op(5, 1) + op(9, 0) + op(2, 0, struct.pack("<IIII", 1, 0, 1, 0) + b"/x"))
hello = struct.pack("<8I", MAGIC, REQUEST, 1, 1, 0, 0, 16, 0) + struct.pack("<4I", 1, 1, 0, 0)
write("service_control_fuzzer", "raw-hello-then-garbage",
      bytes([0x00]) + record(0, hello) + record(0, struct.pack("<8I", MAGIC, REPLY, 9, 2, 0, 0, 0, 0)))
write("service_control_fuzzer", "bad-sizes",
      bytes([0x01]) + record(0, struct.pack("<8I", MAGIC, REQUEST, 9, 2, 0, 0, 1000, 3)))

# --- a service's replies and shared-memory writes (service_reply_fuzzer.cpp input) -------------
# One record per host request: hello, create, add extension, map URID, prepare, activate, then
# (after two process() cycles) extension, deactivate, destroy. Shared memory: the process block
# (4096 bytes: reply_sequence at 12, status at 28, aapxs_flags at 44), then the ports (audio in 256,
# audio out 256, MIDI2 in 1024, MIDI2 out 1024: its header's length field at 4096 + 1536 + 4).
MIDI_OUT_LENGTH = 4096 + 256 + 256 + 1024 + 4


def scribble(offset, data):
    return record(3, struct.pack("<H", offset) + data)


well = record(0, b"")
write("service_reply_fuzzer", "lifecycle-ok",
      well * 4 + scribble(MIDI_OUT_LENGTH, struct.pack("<I", 8)) + scribble(12, struct.pack("<I", 1)) + well * 3)
write("service_reply_fuzzer", "bad-midi-output-length",
      well * 4 + scribble(MIDI_OUT_LENGTH, struct.pack("<I", 0xFFFFFFF0)) + scribble(12, struct.pack("<I", 1)))
write("service_reply_fuzzer", "failed-cycle-status",
      well * 4 + scribble(28, struct.pack("<i", -4)) + scribble(12, struct.pack("<I", 1)))
write("service_reply_fuzzer", "foreign-reply-sequence", well * 5 + scribble(12, struct.pack("<I", 77)))
huri = b"urn:aap-fuzz:host-extension"
write("service_reply_fuzzer", "unsolicited-requests",
      well + record(2, bytes([64]) + struct.pack("<iIII", -1, 1, 4, len(huri)) + huri + b"\1\2\3\4") +
      record(2, bytes([65])) + well * 6)
write("service_reply_fuzzer", "garbage-hello", record(1, struct.pack("<8I", MAGIC, REPLY, 1, 1, 0, 0, 99, 0)))
write("service_reply_fuzzer", "error-statuses",
      well + record(0, bytes([0xFD]) + b"cannot load") + well * 2)
write("service_reply_fuzzer", "extension-reply-too-big",
      well * 4 + scribble(12, struct.pack("<I", 1)) + well + record(0, bytes([0]) + struct.pack("<II", 100000, 0)))


# --- a GUI client's messages (gui_message_fuzzer.cpp input) ------------------------------------
# Byte 0: bit 0 set = start from a ready client (a valid hello and initialize-ack first). Then
# records [length: 2 bytes LE][message]; the whole input is also decoded as one message. The
# layout is docs/gui.md section 3: a 24-byte header (magic "AAPG", u16 version 1, u16 type,
# u32 session, u32 sequence, u32 payloadSize, u32 reserved) and the payload.
def gui(kind, session, sequence, payload=b""):
    return b"AAPG" + struct.pack("<HHIIII", 1, kind, session, sequence, len(payload), 0) + payload


def gui_record(message):
    return struct.pack("<H", len(message)) + message


def param_change(pid, value):
    return struct.pack("<4I", 0x500E007E, 0x7F000000, pid, value)


write("gui_message_fuzzer", "hello-wrong-token", b"\0" + gui_record(gui(1, 0, 1, struct.pack("<II", 1, 32) + bytes(32))))
write("gui_message_fuzzer", "ready-events",
      b"\1" + gui_record(gui(9, 1, 5, param_change(7, 0x80000000) + struct.pack("<3I", 0x00200040, 0x40903C00, 0xFFFF0000))))
write("gui_message_fuzzer", "ready-gesture-and-pong",
      b"\1" + gui_record(gui(9, 1, 6, struct.pack("<4I", 0x500E007E, 0x7F000200, 7, 0))) + gui_record(gui(8, 1, 9)))
write("gui_message_fuzzer", "ready-aapxs", b"\1" + gui_record(gui(9, 1, 7, struct.pack("<4I", 0x501E007E, 0x7F000105, 1, 0x30000000))))
write("gui_message_fuzzer", "whole-welcome", gui(2, 3, 1, struct.pack("<7I", 1, 3, 48000, 256, 2, 6, 60000)))
write("gui_message_fuzzer", "whole-values", gui(10, 3, 2, struct.pack("<II", 1, 1) + struct.pack("<iId", 7, 0, 0.5)))
write("gui_message_fuzzer", "whole-levels", gui(11, 3, 2, struct.pack("<I", 1) + struct.pack("<if", 0, 0.25)))
write("gui_message_fuzzer", "whole-error", gui(13, 3, 2, struct.pack("<I", 2) + b"wrong token"))
write("gui_message_fuzzer", "ready-cleanup-ack-early", b"\1" + gui_record(gui(6, 1, 3)) + gui_record(gui(13, 1, 4, struct.pack("<I", 7))))
