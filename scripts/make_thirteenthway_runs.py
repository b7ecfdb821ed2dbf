#!/usr/bin/env python3
"""Make labelled real runs a thirteenth way: fastai's ``tabular_learner`` on scikit-learn's
data (a synthetic 3-class problem from ``make_classification``; the diabetes regression),
trained with ``fit_one_cycle`` or ``fit`` and logged as fastai logs in a terminal: its
table (``epoch train_loss valid_loss accuracy time``) with fastprogress's console bars
redrawn between the rows, or the ``CSVLogger`` callback's ``history.csv``.

fastai's printed training loss is its *smoothed* loss: an exponential moving average of the
train-mode batch losses (beta 0.98, about the last 50 batches), so with few batches an
epoch it lags the model by more than an epoch. Its tabular model has batch norm after every
layer and on the continuous inputs by default, and dropout where ``ps`` asks; some runs
print the model (``print(learn.model)``, as users do), some nothing but the table.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the printed losses, the mean of the epoch's train-mode batch losses, and the training split
re-scored at each epoch's end in eval mode, for labelling; valgap never reads it. The
labels below were written from those numbers before valgap read any run. Seed 1 is the
development half, seed 2 held out. fastai needs its own environment (its releases pin
their own torch; beside the frameworks' venv, without its dependencies)::

    python -m venv venv-fastai && echo "$FRAMEWORKS_SITE_PACKAGES" > \\
        venv-fastai/lib/python3.11/site-packages/frameworks.pth
    venv-fastai/bin/pip install --no-deps fastai==2.8.12 fastcore fasttransform \\
        'fastprogress<1.0.4' fastdownload 'plum-dispatch<2.10' beartype
    venv-fastai/bin/python scripts/make_thirteenthway_runs.py tests/data/thirteenthway \\
        --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io
import json
import warnings

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5 and batch norm (batches of 64), the model printed: validation below the
    # printed loss in 12 of 12 epochs (0.77-0.93x late); the epoch's train-mode batch losses
    # 1.32-1.45x the eval-mode training loss (dropout's share: the same network without
    # batch norm shows 1.3x; batch norm on batches of 64 little)
    "fa_default": ("val-below-train", ["good-fit"], ["dropout", "batchnorm"], "train-mode"),
    # dropout 0.5 alone: seed 2 below the printed loss in 12 of 12 epochs (0.79-0.86x
    # late); seed 1 below it in 5 of 12, then 1.09-1.19x above it late, still at its lowest
    # at the end (1.57x the eval-mode training loss: dropout hides a generalisation gap).
    # Train-mode losses 1.27-1.49x eval-mode ones in both. The silent runs are the same
    # runs with no model printed
    "fa_dropout": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    "fa_dropout_silent": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    # batch norm on batches of 8: below the printed loss in 10 of 10 epochs (0.74-0.95x
    # late), train-mode 1.31-1.45x eval-mode; no dropout (the repr's emb_drop is p=0.0)
    "fa_batchnorm_small": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # 200 training rows, a wide network, 60 epochs: validation lowest at epoch 2-6, then
    # 2.0-2.9x that; training to 0.0006-0.0009
    "fa_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: both 1.11-1.14 (ln 3 = 1.10) from first to last
    "fa_underfit": ("underfit", [], [], None),
    # no dropout, no batch norm: validation lowest at epoch 8-14, up 5-12 % after, 3.2-5.1x
    # the printed training loss late
    "fa_plain_csv": ("overfit", [], ["overfitting-onset"], "fit"),
    # 35 % of the training labels redrawn, validation clean: validation 0.74-0.85x the
    # printed training loss through epochs 2-9 (0.77-0.93x the eval-mode one); level late
    # (0.94-1.04x), as the network learns the noise
    "fa_noisy_train": ("good-fit", ["val-below-train"], ["easy-validation"], "data-split"),
    # dropout 0.3, MSE on a standardised target: validation lowest at epoch 4/10, up 7-8 %
    # after, 1.17-1.74x the printed training loss late (below it in 1-6 of 30 epochs)
    "fa_regression_dropout": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # validation of near-copies of training rows: it follows the eval-mode training loss
    # (1.0-1.2x) from 0.63-0.67 to 0.0002; below the printed (smoothed, lagging) loss in
    # 48-50 of 50 epochs
    "fa_leakage": ("good-fit", ["val-below-train"], ["leakage"], "data-split"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    ("fa_dropout", 1): ("good-fit", [], ["dropout"], "train-mode"),
    ("fa_dropout_silent", 1): ("good-fit", [], ["dropout"], "train-mode"),
}

# scenario -> (task, rows, layers, dropout, batch norm, batch, epochs, lr, schedule,
#              log, print the model, validation)
PLANS = {
    "fa_default": ("classes", None, (200, 100), 0.5, True, 64, 12, 1e-2, "one_cycle",
                   "table", True, "random"),
    "fa_dropout": ("classes", None, (200, 100), 0.5, False, 64, 12, 1e-2, "one_cycle",
                   "table", True, "random"),
    "fa_dropout_silent": ("classes", None, (200, 100), 0.5, False, 64, 12, 1e-2,
                          "one_cycle", "table", False, "random"),
    "fa_batchnorm_small": ("classes", None, (100, 50), 0.0, True, 8, 10, 1e-3, "one_cycle",
                           "table", True, "random"),
    "fa_overfit": ("classes", 200, (500, 250), 0.0, False, 32, 60, 3e-3, "fit", "table",
                   False, "random"),
    "fa_underfit": ("classes", None, (50,), 0.0, False, 64, 8, 1e-6, "one_cycle", "table",
                    False, "random"),
    "fa_plain_csv": ("classes", None, (100, 50), 0.0, False, 64, 20, 1e-2, "one_cycle",
                     "csv", False, "random"),
    "fa_noisy_train": ("classes", None, (100, 50), 0.0, False, 64, 15, 1e-2, "one_cycle",
                       "table", False, "noisy_train"),
    "fa_regression_dropout": ("regression", None, (200, 100), 0.3, False, 32, 30, 1e-2,
                              "one_cycle", "table", True, "random"),
    "fa_leakage": ("classes", 400, (500, 250), 0.0, False, 32, 50, 3e-3, "fit", "csv",
                   False, "leaky"),
}


def _frame(task: str, seed: int):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_diabetes, make_classification

    if task == "regression":
        x, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
    else:
        x, y = make_classification(n_samples=2400, n_features=16, n_informative=8,
                                   n_classes=3, n_clusters_per_class=2, flip_y=0.03,
                                   random_state=seed)
    frame = pd.DataFrame(x.astype(np.float32), columns=[f"x{i}" for i in range(x.shape[1])])
    frame["y"] = y.astype(np.float32) if task == "regression" else y
    return frame


def _splits(frame, rows: int | None, validation: str, seed: int):
    """Training and validation row indices, and the frame with any change made to it."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))
    cut = len(frame) // 5
    valid, train = order[:cut], order[cut:]
    if rows:
        train = train[:rows]
    if validation == "noisy_train":  # 35 % of the training labels redrawn at random
        frame = frame.copy()
        hit = train[rng.random(len(train)) < 0.35]
        frame.loc[hit, "y"] = rng.integers(0, 3, len(hit))
    elif validation == "leaky":  # validation rows: near-copies of training rows
        frame = frame.copy()
        copies = frame.iloc[train[:cut]].copy()
        features = [c for c in frame.columns if c != "y"]
        copies[features] += rng.normal(0, 0.05, (len(copies), len(features)))
        copies.index = range(len(frame), len(frame) + len(copies))
        frame = pd.concat([frame, copies])
        valid = np.asarray(copies.index)
    return frame, list(train), list(valid)


