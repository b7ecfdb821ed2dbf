#!/usr/bin/env python3
"""Make labelled real runs an eighteenth way: Keras 3 on the JAX backend, trained from a
script whose console is the log (``python train.py > train.log 2>&1``): ``model.summary()``
then ``fit(verbose=2)`` (a line an epoch) or ``fit(verbose=1)`` (the bar, as Keras writes it
where the output is no terminal), with ``EarlyStopping`` and ``ReduceLROnPlateau`` where a
run uses them; on the synthetic 3-class problem and Friedman's regression of the sixteenth
and seventeenth ways, run longer (60-150 epochs).

What the training loss carries that validation's does not, in some runs: dropout, Gaussian
noise on the inputs (a ``GaussianNoise`` layer, on in training only), batch statistics on
batches of eight, an L2 ``kernel_regularizer`` (added to the loss, not shown by the
summary), ``class_weight`` given to ``fit`` (the training loss weighted, validation's not),
smoothed labels. Beside each log the script writes ``numbers.json``: the logged losses and
the training split re-scored in inference mode with the plain, unweighted loss after each
epoch, for labelling; valgap never reads it. The labels below were written from those
numbers before valgap read any run. Seed 1 is the development half, seed 2 held out. JAX
and Keras need their own environment::

    python -m venv venv-keras && venv-keras/bin/pip install keras jax scikit-learn pyyaml
    venv-keras/bin/python scripts/make_eighteenthway_runs.py tests/data/eighteenthway \\
        --seeds 1 2
"""
from __future__ import annotations

import json
from pathlib import Path

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5: validation below the logged loss at 39 of 60 epochs (6 of 60), lowest
    # at epoch 41 (27), 5 % (10 %) above it at 60 while training falls on: 1.1-1.4x
    # (2.5-2.8x) late
    "kx_dropout": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # Gaussian noise on the inputs in training: validation below the logged loss at all 60
    # epochs (0.89-0.94x late), 2.4x the inference-mode training loss
    "kx_noise": ("val-below-train", ["good-fit"], ["augmentation"], "train-mode"),
    # batch norm on batches of 8: validation below the logged loss at 35 of 40 epochs,
    # level late (0.93-1.03x), 2.6x the inference-mode training loss
    "kx_batchnorm_small": ("good-fit", ["val-below-train", "overfit"], ["batchnorm"],
                           "train-mode"),
    # an L2 regulariser of 1e-3 (in the logged loss): overfits all the same, validation
    # lowest at epoch 30 (19), 2.1-2.3x (3.0x) training late
    "kx_l2": ("overfit", [], ["overfitting-onset"], "fit"),
    # class 1 weighted 4x in the training loss: validation below it at 12 of 60 (3),
    # then lowest at epoch 22 (11) and 40x (126x) training at the end
    "kx_class_weight": ("overfit", [], ["overfitting-onset"], "fit"),
    # labels smoothed by 0.2: the training loss floors at 0.50 (the smoothed target's
    # entropy, 0.485), validation lowest at epoch 20 (28) and 2-3 % above it at 60, 1.34x
    # training late (4x the inference-mode training loss)
    "kx_smoothing": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # 150 training rows, EarlyStopping (patience 15, best weights restored): stopped at
    # epoch 19 (20), validation lowest at epoch 4 (5) and 1.6x (1.4x) that at the end
    "kx_overfit_es": ("overfit", [], ["overfitting-onset"], "fit"),
    # ReduceLROnPlateau over 150 epochs: validation lowest at epoch 6 (5), 28 % (41 %)
    # above it and flat from epoch 40, training to 0.017 (0.012): 21x (40x)
    "kx_plateau": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.20 to 1.17 over 40 epochs (ln 3 = 1.10)
    "kx_underfit": ("underfit", [], [], None),
    # Friedman's regression, 100 epochs: validation lowest at epoch 20 (25), 18-26 %
    # above it at the end, 18-40x training late
    "kx_regression": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 2 of the noise: validation below training at 51 of 60, 0.91-1.10x late: level
    ("kx_noise", 2): ("good-fit", ["val-below-train"], ["augmentation"], "train-mode"),
    # seed 2 of batch norm: validation below training at 15 of 40, lowest at epoch 31 and
    # 16 % above it at 40 while training falls; 1.3-1.4x late
    ("kx_batchnorm_small", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
}

