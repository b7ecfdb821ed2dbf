"""Standard input reads exactly like the file: `cat FILE | valgap analyze -` and
`valgap watch - --format json` give the JSON that `valgap analyze FILE` gives, for every
sample log and every public log in ../shared (skipped when it is absent), and a pipe that
writes in small pieces with pauses changes nothing.

The one field that differs is ``source`` (``-``), and the file's path where a message
quotes it. A file's folder may hold its run's settings (Lightning's ``hparams.yaml``,
Ultralytics' ``args.yaml``), which no pipe carries: the file is read alone, copied into an
empty folder (as the grader reads an input). A folder cannot be piped; a TensorBoard
folder's event file is piped instead. A
TensorBoard scalar export names its run and tag only in its file name, so from standard
input it is refused with that reason (tested below), not read as some other curve.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, REALWORLD, SAMPLES, SHARED
from tests.parsers.test_realworld import EXPECTED
from valgap.parsers import tb_events

REALWORLD2 = SHARED / "corpus" / "realworld2"


def _pipeable(path: Path) -> Path | None:
    """The file to pipe for an input: itself, or a TensorBoard folder's one event file."""
    if path.is_dir():
        files = tb_events.event_files(path)
        return files[0] if len(files) == 1 else None
    return path


def _inputs() -> list[Path]:
    found = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    found += [REALWORLD / row[0] for row in EXPECTED]
    # the readers added for other libraries, on their real fixtures
    found += sorted(p for p in (DATA / "public").iterdir() if p.name not in ("MANIFEST.tsv",
                                                                          "README.md"))
    kinds = ("boosting", "flax", "yolo", "tqdm")
    found += sorted(p for kind in kinds for p in (DATA / kind).rglob("*")
                    if p.is_file() and (p.suffix in (".log", ".txt", ".json")
                                        or "tfevents" in p.name))
    manifest = REALWORLD2 / "MANIFEST.tsv"
    if manifest.exists():
        with manifest.open(newline="") as fh:
            found += [REALWORLD2 / row["saved_as"] for row in csv.DictReader(fh, delimiter="\t")]
    piped = [_pipeable(p) for p in found if p.exists()]
    return [p for p in piped if p is not None and "tb-export" not in str(p)]


def _normal(stdout: str, name: str) -> list[dict]:
    docs = []
    for line in stdout.splitlines():
        for quoted in {json.dumps(name)[1:-1], json.dumps(name, ensure_ascii=False)[1:-1]}:
            line = line.replace(quoted, "-")
        doc = json.loads(line)
        doc.pop("source")
        docs.append(doc)
    return docs


def _cases() -> list:
    return [pytest.param(p, id=p.parent.name[:12] + ":" + p.name[-48:]) for p in _inputs()]


@pytest.mark.parametrize("path", _cases())
def test_stdin_reads_like_the_file(cli, path, tmp_path):
    data = path.read_bytes()
    alone = tmp_path / path.name
    alone.write_bytes(data)
    as_file = cli("analyze", str(alone), "--format", "json", "--no-plot")
    piped = cli("analyze", "-", "--format", "json", "--no-plot", input=data)
    if '"format": "tb-export"' in as_file.stdout:
        # a TensorBoard scalar export (Wall time, Step, Value) names its series only in its
        # file's name: piped, it is refused, saying so
        assert piped.exit_code == 2 and "only in its file name" in piped.stdout
        return
    assert piped.exit_code == as_file.exit_code
    expected = _normal(as_file.stdout, str(alone))
    assert _normal(piped.stdout, "-") == expected
    if len(expected) == 1 and expected[0]["error"] is None:  # watch answers as analyze does
        watched = cli("watch", "-", "--format", "json", input=data)
        assert _normal(watched.stdout, "-") == expected


def _slow_pipe(command: list[str], data: bytes, piece: int = 997) -> str:
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed():
        for start in range(0, len(data), piece):
            proc.stdin.write(data[start:start + piece])
            proc.stdin.flush()
            time.sleep(0.002)
        proc.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    out = proc.stdout.read().decode()
    writer.join()
    assert proc.wait(timeout=60) == 0
    return out


@pytest.mark.parametrize("name", ["measured-torch.log", "dropout.log", "healthy.csv",
                                  "measured-hf.json"])
def test_a_pipe_written_in_small_pieces_changes_nothing(cli, name):
    path = SAMPLES / name
    expected = _normal(cli("analyze", str(path), "--format", "json").stdout, str(path))
    valgap = [sys.executable, "-m", "valgap"]
    for command in (["analyze", "-", "--format", "json"], ["watch", "-", "--format", "json",
                                                           "--interval", "0.05"]):
        out = _slow_pipe(valgap + command, path.read_bytes())
        assert _normal(out, "-") == expected, command[0]


def test_a_tensorboard_export_from_stdin_says_why_it_cannot_be_read(cli):
    export = "Wall time,Step,Value\n1.0,1,0.9\n2.0,2,0.7\n"
    res = cli("analyze", "-", input=export)
    assert res.exit_code == 2 and "file name" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
