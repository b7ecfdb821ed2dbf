"""Measure the gap in a plain PyTorch loop: ``measure_gap(model, batches, loss_fn)``.

At the end of each epoch, after validation, re-score a fixed subset of the training data
twice, with no update: in training mode with the training loss as configured, and in
inference mode with the plain loss. Print the two numbers with the epoch's losses and
``valgap analyze`` splits the gap into its timing, train-mode and data parts::

    import torch
    from valgap.torch import fixed_batches, measure_gap

    gap_batches = fixed_batches(train_set, batch_size=64)   # 1,024 samples or 5 %, fixed
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
        model.eval()
        with torch.no_grad():
            val = sum(criterion(model(x), y).item() * len(y) for x, y in val_loader)
        val /= len(val_loader.dataset)
        gap = measure_gap(model, gap_batches, criterion)
        print(f"epoch {epoch} train_loss {total / count:.5f} val_loss {val:.5f} "
              f"{gap.line()}")

The measurement leaves training as it was: no gradient and no update, batch-norm running
statistics and every random generator (torch, CUDA, Python, NumPy) restored, the model's
mode restored, and the training data order untouched (the subset is drawn once, with a
generator of its own). It needs torch; valgap itself does not.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from valgap.measured import (
    DEFAULT_SAMPLES,
    DEFAULT_SHARE,
    EVAL,
    PENALTY,
    SUBSET_SE,
    TRAINMODE,
    batch_mean_and_se,
    subset_size,
)


@dataclass(frozen=True)
class GapMeasurement:
    """The training subset's loss in training mode (as configured) and in inference mode
    (plain), and the penalty term on its own (0 when none is given)."""

    trainmode_end: float
    eval_end: float
    penalty: float = 0.0
    eval_end_se: float = 0.0  # standard error of eval_end (from its batches' spread)

    def as_dict(self) -> dict[str, float]:
        """The values under the column names valgap reads."""
        out = {TRAINMODE: self.trainmode_end, EVAL: self.eval_end}
        if self.penalty:
            out[PENALTY] = self.penalty
        if self.eval_end_se:
            out[SUBSET_SE] = self.eval_end_se
        return out

    def line(self, decimals: int = 6) -> str:
        """``name value`` pairs to print after an epoch's losses."""
        return " ".join(f"{k} {v:.{decimals}f}" for k, v in self.as_dict().items())


def fixed_batches(dataset, batch_size: int = 32, samples: int = DEFAULT_SAMPLES,
                  seed: int = 0, share: float = DEFAULT_SHARE,
                  collate_fn: Callable | None = None) -> list:
    """A fixed subset of ``dataset`` as a list of collated batches: ``samples`` (1,024) or
    ``share`` (5 %) of the set, whichever is smaller, drawn once by a generator of its own
    so the training loop's random state and data order stay as they were. Small batches
    let the spread of their losses say how precise the subset's mean is."""
    n = len(dataset)
    size = subset_size(n, samples, share)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:size].tolist()
    subset = torch.utils.data.Subset(dataset, order)
    # a loader draws a seed when it starts iterating: from its own generator, not the global
    return list(torch.utils.data.DataLoader(subset, batch_size=batch_size, shuffle=False,
                                            collate_fn=collate_fn,
                                            generator=torch.Generator().manual_seed(seed)))


def measure_gap(model: torch.nn.Module, batches: Iterable, loss_fn: Callable,
                train_loss_fn: Callable | None = None,
                penalty: Callable[[], torch.Tensor | float] | None = None) -> GapMeasurement:
    """Re-score ``batches`` of ``(inputs, targets)`` without changing training.

    ``loss_fn`` is the plain loss (mean over a batch); ``train_loss_fn`` the loss training
    uses, if it differs (class weights, label smoothing); ``penalty`` a callable returning
    the penalty term training adds to its loss (an L2 sum), measured apart.
    """
    def scorer(fn: Callable) -> Callable:
        def score(batch) -> tuple[float, int]:
            inputs, targets = (to_device(part, model) for part in batch)
            return float(fn(model(inputs), targets)), len(targets)
        return score

    return measure_with(model, batches, scorer(train_loss_fn or loss_fn), scorer(loss_fn),
                        penalty)


def measure_with(model: torch.nn.Module, batches: Iterable,
                 train_score: Callable, eval_score: Callable,
                 penalty: Callable[[], torch.Tensor | float] | None = None) -> GapMeasurement:
    """The measurement with scoring functions of one's own: ``score(batch)`` returns the
    batch's mean loss and its sample count (a Trainer's batches are dicts, its model
    returns its own loss). Training mode first, then inference mode, then everything put
    back as it was."""
    batches = list(batches)
    was_training = model.training
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    states = _random_states()
    try:
        with torch.no_grad():
            model.train()
            trainmode, _ = _mean_loss(batches, train_score)
            _restore_buffers(model, buffers)  # batch norm updated its running statistics
            model.eval()
            evaluated, se = _mean_loss(batches, eval_score)
            term = float(penalty()) if penalty is not None else 0.0
    finally:
        _restore_buffers(model, buffers)
        _restore_random(states)
        model.train(was_training)
    return GapMeasurement(trainmode + term, evaluated, term, se)


def to_device(value, model: torch.nn.Module):
    """A tensor (or a dict of them) on the model's device."""
    device = next((p.device for p in model.parameters()), None)
    if device is None:
        return value
    if isinstance(value, dict):
        return {k: v.to(device) if hasattr(v, "to") else v for k, v in value.items()}
    return value.to(device) if hasattr(value, "to") else value


def _mean_loss(batches: list, score: Callable) -> tuple[float, float]:
    """The mean loss over the batches and its standard error (from the batch means)."""
    means, sizes = [], []
    for batch in batches:
        mean, size = score(batch)
        means.append(mean)
        sizes.append(size)
    if not sizes:
        raise ValueError("the gap measurement needs at least one batch")
    return batch_mean_and_se(means, sizes)


def _restore_buffers(model: torch.nn.Module, saved: dict[str, torch.Tensor]) -> None:
    for name, buffer in model.named_buffers():
        if name in saved:
            buffer.copy_(saved[name])


def _random_states() -> dict:
    states = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    try:
        import numpy

        states["numpy"] = numpy.random.get_state()
    except ImportError:  # pragma: no cover - numpy comes with pandas
        pass
    return states


def _restore_random(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    random.setstate(states["python"])
    if "cuda" in states:
        torch.cuda.set_rng_state_all(states["cuda"])
    if "numpy" in states:
        import numpy

        numpy.random.set_state(states["numpy"])
