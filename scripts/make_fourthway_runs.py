#!/usr/bin/env python3
"""Make labelled real runs a fourth way, unlike the corpus, ``make_torch_runs.py`` and
``make_thirdway_runs.py``: other data (scikit-learn's bundled wine, breast-cancer and
diabetes tables, synthetic regressions and imbalanced classes instead of digits), other
losses (MSE, binary cross-entropy, weighted and smoothed cross-entropy), plain PyTorch
loops printed five ways people print them (a tqdm-less ``[3/40]`` line, ``key=value``
pairs, a Markdown-ish table, JSON Lines, a pandas CSV) and model reprs printed or not.

Each run is trained for real on the CPU; the label says the mechanism built into it (the
label schema of ../shared/spec/diagnoses.md) and was written before valgap read any run.
Seed 1 is the development half, seed 2 the half held out::

    .venv-frameworks/bin/python scripts/make_fourthway_runs.py tests/data/fourthway --seeds 1 2
    python ../shared/tools/grade.py tests/data/fourthway --valgap .venv/bin/valgap --calibration
"""
from __future__ import annotations

import json
import sys

import _labels
import numpy as np

# scenario -> expected fit, fit alternatives, causes, family
LABELS = {
    "dropout_reg": ("val-below-train", [], ["dropout"], "train-mode"),
    "dropout_cls_printed": ("val-below-train", [], ["dropout"], "train-mode"),
    "batchnorm_tiny_batch": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    "l2_in_loss": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    "input_noise": ("val-below-train", [], ["augmentation"], "train-mode"),
    "smoothing_train_only": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # six epochs on 32k rows: still falling a little at the end
    "epoch_mean_fast": ("good-fit", ["val-below-train", "underfit"], ["epoch-averaging"],
                        "timing"),
    "full_batch": ("val-below-train", ["good-fit", "underfit"], ["pre-update-loss"], "timing"),
    "summed_loss": ("val-below-train", [], ["reduction-mismatch"], "bug"),
    "clean_validation": ("val-below-train", [], ["easy-validation"], "data-split"),
    "duplicated_validation": ("good-fit", ["overfit"], ["leakage"], "data-split"),
    "tiny_validation": ("good-fit", ["val-below-train", "overfit"], ["noise"], "noise"),
    "overfit_small": ("overfit", [], ["overfitting-onset"], "fit"),
    "underfit_linear": ("underfit", [], [], None),
    # 114 validation rows of an easy table: seed 1's validation sits below training
    "healthy": ("good-fit", ["val-below-train"], [], None),
    "diverged_lr": ("diverged", [], [], None),
    "val_is_train_copy": ("good-fit", ["underfit", "val-below-train"], ["broken-metric"], "bug"),
}

STYLES = ("bracket", "keyvalue", "table", "jsonl", "csv")


