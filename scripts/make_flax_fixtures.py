#!/usr/bin/env python3
"""Make tests/data/flax/: real Flax runs whose logs print the model the way Flax does (a
NNX module's repr, a linen ``tabulate()`` table) before a hand-written training loop.

    python -m venv /tmp/flaxenv && /tmp/flaxenv/bin/pip install flax scikit-learn
    /tmp/flaxenv/bin/python scripts/make_flax_fixtures.py tests/data/flax
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np


def _digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    return x[:1400], y[:1400], x[1400:], y[1400:]


def nnx_dropout_run() -> str:
    """NNX MLP with Dropout(rate=0.5): repr printed, then one line per epoch."""
    import jax
    import optax
    from flax import nnx

    class MLP(nnx.Module):
        def __init__(self, rngs):
            self.linear1 = nnx.Linear(64, 128, rngs=rngs)
            self.dropout = nnx.Dropout(rate=0.5, rngs=rngs)
            self.linear2 = nnx.Linear(128, 10, rngs=rngs)

        def __call__(self, x):
            return self.linear2(self.dropout(nnx.relu(self.linear1(x))))

    x_tr, y_tr, x_val, y_val = _digits()
    model = MLP(nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)

    def loss_fn(m, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(m(x), y).mean()

    @nnx.jit
    def step(m, opt, x, y):
        loss, grads = nnx.value_and_grad(loss_fn)(m, x, y)
        opt.update(m, grads)
        return loss

    out = io.StringIO()
    print(model, file=out)
    rng = np.random.default_rng(0)
    for epoch in range(1, 21):
        model.train()
        losses = []
        for idx in np.array_split(rng.permutation(len(x_tr)), len(x_tr) // 32):
            losses.append(float(step(model, optimizer, x_tr[idx], y_tr[idx])))
        model.eval()
        val = float(loss_fn(model, x_val, y_val))
        print(f"[train] step: {epoch * (len(x_tr) // 32)}, loss: {np.mean(losses):.4f}",
              file=out)
        print(f"[test] step: {epoch * (len(x_tr) // 32)}, loss: {val:.4f}", file=out)
    del jax
    return out.getvalue()


def linen_tabulate() -> str:
    """A linen model's tabulate() table (BatchNorm, Dropout), as printed before training."""
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    class CNN(nn.Module):
        @nn.compact
        def __call__(self, x, train=False):
            x = nn.Dense(32)(x)
            x = nn.BatchNorm(use_running_average=not train)(x)
            x = nn.Dropout(0.3, deterministic=not train)(x)
            return nn.Dense(10)(x)

    with contextlib.redirect_stdout(io.StringIO()) as out:
        print(CNN().tabulate(jax.random.PRNGKey(0), jnp.ones((1, 64))))
    return out.getvalue()


def main() -> int:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nnx_dropout.log").write_text(nnx_dropout_run())
    (folder / "linen_tabulate.txt").write_text(linen_tabulate())
    return 0


if __name__ == "__main__":
    sys.exit(main())
