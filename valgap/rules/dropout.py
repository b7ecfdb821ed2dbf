"""Dropout is active while training and off while validating.

What it means
-------------
Dropout layers zero a share of activations on every training batch and do nothing at
evaluation. The logged training loss is measured on the weakened, noisy network; the
validation loss on the full one.

Why validation ends up below training
-------------------------------------
With heavy dropout (0.3-0.6) the full network is simply better than any of its dropped-out
versions, so validation loss sits below training loss from the first epoch to the last.
This is expected and harmless.

Evidence in the log
-------------------
A ``Dropout`` (or ``SpatialDropout``, ``AlphaDropout``, ``GaussianDropout``) layer in the
``model.summary()`` table or a PyTorch module print, or ``model.dropout`` in valgap.yaml;
validation below training in most epochs. Without either, only the curve's signature
(below from the start) points to a train-mode cause, at low confidence.

How to check
------------
Evaluate the training set in inference mode after training (Keras ``model.evaluate``,
PyTorch ``model.eval()`` + ``torch.no_grad()``): if that loss is at or below the validation
loss, dropout explains the gap. Or train once with the dropout rate set to 0.

How to fix
----------
Nothing to fix: compare validation with the inference-mode training loss, not the logged one.
Lower the rate only if the model underfits.

Options
-------
confidence: confidence when the model is known to use dropout (default 0.95).
guess_confidence: confidence from the curve signature alone (default 0.42).
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

ID = "dropout"
ORDER = 10
FAMILY = "train-mode"
TITLE = "dropout active in training, off at evaluation"
DEFAULT: Options = {"confidence": 0.95, "guess_confidence": 0.42}
CHECKS = (EVAL_TRAIN_KERAS, EVAL_TRAIN_TORCH,
          "train once with every dropout rate set to 0: the val < train gap should vanish")


def check(ctx: Context, options: Options) -> Outcome:
    guess = options["guess_confidence"] + GAP_KIND_BONUS.get(ctx.shape.gap_kind, 0.0)
    return train_mode_check(ctx, ID, "dropout", "dropout layers", CHECKS, guess, options)
