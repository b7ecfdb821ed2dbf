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

How to check
------------
Divide each logged loss by its set size (or number of batches) and compare again; read the
loss's ``reduction=`` argument and how the loop accumulates batch losses.

How to fix
----------
Average: ``reduction='mean'``, or divide the accumulated sum by the number of samples.

Options
-------
tolerance: how far (as a factor) the loss ratio may sit from the size ratio (default 1.5).
confidence: confidence when the ratio matches (default 0.85).
"""
from __future__ import annotations

import math

from valgap._num import exp_safe, log_ratio
from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip
from valgap.rules._signals import median

ID = "reduction-mismatch"
ORDER = 80
FAMILY = "bug"
TITLE = "loss summed rather than averaged (scale follows the set sizes)"
DEFAULT: Options = {"tolerance": 1.5, "confidence": 0.85}
CHECKS = ("divide each logged loss by the size of its set and compare again",
          "check the loss's reduction= argument (PyTorch) and how the loop accumulates "
          "batch losses (sum / len(dataset) vs sum / len(loader))")


def check(ctx: Context, options: Options) -> Outcome:
    n_train, n_val = ctx.facts.n_train, ctx.facts.n_val
    if not n_train or not n_val:
        return Skip("split sizes unknown: give data.n_train / data.n_val in valgap.yaml")
    c = ctx.curves
    size_ratio = log_ratio(n_train, n_val)
    if abs(size_ratio) < math.log(1.5):
        return Skip(f"the sets are of similar size ({n_train} / {n_val}): a summed loss "
                    "would not show")
    if not c.positive or c.n < 2:
        return Skip("needs at least 2 epochs of positive losses")
    ratios = [log_ratio(t, v) for t, v in zip(c.train, c.val)][c.late()]
    loss_ratio = median(ratios)
    if abs(loss_ratio - size_ratio) > math.log(max(options["tolerance"], 1.0)):
        return None
    conf = options["confidence"]
    if any(getattr(ctx.facts, f) for f in ("dropout", "batchnorm", "augmentation")):
        conf *= 0.6  # a train-mode cause could make a similar ratio
    return Finding(ID, conf, f"train / val loss ratio {exp_safe(loss_ratio):.2f} over the late "
                   f"epochs, close to n_train / n_val = {n_train} / {n_val} = "
                   f"{n_train / n_val:.2f}; losses per sample would agree", CHECKS)
