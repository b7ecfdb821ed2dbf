#!/usr/bin/env python3
"""Make labelled real runs a thirty-third way: logged by DVCLive, the log the ``dvclive/``
folder each run leaves (``plots/metrics/*.tsv``, a TSV file per metric, and
``params.yaml`` where the run logs its parameters), through DVCLive's own integrations:
Keras 3's ``DVCLiveCallback`` (a step an epoch: ``loss.tsv``, ``val_loss.tsv``),
Lightning's ``DVCLiveLogger`` (the global step, an ``epoch`` metric, the module's
hyperparameters in ``params.yaml``), the Hugging Face Trainer's ``DVCLiveCallback`` (a step
per log: the training loss and the evaluation at alternate steps, the Trainer's arguments in
``params.yaml``) and a plain PyTorch loop calling ``Live`` itself (``train/loss``,
``val/loss``, ``next_step()`` once an epoch or after each of the two).

Task, generated (no download): scikit-learn's ``make_classification`` (3 classes, 20
features, 8 informative), a small multilayer perceptron.

Scenarios: dropout (stated in the logged parameters or not), batch norm on batches of
eight, smoothed labels in the training loss only (Lightning) and the Trainer's
``label_smoothing_factor`` (which smooths the evaluation's loss too), an L2 term in the
logged training loss, a wide network on 200 rows, a rate too small, 30 % of the training
labels flipped, validation rows from the classes' cores.

Beside each run the script writes ``numbers.json``: the logged losses and the training
set's loss re-scored in inference mode at each epoch's end (plain cross-entropy, no
dropout, running statistics), for labelling; valgap never reads it. The labels below were
written from those numbers before valgap read any run. Seed 1 is the development half,
seed 2 held out::

    venv/bin/pip install dvclive tensorflow-cpu keras lightning transformers scikit-learn
    venv/bin/python scripts/make_thirtythirdway_runs.py tests/data/thirtythirdway --seeds 1 2
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import _labels
import _mlp

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # Keras, Dropout(0.5) twice: validation 0.98x the logged training loss late, which
    # dropout makes 1.34x the inference-mode one (the gap it hides: validation 1.32x that)
    "kr_dropout": ("good-fit", [], [], None),
    # 200 rows, 512 wide: validation lowest at 3 (0.88, 0.76), then 2.4 and 1.8 while
    # training falls to 1e-4
    "kr_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # Lightning, batch norm on batches of 8 (batch_norm: true in params.yaml): validation
    # 0.95x the logged training loss late, below it at most epochs; the logged loss 1.57x
    # the inference-mode one
    "pl_batchnorm": ("good-fit", ["val-below-train"], ["batchnorm"], "train-mode"),
    # dropout 0.5 in params.yaml: validation 1.06x training late, both still falling
    "pl_dropout_params": ("good-fit", [], [], None),
    # smoothed labels (0.2) in the training loss only: validation 0.87x and 0.91x the
    # logged training loss late (1.82-1.95x the plain inference-mode loss)
    "pl_smoothing": ("val-below-train", ["good-fit"], ["loss-weighting"], "train-mode"),
    # the Trainer's label_smoothing_factor 0.2 smooths the evaluation's loss too:
    # validation 1.08x and 1.12x training, nothing to explain
    "hf_smoothing": ("good-fit", ["overfit"], [], None),
    # 200 rows, 512 wide, 60 epochs: validation lowest at its 5th (3rd) evaluation, then
    # 2.1 (1.8) while training falls to 2e-4
    "hf_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # 30 % of training labels redrawn: validation lowest at 11 (6), 39 % (56 %) above by
    # the end, 2.9x (3.5x) training late
    "pt_noisy": ("overfit", [], ["overfitting-onset"], "fit"),
    # a rate of 2e-6: both at 1.09-1.11 (chance, ln 3) all run
    "pt_underfit": ("underfit", [], [], None),
    # validation from the classes' cores: 0.37x (0.49x) training from epoch 2, flat while
    # training falls; the inference-mode loss beside the logged one (1.09x)
    "pt_easy_val": ("val-below-train", [], ["easy-validation"], "data-split"),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # dropout hides a gap that opened: validation flat at 0.56 from epoch ~15 while the
    # logged training loss falls to 0.375 (1.39x late; 2.05x the inference-mode loss)
    ("kr_dropout", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # validation flat at 0.51-0.55 from epoch 8, the logged training loss falling to 0.49
    # (1.08x late)
    ("pl_batchnorm", 2): ("good-fit", ["overfit"], [], None),
    # validation flat at 0.55-0.56 from epoch 15, training falling 0.475 -> 0.371 (1.49x)
    ("pl_dropout_params", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # the Trainer, dropout 0.4 (nothing in params.yaml says so): validation 1.01x the
    # logged training loss, still falling
    ("hf_dropout", 1): ("good-fit", [], [], None),
    # validation flat at 0.585 over the last third, training 0.58 -> 0.52 (1.14x)
    ("hf_dropout", 2): ("good-fit", ["overfit"], [], None),
    # an L2 term in the logged loss (1.8x the plain one): validation noisy at 0.46-0.52
    # from epoch 10, 1.13x the logged loss late (2.0x the plain one)
    ("pt_l2", 1): ("good-fit", ["overfit"], [], None),
    # validation flat at ~0.58 from epoch 3 while the logged loss falls 0.56 -> 0.37
    # (1.56x late)
    ("pt_l2", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # next_step() after each loss, dropout 0.5 in params.yaml: 1.03x late, still falling
    ("pt_dropout_alternate", 1): ("good-fit", [], [], None),
    # validation flat at 0.56 from epoch 12, training 0.47 -> 0.36 (1.45x)
    ("pt_dropout_alternate", 2): ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
}

# scenario -> (framework, training rows, dropout, batch norm, batch size, smoothing, L2
# weight, learning rate, epochs, training labels flipped, validation from the cores,
# parameters logged, losses at alternate steps, hidden width)
PLANS = {
    "kr_dropout": ("keras", 1500, 0.5, False, 32, 0.0, 0.0, 1e-3, 40, 0.0, False, False,
                   False, 128),
    "kr_overfit": ("keras", 200, 0.0, False, 16, 0.0, 0.0, 1e-3, 120, 0.0, False, False,
                   False, 512),
    "pl_batchnorm": ("lightning", 1500, 0.0, True, 8, 0.0, 0.0, 1e-3, 25, 0.0, False, True,
                     False, 64),
    "pl_dropout_params": ("lightning", 1500, 0.5, False, 32, 0.0, 0.0, 1e-3, 40, 0.0, False,
                          True, False, 128),
    "pl_smoothing": ("lightning", 1500, 0.0, False, 32, 0.2, 0.0, 1e-3, 30, 0.0, False, True,
                     False, 64),
    "hf_dropout": ("hf", 1500, 0.4, False, 32, 0.0, 0.0, 1e-3, 15, 0.0, False, False,
                   True, 128),
    "hf_smoothing": ("hf", 1500, 0.0, False, 32, 0.2, 0.0, 1e-3, 15, 0.0, False, True,
                     True, 64),
    "hf_overfit": ("hf", 200, 0.0, False, 16, 0.0, 0.0, 2e-3, 60, 0.0, False, False,
                   True, 512),
    "pt_l2": ("torch", 1500, 0.0, False, 32, 0.0, 3e-3, 1e-3, 40, 0.0, False, False,
              False, 128),
    "pt_underfit": ("torch", 1500, 0.0, False, 32, 0.0, 0.0, 2e-6, 30, 0.0, False, False,
                    False, 64),
    "pt_noisy": ("torch", 1500, 0.0, False, 32, 0.0, 0.0, 1e-3, 40, 0.3, False, False,
                 False, 128),
    "pt_easy_val": ("torch", 1500, 0.0, False, 32, 0.0, 0.0, 1e-3, 30, 0.0, True, False,
                    False, 64),
    "pt_dropout_alternate": ("torch", 1500, 0.5, False, 32, 0.0, 0.0, 1e-3, 40, 0.0, False,
                             True, True, 128),
}
FRAMEWORK = 0
KEPT = (".tsv", ".yaml", ".json")  # what of the folder is kept: metrics, params, summary


def data(seed: int, rows: int, flipped: float, cores: bool):
    """Training, validation rows of a 3-class problem (validation from the classes' cores,
    the rows a fitted model is surest of, where ``cores``); ``flipped`` of the training
    labels redrawn."""
    import numpy as np
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=rows + 3000, n_features=20, n_informative=8,
                               n_redundant=4, n_classes=3, n_clusters_per_class=2,
                               flip_y=0.05, class_sep=1.0, random_state=seed)
    x = ((x - x.mean(0)) / x.std(0)).astype("float32")
    return _mlp.held_out_split(x, y, rows, np.random.default_rng(seed), flipped, cores,
                               3)


def kept_folder(folder: Path) -> dict[str, str]:
    """A DVCLive folder's metric files, parameters and summary, by relative path."""
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in KEPT and "artifacts" not in p.parts}


