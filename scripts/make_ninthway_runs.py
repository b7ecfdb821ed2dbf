#!/usr/bin/env python3
"""Make labelled real runs a ninth way: TensorFlow's own custom training loop (a
``tf.GradientTape`` step, metrics kept in ``keras.metrics.Mean`` and printed as TensorFlow's
tutorial prints them, the held-out set called "Test"), and Keras ``fit`` with the callbacks
people add (``EarlyStopping``, ``ReduceLROnPlateau``, ``ModelCheckpoint``, all verbose, their
messages between the epochs) on tasks the other sets lack: a regression on unscaled targets
(a loss in the thousands), an LSTM forecasting a noisy series, a denoising autoencoder, a
model with two outputs.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the epoch means it computed, and at the end the training set re-scored in inference mode
(no dropout, no noise, no penalty), for labelling; valgap never reads it. The labels below
were written from those numbers before valgap read any run. Seed 1 is the development half,
seed 2 held out::

    .venv-frameworks/bin/python scripts/make_ninthway_runs.py tests/data/ninthway --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

import _labels
import numpy as np

# scenario -> expected fit, fit alternatives, causes, family
LABELS: dict[str, _labels.Label] = {
    "tf_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "tf_l2": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    "tf_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a 64-wide network for 30 epochs on 2,400 rows: validation turns up from epoch 17-20
    # and ends near 3x training (labelled from the numbers; the plan was a healthy run)
    "tf_plain": ("overfit", [], ["overfitting-onset"], "fit"),
    # noise 25 (an MSE floor of 625): training ends under it, validation 1.3-1.6x training
    # and still falling slowly when the epochs run out
    "keras_regression": ("good-fit", ["overfit"], [], None),
    # the series' noise (0.35^2) is a floor the LSTM cannot go under: it stops early with both
    # losses at it (the plan was an overfit)
    "keras_lstm": ("good-fit", [], [], None),
    "keras_denoise_ae": ("val-below-train", [], ["augmentation"], "train-mode"),
    "keras_two_heads_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "keras_underfit": ("underfit", [], [], None),
}

# where one seed's numbers say otherwise than the scenario's label (read before valgap ran)
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # validation is the series' later stretch: 17 % under a training loss that re-scored in
    # inference mode stays where it was logged (no train-mode part): an easier validation
    ("keras_lstm", 1): ("val-below-train", ["good-fit"], ["easy-validation"], "data-split"),
}


def _keras():
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return keras


def _classes(seed: int, n: int, informative: int = 6):
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=n, n_features=20, n_informative=informative,
                               n_classes=4, n_clusters_per_class=2, class_sep=1.2,
                               random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    cut = int(0.8 * n)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def tf_loop(scenario: str, seed: int) -> tuple[str, dict]:
    """TensorFlow's custom loop: a GradientTape step, epoch means in keras.metrics.Mean."""
    keras = _keras()
    import tensorflow as tf
    from keras import layers

    keras.utils.set_random_seed(seed)
    x_tr, y_tr, x_val, y_val = _classes(seed, 3000)
    if scenario == "tf_overfit":
        x_tr, y_tr = x_tr[:200], y_tr[:200]
    width = 512 if scenario == "tf_overfit" else 64
    stack: list = [keras.Input(shape=(20,)), layers.Dense(width, activation="relu")]
    if scenario == "tf_dropout":
        stack.append(layers.Dropout(0.5))
    stack += [layers.Dense(width, activation="relu")]
    if scenario == "tf_dropout":
        stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(4))
    model = keras.Sequential(stack, name="classifier")
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(1e-3)
    penalty = 1e-2 if scenario == "tf_l2" else 0.0
    train_loss, test_loss = keras.metrics.Mean(), keras.metrics.Mean()
    train_acc = keras.metrics.SparseCategoricalAccuracy()
    test_acc = keras.metrics.SparseCategoricalAccuracy()

    def l2() -> tf.Tensor:
        return tf.add_n([tf.reduce_sum(tf.square(w)) for w in model.trainable_weights
                         if "kernel" in w.path])

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits) + (penalty * l2() if penalty else 0.0)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_loss.update_state(loss)
        train_acc.update_state(y, logits)

    @tf.function
    def test_step(x, y):
        logits = model(x, training=False)
        test_loss.update_state(loss_fn(y, logits))
        test_acc.update_state(y, logits)

    train = tf.data.Dataset.from_tensor_slices((x_tr, y_tr)).shuffle(4096, seed=seed).batch(32)
    test = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256)
    epochs = {"tf_overfit": 60}.get(scenario, 30)
    out = io.StringIO()
    numbers: dict = {"train": [], "val": []}
    if scenario in ("tf_dropout", "tf_overfit"):  # the tutorial prints the model first
        with contextlib.redirect_stdout(out):
            model.summary()
    for epoch in range(epochs):
        for metric in (train_loss, test_loss, train_acc, test_acc):
            metric.reset_state()
        for x, y in train:
            train_step(x, y)
        for x, y in test:
            test_step(x, y)
        numbers["train"].append(float(train_loss.result()))
        numbers["val"].append(float(test_loss.result()))
        print(f"Epoch {epoch + 1}, Loss: {train_loss.result()}, "
              f"Accuracy: {train_acc.result() * 100}, Test Loss: {test_loss.result()}, "
              f"Test Accuracy: {test_acc.result() * 100}", file=out)
    numbers["train_eval_mode_end"] = float(loss_fn(y_tr, model(x_tr, training=False)))
    return out.getvalue(), numbers