def run(scenario: str, seed: int, folder) -> dict:
    import torch
    from fastai.callback.core import Callback
    from fastai.tabular.all import (
        CategoryBlock,
        CSVLogger,
        Normalize,
        RegressionBlock,
        TabularPandas,
        accuracy,
        rmse,
        set_seed,
        tabular_config,
        tabular_learner,
    )

    (task, rows, sizes, dropout, batchnorm, batch, epochs, lr, schedule, log, show,
     validation) = PLANS[scenario]
    set_seed(seed, reproducible=True)  # python's, numpy's and torch's generators
    frame, train, valid = _splits(_frame(task, seed), rows, validation, seed)
    features = [c for c in frame.columns if c != "y"]
    block = RegressionBlock() if task == "regression" else CategoryBlock()
    table = TabularPandas(frame, procs=[Normalize], cont_names=features, y_names="y",
                          y_block=block, splits=(train, valid))
    loaders = table.dataloaders(bs=batch, drop_last=batchnorm)
    numbers: dict[str, list[float]] = {"printed_train": [], "val": [], "train_batch_mean": [],
                                       "train_eval_mode": []}

    class Measure(Callback):
        order = 70  # after the Recorder has written the epoch's row

        def before_epoch(self):
            self.losses = []

        def after_batch(self):
            if self.training:
                self.losses.append(float(self.learn.loss))

        def after_epoch(self):
            model = self.learn.model
            model.eval()
            total, count = 0.0, 0
            with torch.no_grad():
                for *xs, y in self.learn.dls.train.new(shuffle=False, drop_last=False):
                    out = model(*xs)
                    total += float(self.learn.loss_func(out, y)) * len(y)
                    count += len(y)
            model.train()
            row = self.learn.recorder.values[-1]
            numbers["printed_train"].append(float(row[0]))
            numbers["val"].append(float(row[1]))
            numbers["train_batch_mean"].append(sum(self.losses) / len(self.losses))
            numbers["train_eval_mode"].append(total / count)

    config = tabular_config(ps=[dropout] * len(sizes), use_bn=batchnorm, bn_cont=batchnorm,
                            bn_final=False)
    metrics = rmse if task == "regression" else accuracy
    callbacks = [Measure()]
    if log == "csv":
        callbacks.append(CSVLogger(fname=str(folder / "history.csv")))
    learn = tabular_learner(loaders, layers=list(sizes), metrics=metrics, config=config,
                            cbs=callbacks, wd=0.0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if show:
            print(learn.model)
        if schedule == "one_cycle":
            learn.fit_one_cycle(epochs, lr)
        else:
            learn.fit(epochs, lr)
    if log == "table":
        (folder / "train.log").write_text(out.getvalue())
    return numbers


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0], list(PLANS))
    for scenario, seed, folder in _labels.run_folders(args):
        numbers = run(scenario, seed, folder)
        (folder / "numbers.json").write_text(json.dumps(numbers, indent=1))
        log = "history.csv" if PLANS[scenario][9] == "csv" else "train.log"
        label = SEED_LABELS.get((scenario, seed), LABELS.get(scenario))
        if label is not None:  # a new scenario is labelled from its numbers first
            _labels.write_label(folder, scenario, seed, "fastai", {"log": log}, label)
        print(f"{folder.name}: {len(numbers['val'])} epochs", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
