#!/usr/bin/env python3
"""Make labelled real runs a thirty-sixth way: PyTorch models trained by Catalyst's
``SupervisedRunner`` (22.04), the log its console (``print(model)`` first where the script
prints it; each loader's tqdm bar redrawn in place, ``1/40 * Epoch (train): 100%|...|``,
then its ConsoleLogger's lines ``train (1/40) accuracy01: 0.52 | ... | loss: 0.71 | ...``,
``valid (1/40) ...``, ``* Epoch (1/40)``) or the TensorBoard folder it writes (its
``train/``, ``valid/`` and empty ``_epoch_/`` runs).

Tasks (no download): scikit-learn's handwritten digits (8x8 images as 64 features, ten
classes) and Friedman's regression, a small multilayer perceptron.

Scenarios: dropout with the model printed or not, batch norm on batches of eight, an L2
term in a criterion that adds it while training only, a wide network on 200 rows, a rate
too small, 30 % of the training labels redrawn, validation rows from the classes' cores,
a regression, the TensorBoard folder of a dropout run.

Beside each log the script writes ``numbers.json``: the logged losses and the training
set's loss re-scored in inference mode at each epoch's end (the plain loss, no dropout,
running statistics), for labelling; valgap never reads it. The labels below were written
from those numbers before valgap read any run. Seed 1 is the development half, seed 2 held
out::

    venv/bin/pip install catalyst==22.4 "accelerate<0.21" scikit-learn tensorboardX
    venv/bin/python scripts/make_thirtysixthway_runs.py tests/data/thirtysixthway --seeds 1 2
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import NamedTuple

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5 (the model printed, or not: the same runs): validation 1.18x and 0.98x
    # the logged training loss late, which dropout makes 3.2-3.3x the inference-mode one;
    # within 8 %, or above it, there is no validation-below-training gap to explain
    "ct_dropout_printed": ("good-fit", [], [], None),
    "ct_dropout_silent": ("good-fit", [], [], None),
    # batch norm on batches of 8: validation 1.07x the logged loss late (seed 1; seed 2
    # below), the logged loss 11x the inference-mode one
    "ct_batchnorm_small": ("good-fit", [], [], None),
    # an L2 term in the criterion while training only (3.6-3.8x the plain loss):
    # validation 0.52x and 0.39x the logged loss late, below it in every epoch
    "ct_penalty": ("val-below-train", [], ["regularization-penalty"], "train-mode"),
    # 200 rows, 512 wide: validation lowest at 19 (11), then 18 % (21 %) above it while
    # training falls to 1e-4
    "ct_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # SGD at 1e-5: both at ln 10 = 2.30 all run
    "ct_underfit": ("underfit", [], [], None),
    # 30 % of the training labels redrawn: validation 0.55x and 0.49x training in every
    # epoch, the logged loss 1.03x the inference-mode one (no train-mode cause); validation
    # lowest at 38 (34), 7 % above it by the end as training memorises the noise
    "ct_noisy": ("val-below-train", ["overfit"], ["easy-validation"], "data-split"),
    # validation from the classes' cores: 0.21x and 0.14x training late, the logged loss
    # 1.09-1.10x the inference-mode one
    "ct_easy_val": ("val-below-train", [], ["easy-validation"], "data-split"),
    # Friedman's regression: validation lowest at 27 (42), 18 % (7 %) above by the end,
    # 5.2x and 7.0x training late
    "ct_regression": ("overfit", [], ["overfitting-onset"], "fit"),
    # dropout 0.3, the TensorBoard folder: validation still falling at the end but 2.18x
    # (seed 1) training late, a gap that grows (seed 2 below)
    "ct_dropout_tensorboard": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 2: validation 0.90x the logged loss late, below it in 21 of 25 epochs, the
    # logged loss 10x the inference-mode one (batch statistics of eight rows)
    ("ct_batchnorm_small", 2): ("good-fit", ["val-below-train"], ["batchnorm"], "train-mode"),
    # seed 2: 1.76x late, the gap growing (1.45x to 2.5x over the last third) while both fall
    ("ct_dropout_tensorboard", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
}


class Plan(NamedTuple):
    """How a scenario is made; each scenario below states what differs from these."""
    task: str = "cls"           # "cls" (digits) or "reg" (Friedman's regression)
    rows: int = 1000            # training rows
    dropout: float = 0.0
    batchnorm: bool = False
    batch: int = 32
    l2: float = 0.0             # an L2 term in the criterion, while training only
    optimiser: tuple[str, float] = ("adam", 1e-3)
    epochs: int = 40
    flipped: float = 0.0        # share of the training labels redrawn
    cores: bool = False         # validation from the classes' cores
    printed: bool = True        # print(model) first
    width: int = 128
    kept: str = "console"       # the log kept: "console" or "tensorboard"


PLANS = {
    "ct_dropout_printed": Plan(dropout=0.5),
    "ct_dropout_silent": Plan(dropout=0.5, printed=False),
    "ct_batchnorm_small": Plan(batchnorm=True, batch=8, epochs=25, width=64),
    "ct_penalty": Plan(l2=3e-3),
    "ct_overfit": Plan(rows=200, batch=16, epochs=80, width=512),
    "ct_underfit": Plan(optimiser=("sgd", 1e-5), epochs=30, width=64),
    "ct_noisy": Plan(flipped=0.3),
    "ct_easy_val": Plan(epochs=30, cores=True, width=64),
    "ct_regression": Plan(task="reg", epochs=60),
    "ct_dropout_tensorboard": Plan(dropout=0.3, printed=False, kept="tensorboard"),
}


def data(task: str, seed: int, rows: int, flipped: float, cores: bool):
    """Training and validation rows (validation from the classes' cores where ``cores``);
    ``flipped`` of the training labels redrawn."""
    import numpy as np
    from sklearn.datasets import load_digits

    if task == "reg":
        return _mlp.friedman_rows(rows, 2000 + seed)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    return _mlp.held_out_split(x, y, rows, np.random.default_rng(2000 + seed), flipped, cores,
                               10)


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process: the model trained by Catalyst, its console or its TensorBoard
    folder, the numbers."""
    import torch
    import torch.nn.functional as F
    from catalyst import dl
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    plan = PLANS[scenario]
    torch.manual_seed(2000 + seed)
    xt, yt, xv, yv = data(plan.task, seed, plan.rows, plan.flipped, plan.cores)
    classes = 10 if plan.task == "cls" else 1
    net = _mlp.each_layer_normed(xt.shape[1], plan.width, classes, plan.dropout,
                                 plan.batchnorm)
    if plan.printed:
        print(net)
    plain = F.cross_entropy if plan.task == "cls" else F.mse_loss

    class Criterion(nn.Module):
        """The plain loss, with an L2 term of the weights added while training only."""

        def forward(self, logits, targets):
            value = plain(logits, targets)
            if plan.l2 and net.training:
                value = value + plan.l2 * sum((p ** 2).sum() for n, p in net.named_parameters()
                                              if "weight" in n)
            return value

    numbers: dict = {"train": [], "val": [], "train_eval_mode": []}

    class InferenceMode(dl.Callback):
        def __init__(self) -> None:
            super().__init__(order=dl.CallbackOrder.External)

        def on_epoch_end(self, runner) -> None:
            numbers["train"].append(float(runner.epoch_metrics["train"]["loss"]))
            numbers["val"].append(float(runner.epoch_metrics["valid"]["loss"]))
            net.eval()
            with torch.no_grad():
                value = plain(net(torch.from_numpy(xt)), torch.from_numpy(yt))
            numbers["train_eval_mode"].append(float(value))
            net.train()

    loaders = {
        "train": DataLoader(TensorDataset(torch.from_numpy(xt), torch.from_numpy(yt)),
                            batch_size=plan.batch, shuffle=True),
        "valid": DataLoader(TensorDataset(torch.from_numpy(xv), torch.from_numpy(yv)),
                            batch_size=128)}
    optimiser, lr = plan.optimiser
    optimizer = torch.optim.Adam(net.parameters(), lr=lr) if optimiser == "adam" \
        else torch.optim.SGD(net.parameters(), lr=lr)
    callbacks = [InferenceMode()]
    if plan.task == "cls":
        callbacks.append(dl.AccuracyCallback(input_key="logits", target_key="targets",
                                             topk=(1,), num_classes=classes))
    with tempfile.TemporaryDirectory() as where:
        loggers = {"console": dl.ConsoleLogger()} if plan.kept == "console" else \
            {"tensorboard": dl.TensorboardLogger(logdir=str(Path(where) / "tensorboard"))}
        dl.SupervisedRunner().train(
            model=net, criterion=Criterion(), optimizer=optimizer, loaders=loaders,
            num_epochs=plan.epochs, callbacks=callbacks, loggers=loggers,
            verbose=plan.kept == "console", logdir=str(Path(where) / "logs"))
        if plan.kept == "tensorboard":
            folder = Path(where) / "tensorboard"
            numbers["log"] = {str(p.relative_to(folder)): p.read_bytes().hex()
                              for p in folder.rglob("*tfevents*")}
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str | dict, dict, str]:
    text, numbers = _labels.child_run(__file__, scenario, seed)
    written = numbers.pop("log", None)
    if written is not None:  # event files: bytes, kept under tensorboard/
        return {k: bytes.fromhex(v) for k, v in written.items()}, numbers, "tensorboard"
    return text, numbers, "train.log.gz"


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "catalyst", LABELS, SEED_LABELS,
                            "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
