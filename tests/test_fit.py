"""The fit classifier on synthetic curves (each class and its near misses) and real runs."""
from __future__ import annotations

import math

import pytest

from tests.conftest import DATA, LABELED, SAMPLES, make_run, needs_shared
from valgap.fit import classify
from valgap.model import Facts
from valgap.parsers import read


def decay(start: float, end: float, n: int, rate: float = 0.35) -> list[float]:
    return [end + (start - end) * math.exp(-rate * i) for i in range(n)]


def fit_of(run, **facts):
    return classify(run, Facts(**facts)).fit


def test_good_fit():
    train = decay(2.3, 0.10, 25)
    val = [t * 1.08 for t in decay(2.2, 0.10, 25)]
    assert fit_of(make_run(train, val)) == "good-fit"


def test_overfit_names_the_turning_epoch():
    train = decay(2.3, 0.001, 40, 0.3)
    val = [0.3 + 0.004 * max(0, i - 12) ** 1.2 + 1.9 * math.exp(-0.5 * i) for i in range(40)]
    result = classify(make_run(train, val), Facts())
    assert result.fit == "overfit"
    assert 10 <= result.onset_epoch <= 16


def test_noisy_validation_without_a_trend_is_not_overfit():
    train = decay(0.4, 0.28, 20, 0.3)
    wobble = [0.24, 0.30, 0.38, 0.29, 0.40, 0.35, 0.28, 0.23, 0.27, 0.34] * 2
    assert fit_of(make_run(train, wobble)) != "overfit"


def test_underfit():
    train = decay(2.35, 2.30, 12, 0.2)
    val = decay(2.34, 2.30, 12, 0.2)
    assert fit_of(make_run(train, val)) == "underfit"


@pytest.mark.parametrize("classes", [2, 3, 10])
def test_a_classifier_at_chance_underfits(classes):
    # losses that fell 20 % to a uniform guess's ln C, the accuracy at 1/C: no fit learnt
    guess = math.log(classes)
    train = decay(1.25 * guess, 1.01 * guess, 8)
    val = decay(1.2 * guess, 1.02 * guess, 8)
    accuracy = [1 / classes + 0.002 * (-1) ** i for i in range(8)]
    result = classify(make_run(train, val, val_accuracy=accuracy), Facts())
    assert result.fit == "underfit" and f"ln {classes}" in result.evidence
    # the same losses with an accuracy well above chance are no guess
    better = [min(1.0, 1 / classes + 0.3)] * 8
    assert "guess" not in classify(make_run(train, val, val_accuracy=better), Facts()).evidence


def test_a_real_run_at_chance_underfits():
    # a public YOLO classification run: two classes, accuracy 0.37 -> 0.50, both losses
    # 0.85 -> 0.70 (ln 2 = 0.693): a good fit "as far as 5 epochs show" before
    name = "AdirajJohn+Audio_Classification__runs_classify_train_results.csv"
    result = classify(read(str(DATA / "public" / name))[-1], Facts())
    assert result.fit == "underfit" and "no better than a guess" in result.evidence


def test_val_below_train():
    train = decay(2.2, 0.9, 30)
    val = decay(1.8, 0.3, 30)
    assert fit_of(make_run(train, val)) == "val-below-train"


def test_a_steady_gap_below_training_is_not_hidden_by_two_spikes():
    # a public handwriting loop (HorizonSeeker): validation 17-18 % below training in all
    # but two epochs, where it jumped above it for one epoch each; the spikes inflate the
    # validation jitter, not the gap's own scatter
    path = DATA / "public" / ("HorizonSeeker+Handwriting-Recognition-Pytorch-Plus__"
                              "training_history.json")
    assert fit_of(read(str(path))[-1]) == "val-below-train"
    train = decay(1.7, 0.24, 16)
    val = [t * 0.83 for t in train]
    for spike in (6, 12):
        val[spike] = train[spike] * 1.08
    assert fit_of(make_run(train, val)) == "val-below-train"
    jittery = [v * (1.25 if i % 2 else 0.8) for i, v in enumerate(val)]  # the gap jitters too
    assert fit_of(make_run(train, jittery)) != "val-below-train"


def test_small_validation_set_widens_the_noise_margin():
    train = decay(2.2, 0.12, 25)
    val = [t * 0.7 for t in train]
    assert fit_of(make_run(train, val)) == "val-below-train"
    assert fit_of(make_run(train, val), n_val=30) == "good-fit"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_diverged_on_nan_or_inf(bad):
    train = [0.9, 0.5, 0.7, 2.4, bad, bad]
    assert fit_of(make_run(train, [0.7, 0.6, 0.7, 400.0, bad, bad])) == "diverged"


