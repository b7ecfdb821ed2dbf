#!/usr/bin/env python3
"""Make labelled real runs a thirtieth way: recommender models trained on ratings, as
recommender tutorials train them, in plain PyTorch.

Ratings of 600 users for 400 items (1-5 stars) drawn from a low-rank taste model with user
and item biases under noise, 8 % of the pairs observed, split 80/20 at random. Models:
matrix factorisation (a user and an item embedding, their dot product and biases) and
neural collaborative filtering (the two embeddings through an MLP, ``Dropout`` between its
layers). The loss is the mean squared error of the ratings; some scripts add an L2 penalty
of the embeddings to the loss they print (``loss = mse + lam * (P.pow(2).sum() + ...)``,
as the matrix-factorisation literature writes it), one sums each batch's squared errors
(``reduction="sum"``) and prints their mean over batches beside a validation MSE averaged
per rating. In ``rec_active_val`` the validation ratings are those of the most active
users (the training set keeps the rest of theirs and every other user's).

Printed as ``Epoch 3/30 - train loss: 0.9321 - val loss: 0.9876``, through ``logging``
(``epoch=3 train_loss=0.9321 val_loss=0.9876``) or as ``| 3 | 0.9321 | 0.9876 |`` rows under
a Markdown header, some scripts printing their arguments (``Namespace(...)``) or their
model first.

Beside each log the script writes ``numbers.json``: the printed losses and the training
ratings re-scored in inference mode by their plain mean squared error, for labelling;
valgap never reads it. The labels below were written from those numbers before valgap read
any run. Seed 1 is the development half, seed 2 held out::

    venv/bin/pip install torch pyyaml
    venv/bin/python scripts/make_thirtiethway_runs.py tests/data/thirtiethway --seeds 1 2
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # an L2 penalty of the embeddings (0.1) in the printed loss, its arguments printed: the
    # penalty holds the model back (the printed loss 1.02x the plain one, both flat at
    # 0.68-0.70 from epoch 8); validation lowest at 4, 1.4-2.1 % above it at 30, 1.08-1.14x
    # training: validation never below it
    "rec_penalty": ("good-fit", ["underfit"], [], None),
    # rank 64, no regularisation: training to 0.01 by epoch 10 (then 0.03-0.05), validation
    # still falling (0.84 -> 0.56) at 12-19x training late
    "rec_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # rank 8 with a little weight decay: validation 0.91 -> 0.45, still falling, 3.1-3.4x
    # training (0.13) over the last third
    "rec_healthy": ("overfit", [], ["overfitting-onset"], "fit"),
    # NCF with dropout 0.5, its model printed: the printed loss 1.07x the inference-mode
    # one; validation lowest at 25-26 and flat after, 1.06-1.12x training late (below it at
    # 2 (13) of the first epochs)
    "rec_ncf_dropout": ("good-fit", ["overfit"], [], None),
    # a rate of 1e-6: both at 0.99-1.01 throughout
    "rec_underfit": ("underfit", [], [], None),
    # the most active users' ratings validate: validation 0.90 -> 0.43 still falling,
    # 3.0-3.5x training late, as the random split's (nothing easier shows)
    "rec_active_val": ("overfit", [], ["overfitting-onset"], "fit"),
    # each batch's squared errors summed (batches of 64, printed in its arguments) and the
    # sums averaged over batches, validation averaged per rating: the printed loss 82x the
    # plain one; validation 0.07x it, lowest at 11 (16) and 8-16 % above that at 30 while
    # the plain training loss falls
    "rec_summed": ("val-below-train", [], ["reduction-mismatch"], "bug"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (model, rank, dropout, L2 in the printed loss, optimizer weight decay,
# learning rate, epochs, batch, reduction, split, what is printed first, style)
PLANS = {
    "rec_penalty": ("mf", 16, 0.0, 0.1, 0.0, 0.01, 30, 256, "mean", "random", "args",
                    "slash"),
    "rec_overfit": ("mf", 64, 0.0, 0.0, 0.0, 0.01, 40, 256, "mean", "random", "", "slash"),
    "rec_healthy": ("mf", 8, 0.0, 0.0, 1e-4, 0.005, 30, 256, "mean", "random", "args",
                    "logging"),
    "rec_ncf_dropout": ("ncf", 16, 0.5, 0.0, 0.0, 0.002, 30, 256, "mean", "random", "model",
                        "slash"),
    "rec_underfit": ("mf", 16, 0.0, 0.0, 0.0, 1e-6, 25, 256, "mean", "random", "", "table"),
    "rec_active_val": ("mf", 8, 0.0, 0.0, 1e-4, 0.005, 30, 256, "mean", "active", "",
                       "logging"),
    "rec_summed": ("mf", 8, 0.0, 0.0, 1e-4, 0.005, 30, 64, "sum", "random", "args",
                   "table"),
}


def ratings(seed: int, split: str):
    """(users, items, ratings) for training and validation as tensors."""
    import numpy as np
    import torch

    rng = np.random.default_rng(seed)
    users, items, rank = 600, 400, 5
    taste = rng.normal(0, 0.6, (users, rank))
    traits = rng.normal(0, 0.6, (items, rank))
    activity = rng.lognormal(0, 0.8, users)
    share = np.clip(0.08 * activity / activity.mean(), 0, 1)  # each user's share rated
    observed = rng.random((users, items)) < share[:, None]
    u, i = np.nonzero(observed)
    score = (3.5 + rng.normal(0, 0.4, users)[u] + rng.normal(0, 0.4, items)[i] +
             (taste[u] * traits[i]).sum(1) + rng.normal(0, 0.5, len(u)))
    r = np.clip(score, 1, 5)
    if split == "active":  # the most active users' ratings, a fifth of all, validate
        order = np.argsort(-activity)
        busy = set(order[:40].tolist())
        chosen = np.array([x in busy for x in u]) & (rng.random(len(u)) < 0.75)
        val, tr = np.flatnonzero(chosen), np.flatnonzero(~chosen)
    else:
        perm = rng.permutation(len(u))
        cut = int(0.8 * len(u))
        tr, val = perm[:cut], perm[cut:]

    def part(rows):
        return (torch.as_tensor(u[rows]), torch.as_tensor(i[rows]),
                torch.as_tensor(r[rows], dtype=torch.float32))
    return part(tr), part(val), users, items


def build(kind: str, users: int, items: int, rank: int, dropout: float):
    import torch
    from torch import nn

    class MatrixFactorization(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.user_factors = nn.Embedding(users, rank)
            self.item_factors = nn.Embedding(items, rank)
            self.user_bias = nn.Embedding(users, 1)
            self.item_bias = nn.Embedding(items, 1)
            for e in (self.user_factors, self.item_factors):
                nn.init.normal_(e.weight, 0, 0.1)
            for e in (self.user_bias, self.item_bias):
                nn.init.zeros_(e.weight)
            self.mean = nn.Parameter(torch.tensor(3.5))

        def forward(self, u, i):
            dot = (self.user_factors(u) * self.item_factors(i)).sum(1)
            return dot + self.user_bias(u)[:, 0] + self.item_bias(i)[:, 0] + self.mean

    class NCF(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.user_factors = nn.Embedding(users, rank)
            self.item_factors = nn.Embedding(items, rank)
            self.mlp = nn.Sequential(nn.Linear(2 * rank, 64), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(64, 32), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(32, 1))

        def forward(self, u, i):
            both = torch.cat([self.user_factors(u), self.item_factors(i)], 1)
            return self.mlp(both)[:, 0] + 3.5

    return NCF() if kind == "ncf" else MatrixFactorization()


def _printer(style: str):
    log = logging.getLogger("recsys")

    def line(epoch: int, epochs: int, train: float, val: float) -> None:
        if style == "slash":
            print(f"Epoch {epoch}/{epochs} - train loss: {train:.4f} - val loss: {val:.4f}")
        elif style == "logging":
            log.info("epoch=%d train_loss=%.4f val_loss=%.4f", epoch, train, val)
        else:
            if epoch == 1:
                print("| epoch | train_loss | val_loss |\n|---|---|---|")
            print(f"| {epoch} | {train:.4f} | {val:.4f} |")
        sys.stdout.flush()
    return line


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log."""
    import torch

    kind, rank, dropout, lam, decay, lr, epochs, batch, reduction, split, shown, style = \
        PLANS[scenario]
    torch.manual_seed(seed)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    (tu, ti, tr), (vu, vi, vr), users, items = ratings(seed, split)
    model = build(kind, users, items, rank, dropout)
    if shown == "model":
        print(model)
    elif shown == "args":
        print(argparse.Namespace(model=kind, factors=rank, epochs=epochs, batch_size=batch,
                                 lr=lr, reg=lam, weight_decay=decay, seed=seed))
    sys.stdout.flush()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=decay)
    line = _printer(style)
    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": []}
    n = len(tr)
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(n)
        total, batches = 0.0, 0
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            pred = model(tu[rows], ti[rows])
            loss = torch.nn.functional.mse_loss(pred, tr[rows], reduction=reduction)
            if lam:
                loss = loss + lam * (model.user_factors.weight.pow(2).sum() +
                                     model.item_factors.weight.pow(2).sum()) / n * batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        model.eval()
        with torch.no_grad():
            val = torch.nn.functional.mse_loss(model(vu, vi), vr).item()
            plain = torch.nn.functional.mse_loss(model(tu, ti), tr).item()
        logged = total / batches
        line(epoch, epochs, logged, val)
        numbers["train"].append(logged)
        numbers["val"].append(val)
        numbers["train_eval_mode"].append(plain)
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str, dict]:
    return _labels.child_run(__file__, scenario, seed)


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "pytorch (recommender)", LABELS,
                            SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
