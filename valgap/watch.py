"""`valgap watch LOG`: follow a log while training writes it.

The file is read incrementally (only new bytes at each poll), fed line by line to the
format's reader, and the verdict is redrawn after each completed epoch: in place on a
terminal, one line per epoch otherwise. A truncated or replaced (rotated) file is read again
from its start. The watch ends on Ctrl-C, at the end of standard input, or after
``--idle`` seconds without new data, and prints the final verdict.
"""
from __future__ import annotations

import codecs
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from valgap import config as config_module
from valgap import exitcodes
from valgap._safe import printable, shown
from valgap.model import InputError, Result
from valgap.parsers import pickled, tb_events
from valgap.parsers._text import open_regular, sniff_encoding

WHOLE_FILE_FORMATS = ("hf-trainer-state", "notebook", "tb-export", "history-json")


@dataclass
class WatchJob:
    path: str
    input_format: str | None = None
    config_path: str | None = None
    fail_on: set[str] = field(default_factory=set)
    interval: float = 1.0
    idle: float | None = None
    plot: bool = True
    color: str = "auto"
    fmt: str = "text"  # json: only the final result, as `analyze --format json` writes it


@dataclass
class WatchStats:
    bytes_read: int = 0
    polls: int = 0
    redraws: int = 0
    resets: int = 0


