#!/usr/bin/env python3
"""Make labelled real runs a seventeenth way: PyTorch Lightning 2 trained from a script
whose console is the log (``python train.py > train.log 2>&1``): Lightning's model summary
table, its tqdm progress bar redrawn in place (or Rich's, which a redirect holds only in
its final state: the last epoch), "`Trainer.fit` stopped: ...", and EarlyStopping's
messages where a run stops early; on a synthetic 3-class problem from
scikit-learn's ``make_classification`` and on Friedman's regression.

The module logs ``train_loss`` once an epoch (the mean of the train-mode batch losses:
dropout on, batch statistics, with an L2 term or smoothed labels where the run has them),
``val_loss`` scored in eval mode with the plain loss, and for the classifiers the
accuracies, all on the bar. Its layers are attributes of the module where the summary is
to show them (``drop | Dropout``), or hidden inside an ``nn.Sequential`` (``net |
Sequential``). Beside each log the script writes ``numbers.json``: the logged losses and
the training split re-scored in eval mode with the plain loss after each epoch, for
labelling; valgap never reads it. The labels below were written from those numbers before
valgap read any run. Each console is kept gzipped (``train.log.gz``). Seed 1 is the
development half, seed 2 held out::

    python scripts/make_seventeenthway_runs.py tests/data/seventeenthway --seeds 1 2
"""
from __future__ import annotations

