"""The logged training loss is an average over the epoch; validation is measured at its end.

What it means
-------------
Keras progress bars, Lightning's ``on_epoch=True`` and most hand-written loops report the
mean of the batch losses of the epoch. While the model improves, that mean describes the
model as it was about half-way through the epoch; validation runs after the epoch's last
update.

Why validation ends up below training
-------------------------------------
Validation sees a model half an epoch better than the one the training loss describes. The
effect is largest in the first epochs, when the loss falls fast, and fades as the curve
flattens.

Evidence in the log
-------------------
Validation below training mostly in early epochs; moving the training curve half an epoch
later (interpolating between consecutive epochs) closes most of that gap.

How to check
------------
Evaluate the training set at each epoch's end (Keras: a callback that calls
``model.evaluate(x_train, y_train)`` in ``on_epoch_end``; PyTorch: a pass over the training
set under ``model.eval()`` after the epoch) and compare with validation.

How to fix
----------
Nothing is wrong. Plot the training curve shifted by half an epoch, or log an end-of-epoch
training evaluation.

Options
-------
min_closed: share of the early val < train gap the half-epoch shift must close (default 0.5).
confidence: confidence when it is the only thing making validation look better (default 0.45:
a benign effect, reported so that nobody hunts for a bug).
"""
from __future__ import annotations

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome, Skip, from_measurement

ID = "epoch-averaging"
ORDER = 60
FAMILY = "timing"
TITLE = "training loss averaged over the epoch, validation measured at its end"
DEFAULT: Options = {"min_closed": 0.5, "confidence": 0.45}
CHECKS = ("Keras: evaluate the training set at each epoch's end (model.evaluate(x_train, "
          "y_train) in an on_epoch_end callback) and compare it with the validation loss",
          "PyTorch: after each epoch, a no-grad pass over the training set under model.eval(); "
          "compare it with the validation loss",
          "plot the training curve half an epoch earlier (each logged value is the mean over its "
          "epoch, which stands at mid-epoch) and compare it with validation")


def check(ctx: Context, options: Options) -> Outcome:
    # measured columns (valgap's callbacks) decide: the timing part of the gap
    return from_measurement(ctx, ID, "timing", _from_curves(ctx, options), CHECKS,
                            default=True)


def _from_curves(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    if c.n < 3 or not c.positive:
        return Skip("needs at least 3 epochs of positive losses")
    raw, shifted = c.log_gap(), c.log_gap(shifted=True)
    below = [i for i, g in enumerate(raw) if g > 0.02]
    if not below:
        return None
    total = sum(raw[i] for i in below)
    closed = sum(raw[i] - max(shifted[i], 0.0) for i in below) / total
    if closed < options["min_closed"] * 0.5:
        return None
    epochs = ", ".join(str(c.epochs[i]) for i in below[:6]) + ("..." if len(below) > 6 else "")
    evidence = (f"validation below the logged training loss in {len(below)}/{c.n} epochs "
                f"({epochs}); shifting the training curve half an epoch closes {closed:.0%} "
                "of that gap")
    if ctx.fit.fit == "val-below-train" or closed < options["min_closed"]:
        # a contributor: it explains part of the gap, something else the rest
        return Finding(ID, 0.2 + 0.2 * closed, evidence, CHECKS, marks=SHIFT)
    return Finding(ID, options["confidence"], evidence, CHECKS, marks=SHIFT)


SHIFT = {"shift": 0.5}  # the logged mean stands at mid-epoch: the curve drawn half an epoch back
