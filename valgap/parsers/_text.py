"""Bytes to clean text lines: decompression, encodings, ANSI and carriage-return cleanup.

Shared by every text parser so that each of them sees the same, printable text.
"""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import itertools
import lzma
import math
import os
import re
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr

from valgap._safe import ANSI, CONTROL

__all__ = ["ANSI", "NUMBER", "Limits", "Source", "cell_float", "clean", "decode", "segments",
           "to_float"]
from valgap.model import InputError

HEAD_BYTES = 64 * 1024
# the name endings of a file that may be a log (compressed ones too, and none at all), for
# whatever finds logs: a folder's walk, a URL's staging
LOG_SUFFIXES = {".log", ".txt", ".out", ".csv", ".tsv", ".json", ".jsonl", ".ipynb", ".gz",
                ".bz2", ".xz", ".pkl", ".pickle", ".npy", ".pt", ".pth", ".ckpt", ""}
# a line longer than this is handed over in pieces, each cut just after a redraw (\r, \b),
# so that a capture that never prints a newline (a bar redrawn for hours) streams in
# bounded memory and every piece still holds whole redraw states
MAX_LINE = 1 << 20

# a progress bar redraws with \r or runs of \b: each piece is one state of the line
REDRAW = re.compile(r"[\r\x08]+")


class LazyPattern:
    """A regular expression compiled when first used: a format's patterns cost start-up
    nothing until a log of that format is read (compiling all of them took ~7 ms of a small
    log's ~70). After the first use its methods are the compiled pattern's own, bound to
    the instance: no cost per call."""

    _METHODS = ("match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str):  # reached only until the first use
        compiled = re.compile(*self.__dict__["_args"])
        for method in self._METHODS:
            setattr(self, method, getattr(compiled, method))
        for attribute in ("pattern", "flags", "groups", "groupindex"):
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


_MAGIC = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open, b"\xfd7zXZ\x00": lzma.open}
# what a damaged compressed stream raises: gzip's OSError/EOFError/zlib.error, bz2's
# OSError/EOFError, lzma's LZMAError
DECOMPRESS_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)

