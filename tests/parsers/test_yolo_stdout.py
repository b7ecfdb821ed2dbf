"""What Ultralytics YOLO prints while it trains: the training loss's parts per epoch and the
validation metrics, but no validation loss. Read from a public Colab notebook in
../shared/corpus/realworld2 (YOLO11s, 30 epochs; skipped when absent) and from a YOLOv5
capture pasted in a public README (tests/data/yolo/yolov5-readme-capture.txt: epochs
counted from 0, box/obj/cls parts)."""
from __future__ import annotations

import pytest

from tests.conftest import DATA, SHARED, needs_shared
from valgap.cli import main
from valgap.parsers import read, yolo_stdout

NOTEBOOK = (SHARED / "corpus" / "realworld2" / "notebook" /
            "07sanjana__Violence-detection__notebooks__train-yolo11-object-detection-on-custom-"
            "dataset.ipynb")

YOLOV5 = DATA / "yolo" / "yolov5-readme-capture.txt"


def test_a_yolo11_notebook_is_read_with_its_parts_summed_and_its_metrics():
    run = read(str(needs_shared(NOTEBOOK)))[-1]
    assert run.info.format == yolo_stdout.NAME and run.epochs == 30
    # the last epoch: box 0.9163, cls 0.6781, dfl 1.238; mAP50 0.671 on the "all" row
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.9163 + 0.6781 + 1.238)
    assert run.table["val_map50"].iloc[-1] == pytest.approx(0.671)
    assert "val_loss" not in run.table


def test_yolov5_counts_from_zero_and_names_objectness():
    run = read(str(YOLOV5))[-1]
    assert list(run.table.index) == [1, 2, 3]
    assert run.table["train_obj_loss"].tolist() == [0.02889, 0.02846, 0.02697]
    assert run.table["val_recall"].tolist() == [0.697, 0.981, 0.22]


def test_the_verdict_says_where_the_validation_loss_is():
    from click.testing import CliRunner

    out = CliRunner().invoke(main, ["analyze", str(YOLOV5), "--no-plot"]).output
    assert "YOLO prints no validation loss" in out and "results.csv" in out


def test_a_real_ultralytics_8_4_capture_keeps_the_trainer_arguments_as_facts():
    # tests/data/libs/yolo-train.log: YOLOv8n trained for 4 epochs by ultralytics 8.4.190
    run = read(str(DATA / "libs" / "yolo-train.log"))[-1]
    assert run.info.format == yolo_stdout.NAME and run.epochs == 4
    assert run.info.facts["dropout"] == 0.0  # "dropout=0.0" among its arguments
    # "mosaic=1.0" among them too, but no word of augmentation: the trainer's default
    assert run.info.facts["augmentation"] is True
    assert "Ultralytics" in run.info.fact_origins["augmentation"]
    assert "dropout" not in run.info.fact_origins  # the log's own word, not the default
