"""A Markdown summary for $GITHUB_STEP_SUMMARY or a merge-request comment.

Everything from an input (file names, quoted log text) is escaped for both Markdown and
HTML: GitHub renders raw HTML in a step summary, and a backtick in a file name would close
a code span. Names are shown as ``<code>`` elements with escaped content instead.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from typing import IO

from valgap._safe import printable, shown
from valgap.model import Result, row_unit
from valgap.render._rank import Row, ranked

ICON = {"diverged": "🔴", "overfit": "🟠", "val-below-train": "🟡", "underfit": "🟠",
        "too-short": "⚪", "good-fit": "🟢", None: "⚪"}
# characters Markdown gives an inline meaning to (links need [ and ], so ( ) stay plain):
# written as numeric entities, which every renderer shows as the character and none reads
# as syntax (a backslash escape does not work inside code)
_MARKDOWN = re.compile(r"[\\`*_\[\]|~]")


TABLE_HEAD = ("| | run | fit | first cause | epochs | best epoch | verdict |\n"
              "|---|---|---|---|---:|---:|---|\n")


def cell(text: str) -> str:
    """Text for a table cell: one line, HTML and Markdown inert."""
    escaped = html.escape(printable(text), quote=False)  # & < > first: no tag can open
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", escaped)


def code(text: str) -> str:
    """A name shown as code: an HTML element, so no backtick in the name can end it (the
    text inside is still Markdown to GitHub, so it is escaped the same way)."""
    return "<code>" + cell(shown(text)) + "</code>"


CHARTS = 5        # runs whose curves a summary draws (the most urgent)
CHART_POINTS = 60  # points per curve: GitHub renders Mermaid up to a size


def render(results: list[Result], stream: IO[str], opts) -> None:
    head(stream)
    ordered = ranked(results)
    rows = [Row.of(r, i) for i, r in enumerate(ordered)]
    for row in rows:
        stream.write(table_row(row))
    checks(rows, stream)
    if getattr(opts, "plot", True):
        curves(ordered, stream)


def curves(results: list[Result], stream: IO[str]) -> None:
    """The loss curves of the most urgent runs as Mermaid line charts (GitHub draws them
    in job summaries and comments); ``--no-plot`` leaves them out."""
    charts = [(r, chart) for r in results if (chart := mermaid(r))][:CHARTS]
    if not charts:
        return
    stream.write("\n<details><summary>Loss curves</summary>\n\n")
    for result, chart in charts:
        stream.write(f"{code(result.label)}: training (first line), validation (second)"
                     "\n\n```mermaid\n" + chart + "```\n\n")
    stream.write("</details>\n")


def mermaid(result: Result) -> str:
    """A Mermaid ``xychart-beta`` of a run's two losses (every k-th epoch, the last kept),
    or "" when the run has no table of both. Only numbers and fixed words go in: nothing
    from the log can end the code block or the chart's syntax."""
    import math

    run = result.run
    if run is None or run.table is None or not {"train_loss", "val_loss"} <= set(run.table):
        return ""
    points = [(int(e), float(t), float(v)) for e, t, v in
              zip(run.table.index, run.table["train_loss"], run.table["val_loss"])
              if math.isfinite(t) and math.isfinite(v)]
    if len(points) < 2:
        return ""
    step = math.ceil(len(points) / CHART_POINTS)
    kept = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    unit = row_unit(run.info.row)
    return ("xychart-beta\n"
            f"    x-axis \"{unit}\" [{', '.join(str(e) for e, _, _ in kept)}]\n"
            "    y-axis \"loss\"\n"
            f"    line [{', '.join(_plain(t) for _, t, _ in kept)}]\n"
            f"    line [{', '.join(_plain(v) for _, _, v in kept)}]\n")


def _plain(value: float) -> str:
    """Four significant digits without an exponent (Mermaid reads no 1e-05)."""
    text = f"{value:.4g}"
    if "e" in text:
        digits = max(0, 3 - int(f"{value:e}".split("e")[1]))
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".") or "0"
    return text


def head(stream: IO[str]) -> None:
    stream.write("## valgap: training runs\n\n")
    stream.write(TABLE_HEAD)


def table_row(row: Row) -> str:
    if row.fit == "unreadable":
        return f"| ❌ | {code(row.source)} | unreadable | - | - | - | {cell(row.verdict)} |\n"
    fit = None if row.fit == "not judged" else row.fit
    return (f"| {ICON.get(fit, '⚪')} | {code(row.source)} | {fit or '-'} | "
            f"{cell(row.cause)} | {row.epochs} | {row.best} | {cell(row.verdict)} |\n")


def checks(rows: list[Row], stream: IO[str]) -> None:
    """The first check of each run's first cause, folded away."""
    listed = [r for r in rows if r.cause_id]
    if listed:
        stream.write("\n<details><summary>Recommended checks</summary>\n\n")
        for row in listed:
            stream.write(f"- {code(row.source)} ({row.cause_id}): "
                         f"{cell(row.check) if row.check else '-'}\n")
        stream.write("\n</details>\n")


def counts(total: int, fits: Counter, causes: Counter, urgent: list[Row],
           stream: IO[str], streamed: bool) -> None:
    """A large batch: counts per fit class and first cause, then the most urgent runs
    (after the full table when the rows were streamed above)."""
    if streamed:
        stream.write("\n")
    else:
        stream.write("## valgap: training runs\n\n")
    stream.write(f"**{total:,} runs analysed.**\n\n")
    for title, counter in (("fit class", fits), ("first cause", causes)):
        stream.write(f"| {title} | runs | share |\n|---|---:|---:|\n")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            stream.write(f"| {cell(key)} | {n:,} | {100 * n / total:.1f}% |\n")
        stream.write("\n")
    stream.write(f"### The {len(urgent)} most urgent runs\n\n")
    stream.write(TABLE_HEAD)
    for row in urgent:
        stream.write(table_row(row))
    checks(urgent, stream)
