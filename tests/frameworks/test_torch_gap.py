"""``valgap.torch.measure_gap`` in real PyTorch loops: each built-in cause lands in its part
of the gap, and measuring leaves training exactly as it was."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.frameworks import blobs, measured, multilabel  # noqa: E402
from valgap.torch import fixed_batches, measure_gap  # noqa: E402


def train(tmp_path, *, dropout: float = 0.0, label_noise: float = 0.0, full_batch: bool = False,
          measure: bool = True, epochs: int = 12, seed: int = 0, lr: float = 3e-3,
          width: int = 64, task: str = "blobs"):
    """A real loop on Gaussian blobs: its printed log (with the measured columns) and the
    trained weights."""
    torch.manual_seed(seed)
    if task == "multilabel":
        (x, y), (xv, yv) = multilabel(seed)
        inputs, outputs, criterion = 20, 5, torch.nn.BCEWithLogitsLoss()
    else:
        (x, y), (xv, yv) = blobs(seed, label_noise)
        inputs, outputs, criterion = 10, 4, torch.nn.CrossEntropyLoss()
    train_set = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    layers = [torch.nn.Linear(inputs, width), torch.nn.ReLU()]
    if dropout:
        layers.append(torch.nn.Dropout(dropout))
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, outputs))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(train_set, batch_size=len(x) if full_batch else 32,
                                         shuffle=True)
    gap_batches = fixed_batches(train_set) if measure else []
    lines = []
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(yb), count + len(yb)
        model.eval()
        with torch.no_grad():
            val = criterion(model(torch.tensor(xv)), torch.tensor(yv)).item()
        line = f"epoch {epoch} train_loss {total / count:.6f} val_loss {val:.6f}"
        if measure:
            line += " " + measure_gap(model, gap_batches, criterion).line()
        lines.append(line)
    path = tmp_path / f"run-{dropout}-{label_noise}-{full_batch}-{measure}.log"
    path.write_text("\n".join(lines) + "\n")
    return path, [p.detach().clone() for p in model.parameters()]


def test_a_dropout_models_gap_lands_in_the_train_mode_part(tmp_path):
    path, _ = train(tmp_path, dropout=0.6, task="multilabel", width=256, lr=1e-3, epochs=20)
    result, dec = measured(path)
    assert dec.dominant() is dec.train_mode, dec.describe()
    assert result.causes[0].rule in ("dropout", "batchnorm", "augmentation", "loss-weighting",
                                     "regularization-penalty")
    assert "train-mode" in result.causes[0].evidence


def test_train_only_label_noise_lands_in_the_data_part(tmp_path):
    path, _ = train(tmp_path, label_noise=0.3)
    result, dec = measured(path)
    assert dec.dominant() is dec.data, dec.describe()
    assert result.causes[0].rule == "easy-validation"
    assert not result.causes[0].guess


def test_a_full_batch_runs_gap_lands_in_the_timing_part(tmp_path):
    path, _ = train(tmp_path, full_batch=True, epochs=6, lr=1e-2)
    result, dec = measured(path)
    assert dec.dominant() is dec.timing, dec.describe()
    assert result.causes[0].rule in ("pre-update-loss", "epoch-averaging")


def test_without_a_train_mode_layer_the_train_mode_part_stays_within_noise(tmp_path):
    path, _ = train(tmp_path, label_noise=0.3)
    _, dec = measured(path)
    assert abs(dec.train_mode.value) < 0.05 * abs(dec.gap), dec.describe()


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_measuring_leaves_the_trained_weights_identical(tmp_path, dropout):
    _, measured = train(tmp_path, dropout=dropout, measure=True, epochs=3)
    _, plain = train(tmp_path, dropout=dropout, measure=False, epochs=3)
    assert all(torch.equal(a, b) for a, b in zip(measured, plain))


def test_batch_norm_statistics_and_the_mode_are_restored():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8),
                                torch.nn.Linear(8, 2))
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batches = [(torch.randn(16, 4) * 5 + 3, torch.randint(0, 2, (16,)))]
    got = measure_gap(model, batches, torch.nn.CrossEntropyLoss(),
                      penalty=lambda: 0.01 * sum((p ** 2).sum() for p in model.parameters()))
    assert not model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert got.penalty > 0 and got.trainmode_end != got.eval_end
