"""MLflow stores written by the real ``mlflow`` client: a file store (``mlruns/``) and a SQL
store in SQLite (``mlflow.db``), read directly and read-only."""
from __future__ import annotations

import json
import math
import os

import pytest

mlflow = pytest.importorskip("mlflow")

from valgap import analyze  # noqa: E402
from valgap.cli import main  # noqa: E402
from valgap.model import InputError  # noqa: E402


def _use(uri: str) -> None:
    """Log to this store, in the tests' experiment."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # mlflow 3.17 keeps file stores behind it
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("valgap-tests")


def _log(uri: str, runs: dict[str, tuple[float, bool]], epoch_metric: bool = False):
    """Runs logged through the client: name -> (offset of training over validation,
    whether it logs a loss at all)."""
    _use(uri)
    ids = {}
    for name, (offset, has_loss) in runs.items():
        with mlflow.start_run(run_name=name) as run:
            ids[name] = run.info.run_id
            mlflow.log_params({"batch_size": 64, "dropout": 0.5})
            step = 0
            for epoch in range(12):
                val = 0.3 + math.exp(-epoch / 3)
                if not has_loss:
                    mlflow.log_metric("accuracy", 0.5 + epoch / 30, step=epoch)
                    continue
                if epoch_metric:  # Lightning's MLFlowLogger: steps, and an epoch metric
                    for _ in range(4):
                        mlflow.log_metric("train_loss_step", val + offset, step=step)
                        mlflow.log_metric("epoch", epoch, step=step)
                        step += 1
                    mlflow.log_metric("train_loss_epoch", val + offset, step=step - 1)
                    mlflow.log_metric("val_loss", val, step=step - 1)
                else:  # Keras autolog: one step per epoch
                    mlflow.log_metric("loss", val + offset, step=epoch)
                    mlflow.log_metric("val_loss", val, step=epoch)
    return ids


@pytest.fixture(params=["file", "sqlite"])
def store(request, tmp_path):
    if request.param == "file":
        path = tmp_path / "mlruns"
        return path, f"file://{path}"
    path = tmp_path / "mlflow.db"
    return path, f"sqlite:///{path}"


def test_each_run_is_read_named_and_judged(store):
    path, uri = store
    ids = _log(uri, {"with-dropout": (0.25, True), "plain": (-0.02, True)})
    results = analyze(str(path))
    assert len(results) == 2
    by_name = {r.run.info.notes[0].split()[2]: r for r in results}
    assert set(by_name) == {"with-dropout", "plain"}
    dropout = by_name["with-dropout"]
    assert ids["with-dropout"] in dropout.run.info.notes[0]
    assert dropout.run.epochs == 12 and dropout.fit.fit == "val-below-train"
    assert dropout.run.info.batch_size == 64  # a logged parameter that is a run fact
    # the logged dropout rate is a run fact, as in valgap.yaml: the cause is no guess
    assert dropout.causes[0].rule == "dropout" and not dropout.causes[0].guess
    assert "the MLflow run's parameters" in dropout.causes[0].evidence
    assert by_name["plain"].fit.fit != "val-below-train"


def test_a_batch_names_each_run_beside_its_store(store):
    from click.testing import CliRunner

    path, uri = store
    _log(uri, {"with-dropout": (0.25, True), "plain": (-0.02, True)})
    table = CliRunner().invoke(main, ["analyze", str(path), "--no-plot"]).output
    assert f"{path.name} [with-dropout]" in table and f"{path.name} [plain]" in table
    docs = [json.loads(line) for line in CliRunner().invoke(
        main, ["analyze", str(path), "--format", "json"]).output.splitlines()]
    assert sorted(d["run"]["name"] for d in docs) == ["plain", "with-dropout"]


def test_steps_with_an_epoch_metric_are_averaged_per_epoch(store):
    path, uri = store
    _log(uri, {"lightning": (0.25, True)}, epoch_metric=True)
    result = analyze(str(path))[0]
    assert result.run.epochs == 12
    assert result.run.info.columns["train_loss"] == "train_loss_epoch"
    assert result.run.table["val_loss"].iloc[0] == pytest.approx(1.3)


def test_training_steps_and_validation_epochs_meet_without_an_epoch_metric(store):
    # a hand-written loop: train_loss at every global step, val_loss once an epoch at the
    # epoch's last step, no epoch metric (before, rows were steps, and the validation
    # loss met a single batch's loss)
    path, uri = store
    _use(uri)
    with mlflow.start_run(run_name="loop"):
        step = 0
        for epoch in range(12):
            for batch in range(4):
                step += 1
                mlflow.log_metric("train_loss", 1.3 + 0.1 * batch - epoch / 20, step=step)
            mlflow.log_metric("val_loss", 1.0 - epoch / 20, step=step)
    result = analyze(str(path))[0]
    assert result.run.epochs == 12 and result.run.info.row == "evaluation"
    assert result.run.table["train_loss"].iloc[0] == pytest.approx(1.45)
    assert result.fit.fit == "val-below-train"


def test_a_run_without_a_loss_is_left_out_and_a_store_of_none_is_refused(store):
    path, uri = store
    _log(uri, {"accuracy-only": (0.0, False)})
    with pytest.raises(InputError, match="no MLflow run with a loss metric"):
        analyze(str(path))
    _log(uri, {"good": (0.1, True)})
    assert [r.error for r in analyze(str(path))] == [None]


def test_reading_never_writes_to_the_store(store):
    path, uri = store
    _log(uri, {"run": (0.1, True)})
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    analyze(str(path))
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before


def test_a_folder_of_stores_is_walked_in_batch(tmp_path):
    from click.testing import CliRunner

    _log(f"file://{tmp_path / 'team' / 'mlruns'}", {"a": (0.2, True)})
    _log(f"sqlite:///{tmp_path / 'team' / 'mlflow.db'}", {"b": (0.2, True)})
    (tmp_path / "team" / "notes.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    out = CliRunner().invoke(main, ["analyze", str(tmp_path / "team"), "--format", "json"])
    sources = sorted(json.loads(line)["source"].rsplit("/", 1)[-1]
                     for line in out.output.splitlines() if line.startswith("{"))
    assert sources == ["mlflow.db", "mlruns"]


def test_a_corrupt_sqlite_store_is_one_clear_line(tmp_path):
    from click.testing import CliRunner

    path = tmp_path / "mlflow.db"
    _log(f"sqlite:///{path}", {"a": (0.2, True)})
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * 3996  # the schema page damaged
    path.write_bytes(bytes(data))
    out = CliRunner().invoke(main, ["analyze", str(path)])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "cannot read this MLflow SQLite store" in out.output
    other = tmp_path / "notes.db"
    import sqlite3

    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text)")
    out = CliRunner().invoke(main, ["analyze", str(other)])
    assert out.exit_code != 0 and "without MLflow's tables" in out.output


@pytest.fixture
def server(tmp_path):
    """A real ``mlflow server`` on 127.0.0.1 and a free port, stopped after the test (also
    when it fails)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the server's own temporary files (its database-initialisation lock, which it may leave
    # behind) go to a folder of its own: the test's $TMPDIR is checked for what valgap leaves
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--default-artifact-root", str(tmp_path / "artifacts"), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "TMPDIR": str(server_tmp), "TEMP": str(server_tmp),
             "TMP": str(server_tmp)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("mlflow server did not start")
            time.sleep(0.5)
        yield url
    finally:
        import signal

        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_tracking_server_is_read_through_the_client(server):
    from click.testing import CliRunner

    ids = _log(server, {"with-dropout": (0.25, True), "plain": (-0.02, True)})
    out = CliRunner().invoke(main, ["analyze", "--mlflow", server, "--experiment",
                                    "valgap-tests", "--format", "json"])
    reports = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert out.exit_code == 0 and len(reports) == 2
    assert {r["run"]["notes"][0].split()[2] for r in reports} == {"with-dropout", "plain"}
    one = CliRunner().invoke(main, ["analyze", "--mlflow", server, "--experiment",
                                    "valgap-tests", "--run", ids["plain"], "--format", "json"])
    assert len([line for line in one.output.splitlines() if line.startswith("{")]) == 1
    CliRunner().invoke(main, ["analyze", "--mlflow", server, "--experiment", "valgap-tests",
                              "--annotate", "--format", "json"])
    tags = mlflow.tracking.MlflowClient(tracking_uri=server).get_run(ids["plain"]).data.tags
    assert tags["valgap.fit"] == reports[[r["run"]["notes"][0].split()[2] for r in reports]
                                         .index("plain")]["fit"]
    missing = CliRunner().invoke(main, ["analyze", "--mlflow", server, "--experiment", "nope"])
    assert missing.exit_code != 0 and "no experiment named 'nope'" in missing.output


