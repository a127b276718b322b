#!/usr/bin/env python3
"""Writes the small seed corpora in corpus/<target>/ for the wire codec fuzz targets.

Run from anywhere: python3 tests/fuzz/make_seed_corpus.py. The seeds are the docs/spec/wire.md
section 4 vectors, a realistic mixed buffer and a few broken inputs of section 6. Words are
written little-endian, the host order of the machines the fuzzers run on.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

WORKED_EXAMPLE = [
    0x501E007E, 0x7F000105, 0x01000000, 0x30000000,
    0x502E0075, 0x726E3A2F, 0x2F616E64, 0x726F6964,
    0x502E0061, 0x7564696F, 0x706C7567, 0x696E2E6F,
    0x502E0072, 0x672F6578, 0x74656E73, 0x696F6E73,
    0x502E002F, 0x73746174, 0x652F7634, 0x02000000,
    0x50380003, 0x00000001, 0x02030000, 0x00000000,
]
URID_ONLY = [0x531E007E, 0x7F000104, 0x78563412, 0x00000000, 0x533900FF, 0xFFFFFF00, 0x00000000, 0x00000000]
EXACT_MULTIPLE = [0x501E007E, 0x7F000100, 0x02000000, 0x08000000, 0x502E0075, 0x726E3A78, 0x2F763107,
                  0x0000000A, 0x503E0000, 0x00000001, 0x02030405, 0x06070809]
PARAMETER = [0x500E007E, 0x7F000001, 0x00000005, 0x80000000]
PARAMETER_OLD = [0x500F007E, 0x7F000001, 0x00000005, 0x80000000]
OTHERS = [0x20903C40, 0x40903C00, 0x80000000, 0x10F80000, 0xD0000000, 1, 2, 3, 0xF0000000, 4, 5, 6,
          0xB0000000, 7, 8, 0x30000000, 9]
FOREIGN_STREAM1 = [0x501E017E, 0x7F000105, 0, 0, 0x5032017E, 0, 0, 0]
MIXED = OTHERS[:3] + PARAMETER + WORKED_EXAMPLE[:8] + FOREIGN_STREAM1[:4] + WORKED_EXAMPLE[8:] \
    + FOREIGN_STREAM1[4:] + URID_ONLY + PARAMETER_OLD + OTHERS[3:] + EXACT_MULTIPLE
TRUNCATED = WORKED_EXAMPLE[:-4]
SIZE_ZERO = WORKED_EXAMPLE[:4] + [WORKED_EXAMPLE[4] & 0xFFF0FFFF] + WORKED_EXAMPLE[5:]
HUGE_URI_LENGTH = [0x501E007E, 0x7F000105, 0x01000000, 0xFFFFFFFF, 0x5038002F, 0, 0, 0]

# One raw AAPXS payload (the worked example's 72 bytes) for the parser half of the reassembler target.
PAYLOAD = bytes([0x7E, 0x7F, 0x00, 0x01, 5, 1, 0, 0, 0, 48, 0, 0, 0]) \
    + b"urn://androidaudioplugin.org/extensions/state/v4" + bytes([2, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3])


def words(ws):
    return b"".join(struct.pack("<I", w) for w in ws)


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# wire_reassembler_fuzzer: [config: slots/capacity] [reader capacities] then words / payload
write("wire_reassembler_fuzzer", "worked-example", bytes([0x0B, 0xFF]) + words(WORKED_EXAMPLE))
write("wire_reassembler_fuzzer", "urid-only-reply", bytes([0x08, 0x00]) + words(URID_ONLY))
write("wire_reassembler_fuzzer", "exact-multiple", bytes([0x0C, 0x21]) + words(EXACT_MULTIPLE))
write("wire_reassembler_fuzzer", "mixed", bytes([0x0F, 0x7F]) + words(MIXED))
write("wire_reassembler_fuzzer", "truncated", bytes([0x09, 0x44]) + words(TRUNCATED + SIZE_ZERO))
write("wire_reassembler_fuzzer", "raw-payload", bytes([0x0E, 0x77]) + PAYLOAD)

# wire_strip_fuzzer: [config: array form / slots / raw length / capacity] [raw length] then UMP bytes
write("wire_strip_fuzzer", "worked-example", bytes([0x30]) + words(WORKED_EXAMPLE))
write("wire_strip_fuzzer", "mixed", bytes([0x32]) + words(MIXED))
write("wire_strip_fuzzer", "mixed-array-form", bytes([0x21]) + words(MIXED))
write("wire_strip_fuzzer", "malformed", bytes([0x10]) + words(TRUNCATED + OTHERS + SIZE_ZERO + HUGE_URI_LENGTH))
write("wire_strip_fuzzer", "bad-header-length", bytes([0x38]) + struct.pack("<I", 30) + words(URID_ONLY))
