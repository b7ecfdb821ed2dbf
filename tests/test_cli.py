"""The CLI through click's CliRunner: text and JSON output, stdin, exit codes, bad input."""
from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES
from valgap import rules
from valgap.model import FIT_CLASSES

CONTRACT = {"schema", "source", "format", "epochs", "fit", "causes", "verdict", "rules", "error"}


def test_text_report_verdict_first_then_curves_and_checks(cli):
    res = cli("analyze", str(SAMPLES / "dropout.log"), env={"COLUMNS": "120"})
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert "keras-stdout" in lines[0]
    assert lines[1].startswith("Verdict: Validation loss stays below training loss")
    assert "dropout" in lines[1] + lines[2]
    assert "Recommended checks" in res.stdout and "  1. " in res.stdout
    assert "┌" in res.stdout and " loss " in res.stdout and "accuracy" in res.stdout
    assert "\x1b[" not in res.stdout  # not a terminal: no colour


def test_no_plot_and_width(cli):
    res = cli("analyze", "--no-plot", str(SAMPLES / "healthy.log"), env={"COLUMNS": "60"})
    assert res.exit_code == 0
    assert "┌" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 60


def test_plot_fits_the_width(cli):
    res = cli("analyze", str(SAMPLES / "healthy.log"), env={"COLUMNS": "80"})
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_colour_only_when_asked_and_never_with_no_color(cli):
    res = cli("analyze", "--color", "always", str(SAMPLES / "dropout.log"))
    assert "\x1b[" in res.stdout
    res = cli("analyze", str(SAMPLES / "dropout.log"), env={"NO_COLOR": "1"})
    assert "\x1b[" not in res.stdout


def test_json_contract(cli):
    res = cli("analyze", "--format", "json", str(SAMPLES / "overfit.csv"))
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert set(doc) >= CONTRACT
    assert doc["schema"] == "valgap/1" and doc["format"] == "keras-csv" and doc["epochs"] == 60
    assert doc["fit"] == "overfit" and doc["error"] is None
    assert doc["causes"][0]["id"] == "overfitting-onset"
    assert set(doc["causes"][0]) >= {"id", "confidence", "evidence", "checks"}
    statuses = {r["id"]: r["status"] for r in doc["rules"]}
    assert len(statuses) == len(rules.RULES) and statuses["overfitting-onset"] == "fired"
    skipped = [r for r in doc["rules"] if r["status"] == "skipped"]
    assert all(r["reason"] for r in skipped)


def test_stdin(cli):
    res = cli("analyze", "--format", "json", "-", input=(SAMPLES / "dropout.log").read_bytes())
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["source"] == "-" and doc["epochs"] == 30


def test_unreadable_input_exit_2_one_line_and_json_line(cli, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("nothing to see\n")
    res = cli("analyze", "--format", "json", str(bad), str(SAMPLES / "healthy.csv"))
    assert res.exit_code == 2
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and "Traceback" not in res.stderr
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert docs[0]["error"]["code"] == "unrecognised" and docs[0]["fit"] is None
    assert docs[1]["fit"] == "good-fit"  # the other input is still analysed


def test_missing_file_and_csv_line_in_message(cli, tmp_path):
    res = cli("analyze", str(tmp_path / "missing.log"))
    assert res.exit_code == 2 and "no such file" in res.stderr
    bad = tmp_path / "h.csv"
    lines = (SAMPLES / "healthy.csv").read_text().splitlines()
    lines[4] = "3,0.5,bad,0.9,0.3"
    bad.write_text("\n".join(lines))
    res = cli("analyze", str(bad))
    assert res.exit_code == 2 and f"{bad}:5:" in res.stderr


def test_fail_on_gates(cli):
    assert cli("analyze", "--fail-on", "overfit", str(SAMPLES / "overfit.csv")).exit_code == 1
    assert cli("analyze", "--fail-on", "overfit,diverged",
               str(SAMPLES / "healthy.csv")).exit_code == 0
    assert cli("analyze", "--fail-on", "dropout", str(SAMPLES / "dropout.log")).exit_code == 1
    res = cli("analyze", "--fail-on", "overfitt", str(SAMPLES / "overfit.csv"))
    assert res.exit_code == 2 and "overfitt" in res.stderr


def test_no_validation_loss_is_not_an_error(cli, tmp_path):
    path = tmp_path / "train_only.csv"
    rows = [line.split(",")[:3] for line in (SAMPLES / "healthy.csv").read_text().splitlines()]
    path.write_text("\n".join(",".join(r) for r in rows))
    res = cli("analyze", "--format", "json", str(path))
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["fit"] is None and doc["epochs"] == len(rows) - 1
    assert "validation loss" in doc["verdict"]


def test_log_content_cannot_inject_escapes(cli, tmp_path):
    path = tmp_path / "evil.csv"
    text = (SAMPLES / "healthy.csv").read_text().replace("val_loss", "val_loss\x1b]0;pwned\x07")
    path.write_text(text)
    res = cli("analyze", "-v", str(path))
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout


def test_help_lists_exit_codes(cli):
    res = cli("analyze", "--help")
    assert "Exit codes" in res.stdout and "--fail-on" in res.stdout


def test_rules_and_explain(cli):
    res = cli("rules")
    listed = [line.split()[0] for line in res.stdout.splitlines() if line.strip()
              and not line.startswith("fit classes")]
    assert res.exit_code == 0 and listed == [*rules.RULES, *FIT_CLASSES]  # --fail-on's ids
    res = cli("explain", "dropout")
    assert res.exit_code == 0 and "How to check" in res.stdout
    assert cli("explain", "nope").exit_code == 2


def test_all_runs(cli):
    log = (SAMPLES / "overfit.log").read_bytes() + (SAMPLES / "healthy.log").read_bytes()
    res = cli("analyze", "--format", "json", "--all-runs", "-", input=log)
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [d["epochs"] for d in docs] == [60, 15]
    assert [d["fit"] for d in docs] == ["overfit", "good-fit"]


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "valgap", "analyze", "--format", "json",
                           str(SAMPLES / "healthy.csv")], capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["fit"] == "good-fit"


