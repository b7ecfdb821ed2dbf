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
from valgap.model import Result
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


def render(results: list[Result], stream: IO[str], opts) -> None:
    head(stream)
    rows = [Row.of(r, i) for i, r in enumerate(ranked(results))]
    for row in rows:
        stream.write(table_row(row))
    checks(rows, stream)


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
