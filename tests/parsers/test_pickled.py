"""Pickled and ``np.save``'d histories (valgap.parsers.pickled): one real Keras run's
``history.history`` saved both ways reads as its ``json.dump`` does
(tests/data/histories, made by scripts/make_history_fixtures.py); a pickle naming
anything but plain values and NumPy's arrays is refused before it can run."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import DATA
from valgap.model import InputError
from valgap.parsers import pickled, read

HISTORIES = DATA / "histories"


@pytest.mark.parametrize("name", ["history.pkl", "history.npy"])
def test_a_pickled_or_np_saved_history_reads_as_its_json_dump(name):
    saved = json.loads((HISTORIES / "history.json").read_text())
    run = read(str(HISTORIES / name))[-1]
    assert run.info.format == pickled.NAME and run.epochs == len(saved["loss"]) == 12
    assert run.table["train_loss"].tolist() == saved["loss"]
    assert run.table["val_loss"].tolist() == saved["val_loss"]
    assert run.table["val_accuracy"].tolist() == saved["val_accuracy"]


def test_a_pickled_keras_history_object_is_refused_with_what_to_pickle_instead():
    with pytest.raises(InputError, match=r"a pickled Keras History object.*history\.history"):
        read(str(HISTORIES / "History-object.pkl"))


class _Runs:
    """What a hostile pickle asks for: a shell command, run where the pickle is loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_pickle_that_would_run_a_command_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "history.pkl"
    path.write_bytes(pickle.dumps({"loss": [0.5, 0.4], "val_loss": [_Runs(str(marker)), 0.3]}))
    with pytest.raises(InputError, match="loads only plain values") as caught:
        read(str(path))
    assert caught.value.code == "unrecognised" and not marker.exists()


@pytest.mark.parametrize("protocol", [2, 4])
def test_numpy_scalars_pickled_by_numpy_are_numbers(tmp_path, protocol):
    # TensorFlow 2 histories held np.float32 values: NumPy rebuilds them, nothing else runs
    # (protocol 2, Python 2's, writes their bytes through _codecs.encode)
    path = tmp_path / "history.pkl"
    train, val = np.float32([0.9, 0.6, 0.5]), np.float64([1.0, 0.7, 0.6])
    path.write_bytes(pickle.dumps({"loss": list(train), "val_loss": list(val)},
                                  protocol=protocol))
    run = read(str(path))[-1]
    assert run.table["train_loss"].tolist() == pytest.approx(train.tolist())
    assert run.table["val_loss"].tolist() == val.tolist()


@pytest.mark.parametrize(("data", "message"), [
    (np.array([0.5, 0.4, 0.3]), "a NumPy array of float64 \\(3,\\) with no names"),
    (np.array([{"loss": 0.5}], dtype=object).reshape(()), "holds no list of values"),
])
def test_a_numpy_file_with_no_history_in_it_says_why(tmp_path, data, message):
    path = tmp_path / "losses.npy"
    np.save(path, data, allow_pickle=True)
    with pytest.raises(InputError, match=message):
        read(str(path))


def test_a_public_pickle_of_one_list_of_numbers_says_it_has_no_names():
    # a repository's val_loss.txt: pickle.dump of a list of floats
    with pytest.raises(InputError, match="a pickled list of 100 numbers with no names"):
        read(str(DATA / "public" / "hkayann+CASPER-PerCom__val_loss.txt"))


def test_an_array_of_elements_of_no_size_is_refused_before_it_is_listed(tmp_path):
    # a few bytes can hold a billion elements of no size: refused, never listed
    path = tmp_path / "history.pkl"
    data = pickle.dumps({"loss": np.zeros(3, dtype="V1")}, protocol=2)
    data = data.replace(b"X\x02\x00\x00\x00V1", b"X\x02\x00\x00\x00V0")  # itemsize 0
    data = data.replace(b"K\x01K\x03\x85", b"K\x01J\x00\xca\x9a;\x85")  # 10**9 of them
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"elements of no size|not a pickle valgap can read"):
        read(str(path))


