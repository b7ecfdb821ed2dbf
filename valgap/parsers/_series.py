"""Scalar series (TensorBoard events and exports) to epoch records.

A series is ``(step, value)`` pairs under a metric name that already says its split
(``loss`` for training, ``val_loss`` for validation). Keras writes one point per epoch
(step = 0-based epoch); Lightning writes at the global step and logs an ``epoch``
series beside it, which maps steps to epochs. A hand-written loop with a ``SummaryWriter``
often logs the training loss every few steps and the validation loss once an epoch (or
every N steps), both at the global step and with no ``epoch`` series: a row is then one
validation point, and its training loss the mean of the points logged since the previous
one (as the Trainer's state is read).
"""
from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable

from valgap.model import EPOCH, EVALUATION, InputError, Run, RunInfo
from valgap.parsers._table import EpochRecord, build_runs, canonical

Series = dict[str, list[tuple[int, float]]]
# run folders named for their set (Keras's train/ and validation/, Catalyst's train/ and
# valid/): a validation run's tags are validation's
TRAINING_RUNS = frozenset({"train", "training"})
VALIDATION_RUNS = frozenset({"validation", "val", "valid", "eval"})
TEST_RUNS = frozenset({"test", "testing"})


def metric_name(run: str, tag: str) -> str:
    """Name a (run folder, tag) pair the way the table expects: ``val_loss``, ``accuracy``...

    PyTorch's ``SummaryWriter.add_scalars("Loss", {"train": t, "val": v}, step)`` writes
    each value into a run folder of its own, ``Loss_train/`` and ``Loss_val/``, under the
    tag ``Loss``: the folder's part after the tag names the set (or, where it names none,
    the metric's part: ``Loss_kl``)."""
    tag = tag.replace("/", "_")
    run_word = run.lower().rstrip("/").split("/")[-1]
    if run_word.startswith(tag.lower() + "_"):
        run_word = run_word[len(tag) + 1:]
        if run_word not in TRAINING_RUNS | VALIDATION_RUNS | TEST_RUNS:
            return f"{tag}_{run_word}"
    tag = re.sub(r"^epoch_", "", tag)            # Keras: epoch_loss
    if run_word in VALIDATION_RUNS:
        return f"val_{tag}"
    if run_word in TEST_RUNS:
        return f"test_{tag}"
    return tag


def last_run(series: Series, info) -> Series:
    """Each tag's points after the last time its step counter started over (a run written
    again into the same folder), in the order they were logged: merging them by step would
    interleave two runs into one curve."""
    out: Series = {}
    restarts = 0
    for name, points in series.items():
        cut = 0
        for i in range(1, len(points)):
            if points[i][0] < points[i - 1][0]:
                cut = i
        restarts = max(restarts, sum(1 for i in range(1, len(points))
                                     if points[i][0] < points[i - 1][0]))
        out[name] = points[cut:]
    if restarts:
        info.warnings.append(f"the step counter starts over {restarts} time(s) (the folder "
                             "holds more than one run): the last run is read")
    return out


