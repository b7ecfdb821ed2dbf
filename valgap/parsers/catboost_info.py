"""CatBoost's ``train_dir`` (``catboost_info/``): one paired run, one row per boosting round.

CatBoost writes the same evaluations three ways; the first one present is read:

- ``catboost_training.json`` (also read when named on its own): ``meta`` lists the learn and
  test metrics with ``best_value`` (``Min`` for a loss, ``Max`` for a score), ``iterations``
  holds each round's values in that order, under ``learn`` and one key per evaluation set
  (``test``, ``test1``...);
- ``learn_error.tsv`` and ``test_error.tsv`` (``iter`` then one column per metric; with more
  than one evaluation set the test columns carry ``:0``, ``:1``...);
- TensorBoard event files in ``learn/`` and ``test/``, whose tags are the metric names.

The loss is the objective: the first learn metric that is minimised and also evaluated on the
first evaluation set, which is read as validation (the others are said in the notes). Scores
(``Max``) are kept as metrics.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from valgap.model import BOOSTING_ROUND, InputError, Run, RunInfo
from valgap.parsers import _table, boosting
from valgap.parsers._table import EpochRecord
from valgap.parsers._text import Limits, Source, as_number, load_json, to_float

NAME = "catboost-info"
JSON_FILE = "catboost_training.json"
TSV_FILES = ("learn_error.tsv", "test_error.tsv")
JSON_MARKS = ('"learn_metrics"', '"iterations"')

Metric = tuple[str, bool]  # (name, minimised)


def sniff(head: str) -> float:
    """CatBoost's ``catboost_training.json``."""
    text = head.lstrip("\ufeff \n")
    return 0.95 if text.startswith("{") and all(m in head for m in JSON_MARKS) else 0.0


def is_folder(folder: Path) -> bool:
    """A ``train_dir`` as CatBoost leaves it (its name is the user's to choose)."""
    if (folder / JSON_FILE).is_file() or (folder / TSV_FILES[0]).is_file():
        return True
    return (folder / "learn").is_dir() and (folder / "test").is_dir() and any(
        "tfevents" in p.name for p in (folder / "learn").iterdir())


def parse(source: Source) -> list[Run]:
    """``catboost_training.json``."""
    document = load_json(source.text(), source.name, "CatBoost training JSON")
    meta = document.get("meta") if isinstance(document, dict) else None
    rounds = document.get("iterations") if isinstance(document, dict) else None
    if not isinstance(meta, dict) or not isinstance(rounds, list):
        raise InputError("not CatBoost's training JSON (no meta or iterations)", source.name,
                         code="unrecognised")
    learn = _metrics(meta.get("learn_metrics"))
    test = _metrics(meta.get("test_metrics"))
    sets = [s for s in meta.get("test_sets") or [] if isinstance(s, str)]
    records = []
    for entry in rounds:
        if not isinstance(entry, dict):
            continue
        step = as_number(entry.get("iteration"))
        if step is None or not 0 <= step < 1e9:
            continue
        values = _named("learn", learn, entry.get("learn"))
        if sets:
            values.update(_named(sets[0], test, entry.get(sets[0])))
        records.append(EpochRecord(int(step), values))
    return _runs(records, learn, test, sets, source.name)


def parse_folder(folder: Path, name: str, limits: Limits) -> list[Run]:
    """A ``train_dir``: its JSON, else its TSV files, else its event files."""
    if (folder / JSON_FILE).is_file():
        runs = parse(Source(str(folder / JSON_FILE), limits=limits))
    elif (folder / TSV_FILES[0]).is_file():
        runs = _parse_tsv(folder, name, limits)
    else:
        runs = _parse_events(folder, name)
    for run in runs:
        run.info.source = name
    return runs


