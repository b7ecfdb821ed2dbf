#!/usr/bin/env python3
"""Make labelled real runs a fifteenth way: Flax NNX models trained with optax in a JAX
training loop, logged as Flax's own tutorial logs (``nnx.MultiMetric`` averages printed
every few hundred steps: "[train] step: 199, loss: 0.3214, accuracy: 90.58" and "[test]
step: 199, loss: ..., accuracy: ...") or one line an epoch, on a synthetic 4-class problem
from scikit-learn's ``make_classification``.

The printed training loss is the mean of the train-mode step losses since the last print
(dropout on, batch statistics in batch norm, with whatever the training loss adds: a
weight penalty or smoothed labels in some runs); validation is scored in eval mode with the
plain loss. Some runs print the model (``print(model)``, NNX's repr), some nothing but
the metrics; every run prints accuracies.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the printed losses and the training split re-scored in eval mode with the plain loss at
each print, for labelling; valgap never reads it. The labels below were written from
those numbers before valgap read any run. Seed 1 is the development half, seed 2 held out.
JAX needs its own environment::

    python -m venv venv-flax && venv-flax/bin/pip install flax optax scikit-learn pyyaml
    venv-flax/bin/python scripts/make_fifteenthway_runs.py tests/data/fifteenthway \\
        --seeds 1 2
"""
from __future__ import annotations

import io

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # batch norm on batches of 8, the repr printed: validation below the printed loss at
    # all 15 prints (0.82-0.92x late); the train-mode loss 1.7x the eval-mode one
    "fx_batchnorm_small": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # dropout 0.5: validation below the printed loss at 10-11 of 15 prints (29-31 of 42
    # epochs without the repr), level late (0.95-1.15x), still at its lowest at the end;
    # train-mode 1.7-1.8x eval-mode, as much as validation is above the eval-mode loss
    "fx_dropout": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    "fx_dropout_silent": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # 35 % of the training labels redrawn: validation lowest at print 10-14 of 42, then
    # 1.4x that and 2.6-7.5x training late (training accuracy 0.99, validation 0.63-0.66)
    "fx_noisy_train": ("overfit", [], ["overfitting-onset"], "fit"),
    # 200 training rows: validation lowest at the first print, 1.8x that at the end,
    # training to 0.0000
    "fx_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.38-1.52 from first to last (ln 4 = 1.39)
    "fx_underfit": ("underfit", [], [], None),
    # an L2 term in the training loss: validation below it at all 42 epochs (0.84-0.95x
    # late) though 2.0x the eval-mode training loss; validation's accuracy 9-11 points below
    # training's
    "fx_penalty": ("val-below-train", ["good-fit"], ["regularization-penalty"],
                   "train-mode"),
    # labels smoothed by 0.3 in the training loss: validation below it at all 15 prints
    # (0.75-0.85x late), 2.1-2.3x the eval-mode training loss; accuracy 1.00 vs 0.78-0.81
    "fx_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (rows, width, dropout, batch norm, penalty, smoothing, lr, steps, batch,
#              every (steps between prints; an epoch's where printed by epoch), style,
#              print the model, noisy training labels)
PLANS = {
    "fx_dropout": (None, 256, 0.5, False, 0.0, 0.0, 1e-3, 3000, 32, 200, "steps", True,
                   False),
    "fx_dropout_silent": (None, 256, 0.5, False, 0.0, 0.0, 1e-3, 3000, 32, 200, "epochs",
                          False, False),
    "fx_batchnorm_small": (None, 128, 0.0, True, 0.0, 0.0, 1e-3, 3000, 8, 200, "steps",
                           True, False),
    "fx_overfit": (200, 512, 0.0, False, 0.0, 0.0, 1e-3, 4000, 16, 200, "steps", False,
                   False),
    "fx_underfit": (None, 64, 0.0, False, 0.0, 0.0, 1e-6, 2000, 32, 200, "epochs", False,
                    False),
    "fx_penalty": (None, 128, 0.0, False, 3e-3, 0.0, 1e-3, 3000, 32, 200, "epochs", False,
                   False),
    "fx_smoothing": (None, 128, 0.0, False, 0.0, 0.3, 1e-3, 3000, 32, 200, "steps", False,
                     False),
    "fx_noisy_train": (None, 128, 0.0, False, 0.0, 0.0, 1e-3, 3000, 32, 200, "epochs",
                       False, True),
}


