"""Each batch's loss is taken before that batch's update.

What it means
-------------
A training step computes the loss, then updates the weights. The logged training loss
therefore describes the model *before* each update. With many steps per epoch this hardly
matters; with full-batch training (one step per epoch) the training loss of epoch *e* is the
loss of the model validation saw at epoch *e - 1*.

Why validation ends up below training
-------------------------------------
Validation is measured after the update, training before it: validation is one update
ahead. In epoch 1 the training loss is still at its starting value (chance level) while
validation already improved.

Evidence in the log
-------------------
One or two steps per epoch (``1/1`` progress bars), or a batch size equal to the training
set; the training curve one epoch later matches the validation curve (judged on the epochs
where validation still moves: once both curves flatten, a shift shows nothing). A lag of
one update explains a gap no larger than what an epoch changes: where the steps per epoch
are unknown and validation stays below training late by more than ``lasting_gap_epochs``
times a late epoch's change, the lag may explain the early epochs, not the gap that lasts,
and the finding says so at ``lasting_confidence``.

How to check
------------
Evaluate the training set after the update (``model.evaluate(x_train, y_train)`` at the
epoch's end; PyTorch: compute the loss again after ``optimizer.step()``).

How to fix
----------
Nothing is wrong; compare validation with the next epoch's training loss, or use
mini-batches.

Options
-------
max_steps: at most this many steps per epoch counts as few (default 2).
confidence: confidence with few steps and a one-epoch shift that closes the gap (default 0.87).
lasting_gap_epochs: how many late epochs' changes a lasting gap may span (default 5).
lasting_confidence: confidence where it spans more (default 0.3).
half_epoch_ratio: with the steps unknown, the most the one-epoch shift's gap may be of the
half-epoch shift's (default 0.3).
"""
from __future__ import annotations

import math

from valgap._num import log_ratio
from valgap.model import EVALUATION, Finding
from valgap.rules._base import Context, Options, Outcome, Skip, from_measurement
from valgap.rules._signals import median

ID = "pre-update-loss"
ORDER = 70
FAMILY = "timing"
TITLE = "training loss taken before each update (few steps per epoch)"
DEFAULT: Options = {"max_steps": 2, "confidence": 0.87, "lasting_gap_epochs": 5.0,
                    "lasting_confidence": 0.3, "half_epoch_ratio": 0.3}
CHECKS = ("Keras: evaluate the training set after the epoch's update: "
          "model.evaluate(x_train, y_train)",
          "PyTorch: recompute the training loss after optimizer.step() under model.eval()",
          "compare each validation loss with the NEXT epoch's training loss")


def check(ctx: Context, options: Options) -> Outcome:
    # measured columns (valgap's callbacks) decide: the timing part of the gap
    return from_measurement(ctx, ID, "timing", _from_curves(ctx, options), CHECKS,
                            default=False)


def _from_curves(ctx: Context, options: Options) -> Outcome:
    c = ctx.curves
    info = ctx.run.info
    steps = info.steps_per_epoch
    if steps is None and info.batch_size and ctx.facts.n_train:
        steps = math.ceil(ctx.facts.n_train / info.batch_size)
    if c.n < 3 or not c.positive:
        return Skip("needs at least 3 epochs of positive losses")
    # only epochs where validation moved tell a one-epoch shift from none: once the curves
    # flatten, both comparisons agree
    moved = [e for e in range(1, c.n) if abs(log_ratio(c.val[e], c.val[e - 1])) > 0.03]
    epochs = moved if len(moved) >= 2 else list(range(1, c.n))
    nows = [abs(log_ratio(c.train[e], c.val[e])) for e in epochs]
    aheads = [abs(log_ratio(c.train[e], c.val[e - 1])) for e in epochs]
    now, ahead = median(nows), median(aheads)
    # the shift must fit in most of those epochs, not in one that pulls a median of two
    closer = sum(a < 0.5 * b for a, b in zip(aheads, nows)) / len(epochs)
    shifted_fits = ahead < 0.5 * now and now > 0.05 and closer >= 2 / 3
    if steps is None and info.row == EVALUATION:
        # a row is an evaluation every N steps: a one-row shift is N updates, not the one
        # update each batch's loss is taken before
        return Skip("rows are evaluations every N steps, not epochs: a one-row shift says "
                    "nothing about the loss being taken before each update")
    if steps is None:
        if not shifted_fits:
            return Skip("steps per epoch unknown (no progress bar or batch size in the log)")
        half = median([abs(math.log(c.train[e]) - (math.log(c.val[e - 1]) + math.log(c.val[e]))
                           / 2) for e in epochs])
        if ahead > options["half_epoch_ratio"] * half:
            return Skip(f"steps per epoch unknown, and the training loss shifted one epoch "
                        f"(gap {ahead:.1%}) fits not much better than shifted half an epoch "
                        f"({half:.1%}), as a mean over an epoch of many steps stands")
        # the closer the one-epoch shift matches, the surer: 0.62 at the threshold, 0.85 exact
        conf = 0.4 + 0.45 * (1 - ahead / now)
        evidence = (f"each epoch's training loss matches the previous epoch's validation "
                    f"loss (median gap {ahead:.1%} vs {now:.1%} same-epoch); steps per epoch "
                    "unknown")
        lasting = _lasting_gap(ctx, options)
        if lasting:
            conf = min(conf, options["lasting_confidence"])
            evidence += f"; {lasting}"
        return Finding(ID, conf, evidence, CHECKS)
    if steps > options["max_steps"]:
        return None
    conf = options["confidence"] if shifted_fits else options["confidence"] * 0.6
    return Finding(ID, conf, f"{steps} step(s) per epoch: the training loss is taken before "
                   f"the epoch's only update(s); epoch-1 training loss {c.train[0]:.4g} vs "
                   f"validation {c.val[0]:.4g}; training shifted one epoch matches validation "
                   f"within {ahead:.1%} (same epoch: {now:.1%})", CHECKS)


def _lasting_gap(ctx: Context, options: Options) -> str:
    """Where validation stays below training late by more than the lag of one epoch's
    update can make (``lasting_gap_epochs`` late epochs' changes): said, else ""."""
    c = ctx.curves
    if ctx.fit.fit != "val-below-train":
        return ""
    late = range(c.n)[c.last_third()]
    gap = median([log_ratio(c.train[e], c.val[e]) for e in late])
    step = median([abs(log_ratio(c.val[e], c.val[e - 1])) for e in late])
    if gap <= max(0.05, options["lasting_gap_epochs"] * step):
        return ""
    times = gap / max(step, 1e-9)
    return (f"but validation stays {gap:.1%} (log) below training late, {times:.0f}x what a "
            f"late epoch changes ({step:.1%}): the lag explains the early epochs, not the "
            "gap that lasts")
