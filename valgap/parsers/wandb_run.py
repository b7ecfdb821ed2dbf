"""Weights & Biases runs kept locally: a run folder (``wandb/run-*/``,
``wandb/offline-run-*/``), its ``run-<id>.wandb`` transaction log, or the ``wandb/`` folder
of many runs (each analysed).

The transaction log is LevelDB's log format (32 KiB blocks of checksummed, possibly split
records) holding W&B's protocol-buffer records; the record classes come from the ``wandb``
package (the optional extra ``valgap[wandb]``). A run's ``history`` records become its rows
(per ``_step``; averaged per epoch when an ``epoch`` key is logged), its config the
parameters that are run facts. W&B's chart exports (CSV) are read by the CSV reader.
"""
from __future__ import annotations

import json
import os
import re
import stat
import struct
from pathlib import Path

from valgap.model import InputError, Run
from valgap.parsers import _params, _tracker
from valgap.parsers._text import open_regular, too_big

NAME = "wandb"
HEADER = struct.Struct("<4sHB")   # ":W&B", magic 0xBEE1, version
RECORD = struct.Struct("<IHB")    # checksum, length, type
BLOCK = 32 * 1024
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
RUN_FOLDER = re.compile(r"^(?:offline-)?run-\d{8}_\d{6}-\w{1,64}$")
MAX_LOG_BYTES = 2 << 30  # past this a transaction log is refused, not read into memory


def is_log(path: Path) -> bool:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # opening a FIFO would block
        with open(path, "rb") as handle:
            return handle.read(4) == b":W&B"
    except OSError:
        return False


def _logs(folder: Path) -> list[Path]:
    return sorted(folder.glob("run-*.wandb"))


def is_folder(folder: Path) -> bool:
    """A run's folder, or a ``wandb/`` folder that holds run folders."""
    if RUN_FOLDER.match(folder.name) and _logs(folder):
        return True
    try:
        return folder.name == "wandb" and any(
            RUN_FOLDER.match(c.name) and _logs(c) for c in folder.iterdir() if c.is_dir())
    except OSError:
        return False


def run_folders(folder: Path) -> list[Path]:
    """The run folders of a ``wandb/`` folder, in the order ``parse_folder`` reads them: a
    batch analyses each on its own. A run's own folder, or no W&B folder: nothing."""
    if RUN_FOLDER.match(folder.name) or folder.name != "wandb":
        return []
    return [c for c in sorted(folder.iterdir())
            if c.is_dir() and RUN_FOLDER.match(c.name) and _logs(c)]


def parse_folder(folder: Path, name: str, columns: _tracker.Columns = (None, None),
                 max_bytes: int = MAX_LOG_BYTES) -> list[Run]:
    """Every run of a ``wandb/`` folder (or one run's folder); their logs together hold at
    most ``max_bytes`` (``--max-input-size``)."""
    if RUN_FOLDER.match(folder.name):
        logs = _logs(folder)
    else:
        logs = [log for c in sorted(folder.iterdir())
                if c.is_dir() and RUN_FOLDER.match(c.name) for log in _logs(c)]
    if sum(_size(log) for log in logs) > max_bytes:
        raise too_big(name, max_bytes)
    return _tracker.runs([_read(log, name, max_bytes) for log in logs], name, NAME, "W&B",
                         columns=columns)


def _size(path: Path) -> int:
    """A log's size as its folder lists it (a link or FIFO: 0, refused when read)."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def parse_log(path: Path, name: str, columns: _tracker.Columns = (None, None),
              max_bytes: int = MAX_LOG_BYTES) -> list[Run]:
    return _tracker.runs([_read(path, name, max_bytes)], name, NAME, "W&B", columns=columns)


def _read(path: Path, name: str, max_bytes: int = MAX_LOG_BYTES) -> _tracker.Found:
    data = _log_bytes(path, name, max_bytes)  # what the file is, before reading it needs
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError:
        raise InputError("reading a W&B run needs the wandb package: pip install "
                         "'valgap[wandb]'", name, code="unrecognised") from None
    from google.protobuf.message import DecodeError

    run_name = run_id = project = ""
    config: dict[str, str] = {}
    metrics: _tracker.Metrics = {}
    for chunk in _records(data):
        record = wandb_internal_pb2.Record()
        try:
            record.ParseFromString(chunk)
        except DecodeError:
            continue  # a damaged record: the rest of the log still reads
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run_name, run_id = record.run.display_name, record.run.run_id
            project = record.run.project
            config.update(_config(record.run.config.update))
        elif kind == "config":
            config.update(_config(record.config.update))
        elif kind == "history":
            _history(record.history.item, metrics)
    return run_name, run_id or path.stem.removeprefix("run-"), project, metrics, config


def _log_bytes(path: Path, name: str, max_bytes: int = MAX_LOG_BYTES) -> bytes:
    """A transaction log's bytes: a regular file, under the limits (W&B's own, and
    ``--max-input-size``), with W&B's header."""
    limit = min(max(max_bytes, 0), MAX_LOG_BYTES)
    try:
        # a regular file only (a link to /dev/zero, a FIFO in a run folder: refused, never
        # read or waited on), and no more of it than the limit
        with open_regular(str(path)) as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                raise too_big(name, limit)
            data = handle.read(limit + 1)
    except InputError as exc:
        raise InputError(f"{path.name}: {exc.message}", name, code=exc.code) from None
    except OSError as exc:
        raise InputError(f"cannot read {path.name}: {exc.strerror or exc}", name,
                         code="unreadable") from None
    if len(data) < HEADER.size or data[:4] != b":W&B":
        raise InputError(f"{path.name} is not a W&B transaction log", name,
                         code="unrecognised")
    return data


def _records(data: bytes):
    """The records of a LevelDB-format log (split records joined); a truncated tail ends it."""
    pos, pending = HEADER.size, []  # a record split over blocks, joined once (not +=)
    while pos + RECORD.size <= len(data):
        left = BLOCK - pos % BLOCK
        if left < RECORD.size:  # a block's tail too short for a header is padding
            pos += left
            continue
        _, length, kind = RECORD.unpack_from(data, pos)
        if kind == 0 and length == 0:
            pos += left
            continue
        chunk = data[pos + RECORD.size:pos + RECORD.size + length]
        pos += RECORD.size + length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = [chunk]
        elif kind == MIDDLE:
            pending.append(chunk)
        elif kind == LAST:
            yield b"".join([*pending, chunk])
            pending = []


def _config(items) -> dict[str, str]:
    out = {}
    for item in items:
        if item.key.startswith("_"):
            continue
        try:
            value = json.loads(item.value_json)
        except (ValueError, RecursionError):  # RecursionError: nested 100,000 deep
            continue
        if isinstance(value, dict) and "value" in value:  # the older {"value": ...} wrapping
            value = value["value"]
        if isinstance(value, (int, float, str, bool)):
            out[item.key] = str(value)
    return out


def _history(items, metrics: _tracker.Metrics) -> None:
    """A history record's numbers at its ``_step``. A value is JSON text: a number is read
    straight from it (what ``json.loads`` then ``float`` would give; a million records hold
    millions of them), anything else (a string, a bool, an object) is no value."""
    row: dict[str, float] = {}
    step = None
    for item in items:
        key = item.key or "/".join(item.nested_key)
        if key == "_step":
            step = _params.counter(item.value_json)
        elif not key.startswith("_"):
            number = _params.number(item.value_json)
            if number is not None:
                row[key] = number
    if step is None:
        return
    for key, number in row.items():
        metrics.setdefault(key, []).append((step, number))