SPOOL_BYTES = 32 * 1024 * 1024  # standard input beyond this goes to a temporary file


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input may cost; hitting one makes the input unreadable, with one
    line naming the limit and the option that raises it."""

    max_bytes: int = 4 << 30   # bytes read from one input, after decompression
    max_runs: int = 1000       # runs in one input (the epoch numbering starting over)


class Source:
    """A log to read: a file path, or ``-`` for standard input.

    Standard input is read once, to its end (a pipe still being written is waited for), into
    memory, or into a temporary file when it is large, so that it can be read more than once.
    Only regular files are opened: a FIFO or a device named as an input would block or never
    end, so it is refused (its data can be piped to standard input instead).
    """

    def __init__(self, name: str, data: bytes | None = None,
                 limits: Limits | None = None) -> None:
        self.name = name
        self.limits = limits or Limits()
        self._data = data
        self._spool: tempfile.SpooledTemporaryFile | None = None
        if name == "-" and data is None:
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                raise InputError("standard input is closed", name, code="unreadable")
            self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
            _copy_bounded(sys.stdin.buffer, self._spool, self.limits.max_bytes, name)

    @property
    def path(self) -> Path | None:
        return None if self.name == "-" else Path(self.name)

    def _raw(self) -> io.BufferedIOBase:
        if self._data is not None:
            return io.BytesIO(self._data)
        if self._spool is not None:
            return _Unclosed(self._spool)  # type: ignore[return-value]
        return open_regular(self.name)

    def open_binary(self) -> io.BufferedIOBase:
        """The decompressed byte stream, bounded by ``limits.max_bytes``."""
        raw = self._raw()
        start = raw.read(6)
        raw.seek(0)
        for magic, opener in _MAGIC.items():
            if start.startswith(magic):
                return _Bounded(opener(raw), self.limits.max_bytes,  # type: ignore[operator]
                                self.name, under=raw)
        return _Bounded(raw, self.limits.max_bytes, self.name)

    def is_plain_file(self) -> bool:
        """A file on disk, read as it is (not standard input, not compressed)."""
        if self.path is None or self._data is not None:
            return False
        with self._raw() as raw:
            start = raw.read(6)
        return not any(start.startswith(magic) for magic in _MAGIC)

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open_binary() as stream:
            return stream.read(size)

    def encoding(self) -> str:
        return sniff_encoding(self.head(4096))

    def text(self) -> str:
        """The whole decoded text (for small structured files: CSV, JSON)."""
        with self.open_binary() as stream:
            data = stream.read()
        return decode(data)

    def lines(self) -> Iterator[str]:
        """Decoded lines, streamed, with their line ends removed (\\r inside a line kept);
        a line longer than ``MAX_LINE`` comes in pieces cut after a redraw."""
        for _, piece in self.numbered():
            yield piece

    def numbered(self) -> Iterator[tuple[int, str]]:
        """(line number from 1, text) of each line, or of each piece of a very long line."""
        with self.open_binary() as stream:
            reader = codecs.getreader(self.encoding())(stream, errors="replace")
            yield from _split_lines(iter(lambda: reader.read(1 << 20), ""))

    def numbered_runs(self, runs: re.Pattern, skeleton: Skeleton,
                      may_skip: Callable[[], bool]) -> Iterator[tuple[int, str | int]]:
        """``numbered``, except that a stretch of whole lines that ``runs`` matches (each
        line of it ended by its newline) comes as one item: the number of its last line and
        how many lines it holds (an int), when ``may_skip()`` says so as it is reached. A
        tqdm-heavy log is millions of bar lines: one regular expression over each block of
        text passes them, where a Python call per line costs a microsecond each. UTF-8 is
        read as bytes, the stretches found on each block's ``skeleton`` (a tenth of its
        bytes), and only the lines not passed are decoded."""
        enc = self.encoding()
        with self.open_binary() as stream:
            if enc in ("utf-8", "utf-8-sig"):
                blocks = iter(lambda: stream.read(1 << 20), b"")
                first = next(blocks, b"")
                if enc == "utf-8-sig" and first.startswith(codecs.BOM_UTF8):
                    first = first[3:]
                yield from _skeleton_runs(itertools.chain([first], blocks), skeleton, runs,
                                          may_skip)
                return
            reader = codecs.getreader(enc)(stream, errors="replace")
            yield from _split_runs(iter(lambda: reader.read(1 << 20), ""), runs, may_skip)

    def numbered_reduced(self, reduce: Callable, longer_than: int) -> Iterator[tuple[int, str]]:
        """``numbered`` with each line longer than ``longer_than`` passed through ``reduce``
        before it is decoded: a capture's megabyte lines of bar redraws are cut to what
        matters as bytes, and only that is decoded. (``reduce`` takes str or bytes.)"""
        enc = self.encoding()
        if enc not in ("utf-8", "utf-8-sig"):  # \r and \b are single bytes only in UTF-8
            for line_no, line in self.numbered():
                yield line_no, reduce(line) if len(line) > longer_than else line
            return
        for line_no, raw in self._byte_lines(enc == "utf-8-sig"):
            if len(raw) > longer_than:
                raw = reduce(raw)
            yield line_no, raw.decode("utf-8", errors="replace")

    def _byte_lines(self, bom: bool) -> Iterator[tuple[int, bytes]]:
        """The lines of the decompressed stream as bytes (see ``numbered``)."""
        with self.open_binary() as stream:
            blocks = iter(lambda: stream.read(1 << 22), b"")
            first = next(blocks, b"")
            if bom and first.startswith(codecs.BOM_UTF8):
                first = first[3:]
            yield from _split_lines(itertools.chain([first], blocks))


def _split_lines(blocks: Iterator[AnyStr]) -> Iterator[tuple[int, AnyStr]]:
    """(line number, line) of text arriving in blocks (str or bytes), line ends removed
    (``\r`` inside a line kept); a line longer than ``MAX_LINE`` comes in pieces cut after
    a redraw. A block is split whole (one C call, not a search per line)."""
    pending: list = []  # the start of the current line, in blocks
    size, line_no, joiner = 0, 1, None
    for block in blocks:
        if joiner is None:
            joiner, nl, cr = (("", "\n", "\r") if isinstance(block, str) else
                              (b"", b"\n", b"\r"))
        lines = block.split(nl)
        if len(lines) > 1:
            if pending:
                lines[0] = joiner.join([*pending, lines[0]])
                pending, size = [], 0
            rest = lines.pop()
            for line in lines:
                yield line_no, line[:-1] if line.endswith(cr) else line
                line_no += 1
        else:
            rest = lines[0]
        if rest:
            pending.append(rest)
            size += len(rest)
        if size > MAX_LINE:
            piece, rest = _cut(joiner.join(pending))
            yield line_no, piece
            pending, size = [rest], len(rest)
    if size:
        yield line_no, joiner.join(pending)


def _split_runs(blocks: Iterator[str], runs: re.Pattern, may_skip: Callable[[], bool]
                ) -> Iterator[tuple[int, str | int]]:
    """``_split_lines`` of decoded text, with stretches that ``runs`` matches passed whole
    (see ``Source.numbered_runs``): a line is cut into pieces as ``_split_lines`` cuts it
    (only while it is still open at a block's end and longer than ``MAX_LINE``)."""
    carry, line_no = "", 1
    for block in blocks:
        text = carry + block if carry else block
        end = text.rfind("\n") + 1
        body, carry = text[:end], text[end:]
        if body:
            line_no = yield from _text_runs(body, line_no, runs, may_skip)
        while len(carry) > MAX_LINE:
            piece, carry = _cut(carry)
            yield line_no, piece
    if carry:
        yield line_no, carry


def _text_runs(body: str, line_no: int, runs: re.Pattern, may_skip: Callable[[], bool]
               ) -> Iterator[tuple[int, str | int]]:
    """The lines of ``body`` (whole lines, numbered from ``line_no``) and the stretches
    ``runs`` matches in it (see ``_split_runs``); returns the number of the line after it."""
    at = 0
    # the lines before each stretch, then the body's last ones (after a None)
    for found in [*runs.finditer(body), None]:
        stop = found.start() if found is not None else len(body)
        for line in body[at:stop].split("\n")[:-1]:
            yield line_no, line[:-1] if line.endswith("\r") else line
            line_no += 1
        at = stop
        if found is not None and may_skip():
            count = body.count("\n", found.start(), found.end())
            line_no += count
            yield line_no - 1, count
            at = found.end()
    return line_no


@dataclass(frozen=True)
class Skeleton:
    """Lines reduced to the bytes their shape rests on: ``table`` maps bytes (as
    ``bytes.translate`` does), ``delete`` drops the rest, and ``runs`` (a bytes pattern)
    matches a stretch of whole reduced lines, each ended by its newline; each such line
    ends with ``last`` (a byte) before its newline in the text itself, or the stretch is
    read from its text, as lines holding ``marker`` between stretches are."""

    table: bytes
    delete: bytes
    runs: re.Pattern | LazyPattern
    last: bytes
    marker: bytes


def _skeleton_runs(blocks: Iterator[bytes], skeleton: Skeleton, runs: re.Pattern,
                   may_skip: Callable[[], bool]) -> Iterator[tuple[int, str | int]]:
    """``_split_runs`` of UTF-8 bytes: the stretches found on each block's skeleton (where
    one is not, ``runs`` over its decoded text finds them), the other lines decoded and
    handed over one by one (a line still open at a block's end and longer than
    ``MAX_LINE`` is cut as ``_split_lines`` cuts it, at a character's end)."""
    carry, line_no = b"", 1
    for block in blocks:
        text = carry + block if carry else block
        end = text.rfind(b"\n") + 1
        body, carry = text[:end], text[end:]
        if body:
            line_no = yield from _body_runs(body, line_no, skeleton, runs, may_skip)
        while len(carry) > MAX_LINE:
            piece, carry = _cut(carry)
            if not carry:  # no redraw to cut after: keep a character's start with its end
                at = _character_start(piece)
                piece, carry = piece[:at], piece[at:]
            yield line_no, piece.decode("utf-8", errors="replace")
    if carry:
        yield line_no, carry.decode("utf-8", errors="replace")


def _body_runs(body: bytes, line_no: int, skeleton: Skeleton, runs: re.Pattern,
               may_skip: Callable[[], bool]) -> Iterator[tuple[int, str | int]]:
    """The lines of ``body`` (whole lines) and its stretches (see ``_skeleton_runs``);
    returns the number of the line after it."""
    reduced = body.translate(skeleton.table, skeleton.delete)  # newlines kept, one a line
    ends = other = None  # each line's newline; how many lines before each end otherwise
    line, at = 0, 0  # the first line not handed over yet; where its reduced form starts
    for found in skeleton.runs.finditer(reduced):
        if ends is None:
            ends, other = _line_ends(body, skeleton.last)
        first = line + reduced.count(b"\n", at, found.start())
        count = reduced.count(b"\n", found.start(), found.end())
        if other[first + count] != other[first]:
            continue  # a line of it goes on past its bar: read with the lines around it
        start = _start(ends, first)
        if first > line:
            yield from _lines_between(body[_start(ends, line):start], line_no, skeleton,
                                      runs, may_skip)
            line_no, line, at = line_no + first - line, first, found.start()
        if may_skip():
            yield line_no + count - 1, count
            line_no, line, at = line_no + count, line + count, found.end()
    rest = body[_start(ends, line):] if line else body
    yield from _lines_between(rest, line_no, skeleton, runs, may_skip)
    return line_no + rest.count(b"\n")


def _lines_between(chunk: bytes, line_no: int, skeleton: Skeleton, runs: re.Pattern,
                   may_skip: Callable[[], bool]) -> Iterator[tuple[int, str | int]]:
    """Whole lines between stretches, one by one; where the skeleton's marker is among
    them (a stretch it could not pass: a bar with text after it), as ``runs`` finds
    stretches in their decoded text."""
    if skeleton.marker in chunk:
        yield from _text_runs(chunk.decode("utf-8", errors="replace"), line_no, runs, may_skip)
    else:
        yield from _decoded_lines(chunk, line_no)


def _line_ends(body: bytes, last: bytes) -> tuple:
    """Where each line of ``body`` (whole lines) ends (its newline), and for each count of
    lines from the first, how many of them end otherwise than with ``last`` (numpy arrays:
    pandas' own dependency, loaded already by the table reader)."""
    import numpy

    data = numpy.frombuffer(body, numpy.uint8)
    ends = numpy.flatnonzero(data == 10)
    before = data[numpy.maximum(ends - 1, 0)]  # an empty first line: its own newline
    otherwise = numpy.concatenate(([0], numpy.cumsum(before != last[0])))
    return ends, otherwise


def _start(newlines, line: int) -> int:
    """Where line ``line`` (from 0) of a body starts."""
    return int(newlines[line - 1]) + 1 if line else 0


def _decoded_lines(chunk: bytes, line_no: int) -> Iterator[tuple[int, str]]:
    for line in chunk.decode("utf-8", errors="replace").split("\n")[:-1]:
        yield line_no, line[:-1] if line.endswith("\r") else line
        line_no += 1


def _character_start(data: bytes) -> int:
    """Where a UTF-8 character cut short at the end of ``data`` starts (its length if none
    is): continuation bytes are 10xxxxxx, a sequence of n bytes leads with n ones."""
    at = len(data)
    back = 1
    while back <= 3 and back <= len(data) and data[-back] & 0xC0 == 0x80:
        back += 1
    if back <= len(data) and data[-back] >= 0xC0:
        lead = data[-back]
        size = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if size > back:
            at = len(data) - back
    return at


def _cut(text):
    """A long line (str or bytes) split just after its last redraw (or anywhere, if it
    has none)."""
    cr, bs = ("\r", "\x08") if isinstance(text, str) else (b"\r", b"\x08")
    at = max(text.rfind(cr), text.rfind(bs))
    at = at + 1 if at > 0 else len(text)
    return text[:at], text[at:]


def open_regular(name: str) -> io.BufferedIOBase:
    """A regular file opened for reading; anything else is an ``InputError`` saying why."""
    try:
        mode = os.stat(name).st_mode
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), name, code="unreadable") from None
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else \
            "a folder" if stat.S_ISDIR(mode) else "a device"
        hint = "" if kind == "a folder" else ("; pipe its data to standard input instead: "
                                              "valgap analyze - < FILE")
        raise InputError(f"not a regular file ({kind}){hint}", name, code="unreadable")
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), name, code="unreadable") from None


