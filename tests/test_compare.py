"""`valgap compare` on pairs of real runs (sample_logs: the same MLP with and without dropout,
with augmentation, overfitting on 150 samples)."""
from __future__ import annotations

import json
import re

from tests.conftest import SAMPLES
from valgap.compare import compare
from valgap.config import Config
from valgap.engine import analyze_run
from valgap.parsers import read


def result(name: str):
    return analyze_run(read(str(SAMPLES / name))[-1], Config(), name)


def test_adding_dropout_is_explained():
    comparison = compare(result("healthy.log"), [result("dropout.log")])
    changes = comparison.changes[0]
    kinds = {c.kind for c in changes}
    assert {"fit", "cause-added", "gap"} <= kinds
    added = next(c for c in changes if c.kind == "cause-added")
    assert "dropout" in added.text and "expected" in added.text
    assert added.check.startswith("Keras:")
    gap = next(c for c in changes if c.kind == "gap")
    # validation 31% above training -> 55% below training
    assert "changed sides" in gap.text and "% above training" in gap.text and "below" in gap.text
    assert comparison.baseline.late_gap > 0 > comparison.runs[0].late_gap
    # a large gap is said as a ratio: the overfitting sample's validation 198x training
    gap = next(c for c in compare(result("overfit.log"), [result("dropout.log")]).changes[0]
               if c.kind == "gap")
    assert re.search(r"validation \d+x training -> validation \d+% below", gap.text)


def test_overfitting_run_against_healthy():
    comparison = compare(result("healthy.csv"), [result("overfit.csv")])
    changes = comparison.changes[0]
    assert any(c.kind == "fit" and c.text.endswith("-> overfit") for c in changes)
    assert any(c.kind == "cause-added" and "turned up" not in c.text for c in changes) or \
        any(c.kind == "gap" and "widened" in c.text for c in changes)
    assert any(c.kind == "epochs" for c in changes)


def test_same_run_from_a_poorer_input_says_what_it_cannot_see():
    comparison = compare(result("dropout.log"), [result("dropout.csv")])  # the CSV has no model
    changes = comparison.changes[0]
    assert all(c.kind not in ("fit", "gap", "best-val") for c in changes)
    removed = [c for c in changes if c.kind == "cause-removed"]
    assert removed and all("input" in c.text for c in removed)


def test_cli_text_and_json(cli):
    res = cli("compare", str(SAMPLES / "healthy.log"), str(SAMPLES / "dropout.log"),
              str(SAMPLES / "augmentation.log"), env={"COLUMNS": "100"})
    assert res.exit_code == 0
    assert "run 1 against the baseline" in res.stdout and "run 2" in res.stdout
    assert "┌" in res.stdout
    res = cli("compare", "--format", "json", str(SAMPLES / "healthy.log"),
              str(SAMPLES / "dropout.log"))
    doc = json.loads(res.stdout)
    assert doc["baseline"]["fit"] == "good-fit"
    assert {c["kind"] for c in doc["runs"][0]["changes"]} >= {"fit", "cause-added", "gap"}


def test_cli_unreadable_run(cli, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    res = cli("compare", str(SAMPLES / "healthy.log"), str(bad))
    assert res.exit_code == 2 and str(bad) in res.stderr


def test_an_overfitting_onset_that_appears_is_named(cli):
    from tests.conftest import SAMPLES

    res = cli("compare", str(SAMPLES / "healthy.log"), str(SAMPLES / "overfit.log"), "--no-plot")
    assert "shows validation loss turning up" in res.stdout and "shows  (" not in res.stdout


def test_a_large_late_gap_is_a_ratio_not_thousands_of_percent(cli):
    res = cli("compare", str(SAMPLES / "healthy.log"), str(SAMPLES / "overfit.log"),
              "--no-plot", env={"COLUMNS": "100"})
    assert res.exit_code == 0
    assert "198x train" in res.stdout and "19683%" not in res.stdout
