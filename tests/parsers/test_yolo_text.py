"""YOLOv5's headerless results.txt (tests/data/yolo/yolov5-results.txt: a public repository's
runs/train/exp/results.txt, found with the search tool, 30 epochs). The first and last lines:
box 0.09854, obj 0.09318, cls 0 / val box 0.09176, obj 0.05526, cls 0; and 0.05005, 0.08632,
0 / 0.04726, 0.05303, 0."""
from __future__ import annotations

import pytest

from tests.conftest import DATA
from valgap.parsers import read, yolo_text


def test_yolov5_results_txt_is_read_as_summed_losses():
    run = read(str(DATA / "yolo" / "yolov5-results.txt"))[-1]
    assert run.info.format == yolo_text.NAME and run.epochs == 30
    assert run.table["train_loss"].iloc[0] == pytest.approx(0.09854 + 0.09318)
    assert run.table["val_loss"].iloc[0] == pytest.approx(0.09176 + 0.05526)
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.05005 + 0.08632)
    assert run.table["val_loss"].iloc[-1] == pytest.approx(0.04726 + 0.05303)
    assert run.table["val_map50"].iloc[-1] == pytest.approx(0.5145)
    # YOLOv5's trainer augments the training images (mosaic, HSV, flips) by default
    assert run.info.facts == {"augmentation": True, "dropout": False}


def test_other_tables_of_numbers_are_not_results_txt():
    assert yolo_text.sniff("1 0.9 0.8\n2 0.7 0.6\n") == 0.0
