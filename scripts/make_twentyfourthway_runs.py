#!/usr/bin/env python3
"""Make labelled real runs a twenty-fourth way: PyTorch models trained the way Chainer
trained them, with pytorch-pfn-extras (its successor): an ``ExtensionsManager`` loop whose
``LogReport`` writes the run's ``log`` (a JSON list of records, ``"train/loss"``,
``"val/loss"``, ``"epoch"``, ``"iteration"``) and whose ``PrintReport`` prints the same
records to the console as a table of aligned columns; an ``Evaluator`` scores the
validation set in inference mode. Some scripts print their model (``print(model)``) or
their arguments (``print(args)``, an ``argparse.Namespace``) first; some draw
``ProgressBar``'s bars between the table's rows. Some runs keep the console as their log
(``python train.py > train.log``), the others the ``log`` file LogReport wrote; one reports
every 40 iterations instead of every epoch (its epoch repeats in the records).

Two tasks on data none of the other ways use: five classes of a mixture of Gaussian blobs
on a curved manifold (30 features, 8 % of labels flipped; split 70/30 at random) and
Friedman's first regression (``make_friedman1``, noise 1.0, targets standardised). In
``pf_easy_val`` the validation rows come from the blobs' cores only (the training set keeps
their edges and the flipped labels). ``pf_smoothing`` trains with label smoothing 0.3 and
scores validation without it; ``pf_penalty`` adds an L2 penalty to the loss it reports.

Beside each log the script writes ``numbers.json``: the logged losses and the training split
re-scored in inference mode with the validation loss's function at each report, for
labelling; valgap never reads it. The labels below were written from those numbers before
valgap read any run. Seed 1 is the development half, seed 2 held out::

    venv/bin/pip install torch pytorch-pfn-extras scikit-learn pyyaml
    venv/bin/python scripts/make_twentyfourthway_runs.py tests/data/twentyfourthway \\
        --seeds 1 2
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # the same dropout network (two Dropout(0.5)) three ways kept: its model printed, its
    # arguments printed, nothing printed. Validation lowest at epoch 21 (14) and 4.5 %
    # (0.8 %) above it at 40 while the logged loss falls 0.44 -> 0.40 (0.49 -> 0.45):
    # 1.26-1.39x (1.10-1.21x) training late, the gap grown from 1.08x (1.0x) at epoch 5;
    # dropout makes the logged loss 1.16-1.19x its inference-mode value, which validation
    # stays 1.35-1.58x above
    "pf_dropout_model": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    "pf_dropout_args": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    "pf_dropout_silent": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # batch norm on batches of 4: validation below the logged loss at 25 of 25 epochs,
    # 0.89-0.98x late; the logged loss 1.29-1.36x its inference-mode value, validation
    # 1.22-1.27x that (lowest at epoch 3 (18), jittering +-3 % after)
    "pf_bn_small_batch": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # 300 training rows, 512-wide layers: validation lowest at epoch 1 (3), 2.1 (1.6) at 80
    # as training falls to 0.0002
    "pf_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a rate of 2e-6: both from 1.65 (1.63) to 1.62 (1.61), chance for 5 classes (ln 5)
    "pf_underfit": ("underfit", [], [], None),
    # label smoothing 0.3 on the training loss only: the logged loss 0.99-1.01 (its floor,
    # the smoothed target's entropy, 0.88), validation 0.62-0.63 from epoch 2, the
    # inference-mode training loss 0.46-0.52 under it
    "pf_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # an L2 penalty (3e-3 x the weights' squares) in the reported loss: 0.16-0.17 logged,
    # 0.08-0.09 without it, validation 0.10-0.11 (0.61-0.68x the logged loss late)
    "pf_penalty": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    # validation from the blobs' cores: 0.17-0.21 from epoch 2 to 40, flat, while training
    # (logged and inference mode alike) falls 0.65 -> 0.42 (0.67 -> 0.46)
    "pf_easy_val": ("val-below-train", [], ["easy-validation"], "data-split"),
    # a plain network on Friedman's regression: validation 0.058 (0.071) at 60, still
    # falling, 1.35x (1.55-1.7x) training
    "pf_regression": ("good-fit", ["overfit"], [], None),
    # the dropout network reported every 40 iterations (19 records, the epoch repeated):
    # validation flat at 0.53-0.55 (0.52-0.53) from the seventh record while the logged
    # loss jumps 0.43-0.50 (0.47-0.55); 1.1-1.2x training late
    "pf_iterations": ("good-fit", ["overfit"], [], None),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (task, model, training rows, learning rate, batch, epochs, what is printed
# first, the log kept, the report's trigger in iterations (0: every epoch), bars)
PLANS = {
    "pf_dropout_model": ("blobs", "dropout", None, 1e-3, 64, 40, "model", "console", 0, False),
    "pf_dropout_args": ("blobs", "dropout", None, 1e-3, 64, 40, "args", "json", 0, False),
    "pf_dropout_silent": ("blobs", "dropout", None, 1e-3, 64, 40, "", "json", 0, False),
    "pf_bn_small_batch": ("blobs", "batchnorm", None, 1e-3, 4, 25, "model", "console", 0, True),
    "pf_overfit": ("blobs", "wide", 300, 2e-3, 32, 80, "model", "console", 0, False),
    "pf_underfit": ("blobs", "plain", None, 2e-6, 64, 30, "args", "console", 0, False),
    "pf_smoothing": ("blobs", "plain", None, 1e-3, 64, 40, "args", "console", 0, False),
    "pf_penalty": ("friedman", "plain", None, 1e-3, 32, 40, "args", "json", 0, False),
    "pf_easy_val": ("easy", "plain", None, 1e-3, 64, 40, "model", "console", 0, False),
    "pf_regression": ("friedman", "plain", None, 1e-3, 32, 60, "model", "json", 0, True),
    "pf_iterations": ("blobs", "dropout", None, 1e-3, 32, 12, "model", "json", 40, False),
}


def blobs(seed: int, rows: int | None, easy: bool = False):
    """3,000 rows of 5 classes: Gaussian blobs in 6 dimensions bent onto a curve and mixed
    into 30 features with 24 of noise; 8 % of labels flipped; split 70/30 at random (the
    training part cut to ``rows`` where given). ``easy``: the validation rows are those
    nearest their blob's centre, unflipped (the training set keeps the rest)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n, k = 3000, 5
    centres = rng.normal(0, 2.2, (k, 6))
    y = rng.integers(0, k, n)
    z = centres[y] + rng.normal(0, 1.0, (n, 6))
    bent = np.concatenate([z, np.sin(z[:, :3]) * 2, z[:, :3] ** 2 / 4], axis=1)
    mix = rng.normal(0, 1, (bent.shape[1], 30)) / np.sqrt(bent.shape[1])
    x = bent @ mix + rng.normal(0, 0.6, (n, 30))
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    flipped = rng.random(n) < 0.08
    y = np.where(flipped, rng.integers(0, k, n), y)
    if easy:
        distance = np.linalg.norm(z - centres[y], axis=1) + 10 * flipped
        order = np.argsort(distance)
        va, tr = order[:900], rng.permutation(order[900:])
    else:
        order = rng.permutation(n)
        tr, va = order[:2100], order[2100:]
    if rows:
        tr = tr[:rows]
    return x[tr], x[va], y[tr], y[va]


