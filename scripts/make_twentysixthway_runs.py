#!/usr/bin/env python3
"""Make labelled real runs a twenty-sixth way: Equinox models trained with optax in a JAX
loop, on tasks the other ways do not use: waveforms to tell apart (sine, square, sawtooth,
triangle at random frequencies and phases, under noise) by a 1-D convolutional network,
and a seasonal series forecast one step ahead from a window of its past by an MLP.

Logged as Equinox's own examples log: ``step=299, train_loss=0.41234567,
test_loss=0.39..., test_accuracy=0.88...`` every few hundred steps, where ``train_loss`` is
the loss of that step's one batch (not a mean) and the test set is the held-out set, scored
under ``eqx.nn.inference_mode``; or one line an epoch as a hand-written loop prints it
(``Epoch 3 | Train: 0.4123 | Valid: 0.3921 | Acc: 88.10%``, the training loss the epoch's
mean). Some runs print the model first (``print(model)``: Equinox's pretty-printed
module, ``Dropout(p=0.5, inference=False)``, ``BatchNorm(...)``), some nothing.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the printed losses and the training split re-scored in inference mode with the plain loss
at each print, for labelling; valgap never reads it. The labels below were written from
those numbers before valgap read any run. Seed 1 is the development half, seed 2 held out.
JAX needs its own environment::

    python -m venv venv-eqx && venv-eqx/bin/pip install equinox optax scikit-learn pyyaml
    venv-eqx/bin/python scripts/make_twentysixthway_runs.py tests/data/twentysixthway \\
        --seeds 1 2
"""
from __future__ import annotations

import io

import _labels
import equinox as eqx
import jax

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5 after both convolutions, the repr printed, each print's training loss one
    # batch's: it swings 0.64-1.07 about the inference-mode loss while validation sits at
    # 0.95-1.15x (1.02-1.07x the inference-mode loss); validation below it at 8-10 of 15
    # prints. Pooling over the window averages the dropped units away: train mode adds
    # only 1-9 %, less than one batch's spread
    "eq_dropout": ("good-fit", ["val-below-train"], ["noise", "dropout"], "noise"),
    # the same network, nothing printed, the epoch's mean: validation 2-6 % below it at
    # 41-47 of 48 epochs; the train-mode loss 1.06-1.07x the inference-mode one
    "eq_dropout_silent": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # batch norm on the pooled features with batches of 8, the repr printed: train mode
    # adds 0-6 %; validation 1.03-1.25x the epoch's mean late, its best at epoch 11-12 of
    # 12: nothing sets validation below training
    "eq_batchnorm_small": ("good-fit", [], [], None),
    # 120 training rows: validation lowest at print 2-3 (0.92, 0.96), 2.0-2.5 at the end,
    # training to 0.004-0.008
    "eq_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.396 -> 1.390 and 1.384 -> 1.379 over 32 epochs (ln 4 =
    # 1.386), validation beside it
    "eq_underfit": ("underfit", [], [], None),
    # an L2 term in the training loss, the repr printed (it shows no penalty): validation
    # below the epoch's mean at all 48 epochs (0.81-0.91x late), 1.01-1.04x the
    # inference-mode loss; the printed loss 1.18-1.21x that
    "eq_penalty": ("val-below-train", ["good-fit"], ["regularization-penalty"],
                   "train-mode"),
    # labels smoothed by 0.3, one batch's loss a print: validation below it at all 15
    # prints (0.72-0.81x late); the printed loss 1.33x the inference-mode plain loss
    "eq_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # 35 % of the training labels redrawn: validation 0.78-0.83x the epoch's mean at every
    # epoch; the training loss in inference mode as high as the printed one (no train-mode
    # effect): the clean validation set is easier than the noisy training set
    "eq_noisy_train": ("val-below-train", [], ["easy-validation"], "data-split"),
    # the forecaster, one batch's loss a print: validation lowest at print 4-8 (0.175,
    # 0.192), 0.20-0.22 at the end, while the inference-mode training loss falls 0.17-0.18
    # -> 0.10: late validation 1.8-2.0x it
    "eq_forecast": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # dropout 0.3 in the forecaster, the repr printed: the epoch's mean 1.17x the
    # inference-mode loss, validation 1.17x it too: at 0.98-1.05x the printed loss late,
    # below it at 16 of 20 epochs
    ("eq_forecast_dropout", 1): ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # the other seed: the same 1.17x, validation 1.34x the inference-mode loss, so
    # 1.10-1.21x the printed one late; dropout hides half the gap
    ("eq_forecast_dropout", 2): ("good-fit", [], ["dropout"], "train-mode"),
}

