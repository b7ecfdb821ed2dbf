#!/usr/bin/env python3
"""Make labelled real runs a fourteenth way: PaddlePaddle's high-level API (``paddle.Model``
with ``prepare`` and ``fit``), logged as it logs in a terminal: its ``summary()`` table
(``Dropout-1``, ``BatchNorm1D-1`` rows), then per epoch a redrawn bar (``verbose=1``) or
one line (``verbose=2``) of ``step 15/15 - loss: 0.98 - acc: 0.49``, "Eval begin...", the
evaluation's line and "Eval samples: 240", on scikit-learn's data (a synthetic 3-class
problem; the diabetes regression).

Paddle prints, as its own log says, "the loss value ... is the current step": the last
batch's loss, for training and for evaluation alike, not the epoch's mean; its metrics
are the means. Each run is trained for real on the CPU. Beside its log the script writes
``numbers.json``: the printed losses, the mean of the epoch's train-mode batch losses, and
the training and validation sets scored whole in eval mode, for labelling; valgap never
reads it. The labels below were written from those numbers before valgap read any run.
Seed 1 is the development half, seed 2 held out. Paddle needs its own environment::

    python -m venv venv-paddle && venv-paddle/bin/pip install paddlepaddle scikit-learn pyyaml
    venv-paddle/bin/python scripts/make_fourteenthway_runs.py tests/data/fourteenthway \\
        --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io
import warnings

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
# (labelled from the whole sets' losses: each printed value is one batch's)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5: seed 2's whole validation set 0.74-0.98x the epoch's train-mode mean in
    # all 20 epochs (that mean 1.6-1.7x the eval-mode training loss); seed 1's below it in
    # epochs 1-2 only, then 1.0-1.3x: there the printed validation, one fixed batch of 32
    # rows, below the printed training batch in 13-16 of 20 epochs is the batches' noise
    "pd_dropout": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    "pd_dropout_silent": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    # batch norm on batches of 8: seed 2's validation 0.65-0.95x the train-mode mean
    # throughout; seed 1's level with it from epoch 4 (0.93-1.13x), the printed ratio
    # swinging 0.12-2.64 (a training batch of 8 rows)
    "pd_batchnorm_small": ("good-fit", ["val-below-train"], ["batchnorm"], "train-mode"),
    # 200 training rows, a wide network: validation lowest at epoch 1-4, then 1.5-2.8x that
    "pd_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.20-1.30 from first to last (ln 3 = 1.10)
    "pd_underfit": ("underfit", [], [], None),
    # validation lowest at epoch 6, up 40 % after; training to 0.09-0.12 (3-5x below)
    "pd_healthy": ("overfit", [], ["overfitting-onset"], "fit"),
    # 35 % of the training labels redrawn: validation below the train-mode mean in epochs
    # 1-8 (0.74-0.98x), lowest at epoch 4-5, then 1.4-1.5x that and 3-4x training late
    "pd_noisy_train": ("overfit", [], ["overfitting-onset"], "fit"),
    # dropout 0.3, MSE, a last training batch of 2 rows (printed ratio 0.4-218): the whole
    # validation set lowest at epoch 25-28, up 17-26 % after, 1.6-2.1x the train-mode mean
    "pd_regression_dropout": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    ("pd_dropout", 1): ("good-fit", ["val-below-train"], ["noise"], "noise"),
    ("pd_dropout_silent", 1): ("good-fit", ["val-below-train"], ["noise"], "noise"),
    ("pd_batchnorm_small", 1): ("good-fit", ["val-below-train"], ["noise"], "noise"),
}

# scenario -> (task, rows, width, dropout, batch norm, batch, epochs, lr, verbose,
#              print the summary, validation)
PLANS = {
    "pd_dropout": ("classes", None, 256, 0.5, False, 64, 20, 0.01, 1, True, "random"),
    "pd_dropout_silent": ("classes", None, 256, 0.5, False, 64, 20, 0.01, 2, False,
                          "random"),
    "pd_batchnorm_small": ("classes", None, 128, 0.0, True, 8, 15, 0.002, 2, True,
                           "random"),
    "pd_overfit": ("classes", 200, 512, 0.0, False, 32, 60, 0.003, 2, False, "random"),
    "pd_underfit": ("classes", None, 32, 0.0, False, 64, 10, 1e-6, 1, False, "random"),
    "pd_healthy": ("classes", None, 64, 0.0, False, 64, 20, 0.005, 1, True, "random"),
    "pd_noisy_train": ("classes", None, 128, 0.0, False, 64, 20, 0.005, 2, False,
                       "noisy_train"),
    "pd_regression_dropout": ("regression", None, 128, 0.3, False, 32, 40, 0.005, 2, True,
                              "random"),
}


def _data(task: str, seed: int, rows: int | None, validation: str):
    import numpy as np
    from sklearn.datasets import load_diabetes, make_classification

    rng = np.random.default_rng(seed)
    if task == "regression":
        x, y = load_diabetes(return_X_y=True)
        y = ((y - y.mean()) / y.std()).astype(np.float32).reshape(-1, 1)
    else:
        x, y = make_classification(n_samples=2400, n_features=16, n_informative=8,
                                   n_classes=3, n_clusters_per_class=2, flip_y=0.03,
                                   random_state=seed)
        y = y.astype(np.int64).reshape(-1, 1)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    order = rng.permutation(len(x))
    cut = len(x) // 5
    valid, train = order[:cut], order[cut:]
    if rows:
        train = train[:rows]
    y_train = y[train].copy()
    if validation == "noisy_train":  # 35 % of the training labels redrawn at random
        hit = rng.random(len(train)) < 0.35
        y_train[hit, 0] = rng.integers(0, 3, hit.sum())
    return x[train], y_train, x[valid], y[valid]


def run(scenario: str, seed: int) -> tuple[str, dict]:
    import numpy as np
    import paddle
    from paddle.io import TensorDataset

    task, rows, width, dropout, batchnorm, batch, epochs, lr, verbose, show, validation = \
        PLANS[scenario]
    paddle.seed(seed)
    np.random.seed(seed)
    x_tr, y_tr, x_va, y_va = _data(task, seed, rows, validation)
    outputs = 1 if task == "regression" else 3
    layers = _mlp.layers(x_tr.shape[1], width, outputs, dropout, batchnorm, nn=paddle.nn,
                         norm="BatchNorm1D")
    net = paddle.nn.Sequential(*layers)
    loss = paddle.nn.MSELoss() if task == "regression" else paddle.nn.CrossEntropyLoss()
    model = paddle.Model(net)
    metrics = None if task == "regression" else paddle.metric.Accuracy()
    model.prepare(paddle.optimizer.Adam(learning_rate=lr, parameters=model.parameters()),
                  loss, metrics)
    numbers: dict[str, list[float]] = {"printed_train": [], "printed_val": [],
                                       "train_batch_mean": [], "train_eval_mode": [],
                                       "val_whole": []}

    def whole(x, y) -> float:
        net.eval()
        with paddle.no_grad():
            value = float(loss(net(paddle.to_tensor(x)), paddle.to_tensor(y)))
        net.train()
        return value

    class Measure(paddle.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.losses = []

        def on_train_batch_end(self, step, logs=None):
            self.losses.append(float(np.ravel(logs["loss"])[0]))

        def on_epoch_end(self, epoch, logs=None):
            numbers["printed_train"].append(float(np.ravel(logs["loss"])[0]))
            numbers["train_batch_mean"].append(sum(self.losses) / len(self.losses))
            numbers["train_eval_mode"].append(whole(x_tr, y_tr))
            numbers["val_whole"].append(whole(x_va, y_va))

        def on_eval_end(self, logs=None):
            numbers["printed_val"].append(float(np.ravel(logs["loss"])[0]))

    train = TensorDataset([paddle.to_tensor(x_tr), paddle.to_tensor(y_tr)])
    valid = TensorDataset([paddle.to_tensor(x_va), paddle.to_tensor(y_va)])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if show:
            model.summary((1, x_tr.shape[1]))
        model.fit(train, valid, epochs=epochs, batch_size=batch, verbose=verbose,
                  drop_last=batchnorm, shuffle=True, callbacks=[Measure()])
    return out.getvalue(), numbers


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "paddlepaddle", LABELS, SEED_LABELS,
                            "printed_val")


if __name__ == "__main__":
    raise SystemExit(main())
