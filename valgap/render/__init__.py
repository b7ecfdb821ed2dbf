"""Renderers: one module per output format; each only turns results into text.

Every renderer has ``render(results, stream, opts)`` and imports nothing but ``model``
(and its own drawing library), so the analysis never depends on how it is shown.
``stream`` feeds them one result at a time, for batches of any length.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int = 100
    plot: bool = True
    verbose: bool = False
    details: bool = False  # in a batch: each run's full report after the summary
    height: int | None = None  # the report must fit this many rows (a live watch screen)


FORMATS = ("text", "json", "markdown", "github", "sarif", "html")


def use_color(stream: IO[str], choice: str = "auto") -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org)."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def terminal_width(stream: IO[str]) -> int:
    try:
        if stream.isatty():
            return max(40, min(os.get_terminal_size(stream.fileno()).columns, 160))
    except (OSError, ValueError, AttributeError):
        pass
    columns = os.environ.get("COLUMNS", "")
    return max(40, min(int(columns), 160)) if columns.isdigit() else 100


def render(fmt: str, results: list, stream: IO[str] = sys.stdout,
           opts: RenderOptions | None = None) -> None:
    opts = opts or RenderOptions()
    if fmt == "json":
        from valgap.render import json as module
    elif fmt == "markdown":
        from valgap.render import markdown as module
    elif fmt == "github":
        from valgap.render import github as module
    elif fmt == "sarif":
        from valgap.render import sarif as module
    elif fmt == "html":
        from valgap.render import html as module
    elif len(results) > 1:
        from valgap.render import summary, text

        summary.render(results, stream, opts)
        if opts.details:
            stream.write("\n")
            text.render(results, stream, opts)
        return
    else:
        from valgap.render import text as module
    module.render(results, stream, opts)
