"""Run valgap, losslint and trainproof over the same logs and tabulate what each reads and says.

The other two tools are installed in a scratch environment, never as valgap dependencies:

    python -m venv /tmp/lintenv && /tmp/lintenv/bin/pip install losslint trainproof
    python bench/compare_linters.py --others /tmp/lintenv/bin [CORPUS ...]

Defaults to ../shared/corpus/labeled and ../shared/corpus/realworld. For each input: did the
tool read it (exit status and output), and which findings did it report.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def inputs(corpus: Path) -> list[Path]:
    found = []
    for label in sorted(corpus.glob("*/label.yaml")):
        import yaml

        for rel in (yaml.safe_load(label.read_text()) or {}).get("files", {}).values():
            found.append(label.parent / rel)
    if not found:
        for kind in sorted(p for p in corpus.iterdir() if p.is_dir()):
            found += sorted(kind.iterdir())
    return found


def run(cmd: list[str]) -> tuple[int, str, str]:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"
    return p.returncode, p.stdout, p.stderr


def valgap(path: Path) -> tuple[bool, list[str]]:
    _code, out, _ = run([sys.executable, "-m", "valgap", "analyze", "--format", "json",
                        str(path)])
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ok = bool(docs) and all(d["error"] is None for d in docs)
    return ok, [d["fit"] or "-" for d in docs] + [c["id"] for d in docs for c in d["causes"]
                                                  if c["confidence"] >= 0.5]


def losslint(bin_dir: Path, path: Path) -> tuple[bool, list[str]]:
    _code, out, _err = run([str(bin_dir / "losslint"), "check", "--format", "json",
                          "--fail-severity", "error", str(path)])
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        return False, []
    runs = doc.get("runs") or []
    ok = any((r.get("points") or 0) > 0 for r in runs)
    return ok, [str(f.get("check")) for f in doc.get("findings", [])]


def trainproof(bin_dir: Path, path: Path) -> tuple[bool, list[str]]:
    _code, out, _err = run([str(bin_dir / "trainproof"), "doctor", "--json", str(path)])
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        return False, []
    reports = doc.get("reports") or []
    ids = [str(f.get("id")) for r in reports for f in r.get("findings", [])]
    ok = bool(reports) and all(r.get("verdict") not in (None, "ERROR", "UNREADABLE")
                               for r in reports)
    return ok, ids


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="*", default=[str(ROOT.parent / "shared" / "corpus" / c)
                                                   for c in ("labeled", "realworld")])
    ap.add_argument("--others", default="/tmp/lintenv/bin")
    args = ap.parse_args()
    others = Path(args.others)
    for corpus in map(Path, args.corpora):
        rows = inputs(corpus)
        read = Counter()
        findings: dict[str, Counter] = {"valgap": Counter(), "losslint": Counter(),
                                        "trainproof": Counter()}
        for path in rows:
            for name, (ok, ids) in (("valgap", valgap(path)),
                                    ("losslint", losslint(others, path)),
                                    ("trainproof", trainproof(others, path))):
                read[name] += ok
                findings[name].update(ids)
        print(f"{corpus.name}: {len(rows)} inputs")
        for name in findings:
            top = ", ".join(f"{k} {v}" for k, v in findings[name].most_common(8))
            print(f"  {name:<10} read {read[name]:>3}/{len(rows)}   findings: {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
