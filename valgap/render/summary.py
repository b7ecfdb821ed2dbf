"""The terminal summary of a batch: one line per run, the most urgent first."""
from __future__ import annotations

from typing import IO

from valgap._safe import printable, shown
from valgap.model import Result
from valgap.render._rank import first_cause, ranked


def render(results: list[Result], stream: IO[str], opts) -> None:
    rows = [("run", "fit", "first cause", "epochs")]
    for result in ranked(results):
        if result.error is not None:
            rows.append((result.source, "unreadable", result.error.message, "-"))
        else:
            fit = result.fit.fit if result.fit and result.fit.fit else "not judged"
            rows.append((result.source, fit, first_cause(result), str(result.run.epochs_logged)))
    rows = [(shown(row[0]), *(printable(c) for c in row[1:])) for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    widths[0] = min(widths[0], max(20, opts.width - sum(widths[1:]) - 8))
    for n, row in enumerate(rows):
        cells = [_fit(row[0], widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].rjust(widths[3])]
        line = "  ".join(cells).rstrip()
        stream.write((f"\x1b[1m{line}\x1b[0m" if opts.color else line) + "\n" if n == 0 else
                     line + "\n")
    unreadable = sum(1 for r in results if r.error is not None)
    stream.write(f"\n{len(results)} runs analysed" +
                 (f", {unreadable} unreadable" if unreadable else "") + "\n")


def _fit(text: str, width: int) -> str:
    """Long paths keep their end, which names the run."""
    return text.ljust(width) if len(text) <= width else "…" + text[-(width - 1):]
