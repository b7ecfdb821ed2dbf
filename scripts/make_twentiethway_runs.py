#!/usr/bin/env python3
"""Make labelled real runs a twentieth way: a small BERT (``BertForSequenceClassification``
built from a config, no download) trained by the Hugging Face ``Trainer`` on a synthetic
text task, the script's console the log (``python train.py > train.log 2>&1``): the
Trainer's tqdm bars redrawn in place, its dicts (``{'loss': ..., 'grad_norm': ...,
'learning_rate': ..., 'epoch': ...}``, ``{'eval_loss': ..., 'eval_accuracy': ...}``, the
closing ``{'train_runtime': ...}``), where a run shows it ``print(model)`` first, and
where its script logs at INFO level (as the Hugging Face example scripts do) the Trainer's
account of the run (``***** Running training *****``, ``Num examples = 3,000``, ...).

The task: sequences of 12-32 token ids from a vocabulary of 300, three classes, each
sequence holding one to three marker tokens of its class among background tokens (a third
also one marker of another class). Mechanisms: the config's dropout (0.3, or BERT's default
0.1) on or off, the model printed or not, evaluation and logging each epoch or every few
steps, 300 training rows for many epochs, a learning rate too small to move, 35 % of the
training labels redrawn, a validation set of clearer sequences, a validation set of near
copies of training rows, a regression on the markers' counts (``num_labels=1``, MSE).

Beside each log the script writes ``numbers.json``: the logged losses with their epochs, the
evaluation losses, and at each evaluation the training split (its first 1,000 rows)
re-scored in eval mode, for labelling; valgap never reads it. The labels below were written
from those numbers before valgap read any run. Seed 1 is the development half, seed 2 held
out::

    python scripts/make_twentiethway_runs.py tests/data/twentiethway --seeds 1 2
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import _labels

# scenario -> expected fit, fit alternatives, causes, family (from the numbers)
LABELS: dict[str, _labels.Label] = {
    # no dropout, evaluated every third of an epoch: validation lowest at epoch 4.6 (4.3),
    # flat (7 % above it) after while training falls to 0.05 (0.03): 2-3x (4-6x) late
    "hf_healthy": ("overfit", [], ["overfitting-onset"], "fit"),
    # logged and evaluated each epoch, 5 epochs: validation below the logged loss at
    # epochs 1-3 (0.53-0.76x) while level with the training split scored in eval mode at
    # each epoch's end (0.93-1.10x): the epoch's mean lags; lowest at the last epoch, 1.7x
    "hf_epoch_logged": ("good-fit", ["overfit"], ["epoch-averaging"], "timing"),
    # dropout 0.3 (model printed): validation below the logged loss at epochs 1-6, level
    # late (1.03-1.16x), lowest at epoch 7 and 4 % above it at 8; the logged loss 1.55x
    # the eval-mode one at the end (dropout), that at the end of epoch 1 level with it
    "hf_dropout_shown": ("good-fit", ["val-below-train", "overfit"], ["dropout"],
                         "train-mode"),
    # dropout 0.3, evaluated every third of an epoch: validation below training for
    # 5 epochs, then flat (lowest at 5.9, 3 % above it at the end; 4.6 and 0 %) while
    # training falls on: 1.25-1.46x (1.3-1.6x) and growing
    "hf_dropout_steps": ("overfit", ["good-fit"], ["overfitting-onset"], "fit"),
    # BERT's default dropout (0.1, printed): validation lowest at 5.3 (4.3), 7 % (14 %)
    # above it at the end, 2-2.7x (3-4x) training late
    "hf_defaults_shown": ("overfit", [], ["overfitting-onset"], "fit"),
    # 300 training rows, 40 epochs: validation lowest at epoch 9 (7), 1.7x that at the
    # end, training to 0.003
    "hf_overfit": ("overfit", [], ["overfitting-onset"], "fit"),
    # a learning rate of 1e-6: both at ln 3 = 1.0986 for 5 epochs
    "hf_underfit": ("underfit", [], [], None),
    # 35 % of the training labels redrawn: validation at 0.53-0.79x training throughout
    # (and as far below the eval-mode training loss): lowest at epoch 5 (4), 12 % (19 %)
    # above it at the end
    "hf_noisy_train": ("val-below-train", ["overfit"], ["easy-validation"], "data-split"),
    # validation of clearer sequences: 0.18-0.69x training throughout, as far below the
    # eval-mode training loss (0.28-0.75x), both falling to 0.01
    "hf_easy_val": ("val-below-train", ["good-fit"], ["easy-validation"], "data-split"),
    # validation of near copies of training rows: level with the eval-mode training loss
    # (0.98-1.07x) all the way down to 0.007 (0.004); below the logged mean early
    "hf_leakage": ("good-fit", ["val-below-train"], ["leakage"], "data-split"),
    # a regression on the markers' counts (MSE): validation 1.2-1.5x (1.5-1.8x) training
    # late, still falling (lowest at the end; at 6.9, then flat), no train-mode gap
    "hf_regression": ("good-fit", ["overfit"], [], None),
}
SEED_LABELS: dict[tuple[str, int], _labels.Label] = {
    # seed 2 of the epoch-logged run: validation lowest at epoch 4, 4 % above it at 5,
    # training 0.054: 2.3-3.5x late
    ("hf_epoch_logged", 2): ("overfit", [], ["overfitting-onset"], "fit"),
    # seed 2 of the printed dropout run settled at 0.52/0.59: validation above training
    # from epoch 3 (1.01-1.14x), the logged loss only 1.09x the eval-mode one; nothing
    # puts validation below
    ("hf_dropout_shown", 2): ("good-fit", [], [], None),
}

# scenario -> (training rows, hidden size, dropout (None: BERT's default 0.1), model
#              printed, evaluation "epoch" or "steps", learning rate, epochs, training
#              labels redrawn, validation ("plain", "clear" or "copies"), task)
PLANS = {
    "hf_healthy": (3000, 64, 0.0, False, "steps", 5e-4, 6, False, "plain", "classes"),
    "hf_epoch_logged": (3000, 64, 0.0, True, "epoch", 5e-4, 5, False, "plain", "classes"),
    "hf_dropout_shown": (3000, 64, 0.3, True, "epoch", 5e-4, 8, False, "plain", "classes"),
    "hf_dropout_steps": (3000, 64, 0.3, False, "steps", 5e-4, 8, False, "plain", "classes"),
    "hf_defaults_shown": (3000, 64, None, True, "steps", 5e-4, 8, False, "plain", "classes"),
    "hf_overfit": (300, 128, 0.0, False, "epoch", 5e-4, 40, False, "plain", "classes"),
    "hf_underfit": (3000, 64, 0.0, False, "epoch", 1e-6, 5, False, "plain", "classes"),
    "hf_noisy_train": (3000, 64, 0.0, False, "epoch", 5e-4, 10, True, "plain", "classes"),
    "hf_easy_val": (3000, 64, 0.0, False, "epoch", 5e-4, 8, False, "clear", "classes"),
    "hf_leakage": (3000, 64, 0.0, False, "epoch", 5e-4, 10, False, "copies", "classes"),
    "hf_regression": (3000, 64, 0.0, True, "steps", 5e-4, 8, False, "plain", "counts"),
}

# runs whose script logs at INFO level, as the Hugging Face example scripts do: the
# Trainer's account of each run ("***** Running training *****", "Num examples = 3,000")
INFO_LEVEL = {"hf_noisy_train", "hf_easy_val", "hf_leakage", "hf_regression"}

VOCAB, CLASSES, MARKERS = 300, 3, 10  # markers of class c: 250 + 10c ... 250 + 10c + 9
BACKGROUND = (2, 250)  # 0 pads, 1 opens every sequence


def sequences(rng, rows: int, clear: bool = False):
    """``rows`` token sequences and their classes (and, for the regression, the count of
    class-0 markers less class-1 markers). A clear sequence holds three to five markers
    of its class and none of another."""
    import numpy as np

    ids = np.zeros((rows, 32), dtype=np.int64)
    classes = rng.integers(0, CLASSES, rows)
    counts = np.zeros(rows, dtype=np.float32)
    for i in range(rows):
        length = int(rng.integers(12, 33))
        tokens = rng.integers(*BACKGROUND, length)
        own = int(rng.integers(3, 6)) if clear else int(rng.integers(1, 4))
        slots = rng.choice(np.arange(1, length), size=own + 1, replace=False)
        tokens[slots[:own]] = 250 + MARKERS * classes[i] + rng.integers(0, MARKERS, own)
        other = -1
        if not clear and rng.random() < 0.33:
            other = int((classes[i] + rng.integers(1, CLASSES)) % CLASSES)
            tokens[slots[own]] = 250 + MARKERS * other + rng.integers(0, MARKERS)
        tokens[0] = 1
        ids[i, :length] = tokens
        per_class = np.bincount(((tokens[tokens >= 250] - 250) // MARKERS), minlength=CLASSES)
        counts[i] = per_class[0] - per_class[1] + rng.normal(0, 0.3)
    return ids, classes, counts


def data(plan: tuple, seed: int):
    """(training ids, labels), (validation ids, labels) for a plan."""
    import numpy as np

    rows, _, _, _, _, _, _, noisy, validation, task = plan
    rng = np.random.default_rng(seed)
    x_tr, c_tr, n_tr = sequences(rng, rows)
    if validation == "copies":  # near copies: a training row with a tenth of its tokens redrawn
        pick = rng.choice(rows, 800, replace=False)
        x_va, c_va, n_va = x_tr[pick].copy(), c_tr[pick], n_tr[pick]
        change = (rng.random(x_va.shape) < 0.1) & (x_va >= 2) & (x_va < 250)
        x_va[change] = rng.integers(*BACKGROUND, int(change.sum()))
    else:
        x_va, c_va, n_va = sequences(rng, 800, clear=validation == "clear")
    if noisy:  # 35 % of the training labels redrawn at random
        flip = rng.random(rows) < 0.35
        c_tr = np.where(flip, rng.integers(0, CLASSES, rows), c_tr)
    if task == "counts":
        return (x_tr, n_tr), (x_va, n_va)
    return (x_tr, c_tr), (x_va, c_va)


class Rows:
    """Token sequences as the Trainer passes them to the model."""

    def __init__(self, ids, labels) -> None:
        self.ids, self.labels = ids, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        import torch

        ids = torch.tensor(self.ids[i])
        return {"input_ids": ids, "attention_mask": (ids > 0).long(),
                "labels": torch.tensor(self.labels[i])}


def train(scenario: str, seed: int, numbers_path: str) -> None:
    """In a child process whose console is the log: one ``Trainer.train``."""
    import numpy as np
    import torch
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        set_seed,
    )

    plan = PLANS[scenario]
    _, hidden, dropout, shown, strategy, lr, epochs, _, _, task = plan
    set_seed(seed)
    torch.set_num_threads(1)
    (x_tr, y_tr), (x_va, y_va) = data(plan, seed)
    extra = {} if dropout is None else {"hidden_dropout_prob": dropout,
                                        "attention_probs_dropout_prob": dropout}
    config = BertConfig(vocab_size=VOCAB, hidden_size=hidden, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=2 * hidden,
                        max_position_embeddings=32,
                        num_labels=1 if task == "counts" else CLASSES, **extra)
    model = BertForSequenceClassification(config)
    if shown:
        print(model, flush=True)

    def accuracy(prediction) -> dict[str, float]:
        logits, labels = prediction
        return {"accuracy": float((np.argmax(logits, -1) == labels).mean())}

    numbers: dict[str, list] = {"train": [], "train_epoch": [], "val": [], "val_epoch": [],
                                "train_eval_mode": []}
    scored = Rows(x_tr[:1000], y_tr[:1000])

    class Numbers(TrainerCallback):
        """The logged losses and the training split re-scored in eval mode at each
        evaluation, for labelling (written beside the log, never printed)."""

        def on_log(self, args, state, control, logs=None, **kwargs) -> None:
            logs = logs or {}
            if "loss" in logs:
                numbers["train"].append(logs["loss"])
                numbers["train_epoch"].append(logs.get("epoch"))
            if "eval_loss" in logs:
                numbers["val"].append(logs["eval_loss"])
                numbers["val_epoch"].append(logs.get("epoch"))

        def on_evaluate(self, args, state, control, model=None, **kwargs) -> None:
            was = model.training
            model.eval()
            with torch.no_grad():
                batch = {k: torch.stack([scored[i][k] for i in range(len(scored))])
                         for k in ("input_ids", "attention_mask", "labels")}
                numbers["train_eval_mode"].append(model(**batch).loss.item())
            model.train(was)

    steps_per_epoch = -(-len(y_tr) // 32)
    every = max(10, steps_per_epoch // 3)
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=32, per_device_eval_batch_size=128,
            num_train_epochs=epochs, learning_rate=lr, weight_decay=0.01, warmup_steps=10,
            eval_strategy=strategy, logging_strategy=strategy, eval_steps=every,
            logging_steps=every, save_strategy="no", report_to=[], seed=seed, use_cpu=True,
            dataloader_num_workers=0)
        trainer = Trainer(model=model, args=args, train_dataset=Rows(x_tr, y_tr),
                          eval_dataset=Rows(x_va, y_va),
                          compute_metrics=None if task == "counts" else accuracy,
                          callbacks=[Numbers()])
        trainer.train()
    Path(numbers_path).write_text(json.dumps(numbers, indent=1))


def run(scenario: str, seed: int) -> tuple[str, dict, str]:
    level = "info" if scenario in INFO_LEVEL else "warning"
    console, numbers = _labels.child_run(__file__, scenario, seed, COLUMNS="120",
                                         TRANSFORMERS_VERBOSITY=level)
    return console, numbers, "train.log.gz"


def main() -> int:
    return _labels.generate(__doc__, list(PLANS), run, "hugging face trainer (console)",
                            LABELS, SEED_LABELS, "val", child=train)


if __name__ == "__main__":
    raise SystemExit(main())
