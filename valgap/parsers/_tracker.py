"""What every tracker reader shares: a tracker's runs (name, id, metric histories, parameters)
into valgap runs, and the logged parameters that are run facts."""
from __future__ import annotations

from valgap.model import EVALUATION, InputError, Run, RunInfo
from valgap.parsers import _params, _series, _table
from valgap.parsers._table import EpochRecord

Metrics = dict[str, list[tuple[int, float]]]  # key -> (step, value) in logged order
# one tracker run: (run name, run id, experiment or project, metrics, parameters)
Found = tuple[str, str, str, Metrics, dict[str, str]]


Columns = tuple[str | None, str | None]  # --train-col and --val-col: the metrics to use


def runs(found: list[Found], name: str, fmt: str, tracker: str, uri: str = "",
         columns: Columns = (None, None)) -> list[Run]:
    """One valgap run per tracker run that logged a loss, named by its name and id."""
    runs: list[Run] = []
    found = [(*f[:3], as_losses(f[3], columns), f[4]) for f in found]
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
        _params.apply(params, info, f"the {tracker} run's parameters")
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


def _records(metrics: Metrics, info: RunInfo) -> _table.Records:
    """One record per epoch (the mean of its values) when an ``epoch`` metric says which
    step belongs to which; else one per step."""
    # an epoch value that is no counter (inf, nan, 10^20) names no epoch
    epochs = sorted((s, e) for s, e in metrics.get("epoch", []) if _params.counter(e) is not None)
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


def as_losses(metrics: Metrics, columns: Columns) -> Metrics:
    """The metrics with --train-col / --val-col as the losses (the other metrics that would
    be read as that loss are left out)."""
    out = dict(metrics)
    for given, target in zip(columns, ("train_loss", "val_loss")):
        if not given or given not in metrics:
            continue
        out = {k: v for k, v in out.items() if _table.column(k) != target or k == given}
        out[target] = out.pop(given)
    return out