# scenario -> (task, training rows, width, extra layer ("dropout", "noise", "batchnorm" or
#              None), l2, class weights, smoothing, lr, batch, epochs, verbose, early
#              stopping patience, reduce the learning rate on a plateau)
PLANS = {
    "kx_dropout": ("classes", None, 256, "dropout", 0.0, None, 0.0, 1e-3, 32, 60, 2, None,
                   False),
    "kx_noise": ("classes", None, 256, "noise", 0.0, None, 0.0, 1e-3, 32, 60, 1, None,
                 False),
    "kx_batchnorm_small": ("classes", None, 128, "batchnorm", 0.0, None, 0.0, 1e-3, 8, 40, 2,
                           None, False),
    "kx_l2": ("classes", None, 128, None, 1e-3, None, 0.0, 1e-3, 32, 60, 2, None, False),
    "kx_class_weight": ("classes", None, 128, None, 0.0, {0: 1.0, 1: 4.0, 2: 1.0}, 0.0, 1e-3,
                        32, 60, 2, None, False),
    "kx_smoothing": ("classes", None, 128, None, 0.0, None, 0.2, 1e-3, 32, 60, 1, None,
                     False),
    "kx_overfit_es": ("classes", 150, 512, None, 0.0, None, 0.0, 1e-3, 16, 300, 2, 15,
                      False),
    "kx_plateau": ("classes", None, 128, None, 0.0, None, 0.0, 3e-3, 32, 150, 2, None, True),
    "kx_underfit": ("classes", None, 64, None, 0.0, None, 0.0, 1e-6, 32, 40, 2, None, False),
    "kx_regression": ("friedman", None, 128, None, 0.0, None, 0.0, 1e-3, 32, 100, 2, None,
                      False),
}


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log: the summary, then one fit."""
    import keras
    import numpy as np

    (task, rows, width, extra, l2, weights, smoothing, lr, batch, epochs, verbose, patience,
     plateau) = PLANS[scenario]
    keras.utils.set_random_seed(seed)
    x_tr, x_va, y_tr, y_va = _mlp.three_classes_or_friedman(task, seed, rows, False)
    classes = task != "friedman"
    reg = keras.regularizers.L2(l2) if l2 else None
    layers = [keras.Input((x_tr.shape[1],))]
    if extra == "noise":
        layers.append(keras.layers.GaussianNoise(0.5))
    layers.append(keras.layers.Dense(width, activation=None if extra == "batchnorm" else "relu",
                                     kernel_regularizer=reg))
    if extra == "batchnorm":
        layers += [keras.layers.BatchNormalization(), keras.layers.Activation("relu")]
    if extra == "dropout":
        layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.Dense(width, activation="relu", kernel_regularizer=reg))
    if extra == "dropout":
        layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.Dense(3 if classes else 1, kernel_regularizer=reg))
    model = keras.Sequential(layers, name=scenario)
    if classes:
        y_tr, y_va = (keras.utils.to_categorical(y, 3) for y in (y_tr, y_va))
        loss = keras.losses.CategoricalCrossentropy(from_logits=True,
                                                    label_smoothing=smoothing)
        plain = keras.losses.CategoricalCrossentropy(from_logits=True)
        metrics = ["accuracy"]
    else:
        loss = plain = keras.losses.MeanSquaredError()
        metrics = []
    model.compile(keras.optimizers.Adam(lr), loss=loss, metrics=metrics)
    model.summary()

    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": []}

    class Numbers(keras.callbacks.Callback):
        """The logged epoch values and the training split re-scored in inference mode with
        the plain, unweighted loss, for labelling (written beside the log, never printed)."""

        def on_epoch_end(self, epoch, logs=None) -> None:
            out = self.model.predict(x_tr, verbose=0, batch_size=1024)
            numbers["train_eval_mode"].append(float(np.mean(plain(y_tr, out))))
            numbers["train"].append(float(logs["loss"]))
            numbers["val"].append(float(logs["val_loss"]))

    callbacks: list = [Numbers()]
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(patience=patience, verbose=1,
                                                       restore_best_weights=True))
    if plateau:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(factor=0.3, patience=8, verbose=1))
    model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=epochs, batch_size=batch,
              verbose=verbose, callbacks=callbacks, class_weight=weights)
    Path(numbers_path).write_text(json.dumps(numbers, indent=1))


def run(scenario: str, seed: int) -> tuple[str, dict]:
    return _labels.child_run(__file__, scenario, seed, KERAS_BACKEND="jax", COLUMNS="100")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "keras 3 (jax backend)", LABELS,
                            SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
