"""The epoch at which validation loss starts rising while training loss keeps falling.

What it means
-------------
The model begins to fit the training set's noise: training loss keeps falling, validation
loss turns up. The minimum of the validation curve is where training should have stopped.

Why validation ends up below training
-------------------------------------
It does not: this is the opposite gap, validation above training and growing.

Evidence in the log
-------------------
The validation minimum lies before the end and validation rises beyond its noise after it.
A run judged overfit with no such turn (validation still at its lowest, but two or more
times training late in the run) is reported too, without an epoch: the gap is the model
fitting its training set far better than new data, and nothing says when that began.

In a run judged a good fit, a turn too small for the fit's overfitting tests is reported
at ``good_fit_confidence``, below 0.5 (a possibility, never the most likely cause): the
(smoothed) validation minimum lies before the run's late stretch (its last fifth, at least
3 epochs), validation's late median sits above that minimum by twice its epoch-to-epoch
jitter and 1.5 % or more (and by two standard errors where ``n_val`` is known: a tiny
validation set's swing is sampling) and above training's, and training fell at least as
far over the same epochs (the curves parted; both drifting up is not overfitting, and
validation still below training is a train-mode gap closing). Of the 15 labelled runs
valgap calls a good fit that show this, 11 were labelled with this onset first and 4 as
good fits that may be overfit, with no cause.

A good fit whose validation stalled while training kept falling (the spec's "validation
stalls while training keeps falling", too small for the fit's stall test) is reported the
same way: over the run's second half validation fell by no more than its noise or a tenth
of training's fall (the fit's own test for a level validation), training fell 5 % or more
and beyond twice its noise, the gap grew by more than both noises, and validation ends
10 % or more above training (a good fit's "slightly above" left behind; two standard
errors where ``n_val`` is known). The epoch named is where the smoothed validation came
within its noise of its final level.

How to check
------------
Look at the epoch named here; check how much data the model has per parameter.

How to fix
----------
Early stopping (``keras.callbacks.EarlyStopping(monitor='val_loss', restore_best_weights=
True)``; Lightning ``EarlyStopping``), more data or augmentation, stronger regularisation,
a smaller model.

Options
-------
confidence: default 0.96.
no_onset_confidence: an overfit run with no turn in validation (default 0.9).
good_fit_confidence: a small turn in a good fit (default 0.48).
"""
from __future__ import annotations

import math

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome
from valgap.rules._signals import (
    Curves,
    late_fall,
    levelled,
    median,
    smoothed,
    val_standard_error,
    validation_minimum,
    wiggle,
)

ID = "overfitting-onset"
ORDER = 130
FAMILY = "fit"
TITLE = "the epoch where validation loss turned up"
DEFAULT: Options = {"confidence": 0.96, "no_onset_confidence": 0.9,
                    "good_fit_confidence": 0.48}
SMALL_TURN = 0.015  # the least rise of a good fit's validation above its minimum (log units)
STALL_FALL = 0.05  # the least fall of training over a good fit's second half (log units)
STALL_ABOVE = 0.1  # the least excess of a stalled validation over training at the end (log)
CHECKS = ("Keras: stop at the validation minimum with keras.callbacks.EarlyStopping("
          "monitor='val_loss', restore_best_weights=True)",
          "PyTorch: stop at the validation minimum (Lightning EarlyStopping(monitor='val_loss'),"
          " or keep the checkpoint with the lowest validation loss)",
          "Boosting: stop at the best round (XGBoost and LightGBM: early_stopping_rounds, the "
          "validation set last in the evaluation sets; CatBoost: use_best_model=True; "
          "scikit-learn's HistGradientBoosting: early_stopping=True with n_iter_no_change); then "
          "lower the learning rate, limit the depth or leaves, or subsample rows and columns",
          "add data, augmentation or regularisation, or shrink the model")


def check(ctx: Context, options: Options) -> Outcome:
    if ctx.fit.fit == "good-fit":
        return _small_turn(ctx, options)
    if ctx.fit.fit != "overfit":
        return None
    if ctx.fit.onset_epoch is None:
        return Finding(ID, options["no_onset_confidence"], f"overfitting, with no turn in "
                       f"validation yet: {ctx.fit.evidence}", CHECKS)
    # written of epochs: the engine words every finding in what a row is (model.in_rows)
    return Finding(ID, options["confidence"], f"overfitting from epoch "
                   f"{ctx.fit.onset_epoch}: {ctx.fit.evidence}", CHECKS)


