"""Logs made by the real libraries (scripts/make_library_fixtures.py, in their own
environment): each reads as the run the library itself reported, with its epochs and its
first and last losses (to the precision the log prints)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap.parsers import read

LIBS = DATA / "libs"
EXPECTED = {name: want for name, want in
            json.loads((LIBS / "expected.json").read_text()).items() if want}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_library_log_reads_as_the_run_the_library_reported(name):
    want = EXPECTED[name]
    run = read(str(LIBS / name))[-1]
    assert run.epochs == want["epochs"]
    for column, key in (("train_loss", "train"), ("val_loss", "val")):
        if key in want:
            got = run.table[column].dropna()
            assert [got.iloc[0], got.iloc[-1]] == pytest.approx(want[key], rel=1e-3), column


def test_fastai_metrics_are_validation_metrics():
    # fastai computes its metrics on the validation set: "accuracy" beside valid_loss
    run = read(str(LIBS / "fastai.log"))[-1]
    assert "val_accuracy" in run.table.columns and "train_accuracy" not in run.table.columns


def test_a_notebook_whose_first_cell_prints_thousands_of_lines_is_still_found():
    cells = json.loads((LIBS / "fastai.ipynb").read_text())["cells"]
    printed = "".join("".join(o.get("text", "")) for o in cells[0]["outputs"])
    assert printed.count("inflating") == 5000
    assert read(str(LIBS / "fastai.ipynb"))[-1].epochs == EXPECTED["fastai.ipynb"]["epochs"]
