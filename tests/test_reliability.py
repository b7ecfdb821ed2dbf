"""Regression tests for the reliability findings (F01-F35): each input is rebuilt here from
its reproducer, so the tests run without ../shared. The contract for every one: a normal
report or one clear line on stderr with exit 2, no traceback, no
"internal error", and no raw control character or workflow command in any output.
"""
from __future__ import annotations

import gzip
import json
import lzma
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import MLFLOW_SQLITE_TABLES, SAMPLES, mlflow_file_store

HEALTHY = SAMPLES / "healthy.log"
VALGAP = [sys.executable, "-m", "valgap"]


def valgap(*args: str, stdin=subprocess.DEVNULL, env: dict | None = None, timeout: float = 60,
           user: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """The real command in a subprocess (signals, closed streams, other users)."""
    prefix = []
    if user is not None:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([*prefix, *VALGAP, *args], stdin=stdin, timeout=timeout,
                          env={**os.environ, **(env or {})}, **streams)


def assert_clean(res, codes=(0, 2)) -> None:
    """Exit code expected, at most one stderr line per unreadable input, no traceback."""
    out = res.stdout if isinstance(res.stdout, str) else res.stdout.decode("utf-8", "replace")
    err = res.stderr if isinstance(res.stderr, str) else res.stderr.decode("utf-8", "replace")
    code = getattr(res, "exit_code", getattr(res, "returncode", None))
    assert code in codes, (code, out[-500:], err[-500:])
    assert "Traceback" not in out + err
    assert "internal error" not in out + err
    for line in err.splitlines():
        assert line.startswith("valgap: "), err


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# ---- readers: inputs that used to be lost as "internal error" ------------------------------

BIG = "9" * 4301
READER_CASES = {
    # F01: gzip whose deflate stream is damaged
    "F01.log.gz": gzip.compress(HEALTHY.read_bytes())[:20] + b"\xff" * 64,
    # F02: JSON nested past Python's recursion limit
    "F02.json": '{"log_history": ' + "[" * 1200 + "]" * 1200 + "}",
    # F03: integers too long for Python to convert
    "F03a.log": f"batch_size={BIG}\nepoch 1 loss: 0.5 val_loss: 0.6\n"
                "epoch 2 loss: 0.4 val_loss: 0.5\n",
    "F03b.json": json.dumps({"log_history": [{"loss": 1.0, "epoch": 1}]})
                 .replace("1.0", BIG),
    "F03c.log": f"Epoch {BIG}/2\n" + HEALTHY.read_text(),
    # F04: non-finite epoch numbers
    "F04a.log": "| epoch | train loss | val loss |\n| 1 | 0.5 | 0.6 |\n| inf | 0.4 | 0.5 |\n",
    "F04b.log": "| epoch | train loss | val loss |\n| 1 | 0.5 | 0.6 |\n| nan | 0.4 | 0.5 |\n",
    "F04c.json": '{"log_history": [{"loss": 1.0, "epoch": 1}, '
                 '{"loss": 0.5, "epoch": Infinity}]}',
    # F05: Trainer prints that are not dicts of str keys and floats
    "F05a.log": "{'loss': 0.5, 'epoch': 1.0}\n{'eval_loss': 0.6, 'epoch': 1.0}\n"
                "{'loss', 0.4}\n",
    "F05b.log": "{'loss': 0.5, 'epoch': 1.0}\n{'eval_loss': 0.6, 1: 2}\n",
    "F05c.log": "{'loss': 1" + "0" * 400 + ", 'epoch': 1.0}\n{'eval_loss': 0.6, 'epoch': 1.0}\n"
                "{'loss': 0.4, 'epoch': 2.0}\n{'eval_loss': 0.5, 'epoch': 2.0}\n",
    # F07: notebooks of another shape
    "F07a.ipynb": '{"cells": [{"cell_type": "code", "outputs": 5}], "nbformat": 4}',
    "F07b.ipynb": '{"cells": [{"cell_type": "code", "outputs": [{"data": ["x"]}]}], '
                  '"nbformat": 4}',
    # F11: no epoch has both losses
    "F11.csv": "epoch,loss,val_loss\n1,0.5,\n2,,0.4\n3,0.3,\n",
    # found by fuzzing the vectorised CSV reader: an epoch past the float range, a quote
    # that never closes, a header wider than its rows
    "huge-epoch.csv": "epoch,loss,val_loss\n1,0.5,0.6\n" + "9" * 400 + ",0.4,0.5\n"
                      "3,0.3,0.4\n",
    "open-quote.csv": 'epoch,loss,val_loss\n"1,0.5,0.6\n2,0.4,0.5\n',
    "huge-value.csv": "epoch,loss,val_loss\n1,0.5," + "9" * 400 + "\n2,0.4,0.5\n",
}


@pytest.mark.parametrize("name", sorted(READER_CASES))
def test_reader_never_loses_a_run_to_an_internal_error(cli, tmp_path, name):
    path = write(tmp_path, name, READER_CASES[name])
    res = cli("analyze", "--format", "json", str(path))
    assert_clean(res)
    if res.exit_code == 0:
        result = json.loads(res.stdout)
        assert not [r for r in result["rules"] if r["status"] == "error"]


@pytest.mark.parametrize("rows", [
    ["Wall time,Step,Value", "1,0,0.5", "2,inf,0.4"],        # F04d: a step of inf
    ["Wall time,Step,Value", "1,0,0.5", "2,1,0.4\x00"],      # F06: a NUL byte
    ["Wall time,Step,Value"],                                # F08: a header only
])
def test_tensorboard_exports_refused_in_one_line(cli, tmp_path, rows):
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder, "run-train-tag-epoch_loss.csv", "\n".join(rows) + "\n")
    res = cli("analyze", str(folder))
    assert_clean(res, codes=(2,))
    assert len(res.stderr.splitlines()) == 1


