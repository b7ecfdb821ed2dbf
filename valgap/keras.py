"""Measure the gap while Keras 3 trains: ``valgap.keras.GapCallback``.

At each epoch's end (after validation), the callback re-scores a fixed subset of the
training data, with no update: in training mode (dropout, batch statistics on) with the
compiled loss plus the model's penalty terms (``model.losses``), and in inference mode with
the plain loss. It adds ``train_loss_trainmode_end``, ``train_loss_eval_end`` (and its
standard error) and ``train_penalty_end`` to the epoch's ``logs``: the progress line, the
History, and ``CSVLogger`` and ``TensorBoard`` when they come after it in ``callbacks``, all
carry them, and ``valgap analyze history.csv`` splits the gap into its timing, train-mode
and data parts. At the end of training it prints valgap's verdict (``verbose=0`` turns that
off)::

    from valgap.keras import GapCallback

    model.fit(x_train, y_train, validation_split=0.2, epochs=20,
              callbacks=[GapCallback(x_train, y_train), keras.callbacks.CSVLogger("history.csv")])

Training is left as it was: no update, batch-norm statistics and dropout seed generators
(every non-trainable variable) restored, the data order untouched (the subset is drawn once
with a generator of its own). ``class_weight`` and ``sample_weight`` given to ``fit`` are not
seen by callbacks: the train-mode loss is measured unweighted.
"""
from __future__ import annotations

import math

import keras
import numpy as np

from valgap._callbacks import print_verdict
from valgap.measured import DEFAULT_SAMPLES, DEFAULT_SHARE, batch_mean_and_se, subset_size

EVAL_CHUNK = 1024  # samples per forward pass where the batch size does not matter


class GapCallback(keras.callbacks.Callback):
    """Re-score a fixed subset of ``(x, y)`` (the training arrays) at each epoch's end.

    ``samples`` / ``share``: the subset's size (1,024 samples or 5 % of the set, whichever is
    smaller); ``batch_size``: the batches of the training-mode pass (default: fit's, from
    the set's size and its steps per epoch, since batch statistics depend on it).
    """

    def __init__(self, x, y, samples: int = DEFAULT_SAMPLES, share: float = DEFAULT_SHARE,
                 batch_size: int | None = None, seed: int = 0, verbose: int = 1) -> None:
        super().__init__()
        self.n_train = n = len(x)
        order = np.random.default_rng(seed).permutation(n)[:subset_size(n, samples, share)]
        self.x, self.y = np.asarray(x)[order], np.asarray(y)[order]
        self.batch_size, self.verbose = batch_size, verbose

    def on_epoch_end(self, epoch, logs=None) -> None:
        if logs is None:
            return
        model = self.model
        loss_fn = keras.losses.get(model.loss) if isinstance(model.loss, str) else model.loss
        saved = [v.numpy() for v in model.non_trainable_variables]
        batch = self.batch_size or self._training_batch()
        try:
            trainmode, _ = self._mean_loss(loss_fn, True, batch)
            penalty = float(sum(float(p) for p in model.losses)) if model.losses else 0.0
        finally:  # batch norm moved its statistics, dropout its seed generator: put back
            for variable, value in zip(model.non_trainable_variables, saved):
                variable.assign(value)
        evaluated, se = self._mean_loss(loss_fn, False, EVAL_CHUNK)
        logs["train_loss_trainmode_end"] = trainmode + penalty
        logs["train_loss_eval_end"] = evaluated
        logs["train_loss_eval_end_se"] = se
        logs["train_penalty_end"] = penalty  # 0 says: measured, and there is none

    def _training_batch(self) -> int:
        """fit's batch size (the set's size over its steps per epoch) where batch statistics
        make the training-mode loss depend on it; else few large batches (each eager call
        costs milliseconds)."""
        batch_norm = any(isinstance(layer, keras.layers.BatchNormalization)
                         for layer in _layers(self.model))
        steps = (self.params or {}).get("steps")
        if not batch_norm or not steps:
            return EVAL_CHUNK
        return math.ceil(self.n_train / steps)

    def _mean_loss(self, loss_fn, training: bool, batch: int) -> tuple[float, float]:
        """The subset's mean loss and its standard error, from the per-sample losses."""
        per_sample = []
        for start in range(0, len(self.x), batch):
            stop = start + batch
            predicted = self.model(self.x[start:stop], training=training)
            losses = _per_sample(loss_fn, self.y[start:stop], predicted)
            per_sample.extend(np.ravel(keras.ops.convert_to_numpy(losses)).tolist())
        return batch_mean_and_se(per_sample, [1] * len(per_sample))

    def on_train_end(self, logs=None) -> None:
        history = getattr(self.model, "history", None)
        if not self.verbose or history is None or not getattr(history, "history", None):
            return
        print_verdict(history, "the history")


def _per_sample(loss_fn, y_true, y_pred):
    """Unreduced losses: a ``keras.losses.Loss`` through its ``call``, a loss function as
    it is (they return one value per sample)."""
    if isinstance(loss_fn, keras.losses.Loss):
        return loss_fn.call(y_true, y_pred)
    return loss_fn(y_true, y_pred)


def _layers(model):
    """Every layer, nested models' included."""
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _layers(layer)
