#!/usr/bin/env python3
"""Make labelled real runs a twelfth way: PyTorch models trained with PyTorch Ignite, logged
the two ways Ignite's own examples log, on scikit-learn's data (a synthetic 4-class
problem from ``make_classification``; the diabetes regression).

- ``evaluator``: the MNIST example's handlers: "Epoch[3] Iteration[20/38] Loss: 0.41" every
  few iterations, then at each epoch's end "Training Results - Epoch[3] Avg accuracy: 0.87
  Avg loss: 0.35" from an evaluator run over the training set (the model in eval mode, after
  the epoch: no dropout, no averaging over the epoch) and "Validation Results - Epoch[3] ...".
- ``running``: ``RunningAverage`` of the batch loss shown by Ignite's ``ProgressBar`` (tqdm
  redraws, the loss in train mode, an exponential average across batches) and the
  validation results printed after each epoch.

Some runs print the model (``print(model)``), some nothing but the training: there the log
cannot say which train-mode mechanism is at work. Each run is trained for real on the CPU.
Beside its log the script writes ``numbers.json``: the printed losses, and the training
split re-scored at each epoch's end in eval mode with the plain loss, for labelling; valgap
never reads it. The labels below were written from those numbers before valgap read any
run. Seed 1 is the development half, seed 2 held out::

    .venv-frameworks/bin/python scripts/make_twelfthway_runs.py tests/data/twelfthway \\
        --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # the printed training loss is the evaluator's (eval mode, after the epoch): dropout
    # leaves no gap in it; validation 1.8-1.9x training late, still at its lowest near the
    # end (epoch 28-29 of 30): the generalisation gap, no mechanism to name
    "ig_dropout_evaluator": ("good-fit", ["overfit"], [], None),
    # the same runs, the running average of the train-mode batch loss printed: validation
    # below it in 22-25 of 30 epochs, level with it late (1.00-1.03x), 1.8-1.9x the
    # training split re-scored in eval mode
    "ig_dropout_running": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    "ig_dropout_printed": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # training to ~0, validation lowest at epoch 2-4 then doubling: thousands of times
    "ig_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # both 1.39 -> 1.37-1.38 over 20 epochs
    "ig_underfit": ("underfit", [], [], None),
    # batches of 8 through BatchNorm1d: validation below the printed (running, train-mode)
    # loss in 28 of 30 epochs, 0.90-0.97x late; the eval-mode training loss 2x below
    # validation; seed 1's validation rises 22 % from its lowest (epoch 15)
    "ig_batchnorm_small": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # label smoothing 0.3 on the training criterion, validation scored without it: below
    # the printed loss in all 30 epochs, 0.64-0.72x late
    "ig_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # validation lowest at epoch 8-9 (0.49-0.54), then 0.68-0.79, 3.8-3.9x training late
    "ig_healthy": ("overfit", [], ["overfitting-onset"], "fit"),
    # added later: validation of near-copies of training rows follows training from 0.9-1.1
    # to 0.001 (printed 0.00 from epoch ~20, as training is); the clean test set's loss is
    # lowest at epoch 4-6 (0.72-0.79) and 1.31-1.32 at the end
    "ig_leakage": ("good-fit", [], ["leakage"], "data-split"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    ("ig_batchnorm_small", 1): ("val-below-train", ["good-fit", "overfit"], ["batchnorm"],
                                "train-mode"),
}

# scenario -> (logging, rows, width, dropout, batch norm, smoothing, lr, epochs, batch,
#              print the model)
PLANS = {
    "ig_dropout_evaluator": ("evaluator", None, 256, 0.5, False, 0.0, 0.05, 30, 64, True),
    "ig_dropout_running": ("running", None, 256, 0.5, False, 0.0, 0.05, 30, 64, False),
    "ig_dropout_printed": ("running", None, 256, 0.5, False, 0.0, 0.05, 30, 64, True),
    "ig_overfit": ("evaluator", 150, 512, 0.0, False, 0.0, 0.05, 80, 16, False),
    "ig_underfit": ("evaluator", None, 64, 0.0, False, 0.0, 1e-4, 20, 64, False),
    "ig_batchnorm_small": ("running", None, 128, 0.0, True, 0.0, 0.02, 30, 8, True),
    "ig_smoothing": ("running", None, 128, 0.0, False, 0.3, 0.05, 30, 64, False),
    "ig_healthy": ("running", None, 64, 0.0, False, 0.0, 0.05, 25, 64, False),
    # the validation set is near-copies of training rows; a clean test set beside it
    "ig_leakage": ("leaky", 600, 512, 0.0, False, 0.0, 0.05, 60, 32, False),
}


def _leaky(x_tr, y_tr, x_va, y_va, seed: int):
    """A validation set of near-copies of training rows (a little noise on each), and the
    clean held-out rows as a test set: what duplicates split apart look like."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pick = rng.choice(len(x_tr), size=min(len(x_tr), len(x_va)) // 2, replace=False)
    copies = (x_tr[pick] + rng.normal(0, 0.05, x_tr[pick].shape)).astype(np.float32)
    return copies, y_tr[pick], x_va, y_va


