"""JSON Lines: one JSON object per line, one per epoch or one per step.

Hand-written loggers (``{"epoch": 3, "train_loss": ..., "val_loss": ...}``), MMEngine /
MMDetection (``*.log.json``, ``vis_data/scalars.json``: training records per iteration with
``"mode": "train"``, validation records apart), detectron2's ``metrics.json`` (per
iteration, ``total_loss`` and ``validation_loss``), a Ray Tune trial's ``result.json`` (a
record a report, the trial's hyper-parameters in its ``config``: the parameters that are
run facts are read as a tracker's are). Records with an epoch number are merged
per epoch (values averaged over the epoch's records, as an epoch's training loss is); records
without one become evaluation points: each validation record closes a row whose training
loss is the mean of the training records since the previous one; a record holding both
sets' losses among records of training alone (step losses, then an epoch's summary) is an
evaluation point with its own training loss.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _params, _table
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import Limits, Source, as_number

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
    has_loss: bool
    summary: bool = False  # training and validation curves both: an epoch's summary


def _object(line: str) -> dict | None:
    if not (line.startswith("{") and line.endswith("}")) or len(line) > MAX_LINE:
        return None
    try:
        obj = json.loads(line)  # C all through: a hook for ints would call Python per int
    except ValueError:  # bad JSON, or an int of over 4,300 digits: again, as a float
        try:
            obj = json.loads(line, parse_int=float)
        except (ValueError, RecursionError):
            return None
    except RecursionError:
        return None
    return obj if isinstance(obj, dict) else None


def _values(obj: dict) -> dict[str, float]:
    out = {}
    for key, value in obj.items():
        number = value if type(value) is float else as_number(value)
        if number is not None and _table.canonical(key) is not None:
            out[key] = number
    return out


@dataclass(frozen=True)
class _Layout:
    """What a record's metric names mean, worked out once per set of names and mode (a log
    repeats a few): the names as read, whether a loss is among them, whether validation."""
    names: tuple[str, ...]
    has_loss: bool
    validation: bool
    summary: bool  # curves of both sets in one record


@functools.lru_cache(maxsize=1024)
def _layout(keys: tuple[str, ...], mode: str) -> _Layout:
    names = keys
    if mode in VAL_MODES:  # a validation record names its values bare: loss -> val_loss
        names = tuple(f"val_{k}" if _table.canonical(k)[0] == "train" else k for k in keys)
    curves = [name for name in names if _table.is_curve(name)]
    splits = {_table.canonical(name)[0] for name in curves}
    # losses under longer names count for a record's sets too ("loss_nats_per_byte")
    named = _table.named_loss_metrics(names).keys()
    return _Layout(names, bool(curves) or _table.has_loss(names),
                   splits == {"val"} or mode in VAL_MODES, {"train", "val"} <= splits | named)


def _record(obj: dict, line: int) -> _Record | None:
    values = _values(obj)
    if not values:
        return None
    mode = str(obj.get("mode", obj.get("phase", obj.get("split", "")))).lower()
    epoch = as_number(obj.get("epoch"))
    if _mmengine_validation(obj):  # its step is the epoch it validated
        mode, epoch = "val", as_number(obj.get("step"))
    layout = _layout(tuple(values), mode)
    if layout.names != tuple(values):
        values = dict(zip(layout.names, values.values()))
    if epoch is not None and not (math.isfinite(epoch) and 0 <= epoch < 1e9):
        epoch = None
    return _Record(epoch, values, layout.validation, line, layout.has_loss, layout.summary)


def _mmengine_validation(obj: dict) -> bool:
    """MMEngine's ``vis_data/scalars.json`` writes a validation record as its metrics with
    the step (the epoch, when training by epochs) and timings, and no mode: a training
    record carries ``lr`` and ``iter``."""
    return ("mode" not in obj and "step" in obj and "data_time" in obj
            and not {"lr", "iter", "epoch"} & obj.keys())


def parse(source: Source, train_col: str | None = None,
          val_col: str | None = None) -> list[Run]:
    """Records streamed into both shapes of table at once (per epoch, per evaluation), each
    held compactly; which one the log is is known only at its end (nine records in ten
    with an epoch: per epoch). A million records never sit in memory as objects."""
    reader = Incremental(source.name, source.limits)
    for line_no, raw in source.numbered():
        reader.feed(raw, line_no)
    chosen = _table.chosen_columns(train_col, val_col)
    runs = reader.finish(chosen)
    if chosen:
        chosen.check_runs(runs, source.name)
    return runs


class Incremental:
    """Feed lines as they arrive (``parse`` feeds a file's, ``watch`` a growing log's);
    ``records()`` gives the rows so far, the epoch being logged included as it stands."""

    def __init__(self, name: str, limits: Limits | None = None) -> None:
        self.info = RunInfo(source=name, format=NAME)
        self.by_epoch = _ByEpoch(_table.Records(name, limits))
        self.by_evaluation = _ByEvaluation(_table.Records(name, limits),
                                           _table.Records(name, limits))
        self.count = self.with_epoch = 0
        self.has_loss = False

    def feed(self, raw: str, line_no: int) -> None:
        obj = _object(raw.strip())
        record = _record(obj, line_no) if obj is not None else None
        if record is None:
            return
        if not self.count and isinstance(obj.get("config"), dict):  # type: ignore[union-attr]
            self._config_facts(obj["config"])  # type: ignore[index]
        self.count += 1
        self.has_loss = self.has_loss or record.has_loss
        if record.epoch is not None:
            self.with_epoch += 1
            self.by_epoch.feed(record)
        self.by_evaluation.feed(record)

    def _config_facts(self, config: dict) -> None:
        """The run facts a Ray Tune trial's config states (its first record's)."""
        params = {str(k): str(v).lower() if isinstance(v, bool) else str(v)
                  for k, v in config.items() if isinstance(v, (int, float, str))}
        _params.apply(params, self.info, "the trial's config")

    def _chosen(self) -> _ByEpoch | _ByEvaluation:
        # evaluations more often than once an epoch, the epoch a fraction (progress, as the
        # Trainer and LLaMA-Factory log it): a row per evaluation, as for a Trainer's state
        finer = self.by_epoch.fractional and \
            self.by_evaluation.evaluations > len(self.by_epoch.rows)
        per_epoch = self.with_epoch >= 0.9 * self.count
        return self.by_epoch if per_epoch and not finer else self.by_evaluation

    def records(self) -> _table.Records | list:
        return self._chosen().records() if self.has_loss else []

    def finish(self, columns: _table.ChosenColumns | None = None) -> list[Run]:
        """The log has ended: its runs (call once), its losses the ``columns`` chosen."""
        if not self.has_loss and columns is None:
            raise InputError("no JSON record with a loss", self.info.source, code="no-epochs")
        self.info.rows_read = self.count
        chosen = self._chosen()
        self.info.notes.append(chosen.note())
        if chosen is self.by_evaluation and chosen.evaluated:
            self.info.row = EVALUATION
        return _table.build_runs(chosen.records(), self.info, columns)


class _ByEpoch:
    """One row per epoch number. Fractional epochs (progress through training, as the HF
    Trainer logs them) are rounded up, so that a step at 0.25 belongs to the first epoch
    and an evaluation at 1.0 closes it (a whole epoch number rounds to itself). Records of
    one epoch are contiguous; a smaller epoch number than the last starts a new run. The
    epoch being logged is the last row, its means updated with each record."""

    def __init__(self, rows: _table.Records) -> None:
        self.rows = rows
        self.sums: dict[str, list[float]] | None = None  # once an epoch has two records
        self.current: int | None = None
        self.fractional = False

    def feed(self, r: _Record) -> None:
        epoch = r.epoch  # not None here
        self.fractional = self.fractional or epoch != int(epoch)  # type: ignore[arg-type]
        number = math.ceil(epoch)  # type: ignore[arg-type]
        if number != self.current:  # most epochs have one record: its values are the row's
            self.rows.append(EpochRecord(number, dict(r.values), r.line))
            self.sums, self.current = None, number
            return
        row = self.rows[-1]
        if self.sums is None:
            self.sums = {key: [value, 1] for key, value in row.values.items()}
        row.line = r.line
        _add(self.sums, r.values, row.values)

    def records(self) -> _table.Records:
        return self.rows

    def note(self) -> str:
        return ("records merged per epoch" + (" (fractional epochs rounded up)"
                                              if self.fractional else "")
                + "; values logged several times in an epoch are averaged")


def _add(sums: dict[str, list[float]], values: dict[str, float],
         means: dict[str, float] | None = None) -> None:
    """Values added to running sums (and the means kept up to date, where asked)."""
    for key, value in values.items():
        entry = sums.get(key)
        if entry is None:
            entry = sums[key] = [0.0, 0]
        entry[0] += value
        entry[1] += 1
        if means is not None:
            means[key] = entry[0] / entry[1]


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
        self.own_train = False  # an evaluation record carried its own training loss
        self.both = False  # a record held both sets' losses
        self.steps = 0  # records of training alone since the last row
        self.evaluations = 0
        self.count = 0  # rows of ``plain``

    def feed(self, r: _Record) -> None:
        # a record of both sets' losses among training records (step losses, then an
        # epoch's summary of its own training and validation losses): an evaluation point,
        # its own training loss the row's
        summary = r.summary and (self.evaluated or self.steps > 0)
        self.own_train = self.own_train or summary
        self.both = self.both or r.summary
        self.steps = 0 if r.validation or summary else self.steps + (not r.summary)
        if r.validation or summary:
            row = _mean_record(len(self.rows) + 1, {} if summary else self.pending, r.line)
            row.values.update(r.values)
            self.rows.append(row)
            self.pending, self.evaluated = {}, True
            self.evaluations += 1
            self.plain = None
            return
        _add(self.pending, r.values)
        if self.plain is not None:
            self.count += 1
            self.plain.append(EpochRecord(self.count, dict(r.values), r.line))

    def records(self) -> _table.Records:
        return self.rows if self.evaluated else self.plain

    def note(self) -> str:
        if self.own_train:
            return ("one row per record of both sets' losses (an epoch's summary), with its "
                    "own training loss; the records of training alone between them are steps")
        if self.evaluated:
            return ("one row per evaluation; its training loss is the mean of the training "
                    "records since the previous one")
        return ("one row per record, each with both sets' losses" if self.both else
                "no validation records: one row per record (training loss only)")
