"""Class or sample weights, or label smoothing, change the training loss only.

What it means
-------------
``class_weight=`` / ``sample_weight=`` in Keras ``fit``, a weighted ``CrossEntropyLoss`` or
``label_smoothing`` on the training criterion: the training loss is a different quantity
from the unweighted validation loss.

Why validation ends up below training
-------------------------------------
Up-weighting rare, hard classes (or smoothing the targets) raises the training loss, so
the two curves are offset from epoch 1, whatever the fit.

Evidence in the log
-------------------
``model.loss_weighting: true`` in valgap.yaml; in the curves, a large offset already in
epoch 1 that persists.

How to check
------------
Compute the training loss with the validation criterion (no weights, no smoothing):
``model.evaluate(x_train, y_train)`` without ``sample_weight``; in PyTorch the unweighted
criterion under ``model.eval()``.

How to fix
----------
Nothing is wrong; compare like with like (both weighted or both unweighted).

Options
-------
confidence: confidence when weighting is known (default 0.85).
guess_confidence: confidence from the curves alone (default 0.28).
"""
from __future__ import annotations

from valgap.rules._base import Context, Options, Outcome, train_mode_check

ID = "loss-weighting"
ORDER = 50
FAMILY = "train-mode"
TITLE = "class/sample weights or label smoothing on the training loss only"
DEFAULT: Options = {"confidence": 0.85, "guess_confidence": 0.28}
CHECKS = ("Keras: evaluate the training set with the validation criterion: "
          "model.evaluate(x_train, y_train) without sample weights, and look at "
          "fit(class_weight=..., sample_weight=...) and label_smoothing=",
          "PyTorch: compute the training loss with an unweighted criterion without label "
          "smoothing under model.eval(); look at the loss's weight= / label_smoothing=")


def check(ctx: Context, options: Options) -> Outcome:
    shape = ctx.shape
    guess = options["guess_confidence"]
    if shape.early_gap > 0.4 and shape.late_gap < 0.5 * shape.early_gap:
        guess += 0.17  # a big offset from epoch 1 that shrinks as the model fits every class
    return train_mode_check(ctx, ID, "loss_weighting", "weighted training loss", CHECKS,
                            guess, options)
