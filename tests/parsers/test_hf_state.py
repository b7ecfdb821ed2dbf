"""The Hugging Face Trainer's state (valgap.parsers.hf_state): its log_history saved alone,
as a JSON list or as a CSV, is read as the state is. Real files: public runs
(tests/data/public)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap import parsers
from valgap.model import EVALUATION


def test_a_log_history_saved_alone_is_read_as_the_trainer_state():
    # json.dump(trainer.state.log_history, f): 4,500 training entries every 10 steps and
    # an evaluation at each epoch's end; read before as 4,505 epochs of a saved history
    path = DATA / "public" / "ciwwwnd+playground__log_history.json"
    evals = [e["eval_loss"] for e in json.loads(path.read_text()) if "eval_loss" in e]
    run = parsers.read(str(path))[-1]
    assert run.info.format == "hf-trainer-state"
    assert run.table["val_loss"].tolist() == evals[:3]  # the final evaluate() is no row


def test_a_log_history_saved_as_csv_is_read_as_the_state_is():
    # a DPO Trainer's log_history as a CSV: training rows (loss every 10 steps) and
    # evaluation rows (eval_loss every 10 steps) at fractional epochs all under 1, then the
    # run's summary row; pooled by the integer epoch, every evaluation fell into "epoch 0"
    path = DATA / "public" / "NarimT+A5__training_logs.csv"
    run = parsers.read(str(path))[-1]
    assert run.info.format == "hf-trainer-log-csv"
    assert run.epochs == 91 and run.info.row == EVALUATION
    assert run.table["val_loss"].iloc[0] == pytest.approx(0.6944466233253479)
    assert run.table["train_loss"].iloc[0] == pytest.approx(0.6958292961120606)
    # the summary row's train_loss (a mean over the whole run) is no evaluation's
    assert run.table["train_loss"].iloc[-1] == pytest.approx(0.5635, abs=1e-3)


def test_a_log_history_printed_whole_is_read_with_its_full_precision():
    # a real Trainer run (scripts/make_torch_fixtures.py hf_printed_history_run) whose
    # console ends with print(trainer.state.log_history): one line, a Python list. The
    # dicts printed during training round to 4 digits; the list holds the evaluations as
    # computed, and is the one read (not both: each evaluation would count twice)
    path = DATA / "hf" / "log_history_printed.log"
    evals = json.loads((DATA / "hf" / "log_history_printed.json").read_text())
    (run,) = parsers.read(str(path))
    assert run.info.format == "hf-trainer-stdout"
    assert run.table["val_loss"].tolist() == evals
    assert "read from the log_history printed whole" in run.info.notes
    # the list alone, as a notebook cell prints it
    (alone,) = parsers.read(str(path), data=path.read_text().splitlines()[-1].encode())
    assert alone.table["val_loss"].tolist() == evals
