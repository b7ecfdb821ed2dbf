#!/usr/bin/env python3
"""Make tests/data/catalyst/: the folders Catalyst 22.04's SupervisedRunner writes for one
real run (a small MLP with dropout on scikit-learn's digits, 8 epochs), its
``csv_logger/`` (``train.csv`` and ``valid.csv``, one table a loader) kept::

    venv/bin/pip install catalyst==22.4 "accelerate<0.21" scikit-learn tensorboardX
    venv/bin/python scripts/make_catalyst_fixture.py tests/data/catalyst
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path


def main(out: Path) -> int:
    import numpy as np
    import torch
    from catalyst import dl
    from sklearn.datasets import load_digits
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(7)
    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(7).permutation(len(x))
    x = torch.tensor(x[order] / 16.0, dtype=torch.float32)
    y = torch.tensor(y[order], dtype=torch.long)
    loaders = {"train": DataLoader(TensorDataset(x[:1200], y[:1200]), batch_size=32,
                                   shuffle=True),
               "valid": DataLoader(TensorDataset(x[1200:], y[1200:]), batch_size=128)}
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    with tempfile.TemporaryDirectory() as where:
        dl.SupervisedRunner().train(
            model=model, criterion=nn.CrossEntropyLoss(),
            optimizer=torch.optim.Adam(model.parameters(), 1e-3), loaders=loaders,
            num_epochs=8, logdir=where, verbose=False,
            callbacks=[dl.AccuracyCallback(input_key="logits", target_key="targets",
                                           topk=(1,), num_classes=10)])
        shutil.rmtree(out / "csv_logger", ignore_errors=True)
        shutil.copytree(Path(where) / "csv_logger", out / "csv_logger")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
