"""``valgap.analyze`` on a path and on a run's history in memory (a dict of lists, a pandas
DataFrame, an object with a Keras-style ``.history``), and a result shown in IPython."""
from __future__ import annotations

import math

import pandas as pd
import pytest

import valgap
from tests.conftest import SAMPLES
from valgap.parsers import read

SAMPLE = SAMPLES / "dropout.csv"


def _history() -> dict[str, list[float]]:
    table = read(str(SAMPLE))[-1].table  # a real run's curves, as Keras' History holds them
    return {"loss": table["train_loss"].tolist(), "val_loss": table["val_loss"].tolist(),
            "accuracy": table["train_accuracy"].tolist(),
            "val_accuracy": table["val_accuracy"].tolist()}


class _KerasHistory:  # the shape of keras.callbacks.History: epoch and history
    def __init__(self, history: dict[str, list[float]]) -> None:
        self.history = history
        self.epoch = list(range(len(history["loss"])))


def test_a_history_in_memory_gets_the_diagnosis_of_its_log():
    from_log = valgap.analyze(str(SAMPLE))[0]
    for source in (_history(), pd.DataFrame(_history()), _KerasHistory(_history())):
        result = valgap.analyze(source, name="notebook run")[0]
        assert result.error is None and result.source == "notebook run"
        assert result.fit.fit == from_log.fit.fit
        assert [c.rule for c in result.causes] == [c.rule for c in from_log.causes]


def test_a_history_that_is_no_run_is_one_clear_error():
    for history, words in ((42, "give a path"), ({"acc": [0.5, 0.6]}, "no loss"),
                           ({"loss": 0.5}, "no list")):
        with pytest.raises(valgap.InputError, match=words):
            valgap.analyze(history)


def test_a_missing_input_raises_with_the_cli_line(cli, tmp_path):
    missing = tmp_path / "nosuch.log"
    with pytest.raises(valgap.InputError) as err:
        valgap.analyze(missing)
    line = cli("analyze", str(missing)).stderr.strip()
    assert err.value.code == "not-found" and line == f"valgap: {err.value}"


def test_numpy_values_and_a_nan_loss_read_as_in_a_log():
    import numpy as np

    history = {"loss": np.array([1.0, 0.8, np.nan, np.nan], dtype=np.float32),
               "val_loss": [0.9, 0.85, math.nan, math.nan]}
    assert valgap.analyze(history)[0].fit.fit == "diverged"


def test_a_result_shows_its_report_in_ipython():
    class Printer:
        def __init__(self) -> None:
            self.out = ""

        def text(self, value: str) -> None:
            self.out += value

    result = valgap.analyze(_history())[0]
    printer = Printer()
    result._repr_pretty_(printer, False)
    assert "Verdict:" in printer.out and f"fit {result.fit.fit}" in printer.out
    assert "\x1b" not in printer.out and printer.out == valgap.report(result)


def test_records_are_the_json_lines_plain_and_picklable(cli, tmp_path):
    import json
    import pickle
    import shutil

    for name in ("dropout.log", "overfit.csv", "measured-hf.json"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    (tmp_path / "broken.csv").write_text("epoch,loss\nnope,1\n")
    got = valgap.records(str(tmp_path))
    lines = cli("analyze", str(tmp_path), "--format", "json").stdout.splitlines()
    assert got == [json.loads(line) for line in lines] and len(got) == 4
    assert pickle.loads(pickle.dumps(got)) == got

    def plain(value) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))

    assert all(plain(r) for r in got)
    assert [r["error"]["code"] for r in got if r["error"]] == ["no-epochs"]


def test_records_never_raise_on_a_bad_input(tmp_path):
    missing = valgap.records(str(tmp_path / "nope.log"))
    assert missing[0]["error"]["code"] == "not-found" and missing[0]["fit"] is None
    bad_config = tmp_path / "valgap.yaml"
    bad_config.write_text("model: [unclosed\n")
    broken = valgap.records(str(SAMPLES / "healthy.log"), config_path=str(bad_config))
    assert broken[0]["error"]["code"] == "config"


def test_a_result_in_jupyter_is_the_html_report_in_a_sandboxed_frame():
    import html as html_module
    import re

    import valgap

    result = valgap.analyze(str(SAMPLES / "overfit.log"))[0]
    frame = result._repr_html_()
    assert frame.startswith('<iframe title="valgap report" sandbox srcdoc="')
    page = html_module.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert page.count('<section class="run"') == 1 and "<script" not in page
    assert 'data-series="val_loss"' in page
