"""One `valgap analyze` invocation: paths -> runs -> results -> report -> exit code.

Kept out of cli.py so that the CLI only declares options, and testable without click.
Runs are analysed in worker processes when there are several (``--jobs``); results keep
the order of the inputs whatever the number of workers.
"""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from valgap import config as config_module
from valgap import exitcodes
from valgap._safe import printable
from valgap.discover import Target, discover
from valgap.model import InputError, Result


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


def run(job: Job, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        given = config_module.load(Path(job.config_path)) if job.config_path else None
    except config_module.ConfigError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    found = discover(job.inputs)
    results, skipped = _collect(found.targets, job, given, err)
    if job.verbose:
        for name in found.skipped + skipped:
            err.write(f"valgap: skipped {printable(name)}: not a training log\n")
    for result in results:
        if result.error is not None:
            err.write(f"valgap: {printable(str(result.error))}\n")
    if not results:
        err.write("valgap: no training log found in the given paths\n")
        return exitcodes.USAGE
    _report(job, results, out)
    return exit_code(results, job.fail_on, job.skip_unreadable)


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
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    try:
        yield from pool.map(_analyse_target, targets, [job] * len(targets),
                            [given] * len(targets), chunksize=chunk)
    except BaseException:  # Ctrl-C or a closed pipe: stop the workers, do not wait for them
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the main process, which stops them without tracebacks."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    options = Options(job.input_format, job.train_col, job.val_col)
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
        with open(job.output, "w", encoding="utf-8") as stream:
            render(job.fmt, results, stream, RenderOptions(width=100, plot=job.plot,
                                                           verbose=job.verbose,
                                                           details=job.details))
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
