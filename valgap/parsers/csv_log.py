"""CSV loggers: Keras ``CSVLogger``, PyTorch Lightning ``metrics.csv`` and generic tables.

Lightning rows are sparse (training steps, validation results and the training epoch
aggregate sit on different rows), so rows are merged per ``epoch``: a ``*_epoch`` column
wins over its ``*_step`` twin, and a metric logged on several rows of one epoch is
averaged over them (which is what an epoch-level training loss is anyway).
"""
from __future__ import annotations

import csv
import io
import math
import re

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import Source

NAME = "csv"
LIGHTNING = "lightning-csv"
KERAS = "keras-csv"

LOSSY = re.compile(r"loss|acc|mae|mse|error", re.IGNORECASE)


NAME_CELL = re.compile(r"^[\w./@\- ()%]{1,60}$")


def sniff(head: str) -> float:
    """A header of column names, then a row of the same width that is mostly numbers."""
    lines = head.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if len(lines) < 2 or lines[0].startswith(("{", "[", "#")):
        return 0.0
    first = lines[0].strip()
    delim = _delimiter(first)
    if delim is None:
        return 0.0
    names = [n.strip().strip('"') for n in first.split(delim)]
    if names[:3] == ["Wall time", "Step", "Value"]:
        return 0.0  # a TensorBoard export
    if len(names) < 2 or not all(NAME_CELL.match(n) for n in names if n):
        return 0.0
    cells = [c.strip() for c in lines[1].split(delim)]
    filled = [c for c in cells if c]  # Lightning rows are sparse
    numeric = sum(1 for c in filled if _is_number(c))
    if len(cells) != len(names) or not numeric or numeric < len(filled) / 2:
        return 0.0
    return 0.8 if any(LOSSY.search(n) for n in names) else 0.0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _delimiter(first_line: str) -> str | None:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def parse(source: Source, train_col: str | None = None, val_col: str | None = None) -> list[Run]:
    text = source.text().lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delim = _delimiter(first) or ","
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        header = [h.strip() for h in next(reader, [])]
        rows = [(n, r) for n, r in enumerate(reader, start=2) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"not a readable CSV: {exc}", source.name, line=reader.line_num,
                         code="bad-csv") from None
    if not rows:
        raise InputError("CSV has a header but no rows", source.name, code="no-epochs")
    columns = _choose_columns(header, source.name, train_col, val_col)
    lower = [h.lower() for h in header]
    fmt = LIGHTNING if "step" in lower and "epoch" in lower else (
        KERAS if lower and lower[0] == "epoch" else NAME)
    framework = {LIGHTNING: "pytorch", KERAS: "keras"}.get(fmt)
    info = RunInfo(source=source.name, format=fmt, framework=framework)
    info.notes.append("columns used: " + ", ".join(f"{c} <- {n}" for n, c in columns.items()))
    records = _records(header, rows, columns, info, source.name)
    if not records:
        raise InputError("no row with a loss value", source.name, code="no-epochs")
    runs = _table.build_runs(records, info, columns)
    return runs


def _choose_columns(header: list[str], name: str, train_col: str | None,
                    val_col: str | None) -> dict[str, str]:
    """Log column -> table column. ``*_epoch`` beats ``*_step``; step-only metrics are used."""
    chosen: dict[str, str] = {}
    by_target: dict[str, str] = {}
    for col in header:
        if col.lower().endswith("_step") and _epoch_twin(col, header):
            continue
        target = _table.column(re.sub(r"_step$", "", col, flags=re.IGNORECASE))
        if target and target not in by_target:
            by_target[target] = col
    for flag, target in ((train_col, "train_loss"), (val_col, "val_loss")):
        if flag is None:
            continue
        if flag not in header:
            raise InputError(f"no column {flag!r} (columns: {', '.join(header)})", name,
                             line=1, code="bad-column")
        by_target = {t: c for t, c in by_target.items() if c != flag}
        by_target[target] = flag
    for target, col in by_target.items():
        chosen[col] = target
    if "train_loss" not in by_target and "val_loss" not in by_target:
        raise InputError(f"no loss column recognised among {', '.join(header)} "
                         "(name them with --train-col / --val-col)", name, line=1,
                         code="no-loss-column")
    return chosen


def _epoch_twin(col: str, header: list[str]) -> bool:
    twin = col[: -len("_step")] + "_epoch"
    return any(h.lower() == twin.lower() for h in header)


def _records(header: list[str], rows: list[tuple[int, list[str]]], columns: dict[str, str],
             info: RunInfo, name: str) -> list[EpochRecord]:
    lower = [h.lower() for h in header]
    epoch_at = lower.index("epoch") if "epoch" in lower else None
    # (run, epoch) -> column -> values; a run starts again where the epoch numbering does
    sums: dict[tuple[int, int], dict[str, list[float]]] = {}
    order: list[tuple[int, int]] = []
    lines: dict[tuple[int, int], int] = {}
    previous = None
    run = 0
    averaged = set()
    for position, (line_no, row) in enumerate(rows):
        epoch = _epoch_of(row, epoch_at, position)
        if epoch is None:
            continue
        if previous is not None and epoch < previous:
            run += 1  # numbering started over: a resumed or restarted run
        previous = epoch
        key = (run, epoch)
        if key not in sums:
            sums[key] = {}
            order.append(key)
        lines[key] = line_no
        for col, value in zip(header, row):
            if col not in columns or not value.strip():
                continue
            try:
                number = float(value)
            except ValueError:
                raise InputError(f"column {col!r}: {value[:30]!r} is not a number", name,
                                 line=line_no, code="bad-value") from None
            bucket = sums[key].setdefault(col, [])
            bucket.append(number)
            if len(bucket) > 1:
                averaged.add(col)
    if averaged:
        info.notes.append("logged several times per epoch, averaged over the epoch: "
                          + ", ".join(sorted(averaged)))
    base = 1 if sums and min(epoch for _, epoch in sums) == 0 else 0
    records = []
    for key in order:
        values = {c: _mean(v) for c, v in sums[key].items()}
        if any(columns[c] in ("train_loss", "val_loss") for c in values):
            records.append(EpochRecord(key[1] + base, values, lines[key]))
    return records


def _epoch_of(row: list[str], epoch_at: int | None, position: int) -> int | None:
    if epoch_at is None:
        return position + 1
    if epoch_at >= len(row) or not row[epoch_at].strip():
        return None
    try:
        value = float(row[epoch_at])
    except ValueError:
        return None
    return int(value) if math.isfinite(value) else None


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values):
        return float("nan") if any(math.isnan(v) for v in values) else values[-1]
    return sum(values) / len(values)
