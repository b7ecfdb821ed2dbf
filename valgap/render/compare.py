"""`valgap compare` in the terminal: one line per run, the changes, the curves together."""
from __future__ import annotations

import math
from dataclasses import asdict
from typing import IO

from valgap._num import exp_safe, times
from valgap._safe import printable, shown
from valgap.model import Comparison, RunPicture
from valgap.render.text import figure_lines, wrap

MARKS = [("•", "x"), ("+", "o"), ("*", "#"), ("^", "v")]


def _gap(log_gap: float | None) -> str:
    if log_gap is None:
        return "-"
    pct = (exp_safe(log_gap) - 1) * 100
    if pct >= 100:  # "val 19683% above" reads better as a ratio: "val 198x train"
        return f"val {times(log_gap)} train"
    return f"val {abs(pct):.0f}% {'above' if pct >= 0 else 'below'}"


def _row(label: str, pic: RunPicture) -> str:
    r = pic.result
    fit = r.fit.fit if r.fit and r.fit.fit else "-"
    cause = f"{r.causes[0].rule} ({r.causes[0].confidence:.2f})" if r.causes else "-"
    best = f"{pic.best_val:.4g} @ {pic.best_epoch}" if pic.best_val is not None else "-"
    return f"  {label:<9} {fit:<16} {cause:<28} {_gap(pic.late_gap):<17} {best}"


def render(comparison: Comparison, stream: IO[str], opts) -> None:
    pictures = [comparison.baseline, *comparison.runs]
    stream.write("valgap compare\n")
    for i, pic in enumerate(pictures):
        label = "baseline" if i == 0 else f"run {i}"
        stream.write(f"  {label}: {shown(pic.result.source)}\n")
    stream.write(f"\n  {'':<9} {'fit':<16} {'first cause':<28} {'late gap':<17} best val @ epoch\n")
    for i, pic in enumerate(pictures):
        stream.write(_row("baseline" if i == 0 else f"run {i}", pic) + "\n")
    for i, changes in enumerate(comparison.changes, start=1):
        stream.write(f"\nrun {i} against the baseline:\n")
        if not changes:
            stream.write("  no difference beyond noise\n")
        for change in changes:
            lines = wrap(f"- {printable(change.text)}", opts.width, "    ", "  ")
            if change.check:
                lines += wrap(f"check: {printable(change.check)}", opts.width, "           ",
                               "    ")
            stream.write("\n".join(lines) + "\n")
    if opts.plot:
        stream.write("\n" + "\n".join(_plot(pictures, opts)) + "\n")


def _plot(pictures: list[RunPicture], opts) -> list[str]:
    series, legend = [], []
    for i, pic in enumerate(pictures):
        run = pic.result.run
        if run is None:
            continue
        marks = MARKS[i % len(MARKS)]
        for col, mark in zip(("train_loss", "val_loss"), marks):
            if col in run.table:
                pairs = [(int(e), float(v)) for e, v in zip(run.table.index, run.table[col])
                         if math.isfinite(float(v))]
                if pairs:
                    series.append((pairs, mark))
        name = "baseline" if i == 0 else f"run {i}"
        legend.append(f"{marks[0]} {name} training  {marks[1]} {name} validation")
    lines = figure_lines(series, opts.width, "loss", opts.color, height=16)
    return [*lines, *wrap("   ".join(legend), opts.width, "  ")]


def as_json(comparison: Comparison) -> dict:
    """The comparison as ``--format json`` writes it (schema ``valgap-compare/1``)."""
    def pic(p):
        r = p.result
        return {"source": r.source, "fit": r.fit.fit if r.fit else None,
                "causes": [f.to_dict() for f in r.causes], "late_gap_log": p.late_gap,
                "best_val": p.best_val, "best_epoch": p.best_epoch,
                "epochs": r.run.epochs_logged if r.run is not None else 0}
    return {"schema": "valgap-compare/1", "baseline": pic(comparison.baseline),
            "runs": [{**pic(p), "changes": [asdict(c) for c in ch]}
                     for p, ch in zip(comparison.runs, comparison.changes)]}
