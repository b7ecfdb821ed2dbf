"""One labelled run, read from each of its inputs (stdout, CSV, event files, exports, trainer
state), gives the same epoch table, up to the rounding of what was printed."""
from __future__ import annotations

import math

import pytest
import yaml

from tests.conftest import LABELED
from valgap.model import InputError
from valgap.parsers import read

# what each input prints: (absolute, relative) tolerance against the full-precision table
# (Rich progress bars show 3 significant digits, the Trainer's printed dicts 4)
ROUNDING = {"keras_stdout": (6e-5, 1e-3), "stdout": (6e-4, 5e-3), "plain_text": (6e-5, 1e-3)}
EXACT = (1e-6, 1e-6)


def labelled_runs():
    if not LABELED.exists():
        return []
    runs = []
    for label in sorted(LABELED.glob("*/label.yaml")):
        files = (yaml.safe_load(label.read_text()) or {}).get("files") or {}
        if len(files) > 1:
            runs.append(pytest.param(label.parent, files, id=label.parent.name))
    return runs


def within(a: float, b: float, tol: tuple[float, float]) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(tol[0], tol[1] * abs(b))


@pytest.mark.parametrize(("folder", "files"), labelled_runs())
def test_inputs_of_one_run_agree(folder, files):
    tables = {}
    for kind, rel in files.items():
        try:
            run = read(str(folder / rel))[-1]
        except InputError:  # an input we refuse is reported by the real-world tests
            continue
        if run.epochs > 1:  # a redirected Rich bar keeps one epoch only
            tables[kind] = run.table
    reference_kind = next(k for k in ("keras_csv", "lightning_csv", "hf_trainer_state",
                                      "tensorboard") if k in tables)
    reference = tables.pop(reference_kind)
    assert tables, "nothing to compare"
    for kind, table in tables.items():
        assert len(table) == len(reference), kind
        tol = ROUNDING.get(kind, EXACT)
        for column in ("train_loss", "val_loss"):
            pairs = zip(table[column], reference[column])
            assert all(within(a, b, tol) for a, b in pairs), (kind, column)
