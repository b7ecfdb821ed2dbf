"""valgap.yaml: run facts and rule settings, strictly validated with file and line."""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from valgap.config import ConfigError, find, load


def write(tmp_path, text):
    path = tmp_path / "valgap.yaml"
    path.write_text(text)
    return path


def test_spec_example_loads(tmp_path):
    cfg = load(write(tmp_path, """model:
  dropout: 0.5
  batchnorm: true
  augmentation: false
  weight_penalty: false
  loss_weighting: false
data:
  n_train: 38140
  n_val: 9520
  split: random
"""))
    assert cfg.facts.dropout == 0.5 and cfg.facts.batchnorm is True
    assert (cfg.facts.n_train, cfg.facts.n_val, cfg.facts.split) == (38140, 9520, "random")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("model:\n  dropuot: 0.5\n", 2, "did you mean 'dropout'"),
    ("data:\n  n_train: 10\n  n_val: -3\n", 3, "positive whole number"),
    ("data:\n  split: shuffled\n", 2, "random, time-ordered"),
    ("model:\n  batchnorm: maybe\n", 2, "true or false"),
    ("rules:\n  noise:\n    band_sigmaa: 2\n", 3, "unknown key"),
    ("rules:\n  nosie: disable\n", 2, "did you mean 'noise'"),
    ("rules:\n  leakage:\n    confidence: 3\n", 3, "confidence lies in [0, 1]"),
    ("extra: 1\n", 1, "unknown key"),
    ("model: [1, 2\n", 2, "not valid YAML"),
])
def test_errors_name_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_rules_section_disables_and_sets_options(tmp_path):
    cfg = load(write(tmp_path, "rules:\n  noise: disable\n  leakage:\n    confidence: 0.6\n"
                               "  dropout:\n    enabled: false\nfit:\n  underfit_gain: 0.2\n"))
    assert cfg.disabled == {"noise", "dropout"}
    assert cfg.rule_options("leakage")["confidence"] == 0.6
    assert cfg.rule_options("leakage")["min_fall"] == 300.0  # default kept
    assert cfg.fit.underfit_gain == 0.2


def test_yaml_is_safe_loaded(tmp_path):
    path = write(tmp_path, "model: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError):
        load(path)


def test_found_beside_the_log_or_its_folder(tmp_path):
    write(tmp_path, "data:\n  n_train: 10\n  n_val: 5\n")
    log = tmp_path / "run.log"
    log.write_bytes((SAMPLES / "healthy.log").read_bytes())
    assert find(str(log)) == tmp_path / "valgap.yaml"
    sub = tmp_path / "tb"
    sub.mkdir()
    assert find(str(sub)) == tmp_path / "valgap.yaml"


def test_config_error_exit_code(cli, tmp_path):
    write(tmp_path, "model:\n  dropout: lots\n")
    log = tmp_path / "run.log"
    log.write_bytes((SAMPLES / "healthy.log").read_bytes())
    res = cli("analyze", str(log))
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"valgap: {tmp_path / 'valgap.yaml'}:2: model.dropout: expected a rate in [0, 1) or "
        "true/false, got 'lots'"]


def test_facts_change_the_diagnosis(cli, tmp_path):
    import json

    log = tmp_path / "history.csv"
    log.write_bytes((SAMPLES / "dropout.csv").read_bytes())
    before = json.loads(cli("analyze", "--format", "json", str(log)).stdout)
    write(tmp_path, "model:\n  dropout: 0.5\n")
    after = json.loads(cli("analyze", "--format", "json", str(log)).stdout)
    assert before["causes"][0]["confidence"] < 0.5
    assert after["causes"][0]["id"] == "dropout" and after["causes"][0]["confidence"] >= 0.8
