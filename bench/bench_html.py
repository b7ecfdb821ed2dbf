#!/usr/bin/env python3
"""The HTML report on three shapes: the bundled samples, a folder of 1,000 runs and one run of
2,000 epochs. For each, prints the time `valgap analyze --format html -o` takes, the page's
size, and (where Chromium and Playwright are installed) how long headless Chromium takes to
load and lay it out, median of --rounds loads.

Targets (issue "a report people look at"): every page renders in under 2 s; the 1,000-run
page is under 1 MB.

    python bench/bench_html.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"


def _inputs(scratch: Path) -> dict[str, Path]:
    folder = scratch / "runs1000"
    folder.mkdir()
    kinds = ["healthy.csv", "overfit.csv", "dropout.csv", "underfit.csv", "batchnorm.csv"]
    for i in range(1000):
        shutil.copy(SAMPLES / kinds[i % len(kinds)], folder / f"run{i:04d}.csv")
    long_run = scratch / "epochs2000.csv"  # a CSVLogger of 2,000 epochs: loss falls, val turns
    rows = ["epoch,loss,val_loss"]
    for epoch in range(2000):
        train = 2.0 / (1 + epoch / 40)
        val = 0.4 + 1.8 / (1 + epoch / 30) + epoch / 20000
        rows.append(f"{epoch},{train:.6f},{val:.6f}")
    long_run.write_text("\n".join(rows) + "\n")
    return {"samples": SAMPLES, "1,000 runs": folder, "2,000 epochs": long_run}


def _render_times(page: Path, rounds: int) -> list[float] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            for _ in range(rounds):
                tab = browser.new_page()
                start = time.perf_counter()
                tab.goto(page.as_uri())
                tab.wait_for_load_state("load")
                tab.evaluate("() => document.body.getBoundingClientRect().height")  # layout
                times.append(time.perf_counter() - start)
                tab.close()
        finally:
            browser.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="valgap-bench-html-") as tmp:
        scratch = Path(tmp)
        print(f"{'input':<14} {'valgap (s)':>10} {'page (KB)':>10} {'Chromium load (s)':>18}")
        for name, path in _inputs(scratch).items():
            page = scratch / f"{name.replace(' ', '_').replace(',', '')}.html"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "valgap", "analyze", str(path), "--format",
                            "html", "-o", str(page)], capture_output=True, cwd=ROOT, check=False)
            took = time.perf_counter() - start
            loads = _render_times(page, args.rounds)
            shown = f"{statistics.median(loads):.2f}" if loads else "no browser"
            print(f"{name:<14} {took:>10.2f} {page.stat().st_size / 1024:>10.0f} {shown:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
