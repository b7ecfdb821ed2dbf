"""AllenNLP's per-epoch metrics files (tests/data/allennlp/frminer: a real run's, beside
whose stdout.log, in tests/data/public, the same epochs are printed)."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import DATA
from valgap.discover import discover
from valgap.model import InputError
from valgap.parsers import read

FOLDER = DATA / "allennlp" / "frminer"


def test_a_folder_of_metrics_epoch_files_is_one_run():
    run = read(str(FOLDER))[-1]
    epochs = [json.loads((FOLDER / f"metrics_epoch_{i}.json").read_text()) for i in range(10)]
    assert run.info.format == "allennlp-metrics" and run.epochs == 10
    assert list(run.table["train_loss"]) == [e["training_loss"] for e in epochs]
    assert list(run.table["val_loss"]) == [e["validation_loss"] for e in epochs]
    assert "best_validation_loss" not in run.info.columns.values()  # the best so far is no curve
    # the console of the same run prints the same losses, to three places
    printed = read(str(DATA / "public" / "QAQdev+FRMiner-Training-Results__stdout.log"))[-1]
    assert list(printed.table["val_loss"]) == [round(e["validation_loss"], 3) for e in epochs]


def test_a_walk_takes_the_folder_as_one_run(tmp_path):
    shutil.copytree(FOLDER, tmp_path / "runs" / "frminer")
    (tmp_path / "runs" / "frminer" / "metrics_epoch_10.json").write_text("{not json")
    paths = [t.path for t in discover([str(tmp_path / "runs")]).targets]
    assert paths == [str(tmp_path / "runs" / "frminer")]
    with pytest.raises(InputError, match=r"metrics_epoch_10\.json: not JSON"):
        read(paths[0])  # a broken file is said by name
