#!/usr/bin/env python3
"""Make labelled real runs a twenty-ninth way: time-series forecasters trained with Darts
(its PyTorch models on Lightning), on series no other way uses.

Darts fits a model to a series and validates on a later stretch of it (``fit(train,
val_series=val)``): the split is by time, as forecasting splits are. Its Lightning module
logs ``train_loss`` on each step (the progress bar shows the last step's, one batch) and
``val_loss`` over the whole validation stretch. The log is the console with Lightning's
tqdm bar (``python train.py > train.log 2>&1``; Darts' ``TFMProgressBar``, its validation
bars shown or not), some runs printing the model first
(``print(model)``: Darts' repr lists its arguments, ``dropout=0.4`` among them), or the
``metrics.csv`` of a Lightning ``CSVLogger`` given in ``pl_trainer_kwargs``.

Series: two seasonalities and a slow trend under noise (1,500 points, the last 450
validation); in ``ts_calm_val`` the validation stretch is a calmer regime (a third of the
noise); in ``ts_nbeats_overfit`` the training stretch is 300 points. Models: TCN with
dropout, N-BEATS, an LSTM, TiDE, DLinear; ``ts_weighted`` trains with sample weights that
grow along the series (``sample_weight="linear"``), its training loss weighted, its
validation loss not.

Each run is trained for real on the CPU. Beside its log the script writes ``numbers.json``:
the logged losses at each epoch's end and the training stretch re-scored in inference mode
with the validation loss's function, for labelling; valgap never reads it. The labels below
were written from those numbers before valgap read any run. Seed 1 is the development
half, seed 2 held out::

    venv/bin/pip install darts torch pyyaml
    venv/bin/python scripts/make_twentyninthway_runs.py tests/data/twentyninthway --seeds 1 2
"""
from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # TCN with dropout 0.4, its repr printed: the bar's training loss one batch's, 1.14-1.16x
    # the inference-mode loss late; validation 1.37x (1.10x) that loss late, above it at
    # every epoch (at 30 of 40), lowest at 34 (33) and 2 % (8 %) above it at 40: dropout
    # narrows a gap it never turns over
    "ts_tcn_dropout": ("good-fit", ["overfit"], [], None),
    # the same run, nothing printed, Lightning's metrics.csv kept (the same numbers)
    "ts_tcn_dropout_silent": ("good-fit", ["overfit"], [], None),
    # N-BEATS on 300 training points: validation lowest at 11 (7), 1.23-1.31x that at 60,
    # training to 0.002-0.005
    "ts_nbeats_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a calmer validation stretch (a third of the noise): validation below training at
    # first (0.93x, 0.68x over the first fifth), then lowest at 14 (28) and 44 % (23 %)
    # above that at 40 while training falls to 0.21-0.22
    "ts_calm_val": ("overfit", ["good-fit"], ["overfitting-onset", "easy-validation"],
                    "fit"),
    # a rate of 1e-6: validation 0.95 -> 0.92 (0.89 -> 0.87), the inference-mode training
    # loss beside it, the bar's one-batch loss jumping 0.81-1.01
    "ts_underfit": ("underfit", [], [], None),
    # an LSTM: validation 0.9 -> 0.31 (0.30) by epoch 27-29 and flat after, 1.18-1.27x
    # training, as it was from epoch 10
    "ts_lstm": ("good-fit", [], [], None),
    # TiDE: validation lowest at 6 (7), 28-33 % above that at 40, 3.4-3.6x training late
    "ts_tide": ("overfit", [], ["overfitting-onset"], "fit"),
    # sample weights growing along the series on the training loss only: the logged loss
    # 0.41-0.46x its unweighted value late, validation 2.1-2.7x it from epoch 1; validation
    # lowest at 14 (11) and 19-32 % above that at 40 while training falls
    "ts_weighted": ("overfit", [], ["overfitting-onset", "loss-weighting"], "fit"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {}

# scenario -> (series, model, dropout, learning rate, epochs, what is printed first, the
# log kept, sample weights)
PLANS = {
    "ts_tcn_dropout": ("seasonal", "tcn", 0.4, 1e-3, 40, "model", "console", None),
    "ts_tcn_dropout_silent": ("seasonal", "tcn", 0.4, 1e-3, 40, "", "csv", None),
    "ts_nbeats_overfit": ("short", "nbeats", 0.0, 1e-3, 60, "model", "console", None),
    "ts_calm_val": ("calm", "tcn", 0.0, 1e-3, 40, "", "csv", None),
    "ts_underfit": ("seasonal", "dlinear", 0.0, 1e-6, 30, "model", "console", None),
    "ts_lstm": ("seasonal", "lstm", 0.0, 1e-3, 40, "", "console", None),
    "ts_tide": ("seasonal", "tide", 0.1, 1e-3, 40, "model", "csv", None),
    "ts_weighted": ("seasonal", "tcn", 0.0, 1e-3, 40, "", "console", "linear"),
}


def series(kind: str, seed: int):
    """1,500 points: daily and weekly cycles on a slow trend under noise (0.45); "calm": the
    last 450 points (the validation stretch) with a third of the noise; the training
    stretch is the first 1,050 points, or its last 300 for "short"."""
    import numpy as np
    from darts import TimeSeries

    rng = np.random.default_rng(seed)
    t = np.arange(1500)
    noise = np.full(1500, 0.45)
    if kind == "calm":
        noise[1050:] = 0.15
    values = (np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6)) +
              0.6 * np.sin(2 * np.pi * t / 168 + rng.uniform(0, 6)) + t / 1500 +
              rng.normal(0, 1, 1500) * noise)
    whole = TimeSeries.from_values(values.astype(np.float32))
    train, val = whole[:1050], whole[1050:]
    if kind == "short":
        train = train[-300:]
    return train, val


