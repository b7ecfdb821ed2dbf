#!/usr/bin/env python3
"""Make labelled real runs an eleventh way: PyTorch models trained through skorch, the
scikit-learn wrapper, whose ``PrintLog`` prints one table row an epoch (``epoch
train_loss valid_acc valid_loss dur``, the best values in ANSI colours), on scikit-learn's
own data (the 8x8 digits; Friedman's regression problem), with skorch's default 80/20
stratified validation split or a split given to it.

The printed training loss is skorch's: the mean over the epoch's batches, in train mode,
with whatever the training loss adds (a weight penalty added in ``get_loss`` when
training, as skorch's documentation shows). Some runs print the module (``print(net)``
after ``initialize()``, as users do to check it), some print nothing but the table: there
the log cannot say which train-mode mechanism is at work.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the printed losses and the training split re-scored at each epoch's end in eval mode with
the plain loss, for labelling; valgap never reads it. The labels below were written from
those numbers before valgap read any run. Seed 1 is the development half, seed 2 held
out::

    .venv-frameworks/bin/python scripts/make_eleventhway_runs.py tests/data/eleventhway \
        --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family
LABELS: dict[str, _labels.Label] = {
    # planned healthy; the numbers: training to 0.004, validation bottoms at 0.076-0.089 and
    # ends 0.09-0.10, 12-16x training late: overfit by the spec's size test
    "sk_healthy": ("overfit", [], ["overfitting-onset"], "fit"),
    "sk_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "sk_underfit": ("underfit", [], [], None),
    # dropout 0.6: validation 30-45 % below the printed (train-mode) training mean through
    # the middle of the run; late the two jump about each other (0.96x in seed 1, 0.72x in
    # seed 2) while the eval-mode training loss is 5-7x below validation
    "sk_dropout_printed": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    "sk_dropout_silent": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    # an L2 term of ~0.27 in the printed training loss: validation 0.38x it, 1.5x the
    # training split re-scored without it
    "sk_penalty": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    # batches of 4 through BatchNorm1d: printed training 0.27-0.43 (jumpy), validation
    # 0.07-0.30, the eval-mode training loss 0.03-0.05
    "sk_batchnorm_small": ("val-below-train", [], ["batchnorm"], "train-mode"),
    # 30 % of training labels flipped, validation clean: validation 0.63-0.68x the printed
    # training loss and 0.70-0.73x the training split re-scored in eval mode (no train-mode
    # cause: the training data is harder); late, validation rises 35-45 % from its minimum
    "sk_noisy_labels": ("val-below-train", ["overfit"], ["easy-validation"], "data-split"),
    # validation flat at 0.056-0.085 from epoch ~30 while training creeps down: 1.3x late
    "sk_regression": ("good-fit", ["overfit"], [], None),
}

# where one seed's numbers say otherwise than the scenario's label (read before valgap ran)
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 1's dropout runs: late the curves meet (0.96x), validation below only mid-run
    ("sk_dropout_printed", 1): ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    ("sk_dropout_silent", 1): ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
}

# scenario -> (train rows, hidden width, dropout, batch norm, penalty, optimizer, lr, epochs,
#              batch size, label noise, print the module)
PLANS = {
    "sk_healthy": (None, 64, 0.0, False, 0.0, "sgd", 0.05, 40, 64, 0.0, True),
    "sk_overfit": (120, 512, 0.0, False, 0.0, "adam", 2e-3, 150, 16, 0.0, False),
    "sk_underfit": (None, 64, 0.0, False, 0.0, "sgd", 2e-4, 25, 64, 0.0, False),
    "sk_dropout_printed": (None, 256, 0.6, False, 0.0, "sgd", 0.05, 60, 64, 0.0, True),
    "sk_dropout_silent": (None, 256, 0.6, False, 0.0, "sgd", 0.05, 60, 64, 0.0, False),
    "sk_penalty": (None, 128, 0.0, False, 3e-3, "sgd", 0.05, 50, 64, 0.0, False),
    "sk_batchnorm_small": (None, 128, 0.0, True, 0.0, "sgd", 0.02, 40, 4, 0.0, True),
    "sk_noisy_labels": (None, 128, 0.0, False, 0.0, "sgd", 0.05, 50, 64, 0.3, False),
}


def _digits(seed: int, rows: int | None, noise: float):
    """Digits split 80/20 (stratified, by seed); the training part cut to ``rows`` and its
    labels flipped at random in a ``noise`` share (the validation part stays clean)."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    y = y.astype(np.int64)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.2, stratify=y,
                                              random_state=seed)
    if rows:
        x_tr, y_tr = x_tr[:rows], y_tr[:rows]
    if noise:
        rng = np.random.default_rng(seed)
        flip = rng.random(len(y_tr)) < noise
        y_tr = y_tr.copy()
        y_tr[flip] = rng.integers(0, 10, flip.sum())
    return x_tr, x_va, y_tr, y_va


