"""What every tracker reader shares: a tracker's runs (name, id, metric histories, parameters)
into valgap runs, and the logged parameters that are run facts."""
from __future__ import annotations

import math

from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _series, _table
from valgap.parsers._table import EpochRecord

Metrics = dict[str, list[tuple[int, float]]]  # key -> (step, value) in logged order
# one tracker run: (run name, run id, experiment or project, metrics, parameters)
Found = tuple[str, str, str, Metrics, dict[str, str]]


Columns = tuple[str | None, str | None]  # --train-col and --val-col: the metrics to use


def runs(found: list[Found], name: str, fmt: str, tracker: str, uri: str = "",
         columns: Columns = (None, None)) -> list[Run]:
    """One valgap run per tracker run that logged a loss, named by its name and id."""
    runs: list[Run] = []
    found = [(*f[:3], _chosen(f[3], columns), f[4]) for f in found]
    usable = [f for f in found if _table.has_loss(f[3])]  # a loss, or its parts (YOLO)
    if not usable:
        what = f"no {tracker} run" if not found else f"no {tracker} run with a loss metric"
        raise InputError(f"{what} in this store", name, code="no-epochs")
    for index, (run_name, run_id, experiment, metrics, params) in enumerate(usable, 1):
        info = RunInfo(source=name, format=fmt, run_index=index, run_count=len(usable))
        label = f"{run_name} ({run_id})" if run_name else run_id
        info.name = run_name or run_id
        info.notes.append(f"{tracker} run {label}" + (f" in {experiment!r}" if experiment
                                                      else ""))
        info.batch_size = whole(params.get("batch_size", "")) or info.batch_size
        info.facts, info.facts_origin = param_facts(params), f"the {tracker} run's parameters"
        chosen = [f"{t} <- {c}" for c, t in zip(columns, ("train_loss", "val_loss")) if c]
        if chosen:
            info.notes.append("columns used: " + ", ".join(chosen))
        if uri:  # where --annotate sets its tags
            info.tracker = {"uri": uri, "run_id": run_id}
        records = _records(metrics, info)
        built = _table.build_runs(records, info)
        for run in built:
            run.info.run_index, run.info.run_count = index, len(usable)
        runs.extend(built[-1:])
    return runs


# logged parameter names -> the run fact they state
RATE_PARAMS = {"dropout": "dropout", "dropout_rate": "dropout", "drop_rate": "dropout",
               "label_smoothing": "loss_weighting", "label_smoothing_factor": "loss_weighting"}
FLAG_PARAMS = {"batchnorm": "batchnorm", "batch_norm": "batchnorm",
               "augmentation": "augmentation", "augment": "augmentation"}
# an L2 weight by these names is a term the training code adds to its loss (Keras's
# regularizers, a hand-written penalty): the logged training loss carries it. A whole
# number of 1 or more is no such weight: Ray Tune's PyTorch tutorial, much copied, names
# its hidden layers' widths l1 and l2
PENALTY_PARAMS = ("l2", "l2_reg", "l2_lambda", "l2_penalty", "l2_weight", "lambda_l2")
SIZE_PARAMS = {"n_train": "n_train", "train_size": "n_train", "num_train_samples": "n_train",
               "n_val": "n_val", "val_size": "n_val", "num_val_samples": "n_val"}


def param_facts(params: dict[str, str]) -> dict[str, object]:
    """The run facts a run's parameters state, as valgap.yaml would (valgap.yaml still wins).

    A ``weight_decay`` of 0 rules a penalty out; a positive one says nothing, since AdamW
    and most optimisers decay the weights without adding a term to the logged loss. An
    ``l2`` weight (``l2_reg``, ``l2_lambda``, ...) is a term added to the loss: between 0
    and 1 it states a penalty, at 0 rules one out (a larger number is a layer's width)."""
    facts: dict[str, object] = {}
    lowered = {k.lower(): v for k, v in params.items()}
    for key, fact in RATE_PARAMS.items():
        rate = number(lowered.get(key, ""))
        if rate is not None and 0 <= rate < 1:
            facts[fact] = rate if fact == "dropout" and rate else rate > 0
    for key, fact in FLAG_PARAMS.items():
        text = str(lowered.get(key, "")).strip().lower()
        if text in ("true", "false", "1", "0", "yes", "no"):
            facts[fact] = text in ("true", "1", "yes")
    for key, fact in SIZE_PARAMS.items():
        size = whole(lowered.get(key, ""))
        if size:
            facts[fact] = size
    if number(lowered.get("weight_decay", "")) == 0:
        facts["weight_penalty"] = False
    for key in PENALTY_PARAMS:
        weight = number(lowered.get(key, ""))
        if weight is not None and 0 <= weight < 1:
            facts["weight_penalty"] = weight > 0
    return facts