def build(kind: str, dropout: float, lr: float, epochs: int, seed: int, callbacks: list,
          logger):
    """The Darts model by kind, its Lightning trainer given the callbacks and logger."""
    from darts.models import DLinearModel, NBEATSModel, RNNModel, TCNModel, TiDEModel

    trainer = {"accelerator": "cpu", "callbacks": callbacks, "logger": logger,
               "enable_model_summary": True}
    common = {"input_chunk_length": 48, "n_epochs": epochs, "random_state": seed,
              "optimizer_kwargs": {"lr": lr}, "pl_trainer_kwargs": trainer,
              "batch_size": 32}
    if kind == "tcn":
        return TCNModel(output_chunk_length=12, kernel_size=3, num_filters=16,
                        dropout=dropout, **common)
    if kind == "nbeats":
        return NBEATSModel(output_chunk_length=12, num_stacks=4, num_blocks=2,
                           layer_widths=256, **common)
    if kind == "lstm":
        return RNNModel(model="LSTM", hidden_dim=32, training_length=60, **common)
    if kind == "tide":
        return TiDEModel(output_chunk_length=12, dropout=dropout, **common)
    return DLinearModel(output_chunk_length=12, **common)


def rescorer(numbers: dict[str, list[float]]):
    """A Lightning callback keeping, at each training epoch's end, the logged losses and
    the training stretch re-scored in inference mode with the validation loss's function."""
    import torch
    from darts.models.forecasting.pl_forecasting_module import ModuleStage
    from pytorch_lightning.callbacks import Callback

    class Rescore(Callback):
        def on_train_epoch_end(self, trainer, module) -> None:
            logged = trainer.callback_metrics
            if "val_loss" not in logged:
                return
            module.eval()
            total, count = 0.0, 0
            with torch.no_grad():
                for batch in trainer.train_dataloader:
                    out = module(batch.to_module_input(stage=ModuleStage.VALIDATE))
                    loss = module._compute_loss(out, batch.future_target,
                                                module.val_criterion, None)
                    total += loss.item() * batch.past_target.shape[0]
                    count += batch.past_target.shape[0]
            module.train()
            numbers["train"].append(float(logged["train_loss"]))
            numbers["val"].append(float(logged["val_loss"]))
            numbers["train_eval_mode"].append(total / count)

    return Rescore()


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log."""
    from darts.utils.callbacks import TFMProgressBar
    from pytorch_lightning.loggers import CSVLogger

    warnings.simplefilter("ignore")
    kind, model_kind, dropout, lr, epochs, shown, kept, weights = PLANS[scenario]
    train_series, val_series = series(kind, seed)
    numbers: dict = {"train": [], "val": [], "train_eval_mode": []}
    with tempfile.TemporaryDirectory() as where:
        logger = CSVLogger(where, name="darts") if kept == "csv" else False
        # the progress bar Darts documents (tqdm's, to a file as to a terminal); its
        # validation bars left out where only the training bar is asked for
        callbacks = [rescorer(numbers), TFMProgressBar(enable_train_bar_only=seed % 2 == 0)]
        model = build(model_kind, dropout, lr, epochs, seed, callbacks, logger)
        if shown == "model":
            print(model)
            sys.stdout.flush()
        model.fit(train_series, val_series=val_series, verbose=True,
                  **({"sample_weight": weights} if weights else {}))
        if kept == "csv":
            numbers["log"] = next(Path(where).rglob("metrics.csv")).read_text()
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    """The kept log (the console, or Lightning's metrics.csv) and the numbers."""
    text, numbers = _labels.child_run(__file__, scenario, seed, COLUMNS="100")
    # a console's bars redraw in place: kept gzipped
    return _labels.kept_file(text, numbers, "metrics.csv", "train.log.gz")


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "darts (lightning)", LABELS,
                            SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
