"""``valgap.lightning.GapCallback`` in real Lightning training: the parts land where the
built-in cause puts them, ``metrics.csv`` carries them, and the weights stay identical."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")

from lightning.pytorch.loggers import CSVLogger  # noqa: E402

from tests.frameworks import blobs, measured, multilabel  # noqa: E402
from valgap import analyze  # noqa: E402
from valgap.lightning import GapCallback  # noqa: E402
from valgap.measured import decompose  # noqa: E402


class Net(L.LightningModule):
    def __init__(self, inputs, outputs, width, dropout, lr, loss_fn):
        super().__init__()
        layers = [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(width, outputs))
        self.lr, self.loss_fn = lr, loss_fn

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        loss = self.loss_fn(self(batch[0]), batch[1])
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, _):
        self.log("val_loss", self.loss_fn(self(batch[0]), batch[1]), on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def fit(tmp_path, *, dropout=0.0, label_noise=0.0, full_batch=False, task="blobs",
        width=64, lr=3e-3, epochs=12, measure=True, seed=0):
    L.seed_everything(seed, workers=True)
    if task == "multilabel":
        (x, y), (xv, yv) = multilabel(seed)
        shape, loss_fn = (20, 5), torch.nn.functional.binary_cross_entropy_with_logits
    else:
        (x, y), (xv, yv) = blobs(seed, label_noise)
        shape, loss_fn = (10, 4), torch.nn.functional.cross_entropy
    data = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    val = torch.utils.data.TensorDataset(torch.tensor(xv), torch.tensor(yv))
    train_loader = torch.utils.data.DataLoader(data, batch_size=len(x) if full_batch else 32,
                                               shuffle=True)
    val_loader = torch.utils.data.DataLoader(val, batch_size=512)
    model = Net(*shape, width, dropout, lr, loss_fn)
    trainer = L.Trainer(max_epochs=epochs, logger=CSVLogger(str(tmp_path)),
                        callbacks=[GapCallback(verbose=0)] if measure else [],
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, deterministic=True, accelerator="cpu")
    trainer.fit(model, train_loader, val_loader)
    return trainer.logger.log_dir, [p.detach().clone() for p in model.parameters()]


def test_a_dropout_models_gap_lands_in_the_train_mode_part(tmp_path):
    log_dir, _ = fit(tmp_path, dropout=0.6, task="multilabel", width=256, lr=1e-3, epochs=20)
    result, dec = measured(f"{log_dir}/metrics.csv")
    assert dec.dominant() is dec.train_mode, dec.describe()
    assert "train-mode part" in result.causes[0].evidence


def test_train_only_label_noise_lands_in_the_data_part(tmp_path):
    log_dir, _ = fit(tmp_path, label_noise=0.3)
    result, dec = measured(f"{log_dir}/metrics.csv")
    assert dec.dominant() is dec.data, dec.describe()
    assert result.causes[0].rule == "easy-validation"
    assert abs(dec.train_mode.value) < 0.05 * abs(dec.gap)


def test_a_full_batch_runs_gap_lands_in_the_timing_part(tmp_path):
    log_dir, _ = fit(tmp_path, full_batch=True, epochs=6, lr=1e-2)
    result, dec = measured(f"{log_dir}/metrics.csv")
    assert dec.dominant() is dec.timing, dec.describe()
    assert result.causes[0].rule in ("pre-update-loss", "epoch-averaging")


def test_the_callback_leaves_the_trained_weights_identical(tmp_path):
    _, measured = fit(tmp_path / "a", dropout=0.5, epochs=3, measure=True)
    _, plain = fit(tmp_path / "b", dropout=0.5, epochs=3, measure=False)
    assert all(torch.equal(a, b) for a, b in zip(measured, plain))


def test_the_verdict_is_printed_at_the_end(tmp_path, capsys):
    L.seed_everything(0)
    (x, y), (xv, yv) = blobs(0)
    data = torch.utils.data.TensorDataset(torch.tensor(x[:2000]), torch.tensor(y[:2000]))
    val = torch.utils.data.TensorDataset(torch.tensor(xv), torch.tensor(yv))
    trainer = L.Trainer(max_epochs=3, logger=CSVLogger(str(tmp_path)),
                        callbacks=[GapCallback()], enable_progress_bar=False,
                        enable_checkpointing=False, enable_model_summary=False)
    trainer.fit(Net(10, 4, 32, 0.0, 3e-3, torch.nn.functional.cross_entropy),
                torch.utils.data.DataLoader(data, batch_size=64, shuffle=True),
                torch.utils.data.DataLoader(val, batch_size=512))
    assert "Verdict:" in capsys.readouterr().out


def test_tensorboard_carries_the_columns_too(tmp_path):
    from lightning.pytorch.loggers import TensorBoardLogger

    L.seed_everything(0)
    (x, y), (xv, yv) = blobs(0, 0.3)
    data = torch.utils.data.TensorDataset(torch.tensor(x[:3000]), torch.tensor(y[:3000]))
    val = torch.utils.data.TensorDataset(torch.tensor(xv), torch.tensor(yv))
    logger = TensorBoardLogger(str(tmp_path))
    trainer = L.Trainer(max_epochs=5, logger=logger, callbacks=[GapCallback(verbose=0)],
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False)
    trainer.fit(Net(10, 4, 32, 0.0, 3e-3, torch.nn.functional.cross_entropy),
                torch.utils.data.DataLoader(data, batch_size=64, shuffle=True),
                torch.utils.data.DataLoader(val, batch_size=512))
    result = analyze(logger.log_dir)[0]
    assert decompose(result.run.table) is not None, list(result.run.table.columns)
    assert len(result.run.table) == 5