def inference_loss(model, x, y) -> float:
    """The plain cross-entropy of a torch model on a set, in inference mode."""
    import torch
    import torch.nn.functional as F

    was = model.training
    model.eval()
    with torch.no_grad():
        loss = float(F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y)))
    model.train(was)
    return loss


def train_keras(plan, seed, where: Path, numbers) -> Path:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    from dvclive import Live
    from dvclive.keras import DVCLiveCallback

    _, rows, dropout, _, batch, _, _, lr, epochs, flipped, cores, _, _, width = plan
    xt, yt, xv, yv = data(seed, rows, flipped, cores)
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((20,))]
    for _ in range(2):
        layers.append(keras.layers.Dense(width, activation="relu"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy")

    class InferenceMode(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            numbers["train"].append(float(logs["loss"]))
            numbers["val"].append(float(logs["val_loss"]))
            numbers["train_eval_mode"].append(float(model.evaluate(xt, yt, verbose=0)))

    folder = where / "dvclive"
    live = Live(str(folder), save_dvc_exp=False)
    model.fit(xt, yt, validation_data=(xv, yv), epochs=epochs, batch_size=batch, verbose=0,
              callbacks=[InferenceMode(), DVCLiveCallback(live=live)])
    live.end()
    return folder


def train_lightning(plan, seed, where: Path, numbers) -> Path:
    import lightning as L
    import torch
    import torch.nn.functional as F
    from dvclive.lightning import DVCLiveLogger
    from torch.utils.data import DataLoader, TensorDataset

    _, rows, dropout, batchnorm, batch, smoothing, _, lr, epochs, flipped, cores, params, \
        _, width = plan
    xt, yt, xv, yv = data(seed, rows, flipped, cores)
    L.seed_everything(seed, verbose=False)

    class Classifier(L.LightningModule):
        def __init__(self, **hparams):
            super().__init__()
            if params:
                self.save_hyperparameters()
            self.net = _mlp.each_layer_normed(20, width, 3, dropout, batchnorm)

        def training_step(self, b, _):
            loss = F.cross_entropy(self.net(b[0]), b[1], label_smoothing=smoothing)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, b, _):
            self.log("val_loss", F.cross_entropy(self.net(b[0]), b[1]), on_epoch=True)

        def on_train_epoch_end(self):
            metrics = self.trainer.callback_metrics
            numbers["train"].append(float(metrics["train_loss_epoch"]))
            numbers["val"].append(float(metrics["val_loss"]))
            numbers["train_eval_mode"].append(inference_loss(self.net, xt, yt))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=lr)

    model = Classifier(dropout=dropout, batch_norm=batchnorm, batch_size=batch,
                       label_smoothing=smoothing, lr=lr, hidden=width)
    folder = where / "dvclive"
    logger = DVCLiveLogger(dir=str(folder), save_dvc_exp=False)
    sets = [DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                       batch_size=batch, shuffle=shuffle)
            for x, y, shuffle in ((xt, yt, True), (xv, yv, False))]
    L.Trainer(max_epochs=epochs, logger=logger, enable_progress_bar=False,
              enable_model_summary=False, enable_checkpointing=False,
              log_every_n_steps=20).fit(model, *sets)
    return folder


