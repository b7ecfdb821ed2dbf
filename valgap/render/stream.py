"""Reports written as the results come, one result at a time, so that a batch of any
length is reported in bounded memory.

JSON Lines, GitHub annotations and SARIF are written result by result; the HTML page keeps
one row per run and the most urgent runs in full (``render.html.Page``). The text and
Markdown summaries keep the first ``LARGE`` results and, at the end, show them as before
(ranked, or one run's full report); past ``LARGE`` they keep only counts per fit class and
first cause and the 50 most urgent rows, and the full list is written as it comes when
it goes to a file (``--output``).
"""
from __future__ import annotations

import heapq
from collections import Counter
from typing import IO

from valgap.model import Result
from valgap.render import RenderOptions, render
from valgap.render._rank import Row

LARGE = 300   # runs past which a summary becomes counts and the most urgent runs
URGENT = 50   # the runs a large summary lists


class PerResult:
    """JSON Lines and GitHub annotations: each result is its own lines."""

    def __init__(self, fmt: str, stream: IO[str], opts: RenderOptions) -> None:
        self.stream, self.opts = stream, opts
        if fmt == "json":
            from valgap.render import json as module
        else:
            from valgap.render import github as module
        self.module = module

    def add(self, result: Result) -> None:
        self.module.render([result], self.stream, self.opts)

    def finish(self) -> None:
        pass


class Sarif:
    def __init__(self, stream: IO[str]) -> None:
        from valgap.render import sarif

        self.writer = sarif.Writer(stream)

    def add(self, result: Result) -> None:
        self.writer.add(result)

    def finish(self) -> None:
        self.writer.finish()


class Summary:
    """Text or Markdown: as before up to LARGE runs; past it, counts and the most urgent
    (and, into a file, every run's line as it comes)."""

    def __init__(self, fmt: str, stream: IO[str], opts: RenderOptions,
                 full_list: str | None = None, streamed: bool = False) -> None:
        self.fmt, self.stream, self.opts = fmt, stream, opts
        self.full_list = full_list  # where the full list is (named in a large summary)
        self.streamed = streamed    # write every run as it comes once the batch is large
        self.kept: list[Result] | None = []
        self.total = 0
        self.fits: Counter = Counter()
        self.causes: Counter = Counter()
        self.urgent: list[tuple[int, int, Row]] = []  # a heap of the most urgent, negated

    def add(self, result: Result) -> None:
        if self.kept is not None:
            self.kept.append(result)
            if len(self.kept) <= LARGE:
                return
            kept, self.kept = self.kept, None
            self._start_large()
            for earlier in kept:
                self._count(earlier)
            return
        self._count(result)

    def _start_large(self) -> None:
        if self.streamed and self.fmt == "markdown":
            from valgap.render import markdown

            markdown.head(self.stream)

    def _count(self, result: Result) -> None:
        row = Row.of(result, self.total)
        self.total += 1
        self.fits[row.fit] += 1
        self.causes[row.cause_id or "none"] += 1
        entry = (-row.attention, -row.index, row)
        if len(self.urgent) < URGENT:
            heapq.heappush(self.urgent, entry)
        elif entry > self.urgent[0]:
            heapq.heapreplace(self.urgent, entry)
        if self.streamed:
            self._write_row(row, result)

    def _write_row(self, row: Row, result: Result) -> None:
        if self.fmt == "markdown":
            from valgap.render import markdown

            self.stream.write(markdown.table_row(row))
        elif self.opts.details:  # each run's full report (an unreadable one is on stderr)
            if result.error is None:
                from valgap.render import text

                self.stream.write(text.report(result, self.opts) + "\n")
        else:
            from valgap.render import summary

            self.stream.write(summary.line(row))

    def finish(self) -> None:
        if self.kept is not None:
            if self.kept:
                render(self.fmt, self.kept, self.stream, self.opts)
            return
        urgent = [row for *_, row in sorted(self.urgent, reverse=True)]
        if self.fmt == "markdown":
            from valgap.render import markdown

            markdown.counts(self.total, self.fits, self.causes, urgent, self.stream,
                            self.streamed)
        else:
            from valgap.render import summary

            if self.streamed:
                self.stream.write("\n")
            summary.counts(self.total, self.fits, self.causes, urgent, self.stream,
                           self.opts, self.full_list)


def writer(fmt: str, stream: IO[str], opts: RenderOptions, full_list: str | None = None,
           streamed: bool = False):
    """The writer of ``fmt`` into ``stream``; ``streamed``: a large text or Markdown
    report lists every run as it comes (for a file)."""
    if fmt in ("json", "github"):
        return PerResult(fmt, stream, opts)
    if fmt == "sarif":
        return Sarif(stream)
    if fmt == "html":
        from valgap.render.html import Page

        return Page(stream)
    return Summary(fmt, stream, opts, full_list, streamed)
