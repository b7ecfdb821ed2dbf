#!/usr/bin/env python3
"""Make labelled real runs a third way, unlike ../shared/corpus/labeled and labeled2 and
unlike scripts/make_torch_runs.py: scikit-learn's MLP trained by ``partial_fit`` loops,
Keras 3 on its *torch* backend (its own summary and progress bars), and step-level
PyTorch loops printed as language-model trainers print them (``step 300 | train loss …
| val loss …``), with two causes at once in some runs and longer runs in others.

Each run is trained for real on the CPU; its label says the mechanism built into it (the
label schema of ../shared/spec/diagnoses.md), written before valgap reads it. Seed 1 is the
development half, seed 2 the half held out (tests/test_calibration.py reports both)::

    .venv-frameworks/bin/python scripts/make_thirdway_runs.py tests/data/thirdway --seeds 1 2
    python ../shared/tools/grade.py tests/data/thirdway --valgap .venv/bin/valgap --calibration
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import sys

import _labels
import numpy as np

# scenario -> expected fit, fit alternatives, causes, family
LABELS = {
    # scikit-learn MLP (its loss_ holds the L2 penalty: alpha / (2 n) * sum of squares)
    # validation still falling at the end, at about twice training (the spec's overfit line)
    "sk_healthy": ("good-fit", ["val-below-train", "overfit"], [], None),
    "sk_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "sk_penalty": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    "sk_underfit": ("underfit", [], [], None),
    "sk_easyval": ("val-below-train", [], ["easy-validation"], "data-split"),
    "sk_tinyval": ("good-fit", ["val-below-train", "overfit"], ["noise"], "noise"),
    # Keras 3, torch backend
    "kt_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "kt_batchnorm": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    "kt_overfit_plateau": ("overfit", [], ["overfitting-onset"], "fit"),
    "kt_dropout_overfit": ("overfit", ["val-below-train"], ["overfitting-onset"], "fit"),
    # Keras applies the compiled loss's smoothing to validation too: both sit on its floor
    "kt_smoothing": ("good-fit", ["val-below-train"], [], None),
    # step-level PyTorch loops
    "st_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "st_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # 6,000 steps memorise the digits: validation turns up from its minimum (seen in the
    # numbers of the first runs; the label follows them)
    "st_healthy_long": ("overfit", [], ["overfitting-onset"], "fit"),
    # SGD at lr 3 with momentum: stuck above chance (ln 10 = 2.30), never NaN
    "st_diverged": ("underfit", ["diverged"], [], None),
}


def _digits(rng, n_train: int | None = None, label_noise: float = 0.0, n_val: int | None = None):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    cut = int(0.75 * len(x))
    x_tr, y_tr, x_val, y_val = x[:cut], y[:cut].copy(), x[cut:], y[cut:]
    if n_train:
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    if n_val:
        x_val, y_val = x_val[:n_val], y_val[:n_val]
    if label_noise:  # labels redrawn in the training set only: the validation set is cleaner
        flip = rng.random(len(y_tr)) < label_noise
        y_tr[flip] = rng.integers(0, 10, flip.sum())
    return x_tr, y_tr, x_val, y_val


# ---- scikit-learn --------------------------------------------------------------------------

def sklearn_run(scenario: str, seed: int) -> str:
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(seed)
    kw = {"sk_overfit": {"n_train": 120}, "sk_easyval": {"label_noise": 0.35},
          "sk_tinyval": {"n_val": 30}}.get(scenario, {})
    x_tr, y_tr, x_val, y_val = _digits(rng, **kw)
    hidden = {"sk_overfit": (256, 256), "sk_underfit": (2,)}.get(scenario, (64,))
    alpha = {"sk_penalty": 3.0}.get(scenario, 1e-4)
    lr = {"sk_underfit": 2e-5}.get(scenario, 1e-3)
    epochs = {"sk_overfit": 120, "sk_underfit": 15}.get(scenario, 40)
    model = MLPClassifier(hidden_layer_sizes=hidden, alpha=alpha, learning_rate_init=lr,
                          batch_size=32, random_state=seed)
    out = io.StringIO()
    out.write(f"# scikit-learn MLPClassifier{hidden} alpha={alpha} on digits: "
              f"{len(x_tr)} train / {len(x_val)} validation samples\n")
    classes = np.arange(10)
    for epoch in range(1, epochs + 1):
        model.partial_fit(x_tr, y_tr, classes=classes)
        val = log_loss(y_val, model.predict_proba(x_val), labels=classes)
        out.write(f"iteration {epoch:3d}  training loss {model.loss_:.5f}  "
                  f"validation loss {val:.5f}  val acc {model.score(x_val, y_val):.3f}\n")
    return out.getvalue()


# ---- Keras 3 on the torch backend ------------------------------------------------------

def keras_run(scenario: str, seed: int) -> str:
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    plateau = scenario == "kt_overfit_plateau"
    x_tr, y_tr, x_val, y_val = _digits(rng, n_train=200 if plateau or
                                       scenario == "kt_dropout_overfit" else None)
    stack: list = [keras.Input(shape=(64,))]
    width = 512 if plateau or scenario == "kt_dropout_overfit" else 96
    for _ in range(2):
        stack.append(layers.Dense(width, activation=None if scenario == "kt_batchnorm"
                                  else "relu"))
        if scenario == "kt_batchnorm":
            stack += [layers.BatchNormalization(), layers.Activation("relu")]
        if scenario in ("kt_dropout", "kt_dropout_overfit"):
            stack.append(layers.Dropout(0.5 if scenario == "kt_dropout" else 0.3))
    stack.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(stack)
    loss = keras.losses.CategoricalCrossentropy(
        label_smoothing=0.3 if scenario == "kt_smoothing" else 0.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"])
    out = io.StringIO()
    epochs = {"kt_overfit_plateau": 60, "kt_dropout_overfit": 80}.get(scenario, 30)
    batch = 4 if scenario == "kt_batchnorm" else 32
    with contextlib.redirect_stdout(out):
        model.summary()
        model.fit(x_tr, keras.utils.to_categorical(y_tr, 10), batch_size=batch,
                  epochs=epochs, verbose=2,
                  validation_data=(x_val, keras.utils.to_categorical(y_val, 10)))
    return out.getvalue()


# ---- step-level PyTorch loops, printed as language-model trainers print ----------------

def steps_run(scenario: str, seed: int) -> str:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    overfit = scenario == "st_overfit"
    x_tr, y_tr, x_val, y_val = _digits(rng, n_train=150 if overfit else None)
    drop = 0.5 if scenario == "st_dropout" else 0.0
    width = 512 if overfit else 128
    model = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Dropout(drop),
                          nn.Linear(width, width), nn.ReLU(), nn.Dropout(drop),
                          nn.Linear(width, 10))
    lr = {"st_diverged": 3.0}.get(scenario, 1e-3)
    opt = (torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9) if scenario == "st_diverged"
           else torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0))
    crit = nn.CrossEntropyLoss()
    xt, yt = torch.tensor(x_tr), torch.tensor(y_tr)
    xv, yv = torch.tensor(x_val), torch.tensor(y_val)
    steps = {"st_healthy_long": 6000, "st_overfit": 3000}.get(scenario, 2500)
    every = {"st_healthy_long": 200}.get(scenario, 100)
    out = io.StringIO()
    out.write(f"model: {model}\n" if scenario == "st_dropout" else "")
    out.write(f"tokens/samples: train {len(x_tr)}, val {len(x_val)}; batch 16\n")
    window: list[float] = []
    for step in range(1, steps + 1):
        model.train()
        idx = torch.tensor(rng.integers(0, len(xt), 16))
        loss = crit(model(xt[idx]), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        window.append(float(loss.detach()))
        if step % every == 0:
            model.eval()
            with torch.no_grad():
                val = float(crit(model(xv), yv))
            train = sum(window) / len(window)
            window = []
            out.write(f"step {step:5d} | train loss {train:.4f} | val loss {val:.4f} | "
                      f"lr {lr:.1e}\n")
            if not math.isfinite(train) and step > 5 * every:
                break
    return out.getvalue()


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0], list(LABELS))
    for scenario in args.scenarios:
        make = {"sk": sklearn_run, "kt": keras_run, "st": steps_run}[scenario[:2]]
        for seed in args.seeds:
            folder = args.out / f"{scenario}-s{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "run.log").write_text(make(scenario, seed))
            framework = {"sk": "scikit-learn MLPClassifier.partial_fit",
                         "kt": "keras 3 (torch backend)",
                         "st": "pytorch step-level loop"}[scenario[:2]]
            _labels.write_label(folder, scenario, seed, framework, {"stdout": "run.log"},
                                LABELS[scenario])
            print(f"{folder}: {len((folder / 'run.log').read_text().splitlines())} lines",
                  file=sys.stderr)
    return 0

if __name__ == "__main__":
    sys.exit(main())