def test_a_server_that_is_down_is_one_clear_line_in_seconds():
    import socket
    import time

    from click.testing import CliRunner

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    out = CliRunner().invoke(main, ["analyze", "--mlflow", f"http://127.0.0.1:{port}",
                                    "--experiment", "x"])
    assert out.exit_code != 0 and "cannot read MLflow at" in out.output
    assert "Traceback" not in out.output and time.monotonic() - started < 30


def test_annotate_sets_the_verdict_as_tags_and_nothing_else(store):
    from click.testing import CliRunner

    path, uri = store
    ids = _log(uri, {"with-dropout": (0.25, True)})
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    before = client.get_run(ids["with-dropout"]).data
    plain = CliRunner().invoke(main, ["analyze", str(path), "--format", "json"])
    assert "valgap.fit" not in client.get_run(ids["with-dropout"]).data.tags  # off by default
    out = CliRunner().invoke(main, ["analyze", str(path), "--annotate", "--format", "json"])
    assert out.exit_code == plain.exit_code == 0
    assert "valgap: tagged 1 MLflow run(s) with valgap.fit, valgap.cause, valgap.verdict" \
        in out.stderr  # said, once
    after = client.get_run(ids["with-dropout"]).data
    assert after.tags["valgap.fit"] == "val-below-train"
    assert after.tags["valgap.cause"] == "dropout"
    assert after.tags["valgap.verdict"].startswith("Validation loss stays below")
    assert after.metrics == before.metrics and after.params == before.params


