"""Measure the gap while PyTorch Lightning trains: ``valgap.lightning.GapCallback``.

After each training epoch (and its validation), the callback re-scores a fixed subset of the
training data in training mode and in inference mode, with no update, and logs
``train_loss_trainmode_end``, ``train_loss_eval_end`` (and its standard error, and the
penalty when you give one) with ``self.log``: they land in ``metrics.csv`` and TensorBoard
beside your ``train_loss`` and ``val_loss``, so ``valgap analyze lightning_logs/version_0``
splits the gap into its timing, train-mode and data parts. At the end of training it
prints valgap's verdict (``verbose=0`` turns that off)::

    from valgap.lightning import GapCallback

    trainer = L.Trainer(max_epochs=20, logger=CSVLogger("logs"),
                        callbacks=[GapCallback(loss_fn=torch.nn.functional.cross_entropy)])
    trainer.fit(model, train_loader, val_loader)

Your module logs its losses per epoch (``self.log("train_loss", loss, on_epoch=True)``,
``self.log("val_loss", ...)``), its ``forward`` gives what ``loss_fn(outputs, targets)``
takes, and its training batches are ``(inputs, targets)``. Training is left as it was: no
update, batch-norm statistics and random generators restored, the data order untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

try:
    import lightning.pytorch as pl
except ModuleNotFoundError:  # the older package name
    import pytorch_lightning as pl

from valgap._callbacks import print_verdict
from valgap.torch import fixed_batches, measure_gap


class GapCallback(pl.Callback):
    """Re-score a fixed training subset at each epoch's end and log the gap's parts.

    ``loss_fn(outputs, targets)``: the plain loss (default: the module's ``loss_fn`` or
    ``criterion`` attribute). ``train_loss_fn``: the loss training uses, if it differs.
    ``penalty``: a callable returning the penalty training adds. ``samples`` / ``share``:
    the subset's size (1,024 samples or 5 % of the set, whichever is smaller).
    ``batch_size``: the batches it is scored in (default: the training loader's, since batch
    statistics in training mode depend on it).
    """

    def __init__(self, loss_fn: Callable | None = None, train_loss_fn: Callable | None = None,
                 penalty: Callable | None = None, samples: int = 1024, share: float = 0.05,
                 batch_size: int | None = None, seed: int = 0, verbose: int = 1) -> None:
        self.loss_fn, self.train_loss_fn, self.penalty = loss_fn, train_loss_fn, penalty
        self.samples, self.share, self.batch_size, self.seed = samples, share, batch_size, seed
        self.verbose = verbose
        self.batches: list = []

    def on_train_start(self, trainer, pl_module) -> None:
        loader = trainer.train_dataloader
        batch_size = self.batch_size or getattr(loader, "batch_size", None) or 32
        self.batches = fixed_batches(loader.dataset, batch_size, self.samples, self.seed,
                                     self.share, getattr(loader, "collate_fn", None))

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        loss_fn = self.loss_fn or getattr(pl_module, "loss_fn", None) or \
            getattr(pl_module, "criterion", None)
        if loss_fn is None:
            raise ValueError("GapCallback needs loss_fn= (or a loss_fn / criterion attribute "
                             "on the module)")
        measured = measure_gap(pl_module, self.batches, loss_fn, self.train_loss_fn,
                               self.penalty)
        for name, value in measured.as_dict().items():
            pl_module.log(name, value, on_step=False, on_epoch=True)

    def on_fit_end(self, trainer, pl_module) -> None:
        if not self.verbose or not trainer.is_global_zero:
            return
        log_dir = getattr(trainer.logger, "log_dir", None) if trainer.logger else None
        if log_dir is None:
            return
        trainer.logger.save()  # metrics.csv is written in batches: flush what is pending
        target = Path(log_dir) / "metrics.csv"
        if not target.exists():
            target = Path(log_dir)  # TensorBoard events: valgap reads the folder
        print_verdict(str(target), str(target))
