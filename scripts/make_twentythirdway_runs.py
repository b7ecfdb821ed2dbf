#!/usr/bin/env python3
"""Make labelled real runs a twenty-third way: Keras Tuner searches (``RandomSearch`` over
Keras 3 models on TensorFlow), the script's console the log (``python tune.py > tune.log
2>&1``): each trial's banner ("Search: Running Trial #2") and its table of hyperparameters
("Value |Best Value So Far |Hyperparameter", one row each: ``0.5 |0.3 |dropout``), the
trial's ``fit`` (verbose 2: a line an epoch, or verbose 1: the bar), then "Trial 2 Complete",
its ``val_loss`` and "Best val_loss So Far". Up to three trials a search (two where the
space holds two), their epochs numbered from 1 each time, as the tuner prints them; on the
synthetic 3-class problem and Friedman's regression of the sixteenth to eighteenth ways.

What the training loss carries that validation's does not, in some searches: dropout (its
rate a hyperparameter the table prints), batch statistics on batches of eight, an L2
``kernel_regularizer`` (its weight a hyperparameter; the penalty is in the logged loss).
Beside each log the script writes ``numbers.json``: the last trial's logged losses and its
training split re-scored in inference mode with the plain loss after each epoch (the run
valgap reads by default is the last), for labelling; valgap never reads it. The labels
below were written from those numbers before valgap read any run. Seed 1 is the development
half, seed 2 held out. Keras Tuner needs its own environment::

    python -m venv venv-kt && venv-kt/bin/pip install keras tensorflow-cpu keras-tuner \\
        scikit-learn pyyaml
    venv-kt/bin/python scripts/make_twentythirdway_runs.py tests/data/twentythirdway \\
        --seeds 1 2
"""
from __future__ import annotations

