"""Inputs for the executor tests: a batch of real sample logs, and a real log slow enough
(a 200,000-epoch Keras run, ~0.5 s to read) to cross a short --timeout."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES


def alive(pid: int | str) -> bool:
    """Running (a zombie is dead: only its parent can reap it)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def write_slow_log(path: Path, epochs: int = 200_000) -> Path:
    rng = random.Random(0)
    with open(path, "w") as out:
        for e in range(1, epochs + 1):
            loss = 1 / e ** 0.3 + rng.random() * 0.01
            out.write(f"Epoch {e}/{epochs}\n100/100 [==============================] - 1s "
                      f"5ms/step - loss: {loss:.4f} - val_loss: {loss * 1.1:.4f}\n")
    return path


@pytest.fixture(scope="session")
def slow_log(tmp_path_factory) -> Path:
    return write_slow_log(tmp_path_factory.mktemp("slow") / "slow.log")


def sample_batch(folder: Path, copies: int) -> list[str]:
    """``copies`` of every sample log (Keras text, CSV, Trainer JSON, loop text) in
    subfolders, plus one unreadable file: the names in walk order."""
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".log", ".json", ".csv"))
    for i in range(copies):
        sub = folder / f"b{i:04d}"
        sub.mkdir(parents=True)
        for sample in samples:
            shutil.copy(sample, sub / sample.name)
    (folder / "b0000" / "broken.csv").write_text("epoch,loss\nnope,1\n")
    return samples


@pytest.fixture(autouse=True)
def _nothing_left_in_tmpdir(private_tmpdir):
    """Every executor test runs with its own $TMPDIR, checked empty at the end."""
    return private_tmpdir


def default_sigint() -> None:
    """``preexec_fn`` for a child the test will Ctrl-C: as a terminal's foreground job has
    it. A test runner started in the background (``pytest &``) ignores SIGINT, its children
    inherit that, and Python then installs no KeyboardInterrupt handler at all."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