import json
from pathlib import Path

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # dropout 0.5: validation below the logged loss at 37 of 40 epochs, level late
    # (0.93-1.01x), lowest at epoch 39; train-mode 1.6x the eval-mode loss late
    "lt_dropout": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    "lt_dropout_hidden": ("good-fit", ["val-below-train"], ["dropout"], "train-mode"),
    # Rich's bar, redirected, is drawn once: the log holds the last epoch alone
    "lt_dropout_rich": ("too-short", [], [], None),
    # batch norm on batches of 8: validation below the logged loss at all 30 epochs
    # (0.88-0.99x late), 2x the eval-mode training loss
    "lt_batchnorm_small": ("val-below-train", ["good-fit"], ["batchnorm"], "train-mode"),
    # 150 training rows: validation lowest at epoch 4 (5), 2.4x (1.8x) that at the end,
    # training to 0.001; stopped early by EarlyStopping at epoch 9 (10), validation 22 %
    # (11 %) above its lowest and 7x (12x) training
    "lt_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "lt_early_stop": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: 1.108 to 1.099 over 30 epochs (ln 3 = 1.099)
    "lt_underfit": ("underfit", [], [], None),
    # labels smoothed by 0.3: validation below the logged loss at all 40 epochs
    # (0.63-0.68x late) though 1.7x the eval-mode training loss
    "lt_smoothing": ("val-below-train", [], ["loss-weighting"], "train-mode"),
    # an L2 term of 3e-3 in the training loss: validation below it at all 40 epochs
    # (0.73-0.79x late), 1.4x the eval-mode loss
    "lt_penalty": ("val-below-train", ["good-fit"], ["regularization-penalty"],
                   "train-mode"),
    # 35 % of the training labels redrawn: validation lowest at epoch 15 (10), 2.2x that
    # at the end, 145-170x training
    "lt_noisy_train": ("overfit", [], ["overfitting-onset"], "fit"),
    # Friedman's regression: validation lowest at epoch 18, 6-11 % above it at the end
    # and 3.2-3.8x training over the last 10 epochs
    "lt_regression": ("overfit", [], ["overfitting-onset"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 2 of dropout: validation below training at 4 epochs (1-4), lowest at epoch 28
    # (0.331), 3 % above it at 40 while training falls on; 1.5-1.9x late
    **{(name, 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit")
       for name in ("lt_dropout", "lt_dropout_hidden")},
    # seed 2 of batch norm: validation below training at 18 of 30, then 1.0-1.2x and flat
    # from epoch 16 while training falls slowly (eval-mode 2.5x lower)
    ("lt_batchnorm_small", 2): ("good-fit", ["val-below-train", "overfit"], ["batchnorm"],
                                "train-mode"),
    # seed 2 of the penalty: validation below training at 24 of 40, 1.05-1.09x late, level
    ("lt_penalty", 2): ("good-fit", ["val-below-train"], ["regularization-penalty"],
                        "train-mode"),
}

# scenario -> (task, training rows, width, dropout, batch norm, layers shown in the summary,
#              smoothing, l2, lr, batch, epochs, bar ("tqdm" or "rich"), noisy labels,
#              early stopping patience); the summary is Rich's table (Rich is installed)
#              but where PLAIN_SUMMARY names the run: ModelSummary's plain one
PLAIN_SUMMARY = {"lt_dropout_hidden", "lt_smoothing", "lt_noisy_train", "lt_regression"}
PLANS = {
    "lt_dropout": ("classes", None, 256, 0.5, False, True, 0.0, 0.0, 1e-3, 32, 40, "tqdm",
                   False, None),
    "lt_dropout_hidden": ("classes", None, 256, 0.5, False, False, 0.0, 0.0, 1e-3, 32, 40,
                          "tqdm", False, None),
    "lt_dropout_rich": ("classes", None, 256, 0.5, False, True, 0.0, 0.0, 1e-3, 32, 40,
                        "rich", False, None),
    "lt_batchnorm_small": ("classes", None, 128, 0.0, True, True, 0.0, 0.0, 1e-3, 8, 30,
                           "tqdm", False, None),
    "lt_overfit": ("classes", 150, 512, 0.0, False, True, 0.0, 0.0, 1e-3, 16, 60, "tqdm",
                   False, None),
    "lt_early_stop": ("classes", 150, 512, 0.0, False, True, 0.0, 0.0, 1e-3, 16, 60, "tqdm",
                      False, 5),
    "lt_underfit": ("classes", None, 64, 0.0, False, True, 0.0, 0.0, 1e-6, 32, 30, "tqdm",
                    False, None),
    "lt_smoothing": ("classes", None, 128, 0.0, False, True, 0.3, 0.0, 1e-3, 32, 40, "tqdm",
                     False, None),
    "lt_penalty": ("classes", None, 128, 0.0, False, True, 0.0, 3e-3, 1e-3, 32, 40, "tqdm",
                   False, None),
    "lt_noisy_train": ("classes", None, 256, 0.0, False, True, 0.0, 0.0, 1e-3, 32, 60,
                       "tqdm", True, None),
    "lt_regression": ("friedman", None, 128, 0.0, False, True, 0.0, 0.0, 1e-3, 32, 40,
                      "tqdm", False, None),
}


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log: one Trainer.fit."""
    import lightning as L
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    (task, rows, width, dropout, batchnorm, shown, smoothing, l2, lr, batch, epochs, bar,
     noisy, patience) = PLANS[scenario]
    L.seed_everything(seed, verbose=False)
    x_tr, x_va, y_tr, y_va = (torch.tensor(a) for a in
                              _mlp.three_classes_or_friedman(task, seed, rows, noisy))
    outputs = 1 if task == "friedman" else 3

    class Net(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            layers = _mlp.layers(x_tr.shape[1], width, outputs, dropout, batchnorm)
            if shown:  # each layer an attribute: the summary lists them
                for i, layer in enumerate(layers):
                    self.add_module(f"{type(layer).__name__.lower()}{i}", layer)
                self.order = [f"{type(layer).__name__.lower()}{i}"
                              for i, layer in enumerate(layers)]
            else:
                self.net = nn.Sequential(*layers)

        def forward(self, x):
            if hasattr(self, "net"):
                return self.net(x)
            for name in self.order:
                x = getattr(self, name)(x)
            return x

        def plain(self, out, y):
            if task == "friedman":
                return nn.functional.mse_loss(out.squeeze(-1), y)
            return nn.functional.cross_entropy(out, y)

        def training_step(self, b, _):
            x, y = b
            out = self(x)
            if task == "friedman":
                loss = self.plain(out, y)
            else:
                loss = nn.functional.cross_entropy(out, y, label_smoothing=smoothing)
                self.log("train_acc", (out.argmax(-1) == y).float().mean(), on_step=False,
                         on_epoch=True, prog_bar=True)
            if l2:
                loss = loss + l2 * sum((p ** 2).sum() for p in self.parameters()
                                       if p.dim() == 2)
            self.log("train_loss", loss, on_step=False, on_epoch=True, prog_bar=True)
            return loss

        def validation_step(self, b, _):
            x, y = b
            out = self(x)
            self.log("val_loss", self.plain(out, y), prog_bar=True)
            if outputs > 1:
                self.log("val_acc", (out.argmax(-1) == y).float().mean(), prog_bar=True)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=lr)

    numbers: dict[str, list[float]] = {"train": [], "val": [], "train_eval_mode": []}

    class Numbers(L.Callback):
        """The logged epoch values and the training split re-scored in eval mode with the
        plain loss, for labelling (written beside the log, never printed)."""

        def on_train_epoch_end(self, trainer, module) -> None:
            metrics = trainer.callback_metrics
            was = module.training
            module.eval()
            with torch.no_grad():
                numbers["train_eval_mode"].append(module.plain(module(x_tr), y_tr).item())
            module.train(was)
            numbers["train"].append(metrics["train_loss"].item())
            numbers["val"].append(metrics["val_loss"].item())

    callbacks: list = [Numbers()]
    if scenario in PLAIN_SUMMARY:
        callbacks.append(L.pytorch.callbacks.ModelSummary())
    if bar == "rich":  # redirected, Rich draws its bar once, at the end: one epoch
        callbacks.append(L.pytorch.callbacks.RichProgressBar())
    else:  # tqdm redraws the bar with "\r" into the file too
        callbacks.append(L.pytorch.callbacks.TQDMProgressBar())
    if patience:
        callbacks.append(L.pytorch.callbacks.EarlyStopping("val_loss", patience=patience,
                                                           verbose=True))
    drop_last = batchnorm  # a batch of one row has no batch statistics
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                        enable_checkpointing=False, callbacks=callbacks, num_sanity_val_steps=0)
    trainer.fit(Net(),
                DataLoader(TensorDataset(x_tr, y_tr), batch_size=batch, shuffle=True,
                           drop_last=drop_last),
                DataLoader(TensorDataset(x_va, y_va), batch_size=256))
    Path(numbers_path).write_text(json.dumps(numbers, indent=1))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    console, numbers = _labels.child_run(__file__, scenario, seed, COLUMNS="120")
    # a console of redraws is kept gzipped (valgap reads it so): 650 KB a run, 30 KB
    return console, numbers, "train.log.gz"


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "pytorch lightning (console)",
                            LABELS, SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
