"""One `valgap analyze` invocation: paths -> runs -> results -> report -> exit code; and
one `valgap compare` invocation (``run_compare``).

Kept out of cli.py so that the CLI only declares options, and testable without click.
Inputs are found as the walk goes (``discover.walk``), analysed by an executor (local
worker processes or a Dask cluster, see ``valgap.executors``), and each result is reported
as it comes back, in input order (``executors.window``): memory stays flat however many
runs a batch holds.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from valgap import config as config_module
from valgap import exitcodes
from valgap._safe import error_line, printable, shown
from valgap.discover import Skipped, Target, walk
from valgap.executors import ExecutorError
from valgap.model import InputError, Result
from valgap.parsers._text import Limits

DEFAULT_TIMEOUT = 300.0  # seconds one input may take before it is reported unreadable


@dataclass
class Job:
    inputs: list[str]
    fmt: str = "text"
    input_format: str | None = None
    train_col: str | None = None
    val_col: str | None = None
    config_path: str | None = None
    fail_on: set[str] = field(default_factory=set)
    plot: bool = True
    color: str = "auto"
    all_runs: bool = False
    verbose: bool = False
    jobs: int | None = None
    details: bool = False
    output: str | None = None
    skip_unreadable: bool = False
    max_input_bytes: int = Limits.max_bytes
    max_runs: int = Limits.max_runs
    annotate: bool = False  # tag analysed MLflow runs with their verdicts
    executor: str = "local"  # local | dask
    scheduler: str | None = None  # a Dask scheduler's address (None: DASK_SCHEDULER_ADDRESS)
    timeout: float | None = DEFAULT_TIMEOUT  # per input; None: no limit
    chunk_size: int | None = None  # inputs per task (None: chosen from the batch)
    cwd: str | None = None  # where relative paths are (set for workers elsewhere)

    @property
    def keep_tables(self) -> bool:
        """Whether a report will draw curves: if not, the epoch tables stay where the runs
        were analysed (less to send, and no pandas to load here)."""
        return self.fmt in ("text", "html") or self.details or \
            (self.fmt == "markdown" and self.plot)  # its Mermaid charts


def run(job: Job, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr or open(os.devnull, "w")  # noqa: SIM115 - stderr closed
    if out is None:  # started with standard output closed (`>&-`)
        err.write("valgap: cannot write the report: standard output is closed\n")
        return exitcodes.OUTPUT
    try:
        given = config_module.load(Path(job.config_path)) if job.config_path else None
    except config_module.ConfigError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    if job.output and _is_an_input(job.output, job.inputs):
        err.write(f"valgap: --output {shown(job.output)} is one of the inputs; valgap never "
                  "writes to its inputs\n")
        return exitcodes.USAGE
    batch = _Batch(job, given, out, err)
    try:
        batch.run()
    except BrokenPipeError:
        raise  # the reader went away: the CLI exits 141 quietly
    except ExecutorError as exc:
        err.write(f"valgap: {exc}\n")
        return exitcodes.USAGE
    except OutputError as exc:  # a missing folder for -o, a full disk
        err.write(f"valgap: {exc}\n")
        return exitcodes.OUTPUT
    except OSError as exc:  # standard output on a full disk
        silence_stdout()
        err.write(f"valgap: cannot write the report to standard output: "
                  f"{exc.strerror or exc}\n")
        return exitcodes.OUTPUT
    if not batch.tally.count:
        err.write("valgap: no training log found in the given paths\n")
        return exitcodes.USAGE
    return batch.tally.exit_code()


def _is_an_input(output: str, inputs: list[str]) -> bool:
    for name in inputs:
        try:
            if os.path.samefile(output, name):
                return True
        except OSError:  # either does not exist (yet)
            continue
    return False


class _Batch:
    """The results as they come: to stderr (errors), to the writers, to the tally."""

    def __init__(self, job: Job, given, out: IO[str], err: IO[str]) -> None:
        if job.executor == "dask" and job.cwd is None:  # relative paths, read elsewhere
            job = replace(job, cwd=os.getcwd())
        self.job, self.given, self.out, self.err = job, given, out, err
        self.tally = Tally(job.fail_on, job.skip_unreadable)
        self.named = frozenset(job.inputs)
        self.executor = None

    def run(self) -> None:
        report = _Report(self.job, self.out)
        annotator = None
        if self.job.annotate:
            from valgap.annotate import Annotator

            annotator = Annotator(self.err)
        if self.job.keep_tables:  # loaded while the first input is read elsewhere
            threading.Thread(target=_load_renderer, daemon=True).start()
        try:
            for result in self._results():
                if result.error is not None:
                    error = result.error
                    self.err.write(
                        f"valgap: {error_line(error.source, error.line, error.message)}\n")
                self.tally.add(result)
                if annotator is not None:
                    annotator.add(result)
                report.add(result)
            report.finish(keep=self.tally.count > 0)
            if annotator is not None:
                annotator.finish()
                self.tally.failed_writes += annotator.failed
        except BaseException:  # Ctrl-C, SIGTERM, a closed pipe: stop the work now
            report.abandon()
            if self.executor is not None:
                self.executor.close(cancel=True)
            raise
        if self.executor is not None:
            self.executor.close()

    def _results(self) -> Iterator[Result]:
        """Every result in input order; files met by the walk that are no log skipped."""
        progress = _Progress(self.err)
        found = walk(self.job.inputs)
        if self.job.output:  # the last report, in a folder walked, is no log
            found = _leaving_out(found, self.job.output)
        with _Interrupts() as interrupts:
            yield from self._in_order(found, interrupts, progress)
        progress.done()

    def _in_order(self, found, interrupts: _Interrupts, progress: _Progress
                  ) -> Iterator[Result]:
        from valgap.executors.window import ordered
        from valgap.executors.work import left_out

        for item, results in ordered(found, _Lazy(self), self.job, self.given,
                                     self.job.chunk_size, interrupts):
            interrupts.check()
            if isinstance(item, Skipped):
                self._skipped(item.path)
                continue
            progress.step()
            if isinstance(item, InputError):
                yield Result(source=item.source, error=item)
                continue
            for result in results:
                if left_out(result, item, self.named):
                    self._skipped(item.path)
                else:
                    yield result

    def start_executor(self):
        if self.executor is None:
            from valgap import executors

            self.executor = executors.start(self.job)
        return self.executor

    def _skipped(self, path: str) -> None:
        if self.job.verbose:
            self.err.write(f"valgap: skipped {shown(path)}: not a training log\n")


class _Interrupts:
    """During a batch, Ctrl-C and SIGTERM only set a flag, and the batch raises them from
    its own code (``check``): raised at any point, they could land inside the executor's
    library code, which may swallow them. Outside the main thread there are no handlers
    to set, and nothing changes."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, frame) -> None:
        self.signal = signum

    def pending(self) -> bool:
        return self.signal is not None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The handlers from before the batch (Python's Ctrl-C, the CLI's SIGTERM), while
        this process reads an input itself: a signal then stops the reading at once."""
        during = {signum: signal.signal(signum, handler)
                  for signum, handler in self.previous.items()}
        try:
            yield
        finally:
            for signum, handler in during.items():
                signal.signal(signum, handler)

    def check(self) -> None:
        if self.signal == signal.SIGTERM:
            raise SystemExit(exitcodes.TERMINATED)
        if self.signal is not None:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.check()  # one that came as the batch ended


def _leaving_out(found, output: str):
    name = os.path.basename(output)
    for item in found:
        if isinstance(item, Target) and os.path.basename(item.path) == name \
                and os.path.realpath(item.path) == os.path.realpath(output):
            continue
        yield item


def _load_renderer() -> None:
    with contextlib.suppress(Exception):
        import pandas  # noqa: F401 - the tables that come back are DataFrames

        import valgap.render.text  # noqa: F401


class _Lazy:
    """The executor, started when the first input needs it (standard input alone does
    not): a Dask cluster is not started for nothing."""

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch
        self.inline_single = batch.job.executor == "local"

    @property
    def slots(self) -> int:
        if self.batch.job.executor == "local":  # known without starting the pool
            return self.batch.job.jobs or os.cpu_count() or 1
        return self.batch.start_executor().slots

    def chunk_size(self, targets_ahead: int, ended: bool) -> int:
        if not targets_ahead:
            return 1
        return self.batch.start_executor().chunk_size(targets_ahead, ended)

    def submit(self, targets: list, job: Job, given):
        return self.batch.start_executor().submit(targets, job, given)


class _Report:
    """The writers of one batch: the report to stdout, or to --output with the terminal
    summary on stdout. A report file is written beside its name and renamed at the end,
    so that a folder being walked never sees it half written."""

    def __init__(self, job: Job, out: IO[str]) -> None:
        from valgap.render import RenderOptions, terminal_width, use_color
        from valgap.render.stream import writer

        self.job, self.out = job, out
        self.file = self.temporary = self.to_file = None
        opts = RenderOptions(color=use_color(out, job.color), width=terminal_width(out),
                             plot=job.plot, verbose=job.verbose, details=job.details)
        if job.output:
            self.file, self.temporary = _open_beside(job.output)
            self.to_file = writer(job.fmt, self.file, RenderOptions(
                width=100, plot=job.plot, verbose=job.verbose, details=job.details),
                streamed=True)
            self.to_out = writer("text", out, opts, full_list=job.output)
        else:
            self.to_out = writer(job.fmt, out, opts, streamed=job.details)

    def add(self, result: Result) -> None:
        if self.to_file is not None:
            self._into_file(self.to_file.add, result)
        self.to_out.add(result)

    def finish(self, keep: bool) -> None:
        if not keep:
            self.abandon()
            return
        if self.to_file is not None:
            self._into_file(self.to_file.finish)
            self._into_file(self._close_file)
        self.to_out.finish()
        self.out.flush()

    def _into_file(self, write, *args) -> None:
        try:
            write(*args)
        except OSError as exc:
            self.abandon()
            raise OutputError(self.job.output, exc) from None

    def _close_file(self) -> None:
        self.file.close()
        if self.temporary is not None:
            os.replace(self.temporary, self.job.output)
        self.file = None

    def abandon(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):  # closing flushes: a full disk fails again
                self.file.close()
            if self.temporary is not None:
                Path(self.temporary).unlink(missing_ok=True)
            self.file = None


def _open_beside(output: str):
    """The report file: a new or regular file is written to a hidden temporary file beside
    it and renamed into place at the end. Anything else (a device such as /dev/stdout, a
    FIFO, a symbolic link) is written through: renaming over it would replace the device
    node or the link itself. ``(stream, temporary path or None)``."""
    import stat
    import tempfile

    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(output, exc) from None
    try:
        if mode is not None and not stat.S_ISREG(mode):
            return open(output, "w", encoding="utf-8"), None
        folder = os.path.dirname(os.path.abspath(output))
        fd, temporary = tempfile.mkstemp(prefix=".valgap-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(output, exc) from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(fd, (mode & 0o7777) if mode is not None else 0o666 & ~umask)
    return os.fdopen(fd, "w", encoding="utf-8"), temporary


class OutputError(Exception):
    """The report file could not be written; the message names it."""

    def __init__(self, path: str, exc: OSError) -> None:
        super().__init__(f"cannot write the report to {shown(path)}: "
                         f"{exc.strerror or exc}")


def silence_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit cannot fail again
    (and print a Python error) after valgap has reported the failure itself."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


class Tally:
    """What the exit code needs of a batch, counted as results come."""

    def __init__(self, fail_on: set[str], skip_unreadable: bool = False) -> None:
        self.fail_on, self.skip_unreadable = fail_on, skip_unreadable
        self.count = self.unreadable = self.gated = 0
        self.failed_writes = 0  # what was asked to be written (--annotate) and was not

    def add(self, result: Result) -> None:
        self.count += 1
        self.unreadable += result.error is not None
        self.gated += bool(self.fail_on and result.fired & self.fail_on)

    def exit_code(self) -> int:
        """Unreadable input beats gating: a CI job must not pass on a log it could not
        read."""
        if (self.unreadable and not self.skip_unreadable) or self.failed_writes:
            return exitcodes.USAGE
        if self.gated:
            return exitcodes.FINDINGS
        return exitcodes.OK


class _Progress:
    """``analysed 370 · 41/s · 0:09`` on stderr, only when stderr is a terminal and the
    batch is long (the total is not known while the walk goes on), redrawn at most ten
    times a second."""

    def __init__(self, stream: IO[str], clock=time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.count = 0
        self.active = hasattr(stream, "isatty") and stream.isatty()
        self.started = clock()
        self.drawn = 0.0

    def step(self) -> None:
        self.count += 1
        now = self.clock()
        if self.active and self.count >= 10 and (now - self.drawn >= 0.1 or self.count == 10):
            self.drawn = now
            elapsed = max(now - self.started, 1e-9)
            minutes, seconds = divmod(int(elapsed), 60)
            self.stream.write(f"\ranalysed {self.count} · {self.count / elapsed:.0f}/s · "
                              f"{minutes}:{seconds:02d}\x1b[K")
            self.stream.flush()

    def done(self) -> None:
        if self.active and self.count >= 10:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def run_compare(baseline: str, others: list[str], fmt: str = "text", plot: bool = True,
                color: str = "auto", out: IO[str] | None = None,
                err: IO[str] | None = None) -> int:
    """One ``valgap compare`` invocation: read each run, compare them with the first,
    render (text, JSON or HTML); the exit code."""
    from valgap.compare import compare
    from valgap.executors.work import analyse_one

    out, err = out or sys.stdout, err or sys.stderr
    results = []
    for name in [baseline, *others]:
        result = analyse_one(name, Job([name]))[-1]
        if result.error is not None:
            error = result.error
            err.write(f"valgap: {error_line(error.source, error.line, error.message)}\n")
            return exitcodes.USAGE
        results.append(result)
    comparison = compare(results[0], results[1:])
    if fmt == "json":
        from valgap.render.compare import as_json
        from valgap.render.json import encode

        out.write(encode(as_json(comparison)) + "\n")
    elif fmt == "html":
        from valgap.render.html import render_compare

        render_compare(comparison, out)
    else:
        from valgap.render import RenderOptions, terminal_width, use_color
        from valgap.render.compare import render

        render(comparison, out, RenderOptions(color=use_color(out, color),
                                              width=terminal_width(out), plot=plot))
    return exitcodes.OK
