"""Logs made by the real libraries (scripts/make_library_fixtures.py, in their own
environment): each reads as the run the library itself reported, with its epochs and its
first and last losses (to the precision the log prints)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA, SAMPLES
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


def test_each_notebook_cell_is_read_in_its_own_format(tmp_path):
    # a Keras fit printed in one cell and a fastai table (HTML) shown in a later one
    keras = (SAMPLES / "dropout.log").read_text()
    fastai = json.loads((LIBS / "fastai.ipynb").read_text())["cells"][1]
    notebook = {"cells": [
        {"cell_type": "code", "source": "!unzip data.zip", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "inflating: a.png\n" * 3000}]},
        {"cell_type": "code", "source": "model.fit(...)", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": keras}]},
        fastai], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "two.ipynb"
    path.write_text(json.dumps(notebook))
    runs = read(str(path))
    assert [r.info.format for r in runs] == ["keras-stdout", "loop-text"]
    assert runs[0].epochs == read(str(SAMPLES / "dropout.log"))[-1].epochs
    assert runs[1].epochs == EXPECTED["fastai.ipynb"]["epochs"]
