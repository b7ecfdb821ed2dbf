"""valgap over a directory tree of real logs of every kind: grouping, order, CI formats, gating."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.conftest import DATA, SAMPLES
from valgap.discover import discover


@pytest.fixture
def tree(tmp_path):
    """logs/ with a Keras log beside its CSV, a Lightning version folder (metrics.csv +
    TensorBoard events), a Trainer output folder, loop prints, a TensorBoard export folder,
    a non-log file, a broken log and a compressed log."""
    root = tmp_path / "logs"
    (root / "keras").mkdir(parents=True)
    shutil.copy(SAMPLES / "dropout.log", root / "keras" / "run.log")
    shutil.copy(SAMPLES / "dropout.csv", root / "keras" / "run.csv")
    shutil.copy(SAMPLES / "overfit.csv", root / "keras" / "overfit_history.csv")
    version = root / "lightning_logs" / "version_0"
    shutil.copytree(DATA / "lightning" / "tb" / "version_0", version)
    shutil.copy(DATA / "lightning" / "metrics.csv", version / "metrics.csv")
    (version / "hparams.yaml").write_text("lr: 0.001\n")
    shutil.copytree(DATA / "hf", root / "hf_out")
    shutil.copy(DATA / "loop" / "train.log", root / "loop.log")
    export = root / "tb_export"
    export.mkdir()
    csv = (SAMPLES / "healthy.csv").read_text().splitlines()[1:]
    for run, col in (("train", 2), ("validation", 4)):
        rows = [f"{1.7e9 + i},{i},{line.split(',')[col]}" for i, line in enumerate(csv)]
        (export / f"run-{run}-tag-epoch_loss.csv").write_text(
            "\n".join(["Wall time,Step,Value", *rows]))
    (root / "notes.txt").write_text("remember to try a bigger batch\n")
    shutil.copy(DATA / "lightning" / "progress.log", root / "lightning_progress.log")
    shutil.copy(DATA / "hf" / "stdout.log", root / "hf_printed.log")
    log = (SAMPLES / "augmentation.log").read_text()
    notebook = {"cells": [{"cell_type": "code", "source": "model.fit(...)", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": log.splitlines(keepends=True)}]}],
        "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    (root / "train.ipynb").write_text(json.dumps(notebook))
    (root / "broken.csv").write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,zero,0.7\n")
    import gzip
    (root / "healthy.log.gz").write_bytes(gzip.compress((SAMPLES / "healthy.log").read_bytes()))
    return root


def run_json(cli, *args):
    res = cli("analyze", "--format", "json", *args)
    return res, [json.loads(line) for line in res.stdout.splitlines()]


def test_grouping(tree):
    found = discover([str(tree)])
    paths = [t.path.replace(str(tree) + "/", "") for t in found.targets]
    assert "keras/run.log" in paths and "keras/run.csv" not in paths  # one run, read once
    assert "lightning_logs/version_0/metrics.csv" in paths
    assert not any("tfevents" in p or p.endswith("version_0") for p in paths)
    assert "hf_out" in paths and "tb_export" in paths
    assert not any(p.startswith("hf_out/") or p.startswith("tb_export/") for p in paths)
    pair = next(t for t in found.targets if t.path.endswith("keras/run.log"))
    assert pair.also == [str(tree / "keras" / "run.csv")] and "same run" in pair.note


def test_a_tensorboard_folder_of_a_set_a_folder_is_one_run(tmp_path):
    # Catalyst writes tensorboard/train/, tensorboard/valid/ and an empty _epoch_/ (Keras:
    # train/ and validation/): one run, not a run of each set; a folder of a set's name
    # with no events in it (a dataset's) is no part of one
    runs = tmp_path / "logs"
    shutil.copytree(DATA / "thirtysixthway" / "ct_dropout_tensorboard-s1", runs / "catalyst")
    (runs / "data" / "train").mkdir(parents=True)
    (runs / "data" / "valid").mkdir()
    (runs / "data" / "train" / "notes.txt").write_text("images go here\n")
    paths = [t.path for t in discover([str(runs)]).targets]
    assert str(runs / "catalyst" / "tensorboard") in paths
    assert not [p for p in paths if "/tensorboard/" in p or p.endswith("data")]


def test_batch_json_lines_match_the_contract(cli, tree):
    res, docs = run_json(cli, str(tree), "-j", "1")
    assert res.exit_code == 2  # broken.csv cannot be read
    by_name = {d["source"].replace(str(tree) + "/", ""): d for d in docs}
    assert "notes.txt" not in by_name  # not a log: skipped quietly
    assert by_name["broken.csv"]["error"]["code"] == "bad-value"
    assert by_name["broken.csv"]["fit"] is None and by_name["broken.csv"]["causes"] == []
    assert by_name["keras/run.log"]["causes"][0]["id"] == "dropout"
    assert by_name["keras/overfit_history.csv"]["fit"] == "overfit"
    assert by_name["lightning_logs/version_0/metrics.csv"]["format"] == "lightning-csv"
    assert by_name["hf_out"]["format"] == "hf-trainer-state"
    assert by_name["tb_export"]["format"] == "tb-export"
    assert by_name["healthy.log.gz"]["fit"] == "good-fit"
    assert by_name["lightning_progress.log"]["format"] == "lightning-progress"
    assert by_name["hf_printed.log"]["format"] == "hf-trainer-stdout"
    assert by_name["train.ipynb"]["causes"][0]["id"] == "augmentation"
    assert by_name["loop.log"]["format"] == "loop-text"
    for doc in docs:
        assert doc["schema"] == "valgap/1"
        assert set(doc) >= {"source", "format", "epochs", "fit", "causes", "verdict", "rules",
                            "error"}
    assert "broken.csv:3" in res.stderr and "Traceback" not in res.stderr


def test_order_does_not_depend_on_jobs(cli, tree):
    _, one = run_json(cli, str(tree), "-j", "1")
    _, four = run_json(cli, str(tree), "-j", "4")
    assert [d["source"] for d in one] == [d["source"] for d in four]
    assert one == four


def test_skip_unreadable_and_fail_on_over_the_batch(cli, tree):
    assert cli("analyze", "--skip-unreadable", str(tree)).exit_code == 0
    res = cli("analyze", "--skip-unreadable", "--fail-on", "overfit", str(tree))
    assert res.exit_code == 1
    res = cli("analyze", "--skip-unreadable", "--fail-on", "diverged", str(tree))
    assert res.exit_code == 0


def test_verbose_lists_skipped_files(cli, tree):
    res = cli("analyze", "-v", "--skip-unreadable", str(tree))
    assert "skipped" in res.stderr and "notes.txt" in res.stderr


def test_terminal_summary_ranks_by_attention(cli, tree):
    res = cli("analyze", "--skip-unreadable", str(tree), env={"COLUMNS": "120"})
    lines = res.stdout.splitlines()
    assert lines[0].split()[:3] == ["run", "fit", "first"]
    order = [line.split()[1] for line in lines[1:] if line.strip() and "runs analysed" not in line]
    assert order[0] == "unreadable"
    assert order.index("overfit") < order.index("good-fit")
    assert "┌" not in res.stdout  # curves only with --details
    details = cli("analyze", "--skip-unreadable", "--details", str(tree)).stdout
    assert details.count("Verdict:") == len(order) - 1


GITHUB = re.compile(r"^::(error|warning|notice) file=[^,:]+(,line=\d+)?,title=[^:]+::.+$")


def test_github_annotations_are_workflow_commands(cli, tree):
    res = cli("analyze", "--format", "github", "--skip-unreadable", str(tree))
    lines = res.stdout.splitlines()
    assert lines and all(GITHUB.match(line) for line in lines), lines
    assert any(line.startswith("::error") and "broken.csv,line=3" in line for line in lines)
    assert any("title=valgap dropout" in line for line in lines)


def test_markdown_summary_and_output_file(cli, tree, tmp_path):
    out = tmp_path / "summary.md"
    res = cli("analyze", "--format", "markdown", "-o", str(out), "--skip-unreadable", str(tree))
    text = out.read_text()
    assert text.startswith("## valgap") and "| run | fit |" in text
    assert text.count("\n| ") >= 12
    assert "run.log" in text and "overfit" in text
    assert "runs analysed" in res.stdout  # the terminal still gets the summary


def test_empty_folder_is_a_usage_error(cli, tmp_path):
    (tmp_path / "nothing.txt").write_text("hello\n")
    res = cli("analyze", str(tmp_path))
    assert res.exit_code == 2 and "no training log" in res.stderr


def test_a_url_prefix_is_walked_from_its_listings_one_target_per_run():
    """fsspec's in-memory store stands for a bucket: logs are targets one by one, a run
    folder is one target, and nothing is downloaded to decide."""
    fsspec = pytest.importorskip("fsspec")
    from valgap.discover import Skipped, Target, walk

    fs = fsspec.filesystem("memory")
    root = "/bucket-walk/team"
    fs.pipe({f"{root}/a/run.log": b"x", f"{root}/a/run.csv": b"x",
             f"{root}/a/notes.png": b"x", f"{root}/b/history.csv": b"x",
             f"{root}/hf/out/trainer_state.json": b"{}",
             f"{root}/hf/out/checkpoint-1/trainer_state.json": b"{}",
             f"{root}/tb/run1/events.out.tfevents.1.host": b"x",
             f"{root}/lightning/version_0/metrics.csv": b"x",
             f"{root}/lightning/version_0/hparams.yaml": b"x",
             f"{root}/.hidden/x.log": b"x"})
    try:
        items = list(walk([f"memory://{root}"]))
    finally:
        fs.rm("/bucket-walk", recursive=True)
    targets = [i for i in items if isinstance(i, Target)]
    url = f"memory://{root}"
    assert [t.path for t in targets] == [
        f"{url}/a/run.log", f"{url}/b/history.csv", f"{url}/hf/out",
        f"{url}/lightning/version_0/metrics.csv", f"{url}/tb/run1"]
    assert targets[0].also == [f"{url}/a/run.csv"]  # a Keras log and its CSV: one run
    assert [i.path for i in items if isinstance(i, Skipped)] == [f"{url}/a/notes.png"]
    assert all(t.named == url for t in targets)
