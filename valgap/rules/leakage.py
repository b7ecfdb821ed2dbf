"""Near-duplicates shared between the training and validation sets.

What it means
-------------
The same (or almost the same) examples sit in both sets: augmented copies split apart,
several images of one patient or one object in both, rows duplicated before the split.

Why validation ends up below training
-------------------------------------
Validation measures memorisation, not generalisation: it follows training all the way
down, so it can sit at or below training even while training loss goes to zero.

Evidence in the log
-------------------
Training loss falls by two and a half orders of magnitude or more and validation falls
with it in step: the generalisation gap never opens. Or, where the log also prints a test
loss each epoch: validation follows training down (a tenfold fall or more, at least half
of training's in log units) while the test loss ends ``test_gap`` times validation or more
and has risen ``test_rise`` from its own lowest, or stopped falling while validation still
fell by a quarter or more over the run's second half (the two held-out sets parted): a
clean set says the model stopped generalising, the validation set does not
(``test_confidence``). Or, however far validation fell: after the test loss's lowest
epoch the test loss rose ``apart_rise`` while validation fell ``apart_fall`` further,
ending ``apart_gap`` times validation or more (two sets drawn alike rise and fall
together; copies of training rows keep improving as the model memorises them).

How to check
------------
Look for duplicates across the split (hash rows or images; nearest neighbours between the
sets); split by group (patient, user, source file) with ``GroupShuffleSplit`` and retrain.

How to fix
----------
Deduplicate before splitting and split by group.

Options
-------
min_fall: training loss must fall by at least this factor (default 300. A well-regularised
network on an easy task falls 50-100x with validation beside it, dropout's noise keeping
the two together; a regression on unscaled targets falls 200x learning their mean and
spread, validation with it; memorised duplicates fall 400x and more).
max_divergence: how far apart (log factor) the two falls may be (default 0.5; a tenth of
the training fall when that is more, for falls of many orders of magnitude).
confidence: default 0.9 (where it fires on the labelled sets, 11 of 12 are right).
test_gap: the test loss's late level over validation's (default 3).
test_rise: the test loss's late level over its own lowest (default 1.3).
test_confidence: default 0.85.
apart_rise: the test loss's late level over its lowest, for sets moving apart (default 1.1).
apart_fall: validation around the test loss's lowest epoch over its late level (default 1.2).
apart_gap: the test loss's late level over validation's, for sets moving apart (default 2,
the spec's "twice").
"""
from __future__ import annotations

import math

from valgap._num import exp_safe, log_ratio
from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import Curves, late_fall, median

ID = "leakage"
ORDER = 110
FAMILY = "data-split"
TITLE = "validation tracks training all the way down (shared near-duplicates)"
DEFAULT: Options = {"min_fall": 300.0, "max_divergence": 0.5, "confidence": 0.9,
                    "test_gap": 3.0, "test_rise": 1.3, "test_confidence": 0.85,
                    "apart_rise": 1.1, "apart_fall": 1.2, "apart_gap": 2.0}
CHECKS = ("look for duplicates or near-duplicates across the split (hash rows or images, "
          "nearest neighbours between the sets)",
          "split by group (sklearn GroupShuffleSplit by patient/user/source) and retrain")


