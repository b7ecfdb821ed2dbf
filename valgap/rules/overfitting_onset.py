"""The epoch at which validation loss starts rising while training loss keeps falling.

What it means
-------------
The model begins to fit the training set's noise: training loss keeps falling, validation
loss turns up. The minimum of the validation curve is where training should have stopped.

Why validation ends up below training
-------------------------------------
It does not: this is the opposite gap, validation above training and growing.

Evidence in the log
-------------------
The validation minimum lies before the end and validation rises beyond its noise after it.
A run judged overfit with no such turn (validation still at its lowest, but two or more
times training late in the run) is reported too, without an epoch: the gap is the model
fitting its training set far better than new data, and nothing says when that began.

How to check
------------
Look at the epoch named here; check how much data the model has per parameter.

How to fix
----------
Early stopping (``keras.callbacks.EarlyStopping(monitor='val_loss', restore_best_weights=
True)``; Lightning ``EarlyStopping``), more data or augmentation, stronger regularisation,
a smaller model.

Options
-------
confidence: default 0.96.
no_onset_confidence: an overfit run with no turn in validation (default 0.9).
"""
from __future__ import annotations

from valgap.model import Finding
from valgap.rules._base import Context, Options, Outcome

ID = "overfitting-onset"
ORDER = 130
FAMILY = "fit"
TITLE = "the epoch where validation loss turned up"
DEFAULT: Options = {"confidence": 0.96, "no_onset_confidence": 0.9}
CHECKS = ("Keras: stop at the validation minimum with keras.callbacks.EarlyStopping("
          "monitor='val_loss', restore_best_weights=True)",
          "PyTorch: stop at the validation minimum (Lightning EarlyStopping(monitor='val_loss'),"
          " or keep the checkpoint with the lowest validation loss)",
          "Boosting: stop at the best round (XGBoost and LightGBM: early_stopping_rounds, the "
          "validation set last in the evaluation sets; CatBoost: use_best_model=True; "
          "scikit-learn's HistGradientBoosting: early_stopping=True with n_iter_no_change); then "
          "lower the learning rate, limit the depth or leaves, or subsample rows and columns",
          "add data, augmentation or regularisation, or shrink the model")


def check(ctx: Context, options: Options) -> Outcome:
    if ctx.fit.fit != "overfit":
        return None
    if ctx.fit.onset_epoch is None:
        return Finding(ID, options["no_onset_confidence"], f"overfitting, with no turn in "
                       f"validation yet: {ctx.fit.evidence}", CHECKS)
    # written of epochs: the engine words every finding in what a row is (model.in_rows)
    return Finding(ID, options["confidence"], f"overfitting from epoch "
                   f"{ctx.fit.onset_epoch}: {ctx.fit.evidence}", CHECKS)