def train_hf(plan, seed, where: Path, numbers) -> Path:
    import torch
    import torch.nn.functional as F
    from dvclive import Live
    from transformers import PretrainedConfig, Trainer, TrainerCallback, TrainingArguments
    from transformers.integrations import DVCLiveCallback

    _, rows, dropout, _, batch, smoothing, _, lr, epochs, flipped, cores, _, _, width = plan
    xt, yt, xv, yv = data(seed, rows, flipped, cores)
    torch.manual_seed(seed)

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = PretrainedConfig()  # what the Trainer asks of a model
            self.net = _mlp.each_layer_normed(20, width, 3, dropout, False)

        def forward(self, x, labels=None):
            logits = self.net(x)
            if labels is None:
                return {"logits": logits}
            return {"loss": F.cross_entropy(logits, labels), "logits": logits}

    def rows_of(x, y):
        return [{"x": torch.from_numpy(a), "labels": torch.tensor(b)} for a, b in zip(x, y)]

    model = Classifier()
    steps = (rows + batch - 1) // batch
    args = TrainingArguments(
        output_dir=str(where / "out"), num_train_epochs=epochs,
        per_device_train_batch_size=batch, per_device_eval_batch_size=256,
        learning_rate=lr, label_smoothing_factor=smoothing, eval_strategy="steps",
        eval_steps=steps // 2, logging_steps=steps // 2, save_strategy="no",
        report_to="none", seed=seed, disable_tqdm=True, use_cpu=True)

    class InferenceMode(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kw):
            numbers["val"].append(float(metrics["eval_loss"]))
            numbers["train_eval_mode"].append(inference_loss(model.net, xt, yt))

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                numbers["train"].append(float(logs["loss"]))

    folder = where / "dvclive"
    live = Live(str(folder), save_dvc_exp=False)
    Trainer(model=model, args=args, train_dataset=rows_of(xt, yt),
            eval_dataset=rows_of(xv, yv),
            callbacks=[InferenceMode(), DVCLiveCallback(live=live)]).train()
    live.end()
    return folder