# ---- numbers at the ends of the float range (F09, F10) --------------------------------------

def _csv(train: list[float], val: list[float]) -> str:
    rows = [f"{i},{t!r},{v!r}" for i, (t, v) in enumerate(zip(train, val), start=1)]
    return "epoch,loss,val_loss\n" + "\n".join(rows) + "\n"


EXTREME = {
    "F09a": _csv([1e-300 / i for i in range(1, 7)], [1e300] * 6),
    "F09b": _csv([1e300 / i for i in range(1, 7)], [1e-300 / i for i in range(1, 7)]),
    "F09c": _csv([1 / i for i in range(1, 9)], [1e200 / i for i in range(1, 9)]),
    "F10a": _csv([1e300 / i for i in range(1, 7)], [1e-10 / i for i in range(1, 7)]),
    "subnormal": _csv([5e-324] * 6, [1e-320] * 6),
}


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_extreme_losses_every_rule_judges_and_json_is_strict(cli, tmp_path, name):
    path = write(tmp_path, f"{name}.csv", EXTREME[name])
    res = cli("analyze", "--format", "json", str(path))
    assert_clean(res, codes=(0,))
    result = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert not [r for r in result["rules"] if r["status"] == "error"], result["rules"]
    assert all(0 <= c["confidence"] <= 1 for c in result["causes"])
    for fmt in ("text", "sarif", "markdown", "github"):
        assert_clean(cli("analyze", "--format", fmt, str(path)), codes=(0,))


def test_compare_with_extreme_values(cli, tmp_path):
    path = write(tmp_path, "F09b.csv", EXTREME["F09b"])
    assert_clean(cli("compare", str(HEALTHY), str(path)), codes=(0,))
    res = cli("compare", "--format", "json", str(HEALTHY), str(path))
    json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


