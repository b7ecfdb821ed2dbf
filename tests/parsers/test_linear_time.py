"""Parsing stays linear in the length of a line.

Two checks: a static one over every regular expression in valgap (no unbounded quantifier
nested in another, none followed by another over the same characters, the shapes that
backtrack polynomially or exponentially), and a dynamic one that feeds every reader 1 MB
lines of the worst cases found so far and bounds the time.
"""
from __future__ import annotations

import contextlib
import importlib
import pkgutil
import re
import time

import pytest

import valgap
from valgap.model import InputError
from valgap.parsers import FORMATS, Options, read
from valgap.parsers._text import LazyPattern

try:  # Python 3.11+
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

ALPHABET = [chr(c) for c in range(256)] + list("━╸╺─│┃█…·•™\u2028")
REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _class(items) -> set[str]:
    """Characters (of a sample alphabet) an IN class matches."""
    negate = items and items[0][0] == sre.NEGATE
    found = set()
    for op, av in items[1:] if negate else items:
        if op == sre.LITERAL:
            found.add(chr(av))
        elif op == sre.RANGE:
            found |= {c for c in ALPHABET if av[0] <= ord(c) <= av[1]}
        elif op == sre.CATEGORY:
            probe = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D",
                     sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
                     sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}[av]
            found |= {c for c in ALPHABET if re.match(probe, c)}
    return set(ALPHABET) - found if negate else found


def chars(pattern) -> set[str]:
    """Every character an item sequence may consume (an over-approximation)."""
    out: set[str] = set()
    for op, av in pattern:
        if op == sre.LITERAL:
            out.add(chr(av))
        elif op == sre.NOT_LITERAL:
            out |= set(ALPHABET) - {chr(av)}
        elif op == sre.ANY:
            out |= set(ALPHABET) - {"\n"}
        elif op == sre.IN:
            out |= _class(av)
        elif op in REPEATS:
            out |= chars(av[2])
        elif op == sre.SUBPATTERN:
            out |= chars(av[-1])
        elif op == sre.BRANCH:
            for alternative in av[1]:
                out |= chars(alternative)
    return out


def unbounded(op, av) -> bool:
    return op in REPEATS and av[1] == sre.MAXREPEAT


def leading(pattern) -> list:
    """The items that may consume the next character: through optional ones and groups."""
    out = []
    for op, av in pattern:
        if op == sre.SUBPATTERN:
            out += leading(av[-1])
            return out
        if op == sre.BRANCH:
            for alternative in av[1]:
                out += leading(alternative)
            return out
        if op in ZERO_WIDTH:
            continue
        out.append((op, av))
        if not (op in REPEATS and av[0] == 0):
            return out
    return out


def problems(pattern, found: list[str]) -> None:
    items = list(pattern)
    for i, (op, av) in enumerate(items):
        if unbounded(op, av):
            body = list(av[2])
            if any(unbounded(o, a) for o, a in _walk(body)):
                found.append(f"nested unbounded quantifiers at item {i}")
            mine = chars(body)
            for o, a in leading(items[i + 1:]):
                if unbounded(o, a) and mine & chars(a[2]):
                    shared = "".join(sorted(mine & chars(a[2])))[:10]
                    found.append(f"adjacent unbounded quantifiers over {shared!r} at item {i}")
        if op in REPEATS:
            problems(av[2], found)
        elif op == sre.SUBPATTERN:
            problems(av[-1], found)
        elif op == sre.BRANCH:
            for alternative in av[1]:
                problems(alternative, found)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            problems(av[1], found)


def _walk(pattern):
    for op, av in pattern:
        yield op, av
        if op in REPEATS:
            yield from _walk(av[2])
        elif op == sre.SUBPATTERN:
            yield from _walk(av[-1])
        elif op == sre.BRANCH:
            for alternative in av[1]:
                yield from _walk(alternative)


FRAMEWORKS = ("torch", "keras", "tensorflow", "lightning", "pytorch_lightning", "transformers")


def all_patterns() -> list[tuple[str, re.Pattern | LazyPattern]]:
    out = []
    for info in pkgutil.walk_packages(valgap.__path__, "valgap."):
        if info.name == "valgap.__main__":
            continue
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError as missing:  # a callback whose framework is not installed
            if missing.name in FRAMEWORKS:
                continue
            raise
        for name, value in vars(module).items():
            if isinstance(value, (re.Pattern, LazyPattern)):  # compiled when first used too
                out.append((f"{info.name}.{name}", value))
    return out


