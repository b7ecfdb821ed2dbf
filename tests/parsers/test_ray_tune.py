"""Ray Tune's console, captured as its driver prints it, and a trial's result.json: real
trials of scripts/make_sixteenthway_runs.py (Ray 2.40, one PyTorch model a trial)."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import DATA
from valgap import config, engine
from valgap.model import InputError
from valgap.parsers import Options, detect, jsonl, ray_tune, read
from valgap.parsers._text import Limits, Source

RUNS = DATA / "sixteenthway"


def _numbers(scenario: str) -> dict:
    return json.loads((RUNS / scenario / "numbers.json").read_text())


def test_a_box_per_result_is_a_row_and_the_config_box_gives_the_facts():
    # verbose=2: "Trial ... finished iteration 3" and a box of the result, 5 digits a value
    (run,) = read(str(RUNS / "ry_dropout_console-s1" / "train.log"))
    assert run.info.format == ray_tune.NAME and run.epochs == 40
    assert run.table["val_loss"].tolist() == pytest.approx(_numbers("ry_dropout_console-s1")
                                                           ["val"], rel=1e-4)
    assert "val_accuracy" in run.table
    assert run.info.facts["dropout"] == 0.5 and run.info.batch_size == 32
    assert "Ray Tune" in run.info.facts_origin


def test_two_trials_interleaved_are_two_runs_each_with_its_config():
    # a grid over the dropout rate: the boxes of the two trials alternate in the console
    path = str(RUNS / "ry_two_trials-s1" / "train.log")
    runs = read(path)
    assert [r.epochs for r in runs] == [8, 8]
    assert [r.info.facts["dropout"] for r in runs] == [False, 0.5]
    numbers = _numbers("ry_two_trials-s1")["trials"]
    assert sorted(r.table["val_loss"].iloc[-1] for r in runs) == pytest.approx(
        sorted(n["val"][-1] for n in numbers.values()), rel=1e-4)
    assert len(engine.analyze_input(path, config.Config())) == 2  # each trial analysed


def test_without_result_boxes_the_trainables_own_prints_are_the_rows():
    # the default verbosity: the config box, the trainable's "(func pid=...) epoch 3: ..."
    # (Ray colours the prefix) and the last result's box only
    path = RUNS / "ry_dropout_prints-s1" / "train.log"
    printed = len(re.findall(r"pid=\d+\)\S* epoch \d+:", path.read_text()))
    (run,) = read(str(path))
    assert run.info.format == ray_tune.NAME and run.epochs == printed >= 39
    assert run.info.facts["dropout"] == 0.5 and run.info.batch_size == 32


def test_the_status_tables_alone_are_no_curve(tmp_path):
    # the same console with the trainable's prints taken out: left are the status tables,
    # one row a trial with its last values, and one result box: refused, not read as epochs
    text = (RUNS / "ry_dropout_prints-s1" / "train.log").read_text()
    quiet = tmp_path / "tune.log"
    quiet.write_text("".join(line for line in text.splitlines(keepends=True)
                             if "pid=" not in line))
    with pytest.raises(InputError, match="verbose=2") as caught:
        read(str(quiet))
    assert caught.value.code == "no-epochs"


def test_only_a_console_with_trial_lines_is_taken_for_ray_tune():
    assert detect(Source(str(RUNS / "ry_batchnorm_small-s1" / "train.log"))) == ray_tune.NAME
    keras = DATA / "fifthway" / "keras_class_weight-s1" / "train.log"
    assert ray_tune.sniff(keras.read_text()) == 0.0


@pytest.mark.parametrize(("scenario", "facts"), [
    ("ry_dropout-s1", {"dropout": 0.5}),
    ("ry_penalty-s1", {"weight_penalty": True}),
    ("ry_overfit-s1", {}),
])
def test_a_trials_result_json_gives_its_config_as_facts(scenario, facts):
    (run,) = read(str(RUNS / scenario / "result.json"), Options())
    assert run.info.format == jsonl.NAME
    assert run.info.facts == facts
    assert run.info.batch_size == json.loads(
        (RUNS / scenario / "result.json").read_text().splitlines()[0])["config"]["batch_size"]


def test_more_trials_than_the_runs_limit_are_refused_as_they_come():
    # the two-trial console under a limit of one run: refused at the second trial's box
    with pytest.raises(InputError, match="--max-runs") as caught:
        read(str(RUNS / "ry_two_trials-s1" / "train.log"), Options(limits=Limits(max_runs=1)))
    assert caught.value.code == "limit"
