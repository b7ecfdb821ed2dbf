"""One `valgap analyze` invocation: paths -> runs -> results -> report -> exit code.

Kept out of cli.py so that the CLI only declares options, and testable without click.
Runs are analysed in worker processes when there are several (``--jobs``); results keep
the order of the inputs whatever the number of workers.
"""
from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from valgap import config as config_module
from valgap import exitcodes
from valgap._safe import error_line, printable, shown
from valgap.discover import Target, discover
from valgap.model import InputError, Result
from valgap.parsers._text import Limits


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
    from valgap import remote

    staged = remote.stage(job.inputs, job.max_input_bytes)  # URLs: local copies
    try:
        found = discover(staged.inputs)
        results, skipped = _collect(found.targets, replace(job, inputs=staged.inputs), given,
                                    err)
    finally:
        staged.cleanup()
    results += [Result(source=e.source, error=e) for e in found.errors + staged.errors]
    if staged.local_to_url:  # each result named by the URL it was read from
        for result in results:
            _rename(result, staged.url_of)
    if job.verbose:
        for name in found.skipped + skipped:
            err.write(f"valgap: skipped {shown(name)}: not a training log\n")
    for result in results:
        if result.error is not None:
            error = result.error
            err.write(f"valgap: {error_line(error.source, error.line, error.message)}\n")
    if not results:
        err.write("valgap: no training log found in the given paths\n")
        return exitcodes.USAGE
    if job.annotate:
        from valgap import annotate

        annotate.mlflow_runs(results, err)
    try:
        _report(job, results, out)
    except BrokenPipeError:
        raise  # the reader went away: the CLI exits 141 quietly
    except OutputError as exc:  # a missing folder for -o, a full disk
        err.write(f"valgap: {exc}\n")
        return exitcodes.OUTPUT
    except OSError as exc:  # standard output on a full disk
        silence_stdout()
        err.write(f"valgap: cannot write the report to standard output: "
                  f"{exc.strerror or exc}\n")
        return exitcodes.OUTPUT
    return exit_code(results, job.fail_on, job.skip_unreadable)


def _rename(result: Result, url_of) -> None:
    result.source = url_of(result.source)
    if result.error is not None:
        result.error.source = url_of(result.error.source)
    if result.run is not None:
        result.run.info.source = url_of(result.run.info.source)


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


def _collect(targets: list[Target], job: Job, given, err: IO[str]
             ) -> tuple[list[Result], list[str]]:
    """Analyse every target, in order; unrecognised files found by walking are skipped."""
    named = set(job.inputs)
    results: list[Result] = []
    skipped: list[str] = []
    progress = _Progress(err, len(targets))
    for target, found in zip(targets, _analyse_all(targets, job, given)):
        progress.step()
        for result in found:
            if result.error is not None and result.error.code == "unrecognised" \
                    and target.path not in named:
                skipped.append(target.path)
            else:
                results.append(result)
    progress.done()
    return results, skipped


def _analyse_all(targets: list[Target], job: Job, given) -> Iterator[list[Result]]:
    workers = job.jobs or os.cpu_count() or 1
    if workers <= 1 or len(targets) < 4 or "-" in job.inputs:
        yield from (_analyse_target(t, job, given) for t in targets)
        return
    chunk = max(1, len(targets) // (workers * 8))
    # multiprocessing's Pool, not concurrent.futures: its terminate() ends busy workers at
    # once and cleanly (a ProcessPoolExecutor cannot be stopped mid-task without its
    # manager thread failing on the futures it already cancelled)
    pool = multiprocessing.get_context().Pool(workers, initializer=_worker_start,
                                               initargs=(os.getpid(),))
    try:
        yield from pool.imap(functools.partial(_analyse_target, job=job, given=given),
                             targets, chunksize=chunk)
    except BaseException:  # Ctrl-C, SIGTERM or a closed pipe: stop the workers now
        pool.terminate()
        pool.join()
        raise
    pool.close()
    pool.join()


def _worker_start(parent: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the main process, which stops them; and they die
    with it if it is killed outright (Linux: the parent-death signal)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(exitcodes.TERMINATED)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _analyse_target(target: Target, job: Job, given) -> list[Result]:
    if target.group:
        return analyse_one(" + ".join(target.group), job, given, target.named, target.group)
    results = analyse_one(target.path, job, given, target.named)
    if target.also and all(r.error is not None for r in results):
        # the log could not be read: its CSV twin may still tell the story
        results = analyse_one(target.also[0], job, given, target.named)
    elif target.note:
        for result in results:
            if result.run is not None:
                result.run.info.notes.append(target.note)
    return results


def analyse_one(name: str, job: Job, given: config_module.Config | None = None,
                named: str | None = None, group: list[str] | None = None) -> list[Result]:
    """The results for one input, with every failure turned into an error result."""
    from valgap import engine
    from valgap.parsers import Options

    found_by = group[0] if group else name
    try:
        path = config_module.find(found_by, named)
        cfg = given if given is not None else _config_at(
            path, path.stat().st_mtime_ns if path else 0)
    except config_module.ConfigError as exc:
        return [Result(source=name, error=InputError(str(exc), code="config"))]
    options = Options(job.input_format, job.train_col, job.val_col,
                      Limits(job.max_input_bytes, job.max_runs))
    try:
        return engine.analyze_input(name, cfg, options, job.all_runs, group=group)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # one bad input must not stop the others
        error = InputError(f"internal error while reading: {type(exc).__name__}: {exc} "
                           "(please report this with the log)", name, code="internal")
        return [Result(source=name, error=error)]


@functools.lru_cache(maxsize=256)
def _config_at(path: Path | None, mtime_ns: int) -> config_module.Config:
    """Loaded once per process (and per version of the file): the logs of one folder share
    their valgap.yaml."""
    return config_module.load(path)


def _report(job: Job, results: list[Result], out: IO[str]) -> None:
    from valgap.render import RenderOptions, render, terminal_width, use_color

    opts = RenderOptions(color=use_color(out, job.color), width=terminal_width(out),
                         plot=job.plot, verbose=job.verbose, details=job.details)
    if job.output:
        try:
            with open(job.output, "w", encoding="utf-8") as stream:
                render(job.fmt, results, stream, RenderOptions(width=100, plot=job.plot,
                                                               verbose=job.verbose,
                                                               details=job.details))
        except OSError as exc:
            raise OutputError(job.output, exc) from None
        render("text", results, out, opts)  # the terminal still gets the summary
    else:
        render(job.fmt, results, out, opts)
    out.flush()


def exit_code(results: list[Result], fail_on: set[str], skip_unreadable: bool = False) -> int:
    """Unreadable input beats gating: a CI job must not pass on a log it could not read."""
    if not skip_unreadable and any(r.error is not None for r in results):
        return exitcodes.USAGE
    if fail_on and any(r.fired & fail_on for r in results):
        return exitcodes.FINDINGS
    return exitcodes.OK


class _Progress:
    """``analysed 37/1000`` on stderr, only when stderr is a terminal and the batch is long."""

    def __init__(self, stream: IO[str], total: int) -> None:
        self.stream = stream
        self.total = total
        self.count = 0
        self.active = total >= 10 and hasattr(stream, "isatty") and stream.isatty()

    def step(self) -> None:
        self.count += 1
        if self.active:
            self.stream.write(f"\ranalysed {self.count}/{self.total}")
            self.stream.flush()

    def done(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
