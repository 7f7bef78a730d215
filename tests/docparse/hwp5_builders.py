"""Build HWP 5.x containers in code: an OLE compound file (CFB version 3) holding a FileHeader stream with chosen
property flags and, optionally, a BodyText/Section0 stream. Enough for the reader's checks that run before any
record is read (password-protected, distribution-protected, DRM-flagged, no body); the streams are padded to the
CFB mini-stream cutoff, so every stream lives in regular sectors and no mini stream is needed."""
from __future__ import annotations

import struct
from pathlib import Path

SECTOR = 512
CUTOFF = 4096  # streams of this size and more are stored in regular sectors
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
PASSWORD, DISTRIBUTION, DRM = 1 << 1, 1 << 2, 1 << 4  # FileHeader property bits (HWP 5.0 format, FileHeader)


def file_header(flags: int) -> bytes:
    """A FileHeader stream: the signature (32 bytes), version 5.0.3.0, the property flags, padded to CUTOFF."""
    head = b"HWP Document File".ljust(32, b"\0") + bytes([0, 3, 0, 5]) + struct.pack("<I", flags)
    return head.ljust(CUTOFF, b"\0")


def _entry(name: str, kind: int, left: int = NO_STREAM, right: int = NO_STREAM, child: int = NO_STREAM,
           start: int = END, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", start, size))


def make_hwp5(path: Path, flags: int = 0, body: bool = True) -> Path:
    """Write an HWP 5 container with these FileHeader `flags` (and a BodyText/Section0 stream when `body`)."""
    streams = [file_header(flags)] + ([b"\0" * CUTOFF] if body else [])
    per_stream = CUTOFF // SECTOR
    fat = [FAT_SECTOR, END]  # sector 0: the FAT itself; sector 1: the directory
    starts = []
    for _ in streams:
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(per_stream - 1)] + [END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    # Directory: root (0) -> FileHeader (1), whose left sibling is the BodyText storage (2) -> Section0 (3).
    entries = [_entry("Root Entry", 5, child=1),
               _entry("FileHeader", 2, left=2 if body else NO_STREAM, start=starts[0], size=CUTOFF)]
    if body:
        entries += [_entry("BodyText", 1, child=3), _entry("Section0", 2, start=starts[1], size=CUTOFF)]
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, CUTOFF, END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    path.write_bytes(header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + b"".join(streams))
    return path