def test_diverged_on_explosion():
    train = [1.0, 0.5, 0.4, 0.6, 3.0, 9.0]
    assert fit_of(make_run(train, [0.9, 0.5, 0.45, 0.7, 4.0, 12.0])) == "diverged"


def test_too_short_and_missing_validation():
    assert fit_of(make_run([1.0], [0.9])) == "too-short"
    result = classify(make_run([1.0, 0.8, 0.7]), Facts())
    assert result.fit is None and "validation loss" in result.evidence


@pytest.mark.parametrize(("scenario", "fit"), [("healthy", "good-fit"), ("overfit", "overfit"),
                                               ("dropout", "val-below-train"),
                                               ("underfit", "underfit")])
def test_real_sample_runs(scenario, fit):
    assert fit_of(read(str(SAMPLES / f"{scenario}.log"))[-1]) == fit


def test_nan_from_the_first_epoch_is_divergence():
    nan = float("nan")
    assert fit_of(make_run([nan] * 5, [nan] * 5)) == "diverged"


def test_an_all_nan_validation_column_is_no_validation():
    nan = float("nan")
    result = classify(make_run([1.0, 0.8, 0.7, 0.6], [nan] * 4), Facts())
    assert result.fit is None and "validation loss" in result.evidence


def test_sparse_training_loss_is_not_divergence():
    nan = float("nan")
    train = [nan, 0.9, nan, nan, 0.7, nan, nan, 0.6, nan]
    val = [1.0, 0.95, 0.9, 0.85, 0.8, 0.78, 0.76, 0.75, 0.74]
    assert fit_of(make_run(train, val)) != "diverged"


def test_stalled_validation_while_the_gap_opens_is_overfit():
    train = decay(2.3, 0.005, 40, 0.2)
    val = [max(v, 0.30) for v in decay(2.2, 0.1, 40, 0.3)]
    result = classify(make_run(train, val), Facts())
    assert result.fit == "overfit" and "stalled" in result.evidence


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [5, 50, 500])
def test_an_infinite_loss_in_one_curve_is_divergence(scale, epochs):
    # both curves learn for 60 % of the run, then training blows up to inf and stays there
    good = max(2, int(0.6 * epochs))
    val = [scale * (1 + math.exp(-4 * e / epochs)) for e in range(epochs)]
    train = [v * 1.05 for v in val[:good]] + [float("inf")] * (epochs - good)
    result = classify(make_run(train, val), Facts())
    assert result.fit == "diverged" and f"infinite at epoch {good + 1}" in result.evidence
    result = classify(make_run(val, train), Facts())
    assert result.fit == "diverged" and "validation loss" in result.evidence


@pytest.mark.parametrize("epochs", [5, 50, 500])
def test_a_validation_loss_of_zero_every_epoch_still_gets_its_fit(epochs):
    """The spec: the fit is read from the curves as printed; broken-metric says why it may
    mean little (see the next test)."""
    train = [2.0 * 0.99 ** e for e in range(epochs)]
    result = classify(make_run(train, [0.0] * epochs), Facts())
    assert result.fit == "val-below-train" and "differences" in result.evidence


@pytest.mark.parametrize("epochs", [3, 10])
def test_losses_that_never_move_are_underfit(epochs):
    result = classify(make_run([0.48743] * epochs, [0.16136] * epochs), Facts())
    assert result.fit == "underfit"


def test_zero_validation_loss_is_reported_as_a_broken_metric_beside_the_fit(cli, tmp_path):
    import json

    path = tmp_path / "zero.csv"
    path.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{2 / (e + 1)},0.0\n"
                                                      for e in range(10)))
    result = json.loads(cli("analyze", "--format", "json", str(path)).stdout)
    assert result["fit"] == "val-below-train"
    assert result["causes"][0]["id"] == "broken-metric"
    assert "broken" in result["verdict"] or "not computed" in result["verdict"]


