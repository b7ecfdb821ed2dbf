"""Stretches of tqdm bars passed whole (valgap/parsers/_text.py, ``Source.numbered_runs``):
UTF-8 is read as bytes and the stretches found on each block's skeleton. Every real log
here that prints a bar reads as it does through the regular expression over decoded text
(``_split_runs``, still the path of other encodings), and lines keep their numbers,
characters and ends."""
from __future__ import annotations

import gzip

import pytest

from tests.conftest import DATA
from valgap.model import InputError
from valgap.parsers import _text, loop_text
from valgap.parsers._text import MAX_LINE, Source, _split_runs
from valgap.parsers.loop_text import BAR_LINES, BAR_SKELETON


class _DecodedFirst(Source):
    """A source read as decoded text first, as other encodings are ("utf_8" names UTF-8
    by another spelling)."""

    def encoding(self) -> str:
        return "utf_8"


def _bars_logs() -> list:
    """Every text log under tests/data with a tqdm bar in it (plain or gzipped), UTF-8."""
    found = []
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.suffix in (".json", ".csv", ".yaml", ".tsv", ".ipynb"):
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if b"%|" not in data:
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found.append(pytest.param(data, id=str(path.relative_to(DATA))[:60]))
    return found


def _by_bytes(data: bytes, skip=lambda: True) -> list:
    return list(Source("log", data).numbered_runs(BAR_LINES, BAR_SKELETON, skip))


def _by_text(data: bytes, skip=lambda: True) -> list:
    text = data.decode("utf-8-sig", errors="replace")
    return list(_split_runs(iter([text]), BAR_LINES, skip))


LOGS = _bars_logs()


def test_real_logs_with_bars_are_here():
    assert len(LOGS) >= 20


def _read(source: Source) -> list[tuple] | str:
    try:
        runs = loop_text.parse(source)
    except InputError as exc:
        return exc.message
    return [(r.table.to_csv(), r.info.notes, r.info.warnings) for r in runs]


@pytest.mark.parametrize("data", LOGS)
def test_a_log_reads_as_it_does_from_decoded_text(data):
    assert _read(Source("log", data)) == _read(_DecodedFirst("log", data))


@pytest.mark.parametrize("data", LOGS)
def test_the_lines_left_are_the_ones_the_text_pattern_leaves(data):
    # the skeleton also passes bars whose count is not two whole numbers ("44.7M/44.7M"),
    # which the reader would skip anyway: any line without a bar comes as the text path
    # gives it
    def without_bars(items: list) -> list:
        return [item for item in items if isinstance(item[1], str) and "%|" not in item[1]]

    assert without_bars(_by_bytes(data)) == without_bars(_by_text(data))


@pytest.mark.parametrize("data", LOGS[:5])
def test_a_stretch_not_to_be_passed_comes_line_by_line(data):
    # may_skip says no (a table whose rows a bar may follow): every line comes as text
    items = _by_bytes(data, skip=lambda: False)
    assert all(isinstance(raw, str) for _, raw in items)
    assert items == _by_text(data, skip=lambda: False)


def test_line_ends_numbers_and_a_byte_order_mark():
    bar = "Epoch 1:  50%|█████     | 5/10 [00:01<00:01, 9.8it/s, loss=0.5]\n"
    data = ("\ufeffstart\r\n" + bar * 3 + "Epoch 1: train loss 0.5, val loss 0.6\r\n"
            + bar + "last without end").encode("utf-8")
    items = _by_bytes(data)
    assert items == [(1, "start"), (4, 3), (5, "Epoch 1: train loss 0.5, val loss 0.6"),
                     (6, 1), (7, "last without end")]


def test_a_line_past_the_limit_is_cut_at_a_character_end():
    # no redraw to cut after: each piece must still decode whole (3-byte characters)
    line = "█" * (MAX_LINE // 3 + 5000)
    items = _by_bytes((line + "\nnext\n").encode("utf-8"))
    pieces = [raw for _, raw in items[:-1]]
    assert "\ufffd" not in "".join(pieces) and "".join(pieces) == line
    assert items[-1] == (2, "next") and all(n == 1 for n, _ in items[:-1])


def test_the_character_start_of_a_cut_sequence():
    euro = "€".encode()  # 3 bytes
    assert _text._character_start(b"ab" + euro) == 5  # whole: nothing cut
    assert _text._character_start(b"ab" + euro[:2]) == 2
    assert _text._character_start(b"ab" + euro[:1]) == 2
    assert _text._character_start(b"abc") == 3
