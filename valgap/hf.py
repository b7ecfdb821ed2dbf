"""Measure the gap while a Hugging Face ``Trainer`` trains: ``valgap.hf.GapCallback``.

At each evaluation, the callback re-scores a fixed subset of the training data with the
model's own loss, in training mode (dropout on) and in inference mode, with no update, both
scored as the Trainer scores (label smoothing, where set, applies to its ``eval_loss`` too,
so it is on both sides of the gap and no part of it), and adds ``train_loss_trainmode_end`` and
``train_loss_eval_end`` (and its standard error) to ``state.log_history``: they are saved in
``trainer_state.json`` with every checkpoint (and by ``trainer.save_state()``), so
``valgap analyze output/checkpoint-500/trainer_state.json`` splits the gap into its timing,
train-mode and data parts. At the end of training it prints valgap's verdict
(``verbose=0`` turns that off)::

    from valgap.hf import GapCallback

    trainer = Trainer(model=model, args=TrainingArguments("out", eval_strategy="epoch",
                      logging_strategy="epoch"), train_dataset=train, eval_dataset=val,
                      callbacks=[GapCallback()])
    trainer.train()

The model must return its loss when its batch has labels (every ``*For*`` model does).
AdamW's weight decay is not part of the loss, so there is no penalty term to measure.
Training is left as it was: no update, random generators restored, data order untouched.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from transformers import TrainerCallback

from valgap._callbacks import print_verdict
from valgap.torch import fixed_batches, measure_with, to_device


class GapCallback(TrainerCallback):
    """Re-score a fixed training subset at each evaluation and log the gap's parts.

    ``samples`` / ``share``: the subset's size (1,024 samples or 5 % of the training set,
    whichever is smaller); ``batch_size``: the batches it is scored in (default: the
    training batch size, since batch statistics in training mode depend on it).
    """

    def __init__(self, samples: int = 1024, share: float = 0.05, batch_size: int | None = None,
                 seed: int = 0, verbose: int = 1) -> None:
        self.samples, self.share, self.batch_size, self.seed = samples, share, batch_size, seed
        self.verbose = verbose
        self.batches: list = []

    def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
        if train_dataloader is None:
            return
        batch_size = self.batch_size or args.per_device_train_batch_size
        self.batches = fixed_batches(train_dataloader.dataset, batch_size, self.samples,
                                     self.seed, self.share,
                                     getattr(train_dataloader, "collate_fn", None))

    def on_evaluate(self, args, state, control, model=None, **kwargs):
        if model is None or not self.batches:
            return
        smoothing = getattr(args, "label_smoothing_factor", 0.0) or 0.0
        scorer = _scorer(model, smoothing)
        measured = measure_with(model, self.batches, scorer, scorer)
        entry = {"epoch": state.epoch, "step": state.global_step, **measured.as_dict()}
        state.log_history.append({k: round(v, 6) if isinstance(v, float) else v
                                  for k, v in entry.items()})

    def on_train_end(self, args, state, control, **kwargs):
        if not self.verbose or not state.is_world_process_zero:
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "trainer_state.json"
            state.save_to_json(str(path))
            print_verdict(str(path), "the trainer state")


def _scorer(model, smoothing: float):
    """The model's own loss on a batch (label-smoothed as the Trainer does, in training and
    in evaluation)."""
    def score(batch) -> tuple[float, int]:
        batch = to_device(dict(batch), model)
        outputs = model(**batch)
        labels = batch.get("labels")
        count = len(labels) if labels is not None else len(next(iter(batch.values())))
        if smoothing and labels is not None:
            from transformers.trainer_pt_utils import LabelSmoother

            return float(LabelSmoother(epsilon=smoothing)(outputs, labels)), count
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs[0]
        return float(loss), count

    return score
