"""A small PNG reader for the screenshot test: 8-bit RGB or RGBA, not interlaced (as Chromium
writes them). Pure Python on zlib and struct, so the test needs no imaging library.

The format: PNG (Third Edition), W3C Recommendation, https://www.w3.org/TR/png-3/ (chunks,
IHDR, IDAT, and the five scanline filters of section 7.3).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at bit depth 8: RGB, RGBA

Pixel = tuple[int, int, int]


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    rows: list[bytes]  # unfiltered scanlines
    channels: int

    def pixel(self, x: int, y: int) -> Pixel:
        at = x * self.channels
        r, g, b = self.rows[y][at : at + 3]
        return r, g, b

    def row(self, y: int) -> list[Pixel]:
        line, step = self.rows[y], self.channels
        return [(line[i], line[i + 1], line[i + 2]) for i in range(0, len(line), step)]


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    at = len(SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"PNG chunk {kind!r}: bad CRC")
        yield kind, body
        at += 12 + length


def _unfilter(kind: int, line: bytearray, prev: bytes, bpp: int) -> None:
    n = len(line)
    if kind == 1:  # Sub
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:  # Up
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif kind == 3:  # Average
        for i in range(bpp):
            line[i] = (line[i] + (prev[i] >> 1)) & 0xFF
        for i in range(bpp, n):
            line[i] = (line[i] + ((line[i - bpp] + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth: the neighbour (left, up, upper left) nearest to left + up - corner
        for i in range(bpp):
            line[i] = (line[i] + prev[i]) & 0xFF
        for i in range(bpp, n):
            a, b, c = line[i - bpp], prev[i], prev[i - bpp]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            nearest = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + nearest) & 0xFF
    elif kind != 0:
        raise ValueError(f"PNG: unknown filter type {kind}")


def decode(data: bytes) -> Image:
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise ValueError("not a PNG file")
    header, idat = b"", []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = CHANNELS[colour]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, prev, bpp)
        prev = bytes(line)
        rows.append(prev)
    return Image(width, height, rows, bpp)
