"""The terminal summary of a batch: one line per run, the most urgent first; past a few
hundred runs, counts per fit class and first cause and the 50 most urgent runs."""
from __future__ import annotations

from collections import Counter
from typing import IO

from valgap._safe import printable, shown
from valgap.model import Result
from valgap.render._rank import Row, ranked

HEADER = ("run", "fit", "first cause", "epochs")


def render(results: list[Result], stream: IO[str], opts) -> None:
    table([Row.of(r, i) for i, r in enumerate(ranked(results))], stream, opts)
    unreadable = sum(1 for r in results if r.error is not None)
    stream.write(f"\n{len(results)} runs analysed" +
                 (f", {unreadable} unreadable" if unreadable else "") + "\n")


def table(rows: list[Row], stream: IO[str], opts) -> None:
    cells = [HEADER] + [(r.source, r.fit, r.verdict if r.fit == "unreadable" else r.cause,
                         r.epochs) for r in rows]
    cells = [(shown(c[0]), *(printable(x) for x in c[1:])) for c in cells]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    widths[0] = min(widths[0], max(20, opts.width - sum(widths[1:]) - 8))
    for n, row in enumerate(cells):
        line = "  ".join([_fit(row[0], widths[0]), row[1].ljust(widths[1]),
                          row[2].ljust(widths[2]), row[3].rjust(widths[3])]).rstrip()
        stream.write((f"\x1b[1m{line}\x1b[0m" if opts.color and n == 0 else line) + "\n")


def counts(total: int, fits: Counter, causes: Counter, urgent: list[Row], stream: IO[str],
           opts, full_list: str | None) -> None:
    """A large batch: how many runs per fit class and first cause, then the most urgent."""
    unreadable = fits.get("unreadable", 0)
    stream.write(f"{total:,} runs analysed" +
                 (f", {unreadable:,} unreadable" if unreadable else "") + "\n\n")
    for title, counter in (("fit class", fits), ("first cause", causes)):
        width = max([len(title), *(len(printable(k)) for k in counter)])
        stream.write(f"{title.ljust(width)}  {'runs':>9}  share\n")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            stream.write(f"{printable(key).ljust(width)}  {n:>9,}  {100 * n / total:5.1f}%\n")
        stream.write("\n")
    where = f"every run is in {shown(full_list)}" if full_list else \
        "every run: -o FILE, in any --format"
    stream.write(f"the {len(urgent)} most urgent runs ({where}):\n")
    table(urgent, stream, opts)


def line(row: Row) -> str:
    """One run on one line, for the full list written as the runs come."""
    return printable(f"{row.fit}  {row.verdict if row.fit == 'unreadable' else row.cause}  "
                     f"{row.epochs}  ") + shown(row.source) + "\n"


def _fit(text: str, width: int) -> str:
    """Long paths keep their end, which names the run."""
    return text.ljust(width) if len(text) <= width else "…" + text[-(width - 1):]
