#!/usr/bin/env python3
"""Make labelled real runs a sixteenth way: PyTorch models trained inside Ray Tune
trials (a function trainable that reports ``train_loss``, ``val_loss`` and, for the
classifiers, ``train_acc`` and ``val_acc`` once an epoch with ``ray.train.report``), on a
synthetic 3-class problem from scikit-learn's ``make_classification`` and on Friedman's
regression. Each run is one trial whose hyper-parameters (the trial's ``config``) hold
what the model is: a dropout rate, batch norm and the batch size, a smoothing factor, an
L2 weight added to the training loss.

A run is kept as people keep Ray Tune's: the trial's ``result.json`` (one JSON record a
report, its ``config`` in each), its ``progress.csv`` (Ray 2's: no config column), or the
driver's console captured with ``> log 2>&1``: at ``verbose=2`` a box of the trial's
config and one box a reported result, or at the default verbosity the trainable's own
prints (``(trainable pid=…) epoch 3: train_loss=…``) and only the final result's box.

The reported training loss is the mean of the train-mode batch losses over the epoch
(dropout on, batch statistics, with the L2 term or smoothed labels where the run has
them); validation is scored in eval mode with the plain loss. Beside each log the script
writes ``numbers.json``: the reported losses and the training split re-scored in eval mode
with the plain loss after each epoch, for labelling; valgap never reads it. The labels
below were written from those numbers before valgap read any run. Seed 1 is the
development half, seed 2 held out. Ray needs its own environment::

    python -m venv venv-ray && venv-ray/bin/pip install 'ray[tune]' torch scikit-learn pyyaml
    venv-ray/bin/python scripts/make_sixteenthway_runs.py tests/data/sixteenthway --seeds 1 2
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5: validation below the reported loss at 33 of 40 epochs, level late
    # (0.95-1.08x), at its lowest at the end; train-mode 1.7x the eval-mode loss late
    "ry_dropout": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    "ry_dropout_console": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    "ry_dropout_prints": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # batch norm on batches of 8: validation below the reported loss at all 30 epochs
    # (0.86-0.94x late), 1.9x the eval-mode training loss
    "ry_batchnorm_small": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # 150 training rows: validation lowest at epoch 2 (6), 2.5x (1.9x) that at the end,
    # training to 0.0000
    "ry_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.10 to 1.09 over 30 epochs (ln 3 = 1.10)
    "ry_underfit": ("underfit", [], [], None),
    # labels smoothed by 0.3: validation below the reported loss at all 40 epochs
    # (0.64-0.67x late) though 1.7x the eval-mode training loss; accuracy 0.99 vs 0.89-0.90
    "ry_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # an L2 term of 3e-3 in the training loss: validation below it at all 40 epochs
    # (0.73-0.82x late), 1.4x the eval-mode loss
    "ry_penalty": ("val-below-train", ["good-fit"], ["regularization-penalty"],
                   "train-mode"),
    # Friedman's regression: validation lowest at epoch 21 (17), 15 % (29 %) above that at
    # the end and 3.3-3.7x training over the last 10 epochs
    "ry_regression": ("overfit", [], ["overfitting-onset"], "fit"),
    # 35 % of the training labels redrawn: validation lowest at epoch 9 (8), 2.2x that at
    # the end, 130-156x training (training accuracy 1.00, validation 0.70)
    "ry_noisy_train": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 2 of the dropout runs: validation below training at 5 epochs (1-5), lowest at
    # epoch 23 (0.326), 4 % above it at 40 while training falls on; 1.6-2.0x late
    **{(name, 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit")
       for name in ("ry_dropout", "ry_dropout_console", "ry_dropout_prints")},
    # seed 2 of batch norm: validation below training at 11 of 30 (epochs 1-9), then
    # 1.1-1.2x and flat from epoch 18 while training falls slowly (eval-mode 2.4x lower)
    ("ry_batchnorm_small", 2): ("good-fit", ["overfit", "val-below-train"], ["batchnorm"],
                                "train-mode"),
    # seed 2 of the penalty: validation below training at 24 of 40, 1.03-1.14x late,
    # level (0.32); the penalty's offset shrank as the weights settled
    ("ry_penalty", 2): ("good-fit", ["val-below-train"], ["regularization-penalty"],
                        "train-mode"),
}

# scenario -> (task, training rows, width, config (what the trial's hyper-parameters say:
#              dropout, batch_norm, batch_size, label_smoothing, l2, lr), epochs, kept as,
#              noisy training labels)
PLANS = {
    "ry_dropout": ("classes", None, 256, {"dropout": 0.5, "lr": 1e-3, "batch_size": 32}, 40,
                   "result.json", False),
    "ry_dropout_console": ("classes", None, 256, {"dropout": 0.5, "lr": 1e-3,
                                                  "batch_size": 32}, 40, "console", False),
    "ry_dropout_prints": ("classes", None, 256, {"dropout": 0.5, "lr": 1e-3,
                                                 "batch_size": 32}, 40, "prints", False),
    "ry_batchnorm_small": ("classes", None, 128, {"batch_norm": True, "batch_size": 8,
                                                  "lr": 1e-3}, 30, "console", False),
    "ry_overfit": ("classes", 150, 512, {"lr": 1e-3, "batch_size": 16}, 80, "result.json",
                   False),
    "ry_underfit": ("classes", None, 64, {"lr": 1e-6, "batch_size": 32}, 30, "progress.csv",
                    False),
    "ry_smoothing": ("classes", None, 128, {"label_smoothing": 0.3, "lr": 1e-3,
                                            "batch_size": 32}, 40, "progress.csv", False),
    "ry_penalty": ("classes", None, 128, {"l2": 3e-3, "lr": 1e-3, "batch_size": 32}, 40,
                   "result.json", False),
    "ry_regression": ("friedman", None, 128, {"lr": 1e-3, "batch_size": 32}, 40, "prints",
                      False),
    "ry_noisy_train": ("classes", None, 256, {"lr": 1e-3, "batch_size": 32}, 60,
                       "result.json", True),
    # two trials at once (a grid over the dropout rate), their boxes interleaved: no label
    # (a file of two runs), the Ray reader's test of one run per trial
    "ry_two_trials": ("classes", None, 128, {"dropout": [0.0, 0.5], "lr": 1e-3,
                                             "batch_size": 32}, 8, "console", False),
}


def trial(scenario: str, seed: int, where: str, config: dict) -> None:
    """The trainable, in a Ray worker: trains, reports once an epoch, and writes the
    numbers for labelling to ``where``, a file per trial (no part of the log)."""
    import torch
    from ray import train

    task, rows, width, _, epochs, kept, noisy = PLANS[scenario]
    torch.manual_seed(seed)
    x_tr, x_va, y_tr, y_va = (torch.tensor(a) for a in
                              _mlp.three_classes_or_friedman(task, seed, rows, noisy))
    outputs = 1 if task == "friedman" else 3
    model = torch.nn.Sequential(*_mlp.layers(x_tr.shape[1], width, outputs,
                                             config.get("dropout", 0.0),
                                             config.get("batch_norm", False)))
    opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
    smoothing, l2 = config.get("label_smoothing", 0.0), config.get("l2", 0.0)

    def plain(out, y):
        if task == "friedman":
            return torch.nn.functional.mse_loss(out.squeeze(-1), y)
        return torch.nn.functional.cross_entropy(out, y)

    def scored(x, y):
        model.eval()
        with torch.no_grad():
            out = model(x)
            acc = (out.argmax(-1) == y).float().mean().item() if outputs > 1 else None
            return plain(out, y).item(), acc

    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": [],
                                       "train_accuracy": [], "val_accuracy": []}
    batch = config["batch_size"]
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        model.train()
        losses, hits = [], []
        for idx in torch.randperm(len(x_tr), generator=gen).split(batch):
            if len(idx) < 2 and config.get("batch_norm"):
                continue
            out = model(x_tr[idx])
            if task == "friedman":
                loss = plain(out, y_tr[idx])
            else:
                loss = torch.nn.functional.cross_entropy(out, y_tr[idx],
                                                         label_smoothing=smoothing)
                hits.append((out.argmax(-1) == y_tr[idx]).float().mean().item())
            if l2:
                loss = loss + l2 * sum((p ** 2).sum() for p in model.parameters()
                                       if p.dim() == 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        train_loss = sum(losses) / len(losses)
        val_loss, val_acc = scored(x_va, y_va)
        train_eval, _ = scored(x_tr, y_tr)
        report = {"train_loss": train_loss, "val_loss": val_loss}
        numbers["train"].append(train_loss)
        numbers["val"].append(val_loss)
        numbers["train_eval_mode"].append(train_eval)
        if outputs > 1:
            report["train_acc"] = sum(hits) / len(hits)
            report["val_acc"] = val_acc
            numbers["train_accuracy"].append(report["train_acc"])
            numbers["val_accuracy"].append(val_acc)
        if kept == "prints":
            print(f"epoch {epoch}: " + " ".join(f"{k}={v:.4f}" for k, v in report.items()),
                  flush=True)
        train.report(report)
    name = train.get_context().get_trial_name()
    Path(where, f"numbers-{name}.json").write_text(json.dumps(numbers, indent=1))


def tune_one(scenario: str, seed: int, where: str) -> None:
    """In a child process (its console is the log): one Tuner with one trial."""
    import functools

    import ray
    from ray import train, tune

    _, _, _, config, _, kept, _ = PLANS[scenario]
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=True)
    trainable = functools.partial(trial, scenario, seed, where)
    space = {k: tune.grid_search(v) if isinstance(v, list) else v for k, v in config.items()}
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}), param_space=space,
        run_config=train.RunConfig(storage_path=where, name=scenario,
                                   verbose=2 if kept == "console" else 1))
    tuner.fit()
    ray.shutdown()


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    kept = PLANS[scenario][5]
    with tempfile.TemporaryDirectory() as where:
        console = _labels.console(__file__, ["--trial", scenario, str(seed), where],
                                  RAY_DEDUP_LOGS="0")
        trials = {p.stem[len("numbers-"):]: json.loads(p.read_text())
                  for p in sorted(Path(where).glob("numbers-*.json"))}
        numbers = next(iter(trials.values()))
        if len(trials) > 1:
            numbers = {"val": numbers["val"], "trials": trials}
        if kept in ("console", "prints"):
            return console, numbers, "train.log"
        (found,) = Path(where, scenario).glob(f"*/{kept}")
        return found.read_text(), numbers, kept


def main() -> int:
    if sys.argv[1:2] == ["--trial"]:
        tune_one(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return 0
    return _labels.generate(__doc__, list(PLANS), run, "ray tune", LABELS, SEED_LABELS,
                            "val")


if __name__ == "__main__":
    raise SystemExit(main())
