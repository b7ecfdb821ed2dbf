"""valgap as users install it: `python -m build` makes a wheel and an sdist, each installed
into a clean virtual environment (no valgap, no dev tools), where the `valgap` command must
exist and analyse a sample log; nothing in the build or the installs may warn of a
deprecation (setuptools' old `project.license` table did, three times per install)."""
from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

pytest.importorskip("build")


def _run(*args: str | Path, cwd: Path = ROOT) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def _no_deprecation(output: str) -> None:
    warned = [line for line in output.splitlines() if "deprecat" in line.lower()]
    assert not warned, warned


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _no_deprecation(_run(sys.executable, "-m", "build", "--outdir", out, ROOT))
    return out


@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_a_built_package_installs_valgap_on_its_own(built, tmp_path, kind):
    artifact = next(built.glob(f"valgap-*.{kind}"))
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    _no_deprecation(_run(env / "bin" / "python", "-m", "pip", "install", artifact))
    command = env / "bin" / "valgap"
    assert command.exists()  # the entry point, on the environment's PATH
    doc = json.loads(_run(command, "analyze", SAMPLES / "dropout.log", "--format", "json",
                          cwd=tmp_path))
    assert doc["fit"] == "val-below-train" and doc["causes"][0]["id"] == "dropout"
    license_ = _run(env / "bin" / "python", "-c", "import importlib.metadata as m; "
                    "print(m.metadata('valgap')['License-Expression'])")
    assert license_.strip() == "MIT"  # SPDX, with the LICENSE file in the package
