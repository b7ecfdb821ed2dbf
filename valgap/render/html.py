"""A self-contained HTML report: one file, no script, no network, readable offline.

Per run: the verdict first, then the loss curves as inline SVG with the evidence drawn on
them (the best epoch, the overfitting onset and the epochs after it shaded, spikes, the
training curve shifted half an epoch where that test fired, the noise band around
validation where it was computed), the ranked causes with confidence bars, their evidence
and checks, and the rules not judged with why. Metrics beyond the losses get a second chart.

A batch gets a summary table first, one row per run linking to its section, sortable by
urgency, fit, cause or confidence without script (radio buttons and CSS ``order``); past
``FULL`` runs only the most urgent are drawn in full, the rest stay rows.

Everything from an input is escaped, and the page's Content-Security-Policy allows no
script and no fetch at all: a log cannot put markup or code in the page.
"""
from __future__ import annotations

import heapq
import html
import math
from dataclasses import dataclass, field
from typing import IO

from valgap._safe import printable, shown
from valgap.model import MEASURED_EVAL, MEASURED_TRAINMODE, Result, rows_counted
from valgap.render._rank import Row, attention

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
FULL = 50          # runs drawn in full; past this, the most urgent FULL of them
MAX_ROWS = 20_000  # summary rows kept; past this, the most urgent (a page stays openable)
POINTS = 600       # points per curve at most (a batch's page stays small)
WIDTH, HEIGHT = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 58, 16, 14, 34
LOSSES = ("train_loss", "val_loss")
MEASURED = (MEASURED_TRAINMODE, MEASURED_EVAL)
SERIES_NAME = {"train_loss": "training", "val_loss": "validation",
               MEASURED_TRAINMODE: "training, re-scored at the end (train mode)",
               MEASURED_EVAL: "training, re-scored at the end (inference mode)"}
FIT_ORDER = {"diverged": 0, "overfit": 1, "underfit": 2, "val-below-train": 3,
             "too-short": 4, "good-fit": 5, "not judged": 6, "unreadable": 7}

STYLE = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #ffffff; --muted: #5f6368;
  --line: #d0d4da; --train: #1f6feb; --val: #d9480f; --extra: #6f42c1; --shade: rgba(217,72,15,.10);
  --band: rgba(217,72,15,.16); --best: #2b8a3e; --bar: #1f6feb; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9aa4af;
  --line: #30363d; --train: #58a6ff; --val: #ff8c5a; --extra: #bc8cff;
  --shade: rgba(255,140,90,.12);
  --band: rgba(255,140,90,.2); --best: #56d364; --bar: #58a6ff; --card: #161b22; } }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; word-break: break-all; }
.meta, .muted { color: var(--muted); font-size: 13px; }
.verdict { font-size: 17px; font-weight: 600; margin: 8px 0 10px; }
section.run { border-top: 1px solid var(--line); padding: 20px 0 8px; }
svg.chart { width: 100%; height: auto; max-width: 720px; display: block; margin: 6px 0; }
svg text { fill: var(--muted); font-size: 11px; }
.axis { stroke: var(--line); } .grid { stroke: var(--line); stroke-dasharray: 2 3; }
.s-train_loss { stroke: var(--train); } .s-val_loss { stroke: var(--val); }
.s-extra { stroke: var(--extra); }
.shifted { stroke: var(--train); stroke-dasharray: 5 4; opacity: .7; }
path.curve { fill: none; stroke-width: 2; }
.after-onset { fill: var(--shade); } .band { fill: var(--band); stroke: none; }
.best { stroke: var(--best); stroke-dasharray: 4 3; } .best-dot { fill: var(--best); }
.onset { stroke: var(--val); stroke-dasharray: 2 2; }
.spike { fill: none; stroke: var(--val); stroke-width: 2; }
.legend span { margin-right: 14px; font-size: 13px; } .key { display: inline-block; width: 18px;
  height: 3px; vertical-align: middle; margin-right: 5px; }