def _callbacks(keras, folder: Path) -> list:
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=8,
                                          restore_best_weights=True, verbose=1),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=4,
                                              verbose=1),
            keras.callbacks.ModelCheckpoint(str(folder / "best.keras"), monitor="val_loss",
                                            save_best_only=True, verbose=1)]


def keras_fit(scenario: str, seed: int, folder: Path) -> tuple[str, dict]:
    """Keras ``fit`` on a task the other sets lack, with verbose callbacks."""
    keras = _keras()
    from keras import layers

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed * 41 + len(scenario))
    epochs, batch, loss, lr = 60, 32, "mse", 1e-3
    outputs_val = None
    if scenario == "keras_regression":  # unscaled targets: a loss in the thousands
        from sklearn.datasets import make_regression

        x, y = make_regression(n_samples=2500, n_features=12, n_informative=8, noise=25.0,
                               random_state=seed)
        x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
        y = (y + 300.0).astype(np.float32)
        cut = 2000
        data = (x[:cut], y[:cut], x[cut:], y[cut:])
        model = keras.Sequential([keras.Input(shape=(12,)), layers.Dense(64, activation="relu"),
                                  layers.Dense(64, activation="relu"), layers.Dense(1)],
                                 name="regressor")
    elif scenario == "keras_lstm":  # a noisy series, few windows, a large LSTM
        t = np.arange(1600, dtype=np.float32)
        series = np.sin(t / 12.0) + 0.5 * np.sin(t / 37.0) + rng.normal(0, 0.35, t.shape)
        win = 24
        xs = np.stack([series[i:i + win] for i in range(len(series) - win)])[..., None]
        ys = series[win:]
        data = (xs[:160].astype(np.float32), ys[:160].astype(np.float32),
                xs[1200:].astype(np.float32), ys[1200:].astype(np.float32))
        model = keras.Sequential([keras.Input(shape=(win, 1)), layers.LSTM(128),
                                  layers.Dense(64, activation="relu"), layers.Dense(1)],
                                 name="forecaster")
        epochs = 150
    elif scenario == "keras_denoise_ae":  # noise on the input in training only
        x, _, x_val, _ = _classes(seed, 3000)
        data = (x, x, x_val, x_val)
        model = keras.Sequential([keras.Input(shape=(20,)), layers.GaussianNoise(0.6),
                                  layers.Dense(32, activation="relu"),
                                  layers.Dense(8, activation="relu"),
                                  layers.Dense(32, activation="relu"), layers.Dense(20)],
                                 name="denoiser")
        epochs = 40
    elif scenario == "keras_two_heads_dropout":  # a class and a score, dropout in the trunk
        x, y, x_val, y_val = _classes(seed, 3000)
        score, score_val = x[:, :3].sum(1), x_val[:, :3].sum(1)
        inp = keras.Input(shape=(20,))
        h = layers.Dropout(0.5)(layers.Dense(128, activation="relu")(inp))
        h = layers.Dropout(0.5)(layers.Dense(128, activation="relu")(h))
        model = keras.Model(inp, [layers.Dense(4, activation="softmax", name="cls")(h),
                                  layers.Dense(1, name="score")(h)], name="two_heads")
        data = (x, [y, score], x_val, [y_val, score_val])
        loss = ["sparse_categorical_crossentropy", "mse"]
        outputs_val = (x_val, [y_val, score_val])
        epochs = 40
    else:  # keras_underfit: plain SGD at a learning rate far too small
        x, y, x_val, y_val = _classes(seed, 3000)
        data = (x, y, x_val, y_val)
        model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(64, activation="relu"),
                                  layers.Dense(4, activation="softmax")], name="slow")
        loss, lr, epochs = "sparse_categorical_crossentropy", 1e-5, 25
    optimizer = keras.optimizers.SGD(lr) if scenario == "keras_underfit" else \
        keras.optimizers.Adam(lr)
    model.compile(optimizer=optimizer, loss=loss)
    x_tr, y_tr, x_val, y_val = data
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.summary()
        history = model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs,
                            batch_size=batch, verbose=2 if seed % 2 == 0 else 1,
                            callbacks=_callbacks(keras, folder))
    (folder / "best.keras").unlink(missing_ok=True)
    numbers = {"train": history.history["loss"], "val": history.history["val_loss"]}
    scored = model.evaluate(x_tr, y_tr, verbose=0)  # inference mode, best weights restored
    numbers["train_eval_mode_end"] = float(scored[0] if isinstance(scored, list) else scored)
    if outputs_val is not None:
        numbers["val_eval_end"] = float(model.evaluate(*outputs_val, verbose=0)[0])
    return out.getvalue(), numbers


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0], list(LABELS))
    for scenario, seed, folder in _labels.run_folders(args):
        if scenario.startswith("tf_"):
            text, numbers = tf_loop(scenario, seed)
            framework = "tensorflow custom loop (GradientTape), keras 3 layers"
        else:
            text, numbers = keras_fit(scenario, seed, folder)
            framework = "keras 3 fit with EarlyStopping, ReduceLROnPlateau, ModelCheckpoint"
        (folder / "train.log").write_text(text)
        (folder / "numbers.json").write_text(json.dumps(numbers, indent=1))
        _labels.write_label(folder, scenario, seed, framework, {"log": "train.log"},
                            SEED_LABELS.get((scenario, seed), LABELS[scenario]))
        print(f"{folder}: train.log", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