def test_huge_split_size_in_the_log(cli, tmp_path):
    # F09d: "validate on 10**400 samples" is not a fact
    text = HEALTHY.read_text().replace("Epoch 1/", f"Train on 1000 samples, validate on "
                                                   f"1{'0' * 400} samples\nEpoch 1/", 1)
    res = cli("analyze", "--format", "json", str(write(tmp_path, "F09d.log", text)))
    assert_clean(res, codes=(0,))
    assert json.loads(res.stdout)["run"]["n_val"] is None


# ---- valgap.yaml (F10b, F13-F17) ------------------------------------------------------------

CONFIGS = {
    "F10b": "rules:\n  epoch-averaging: {confidence: .nan}\n",
    "F13": "model: " + "[" * 3000 + "]" * 3000 + "\n",
    "F14": f"data:\n  n_train: {BIG}\n",
    "F15": "a: &a {x: 1, y: 1, z: 1, w: 1, v: 1, u: 1, t: 1, s: 1, r: 1}\n" + "".join(
        f"{c}: &{c} {{" + ", ".join(f"k{i}: *{p}" for i in range(9)) + "}\n"
        for p, c in zip("abcdefghijklmnopqr", "bcdefghijklmnopqrs")),
    "F16": "model: {dropout: 0.5}\x00\n",
    "F17": "model:\n  dropout: " + "x" * 2_000_000 + "\n",
    "rules-under-alias": "rules: &r {noise: disable}\nfit: *r\n",
    "float-tag": "model: !!float 1}\n",  # PyYAML's float() of '1}' (found by fuzzing)
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_bad_config_is_one_short_line_fast(cli, tmp_path, name):
    write(tmp_path, "valgap.yaml", CONFIGS[name])
    log = tmp_path / "healthy.log"
    shutil.copy(HEALTHY, log)
    started = time.monotonic()
    res = cli("analyze", str(log), str(HEALTHY))
    assert time.monotonic() - started < 10
    assert_clean(res, codes=(2,))
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and len(lines[0]) < 400, lines
    assert str(tmp_path / "valgap.yaml") in lines[0]
    assert "healthy.log" in res.stdout  # the other input is still analysed


# ---- output streams (F18, F22-F24, F26) ---------------------------------------------------

def test_plotext_notes_never_reach_stderr(cli, tmp_path):
    path = write(tmp_path, "F18.csv", "epoch,loss,val_loss\n" +
                 "".join(f"{i},1e16,1e16\n" for i in range(1, 6)))
    res = cli("analyze", "--color", "never", str(path))
    assert res.exit_code == 0 and res.stderr == "" and "\x1b" not in res.stdout


def test_output_failures_exit_2_with_one_line(tmp_path):
    res = valgap("analyze", str(HEALTHY), "-o", str(tmp_path / "no" / "such" / "r.md"))
    assert res.returncode == 2 and b"cannot write the report" in res.stderr
    assert_clean(res, codes=(2,))
    with open("/dev/full", "w") as full:
        res = valgap("analyze", str(HEALTHY), stdout=full)
    assert res.returncode == 2 and res.stderr.count(b"\n") == 1, res.stderr
    res = subprocess.run([*VALGAP, "analyze", str(HEALTHY)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, close_fds=True,
                         preexec_fn=lambda: os.close(1), timeout=60)
    assert res.returncode == 2 and b"standard output is closed" in res.stderr


@pytest.mark.parametrize("args", [("rules",), ("explain", "dropout"), ("analyze", str(HEALTHY))])
def test_closed_pipe_exits_141(args):
    reader, writer = os.pipe()
    os.close(reader)
    res = subprocess.run([*VALGAP, *args], stdout=writer, stderr=subprocess.PIPE, timeout=60)
    os.close(writer)
    assert res.returncode == 141 and res.stderr == b""


def test_closed_stdin_is_one_line(tmp_path):
    for command in ("analyze", "watch"):
        res = subprocess.run([*VALGAP, command, "-"], stdin=None, capture_output=True,
                             preexec_fn=lambda: os.close(0), timeout=60)
        assert res.returncode == 2 and b"standard input is closed" in res.stderr
        assert_clean(res, codes=(2,))


def test_non_utf8_name_with_strict_stdout(tmp_path):
    folder = Path(tempfile.mkdtemp())
    try:
        shutil.copy(HEALTHY, os.fsencode(folder) + b"/bad\xff.log")
        for fmt in ("text", "json", "markdown", "github", "sarif"):
            res = valgap("analyze", str(folder), "--format", fmt,
                         env={"PYTHONIOENCODING": "utf-8"})
            assert_clean(res, codes=(0,))
            assert any(form in res.stdout for form in (b"\\xff", b"\\udcff", b"&#92;xff"))
    finally:
        shutil.rmtree(folder)


# ---- files that are not regular, folders that cannot be read (F19-F21, F27) -----------------

def test_fifo_is_refused_and_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "pipe.log")
    shutil.copy(HEALTHY, tmp_path / "good.log")
    res = valgap("analyze", str(tmp_path / "pipe.log"), str(tmp_path / "good.log"), timeout=30)
    assert res.returncode == 2 and b"a FIFO" in res.stderr and b"good-fit" in res.stdout
    res = valgap("analyze", str(tmp_path), "-v", timeout=30)  # a folder holding it
    assert res.returncode == 0 and b"skipped" in res.stderr
    res = valgap("watch", str(tmp_path / "pipe.log"), "--idle", "1", timeout=30)
    assert res.returncode == 2 and b"a FIFO" in res.stderr


def test_watch_refuses_what_it_cannot_follow(tmp_path):
    import socket

    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.log"))
    try:
        for target in (tmp_path, tmp_path / "s.log"):
            res = valgap("watch", str(target), "--idle", "1", timeout=30)
            assert_clean(res, codes=(2,))
            assert b"not a regular file" in res.stderr
    finally:
        sock.close()


needs_setpriv = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                   reason="runs valgap as another user (root + setpriv)")


