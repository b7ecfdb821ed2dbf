"""A Markdown summary for $GITHUB_STEP_SUMMARY or a merge-request comment.

Everything from an input (file names, quoted log text) is escaped for both Markdown and
HTML: GitHub renders raw HTML in a step summary, and a backtick in a file name would close
a code span. Names are shown as ``<code>`` elements with escaped content instead.
"""
from __future__ import annotations

import html
import re
from typing import IO

from valgap._safe import printable, shown
from valgap.model import Result
from valgap.render._rank import first_cause, ranked

ICON = {"diverged": "🔴", "overfit": "🟠", "val-below-train": "🟡", "underfit": "🟠",
        "too-short": "⚪", "good-fit": "🟢", None: "⚪"}
# characters Markdown gives an inline meaning to (links need [ and ], so ( ) stay plain):
# written as numeric entities, which every renderer shows as the character and none reads
# as syntax (a backslash escape does not work inside code)
_MARKDOWN = re.compile(r"[\\`*_\[\]|~]")


def cell(text: str) -> str:
    """Text for a table cell: one line, HTML and Markdown inert."""
    escaped = html.escape(printable(text), quote=False)  # & < > first: no tag can open
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", escaped)


def code(text: str) -> str:
    """A name shown as code: an HTML element, so no backtick in the name can end it (the
    text inside is still Markdown to GitHub, so it is escaped the same way)."""
    return "<code>" + cell(shown(text)) + "</code>"


def render(results: list[Result], stream: IO[str], opts) -> None:
    stream.write("## valgap: training runs\n\n")
    stream.write("| | run | fit | first cause | epochs | verdict |\n|---|---|---|---|---:|---|\n")
    for result in ranked(results):
        if result.error is not None:
            stream.write(f"| ❌ | {code(result.source)} | unreadable | - | - | "
                         f"{cell(result.error.message)} |\n")
            continue
        fit = result.fit.fit if result.fit else None
        stream.write(f"| {ICON.get(fit, '⚪')} | {code(result.source)} | {fit or '-'} | "
                     f"{cell(first_cause(result))} | {result.run.epochs_logged} | "
                     f"{cell(result.verdict)} |\n")
    checks = [(r, c) for r in ranked(results) if r.error is None for c in r.causes[:1]]
    if checks:
        stream.write("\n<details><summary>Recommended checks</summary>\n\n")
        for result, cause in checks:
            stream.write(f"- {code(result.source)} ({cause.rule}): "
                         f"{cell(cause.checks[0]) if cause.checks else '-'}\n")
        stream.write("\n</details>\n")
