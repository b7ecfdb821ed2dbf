"""JSON Lines: one JSON object per line, one per epoch or one per step.

Hand-written loggers (``{"epoch": 3, "train_loss": ..., "val_loss": ...}``), MMEngine /
MMDetection (``*.log.json``, ``vis_data/scalars.json``: training records per iteration with
``"mode": "train"``, validation records apart), detectron2's ``metrics.json`` (per
iteration, ``total_loss`` and ``validation_loss``). Records with an epoch number are merged
per epoch (values averaged over the epoch's records, as an epoch's training loss is); records
without one become evaluation points: each validation record closes a row whose training
loss is the mean of the training records since the previous one.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import Source, as_number

NAME = "jsonl"
VAL_MODES = {"val", "valid", "validation", "eval", "evaluation", "dev"}
MAX_LINE = 1 << 16  # a record of a training log is short; a longer line is not one


def sniff(head: str) -> float:
    lines = [line.strip() for line in head.splitlines() if line.strip()][:50]
    objects = [_object(line) for line in lines]
    found = [o for o in objects if o is not None]
    with_loss = [o for o in found if _values(o)]
    if with_loss and len(found) >= 0.6 * len(lines) and (
            len(found) >= 2 or "epoch" in found[0]):  # one epoch's record: a one-epoch run
        return 0.8
    return 0.0


@dataclass
class _Record:
    epoch: float | None
    values: dict[str, float]
    validation: bool
    line: int


def _object(line: str) -> dict | None:
    if not (line.startswith("{") and line.endswith("}")) or len(line) > MAX_LINE:
        return None
    try:
        obj = json.loads(line, parse_int=lambda s: int(s) if len(s) <= 18 else float(s))
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _values(obj: dict) -> dict[str, float]:
    out = {}
    for key, value in obj.items():
        number = as_number(value)
        if number is not None and isinstance(key, str) and _table.canonical(key) is not None:
            out[key] = number
    return out


def _record(obj: dict, line: int) -> _Record | None:
    values = _values(obj)
    if not values:
        return None
    mode = str(obj.get("mode", obj.get("phase", obj.get("split", "")))).lower()
    epoch = as_number(obj.get("epoch"))
    if _mmengine_validation(obj):  # its step is the epoch it validated
        mode, epoch = "val", as_number(obj.get("step"))
    if mode in VAL_MODES:  # a validation record names its values bare: loss -> val_loss
        values = {(f"val_{k}" if _table.canonical(k)[0] == "train" else k): v
                  for k, v in values.items()}
    splits = {_table.canonical(k)[0] for k in values if _table.is_curve(k)}
    if epoch is not None and not (math.isfinite(epoch) and 0 <= epoch < 1e9):
        epoch = None
    return _Record(epoch, values, validation=splits == {"val"} or mode in VAL_MODES,
                   line=line)


def _mmengine_validation(obj: dict) -> bool:
    """MMEngine's ``vis_data/scalars.json`` writes a validation record as its metrics with
    the step (the epoch, when training by epochs) and timings, and no mode: a training
    record carries ``lr`` and ``iter``."""
    return ("mode" not in obj and "step" in obj and "data_time" in obj
            and not {"lr", "iter", "epoch"} & obj.keys())


def parse(source: Source) -> list[Run]:
    """Records streamed into both shapes of table at once (per epoch, per evaluation), each
    held compactly; which one the log is is known only at its end (nine records in ten
    with an epoch: per epoch). A million records never sit in memory as objects."""
    info = RunInfo(source=source.name, format=NAME)
    by_epoch = _ByEpoch(_table.Records(source.name, source.limits))
    by_evaluation = _ByEvaluation(_table.Records(source.name, source.limits),
                                  _table.Records(source.name, source.limits))
    count = with_epoch = 0
    has_loss = False
    for line_no, raw in source.numbered():
        obj = _object(raw.strip())
        record = _record(obj, line_no) if obj is not None else None
        if record is None:
            continue
        count += 1
        has_loss = has_loss or any(_table.is_curve(k) for k in record.values)
        if record.epoch is not None:
            with_epoch += 1
            by_epoch.feed(record)
        by_evaluation.feed(record)
    if not has_loss:
        raise InputError("no JSON record with a loss", source.name, code="no-epochs")
    info.rows_read = count
    chosen = by_epoch if with_epoch >= 0.9 * count else by_evaluation
    return _table.build_runs(chosen.finish(info), info)


class _ByEpoch:
    """One row per epoch number. Fractional epochs (progress through training, as the HF
    Trainer logs them) are rounded up, so that a step at 0.25 belongs to the first epoch
    and an evaluation at 1.0 closes it (a whole epoch number rounds to itself). Records of
    one epoch are contiguous; a smaller epoch number than the last starts a new run."""

    def __init__(self, rows: _table.Records) -> None:
        self.rows = rows
        self.sums: dict[str, list[float]] = {}
        self.current: int | None = None
        self.line = 0
        self.fractional = False

    def feed(self, r: _Record) -> None:
        epoch = r.epoch  # not None here
        self.fractional = self.fractional or epoch != int(epoch)  # type: ignore[arg-type]
        number = math.ceil(epoch)  # type: ignore[arg-type]
        if number != self.current and self.current is not None:
            self.rows.append(_mean_record(self.current, self.sums, self.line))
            self.sums = {}
        self.current, self.line = number, r.line
        for key, value in r.values.items():
            entry = self.sums.setdefault(key, [0.0, 0])
            entry[0] += value
            entry[1] += 1

    def finish(self, info: RunInfo) -> _table.Records:
        if self.current is not None:
            self.rows.append(_mean_record(self.current, self.sums, self.line))
        info.notes.append("records merged per epoch" + (" (fractional epochs rounded up)"
                                                        if self.fractional else "")
                          + "; values logged several times in an epoch are averaged")
        return self.rows


def _mean_record(epoch: int, sums: dict[str, list[float]], line: int) -> EpochRecord:
    return EpochRecord(epoch, {k: total / count for k, (total, count) in sums.items()}, line)


class _ByEvaluation:
    """Rows at the evaluation points, a training loss the mean of the training records
    since the previous one; without any evaluation, one row per record (kept, compactly,
    until the first evaluation shows they are not needed)."""

    def __init__(self, rows: _table.Records, plain: _table.Records) -> None:
        self.rows, self.plain = rows, plain
        self.pending: dict[str, list[float]] = {}
        self.evaluated = False

    def feed(self, r: _Record) -> None:
        if r.validation:
            row = _mean_record(len(self.rows) + 1, self.pending, r.line)
            row.values.update(r.values)
            self.rows.append(row)
            self.pending, self.evaluated = {}, True
            self.plain = None
            return
        for key, value in r.values.items():
            entry = self.pending.setdefault(key, [0.0, 0])
            entry[0] += value
            entry[1] += 1
        if self.plain is not None:
            self.plain.append(EpochRecord(len(self.plain) + 1, dict(r.values), r.line))

    def finish(self, info: RunInfo) -> _table.Records:
        info.notes.append("one row per evaluation; its training loss is the mean of the "
                          "training records since the previous one" if self.evaluated else
                          "no validation records: one row per record (training loss only)")
        return self.rows if self.evaluated else self.plain