# scenario -> (task, rows, width, dropout, batch norm, penalty, smoothing, lr, steps, batch,
#              every (steps between prints), style, print the model, noisy training labels)
PLANS = {
    "eq_dropout": ("waves", None, 64, 0.5, False, 0.0, 0.0, 1e-3, 3000, 32, 200, "steps",
                   True, False),
    "eq_dropout_silent": ("waves", None, 64, 0.5, False, 0.0, 0.0, 1e-3, 3000, 32, 0,
                          "epochs", False, False),
    "eq_batchnorm_small": ("waves", None, 32, 0.0, True, 0.0, 0.0, 1e-3, 3000, 8, 0,
                           "epochs", True, False),
    "eq_overfit": ("waves", 120, 128, 0.0, False, 0.0, 0.0, 2e-3, 4000, 16, 200, "steps",
                   False, False),
    "eq_underfit": ("waves", None, 32, 0.0, False, 0.0, 0.0, 1e-6, 2000, 32, 0, "epochs",
                    False, False),
    "eq_penalty": ("waves", None, 64, 0.0, False, 3e-3, 0.0, 1e-3, 3000, 32, 0, "epochs",
                   True, False),
    "eq_smoothing": ("waves", None, 64, 0.0, False, 0.0, 0.3, 1e-3, 3000, 32, 200, "steps",
                     False, False),
    "eq_noisy_train": ("waves", None, 64, 0.0, False, 0.0, 0.0, 1e-3, 3000, 32, 0, "epochs",
                       False, True),
    "eq_forecast": ("series", None, 128, 0.0, False, 0.0, 0.0, 1e-3, 3000, 32, 200, "steps",
                    False, False),
    "eq_forecast_dropout": ("series", None, 128, 0.3, False, 0.0, 0.0, 1e-3, 3000, 32, 0,
                            "epochs", True, False),
}

LENGTH = 64  # a waveform's samples
WINDOW = 48  # a forecast's past


def _waves(seed: int, rows: int | None, noisy: bool):
    """Four waveform classes at random frequencies (1.5-4 cycles a window) and phases,
    amplitudes 0.7-1.3, under Gaussian noise (sd 0.8): 2,000 training and 600 validation
    rows (``rows`` keeps that many for training), shape (rows, 1, LENGTH)."""
    import numpy as np

    rng = np.random.default_rng(100 + seed)
    n = 2600
    kind = rng.integers(0, 4, n)
    t = np.linspace(0, 1, LENGTH, endpoint=False)
    cycles = rng.uniform(1.5, 4.0, (n, 1))
    phase = rng.uniform(0, 1, (n, 1))
    u = (cycles * t + phase) % 1.0
    shapes = [np.sin(2 * np.pi * u), np.where(u < 0.5, 1.0, -1.0), 2 * u - 1,
              1 - 4 * np.abs(u - 0.5)]
    x = np.choose(kind[:, None], shapes) * rng.uniform(0.7, 1.3, (n, 1))
    x = (x + rng.normal(0, 0.8, x.shape)).astype(np.float32)[:, None, :]
    y = kind.astype(np.int32)
    x_tr, y_tr, x_va, y_va = x[:2000], y[:2000], x[2000:], y[2000:]
    if rows:
        x_tr, y_tr = x_tr[:rows], y_tr[:rows]
    if noisy:  # 35 % of the training labels redrawn at random
        hit = rng.random(len(y_tr)) < 0.35
        y_tr = y_tr.copy()
        y_tr[hit] = rng.integers(0, 4, hit.sum())
    return x_tr, x_va, y_tr, y_va


