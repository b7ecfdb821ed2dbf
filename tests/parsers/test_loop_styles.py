"""Every print style of hand-written loops seen in public repositories, printed by one real
training loop (scripts/make_loop_fixtures.py): each must read as the same run, with the
epochs and the first and last losses the loop printed."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from valgap.parsers import read

STYLES = DATA / "loop" / "styles"
EXPECTED = json.loads((STYLES / "expected.json").read_text())


@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_style_reads_as_the_run_that_was_printed(style):
    want = EXPECTED[style]
    run = read(str(STYLES / f"{style}.log"))[-1]
    table = run.table
    assert run.epochs == want["epochs"], (style, run.info.notes, table.head())
    tolerance = 0.6 * 10 ** -want["decimals"]
    for column, first, last in (("train_loss", want["train_first"], want["train_last"]),
                                ("val_loss", want["val_first"], want["val_last"])):
        assert column in table, (style, list(table.columns))
        values = table[column]
        if first is None:
            assert values.isna().iloc[0]
        else:
            assert values.iloc[0] == pytest.approx(first, abs=tolerance), (style, column)
        assert values.iloc[-1] == pytest.approx(last, abs=tolerance), (style, column)


def test_test_loss_stands_in_for_validation_and_says_so():
    run = read(str(STYLES / "test-loss.log"))[-1]
    assert any("test" in note for note in run.info.warnings)


def test_a_single_epoch_line_is_a_one_epoch_run(cli):
    res = cli("analyze", "--format", "json", str(STYLES / "single-epoch.log"))
    assert res.exit_code == 0 and json.loads(res.stdout)["fit"] == "too-short"


def test_detectron2_metrics_json_rows_at_each_evaluation(tmp_path):
    # detectron2 writes metrics.json as JSON Lines: training records per iteration
    # (total_loss and its parts), validation records apart when a hook computes them
    lines = []
    for it in range(1, 61):
        lines.append(json.dumps({"iteration": it, "total_loss": 2.0 / it, "loss_cls": 1.0 / it,
                                 "lr": 0.02, "time": 0.3}))
        if it % 20 == 0:
            lines.append(json.dumps({"iteration": it, "validation_loss": 2.2 / it}))
    path = tmp_path / "metrics.json"
    path.write_text("\n".join(lines) + "\n")
    run = read(str(path))[-1]
    assert run.info.format == "jsonl" and run.epochs == 3
    assert run.table["val_loss"].iloc[-1] == pytest.approx(2.2 / 60)
    expected = sum(2.0 / it for it in range(41, 61)) / 20  # mean since the last evaluation
    assert run.table["train_loss"].iloc[-1] == pytest.approx(expected)
    assert "train_loss_cls" in run.table


def test_yolo_stdout_rows_sum_the_loss_parts():
    # Ultralytics prints each epoch's row with its tqdm bar after it, and no validation loss
    # (tests/data/loop/yolo-stdout.log follows its layout; Ultralytics is not installed here)
    run = read(str(DATA / "loop" / "yolo-stdout.log"))[-1]
    assert run.epochs == 3
    assert run.table["train_loss"].tolist() == pytest.approx([4.69, 4.19, 3.89])
    assert "val_loss" not in run.table