class Follower:
    """New complete lines of a growing file (or of standard input) at each poll."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stream = None
        self.inode: int | None = None
        self.offset = 0
        self.pending = ""  # the last line so far, not ended yet
        self.decoder = None  # bytes to text, in the log's encoding (told by its first bytes)
        self.head = b""  # the first bytes, until there are enough to tell the encoding
        self.ended = False
        self.bytes_read = 0
        self.whole = False  # a file rewritten whole at each save: any change re-reads it
        self.mtime = 0
        self.binary: bytearray | None = None  # a piped TensorBoard event file, kept whole

    def poll(self) -> tuple[list[str], bool]:
        """(new lines, whether the file was truncated or replaced since the last poll)."""
        if self.path == "-":
            return self._poll_stdin(), False
        reset = self._reopen_if_needed()
        if self.stream is None:
            return [], reset
        data = self.stream.read()
        if not self.offset and pickled.is_pickled(data):
            raise InputError("a pickled history is saved whole when training ends, not "
                             "written as it goes: valgap analyze reads it", self.path,
                             code="usage")
        self.offset += len(data)
        self.bytes_read += len(data)
        lines = self._split(data)
        if self.whole and self.pending:  # a file saved whole is complete as it stands
            lines.append(self.take_pending())
        return lines, reset

    def _poll_stdin(self) -> list[str]:
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise InputError("standard input is closed", "-", code="unreadable")
        data = sys.stdin.buffer.read1(1 << 16)  # what the pipe holds now, at least one byte
        if not data:
            self.ended = True
            return self._split(b"")  # the last line ends with the input
        if not self.bytes_read and (tb_events.is_event_stream(data)
                                    or pickled.is_pickled(data)):
            self.binary = bytearray()  # kept whole, read when the pipe ends
        self.bytes_read += len(data)
        if self.binary is not None:  # records, not lines: read when the pipe ends
            self.binary += data
            return []
        return self._split(data)

    def _reopen_if_needed(self) -> bool:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return False  # not written yet, or between a rotation's move and create
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), self.path, code="unreadable") from None
        unchanged = stat.st_ino == self.inode and (
            (stat.st_size, stat.st_mtime_ns) == (self.offset, self.mtime) if self.whole
            else stat.st_size >= self.offset)
        if self.stream is not None and unchanged:
            return False
        reset = self.stream is not None
        if self.stream is not None:
            self.stream.close()
        # a regular file only: opening a FIFO blocks, a folder or socket cannot be followed
        self.stream = open_regular(self.path)
        self.inode, self.offset, self.pending = stat.st_ino, 0, ""
        self.decoder, self.head = None, b""
        self.mtime = stat.st_mtime_ns
        return reset

    def take_pending(self) -> str:
        """The last line so far, which has no newline yet."""
        line, self.pending = self.pending, ""
        return line.rstrip("\r")

    def _split(self, data: bytes) -> list[str]:
        """Lines decoded as ``read`` decodes the file (UTF-8, or UTF-16 by its BOM or its
        zero bytes), a character split across two reads kept for the next; at the end of
        the input, the last line is complete."""
        if self.decoder is None:
            self.head += data
            if len(self.head) < 4 and not self.ended:
                return []  # too little to tell the encoding yet
            data, self.head = self.head, b""
            encoding = sniff_encoding(data[:4096])
            self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        text = self.pending + self.decoder.decode(data, final=self.ended)
        if self.ended and text and not text.endswith("\n"):
            text += "\n"
        parts = text.split("\n")
        self.pending = parts.pop()
        return [part.rstrip("\r") for part in parts]

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def watch(job: WatchJob, out: IO[str] | None = None, err: IO[str] | None = None,
          stats: WatchStats | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    stats = stats if stats is not None else WatchStats()
    try:
        cfg = config_module.load(Path(job.config_path) if job.config_path
                                 else config_module.find(job.path))
    except config_module.ConfigError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    session = _Session(job, cfg, out)
    follower = Follower(job.path)
    interrupted = False
    try:
        session.follow(follower, stats)
    except KeyboardInterrupt:  # Ctrl-C ends the watch: the final verdict, then exit 130
        err.write("valgap: watch stopped\n")
        interrupted = True
    except InputError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    finally:
        follower.close()
        stats.bytes_read = follower.bytes_read
    try:
        result = session.final()
    except InputError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    if interrupted:
        return exitcodes.INTERRUPTED
    if result is None:
        err.write(f"valgap: {shown(job.path)}: no complete epoch was written\n")
        return exitcodes.USAGE
    return exitcodes.FINDINGS if job.fail_on and result.fired & job.fail_on else exitcodes.OK



class _Session:
    def __init__(self, job: WatchJob, cfg, out: IO[str]) -> None:
        from valgap.render import RenderOptions, terminal_width, use_color

        self.job, self.cfg, self.out = job, cfg, out
        self.live = hasattr(out, "isatty") and out.isatty()
        self.opts = RenderOptions(color=use_color(out, job.color), width=terminal_width(out),
                                  plot=job.plot)
        # on a terminal: the report fits the screen above a status line (the full report
        # comes when the watch ends)
        self.rows = _rows(out) if self.live else None
        self.screen = replace(self.opts, height=self.rows - 1) if self.rows else self.opts
        self.status_at = 0.0
        self.reader = None
        self.head: list[str] = []
        self.head_bytes = 0
        self.tried = 0  # head_bytes at the last detection: tried again once it has doubled
        self.line_no = 0
        self.shown = 0

    def follow(self, follower: Follower, stats: WatchStats) -> None:
        self.follower = follower
        idle_since = time.monotonic()
        if self.rows and self.job.fmt == "text":
            self.out.write("\x1b[H\x1b[2J")
        while True:
            before = follower.bytes_read
            lines, reset = follower.poll()
            stats.polls += 1
            self._status(idle_since)
            if reset:
                stats.resets += 1
                self._restart()
            if not lines and self.reader is None:
                lines = self._saved_whole(follower)
            if lines:
                idle_since = time.monotonic()
                self._feed(lines, stats)
                self._status(idle_since, now=True)
            elif follower.ended or (self.job.idle is not None
                                    and time.monotonic() - idle_since > self.job.idle):
                if follower.pending:  # the log's last line, with no newline at its end
                    self._feed([follower.take_pending()], stats)
                if self.reader is None and self.head:  # what analyze would say of it
                    self._feed([], stats, final=True)
                return
            elif follower.bytes_read == before:  # nothing new: wait (a long line may be
                time.sleep(self.job.interval)    # arriving in pieces: then read on)

    def _status(self, last_write: float, now: bool = False) -> None:
        """The screen's last row: the last epoch, how much was read, how long ago the log
        was last written and what is watched (redrawn about once a second)."""
        if not self.rows or self.job.fmt != "text":
            return
        clock = time.monotonic()
        if not now and clock - self.status_at < 1.0:
            return
        self.status_at = clock
        epoch = f"epoch {self.shown}" if self.shown else "waiting for the first epoch"
        # what changes first: a long file name is what the terminal's width cuts
        text = (f"{epoch} · {_size(self.follower.bytes_read)} read · last write "
                f"{clock - last_write:.0f} s ago · Ctrl-C ends · watching {shown(self.job.path)}")
        self.out.write(f"\x1b7\x1b[{self.rows};1H\x1b[2K\x1b[2m{text[:self.opts.width]}"
                       "\x1b[0m\x1b8")
        self.out.flush()

    def _saved_whole(self, follower: Follower) -> list[str]:
        """A file saved whole with no newline at its end (a JSON document) is complete as
        it stands: its one unfinished line, once it shows such a format."""
        if follower.path == "-" or not follower.pending:
            return []  # a pipe's last line is complete only at its end
        if self._format([*self.head, follower.pending.rstrip("\r")]) \
                not in WHOLE_FILE_FORMATS:
            return []
        follower.whole = True
        return [follower.take_pending()]

    def _restart(self) -> None:
        self.reader, self.head, self.head_bytes, self.line_no, self.shown = None, [], 0, 0, 0
        self.tried = 0
        if not self.follower.whole and self.job.fmt == "text":
            self.out.write("valgap: the log was truncated or replaced; reading it from the "
                           "start\n")

    def _feed(self, lines: list[str], stats: WatchStats, final: bool = False) -> None:
        if self.reader is None:
            self.head += lines
            self.head_bytes += sum(len(line) + 1 for line in lines)
            if not self._start_reader(final):
                return
            lines, self.head = self.head, []
        for line in lines:
            self.line_no += 1
            self.reader.feed(line, self.line_no)
        self._update(stats)

    def _format(self, lines: list[str], final: bool = False) -> str | None:
        """The format of the log's first lines, as ``analyze`` would detect it, or None
        while they do not show it. Tried again each time the head has doubled (linear in
        the log's length); given up where ``analyze`` gives up, or at the log's end."""
        from valgap.parsers import SCAN_BYTES, detect
        from valgap.parsers._text import Source

        if self.job.input_format:
            return self.job.input_format
        if not final and self.head_bytes < 2 * self.tried:
            return None
        self.tried = self.head_bytes
        try:
            return detect(Source(self.job.path, "\n".join(lines).encode()))
        except InputError:
            if final or self.head_bytes > SCAN_BYTES:
                raise
            return None

    def _start_reader(self, final: bool = False) -> bool:
        from valgap.parsers import incremental

        fmt = self._format(self.head, final)
        if fmt is None:
            return False
        # rewritten whole at each save, not appended to: read again whenever it changes
        self.follower.whole = fmt in WHOLE_FILE_FORMATS
        self.reader = incremental(fmt, self.job.path)
        return True

    def current(self, final: bool = False) -> Result | None:
        from valgap import engine

        if final and self.follower.binary is not None:
            results = engine.analyze_input("-", self.cfg, data=bytes(self.follower.binary))
            if results[0].error is not None:
                raise results[0].error
            return results[0]
        if self.reader is None:
            return None
        runs = self.reader.finish() if final else self.reader.runs()
        if not runs or not any(run.epochs for run in runs):
            return None
        return engine.analyze_last(runs, self.cfg, self.job.path)

    def _update(self, stats: WatchStats) -> None:
        if self.job.fmt == "json":
            return  # one object, at the end
        if self.follower.whole and self.follower.path == "-" and not self.follower.ended:
            return  # a file saved whole, piped: complete only at its end
        result = self.current()
        if result is None or result.run.epochs <= self.shown:
            return
        stats.redraws += 1
        if self.live:
            from valgap.render.text import report

            self.out.write("\x1b[H\x1b[2J" + report(result, self.screen))
        else:  # one line per epoch completed since the last poll; the verdict on the newest
            for position in range(self.shown + 1, result.run.epochs + 1):
                last = position == result.run.epochs
                self.out.write(epoch_line(result, position, verdict=last) + "\n")
        self.shown = result.run.epochs
        self.out.flush()

    def final(self) -> Result | None:
        result = self.current(final=True)
        if result is not None and self.job.fmt == "json":
            from valgap.render import render

            render("json", [result], self.out)
            self.out.flush()
        elif result is not None:
            from valgap.render.text import report

            self.out.write(("" if self.live else "\n") + "final: " + report(result, self.opts))
            self.out.flush()
        return result


def _rows(stream: IO[str]) -> int | None:
    """The terminal's height, when there is one and it is big enough to be fitted."""
    try:
        rows = os.get_terminal_size(stream.fileno()).lines
    except (OSError, ValueError, AttributeError):
        return None
    return rows if rows >= 8 else None


def _size(count: int) -> str:
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def epoch_line(result: Result, position: int, verdict: bool = True) -> str:
    """``epoch 7  train_loss 0.41  val_loss 0.30  | val-below-train · dropout (0.85)``."""
    table = result.run.table
    row = table.iloc[position - 1]
    values = "  ".join(f"{c} {row[c]:.4g}" for c in ("train_loss", "val_loss") if c in table)
    line = f"epoch {table.index[position - 1]}  {values}"
    if not verdict:
        return line
    fit = result.fit.fit if result.fit else None
    cause = f" · {result.causes[0].rule} ({result.causes[0].confidence:.2f})" \
        if result.causes else ""
    return f"{line}  | {fit or 'no fit yet'}{cause}"
