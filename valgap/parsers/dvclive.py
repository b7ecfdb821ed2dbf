"""DVCLive folders: one TSV file per metric, a run's parameters beside them.

DVCLive (DVC's logger, and its Keras, Lightning, Hugging Face and fastai callbacks) writes
``dvclive/plots/metrics/<metric>.tsv`` (version 3; ``dvclive/scalars/`` in version 2, the
folder itself in version 1), each file ``step`` then the value (a ``timestamp`` first in
older versions). The metric's path names its split: ``train/loss.tsv`` and
``eval/loss.tsv`` (the Hugging Face callback), ``loss.tsv`` and ``val_loss.tsv`` (Keras),
``loss/val.tsv``. ``params.yaml`` beside them holds the run's parameters, read for the run
facts they state (a dropout rate, label smoothing).

The step is DVCLive's own counter, moved on by each ``next_step()``: a script that steps
after logging the training loss and again after the validation loss leaves the two at
alternate steps, and the Hugging Face callback steps after every log. A row is then one
validation point with the training points logged since the one before
(``_series.validation_rows``). A fractional ``epoch`` series (the Trainer's progress
through the epochs) counts no epochs and is left out.
"""
from __future__ import annotations

import math
from itertools import islice
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _params, _series, _table, _tracker
from valgap.parsers._text import Limits, Source

NAME = "dvclive"
TSV = ".tsv"
PARAMS_FILE = "params.yaml"
MAX_FILES = 2000  # a metrics folder holds tens of files; past this it is no DVCLive folder


def metrics_folder(folder: Path) -> Path | None:
    """Where a DVCLive folder keeps its metric files (``plots/metrics``, ``scalars``, or the
    folder itself when its own TSV files are metric files); None for any other folder."""
    candidates = [folder / "plots" / "metrics", folder / "scalars"]
    if folder.name in ("metrics", "scalars"):  # the metrics folder given itself
        candidates.append(folder)
    for candidate in candidates:
        if candidate.is_dir() and any(_is_metric_file(p) for p in _tsv_files(candidate, 50)):
            return candidate
    own = islice((p for p in folder.iterdir() if p.suffix == TSV and p.is_file()), 50)
    if any(_is_metric_file(p) for p in own):
        return folder  # version 1: the metric files in the folder itself
    return None


def may_be_folder(names: set[str]) -> bool:
    """Whether a folder holding these names may be a DVCLive folder (``metrics_folder``
    looks): the test a walk makes of every folder, so it reads nothing."""
    return bool(names & {"plots", "scalars"}) or any(n.endswith(TSV) for n in names)


def is_listed_folder(dirs: list[str], files: list[str]) -> bool:
    """A DVCLive folder from a listing's names alone (a URL prefix): ``plots`` or
    ``scalars`` beside the ``metrics.json`` or ``dvc.yaml`` DVCLive writes."""
    return bool({"plots", "scalars"} & set(dirs)) and bool({"metrics.json", "dvc.yaml"}
                                                          & set(files))


def _tsv_files(folder: Path, limit: int) -> list[Path]:
    """Up to ``limit`` TSV files under a folder, in name order (a folder of a million
    files is not listed whole)."""
    return sorted(islice((p for p in folder.rglob(f"*{TSV}") if p.is_file()), limit))


def _is_metric_file(path: Path) -> bool:
    """A TSV whose header is DVCLive's: ``step`` (after ``timestamp``) then the metric."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return _is_header(fh.readline(4096).rstrip("\r\n").split("\t"))
    except OSError:
        return False


def _is_header(header: list[str]) -> bool:
    return len(header) >= 2 and "step" in header[:2] and header[0] in ("step", "timestamp")


def parse_folder(folder: Path, metrics: Path, name: str, limits: Limits,
                 columns: _tracker.Columns = (None, None)) -> list[Run]:
    """The run a DVCLive folder (or its metrics folder) holds, its metric files in
    ``metrics`` (``metrics_folder``); ``columns`` (--train-col, --val-col) name the losses
    by their files' paths (``train/total_loss``)."""
    info = RunInfo(source=name, format=NAME)
    series = _read_series(metrics, name, limits, info)
    given = (_file_key(columns[0]), _file_key(columns[1]))
    for key, column in zip(given, columns):
        if key and key not in series:
            info.warnings.append(f"no metric file {column!r} in this DVCLive folder")
    series = _tracker.as_losses(series, given)
    if not _table.has_loss(series):
        raise InputError("no loss among the DVCLive metrics", name, code="no-epochs")
    for params in (folder / PARAMS_FILE, _live_folder(metrics) / PARAMS_FILE):
        if params.is_file():
            _params.apply(_params.read_yaml_scalars(params), info, "the DVCLive run's params.yaml")
            break
    return _series.runs(series, info, "the DVCLive metric files hold no points (headers "
                        "only?)")


