"""The data rows of a CSV file as DataFrames, in file order, in memory that does not grow
with the file.

pandas' C parser reads a whole local file on several threads, but its chunked mode (the one
that keeps memory flat) runs on one. So a plain local UTF-8 file is cut here into windows of
whole lines, and two windows are parsed at once (the tokenizer releases the GIL); anything
else (standard input, compressed files, other encodings, quoted fields, which may hold a
line end) goes through the chunked reader as it is.
"""
from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Callable, Iterator

from valgap.parsers._text import too_big

CHUNK_ROWS = 500_000  # rows per chunk on the one-thread path
WINDOW_BYTES = 16 << 20  # bytes per window on the threaded path
WORKERS = 2  # windows parsed at once (at most one more waits, parsed, to be used)


def streamed(source, options: dict, skip: int, prepare: Callable) -> Iterator:
    """``prepare`` of each chunk of the rows after the first ``skip`` lines of the source's
    stream, parsed with ``pandas.read_csv(**options)`` on this thread."""
    import pandas as pd

    with source.open_binary() as raw:
        for chunk in pd.read_csv(raw, skiprows=skip, chunksize=CHUNK_ROWS, **options):
            yield prepare(chunk)


def threaded(path: str, options: dict, skip: int, max_bytes: int,
             prepare: Callable) -> Iterator:
    """The same for a plain file: windows of whole lines after the first ``skip`` lines, to
    its end as it is now, each read, parsed and prepared by a worker and handed on in order
    (at most ``WORKERS + 1`` held at once)."""
    from concurrent.futures import ThreadPoolExecutor

    with open(path, "rb") as file, ThreadPoolExecutor(WORKERS,
                                                      thread_name_prefix="valgap-csv") as pool:
        fd, size = file.fileno(), os.fstat(file.fileno()).st_size
        if size > max_bytes:
            raise too_big(path, max_bytes)
        for _ in range(skip):  # the header and any title lines
            file.readline()
        start = file.tell()
        pending: deque = deque()
        for low in range(start, size, WINDOW_BYTES):
            pending.append(pool.submit(_read_window, fd, low, start, size, options, prepare))
            if len(pending) > WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _read_window(fd: int, low: int, start: int, size: int, options: dict,
                 prepare: Callable):
    """The lines that begin in ``[low, low + WINDOW_BYTES)``, parsed and prepared."""

    # from one byte before, so that a line end just before ``low`` is seen
    first = low if low == start else low - 1
    data = os.pread(fd, WINDOW_BYTES + (low - first) + (1 << 16), first)
    while data.find(b"\n", WINDOW_BYTES + (low - first) - 1) < 0 and first + len(data) < size:
        more = os.pread(fd, 1 << 20, first + len(data))  # a long last line: read on
        if not more:
            break
        data += more
    begin = 0 if low == start else data.find(b"\n") + 1
    end = data.find(b"\n", WINDOW_BYTES + (low - first) - 1) + 1 or len(data)
    if begin == 0 and low != start:  # no line starts in this window
        begin = end
    return prepare(_parse(data[begin:end], options))


def _parse(window: bytes, options: dict):
    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(window), **options)
    except pd.errors.EmptyDataError:  # a window of blank lines (or only the header)
        return pd.DataFrame(columns=options["usecols"])


def can_thread(head: bytes, encoding: str, local_file: bool, size: int = 0) -> bool:
    """Whether reading in windows on threads pays and is right: a local file (not standard
    input, not compressed) of more than one window (a small file would pay for a thread
    pool and read one window), in UTF-8 with ``\\n`` line ends and no quoted field (windows
    cut at line ends then hold whole rows)."""
    return (local_file and size > WINDOW_BYTES and encoding in ("utf-8", "utf-8-sig")
            and b"\n" in head and b'"' not in head)
