"""Inputs as URLs: a folder of logs in a bucket of a local S3-compatible server (moto's
server mode on 127.0.0.1, started and stopped by the test), read through fsspec/s3fs."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("s3fs")
boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from click.testing import CliRunner  # noqa: E402

from tests.conftest import SAMPLES  # noqa: E402
from valgap.cli import main  # noqa: E402


@pytest.fixture
def s3(monkeypatch, request):
    """The server; ``auth_after`` (a marker's argument) makes every request past that many
    need real credentials (moto's IAM check), so a reader with none gets access denied."""
    marker = request.node.get_closest_marker("auth_after")
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(marker.args[0])) if marker \
        else None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto server did not start")
                time.sleep(0.3)
        # credentials and endpoint from the store's own environment, as a user's would be
        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(key, value)
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket="runs")
        yield client
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _reports(out) -> list[dict]:
    return [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]


def test_a_folder_in_a_bucket_is_walked_like_a_local_one(s3, tmp_path):
    for name in ("dropout.log", "overfit.csv", "measured-hf.json"):
        s3.upload_file(str(SAMPLES / name), "runs", f"team/exp1/{name}")
    s3.put_object(Bucket="runs", Key="team/exp1/notes.png", Body=b"\x89PNG not a log")
    out = CliRunner().invoke(main, ["analyze", "s3://runs/team/", "--format", "json"])
    reports = _reports(out)
    assert sorted(r["source"] for r in reports) == [
        "s3://runs/team/exp1/dropout.log", "s3://runs/team/exp1/measured-hf.json",
        "s3://runs/team/exp1/overfit.csv"]
    fits = {r["source"].rsplit("/", 1)[-1]: r["fit"] for r in reports}
    assert fits["dropout.log"] == "val-below-train" and fits["overfit.csv"] == "overfit"
    assert "valgap-remote" not in out.output  # no local temporary path leaks into the report


def test_one_object_and_bad_urls_are_one_clear_line_each(s3):
    s3.upload_file(str(SAMPLES / "healthy.csv"), "runs", "healthy.csv")
    out = CliRunner().invoke(main, ["analyze", "s3://runs/healthy.csv", "--format", "json"])
    assert [r["fit"] for r in _reports(out)] == ["good-fit"], out.output
    out = CliRunner().invoke(main, ["analyze", "s3://runs/missing.csv",
                                    "s3://no-such-bucket/x.log", str(SAMPLES / "healthy.csv")])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "s3://runs/missing.csv" in out.output and "s3://no-such-bucket/x.log" in out.output
    assert "good-fit" in out.output or "good fit" in out.output.lower()  # the rest still read


def test_a_protocol_without_its_package_names_the_extra():
    if shutil.which("true") is None:
        pytest.skip("no shell tools")
    out = CliRunner().invoke(main, ["analyze", "nosuchproto://bucket/run.log"])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "nosuchproto" in out.output


@pytest.mark.auth_after(3)
def test_a_bucket_without_access_is_one_clear_line(s3):
    s3.upload_file(str(SAMPLES / "healthy.csv"), "runs", "team/healthy.csv")  # 2nd, 3rd free
    out = CliRunner().invoke(main, ["analyze", "s3://runs/team/", str(SAMPLES / "overfit.csv"),
                                    "--format", "json"])
    reports = _reports(out)
    denied = [r for r in reports if r["error"]]
    assert len(denied) == 1 and denied[0]["source"] == "s3://runs/team/"
    assert denied[0]["error"]["code"] == "unreadable" and "Traceback" not in out.output
    assert any(r["source"].endswith("overfit.csv") and r["fit"] == "overfit" for r in reports)


