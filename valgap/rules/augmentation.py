"""Data augmentation makes the training data harder than the validation data.

What it means
-------------
Random flips, rotations, crops, noise or mixing are applied to training batches only
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``GaussianNoise`` layers, or a
``tf.data`` / torchvision transform on the training set).

Why validation ends up below training
-------------------------------------
The model is scored on distorted examples in training and on clean ones at validation;
the clean ones are easier, so validation loss is lower, often while training loss
plateaus.

Evidence in the log
-------------------
A Random* / GaussianNoise / augmentation layer in the model summary, or
``model.augmentation: true`` in valgap.yaml. Augmentation in the input pipeline never
shows in a summary: say so in valgap.yaml.

How to check
------------
Evaluate the un-augmented training set in inference mode and compare with validation
(``model.evaluate(x_train, y_train)``; PyTorch: a loader without the transforms, under
``model.eval()``). Or train once without augmentation.

How to fix
----------
Nothing is wrong; compare clean-vs-clean losses when judging the fit.

Options
-------
confidence: confidence when augmentation is known (default 0.95).
guess_confidence: confidence from the curve signature alone (default 0.38).
"""
from __future__ import annotations

from valgap.rules._base import (
    EVAL_TRAIN_TORCH,
    GAP_KIND_BONUS,
    Context,
    Options,
    Outcome,
    train_mode_check,
)

ID = "augmentation"
ORDER = 30
FAMILY = "train-mode"
TITLE = "augmentation applied to the training data only"
DEFAULT: Options = {"confidence": 0.95, "guess_confidence": 0.38}
CHECKS = ("Keras: evaluate the training set without augmentation: model.evaluate(x_train, "
          "y_train) (augmentation layers are off in evaluate; pipeline augmentation must be "
          "left out of that dataset)",
          EVAL_TRAIN_TORCH + ", with a loader that applies no training transforms",
          "train once without augmentation: the val < train gap should vanish")


def check(ctx: Context, options: Options) -> Outcome:
    shape = ctx.shape
    guess = options["guess_confidence"] + GAP_KIND_BONUS.get(shape.gap_kind, 0.0)
    if shape.train_plateaus and shape.train_jitter >= 0.01 and not shape.only_train_improves:
        # training data redrawn every epoch: the training loss stalls and jitters (and
        # cannot be memorised, so it does not keep falling while validation stops)
        guess += 0.08
    return train_mode_check(ctx, ID, "augmentation", "augmentation", CHECKS, guess, options)