def too_big(name: str, limit: int) -> InputError:
    return InputError(f"more than {_size(limit)} of data (after decompression): over the "
                      f"input size limit; raise it with --max-input-size", name,
                      code="limit")


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


def _copy_bounded(src, dst, limit: int, name: str) -> None:
    copied = 0
    while True:
        block = src.read(1 << 20)
        if not block:
            return
        copied += len(block)
        if copied > limit:
            raise too_big(name, limit)
        dst.write(block)


class _Bounded(io.RawIOBase):
    """A decompressed stream that turns decompression errors and the size limit into
    ``InputError``s."""

    def __init__(self, inner, limit: int, name: str, under=None) -> None:
        self._inner = inner
        self._under = under  # the file a decompressor reads (which closing it leaves open)
        self._limit = limit
        self._name = name
        self._count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:  # to the end, in blocks, so the limit stops a bomb early
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        try:
            data = self._inner.read(size)
        except DECOMPRESS_ERRORS as exc:
            raise InputError(f"cannot decompress: {exc}", self._name,
                             code="unreadable") from None
        self._count += len(data)
        if self._count > self._limit:
            raise too_big(self._name, self._limit)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            if self._under is not None:
                self._under.close()
            super().close()


class _Unclosed:
    """One reader of the spooled standard input, which is handed out many times: each
    reader keeps its own position (a reader opened while another is half-way, as the
    encoding sniff is inside ``numbered``, must not move the other), and closing a reader
    keeps the spool open."""

    closed = False

    def __init__(self, spool) -> None:
        self._spool = spool
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        self._spool.seek(self._pos)
        data = self._spool.read(size)
        self._pos += len(data)
        return data

    read1 = read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._spool.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._pos

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


