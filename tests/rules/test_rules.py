"""Each rule on synthetic curves that show its signature, and on curves that must not fire it;
plus the real sample runs."""
from __future__ import annotations

import math

import pytest

from tests.conftest import SAMPLES, make_run
from valgap.config import Config
from valgap.engine import analyze_run
from valgap.model import Facts
from valgap.parsers import read


def decay(start: float, end: float, n: int, rate: float = 0.35) -> list[float]:
    return [end + (start - end) * math.exp(-rate * i) for i in range(n)]


def analyse(run, **facts):
    result = analyze_run(run, Config(facts=Facts(**facts)))
    return result, {f.rule: f for f in result.causes}


def status(result, rule_id):
    return next(s for s in result.rules if s.rule == rule_id)


GAP_TRAIN = decay(2.2, 0.45, 25)
GAP_VAL = decay(1.9, 0.25, 25)
NO_TRAIN_MODE = {"dropout": False, "batchnorm": False, "augmentation": False,
                 "weight_penalty": False, "loss_weighting": False}


@pytest.mark.parametrize(("rule", "facts", "layers"), [
    ("dropout", {"dropout": 0.5}, {}),
    ("dropout", {}, {"Dropout": 2, "Dense": 3}),
    ("batchnorm", {}, {"BatchNormalization": 1, "Dense": 2}),
    ("augmentation", {}, {"RandomFlip": 1, "Conv2D": 2}),
    ("augmentation", {"augmentation": True}, {}),
    ("regularization-penalty", {"weight_penalty": True}, {}),
    ("loss-weighting", {"loss_weighting": True}, {}),
])
def test_train_mode_rules_fire_on_evidence(rule, facts, layers):
    result, found = analyse(make_run(GAP_TRAIN, GAP_VAL, layers=layers), **facts)
    assert result.causes[0].rule == rule
    assert found[rule].confidence >= 0.8 and not found[rule].guess


@pytest.mark.parametrize("rule", ["dropout", "batchnorm", "augmentation"])
def test_train_mode_rules_silent_when_the_model_lacks_them(rule):
    result, found = analyse(make_run(GAP_TRAIN, GAP_VAL, layers={"Dense": 3}), **NO_TRAIN_MODE)
    assert rule not in found
    assert status(result, rule).status == "clear"


def test_train_mode_rule_silent_when_validation_is_not_below():
    train = decay(2.2, 0.10, 25)
    _result, found = analyse(make_run(train, [t * 1.1 for t in train]), dropout=0.5)
    assert "dropout" not in found


def test_unknown_model_gives_low_confidence_train_mode_guess_and_says_so():
    result, _found = analyse(make_run(GAP_TRAIN, GAP_VAL))
    assert result.fit.fit == "val-below-train"
    first = result.causes[0]
    assert first.guess and first.confidence < 0.5
    assert "cannot tell them apart" in result.verdict
    assert "inference mode" in result.verdict


def test_epoch_averaging_fires_when_the_shift_closes_the_early_gap():
    n = 20
    # the loss at each epoch's end; the logged mean is the loss half-way through the epoch
    at_end = decay(2.3, 0.15, n, 0.45)
    train = [math.sqrt(at_end[i] * (at_end[i - 1] if i else 2.6)) for i in range(n)]
    val = [a * 1.03 for a in at_end]
    result, found = analyse(make_run(train, val), **NO_TRAIN_MODE)
    assert result.fit.fit == "good-fit"
    assert "epoch-averaging" in found


def test_epoch_averaging_silent_when_validation_is_always_above():
    train = decay(2.3, 0.1, 20)
    assert "epoch-averaging" not in analyse(make_run(train, [t * 1.2 for t in train]))[1]


def test_pre_update_loss_with_one_step_per_epoch():
    val = decay(2.2, 0.2, 20, 0.25)
    train = [2.37, *val[:-1]]  # each training loss is the model before the epoch's update
    result, found = analyse(make_run(train, val, steps=1), **NO_TRAIN_MODE)
    assert result.causes[0].rule == "pre-update-loss"
    assert found["pre-update-loss"].confidence >= 0.8


def test_pre_update_loss_silent_with_many_steps():
    val = decay(2.2, 0.2, 20, 0.25)
    assert "pre-update-loss" not in analyse(make_run([2.37, *val[:-1]], val, steps=45))[1]


def test_reduction_mismatch_ratio_follows_split_sizes():
    per_sample = decay(2.0, 0.3, 20)
    train = [p * 1600 for p in per_sample]
    val = [p * 1.05 * 400 for p in per_sample]
    result, _found = analyse(make_run(train, val), n_train=1600, n_val=400)
    assert result.causes[0].rule == "reduction-mismatch"


def test_reduction_mismatch_skipped_without_sizes_and_silent_when_ratio_differs():
    train = decay(2.0, 0.3, 20)
    result, _ = analyse(make_run(train, [t / 4 for t in train]))
    assert status(result, "reduction-mismatch").status == "skipped"
    assert "n_train" in status(result, "reduction-mismatch").reason
    _, found = analyse(make_run(train, [t / 1.3 for t in train]), n_train=1600, n_val=400)
    assert "reduction-mismatch" not in found


def test_broken_metric_constant_validation():
    _, found = analyse(make_run(decay(2.0, 0.3, 10), [0.6931] * 10))
    assert found["broken-metric"].confidence >= 0.9


