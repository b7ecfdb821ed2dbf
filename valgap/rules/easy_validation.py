"""The validation set is easier than the training set, or from another distribution.

What it means
-------------
An unshuffled or time-ordered split (the last 20 % of a series whose noise shrinks over
time), label noise only in the training part, a validation set picked from clean or
typical examples: the two sets are not alike.

Why validation ends up below training
-------------------------------------
The model is scored on easier examples at validation, so validation loss stays below
training loss late into training, with no train-mode mechanism to explain it.

Evidence in the log
-------------------
Validation below training through the late epochs; valgap.yaml says ``data.split:
time-ordered``, or says the model has no dropout, batch norm or augmentation. Where nothing
says, the curves can only point at it (a guess, below 0.5): the gap stays while only training
improves, or the whole gap is there from epoch 1 and neither curve falls 15 % after the
second epoch (the network learnt what it could at once; what is left is the sets being
unlike, such as label noise in the training part only).

How to check
------------
Shuffle and split again with another seed (``train_test_split(..., shuffle=True,
random_state=1)``; ``random_split`` with a new generator) and retrain: the gap should close.
Compare the label noise and the feature distributions of the two sets.

How to fix
----------
Use a random (or, for time series, a rolling) split that matches what the model will meet.

Options
-------
confidence: confidence when the split is known to be time-ordered (default 0.9).
"""
from __future__ import annotations

from valgap.model import Finding
from valgap.rules._base import (
    Context,
    Options,
    Outcome,
    accuracy_word,
    clamp,
    from_measurement,
)
from valgap.rules._signals import known_train_mode, median, val_standard_error

ID = "easy-validation"
ORDER = 100
FAMILY = "data-split"
TITLE = "validation set easier than (or unlike) the training set"
DEFAULT: Options = {"confidence": 0.9}
CHECKS = ("split again with shuffling and another seed (sklearn train_test_split(shuffle="
          "True, random_state=1), or torch.utils.data.random_split with a new generator) and "
          "retrain: the gap should close",
          "compare label noise and feature statistics of the training and validation sets")


def check(ctx: Context, options: Options) -> Outcome:
    # measured columns (valgap's callbacks) decide: the data part of the gap
    return from_measurement(ctx, ID, "data", _from_curves(ctx, options), CHECKS,
                            default=True)


def _from_curves(ctx: Context, options: Options) -> Outcome:
    shape = ctx.shape
    below = ctx.fit.fit == "val-below-train"
    late = (f"late gap {shape.late_gap:.2f} (log train/val), below in {shape.below_all:.0%} "
            "of epochs")
    if ctx.facts.split == "time-ordered" and shape.late_gap > 0.05:
        return Finding(ID, options["confidence"], f"{ctx.says('split', 'calls')} the split "
                       f"time-ordered and validation stays below training ({late})", CHECKS)
    if not below:
        return None
    train_mode = known_train_mode(ctx.facts)
    c = ctx.curves
    se = val_standard_error(ctx.facts.loss_rows, median(c.val[c.late()]), c.kind)
    if train_mode is False:
        sure = 0.75 if not se or shape.late_gap > 2 * se else 0.4
        return Finding(ID, sure, f"validation stays below training ({late}) although "
                       f"{ctx.says('dropout', 'rules out')} dropout, batch norm and "
                       "augmentation", CHECKS)
    if train_mode is None:
        guess, why = 0.33, ""
        if shape.train_plateaus and shape.train_jitter < 0.01:
            # a fixed, harder training set (label noise, other distribution): the training
            # loss stalls smoothly, unlike augmentation, which redraws examples every epoch
            guess += 0.12
        if shape.only_train_improves and shape.gap_from_start:
            # a train-mode gap narrows as the network memorises its training set; a gap
            # between unlike sets stays while only training improves
            guess += 0.12
        if shape.settled_at_once:
            # the whole gap from epoch 1 and nothing learnt since: a property of the sets
            guess += 0.14
            why = ("; the whole gap is there from epoch 1 and neither curve fell 15 % after "
                   "the second epoch")
        # an easier validation set is predicted better: level accuracies speak against it
        shift, word = accuracy_word(ctx, loss_only=False)
        # a guess from the curves' shape stays below 0.5: the input names no mechanism
        return Finding(ID, clamp(guess + shift, high=0.49), f"validation stays below training "
                       f"({late}){why}; nothing says whether a train-mode mechanism explains "
                       f"it{word}", CHECKS, guess=True)
    return None