# control characters other than the redraws themselves (\r, \b): most lines have none, and
# one search of the line spares a substitution per state
_OTHER_CONTROL = re.compile(r"[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# an escape sequence as a terminal shows what it does not interpret (``cat -v``, a paste of
# a terminal's scrollback): ESC written as the two characters "^[" ("^[[B^[[BEpoch 29/50")
CARET_CSI = re.compile(r"\^\[\[[0-9;?]{0,64}[@-~]")


def segments(line: str) -> list[str]:
    """The printable states of one raw line: ANSI removed (and its caret notation), split
    at \\r and \\b redraws."""
    if "\x1b" in line:
        line = ANSI.sub("", line)
    if "^[[" in line:
        line = CARET_CSI.sub("", line)
    # str.split is ten times the regular expression's speed; the empty states it leaves
    # between two \r in a row are dropped below as the blank ones are
    states = REDRAW.split(line) if "\x08" in line else line.split("\r")
    if _OTHER_CONTROL.search(line):
        states = [CONTROL.sub("", s) for s in states]
    return [s for s in states if s.strip()]


LONG_LINE = 1 << 16  # longer lines are redraws to reduce (or junk): no print is this long
# the longest line read as a printed Python literal (a history, the Trainer's log_history):
# ~50,000 epochs of a few metrics; parsing a literal costs ~30x its length
LITERAL_LINE_MAX = 1 << 20


def clean(line: str) -> str:
    """The final visible state of one raw line."""
    parts = segments(line)
    return parts[-1] if parts else ""


# bounded digit runs: a number is never longer than a float can say, and an unbounded
# \d+ lets an unanchored search backtrack over a long digit run at every position
NUMBER = (r"[-+]?(?:\d{1,40}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][-+]?\d{1,4})?"
          r"|[-+]?nan|[-+]?inf(?:inity)?")
# a number written as its tensor's or NumPy scalar's repr (str(loss) of a PyTorch tensor,
# NumPy 2's scalars): "tensor(3.1304, device='cuda:0', grad_fn=<DivBackward0>)",
# "np.float32(0.52)"; the number is its group
NUMBER_REPR = (r"(?:tensor|array|(?:np|numpy)\.[a-z]{3,7}\d{0,3})\([ \t]{0,8}(" + NUMBER
               + r")(?:,[^()]{0,200})?\)")


def to_float(text: str) -> float:
    """A number as logged (NaN, inf and thousands separators included)."""
    try:
        return float(text)
    except ValueError:
        return float(text.replace(",", ""))


def cell_float(text: str) -> float | None:
    """A table cell's number as ``to_float`` reads it; None for an empty cell or words."""
    text = text.strip()
    if not text:
        return None
    try:
        return to_float(text)
    except ValueError:
        return None


def to_int(text: str, bound: int = 10**15) -> int | None:
    """A count or an epoch number as logged, or None when it is not a plausible one (more
    digits than any real count has: Python refuses to convert 4,300 digits anyway)."""
    digits = text.replace(",", "").strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 16:
        return None
    value = int(digits)
    return value if value <= bound else None


def load_json(text: str, name: str, what: str = "JSON"):
    """A JSON document, or an ``InputError`` naming the line: also for nesting deeper than
    Python's recursion allows and for integers too long to convert (read as floats)."""
    import json

    try:
        return json.loads(text.lstrip("\ufeff"), parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid {what}: {exc.msg}", name, line=exc.lineno,
                         code="bad-json") from None
    except RecursionError:
        raise InputError(f"not a {what} valgap can read: nested too deeply", name,
                         code="bad-json") from None


def _json_int(text: str) -> int | float:
    # Python refuses to convert more than 4,300 digits; no count or loss needs more than 18
    return int(text) if len(text) <= 18 else float(text)


def as_number(value: object) -> float | None:
    """A JSON or literal value as a float (ints of any size included), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an int beyond the float range
            return math.inf if value > 0 else -math.inf
    return None
