"""The best-epoch finding: the epoch of the lowest validation loss and the epochs after it,
in the JSON, the text and the Markdown outputs (read from real sample logs)."""
from __future__ import annotations

import json

from tests.conftest import DATA, SAMPLES, make_run
from valgap.best_epoch import find


def test_the_overfit_sample_was_best_at_epoch_12_of_60(cli):
    # sample_logs/overfit.log: the lowest val_loss printed is 0.3433, at "Epoch 12/60"
    doc = json.loads(cli("analyze", str(SAMPLES / "overfit.log"), "--format", "json").stdout)
    assert doc["best_epoch"] == {"epoch": 12, "val_loss": 0.3433, "last_epoch": 60,
                                 "epochs_after": 48}
    text = cli("analyze", str(SAMPLES / "overfit.log"), "--no-plot").stdout
    assert "best epoch 12 of 60" in text and "48 epoch(s) after it (80% of the run)" in text
    markdown = cli("analyze", str(SAMPLES / "overfit.log"), "--format", "markdown").stdout
    assert "| best epoch |" in markdown and "| 12 (48 after) |" in markdown


def test_a_run_still_improving_is_best_at_its_last_epoch():
    best = find(make_run([1.0, 0.8, 0.6, 0.5], [0.9, 0.7, 0.6, 0.55]))
    assert (best.epoch, best.epochs_after) == (4, 0) and "still improving" in best.describe()


def test_equal_minima_name_the_first_and_missing_values_are_skipped():
    nan = float("nan")
    best = find(make_run([1.0] * 5, [0.9, 0.5, nan, 0.5, 0.7]))
    assert (best.epoch, best.last_epoch, best.val_loss) == (2, 5, 0.5)


def test_no_validation_no_best_epoch(cli):
    assert find(make_run([1.0, 0.9, 0.8])) is None
    nan = float("nan")
    assert find(make_run([1.0, 0.9], [nan, nan])) is None


def test_a_log_that_prints_every_tenth_epoch_names_them_as_it_prints_them(cli):
    # a logging capture printing "Epoch [10/300] - ... Val RMSE: ..." every tenth epoch
    # (tests/data/public): its lowest validation RMSE printed is 24.8187, at epoch 140
    log = DATA / "public" / "Hey-Chillax+Aircraft-engine-RUL__training_output.log"
    doc = json.loads(cli("analyze", str(log), "--format", "json").stdout)
    assert doc["best_epoch"] == {"epoch": 140, "val_loss": 24.8187, "last_epoch": 300,
                                 "epochs_after": 160}
    assert "the log prints epochs 1, 10, ... 300: rows keep its numbers" in doc["run"]["notes"]
    # it prints a training loss and no validation loss, but an RMSE for both: that pair
    assert any("the RMSE of both sets is read as their loss" in w
               for w in doc["run"]["warnings"])
    # XGBoost printing every tenth round from [0] (tests/data/tenthway): best at "[10]"
    boosting = DATA / "tenthway" / "xgb_deep-s1" / "train.log"
    doc = json.loads(cli("analyze", str(boosting), "--format", "json").stdout)
    assert (doc["best_epoch"]["epoch"], doc["best_epoch"]["last_epoch"]) == (10, 299)


def test_spaced_rounds_keep_their_numbers_when_a_last_evaluation_is_left_out(cli, tmp_path):
    # the XGBoost log of tests/data/tenthway (a line every tenth round) with one more line
    # holding a validation loss alone, as a separate evaluation after training prints it:
    # that row is left out, and the rounds left keep the log's numbers (the fuzzer found
    # the index built before the row was dropped)
    log = tmp_path / "train.log"
    log.write_text((DATA / "tenthway" / "xgb_deep-s1" / "train.log").read_text()
                   + "[300]\tvalidation-logloss:0.61234\n")
    doc = json.loads(cli("analyze", str(log), "--format", "json").stdout)
    assert doc["epochs"] == 31 and doc["best_epoch"]["last_epoch"] == 299
    assert any("only an evaluation" in note for note in doc["run"]["notes"])