def test_empty_input_and_compressed_stdin(cli):
    import gzip

    res = cli("analyze", "-", input=b"")
    assert res.exit_code == 2 and "empty" in res.stderr
    res = cli("analyze", "--format", "json", "-",
              input=gzip.compress((SAMPLES / "dropout.log").read_bytes()))
    assert json.loads(res.stdout)["epochs"] == 30


def test_wide_terminal_puts_the_curves_beside_the_verdict(cli):
    res = cli("analyze", str(SAMPLES / "augmentation.log"), env={"COLUMNS": "160"})
    lines = res.stdout.splitlines()
    assert "loss" in lines[1] and "Verdict:" in lines[1]
    assert any("│" in line and line.find("Recommended checks") > 70 for line in lines)
    assert max(len(line) for line in lines) <= 160


def test_reading_standard_input_from_a_terminal_says_so(tmp_path):
    """On a terminal, `valgap analyze -` would wait in silence: it says what it waits for."""
    import os
    import subprocess
    import sys

    leader, follower = os.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "valgap", "analyze", "-"],
                                stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.write(leader, b"\x04")  # Ctrl-D on an empty line: end of input
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert b"reading the log from standard input" in err and b"Ctrl-D" in err


def test_every_option_a_help_text_names_is_one_its_command_takes():
    import re

    from click.testing import CliRunner

    from valgap.cli import main

    for name, command in main.commands.items():
        text = CliRunner().invoke(main, [name, "--help"]).output
        real = {opt for param in command.params
                for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]}
        others = [n for n in main.commands if n != name]
        for line in text.splitlines():
            if any(f"valgap {other}" in line for other in others):
                continue  # an option of another command, named with it
            named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", line)) - {"--help"}
            assert named <= real, (name, line, named - real)


def test_mcp_without_its_sdk_is_one_line_naming_the_extra():
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("mcp") is not None:
        pytest.skip("the MCP SDK is installed here (tests/frameworks/test_mcp.py drives it)")
    res = subprocess.run([sys.executable, "-m", "valgap", "mcp"], capture_output=True,
                         text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert res.returncode == 2
    assert res.stderr == "valgap: `valgap mcp` needs the MCP SDK (2.x): pip install " \
                         "'valgap[mcp]'\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_is_offered_as_the_readme_says(shell):
    import os
    import subprocess
    import sys
    from pathlib import Path

    command = Path(sys.executable).parent / "valgap"  # the installed script, as a shell runs it
    script = subprocess.run([command], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "_VALGAP_COMPLETE": f"{shell}_source"}).stdout
    assert "_VALGAP_COMPLETE" in script
    words = subprocess.run([command], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "_VALGAP_COMPLETE": "bash_complete",
                                "COMP_WORDS": "valgap analyze --for", "COMP_CWORD": "2"}).stdout
    assert "--format" in words


def test_every_reader_can_be_chosen_with_input_format():
    from valgap.cli import INPUT_FORMATS
    from valgap.parsers import ALL_FORMATS

    assert sorted(INPUT_FORMATS) == sorted(ALL_FORMATS)
