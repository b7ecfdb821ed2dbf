"""Reports written as results come: a large batch's terminal summary is counts and the 50
most urgent runs, the full list goes to --output, streamed formats stay whole."""
from __future__ import annotations

import io
import json
import os
import re

import jsonschema

from tests.conftest import DATA, SAMPLES
from valgap.executors.work import analyse_input
from valgap.model import InputError, Result
from valgap.render import RenderOptions
from valgap.render.stream import LARGE, URGENT, writer
from valgap.runner import Job

SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())


def _batch(tmp_path, runs: int, broken: int = 3):
    """``runs`` symlinks to three real logs, and ``broken`` unreadable CSVs at the end."""
    kinds = ["healthy.log", "overfit.log", "dropout.log"]
    for i in range(runs - broken):
        os.symlink(SAMPLES / kinds[i % 3], tmp_path / f"r{i:04d}.log")
    for i in range(broken):
        (tmp_path / f"z{i}.csv").write_text("epoch,loss\nnope,1\n")
    return tmp_path


def test_a_large_terminal_summary_is_counts_and_the_most_urgent(cli, tmp_path):
    _batch(tmp_path, LARGE + 60)
    out = tmp_path.parent / f"{tmp_path.name}-all.jsonl"
    res = cli("analyze", str(tmp_path), "-o", str(out), "--format", "json",
              env={"COLUMNS": "120"})
    text = res.stdout
    assert f"{LARGE + 60:,} runs analysed, 3 unreadable" in text
    assert "fit class" in text and "first cause" in text
    overfit = len(range(1, LARGE + 57, 3))  # every third log is overfit.log
    assert re.search(rf"^overfit +{overfit} +", text, re.MULTILINE)
    urgent = text.split(f"the {URGENT} most urgent runs")[1].splitlines()[2:]
    assert len(urgent) == URGENT
    assert all("unreadable" in line for line in urgent[:3])  # errors first, then overfit
    assert all(" overfit " in line for line in urgent[3:])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [os.path.basename(r["source"]) for r in lines] == sorted(
        p.name for p in tmp_path.iterdir())  # every run, in input order
    assert res.exit_code == 2


def test_a_small_batch_keeps_the_ranked_table(cli, tmp_path):
    _batch(tmp_path, 12, broken=1)
    res = cli("analyze", str(tmp_path), "--no-plot", env={"COLUMNS": "120"})
    rows = res.stdout.splitlines()
    assert rows[0].split() == ["run", "fit", "first", "cause", "epochs"]
    assert "unreadable" in rows[1] and "overfit" in rows[2]
    assert "12 runs analysed, 1 unreadable" in res.stdout and "most urgent" not in res.stdout


def test_large_markdown_lists_every_run_into_a_file_and_counts_on_top(cli, tmp_path):
    _batch(tmp_path, LARGE + 10)
    out = tmp_path.parent / f"{tmp_path.name}.md"
    cli("analyze", str(tmp_path), "-o", str(out), "--format", "markdown")
    text = out.read_text()
    assert text.startswith("## valgap: training runs")
    assert text.count("<code>") >= LARGE + 10 + URGENT  # all rows, then the urgent again
    assert f"**{LARGE + 10:,} runs analysed.**" in text and "| overfit |" in text


def test_sarif_written_result_by_result_is_one_valid_document(tmp_path):
    job = Job(inputs=[], fmt="sarif")
    results = analyse_input(str(SAMPLES), job)
    results.append(Result(source="x.csv", error=InputError("bad", "x.csv", 3, code="bad")))
    stream = io.StringIO()
    sink = writer("sarif", stream, RenderOptions())
    for result in results:
        sink.add(result)
    sink.finish()
    doc = json.loads(stream.getvalue())
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    assert run["results"][-1]["ruleId"] == "unreadable-input"


def test_report_file_is_renamed_into_place_and_never_half_written(cli, tmp_path):
    (tmp_path / "logs").mkdir()
    _batch(tmp_path / "logs", 5, 0)
    out = tmp_path / "logs" / "report.jsonl"  # inside the folder being walked
    res = cli("analyze", str(tmp_path / "logs"), "-o", str(out), "--format", "json")
    assert res.exit_code == 0 and len(out.read_text().splitlines()) == 5
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert not [p for p in (tmp_path / "logs").iterdir() if p.name.startswith(".valgap-")]
    again = cli("analyze", str(tmp_path / "logs"), "-o", str(out), "--format", "json")
    # the last report, in the folder walked, is not read as a log
    assert again.exit_code == 0 and len(out.read_text().splitlines()) == 5


def test_output_that_is_an_input_is_refused(cli, tmp_path):
    log = tmp_path / "run.log"
    log.write_bytes((SAMPLES / "healthy.log").read_bytes())
    before = log.read_bytes()
    res = cli("analyze", str(log), "-o", str(log))
    assert res.exit_code == 2 and "never writes to its inputs" in res.stderr
    assert log.read_bytes() == before


def test_no_report_file_when_nothing_was_found(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "report.json"
    res = cli("analyze", str(tmp_path / "empty"), "-o", str(out), "--format", "json")
    assert res.exit_code == 2 and not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".valgap-")]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_device_or_a_link_as_output_is_written_through_never_replaced(cli, tmp_path):
    """Renaming a temporary file over -o would replace /dev/full itself (as root) or turn
    a symbolic link into a file."""
    import stat

    res = cli("analyze", str(SAMPLES / "healthy.log"), "-o", "/dev/full")
    assert res.exit_code == 2 and "cannot write the report to /dev/full" in res.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    target = tmp_path / "reports" / "latest.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "report.jsonl"
    link.symlink_to(target)
    res = cli("analyze", str(SAMPLES / "healthy.log"), "-o", str(link), "--format", "json")
    assert res.exit_code == 0 and link.is_symlink()
    assert json.loads(target.read_text())["fit"] == "good-fit"
    target.chmod(0o640)
    link.unlink()
    cli("analyze", str(SAMPLES / "healthy.log"), "-o", str(target), "--format", "json")
    assert target.stat().st_mode & 0o777 == 0o640  # a report rewritten keeps its mode