def test_easy_validation_time_ordered_split():
    result, _found = analyse(make_run(GAP_TRAIN, GAP_VAL), split="time-ordered", **NO_TRAIN_MODE)
    assert result.causes[0].rule == "easy-validation"


def test_easy_validation_silent_when_validation_is_above():
    train = decay(2.2, 0.1, 25)
    assert "easy-validation" not in analyse(make_run(train, [t * 1.1 for t in train]),
                                            split="time-ordered")[1]


def test_leakage_validation_follows_training_to_zero():
    train = decay(2.2, 0.0, 60, 0.15)
    train = [t + 1e-4 for t in train]
    val = [t * 0.8 for t in train]
    result, _found = analyse(make_run(train, val), **NO_TRAIN_MODE)
    assert result.causes[0].rule == "leakage"


def test_leakage_silent_when_validation_plateaus():
    train = [t + 1e-4 for t in decay(2.2, 0.0, 60, 0.15)]
    val = decay(2.0, 0.2, 60, 0.3)
    assert "leakage" not in analyse(make_run(train, val))[1]


def test_noise_small_validation_set_and_sign_flips():
    train = decay(0.40, 0.28, 20, 0.3)
    val = [0.24, 0.30, 0.38, 0.29, 0.40, 0.35, 0.28, 0.23, 0.27, 0.34] * 2
    result, _found = analyse(make_run(train, val), n_val=24, **NO_TRAIN_MODE)
    assert result.fit.fit == "good-fit"
    assert result.causes[0].rule == "noise"


def test_noise_silent_on_a_clear_steady_gap():
    assert "noise" not in analyse(make_run(GAP_TRAIN, GAP_VAL), n_val=5000)[1]


def test_overfitting_onset_names_the_epoch():
    train = decay(2.3, 0.001, 40, 0.3)
    val = [0.3 + 0.004 * max(0, i - 12) ** 1.2 + 1.9 * math.exp(-0.5 * i) for i in range(40)]
    result, found = analyse(make_run(train, val))
    assert result.causes[0].rule == "overfitting-onset"
    assert f"epoch {result.fit.onset_epoch}" in found["overfitting-onset"].evidence


def test_rule_exception_becomes_a_status_not_a_crash(monkeypatch):
    from valgap.rules import noise

    def boom(ctx, options):
        raise ZeroDivisionError("x")
    monkeypatch.setattr(noise, "check", boom)
    result, _ = analyse(make_run(GAP_TRAIN, GAP_VAL))
    assert status(result, "noise").status == "error"


def test_disabled_rule_is_off():
    cfg = Config(disabled={"dropout"})
    result = analyze_run(make_run(GAP_TRAIN, GAP_VAL, layers={"Dropout": 1}), cfg)
    assert status(result, "dropout").status == "off"
    assert all(f.rule != "dropout" for f in result.causes)


@pytest.mark.parametrize(("scenario", "first_cause"), [
    ("dropout", "dropout"), ("batchnorm", "batchnorm"), ("augmentation", "augmentation"),
    ("overfit", "overfitting-onset")])
def test_real_sample_runs_with_model_summary(scenario, first_cause):
    result = analyze_run(read(str(SAMPLES / f"{scenario}.log"))[-1], Config())
    assert result.causes[0].rule == first_cause


def test_checks_follow_the_framework():
    keras = analyze_run(read(str(SAMPLES / "dropout.log"))[-1], Config())
    checks = keras.causes[0].checks
    assert any(c.startswith("Keras:") for c in checks)
    assert not any(c.startswith("PyTorch:") for c in checks)


def test_loss_spike_found_and_named():
    train = decay(2.0, 0.3, 20)
    train[9] = train[9] * 5
    _result, found = analyse(make_run(train, [t * 1.05 for t in decay(2.0, 0.3, 20)]))
    assert "epoch 10" in found["loss-spike"].evidence


def test_loss_spike_silent_on_smooth_and_noisy_curves():
    assert "loss-spike" not in analyse(make_run(GAP_TRAIN, GAP_VAL))[1]
    wobble = [0.24, 0.30, 0.38, 0.29, 0.40, 0.35, 0.28, 0.23, 0.27, 0.34] * 2
    assert "loss-spike" not in analyse(make_run(decay(0.4, 0.28, 20), wobble))[1]


def test_zero_training_loss_is_a_broken_metric():
    _, found = analyse(make_run([0.0] * 8, decay(1.0, 0.5, 8)))
    assert "broken-metric" in found


@pytest.mark.parametrize("fact", ["weight_penalty", "loss_weighting"])
def test_penalty_and_weighting_silent_when_the_facts_rule_them_out(fact):
    rule = {"weight_penalty": "regularization-penalty", "loss_weighting": "loss-weighting"}[fact]
    result, found = analyse(make_run(GAP_TRAIN, GAP_VAL), **{fact: False})
    assert rule not in found and status(result, rule).status == "clear"


def test_broken_metric_silent_on_moving_curves():
    assert "broken-metric" not in analyse(make_run(GAP_TRAIN, GAP_VAL))[1]


def test_overfitting_onset_silent_without_overfit():
    train = decay(2.3, 0.10, 25)
    assert "overfitting-onset" not in analyse(make_run(train, [t * 1.08 for t in train]))[1]
