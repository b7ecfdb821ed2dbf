"""One `valgap analyze` invocation: inputs -> results -> report -> exit code.

Kept out of cli.py so that the CLI only declares options, and testable without click.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from valgap import config as config_module
from valgap import exitcodes
from valgap._safe import printable
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


def run(job: Job, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        given = config_module.load(Path(job.config_path)) if job.config_path else None
        results = [r for name in job.inputs for r in _analyze_one(name, job, given)]
    except config_module.ConfigError as exc:
        err.write(f"valgap: {printable(str(exc))}\n")
        return exitcodes.USAGE
    for result in results:
        if result.error is not None:
            err.write(f"valgap: {printable(str(result.error))}\n")
    _render(job, results, out)
    return exit_code(results, job.fail_on)


def _analyze_one(name: str, job: Job, given: config_module.Config | None) -> list[Result]:
    from valgap import engine
    from valgap.parsers import Options

    cfg = given if given is not None else config_module.load(config_module.find(name))
    options = Options(job.input_format, job.train_col, job.val_col)
    try:
        return engine.analyze_input(name, cfg, options, job.all_runs)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:
        error = InputError(f"internal error while reading: {type(exc).__name__}: {exc} "
                           "(please report this with the log)", name, code="internal")
        return [Result(source=name, error=error)]


def _render(job: Job, results: list[Result], out: IO[str]) -> None:
    from valgap.render import RenderOptions, render, terminal_width, use_color

    opts = RenderOptions(color=use_color(out, job.color), width=terminal_width(out),
                         plot=job.plot, verbose=job.verbose)
    render(job.fmt, results, out, opts)
    out.flush()


def exit_code(results: list[Result], fail_on: set[str]) -> int:
    """Unreadable input beats gating: a CI job must not pass on a log it could not read."""
    if any(r.error is not None for r in results):
        return exitcodes.USAGE
    if fail_on and any(r.fired & fail_on for r in results):
        return exitcodes.FINDINGS
    return exitcodes.OK