def train_torch(plan, seed, where: Path, numbers) -> Path:
    import torch
    import torch.nn.functional as F
    from dvclive import Live

    _, rows, dropout, batchnorm, batch, smoothing, l2, lr, epochs, flipped, cores, params, \
        alternate, width = plan
    xt, yt, xv, yv = data(seed, rows, flipped, cores)
    torch.manual_seed(seed)
    model = _mlp.each_layer_normed(20, width, 3, dropout, batchnorm)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    folder = where / "dvclive"
    live = Live(str(folder), save_dvc_exp=False)
    if params:
        live.log_params({"dropout": dropout, "l2_lambda": l2, "lr": lr, "batch_size": batch,
                         "epochs": epochs})
    x, y = torch.from_numpy(xt), torch.from_numpy(yt)
    for _ in range(epochs):
        model.train()
        order, total = torch.randperm(len(x)), 0.0
        for start in range(0, len(x), batch):
            pick = order[start:start + batch]
            loss = F.cross_entropy(model(x[pick]), y[pick], label_smoothing=smoothing)
            if l2:
                loss = loss + l2 * sum((p ** 2).sum() for n, p in model.named_parameters()
                                       if "weight" in n)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss) * len(pick)
        train_loss, val_loss = total / len(x), inference_loss(model, xv, yv)
        numbers["train"].append(train_loss)
        numbers["val"].append(val_loss)
        numbers["train_eval_mode"].append(inference_loss(model, xt, yt))
        live.log_metric("train/loss", train_loss)
        if alternate:
            live.next_step()
        live.log_metric("val/loss", val_loss)
        live.next_step()
    live.end()
    return folder


TRAINERS = {"keras": train_keras, "lightning": train_lightning, "hf": train_hf,
            "torch": train_torch}


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process: the run trained and logged by DVCLive, its folder and numbers."""
    plan = PLANS[scenario]
    numbers: dict = {"train": [], "val": [], "train_eval_mode": []}
    with tempfile.TemporaryDirectory() as where:
        os.chdir(where)  # DVCLive and the Trainer write beside the working folder
        folder = TRAINERS[plan[FRAMEWORK]](plan, seed, Path(where), numbers)
        numbers["folder"] = kept_folder(folder)
    Path(numbers_path).write_text(json.dumps(numbers))


def run(scenario: str, seed: int) -> tuple[dict, dict, str]:
    _, numbers = _labels.child_run(__file__, scenario, seed)
    return numbers.pop("folder"), numbers, "dvclive"


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "dvclive", LABELS, SEED_LABELS,
                            "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
