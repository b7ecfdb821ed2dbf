"""What the scripts that make labelled runs share: the command line, and the ``label.yaml``
written beside each run (the label schema of ../shared/spec/diagnoses.md)."""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

HELD_OUT_SEED = 2  # every set holds its seed-2 runs out; the other seeds are development

Label = tuple[str, list[str], list[str], str | None]  # fit, alternatives, causes, family


def arguments(description: str, scenarios: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("scenarios", nargs="*", default=scenarios)
    return ap.parse_args()


def run_folders(args: argparse.Namespace) -> Iterator[tuple[str, int, Path]]:
    """Every (scenario, seed) asked for, with its run's folder under ``args.out`` (made)."""
    for scenario in args.scenarios:
        for seed in args.seeds:
            folder = args.out / f"{scenario}-s{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            yield scenario, seed, folder


def write_label(folder: Path, scenario: str, seed: int, framework: str, files: dict[str, str],
                label: Label) -> None:
    import yaml

    fit, alternatives, causes, family = label
    doc = {"scenario": scenario, "seed": seed, "framework": framework,
           "split": "held-out" if seed == HELD_OUT_SEED else "development",
           "files": files,
           "expected": {"fit": fit, "fit_alternatives": alternatives, "causes": causes,
                        "family": family}}
    (folder / "label.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def save_run(folder: Path, scenario: str, seed: int, framework: str,
             text: str | dict[str, str | bytes],
             numbers: dict[str, list[float]], labels: dict[str, Label],
             seed_labels: dict[tuple[str, int], Label], log: str = "train.log") -> None:
    """A run's log (``log``: train.log unless the run is kept under its own file's name;
    gzipped where that ends in .gz, as a console of redraws is kept; a folder of that name
    where the log is one, its files' texts given by relative path), its numbers for
    labelling (numbers.json) and its label, where one was written for its scenario (a new
    scenario is labelled from its numbers first, before valgap reads it)."""
    if isinstance(text, dict):
        for relative, body in text.items():
            (folder / log / relative).parent.mkdir(parents=True, exist_ok=True)
            target = folder / log / relative
            if isinstance(body, bytes):  # an event file
                target.write_bytes(body)
            else:
                target.write_text(body)
    elif log.endswith(".gz"):
        (folder / log).write_bytes(gzip.compress(text.encode("utf-8"), 9, mtime=0))
    else:
        (folder / log).write_text(text)
    (folder / "numbers.json").write_text(json.dumps(numbers, indent=1))
    label = seed_labels.get((scenario, seed), labels.get(scenario))
    if label is not None:
        write_label(folder, scenario, seed, framework, {"log": log}, label)


def generate(doc: str, scenarios: list[str], make: Callable[[str, int], tuple],
             framework: str, labels: dict[str, Label],
             seed_labels: dict[tuple[str, int], Label], counted: str,
             child: Callable[[str, int, str], None] | None = None) -> int:
    """A generator script's main: each scenario and seed asked for, made by ``make`` and
    saved (``save_run``); ``counted`` names the numbers whose length is reported. ``make``
    gives the log's text and numbers, and may give the log's file name third. Where the
    script trains in a child process (``child_run``), ``child`` is what the child runs:
    ``child(scenario, seed, numbers_path)``."""
    if child is not None and sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return 0
    args = arguments(doc.splitlines()[0], scenarios)
    for scenario, seed, folder in run_folders(args):
        text, numbers, *log = make(scenario, seed)
        save_run(folder, scenario, seed, framework, text, numbers, labels, seed_labels, *log)
        print(f"{folder.name}: {len(numbers[counted])} rows", flush=True)
    return 0


def console(script: str, args: list[str], **env: str) -> str:
    """What a child run of ``script`` with ``args`` prints, standard output and error as
    one (as ``python train.py > train.log 2>&1`` keeps them): bytes decoded as UTF-8, a
    redraw's carriage return kept. ``env`` is added to the environment, and the scripts'
    folder is on the child's path."""
    environ = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(script)), **env)
    done = subprocess.run([sys.executable, script, *args], env=environ,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def child_run(script: str, scenario: str, seed: int, **env: str) -> tuple[str, dict]:
    """One scenario trained in a child process of ``script`` (``script --child SCENARIO
    SEED NUMBERS``, run by ``generate``'s ``child``), its console the log: that console,
    and the numbers for labelling the child wrote to NUMBERS. ``env`` as ``console``'s."""
    with tempfile.TemporaryDirectory() as where:
        numbers = os.path.join(where, "numbers.json")
        text = console(script, ["--child", scenario, str(seed), numbers], **env)
        return text, json.loads(Path(numbers).read_text())


def kept_file(text: str, numbers: dict, name: str, console: str) -> tuple[str, dict, str]:
    """A child run's kept log: the file it wrote (its text in ``numbers["log"]``, taken out
    of them), kept under ``name``; else its console, kept under ``console``."""
    written = numbers.pop("log", None)
    if written is not None:
        return written, numbers, name
    return text, numbers, console


def kept_console(script: str, scenario: str, seed: int, redrawn: bool, name: str,
                 **env: str) -> tuple[str, dict, str]:
    """``child_run``'s console and numbers, and the file name to keep the console under:
    ``name``, gzipped (``name.gz``) where its bars redraw in place, as such a capture is
    kept. ``env`` as ``console``'s."""
    text, numbers = child_run(script, scenario, seed, **env)
    return text, numbers, f"{name}.gz" if redrawn else name