def test_a_truncated_pickle_is_one_clear_error(tmp_path):
    path = tmp_path / "history.pkl"
    path.write_bytes((HISTORIES / "history.pkl").read_bytes()[:60])
    with pytest.raises(InputError, match="not a pickle valgap can read"):
        read(str(path))


def test_standard_input_and_a_walk_read_pickles_and_skip_other_objects(tmp_path):
    (tmp_path / "history.pkl").write_bytes((HISTORIES / "history.pkl").read_bytes())
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(_Runs("never")))  # no history
    command = [sys.executable, "-m", "valgap", "analyze", "--format", "json"]
    piped = subprocess.run([*command, "-"], input=(HISTORIES / "history.pkl").read_bytes(),
                           capture_output=True, timeout=60)
    assert piped.returncode == 0 and json.loads(piped.stdout)["format"] == pickled.NAME
    walked = subprocess.run([*command, str(tmp_path)], capture_output=True, timeout=60)
    results = [json.loads(line) for line in walked.stdout.splitlines()]
    assert walked.returncode == 0 and not walked.stderr
    assert [r["source"].rsplit("/", 1)[-1] for r in results] == ["history.pkl"]


CHECKPOINTS = DATA / "checkpoints"  # scripts/make_torch_fixtures.py checkpoint_run


def test_a_torch_checkpoint_holding_its_curves_reads_them_tensors_too(monkeypatch):
    # torch.save({"model_state_dict": ..., "train_losses": [floats], "val_losses":
    # [0-d tensors]}): the tensors' numbers read from the archive, torch never imported
    monkeypatch.setitem(sys.modules, "torch", None)  # importing it would fail
    numbers = json.loads((CHECKPOINTS / "numbers.json").read_text())
    run = read(str(CHECKPOINTS / "checkpoint.pth"))[-1]
    assert run.info.format == pickled.NAME and run.epochs == 10
    assert run.table["train_loss"].tolist() == numbers["train"]
    assert run.table["val_loss"].tolist() == pytest.approx(numbers["val"], rel=1e-7)


def test_a_checkpoint_vector_of_losses_and_half_precision_numbers_are_read(monkeypatch):
    # the same curves saved as a float32 vector (training) and bfloat16 / float16 scalars
    # (validation): each read from its storage's bytes
    monkeypatch.setitem(sys.modules, "torch", None)
    numbers = json.loads((CHECKPOINTS / "numbers.json").read_text())
    run = read(str(CHECKPOINTS / "checkpoint-tensors.pth"))[-1]
    assert run.table["train_loss"].tolist() == pytest.approx(numbers["train"], rel=1e-6)
    assert run.table["val_loss"].tolist() == pytest.approx(numbers["val"], rel=1e-2)
    assert run.table["val_loss"].tolist() == numbers["val_half"]


def test_a_checkpoint_of_weights_alone_says_it_holds_no_curve():
    with pytest.raises(InputError, match=r"a PyTorch checkpoint with no loss curve in it "
                                         r"\(its keys: 0\.weight") as caught:
        read(str(CHECKPOINTS / "model.pth"))
    assert caught.value.code == "unrecognised"  # a walk skips it


def test_a_checkpoint_whose_pickle_would_run_a_command_is_refused(tmp_path):
    import zipfile

    marker = tmp_path / "ran"
    path = tmp_path / "checkpoint.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("checkpoint/data.pkl",
                         pickle.dumps({"train_losses": [0.5], "x": _Runs(str(marker))}))
    with pytest.raises(InputError, match="loads only plain values"):
        read(str(path))
    assert not marker.exists()


def test_a_piped_checkpoint_reads_as_the_file():
    command = [sys.executable, "-m", "valgap", "analyze", "--format", "json"]
    path = CHECKPOINTS / "checkpoint.pth"
    piped = subprocess.run([*command, "-"], input=path.read_bytes(), capture_output=True,
                           timeout=60)
    named = subprocess.run([*command, str(path)], capture_output=True, timeout=60)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "source"}  # noqa: E731
    assert piped.returncode == named.returncode == 0
    assert strip(piped.stdout) == strip(named.stdout)