def _early_stopped(epochs: int, scale: float) -> tuple[list[float], list[float]]:
    """Training towards zero; validation bottoms at 40 % of the run and stalls, the run
    stops a few epochs after its minimum (early stopping)."""
    train = [scale * math.exp(-6 * e / epochs) for e in range(epochs)]
    bottom = int(0.4 * epochs)
    val = [scale * 1.1 * math.exp(-2 * min(e, bottom) / epochs) * (1 + 0.002 * max(0, e - bottom))
           for e in range(epochs)]
    return train, val


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [8, 50, 500])
def test_a_wide_growing_gap_is_overfit_at_every_scale_and_length(scale, epochs):
    train, val = _early_stopped(epochs, scale)
    assert classify(make_run(train, val), Facts()).fit == "overfit"


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [8, 50, 500])
def test_a_constant_gap_from_the_start_is_not_overfit(scale, epochs):
    train = [scale * math.exp(-2 * e / epochs) for e in range(epochs)]
    val = [1.6 * t for t in train]  # a harder validation set: the gap never grows
    assert classify(make_run(train, val), Facts()).fit != "overfit"


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [4, 50, 500])
def test_validation_twice_training_late_is_overfit_whatever_its_shape(scale, epochs):
    """The spec: late in the run, validation at twice the training loss or more is overfit,
    with no minimum-then-rise (a plateau, a gap there from the start, still falling)."""
    train = [scale * math.exp(-2 * e / epochs) for e in range(epochs)]
    for factor in (2.5, 10.0):
        val = [factor * t for t in train]
        result = classify(make_run(train, val), Facts())
        assert result.fit == "overfit" and f"{factor:.2g}x training" in result.evidence


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
def test_validation_below_training_throughout_is_not_overfit_when_it_rises(scale):
    train = [scale * (2.0 - 0.05 * e) for e in range(20)]
    val = [scale * (1.0 - 0.02 * e if e < 12 else 0.76 + 0.01 * (e - 12)) for e in range(20)]
    assert classify(make_run(train, val), Facts()).fit != "overfit"


# a real run (scripts/make_torch_runs.py early_stop_overfit, seed 7): 200 training samples,
# validation lowest at epoch 2 and jumpy, early stopping after epoch 8
STOPPED_TRAIN = [0.9589, 0.6309, 0.5214, 0.4256, 0.3761, 0.2168, 0.3652, 0.2529]
STOPPED_VAL = [1.0546, 0.9403, 1.2720, 1.0877, 1.1609, 1.3498, 1.5784, 1.4865]


def _stretched(curve: list[float], epochs: int) -> list[float]:
    """The curve's trend (a parabola in log) over ``epochs``, with its own residuals
    repeated along it: as jumpy per epoch as the original at any length."""
    import numpy as np

    logs = np.log(curve)
    fit = np.polyfit(range(len(curve)), logs, 2)
    residuals = logs - np.polyval(fit, range(len(curve)))
    trend = np.polyval(fit, np.linspace(0, len(curve) - 1, epochs))
    return list(np.exp(trend + np.resize(residuals, epochs)))


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [8, 50, 500])
def test_a_jumpy_validation_rising_as_training_falls_is_overfit(scale, epochs):
    train = [scale * v for v in _stretched(STOPPED_TRAIN, epochs)]
    val = [scale * v for v in _stretched(STOPPED_VAL, epochs)]
    assert classify(make_run(train, val), Facts()).fit == "overfit"


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [8, 50, 500])
def test_validation_rising_while_training_stands_still_is_not_overfit(scale, epochs):
    # the gap grows by validation alone: not the memorising that overfitting is
    train = [scale * (1.0 - 0.02 * e / epochs) for e in range(epochs)]
    val = [scale * (1.1 + 2.0 * e / epochs) for e in range(epochs)]
    assert classify(make_run(train, val), Facts()).fit != "overfit"


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [20, 150, 500])
def test_a_flat_validation_whose_lowest_point_comes_last_can_still_be_overfit(scale, epochs):
    # training falls 15x; validation flat from a tenth of the run on, its noise putting its
    # lowest epoch at the very end (the MAE run of scripts/make_torch_runs.py, seed 9)
    train = [scale * (0.04 + 0.64 * math.exp(-30 * e / epochs)) for e in range(epochs)]
    val = [scale * (0.4 + 0.2 * math.exp(-30 * e / epochs)) * (1 + 0.02 * math.sin(1.7 * e))
           for e in range(epochs)]
    val[-1] = min(val) * 0.98
    assert classify(make_run(train, val), Facts()).fit == "overfit"


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])
@pytest.mark.parametrize("epochs", [20, 150, 500])
def test_validation_still_improving_at_the_end_is_not_overfit(scale, epochs):
    # training falls 50x, validation keeps falling (slower) to the last epoch
    train = [scale * (0.01 + 2.0 * math.exp(-12 * e / epochs)) for e in range(epochs)]
    val = [scale * (0.015 + 1.6 * math.exp(-12 * e / epochs) + 0.01 * (1 - e / epochs))
           for e in range(epochs)]
    assert classify(make_run(train, val), Facts()).fit != "overfit"


