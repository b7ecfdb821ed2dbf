"""Tests that train tiny real models in each framework (they skip where it is not installed;
``make test-frameworks`` builds the environment that has them all)."""
from __future__ import annotations

import numpy as np


def blobs(seed: int, label_noise: float = 0.0, n: int = 10000, n_val: int = 2000,
          separation: float = 1.0):
    """Four Gaussian classes in 10 dimensions, float32 inputs and int64 labels; with
    ``label_noise`` that share of the training labels is redrawn (validation stays clean).
    ``separation`` spreads the class centres: at 2 the classes barely overlap."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(0, separation, (4, 10))

    def draw(count):
        y = rng.integers(0, 4, count)
        return (centres[y] + rng.normal(0, 1.0, (count, 10))).astype(np.float32), y

    x, y = draw(n)
    if label_noise:
        flip = rng.random(n) < label_noise
        y = y.copy()
        y[flip] = rng.integers(0, 4, int(flip.sum()))
    return (x, y.astype(np.int64)), draw(n_val)



def multilabel(seed: int, n: int = 3000, n_val: int = 1000):
    """Five binary labels from a linear teacher with noise on 20 Gaussian inputs (float32
    targets for a BCE loss): a wide network with heavy dropout shows a clear train-mode gap
    on it (scripts/make_torch_runs.py, bce_dropout)."""
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(3).normal(size=(20, 5))

    def draw(count):
        x = rng.normal(size=(count, 20)).astype(np.float32)
        return x, ((x @ w + rng.normal(0, 1.0, (count, 5))) > 0).astype(np.float32)

    return draw(n), draw(n_val)


def measured(source):
    """The analysis of a log written with valgap's measurement, and its decomposition (as the
    rules see it: for Keras runs the penalty is on both sides)."""
    from valgap import analyze
    from valgap.measured import decompose

    result = analyze(str(source))[0]
    dec = decompose(result.run.table, result.run.info.framework == "keras")
    assert dec is not None, list(result.run.table.columns)
    return result, dec