def _series(seed: int):
    """A daily and a weekly season, a slow drift and AR(1) noise, hourly for 6,000 hours:
    windows of WINDOW hours and the hour after, the first 80 % of time for training and
    the rest for validation, scaled by the training part."""
    import numpy as np

    rng = np.random.default_rng(200 + seed)
    hours = np.arange(6000)
    noise = np.zeros(len(hours))
    for i in range(1, len(hours)):
        noise[i] = 0.6 * noise[i - 1] + rng.normal(0, 0.35)
    series = (np.sin(2 * np.pi * hours / 24) + 0.5 * np.sin(2 * np.pi * hours / 168)
              + 0.0001 * hours + noise)
    cut = int(0.8 * len(series))
    mean, sd = series[:cut].mean(), series[:cut].std()
    series = ((series - mean) / sd).astype(np.float32)
    x = np.stack([series[i:i + WINDOW] for i in range(len(series) - WINDOW)])
    y = series[WINDOW:]
    split = cut - WINDOW
    return x[:split], x[split:], y[:split], y[split:]


class WaveNet(eqx.Module):
    """Two 1-D convolutions and global average pooling; dropout after each convolution
    where asked, batch norm on the pooled features where asked (its statistics over a
    batch's rows alone, as a dense layer's are)."""
    conv1: eqx.nn.Conv1d
    conv2: eqx.nn.Conv1d
    norm: eqx.nn.BatchNorm | None
    dropout: eqx.nn.Dropout | None
    head: eqx.nn.Linear

    def __init__(self, width: int, dropout: float, batchnorm: bool, *, key):
        k1, k2, k3 = jax.random.split(key, 3)
        self.conv1 = eqx.nn.Conv1d(1, width, 7, padding=3, key=k1)
        self.conv2 = eqx.nn.Conv1d(width, width, 5, padding=2, key=k2)
        self.norm = eqx.nn.BatchNorm(width, axis_name="batch", mode="ema") if batchnorm else None
        self.dropout = eqx.nn.Dropout(dropout) if dropout else None
        self.head = eqx.nn.Linear(width, 4, key=k3)

    def __call__(self, x, state, key):
        k1, k2 = jax.random.split(key)
        x = jax.nn.relu(self.conv1(x))
        if self.dropout is not None:
            x = self.dropout(x, key=k1)
        x = jax.nn.relu(self.conv2(x))
        if self.dropout is not None:
            x = self.dropout(x, key=k2)
        x = x.mean(axis=-1)
        if self.norm is not None:
            x, state = self.norm(x, state)
        return self.head(x), state


class Forecaster(eqx.Module):
    """Two hidden layers over the window, dropout after each where asked."""
    hidden: list
    dropout: eqx.nn.Dropout | None
    out: eqx.nn.Linear

    def __init__(self, width: int, dropout: float, *, key):
        k1, k2, k3 = jax.random.split(key, 3)
        self.hidden = [eqx.nn.Linear(WINDOW, width, key=k1),
                       eqx.nn.Linear(width, width, key=k2)]
        self.dropout = eqx.nn.Dropout(dropout) if dropout else None
        self.out = eqx.nn.Linear(width, "scalar", key=k3)

    def __call__(self, x, state, key):
        for layer, k in zip(self.hidden, jax.random.split(key, len(self.hidden))):
            x = jax.nn.relu(layer(x))
            if self.dropout is not None:
                x = self.dropout(x, key=k)
        return self.out(x), state


