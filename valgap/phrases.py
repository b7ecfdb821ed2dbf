"""The words valgap uses for each fit class and each cause: one home for what the verdict,
the renderers (SARIF), ``valgap compare`` and ``valgap explain`` all say."""
from __future__ import annotations

FIT_PHRASES = {
    "underfit": "The model underfits: both losses stay high",
    "overfit": ("The model overfits: training loss kept falling while validation loss rose, "
                "stalled or stayed far above it"),
    "good-fit": "A good fit: both losses fell and settled together",
    "val-below-train": "Validation loss stays below training loss",
    "diverged": "Training diverged",
    "too-short": "Too few epochs to judge",
}

# an underfit run whose losses fell but had not settled when it stopped
UNFINISHED_PHRASE = ("The model underfits: both losses were still falling when training "
                     "stopped (train longer)")

CAUSE_PHRASES = {
    "dropout": "dropout (active in training only)",
    "batchnorm": "batch normalisation (batch statistics in training only)",
    "augmentation": "augmentation of the training data only",
    "regularization-penalty": "a weight penalty added to the training loss only",
    "loss-weighting": "class/sample weights or label smoothing on the training loss only",
    "epoch-averaging": "the training loss being an average over each epoch",
    "pre-update-loss": "the training loss being taken before each update",
    "reduction-mismatch": "a summed (not averaged) loss whose scale follows the set sizes",
    "broken-metric": "a loss that is not computed as intended",
    "easy-validation": "a validation set easier than the training set",
    "leakage": "near-duplicates shared by the training and validation sets",
    "noise": "noise: the gap is within the curves' fluctuation",
    "overfitting-onset": "validation loss turning up while training loss falls",
    "loss-spike": "a loss spike (one value far above its neighbours)",
}