def _running_means_ended(series: Series) -> tuple[Series, list[str]]:
    """A series logged many times at each step is averaged per epoch below, unless it is a
    running mean (YOLOv8 logs the mean of the batches so far after every batch, at the
    epoch's step): its last value at a step is the epoch's mean, and averaging the running
    means would weight the first batches most. A running mean moves less and less within a
    step (each batch changes it by 1/k of its distance); batch losses do not."""
    out: Series = dict(series)
    running = []
    for name, points in series.items():
        at_step: dict[int, list[float]] = {}
        for step, value in points:
            at_step.setdefault(step, []).append(value)
        ratios = [r for values in at_step.values() if (r := _settling(values)) is not None]
        if ratios and sorted(ratios)[len(ratios) // 2] < RUNNING_MEAN_SETTLING:
            out[name] = [(step, values[-1]) for step, values in at_step.items()]
            running.append(name)
    return out, sorted(running)


RUNNING_MEAN_SETTLING = 0.5  # late moves / early moves within a step, below: a running mean
MIN_POINTS_AT_STEP = 8


def _settling(values: list[float]) -> float | None:
    """Mean absolute move in the second half of a step's points over that in the first."""
    if len(values) < MIN_POINTS_AT_STEP:
        return None
    moves = [abs(b - a) for a, b in itertools.pairwise(values)]
    half = len(moves) // 2
    early, late = sum(moves[:half]) / half, sum(moves[half:]) / (len(moves) - half)
    if not (math.isfinite(early) and math.isfinite(late)) or early <= 0:
        return None
    return late / early


def epoch_rows(epoch_points: list[tuple[int, int]], series: Series) -> Callable[[int], int]:
    """The epoch each step's value belongs to, from a logged ``epoch`` counter (sorted by
    step). Logged at every step (Lightning), a value belongs to the last epoch logged at or
    before its step; logged only beside the validation loss (``wandb.log({"val/loss": v,
    "epoch": e})`` after the epoch's batches), the counter marks an epoch's end, and a
    value belongs to the first epoch logged at or after its step."""
    steps = [s for s, _ in epoch_points]
    epochs = [e for _, e in epoch_points]
    val_steps = {s for points in _losses(series, "val") for s, _ in points}
    if val_steps and set(steps) <= val_steps:
        def at_end(step: int) -> int:
            return epochs[min(bisect.bisect_left(steps, step), len(steps) - 1)]
        return at_end

    def since(step: int) -> int:
        return epochs[max(bisect.bisect_right(steps, step) - 1, 0)]
    return since


def validation_steps(series: Series) -> list[int] | None:
    """The steps of the validation loss, where the training loss is logged at least twice as
    often over the same steps (a global-step counter, not an epoch number), or as often at
    other steps (a counter moved on after each log, as DVCLive's ``next_step()`` is: the
    two losses never share a step): the rows a table of this run can have. None where the
    two are logged alike."""
    train, val = _losses(series, "train"), _losses(series, "val")
    if len(train) != 1 or len(val) != 1:
        return None
    steps = sorted({s for s, _ in val[0]})
    if len(steps) < 2:
        return None
    within = [s for s, _ in train[0] if s <= steps[-1]]
    if len(within) >= 2 * len(steps):
        return steps
    # interleaved: no step shared, and training points logged before nearly every
    # validation point (a final evaluation may follow the last one at once)
    led = {bisect.bisect_left(steps, s) for s in within}
    interleaved = not set(within) & set(steps) and len(led) >= INTERLEAVED_SHARE * len(steps)
    return steps if interleaved else None


INTERLEAVED_SHARE = 0.8  # of validation points with training points logged just before


def validation_rows(series: Series) -> tuple[Callable[[int], int], Series, str] | None:
    """Where the training loss is logged more often than the validation loss at a global
    step (``validation_steps``): the row each step's value belongs to (the validation point
    it leads up to), the series cut at the last validation point, and a note saying so."""
    val_steps = validation_steps(series)
    if val_steps is None:
        return None

    def row_of(step: int) -> int:
        return bisect.bisect_left(val_steps, step) + 1
    last = val_steps[-1]
    kept = {k: [p for p in v if p[0] <= last] for k, v in series.items()}
    per_row = len(_losses(kept, "train")[0]) / len(val_steps)
    note = (f"training loss logged at {per_row:.3g} steps for each of the "
            f"{len(val_steps)} validation points: one row per validation point, its training "
            "loss the mean of the points since the previous one")
    return row_of, kept, note


def to_records(series: Series) -> tuple[list[EpochRecord], list[str], str]:
    """Records per epoch (or per validation point, see ``validation_steps``), notes on how
    they were made, and what a row is (``EPOCH`` or ``EVALUATION``)."""
    notes: list[str] = []
    row = EPOCH
    # an epoch scalar that is not a plausible epoch number (inf, NaN, negative) maps nothing
    epoch_points = sorted((s, v) for s, v in series.pop("epoch", [])
                          if math.isfinite(v) and 0 <= v < 1e9)
    series = {k: v for k, v in series.items() if not _bookkeeping(k)}
    # Keras's TensorBoard callback with update_freq="batch" writes batch_loss at the batch
    # counter beside epoch_loss at the epoch number: rows are epochs, the batch series go
    batch_level = sorted(k for k in series if k.startswith("batch_") and k[6:] in series)
    if batch_level:
        series = {k: v for k, v in series.items() if k not in batch_level}
        notes.append("batch-level scalars left out (they count batches; the epoch scalars "
                     "beside them count epochs): " + ", ".join(batch_level))
    step_names = {k for k in series if k.endswith("_step") and k[:-5] + "_epoch" in series}
    series = {k: v for k, v in series.items() if k not in step_names}
    if epoch_points:
        epoch_of = epoch_rows([(s, int(v)) for s, v in epoch_points], series)
        notes.append("steps mapped to epochs with the logged `epoch` scalar")
    elif (rows := validation_rows(series)) is not None:
        epoch_of, series, note = rows
        notes.append(note)
        row = EVALUATION
    else:
        def epoch_of(step: int) -> int:
            return step
        series, running = _running_means_ended(series)
        if running:
            notes.append("a running mean logged after every batch at the epoch's step: its "
                         "last value, the epoch's mean, kept: " + ", ".join(running))
    buckets: dict[int, dict[str, list[float]]] = {}
    for name, points in series.items():
        for step, value in points:
            buckets.setdefault(epoch_of(step), {}).setdefault(name, []).append(value)
    # a row of neither loss (a run's closing summary: its runtime, its FLOPs) is no point of
    # a curve, and read as one it would end both losses in missing values
    losses = {n for n in series if (canonical(n) or ("", ""))[1] == "loss"}
    if losses:
        buckets = {row: b for row, b in buckets.items() if losses & b.keys()}
    averaged = sorted({n for b in buckets.values() for n, v in b.items() if len(v) > 1})
    if averaged:
        notes.append("several points per epoch, averaged: " + ", ".join(averaged))
    base = 1 if buckets and min(buckets) == 0 else 0
    records = [EpochRecord(epoch + base, {n: sum(v) / len(v) for n, v in b.items()})
               for epoch, b in sorted(buckets.items())]
    return records, notes, row


def _losses(series: Series, split: str) -> list[list[tuple[int, float]]]:
    """The points of each series that is this split's loss (``train`` or ``val``)."""
    return [points for name, points in series.items() if canonical(name) == (split, "loss")]


def _bookkeeping(name: str) -> bool:
    low = name.lower()
    return ("learning_rate" in low or low.startswith(("lr", "hp_", "hparams"))
            or "_vs_iterations" in low or low in ("step", "global_step"))


def runs(series: Series, info: RunInfo, nothing: str, by_step: bool = False) -> list[Run]:
    """The runs of a reader's scalar series: each tag's last run (``last_run``), its points
    sorted by step where ``by_step`` (a step's points keep their order), rows per epoch or
    per evaluation (``to_records``) and the notes on how; ``nothing`` says why an input
    whose series hold no point is refused."""
    series = last_run(series, info)
    if by_step:
        for points in series.values():
            points.sort(key=lambda point: point[0])
    records, notes, info.row = to_records(series)
    if not records:
        raise InputError(nothing, info.source, code="no-epochs")
    info.notes += notes
    return build_runs(records, info)
