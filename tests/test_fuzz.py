"""Property-based fuzzing of the reading and analysis path (hypothesis, seeded: the same
examples on every run, a few seconds in CI). `scripts/fuzz.py` is the long-running version.

The property: for any bytes, in any input format, valgap either returns results whose every
rule judged (no status "error") and whose every rendering is clean, or refuses the input
with an InputError. Nothing else may escape.
"""
from __future__ import annotations

import io
import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from valgap import engine
from valgap.config import Config
from valgap.model import InputError
from valgap.parsers import Options
from valgap.render import RenderOptions, render

SEEDS = [p.read_bytes()[:4000] for p in sorted(SAMPLES.glob("*"))[:6]]
NUMBERS = st.sampled_from(["0.5", "nan", "inf", "-inf", "1e308", "1e-320", "0", "-1", "9" * 400,
                           "1e999", "0.0000"])
WORDS = st.sampled_from(["epoch", "Epoch 1/3", "loss", "val_loss", "train", "valid", ":", "=",
                         "|", ",", " ", "  ", "\t", "\r", "\b", "\x1b[31m", "\x1b]0;t\x07",
                         "\u009b", "\n", "::error::", "##[", "{'loss': ", "{'eval_loss': ",
                         "}", "[", "]", "1/1 [====] - 0s - loss: ", " - val_loss: ", "%|",
                         "<b>", "`", "Train on 10 samples, validate on 5 samples",
                         "epoch,loss,val_loss\n", "Wall time,Step,Value\n"])
LINES = st.lists(st.one_of(WORDS, NUMBERS), max_size=40).map("".join)
TEXTS = st.lists(LINES, min_size=1, max_size=30).map("\n".join)
MUTATED = st.tuples(st.sampled_from(SEEDS), st.integers(0, 3999), TEXTS).map(
    lambda t: t[0][:t[1]] + t[2].encode("utf-8", "surrogatepass") + t[0][t[1]:])
INPUTS = st.one_of(TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")), MUTATED,
                   st.binary(max_size=2000))
FORMATS = st.sampled_from([None, "keras-stdout", "csv", "hf-trainer-state",
                           "hf-trainer-stdout", "loop-text", "notebook", "lightning-progress"])
RAW = ("\x1b]", "\x07", "\u009b", "\u009d", "##[")


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=INPUTS, fmt=FORMATS)
def test_any_input_is_analysed_or_refused(data: bytes, fmt: str | None) -> None:
    try:
        results = engine.analyze_input("fuzz.log", Config(), Options(input_format=fmt),
                                       all_runs=True, data=data)
    except InputError:
        return
    for result in results:
        assert not [r for r in result.rules if r.status == "error"], result.rules
    for out_fmt in ("text", "json", "markdown", "github", "sarif"):
        stream = io.StringIO()
        render(out_fmt, results, stream, RenderOptions(color=True, plot=False))
        text = stream.getvalue()
        assert not any(c in text for c in RAW), (out_fmt, text[:300])
        if out_fmt == "json":
            for line in text.splitlines():
                json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(
                    AssertionError(f"{c} in JSON")))
        if out_fmt != "github":
            assert not any(line.lstrip().startswith("::") for line in text.splitlines())


STEPS = st.integers(min_value=0, max_value=10**15)
VALUES = st.sampled_from([0.5, 1.0, 0.0, -1.0, float("nan"), float("inf"), 1e308, 1e-320])
POINTS = st.lists(st.tuples(STEPS, VALUES), max_size=60)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(train=POINTS, val=POINTS, epochs=st.lists(st.tuples(STEPS, st.integers(0, 10**6)),
                                                 max_size=20))
def test_scalar_series_of_any_shape_make_rows_in_order(train, val, epochs) -> None:
    # TensorBoard scalars and tracker metrics, at any steps (repeated, out of order, far
    # apart), with or without an epoch counter: rows come out in increasing order, each
    # with a value, or the run is refused; nothing else escapes
    from valgap.model import RunInfo
    from valgap.parsers import _series, _tracker

    series = {"train_loss": sorted(train, key=lambda p: p[0]), "val_loss": sorted(val)}
    if epochs:
        series["epoch"] = [(s, float(e)) for s, e in sorted(epochs)]
    records, _notes, _row = _series.to_records(dict(series))
    assert all(a.epoch < b.epoch for a, b in itertools.pairwise(records))
    assert all(r.values for r in records)
    metrics = {k: [(s, float(v)) for s, v in p] for k, p in series.items()}
    kept = list(_tracker._records(metrics, RunInfo(source="fuzz", format="mlflow")))
    assert all(a.epoch < b.epoch for a, b in itertools.pairwise(kept))
