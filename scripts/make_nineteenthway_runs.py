#!/usr/bin/env python3
"""Make labelled real runs a nineteenth way: image classifiers trained the way vision-
transformer recipes train them (DeiT, MAE, ConvNeXt and their many forks): the run's
arguments printed first (``print(args)``: ``Namespace(batch_size=64, ..., mixup=0.8,
smoothing=0.1, ...)``), then a metric logger's lines, as those recipes' ``MetricLogger``
prints them: ``Epoch: [3]  [ 40/112]  eta: ...  lr: ...  loss: 0.71 (0.83)`` every few steps
(the last value, then the epoch's running mean), ``Averaged stats: lr: ...  loss: ...
(0.80)`` at the epoch's end, ``Test:  [10/20]  ...  loss: ... (...)  acc1: ...`` and
``* Acc@1 91.250 Acc@5 99.000 loss 0.312``. On scikit-learn's digits (8x8 images, 10
classes), a small convolutional network in PyTorch.

What the training loss carries that validation's does not, in some runs: mixup (each batch
a blend of two, its targets blended too), smoothed labels, dropout; some runs print no
arguments. Beside each log the script writes ``numbers.json``: the logged losses and the
training split re-scored in eval mode with the plain loss after each epoch, for labelling;
valgap never reads it. The labels below were written from those numbers before valgap read
any run. Seed 1 is the development half, seed 2 held out::

    python scripts/make_nineteenthway_runs.py tests/data/nineteenthway --seeds 1 2
"""
from __future__ import annotations