def _live_folder(metrics: Path) -> Path:
    """The DVCLive folder a metrics folder belongs to (``params.yaml`` sits there)."""
    if metrics.name == "metrics" and metrics.parent.name == "plots":
        return metrics.parent.parent
    return metrics.parent if metrics.name == "scalars" else metrics


def _read_series(metrics: Path, name: str, limits: Limits,
                 info: RunInfo) -> _series.Series:
    """Each metric file's points under a name that says its split (``train_loss``,
    ``eval_loss``, ``loss_val``); of two files naming the same loss (the Trainer's curve
    and its one-point summary), the longer."""
    files = _tsv_files(metrics, MAX_FILES + 1)
    if len(files) > MAX_FILES:
        raise InputError(f"more than {MAX_FILES} metric files: not one DVCLive run", name,
                         code="limit")
    series: _series.Series = {}
    budget = limits.max_bytes
    for path in files:
        budget -= path.stat().st_size
        if budget < 0:
            raise InputError("the metric files are over the input size limit "
                             "(--max-input-size)", name, code="limit")
        points = _points(Source(str(path), limits=limits))
        if points is None:  # not a metric file (a TSV of something else)
            continue
        key = _key(path.relative_to(metrics))
        if key == "epoch" and any(v != int(v) for _, v in points if math.isfinite(v)):
            info.notes.append("the epoch metric is fractional (progress through the epochs): "
                              "rows are validation points")
            continue
        series[key] = points
    return _longest_of_each(series, info)


def _key(relative: Path) -> str:
    """``train/loss.tsv`` -> ``train_loss``; ``epoch.tsv`` and ``train/epoch.tsv`` -> ``epoch``."""
    parts = [*relative.parent.parts, relative.stem]
    if parts[-1] == "epoch":
        return "epoch"
    return "_".join(parts)


def _file_key(column: str | None) -> str | None:
    """The series a metric file's path names (``val/loss`` or ``val/loss.tsv``)."""
    if not column:
        return None
    return _key(Path(column if column.endswith(TSV) else column + TSV))


def _longest_of_each(series: _series.Series, info: RunInfo) -> _series.Series:
    """One series per (split, metric): where two name the same one, the one logged most."""
    kept: dict[tuple[str, str] | str, str] = {}
    for key, points in series.items():
        what = _table.canonical(key) or key
        if what in kept and len(series[kept[what]]) >= len(points):
            info.notes.append(f"{key} left out: {kept[what]} holds the same metric at more "
                              "steps")
            continue
        if what in kept:
            info.notes.append(f"{kept[what]} left out: {key} holds the same metric at more "
                              "steps")
        kept[what] = key
    return {key: series[key] for key in kept.values()}


def _points(source: Source) -> list[tuple[int, float]] | None:
    """(step, value) pairs of one metric file, in logged order; None for a file that is no
    metric file (its header is not DVCLive's, or it cannot be read)."""
    lines = source.lines()
    try:
        header = next(lines, "").rstrip("\r\n").split("\t")
    except OSError:
        return None
    if not _is_header(header):
        return None
    step_at = header.index("step")
    points = []
    for number, line in enumerate(lines, start=2):
        cells = line.rstrip("\r\n").split("\t")
        if cells == [""]:
            continue
        step = _params.counter(cells[step_at]) if len(cells) > step_at else None
        value = _params.number(cells[-1]) if len(cells) == len(header) else None
        if step is None or value is None:
            raise InputError(f"expected {'<TAB>'.join(header)} numbers", str(source.path),
                             line=number, code="bad-value")
        points.append((step, value))
    return points


