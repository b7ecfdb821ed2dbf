"""Bytes to clean text lines: decompression, encodings, ANSI and carriage-return cleanup.

Shared by every text parser so that each of them sees the same, printable text.
"""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from valgap._safe import ANSI, CONTROL

__all__ = ["ANSI", "NUMBER", "Source", "clean", "decode", "segments", "to_float"]
from valgap.model import InputError

HEAD_BYTES = 64 * 1024

# a progress bar redraws with \r or runs of \b: each piece is one state of the line
REDRAW = re.compile(r"[\r\x08]+")

_MAGIC = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open, b"\xfd7zXZ\x00": lzma.open}


SPOOL_BYTES = 32 * 1024 * 1024  # standard input beyond this goes to a temporary file


class Source:
    """A log to read: a file path, or ``-`` for standard input.

    Standard input is read once, to its end (a pipe still being written is waited for), into
    memory, or into a temporary file when it is large, so that it can be read more than once.
    """

    def __init__(self, name: str, data: bytes | None = None) -> None:
        self.name = name
        self._data = data
        self._spool: tempfile.SpooledTemporaryFile | None = None
        if name == "-" and data is None:
            self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
            shutil.copyfileobj(sys.stdin.buffer, self._spool, 1 << 20)

    @property
    def path(self) -> Path | None:
        return None if self.name == "-" else Path(self.name)

    def _raw(self) -> io.BufferedIOBase:
        if self._data is not None:
            return io.BytesIO(self._data)
        if self._spool is not None:
            self._spool.seek(0)
            return _Unclosed(self._spool)  # type: ignore[return-value]
        try:
            return open(self.name, "rb")
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), self.name, code="unreadable") from exc

    def open_binary(self) -> io.BufferedIOBase:
        """The decompressed byte stream."""
        raw = self._raw()
        start = raw.read(6)
        raw.seek(0)
        for magic, opener in _MAGIC.items():
            if start.startswith(magic):
                return opener(raw)  # type: ignore[no-any-return, operator]
        return raw

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open_binary() as stream:
            try:
                return stream.read(size)
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise InputError(f"cannot decompress: {exc}", self.name) from exc

    def encoding(self) -> str:
        return sniff_encoding(self.head(4096))

    def text(self) -> str:
        """The whole decoded text (for small structured files: CSV, JSON)."""
        with self.open_binary() as stream:
            try:
                data = stream.read()
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise InputError(f"cannot decompress: {exc}", self.name) from exc
        return decode(data)

    def lines(self) -> Iterator[str]:
        """Decoded lines, streamed, with their line ends removed (\\r inside a line kept)."""
        enc = self.encoding()
        with self.open_binary() as stream:
            reader = codecs.getreader(enc)(stream, errors="replace")
            pending = ""
            while True:
                try:
                    chunk = reader.read(1 << 20)
                except (OSError, EOFError, lzma.LZMAError) as exc:
                    raise InputError(f"cannot decompress: {exc}", self.name) from exc
                if not chunk:
                    break
                parts = (pending + chunk).split("\n")
                pending = parts.pop()
                for part in parts:
                    yield part[:-1] if part.endswith("\r") else part
            if pending:
                yield pending


class _Unclosed:
    """The spooled standard input, handed out many times: closing a reader keeps it open."""

    closed = False

    def __init__(self, spool) -> None:
        self._spool = spool

    def read(self, size: int = -1) -> bytes:
        return self._spool.read(size)

    read1 = read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._spool.seek(offset, whence)

    def tell(self) -> int:
        return self._spool.tell()

    def close(self) -> None:
        pass

    def __enter__(self) -> _Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 without BOM: every other byte of ASCII text is zero
    if len(head) >= 4 and head[1:40:2].count(0) > 15:
        return "utf-16-le"
    return "utf-8"


def decode(data: bytes) -> str:
    text = data.decode(sniff_encoding(data[:4096]), errors="replace")
    return text.replace("\r\n", "\n")


def segments(line: str) -> list[str]:
    """The printable states of one raw line: ANSI removed, split at \\r and \\b redraws."""
    line = ANSI.sub("", line)
    return [CONTROL.sub("", s) for s in REDRAW.split(line) if s.strip()]


def clean(line: str) -> str:
    """The final visible state of one raw line."""
    parts = segments(line)
    return parts[-1] if parts else ""


NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf(?:inity)?"


def to_float(text: str) -> float:
    return float(text.replace(",", "")) if text.lower() not in ("nan", "-nan", "+nan") \
        else float("nan")