def test_a_bucket_is_read_log_by_log_by_the_dask_workers(s3, tmp_path):
    """The client lists the bucket; each worker fetches only the logs of its tasks. Both
    executors give the same JSON."""
    pytest.importorskip("distributed")
    names = ["dropout.log", "overfit.csv", "measured-hf.json", "underfit.log"]
    for i in range(12):
        s3.upload_file(str(SAMPLES / names[i % 4]), "runs", f"team/exp{i:02d}/{names[i % 4]}")
    command = [sys.executable, "-m", "valgap", "analyze", "s3://runs/team/", "--format",
               "json", "-j", "2"]
    local = subprocess.run(command, capture_output=True, text=True, timeout=300)
    dask = subprocess.run([*command, "--executor", "dask", "--chunk-size", "2"],
                          capture_output=True, text=True, timeout=300)
    assert dask.stdout == local.stdout and dask.returncode == local.returncode == 0
    sources = [json.loads(line)["source"] for line in local.stdout.splitlines()]
    assert sources == [f"s3://runs/team/exp{i:02d}/{names[i % 4]}" for i in range(12)]


def test_a_download_stopped_by_the_timeout_leaves_nothing_in_tmpdir(s3, private_tmpdir):
    # one object, alone (read in this process, stopped by the alarm mid-download); the
    # private $TMPDIR this test runs in must be empty again at its end
    s3.put_object(Bucket="runs", Key="big/huge.log", Body=b"Epoch 1/2\n" + b"x" * (120 << 20))
    res = subprocess.run([sys.executable, "-m", "valgap", "analyze", "s3://runs/big/huge.log",
                          "--timeout", "0.5", "--no-plot"], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ))
    assert res.returncode == 2 and "--timeout" in res.stderr
    assert not list(private_tmpdir.iterdir())


def test_annotate_refuses_a_store_read_from_a_bucket_and_writes_nothing(s3, tmp_path):
    from tests.trackers.test_mlflow_store import _log

    store = tmp_path / "mlflow.db"
    _log(f"sqlite:///{store}", {"a": (0.25, True)})
    s3.upload_file(str(store), "runs", "stores/mlflow.db")
    before = s3.get_object(Bucket="runs", Key="stores/mlflow.db")["Body"].read()
    res = subprocess.run([sys.executable, "-m", "valgap", "analyze", "s3://runs/stores/mlflow.db",
                          "--annotate", "--no-plot"], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ))
    assert res.returncode == 2
    assert "read from a copy of s3://runs/stores/mlflow.db" in res.stderr
    assert "Creating initial MLflow database" not in res.stderr  # no store made anywhere
    assert s3.get_object(Bucket="runs", Key="stores/mlflow.db")["Body"].read() == before


def test_a_valgap_yaml_beside_a_log_in_a_bucket_applies(s3):
    s3.upload_file(str(SAMPLES / "healthy.log"), "runs", "exp/run.log")
    s3.put_object(Bucket="runs", Key="exp/valgap.yaml",
                  Body=b"rules:\n  epoch-averaging: disable\n")
    for url in ("s3://runs/exp/", "s3://runs/exp/run.log"):
        out = CliRunner().invoke(main, ["analyze", url, "--format", "json"])
        status = {r["id"]: r["status"] for r in _reports(out)[0]["rules"]}
        assert status["epoch-averaging"] == "off", url


def test_the_whole_store_is_walked_from_its_buckets(s3):
    s3.upload_file(str(SAMPLES / "healthy.csv"), "runs", "exp/healthy.csv")
    out = CliRunner().invoke(main, ["analyze", "s3://", "--format", "json"])
    assert [r["source"] for r in _reports(out)] == ["s3://runs/exp/healthy.csv"], out.output


def test_one_client_serves_every_bucket_of_a_store_in_a_process(s3, monkeypatch):
    """A batch child reads many objects: one client per store (and environment), not one
    per object (a new s3fs client cost 0.35 s against a local server); a changed
    environment (other credentials or endpoint) gets a client of its own."""
    from valgap import remote

    s3.create_bucket(Bucket="other")
    first, path = remote.filesystem("s3://runs/team/a.log")
    again, _ = remote.filesystem("s3://other/b.csv")
    assert again is first and path == "runs/team/a.log"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "someone-else")
    changed, _ = remote.filesystem("s3://runs/team/a.log")
    assert changed is not first