def test_a_locked_sqlite_store_is_one_clear_line_and_the_batch_goes_on(tmp_path):
    import subprocess
    import sys

    from click.testing import CliRunner

    path = tmp_path / "mlflow.db"
    _log(f"sqlite:///{path}", {"a": (0.2, True)})
    # another process writing holds an exclusive lock (in this process, any connection
    # valgap opens and closes would drop it: POSIX locks belong to the process)
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sqlite3, sys
db = sqlite3.connect({str(path)!r}, timeout=0)
db.execute("PRAGMA locking_mode=EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE runs SET name = name")
print("held", flush=True)
sys.stdin.read()
"""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        other = tmp_path / "other.csv"
        other.write_text("epoch,loss,val_loss\n0,1.0,0.9\n1,0.8,0.7\n2,0.7,0.6\n")
        out = CliRunner().invoke(main, ["analyze", str(path), str(other), "--format", "json"])
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    reports = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    errors = [r for r in reports if r["error"]]
    assert len(errors) == 1 and "locked" in errors[0]["error"]["message"]
    assert any(r["source"].endswith("other.csv") and r["fit"] for r in reports)


def test_train_and_val_columns_can_be_named(store):
    path, uri = store
    _use(uri)
    with mlflow.start_run(run_name="custom"):
        for epoch in range(8):
            mlflow.log_metric("loss", 5.0, step=epoch)  # not the one to read
            mlflow.log_metric("ce", 1.0 / (epoch + 1), step=epoch)
            mlflow.log_metric("holdout_ce", 1.2 / (epoch + 1), step=epoch)
    from click.testing import CliRunner

    out = CliRunner().invoke(main, ["analyze", str(path), "--train-col", "ce", "--val-col",
                                    "holdout_ce", "--format", "json"])
    report = json.loads(out.output.splitlines()[0])
    # holdout_ce was read as validation (its best, 1.2 / 8, at the last epoch), ce as
    # training: not the flat loss, which would have been underfit with a broken metric
    assert report["epochs"] == 8 and abs(report["best_epoch"]["val_loss"] - 0.15) < 1e-6
    assert not any(c["id"] == "broken-metric" for c in report["causes"])
    assert "train_loss <- ce, val_loss <- holdout_ce" in " ".join(report["run"]["notes"])


def test_a_wal_mode_store_is_read_without_files_created_beside_it(tmp_path):
    import sqlite3

    path = tmp_path / "mlflow.db"
    _log(f"sqlite:///{path}", {"a": (0.2, True), "b": (-0.02, True)})
    with sqlite3.connect(path) as db:  # what a server in WAL mode leaves after a clean close
        db.execute("PRAGMA journal_mode=WAL")
    before = sorted(p.name for p in tmp_path.iterdir())
    results = analyze(str(path))
    assert len(results) == 2 and all(r.error is None for r in results)
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["mlflow.db"]


def test_annotate_that_cannot_write_says_so_and_fails(store, monkeypatch):
    from click.testing import CliRunner

    path, uri = store
    _log(uri, {"a": (0.25, True)})
    # a client that refuses every write (a read-only server, a store that moved)
    monkeypatch.setattr(mlflow.tracking.MlflowClient, "set_tag",
                        lambda *a, **k: (_ for _ in ()).throw(PermissionError("read-only")))
    out = CliRunner().invoke(main, ["analyze", str(path), "--annotate", "--no-plot"])
    assert out.exit_code == 2
    assert out.stderr.count("valgap: cannot annotate MLflow run") == 1
    assert "tagged" not in out.stderr


def test_a_file_store_is_one_input_per_run_each_under_its_own_limits(tmp_path):
    from click.testing import CliRunner

    from valgap.discover import discover

    path = tmp_path / "mlruns"
    ids = _log(f"file://{path}", {"a": (0.2, True), "b": (0.1, True), "gone": (0.1, True)})
    mlflow.delete_run(ids["gone"])  # a deleted run is no run of the store's walk
    targets = discover([str(path)]).targets
    assert sorted(t.label for t in targets) == sorted(f"{path} [{ids[n]}]" for n in "ab")
    # one run too large for the limit is one line naming its folder; the other is read (the
    # limits, --timeout's as --max-input-size's, bound each run, not the store as a whole)
    big = next(t.path for t in targets if t.path.endswith(ids["a"]))
    with open(os.path.join(big, "metrics", "loss"), "a") as fh:
        fh.writelines(f"0 0.5 {step}\n" for step in range(12, 30000))
    out = CliRunner().invoke(main, ["analyze", str(path), "--format", "json",
                                    "--max-input-size", "100K"])
    lines = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    read = [d for d in lines if not d.get("error")]
    assert [d["run"]["name"] for d in read] == ["b"] and read[0]["source"] == str(path)
    failed = [d for d in lines if d.get("error")]
    assert len(failed) == 1 and ids["a"] in failed[0]["source"]
    assert "--max-input-size" in failed[0]["error"]["message"]


def test_a_sqlite_store_is_one_input_per_run_where_mlflow_indexed_it(tmp_path):
    """MLflow's own SQLite stores index metrics by run: a batch reads each run on its own
    (its limits bound each run, not a store of thousands), and says of every run what
    reading the store whole says. A run that logged no loss is left out as a whole read
    leaves it out, in both kinds of store. A store without the index (older or hand-made:
    a query per run would scan the whole table each time) stays one input."""
    import sqlite3

    from click.testing import CliRunner

    from valgap.discover import discover

    path = tmp_path / "mlflow.db"
    ids = _log(f"sqlite:///{path}", {"a": (0.2, True), "b": (-0.02, True),
                                      "acc": (0.0, False), "gone": (0.1, True)})
    mlflow.delete_run(ids["gone"])
    targets = discover([str(path)]).targets
    assert [t.label for t in targets] == [f"{path} [{ids[n]}]" for n in ("a", "b", "acc")]
    whole = [r for r in analyze(str(path))]
    out = CliRunner().invoke(main, ["analyze", str(path), "--format", "json", "-v"])
    docs = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert [(d["source"], d["run"]["name"], d["fit"]) for d in docs] == [
        (str(path), r.run.info.name, r.fit.fit) for r in whole]
    assert [d["run"]["name"] for d in docs] == ["a", "b"] and out.exit_code == 0
    assert f"skipped {path}" in out.output  # the run with no loss, shown with -v
    mlruns = tmp_path / "mlruns"
    _log(f"file://{mlruns}", {"acc": (0.0, False), "good": (0.1, True)})
    out = CliRunner().invoke(main, ["analyze", str(mlruns), "--format", "json"])
    assert [json.loads(line)["run"]["name"] for line in out.output.splitlines()] == ["good"]
    with sqlite3.connect(path) as db:
        for (index,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'metrics' AND sql IS NOT NULL").fetchall():
            db.execute(f"DROP INDEX {index}")
    assert [t.label for t in discover([str(path)]).targets] == [str(path)]


def test_annotate_tags_a_file_store_without_mlflow_s_file_store_switch(tmp_path):
    """MLflow 3 refuses to write to a file store unless MLFLOW_ALLOW_FILE_STORE is set:
    --annotate tags the user's existing store without the user setting it (before, each
    run was "cannot annotate ... maintenance mode")."""
    import subprocess
    import sys

    path = tmp_path / "mlruns"
    ids = _log(f"file://{path}", {"with-dropout": (0.25, True)})
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_ALLOW_FILE_STORE"}
    done = subprocess.run([sys.executable, "-m", "valgap", "analyze", str(path), "--annotate",
                           "--no-plot"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "valgap: tagged 1 MLflow run(s) with valgap.fit, valgap.cause, valgap.verdict"]
    tags = mlflow.tracking.MlflowClient(tracking_uri=f"file://{path}").get_run(
        ids["with-dropout"]).data.tags
    assert tags["valgap.fit"] == "val-below-train"
