#!/usr/bin/env python3
"""Make labelled real runs a twenty-seventh way: Jupyter notebooks, executed cell by cell by
a real kernel (nbclient), the saved ``.ipynb`` the log, as people share a run.

Keras 3 on TensorFlow and plain PyTorch, on tasks the other ways do not use: Hastie's
ten-feature binary problem (``make_hastie_10_2``, a class boundary on a sphere), Gaussian
quantiles in three classes and the swiss roll's position along its curve (a regression).
The cells are what a notebook holds: the data, the model (``model.summary()`` or
``print(model)`` in its own cell, or nothing), the training cell (``fit`` at verbose 1 or 2;
a PyTorch loop under ``tqdm.auto``'s bars, which fall back to text where no widgets are
installed, and an epoch line printed after each), TensorFlow's own messages on standard
error as they come.

Each notebook also computes, without printing, the training set's loss in inference mode
with the plain loss at each epoch's end and keeps it for labelling in ``numbers.json``;
valgap never reads that file. The labels below were written from those numbers before
valgap read any run. Seed 1 is the development half, seed 2 held out::

    .venv-frameworks/bin/pip install nbclient nbformat ipykernel tensorflow torch scikit-learn
    .venv-frameworks/bin/python scripts/make_twentyseventhway_runs.py \\
        tests/data/twentyseventhway --seeds 1 2
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # a wide network on 200 rows: validation lowest at epoch 1-7 (0.67-0.69), 1.17-1.35 at
    # the end, training to 0.0002
    "nb_keras_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # batch norm on batches of 8: validation lowest at epoch 3 (0.21-0.24), 0.32-0.39 at the
    # end while the printed loss falls 0.52-0.56 -> 0.025; train mode makes that loss a
    # fifth of the inference-mode one (0.13-0.17) late, and 1.7-1.9x it early
    "nb_keras_batchnorm": ("overfit", [], ["overfitting-onset", "batchnorm"], "fit"),
    # labels smoothed by 0.2 in the compiled loss, which validation uses too (both printed
    # losses carry its floor, about 0.33): validation flat at 0.44-0.46 from epoch 10-19,
    # within 1-2 % of its lowest, training still 11 % down over the last 30 epochs; 1.19x
    # (seed 2: 1.24x) training at the end
    "nb_keras_smoothing": ("good-fit", ["overfit"], [], None),
    # a wide network on 150 rows: validation lowest at epoch 16-29 (0.44-0.62), 0.56-0.92
    # at the end, training to 0.0013-0.0016
    "nb_torch_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # dropout 0.4 twice, print(model): validation below the epoch's mean at all 30 epochs
    # (0.59-0.75x late); that mean 1.8-2.0x the inference-mode loss late
    "nb_torch_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    # 30 % of the training labels redrawn: validation 0.70-0.76x the epoch's mean at all
    # 30 epochs, the inference-mode training loss as high (1.00-1.04x): the clean
    # validation set is easier than the noisy training set
    "nb_torch_noisy": ("val-below-train", [], ["easy-validation"], "data-split"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # dropout 0.5 twice (the summary printed, or only fit's bars: the same numbers): the
    # epoch's mean 2.3-3.2x the inference-mode loss from epoch 21; validation below it at
    # 39 of 40 epochs (0.93x late)
    ("nb_keras_dropout", 1): ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    ("nb_keras_dropout_silent", 1): ("val-below-train", ["good-fit"], ["dropout"],
                                     "train-mode"),
    # the other seed: the same 2.3-3.0x, validation below the epoch's mean at 26 of 40
    # epochs, 1.0-1.25x it late: dropout hides a validation 2.8x the inference-mode loss
    ("nb_keras_dropout", 2): ("good-fit", [], ["dropout"], "train-mode"),
    ("nb_keras_dropout_silent", 2): ("good-fit", [], ["dropout"], "train-mode"),
    # SGD at 1e-5: 0.7206 -> 0.7191 over 30 epochs, validation 1.01x beside it
    ("nb_keras_rate", 1): ("underfit", [], [], None),
    # the other seed: 0.7018 -> 0.7010, validation 0.98-0.99x at every epoch
    ("nb_keras_rate", 2): ("underfit", ["val-below-train"], [], None),
    # early stopping ended it at epoch 121, validation lowest at 106 (0.0021): 0.94x
    # training at epoch 31, 1.86x at 91, 2.15x median over the last third
    ("nb_keras_regression", 1): ("overfit", [], ["overfitting-onset"], "fit"),
    # the other seed: stopped at 145, validation lowest at 130 (0.0012), 1.3-1.55x training
    # late (1.0x at epoch 3)
    ("nb_keras_regression", 2): ("good-fit", ["overfit"], [], None),
}

DATA = {
    "hastie": """
        from sklearn.datasets import make_hastie_10_2
        x, y = make_hastie_10_2(n_samples={n}, random_state={seed})
        y = (y > 0).astype("float32")
        x = x.astype("float32")
        x_train, y_train, x_val, y_val = x[:{cut}], y[:{cut}], x[{cut}:], y[{cut}:]
        print(x_train.shape, x_val.shape)
    """,
    "quantiles": """
        from sklearn.datasets import make_gaussian_quantiles
        x, y = make_gaussian_quantiles(n_samples={n}, n_features=6, n_classes=3,
                                       random_state={seed})
        x = x.astype("float32")
        x_train, y_train, x_val, y_val = x[:{cut}], y[:{cut}], x[{cut}:], y[{cut}:]
        print(f"train {{len(x_train)}}, validation {{len(x_val)}}")
    """,
    "swissroll": """
        from sklearn.datasets import make_swiss_roll
        x, t = make_swiss_roll(n_samples={n}, noise=0.6, random_state={seed})
        x = ((x - x.mean(0)) / x.std(0)).astype("float32")
        y = ((t - t.mean()) / t.std()).astype("float32")
        x_train, y_train, x_val, y_val = x[:{cut}], y[:{cut}], x[{cut}:], y[{cut}:]
    """,
}

# each scenario: framework, task, rows, training rows, and the cells that differ
SCENARIOS: dict[str, dict] = {
    # dropout 0.5 twice, the summary in its own cell, one line an epoch
    "nb_keras_dropout": dict(kind="keras", task="hastie", n=3000, cut=2000, epochs=40,
                             layers="D256 X0.5 D256 X0.5", summary=True, verbose=2),
    # the same network, nothing printed but the bars of fit(verbose=1)
    "nb_keras_dropout_silent": dict(kind="keras", task="hastie", n=3000, cut=2000,
                                    epochs=40, layers="D256 X0.5 D256 X0.5", summary=False,
                                    verbose=1),
    # a wide network on 200 rows, the summary printed
    "nb_keras_overfit": dict(kind="keras", task="hastie", n=1200, cut=200, epochs=150,
                             layers="D512 D512", summary=True, verbose=2),
    # batch norm after each layer, batches of eight, the summary printed
    "nb_keras_batchnorm": dict(kind="keras", task="hastie", n=3000, cut=2000, epochs=25,
                               layers="D128 B D128 B", summary=True, verbose=2, batch=8),
    # labels smoothed by 0.2 in the loss, which no cell prints
    "nb_keras_smoothing": dict(kind="keras", task="hastie", n=3000, cut=2000, epochs=40,
                               layers="D128 D128", summary=True, verbose=2, smoothing=0.2),
    # plain SGD at 1e-5
    "nb_keras_rate": dict(kind="keras", task="hastie", n=3000, cut=2000, epochs=30,
                          layers="D64 D64", summary=False, verbose=2, rate=1e-5,
                          optimizer="sgd"),
    # a regression with early stopping on the validation loss, its messages printed
    "nb_keras_regression": dict(kind="keras", task="swissroll", n=2500, cut=1800,
                                epochs=200, layers="D128 D128", summary=True, verbose=2,
                                early=True),
    # PyTorch: dropout 0.4, print(model), tqdm.auto's bars, the epoch's mean
    "nb_torch_dropout": dict(kind="torch", task="quantiles", n=3000, cut=2000, epochs=30,
                             layers="D256 X0.4 D256 X0.4", summary=True),
    # PyTorch: 30 % of the training labels redrawn, print(model)
    "nb_torch_noisy": dict(kind="torch", task="quantiles", n=3000, cut=2000, epochs=30,
                           layers="D128 D128", summary=True, noise=0.3),
    # PyTorch: a wide network on 150 rows, nothing printed of it
    "nb_torch_overfit": dict(kind="torch", task="quantiles", n=1150, cut=150, epochs=120,
                             layers="D512 D512", summary=False),
}

KERAS_SETUP = """
    import json, os
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import numpy as np
    import keras
    from keras import layers
    keras.utils.set_random_seed({seed})
