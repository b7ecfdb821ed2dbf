"""TensorBoard "download data" exports: CSV (``Wall time,Step,Value``) and JSON triples.

One file holds one (run, tag); both live only in the file name, e.g.
``run-train-tag-epoch_loss.csv``. A folder of them (or several files) is one run, with
training and validation paired by the run name in the file names. TensorBoard names a Keras
run's halves ``<run>/train`` and ``<run>/validation`` (``run-<run>_train-tag-...``): files of
more than one ``<run>`` are that many runs, each analysed.
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _series, _table
from valgap.parsers._text import LazyPattern, Source, load_json

NAME = "tb-export"
FILE_NAME = LazyPattern(r"^run[-_](?P<run>.*?)[-_]tag[-_](?P<tag>.+)\.(?:csv|json)$")
VAL_HINT = LazyPattern(r"(?i)val|valid|eval|test")
# a TensorBoard run name ending in the split it holds: "20240101-120000_train", "mnist_val"
SPLIT_RUN = LazyPattern(r"^(?P<run>.*?)[-_/]?(?P<split>train|training|validation|valid|val|eval)$",
                       re.IGNORECASE)


def sniff(head: str) -> float:
    text = head.lstrip("\ufeff").lstrip()
    if text.startswith("Wall time,Step,Value"):
        return 1.0
    if re.match(r"^\[\s*\[\s*[\d.eE+]+\s*,\s*\d+\s*,", text):
        return 0.9
    return 0.0


def is_export(path: Path) -> bool:
    if path.suffix.lower() not in (".csv", ".json"):
        return False
    try:
        return sniff(path.open("r", encoding="utf-8-sig", errors="replace").read(200)) > 0
    except OSError:
        return False


def parse_files(paths: list[Path], name: str) -> list[Run]:
    """The run, or runs, that exported files hold."""
    by_run: dict[str, list[Path]] = {}
    for path in sorted(paths):
        by_run.setdefault(_split_run(_run_and_tag(path)[0])[0], []).append(path)
    with_loss = {run: files for run, files in by_run.items()
                 if _table.has_loss(_metric(path)[0] for path in files)}
    if len(with_loss) < 2:
        return _parse_run(sorted(paths), name)
    runs = []
    for index, (run_name, files) in enumerate(with_loss.items(), start=1):
        for run in _parse_run(files, name):
            run.info.name, run.info.run_index, run.info.run_count = run_name, index, len(with_loss)
            run.info.notes.append(f"TensorBoard run {run_name!r}: the exports hold "
                                  f"{len(with_loss)} runs, each analysed")
            runs.append(run)
    return runs


def _metric(path: Path) -> tuple[str, bool]:
    """The series a file holds, as the table names it, and whether its name was guessed."""
    run, tag, guessed = _run_and_tag(path)
    return _series.metric_name(_split_run(run)[1], tag), guessed


def _split_run(run: str) -> tuple[str, str]:
    """(the run, the split it holds) of an exported run name."""
    m = SPLIT_RUN.match(run)
    return (m.group("run"), m.group("split")) if m else (run, run)


def _parse_run(paths: list[Path], name: str) -> list[Run]:
    series: _series.Series = {}
    info = RunInfo(source=name, format=NAME)
    guessed = []
    for path in paths:
        metric, guess = _metric(path)
        if guess:
            guessed.append(path.name)
        series[metric] = _points(Source(str(path)))
    if not _table.has_loss(series):
        raise InputError("no loss series among the exported files", name, code="no-epochs")
    if guessed:
        info.warnings.append("train/validation pairing guessed from file names: "
                             + ", ".join(guessed))
    if any(len(p) >= 1000 for p in series.values()):
        info.warnings.append("1000 points in a series: TensorBoard's UI keeps at most 1000 "
                             "sampled points per tag; re-export with "
                             "--samples_per_plugin=scalars=0")
    return _series.runs(series, info, "the exported files hold no points (a header only?)")


def parse(source: Source) -> list[Run]:
    if source.path is None:
        raise InputError("a TensorBoard export names its run and tag only in its file name; "
                         "give the files, not standard input", source.name, code="no-epochs")
    return parse_files([source.path], source.name)


def _run_and_tag(path: Path) -> tuple[str, str, bool]:
    m = FILE_NAME.match(path.name)
    if m:
        return m.group("run"), m.group("tag"), False
    stem = path.stem.lower()
    if VAL_HINT.search(stem):
        return "validation", "loss", True
    return "train", "loss", True


def _points(source: Source) -> list[tuple[int, float]]:
    text = source.text().lstrip("\ufeff")
    if text.lstrip().startswith("["):
        return _json_points(load_json(text, source.name, "TensorBoard JSON export"),
                            source.name)
    points = []
    rows = csv.reader(io.StringIO(text))
    try:
        next(rows, None)
        for row in rows:
            if not row:
                continue
            point = _point(row[1:3]) if len(row) >= 3 else None
            if point is None:
                raise InputError("expected Wall time,Step,Value numbers", source.name,
                                 line=rows.line_num, code="bad-value")
            points.append(point)
    except csv.Error as exc:  # a NUL byte, an unterminated quote
        raise InputError(f"not a readable CSV: {exc}", source.name, line=rows.line_num,
                         code="bad-csv") from None
    return points


def _json_points(data: object, name: str) -> list[tuple[int, float]]:
    """``[[wall time, step, value], ...]``."""
    rows = data if isinstance(data, list) else []
    points = [_point(row[1:3]) if isinstance(row, list) and len(row) == 3 else None
              for row in rows]
    if not isinstance(data, list) or None in points:
        raise InputError("not a TensorBoard JSON export: expected [wall time, step, value] "
                         "triples", name, code="bad-json")
    return points  # type: ignore[return-value]


def _point(cells: list) -> tuple[int, float] | None:
    """(step, value); None unless the step is a whole, finite, non-negative number."""
    try:
        step, value = (c if isinstance(c, (int, float)) and not isinstance(c, bool)
                       else float(c) for c in cells)
        step, value = float(step), float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(step) and 0 <= step < 1e15 and step == int(step)):
        return None
    return int(step), value
