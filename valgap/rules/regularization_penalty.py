"""An L1/L2 weight penalty is added to the training loss only.

What it means
-------------
``loss = criterion(...) + lam * sum(w**2)`` in a PyTorch loop, or a Keras ``train_step`` or
``GradientTape`` loop that adds ``sum(model.losses)`` while training only, adds a penalty to
the loss that is logged for training. Validation reports the data loss alone. Not so in
Keras's own ``fit``: it adds a regulariser's penalty (``kernel_regularizer=l2(...)``) to
``val_loss`` as to ``loss`` (measured with Keras 3.15: an L2 of 0.5 gave val_loss 5.64 =
data loss 0.83 + penalty 4.81), so a penalty a Keras run's parameters name opens no gap and
is no evidence here; ``valgap.yaml`` can still say ``weight_penalty: true`` for a custom step.
Optimiser weight decay (AdamW, SGD's ``weight_decay``) adds no term to any logged loss.

Why validation ends up below training
-------------------------------------
The training curve carries an extra term that the validation curve does not: a roughly
constant offset that does not shrink as training goes on.

Evidence in the log
-------------------
``model.weight_penalty: true`` in valgap.yaml (a summary does not show regularisers); in
the curves, an absolute offset train - val that stays about constant over the late epochs.

How to check
------------
Log the data loss and the penalty separately (a Keras custom step: the data loss before
adding ``sum(model.losses)``; PyTorch: print ``criterion(out, y)`` apart from the penalty
term). The data losses should agree.

How to fix
----------
Nothing is wrong; plot the data loss without the penalty for both sets.

Options
-------
confidence: confidence when a penalty is known (default 0.95).
guess_confidence: confidence from the curves alone (default 0.33), raised when the absolute
offset stays while the losses fall (a term added to the loss), lowered when it falls with
them (a share of the loss: another train-mode cause).
"""
from __future__ import annotations

from valgap.rules._base import Context, Options, Outcome, train_mode_check

ID = "regularization-penalty"
ORDER = 40
FAMILY = "train-mode"
TITLE = "L1/L2 penalty added to the training loss only"
DEFAULT: Options = {"confidence": 0.95, "guess_confidence": 0.33}
CHECKS = ("Keras (a custom train_step or GradientTape loop): log the data loss before "
          "adding sum(model.losses) and compare it with the validation loss",
          "PyTorch: log criterion(model(x), y) apart from the penalty term and compare it with "
          "the validation loss",
          "set the weight decay / regulariser to 0 for one run: the offset should vanish")


def check(ctx: Context, options: Options) -> Outcome:
    # a term added to the training loss: the absolute offset stays while the losses fall
    guess = options["guess_confidence"] + {"additive": 0.14, "ratio": -0.1}.get(
        ctx.shape.gap_kind, 0.0)
    return train_mode_check(ctx, ID, "weight_penalty", "a weight penalty in the training loss",
                            CHECKS, guess, options)