THIRDWAY = SAMPLES.parent / "tests" / "data" / "thirdway"


def test_a_run_stuck_after_its_first_evaluations_is_underfit_not_a_good_fit():
    # SGD at lr 3.0: the first evaluation explodes (59.6), then the training loss bounces
    # around 2.8 (above chance for 10 digits) for 24 evaluations without improving; its
    # fall from the explosion made it look like "fell and settled"
    run = read(str(THIRDWAY / "st_diverged-s2" / "run.log"))[-1]
    result = classify(run, Facts())
    assert result.fit == "underfit" and "stuck" in result.evidence


def test_a_loss_creeping_up_while_the_accuracy_still_rises_is_not_stuck():
    # public notebook (Keras, MNIST): training 0.25 -> 0.10 in two epochs, then creeping up
    # to 0.116 while its accuracy still rises 96.5 -> 97.6 % (the error rate down a
    # third): the model kept learning, growing confident in a few mistakes. Without the
    # accuracy column the same losses read as stuck
    run = read(str(DATA / "public" / "11hepatel+Hnadwrriten-Digit-Recognition__train.ipynb"))[-1]
    assert "stuck" not in classify(run, Facts()).evidence
    run.table = run.table.drop(columns=["train_accuracy"])
    assert "stuck" in classify(run, Facts()).evidence


def test_a_network_frozen_at_chance_is_underfit_not_a_good_fit():
    # public notebook, the last of a grid's 27 runs (RMSprop at lr 0.01): the losses explode
    # to 22 at epoch 4, fall back, and sit at ln 4 = 1.3863 (chance for 4 classes) on both
    # sets for 100 epochs; validation's fall from its first epoch (1.68) read as "fell
    # and settled"
    run = read(str(DATA / "public" / "2025Capstone+FaceDrowsinessDetection__training.ipynb"))[-1]
    result = classify(run, Facts())
    assert result.fit == "underfit" and "frozen" in result.evidence


def test_a_training_loss_at_its_printed_floor_is_memorised_not_frozen():
    # Ignite's log prints two decimals: training 0.87 -> 0.00 from epoch 16 on, constant as
    # printed; it fell to nothing, it did not die where it began
    run = read(str(SAMPLES.parent / "tests" / "data" / "twelfthway" / "ig_leakage-s2" /
                   "train.log"))[-1]
    result = classify(run, Facts())
    assert result.fit == "good-fit" and "frozen" not in result.evidence


@pytest.mark.parametrize("name", ["healthy.log", "healthy.csv", "overfit.log", "dropout.log"])
def test_a_converged_run_still_lowering_its_training_loss_is_not_stuck(name):
    run = read(str(SAMPLES / name))[-1]
    assert "stuck" not in classify(run, Facts()).evidence


# real runs for the paths added when the fourth and fifth ways of making runs and the second
# batch of public logs were first read (tests/data/public, fifthway; ../shared when present)
def _fit_of_file(path) -> tuple[str, str]:
    from valgap import config, engine

    result = engine.analyze_input(str(path), config.Config())[-1]
    return result.fit.fit, result.fit.evidence


def test_validation_flat_from_the_start_while_training_falls_is_overfit_below_2x():
    # public log: validation 1.72-1.85 from epoch 1, training 1.74 -> 1.01 (1.7x at the end)
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "Mehak-Thakur+Emotion-detection-system__training_history.csv")
    assert fit == "overfit" and "stopped improving" in evidence


@pytest.mark.parametrize("name", [
    # validation 2.7-3.7 throughout while training falls 2.17 -> 1.60 (1.8x at the end)
    "matty-gg+dogbreedai__history.csv",
    # a GAN: the generator's loss 8.4 -> 4.8, its validation 7.3-7.7 from epoch 1 (1.5x)
    "61447093s+Automatic-Image-Colorization-Using-cGANl-Networks-with-U-Net-Architecture__"
    "logs_training_log.csv"])
