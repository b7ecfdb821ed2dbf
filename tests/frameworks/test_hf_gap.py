"""``valgap.hf.GapCallback`` in real ``Trainer`` runs of a tiny BERT: the parts land where the
built-in cause puts them, ``trainer_state.json`` carries them, the weights stay identical."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from tests.frameworks import measured  # noqa: E402
from valgap.hf import GapCallback  # noqa: E402


class Tokens(torch.utils.data.Dataset):
    """Sequences of 16 tokens; the label says whether token 5 outnumbers token 6 (so it
    takes counting across the sequence), or, ``easy``, whether the first token is below 7;
    ``label_noise`` redraws that share of labels."""

    def __init__(self, n: int, seed: int, label_noise: float = 0.0, easy: bool = False):
        rng = np.random.default_rng(seed)
        self.ids = rng.integers(3, 12, (n, 16))
        labels = (self.ids[:, 0] < 7) if easy else \
            ((self.ids == 5).sum(1) > (self.ids == 6).sum(1))
        labels = labels.astype(np.int64)
        if label_noise:
            flip = rng.random(n) < label_noise
            labels[flip] = rng.integers(0, 2, int(flip.sum()))
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": torch.tensor(self.ids[i]), "labels": torch.tensor(self.labels[i])}


def fit(tmp_path, *, dropout=0.0, label_noise=0.0, full_batch=False, epochs=8, lr=1e-3,
        measure=True, seed=0, n=4000, easy=False):
    transformers.set_seed(seed)
    config = transformers.BertConfig(vocab_size=16, hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=128,
                                     max_position_embeddings=32, num_labels=2,
                                     hidden_dropout_prob=dropout,
                                     attention_probs_dropout_prob=dropout)
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        str(tmp_path), eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
        num_train_epochs=epochs, learning_rate=lr, per_device_train_batch_size=n if full_batch
        else 64, per_device_eval_batch_size=256, report_to=[], disable_tqdm=True, seed=seed,
        use_cpu=True, lr_scheduler_type="constant", warmup_steps=0)
    trainer = transformers.Trainer(model=model, args=args,
                                   train_dataset=Tokens(n, seed, label_noise, easy),
                                   eval_dataset=Tokens(1000, seed + 1, easy=easy),
                                   callbacks=[GapCallback(verbose=0)] if measure else [])
    trainer.train()
    trainer.save_state()
    return tmp_path / "trainer_state.json", [p.detach().clone() for p in model.parameters()]


def test_a_dropout_models_gap_lands_in_the_train_mode_part(tmp_path):
    path, _ = fit(tmp_path, dropout=0.3)
    result, dec = measured(path)
    assert dec.dominant() is dec.train_mode, dec.describe()
    assert "train-mode part" in result.causes[0].evidence


def test_train_only_label_noise_lands_in_the_data_part(tmp_path):
    path, _ = fit(tmp_path, label_noise=0.3)
    result, dec = measured(path)
    assert dec.dominant() is dec.data, dec.describe()
    assert result.causes[0].rule == "easy-validation"
    assert abs(dec.train_mode.value) < 0.05 * abs(dec.gap)


def test_a_full_batch_runs_gap_lands_in_the_timing_part(tmp_path):
    path, _ = fit(tmp_path, full_batch=True, epochs=10, lr=3e-3, n=2000, easy=True)
    result, dec = measured(path)
    assert dec.dominant() is dec.timing, dec.describe()
    assert result.causes[0].rule in ("pre-update-loss", "epoch-averaging")


def test_the_callback_leaves_the_trained_weights_identical(tmp_path):
    _, measured = fit(tmp_path / "a", dropout=0.3, epochs=2, measure=True, n=1000)
    _, plain = fit(tmp_path / "b", dropout=0.3, epochs=2, measure=False, n=1000)
    assert all(torch.equal(a, b) for a, b in zip(measured, plain))


def test_the_state_file_carries_the_columns(tmp_path):
    path, _ = fit(tmp_path, epochs=2, n=1000)
    history = json.loads(path.read_text())["log_history"]
    assert sum("train_loss_eval_end" in entry for entry in history) == 2
