#!/usr/bin/env python3
"""Make labelled real runs a sixth way: the Hugging Face ``Trainer`` driving a small PyTorch
network on scikit-learn's digits and a synthetic classification task, evaluated every few
steps (``eval_strategy="steps"``), its ``trainer_state.json`` the log. The state names no
layer and no argument: every mechanism must be told from the curves, at steps, not epochs.

Mechanisms are built into the network the Trainer drives: label smoothing on the training
loss only (the Trainer's own ``label_smoothing_factor`` smooths the evaluation loss too, so
leaves no gap), dropout and small-batch ``BatchNorm1d``, labels redrawn in the training part only, a
training set too small for the network, a learning rate too small to get anywhere, two
mechanisms at once (dropout and label smoothing), a validation set of 24 rows.

Each run is trained for real on the CPU; the label says the mechanism built into it (the
label schema of ../shared/spec/diagnoses.md) and was written before valgap read any run.
Seed 1 is the development half, seed 2 the half held out::

    .venv-frameworks/bin/python scripts/make_sixthway_runs.py tests/data/sixthway --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import _labels
import numpy as np
from _trainer import Rows

# scenario -> expected fit, fit alternatives, causes, family. Corrected from the numbers
# before valgap read any run: the "healthy" network's validation stalls (3 % over the last
# quarter) while training falls a third, the gap growing 1.4x -> 1.7x (the spec's stall);
# three epochs of batches of 4 leave the batch-norm runs 23-30 % under chance, still falling
LABELS = {
    "healthy": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    "dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    "dropout_smoothing": ("val-below-train", [], ["dropout", "loss-weighting"], "train-mode"),
    "batchnorm_tiny_batch": ("val-below-train", ["good-fit", "underfit"], ["batchnorm"],
                             "train-mode"),
    "noisy_train_labels": ("val-below-train", [], ["easy-validation"], "data-split"),
    "small_train": ("overfit", [], ["overfitting-onset"], "fit"),
    "tiny_lr": ("underfit", [], [], None),
    "tiny_val": ("good-fit", ["val-below-train", "overfit"], ["noise"], "noise"),
}

# where one seed's numbers say otherwise than the scenario's label (read before valgap ran)
# seed 2's 24 validation rows hold a few confidently wrong ones: validation flat at 0.57,
# ten times training (overfit by the spec's 2x line; the cause is the sample, noise)
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    ("tiny_val", 2): ("overfit", ["good-fit"], ["noise"], "noise")}


def _data(scenario: str, seed: int):
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    if scenario in ("small_train", "tiny_lr", "batchnorm_tiny_batch"):
        x, y = make_classification(n_samples=2400, n_features=30, n_informative=12,
                                   n_classes=4, n_clusters_per_class=2, flip_y=0.05,
                                   random_state=seed)
    else:
        x, y = load_digits(return_X_y=True)
    x = StandardScaler().fit_transform(x).astype(np.float32)
    val_size = 24 if scenario == "tiny_val" else 0.25
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=val_size, random_state=seed,
                                              stratify=None if scenario == "tiny_val" else y)
    if scenario == "small_train":
        x_tr, y_tr = x_tr[:150], y_tr[:150]
    if scenario == "noisy_train_labels":  # 40 % of the training labels redrawn at random
        flip = rng.random(len(y_tr)) < 0.4
        y_tr = np.where(flip, rng.integers(0, y.max() + 1, len(y_tr)), y_tr)
    return (x_tr, y_tr.astype(np.int64)), (x_va, y_va.astype(np.int64)), int(y.max() + 1)


def run(scenario: str, seed: int, folder: Path) -> str:
    import torch
    from torch import nn
    from transformers import Trainer, TrainingArguments

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # tiny matrices: threads only contend
    (x_tr, y_tr), (x_va, y_va), classes = _data(scenario, seed)
    drop = 0.5 if scenario in ("dropout", "dropout_smoothing") else 0.0
    width = 512 if scenario == "small_train" else 64
    layers: list[nn.Module] = [nn.Linear(x_tr.shape[1], width)]
    if scenario == "batchnorm_tiny_batch":
        layers.append(nn.BatchNorm1d(width))
    layers += [nn.ReLU(), nn.Dropout(drop), nn.Linear(width, width), nn.ReLU(), nn.Dropout(drop),
               nn.Linear(width, classes)]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(*layers)

        def forward(self, features, labels=None):
            logits = self.net(features)
            smoothing = 0.3 if "smoothing" in scenario and self.training else 0.0
            loss = None if labels is None else \
                nn.functional.cross_entropy(logits, labels, label_smoothing=smoothing)
            return {"loss": loss, "logits": logits}

    batch = 4 if scenario == "batchnorm_tiny_batch" else 32
    steps_per_epoch = -(-len(y_tr) // batch)
    epochs = {"small_train": 150, "tiny_lr": 8, "batchnorm_tiny_batch": 3}.get(scenario, 12)
    every = max(5, steps_per_epoch * epochs // 40)  # about 40 evaluations in a run
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=batch,
            per_device_eval_batch_size=256, num_train_epochs=epochs,
            learning_rate=1e-5 if scenario == "tiny_lr" else 1e-3, weight_decay=0.0,
            eval_strategy="steps", eval_steps=every, logging_steps=every, save_strategy="no",
            report_to=[], seed=seed, use_cpu=True, disable_tqdm=True, dataloader_num_workers=0)
        trainer = Trainer(model=Net(), args=args, train_dataset=Rows(x_tr, y_tr),
                          eval_dataset=Rows(x_va, y_va))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            trainer.train()
    trainer.state.save_to_json(str(folder / "trainer_state.json"))
    return "trainer_state.json"


def main() -> int:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    args = _labels.arguments(__doc__.splitlines()[0], list(LABELS))
    for scenario, seed, folder in _labels.run_folders(args):
        name = run(scenario, seed, folder)
        _labels.write_label(folder, scenario, seed, "hugging face trainer (steps)",
                            {"log": name},
                            SEED_LABELS.get((scenario, seed), LABELS[scenario]))
        history = json.loads((folder / name).read_text())["log_history"]
        print(f"{folder}: {len(history)} log entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