def _small_turn(ctx: Context, options: Options) -> Outcome:
    c, sampling = ctx.curves, _sampling(ctx)
    turn = _early_turn(c, sampling)
    if turn is None:
        return _stall(ctx, options, sampling)
    low, rise, fall = turn
    return Finding(ID, options["good_fit_confidence"], f"validation bottomed out around epoch "
                   f"{c.epochs[low]} ({c.val[low]:.4g}); since then it sits {math.expm1(rise):.0%} "
                   f"above that while training fell {-math.expm1(-fall):.0%}: a turn too small "
                   "to call the run overfit, an early sign of it", CHECKS,
                   marks={"turn": c.epochs[low]})


def _sampling(ctx: Context) -> float:
    """Two standard errors (log units) of a validation set of known size, else 0: a turn
    or an excess within them is sampling, as the fit's own overfit test has it."""
    c = ctx.curves
    if c.n < 6 or not c.positive:
        return 0.0
    se = val_standard_error(ctx.facts.loss_rows, median(c.val[c.late()]), c.kind)
    return 2 * (se or 0.0)


def _stall(ctx: Context, options: Options, sampling: float) -> Outcome:
    stall = _late_stall(ctx.curves, sampling)
    if stall is None:
        return None
    since, train_fall, above = stall
    c = ctx.curves
    return Finding(ID, options["good_fit_confidence"], f"validation has stayed level since "
                   f"about epoch {c.epochs[since]} ({c.val[since]:.4g}) while training fell "
                   f"{-math.expm1(-train_fall):.0%} over the second half; validation ends "
                   f"{math.expm1(above):.0%} above training: the curves parting, an early sign "
                   "of overfitting", CHECKS, marks={"level": c.epochs[since]})


def _late_stall(c: Curves, sampling: float = 0.0) -> tuple[int, float, float] | None:
    """Where validation levelled off, training's fall over the second half and how far
    (log units) validation's late median sits above training's; ``None`` unless validation's
    second-half fall is within its noise (``late_fall``) or under a tenth of training's (the
    fit's own test for a level validation), training's is beyond twice its own noise and
    ``STALL_FALL`` or more, the gap grew by more than both noises, and validation ends
    ``STALL_ABOVE`` or more above training, and beyond ``sampling``."""
    if c.n < 6 or not c.positive:
        return None
    train_fall, train_noise = late_fall(c.train)
    val_fall, val_noise = late_fall(c.val)
    late = max(3, c.n // 5)
    above = math.log(median(c.val[-late:]) / median(c.train[-late:]))
    level = levelled(val_fall, val_noise, train_fall)
    falling = train_fall >= max(2 * train_noise, STALL_FALL)
    parted = train_fall - val_fall >= 2 * (train_noise + val_noise) and \
        above >= max(STALL_ABOVE, sampling)
    if not (level and falling and parted):
        return None
    # the first epoch from which validation (smoothed) stays within its noise of its end
    smooth, end = smoothed(c.val), median(c.val[-late:])
    band = max(2 * wiggle(c.val), SMALL_TURN)
    since = c.n - 1
    while since > 0 and abs(math.log(smooth[since - 1] / end)) <= band:
        since -= 1
    return since, train_fall, above


def _early_turn(c: Curves, sampling: float = 0.0) -> tuple[int, float, float] | None:
    """Validation's lowest epoch before the run's late stretch, how far (log units) its late
    median sits above it, and how far training fell over the same epochs; ``None`` where
    that is within validation's jitter (or ``sampling``), training did not fall as far, or
    validation is still below training late (a train-mode gap closing, not overfitting)."""
    if c.n < 6 or not c.positive:
        return None
    late = max(3, c.n // 5)
    best, low = validation_minimum(c)
    if best >= c.n - late:
        return None
    val_late, train_late = median(c.val[-late:]), median(c.train[-late:])
    rise = math.log(val_late / c.val[low])
    fall = math.log(c.train[low] / train_late)
    if rise < max(2 * wiggle(c.val), SMALL_TURN, sampling) or fall < rise or \
            val_late <= train_late:
        return None
    return low, rise, fall