import json
from pathlib import Path

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the last trial's numbers)
LABELS: dict[str, _labels.Label] = {
    # last trial dropout 0.3 (seed 1: 256 units, seed 2: 128): the logged loss 1.8x (1.6x)
    # its inference-mode value late, validation 3.6x (2.9x) that; lowest at epoch 28 (23)
    # and 16 % (4 %) above it at 40 as training falls on, 1.7-2.4x (1.7-2.1x) training
    # late: the dropout narrows the gap an overfit opens
    "kt_dropout": ("overfit", [], ["overfitting-onset"], "fit"),
    # 150 training rows, 256 or 512 units: validation lowest at epoch 3 (8) and 2.5x (1.7x)
    # that at 60, training to 0.001: 400-2,300x late
    "kt_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # batch norm on batches of 8 (in the model, not among the hyperparameters): the logged
    # loss falls to 0.003 (0.0003) while the inference-mode training loss stays 0.33
    # (0.24), 100x (800x) it; validation 1.7x (3.1x) the inference-mode training loss,
    # lowest at epoch 6 (1) and 36 % (53 %) above it at 30: most of the 70-1,800x gap is
    # the batch statistics
    "kt_batchnorm": ("overfit", [], ["batchnorm", "overfitting-onset"], "train-mode"),
    # an L2 weight (1e-3 or 3e-3, in the table) in the logged loss, 1.9-2.4x its plain
    # inference-mode value late; validation 3-4x that, level from epoch 19-27 while
    # training falls on: 1.6-1.8x the logged loss late, the penalty narrowing the gap
    "kt_l2": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # Friedman's regression: validation lowest at epoch 10 (27), 45 % (11 %) above it at
    # 60 as training falls to 0.008 (0.017): 2.5-13x (3.5-4.7x) late
    "kt_regression": ("overfit", [], ["overfitting-onset"], "fit"),
    # learning rates of 1e-6 and 3e-6: 1.10-1.13 to 1.03-1.06 (ln 3 = 1.10) in 30 epochs,
    # validation 0.99-1.00x training
    "kt_underfit": ("underfit", [], [], None),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (task, training rows, hyperparameters searched, batch, epochs, verbose)
PLANS = {
    "kt_dropout": ("classes", None, {"dropout": [0.3, 0.5], "units": [128, 256]}, 32, 40, 2),
    "kt_overfit": ("classes", 150, {"units": [256, 512]}, 16, 60, 2),
    "kt_batchnorm": ("classes", None, {"batchnorm": [True], "lr": [1e-3, 3e-3]}, 8, 30, 2),
    "kt_l2": ("classes", None, {"l2": [1e-3, 3e-3]}, 32, 40, 1),
    "kt_regression": ("friedman", None, {"units": [64, 256]}, 32, 60, 2),
    "kt_underfit": ("classes", None, {"lr": [1e-6, 3e-6]}, 32, 30, 2),
}
TRIALS = 3


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log: one search of three trials."""
    import tempfile

    import keras
    import keras_tuner
    import numpy as np

    task, rows, space, batch, epochs, verbose = PLANS[scenario]
    keras.utils.set_random_seed(seed)
    x_tr, x_va, y_tr, y_va = _mlp.three_classes_or_friedman(task, seed, rows, False)
    classes = task != "friedman"
    plain = (keras.losses.SparseCategoricalCrossentropy(from_logits=True) if classes
             else keras.losses.MeanSquaredError())

    def build(hp):
        units = hp.Choice("units", space.get("units", [128]))
        rate = hp.Choice("dropout", space["dropout"]) if "dropout" in space else 0.0
        l2 = hp.Choice("l2", space["l2"]) if "l2" in space else 0.0
        lr = hp.Choice("lr", space.get("lr", [1e-3]))
        reg = keras.regularizers.L2(l2) if l2 else None
        layers = [keras.Input((x_tr.shape[1],))]
        for _ in range(2):
            layers.append(keras.layers.Dense(units, kernel_regularizer=reg))
            if "batchnorm" in space:
                layers.append(keras.layers.BatchNormalization())
            layers.append(keras.layers.Activation("relu"))
            if rate:
                layers.append(keras.layers.Dropout(rate))
        layers.append(keras.layers.Dense(3 if classes else 1, kernel_regularizer=reg))
        model = keras.Sequential(layers)
        model.compile(keras.optimizers.Adam(lr), loss=plain,
                      metrics=["accuracy"] if classes else [])
        return model

    trials: list[dict[str, list[float]]] = []

    class Numbers(keras.callbacks.Callback):
        """Each trial's logged epoch values and its training split re-scored in inference
        mode with the plain loss, for labelling (written beside the log, never printed)."""

        def on_train_begin(self, logs=None) -> None:
            trials.append({"train": [], "val": [], "train_eval_mode": []})

        def on_epoch_end(self, epoch, logs=None) -> None:
            out = self.model.predict(x_tr, verbose=0, batch_size=1024)
            target = y_tr if classes else y_tr[:, None]
            trials[-1]["train_eval_mode"].append(float(np.mean(plain(target, out))))
            trials[-1]["train"].append(float(logs["loss"]))
            trials[-1]["val"].append(float(logs["val_loss"]))

    with tempfile.TemporaryDirectory() as where:
        tuner = keras_tuner.RandomSearch(build, objective="val_loss", max_trials=TRIALS,
                                         seed=seed, directory=where, project_name=scenario)
        tuner.search(x_tr, y_tr, validation_data=(x_va, y_va), epochs=epochs,
                     batch_size=batch, verbose=verbose, callbacks=[Numbers()])
    numbers = dict(trials[-1], trials=len(trials))
    Path(numbers_path).write_text(json.dumps(numbers, indent=1))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    """The console (gzipped where the bars redraw in place, verbose 1) and the numbers."""
    return _labels.kept_console(__file__, scenario, seed, PLANS[scenario][-1] == 1,
                                "tune.log", KERAS_BACKEND="tensorflow", COLUMNS="100")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "keras tuner (keras 3, tensorflow)",
                            LABELS, SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
