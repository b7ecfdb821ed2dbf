#!/usr/bin/env python3
"""Make labelled real runs a tenth way: a character-level GPT trained the way nanoGPT trains
one (a step loop, ``estimate_loss()`` every ``eval_interval`` steps printing ``step N: train
loss X, val loss Y``, its "Overriding:" lines for the settings given on the command line), on
text this machine holds (the Python standard library's own source); and gradient boosting
logged by the libraries themselves (XGBoost's ``[i]\ttrain-logloss:...\tvalidation-logloss``,
LightGBM's ``[i]\ttrain's binary_logloss: ...\tvalid's binary_logloss: ...``).

The GPT runs differ in what the printed training loss is: nanoGPT's ``estimate_loss()`` scores
both splits in eval mode (dropout off), where many copies of it print the running mean of
the training steps (dropout on, label smoothing in the loss where asked). Two causes at once
(dropout and label smoothing) in one run.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the printed losses and, for the GPT runs, the training split re-scored in eval mode with the
plain loss at each evaluation, for labelling; valgap never reads it. The labels below were
written from those numbers before valgap read any run. Seed 1 is the development half,
seed 2 held out::

    .venv-frameworks/bin/python scripts/make_tenthway_runs.py tests/data/tenthway --seeds 1 2
"""
from __future__ import annotations

import io
import json
import math
import os
import time
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family
LABELS: dict[str, _labels.Label] = {
    # validation 1.1-1.25x training late and still falling with it
    "gpt_healthy": ("good-fit", [], [], None),
    "gpt_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "gpt_underfit": ("underfit", [], [], None),
    # the plan was validation below a running training mean under dropout 0.4; the numbers:
    # the dropout part (printed 2.30 against 2.16-2.18 re-scored in eval mode) about equals
    # how much harder the validation text is, so the printed curves meet (1.0-1.07x)
    "gpt_running_dropout": ("good-fit", [], [], None),
    # smoothing 0.2 lifts the printed training loss ~0.7 (a floor over ~100 characters),
    # dropout 0.3 ~0.1 more: validation 0.77-0.82x the printed training loss, 1.05-1.13x
    # the training split re-scored in eval mode with the plain loss
    "gpt_dropout_smoothing": ("val-below-train", [], ["loss-weighting", "dropout"],
                              "train-mode"),
    "xgb_deep": ("overfit", [], ["overfitting-onset"], "fit"),
    # planned healthy; the numbers: validation flat from round ~100 while training keeps
    # falling, the gap growing from 1.0x to 1.56-1.69x: the spec's "stalls while training
    # keeps falling; the gap grows"
    "xgb_shallow": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    "lgb_leaves": ("overfit", [], ["overfitting-onset"], "fit"),
}

# where one seed's numbers say otherwise than the scenario's label (read before valgap ran)
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

GPT = {  # scenario -> (text bytes, layers, width, steps, learning rate, dropout, smoothing,
    #                   printed training loss: "eval" (estimate_loss) or "running")
    "gpt_healthy": (600_000, 2, 64, 800, 2e-3, 0.0, 0.0, "eval"),
    "gpt_overfit": (6_000, 2, 128, 800, 3e-3, 0.0, 0.0, "eval"),
    "gpt_underfit": (600_000, 2, 64, 400, 2e-5, 0.0, 0.0, "eval"),
    "gpt_running_dropout": (600_000, 2, 64, 800, 2e-3, 0.4, 0.0, "running"),
    "gpt_dropout_smoothing": (600_000, 2, 64, 800, 2e-3, 0.3, 0.2, "running"),
}
CONTEXT, BATCH, EVAL_INTERVAL, EVAL_ITERS = 32, 32, 50, 10


def _text(size: int, seed: int) -> str:
    """The standard library's own source, in a fixed order, starting at a seed's offset."""
    root = Path(os.__file__).parent
    files = sorted(p for p in root.glob("*.py"))
    text = "".join(p.read_text(errors="replace") for p in files)
    start = (seed * 1_234_567) % max(1, len(text) - size)
    return text[start:start + size]


