"""A folder of one CSV a set (tests/data/catalyst/csv_logger: Catalyst's own, made by
scripts/make_catalyst_fixture.py from a real run)."""
from __future__ import annotations

import csv
import shutil

import pytest

from tests.conftest import DATA
from valgap.discover import discover
from valgap.model import InputError
from valgap.parsers import read

LOGGER = DATA / "catalyst" / "csv_logger"


def _column(name: str, column: str) -> list[float]:
    with (LOGGER / name).open(newline="") as fh:
        return [float(row[column]) for row in csv.DictReader(fh)]


def test_train_csv_beside_valid_csv_is_one_run():
    run = read(str(LOGGER))[-1]
    assert run.info.format == "set-csvs" and run.epochs == 8
    assert list(run.table["train_loss"]) == _column("train.csv", "loss")
    assert list(run.table["val_loss"]) == _column("valid.csv", "loss")
    assert list(run.table["val_accuracy01"]) == _column("valid.csv", "accuracy01")
    assert not [c for c in run.table if "std" in c or "mean" in c]  # a statistic of loss


def test_a_walk_reads_the_folder_once_and_leaves_a_datasets_csvs_alone(tmp_path):
    shutil.copytree(LOGGER, tmp_path / "logs" / "csv_logger")
    data = tmp_path / "logs" / "data"
    data.mkdir()
    (data / "train.csv").write_text("id,text,label\n1,hello,0\n")
    (data / "val.csv").write_text("id,text,label\n2,bye,1\n")
    paths = [t.path for t in discover([str(tmp_path / "logs")]).targets]
    assert str(tmp_path / "logs" / "csv_logger") in paths
    assert str(data / "train.csv") in paths and str(data / "val.csv") in paths  # files
    assert not [p for p in paths if p.startswith(str(tmp_path / "logs" / "csv_logger") + "/")]


def test_a_cell_of_words_is_no_value(tmp_path):
    folder = tmp_path / "csv_logger"
    shutil.copytree(LOGGER, folder)
    lines = (folder / "valid.csv").read_text().splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[3], "n/a\ufffd", 1)  # the loss of step 2
    lines.insert(3, "step?,x,y")
    (folder / "valid.csv").write_text("\n".join(lines) + "\n")
    run = read(str(folder))[-1]
    assert run.epochs == 8 and run.table["val_loss"].isna().sum() == 1


def test_a_field_too_long_for_csv_is_said_in_one_line(tmp_path):
    folder = tmp_path / "csv_logger"
    shutil.copytree(LOGGER, folder)
    with (folder / "valid.csv").open("a") as fh:
        fh.write("9," + "x" * 200_000 + "\n")
    with pytest.raises(InputError, match=r"valid\.csv: field larger than field limit"):
        read(str(folder))