def test_validation_that_never_followed_training_down_is_overfit(name):
    fit, evidence = _fit_of_file(DATA / "public" / name)
    assert fit == "overfit" and "did not follow training" in evidence


def test_a_converging_run_whose_validation_followed_training_is_not_caught_by_it():
    # both fall 0.0087 -> 0.00049 together (public log): no gap opened
    fit, _ = _fit_of_file(DATA / "public" /
                                 "leopoldmaillard+cnn-landmarks-aflw2000__history.csv")
    assert fit == "good-fit"


def test_a_jumpy_validation_that_never_crosses_training_is_below_it():
    # Lightning, BatchNorm1d with batches of 4: validation jumps 30-40 % from epoch to epoch
    # (the running statistics), yet sits below training in all 30 epochs
    fit, evidence = _fit_of_file(DATA / "fifthway" / "pl_batchnorm-s3" / "lightning_logs" /
                                 "version_0" / "metrics.csv")
    assert fit == "val-below-train" and "never crosses" in evidence


def test_a_run_stopped_while_both_losses_still_fall_together_is_underfit():
    fit, evidence = _fit_of_file(DATA / "fifthway" / "pl_underfit-s1" / "lightning_logs" /
                                 "version_0" / "metrics.csv")
    assert fit == "underfit" and "still falling" in evidence


def test_a_short_run_still_falling_at_full_speed_is_unfinished():
    # 15 epochs of a 4-unit Lightning model: the last three fell 9 %, faster than the run's
    # average; a curve that has not begun to bend has not settled, however short the run
    fit, evidence = _fit_of_file(DATA / "fifthway" / "pl_underfit-s3" / "lightning_logs" /
                                 "version_0" / "metrics.csv")
    assert fit == "underfit" and "still falling" in evidence


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_a_slowing_curve_with_a_small_late_fall_has_settled(scale):
    # the same 9 % over the last three epochs, but after a fall ten times as fast: settling
    head = [scale * 2 * math.exp(-0.5 * i) for i in range(11)]
    tail = [head[-1] * math.exp(-0.031 * i) for i in range(1, 5)]
    curve = head + tail
    run = make_run(curve, [v * 1.02 for v in curve])
    assert classify(run, Facts()).fit != "underfit"


def test_a_gap_opening_while_both_still_fall_is_not_an_unfinished_run():
    # validation tracks a memorising training loss down, ever further behind: training
    # longer (the unfinished run's advice) would widen the gap
    path = LABELED.parent / "labeled2" / "k2-leakage-copies"
    if not path.exists():
        pytest.skip("../shared/corpus/labeled2 is not here")
    log = next(p for p in path.iterdir() if p.suffix == ".csv")
    assert _fit_of_file(log)[0] != "underfit"


@pytest.mark.parametrize("log", ["seventhway/early_stopped-s3/train.log",
                                 "thirdway/st_healthy_long-s2/run.log"])
def test_a_stall_begins_at_the_epoch_the_best_epoch_finding_names(log):
    # validation stalls while training falls: overfitting began where validation was
    # lowest (the checkpoint to keep), not where the run's last third happens to start
    from valgap import best_epoch

    run = read(str(DATA / log))[-1]
    result = classify(run, Facts())
    assert result.fit == "overfit" and "stalled" in result.evidence
    assert result.onset_epoch == best_epoch.find(run).epoch


def test_a_log_resumed_from_a_checkpoint_is_not_judged_on_its_start(tmp_path):
    # a job resumed at epoch 7 logs a run already trained: its curves improve 13 % and 9 %
    # over the log (the "barely improved" of an underfit) though training began before it
    path = needs_shared(LABELED.parent / "labeled2" / "p2-healthy-resumed" / "run.log")
    run = read(str(path))[-1]
    assert run.info.first_epoch == 7
    assert classify(run, Facts()).fit == "good-fit"
    fresh = tmp_path / "run.log"  # the same epochs numbered from 1: a run that barely moved
    fresh.write_text("\n".join(f"Epoch {i + 1:02d} -- train: {t:.5f} -- valid: {v:.5f}"
                               for i, (t, v) in enumerate(zip(run.table["train_loss"],
                                                               run.table["val_loss"]))))
    assert classify(read(str(fresh))[-1], Facts()).fit == "underfit"


