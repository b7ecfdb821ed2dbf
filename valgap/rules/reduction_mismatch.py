"""A loss summed instead of averaged (or averaged over different units).

What it means
-------------
``reduction='sum'``, a loop that adds batch losses without dividing by the number of
batches, or a mean per batch on one side and per sample on the other. The two losses are
then on scales that depend on the size of each set.

Why validation ends up below training
-------------------------------------
A sum over 80 % of the data is about four times a sum over 20 %, whatever the fit.

Evidence in the log
-------------------
The ratio train / val stays near n_train / n_val (from ``Train on N samples, validate on M
samples`` or ``data.n_train`` / ``data.n_val`` in valgap.yaml) over the epochs; losses on an
unusually large scale.

Without the set sizes, or in other units: a train / val ratio far from 1 (``stable_ratio``
or more, either way) that stays the same from the first epoch to the last while both curves
move, or a factor of ``extreme_ratio`` or more in every epoch, drifting smoothly if at all
(a model memorising its training set shrinks a sum's factor as it learns; the units show
best at the first epoch, before it has). A train-mode cause (dropout,
augmentation, a penalty) opens a gap that changes as the model learns, and rarely a factor
of 3; a loss summed over a batch (ratio about the batch size), over the set (about
n_train / n_val) or over the batches (about the batch counts' ratio) keeps its factor. The
evidence names the ratio and the units it matches.

Where a framework's own fit loop computed both losses (Keras's ``fit`` and its history, the
Hugging Face Trainer), the same loss object and reduction scored both sets, each averaged
over its batches: a sum makes no factor between them (short of a validation batch size
unlike training's). There a stable factor is at most a guess (``framework_cap``): two
unlike sets (an easier validation period of a series) keep one as well.

How to check
------------
Divide each logged loss by its set size (or number of batches) and compare again; read the
loss's ``reduction=`` argument and how the loop accumulates batch losses.

How to fix
----------
Average: ``reduction='mean'``, or divide the accumulated sum by the number of samples.

Options
-------
tolerance: how far (as a factor) the loss ratio may sit from the size ratio (default 1.3);
the late ratio must also be steady (``steadiness``).
confidence: confidence when the ratio matches (default 0.9).
stable_ratio: the smallest factor between the curves that a stable ratio must reach
(default 3).
steadiness: how much the log ratio may vary over the epochs (standard deviation, default
0.12).
extreme_ratio: a factor reached in every epoch that counts even when it drifts (default 6),
by no more than ``drift``.
framework_cap: the most confidence where a framework's fit loop computed both losses
(default 0.4).
drift: how much the log ratio of such a factor may vary (standard deviation, default 0.25):
the per-sample gap under a sum opens or closes slowly as the model learns, while a
validation loss that jumps tenfold from one epoch to the next keeps no sum's factor.
"""
from __future__ import annotations

import itertools
import math

from valgap._num import exp_safe, log_ratio, spread
from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import median

ID = "reduction-mismatch"
ORDER = 80
FAMILY = "bug"
TITLE = "loss summed rather than averaged (scale follows the set sizes)"
DEFAULT: Options = {"tolerance": 1.3, "confidence": 0.9, "stable_ratio": 3.0,
                    "steadiness": 0.12, "extreme_ratio": 6.0, "drift": 0.25,
                    "framework_cap": 0.4}
# formats whose losses a framework's fit loop computed, both with one loss and reduction
SAME_REDUCTION = {"keras-stdout": "Keras's fit", "history-json": "Keras's fit",
                  "history-print": "Keras's fit", "hf-trainer-state": "the Trainer",
                  "hf-trainer-stdout": "the Trainer", "hf-trainer-log-csv": "the Trainer"}
CHECKS = ("divide each logged loss by the size of its set and compare again",
          "check the loss's reduction= argument (PyTorch) and how the loop accumulates "
          "batch losses (sum / len(dataset) vs sum / len(loader))")


