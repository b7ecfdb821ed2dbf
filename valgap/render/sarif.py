"""SARIF 2.1.0 (one tool run, one result per finding) for code-scanning dashboards.

Each run's fit class and each cause is a result located at the log file and, where the
parser knows it, at the line of the epoch the finding is about.
"""
from __future__ import annotations

import re
from typing import IO

from valgap import __version__
from valgap.model import FAMILIES, Result
from valgap.phrases import CAUSE_PHRASES, FIT_PHRASES
from valgap.render.json import encode

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FIT_LEVEL = {"diverged": "error", "overfit": "warning", "underfit": "warning",
             "val-below-train": "note", "too-short": "note", "good-fit": "none"}
UNREADABLE = "unreadable-input"


def render(results: list[Result], stream: IO[str], opts) -> None:
    writer = Writer(stream)
    for result in results:
        writer.add(result)
    writer.finish()


class Writer:
    """The document written as the results come: the results first, the tool with its
    rule list (known only at the end) after them. JSON objects have no key order."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.rule_ids: dict[str, int] = {}
        self.count = 0
        stream.write(f'{{"$schema": {encode(SCHEMA)}, "version": "2.1.0", '
                     f'"runs": [{{"results": [')

    def add(self, result: Result) -> None:
        for item in _results_of(result):
            item["ruleIndex"] = self.rule_ids.setdefault(item["ruleId"], len(self.rule_ids))
            self.stream.write(("," if self.count else "") + "\n  " + encode(item))
            self.count += 1

    def finish(self) -> None:
        tool = {"driver": {"name": "valgap", "version": __version__,
                           "informationUri": "https://pypi.org/project/valgap/",
                           "rules": [_rule(r) for r in self.rule_ids]}}
        self.stream.write(f"\n], \"tool\": {encode(tool)}}}]}}\n")


def _rule(rule_id: str) -> dict:
    text = FIT_PHRASES.get(rule_id) or CAUSE_PHRASES.get(rule_id) or rule_id
    if rule_id == UNREADABLE:
        text = "the log could not be read"
    if rule_id == "overfitting-onset":
        text = "the epoch at which validation loss turned up"
    kind = "fit class" if rule_id in FIT_PHRASES else FAMILIES.get(rule_id, "input")
    return {"id": rule_id, "name": re.sub(r"(^|-)(\w)", lambda m: m.group(2).upper(), rule_id),
            "shortDescription": {"text": text},
            "help": {"text": f"valgap explain {rule_id}"},
            "properties": {"category": kind}}


def _location(source: str, line: int | None) -> dict:
    physical: dict = {"artifactLocation": {"uri": source}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _results_of(result: Result) -> list[dict]:
    if result.error is not None:
        return [{"ruleId": UNREADABLE, "level": "error",
                 "message": {"text": result.error.message},
                 "locations": [_location(result.source, result.error.line)]}]
    info = result.run.info if result.run else None
    lines = info.epoch_lines if info else []
    last_line = lines[-1] if lines else None
    out = []
    fit = result.fit.fit if result.fit else None
    if fit:
        out.append({"ruleId": fit, "level": FIT_LEVEL.get(fit, "note"),
                    "message": {"text": result.verdict},
                    "locations": [_location(result.source, last_line)],
                    "properties": {"evidence": result.fit.evidence}})
    for finding in result.causes:
        line = last_line
        if finding.rule == "overfitting-onset" and result.fit and result.fit.onset_epoch \
                and len(lines) >= result.fit.onset_epoch:
            line = lines[result.fit.onset_epoch - 1]
        level = "warning" if finding.confidence >= 0.5 else "note"
        if FAMILIES.get(finding.rule) == "bug" and finding.confidence >= 0.5:
            level = "error"
        out.append({"ruleId": finding.rule, "level": level,
                    "message": {"text": finding.evidence},
                    "locations": [_location(result.source, line)],
                    "properties": {"confidence": round(finding.confidence, 2),
                                   "checks": list(finding.checks)}})
    return out
