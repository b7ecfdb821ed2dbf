"""YOLO's TensorBoard event files hold only the loss's parts (box, cls, dfl), summed as for
its results.csv. tests/data/yolo/yolov8-tensorboard/ is a public repository's
runs/detect/train/ event file (Abonia1/YOLOv8-Fire-and-Smoke-Detection, ultralytics 8.0,
25 epochs), yolov8-tensorboard-results.csv the results.csv of the same run: that version logs
its running mean of the training losses after every batch, at the epoch's step."""
from __future__ import annotations

import random

import pytest

from tests.conftest import DATA
from valgap.parsers import read

YOLO = DATA / "yolo"


def test_yolo_event_files_read_as_the_run_in_its_results_csv():
    pytest.importorskip("tensorboard")
    events = read(str(YOLO / "yolov8-tensorboard"))[-1]
    results = read(str(YOLO / "yolov8-tensorboard-results.csv"))[-1]
    assert events.epochs == results.epochs == 25
    for column in ("train_loss", "val_loss"):  # results.csv rounds to 5 significant digits
        assert events.table[column].tolist() == pytest.approx(
            results.table[column].tolist(), abs=2e-4)
    assert any("sum of its parts: train_box_loss, train_cls_loss, train_dfl_loss" in n
               for n in events.info.notes)
    assert any("running mean" in n for n in events.info.notes)


def _write(folder, points):
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(folder))
    for wall, (step, tag, value) in enumerate(points):
        summary = Summary(value=[Summary.Value(tag=tag, simple_value=value)])
        writer.add_event(Event(step=step, wall_time=float(wall), summary=summary))
    writer.close()


def test_batch_losses_logged_at_the_epoch_step_are_averaged_not_cut_to_the_last(tmp_path):
    pytest.importorskip("tensorboard")
    rng = random.Random(3)
    points, means = [], []
    for epoch in range(1, 6):  # writer.add_scalar("loss", batch_loss, epoch) in a loop
        batches = [1.0 / epoch + rng.gauss(0, 0.1) for _ in range(40)]
        means.append(sum(batches) / len(batches))
        points += [(epoch, "loss", b) for b in batches] + [(epoch, "val_loss", 1.2 / epoch)]
    _write(tmp_path, points)
    run = read(str(tmp_path))[-1]
    assert run.table["train_loss"].tolist() == pytest.approx(means, rel=1e-5)
    assert not any("running mean" in n for n in run.info.notes)
