"""The HTML report and the Markdown summary's Mermaid charts in a real browser: headless
Chromium loads each page from a file and the tests read the DOM it built, what it fetched
and whether any script ran; screenshots go to $VALGAP_ARTIFACTS."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, injection_sets

MERMAID = ROOT / "tests" / "browser" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
OWN_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "i",
            "section", "svg", "line", "text", "path", "rect", "circle", "div", "span", "a",
            "ul", "ol", "li", "details", "summary", "input", "label"}


def _valgap(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "valgap", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def _report(tmp_path: Path, *inputs: str, name: str = "report.html") -> Path:
    out = tmp_path / name
    done = _valgap("analyze", *inputs, "--format", "html", "-o", str(out), "--no-plot")
    assert out.exists(), done.stderr
    return out


def _open(page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def _only_itself(page, path: Path) -> None:
    """Nothing was fetched but the page; nothing was refused by its policy either."""
    assert page.requests == [path.as_uri()], page.requests
    assert not [m for m in page.messages if "Content Security Policy" in m], page.messages


def test_one_run_renders_with_its_curves_and_marks(tmp_path, page, artifacts):
    path = _report(tmp_path, str(SAMPLES / "overfit.log"))
    _open(page, path)
    assert page.locator("section.run").count() == 1
    drawn = page.evaluate("""() => [...document.querySelectorAll('path.curve')].map(p => ({
        series: p.dataset.series, length: p.getTotalLength(),
        points: p.getAttribute('d').split('L').length}))""")
    by_series = {d["series"]: d for d in drawn}
    assert by_series["val_loss"]["points"] == by_series["train_loss"]["points"] == 60
    assert all(d["length"] > 100 for d in drawn)  # laid out and drawn, not empty
    # the best-epoch dot sits on the validation curve, at its lowest point on screen
    on_curve = page.evaluate("""() => {
        const dot = document.querySelector('circle[data-mark=best]');
        const path = document.querySelector('path[data-series=val_loss]');
        const p = new DOMPoint(+dot.getAttribute('cx'), +dot.getAttribute('cy'));
        const ys = path.getAttribute('d').slice(1).split(' L').map(s => +s.split(',')[1]);
        return {onPath: path.isPointInStroke(p), lowest: Math.max(...ys) === p.y};}""")
    assert on_curve == {"onPath": True, "lowest": True}
    assert page.locator("rect.after-onset").count() == 1
    _only_itself(page, path)
    page.screenshot(path=str(artifacts / "one-run.png"), full_page=True)


def test_the_batch_page_sorts_without_script(tmp_path, page, artifacts):
    path = _report(tmp_path, str(SAMPLES))
    _open(page, path)
    sections = page.locator("section.run").count()
    assert sections == page.locator(".runs .row").count() >= 8

    def first_fits() -> list[str]:
        return page.evaluate("""() => [...document.querySelectorAll('.runs .row')]
            .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
            .map(r => r.querySelector('.fit').textContent)""")

    assert first_fits()[0] == "overfit"  # urgency first
    page.click("label[for=by-fit]")
    fits = first_fits()
    order = ["diverged", "overfit", "underfit", "val-below-train", "too-short", "good-fit"]
    assert fits == sorted(fits, key=order.index)
    page.click("label[for=by-confidence]")
    confidences = page.evaluate("""() => [...document.querySelectorAll('.runs .row')]
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map(r => r.querySelectorAll('.num')[0].textContent)""")
    numbers = [float(c) for c in confidences if c != "-"]
    assert numbers == sorted(numbers, reverse=True)
    target = page.locator(".runs .row a").first.get_attribute("href")
    assert page.locator(f"section{target}").count() == 1
    _only_itself(page, path)
    page.click("label[for=by-urgency]")
    page.screenshot(path=str(artifacts / "batch.png"))


def test_a_thousand_runs_make_a_page_under_a_megabyte(tmp_path, page):
    logs = tmp_path / "logs"
    logs.mkdir()
    kinds = ["healthy.csv", "overfit.csv", "dropout.csv", "underfit.csv", "batchnorm.csv"]
    for i in range(1000):
        shutil.copy(SAMPLES / kinds[i % len(kinds)], logs / f"run{i:04d}.csv")
    path = _report(tmp_path, str(logs))
    assert path.stat().st_size < 1_000_000
    _open(page, path)
    assert page.locator(".runs .row").count() == 1000
    assert page.locator("section.run").count() == 50
    _only_itself(page, path)


def test_compare_draws_both_runs_on_the_same_axes(tmp_path, page, artifacts):
    out = tmp_path / "compare.html"
    done = _valgap("compare", str(SAMPLES / "healthy.log"), str(SAMPLES / "overfit.log"),
                   "--format", "html", "-o", str(out))
    assert out.exists(), done.stderr
    _open(page, out)
    series = page.evaluate("""() => [...document.querySelectorAll(
        'svg[data-chart=compare] path.curve')].map(p => p.dataset.series)""")
    assert len(series) == 4  # training and validation of each run
    assert page.locator(".differences li").count() >= 1
    _only_itself(page, out)
    page.screenshot(path=str(artifacts / "compare.png"), full_page=True)


def test_hostile_names_and_text_stay_text_in_the_browser(tmp_path, page, artifacts):
    for n, (label, args) in enumerate(injection_sets(tmp_path).items()):
        page.requests.clear()
        page.messages.clear()
        out = tmp_path / f"hostile-{n}.html"
        _valgap("analyze", *args, "--format", "html", "-o", str(out), "-v")
        assert out.exists(), label
        _open(page, out)
        tags = set(page.evaluate("() => [...document.querySelectorAll('*')]"
                                 ".map(e => e.tagName.toLowerCase())"))
        assert tags <= OWN_TAGS, (label, tags - OWN_TAGS)
        assert page.title() == "valgap report", label
        _only_itself(page, out)
        if n == 0:
            page.screenshot(path=str(artifacts / "hostile-names.png"), full_page=True)


def test_the_markdown_charts_draw_with_the_real_mermaid(tmp_path, page):
    if not MERMAID.exists():
        pytest.skip("mermaid is not installed: npm install --prefix tests/browser")
    summary = _valgap("analyze", str(SAMPLES), "--format", "markdown").stdout
    blocks = re.findall(r"```mermaid\n(.*?)```", summary, re.S)
    assert blocks
    harness = tmp_path / "mermaid.html"
    harness.write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(f'<pre class="mermaid" id="chart-{i}">{b}</pre>' for i, b in enumerate(blocks))
        + f'<script src="{MERMAID.as_uri()}"></script>'
        "<script>mermaid.initialize({startOnLoad: false});"
        "mermaid.run({querySelector: '.mermaid'}).then(() => document.body.dataset.done = 1,"
        " e => document.body.dataset.error = String(e));</script></body></html>")
    page.goto(harness.as_uri())
    page.wait_for_function("document.body.dataset.done || document.body.dataset.error",
                           timeout=30_000)
    assert page.evaluate("document.body.dataset.error") is None
    drawn = page.evaluate("""() => [...document.querySelectorAll('pre.mermaid')].map(pre => ({
        svg: !!pre.querySelector('svg'), error: /Syntax error|Parse error/i.test(pre.textContent),
        lines: pre.querySelectorAll('path').length}))""")
    assert all(d["svg"] and not d["error"] and d["lines"] >= 2 for d in drawn), json.dumps(drawn)