def test_the_checker_catches_the_known_shapes():
    for bad in (r"\s*[:#]?\s*x", r"(a+)+b", r"\d+\.?\d*x", r"\s+[━\s]+x"):
        found: list[str] = []
        problems(sre_parse.parse(bad), found)
        assert found, bad
    for good in (r"\d{1,40}(?:\.\d{0,40})?", r"[ \t]*[:=][ \t]*\d", r"\s+\d+", r"a+b+"):
        found = []
        problems(sre_parse.parse(good), found)
        assert not found, (good, found)


@pytest.mark.parametrize("name,pattern", all_patterns(), ids=lambda x: x if isinstance(x, str)
                         else "")
def test_no_backtracking_shapes(name, pattern):
    found: list[str] = []
    problems(sre_parse.parse(pattern.pattern, pattern.flags), found)
    assert not found, f"{name}: {found}"


# ---- dynamic: 1 MB lines of the worst cases, through detection and every reader -----------

MB = 1 << 20
WORST = {
    "spaces": " " * MB,
    "digits": "7" * MB,
    "epoch-spaces": "epoch" + " " * MB + "x",
    "loss-spaces": "loss" + " " * MB + "x",
    "loss-number": "loss: " + "1" * MB,
    "long-word": "Epoch 0: 100%|#| 5/5 [00:01, v_num=0]\n" * 2 + "a" * MB,
    "percent-bars": "9%|" * (MB // 3),
    "counters": "1/" * (MB // 2),
    "escapes": "\x1b[" * (MB // 2),
    "osc": "\x1b]" * (MB // 2),
    "redraws": "\r1/9 [==>...] - loss: 0.5" * (MB // 25),
    "dict-braces": "{'loss': " + "}" * (MB // 2) + " " * (MB // 2) + "x",
    "table": "| epoch | loss |\n|" + " " * MB + "x",
    "colons": "a:" * (MB // 2),
    "equals": "loss=" * (MB // 5),
}
BOUND_S = 5.0  # linear code reads 1 MB in well under a second; quadratic code takes minutes


@pytest.mark.parametrize("shape", sorted(WORST))
@pytest.mark.parametrize("fmt", [None, *sorted(FORMATS)])
def test_a_megabyte_line_reads_in_bounded_time(shape, fmt):
    data = WORST[shape].encode()
    started = time.monotonic()
    with contextlib.suppress(InputError):
        read("worst.log", Options(input_format=fmt), data=data)
    took = time.monotonic() - started
    assert took < BOUND_S, f"{shape} as {fmt or 'detected'}: {took:.1f} s"


def test_lines_of_thousands_of_metrics_read_in_bounded_time():
    # a fuzz finding (2026-12-06): lines just under the long-line limit, each thousands of
    # "name: value" pairs, once counted each name against all the others (26 s for these
    # 15 lines' worth of 40; about a second now)
    data = (("loss: 0.5, " * 5900 + "\n") * 15).encode()
    started = time.monotonic()
    with contextlib.suppress(InputError):
        read("worst.log", Options(input_format="loop-text"), data=data)
    took = time.monotonic() - started
    assert took < BOUND_S, f"{took:.1f} s"


def test_detection_sniffs_each_part_of_a_file_of_long_lines_about_once(tmp_path, monkeypatch):
    # fuzz finding: 59 lines of ~215 kB (lists of floats, no loss named) took 9 s to refuse.
    # Each detection window handed its last 50 lines on to the next, so past the first
    # window every new line filled a window at once and ~10 MB were sniffed again per line
    import valgap.parsers as parsers

    line = "[" + ", ".join(f"0.0{i % 10}{i:05d}" for i in range(20_000)) + "] loss"
    path = tmp_path / "lists.txt"
    path.write_text("\n".join([line] * 40) + "\n")
    sniffed = []
    real = parsers._best
    monkeypatch.setattr(parsers, "_best", lambda text: sniffed.append(len(text)) or real(text))
    with pytest.raises(InputError, match="not a training log"):
        read(str(path))
    assert sum(sniffed) < 3 * path.stat().st_size
