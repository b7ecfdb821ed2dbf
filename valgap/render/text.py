"""The terminal report: verdict first, then the evidence, the curves and the checks.

The only module that imports plotext. plotext writes colour codes even into a pipe and
ignores NO_COLOR, so colour is decided by valgap (``RenderOptions.color``) and plotext is
asked for a colourless string otherwise.
"""
from __future__ import annotations

import contextlib
import io
import math
import textwrap
from dataclasses import replace
from typing import IO

from valgap._safe import ANSI, printable, shown
from valgap.model import Result, rows_counted

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
FIT_COLOR = {"good-fit": "\x1b[32m", "val-below-train": "\x1b[33m", "overfit": "\x1b[33m",
             "underfit": "\x1b[33m", "diverged": "\x1b[31m", "too-short": "\x1b[2m"}
TRAIN_MARK, VAL_MARK = "•", "x"
DETAILED = 3  # causes shown with their evidence; the rest are named on one line


def render(results: list[Result], stream: IO[str], opts) -> None:
    shown = [r for r in results if r.error is None]
    for i, result in enumerate(shown):
        if i:
            stream.write("\n" + "─" * min(opts.width, 80) + "\n\n")
        stream.write(report(result, opts))


BESIDE_MIN = 150   # from this terminal width on, the curves stand beside the text
PLOT_BESIDE = 76   # width of the curves when beside


PLOT_HEIGHTS = (14, 10, 7)  # the curves shrink in these steps to fit a screen
SMALLEST_PLOT = 6           # with the checks folded, the curves at their smallest


def report(result: Result, opts) -> str:
    """The full report; with ``opts.height``, one that fits that many rows: the curves
    shrink (the loss alone), then the checks and rules not judged fold into one line, then
    the curves go, then the rest is cut with a line saying how much."""
    height = getattr(opts, "height", None)
    if height is None:
        return _report(result, opts)
    for plot_height in PLOT_HEIGHTS:
        text = _report(result, opts, plot_height, loss_only=plot_height < PLOT_HEIGHTS[0])
        if text.count("\n") <= height:
            return text
    for plot_height in (PLOT_HEIGHTS[-1], SMALLEST_PLOT):
        text = _report(result, opts, plot_height, loss_only=True, brief=True)
        if text.count("\n") <= height:
            return text
    # the curves, cut, would say nothing: the verdict and evidence alone, then cut if need be
    lines = _report(result, replace(opts, plot=False), brief=True).splitlines()
    if len(lines) > height:
        cut = len(lines) - height + 1
        more = f"… {cut} more line(s): the full report comes when the watch ends"
        lines = [*lines[:height - 1], _Style(opts.color).dim(more)]
    return "\n".join(lines) + "\n"


def _report(result: Result, opts, plot_height: int = PLOT_HEIGHTS[0], loss_only: bool = False,
            brief: bool = False) -> str:
    style = _Style(opts.color)
    run = result.run
    assert run is not None
    head = (f"valgap · {shown(result.label)} · {result.format} · "
            f"{rows_counted(run.epochs_logged, run.info.row)}")
    if run.info.run_count > 1:
        head += f" · run {run.info.run_index} of {run.info.run_count}"
    out = [style.dim(line) for line in wrap(head, opts.width, "  ")]
    plot = opts.plot and run.epochs >= 2
    bottom = _folded if brief else _bottom
    if plot and opts.width >= BESIDE_MIN:
        text_width = opts.width - PLOT_BESIDE - 3
        text = _top(result, style, text_width) + bottom(result, style, text_width, opts)
        out += beside(plot_panels(run.table, PLOT_BESIDE, opts.color, plot_height, loss_only,
                                  run.info.row), text, PLOT_BESIDE)
    else:
        out += _top(result, style, opts.width)
        if plot:
            out += ["", *plot_panels(run.table, opts.width, opts.color, plot_height,
                                     loss_only, run.info.row)]
        out += bottom(result, style, opts.width, opts)
    return "\n".join(out) + "\n"


def _folded(result: Result, style: _Style, width: int, opts) -> list[str]:
    """The checks and the rules not judged, as one line (the full report has them)."""
    checks = len(_checks(result))
    skipped = sum(1 for r in result.rules if r.status == "skipped")
    return ["", style.dim(f"{checks} recommended check(s), {skipped} rule(s) not judged: in "
                          "the full report")] if checks or skipped else []