import argparse
import io
import time

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # mixup (alpha 0.8) and labels smoothed by 0.1: validation below the logged loss at all
    # 30 epochs (0.15-0.23x late); mixup alone leaves the training loss at 0.7 (the next
    # runs), smoothing adds 0.3
    "vt_mixup_smoothing": ("val-below-train", [], ["augmentation", "loss-weighting"],
                           "train-mode"),
    # mixup alone, its arguments printed or not: validation below the logged loss at all 30
    # epochs (0.13-0.2x late), 1.5-1.9x the eval-mode training loss
    "vt_mixup": ("val-below-train", [], ["augmentation"], "train-mode"),
    "vt_mixup_silent": ("val-below-train", [], ["augmentation"], "train-mode"),
    # labels smoothed by 0.2: the training loss floors at 0.878 (the smoothed target's
    # entropy, 0.867), validation below it at all 30 epochs (0.29-0.32x late)
    "vt_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # dropout 0.5: validation below the logged loss at 30 (29) of 30 epochs, 0.5-1.1x late
    # and jittery at a tiny scale (0.02-0.05)
    "vt_dropout": ("val-below-train", ["good-fit"], ["dropout"], "train-mode"),
    # 150 training images: validation lowest at epoch 18 (25), 15 % (17 %) above it at 60,
    # training to 0.001: 190-240x
    "vt_plain_small": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 2.30 throughout (ln 10 = 2.303)
    "vt_underfit": ("underfit", [], [], None),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (mixup alpha (0: none), smoothing, dropout, lr, epochs, training rows (None:
#              all), arguments printed)
PLANS = {
    "vt_mixup_smoothing": (0.8, 0.1, 0.0, 2e-3, 30, None, True),
    "vt_mixup": (0.8, 0.0, 0.0, 2e-3, 30, None, True),
    "vt_mixup_silent": (0.8, 0.0, 0.0, 2e-3, 30, None, False),
    "vt_smoothing": (0.0, 0.2, 0.0, 2e-3, 30, None, True),
    "vt_dropout": (0.0, 0.0, 0.5, 2e-3, 30, None, True),
    "vt_plain_small": (0.0, 0.0, 0.0, 2e-3, 60, 150, True),
    "vt_underfit": (0.0, 0.0, 0.0, 1e-6, 20, None, True),
}


def _arguments(scenario: str, seed: int) -> argparse.Namespace:
    """The recipe's arguments, as its parser would hold them (printed where the run
    prints them)."""
    mixup, smoothing, dropout, lr, epochs, _, _ = PLANS[scenario]
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--model", default="small_cnn")
    ap.add_argument("--input-size", type=int, default=8)
    ap.add_argument("--drop", type=float, default=dropout)
    ap.add_argument("--opt", default="adamw")
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--mixup", type=float, default=mixup)
    ap.add_argument("--smoothing", type=float, default=smoothing)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--output_dir", default=f"output/{scenario}")
    return ap.parse_args([])


def run(scenario: str, seed: int) -> tuple[str, dict]:
    import numpy as np
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from torch import nn

    mixup, smoothing, dropout, lr, epochs, rows, show = PLANS[scenario]
    args = _arguments(scenario, seed)
    torch.manual_seed(seed)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.25, random_state=seed,
                                              stratify=y)
    if rows:
        x_tr, y_tr = x_tr[:rows], y_tr[:rows]
    x_tr, x_va = torch.tensor(x_tr), torch.tensor(x_va)
    y_tr, y_va = torch.tensor(y_tr), torch.tensor(y_va)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 16, 128),
                          nn.ReLU(), nn.Dropout(dropout), nn.Linear(128, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    if show:
        print(args, file=out)
    print(f"number of params: {sum(p.numel() for p in model.parameters())}", file=out)
    print(f"Start training for {epochs} epochs", file=out)
    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": []}
    batch, steps = args.batch_size, -(-len(x_tr) // args.batch_size)
    for epoch in range(epochs):
        model.train()
        order = torch.tensor(rng.permutation(len(x_tr)))
        losses = []
        for step, idx in enumerate(order.split(batch)):
            xb, yb = x_tr[idx], nn.functional.one_hot(y_tr[idx], 10).float()
            yb = yb * (1 - smoothing) + smoothing / 10
            if mixup:  # each batch blended with itself reversed, its targets alike
                lam = float(rng.beta(mixup, mixup))
                xb, yb = lam * xb + (1 - lam) * xb.flip(0), lam * yb + (1 - lam) * yb.flip(0)
            loss = torch.sum(-yb * torch.log_softmax(model(xb), -1), -1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if step % 10 == 0 or step == steps - 1:
                print(f"Epoch: [{epoch}]  [{step:>{len(str(steps))}}/{steps}]  eta: 0:00:00  "
                      f"lr: {lr:.6f}  loss: {losses[-1]:.4f} ({np.mean(losses):.4f})  "
                      f"time: 0.0123  data: 0.0002  max mem: 41", file=out)
        print(f"Epoch: [{epoch}] Total time: 0:00:01 (0.0125 s / it)", file=out)
        train_loss = float(np.mean(losses))
        print(f"Averaged stats: lr: {lr:.6f}  loss: {losses[-1]:.4f} ({train_loss:.4f})",
              file=out)
        model.eval()
        with torch.no_grad():
            val_losses, hits = [], []
            val_steps = -(-len(x_va) // 128)
            for step, (xb, yb) in enumerate(zip(x_va.split(128), y_va.split(128))):
                logits = model(xb)
                val_losses.append(nn.functional.cross_entropy(logits, yb, reduction="sum")
                                  .item())
                hits.append((logits.argmax(-1) == yb).sum().item())
                seen = 128 * step + len(yb)
                print(f"Test:  [{step}/{val_steps}]  eta: 0:00:00  loss: "
                      f"{val_losses[-1] / len(yb):.4f} ({sum(val_losses) / seen:.4f})  acc1: "
                      f"{100 * hits[-1] / len(yb):.4f}  time: 0.0050  data: 0.0001  max mem: "
                      "41", file=out)
            val_loss = sum(val_losses) / len(x_va)
            acc = 100 * sum(hits) / len(x_va)
            train_eval = nn.functional.cross_entropy(model(x_tr), y_tr).item()
        print("Test: Total time: 0:00:00 (0.0051 s / it)", file=out)
        print(f"* Acc@1 {acc:.3f} loss {val_loss:.3f}", file=out)
        print(f"Accuracy of the network on the {len(x_va)} test images: {acc:.1f}%", file=out)
        numbers["train"].append(train_loss)
        numbers["val"].append(val_loss)
        numbers["train_eval_mode"].append(train_eval)
    print(f"Training time {time.strftime('%H:%M:%S', time.gmtime(0))}", file=out)
    return out.getvalue(), numbers


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "pytorch (vision recipe)", LABELS,
                            SEED_LABELS, "val")


if __name__ == "__main__":
    raise SystemExit(main())