def _data(seed: int, rows: int | None, noisy: bool):
    import numpy as np

    x_tr, x_va, y_tr, y_va = _mlp.four_classes(seed, rows, np.int32)
    if noisy:  # 35 % of the training labels redrawn at random
        y_tr = _mlp.redraw_labels(y_tr, 4, seed)
    return x_tr, x_va, y_tr, y_va


def run(scenario: str, seed: int) -> tuple[str, dict]:
    import jax.numpy as jnp
    import numpy as np
    import optax
    from flax import nnx

    (rows, width, dropout, batchnorm, penalty, smoothing, lr, steps, batch, every, style,
     show, noisy) = PLANS[scenario]
    x_tr, x_va, y_tr, y_va = _data(seed, rows, noisy)

    class MLP(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.linear1 = nnx.Linear(20, width, rngs=rngs)
            self.norm = nnx.BatchNorm(width, rngs=rngs) if batchnorm else None
            self.dropout1 = nnx.Dropout(rate=dropout, rngs=rngs) if dropout else None
            self.linear2 = nnx.Linear(width, width, rngs=rngs)
            self.dropout2 = nnx.Dropout(rate=dropout, rngs=rngs) if dropout else None
            self.linear3 = nnx.Linear(width, 4, rngs=rngs)

        def __call__(self, x):
            x = self.linear1(x)
            if self.norm is not None:
                x = self.norm(x)
            x = nnx.relu(x)
            if self.dropout1 is not None:
                x = self.dropout1(x)
            x = nnx.relu(self.linear2(x))
            if self.dropout2 is not None:
                x = self.dropout2(x)
            return self.linear3(x)

    model = MLP(nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.adam(lr), wrt=nnx.Param)

    def plain(m, x, y):
        logits = m(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits

    def training_loss(m, x, y):
        logits = m(x)
        targets = optax.smooth_labels(jax_one_hot(y), smoothing) if smoothing else \
            jax_one_hot(y)
        loss = optax.softmax_cross_entropy(logits, targets).mean()
        if penalty:
            weights = [p for path, p in nnx.iter_graph(m) if isinstance(p, nnx.Param)
                       and p[...].ndim == 2]
            loss = loss + penalty * sum(jnp.sum(w[...] ** 2) for w in weights)
        return loss, logits

    def jax_one_hot(y):
        return jnp.eye(4)[y]

    @nnx.jit
    def train_step(m, opt, x, y):
        (loss, logits), grads = nnx.value_and_grad(training_loss, has_aux=True)(m, x, y)
        opt.update(m, grads)
        return loss, (logits.argmax(-1) == y).mean()

    @nnx.jit
    def score(m, x, y):
        loss, logits = plain(m, x, y)
        return loss, (logits.argmax(-1) == y).mean()

    rng = np.random.default_rng(seed)
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
        model.train()
        loss, acc = train_step(model, optimizer, x_tr[idx], y_tr[idx])
        losses.append(float(loss))
        hits.append(float(acc))
        if (step + 1) % every:
            continue
        model.eval()
        val_loss, val_acc = (float(v) for v in score(model, x_va, y_va))
        train_eval, _ = score(model, x_tr, y_tr)
        train_loss, train_acc = float(np.mean(losses)), float(np.mean(hits))
        losses, hits = [], []
        for key, value in (("train", train_loss), ("val", val_loss),
                           ("train_eval_mode", float(train_eval)),
                           ("train_accuracy", train_acc), ("val_accuracy", val_acc)):
            numbers[key].append(value)
        if style == "steps":
            print(f"[train] step: {step}, loss: {train_loss:.4f}, accuracy: "
                  f"{train_acc * 100:.2f}", file=out)
            print(f"[test] step: {step}, loss: {val_loss:.4f}, accuracy: {val_acc * 100:.2f}",
                  file=out)
        else:
            print(f"epoch {(step + 1) // per_epoch:3d} | train loss {train_loss:.4f} acc "
                  f"{train_acc:.4f} | val loss {val_loss:.4f} acc {val_acc:.4f}", file=out)
    return out.getvalue(), numbers


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "flax nnx", LABELS, SEED_LABELS,
                            "val")


if __name__ == "__main__":
    raise SystemExit(main())
