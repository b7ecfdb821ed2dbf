"""Wiring of `valgap compare`: read each run, compare, render (text, JSON or HTML)."""
from __future__ import annotations

import sys
from dataclasses import asdict
from typing import IO

from valgap import exitcodes
from valgap._safe import error_line
from valgap.compare import compare
from valgap.executors.work import analyse_one
from valgap.runner import Job


def run_compare(baseline: str, others: list[str], fmt: str = "text", plot: bool = True,
                color: str = "auto", out: IO[str] | None = None,
                err: IO[str] | None = None) -> int:
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
        from valgap.render.json import encode

        out.write(encode(_as_json(comparison)) + "\n")
    elif fmt == "html":
        from valgap.render.html import render_compare

        render_compare(comparison, out)
    else:
        from valgap.render import RenderOptions, terminal_width, use_color
        from valgap.render.compare import render

        render(comparison, out, RenderOptions(color=use_color(out, color),
                                              width=terminal_width(out), plot=plot))
    return exitcodes.OK


def _as_json(comparison) -> dict:
    def pic(p):
        r = p.result
        return {"source": r.source, "fit": r.fit.fit if r.fit else None,
                "causes": [f.to_dict() for f in r.causes], "late_gap_log": p.late_gap,
                "best_val": p.best_val, "best_epoch": p.best_epoch,
                "epochs": r.run.epochs_logged if r.run is not None else 0}
    return {"schema": "valgap-compare/1", "baseline": pic(comparison.baseline),
            "runs": [{**pic(p), "changes": [asdict(c) for c in ch]}
                     for p, ch in zip(comparison.runs, comparison.changes)]}
