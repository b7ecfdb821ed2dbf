"""A Markdown summary for $GITHUB_STEP_SUMMARY or a merge-request comment."""
from __future__ import annotations

from typing import IO

from valgap._safe import printable
from valgap.model import Result
from valgap.render._rank import first_cause, ranked

ICON = {"diverged": "🔴", "overfit": "🟠", "val-below-train": "🟡", "underfit": "🟠",
        "too-short": "⚪", "good-fit": "🟢", None: "⚪"}


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def render(results: list[Result], stream: IO[str], opts) -> None:
    stream.write("## valgap: training runs\n\n")
    stream.write("| | run | fit | first cause | epochs | verdict |\n|---|---|---|---|---:|---|\n")
    for result in ranked(results):
        if result.error is not None:
            stream.write(f"| ❌ | `{_cell(result.source)}` | unreadable | - | - | "
                         f"{_cell(result.error.message)} |\n")
            continue
        fit = result.fit.fit if result.fit else None
        stream.write(f"| {ICON.get(fit, '⚪')} | `{_cell(result.source)}` | {fit or '-'} | "
                     f"{_cell(first_cause(result))} | {result.run.epochs} | "
                     f"{_cell(result.verdict)} |\n")
    checks = [(r, c) for r in ranked(results) if r.error is None for c in r.causes[:1]]
    if checks:
        stream.write("\n<details><summary>Recommended checks</summary>\n\n")
        for result, cause in checks:
            stream.write(f"- `{_cell(result.source)}` ({cause.rule}): "
                         f"{_cell(cause.checks[0]) if cause.checks else '-'}\n")
        stream.write("\n</details>\n")
