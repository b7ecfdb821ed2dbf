#!/usr/bin/env python3
"""Make labelled real runs a thirty-fourth way: PyTorch models trained by Poutyne's
Keras-like ``Model.fit``, the log its console (``print(model)`` first where the script
prints it; each step redrawn in place with ``\\r``, ``Epoch: 3/40 Step: 12/47 ...
loss: 0.61 acc: 70.3``, then the epoch's line ``Epoch: 3/40 Train steps: 47 Val steps:
16 0.41s loss: 0.59 acc: 71.2 val_loss: 0.55 val_acc: 74.0``; early stopping's ``Epoch
00023: early stopping``) or the file its ``CSVLogger`` writes.

Tasks, generated (no download): scikit-learn's ``make_classification`` (4 classes, 24
features, 10 informative) and Friedman's regression, a small multilayer perceptron.

Scenarios: dropout with the model printed or not, batch norm on batches of eight, an L2
term in a custom loss, smoothed labels in a loss that smooths only while training, a wide
network on 200 rows (run out, or stopped early), a rate too small, 30 % of the training
labels redrawn, validation rows from the classes' cores, a regression, the CSVLogger's
file of a dropout run.

Beside each log the script writes ``numbers.json``: the logged losses and the training
set's loss re-scored in inference mode at each epoch's end (the plain loss, no dropout,
running statistics), for labelling; valgap never reads it. The labels below were written
from those numbers before valgap read any run. Seed 1 is the development half, seed 2 held
out::

    venv/bin/pip install poutyne scikit-learn
    venv/bin/python scripts/make_thirtyfourthway_runs.py tests/data/thirtyfourthway --seeds 1 2
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import NamedTuple

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5 (the model printed, or not: the same runs): validation 1.05x and 1.00x
    # the logged training loss late, which dropout makes 1.41x the inference-mode one
    "pu_dropout_printed": ("good-fit", [], [], None),
    "pu_dropout_silent": ("good-fit", [], [], None),
    # batch norm on batches of 8 (printed): validation 1.01x and 0.98x the logged loss
    # late (1.58-1.68x the inference-mode one), nothing to explain
    "pu_batchnorm_small": ("good-fit", [], [], None),
    # an L2 term in the training loss only (2.1-2.3x the plain loss): validation lowest at
    # 18 (17), then 16 % (12 %) above it while training falls; 1.36-1.38x late
    "pu_penalty": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # smoothed labels (0.2) while training only: validation 0.92x and 0.88x the logged loss
    "pu_smoothing": ("val-below-train", ["good-fit"], ["loss-weighting"], "train-mode"),
    # 200 rows, 512 wide: validation lowest at 4 (3), then 2.5 (2.3) while training falls
    # to 2e-4
    "pu_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # the same, stopped early at 12 (11): validation lowest at 4 (3), 33 % above by the end
    "pu_early_stop": ("overfit", [], ["overfitting-onset"], "fit"),
    # SGD at 1e-5: both at 1.38-1.39 (chance for 4 classes, ln 4) all run
    "pu_underfit": ("underfit", [], [], None),
    # 30 % of training labels redrawn: validation lowest at 13 (9), 47 % (59 %) above it by
    # the end, 4.5-5x training late
    "pu_noisy": ("overfit", [], ["overfitting-onset"], "fit"),
    # validation from the classes' cores: 0.40x (0.39x) training from epoch 2, flat while
    # training falls (the inference-mode loss beside the logged one: 1.1x)
    "pu_easy_val": ("val-below-train", [], ["easy-validation"], "data-split"),
    # Friedman's regression: validation lowest at 25 (18), 18 % (34 %) above by the end,
    # 5.4-5.7x training late
    "pu_regression": ("overfit", [], ["overfitting-onset"], "fit"),
    # dropout 0.3, the CSVLogger's file: validation flat at 0.60-0.66 over the last half
    # while training falls 0.52 -> 0.41 (0.49 -> 0.39): 1.43-1.44x late
    "pu_dropout_csv": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (task, training rows, dropout, batch norm, batch size, L2 weight, smoothing,
# optimiser and rate, epochs, training labels flipped, validation from the cores, model
# printed, early stopping, hidden width, kept log)
class Plan(NamedTuple):
    """How a scenario is made; each scenario below states what differs from these."""
    task: str = "cls"           # "cls" (4 classes) or "reg" (Friedman's regression)
    rows: int = 1500            # training rows
    dropout: float = 0.0
    batchnorm: bool = False
    batch: int = 32
    l2: float = 0.0             # an L2 term in the custom loss, while training only
    smoothing: float = 0.0      # label smoothing in the custom loss, while training only
    optimiser: tuple[str, float] = ("adam", 1e-3)
    epochs: int = 40
    flipped: float = 0.0        # share of the training labels redrawn
    cores: bool = False         # validation from the classes' cores
    printed: bool = True        # print(model) first
    early: bool = False         # EarlyStopping on val_loss
    width: int = 128
    kept: str = "console"       # the log kept: "console" or "csv"


PLANS = {
    "pu_dropout_printed": Plan(dropout=0.5),
    "pu_dropout_silent": Plan(dropout=0.5, printed=False),
    "pu_batchnorm_small": Plan(batchnorm=True, batch=8, epochs=25, width=64),
    "pu_penalty": Plan(l2=3e-3),
    "pu_smoothing": Plan(smoothing=0.2, epochs=30, width=64),
    "pu_overfit": Plan(rows=200, batch=16, epochs=100, width=512),
    "pu_early_stop": Plan(rows=200, batch=16, epochs=100, early=True, width=512),
    "pu_underfit": Plan(optimiser=("sgd", 1e-5), epochs=30, width=64),
    "pu_noisy": Plan(flipped=0.3),
    "pu_easy_val": Plan(epochs=30, cores=True, width=64),
    "pu_regression": Plan(task="reg", epochs=60),
    "pu_dropout_csv": Plan(dropout=0.3, printed=False, kept="csv"),
}


def data(task: str, seed: int, rows: int, flipped: float, cores: bool):
    """Training and validation rows (validation from the classes' cores, the rows a fitted
    model is surest of, where ``cores``); ``flipped`` of the training labels redrawn."""
    import numpy as np
    from sklearn.datasets import make_classification

    if task == "reg":
        return _mlp.friedman_rows(rows, 1000 + seed)
    x, y = make_classification(n_samples=rows + 3000, n_features=24, n_informative=10,
                               n_redundant=4, n_classes=4, n_clusters_per_class=2,
                               flip_y=0.05, class_sep=0.9, random_state=1000 + seed)
    x = ((x - x.mean(0)) / x.std(0)).astype("float32")
    return _mlp.held_out_split(x, y, rows, np.random.default_rng(1000 + seed), flipped, cores,
                               4)


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process: the model trained by Poutyne, its console or CSV, the numbers."""
    import torch
    import torch.nn.functional as F
    from poutyne import Callback, CSVLogger, EarlyStopping, Model
    task, rows, dropout, batchnorm, batch, l2, smoothing, (optimiser, lr), epochs, flipped, \
        cores, printed, early, width, kept = PLANS[scenario]
    torch.manual_seed(1000 + seed)
    xt, yt, xv, yv = data(task, seed, rows, flipped, cores)
    net = _mlp.each_layer_normed(xt.shape[1], width, 4 if task == "cls" else 1, dropout,
                                 batchnorm)
    if printed:
        print(net)
    plain = F.cross_entropy if task == "cls" else F.mse_loss

    def loss(y_pred, y_true):
        # a custom loss: smoothing while training only, an L2 term added to it
        value = F.cross_entropy(y_pred, y_true, label_smoothing=smoothing if net.training
                                else 0.0) if task == "cls" else F.mse_loss(y_pred, y_true)
        if l2 and net.training:
            value = value + l2 * sum((p ** 2).sum() for n, p in net.named_parameters()
                                     if "weight" in n)
        return value

    numbers: dict = {"train": [], "val": [], "train_eval_mode": []}

    class InferenceMode(Callback):
        def on_epoch_end(self, epoch, logs):
            numbers["train"].append(float(logs["loss"]))
            numbers["val"].append(float(logs["val_loss"]))
            net.eval()
            with torch.no_grad():
                value = plain(net(torch.from_numpy(xt)), torch.from_numpy(yt))
            numbers["train_eval_mode"].append(float(value))
            net.train()

    metrics = ["accuracy"] if task == "cls" else []
    model = Model(net, torch.optim.Adam(net.parameters(), lr=lr) if optimiser == "adam"
                  else torch.optim.SGD(net.parameters(), lr=lr), loss, batch_metrics=metrics)
    with tempfile.TemporaryDirectory() as where:
        csv = Path(where) / "log.csv"
        callbacks = [InferenceMode(), *([EarlyStopping(monitor="val_loss", patience=8,
                                                       verbose=True)] if early else []),
                     *([CSVLogger(str(csv))] if kept == "csv" else [])]
        model.fit(xt, yt, validation_data=(xv, yv), epochs=epochs, batch_size=batch,
                  callbacks=callbacks, verbose=kept == "console")
        if kept == "csv":
            numbers["log"] = csv.read_text()
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    text, numbers = _labels.child_run(__file__, scenario, seed)
    return _labels.kept_file(text, numbers, "log.csv", "train.log.gz")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "poutyne", LABELS, SEED_LABELS,
                            "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
