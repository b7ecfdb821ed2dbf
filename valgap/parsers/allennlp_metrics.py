"""AllenNLP's serialization folder read from its per-epoch metrics files.

AllenNLP's trainer writes ``metrics_epoch_<n>.json`` after each epoch (``<n>`` from 0): one
object holding that epoch's ``training_<metric>`` and ``validation_<metric>`` values
(``training_loss``, ``validation_loss``, ``validation_accuracy``...), beside the best so far
(``best_validation_loss``), memory peaks and durations, which are left out. Where a folder
keeps its ``stdout.log`` too, the log is read as loop prints all the same; the metrics files
are the run where the logs were not kept.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _series
from valgap.parsers._text import Limits, Source

NAME = "allennlp-metrics"
FILE = re.compile(r"metrics_epoch_(\d{1,6})\.json")
MAX_FILES = 10_000  # epochs a folder of these holds at most: past it, no such folder
SETS = ("training_", "validation_")


def epoch_files(folder: Path, names: set[str] | None = None) -> list[tuple[int, Path]]:
    """(epoch, path) of each per-epoch metrics file of a folder, in epoch order; [] where
    there are fewer than two (one epoch is no curve) or too many to be such a folder."""
    names = names if names is not None else {p.name for p in folder.iterdir()}
    found = sorted((int(m.group(1)), folder / n) for n in names if (m := FILE.fullmatch(n)))
    return found if 2 <= len(found) <= MAX_FILES else []


def parse(files: list[tuple[int, Path]], name: str, limits: Limits) -> list[Run]:
    series: _series.Series = {}
    for epoch, path in files:
        try:
            values = json.loads(Source(str(path), limits=limits).text())
        except (ValueError, RecursionError) as exc:  # (nesting too deep for the decoder)
            raise InputError(f"{path.name}: not JSON ({exc})", name, code="bad-value") from None
        if not isinstance(values, dict):
            raise InputError(f"{path.name}: not a JSON object", name, code="bad-value")
        for key, value in values.items():
            if key.startswith(SETS) and isinstance(value, (int, float)) and \
                    not isinstance(value, bool):
                series.setdefault(key, []).append((epoch, float(value)))
    info = RunInfo(source=name, format=NAME)
    info.notes.append(f"one metrics file an epoch: {files[0][1].name} to {files[-1][1].name}")
    return _series.runs(series, info, "the metrics files hold no training or validation "
                        "value", by_step=True)