@pytest.fixture
def public_tmp():
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


@needs_setpriv
def test_unreadable_folders_are_reported_not_skipped(public_tmp):
    (public_tmp / "locked").mkdir()
    (public_tmp / "noexec").mkdir()
    (public_tmp / "tree" / "sub").mkdir(parents=True)
    shutil.copy(HEALTHY, public_tmp / "noexec" / "x.log")
    shutil.copy(HEALTHY, public_tmp / "tree" / "good.log")
    shutil.copy(HEALTHY, public_tmp / "tree" / "sub" / "x.log")
    (public_tmp / "locked").chmod(0o000)
    (public_tmp / "noexec").chmod(0o444)
    (public_tmp / "tree" / "sub").chmod(0o000)
    for args in ([public_tmp / "locked", public_tmp / "tree" / "good.log"],
                 [public_tmp / "noexec", public_tmp / "tree" / "good.log"],
                 [public_tmp / "tree"]):  # F27: a subfolder of a walked tree
        res = valgap("analyze", *map(str, args), "--no-plot", user="nobody")
        assert_clean(res, codes=(2,))
        assert b"Permission denied" in res.stderr and b"good-fit" in res.stdout


# ---- signals (F25) ------------------------------------------------------------------------

def test_sigterm_stops_the_workers(tmp_path):
    for i in range(1500):
        (tmp_path / f"r{i}.log").symlink_to(HEALTHY)
    proc = subprocess.Popen([*VALGAP, "analyze", str(tmp_path), "-j", "2", "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    if not workers:
        pytest.skip("the batch ended before its workers could be seen")
    assert proc.returncode == 143 and b"Traceback" not in err
    time.sleep(0.5)
    alive = [w for w in workers if _running(w)]
    assert not alive, f"workers {alive} outlived valgap"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status  # a zombie is dead; only PID 1 may reap it


# ---- injection (F28-F32) ------------------------------------------------------------------

RAW = ("\x1b", "\x07", "\u009b", "\u009d")


def _no_command_lines(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert "##[" not in text
    assert not any(c in text for c in RAW), repr(text[:300])


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github", "sarif"])
def test_hostile_names_never_become_commands_or_escapes(cli, tmp_path, fmt):
    names = ["x\n::error::injected.log", "r" * 60 + " ::error::wrapped.log",
             "run ##[error]legacy.log", "run`<img src=x onerror=alert(1)>`.log",
             "t\x1b]0;pwned\x07.log", "c1\u009b31m.log"]
    for name in names:
        shutil.copy(HEALTHY, tmp_path / name)
    write(tmp_path, "bad\n::warning::from-stderr.csv", "epoch,loss\nnope,1\n")
    res = cli("analyze", str(tmp_path), "--format", fmt, "--color", "always",
              env={"COLUMNS": "100"})
    _no_command_lines(res.stderr)
    assert "<img" not in res.stdout or fmt != "markdown"
    if fmt == "github":  # the annotations themselves are commands; the names inside are not
        for line in res.stdout.splitlines():
            assert line.startswith(("::notice ", "::warning ", "::error ")), line
            assert "\n" not in line and "##[" not in line
    elif fmt in ("json", "sarif"):
        _no_command_lines(res.stdout)
        docs = [json.loads(line) for line in res.stdout.splitlines()] if fmt == "json" \
            else [json.loads(res.stdout)]
        sources = {d["source"] for d in docs} if fmt == "json" else set()
        assert fmt == "sarif" or str(tmp_path / names[0]) in sources  # exact values
    else:
        text = res.stdout.replace("\x1b[", "")  # our own colour codes (CSI) are fine
        for line in text.splitlines():
            assert not line.lstrip().startswith("::"), line
        assert "##[" not in text and "\x07" not in text and "\u009b" not in text


def test_escape_in_a_tensorboard_tag_never_reaches_the_terminal(cli, tmp_path):
    rows = "".join(f"{i},{i},{1 / (i + 1)}\n" for i in range(10))
    for run in ("train", "validation"):
        write(tmp_path, f"run-{run}-tag-epoch_loss.csv", "Wall time,Step,Value\n" + rows)
        write(tmp_path, f"run-{run}-tag-epoch_acc\x1b]0;pwned\x07.csv",
              "Wall time,Step,Value\n" + rows)
    res = cli("analyze", str(tmp_path), "--color", "always")
    assert res.exit_code == 0 and "\x1b]" not in res.stdout and "\x07" not in res.stdout


# ---- memory and time limits (F33-F35) -------------------------------------------------------

def test_too_many_restarts_hit_the_runs_limit(cli, tmp_path):
    block = "Epoch 1/2\n1/1 - loss: 0.5 - val_loss: 0.6\nEpoch 2/2\n1/1 - loss: 0.4 - " \
            "val_loss: 0.5\n"
    path = tmp_path / "F33.log.xz"
    path.write_bytes(lzma.compress((block * 5000).encode()))
    res = cli("analyze", str(path))
    assert_clean(res, codes=(2,))
    assert "more than 1000 runs" in res.stderr and "--max-runs" in res.stderr
    assert cli("analyze", "--max-runs", "6000", str(path)).exit_code == 0


def test_decompressed_size_limit(cli, tmp_path):
    path = tmp_path / "big.log.gz"
    path.write_bytes(gzip.compress(HEALTHY.read_bytes() * 50))
    res = cli("analyze", "--max-input-size", "64K", str(path))
    assert_clean(res, codes=(2,))
    assert "input size limit" in res.stderr and "--max-input-size" in res.stderr
    assert cli("analyze", "--max-input-size", "banana", str(path)).exit_code == 2


def test_a_line_that_never_ends_streams_in_bounded_memory(tmp_path):
    # F35 in small: 40 MB of a Keras bar redrawn with \r and never a newline
    path = tmp_path / "one-line.log"
    bar = "".join(f"\r{i % 100 + 1}/100 [====>....] - ETA: 1s - loss: 0.5" for i in range(1000))
    with path.open("w") as out:
        out.write("Epoch 1/1\n")
        for _ in range(900):
            out.write(bar)
    code = ("import resource, sys; from valgap.parsers import read\n"
            "try:\n    read(sys.argv[1])\nexcept Exception as exc:\n    print(type(exc))\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=300)
    peak_kib = int(res.stdout.split()[-1])
    assert peak_kib < 400 * 1024, f"{peak_kib} KiB for a {path.stat().st_size >> 20} MiB line"


def test_a_wide_csv_writes_nothing_on_stderr(cli, tmp_path):
    # found by fuzzing: 300 columns made pandas warn ("highly fragmented") on stderr
    names = ["epoch"] + [f"m{i}_loss" for i in range(150)] + [f"val_m{i}_loss" for i in range(150)]
    rows = "".join(f"{e}," + ",".join("0.5" for _ in names[1:]) + "\n" for e in range(20))
    path = write(tmp_path, "wide.csv", ",".join(names) + "\n" + rows)
    res = cli("analyze", "--format", "json", str(path))
    assert res.exit_code == 0 and res.stderr == ""


def test_a_batch_with_workers_stops_quietly_when_its_reader_goes_away(tmp_path):
    for i in range(200):
        (tmp_path / f"r{i}.log").symlink_to(HEALTHY)
    for fmt in ("text", "json"):
        proc = subprocess.Popen([*VALGAP, "analyze", str(tmp_path), "-j", "2", "--format", fmt],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()
        proc.stdout.close()  # like `| head -1`
        err = proc.stderr.read()
        proc.wait(timeout=60)
        assert proc.returncode in (0, 141) and err == b"", err[-500:]


def test_values_at_the_float_limit_raise_no_warning(tmp_path):
    # found by fuzzing: two cells of 1e308 in one epoch overflowed numpy's sum (a warning)
    import warnings

    from valgap.parsers import read

    rows = "".join(f"{e // 2},1e308,{1e308 if e % 2 else ''}\n" for e in range(6000))
    path = write(tmp_path, "limit.csv", "epoch,loss,val_loss\n" + rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = read(str(path))[-1]
        from valgap.parsers._table import downsample

        logged = run.epochs_logged  # averaged into blocks as it was read
        downsample(run, 100)
    assert logged == 3000


# ---- the third campaign's findings (../shared/reliability/findings3), rebuilt here ---------

def test_g23_the_epoch_counter_named_as_a_loss_column_is_one_clear_line():
    res = valgap("analyze", str(SAMPLES / "healthy.csv"), "--val-col", "epoch", text=True)
    assert_clean(res, codes=(2,))
    assert "'epoch' is the epoch counter, not a loss" in res.stderr


def test_g27_a_batch_with_a_run_left_without_its_table_reports_every_run(tmp_path):
    # a Lightning progress capture whose bars print no per-epoch value: a run of 0 epochs
    write(tmp_path, "rich.log", "Epoch 0/4 ━━━━━━━━━━━━━━━━ 10/10 0:00:01 • 0:00:00 12.0it/s "
                                "v_num: 0\n" * 3)
    shutil.copy(SAMPLES / "dropout.log", tmp_path / "dropout.log")
    for fmt in ("json", "markdown"):
        res = valgap("analyze", str(tmp_path), "--format", fmt, "--no-plot", text=True)
        assert_clean(res)
        assert "dropout.log" in res.stdout


def test_g19_a_corrupt_mlflow_db_met_in_a_walk_is_reported_not_skipped(tmp_path):
    import sqlite3

    store = tmp_path / "mlflow.db"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE runs (run_uuid TEXT)")
        db.executemany("INSERT INTO runs VALUES (?)", [("x" * 200,)] * 2000)
    store.write_bytes(store.read_bytes()[:6000])  # truncated mid-file
    shutil.copy(HEALTHY, tmp_path / "good.log")
    res = valgap("analyze", str(tmp_path), "--no-plot", text=True)
    assert_clean(res, codes=(2,))
    assert "mlflow.db" in res.stderr and "good.log" in res.stdout


@pytest.mark.parametrize("url", ["reference://x", "ftp://127.0.0.1:1/x.log"])
def test_g14_a_url_whose_client_fails_at_once_is_one_clear_line(url):
    res = valgap("analyze", url, str(HEALTHY), "--no-plot", text=True,
                 env={"TMPDIR": tempfile.mkdtemp(prefix="valgap-g14-")})
    assert_clean(res, codes=(2,))
    assert f"valgap: {url}: cannot open this URL" in res.stderr
    assert "healthy.log" in res.stdout


def test_g25_a_scheduler_address_is_echoed_inert():
    res = valgap("analyze", str(HEALTHY), "--executor", "dask", "--scheduler",
                 "\x1b]0;pwned\x07::error::x", text=True, timeout=120)
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr
    assert not any(line.startswith("::") for line in res.stderr.splitlines())


def test_g06_a_store_with_columns_computed_on_read_is_refused_at_once(tmp_path):
    import sqlite3

    store = tmp_path / "mlflow.db"
    with sqlite3.connect(store) as db:  # 24 KB whose params would be 500 MB each when read
        db.executescript(MLFLOW_SQLITE_TABLES + """
        CREATE TABLE params (key TEXT, n INTEGER, run_uuid TEXT,
                             value GENERATED ALWAYS AS (printf('%.*c', n, 'x')) VIRTUAL);""")
        for e in range(12):
            db.execute("INSERT INTO metrics VALUES ('loss', ?, ?, 'r1', ?, 0)", (1 / (e + 1), e, e))
        db.executemany("INSERT INTO params (key, n, run_uuid) VALUES (?, 500000000, 'r1')",
                       [(f"p{i}",) for i in range(8)])
    res = valgap("analyze", str(store), "--no-plot", text=True)
    assert_clean(res, codes=(2,))  # refused from its schema, before any value is computed
    assert "params.value is computed when read" in res.stderr


def _file_store(root: Path) -> Path:
    """One run of 12 epochs, with a parameter."""
    return mlflow_file_store(root, [1 / (e + 1) + 0.1 for e in range(12)],
                             [1 / (e + 1) + 0.05 for e in range(12)], run_yaml="run_name: r",
                             params={"batch_size": "32\n"})


@pytest.mark.parametrize("where", ["metrics/loss", "params/dropout"])
def test_g07_a_store_over_the_input_size_limit_is_refused_naming_it(tmp_path, where):
    store = _file_store(tmp_path)
    big = store / "1" / "abc" / where
    with open(big, "ab") as fh:  # 6 GiB of NULs and no newline, sparse: no disk used
        fh.truncate(6 << 30)
    res = valgap("analyze", str(store), "--max-input-size", "10M", "--no-plot", text=True)
    assert_clean(res, codes=(2,))
    assert "over the input size limit; raise it with --max-input-size" in res.stderr
    res = valgap("analyze", str(store), "--no-plot", text=True)  # 4 GiB by default
    assert_clean(res, codes=(2,))


def test_g07_a_long_metrics_line_under_the_limit_is_read_in_pieces(tmp_path):
    store = _file_store(tmp_path)
    with open(store / "1" / "abc" / "metrics" / "loss", "a") as fh:
        fh.write("\0" * (8 << 20))  # one 8 MB line of junk after the real ones
    res = valgap("analyze", str(store), "--format", "json", text=True)
    assert_clean(res)
    assert json.loads(res.stdout.splitlines()[0])["epochs"] == 12


def test_g07_a_wandb_log_over_the_limit_is_refused_before_it_is_read(tmp_path):
    log = write(tmp_path, "run-x.wandb", b":W&B\xe1\xbe\x00")
    with open(log, "ab") as fh:
        fh.truncate(1 << 30)
    res = valgap("analyze", str(log), "--max-input-size", "10M", "--no-plot", text=True)
    assert_clean(res, codes=(2,))
    assert "--max-input-size" in res.stderr