def _data(scenario: str, rng):
    """Features, targets, the task (``reg``, ``bin`` or ``multi``) and the split."""
    from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification

    if scenario in ("dropout_reg", "underfit_linear", "diverged_lr",
                    "summed_loss", "clean_validation"):
        x, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
        task = "reg"
    elif scenario in ("smoothing_train_only", "dropout_cls_printed", "overfit_small",
                      "tiny_validation"):
        x, y = make_classification(n_samples=3000, n_features=20, n_informative=8,
                                   n_classes=4, random_state=int(rng.integers(1 << 30)))
        task = "multi"
    elif scenario == "epoch_mean_fast":
        x, y = make_classification(n_samples=40000, n_features=30, n_informative=12,
                                   flip_y=0.0, class_sep=0.8,
                                   random_state=int(rng.integers(1 << 30)))
        task = "bin"
    else:
        x, y = load_breast_cancer(return_X_y=True) if scenario in (
            "healthy", "full_batch") else make_classification(
            n_samples=4000, n_features=30, n_informative=10, flip_y=0.05,
            random_state=int(rng.integers(1 << 30)))
        task = "bin"
    x = (x - x.mean(0)) / (x.std(0) + 1e-9)
    order = rng.permutation(len(x))
    x, y = x[order].astype(np.float32), y[order]
    cut = int(0.8 * len(x))
    if scenario == "clean_validation":
        # the validation rows are the ones whose target the model can explain best: the
        # training set keeps the noisy remainder (a split by a quality filter)
        from sklearn.linear_model import LinearRegression

        resid = np.abs(LinearRegression().fit(x, y).predict(x) - y)
        order = np.argsort(resid)
        val_idx, tr_idx = order[:len(x) // 5], order[len(x) // 5:]
        return x[tr_idx], y[tr_idx], x[val_idx], y[val_idx], task
    x_tr, y_tr, x_val, y_val = x[:cut], y[:cut], x[cut:], y[cut:]
    if scenario == "tiny_validation":
        x_val, y_val = x_val[:24], y_val[:24]
    if scenario == "overfit_small":
        x_tr, y_tr = x_tr[:60], y_tr[:60]
    if scenario == "duplicated_validation":
        # validation is training rows again with a little jitter: near-duplicates
        x_tr, y_tr = x_tr[:600], y_tr[:600]
        pick = rng.choice(len(x_tr), size=200, replace=False)
        x_val = x_tr[pick] + rng.normal(0, 0.02, x_tr[pick].shape).astype(np.float32)
        y_val = y_tr[pick]
    return x_tr, y_tr, x_val, y_val, task


def _model(scenario: str, n_in: int, n_out: int):
    import torch.nn as nn

    if scenario == "underfit_linear":
        return nn.Linear(n_in, n_out)
    width = {"overfit_small": 512, "duplicated_validation": 256}.get(scenario, 64)
    layers: list = []
    last = n_in
    for _ in range(3 if scenario == "overfit_small" else 2):
        layers.append(nn.Linear(last, width))
        if scenario == "batchnorm_tiny_batch":
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if scenario in ("dropout_reg", "dropout_cls_printed"):
            layers.append(nn.Dropout(0.5))
        last = width
    layers.append(nn.Linear(last, n_out))
    return nn.Sequential(*layers)


def train(scenario: str, seed: int) -> tuple[str, str]:
    """The run's log text and its file name."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed * 7919 + len(scenario))
    x_tr, y_tr, x_val, y_val, task = _data(scenario, rng)
    n_out = 1 if task in ("reg", "bin") else int(max(y_tr.max(), y_val.max()) + 1)
    model = _model(scenario, x_tr.shape[1], n_out)
    lr = {"diverged_lr": 4.0, "underfit_linear": 3e-5, "epoch_mean_fast": 3e-4,
          "full_batch": 0.05}.get(scenario, 1e-3)
    opt = (torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
           if scenario in ("diverged_lr", "full_batch") else
           torch.optim.Adam(model.parameters(), lr=lr))
    epochs = {"overfit_small": 150, "epoch_mean_fast": 6, "full_batch": 25,
              "healthy": 15, "tiny_validation": 12,
              "diverged_lr": 30, "underfit_linear": 20, "duplicated_validation": 80}.get(
        scenario, 40)
    batch = {"batchnorm_tiny_batch": 4, "full_batch": len(x_tr),
             "epoch_mean_fast": 64}.get(scenario, 32)
    xt, xv = torch.tensor(x_tr), torch.tensor(x_val)
    yt = torch.tensor(y_tr, dtype=torch.float32 if task != "multi" else torch.long)
    yv = torch.tensor(y_val, dtype=torch.float32 if task != "multi" else torch.long)

    def loss_fn(out, target, training: bool, reduction: str = "mean"):
        if task == "reg":
            return F.mse_loss(out.squeeze(1), target, reduction=reduction)
        if task == "bin":
            return F.binary_cross_entropy_with_logits(out.squeeze(1), target,
                                                      reduction=reduction)
        smoothing = 0.3 if training and scenario == "smoothing_train_only" else 0.0
        return F.cross_entropy(out, target, label_smoothing=smoothing, reduction=reduction)

    style = STYLES[(sum(map(ord, scenario)) + seed) % len(STYLES)]
    if scenario in ("dropout_cls_printed", "batchnorm_tiny_batch"):
        style = "bracket"  # a print of the model goes with a text log
    lines: list[str] = []
    header = (f"data: {len(x_tr)} train / {len(x_val)} val rows, task={task}, "
              f"batch_size={batch}, lr={lr}")
    if style in ("bracket", "keyvalue", "table"):
        lines.append(header)
        if scenario in ("dropout_cls_printed", "batchnorm_tiny_batch"):
            lines += str(model).splitlines()
    if style == "table":
        lines += ["| epoch | train_loss | val_loss | val_acc |", "|---|---|---|---|"]
    records = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(xt))
        total, count = 0.0, 0
        for start in range(0, len(xt), batch):
            idx = order[start:start + batch]
            xb = xt[idx]
            if scenario == "input_noise":
                xb = xb + torch.randn_like(xb) * 1.0
            out = model(xb)
            if scenario == "summed_loss":
                loss = loss_fn(out, yt[idx], True, "sum")
            else:
                loss = loss_fn(out, yt[idx], True)
            if scenario == "l2_in_loss":
                loss = loss + 2e-2 * sum((p ** 2).sum() for p in model.parameters())
            opt.zero_grad()
            (loss / (len(idx) if scenario == "summed_loss" else 1)).backward()
            opt.step()
            total += float(loss) * (1 if scenario == "summed_loss" else len(idx))
            count += len(idx)
        train_loss = total if scenario == "summed_loss" else total / count
        model.eval()
        with torch.no_grad():
            if scenario == "summed_loss":
                val_loss = float(loss_fn(model(xv), yv, False, "sum"))
            elif scenario == "val_is_train_copy":
                val_loss = train_loss  # the bug: the training figure printed twice
            else:
                val_loss = float(loss_fn(model(xv), yv, False))
            acc = None
            if task != "reg":
                pred = model(xv)
                acc = float(((pred.squeeze(1) > 0).long() == yv.long()).float().mean()) \
                    if task == "bin" else float((pred.argmax(1) == yv).float().mean())
        records.append((epoch, train_loss, val_loss, acc))
        lines.append(_line(style, epoch, epochs, train_loss, val_loss, acc))
    if style == "csv":
        body = "epoch,train_loss,valid_loss" + (",valid_acc" if task != "reg" else "") + "\n"
        body += "".join(f"{e},{t},{v}" + (f",{a}" if a is not None else "") + "\n"
                        for e, t, v, a in records)
        return body, "history.csv"
    if style == "jsonl":
        return "".join(line + "\n" for line in lines), "metrics.jsonl"
    return "\n".join(lines) + "\n", "train.log"


def _line(style: str, epoch: int, epochs: int, train: float, val: float,
          acc: float | None) -> str:
    acc_text = "" if acc is None else acc
    if style == "bracket":
        return f"[{epoch}/{epochs}] train loss {train:.5f} | val loss {val:.5f}" + (
            f" | val acc {acc:.4f}" if acc is not None else "")
    if style == "keyvalue":
        return f"epoch={epoch} loss={train:.6f} val_loss={val:.6f}" + (
            f" val_acc={acc:.4f}" if acc is not None else "")
    if style == "table":
        return f"| {epoch:4d} | {train:10.5f} | {val:10.5f} | {acc_text!s:>8.6} |"
    return json.dumps({"epoch": epoch, "train/loss": train, "val/loss": val,
                       **({"val/acc": acc} if acc is not None else {})})


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0], list(LABELS))
    for scenario, seed, folder in _labels.run_folders(args):
        text, name = train(scenario, seed)
        (folder / name).write_text(text)
        _labels.write_label(folder, scenario, seed, "pytorch (plain loop)", {"log": name},
                            LABELS[scenario])
        print(f"{folder}: {name}", file=sys.stderr)
    return 0

if __name__ == "__main__":
    sys.exit(main())