def friedman(seed: int, rows: int | None):
    """Friedman's first regression, 2,000 rows (noise 1.0, five irrelevant features),
    targets standardised by the training part; split 70/30 at random."""
    import numpy as np
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(2000, n_features=10, noise=1.0, random_state=seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    tr, va = order[:1400], order[1400:]
    if rows:
        tr = tr[:rows]
    y = (y - y[tr].mean()) / y[tr].std()
    return (x[tr].astype(np.float32), x[va].astype(np.float32), y[tr].astype(np.float32),
            y[va].astype(np.float32))


def build(kind: str, inputs: int, outputs: int):
    """The network by kind: what ``print(model)`` shows of it is what valgap may read."""
    from torch import nn

    if kind == "dropout":
        return nn.Sequential(nn.Linear(inputs, 128), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(128, outputs))
    if kind == "batchnorm":
        return nn.Sequential(nn.Linear(inputs, 64), nn.BatchNorm1d(64), nn.ReLU(),
                             nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(),
                             nn.Linear(64, outputs))
    if kind == "wide":
        return nn.Sequential(nn.Linear(inputs, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                             nn.Linear(512, outputs))
    return nn.Sequential(nn.Linear(inputs, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, outputs))


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log: what the script prints first, then the
    manager's loop with its reports."""
    import pytorch_pfn_extras as ppe
    import torch
    from pytorch_pfn_extras.training import extensions
    from torch import nn

    task, kind, rows, lr, batch, epochs, shown, kept, every, bars = PLANS[scenario]
    torch.manual_seed(seed)
    classes = task != "friedman"
    if classes:
        x_tr, x_va, y_tr, y_va = blobs(seed, rows, easy=task == "easy")
        plain: nn.Module = nn.CrossEntropyLoss()
        fitted: nn.Module = nn.CrossEntropyLoss(
            label_smoothing=0.3 if scenario == "pf_smoothing" else 0.0)
        to_target = torch.as_tensor
    else:
        x_tr, x_va, y_tr, y_va = friedman(seed, rows)
        plain = fitted = nn.MSELoss()

        def to_target(y):
            return torch.as_tensor(y)[:, None]
    penalty = 3e-3 if scenario == "pf_penalty" else 0.0
    model = build(kind, x_tr.shape[1], 5 if classes else 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if shown == "model":
        print(model)
    elif shown == "args":
        print(argparse.Namespace(batchsize=batch, epoch=epochs, lr=lr, seed=seed, out="result",
                                 dropout=0.5 if kind == "dropout" else 0.0,
                                 label_smoothing=0.3 if scenario == "pf_smoothing" else 0.0,
                                 weight_decay=penalty, device="cpu"))
    sys.stdout.flush()
    train_set = torch.utils.data.TensorDataset(torch.as_tensor(x_tr), to_target(y_tr))
    val_set = torch.utils.data.TensorDataset(torch.as_tensor(x_va), to_target(y_va))
    loader = torch.utils.data.DataLoader(train_set, batch_size=batch, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=256)
    trigger = (every, "iteration") if every else (1, "epoch")
    eval_mode: list[float] = []

    def evaluate(x, t):
        out = model(x)
        report = {"val/loss": plain(out, t).item()}
        if classes:
            report["val/accuracy"] = (out.argmax(1) == t).float().mean().item()
        ppe.reporting.report(report)

    @ppe.training.make_extension(trigger=trigger, priority=-10)
    def rescore(manager) -> None:
        """The training split in inference mode with the validation loss's function."""
        model.eval()
        with torch.no_grad():
            eval_mode.append(float(plain(model(torch.as_tensor(x_tr)), to_target(y_tr))))
        model.train()

    with tempfile.TemporaryDirectory() as out:
        manager = ppe.training.ExtensionsManager(model, optimizer, epochs,
                                                 iters_per_epoch=len(loader), out_dir=out)
        entries = ["epoch", "iteration", "train/loss", "val/loss"] + \
            (["val/accuracy"] if classes else []) + ["elapsed_time"]
        manager.extend(extensions.LogReport(trigger=trigger))
        manager.extend(extensions.Evaluator(val_loader, model, eval_func=evaluate),
                       trigger=trigger)
        manager.extend(rescore)
        manager.extend(extensions.PrintReport(entries), trigger=trigger)
        if bars:
            manager.extend(extensions.ProgressBar(update_interval=20))
        while not manager.stop_trigger:
            for x, t in loader:
                with manager.run_iteration():
                    model.train()
                    loss = fitted(model(x), t)
                    if penalty:
                        loss = loss + penalty * sum((p ** 2).sum() for p in model.parameters())
                    ppe.reporting.report({"train/loss": loss.item()})
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
        written = (Path(out) / "log").read_text()
    records = json.loads(written)
    numbers = {"train": [r["train/loss"] for r in records],
               "val": [r["val/loss"] for r in records],
               "train_eval_mode": eval_mode[:len(records)]}
    if kept == "json":
        numbers["log"] = written  # the log itself, kept in place of the console
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    """The kept log (the console, or the ``log`` file LogReport wrote) and the numbers."""
    text, numbers = _labels.child_run(__file__, scenario, seed, COLUMNS="100")
    return _labels.kept_file(text, numbers, "log", "train.log")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "pytorch-pfn-extras (pytorch)",
                            LABELS, SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
