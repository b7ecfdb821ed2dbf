"""Jupyter notebooks: the text outputs of the cells, read as the training log they hold."""
from __future__ import annotations

import copy
import functools

from valgap.model import InputError, RunInfo
from valgap.parsers import _table
from valgap.parsers._text import Source, clean, load_json

NAME = "notebook"


def sniff(head: str) -> float:
    text = head.lstrip("\ufeff").lstrip()
    # "nbformat" sits at the end of the file, beyond the head of a large notebook
    return 1.0 if text.startswith("{") and '"cells"' in head and '"cell_type"' in head else 0.0


def cells(source: Source) -> list[str]:
    """The output text of each cell that printed something, in order."""
    doc = load_json(source.text(), source.name, "notebook")
    texts = ["".join(_line_ended(_text(out)) for out in _items(cell, "outputs"))
             for cell in _items(doc, "cells")]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise InputError("the notebook has no text outputs (was it saved after running?)",
                         source.name, code="no-epochs")
    return texts


def joined(source: Source, texts: list[str]) -> Source:
    """Cells' outputs as one text source named as the notebook."""
    text = "\n".join(t if t.endswith("\n") else t + "\n" for t in texts)
    return Source(source.name, text.encode("utf-8"), source.limits)


class ModelFacts:
    """What the cells that hold no training log say of the model and the data, in order: a
    printed model (``print(model)``, ``model.summary()`` in its own cell, as notebooks do),
    a batch size, split sizes; each cell read once, line by line, as a text log's own lines
    are."""

    def __init__(self) -> None:
        self.facts = RunInfo(source="", format=NAME)
        self.in_summary = False

    def scan(self, text: str) -> None:
        for raw in text.splitlines():
            line = clean(raw).rstrip()
            if self.in_summary or _table.summary_starts(line.strip()):
                self.in_summary = not _table.summary_ends(line)
                _table.scan_facts(line.strip(), self.facts, self.in_summary)
            elif _table.states_a_fact(line):
                _table.scan_facts(line, self.facts, in_summary=False)

    def so_far(self) -> RunInfo:
        """The facts of the cells scanned until now (a copy: later cells add to this one)."""
        return copy.deepcopy(self.facts)


def lend(info: RunInfo, facts: RunInfo) -> None:
    """Give a run the facts its own cells left open, from the notebook's other cells."""
    lent = []
    if (not info.layers or info.summary_partial) and facts.layers:
        # a summary of the model's top (Lightning's) lists less than a print of it
        for kind, count in facts.layers.items():
            info.layers[kind] = max(info.layers.get(kind, 0), count)
        info.summary_partial = info.summary_partial and facts.summary_partial
        info.framework = info.framework or facts.framework
        lent.append("the model's layers")
    for key in ("n_train", "n_val", "batch_size"):
        if getattr(info, key) is None and getattr(facts, key) is not None:
            setattr(info, key, getattr(facts, key))
            lent.append(key)
    for key, value in facts.facts.items():
        if key not in info.facts:
            info.facts[key] = value
            info.facts_origin = info.facts_origin or "the notebook's other cells"
            lent.append(key)
    if lent:
        info.notes.append("from the notebook's cells before training: " + ", ".join(lent))


def _line_ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _items(node: object, key: str) -> list[dict]:
    """The mappings listed under ``key``; anything of another shape holds no output."""
    value = node.get(key) if isinstance(node, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(output: dict) -> str:
    """A stream output's text; for a displayed result, its HTML tables (fastai's and the
    Trainer's progress tables exist only as HTML) as bar-separated rows, else its plain
    text."""
    data = output.get("data")
    data = data if isinstance(data, dict) else {}
    html = _joined(data.get("text/html"))
    if "<table" in html:
        tables = html_tables(html)
        if ELIDED in tables:  # pandas showed the first and last rows only: not a history
            return ""
        if tables:
            return tables
    return _joined(output.get("text")) or _joined(data.get("text/plain"))


# a row of "..." cells: where pandas cut the rows out of a long DataFrame's display
ELIDED = "| ... |"


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(t for t in value if isinstance(t, str))
    return value if isinstance(value, str) else ""


MAX_TABLE = 4 << 20  # characters of one table fed to the HTML parser


def html_tables(html: str) -> str:
    """The tables of an HTML output as ``| a | b |`` lines (cells' text only). Only closed
    ``<table>…</table>`` spans reach the parser, each bounded: html.parser is quadratic on
    unclosed constructs (a megabyte of ``</`` or ``<!`` takes minutes)."""
    parser = _tables_class()()
    try:
        for table in _table_spans(html):
            parser.feed(table)
        parser.close()
    except (ValueError, AssertionError):  # html.parser on a malformed document
        pass
    return "".join("| " + " | ".join(row) + " |\n" for row in parser.rows)


def _table_spans(html: str):
    lower = html.lower()
    start = lower.find("<table")
    while start >= 0:
        end = lower.find("</table>", start)
        if end < 0:
            return
        if end - start <= MAX_TABLE:
            yield html[start:end + len("</table>")]
        start = lower.find("<table", end)


@functools.cache
def _tables_class() -> type:
    """The parser of HTML tables (html.parser imported only where a notebook has one)."""
    from html.parser import HTMLParser

    class _Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.rows: list[list[str]] = []
            self.row: list[str] | None = None
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs) -> None:
            if tag == "tr":
                self.row = []
            elif tag in ("td", "th") and self.row is not None:
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.row is not None and self.cell is not None:
                text = " ".join("".join(self.cell).split()).replace("|", "/")
                self.row.append("..." if text in ("...", "\u2026") else text)
                self.cell = None
            elif tag == "tr" and self.row is not None:
                if self.row:
                    self.rows.append(self.row)
                self.row = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    return _Tables
