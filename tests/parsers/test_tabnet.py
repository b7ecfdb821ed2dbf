"""TabNet's console (pytorch-tabnet's fit: "epoch 3  | loss: 0.55 | val_0_logloss: 0.61 |
val_1_logloss: 0.62 |  0:00:01s"), read by the loop-print reader. Real runs: the
twenty-fifth way (tests/data/twentyfifthway, scripts/make_twentyfifthway_runs.py)."""
from __future__ import annotations

import json

from tests.conftest import DATA
from valgap import parsers

WAY = DATA / "twentyfifthway"


def _read(name: str):
    folder = WAY / name
    return parsers.read(str(folder / "train.log"))[-1], json.loads(
        (folder / "numbers.json").read_text())


def _val_as_scored(run, numbers) -> bool:
    """The table's validation is the set the script scored as validation: printed to 5
    decimals, scored with its own clipping, it agrees to a few parts in ten thousand."""
    return all(abs(a - b) < 1e-3 * b for a, b in zip(run.table["val_loss"], numbers["val"]))


def test_the_last_of_several_evaluation_sets_is_validation():
    # eval_set=[(train), (valid)]: val_0 is the training set scored in inference mode,
    # val_1 the validation set (TabNet's early stopping watches the last)
    run, numbers = _read("tn_overfit-s1")
    assert run.info.columns["val_loss"] == "val_1_logloss"
    assert any("the last, val_1_logloss" in note for note in run.info.notes)
    assert _val_as_scored(run, numbers)


def test_validation_alone_is_its_only_set():
    run, _ = _read("tn_valid_only-s1")
    assert run.info.columns["val_loss"] == "val_0_logloss"
    assert not any("evaluation sets" in note for note in run.info.notes)


def test_a_regressors_validation_mse_is_compared_with_its_loss():
    # "loss: 0.23 | val_0_mse: 0.17 | val_1_mse: 0.26": no validation loss is printed; the
    # regressor's loss is the MSE
    run, numbers = _read("tn_regression-s1")
    assert run.info.columns["val_loss"] == "val_1_mse"
    assert any("validation MSE is compared" in w for w in run.info.warnings)
    assert _val_as_scored(run, numbers)


def test_tabnets_lines_rule_dropout_out():
    run, _ = _read("tn_default-s1")
    assert run.info.framework == "tabnet" and run.info.facts.get("dropout") == 0.0
    assert "batchnorm" not in run.info.facts  # always there, rarely the gap's maker
