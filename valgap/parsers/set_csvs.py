"""A folder of one CSV file per set: ``train.csv`` beside ``valid.csv`` (Catalyst's
``csv_logger/``, and loggers that write one table a loader), each a step or epoch column
and that set's metrics (``step,accuracy01,loss,loss/std,lr``). One run: the training
file's metrics are training's, the validation file's validation's, matched by step.

A folder is read so only where both files name a step or epoch column and a loss in their
first line: a dataset's ``train.csv`` and ``val.csv`` hold neither.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _series, _table
from valgap.parsers._text import Limits, Source, cell_float

NAME = "set-csvs"
# a file's stem -> the set its rows are
SETS = {"train": "train", "training": "train", "valid": "val", "val": "val",
        "validation": "val"}
KEYS = ("step", "epoch")


def set_files(folder: Path, names: set[str] | None = None) -> dict[str, Path] | None:
    """The training and validation files of a folder of one CSV per set, or None."""
    names = names if names is not None else {p.name for p in folder.iterdir()}
    found: dict[str, Path] = {}
    for name in sorted(names):
        stem, dot, suffix = name.rpartition(".")
        split = SETS.get(stem.lower()) if dot and suffix.lower() == "csv" else None
        if split and split not in found:
            found[split] = folder / name
    if set(found) != {"train", "val"}:
        return None
    return found if all(_is_table(p) for p in found.values()) else None


def _is_table(path: Path) -> bool:
    """Whether a file's first line names a step or epoch column and a loss."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            header = [c.strip().lower() for c in next(csv.reader([fh.readline(4096)]), [])]
    except OSError:
        return False
    return any(c in KEYS for c in header) and any(_table.is_curve(c) for c in header)


def parse(files: dict[str, Path], name: str, limits: Limits) -> list[Run]:
    series: _series.Series = {}
    for split, path in files.items():
        for column, points in _columns(path, name, limits).items():
            series[column if split == "train" else f"val_{column}"] = points
    if not _table.has_loss(series):
        raise InputError("no loss column in the set files (" + ", ".join(
            p.name for p in files.values()) + ")", name, code="no-epochs")
    info = RunInfo(source=name, format=NAME)
    info.notes.append("one CSV a set: " + ", ".join(f"{p.name} ({split})"
                                                    for split, p in files.items()))
    return _series.runs(series, info, "the set files hold no rows", by_step=True)


def _columns(path: Path, name: str, limits: Limits) -> dict[str, list[tuple[int, float]]]:
    """Each metric column of one set's file as (step, value) points; a column of a
    statistic of another (``loss/std``, ``loss/mean`` beside ``loss``) left out."""
    try:
        return _read_columns(path, name, limits)
    except csv.Error as exc:  # a field past csv's limit, a quote never closed
        raise InputError(f"{path.name}: {exc}", name, code="bad-value") from None


def _read_columns(path: Path, name: str, limits: Limits) -> dict[str, list[tuple[int, float]]]:
    rows = csv.reader(Source(str(path), limits=limits).lines())
    header = [c.strip() for c in next(rows, [])]
    lower = [c.lower() for c in header]
    key = next((lower.index(k) for k in KEYS if k in lower), None)
    if key is None:
        raise InputError(f"{path.name}: no step or epoch column", name, code="no-epochs")
    kept = [i for i, c in enumerate(lower) if i != key and not (
        "/" in c and c.split("/", 1)[0] in lower)]
    points: dict[str, list[tuple[int, float]]] = {header[i]: [] for i in kept}
    for row in rows:
        step = cell_float(row[key]) if len(row) > key else None
        if step is None or not math.isfinite(step):  # a row with no step is no point
            continue
        for i in kept:
            value = cell_float(row[i]) if len(row) > i else None
            if value is not None:
                points[header[i]].append((int(step), value))
    return {c: p for c, p in points.items() if p}