def classifier(scenario: str, seed: int) -> tuple[str, dict]:
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import Callback
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    rows, width, dropout, batchnorm, penalty, opt, lr, epochs, batch, noise, show = \
        PLANS[scenario]
    torch.manual_seed(seed)
    x_tr, x_va, y_tr, y_va = _digits(seed, rows, noise)

    class MLP(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.Sequential(*_mlp.layers(64, width, 10, dropout, batchnorm))

        def forward(self, x):
            return self.layers(x)

    class Net(NeuralNetClassifier):
        def get_loss(self, y_pred, y_true, X=None, training=False):
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
            if training and penalty:  # skorch's documented way to add an L2 penalty
                loss = loss + penalty * sum((w ** 2).sum() for name, w in
                                            self.module_.named_parameters()
                                            if name.endswith("weight"))
            return loss

    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": []}

    class Rescore(Callback):  # for the labels only: the training split in eval mode
        def on_epoch_end(self, net, **kwargs):
            net.module_.eval()
            with torch.no_grad():
                logits = net.module_(torch.from_numpy(x_tr))
                plain = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y_tr))
            net.module_.train()
            numbers["train_eval_mode"].append(float(plain))

    optimizer = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt]
    extra = {"optimizer__momentum": 0.9} if opt == "sgd" else {}
    if batchnorm:  # a last batch of one row has no batch statistics
        extra["iterator_train__drop_last"] = True
    net = Net(MLP, max_epochs=epochs, lr=lr, batch_size=batch, optimizer=optimizer,
              criterion=torch.nn.CrossEntropyLoss,
              train_split=predefined_split(Dataset(x_va, y_va)), callbacks=[Rescore()],
              iterator_train__shuffle=True, **extra)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        net.initialize()
        if show:
            print(net)
        net.fit(x_tr, y_tr)
    for row in net.history:
        numbers["train"].append(row["train_loss"])
        numbers["val"].append(row["valid_loss"])
    return out.getvalue(), numbers


def regression(scenario: str, seed: int) -> tuple[str, dict]:
    """Friedman's regression problem through skorch's regressor, MSE, a plain MLP."""
    import numpy as np
    import torch
    from sklearn.datasets import make_friedman1
    from skorch import NeuralNetRegressor

    torch.manual_seed(seed)
    x, y = make_friedman1(n_samples=2000, noise=1.0, random_state=seed)
    x, y = x.astype(np.float32), ((y - y.mean()) / y.std()).astype(np.float32)[:, None]
    module = torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(),
                                 torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                 torch.nn.Linear(64, 1))
    net = NeuralNetRegressor(module, max_epochs=60, lr=0.01, batch_size=64,
                             optimizer=torch.optim.Adam, iterator_train__shuffle=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        net.fit(x, y)
    numbers = {"train": [r["train_loss"] for r in net.history],
               "val": [r["valid_loss"] for r in net.history]}
    return out.getvalue(), numbers


def main() -> int:
    def make(scenario: str, seed: int) -> tuple[str, dict]:
        return (regression if scenario == "sk_regression" else classifier)(scenario, seed)

    return _labels.generate(__doc__, list(LABELS), make, "pytorch via skorch", LABELS,
                            SEED_LABELS, "train")


if __name__ == "__main__":
    raise SystemExit(main())
