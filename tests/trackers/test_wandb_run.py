"""W&B runs written by the real ``wandb`` package in offline mode (no network): their
``run-<id>.wandb`` transaction logs read as valgap runs."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("wandb")

from click.testing import CliRunner

from tests.conftest import DATA
from valgap import analyze
from valgap.cli import main
from valgap.parsers import read

SCRIPT = """
import math, sys, wandb
name, offset, per_step = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
run = wandb.init(project="valgap-tests", name=name, config={"dropout": 0.5, "batch_size": 32})
for epoch in range(12):
    val = 0.3 + math.exp(-epoch / 3)
    if per_step:
        for _ in range(5):
            wandb.log({"epoch": epoch, "train_loss": val + offset})
        wandb.log({"epoch": epoch, "val_loss": val})
    else:
        wandb.log({"epoch": epoch, "loss": val + offset, "val_loss": val})
run.finish()
"""


def offline_run(folder, name: str, offset: float, per_step: bool = False) -> None:
    env = dict(os.environ, WANDB_MODE="offline", WANDB_DIR=str(folder), WANDB_SILENT="true",
               WANDB_DISABLE_GIT="true")
    subprocess.run([sys.executable, "-c", SCRIPT, name, str(offset), "1" if per_step else "0"],
                   env=env, check=True, timeout=120, cwd=folder)


def test_offline_runs_are_read_named_and_judged(tmp_path):
    offline_run(tmp_path, "with-dropout", 0.25)
    offline_run(tmp_path, "plain", -0.02)
    results = analyze(str(tmp_path / "wandb"))
    by_name = {r.run.info.notes[0].split()[2]: r for r in results}
    assert set(by_name) == {"with-dropout", "plain"}
    dropout = by_name["with-dropout"]
    assert dropout.run.epochs == 12 and dropout.fit.fit == "val-below-train"
    assert dropout.causes[0].rule == "dropout"  # the config's dropout is a run fact
    assert "the W&B run's parameters" in dropout.causes[0].evidence


def test_steps_with_an_epoch_key_are_averaged_per_epoch_and_a_run_folder_reads_alone(tmp_path):
    offline_run(tmp_path, "steps", 0.1, per_step=True)
    run_folder = next((tmp_path / "wandb").glob("offline-run-*"))
    result = analyze(str(run_folder))[0]
    assert result.run.epochs == 12
    assert result.run.table["val_loss"].iloc[0] == pytest.approx(1.3)


def test_a_project_folder_is_walked_and_a_cut_log_is_one_clear_line(tmp_path):
    offline_run(tmp_path, "a", 0.2)
    out = CliRunner().invoke(main, ["analyze", str(tmp_path), "--format", "json"])
    reports = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert [r["format"] for r in reports] == ["wandb"]
    log = next((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))
    log.write_bytes(log.read_bytes()[:200])  # a run killed early: its header and little else
    out = CliRunner().invoke(main, ["analyze", str(log)])
    assert out.exit_code != 0 and "Traceback" not in out.output


def test_a_wandb_folder_is_one_input_per_run_a_bad_log_costing_only_its_run(tmp_path):
    """Each run is an input of its own: a damaged log is one line naming the folder and
    the run, the others are read; a run killed before it logged a loss is left out (shown
    with -v), as reading the folder whole leaves it out."""
    from valgap.discover import discover

    for name in ("kept", "cut", "damaged"):
        offline_run(tmp_path, name, 0.2)
    wandb_dir = tmp_path / "wandb"
    targets = discover([str(wandb_dir)]).targets
    assert len(targets) == 3 and all(t.store == str(wandb_dir) for t in targets)
    logs = {name: p for t in targets for p in Path(t.path).glob("run-*.wandb")
            for name in ("cut", "damaged") if name.encode() in p.read_bytes()}
    logs["cut"].write_bytes(logs["cut"].read_bytes()[:200])  # its header and little else
    logs["damaged"].write_bytes(b"\x00not a transaction log" * 40)
    out = CliRunner().invoke(main, ["analyze", str(wandb_dir), "--format", "json", "-v"])
    reports = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert [r["run"]["name"] for r in reports if not r.get("error")] == ["kept"]
    errors = [r for r in reports if r.get("error")]
    assert len(errors) == 1 and errors[0]["source"] == \
        f"{wandb_dir} [{logs['damaged'].parent.name}]"
    assert f"skipped {logs['cut'].parent}" in out.output


@pytest.mark.parametrize("scenario", ["dropout", "overfit", "plain"])
def test_an_epoch_logged_beside_the_validation_loss_closes_its_epoch(scenario):
    # a real offline run: wandb.log({"train/loss": l}) every batch, then
    # wandb.log({"val/loss": v, "epoch": e}) after the epoch's batches. Each row must hold
    # the epoch's own batches (numbers.json: the loop's own means); before, each validation
    # loss met the next epoch's training loss and the last epoch was dropped
    folder = DATA / "eighthway" / f"loop_wandb-{scenario}-s1"
    numbers = json.loads((folder / "numbers.json").read_text())
    (log,) = (folder / "wandb").glob("offline-run-*")
    run = read(str(log))[-1]
    assert run.epochs == len(numbers) == 20
    assert list(run.table["train_loss"]) == pytest.approx([t for t, _ in numbers], rel=1e-6)
    assert list(run.table["val_loss"]) == pytest.approx([v for _, v in numbers], rel=1e-6)


def test_history_values_are_read_from_their_json_text_as_json_would_read_them():
    from types import SimpleNamespace

    from valgap.parsers.wandb_run import _history

    texts = ["0.25", "-1e-3", "1e400", "NaN", "Infinity", "3", " 2.5 ", "true", '"0.5"',
             '{"a": 1}', "[1, 2]", "null", "1" * 400]
    items = [SimpleNamespace(key=f"m{i}", nested_key=[], value_json=t)
             for i, t in enumerate(texts)]
    items.append(SimpleNamespace(key="_step", nested_key=[], value_json="7"))
    metrics: dict = {}
    _history(items, metrics)
    for i, text in enumerate(texts):
        value = json.loads(text) if text != "NaN" else float("nan")
        wanted = None if isinstance(value, (bool, str, dict, list)) or value is None \
            else float(value) if not abs(value) >= 1e308 else math.inf
        got = metrics.get(f"m{i}")
        if wanted is None:
            assert got is None, text
        else:
            assert got[0][0] == 7 and (got[0][1] == wanted or math.isnan(wanted)), text