def test_an_accuracy_column_that_is_no_accuracy_is_left_aside():
    # a reader's odd column (text, gaps) must not break the curves; a percentage is a share
    from valgap.rules._signals import Curves

    run = make_run([1.0, 0.8, 0.7], [1.1, 0.9, 0.8])
    run.table["train_accuracy"] = ["a", None, 0.5]
    assert Curves.of(run).train_accuracy is None
    run.table["train_accuracy"] = [50, 60, 70]
    assert Curves.of(run).train_accuracy == [0.5, 0.6, 0.7]


def test_a_lower_single_epoch_than_the_minimum_named_is_said():
    # validation erratic (0.63-18) at 7x training and more: the fit names where the curve,
    # three epochs at a time, was lowest, and says the last epoch alone is lower (the
    # best-epoch finding names that one)
    from valgap import config, engine

    run = read(str(DATA / "public" / "Mertcan-Gelbal+botanix-training__train_log.csv"))[-1]
    result = engine.analyze_run(run, config.Config())
    assert result.fit.fit == "overfit"
    assert "epoch 14 alone is lower, 0.6344" in result.fit.evidence
    assert result.best.epoch == 14


def test_a_stall_shown_within_noise_is_overfit_from_a_smaller_gap():
    # a YOLO run (public, results.csv saved as training_results.csv): validation's parts sum
    # flat at ~4.1 for its last 230 epochs while training's still falls 3.5 -> 2.7 (1.44x
    # at the end): a stall the log shows is overfitting below the 1.5x a stall inferred
    # over the whole run needs
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "BhaveshMukheja+BTP-Codes__training_results.csv")
    assert fit == "overfit" and "stopped improving" in evidence


def test_a_validation_still_falling_at_the_end_is_not_a_stall():
    # Lightning steps (public): validation falls smoothly 0.835 -> 0.320 to its last epoch
    # while single-step training losses bounce: the gap grew to 1.3x, but nothing stalled
    fit, _ = _fit_of_file(DATA / "public" / "AfonsoCosta6748+FAP2.csv")
    assert fit == "good-fit"


def test_a_validation_that_no_longer_follows_training_down_is_overfit():
    # a transformer's 71 epochs (public, losses.txt): over the second half validation fell
    # 15 % while training fell 43 %, ending 2.4x below it from 1.1x early; the last third's
    # median (1.95x) is under the 2x line, and validation still falls, so no stall either
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "mike2d2+Transformer-MIDI-Accomp-Gen__losses.txt")
    assert fit == "overfit" and "no longer followed training down" in evidence
    # both settling towards their floors, validation's a little higher: it follows
    train = [0.30 + 1.7 * 0.93 ** i for i in range(60)]
    val = [0.36 + 1.7 * 0.93 ** i for i in range(60)]
    assert classify(make_run(train, val), Facts()).fit == "good-fit"


@pytest.mark.parametrize("path", [
    # own notebook run, 121 epochs (MSE): validation level at 0.0022 over the last 40 epochs
    # while training fell 0.0025 -> 0.0009: 2.4x late, a gap 0.3 % of the first validation
    "twentyseventhway/nb_keras_regression-s1/run.ipynb",
    # public, 20 epochs: validation 4.3x training late, still drifting down at under half
    # training's rate: a gap 4 % of the first validation loss
    "public/SyuyaAbe+DataScience_lecture_code__result_log",
    # public forecaster, 31 epochs: validation 9x training late, lowest at epoch 21
    "public/Batu-end+4cast2__training_log.csv",
])
def test_a_late_gap_of_twice_training_is_overfit_however_small_against_the_start(path):
    fit, evidence = _fit_of_file(DATA / path)
    assert fit == "overfit" and "late in the run validation stays" in evidence


def test_two_losses_near_zero_falling_together_are_not_validation_error_high():
    # labeled2 leakage run: both fall 400x, validation 2.2x training at the end but still
    # falling as fast (the gap 0.02 % of the first validation loss): validation tracks
    # training, the leakage signature, not "validation error high"
    path = needs_shared(LABELED.parent / "labeled2" / "k2-leakage-copies" / "history.csv")
    fit, _ = _fit_of_file(path)
    assert fit == "good-fit"
    # the same run with validation levelled over its last third: overfitting
    run = read(str(path))[-1]
    val = list(run.table["val_loss"])
    cut = len(val) - len(val) // 3
    levelled = val[:cut] + [val[cut - 1]] * (len(val) - cut)
    assert classify(make_run(list(run.table["train_loss"]), levelled), Facts()).fit == "overfit"


