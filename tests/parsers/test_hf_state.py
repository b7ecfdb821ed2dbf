"""The Hugging Face Trainer's state (valgap.parsers.hf_state): its log_history saved alone,
as a list, is read as the state is. A real file: a public run (tests/data/public)."""
from __future__ import annotations

import json

from tests.conftest import DATA
from valgap import parsers


def test_a_log_history_saved_alone_is_read_as_the_trainer_state():
    # json.dump(trainer.state.log_history, f): 4,500 training entries every 10 steps and
    # an evaluation at each epoch's end; read before as 4,505 epochs of a saved history
    path = DATA / "public" / "ciwwwnd+playground__log_history.json"
    evals = [e["eval_loss"] for e in json.loads(path.read_text()) if "eval_loss" in e]
    run = parsers.read(str(path))[-1]
    assert run.info.format == "hf-trainer-state"
    assert run.table["val_loss"].tolist() == evals[:3]  # the final evaluate() is no row
