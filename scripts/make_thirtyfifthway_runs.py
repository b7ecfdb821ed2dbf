#!/usr/bin/env python3
"""Make labelled real runs a thirty-fifth way: image classifiers trained by timm's own
``train.py`` (pytorch-image-models' training script, the way its users train), the log its
console (``Train: 3 [  36/37 (100%)]  Loss: 1.21 (1.30) ...``, ``Test: [  18/18] ...
Loss:   0.912 ( 0.954)  Acc@1: ...``, its ``--result`` summary at the end).

Task, no download: scikit-learn's digits drawn as 16x16 RGB images in an ImageFolder
(1,200 training, 597 validation images), timm's ``test_resnet`` (batch norm throughout).

Scenarios: timm's defaults (label smoothing 0.1 in the training criterion, which the
console names), no smoothing, dropout 0.5 before the classifier (the console does not
show it), mixup 0.8 (soft targets, named), 30 % of the training labels redrawn.

Beside each log the script writes ``numbers.json``: the epochs' losses as timm's
``summary.csv`` holds them, for labelling; valgap never reads it. The labels below were
written from those numbers before valgap read any run. Seed 1 is the development half,
seed 2 held out::

    venv/bin/pip install torch torchvision timm pyyaml scikit-learn
    TIMM_TRAIN=path/to/pytorch-image-models/train.py \\
        venv/bin/python scripts/make_thirtyfifthway_runs.py tests/data/thirtyfifthway
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import _labels

EPOCHS = 25
NOISE = 0.3  # the share of training labels redrawn in the noisy scenario
# scenario -> timm train.py arguments beyond the common ones
ARGS = {
    "tm_default": [],
    "tm_plain": ["--smoothing", "0"],
    "tm_dropout": ["--smoothing", "0", "--drop", "0.5"],
    "tm_mixup": ["--smoothing", "0", "--mixup", "0.8"],
    "tm_noisy": ["--smoothing", "0"],
}
# scenario -> expected fit, fit alternatives, causes, family (from the numbers). timm's
# default training transforms (RandomResizedCrop down to 8 % of the image, flips, colour
# jitter) run in every scenario and the console never names them: without smoothing the
# training loss ends near 1.0 while validation ends near 0.2 (4-5x), the largest part of
# every gap
LABELS: dict[str, _labels.Label] = {
    # smoothing 0.1 (named): training 1.30-1.37 late against the unsmoothed run's 1.0, so
    # the smoothing adds ~0.3 of a ~1.0 gap; validation 0.30-0.34 (0.23-0.26x)
    "tm_default": ("val-below-train", [], ["augmentation", "loss-weighting"], "train-mode"),
    # no smoothing: training 0.97-1.09, validation 0.18-0.24 late
    "tm_plain": ("val-below-train", [], ["augmentation"], "train-mode"),
    # dropout 0.5 before the classifier (not shown): training 1.15-1.24, validation
    # 0.26-0.34 late; the transforms' part larger than the dropout's
    "tm_dropout": ("val-below-train", [], ["augmentation", "dropout"], "train-mode"),
    # mixup 0.8 (soft targets, named) on top of the transforms: training 1.6-1.76,
    # validation 0.44-0.49 late
    "tm_mixup": ("val-below-train", [], ["augmentation"], "train-mode"),
    # 30 % of the training labels redrawn: training 1.73-1.79 late (the clean run's 1.0
    # plus ~0.75 of unlearnable labels), validation (clean) 0.65: the noise's part of the
    # gap as large as the transforms'
    "tm_noisy": ("val-below-train", [], ["easy-validation", "augmentation"], "data-split"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}


def images(root: Path, seed: int, noisy: bool) -> None:
    """The digits as an ImageFolder: ``train/<class>/*.png`` and ``validation/...``."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))
    labels = digits.target.copy()
    train, val = order[:1200], order[1200:]
    if noisy:
        flip = rng.choice(train, int(NOISE * len(train)), replace=False)
        labels[flip] = rng.integers(0, 10, len(flip))
    for split, ids in (("train", train), ("validation", val)):
        for k, i in enumerate(ids):
            pixels = np.kron(digits.images[i] / 16.0, np.ones((2, 2)))
            rgb = (np.stack([pixels] * 3, -1) * 255).astype(np.uint8)
            folder = root / split / str(labels[i])
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rgb).save(folder / f"{k}.png")


def make(scenario: str, seed: int) -> tuple[str, dict]:
    train_py = os.environ["TIMM_TRAIN"]
    with tempfile.TemporaryDirectory() as where:
        data, out = Path(where) / "data", Path(where) / "out"
        images(data, seed, scenario == "tm_noisy")
        command = [sys.executable, train_py, "--data-dir", str(data), "--model", "test_resnet",
                   "--input-size", "3", "16", "16", "--num-classes", "10", "-b", "32",
                   "--epochs", str(EPOCHS), "--lr", "0.02", "--workers", "0", "--seed",
                   str(seed), "--output", str(out), "--experiment", "run", "--no-prefetcher",
                   "--device", "cpu", "--mean", "0.5", "0.5", "0.5", "--std", "0.5", "0.5",
                   "0.5", "--crop-pct", "1.0", "--checkpoint-hist", "1", *ARGS[scenario]]
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              check=True)
        with open(out / "run" / "summary.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    numbers = {"train_loss": [float(r["train_loss"]) for r in rows],
               "val_loss": [float(r["eval_loss"]) for r in rows],
               "val_top1": [float(r["eval_top1"]) for r in rows]}
    return done.stdout.decode("utf-8", errors="replace"), numbers


if __name__ == "__main__":
    sys.exit(_labels.generate(__doc__, list(ARGS), make, "timm train.py (pytorch)", LABELS,
                              SEED_LABELS, "train_loss"))