def check(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    if not c.positive or c.n < 2:
        return Skip("needs at least 2 epochs of positive losses")
    n_train, n_val = ctx.facts.n_train, ctx.facts.n_val
    found = None
    if n_train and n_val and abs(log_ratio(n_train, n_val)) >= math.log(1.5):
        found = _size_ratio(ctx, options, n_train, n_val)
    return _framework_averaged(ctx, options, found or _stable_ratio(ctx, options))


def _framework_averaged(ctx: Context, options: Options, found: Outcome) -> Outcome:
    """A finding capped where a framework's fit loop computed both losses the same way."""
    loop = SAME_REDUCTION.get(ctx.run.info.format)
    if not isinstance(found, Finding) or loop is None or \
            found.confidence <= options["framework_cap"]:
        return found
    return Finding(ID, options["framework_cap"], f"{found.evidence}; but {loop} scores both "
                   "sets with one loss and reduction, each averaged over its batches: a sum "
                   "gives no such factor there, while two unlike sets can", CHECKS, guess=True)


def _size_ratio(ctx: Context, options: Options, n_train: int, n_val: int) -> Finding | None:
    """The loss ratio matches the ratio of the set sizes."""
    c = ctx.curves
    size_ratio = log_ratio(n_train, n_val)
    ratios = [log_ratio(t, v) for t, v in zip(c.train, c.val)][c.late()]
    loss_ratio = median(ratios)
    if abs(loss_ratio - size_ratio) > math.log(max(options["tolerance"], 1.0)):
        return None
    if spread(ratios) > options["steadiness"]:
        return None  # a sum's factor stays put; a gap that moves is the model's doing
    conf = options["confidence"]
    if any(getattr(ctx.facts, f) for f in ("dropout", "batchnorm", "augmentation")):
        conf *= 0.6  # a train-mode cause could make a similar ratio
    return Finding(ID, conf, f"train / val loss ratio {exp_safe(loss_ratio):.2f} over the late "
                   f"epochs, close to n_train / n_val = {n_train} / {n_val} = "
                   f"{n_train / n_val:.2f}; losses per sample would agree", CHECKS)


def _stable_ratio(ctx: Context, options: Options) -> Outcome:
    """A factor between the curves far from 1 that the whole run keeps."""
    c = ctx.curves
    if c.n < 5:
        return Skip("needs the set sizes, or at least 5 epochs to see a stable ratio")
    ratios = [log_ratio(t, v) for t, v in zip(c.train, c.val)]
    level = median(ratios)
    moving = min(abs(log_ratio(c.train[0], min(c.train))),
                 abs(log_ratio(c.val[0], min(c.val)))) > 0.1
    varying = spread(ratios)
    stable = abs(level) >= math.log(options["stable_ratio"]) and varying <= options["steadiness"]
    # a factor no train-mode cause reaches, in every epoch, even if it drifts (the per-sample
    # gap under the sum still opens or closes as the model learns): within ``drift``, or
    # by steps of less than half itself from one epoch to the next (a model memorising
    # its training set shrinks a sum's factor steadily; a validation loss that jumps
    # tenfold keeps none)
    steps = [abs(b - a) for a, b in itertools.pairwise(ratios)]
    extreme = min(r * (1 if level > 0 else -1) for r in ratios) >= \
        math.log(options["extreme_ratio"]) and \
        (varying <= options["drift"] or max(steps) < math.log(1.5))
    if not moving or not (stable or extreme):
        return None
    # at the first epoch, before the model has fitted its training set, the per-sample
    # losses agree most: the factor there is the units' own
    units = _matching_units(ctx, level, options["tolerance"]) or \
        [f"{u} at the first epoch ({exp_safe(abs(ratios[0])):.3g}x)"
         for u in _matching_units(ctx, ratios[0], options["tolerance"])]
    conf = 0.9 if units else 0.8
    if any(getattr(ctx.facts, f) for f in ("dropout", "batchnorm", "augmentation")) and \
            not units:
        conf = 0.45
    side = "training" if level > 0 else "validation"
    matched = (f"; it matches {' and '.join(units)}" if units else
               "; no batch size or set sizes the log gives name the units (give "
               "data.n_train / data.n_val in valgap.yaml)")
    low, high = sorted((exp_safe(abs(min(ratios))), exp_safe(abs(max(ratios)))))
    return Finding(ID, conf, f"the {side} loss is {exp_safe(abs(level)):.3g}x the other "
                   f"(between {low:.3g}x and {high:.3g}x in all {c.n} epochs, log ratio "
                   f"varying by {varying:.2f}) while both fall: a factor no train-mode "
                   f"cause makes, as a loss summed over a batch, a set or the batches "
                   f"gives{matched}", CHECKS)


def _matching_units(ctx: Context, level: float, tolerance: float) -> list[str]:
    """Which known counts the ratio is close to (either way round)."""
    counts = {}
    batch = ctx.run.info.batch_size
    if batch and batch > 1:
        counts[f"the batch size ({batch}: per-batch sums on one side, means on the other)"] = \
            batch
    n_train, n_val = ctx.facts.n_train, ctx.facts.n_val
    if n_train and n_val:
        counts[f"n_train / n_val ({n_train} / {n_val})"] = n_train / n_val
    return [name for name, count in counts.items()
            if abs(abs(level) - abs(math.log(count))) <= math.log(max(tolerance, 1.0))]
