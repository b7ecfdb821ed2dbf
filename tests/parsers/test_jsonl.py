"""JSON Lines read in one streaming pass into both table shapes (per epoch, per evaluation),
the one the log is chosen at its end. Records written as loggers write them."""
from __future__ import annotations

import json

import pytest

from valgap.parsers import jsonl, read


def _log(tmp_path, records: list[dict]):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_fractional_epochs_are_rounded_up_and_averaged_per_epoch(tmp_path):
    # the Trainer's way: steps at 0.5 and 1.0 belong to epoch 1, evaluation at 1.0 closes it
    records = [{"epoch": 0.5, "loss": 1.0}, {"epoch": 1.0, "loss": 0.8},
               {"epoch": 1.0, "eval_loss": 0.9}, {"epoch": 1.5, "loss": 0.6},
               {"epoch": 2.0, "loss": 0.4}, {"epoch": 2.0, "eval_loss": 0.7}]
    run = read(str(_log(tmp_path, records)))[-1]
    assert run.info.format == jsonl.NAME and run.epochs == 2
    assert run.table["train_loss"].tolist() == pytest.approx([0.9, 0.5])
    assert run.table["val_loss"].tolist() == pytest.approx([0.9, 0.7])
    assert any("fractional epochs rounded up" in n for n in run.info.notes)


def test_step_records_between_evaluations_make_one_row_each(tmp_path):
    records = [{"step": s, "loss": 1.0 / s} for s in range(1, 5)]
    records.insert(2, {"step": 2, "mode": "val", "loss": 0.6})
    records.append({"step": 4, "mode": "val", "loss": 0.5})
    run = read(str(_log(tmp_path, records)))[-1]
    assert run.epochs == 2
    assert run.table["train_loss"].tolist() == pytest.approx([(1 + 0.5) / 2, (1 / 3 + 0.25) / 2])
    assert run.table["val_loss"].tolist() == pytest.approx([0.6, 0.5])


def test_training_records_alone_are_one_row_each(tmp_path):
    run = read(str(_log(tmp_path, [{"iter": i, "loss": 2.0 - i / 10} for i in range(7)])))[-1]
    assert run.epochs == 7 and "val_loss" not in run.table
