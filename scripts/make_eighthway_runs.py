#!/usr/bin/env python3
"""Make labelled real runs an eighth way: the same three runs (a dropout network, a wide
network on a small training set, a plain one) sent to the places people send their logs,
each by that tool's own client: the Hugging Face Trainer reporting to TensorBoard, Lightning
with its ``MLFlowLogger``, a plain PyTorch loop logging to W&B offline (the training loss
every batch, the validation loss and the epoch once an epoch), the same loop logging to
MLflow with no epoch metric, and Keras with its ``TensorBoard`` callback writing every batch.

Each run is trained for real on the CPU, on scikit-learn's synthetic classification task;
beside its log the script writes ``numbers.json`` (the epoch means it computed itself, for
labelling; valgap never reads it) and the label, written from those numbers before valgap
read any run. Seed 1 is the development half, seed 2 held out::

    .venv-frameworks/bin/python scripts/make_eighthway_runs.py tests/data/eighthway --seeds 1 2
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import _labels
import numpy as np
from _trainer import Rows

SCENARIOS = ("dropout", "overfit", "plain")
# scenario -> label, read from numbers.json before valgap ran: the plain network ends with
# validation 1.1-1.4x training, flat over its last epochs while training still falls (a
# good fit, or overfitting just beginning); dropout runs 0.72-0.88x; the small training
# set's validation bottoms at epochs 5-7 and ends 7-100x training
LABELS: dict[str, _labels.Label] = {
    "dropout": ("val-below-train", [], ["dropout"], "train-mode"),
    "overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    "plain": ("good-fit", ["overfit"], [], None),
}
RUN_LABELS: dict[tuple[str, int], _labels.Label] = {}
EPOCHS, BATCH = 20, 32


def _data(scenario: str, seed: int):
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=3000, n_features=20, n_informative=8, n_classes=3,
                               n_clusters_per_class=2, flip_y=0.02, class_sep=1.2,
                               random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    cut = 2400
    x_tr, y_tr, x_va, y_va = x[:cut], y[:cut], x[cut:], y[cut:]
    if scenario == "overfit":
        x_tr, y_tr = x_tr[:200], y_tr[:200]
    return x_tr, y_tr.astype(np.int64), x_va, y_va.astype(np.int64)


def _width_drop(scenario: str) -> tuple[int, float]:
    return {"dropout": (128, 0.5), "overfit": (512, 0.0), "plain": (32, 0.0)}[scenario]


def _torch_net(scenario: str):
    from torch import nn

    width, drop = _width_drop(scenario)
    return nn.Sequential(nn.Linear(20, width), nn.ReLU(), nn.Dropout(drop),
                         nn.Linear(width, width), nn.ReLU(), nn.Dropout(drop),
                         nn.Linear(width, 3))


def _loop(scenario: str, seed: int, log_step, log_epoch) -> list[tuple[float, float]]:
    """A plain PyTorch loop; the caller's functions send each batch's loss and each epoch's
    validation loss wherever the sink sends them. Returns the epoch means."""
    import torch

    torch.manual_seed(seed)
    x_tr, y_tr, x_va, y_va = (torch.from_numpy(a) for a in _data(scenario, seed))
    model = _torch_net(scenario)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    step, numbers = 0, []
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(y_tr), generator=gen)
        losses = []
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            loss = loss_fn(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            log_step(step, loss.item())
        model.eval()
        with torch.no_grad():
            val = loss_fn(model(x_va), y_va).item()
        log_epoch(step, epoch, val)
        numbers.append((sum(losses) / len(losses), val))
    return numbers


def loop_wandb(scenario: str, seed: int, folder: Path):
    os.environ["WANDB_SILENT"] = "true"
    import wandb

    run = wandb.init(mode="offline", dir=str(folder), project="eighthway",
                     name=f"{scenario}-s{seed}", settings=wandb.Settings(console="off"))
    numbers = _loop(scenario, seed, lambda step, loss: wandb.log({"train/loss": loss}),
                    lambda step, epoch, val: wandb.log({"val/loss": val, "epoch": epoch}))
    run.finish()
    (log,) = (folder / "wandb").glob("offline-run-*")
    # the transaction log is the run; W&B's debug logs, its scratch and the latest-run link
    # name this machine's paths and are not kept
    for extra in ("latest-run", "debug.log", "debug-internal.log"):
        (folder / "wandb" / extra).unlink(missing_ok=True)
    for extra in ("logs", "tmp", "files"):
        shutil.rmtree(log / extra, ignore_errors=True)
    return str(log.relative_to(folder)), numbers


def loop_mlflow(scenario: str, seed: int, folder: Path):
    import mlflow

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    mlflow.set_tracking_uri((folder / "mlruns").resolve().as_uri())
    mlflow.set_experiment("eighthway")
    with mlflow.start_run(run_name=f"{scenario}-s{seed}"):
        numbers = _loop(scenario, seed,
                        lambda step, loss: mlflow.log_metric("train_loss", loss, step=step),
                        lambda step, epoch, val: mlflow.log_metric("val_loss", val, step=step))
    return "mlruns", numbers


def pl_mlflow(scenario: str, seed: int, folder: Path):
    import lightning as L
    import torch
    from lightning.pytorch.loggers import MLFlowLogger

    torch.manual_seed(seed)
    x_tr, y_tr, x_va, y_va = (torch.from_numpy(a) for a in _data(scenario, seed))
    numbers: list[list[float]] = []

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = _torch_net(scenario)
            self.train_losses: list[float] = []

        def training_step(self, batch, _):
            loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            self.train_losses.append(loss.item())
            return loss

        def validation_step(self, batch, _):
            loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
            self.log("val_loss", loss, on_epoch=True)
            if not self.trainer.sanity_checking:
                numbers.append([loss.item()])

        def on_train_epoch_end(self) -> None:
            numbers[-1].insert(0, sum(self.train_losses) / len(self.train_losses))
            self.train_losses = []

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    data = torch.utils.data
    logger = MLFlowLogger(experiment_name="eighthway",
                          tracking_uri=f"sqlite:///{(folder / 'mlflow.db').resolve()}")
    trainer = L.Trainer(max_epochs=EPOCHS, logger=logger, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False,
                        log_every_n_steps=10, accelerator="cpu")
    trainer.fit(Module(), data.DataLoader(data.TensorDataset(x_tr, y_tr), batch_size=BATCH,
                                          shuffle=True),
                data.DataLoader(data.TensorDataset(x_va, y_va), batch_size=len(y_va)))
    return "mlflow.db", [(n[0], n[1]) for n in numbers if len(n) == 2]


def hf_tb(scenario: str, seed: int, folder: Path):
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments

    torch.manual_seed(seed)
    x_tr, y_tr, x_va, y_va = _data(scenario, seed)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = _torch_net(scenario)

        def forward(self, features, labels=None):
            logits = self.net(features)
            loss = torch.nn.functional.cross_entropy(logits, labels)
            return {"loss": loss, "logits": logits}

    seen: dict[str, list[float]] = {"loss": [], "eval": []}

    class Numbers(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                seen["loss"].append(logs["loss"])
            if logs and "eval_loss" in logs:
                seen["eval"].append(logs["eval_loss"])

    steps = -(-len(y_tr) // BATCH) * EPOCHS
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(folder / "runs")
        args = TrainingArguments(
            output_dir=scratch, report_to=["tensorboard"],
            per_device_train_batch_size=BATCH, per_device_eval_batch_size=256,
            num_train_epochs=EPOCHS, learning_rate=1e-3, weight_decay=0.0,
            eval_strategy="steps", eval_steps=max(10, steps // 30),
            logging_steps=max(2, steps // 150), save_strategy="no", seed=seed, use_cpu=True,
            disable_tqdm=True, dataloader_num_workers=0)
        trainer = Trainer(model=Net(), args=args, train_dataset=Rows(x_tr, y_tr),
                          eval_dataset=Rows(x_va, y_va), callbacks=[Numbers()])
        with contextlib.redirect_stdout(io.StringIO()):
            trainer.train()
    per = max(1, len(seen["loss"]) // max(1, len(seen["eval"])))
    numbers = [(float(np.mean(seen["loss"][i * per:(i + 1) * per])), v)
               for i, v in enumerate(seen["eval"])]
    return "runs", numbers


def keras_tb(scenario: str, seed: int, folder: Path):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    keras.utils.set_random_seed(seed)
    x_tr, y_tr, x_va, y_va = _data(scenario, seed)
    width, drop = _width_drop(scenario)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dropout(drop),
                              keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dropout(drop), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=EPOCHS,
                        batch_size=BATCH, verbose=0, callbacks=[keras.callbacks.TensorBoard(
                            log_dir=str(folder / "logs"), update_freq="batch")])
    return "logs", list(zip(history.history["loss"], history.history["val_loss"]))


# where each run's log is sent: sink name -> the function that trains and logs it
SINKS = {"hf_tb": hf_tb, "pl_mlflow": pl_mlflow, "loop_wandb": loop_wandb,
         "loop_mlflow": loop_mlflow, "keras_tb": keras_tb}


def main() -> int:
    args = _labels.arguments(__doc__.splitlines()[0],
                             [f"{s}-{c}" for s in SINKS for c in SCENARIOS])
    for name, seed, folder in _labels.run_folders(args):
        sink, scenario = name.split("-")
        log, numbers = SINKS[sink](scenario, seed, folder)
        (folder / "numbers.json").write_text(json.dumps(numbers))
        _labels.write_label(folder, name, seed, sink, {"log": log},
                            RUN_LABELS.get((name, seed), LABELS[scenario]))
        print(f"{folder}: {log}, {len(numbers)} epochs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