def check(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    if c.n < 5 or not c.positive:
        return Skip("needs at least 5 epochs of positive losses")
    train_fall = log_ratio(c.train[0], min(c.train))
    val_fall = log_ratio(c.val[0], min(c.val))
    beside_test = _clean_test_disagrees(ctx, train_fall, val_fall, options)
    if beside_test:
        return Finding(ID, options["test_confidence"], beside_test, CHECKS)
    if train_fall < math.log(options["min_fall"]):
        return None
    # in step: the falls agree to max_divergence, or to a tenth of a fall of many orders of
    # magnitude (to 1e-6, printing noise in the last digits alone moves a log by that much)
    divergence = abs(train_fall - val_fall)
    allowed = max(options["max_divergence"], 0.1 * train_fall)
    if divergence > allowed or c.val[-1] > 2 * min(c.val):
        return None
    return Finding(ID, options["confidence"],
                   f"training loss fell {exp_safe(train_fall):.0f}x and validation "
                   f"{exp_safe(val_fall):.0f}x in step with it (final {c.train[-1]:.3g} vs "
                   f"{c.val[-1]:.3g}): the generalisation gap never opened", CHECKS)


def _clean_test_disagrees(ctx: Context, train_fall: float, val_fall: float,
                          options: Options) -> str:
    """Where the log prints a test loss each epoch beside validation: validation followed
    training down while the test loss ended far above it (``_followed_down``), or the two
    held-out sets moved apart after the test loss's lowest epoch (``_apart``). The
    evidence, or ""."""
    c = ctx.curves
    test = _test_curve(ctx)
    if len(test) < 5:
        return ""
    late = max(3, len(test) // 3)
    levels = median(test[-late:]), median(c.val[-late:])  # the test loss's, validation's
    every_epoch = len(test) == c.n
    return (_followed_down(c, test, levels, train_fall, val_fall, every_epoch, options)
            or (_apart(c, test, late, levels, options) if every_epoch else ""))


def _test_curve(ctx: Context) -> list[float]:
    """The test loss at the curves' epochs, its positive finite values; [] where none."""
    if "test_loss" not in ctx.run.table:
        return []
    logged = ctx.run.table["test_loss"]
    test = [float(logged.get(e, math.nan)) for e in ctx.curves.epochs]
    return [t for t in test if math.isfinite(t) and t > 0]


def _followed_down(c: Curves, test: list[float], levels: tuple[float, float], train_fall: float,
                   val_fall: float, every_epoch: bool, options: Options) -> str:
    """Validation followed training down (tenfold, half of training's fall) while the test
    loss ended ``test_gap`` times it, up ``test_rise`` from its own lowest or no longer
    falling while validation still fell (``_parted``). The evidence, or ""."""
    test_late, val_late = levels
    if val_fall < math.log(10) or val_fall < 0.5 * train_fall or \
            log_ratio(test_late, val_late) < math.log(options["test_gap"]):
        return ""
    if log_ratio(test_late, min(test)) >= math.log(options["test_rise"]):
        how = f"up from its lowest {min(test):.3g}"
    elif every_epoch and _parted(test, c.val):
        how = "no longer falling while validation still fell over the run's second half"
    else:
        return ""
    return (f"validation fell {exp_safe(val_fall):.0f}x with training (to {c.val[-1]:.3g}) "
            f"while the test loss the log prints beside it ends at {test_late:.3g}, "
            f"{exp_safe(log_ratio(test_late, val_late)):.0f}x validation and {how}: a clean "
            "set says the model stopped generalising, the validation set does not")


def _apart(c: Curves, test: list[float], late: int, levels: tuple[float, float],
           options: Options) -> str:
    """Two held-out sets that moved apart: after the test loss's lowest epoch (before the
    ``late`` epochs) it rose ``apart_rise`` while validation fell ``apart_fall`` further,
    and ended ``apart_gap`` times validation or more. Sets drawn alike rise and fall
    together; a validation set that holds copies of training rows keeps improving as the
    model memorises them. The evidence, or ""."""
    lowest = test.index(min(test))
    if lowest >= len(test) - late:
        return ""
    test_late, val_late = levels
    val_then = median(c.val[max(0, lowest - 1):lowest + 2])
    rise, fall = log_ratio(test_late, test[lowest]), log_ratio(val_then, val_late)
    gap = log_ratio(test_late, val_late)
    if rise < math.log(options["apart_rise"]) or fall < math.log(options["apart_fall"]) or \
            gap < math.log(options["apart_gap"]):
        return ""
    return (f"the test loss the log prints beside validation was lowest at epoch "
            f"{c.epochs[lowest]} ({test[lowest]:.3g}) and ends {exp_safe(rise) - 1:.0%} above "
            f"that, {exp_safe(gap):.1f}x validation, while validation fell a further "
            f"{1 - exp_safe(-fall):.0%} after it: two held-out sets moved apart, as a "
            "validation set holding copies of training rows does")


def _parted(test: list[float], val: list[float]) -> bool:
    """Two held-out sets parted over the run's second half (``late_fall``): validation
    still fell by a quarter or more while the test loss fell less than a tenth as much, or
    rose."""
    val_fall, test_fall = late_fall(val)[0], late_fall(test)[0]
    return val_fall > math.log(1.25) and test_fall < 0.1 * val_fall