def _parse_tsv(folder: Path, name: str, limits: Limits) -> list[Run]:
    learn_rows, learn_names = _tsv(folder / TSV_FILES[0], limits)
    test_path = folder / TSV_FILES[1]
    test_rows, test_names = _tsv(test_path, limits) if test_path.is_file() else ({}, [])
    # several evaluation sets: the first set's columns are "Logloss:0"...; it is validation
    first = [i for i, n in enumerate(test_names) if n.endswith(":0")] \
        or list(range(len(test_names)))
    extra_sets = len(test_names) // len(first) - 1 if first else 0
    sets = (["test"] + [f"test{i}" for i in range(1, extra_sets + 1)]) if first else []
    test_names = [test_names[i].removesuffix(":0") for i in first]
    test_rows = {step: [row[i] for i in first] for step, row in test_rows.items()}
    learn = [(n, boosting.loss_like(n)) for n in learn_names]
    test = [(n, boosting.loss_like(n)) for n in test_names]
    records = []
    for step, row in sorted(learn_rows.items()):
        values = {f"learn-{n}": v for n, v in zip(learn_names, row)}
        found = test_rows.get(step)
        if found is not None:
            values.update({f"test-{n}": v for n, v in zip(test_names, found)})
        records.append(EpochRecord(step, values))
    return _runs(records, learn, test, sets, name)


def _tsv(path: Path, limits: Limits) -> tuple[dict[int, list[float]], list[str]]:
    rows = csv.reader(io.StringIO(Source(str(path), limits=limits).text()), delimiter="\t")
    header = next(rows, [])
    if not header or header[0] != "iter":
        raise InputError("not CatBoost's error file (no iter column)", str(path),
                         code="unrecognised")
    out: dict[int, list[float]] = {}
    for row in rows:
        if len(row) == len(header) and row[0].isdigit() and len(row[0]) < 10:
            out[int(row[0])] = [to_float(v) for v in row[1:]]
    return out, header[1:]


def _parse_events(folder: Path, name: str) -> list[Run]:
    from valgap.parsers import tb_events

    loader = tb_events.scalar_loader(name)
    names: dict[str, list[str]] = {}
    points: dict[int, dict[str, float]] = {}
    for set_name in ("learn", "test"):
        for path in sorted((folder / set_name).glob("*tfevents*")):
            for tag, step, value in tb_events.scalars(loader, path, name):
                names.setdefault(set_name, [])
                if tag not in names[set_name]:
                    names[set_name].append(tag)
                points.setdefault(step, {})[f"{set_name}-{tag}"] = value
    records = [EpochRecord(step, values) for step, values in sorted(points.items())]
    learn = [(n, boosting.loss_like(n)) for n in names.get("learn", [])]
    test = [(n, boosting.loss_like(n)) for n in names.get("test", [])]
    return _runs(records, learn, test, ["test"] if test else [], name)


def _metrics(listed: object) -> list[Metric]:
    if not isinstance(listed, list):
        return []
    out = []
    for item in listed:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append((item["name"][:80], item.get("best_value") != "Max"))
    return out


def _named(set_name: str, metrics: list[Metric], values: object) -> dict[str, float]:
    if not isinstance(values, list):
        return {}
    out = {}
    for (metric, _), value in zip(metrics, values):
        number = as_number(value)
        if number is not None:
            out[f"{set_name}-{metric}"] = number
    return out


def _runs(records: list[EpochRecord], learn: list[Metric], test: list[Metric],
          sets: list[str], name: str) -> list[Run]:
    if not records:
        raise InputError("no boosting round in CatBoost's training files", name,
                         code="no-epochs")
    evaluated = {m for m, _ in test}
    loss = next((m for m, low in learn if low and (m in evaluated or not test)), None)
    if loss is None:
        raise InputError("CatBoost logged no metric that is minimised on both sets: no loss "
                         "to compare", name, code="no-epochs")
    info = RunInfo(source=name, format=NAME, framework="catboost")
    info.row = BOOSTING_ROUND
    info.notes.append(f"one row per boosting round; the loss is {loss}, the objective CatBoost "
                      "evaluates on both sets")
    if len(sets) > 1:
        info.notes.append(f"CatBoost evaluated {len(sets)} sets ({', '.join(sets)}): the "
                          f"first, {sets[0]}, is read as validation")
    columns = {}
    for set_name, role, metrics in (("learn", "train", learn), (sets[0] if sets else "", "val",
                                                                 test)):
        for metric, _ in metrics:
            column = "loss" if metric == loss else re.sub(r"\W+", "_", metric).strip("_").lower()
            columns[f"{set_name}-{metric}"] = f"{role}_{column}"
    return _table.build_runs(records, info, columns)
