"""Train small Keras models on CPU and write their real logs into sample_logs/.

Each scenario trains on a data set that ships with scikit-learn (no download), with
its stdout redirected to ``sample_logs/<scenario>.log`` exactly as a user's
``python train.py > run.log`` would, and a Keras ``CSVLogger`` writing
``sample_logs/<scenario>.csv``.

TensorFlow is needed only here, never by valgap itself::

    python -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu scikit-learn
    /tmp/tfenv/bin/python scripts/make_sample_logs.py            # all scenarios
    /tmp/tfenv/bin/python scripts/make_sample_logs.py overfit    # one
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sample_logs"

# scenario -> (what it shows, how it is built)
SCENARIOS = {
    "healthy": "a plain MLP on digits, random 80/20 split: validation a little above training",
    "dropout": "heavy Dropout(0.5) layers: validation below training from the first epoch",
    "batchnorm": "BatchNormalization with batches of 4: validation below training, noisy",
    "overfit": "a wide MLP on 150 training samples: validation turns up while training falls",
    "augmentation": "GaussianNoise on the inputs in training only: validation below training",
    "underfit": "a 2-unit bottleneck and a tiny learning rate, printed with verbose=2",
}


def _data(n_train: int | None = None):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    if n_train:
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    return x_tr, x_val, y_tr, y_val


def _model(scenario: str):
    import keras
    from keras import layers

    stack: list = [keras.Input(shape=(64,))]
    if scenario == "augmentation":
        stack.append(layers.GaussianNoise(0.6))
    width = {"overfit": 512, "underfit": 2}.get(scenario, 64)
    for _ in range(2):
        stack.append(layers.Dense(width, activation=None if scenario == "batchnorm" else "relu"))
        if scenario == "batchnorm":
            stack += [layers.BatchNormalization(), layers.Activation("relu")]
        if scenario == "dropout":
            stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(stack)
    rate = 1e-4 if scenario == "underfit" else 1e-3
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(scenario: str) -> None:
    """Run one scenario in this process (stdout is the log being written)."""
    import keras

    keras.utils.set_random_seed(1)
    x_tr, x_val, y_tr, y_val = _data(150 if scenario == "overfit" else None)
    model = _model(scenario)
    model.summary()
    epochs = {"overfit": 60, "batchnorm": 8, "underfit": 12}.get(scenario, 30)
    batch = 4 if scenario == "batchnorm" else 32
    model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch,
              verbose=2 if scenario == "underfit" else 1,
              callbacks=[keras.callbacks.CSVLogger(str(OUT / f"{scenario}.csv"))])


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--child":
        train(argv[2])
        return 0
    names = argv[1:] or list(SCENARIOS)
    OUT.mkdir(exist_ok=True)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="1")
    for name in names:
        if name not in SCENARIOS:
            print(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}", file=sys.stderr)
            return 2
        print(f"{name}: {SCENARIOS[name]}", file=sys.stderr)
        with open(OUT / f"{name}.log", "wb") as log:
            # stdout and stderr both go to the log, as `python train.py > run.log 2>&1` does
            subprocess.run([sys.executable, __file__, "--child", name], stdout=log,
                           stderr=subprocess.STDOUT, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