def test_one_bad_first_evaluation_does_not_set_the_scale_a_gap_is_material_against():
    # public, 300 epochs: validation 14.98 at epoch 1 (21x training), then 0.72-0.76 for the
    # rest of the run while training falls 0.69 -> 0.44 (1.65x at the end)
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "An-Sadek+KHDL2211_DL__results_adam_training_results.csv")
    assert fit == "overfit", evidence
    run = read(str(DATA / "public" / "An-Sadek+KHDL2211_DL__results_adam_training_results.csv"))
    from valgap.rules._signals import Curves

    curves = Curves.of(run[-1])
    assert curves.val[0] > 14 and curves.val_start < 1


@pytest.mark.parametrize("name, fit", [
    # public, 2 epochs: both fall by a third (29.0 -> 19.3, 28.4 -> 18.9): not settled
    ("immortal71+Scarfold__train_history.csv", "underfit"),
    # public YOLO, 3 epochs, validation below training, both still falling ~20 % an epoch
    ("3bdul1ah+License-Plates-Detector-Model.csv", "underfit"),
])
def test_a_short_run_still_falling_steeply_is_unfinished(name, fit):
    got, evidence = _fit_of_file(DATA / "public" / name)
    assert got == fit and "still falling at the end of a" in evidence


def test_a_short_run_whose_validation_turned_is_not_unfinished():
    # the same 3 epochs with validation's last step up: a turn, not a run still falling
    run = make_run([2.0, 1.5, 1.1], [2.1, 1.6, 1.65])
    assert classify(run, Facts()).fit != "underfit"
    run = make_run([2.0, 1.5, 1.1], [2.1, 1.6, 1.2])
    assert classify(run, Facts()).fit == "underfit"


def test_a_gap_within_a_one_batch_training_curves_swing_is_no_gap():
    # Equinox's example prints (twenty-sixth way): each training loss printed is one batch's,
    # swinging 0.64-1.07 while validation falls smoothly beside it; validation sat below it
    # at 8 of 15 prints, a median 6 % late: within the training curve's jitter (16 %)
    path = DATA / "twentysixthway" / "eq_dropout-s1" / "train.log"
    fit, evidence = _fit_of_file(path)
    assert fit == "good-fit", evidence
    # the same validation beside a training curve as smooth as an epoch's mean is below it
    run = read(str(path))[-1]
    from valgap.rules._signals import Curves

    c = Curves.of(run)
    smooth = [v * 1.08 for v in c.val]
    assert classify(make_run(smooth, c.val), Facts()).fit == "val-below-train"


def test_a_short_run_whose_validation_never_followed_training_is_overfit():
    # public, 4 epochs: training 0.756 -> 0.265 while validation stays 0.541 -> 0.515
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "Darknight6039+final_project__training_logs.csv")
    assert fit == "overfit" and "did not follow training" in evidence


def test_a_validation_that_jumps_all_run_long_has_not_exploded_at_its_end():
    # public, 86 epochs: training 0.188 -> 0.00002, validation jumping 0.0001-0.74 throughout
    # and 0.163 at the end, 1,145x its lowest: not an explosion, an overfit
    fit, _ = _fit_of_file(DATA / "public" /
                          "aakankshamalhotra+covid_detection__training_logs.csv")
    assert fit == "overfit"
    # a loss that trained down and then blew up at its end is still one
    train = [*decay(2.3, 0.1, 40), 0.3, 1.2, 3.0]
    run = make_run(train, [t * 1.1 for t in train])
    assert classify(run, Facts()).fit == "diverged"


def test_a_validation_closing_on_training_from_below_is_no_gap_that_opened():
    # public, 3 epochs: training 0.511 -> 0.242 -> 0.152, validation 0.231 -> 0.199 -> 0.092,
    # below it throughout and both still falling steeply: unfinished (validation rising
    # towards training, as the epoch means' lag shrinks, is not validation lagging)
    fit, evidence = _fit_of_file(DATA / "public" /
                                 "AveryData+hp-widget-classifier__model_history.json")
    assert fit == "underfit" and "still falling" in evidence


def test_losses_below_zero_turning_up_after_their_lowest_are_overfit():
    # a segmentation loss that goes negative (tests/data/public, eight runs appended by a
    # CSVLogger): the last run's validation bottoms at epoch 10 (-1.063) and ends at -0.613
    # while training falls to -3.9; no ratios, so the rise is weighed against validation's
    # own fall (0.33 -> -0.9 smoothed)
    log = DATA / "public" / "souvikuc+Brain-tumor-detection__epoch_results.csv"
    result = classify(read(str(log))[-1], Facts())
    assert result.fit == "overfit" and result.onset_epoch == 10
    assert "differences only" in result.evidence
    # another's validation ends 3 % of its fall above its lowest: no upturn
    log = DATA / "public" / "souvikuc+Sandstone-segmentation__epoch_results.csv"
    assert fit_of(read(str(log))[-1]) == "good-fit"


