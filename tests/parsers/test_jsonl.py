"""JSON Lines read in one streaming pass into both table shapes (per epoch, per evaluation),
the one the log is chosen at its end. Records written as loggers write them."""
from __future__ import annotations

import json

import pytest

from valgap.model import EVALUATION
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


def test_evaluations_several_times_an_epoch_are_the_rows(tmp_path):
    # LLaMA-Factory's trainer_log.jsonl: the epoch is progress (0.22, 0.44 ...), an
    # evaluation every 500 steps, four or five an epoch: averaging them into epochs hid
    # where validation turned (the public log in tests/data/public read as underfit)
    records = []
    for step in range(1, 13):
        records.append({"current_steps": step * 100, "loss": 2.0 - 0.05 * step,
                        "epoch": step / 4})
        if step % 2 == 0:
            records.append({"current_steps": step * 100, "eval_loss": 1.9 - 0.04 * step,
                            "epoch": step / 4})
    run = read(str(_log(tmp_path, records)))[-1]
    assert run.epochs == 6 and run.info.row == EVALUATION
    assert run.table["val_loss"].iloc[-1] == pytest.approx(1.9 - 0.48)
    assert run.table["train_loss"].iloc[0] == pytest.approx((1.95 + 1.9) / 2)


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


def test_epoch_summaries_among_step_records_are_the_rows():
    # a translation model's log (public): a record of the training loss every 50 steps,
    # and after each epoch {"epoch", "train_loss", "val_loss", "val_chrf"}: the summaries,
    # with their own training loss, are the run's rows
    from tests.conftest import DATA

    run = read(str(DATA / "public" / "netra-ai-lab+Netra-NMT__results_train_log.jsonl"))[-1]
    assert run.table["train_loss"].tolist() == [4.0042, 2.67636, 2.47416]
    assert run.table["val_loss"].tolist() == [2.69912, 2.41916, 2.32165]
    assert run.info.row == EVALUATION


def test_records_of_both_sets_alone_stay_one_row_each(tmp_path):
    # every record with both losses and no epoch (a Ray Tune report's shape): none dropped
    path = _log(tmp_path, [{"step": s, "train_loss": 1.0 / s, "val_loss": 1.1 / s}
                           for s in range(1, 6)])
    run = read(str(path))[-1]
    assert len(run.table) == 5 and run.info.row != EVALUATION


def test_a_loss_under_a_longer_name_logged_for_both_sets_is_read():
    # a byte-level model's evaluations (public): train_loss_nats_per_byte beside
    # validation_loss_nats_per_byte, and bits per byte for both
    from tests.conftest import DATA

    run = read(str(DATA / "public" / "Chickaboo+NeuroZip__metrics.jsonl"))[-1]
    assert len(run.table) == 9
    assert run.info.columns["val_loss"] == "validation_loss_nats_per_byte"