def _records(metrics: Metrics, info: RunInfo) -> _table.Records:
    """One record per epoch (the mean of its values) when an ``epoch`` metric says which
    step belongs to which; else one per step."""
    # an epoch value that is no counter (inf, nan, 10^20) names no epoch
    epochs = sorted((s, e) for s, e in metrics.get("epoch", []) if counter(e) is not None)
    values = {k: v for k, v in metrics.items() if k != "epoch"}
    if epochs:
        epoch_of = _series.epoch_rows([(s, int(e)) for s, e in epochs], values)
        info.notes.append("values averaged per epoch (the epoch metric names each step's)")
    elif (rows := _series.validation_rows(values)) is not None:
        # a training loss every few steps, the validation loss now and then: a row per
        # validation point, as TensorBoard's scalars are read
        epoch_of, values, note = rows
        info.notes.append(note)
        info.row = EVALUATION
    else:
        def epoch_of(step: int) -> int:
            return step
        info.notes.append("no epoch metric: one row per logged step")
    return _mean_rows(values, epoch_of, info)


def _mean_rows(values: Metrics, row_of, info: RunInfo) -> _table.Records:
    """Each metric's mean per row (``row_of`` a step), held compactly: a run of a million
    logged steps keeps a few numpy arrays and one record at a time, not a dict per step."""
    import numpy as np

    means: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, points in values.items():
        if not points:
            continue
        rows = np.fromiter((row_of(step) for step, _ in points), dtype=np.int64,
                           count=len(points))
        numbers = np.fromiter((value for _, value in points), dtype=float, count=len(points))
        uniq, where = np.unique(rows, return_inverse=True)
        means[key] = (uniq, np.bincount(where, weights=numbers) / np.bincount(where))
    all_rows = np.unique(np.concatenate([u for u, _ in means.values()])) if means else []
    base = 1 if len(all_rows) and all_rows[0] == 0 else 0
    records = _table.Records(info.source)
    at = {key: 0 for key in means}
    for row in all_rows:
        cells = {}
        for key, (rows, mean) in means.items():
            i = at[key]
            if i < len(rows) and rows[i] == row:
                cells[key] = float(mean[i])
                at[key] = i + 1
        records.append(EpochRecord(int(row) + base, cells))
    return records


def whole(text: object) -> int | None:
    """A logged count (a batch size, a set size): a positive whole number below 10^15, or
    None for anything else (text, a fraction, an infinity, NaN, a number past any size)."""
    value = number(text)
    if value is None or not math.isfinite(value) or not 0 < value < 1e15 or value != int(value):
        return None
    return int(value)


def number(text: object) -> float | None:
    """A logged value as a float (NaN and infinities kept: a loss may be one), or None for
    text, NULL, bytes; an integer beyond the float range is infinite."""
    if isinstance(text, (bool, bytes, bytearray)):
        return None
    try:
        return float(text)
    except OverflowError:
        return math.inf if text > 0 else -math.inf  # type: ignore[operator]
    except (TypeError, ValueError):
        return None


def counter(text: object) -> int | None:
    """A step or epoch counter as logged: a whole, finite, non-negative number below 10^15
    (a counter no run reaches is no counter), else None."""
    value = number(text)
    if value is None or not math.isfinite(value) or not 0 <= value < 1e15:
        return None
    return int(value)


def _chosen(metrics: Metrics, columns: Columns) -> Metrics:
    """The metrics with --train-col / --val-col as the losses (the other metrics that would
    be read as that loss are left out)."""
    out = dict(metrics)
    for given, target in zip(columns, ("train_loss", "val_loss")):
        if not given or given not in metrics:
            continue
        out = {k: v for k, v in out.items() if _table.column(k) != target or k == given}
        out[target] = out.pop(given)
    return out