def test_one_epoch_whose_validation_is_infinite_is_too_short_not_diverged(tmp_path):
    # a detector's first (and only) epoch: training finite, validation inf (no box predicted
    # yet); an infinite validation that lasts is divergence
    head = "epoch,train_loss,val_loss\n"
    one = tmp_path / "one.csv"
    one.write_text(head + "1,7.34,inf\n")
    assert fit_of(read(str(one))[-1]) == "too-short"
    lasting = tmp_path / "lasting.csv"
    lasting.write_text(head + "1,7.34,5.1\n2,6.9,inf\n3,6.5,inf\n")
    assert fit_of(read(str(lasting))[-1]) == "diverged"


def test_a_stall_after_a_detectors_wild_first_validations_is_overfit():
    # YOLOv8 (development): validation 9.4, 119, 15.8 in its first epochs, lowest 2.78 at
    # epoch 62, 3.0-3.17 after while training fell 2.3 -> 1.79; the early gap, inflated by
    # those jumps, hides the growth the stall made over the second half
    run = read(str(DATA / "public" /
                   "176deepak+Scraping-images-from-internet-and-YOLOv8-Training.csv"))[-1]
    result = classify(run, Facts())
    assert result.fit == "overfit" and "over the second half" in result.evidence


def test_a_validation_that_met_training_over_the_last_tenth_has_not_stayed_below():
    # YOLO11 (development): validation 0.88x training for 40 epochs, 1.0-1.03x in the last
    # ten (mosaic augmentation off from there): a good fit at the end
    run = read(str(DATA / "public" / "4Kings-Rakamin+Resume_OCR_YOLOv11.csv"))[-1]
    assert fit_of(run) == "good-fit"
    # the same run cut before those ten epochs stays below
    cut = run.table.iloc[:40]
    assert fit_of(make_run(cut["train_loss"].tolist(), cut["val_loss"].tolist())) == \
        "val-below-train"


def test_a_good_fit_of_a_few_epochs_says_they_are_too_few_to_show_the_losses_settle():
    # a Lightning run of 2 epochs (public, held out: labelled val-below-train or underfit)
    from valgap import config, engine

    path = DATA / "public" / \
        "AndyC80297+glitch-classification-lightning__lightning_logs_version_0_metrics.csv"
    result = engine.analyze_input(str(path), config.Config())[-1]
    assert result.fit.fit == "good-fit" and result.fit.few_epochs == 2
    assert result.verdict.startswith("A good fit as far as 2 epochs show")
    assert "settled" not in result.fit.evidence
    # six epochs or more have a late stretch to show it
    train = decay(2.0, 0.5, 12)
    assert classify(make_run(train, [t * 1.05 for t in train]), Facts()).few_epochs == 0


def test_a_gap_small_beside_the_first_loss_is_overfitting_where_validation_stalled():
    # public, a Lightning run of 247 epochs: both fell from ~2 (validation 1.74 first), then
    # validation sat at 0.040-0.044 from epoch ~90 (lowest at 186) while training fell on,
    # 0.025 -> 0.011 after a late step of the learning rate: 3.5x at the end. Its gap (0.03)
    # is under 5 % of the first loss, which excused it only where validation tracks
    # training down, or still reaches new lows at the end
    fit, evidence = _fit_of_file(DATA / "public" / "BFlameSwift+icpr__lightning_logs~version_0")
    assert fit == "overfit" and "no longer followed training down" in evidence, evidence
    # public, 10 epochs of a CTC loss, 28 -> 2.87, validation lowest at its last epoch (one
    # spike of 4.47 before it) and 1.4x training: still improving, a gap immaterial beside
    # its first loss, no overfit
    fit, evidence = _fit_of_file(DATA / "public" / "TienNHM+CRNN-OCR__history.npy")
    assert fit == "good-fit", evidence
    # a gap as small with validation following training down is no overfit either
    train = decay(2.2, 0.001, 43, 0.15)
    val = [t * 1.6 for t in train]
    assert fit_of(make_run(train, val)) != "overfit"
