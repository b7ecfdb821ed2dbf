"""Plain text printed by hand-written training loops.

Tolerant line reader for the usual shapes::

    Epoch 3: train loss: 425.88 - validation loss: 423.35
    epoch 3 | train_loss 0.412 | val_loss 0.397
    [3/20] loss=0.41 val_loss=0.40
    2025-04-24 21:16:20,207 - INFO - Epoch [3/50], Train Loss: 1.93, Val Loss: 1.87
    Epoch [3/100] - Time: 0.66s            (a block: the values follow on the next lines)
      Train Loss: 4.20, Train Acc: 41%
    | Epoch | Train Loss | Val Loss |       (Markdown or ASCII tables)

tqdm bars and other noise are skipped; ``test`` metrics are never taken for validation.
"""
from __future__ import annotations

import math
import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import NUMBER, Limits, Source, clean, to_float

NAME = "loop-text"

# Every quantifier is bounded or followed by a character it cannot match, and unanchored
# patterns start with a character class a run of digits or spaces cannot repeat, so that
# matching stays linear on hostile lines (a megabyte of spaces or digits).
LOG_PREFIX = re.compile(r"^[ \t]{0,64}(?:\[?\d{4}-\d\d-\d\d[ T][\d:,.]{1,32}\]?[ \t]{0,8}"
                        r"(?:[-|][ \t]{0,8})?)"
                        r"(?:[\w.]{1,64}[ \t]{0,8}[-|:][ \t]{0,8})?"
                        r"(?:(?:INFO|DEBUG|WARNING)[ \t]{0,8}(?:[-|:][ \t]{0,8})?)?")
TQDM = re.compile(r"(?<!\d)\d{1,3}%\||(?<!\d) \d{1,12}/\d{1,12} \[\d{1,6}:\d\d<|it/s\]|s/it\]"
                  r"|batch/s")
# a whole tqdm bar: "100%|█████| 1568/1568 [00:24<00:00, 63.84it/s, loss=0.4]"
TQDM_BAR = re.compile(r"(?<!\d)\d{1,3}%\|[^|]{0,400}\|[ \t]{0,8}\d{1,12}/\d{1,12}[ \t]{0,8}"
                      r"\[(?P<post>[^\]]{0,2000})\]")
STEP = re.compile(r"(?i)\b(?:training )?(?:step|iter(?:ation)?)\b[ \t]{0,8}[:#]?[ \t]{0,8}\d")
EPOCH = re.compile(r"(?i)\bepoch\b[ \t]{0,16}[:#]?[ \t]{0,16}\[?[ \t]{0,8}(\d{1,9})(?!\d)"
                   r"(?:[ \t]{0,8}(?:/|of)[ \t]{0,8}\d{1,9})?[ \t]{0,8}\]?")
BRACKET_EPOCH = re.compile(r"^[ \t]{0,64}\[[ \t]{0,8}(\d{1,9})[ \t]{0,8}/[ \t]{0,8}\d{1,9}"
                           r"[ \t]{0,8}\]")
SPLIT_WORD = r"(?:train(?:ing)?|val(?:id(?:ation)?)?|eval(?:uation)?|dev|test(?:ing)?|trn)"
METRIC_WORD = r"(?:loss|acc(?:uracy)?|mae|mse|rmse|f1|auc|error|ppl|perplexity)"
METRIC = re.compile(
    rf"(?i)(?<![\w/])((?:{SPLIT_WORD}[ _/-]?)?{METRIC_WORD}(?:[ _/-]?{SPLIT_WORD})?)"
    rf"(?:[ \t]*[:=][ \t]*|[ \t]+)({NUMBER})(%)?(?![\w.])")
TABLE_SEP = re.compile(r"[|│┃]")  # cells are stripped: no \\s* around the bar


def sniff(head: str) -> float:
    """Read the head as this parser would: two epochs with a loss make it loop text."""
    reader = _Reader("", Limits(max_runs=1 << 30))  # a sniff only counts; parse enforces
    for line_no, raw in enumerate(head.splitlines()[:5000], start=1):
        reader.feed(raw, line_no)
    return 0.5 if len(_loss_records(reader)) >= 2 else 0.0


def _strip_prefix(line: str) -> str:
    return LOG_PREFIX.sub("", line, count=1)


