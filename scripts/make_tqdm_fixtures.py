#!/usr/bin/env python3
"""Write real training logs whose epochs show only on a tqdm bar that counts epochs into
tests/data/tqdm/, with expected.json (epochs, first and last losses as the bar shows them):

  keras-tqdm-callback.log  Keras's ``fit(verbose=0, callbacks=[TqdmCallback(verbose=1)])``
                           (tqdm.keras): a bar of epochs whose postfix is the last epoch's
                           logs, a bar of batches under it, both redrawn in place
  trange-loop.log          a NumPy loop over ``trange(epochs, unit="epoch")`` that calls
                           ``set_postfix(train_loss=..., val_loss=...)`` after each epoch

Each run is a child process whose standard error (tqdm's) and output are the log, as
``python train.py > train.log 2>&1`` keeps them. tqdm is told to redraw at every update
(``mininterval=0``): a bar throttled to ten redraws a second skips epochs shorter than
that, which a log of fast epochs shows too. Needs keras (any backend) and tqdm::

    .venv-frameworks/bin/python scripts/make_tqdm_fixtures.py
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "tqdm"

KERAS = """
import os
os.environ.setdefault("KERAS_BACKEND", "torch")
import json, sys
import numpy as np, keras
from tqdm.keras import TqdmCallback
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(1200, 10)).astype("float32")
y = ((x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.7, 1200)) > 0).astype("float32")
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dropout(0.4), keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, validation_split=0.25, epochs=15, batch_size=32, verbose=0,
                    callbacks=[TqdmCallback(verbose=1, mininterval=0)])
print(json.dumps(history.history), file=open(sys.argv[1], "w"))
"""

LOOP = """
import json, sys
import numpy as np
from tqdm import trange
rng = np.random.default_rng(1)
x = rng.normal(size=(600, 5)); w_true = rng.normal(size=5)
y = x @ w_true + rng.normal(0, 0.5, 600)
xt, yt, xv, yv = x[:450], y[:450], x[450:], y[450:]
w = np.zeros(5)
history = {"train": [], "val": []}
bar = trange(30, unit="epoch", mininterval=0)
for epoch in bar:
    losses = []
    for i in range(0, 450, 30):
        xb, yb = xt[i:i + 30], yt[i:i + 30]
        err = xb @ w - yb
        losses.append(float(np.mean(err ** 2)))
        w -= 0.02 * 2 * xb.T @ err / len(yb)
    val = float(np.mean((xv @ w - yv) ** 2))
    history["train"].append(float(np.mean(losses)))
    history["val"].append(val)
    bar.set_postfix(train_loss=history["train"][-1], val_loss=val)
print(json.dumps(history), file=open(sys.argv[1], "w"))
"""


def capture(code: str, log: Path) -> dict:
    """Run ``code`` in a child process, its output and errors the log; what it trained."""
    numbers = log.with_suffix(".numbers.json")
    with log.open("w") as out:
        subprocess.run([sys.executable, "-c", code, str(numbers)], stdout=out,
                       stderr=subprocess.STDOUT, check=True)
    history = json.loads(numbers.read_text())
    numbers.unlink()
    return history


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    keras_history = capture(KERAS, OUT / "keras-tqdm-callback.log")
    loop_history = capture(LOOP, OUT / "trange-loop.log")
    expected = {
        "keras-tqdm-callback.log": {"epochs": len(keras_history["loss"]),
                                    "train": [keras_history["loss"][0], keras_history["loss"][-1]],
                                    "val": [keras_history["val_loss"][0],
                                            keras_history["val_loss"][-1]]},
        "trange-loop.log": {"epochs": len(loop_history["train"]),
                            "train": [loop_history["train"][0], loop_history["train"][-1]],
                            "val": [loop_history["val"][0], loop_history["val"][-1]]},
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main()
