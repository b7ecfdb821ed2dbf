"""Batch normalisation uses batch statistics in training and running averages at evaluation.

What it means
-------------
``BatchNormalization`` / ``BatchNorm1d/2d`` normalise each training batch with that batch's
own mean and variance, but use running averages at evaluation. With small batches the batch
statistics are noisy, which hurts the training-mode loss.

Why validation ends up below training
-------------------------------------
The evaluation-mode network (smooth running statistics) performs better than the
training-mode one (noisy per-batch statistics), most visibly with batches of 2-16 and in
the first epochs, when the running averages lag.

Evidence in the log
-------------------
A BatchNormalization layer in the model summary, or ``model.batchnorm: true`` in
valgap.yaml; validation below training, often far below in epoch 1; a noisy training curve.

How to check
------------
Evaluate the training set in inference mode (``model.evaluate(x_train, y_train)``; in
PyTorch ``model.eval()``) and compare with the validation loss. Train once with a larger
batch size: the gap should shrink.

How to fix
----------
Nothing is wrong. With very small batches consider GroupNorm/LayerNorm or a larger batch.

Options
-------
confidence: confidence when the model is known to use batch norm (default 0.95).
guess_confidence: confidence from the curve signature alone (default 0.28), raised for a
jittery training curve (small batches' statistics).
jitter: epoch-to-epoch noise of the training curve (log units) that counts as jittery
(default 0.03).
"""
from __future__ import annotations

from valgap.rules._base import (
    EVAL_TRAIN_KERAS,
    EVAL_TRAIN_TORCH,
    GAP_KIND_BONUS,
    Context,
    Options,
    Outcome,
    train_mode_check,
)

ID = "batchnorm"
ORDER = 20
FAMILY = "train-mode"
TITLE = "batch statistics in training vs running statistics at evaluation"
DEFAULT: Options = {"confidence": 0.95, "guess_confidence": 0.28, "jitter": 0.03}
CHECKS = (EVAL_TRAIN_KERAS, EVAL_TRAIN_TORCH,
          "train once with a 4x larger batch size: a batch-norm gap shrinks")


def check(ctx: Context, options: Options) -> Outcome:
    guess = options["guess_confidence"] + GAP_KIND_BONUS.get(ctx.shape.gap_kind, 0.0)
    if ctx.shape.train_jitter >= options["jitter"]:
        guess += 0.12  # batch statistics of small batches: a jittery training curve
    return train_mode_check(ctx, ID, "batchnorm", "batch normalisation", CHECKS, guess, options)
