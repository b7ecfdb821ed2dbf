"""Train small models on CPU and write their real logs into sample_logs/.

Each scenario trains on a data set that ships with scikit-learn (no download), with
its stdout redirected to ``sample_logs/<scenario>.log`` exactly as a user's
``python train.py > run.log`` would, and a Keras ``CSVLogger`` writing
``sample_logs/<scenario>.csv``. The ``measured-*`` scenarios train with valgap's gap
measurement in each framework (``valgap.keras``, ``valgap.lightning``, ``valgap.hf``,
``valgap.torch``) and keep what that framework writes.

The frameworks are needed only here, never by valgap itself (``make samples`` builds
their environment)::

    .venv-frameworks/bin/python scripts/make_sample_logs.py            # all scenarios
    .venv-frameworks/bin/python scripts/make_sample_logs.py overfit    # one
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sample_logs"

# scenario -> (what it shows, how it is built)
SCENARIOS = {
    "healthy": "a small MLP (32 units) on digits, random 80/20 split, 15 epochs: both losses "
               "fall and settle, validation a little above training",
    "dropout": "heavy Dropout(0.5) layers: validation below training from the first epoch",
    "batchnorm": "BatchNormalization with batches of 4: validation below training, noisy",
    "overfit": "a wide MLP on 150 training samples: validation turns up while training falls",
    "augmentation": "GaussianNoise on the inputs in training only: validation below training",
    "underfit": "a 2-unit bottleneck and a tiny learning rate, printed with verbose=2",
    "measured-keras": "Keras Dropout(0.5) with valgap.keras.GapCallback: the gap measured, "
                      "its train-mode part the largest",
    "measured-lightning": "Lightning, BatchNorm with batches of 8, valgap.lightning.GapCallback "
                          "(metrics.csv)",
    "measured-hf": "a Trainer, Dropout(0.5), valgap.hf.GapCallback (trainer_state.json)",
    "measured-torch": "a plain PyTorch loop on labels 25 % redrawn in training only, printed "
                      "with valgap.torch.measure_gap: the data part the largest",
}
# scenarios whose product is a file the framework writes, not their stdout
QUIET = {"measured-lightning", "measured-hf"}
# the measured samples re-score half the training set (digits has 1,437 samples: the
# default 5 % would be 72, too few to resolve the parts on so small a run)
SHARE = 0.5


def _data(n_train: int | None = None):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    if n_train:
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    return x_tr, x_val, y_tr, y_val


def _model(scenario: str):
    import keras
    from keras import layers

    stack: list = [keras.Input(shape=(64,))]
    if scenario == "augmentation":
        stack.append(layers.GaussianNoise(0.6))
    width = {"overfit": 512, "underfit": 2, "healthy": 32}.get(scenario, 64)
    for _ in range(2):
        stack.append(layers.Dense(width, activation=None if scenario == "batchnorm" else "relu"))
        if scenario == "batchnorm":
            stack += [layers.BatchNormalization(), layers.Activation("relu")]
        if scenario == "dropout":
            stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(stack)
    rate = 1e-4 if scenario == "underfit" else 1e-3
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(scenario: str) -> None:
    """Run one scenario in this process (stdout is the log being written)."""
    if scenario.startswith("measured-"):
        MEASURED[scenario](measure=True)
        return
    import keras

    keras.utils.set_random_seed(1)
    x_tr, x_val, y_tr, y_val = _data(150 if scenario == "overfit" else None)
    model = _model(scenario)
    model.summary()
    epochs = {"overfit": 60, "batchnorm": 8, "underfit": 12, "healthy": 15}.get(scenario, 30)
    batch = 4 if scenario == "batchnorm" else 32
    model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch,
              verbose=2 if scenario == "underfit" else 1,
              callbacks=[keras.callbacks.CSVLogger(str(OUT / f"{scenario}.csv"))])


def measured_keras(measure: bool = True, epochs: int = 30, share: float = SHARE,
                   out: Path | None = OUT) -> None:
    import keras

    from valgap.keras import GapCallback

    keras.utils.set_random_seed(1)
    x_tr, x_val, y_tr, y_val = _data()
    model = _model("dropout")
    if out:
        model.summary()
    callbacks = [GapCallback(x_tr, y_tr, share=share, verbose=int(bool(out)))] if measure else []
    if out:
        callbacks.append(keras.callbacks.CSVLogger(str(out / "measured-keras.csv")))
    model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs, batch_size=32,
              verbose=2 if out else 0, callbacks=callbacks)


def _torch_data(label_noise: float = 0.0):
    import numpy as np
    import torch

    x_tr, x_val, y_tr, y_val = _data()
    if label_noise:
        rng = np.random.default_rng(1)
        flip = rng.random(len(y_tr)) < label_noise
        y_tr = y_tr.copy()
        y_tr[flip] = rng.integers(0, 10, int(flip.sum()))
    tensors = [torch.tensor(a, dtype=torch.float32) for a in (x_tr, x_val)]
    labels = [torch.tensor(a, dtype=torch.int64) for a in (y_tr, y_val)]
    return (torch.utils.data.TensorDataset(tensors[0], labels[0]),
            torch.utils.data.TensorDataset(tensors[1], labels[1]))


def _mlp(batchnorm: bool = False, dropout: float = 0.0):
    from torch import nn

    layers: list = []
    width = 64
    for inputs in (64, width):
        layers.append(nn.Linear(inputs, width))
        if batchnorm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(width, 10))


def measured_lightning(measure: bool = True, epochs: int = 10, share: float = SHARE,
                       out: Path | None = OUT) -> None:
    import shutil
    import tempfile

    import lightning.pytorch as pl
    import torch
    from lightning.pytorch.loggers import CSVLogger

    from valgap.lightning import GapCallback

    class Net(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net, self.loss_fn = _mlp(batchnorm=True), torch.nn.functional.cross_entropy

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, _):
            loss = self.loss_fn(self(batch[0]), batch[1])
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def validation_step(self, batch, _):
            self.log("val_loss", self.loss_fn(self(batch[0]), batch[1]), on_epoch=True)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    pl.seed_everything(1)
    train_set, val_set = _torch_data()
    with tempfile.TemporaryDirectory() as folder:
        trainer = pl.Trainer(max_epochs=epochs, logger=CSVLogger(folder),
                             callbacks=[GapCallback(share=share, verbose=int(bool(out)))]
                             if measure else [],
                             enable_progress_bar=False, enable_checkpointing=False,
                             enable_model_summary=False, accelerator="cpu")
        trainer.fit(Net(), torch.utils.data.DataLoader(train_set, batch_size=8, shuffle=True),
                    torch.utils.data.DataLoader(val_set, batch_size=256))
        if out:
            shutil.copy(Path(trainer.logger.log_dir) / "metrics.csv",
                        out / "measured-lightning.csv")


def measured_hf(measure: bool = True, epochs: int = 15, share: float = SHARE,
                out: Path | None = OUT) -> None:
    import tempfile

    import torch
    import transformers

    from valgap.hf import GapCallback

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = _mlp(dropout=0.5)
            self.config = transformers.PretrainedConfig()  # what the Trainer looks up

        def forward(self, x, labels=None):
            logits = self.net(x)
            loss = None if labels is None else torch.nn.functional.cross_entropy(logits, labels)
            return {"loss": loss, "logits": logits}

    class Rows(torch.utils.data.Dataset):
        def __init__(self, data):
            self.data = data

        def __len__(self):
            return len(self.data)

        def __getitem__(self, i):
            x, y = self.data[i]
            return {"x": x, "labels": y}

    transformers.set_seed(1)
    train_set, val_set = _torch_data()
    with tempfile.TemporaryDirectory() as folder:
        args = transformers.TrainingArguments(
            folder, eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
            num_train_epochs=epochs, learning_rate=1e-3, per_device_train_batch_size=32,
            report_to=[], disable_tqdm=True, seed=1, use_cpu=True)
        trainer = transformers.Trainer(model=Classifier(), args=args,
                                       train_dataset=Rows(train_set),
                                       eval_dataset=Rows(val_set),
                                       callbacks=[GapCallback(share=share,
                                                              verbose=int(bool(out)))]
                                       if measure else [])
        trainer.train()
        if out:
            trainer.state.save_to_json(str(out / "measured-hf.json"))


def measured_torch(measure: bool = True, epochs: int = 30, share: float = SHARE,
                   out: Path | None = OUT) -> None:
    import torch

    from valgap.torch import fixed_batches, measure_gap

    torch.manual_seed(1)
    train_set, val_set = _torch_data(label_noise=0.25)
    model, criterion = _mlp(), torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True)
    gap_batches = fixed_batches(train_set, share=share) if measure else []
    xv, yv = val_set.tensors
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
        model.eval()
        with torch.no_grad():
            val = criterion(model(xv), yv).item()
        gap = f" {measure_gap(model, gap_batches, criterion).line()}" if measure else ""
        if out:
            print(f"epoch {epoch}/{epochs} train_loss {total / count:.6f} "
                  f"val_loss {val:.6f}{gap}", flush=True)


MEASURED = {"measured-keras": measured_keras, "measured-lightning": measured_lightning,
            "measured-hf": measured_hf, "measured-torch": measured_torch}


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--child":
        train(argv[2])
        return 0
    names = argv[1:] or list(SCENARIOS)
    OUT.mkdir(exist_ok=True)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="1")
    for name in names:
        if name not in SCENARIOS:
            print(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}", file=sys.stderr)
            return 2
        print(f"{name}: {SCENARIOS[name]}", file=sys.stderr)
        if name in QUIET:  # its product is the file its framework writes
            subprocess.run([sys.executable, __file__, "--child", name], env=env, check=True)
            continue
        with open(OUT / f"{name}.log", "wb") as log:
            # stdout and stderr both go to the log, as `python train.py > run.log 2>&1` does
            subprocess.run([sys.executable, __file__, "--child", name], stdout=log,
                           stderr=subprocess.STDOUT, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
