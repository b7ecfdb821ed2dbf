"""The Markdown summary's loss curves: Mermaid xychart-beta blocks of plain numbers, one per
most urgent run, left out with --no-plot. (tests/browser draws them with the real Mermaid.)"""
from __future__ import annotations

import re

from tests.conftest import SAMPLES
from valgap.parsers import read
from valgap.render import markdown


def _blocks(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_the_most_urgent_runs_get_their_curves(cli):
    text = cli("analyze", str(SAMPLES), "--format", "markdown").stdout
    blocks = _blocks(text)
    assert len(blocks) == markdown.CHARTS
    first = blocks[0].splitlines()
    assert first[0] == "xychart-beta"
    epochs = [int(e) for e in re.search(r"\[(.*)\]", first[1]).group(1).split(", ")]
    train = [float(v) for v in re.search(r"\[(.*)\]", first[3]).group(1).split(", ")]
    run = read(str(SAMPLES / "overfit.log"))[-1]  # the most urgent sample: overfit
    assert epochs == list(run.table.index) == list(range(1, 61))
    assert len(epochs) == len(train) <= markdown.CHART_POINTS + 1
    assert train[0] == float(f"{run.table['train_loss'].iloc[0]:.4g}")


def test_no_plot_leaves_the_charts_out(cli):
    text = cli("analyze", str(SAMPLES), "--format", "markdown", "--no-plot").stdout
    assert not _blocks(text) and "| run |" in text


def test_a_chart_holds_only_numbers_and_fixed_words():
    run = read(str(SAMPLES / "healthy.csv"))[-1]
    run.info.source = "x```\n</details><img src=x onerror=alert(1)>"
    from valgap.config import Config
    from valgap.engine import analyze_run

    chart = markdown.mermaid(analyze_run(run, Config()))
    allowed = re.compile(r'^(xychart-beta|    x-axis "epoch" \[[\d, ]+\]|    y-axis "loss"|'
                         r"    line \[[-\d., ]+\])$")
    assert all(allowed.match(line) for line in chart.splitlines()), chart
