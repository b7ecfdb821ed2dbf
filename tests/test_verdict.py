"""The first sentence a person reads, for each kind of outcome, on real sample runs."""
from __future__ import annotations

import io

from tests.conftest import DATA, SAMPLES
from valgap.config import Config
from valgap.engine import analyze_run
from valgap.parsers import read
from valgap.runner import _Progress


def verdict(name: str) -> str:
    return analyze_run(read(str(SAMPLES / name))[-1], Config()).verdict


def test_confident_cause_is_named():
    text = verdict("dropout.log")
    assert text.startswith("Validation loss stays below training loss, most likely because of "
                           "dropout")


def test_undecided_causes_are_named_with_the_check_that_separates_them():
    text = verdict("dropout.csv")  # a CSV says nothing about the model
    assert "possibly because of" in text and "cannot tell them apart" in text


def test_overfit_names_the_epoch_and_nothing_incidental():
    text = verdict("overfit.log")
    assert text.startswith("The model overfits") and "(from epoch " in text
    assert "average" not in text


def test_underfit_and_good_fit():
    assert verdict("underfit.log") == "The model underfits: both losses stay high."
    assert verdict("healthy.log").startswith("A good fit")


def test_an_unfinished_run_is_told_to_train_longer_not_that_its_losses_stay_high():
    log = DATA / "fifthway" / "pl_underfit-s1" / "lightning_logs" / "version_0" / "metrics.csv"
    text = analyze_run(read(str(log))[-1], Config()).verdict
    assert text == ("The model underfits: both losses were still falling when training "
                    "stopped (train longer).")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_for_long_batches():
    tty, pipe = _Tty(), io.StringIO()
    for stream in (tty, pipe):
        ticks = iter(range(100))
        progress = _Progress(stream, clock=lambda t=ticks: next(t) * 0.5)  # 2 runs a second
        for _ in range(20):
            progress.step()
        progress.done()
    assert "analysed 20 · 2/s · 0:10" in tty.getvalue() and pipe.getvalue() == ""
    short = _Tty()
    _Progress(short).step()
    assert short.getvalue() == ""


def test_diverged_run_is_not_only_a_fit_class(tmp_path):
    import json

    log = tmp_path / "history.csv"
    rows = ["epoch,loss,val_loss", "0,0.87,0.74", "1,0.54,0.60", "2,0.51,0.61", "3,0.67,0.69",
            "4,2.37,490.98", "5,nan,nan", "6,nan,nan"]
    log.write_text("\n".join(rows) + "\n")
    result = analyze_run(read(str(log))[-1], Config())
    assert result.fit.fit == "diverged"
    assert result.causes and result.causes[0].rule == "loss-spike"
    assert "epoch 5" in result.verdict and "nan" in result.verdict
    assert json.dumps(result.to_dict(), allow_nan=False)


def test_a_run_evaluated_every_few_steps_is_told_in_evaluations_not_epochs():
    # the Trainer evaluating every 7 steps (scripts/make_sixthway_runs.py): its rows are
    # evaluations, and the fit, the onset and the verdict say so
    log = DATA / "sixthway" / "small_train-s1" / "trainer_state.json"
    result = analyze_run(read(str(log))[-1], Config())
    assert result.fit.fit == "overfit"
    assert "(from evaluation " in result.verdict
    assert "epoch" not in result.fit.evidence and "evaluation" in result.causes[0].evidence
    # and every rule's evidence, written of epochs, is worded so too
    log = DATA / "sixthway" / "dropout-s1" / "trainer_state.json"
    result = analyze_run(read(str(log))[-1], Config())
    assert result.causes and all(" epoch" not in c.evidence for c in result.causes)


def test_epochs_are_reworded_as_the_rows_are_and_rule_ids_are_left_alone():
    from valgap.model import in_rows

    text = "epoch-averaging: below in 8/20 epochs; half an epoch; 3 epoch(s) after it"
    assert in_rows(text, "epoch") == text
    assert in_rows(text, "evaluation") == ("epoch-averaging: below in 8/20 evaluations; half "
                                           "an evaluation; 3 evaluation(s) after it")
    assert in_rows("half an epoch of 21 epochs", "boosting round") == "half a round of 21 rounds"


def test_a_good_fit_read_off_a_log_that_starts_mid_training_does_not_say_the_losses_fell():
    # a public GPT-2 log of rows every 250 steps from step 70,250: the training loss bounces
    # about 3.2 with no trend; that it fell before the log began is not in the log
    run = read(str(DATA / "public" / "jaipkapoor99+GPT-2__loss_history.csv"))[-1]
    text = analyze_run(run, Config()).verdict
    assert text.startswith("A good fit as far as the log shows: both losses settled together "
                           "(the log starts mid-training)")
    # a log that holds its start still says they fell
    assert verdict("healthy.log").startswith("A good fit: both losses fell and settled")