def beside(left: list[str], right: list[str], left_width: int) -> list[str]:
    """Two columns; the left lines all have the same visible width (a plotext figure)."""
    rows = max(len(left), len(right))
    left = [line + " " * (left_width - len(ANSI.sub("", line))) for line in left]
    left += [" " * left_width] * (rows - len(left))
    right = right + [""] * (rows - len(right))
    return [f"{a}   {b}".rstrip() for a, b in zip(left, right)]


def _top(result: Result, style: _Style, width: int) -> list[str]:
    """The verdict, then the evidence: what a person reads first."""
    fit = result.fit.fit if result.fit else None
    # wrapped before styling, so that escape codes never count as width
    lines = wrap("Verdict: " + printable(result.verdict), width, "  ")
    out = [style.fit(fit, "Verdict: ") + style.bold(lines[0][len("Verdict: "):]),
           *(style.bold(line) for line in lines[1:])]
    evidence = _evidence(result, style, width)
    return [*out, "", *evidence] if evidence else out


def _bottom(result: Result, style: _Style, width: int, opts) -> list[str]:
    out: list[str] = []
    checks = _checks(result)
    if checks:
        out += ["", style.bold("Recommended checks")]
        for n, check in enumerate(checks, start=1):
            out += wrap(f"{n}. {printable(check)}", width, "     ", indent="  ")
    out += _not_judged(result, style, width)
    run = result.run
    notes = run.info.warnings + (run.info.notes if opts.verbose else [])
    if notes:
        out.append("")
        for note in notes:
            out += wrap(style.dim(f"note: {printable(note)}"), width, "      ")
    return out


def _evidence(result: Result, style: _Style, width: int) -> list[str]:
    lines = []
    if result.fit is not None and result.fit.fit is not None:
        lines += wrap(f"fit {style.fit(result.fit.fit, str(result.fit.fit))}: "
                      f"{printable(result.fit.evidence)}", width, "    ")
    if result.best is not None and result.fit is not None and result.fit.fit != "too-short":
        lines += wrap(result.best.describe(), width, "    ")
    detailed = _detailed(result)
    for finding in detailed:
        bar = "█" * round(finding.confidence * 10) + "·" * (10 - round(finding.confidence * 10))
        lines += wrap(f"  {finding.rule:<22} {bar} {finding.confidence:.2f}", width, "    ")
        lines += wrap(style.dim(printable(finding.evidence)), width, "      ", indent="      ")
    rest = result.causes[len(detailed):]
    if rest:
        lines += wrap("  also considered: " + ", ".join(
            f"{f.rule} ({f.confidence:.2f})" for f in rest), width, "    ")
    return lines


def _detailed(result: Result) -> list:
    """The first cause, and the next ones that are more than an afterthought."""
    causes = result.causes[:DETAILED]
    return causes[:1] + [f for f in causes[1:] if f.confidence >= 0.3]


def _checks(result: Result) -> list[str]:
    """The detailed causes' checks, each once: a check that another extends (the same
    words and a clause more) is said once, the longer way, where the shorter stood."""
    seen: list[str] = []
    for finding in _detailed(result):
        for check in finding.checks:
            if any(said.startswith(check) for said in seen):
                continue
            shorter = [i for i, said in enumerate(seen) if check.startswith(said)]
            if shorter:
                seen[shorter[0]] = check
            else:
                seen.append(check)
    return seen[:6]


def _not_judged(result: Result, style: _Style, width: int) -> list[str]:
    skipped = [r for r in result.rules if r.status in ("skipped", "error")]
    if not skipped:
        return []
    lines = ["", style.bold("Not judged")]
    by_reason: dict[str, list[str]] = {}
    for status in skipped:  # one line per reason: "all rules" reads better than 14 copies
        by_reason.setdefault(status.reason, []).append(status.rule)
    for reason, rules in by_reason.items():
        names = "every rule" if len(rules) == len(result.rules) else ", ".join(rules)
        lines += wrap(f"- {names}: {printable(reason)}", width, "    ", indent="  ")
    return lines


def wrap(text: str, width: int, subsequent: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=max(width, 40), initial_indent=indent,
                         subsequent_indent=subsequent, break_on_hyphens=False) or [""]


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def bold(self, text: str) -> str:
        return self._paint(BOLD, text)

    def dim(self, text: str) -> str:
        return self._paint(DIM, text)

    def fit(self, fit: str | None, text: str) -> str:
        return self._paint(FIT_COLOR.get(fit or "", BOLD), text)


