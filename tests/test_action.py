"""The composite GitHub Action: its steps' commands, run in a temporary folder on real logs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def step(step_id: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def run_step(step_id: str, tmp_path: Path, inputs: dict[str, str]) -> subprocess.CompletedProcess:
    """Run one `run:` step with bash, its ${{ inputs.* }} env resolved from ``inputs``."""
    spec = step(step_id)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # valgap installed
    for key, value in (spec.get("env") or {}).items():
        name = value.strip("${} ").removeprefix("inputs.")
        env[key] = inputs.get(name, ACTION["inputs"].get(name, {}).get("default", ""))
    env.update(GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
               GITHUB_OUTPUT=str(tmp_path / "output.txt"), RUNNER_TEMP=str(tmp_path))
    return subprocess.run(["bash", "-e", "-c", spec["run"]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "logs").mkdir()
    for name in ("healthy.log", "overfit.csv", "dropout.log"):
        shutil.copy(SAMPLES / name, tmp_path / "logs" / name)
    return tmp_path


def test_action_declares_a_composite_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "fail-on", "skip-unreadable"} <= set(ACTION["inputs"])
    assert [s.get("id") for s in ACTION["runs"]["steps"][1:]] == ["install", "analyse", "upload",
                                                                   "gate"]
    upload = step("upload")  # the HTML report the analyse step wrote, as an artifact
    assert upload["with"]["path"] == "${{ steps.analyse.outputs.html }}"


def test_analyse_step_writes_summary_annotations_and_report(workspace):
    proc = run_step("analyse", workspace, {"paths": "logs"})
    assert proc.returncode == 0, proc.stderr
    summary = (workspace / "summary.md").read_text()
    assert summary.startswith("## valgap") and "overfit" in summary
    assert any(line.startswith("::warning file=logs/overfit.csv")
               for line in proc.stdout.splitlines())
    outputs = dict(line.split("=", 1) for line in
                   (workspace / "output.txt").read_text().strip().splitlines())
    assert len(Path(outputs["report"]).read_text().splitlines()) == 3
    page = Path(outputs["html"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="run"') == 3
    assert "```mermaid" in summary  # the curves, drawn by GitHub in the job summary


def test_gate_step_fails_on_the_listed_findings(workspace):
    assert run_step("gate", workspace, {"paths": "logs", "fail-on": "overfit"}).returncode == 1
    assert run_step("gate", workspace, {"paths": "logs", "fail-on": "diverged"}).returncode == 0
    (workspace / "logs" / "broken.csv").write_text("epoch,loss,val_loss\n0,1,x\n")
    assert run_step("gate", workspace, {"paths": "logs", "fail-on": ""}).returncode == 2
    assert run_step("gate", workspace, {"paths": "logs", "fail-on": "",
                                        "skip-unreadable": "true"}).returncode == 0