"""

KERAS_PROBE = """
    class PlainLoss(keras.callbacks.Callback):
        # the training set's plain loss in inference mode at each epoch's end (kept, not shown)
        def __init__(self, loss):
            super().__init__()
            self.loss, self.kept = loss, []

        def on_epoch_end(self, epoch, logs=None):
            pred = self.model.predict(x_train, batch_size=512, verbose=0)
            self.kept.append(float(self.loss(y_train, pred)))

    probe = PlainLoss({plain})
"""

TORCH_SETUP = """
    import json, os
    import numpy as np
    import torch
    from torch import nn
    from tqdm.auto import tqdm
    torch.manual_seed({seed})
    rng = np.random.default_rng({seed})
"""


def _layers_keras(spec: str, head: str) -> str:
    out = []
    for item in spec.split():
        if item[0] == "D":
            out.append(f"layers.Dense({item[1:]}, activation=\"relu\")")
        elif item[0] == "X":
            out.append(f"layers.Dropout({item[1:]})")
        elif item == "B":
            out.append("layers.BatchNormalization()")
    out.append(head)
    return (",\n" + " " * 12).join(out)  # as indented in the cell's template


def _layers_torch(spec: str, inputs: int, outputs: int) -> str:
    out, width = [], inputs
    for item in spec.split():
        if item[0] == "D":
            out += [f"nn.Linear({width}, {item[1:]})", "nn.ReLU()"]
            width = int(item[1:])
        elif item[0] == "X":
            out.append(f"nn.Dropout({item[1:]})")
    out.append(f"nn.Linear({width}, {outputs})")
    return (",\n" + " " * 12).join(out)


def keras_cells(s: dict, seed: int) -> list[str]:
    regression = s["task"] == "swissroll"
    head = 'layers.Dense(1)' if regression else 'layers.Dense(1, activation="sigmoid")'
    loss = ("keras.losses.MeanSquaredError()" if regression else
            f"keras.losses.BinaryCrossentropy(label_smoothing={s.get('smoothing', 0.0)})")
    plain = "keras.losses.MeanSquaredError()" if regression else \
        "keras.losses.BinaryCrossentropy()"
    optimizer = (f"keras.optimizers.SGD({s.get('rate', 0.01)})" if s.get("optimizer") == "sgd"
                 else f"keras.optimizers.Adam({s.get('rate', 0.001)})")
    inputs = 3 if regression else 10
    model = f"""
        model = keras.Sequential([
            keras.Input(shape=({inputs},)),
            {_layers_keras(s["layers"], head)}
        ])
        model.compile(optimizer={optimizer}, loss={loss})
    """
    callbacks = "[probe]"
    if s.get("early"):
        callbacks = ("[probe, keras.callbacks.EarlyStopping(monitor='val_loss', patience=15, "
                     "restore_best_weights=True, verbose=1)]")
    fit = f"""
        history = model.fit(x_train, y_train, validation_data=(x_val, y_val),
                            epochs={s["epochs"]}, batch_size={s.get("batch", 32)},
                            verbose={s["verbose"]}, callbacks={callbacks})
    """
    cells = [KERAS_SETUP.format(seed=seed), DATA[s["task"]].format(n=s["n"], cut=s["cut"],
                                                                  seed=seed),
             KERAS_PROBE.format(plain=plain), model]
    if s["summary"]:
        cells.append("model.summary()")
    cells.append(fit)
    cells.append("""
        with open(os.environ["NUMBERS"], "w") as out:
            json.dump({"train": history.history["loss"], "val": history.history["val_loss"],
                       "train_infer": probe.kept}, out)
    """)
    return cells


def torch_cells(s: dict, seed: int) -> list[str]:
    noise = s.get("noise", 0.0)
    model = f"""
        model = nn.Sequential(
            {_layers_torch(s["layers"], 6, 3)}
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
    """
    train = f"""
        xt, yt = torch.tensor(x_train), torch.tensor(y_train, dtype=torch.long)
        xv, yv = torch.tensor(x_val), torch.tensor(y_val, dtype=torch.long)
        redraw = torch.tensor(rng.random(len(yt)) < {noise})
        yt_used = torch.where(redraw, torch.tensor(rng.integers(0, 3, len(yt))), yt)
        kept = {{"train": [], "val": [], "train_infer": []}}
        for epoch in range({s["epochs"]}):
            model.train()
            order, total = torch.randperm(len(xt)), 0.0
            for start in tqdm(range(0, len(xt), 32), desc=f"Epoch {{epoch + 1}}"):
                batch = order[start:start + 32]
                loss = loss_fn(model(xt[batch]), yt_used[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            model.eval()
            with torch.no_grad():
                val_loss = loss_fn(model(xv), yv).item()
                kept["train_infer"].append(loss_fn(model(xt), yt_used).item())
            kept["train"].append(total / len(xt))
            kept["val"].append(val_loss)
            print(f"Epoch {{epoch + 1}}/{s["epochs"]} - train_loss: {{total / len(xt):.4f}} - "
                  f"val_loss: {{val_loss:.4f}}")
    """
    cells = [TORCH_SETUP.format(seed=seed), DATA[s["task"]].format(n=s["n"], cut=s["cut"],
                                                                  seed=seed), model]
    if s["summary"]:
        cells.append("print(model)")
    cells.append(train)
    cells.append("""
        with open(os.environ["NUMBERS"], "w") as out:
            json.dump(kept, out)
    """)
    return cells


def make(scenario: str, seed: int) -> tuple[str, dict, str]:
    import nbformat
    from nbclient import NotebookClient

    s = SCENARIOS[scenario]
    cells = (keras_cells if s["kind"] == "keras" else torch_cells)(s, seed)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    with tempfile.TemporaryDirectory() as where:
        numbers = Path(where) / "numbers.json"
        os.environ["NUMBERS"] = str(numbers)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        # streams merged as Jupyter saves them: a bar's redraws one output, "\r" kept
        NotebookClient(notebook, timeout=1800, kernel_name="python3", coalesce_streams=True,
                       resources={"metadata": {"path": where}}).execute()
        kept = json.loads(numbers.read_text())
    return nbformat.writes(notebook) + "\n", kept, "run.ipynb"


def main() -> int:
    return _labels.generate(__doc__, list(SCENARIOS), make, "notebook", LABELS, SEED_LABELS,
                            "val")


if __name__ == "__main__":
    sys.exit(main())