def classifier(scenario: str, seed: int) -> tuple[str, dict]:
    import numpy as np
    import torch
    from ignite.contrib.handlers import ProgressBar
    from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
    from ignite.metrics import Accuracy, Loss, RunningAverage
    from torch.utils.data import DataLoader, TensorDataset

    logging, rows, width, dropout, batchnorm, smoothing, lr, epochs, batch, show = \
        PLANS[scenario]
    torch.manual_seed(seed)
    x_tr, x_va, y_tr, y_va = _mlp.four_classes(seed, rows, np.int64)
    x_te = y_te = None
    if logging == "leaky":
        x_va, y_va, x_te, y_te = _leaky(x_tr, y_tr, x_va, y_va, seed)
    model = torch.nn.Sequential(*_mlp.layers(20, width, 4, dropout, batchnorm))
    train_loader = DataLoader(TensorDataset(torch.from_numpy(x_tr), torch.from_numpy(y_tr)),
                              batch_size=batch, shuffle=True, drop_last=batchnorm)
    train_eval_loader = DataLoader(TensorDataset(torch.from_numpy(x_tr),
                                                 torch.from_numpy(y_tr)), batch_size=512)
    val_loader = DataLoader(TensorDataset(torch.from_numpy(x_va), torch.from_numpy(y_va)),
                            batch_size=512)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)
    trainer = create_supervised_trainer(model, optimizer, criterion)
    plain = torch.nn.CrossEntropyLoss()
    metrics = {"accuracy": Accuracy(), "loss": Loss(plain)}
    train_evaluator = create_supervised_evaluator(model, metrics=metrics)
    val_evaluator = create_supervised_evaluator(model, metrics=metrics)
    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": [],
                                       "test": []}
    out = io.StringIO()

    if logging == "running":
        RunningAverage(output_transform=lambda x: x).attach(trainer, "loss")
        ProgressBar(persist=True, file=out).attach(trainer, ["loss"])
    else:
        @trainer.on(Events.ITERATION_COMPLETED(every=10))
        def log_training_loss(engine):
            steps = len(train_loader)
            step = (engine.state.iteration - 1) % steps + 1
            print(f"Epoch[{engine.state.epoch}] Iteration[{step}/{steps}] "
                  f"Loss: {engine.state.output:.2f}")

    @trainer.on(Events.EPOCH_COMPLETED)
    def log_results(engine):
        train_evaluator.run(train_eval_loader)
        scored = train_evaluator.state.metrics
        numbers["train_eval_mode"].append(scored["loss"])
        if logging in ("evaluator", "leaky"):
            print(f"Training Results - Epoch[{engine.state.epoch}] Avg accuracy: "
                  f"{scored['accuracy']:.2f} Avg loss: {scored['loss']:.2f}")
            numbers["train"].append(scored["loss"])
        else:
            numbers["train"].append(engine.state.metrics["loss"])
        val_evaluator.run(val_loader)
        val = val_evaluator.state.metrics
        numbers["val"].append(val["loss"])
        print(f"Validation Results - Epoch[{engine.state.epoch}] Avg accuracy: "
              f"{val['accuracy']:.2f} Avg loss: {val['loss']:.2f}")
        if x_te is not None:
            val_evaluator.run(DataLoader(TensorDataset(torch.from_numpy(x_te),
                                                       torch.from_numpy(y_te)),
                                         batch_size=512))
            test = val_evaluator.state.metrics
            numbers["test"].append(test["loss"])
            print(f"Test Results - Epoch[{engine.state.epoch}] Avg accuracy: "
                  f"{test['accuracy']:.2f} Avg loss: {test['loss']:.2f}")

    with contextlib.redirect_stdout(out):
        if show:
            print(model)
        trainer.run(train_loader, max_epochs=epochs)
    return out.getvalue(), numbers


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), classifier, "pytorch ignite", LABELS,
                            SEED_LABELS, "train")


if __name__ == "__main__":
    raise SystemExit(main())
