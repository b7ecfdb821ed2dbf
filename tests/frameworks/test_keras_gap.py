"""``valgap.keras.GapCallback`` in real Keras 3 (TensorFlow) training: the parts land where the
built-in cause puts them, History and CSVLogger carry them, the weights stay identical."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")

from tests.frameworks import blobs, measured, multilabel  # noqa: E402
from valgap import analyze  # noqa: E402
from valgap.keras import GapCallback  # noqa: E402
from valgap.measured import decompose  # noqa: E402


def fit(tmp_path, *, dropout=0.0, label_noise=0.0, full_batch=False, task="blobs", width=64,
        lr=3e-3, epochs=12, measure=True, l2=0.0, seed=0):
    keras.utils.set_random_seed(seed)
    if task == "multilabel":
        (x, y), (xv, yv) = multilabel(seed)
        outputs, loss, activation = 5, "binary_crossentropy", "sigmoid"
    else:
        (x, y), (xv, yv) = blobs(seed, label_noise)
        outputs, loss, activation = 4, "sparse_categorical_crossentropy", "softmax"
    regularizer = keras.regularizers.L2(l2) if l2 else None
    layers = [keras.Input((x.shape[1],)),
              keras.layers.Dense(width, activation="relu", kernel_regularizer=regularizer)]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(outputs, activation=activation,
                                                          kernel_regularizer=regularizer)])
    model.compile(keras.optimizers.Adam(lr), loss)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "history.csv"
    callbacks = ([GapCallback(x, y, verbose=0)] if measure else []) + \
        [keras.callbacks.CSVLogger(str(path))]
    model.fit(x, y, validation_data=(xv, yv), epochs=epochs, verbose=0,
              batch_size=len(x) if full_batch else 32, callbacks=callbacks)
    return path, [w.copy() for w in model.get_weights()]


def test_a_dropout_models_gap_lands_in_the_train_mode_part(tmp_path):
    path, _ = fit(tmp_path, dropout=0.6, task="multilabel", width=256, lr=1e-3, epochs=20)
    result, dec = measured(path)
    assert dec.dominant() is dec.train_mode, dec.describe()
    assert "train-mode part" in result.causes[0].evidence


def test_an_l2_penalty_is_on_both_sides_of_a_keras_gap(tmp_path):
    # Keras adds model.losses to val_loss too: the penalty is measured but no part of the gap
    path, _ = fit(tmp_path, l2=1e-2, epochs=10)
    result, dec = measured(path)
    assert result.run.info.framework == "keras"
    assert dec.penalty is None and dec.penalty_both_sides > 0.05, dec.describe()
    assert abs(dec.data.value) < 3 * dec.data.noise, dec.describe()
    assert "regularization-penalty" not in [c.rule for c in result.causes]


def test_train_only_label_noise_lands_in_the_data_part(tmp_path):
    path, _ = fit(tmp_path, label_noise=0.3)
    result, dec = measured(path)
    assert dec.dominant() is dec.data, dec.describe()
    assert result.causes[0].rule == "easy-validation"
    assert abs(dec.train_mode.value) < 0.05 * abs(dec.gap)


def test_a_full_batch_runs_gap_lands_in_the_timing_part(tmp_path):
    path, _ = fit(tmp_path, full_batch=True, epochs=6, lr=1e-2)
    result, dec = measured(path)
    assert dec.dominant() is dec.timing, dec.describe()
    assert result.causes[0].rule in ("pre-update-loss", "epoch-averaging")


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_the_callback_leaves_the_trained_weights_identical(tmp_path, dropout):
    _, measured = fit(tmp_path / "a", dropout=dropout, epochs=3, measure=True)
    _, plain = fit(tmp_path / "b", dropout=dropout, epochs=3, measure=False)
    assert all(np.array_equal(a, b) for a, b in zip(measured, plain))


def test_tensorboard_and_the_printed_log_carry_the_columns_too(tmp_path, capfd):
    keras.utils.set_random_seed(0)
    (x, y), (xv, yv) = blobs(0, 0.3)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, validation_data=(xv, yv), epochs=6, batch_size=64, verbose=2,
              callbacks=[GapCallback(x, y, verbose=0),
                         keras.callbacks.TensorBoard(str(tmp_path / "tb"))])
    log = tmp_path / "run.log"
    log.write_text(capfd.readouterr().out)
    for source in (tmp_path / "tb", log):
        result = analyze(str(source))[0]
        assert decompose(result.run.table, True) is not None, (source, result.run.table.columns)
        assert len(result.run.table) == 6