def _table_header(line: str) -> list[str] | None:
    if line.count("|") + line.count("│") + line.count("┃") < 2:
        return None
    cells = [c.strip().lower() for c in TABLE_SEP.split(line.strip().strip("|│┃"))]
    if any(c == "epoch" for c in cells) and any("loss" in c for c in cells):
        return cells
    return None


class Incremental:
    """Feed raw lines as they arrive; ``records()`` gives the epochs with a loss so far."""

    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.reader = _Reader(name, limits)

    @property
    def info(self) -> RunInfo:
        return self.reader.info

    def feed(self, raw: str, line_no: int) -> None:
        self.reader.feed(raw, line_no)

    def records(self) -> list[EpochRecord]:
        return _loss_records(self.reader)


class _Reader:
    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.info = RunInfo(source=name, format=NAME)
        self.records = _table.Records(name, limits)
        self.current: EpochRecord | None = None
        self.table: list[str] | None = None
        self.shape: str | None = None
        self.explicit = False  # the current epoch was opened by an epoch number

    def feed(self, raw: str, line_no: int) -> None:
        line = _strip_prefix(clean(raw))
        _table.scan_facts(line, self.info, in_summary=False)
        bar = TQDM_BAR.search(line)
        if bar:  # a loop that prints right after its tqdm bar, on the same line
            line = line[bar.end():]
        if not line.strip() or TQDM.search(line):
            return
        header = _table_header(line)
        if header:
            self.table, self.shape = header, "a table with columns " + " | ".join(header)
            return
        if self.table and self._table_row(line, line_no):
            return
        epoch = EPOCH.search(line) or BRACKET_EPOCH.match(line)
        if not epoch and STEP.search(line):
            return  # a step-level print, not an epoch summary
        metrics = [(m.group(1), m.group(2), m.group(3)) for m in METRIC.finditer(line)]
        if epoch:
            number = int(epoch.group(1))
            if self.current is None or self.current.epoch != number:
                self._start(number, line_no)
            self.explicit = True
        if metrics:
            self._add(metrics, line, line_no)

    def _start(self, number: int, line_no: int) -> None:
        self.current = EpochRecord(number, {}, line_no)
        self.records.append(self.current)

    def _add(self, metrics: list[tuple[str, str, str | None]], line: str, line_no: int) -> None:
        values = {}
        for name, value, pct in metrics:
            if _table.canonical(name) is None:
                continue
            number = to_float(value)
            values[name] = number / 100 if pct else number
        if not values:
            return
        if self.current is None or self._repeats(values):
            # no epoch numbers: a new training line opens the next epoch
            self._start(self.records[-1].epoch + 1 if self.records else 1, line_no)
            self.explicit = False
        assert self.current is not None
        self.current.values.update(values)
        self.current.line = line_no
        if self.shape is None:
            self.shape = line.strip()[:100]

    def _repeats(self, values: dict[str, float]) -> bool:
        """A value the current epoch has already, where no epoch number opened it."""
        assert self.current is not None
        have = {_table.column(k) for k in self.current.values}
        return not self.explicit and bool(have & {_table.column(k) for k in values})

    def _table_row(self, line: str, line_no: int) -> bool:
        assert self.table is not None
        cells = [c.strip() for c in TABLE_SEP.split(line.strip().strip("|│┃"))]
        if len(cells) != len(self.table):
            return False
        try:
            numbers = [to_float(c.rstrip("%")) for c in cells]
        except ValueError:
            return bool(set(line.strip()) <= set("|-:+ =─┼├┤│"))
        row = dict(zip(self.table, numbers))
        number = row.pop("epoch")
        if not (math.isfinite(number) and number >= 0 and number == int(number)
                and number < 1e9):
            return False  # not an epoch number: not a row of this table
        epoch = int(number)
        self.current = EpochRecord(epoch, {k: v for k, v in row.items() if _table.canonical(k)},
                                   line_no)
        self.records.append(self.current)
        return True


def _loss_records(reader: _Reader) -> list[EpochRecord]:
    return [r for r in reader.records
            if any(_table.is_curve(k) for k in r.values)]


def parse(source: Source) -> list[Run]:
    reader = _Reader(source.name, source.limits)
    for line_no, raw in source.numbered():
        reader.feed(raw, line_no)
    records = _loss_records(reader)
    if not records:
        raise InputError("no epoch with a training or validation loss found in the text",
                         source.name, code="no-epochs")
    reader.info.notes.append(f"read lines shaped like: {reader.shape}")
    return _table.build_runs(records, reader.info)
