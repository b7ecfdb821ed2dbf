"""Class or sample weights, or label smoothing, change the training loss only.

What it means
-------------
``class_weight=`` / ``sample_weight=`` in Keras ``fit``, a weighted ``CrossEntropyLoss`` or
``label_smoothing`` on the training criterion: the training loss is a different quantity
from the unweighted validation loss. Not where the same criterion scores validation: a
Keras loss's ``label_smoothing`` (``fit`` scores ``val_loss`` with the compiled loss), the
Hugging Face Trainer's ``label_smoothing_factor`` (its evaluation loss is smoothed too), a
PyTorch loop that validates with its smoothed training criterion.

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
confidence: confidence when weighting is known (default 0.95).
guess_confidence: confidence from the curves alone (default 0.28).
"""
from __future__ import annotations

from valgap.rules._base import Context, Options, Outcome, train_mode_check

ID = "loss-weighting"
ORDER = 50
FAMILY = "train-mode"
TITLE = "class/sample weights or label smoothing on the training loss only"
DEFAULT: Options = {"confidence": 0.95, "guess_confidence": 0.28}
CHECKS = ("Keras: evaluate the training set with the validation criterion: "
          "model.evaluate(x_train, y_train) without sample weights, and look at "
          "fit(class_weight=..., sample_weight=...) and label_smoothing=",
          "PyTorch: compute the training loss with an unweighted criterion without label "
          "smoothing under model.eval(); look at the loss's weight= / label_smoothing=")


def check(ctx: Context, options: Options) -> Outcome:
    shape = ctx.shape
    guess = options["guess_confidence"]
    if shape.train_late_fall < max(0.02, 2 * shape.late_fall_noise) and \
            shape.val_late_fall > max(0.05, 3 * shape.late_fall_noise):
        # smoothed targets leave a floor under the training loss (their own entropy):
        # training has stopped falling while validation still falls below it
        guess += 0.15
    return train_mode_check(ctx, ID, "loss_weighting", "weighted training loss", CHECKS,
                            guess, options)
