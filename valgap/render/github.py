"""GitHub Actions workflow commands: one annotation per finding, on the log file.

https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""
from __future__ import annotations

from typing import IO

from valgap._safe import printable
from valgap.model import FAMILIES, Result

LEVEL_BY_FIT = {"diverged": "error", "overfit": "warning", "underfit": "warning",
                "val-below-train": "notice", "too-short": "notice", "good-fit": "notice"}


def escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, file: str, title: str, message: str, line: int | None = None) -> str:
    props = f"file={escape_property(file)}"
    if line:
        props += f",line={line}"
    props += f",title={escape_property(title)}"
    return f"::{level} {props}::{escape_data(message)}"


def render(results: list[Result], stream: IO[str], opts) -> None:
    for result in results:
        if result.error is not None:
            stream.write(command("error", result.source, "valgap: unreadable log",
                                 result.error.message, result.error.line) + "\n")
            continue
        fit = result.fit.fit if result.fit else None
        lines = result.run.info.epoch_lines if result.run is not None else []
        last = lines[-1] if lines else None
        stream.write(command(LEVEL_BY_FIT.get(fit or "", "notice"), result.source,
                             f"valgap fit: {fit or 'none'}", result.verdict, last) + "\n")
        onset = result.fit.onset_epoch if result.fit else None
        for finding in result.causes:
            line = lines[onset - 1] if finding.rule == "overfitting-onset" and onset and \
                len(lines) >= onset else last
            level = "error" if FAMILIES.get(finding.rule) == "bug" and \
                finding.confidence >= 0.5 else "warning" if finding.confidence >= 0.5 \
                else "notice"
            check = f" Check: {finding.checks[0]}" if finding.checks else ""
            stream.write(command(level, result.source,
                                 f"valgap {finding.rule} ({finding.confidence:.2f})",
                                 finding.evidence + "." + check, line) + "\n")
