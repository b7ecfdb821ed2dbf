"""`valgap compare` in the terminal: one line per run, the changes, the curves together."""
from __future__ import annotations

import math
from typing import IO

from valgap._safe import printable
from valgap.model import Comparison, RunPicture
from valgap.render.text import epoch_ticks, wrap

MARKS = [("•", "x"), ("+", "o"), ("*", "#"), ("^", "v")]


def _gap(log_gap: float | None) -> str:
    if log_gap is None:
        return "-"
    pct = (math.exp(log_gap) - 1) * 100
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
        stream.write(f"  {label}: {printable(pic.result.source)}\n")
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
    import plotext

    fig = plotext.figure
    fig.clear.all()
    fig.plot_size(opts.width, 16)
    legend = []
    values = []
    for i, pic in enumerate(pictures):
        run = pic.result.run
        if run is None:
            continue
        marks = MARKS[i % len(MARKS)]
        for col, mark in zip(("train_loss", "val_loss"), marks):
            if col not in run.table:
                continue
            pairs = [(int(e), float(v)) for e, v in zip(run.table.index, run.table[col])
                     if math.isfinite(float(v))]
            if pairs:
                signal = fig.signal([p[0] for p in pairs], [p[1] for p in pairs], marker=mark)
                signal.lines()
                fig.draw(signal)
                values += [p[1] for p in pairs]
        name = "baseline" if i == 0 else f"run {i}"
        legend.append(f"{marks[0]} {name} training  {marks[1]} {name} validation")
    if values and min(values) > 0 and max(values) / min(values) > 30:
        fig.ruler(1).scale("log")
        fig.title("loss (log scale)")
    else:
        fig.title("loss")
    fig.label("epoch", axis=0)
    fig.theme("simple" if opts.color else "colorless")
    epochs = sorted({int(e) for p in pictures if p.result.run is not None
                     for e in p.result.run.table.index})
    if epochs:
        ticks = epoch_ticks(epochs, opts.width)
        fig.ruler(0).ticks(ticks, [str(t) for t in ticks])
    lines = fig.build().string(colorless=not opts.color).rstrip("\n").split("\n")
    return [*lines, *(wrap("   ".join(legend), opts.width, "  "))]