def gpt(scenario: str, seed: int) -> tuple[str, dict]:
    import torch
    from torch import nn

    size, layers, width, steps, lr, dropout, smoothing, printed = GPT[scenario]
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # the same numbers on any machine
    text = _text(size, seed)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    cut = int(0.9 * len(data))
    train_data, val_data = data[:cut], data[cut:]
    generator = torch.Generator().manual_seed(seed)

    def batch(split):
        source = train_data if split == "train" else val_data
        starts = torch.randint(len(source) - CONTEXT - 1, (BATCH,), generator=generator)
        x = torch.stack([source[i:i + CONTEXT] for i in starts])
        y = torch.stack([source[i + 1:i + CONTEXT + 1] for i in starts])
        return x, y

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.attn = nn.MultiheadAttention(width, 4, dropout=dropout, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(),
                                     nn.Linear(4 * width, width), nn.Dropout(dropout))
            self.mask = torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), 1)

        def forward(self, x):
            h = self.ln1(x)
            n = x.shape[1]
            x = x + self.attn(h, h, h, attn_mask=self.mask[:n, :n], need_weights=False)[0]
            return x + self.mlp(self.ln2(x))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(len(chars), width)
            self.pos = nn.Embedding(CONTEXT, width)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln = nn.LayerNorm(width)
            self.head = nn.Linear(width, len(chars))

        def forward(self, idx):
            x = self.drop(self.tok(idx) + self.pos(torch.arange(idx.shape[1])))
            return self.head(self.ln(self.blocks(x)))

    model = Model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    train_loss_fn = nn.CrossEntropyLoss(label_smoothing=smoothing)
    plain = nn.CrossEntropyLoss()
    out = io.StringIO()
    for key, value in (("dropout", dropout), ("learning_rate", lr), ("max_iters", steps),
                       ("n_layer", layers), ("n_embd", width)):
        out.write(f"Overriding: {key} = {value}\n")
    if smoothing:
        out.write(f"Overriding: label_smoothing = {smoothing}\n")
    params = sum(p.numel() for p in model.parameters())
    out.write(f"number of parameters: {params / 1e6:.2f}M\n")
    numbers: dict = {"step": [], "train": [], "val": [], "train_eval_mode": []}

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        losses = {}
        for split in ("train", "val"):
            total = 0.0
            for _ in range(EVAL_ITERS):
                x, y = batch(split)
                total += float(plain(model(x).flatten(0, 1), y.flatten()))
            losses[split] = total / EVAL_ITERS
        model.train()
        return losses

    running: list[float] = []
    clock = time.perf_counter()
    for step in range(steps + 1):
        if step % EVAL_INTERVAL == 0:
            losses = estimate_loss()
            shown = losses["train"] if printed == "eval" or not running else \
                sum(running) / len(running)
            out.write(f"step {step}: train loss {shown:.4f}, val loss {losses['val']:.4f}\n")
            numbers["step"].append(step)
            numbers["train"].append(shown)
            numbers["val"].append(losses["val"])
            numbers["train_eval_mode"].append(losses["train"])
            running = []
        if step == steps:
            break
        x, y = batch("train")
        loss = train_loss_fn(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if step % 25 == 0:  # nanoGPT's per-iteration line, its time measured
            now = time.perf_counter()
            out.write(f"iter {step}: loss {loss.item():.4f}, time {(now - clock) * 1000:.2f}ms\n")
        clock = time.perf_counter()
    return out.getvalue(), numbers


def _tabular(seed: int, n: int = 3000):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    x, y = make_classification(n_samples=n, n_features=20, n_informative=6, flip_y=0.15,
                               random_state=seed)
    return train_test_split(x, y, test_size=0.25, random_state=seed)


def xgb(scenario: str, seed: int) -> tuple[str, dict]:
    import contextlib

    import xgboost

    x_tr, x_va, y_tr, y_va = _tabular(seed)
    depth, eta, rounds = (10, 0.3, 300) if scenario == "xgb_deep" else (3, 0.05, 300)
    train, val = xgboost.DMatrix(x_tr, y_tr), xgboost.DMatrix(x_va, y_va)
    history: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        xgboost.train({"max_depth": depth, "eta": eta, "objective": "binary:logistic",
                       "eval_metric": "logloss", "seed": seed}, train, rounds,
                      evals=[(train, "train"), (val, "validation")], evals_result=history,
                      verbose_eval=10)
    numbers = {"train": history["train"]["logloss"], "val": history["validation"]["logloss"]}
    return out.getvalue(), numbers


def lgb(scenario: str, seed: int) -> tuple[str, dict]:
    import contextlib

    import lightgbm

    x_tr, x_va, y_tr, y_va = _tabular(seed)
    history: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        lightgbm.train({"objective": "binary", "num_leaves": 255, "min_data_in_leaf": 2,
                        "learning_rate": 0.1, "verbose": -1, "seed": seed},
                       lightgbm.Dataset(x_tr, y_tr), 300,
                       valid_sets=[lightgbm.Dataset(x_tr, y_tr), lightgbm.Dataset(x_va, y_va)],
                       valid_names=["train", "valid"],
                       callbacks=[lightgbm.log_evaluation(10),
                                  lightgbm.record_evaluation(history)])
    numbers = {"train": history["train"]["binary_logloss"],
               "val": history["valid"]["binary_logloss"]}
    return out.getvalue(), numbers


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0], list(LABELS))
    for scenario, seed, folder in _labels.run_folders(args):
        if scenario.startswith("gpt"):
            text, numbers, framework = *gpt(scenario, seed), "pytorch char-level GPT (nanoGPT loop)"
        elif scenario.startswith("xgb"):
            text, numbers, framework = *xgb(scenario, seed), "xgboost train() verbose_eval"
        else:
            text, numbers, framework = *lgb(scenario, seed), "lightgbm train() log_evaluation"
        (folder / "train.log").write_text(text)
        (folder / "numbers.json").write_text(json.dumps(numbers, indent=1))
        label = SEED_LABELS.get((scenario, seed), LABELS[scenario])
        _labels.write_label(folder, scenario, seed, framework, {"log": "train.log"}, label)
        last = {k: round(v[-1], 4) for k, v in numbers.items() if isinstance(v, list) and v
                and not math.isnan(v[-1])}
        print(f"{folder.name}: {last}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
