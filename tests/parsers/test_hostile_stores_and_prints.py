"""Findings of the third reliability campaign (../shared/reliability/findings3), each built
here from its reproducer's input: one bad value in an MLflow meta.yaml (G01), a YAML alias
bomb as an experiment's name (G05), a loop print whose digit runs made the line-shape
template backtrack for minutes (G10), unclosed HTML in a notebook fed to html.parser (G11).
Each test checks what used to go wrong did not (an error code and one line, the good run
beside it read), not how long it took."""
from __future__ import annotations

import json

from tests.conftest import SAMPLES
from valgap.parsers.loop_text import _Templates
from valgap.parsers.mlflow_store import _meta
from valgap.parsers.notebook import html_tables


def _store(tmp_path, name_yaml: str):
    experiment = tmp_path / "mlruns" / "1"
    run = experiment / "abc"
    (run / "metrics").mkdir(parents=True)
    (experiment / "meta.yaml").write_text(f"experiment_id: '1'\n{name_yaml}\n")
    (run / "meta.yaml").write_text("run_id: abc\nexperiment_id: '1'\nrun_name: good\n")
    for key, values in (("loss", [1.0, 0.8, 0.6, 0.5]), ("val_loss", [0.9, 0.75, 0.6, 0.55])):
        (run / "metrics" / key).write_text("".join(f"0 {v} {i}\n" for i, v in enumerate(values)))
    return tmp_path / "mlruns"


def test_a_meta_yaml_value_pyyaml_cannot_build_costs_only_that_value(cli, tmp_path):
    for bad in ("name: " + "9" * 5000, "name: !!timestamp 2020-02-31"):
        store = _store(tmp_path / str(len(bad)), bad)
        res = cli("analyze", str(store), "--format", "json")
        assert "Traceback" not in res.stderr and res.exit_code == 0
        assert json.loads(res.stdout.splitlines()[0])["epochs"] == 4


def test_an_alias_bomb_as_a_name_is_not_a_name(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "meta.yaml").write_text("\n".join(levels) + "\nexperiment_id: '1'\nname: *a8\n")
    assert _meta(folder) == {"experiment_id": "1"}


def test_a_shape_is_never_matched_against_a_line_longer_than_those_it_was_learnt_from():
    templates = _Templates()
    assert templates._literal("x 12345678901234567890123456789012345678901234567890 y") \
        .count(r"\d+") == 1  # a digit run is one class, never \d{1,40}\d{1,40}...
    assert not templates.apply("Epoch 1 loss " + "9" * 5000, 1, reader=None)


def test_only_closed_tables_reach_the_html_parser():
    assert html_tables("<table" + "</" * 500_000) == ""
    table = "<table><tr><th>epoch</th><th>loss</th></tr><tr><td>1</td><td>0.5</td></tr></table>"
    assert html_tables("<div>" + table + "<table" + "<!" * 100_000) == \
        "| epoch | loss |\n| 1 | 0.5 |\n"


def test_the_samples_still_read_through_their_templates(cli):
    doc = json.loads(cli("analyze", str(SAMPLES / "measured-torch.log"), "--format",
                         "json").stdout)
    assert doc["epochs"] == 30
