"""Write small real PyTorch-ecosystem logs into tests/data/ for the parser tests.

Trains tiny models on scikit-learn's digits (no download) with:
  - PyTorch Lightning: CSVLogger ``metrics.csv`` (step + epoch logging) and TensorBoard events,
    and a ``metrics.csv`` of a run validated four times an epoch; a run whose module saved
    its dropout rate with ``save_hyperparameters``: its CSVLogger version folder whole
    (``metrics.csv`` beside ``hparams.yaml``)
  - Hugging Face Trainer: ``trainer_state.json`` and its printed log dicts; a run whose
    console ends with ``print(trainer.state.log_history)``
  - a hand-written PyTorch loop printing ``epoch N | train_loss ... | val_loss ...``
  - a hand-written loop logging with ``SummaryWriter.add_scalars`` (a run folder a set)
  - a hand-written loop's ``torch.save`` checkpoint holding its curves, and a model alone

Heavy dependencies live only in the environment that runs this script::

    python -m venv /tmp/ptenv
    /tmp/ptenv/bin/pip install torch lightning transformers accelerate scikit-learn tensorboard
    /tmp/ptenv/bin/python scripts/make_torch_fixtures.py [JOB ...]
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

from _trainer import Rows

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"


def _digits():
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_tr, x_val, y_tr, y_val = train_test_split(x / 16.0, y, test_size=0.2, random_state=0)
    as_t = lambda a, dt: torch.tensor(a, dtype=dt)  # noqa: E731
    return (as_t(x_tr, torch.float32), as_t(y_tr, torch.long),
            as_t(x_val, torch.float32), as_t(y_val, torch.long))


def _mlp(dropout: float = 0.0):
    from torch import nn

    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(dropout), nn.Linear(64, 10))


def _train_epoch(model, opt, x, y, batch: int = 32) -> tuple[float, int]:
    """One epoch of SGD in batches of ``batch``: the mean training loss and the rows the
    model classified right while training."""
    import torch

    model.train()
    total, right = 0.0, 0
    for i in range(0, len(y), batch):
        out = model(x[i:i + batch])
        loss = torch.nn.functional.cross_entropy(out, y[i:i + batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y[i:i + batch])
        right += int((out.argmax(1) == y[i:i + batch]).sum())
    return total / len(y), right


def _lightning_module(dropout: float, save: bool = False, **log):
    """The MLP as a LightningModule logging train_loss and val_loss (``log``: how
    ``self.log`` logs the training loss; ``save``: whether it saves its dropout rate as a
    hyperparameter)."""
    import lightning as L
    import torch

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            if save:
                self.save_hyperparameters({"dropout": dropout, "lr": 1e-3})
            self.net = _mlp(dropout)

        def training_step(self, batch, _):
            x, y = batch
            loss = torch.nn.functional.cross_entropy(self.net(x), y)
            self.log("train_loss", loss, **log)
            return loss

        def validation_step(self, batch, _):
            x, y = batch
            self.log("val_loss", torch.nn.functional.cross_entropy(self.net(x), y),
                     prog_bar=bool(log.get("prog_bar")))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    return Module()


def lightning_run() -> None:
    import lightning as L
    from lightning.pytorch.callbacks import TQDMProgressBar
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
    from torch.utils.data import DataLoader, TensorDataset

    L.seed_everything(1)
    x_tr, y_tr, x_val, y_val = _digits()
    work = OUT / "_lightning"
    shutil.rmtree(work, ignore_errors=True)
    trainer = L.Trainer(max_epochs=8, logger=[CSVLogger(work, name="csv"),
                                              TensorBoardLogger(work, name="tb")],
                        enable_progress_bar=True, enable_model_summary=False,
                        callbacks=[TQDMProgressBar(refresh_rate=5)],  # tqdm: \r redraws
                        log_every_n_steps=10, accelerator="cpu")
    bars = io.StringIO()  # the progress bars, as `python train.py > progress.log 2>&1` keeps them
    with contextlib.redirect_stderr(bars), contextlib.redirect_stdout(bars):
        trainer.fit(_lightning_module(0.5, on_step=True, on_epoch=True, prog_bar=True),
                    DataLoader(TensorDataset(x_tr, y_tr), batch_size=32, shuffle=True),
                    DataLoader(TensorDataset(x_val, y_val), batch_size=64))
    (OUT / "lightning").mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "csv" / "version_0" / "metrics.csv", OUT / "lightning" / "metrics.csv")
    (OUT / "lightning" / "progress.log").write_text(bars.getvalue())
    tb_dir = OUT / "lightning" / "tb" / "version_0"
    shutil.rmtree(tb_dir, ignore_errors=True)
    tb_dir.mkdir(parents=True)
    for event in (work / "tb" / "version_0").glob("events.out.tfevents.*"):
        shutil.copy(event, tb_dir / event.name)
    shutil.rmtree(work)


def lightning_intervals_run() -> None:
    """The same module validated four times an epoch (``val_check_interval=0.25``), two
    epochs, its CSVLogger ``metrics.csv`` alone."""
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader, TensorDataset

    L.seed_everything(2)
    x_tr, y_tr, x_val, y_val = _digits()
    work = OUT / "_lightning_intervals"
    shutil.rmtree(work, ignore_errors=True)
    trainer = L.Trainer(max_epochs=2, val_check_interval=0.25, logger=CSVLogger(work, name="csv"),
                        enable_progress_bar=False, enable_model_summary=False,
                        log_every_n_steps=2, accelerator="cpu")
    trainer.fit(_lightning_module(0.0),
                DataLoader(TensorDataset(x_tr, y_tr), batch_size=32, shuffle=True),
                DataLoader(TensorDataset(x_val, y_val), batch_size=64))
    (OUT / "lightning").mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "csv" / "version_0" / "metrics.csv",
                OUT / "lightning" / "metrics_val_check_interval.csv")
    shutil.rmtree(work)


def lightning_hparams_run() -> None:
    """The module saving its hyperparameters (dropout 0.5), ten epochs, its CSVLogger's
    ``version_0/`` (``metrics.csv``, ``hparams.yaml``) kept whole."""
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader, TensorDataset

    L.seed_everything(3)
    x_tr, y_tr, x_val, y_val = _digits()
    work = OUT / "_lightning_hparams"
    shutil.rmtree(work, ignore_errors=True)
    trainer = L.Trainer(max_epochs=10, logger=CSVLogger(work, name="csv"),
                        enable_progress_bar=False, enable_model_summary=False,
                        log_every_n_steps=10, accelerator="cpu")
    trainer.fit(_lightning_module(0.5, save=True, on_step=False, on_epoch=True),
                DataLoader(TensorDataset(x_tr, y_tr), batch_size=32, shuffle=True),
                DataLoader(TensorDataset(x_val, y_val), batch_size=64))
    version = OUT / "lightning" / "hparams_run" / "version_0"
    shutil.rmtree(version, ignore_errors=True)
    version.mkdir(parents=True)
    for name in ("metrics.csv", "hparams.yaml"):
        shutil.copy(work / "csv" / "version_0" / name, version / name)
    shutil.rmtree(work)


def _hf_trained(dropout: float, epochs: int, seed: int, work: Path,
                print_history: bool = False):
    """The Trainer fitting the MLP (``dropout``) for ``epochs``, evaluated each epoch: the
    trainer and its console (and, with ``print_history``, ``print(trainer.state.
    log_history)`` after training, as a script or a notebook prints it)."""
    import torch
    from transformers import Trainer, TrainingArguments

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp(dropout)

        def forward(self, x, labels=None):
            logits = self.net(x)
            loss = torch.nn.functional.cross_entropy(logits, labels)
            return {"loss": loss, "logits": logits}

    torch.manual_seed(seed)
    x_tr, y_tr, x_val, y_val = _digits()
    args = TrainingArguments(output_dir=str(work), num_train_epochs=epochs, learning_rate=3e-3,
                             per_device_train_batch_size=64, eval_strategy="epoch",
                             logging_steps=10, save_strategy="no", report_to=[],
                             use_cpu=True, disable_tqdm=True)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        trainer = Trainer(model=Model(), args=args, train_dataset=Rows(x_tr, y_tr, key="x"),
                          eval_dataset=Rows(x_val, y_val, key="x"))
        trainer.train()
        if print_history:
            print(trainer.state.log_history)
    shutil.rmtree(work, ignore_errors=True)
    return trainer, printed.getvalue()


def hf_run() -> None:
    trainer, printed = _hf_trained(0.3, 6, 1, OUT / "_hf")
    (OUT / "hf").mkdir(parents=True, exist_ok=True)
    trainer.state.save_to_json(str(OUT / "hf" / "trainer_state.json"))
    (OUT / "hf" / "stdout.log").write_text(printed)


def hf_printed_history_run() -> None:
    """The Trainer again (dropout 0.5, five epochs), its console ending with the whole
    history printed as one Python list."""
    trainer, printed = _hf_trained(0.5, 5, 2, OUT / "_hf_printed", print_history=True)
    (OUT / "hf").mkdir(parents=True, exist_ok=True)
    (OUT / "hf" / "log_history_printed.log").write_text(printed)
    evaluations = [e["eval_loss"] for e in trainer.state.log_history if "eval_loss" in e]
    (OUT / "hf" / "log_history_printed.json").write_text(json.dumps(evaluations) + "\n")


def loop_run() -> None:
    import torch

    torch.manual_seed(1)
    x_tr, y_tr, x_val, y_val = _digits()
    model = _mlp(0.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    lines = [f"Training on {len(y_tr)} samples, validating on {len(y_val)} samples", str(model)]
    for epoch in range(1, 13):
        train, _ = _train_epoch(model, opt, x_tr, y_tr)
        model.eval()
        with torch.no_grad():
            val = torch.nn.functional.cross_entropy(model(x_val), y_val).item()
        lines.append(f"epoch {epoch:3d} | train_loss {train:.4f} | val_loss {val:.4f}")
    (OUT / "loop").mkdir(parents=True, exist_ok=True)
    (OUT / "loop" / "train.log").write_text("\n".join(lines) + "\n")


def add_scalars_run() -> None:
    """A hand-written loop (dropout 0.3) logging with ``SummaryWriter.add_scalars``: one
    chart a metric, each set's curve in a run folder of its own (``Loss_train/``,
    ``Loss_val/``, ``Accuracy_train/``, ``Accuracy_val/``); numbers.json keeps the values
    logged."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(2)
    x_tr, y_tr, x_val, y_val = _digits()
    model = _mlp(0.3)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    folder = OUT / "tensorboard" / "add_scalars"
    shutil.rmtree(folder, ignore_errors=True)
    writer = SummaryWriter(str(folder))
    numbers = []
    for epoch in range(1, 16):
        total, right = _train_epoch(model, opt, x_tr, y_tr)
        model.eval()
        with torch.no_grad():
            out = model(x_val)
            val = torch.nn.functional.cross_entropy(out, y_val).item()
            val_right = int((out.argmax(1) == y_val).sum())
        row = {"train_loss": total, "val_loss": val,
               "train_accuracy": right / len(y_tr), "val_accuracy": val_right / len(y_val)}
        writer.add_scalars("Loss", {"train": row["train_loss"], "val": row["val_loss"]}, epoch)
        writer.add_scalars("Accuracy", {"train": row["train_accuracy"],
                                        "val": row["val_accuracy"]}, epoch)
        numbers.append(row)
    writer.close()
    (folder / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")


def checkpoint_run() -> None:
    """A hand-written loop saving a checkpoint with its curves, as tutorials do:
    ``torch.save({"epoch", "model_state_dict", "optimizer_state_dict", "train_losses",
    "val_losses"}, "checkpoint.pth")``, the training losses as numbers (``loss.item()``),
    the validation losses as the tensors the loop computed; the same curves as a vector
    and half-precision scalars; a model-only checkpoint beside them; numbers.json keeps
    the values."""
    import torch

    torch.manual_seed(3)
    x_tr, y_tr, x_val, y_val = _digits()
    model = _mlp(0.2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    folder = OUT / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    train_losses, val_losses = [], []
    for _ in range(10):
        train_losses.append(_train_epoch(model, opt, x_tr, y_tr)[0])
        model.eval()
        with torch.no_grad():
            val_losses.append(torch.nn.functional.cross_entropy(model(x_val), y_val))
    torch.save({"epoch": 10, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": opt.state_dict(), "train_losses": train_losses,
                "val_losses": val_losses}, folder / "checkpoint.pth")
    torch.save(model.state_dict(), folder / "model.pth")
    # the same curves as tensors: a float32 vector, bfloat16 and float16 scalars in turns
    halves = [v.to(torch.bfloat16 if i % 2 else torch.float16)
              for i, v in enumerate(val_losses)]
    torch.save({"epoch": 10, "model_state_dict": model.state_dict(),
                "train_losses": torch.tensor(train_losses), "val_losses": halves},
               folder / "checkpoint-tensors.pth")
    numbers = {"train": train_losses, "val": [float(v) for v in val_losses],
               "val_half": [float(v) for v in halves]}
    (folder / "numbers.json").write_text(json.dumps(numbers, indent=1) + "\n")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = (loop_run, lightning_run, lightning_intervals_run, lightning_hparams_run, hf_run,
            hf_printed_history_run, add_scalars_run, checkpoint_run)
    for job in jobs:
        if sys.argv[1:] and job.__name__ not in sys.argv[1:]:  # the jobs named, if any
            continue
        print(f"{job.__name__} ...", file=sys.stderr)
        job()
    print(json.dumps(sorted(str(p.relative_to(OUT)) for p in OUT.rglob("*") if p.is_file())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
