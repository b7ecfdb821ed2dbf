"""The HTML report, read back with Python's own HTML parser: one section per run, curves
that follow the data, the evidence where the findings put it, and nothing from an input
that becomes markup. (tests/browser renders the same pages in headless Chromium.)"""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from tests.conftest import SAMPLES, SHARED, injection_sets
from valgap.parsers import read
from valgap.render import html as page_module

# what the page is made of; any other tag came from an input
OWN_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "i",
            "section", "svg", "line", "text", "path", "rect", "circle", "div", "span", "a",
            "ul", "ol", "li", "details", "summary", "input", "label"}


class Page(HTMLParser):
    """Tags, attributes and the text between them, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag
                and all(a.get(k) == v for k, v in attrs.items())]


def _html(cli, *args: str) -> str:
    result = cli("analyze", *args, "--format", "html")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def _points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"([\d.]+),([\d.]+)", d)]


def test_one_run_is_one_section_whose_curves_follow_its_table(cli):
    page = Page(_html(cli, str(SAMPLES / "overfit.log")))
    assert len(page.all("section")) == 1
    run = read(str(SAMPLES / "overfit.log"))[-1]
    val = _points(page.all("path", **{"data-series": "val_loss"})[0]["d"])
    train = _points(page.all("path", **{"data-series": "train_loss"})[0]["d"])
    assert len(val) == len(train) == run.epochs == 60
    # on screen, a lower loss is further down: the SVG y grows as the loss falls
    values = run.table["val_loss"].tolist()
    lowest = values.index(min(values))
    assert max(range(60), key=lambda i: val[i][1]) == lowest
    assert train[0][1] < train[-1][1]  # training falls from the top left
    xs = [x for x, _ in val]
    assert xs == sorted(xs) and len(set(xs)) == 60


def test_the_evidence_is_drawn_where_the_findings_put_it(cli):
    page = Page(_html(cli, str(SAMPLES / "overfit.log")))
    best = page.all("circle", **{"data-mark": "best"})[0]
    val = _points(page.all("path", **{"data-series": "val_loss"})[0]["d"])
    assert (float(best["cx"]), float(best["cy"])) == val[11]  # epoch 12, the minimum
    shade = page.all("rect", **{"class": "after-onset"})[0]
    assert float(shade["x"]) == pytest.approx(val[11][0], abs=0.1)  # from the onset on
    # epoch-averaging fired: the training curve is drawn again half an epoch back
    shifted = _points(page.all("path", **{"data-series": "train_loss_shifted"})[0]["d"])
    train = _points(page.all("path", **{"data-series": "train_loss"})[0]["d"])
    step = train[1][0] - train[0][0]
    assert shifted[5][0] == pytest.approx(train[5][0] - step / 2, abs=0.1)
    assert "overfitting-onset" in {li.get("data-cause") for li in page.all("li")}


def test_a_noise_finding_draws_its_band_around_validation(cli):
    if not (SHARED / "corpus" / "labeled" / "k2-noise-tinyval").exists() and \
            not (SHARED / "corpus" / "labeled2" / "k2-noise-tinyval").exists():
        pytest.skip("../shared is absent")
    folder = next(p for p in (SHARED / "corpus").glob("labeled*/k2-noise-tinyval"))
    log = next(folder.glob("*.log"))
    page = Page(_html(cli, str(log)))
    assert page.all("path", **{"class": "band"}), "noise fired, so its band is drawn"


def test_a_batch_page_lists_every_run_and_links_each_drawn_one(cli):
    text = _html(cli, str(SAMPLES))
    page = Page(text)
    sections = {a["id"] for a in page.all("section")}
    rows = page.all("div", **{"class": "row"})
    assert len(rows) == len(sections) == len(list(SAMPLES.glob("*.log"))) + \
        len(list(SAMPLES.glob("*.json"))) + 1  # measured-lightning.csv; the others pair
    links = {a["href"][1:] for a in page.all("a") if a.get("href")}
    assert links == sections
    # every row knows its place under each order the sort buttons offer
    for row in rows:
        assert all(f"--{key}:" in row["style"] for key in ("urgency", "fit", "cause",
                                                          "confidence"))
    first = text.index('class="row"')
    assert "overfit" in text[first:first + 400]  # the most urgent run comes first


def test_a_large_batch_draws_the_most_urgent_and_lists_the_rest(tmp_path, cli):
    for i in range(page_module.FULL + 30):
        shutil.copy(SAMPLES / ("overfit.csv" if i % 10 == 0 else "healthy.csv"),
                    tmp_path / f"run{i:03d}.csv")
    page = Page(_html(cli, str(tmp_path)))
    assert len(page.all("div", **{"class": "row"})) == page_module.FULL + 30
    assert len(page.all("section")) == page_module.FULL
    drawn = " ".join(page.text)
    assert drawn.count("The model overfits") == 8  # all eight overfit runs are drawn


def test_the_page_allows_no_script_and_fetches_nothing(cli):
    text = _html(cli, str(SAMPLES))
    page = Page(text)
    csp = page.all("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert not page.all("script") and "<script" not in text.lower()
    urls = [v for _, attrs in page.tags for k, v in attrs.items()
            if k in ("href", "src", "action") and v]
    assert all(u.startswith("#run-") for u in urls)


def test_no_markup_from_any_hostile_input_reaches_the_page(tmp_path, cli):
    for label, args in injection_sets(tmp_path).items():
        result = cli("analyze", *args, "--format", "html", "-v")
        text = result.stdout
        page = Page(text)
        tags = {t for t, _ in page.tags}
        assert tags <= OWN_TAGS, (label, tags - OWN_TAGS)
        handlers = [k for _, attrs in page.tags for k in attrs if k.startswith("on")]
        assert not handlers, (label, handlers)
        assert not re.search(r"[\x1b\x07\x80-\x9f\u2028\u202e]", text), label
        urls = [v for _, attrs in page.tags for k, v in attrs.items() if k == "href" and v]
        assert all(u.startswith("#run-") for u in urls), (label, urls)