def run(scenario: str, seed: int) -> tuple[str, dict]:
    import jax.numpy as jnp
    import numpy as np
    import optax

    (task, rows, width, dropout, batchnorm, penalty, smoothing, lr, steps, batch, every,
     style, show, noisy) = PLANS[scenario]
    if task == "waves":
        x_tr, x_va, y_tr, y_va = _waves(seed, rows, noisy)
    else:
        x_tr, x_va, y_tr, y_va = _series(seed)
    classify = task == "waves"

    key = jax.random.PRNGKey(seed)
    if classify:
        model, state = eqx.nn.make_with_state(WaveNet)(width, dropout, batchnorm, key=key)
    else:
        model, state = eqx.nn.make_with_state(Forecaster)(width, dropout, key=key)
    optimizer = optax.adam(lr)
    opt_state = optimizer.init(eqx.filter(model, eqx.is_inexact_array))

    def outputs(m, s, x, key):
        keys = jax.random.split(key, x.shape[0])
        return jax.vmap(m, axis_name="batch", in_axes=(0, None, 0), out_axes=(0, None))(
            x, s, keys)

    def plain(out, y):
        if classify:
            return optax.softmax_cross_entropy_with_integer_labels(out, y).mean()
        return jnp.mean((out - y) ** 2)

    def training_loss(m, s, x, y, key):
        out, s = outputs(m, s, x, key)
        if classify and smoothing:
            loss = optax.softmax_cross_entropy(
                out, optax.smooth_labels(jax.nn.one_hot(y, 4), smoothing)).mean()
        else:
            loss = plain(out, y)
        if penalty:
            weights = [w for w in jax.tree_util.tree_leaves(eqx.filter(m, eqx.is_array))
                       if w.ndim >= 2]
            loss = loss + penalty * sum(jnp.sum(w ** 2) for w in weights)
        return loss, (out, s)

    @eqx.filter_jit
    def train_step(m, s, o, x, y, key):
        (loss, (out, s)), grads = eqx.filter_value_and_grad(training_loss, has_aux=True)(
            m, s, x, y, key)
        updates, o = optimizer.update(grads, o, eqx.filter(m, eqx.is_inexact_array))
        m = eqx.apply_updates(m, updates)
        hit = (out.argmax(-1) == y).mean() if classify else jnp.zeros(())
        return m, s, o, loss, hit

    @eqx.filter_jit
    def score(m, s, x, y):
        out, _ = outputs(eqx.nn.inference_mode(m), s, x, jax.random.PRNGKey(0))
        hit = (out.argmax(-1) == y).mean() if classify else jnp.zeros(())
        return plain(out, y), hit

    rng = np.random.default_rng(seed)
    key = jax.random.PRNGKey(1000 + seed)
    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": [],
                                       "train_accuracy": [], "val_accuracy": []}
    out = io.StringIO()
    if show:
        print(model, file=out)
    losses, hits, order = [], [], np.array([], dtype=int)
    per_epoch = len(x_tr) // batch
    if style == "epochs":  # evaluated at each epoch's end
        every = per_epoch
    for step in range(steps):
        if len(order) < batch:
            order = rng.permutation(len(x_tr))
        idx, order = order[:batch], order[batch:]
        key, sub = jax.random.split(key)
        model, state, opt_state, loss, hit = train_step(model, state, opt_state, x_tr[idx],
                                                        y_tr[idx], sub)
        losses.append(float(loss))
        hits.append(float(hit))
        if (step + 1) % every:
            continue
        val_loss, val_acc = (float(v) for v in score(model, state, x_va, y_va))
        train_eval, _ = score(model, state, x_tr, y_tr)
        # Equinox's examples print the step's own batch loss; an epoch line its mean
        train_loss = losses[-1] if style == "steps" else float(np.mean(losses))
        train_acc = float(np.mean(hits))
        for name, value in (("train", train_loss), ("val", val_loss),
                            ("train_eval_mode", float(train_eval)),
                            ("train_accuracy", train_acc), ("val_accuracy", val_acc)):
            numbers[name].append(value)
        losses, hits = [], []
        if style == "steps":
            line = f"step={step}, train_loss={train_loss}, test_loss={val_loss}"
            print(line + (f", test_accuracy={val_acc}" if classify else ""), file=out)
        else:
            line = (f"Epoch {(step + 1) // per_epoch} | Train: {train_loss:.4f} | "
                    f"Valid: {val_loss:.4f}")
            print(line + (f" | Acc: {val_acc:.2%}" if classify else ""), file=out)
    return out.getvalue(), numbers


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "equinox", LABELS, SEED_LABELS, "val")


if __name__ == "__main__":
    raise SystemExit(main())