.causes { list-style: none; padding: 0; margin: 8px 0; }
.causes > li { background: var(--card); border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.cause-head { display: flex; gap: 10px; align-items: center; font-weight: 600; }
.conf { flex: 0 0 140px; height: 8px; background: var(--line); border-radius: 4px;
  overflow: hidden; }
.conf i { display: block; height: 100%; background: var(--bar); }
.checks { margin: 6px 0 0 18px; padding: 0; } .checks li { margin: 2px 0; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
.runs { width: 100%; margin: 12px 0 20px; font-size: 14px; }
.runs .head, .runs .row { display: grid; grid-template-columns: 1.3fr 10em 11em 6.5em 4.5em;
  gap: 8px; padding: 5px 6px; border-bottom: 1px solid var(--line); align-items: baseline; }
.runs .head { font-weight: 600; } .runs .body { display: flex; flex-direction: column; }
.runs .row a { color: inherit; word-break: break-all; } .num { text-align: right; }
.sort { font-size: 13px; color: var(--muted); }
.sort label { cursor: pointer; text-decoration: underline dotted; padding: 0 2px; }
#by-urgency:checked ~ .sort [for=by-urgency], #by-fit:checked ~ .sort [for=by-fit],
#by-cause:checked ~ .sort [for=by-cause],
#by-confidence:checked ~ .sort [for=by-confidence] { color: var(--fg); font-weight: 600;
  text-decoration: none; }
#by-urgency:checked ~ .runs .row { order: var(--urgency); }
#by-fit:checked ~ .runs .row { order: var(--fit); }
#by-cause:checked ~ .runs .row { order: var(--cause); }
#by-confidence:checked ~ .runs .row { order: var(--confidence); }
.fit { font-weight: 600; } .fit-overfit, .fit-diverged, .fit-unreadable { color: var(--val); }
.fit-good-fit { color: var(--best); }
@media print { body { max-width: none; padding: 0; } section.run { break-inside: avoid; }
  .sort { display: none; } a { color: inherit; text-decoration: none; } }
"""


def esc(text: object) -> str:
    """Text from anywhere (a log, a file name) as inert HTML: control characters shown
    printable, then every markup character escaped."""
    return html.escape(printable(str(text)), quote=True)


def render(results: list[Result], stream: IO[str], opts) -> None:
    page = Page(stream)
    for result in results:
        page.add(result)
    page.finish()


@dataclass
class Page:
    """A report written as results come: rows for the summary, the most urgent in full."""

    stream: IO[str]
    title: str = "valgap report"
    rows: list[tuple[Row, float]] = field(default_factory=list)
    full: list[tuple[int, int, Result]] = field(default_factory=list)  # a heap
    count: int = 0

    def add(self, result: Result) -> None:
        row = Row.of(result, self.count)
        first = result.causes[0] if result.causes else None
        confidence = first.headline_confidence if first else 0.0
        if len(self.rows) < MAX_ROWS:
            self.rows.append((row, confidence))
        entry = (-attention(result), -self.count, result)  # attention: lower is more urgent
        if len(self.full) < FULL:
            heapq.heappush(self.full, entry)
        elif entry[:2] > self.full[0][:2]:
            heapq.heapreplace(self.full, entry)
        self.count += 1

    def finish(self) -> None:
        drawn = sorted(self.full, key=lambda e: (-e[0], -e[1]))
        anchors = {-index: n for n, (_, index, _) in enumerate(drawn)}  # run -> its section
        out = self.stream
        out.write(page_head(self.title))
        out.write(f"<h1>{esc(self.title)}</h1>\n")
        if self.count != 1:
            out.write(f'<p class="meta">{self.count} runs analysed'
                      + (f"; the {len(drawn)} most urgent are drawn in full below"
                         if self.count > len(drawn) else "")
                      + (f"; the table lists the first {len(self.rows)}"
                         if self.count > len(self.rows) else "") + "</p>\n")
            out.write(summary_table(self.rows, anchors))
        for n, (*_, result) in enumerate(drawn):
            out.write(section(result, n))
        out.write("</body>\n</html>\n")


def notebook_frame(result: Result) -> str:
    """One result's report for a notebook cell: the page in a sandboxed frame (its styles
    kept apart from the notebook's, no script allowed in it)."""
    import io

    page = io.StringIO()
    render([result], page, None)
    return (f'<iframe title="valgap report" sandbox srcdoc="{html.escape(page.getvalue())}" '
            'style="width: 100%; height: 760px; border: 0"></iframe>')


def page_head(title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n")


# ---- the summary table ---------------------------------------------------------------------

def summary_table(rows: list[tuple[Row, float]], anchors: dict[int, int]) -> str:
    """Rows sortable without script: each carries its rank under every order as a CSS
    variable, and the checked radio button picks which one ``order`` uses. A run drawn in
    full below links to its section."""
    keys = {
        "urgency": lambda i: (rows[i][0].attention, rows[i][0].index),
        "fit": lambda i: (FIT_ORDER.get(rows[i][0].fit, 9), i),
        "cause": lambda i: (rows[i][0].cause_id or "~", i),
        "confidence": lambda i: (-rows[i][1], i),
    }
    rank = {name: {i: r for r, i in enumerate(sorted(range(len(rows)), key=key))}
            for name, key in keys.items()}
    out = ["".join(f'<input type="radio" name="sort" id="by-{name}" hidden'
                   f'{" checked" if name == "urgency" else ""}>' for name in keys),
           '<p class="sort">sort by ' + " · ".join(
               f'<label for="by-{name}">{name}</label>' for name in keys) + "</p>",
           '<div class="runs" role="table"><div class="head" role="row"><span>run</span>'
           '<span>fit</span><span>first cause</span><span class="num">confidence</span>'
           '<span class="num">epochs</span></div><div class="body">']
    for i in sorted(range(len(rows)), key=keys["urgency"]):  # the page's own order, too
        row, confidence = rows[i]
        order = "; ".join(f"--{name}: {rank[name][i]}" for name in rank)
        name = esc(shown(row.source))
        target = anchors.get(row.index)
        link = f'<a href="#run-{target}">{name}</a>' if target is not None else name
        cause = esc(row.cause_id) if row.cause_id else "-"
        conf = f"{confidence:.2f}" if row.cause_id else "-"
        fit = esc(row.fit)
        out.append(f'<div class="row" role="row" style="{order}"><span>{link}</span>'
                   f'<span class="fit fit-{fit.replace(" ", "-")}">{fit}</span>'
                   f'<span>{cause}</span><span class="num">{conf}</span>'
                   f'<span class="num">{esc(row.epochs)}</span></div>')
    out.append("</div></div>\n")
    return "\n".join(out)


# ---- one run ------------------------------------------------------------------------------

def section(result: Result, index: int) -> str:
    out = [f'<section class="run" id="run-{index}">',
           f"<h2>{esc(shown(result.label))}</h2>"]
    if result.error is not None:
        out.append(f'<p class="verdict">Unreadable: {esc(result.error.message)}</p>')
        return "\n".join(out) + "</section>\n"
    run = result.run
    out.append(f'<p class="meta">{esc(result.format)} · '
               f'{rows_counted(run.epochs_logged, run.info.row)}</p>')
    out.append(f'<p class="verdict">{esc(result.verdict)}</p>')
    if result.fit is not None:
        out.append(f'<p><b>fit</b> {esc(result.fit.fit or "not judged")}: '
                   f"{esc(result.fit.evidence)}</p>")
    if result.best is not None:
        out.append(f"<p>{esc(result.best.describe())}</p>")
    if run.table is not None and run.epochs >= 2:
        out += charts(result)
    out.append(causes(result))
    skipped = [r for r in result.rules if r.status == "skipped"]
    if skipped:
        out.append("<details><summary>Not judged (" + str(len(skipped)) + ")</summary><ul>"
                   + "".join(f"<li><b>{esc(r.rule)}</b>: {esc(r.reason)}</li>" for r in skipped)
                   + "</ul></details>")
    notes = run.info.warnings + run.info.notes
    if notes:
        out.append("<details><summary>How the log was read</summary><ul>"
                   + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></details>")
    return "\n".join(out) + "\n</section>\n"


def charts(result: Result) -> list[str]:
    """The losses (and the training loss re-scored by valgap's callbacks, when logged) with
    the evidence on them; the other metrics apart."""
    table = result.run.table
    losses = [c for c in (*LOSSES, *MEASURED) if c in table]
    out = [loss_chart(result, losses), legend(losses, result)] if losses else []
    metrics = [c for c in table.columns if c not in losses and not c.endswith("_loss")
               and not c.endswith(("_end", "_se")) and table[c].notna().sum() >= 2][:6]
    if metrics:
        out += [chart(table, metrics, title="metrics"), legend(metrics, None)]
    return out


def causes(result: Result) -> str:
    if not result.causes:
        return ""
    items = []
    for finding in result.causes:
        shown_conf = finding.headline_confidence
        checks = "".join(f"<li>{esc(c)}</li>" for c in finding.checks)
        basis = (" · family measured, mechanism not named" if finding.family_confidence
                 else " · curve shape only" if finding.guess else "")
        items.append(
            f'<li data-cause="{esc(finding.rule)}"><div class="cause-head"><span>'
            f'{esc(finding.rule)}</span><span class="conf" title="{shown_conf:.2f}">'
            f'<i style="width: {max(0.0, min(shown_conf, 1.0)) * 100:.0f}%"></i></span>'
            f'<span class="muted">{shown_conf:.2f}{esc(basis)}</span></div>'
            f"<div>{esc(finding.evidence)}</div>"
            + (f'<ol class="checks">{checks}</ol>' if checks else "") + "</li>")
    return '<ul class="causes">' + "".join(items) + "</ul>"


def legend(columns: list[str], result: Result | None) -> str:
    keys = [f'<span><i class="key" style="background: var({_colour(c)})"></i>'
            f"{esc(SERIES_NAME.get(c, c))}</span>" for c in columns]
    if result is not None:
        marks = _marks(result)
        if marks.get("shift"):
            keys.append('<span><i class="key" style="background: var(--train); opacity: .6">'
                        "</i>training, half an epoch back</span>")
        if marks.get("band"):
            keys.append('<span><i class="key" style="background: var(--band); height: 9px">'
                        "</i>noise band</span>")
        if result.best is not None:
            keys.append('<span><i class="key" style="background: var(--best)"></i>'
                        "best epoch</span>")
        if result.fit is not None and result.fit.onset_epoch is not None:
            keys.append('<span><i class="key" style="background: var(--shade); height: 9px">'
                        "</i>after the onset</span>")
    return '<p class="legend">' + "".join(keys) + "</p>"


def _colour(column: str) -> str:
    if column in MEASURED:
        return "--extra"
    return "--val" if column.startswith("val_") else \
        "--train" if column.startswith("train_") else "--extra"


def _marks(result: Result) -> dict:
    marks: dict = {}
    for finding in result.causes:
        for key, value in finding.marks.items():
            marks.setdefault(key, value)
    return marks


# ---- charts -------------------------------------------------------------------------------

@dataclass
class Scale:
    x0: float
    x1: float
    y0: float
    y1: float
    log: bool

    def x(self, epoch: float) -> float:
        span = self.x1 - self.x0 or 1.0
        return PAD_LEFT + (epoch - self.x0) / span * (WIDTH - PAD_LEFT - PAD_RIGHT)

    def y(self, value: float) -> float:
        low, high, v = self.y0, self.y1, value
        if self.log:
            low, high, v = math.log10(low), math.log10(high), math.log10(max(value, self.y0))
        span = high - low or 1.0
        return PAD_TOP + (1 - (v - low) / span) * (HEIGHT - PAD_TOP - PAD_BOTTOM)


def _points(table, column: str) -> list[tuple[float, float]]:
    """The finite points of a column, at most POINTS of them (every k-th, the last kept)."""
    values = [(float(e), float(v)) for e, v in zip(table.index, table[column])
              if v is not None and math.isfinite(float(v))]
    if len(values) > POINTS:
        step = math.ceil(len(values) / POINTS)
        values = values[::step] + ([values[-1]] if (len(values) - 1) % step else [])
    return values


def _scale(table, columns: list[str], floor_band: float = 0.0) -> Scale | None:
    return _scale_of([p for c in columns for p in _points(table, c)], floor_band)


def _scale_of(points: list[tuple[float, float]], floor_band: float = 0.0) -> Scale | None:
    """Axes for these points: logarithmic past a 30x span, else padded a little."""
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    low, high = min(ys), max(ys)
    log = low > 0 and high / low > 30
    if log:
        low, high = low / (1 + floor_band), high * (1 + floor_band)
    else:
        pad = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    return Scale(min(xs), max(xs), low, high, log)


def _path(points: list[tuple[float, float]], scale: Scale, shift: float = 0.0) -> str:
    return "M" + " L".join(f"{scale.x(e - shift):.1f},{scale.y(v):.1f}" for e, v in points)


def _axes(scale: Scale, unit: str) -> list[str]:
    out = [f'<line class="axis" x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" '
           f'x2="{WIDTH - PAD_RIGHT}" y2="{HEIGHT - PAD_BOTTOM}"/>']
    for value in _ticks(scale):
        y = scale.y(value)
        out.append(f'<line class="grid" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" '
                   f'y2="{y:.1f}"/><text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{value:.3g}</text>')
    for epoch in _epoch_ticks(scale):
        out.append(f'<text x="{scale.x(epoch):.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                   f'text-anchor="middle">{epoch:g}</text>')
    out.append(f'<text x="{(WIDTH + PAD_LEFT) / 2:.0f}" y="{HEIGHT - 4}" '
               f'text-anchor="middle">{esc(unit)}</text>')
    return out


def _ticks(scale: Scale) -> list[float]:
    if scale.log:
        low, high = math.floor(math.log10(scale.y0)), math.ceil(math.log10(scale.y1))
        return [10.0 ** k for k in range(low, high + 1) if scale.y0 <= 10.0 ** k <= scale.y1]
    step = _nice((scale.y1 - scale.y0) / 4)
    first = math.ceil(scale.y0 / step) * step
    return [first + k * step for k in range(6) if first + k * step <= scale.y1]


def _epoch_ticks(scale: Scale) -> list[float]:
    step = max(1.0, _nice((scale.x1 - scale.x0) / 6))
    first = math.ceil(scale.x0 / step) * step
    return [first + k * step for k in range(8) if first + k * step <= scale.x1]


def _nice(raw: float) -> float:
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def loss_chart(result: Result, columns: list[str]) -> str:
    """The loss curves with the findings drawn where they happen."""
    run = result.run
    marks = _marks(result)
    band = float(marks.get("band") or 0.0)
    scale = _scale(run.table, columns, floor_band=math.expm1(band) if band else 0.0)
    if scale is None:
        return ""
    out = _svg_open("loss")
    onset = result.fit.onset_epoch if result.fit is not None else None
    if onset is not None:
        out.append(f'<rect class="after-onset" x="{scale.x(onset):.1f}" y="{PAD_TOP}" '
                   f'width="{scale.x(scale.x1) - scale.x(onset):.1f}" '
                   f'height="{HEIGHT - PAD_TOP - PAD_BOTTOM}"><title>after the onset '
                   f"(epoch {onset})</title></rect>")
    out += _axes(scale, "epoch" if run.info.row == "epoch" else run.info.row)
    if band and "val_loss" in columns:
        val = _points(run.table, "val_loss")
        upper = [(e, v * math.exp(band)) for e, v in val]
        lower = [(e, v * math.exp(-band)) for e, v in reversed(val)]
        out.append(f'<path class="band" d="{_path(upper, scale)} L'
                   f'{_path(lower, scale)[1:]} Z"><title>noise band</title></path>')
    for column in columns:
        kind = column if column in LOSSES else "extra"
        out.append(f'<path class="curve s-{kind}" data-series="{esc(column)}" '
                   f'd="{_path(_points(run.table, column), scale)}"/>')
    if marks.get("shift") and "train_loss" in columns:
        out.append(f'<path class="curve shifted" data-series="train_loss_shifted" '
                   f'd="{_path(_points(run.table, "train_loss"), scale, marks["shift"])}"/>')
    if onset is not None:
        out.append(f'<line class="onset" x1="{scale.x(onset):.1f}" y1="{PAD_TOP}" '
                   f'x2="{scale.x(onset):.1f}" y2="{HEIGHT - PAD_BOTTOM}"/>')
    if result.best is not None:
        x, y = scale.x(result.best.epoch), scale.y(result.best.val_loss)
        out.append(f'<line class="best" x1="{x:.1f}" y1="{PAD_TOP}" x2="{x:.1f}" '
                   f'y2="{HEIGHT - PAD_BOTTOM}"/><circle class="best-dot" data-mark="best" '
                   f'cx="{x:.1f}" cy="{y:.1f}" r="4"><title>best epoch {result.best.epoch}'
                   "</title></circle>")
    for curve, epoch in marks.get("spikes") or []:
        column = "train_loss" if curve == "training" else "val_loss"
        if column in run.table and epoch in run.table.index:
            value = float(run.table[column].loc[epoch])
            if math.isfinite(value):
                out.append(f'<circle class="spike" data-mark="spike" cx="{scale.x(epoch):.1f}" '
                           f'cy="{scale.y(value):.1f}" r="7"><title>{esc(curve)} spike, epoch '
                           f"{epoch}</title></circle>")
    return "\n".join(out) + "</svg>"


def chart(table, columns: list[str], title: str) -> str:
    scale = _scale(table, columns)
    if scale is None:
        return ""
    out = _svg_open(title)
    out += _axes(scale, "epoch")
    for column in columns:
        out.append(f'<path class="curve {_kind(column)}" data-series="{esc(column)}" '
                   f'd="{_path(_points(table, column), scale)}"/>')
    return "\n".join(out) + "</svg>"


def _kind(column: str) -> str:
    """A metric drawn in its split's colour: training blue, validation orange."""
    return "s-val_loss" if column.startswith("val_") else \
        "s-train_loss" if column.startswith("train_") else "s-extra"


def _svg_open(label: str) -> list[str]:
    return [f'<svg class="chart" data-chart="{esc(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{esc(label)} by epoch" xmlns="http://www.w3.org/2000/svg">']


# ---- compare ------------------------------------------------------------------------------

PALETTE = ("#1f6feb", "#d9480f", "#2b8a3e", "#6f42c1", "#b08800", "#c2255c")


def render_compare(comparison, stream: IO[str]) -> None:
    """`valgap compare`: every run's curves on the same axes, the differences from the
    baseline listed, then each run's own section."""
    pictures = [comparison.baseline, *comparison.runs]
    names = ["baseline"] + [f"run {i}" for i in range(1, len(pictures))]
    out = [page_head("valgap compare"), "<h1>valgap compare</h1>", '<div class="runs">'
           '<div class="head"><span>run</span><span>fit</span><span>first cause</span>'
           '<span class="num">confidence</span><span class="num">best val</span></div>']
    for name, pic in zip(names, pictures):
        r = pic.result
        first = r.causes[0] if r.causes else None
        fit = esc(r.fit.fit if r.fit and r.fit.fit else "not judged")
        best = f"{pic.best_val:.4g} @ {pic.best_epoch}" if pic.best_val is not None else "-"
        out.append(f'<div class="row"><span>{esc(name)}: {esc(shown(r.label))}</span>'
                   f'<span class="fit fit-{fit}">{fit}</span>'
                   f'<span>{esc(first.rule) if first else "-"}</span>'
                   f'<span class="num">{f"{first.confidence:.2f}" if first else "-"}</span>'
                   f'<span class="num">{esc(best)}</span></div>')
    out.append("</div>")
    out.append(_compare_chart(pictures, names))
    for name, changes in zip(names[1:], comparison.changes):
        out.append(f"<h2>{esc(name)} against the baseline</h2><ul class=\"differences\">")
        out += [f"<li>{esc(c.text)}" + (f'<div class="muted">check: {esc(c.check)}</div>'
                                        if c.check else "") + "</li>"
                for c in changes] or ["<li>no difference beyond noise</li>"]
        out.append("</ul>")
    out += [section(pic.result, i) for i, pic in enumerate(pictures)]
    stream.write("\n".join(out) + "\n</body>\n</html>\n")


def _compare_chart(pictures, names: list[str]) -> str:
    tables = [(p.result.run.table, i) for i, p in enumerate(pictures)
              if p.result.run is not None and p.result.run.table is not None]
    points = {(i, c): _points(t, c) for t, i in tables for c in LOSSES if c in t}
    scale = _scale_of([p for series in points.values() for p in series])
    if scale is None:
        return ""
    out = _svg_open("compare") + _axes(scale, "epoch")
    keys = []
    for (i, column), series in points.items():
        colour = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if column == "train_loss" else ""
        out.append(f'<path class="curve" data-series="{esc(names[i])}:{column}" '
                   f'style="stroke: {colour}"{dash} d="{_path(series, scale)}"/>')
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        keys.append(f'<span><i class="key" style="background: {colour}"></i>{esc(name)} '
                    "(validation solid, training dashed)</span>")
    return "\n".join(out) + "</svg>" + '<p class="legend">' + "".join(keys) + "</p>"