# ---- curves ---------------------------------------------------------------------------------

def plot_panels(table, width: int, color: bool, height: int = PLOT_HEIGHTS[0],
                loss_only: bool = False, axis: str = "epoch") -> list[str]:
    """Loss (and accuracy, when logged) panels, side by side when the terminal is wide,
    over ``axis`` (what a row is: epoch, evaluation, training step, boosting round)."""
    panels = [("loss", "train_loss", "val_loss")]
    acc = [c[len("train_"):] for c in table.columns
           if c.startswith("train_") and "acc" in c and "val_" + c[len("train_"):] in table]
    if acc and not (loss_only and width < 100):
        panels.append((acc[0], f"train_{acc[0]}", f"val_{acc[0]}"))
    side_by_side = len(panels) == 2 and width >= 100
    panel_width = (width - 3) // 2 if side_by_side else width
    rendered = [_panel(table, title, tr, va, panel_width, color, height, axis)
                for title, tr, va in panels]
    legend = f"  {TRAIN_MARK} training   {VAL_MARK} validation"
    if side_by_side:
        return [*beside(rendered[0], rendered[1], panel_width), legend]
    return [row for panel in rendered for row in panel] + [legend]


def _panel(table, title: str, train_col: str, val_col: str, width: int, color: bool,
           height: int = PLOT_HEIGHTS[0], axis: str = "epoch") -> list[str]:
    series = []
    for col, mark in ((train_col, TRAIN_MARK), (val_col, VAL_MARK)):
        if col in table:
            pairs = [(int(e), float(v)) for e, v in zip(table.index, table[col])
                     if math.isfinite(float(v))]
            if pairs:
                series.append((pairs, mark))
    return figure_lines(series, width, title, color, height, axis)


DRAWABLE = 1e150  # the largest loss magnitude a curve is drawn with


def figure_lines(series: list[tuple[list[tuple[int, float]], str]], width: int, title: str,
                 color: bool, height: int = 14, axis: str = "epoch") -> list[str]:
    """Curves drawn by plotext, as lines of text: (points, marker) per curve, x = the rows
    (``axis`` names them: epoch, evaluation, training step, boosting round).

    The title and the axis label are written here, not by plotext, whose labels carry a
    background colour of their own.
    """
    import plotext

    # plotext's tick arithmetic overflows (NaN ticks, a ValueError) on a span near the float
    # limit: a value that far out is left off the picture (the table and JSON keep it)
    series = [(kept, mark) for points, mark in series
              if (kept := [(e, v) for e, v in points if abs(v) < DRAWABLE])]
    fig = plotext.figure
    fig.clear.all()
    fig.plot_size(width, height)
    values = [y for pairs, _ in series for _, y in pairs]
    epochs = sorted({x for pairs, _ in series for x, _ in pairs})
    for pairs, mark in series:
        signal = fig.signal([p[0] for p in pairs], [p[1] for p in pairs], marker=mark)
        signal.lines()
        fig.draw(signal)
    log = _log_scale(values)
    if log:
        fig.ruler(1).scale("log")
    if epochs:
        ticks = epoch_ticks(epochs, width)
        fig.ruler(0).ticks(ticks, [str(t) for t in ticks])
    fig.theme("simple" if color else "colorless")
    # plotext prints its own notes (coloured, to stderr) while building; valgap owns its
    # output streams, so they are kept out of them
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        body = fig.build().string(colorless=not color).rstrip("\n").split("\n")
    heading = printable(f"{title} (log scale)" if log else title)  # titles name input columns
    return [heading.center(width).rstrip(), *body, axis.center(width).rstrip()]


def _log_scale(values: list[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and bool(values) and max(values) / min(values) > 30


def epoch_ticks(epochs: list[int], width: int) -> list[int]:
    most = max(2, width // 8)
    step = max(1, math.ceil(len(epochs) / most))
    ticks = epochs[::step]
    if ticks[-1] == epochs[-1]:
        return ticks
    if epochs[-1] - ticks[-1] < step / 2 and len(ticks) > 1:
        return [*ticks[:-1], epochs[-1]]  # too close to the last tick: replace it
    return [*ticks, epochs[-1]]
