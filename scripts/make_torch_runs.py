#!/usr/bin/env python3
"""Make labelled real PyTorch runs unlike ../shared/corpus/labeled, to check that valgap's
rules generalise: other data (regression, multi-label, sequences, signals), other losses
(MSE, MAE, BCE, label-smoothed and summed cross-entropy), other architectures (MLP, GRU,
1-D CNN), other optimisers (L-BFGS) and lengths from 6 to 250 epochs, printed by
hand-written loops in several styles. Each run is trained for real on the CPU; each label
says the mechanism built into it (the label schema of ../shared/spec/diagnoses.md).

    .venv-libs/bin/python scripts/make_torch_runs.py /tmp/torchruns --seeds 1 2
    python ../shared/tools/grade.py /tmp/torchruns --valgap .venv/bin/valgap -v

Runs go to OUT/<scenario>-<seed>/ with run.log, label.yaml and, where the scenario says
what a log cannot show, valgap.yaml. Only torch and numpy are needed (``make fixtures``
builds an environment that has them).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

# scenario -> expected fit, fit alternatives, causes, family
LABELS = {
    "mse_healthy": ("good-fit", [], [], None),
    "mae_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "bce_dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "gru_healthy": ("good-fit", ["underfit"], [], None),
    "conv1d_augment": ("val-below-train", [], ["augmentation"], "train-mode"),
    "lbfgs_preupdate": ("good-fit", ["val-below-train"], ["pre-update-loss"], "timing"),
    "label_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    "early_stop_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "summed_batches": ("val-below-train", [], ["reduction-mismatch"], "bug"),
    "long_healthy": ("good-fit", [], [], None),
    "diverged_lr": ("diverged", [], [], None),
    "leakage_dupes": ("good-fit", ["val-below-train"], ["leakage"], "data-split"),
    "l2_penalty": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    # easy validation, each written as a bare CSV (epoch,loss,val_loss): nothing but the
    # curves can tell it from a train-mode mechanism
    "noisy_train_labels": ("val-below-train", [], ["easy-validation"], "data-split"),
    "typical_val": ("val-below-train", [], ["easy-validation"], "data-split"),
    "calm_future_split": ("val-below-train", [], ["easy-validation"], "data-split"),
    "dropout_csv": ("val-below-train", [], ["dropout"], "train-mode"),
}


def _regression(rng, n: int, noise: float = 0.1):
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = (np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + noise * rng.normal(size=n))
    return x, y.astype(np.float32)[:, None]


def _classes(rng, n: int, classes: int = 4, dims: int = 12, spread: float = 1.6):
    centres = np.random.default_rng(7).normal(0, 1.5, (classes, dims))
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.normal(0, spread, (n, dims))
    return x.astype(np.float32), y


def _batches(n: int, size: int, rng):
    order = rng.permutation(n)
    return [order[i:i + size] for i in range(0, n, size)]


class Loop:
    """A hand-written loop: minibatch training, the training loss averaged over the epoch's
    batches (or summed, where the scenario says), validation in eval mode at its end."""

    def __init__(self, model, loss, val_loss=None, lr=1e-2, batch=32, optimizer="adam",
                 weight_decay=0.0, penalty=0.0):
        import torch

        self.torch = torch
        self.model, self.loss, self.val_loss = model, loss, val_loss or loss
        self.batch, self.penalty = batch, penalty
        params = model.parameters()
        self.opt = (torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
                    if optimizer == "adam" else torch.optim.SGD(params, lr=lr))

    def epoch(self, x, y, rng, transform=None, summed=False) -> float:
        torch = self.torch
        self.model.train()
        total, count = 0.0, 0
        for idx in _batches(len(x), self.batch, rng):
            xb, yb = torch.tensor(x[idx]), torch.tensor(y[idx])
            if transform is not None:
                xb = transform(xb)
            loss = self.loss(self.model(xb), yb)
            if self.penalty:
                loss = loss + self.penalty * sum((p ** 2).sum() for p in self.model.parameters())
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += float(loss.detach())
            count += 1
        return total if summed else total / count

    def evaluate(self, x, y) -> float:
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            return float(self.val_loss(self.model(torch.tensor(x)), torch.tensor(y)))


def _mlp(inputs: int, outputs: int, hidden: int = 64, dropout: float = 0.0, layers: int = 2):
    from torch import nn

    parts: list = []
    width = inputs
    for _ in range(layers):
        parts += [nn.Linear(width, hidden), nn.ReLU()]
        if dropout:
            parts.append(nn.Dropout(dropout))
        width = hidden
    parts.append(nn.Linear(width, outputs))
    return nn.Sequential(*parts)


def run(scenario: str, seed: int) -> list[str]:
    """Train the scenario's run; the lines its loop printed."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    out: list[str] = []
    ce = nn.CrossEntropyLoss()

    def fmt_pipe(e, n, t, v):
        return f"epoch {e:3d} | train_loss {t:.4f} | val_loss {v:.4f}"

    if scenario in ("mse_healthy", "long_healthy"):
        epochs = 40 if scenario == "mse_healthy" else 250
        x, y = _regression(rng, 2000)
        xv, yv = _regression(rng, 500)
        loop = Loop(_mlp(6, 1, 32), nn.MSELoss(), lr=3e-3 if epochs == 40 else 5e-4, batch=64)
        for e in range(1, epochs + 1):
            t, v = loop.epoch(x, y, rng), loop.evaluate(xv, yv)
            out.append(f"Epoch {e}/{epochs} - train_mse={t:.5f} val_mse={v:.5f}")
    elif scenario == "mae_overfit":
        x, y = _regression(rng, 80, noise=0.3)
        xv, yv = _regression(rng, 400, noise=0.3)
        loop = Loop(_mlp(6, 1, 256, layers=3), nn.L1Loss(), lr=3e-3, batch=16)
        for e in range(1, 151):
            t = loop.epoch(x, y, rng)
            out.append(f"[{e}/150] train MAE: {t:.4f}  valid MAE: {loop.evaluate(xv, yv):.4f}")
    elif scenario == "bce_dropout":
        x = rng.normal(size=(3000, 20)).astype(np.float32)
        w = np.random.default_rng(3).normal(size=(20, 5))
        y = ((x @ w + rng.normal(0, 1.0, (3000, 5))) > 0).astype(np.float32)
        model = _mlp(20, 5, 256, dropout=0.6)
        out += str(model).splitlines()
        loop = Loop(model, nn.BCEWithLogitsLoss(), lr=1e-3, batch=64)
        for e in range(1, 31):
            t = loop.epoch(x[:2400], y[:2400], rng)
            out.append(fmt_pipe(e, 30, t, loop.evaluate(x[2400:], y[2400:])))
    elif scenario == "gru_healthy":
        class GRU(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(1, 24, batch_first=True)
                self.head = nn.Linear(24, 2)

            def forward(self, s):
                return self.head(self.gru(s)[0][:, -1])
        seq = rng.normal(size=(2400, 20, 1)).astype(np.float32)
        lab = (seq[:, :5, 0].sum(1) > seq[:, -5:, 0].sum(1)).astype(np.int64)
        loop = Loop(GRU(), ce, lr=3e-3, batch=64)
        for e in range(1, 26):
            t = loop.epoch(seq[:2000], lab[:2000], rng)
            v = loop.evaluate(seq[2000:], lab[2000:])
            out.append(f"Epoch {e:02d}: loss={t:.4f}, val_loss={v:.4f}")
    elif scenario == "conv1d_augment":
        class Conv(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(),
                                          nn.AdaptiveAvgPool1d(8), nn.Flatten(),
                                          nn.Linear(128, 3))

            def forward(self, s):
                return self.body(s)
        t_axis = np.linspace(0, 1, 64, dtype=np.float32)
        lab = rng.integers(0, 3, 6000)
        sig = np.sin(2 * np.pi * (lab[:, None] + 1) * 2 * t_axis) + rng.normal(0, 0.3, (6000, 64))
        sig = sig.astype(np.float32)[:, None, :]

        def augment(xb):  # heavy jitter, random gain and shifts, training only
            shift = int(rng.integers(-16, 17))
            gain = 0.5 + torch.rand(len(xb), 1, 1)
            return gain * torch.roll(xb, shift, dims=2) + 1.6 * torch.randn_like(xb)
        loop = Loop(Conv(), ce, lr=2e-3, batch=64)
        for e in range(1, 31):
            t = loop.epoch(sig[:4800], lab[:4800], rng, transform=augment)
            out.append(fmt_pipe(e, 30, t, loop.evaluate(sig[4800:], lab[4800:])))
    elif scenario == "lbfgs_preupdate":
        # full-batch L-BFGS, one step per epoch: the loss it returns is the one before its
        # update, validation is measured after it
        x, y = _classes(rng, 6000, spread=2.2)
        model = _mlp(12, 4, 16, layers=1)
        opt = torch.optim.LBFGS(model.parameters(), lr=0.3, max_iter=1, history_size=5)
        xt, yt = torch.tensor(x[:5000]), torch.tensor(y[:5000])
        for e in range(1, 31):
            model.train()

            def closure():
                opt.zero_grad()
                loss = ce(model(xt), yt)
                loss.backward()
                return loss
            before = float(opt.step(closure))
            model.eval()
            with torch.no_grad():
                v = float(ce(model(torch.tensor(x[5000:])), torch.tensor(y[5000:])))
            out.append(f"iter {e}: train loss {before:.4f}, val loss {v:.4f}")
    elif scenario == "label_smoothing":
        x, y = _classes(rng, 3000, spread=1.2)
        loop = Loop(_mlp(12, 4, 64), nn.CrossEntropyLoss(label_smoothing=0.3), val_loss=ce,
                    lr=2e-3, batch=64)
        for e in range(1, 21):
            t = loop.epoch(x[:2400], y[:2400], rng)
            out.append(fmt_pipe(e, 20, t, loop.evaluate(x[2400:], y[2400:])))
    elif scenario == "early_stop_overfit":
        x, y = _classes(rng, 2200, spread=2.6)
        loop = Loop(_mlp(12, 4, 512, layers=3), ce, lr=2e-3, batch=16)
        best, wait = math.inf, 0
        for e in range(1, 201):
            t = loop.epoch(x[:200], y[:200], rng)
            v = loop.evaluate(x[200:], y[200:])
            out.append(f"Epoch {e}: train loss: {t:.4f} - validation loss: {v:.4f}")
            best, wait = (v, 0) if v < best else (best, wait + 1)
            if wait >= 6:
                out.append(f"Early stopping at epoch {e} (best {best:.4f})")
                break
    elif scenario == "summed_batches":
        x, y = _classes(rng, 3000)
        loop = Loop(_mlp(12, 4, 64), ce, lr=2e-3, batch=100)
        for e in range(1, 26):
            t = loop.epoch(x[:2400], y[:2400], rng, summed=True)  # 24 batch means added
            out.append(fmt_pipe(e, 25, t, loop.evaluate(x[2400:], y[2400:])))
    elif scenario == "diverged_lr":
        x, y = _regression(rng, 1000)
        loop = Loop(_mlp(6, 1, 64), nn.MSELoss(), lr=4.0, optimizer="sgd", batch=32)
        for e in range(1, 16):
            t, v = loop.epoch(x[:800], y[:800], rng), loop.evaluate(x[800:], y[800:])
            out.append(f"Epoch {e}/15 - train_mse={t:.5f} val_mse={v:.5f}")
    elif scenario == "leakage_dupes":
        x, y = _classes(rng, 600, spread=2.0)
        xv = x[:150] + rng.normal(0, 0.01, (150, 12)).astype(np.float32)  # copies in both
        loop = Loop(_mlp(12, 4, 512, layers=3), ce, lr=1e-3, batch=32)
        for e in range(1, 121):
            t, v = loop.epoch(x, y, rng), loop.evaluate(xv, y[:150])
            out.append(f"epoch {e} | train_loss {t:.6f} | val_loss {v:.6f}")
    elif scenario == "l2_penalty":
        x, y = _classes(rng, 3000)
        loop = Loop(_mlp(12, 4, 64), ce, lr=2e-3, batch=64, penalty=1e-2)
        for e in range(1, 31):
            t = loop.epoch(x[:2400], y[:2400], rng)
            out.append(fmt_pipe(e, 30, t, loop.evaluate(x[2400:], y[2400:])))
    elif scenario in ("noisy_train_labels", "typical_val", "calm_future_split",
                      "dropout_csv"):
        out.append("epoch,loss,val_loss")
        for e, t, v in _easy_validation(scenario, rng):
            out.append(f"{e},{t:.6f},{v:.6f}")
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    return out


def _easy_validation(scenario: str, rng):
    """Runs whose validation set is easier than the training set (and one dropout run
    for contrast), each yielding (epoch, training loss, validation loss)."""
    from torch import nn

    ce = nn.CrossEntropyLoss()
    if scenario == "noisy_train_labels":
        # a quarter of the training labels are wrong, the validation labels are clean
        x, y = _classes(rng, 4000, spread=1.4)
        yt = y[:3200].copy()
        flip = rng.random(3200) < 0.25
        yt[flip] = rng.integers(0, 4, int(flip.sum()))
        loop = Loop(_mlp(12, 4, 48), ce, lr=2e-3, batch=64)
        data, val, epochs = (x[:3200], yt), (x[3200:], y[3200:]), 40
    elif scenario == "typical_val":
        # validation picked from the most typical examples (nearest their class centre)
        x, y = _classes(rng, 6000, spread=2.0)
        centres = np.array([x[y == k].mean(0) for k in range(4)])
        typical = np.argsort(np.linalg.norm(x - centres[y], axis=1))
        val_idx, train_idx = typical[:600], np.sort(typical[1500:])
        loop = Loop(_mlp(12, 4, 64), ce, lr=1e-3, batch=64)
        data, val, epochs = (x[train_idx], y[train_idx]), (x[val_idx], y[val_idx]), 30
    elif scenario == "calm_future_split":
        # a series whose noise fades over time, split without shuffling: the last 20 %
        n = 5000
        x = rng.normal(size=(n, 6)).astype(np.float32)
        noise = np.linspace(1.0, 0.15, n) * rng.normal(size=n)
        target = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + noise
        y = target.astype(np.float32)[:, None]
        loop = Loop(_mlp(6, 1, 64), nn.MSELoss(), lr=2e-3, batch=64)
        data, val, epochs = (x[:4000], y[:4000]), (x[4000:], y[4000:]), 60
    else:  # dropout_csv: a shuffled split of multi-label data, heavy dropout
        x = rng.normal(size=(4000, 20)).astype(np.float32)
        w = np.random.default_rng(5).normal(size=(20, 6))
        y = ((np.tanh(x @ w) + rng.normal(0, 0.5, (4000, 6))) > 0).astype(np.float32)
        loop = Loop(_mlp(20, 6, 256, dropout=0.6), nn.BCEWithLogitsLoss(), lr=1e-3, batch=64)
        data, val, epochs = (x[:3200], y[:3200]), (x[3200:], y[3200:]), 40
    for e in range(1, epochs + 1):
        yield e, loop.epoch(*data, rng), loop.evaluate(*val)


def write(folder: Path, scenario: str, seed: int, lines: list[str]) -> None:
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    name = "history.csv" if lines[0].startswith("epoch,") else "run.log"
    (folder / name).write_text("\n".join(lines) + "\n")
    fit, alternatives, causes, family = LABELS[scenario]
    label = {"scenario": scenario, "seed": seed, "framework": "torch (hand-written loop)",
             "files": {"csv" if name.endswith(".csv") else "stdout": name},
             "expected": {"fit": fit, "fit_alternatives": alternatives, "causes": causes,
                          "family": family}}
    (folder / "label.yaml").write_text(yaml.safe_dump(label, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    for scenario in args.only or LABELS:
        for seed in args.seeds:
            write(args.out / f"{scenario}-{seed}", scenario, seed, run(scenario, seed))
            print(scenario, seed, flush=True, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
