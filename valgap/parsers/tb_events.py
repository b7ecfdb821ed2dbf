"""TensorBoard event files (``events.out.tfevents.*``), read with TensorBoard's own loader.

Keras writes ``<logdir>/train/`` and ``<logdir>/validation/`` with the same tags
(``epoch_loss``...), step = epoch; Lightning writes ``version_N/`` with ``train_loss``,
``val_loss`` and an ``epoch`` scalar at global steps. Scalars come as ``simple_value``
(PyTorch, tensorboardX) or as tensors (TF2 summaries); both are read.
Needs the optional extra: ``pip install 'valgap[tensorboard]'``.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from valgap.model import InputError, Run, RunInfo
from valgap.parsers import _params, _series, _table
from valgap.parsers._text import Source

NAME = "tb-events"
INSTALL = "pip install 'valgap[tensorboard]'"


def is_event_file(path: Path) -> bool:
    return "tfevents" in path.name


# every event file opens with a record holding its file_version, "brain.Event:<n>"
STREAM_MARK = b"brain.Event:"


def is_event_stream(head: bytes) -> bool:
    """Whether bytes (standard input's, which has no file name) are an event file: its
    first record says so, or (writers that skip that record, CatBoost's) the bytes open
    with a TFRecord frame whose length checksum holds and whose payload is an Event."""
    if STREAM_MARK in head[:64]:
        return True
    if len(head) < 13:
        return False
    length = int.from_bytes(head[:8], "little")
    return 0 < length < 1 << 24 and _masked_crc(head[:8]) == int.from_bytes(head[8:12], "little") \
        and head[12] == EVENT_WALL_TIME


EVENT_WALL_TIME = 0x09  # an Event's first field: wall_time, a double (field 1, wire type 1)


def _masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC-32C of a few bytes."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def parse_stream(source: Source) -> list[Run]:
    """An event file piped to standard input: TensorBoard's loader reads only files, so the
    bytes go to a private temporary folder, removed when read."""
    with tempfile.TemporaryDirectory(prefix="valgap-events-") as folder:
        path = Path(folder) / "events.out.tfevents.stdin"
        with source.open_binary() as stream, open(path, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        runs = parse_folder(path, source.name)
    return runs


def set_runs(names: set[str]) -> set[str]:
    """A folder's entries that are a set's run folders, where there is a training one and a
    validation one (Keras's ``train/`` and ``validation/``, Catalyst's ``train/`` and
    ``valid/``); none otherwise."""
    found = names & (_series.TRAINING_RUNS | _series.VALIDATION_RUNS)
    both = found & _series.TRAINING_RUNS and found & _series.VALIDATION_RUNS
    return found if both else set()


def event_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*tfevents*") if p.is_file())


def parse_folder(folder: Path, name: str) -> list[Run]:
    if not folder.is_dir() and not folder.is_file():  # a FIFO would block the loader
        raise InputError("not a regular file or folder", name, code="unreadable")
    files = event_files(folder) if folder.is_dir() else [folder]
    if not files:
        raise InputError("no TensorBoard event files in this folder", name, code="no-epochs")
    loader = scalar_loader(name)
    series: _series.Series = {}
    root = folder if folder.is_dir() else folder.parent
    for path in files:
        run = str(path.parent.relative_to(root)) if path.parent != root else ""
        for tag, step, value in scalars(loader, path, name):
            series.setdefault(_series.metric_name(run, tag), []).append((step, value))
    if not _table.has_loss(series):
        raise InputError("no loss scalar in the event files (tags: "
                         + ", ".join(sorted(series))[:200] + ")", name, code="no-epochs")
    info = RunInfo(source=name, format=NAME)
    _params.apply_beside(info, root)  # Lightning's TensorBoardLogger: version_N/hparams.yaml
    return _series.runs(series, info, "the event files hold no scalar points",
                        by_step=True)


def scalar_loader(name: str):
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        from tensorboard.util import tensor_util
    except ImportError:
        raise InputError(f"reading TensorBoard event files needs the tensorboard package: "
                         f"{INSTALL}", name, code="missing-extra") from None
    return EventFileLoader, tensor_util


def scalars(loader, path: Path, name: str):
    event_loader, tensor_util = loader
    try:
        for event in event_loader(str(path)).Load():
            for value in event.summary.value:
                kind = value.WhichOneof("value")
                if kind == "simple_value":
                    yield value.tag, event.step, float(value.simple_value)
                elif kind == "tensor" and _is_scalar(value):
                    arr = tensor_util.make_ndarray(value.tensor)
                    if arr.size == 1 and arr.dtype.kind in "fiu":
                        yield value.tag, event.step, float(arr.reshape(-1)[0])
    except Exception as exc:  # a corrupt record: TensorBoard raises its own types
        raise InputError(f"cannot read event file {path.name}: {exc}", name,
                         code="bad-events") from None


def _is_scalar(value) -> bool:
    plugin = value.metadata.plugin_data.plugin_name
    return plugin in ("scalars", "") and not value.tensor.tensor_shape.dim
