"""SARIF 2.1.0 output validates against the official schema (vendored in tests/data/sarif)."""
from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import DATA, SAMPLES

SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def sarif(cli, tmp_path):
    (tmp_path / "broken.csv").write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,zero,0.7\n")
    res = cli("analyze", "--format", "sarif", str(SAMPLES / "overfit.log"),
              str(SAMPLES / "dropout.csv"), str(tmp_path / "broken.csv"))
    return json.loads(res.stdout), tmp_path


def test_valid_against_the_official_schema(sarif):
    doc, _ = sarif
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1


def test_one_result_per_finding_with_locations(sarif):
    doc, _tmp_path = sarif
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    onset = next(r for r in run["results"] if r["ruleId"] == "overfitting-onset")
    region = onset["locations"][0]["physicalLocation"]["region"]
    log_lines = (SAMPLES / "overfit.log").read_text().split("\n")
    line = log_lines[region["startLine"] - 1]
    assert "val_loss" in line  # the line of the epoch where validation turned
    broken = next(r for r in run["results"] if r["ruleId"] == "unreadable-input")
    assert broken["level"] == "error"
    assert broken["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
